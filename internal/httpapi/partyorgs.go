package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

// PartyOrgRequest registers a party organisation (POST).
type PartyOrgRequest struct {
	Name          string  `json:"name" example:"永州市某某有限公司党支部"`
	Kind          string  `json:"kind" enums:"committee,general_branch,branch,joint_branch"`
	FormationType string  `json:"formation_type" enums:"standalone,joint"`
	FoundedOn     string  `json:"founded_on" example:"2026-05-20" format:"date"`
	Secretary     string  `json:"secretary" validate:"optional"`
	MemberCount   *int    `json:"member_count" example:"3" extensions:"x-nullable"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
}

// PartyOrgPatch is a partial update of a party organisation (PATCH): the
// fields left out stay as they are; unknown fields are refused (422). For
// a joint organisation, enterprise_ids makes its coverage (and its joint
// group) exactly those enterprises.
type PartyOrgPatch struct {
	Name          *string  `json:"name,omitempty"`
	Kind          *string  `json:"kind,omitempty" enums:"committee,general_branch,branch,joint_branch"`
	FormationType *string  `json:"formation_type,omitempty" enums:"standalone,joint"`
	FoundedOn     *string  `json:"founded_on,omitempty" format:"date" example:"2026-05-20"`
	Secretary     *string  `json:"secretary,omitempty" extensions:"x-nullable"` // null clears it
	MemberCount   *int     `json:"member_count,omitempty" example:"3"`
	EnterpriseIDs *[]int64 `json:"enterprise_ids,omitempty"`
}

// PartyOrgEndRequest dissolves (撤销) or merges (合并) an organisation.
type PartyOrgEndRequest struct {
	On     string `json:"on" binding:"required" format:"date" example:"2026-11-30"`
	Reason string `json:"reason" binding:"required" example:"企业注销"`
}

// PartyOrgMergeRequest merges an organisation into another of its
// township.
type PartyOrgMergeRequest struct {
	Into   int64  `json:"into" binding:"required" example:"12"`
	On     string `json:"on" binding:"required" format:"date" example:"2026-11-30"`
	Reason string `json:"reason" binding:"required" example:"两企业合并"`
}

// PartyOrgResponse is a registered party organisation.
type PartyOrgResponse struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Kind          string  `json:"kind" enums:"committee,general_branch,branch,joint_branch"`
	KindLabel     string  `json:"kind_label" example:"党支部"`
	FormationType string  `json:"formation_type" enums:"standalone,joint"`
	FoundedOn     string  `json:"founded_on" format:"date"`
	Secretary     string  `json:"secretary"`
	MemberCount   int     `json:"member_count"`
	TownshipCode  string  `json:"township_code"`
	TownshipName  string  `json:"township_name"`
	JointGroupID  *int64  `json:"joint_group_id" extensions:"x-nullable"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
	Status        string  `json:"status" enums:"active,dissolved,merged"`
	StatusLabel   string  `json:"status_label" example:"正常"`
	EndedOn       *string `json:"ended_on" format:"date" extensions:"x-nullable"`
	EndReason     string  `json:"end_reason"`
	MergedInto    *int64  `json:"merged_into" extensions:"x-nullable"`
	Version       int64   `json:"version"`
	CreatedAt     string  `json:"created_at" format:"date-time"`
	CreatedBy     string  `json:"created_by"`
}

// PartyOrgList lists party organisations, newest first.
type PartyOrgList struct {
	Items []PartyOrgResponse `json:"items"`
}

func (s *Server) toPartyOrg(o strategy.PartyOrg) PartyOrgResponse {
	r := PartyOrgResponse{ID: o.ID, Name: o.Name, Kind: string(o.Kind), KindLabel: o.Kind.Label(), FormationType: string(o.FormationType),
		FoundedOn: o.FoundedOn.Format(time.DateOnly), Secretary: o.Secretary, MemberCount: o.MemberCount, TownshipCode: o.Township,
		JointGroupID: o.JointGroupID, EnterpriseIDs: o.Enterprises, Version: o.Version,
		CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339), CreatedBy: o.CreatedBy}
	if t, ok := s.district.Township(o.Township); ok {
		r.TownshipName = t.Name
	}
	if r.EnterpriseIDs == nil {
		r.EnterpriseIDs = []int64{}
	}
	r.Status, r.StatusLabel, r.EndReason, r.MergedInto = string(o.Status), o.Status.Label(), o.EndReason, o.MergedInto
	if o.EndedOn != nil {
		d := o.EndedOn.Format(time.DateOnly)
		r.EndedOn = &d
	}
	return r
}

