package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

// PlanResponse is one enterprise's line of the 全覆盖计划表.
type PlanResponse struct {
	EnterpriseID int64 `json:"enterprise_id"`
	// Method is the plan's method: the override's when there is one, else
	// the suggestion.
	Method          string            `json:"method" enums:"standalone,joint,affiliated,included"`
	MethodSource    string            `json:"method_source" enums:"suggestion,override"`
	SuggestedMethod string            `json:"suggested_method" enums:"standalone,joint,affiliated,included"`
	Override        *OverrideResponse `json:"override" extensions:"x-nullable"`
	// PlannedStartOn is 组建时间, PlannedCompletionOn 完成时间,
	// FormationDetails 组建方式.
	PlannedStartOn      *string `json:"planned_start_on" example:"2026-03-01" extensions:"x-nullable" format:"date"`
	FormationDetails    string  `json:"formation_details"`
	PlannedCompletionOn *string `json:"planned_completion_on" example:"2026-06-30" extensions:"x-nullable" format:"date"`
	ContactName         string  `json:"contact_name"`
	ContactPhone        string  `json:"contact_phone"`
	Status              string  `json:"status" enums:"not_started,in_progress,formed,completed,not_applicable"`
	FormedOn            *string `json:"formed_on" extensions:"x-nullable" format:"date"`
	PartyOrgID          *int64  `json:"party_org_id" extensions:"x-nullable"`
	JointGroupID        *int64  `json:"joint_group_id" extensions:"x-nullable"`
	Version             int64   `json:"version"`
	UpdatedAt           *string `json:"updated_at" extensions:"x-nullable" format:"date-time"`
	UpdatedBy           string  `json:"updated_by"`
}

// OverrideResponse is staff's choice of another method than the
// suggestion. NeedsReview is set when the suggestion has changed since.
type OverrideResponse struct {
	Method           string `json:"method" enums:"standalone,joint,affiliated,included"`
	Reason           string `json:"reason"`
	SuggestionAtThen string `json:"suggestion_at_override" enums:"standalone,joint,affiliated,included"`
	NeedsReview      bool   `json:"needs_review"`
	By               string `json:"by"`
	At               string `json:"at" format:"date-time"`
}

