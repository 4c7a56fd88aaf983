package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/strategy"
)

// PartyOrgRequest registers a party organisation (POST) or rewrites its
// details (PATCH: enterprise_ids and formation_type cannot change).
type PartyOrgRequest struct {
	Name          string  `json:"name" example:"永州市某某有限公司党支部"`
	Kind          string  `json:"kind" enums:"committee,general_branch,branch,joint_branch"`
	FormationType string  `json:"formation_type" enums:"standalone,joint"`
	FoundedOn     string  `json:"founded_on" example:"2026-05-20"`
	Secretary     string  `json:"secretary"`
	MemberCount   *int    `json:"member_count" example:"3"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
}

// PartyOrgResponse is a registered party organisation.
type PartyOrgResponse struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Kind          string  `json:"kind" enums:"committee,general_branch,branch,joint_branch"`
	KindLabel     string  `json:"kind_label" example:"党支部"`
	FormationType string  `json:"formation_type" enums:"standalone,joint"`
	FoundedOn     string  `json:"founded_on"`
	Secretary     string  `json:"secretary"`
	MemberCount   int     `json:"member_count"`
	TownshipCode  string  `json:"township_code"`
	TownshipName  string  `json:"township_name"`
	JointGroupID  *int64  `json:"joint_group_id"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
	Version       int64   `json:"version"`
	CreatedAt     string  `json:"created_at"`
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
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/party-orgs [post]
func (s *Server) createPartyOrg(c *gin.Context) {
	var req PartyOrgRequest
	if err := bindJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	o, err := strategy.CheckOrg(orgInput(req), s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err = s.db.CreatePartyOrg(c.Request.Context(), me(c).Scope(), o, req.EnterpriseIDs, actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/party-orgs/"+strconv.FormatInt(o.ID, 10))
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusCreated, s.toPartyOrg(o))
}

// listPartyOrgs godoc
//
//	@Summary	Party organisations
//	@Tags		party organisations
//	@Security	BearerAuth
//	@Produce	json
//	@Param		township	query		string	false	"9-digit township code"
//	@Success	200			{object}	PartyOrgList
//	@Failure	422			{object}	ErrorBody
//	@Router		/api/v1/party-orgs [get]
func (s *Server) listPartyOrgs(c *gin.Context) {
	if !s.params(c, "township") {
		return
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.db.PartyOrgs(c.Request.Context(), me(c).Scope(), township)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := PartyOrgList{Items: make([]PartyOrgResponse, len(orgs))}
	for i, o := range orgs {
		out.Items[i] = s.toPartyOrg(o)
	}
	c.JSON(http.StatusOK, out)
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
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/party-orgs/{id} [get]
func (s *Server) getPartyOrg(c *gin.Context) {
	id, err := pathID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.db.PartyOrg(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusOK, s.toPartyOrg(o))
}

// patchPartyOrg godoc
//
//	@Summary		Rewrite a party organisation's details
//	@Description	Needs If-Match. Name, kind, founding date, secretary and member count; formation_type must stay as registered and enterprise_ids are ignored. A new founding date moves the covered plans' formed_on.
//	@Tags			party organisations
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int				true	"organisation id"
//	@Param			If-Match	header		string			true	"ETag from GET"
//	@Param			body		body		PartyOrgRequest	true	"the details"
//	@Success		200			{object}	PartyOrgResponse
//	@Failure		404			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		428			{object}	ErrorBody
//	@Router			/api/v1/party-orgs/{id} [patch]
func (s *Server) patchPartyOrg(c *gin.Context) {
	var req PartyOrgRequest
	id, version, ok := s.conditionalWrite(c, &req)
	if !ok {
		return
	}
	o, err := strategy.CheckOrg(orgInput(req), s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	o, err = s.db.UpdatePartyOrg(c.Request.Context(), me(c).Scope(), id, version, o, actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("ETag", etag(o.Version))
	c.JSON(http.StatusOK, s.toPartyOrg(o))
}