func orgInput(req PartyOrgRequest) strategy.OrgInput {
	return strategy.OrgInput{Name: req.Name, Kind: req.Kind, FormationType: req.FormationType, FoundedOn: req.FoundedOn,
		Secretary: req.Secretary, MemberCount: req.MemberCount}
}

func (s *Server) today() string { return s.db.Now().In(liaison.Zone()).Format(time.DateOnly) }

// createPartyOrg godoc
//
//	@Summary		Register a party organisation
//	@Description	A standalone organisation covers one enterprise whose plan is standalone; a joint one covers all the enterprises of one confirmed joint group. The covered enterprises' plans become formed on founded_on (organisation covered). An enterprise has at most one organisation.
//	@Tags			party organisations
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		PartyOrgRequest	true	"the organisation"
//	@Success		201		{object}	PartyOrgResponse
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/party-orgs [post]
func (s *Server) createPartyOrg(c *gin.Context) error {
	var req PartyOrgRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	o, err := strategy.CheckOrg(orgInput(req), s.today())
	if err != nil {
		return err
	}
	o, err = s.db.CreatePartyOrg(c.Request.Context(), me(c).Scope(), o, req.EnterpriseIDs, actor(c))
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/party-orgs/"+strconv.FormatInt(o.ID, 10))
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusCreated, s.toPartyOrg(o))
	return nil
}