// PlanRequest replaces a plan. A method other than the current suggestion
// is an override and needs override_reason; leaving method out (or sending
// the suggestion) follows the suggestion.
type PlanRequest struct {
	Method              *string `json:"method" enums:"standalone,joint,affiliated,included" extensions:"x-nullable" validate:"optional"`
	OverrideReason      string  `json:"override_reason" validate:"optional"`
	PlannedStartOn      *string `json:"planned_start_on" example:"2026-03-01" extensions:"x-nullable" format:"date" validate:"optional"`
	FormationDetails    string  `json:"formation_details" validate:"optional"`
	PlannedCompletionOn *string `json:"planned_completion_on" example:"2026-06-30" extensions:"x-nullable" format:"date" validate:"optional"`
	ContactName         string  `json:"contact_name" validate:"optional"`
	ContactPhone        string  `json:"contact_phone" example:"13800000000" validate:"optional"`
	Status              *string `json:"status" enums:"not_started,in_progress,formed,completed,not_applicable" extensions:"x-nullable" validate:"optional"`
	FormedOn            *string `json:"formed_on" extensions:"x-nullable" format:"date" validate:"optional"`
	PartyOrgID          *int64  `json:"party_org_id" extensions:"x-nullable" validate:"optional"`
	JointGroupID        *int64  `json:"joint_group_id" extensions:"x-nullable" validate:"optional"`
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func toPlanResponse(p strategy.Plan) PlanResponse {
	r := PlanResponse{EnterpriseID: p.EnterpriseID, Method: string(p.Method()), MethodSource: strategy.FromSuggestion,
		SuggestedMethod: string(p.Suggested), PlannedStartOn: dateString(p.PlannedStartOn), FormationDetails: p.FormationDetails,
		PlannedCompletionOn: dateString(p.PlannedCompletionOn), ContactName: p.ContactName, ContactPhone: p.ContactPhone,
		Status: string(p.Status), FormedOn: dateString(p.FormedOn), PartyOrgID: p.PartyOrgID, JointGroupID: p.JointGroupID,
		Version: p.Version, UpdatedBy: p.UpdatedBy}
	if !p.UpdatedAt.IsZero() {
		at := p.UpdatedAt.UTC().Format(time.RFC3339)
		r.UpdatedAt = &at
	}
	if o := p.Override; o != nil {
		r.MethodSource = strategy.FromOverride
		r.Override = &OverrideResponse{Method: string(o.Method), Reason: o.Reason, SuggestionAtThen: string(o.Suggestion),
			NeedsReview: p.NeedsReview(), By: o.By, At: o.At.UTC().Format(time.RFC3339)}
	}
	return r
}

// getPlan godoc
//
//	@Summary		An enterprise's plan (全覆盖计划表)
//	@Description	Every in-scope enterprise has one, not started and following the suggestion until someone plans it. Out-of-scope enterprises have none (422 plan_not_applicable).
//	@Tags			plans
//	@Security		BearerAuth
//	@Produce		json
//	@Param			id	path		int	true	"ledger id"
//	@Success		200	{object}	PlanResponse
//	@Header			200	{string}	ETag	"the plan's version; send it back as If-Match"
//	@Failure		401	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody
//	@Router			/api/v1/enterprises/{id}/plan [get]
func (s *Server) getPlan(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	p, err := s.db.Plan(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	out := toPlanResponse(p)
	out.ContactPhone = s.phoneFor(c, out.ContactPhone, "enterprise", strconv.FormatInt(id, 10), "plan.contact_phone")
	c.Header("ETag", etag(p.Version))
	c.JSON(http.StatusOK, out)
	return nil
}

// putPlan godoc
//
//	@Summary		Replace an enterprise's plan
//	@Description	Needs If-Match with the plan's ETag (428 without, 412 when stale). A method other than the suggestion is an override and needs override_reason; the override is kept when suggestions are recomputed and flagged needs_review when the suggestion changes. Completion may not precede the start; joint needs a confirmed joint group once in progress. A plan becomes formed only by registering the party organisation that covers the enterprise (POST /api/v1/party-orgs): status formed, formed_on and party_org_id cannot be set here (422). A formed plan belongs to its organisation: its method, status, organisation, joint group and formed_on stay (changing them is 422) until the organisation is dissolved or merged; its other fields stay writable. A later change of the suggestion never rewrites a formed plan's method: it is flagged needs_review.
//	@Tags			plans
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int			true	"ledger id"
//	@Param			If-Match	header		string		true	"ETag from GET"
//	@Param			body		body		PlanRequest	true	"the whole plan"
//	@Success		200			{object}	PlanResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	ErrorBody
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		428			{object}	ErrorBody
//	@Router			/api/v1/enterprises/{id}/plan [put]
func (s *Server) putPlan(c *gin.Context) error {
	var req PlanRequest
	id, version, err := s.conditionalWrite(c, store.ErrEnterpriseNotFound, &req)
	if err != nil {
		return err
	}
	in := strategy.PlanInput{Method: req.Method, OverrideReason: req.OverrideReason, PlannedStartOn: req.PlannedStartOn,
		FormationDetails: req.FormationDetails, PlannedCompletionOn: req.PlannedCompletionOn, ContactName: req.ContactName,
		ContactPhone: req.ContactPhone, Status: req.Status, FormedOn: req.FormedOn, PartyOrgID: req.PartyOrgID,
		JointGroupID: req.JointGroupID}
	by := actor(c)
	now := s.db.Now()
	p, err := s.db.UpdatePlan(c.Request.Context(), me(c).Scope(), id, version, by,
		func(cur strategy.Plan, refs strategy.PlanRefs) (strategy.Plan, error) {
			return cur.Apply(in, by.Name, now.In(liaison.Zone()), refs)
		})
	if err != nil {
		return err
	}
	out := toPlanResponse(p)
	out.ContactPhone = s.phoneFor(c, out.ContactPhone, "enterprise", strconv.FormatInt(id, 10), "plan.contact_phone")
	c.Header("ETag", etag(p.Version))
	c.JSON(http.StatusOK, out)
	return nil
}

// conditionalWrite reads what a versioned write (PUT or PATCH with
// If-Match) needs: the path id, the If-Match version and the JSON body into
// req. On a problem it returns the error to answer.
func (s *Server) conditionalWrite(c *gin.Context, notFound error, req any) (id, version int64, err error) {
	id, err = pathID(c, notFound)
	if err == nil {
		version, err = ifMatch(c.GetHeader("If-Match"))
	}
	if err == nil {
		err = bindJSON(c, req)
	}
	if err != nil {
		return 0, 0, err
	}
	return id, version, nil
}
