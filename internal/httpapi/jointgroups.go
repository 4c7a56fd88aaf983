package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

// JointGroupSuggestion is a proposed joint group; it can be posted back to
// POST /api/v1/joint-groups as it is.
type JointGroupSuggestion struct {
	TownshipCode  string  `json:"township_code" example:"431103006"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
	FullMembers   int     `json:"full_members" example:"3"`
}

// JointGroupSuggestions lists proposed joint groups.
type JointGroupSuggestions struct {
	Items []JointGroupSuggestion `json:"items"`
}

// JointGroupRequest confirms a joint group. A suggestion item is accepted
// as it is: its full_members is recounted from the ledgers, not trusted.
type JointGroupRequest struct {
	TownshipCode  string  `json:"township_code" example:"431103006"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
	FullMembers   *int    `json:"full_members,omitempty" extensions:"x-nullable"`
}

// JointGroupResponse is a confirmed (or dissolved) joint group.
type JointGroupResponse struct {
	ID            int64   `json:"id"`
	TownshipCode  string  `json:"township_code"`
	TownshipName  string  `json:"township_name"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
	FullMembers   int     `json:"full_members"`
	CreatedAt     string  `json:"created_at" format:"date-time"`
	CreatedBy     string  `json:"created_by"`
	DissolvedAt   *string `json:"dissolved_at" extensions:"x-nullable" format:"date-time"`
	DissolvedBy   string  `json:"dissolved_by"`
}

// JointGroupList lists joint groups, newest first.
type JointGroupList struct {
	Items []JointGroupResponse `json:"items"`
}

func (s *Server) toJointGroup(g strategy.JointGroup) JointGroupResponse {
	r := JointGroupResponse{ID: g.ID, TownshipCode: g.Township, EnterpriseIDs: g.Enterprises, FullMembers: g.FullMembers,
		CreatedAt: g.CreatedAt.UTC().Format(time.RFC3339), CreatedBy: g.CreatedBy, DissolvedBy: g.DissolvedBy}
	if t, ok := s.district.Township(g.Township); ok {
		r.TownshipName = t.Name
	}
	if g.DissolvedAt != nil {
		at := g.DissolvedAt.UTC().Format(time.RFC3339)
		r.DissolvedAt = &at
	}
	return r
}

// townshipQuery reads the optional township parameter: a township code of
// the district.
func (s *Server) townshipQuery(c *gin.Context) (string, error) {
	v := strings.TrimSpace(c.Query("township"))
	if v == "" {
		return "", nil
	}
	if _, ok := s.district.Township(v); !ok {
		return "", apperr.Field("invalid_township", "township", "township 须为本区的9位街道/乡镇代码")
	}
	return v, nil
}

// suggestJointGroups godoc
//
//	@Summary		Proposed joint groups (联合组建)
//	@Description	Per township: all in-scope enterprises with 1–2 full members not yet in a group and still planned as joint, when they are at least two with at least three full members together; more than FUGAI_JOINT_MAX (default 8) are split into groups of at most that size, each with at least three full members. A township administrator sees its own township.
//	@Tags			joint groups
//	@Security		BearerAuth
//	@Produce		json
//	@Param			township	query		string	false	"9-digit township code (all visible townships when absent)"
//	@Success		200			{object}	JointGroupSuggestions
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/joint-groups/suggestions [get]
func (s *Server) suggestJointGroups(c *gin.Context) error {
	if err := params(c, "township"); err != nil {
		return err
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		return err
	}
	cands, err := s.db.JointCandidates(c.Request.Context(), me(c).Scope(), township)
	if err != nil {
		return err
	}
	byTownship := map[string][]strategy.Candidate{}
	var codes []string
	for _, cand := range cands {
		if _, ok := byTownship[cand.Township]; !ok {
			codes = append(codes, cand.Township)
		}
		byTownship[cand.Township] = append(byTownship[cand.Township], cand)
	}
	slices.Sort(codes)
	out := JointGroupSuggestions{Items: []JointGroupSuggestion{}}
	for _, code := range codes {
		for _, g := range strategy.SuggestGroups(byTownship[code], s.cfg.JointMax) {
			out.Items = append(out.Items, JointGroupSuggestion{TownshipCode: g.Township, EnterpriseIDs: g.Enterprises, FullMembers: g.FullMembers})
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// createJointGroup godoc
//
//	@Summary		Confirm a joint group
//	@Description	All enterprises in the one township, each an in-scope enterprise with 1–2 full members, in no other group and planned as joint, at least two with at least three full members together; else 422 naming enterprise_ids. The members' plans get the group.
//	@Tags			joint groups
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		JointGroupRequest	true	"the group (a suggestion item as it is)"
//	@Success		201		{object}	JointGroupResponse
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/joint-groups [post]
func (s *Server) createJointGroup(c *gin.Context) error {
	var req JointGroupRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if _, ok := s.district.Township(req.TownshipCode); !ok {
		return apperr.Field("invalid_township", "township_code", "township_code 须为本区的9位街道/乡镇代码")
	}
	g, err := s.db.CreateJointGroup(c.Request.Context(), me(c).Scope(), req.TownshipCode, req.EnterpriseIDs, actor(c))
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/joint-groups/"+strconv.FormatInt(g.ID, 10))
	c.JSON(http.StatusCreated, s.toJointGroup(g))
	return nil
}

// listJointGroups godoc
//
//	@Summary	Confirmed joint groups
//	@Tags		joint groups
//	@Security	BearerAuth
//	@Produce	json
//	@Param		township	query		string	false	"9-digit township code"
//	@Param		dissolved	query		bool	false	"include dissolved groups"
//	@Success	200			{object}	JointGroupList
//	@Failure	401			{object}	ErrorBody
//	@Failure	403			{object}	ErrorBody
//	@Failure	422			{object}	ErrorBody
//	@Router		/api/v1/joint-groups [get]
func (s *Server) listJointGroups(c *gin.Context) error {
	if err := params(c, "township", "dissolved"); err != nil {
		return err
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		return err
	}
	dissolved := false
	if v := c.Query("dissolved"); v != "" {
		if dissolved, err = strconv.ParseBool(v); err != nil {
			return apperr.Field("invalid_dissolved", "dissolved", "dissolved 须为 true 或 false")
		}
	}
	groups, err := s.db.JointGroups(c.Request.Context(), me(c).Scope(), township, dissolved)
	if err != nil {
		return err
	}
	out := JointGroupList{Items: make([]JointGroupResponse, len(groups))}
	for i, g := range groups {
		out.Items[i] = s.toJointGroup(g)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// getJointGroup godoc
//
//	@Summary	One joint group
//	@Tags		joint groups
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"group id"
//	@Success	200	{object}	JointGroupResponse
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/joint-groups/{id} [get]
func (s *Server) getJointGroup(c *gin.Context) error {
	id, err := pathID(c, store.ErrJointGroupNotFound)
	if err != nil {
		return err
	}
	g, err := s.db.JointGroup(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.toJointGroup(g))
	return nil
}

// deleteJointGroup godoc
//
//	@Summary		Dissolve a joint group
//	@Description	The members are free to be grouped again; their plans leave the group (a plan in progress is not started again). A group whose joint branch is formed cannot be dissolved (409).
//	@Tags			joint groups
//	@Security		BearerAuth
//	@Param			id	path	int	true	"group id"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody
//	@Router			/api/v1/joint-groups/{id} [delete]
func (s *Server) deleteJointGroup(c *gin.Context) error {
	id, err := pathID(c, store.ErrJointGroupNotFound)
	if err != nil {
		return err
	}
	if err := s.db.DissolveJointGroup(c.Request.Context(), me(c).Scope(), id, actor(c)); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