// listPartyOrgs godoc
//
//	@Summary	Party organisations
//	@Tags		party organisations
//	@Security	BearerAuth
//	@Produce	json
//	@Param		township	query		string	false	"9-digit township code"
//	@Success	200			{object}	PartyOrgList
//	@Failure	401			{object}	ErrorBody
//	@Failure	403			{object}	ErrorBody
//	@Failure	422			{object}	ErrorBody
//	@Router		/api/v1/party-orgs [get]
func (s *Server) listPartyOrgs(c *gin.Context) error {
	if err := params(c, "township"); err != nil {
		return err
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		return err
	}
	orgs, err := s.db.PartyOrgs(c.Request.Context(), me(c).Scope(), township)
	if err != nil {
		return err
	}
	out := PartyOrgList{Items: make([]PartyOrgResponse, len(orgs))}
	for i, o := range orgs {
		out.Items[i] = s.toPartyOrg(o)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// getPartyOrg godoc
//
//	@Summary	One party organisation
//	@Tags		party organisations
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"organisation id"
//	@Success	200	{object}	PartyOrgResponse
//	@Header		200	{string}	ETag	"the organisation's version"
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/party-orgs/{id} [get]
func (s *Server) getPartyOrg(c *gin.Context) error {
	id, err := pathID(c, store.ErrPartyOrgNotFound)
	if err != nil {
		return err
	}
	o, err := s.db.PartyOrg(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusOK, s.toPartyOrg(o))
	return nil
}

// patchPartyOrg godoc
//
//	@Summary		Change a party organisation
//	@Description	Needs If-Match. A partial update: fields left out stay; unknown fields are refused (422). formation_type must stay as registered. The kind needs its members (党支部 ≥ 3, 党总支 ≥ 50, 党委 ≥ 100 full members), checked against member_count and the covered ledgers. A new founding date moves the covered plans' formed_on. For a joint organisation, enterprise_ids sets the enterprises it covers (its joint group follows); a standalone one covers its one enterprise. A dissolved or merged organisation cannot change (409).
//	@Tags			party organisations
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int				true	"organisation id"
//	@Param			If-Match	header		string			true	"ETag from GET"
//	@Param			body		body		PartyOrgPatch	true	"the fields to change"
//	@Success		200			{object}	PartyOrgResponse
//	@Header			200			{string}	ETag	"the organisation's new version"
//	@Failure		400			{object}	ErrorBody
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		409			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		428			{object}	ErrorBody
//	@Router			/api/v1/party-orgs/{id} [patch]
func (s *Server) patchPartyOrg(c *gin.Context) error {
	id, err := pathID(c, store.ErrPartyOrgNotFound)
	var version int64
	if err == nil {
		version, err = ifMatch(c.GetHeader("If-Match"))
	}
	var req PartyOrgPatch
	if err == nil {
		err = bindPartial(c, &req, "secretary")
	}
	if err != nil {
		return err
	}
	today := s.today()
	patch := func(cur strategy.PartyOrg) (strategy.PartyOrg, error) {
		return cur.Patch(strategy.OrgPatch{Name: req.Name, Kind: req.Kind, FormationType: req.FormationType,
			FoundedOn: req.FoundedOn, Secretary: req.Secretary, MemberCount: req.MemberCount}, today)
	}
	var ids []int64
	if req.EnterpriseIDs != nil {
		ids = *req.EnterpriseIDs
		if ids == nil {
			ids = []int64{}
		}
	}
	o, err := s.db.UpdatePartyOrg(c.Request.Context(), me(c).Scope(), id, version, patch, ids, actor(c))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusOK, s.toPartyOrg(o))
	return nil
}

// dissolvePartyOrg godoc
//
//	@Summary		Dissolve a party organisation (撤销)
//	@Description	Needs If-Match. The organisation stays in the register as dissolved, with the date and reason; the enterprises it covered are no longer organisation covered: their plans are in progress again, keeping their method (and joint group).
//	@Tags			party organisations
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int					true	"organisation id"
//	@Param			If-Match	header		string				true	"ETag from GET"
//	@Param			body		body		PartyOrgEndRequest	true	"date and reason"
//	@Success		200			{object}	PartyOrgResponse
//	@Failure		400			{object}	ErrorBody
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		409			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		428			{object}	ErrorBody
//	@Router			/api/v1/party-orgs/{id}/dissolve [post]
func (s *Server) dissolvePartyOrg(c *gin.Context) error {
	var req PartyOrgEndRequest
	id, version, err := s.conditionalWrite(c, store.ErrPartyOrgNotFound, &req)
	if err != nil {
		return err
	}
	return s.endPartyOrg(c, id, version, req.On, req.Reason, nil)
}

// mergePartyOrg godoc
//
//	@Summary		Merge a party organisation into another (合并)
//	@Description	Needs If-Match. The organisation stays in the register as merged, with the date, the reason and the organisation it merged into (active, same township); its enterprises are covered by that organisation from then on (and join its joint group when it is joint), their member count is added to it.
//	@Tags			party organisations
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int						true	"organisation id"
//	@Param			If-Match	header		string					true	"ETag from GET"
//	@Param			body		body		PartyOrgMergeRequest	true	"target, date and reason"
//	@Success		200			{object}	PartyOrgResponse
//	@Failure		400			{object}	ErrorBody
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		409			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		428			{object}	ErrorBody
//	@Router			/api/v1/party-orgs/{id}/merge [post]
func (s *Server) mergePartyOrg(c *gin.Context) error {
	var req PartyOrgMergeRequest
	id, version, err := s.conditionalWrite(c, store.ErrPartyOrgNotFound, &req)
	if err != nil {
		return err
	}
	if req.Into <= 0 {
		return apperr.Field("invalid_into", "into", "须指定合并到的党组织")
	}
	into := req.Into
	return s.endPartyOrg(c, id, version, req.On, req.Reason, &into)
}

func (s *Server) endPartyOrg(c *gin.Context, id, version int64, on, reason string, into *int64) error {
	today := s.today()
	o, err := s.db.EndPartyOrg(c.Request.Context(), me(c).Scope(), id, version, func(cur strategy.PartyOrg) (strategy.End, error) {
		return strategy.CheckEnd(cur, on, reason, into, today)
	}, actor(c))
	if err != nil {
		return err
	}
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusOK, s.toPartyOrg(o))
	return nil
}
