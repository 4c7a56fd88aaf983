package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
)

// LiaisonRequest assigns an enterprise's liaison.
type LiaisonRequest struct {
	LiaisonID int64 `json:"liaison_id" example:"12"`
}

// LiaisonPeriod is one assignment of an enterprise's liaison.
type LiaisonPeriod struct {
	LiaisonID  int64   `json:"liaison_id"`
	Username   string  `json:"username"`
	Name       string  `json:"name"`
	AssignedAt string  `json:"assigned_at" format:"date-time"`
	AssignedBy string  `json:"assigned_by"`
	EndedAt    *string `json:"ended_at" extensions:"x-nullable" format:"date-time"`
	EndedBy    string  `json:"ended_by"`
}

// LiaisonResponse is an enterprise's standing liaison (null when none)
// and every assignment it has had, oldest first.
type LiaisonResponse struct {
	EnterpriseID int64           `json:"enterprise_id"`
	Liaison      *UserResponse   `json:"liaison" extensions:"x-nullable"`
	AssignedAt   *string         `json:"assigned_at" extensions:"x-nullable" format:"date-time"`
	History      []LiaisonPeriod `json:"history"`
}

// LiaisonWorkload is a liaison and what they carry.
type LiaisonWorkload struct {
	UserResponse
	Enterprises     int `json:"enterprises"`
	VisitsThisRound int `json:"visits_this_round"`
	Overdue         int `json:"overdue"`
}

// LiaisonList lists liaisons with their workload.
type LiaisonList struct {
	Items []LiaisonWorkload `json:"items"`
	// RoundFrom and RoundTo are the window visits_this_round counts.
	RoundFrom string `json:"round_from"`
	RoundTo   string `json:"round_to"`
}

// VisitRequest logs a visit. Services are visit_services codes of GET
// /dictionaries; their Chinese labels are accepted too (stored as codes);
// anything else is 422.
type VisitRequest struct {
	VisitedOn string   `json:"visited_on" example:"2026-05-20" format:"date"`
	Services  []string `json:"services" enums:"talent,policy,party_building,other"`
	Notes     string   `json:"notes" validate:"optional"`
	NextSteps string   `json:"next_steps" validate:"optional"`
}

// VisitResponse is a logged visit.
type VisitResponse struct {
	ID           int64    `json:"id"`
	EnterpriseID int64    `json:"enterprise_id"`
	VisitedOn    string   `json:"visited_on" format:"date"`
	Services     []string `json:"services" enums:"talent,policy,party_building,other"`
	Notes        string   `json:"notes"`
	NextSteps    string   `json:"next_steps"`
	Author       string   `json:"author"`
	CreatedAt    string   `json:"created_at" format:"date-time"`
}

// VisitList lists an enterprise's visits, latest first.
type VisitList struct {
	Items []VisitResponse `json:"items"`
}

func toVisit(v liaison.Visit) VisitResponse {
	return VisitResponse{ID: v.ID, EnterpriseID: v.EnterpriseID, VisitedOn: v.VisitedOn.Format(time.DateOnly), Services: v.Services,
		Notes: v.Notes, NextSteps: v.NextSteps, Author: v.AuthorName, CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
}

func (s *Server) liaisonResponse(c *gin.Context, id int64, a *liaison.Assignment) (LiaisonResponse, error) {
	out := LiaisonResponse{EnterpriseID: id, History: []LiaisonPeriod{}}
	if a != nil {
		u := s.toUser(a.Liaison)
		u.Phone = s.phoneFor(c, u.Phone, "user", strconv.FormatInt(u.ID, 10), "phone")
		out.Liaison = &u
		at := a.AssignedAt.UTC().Format(time.RFC3339)
		out.AssignedAt = &at
	}
	periods, err := s.db.LiaisonHistory(c.Request.Context(), id)
	if err != nil {
		return out, err
	}
	for _, p := range periods {
		lp := LiaisonPeriod{LiaisonID: p.LiaisonID, Username: p.Username, Name: p.Name, AssignedAt: p.AssignedAt.Format(time.RFC3339),
			AssignedBy: p.AssignedBy, EndedBy: p.EndedBy}
		if p.EndedAt != nil {
			e := p.EndedAt.Format(time.RFC3339)
			lp.EndedAt = &e
		}
		out.History = append(out.History, lp)
	}
	return out, nil
}

// getLiaison godoc
//
//	@Summary	An enterprise's liaison (一企一联络员)
//	@Tags		liaisons
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"ledger id"
//	@Success	200	{object}	LiaisonResponse
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/enterprises/{id}/liaison [get]
func (s *Server) getLiaison(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	a, err := s.db.Liaison(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	out, err := s.liaisonResponse(c, id, a)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// putLiaison godoc
//
//	@Summary		Assign an enterprise's liaison
//	@Description	Exactly one standing liaison per enterprise, a liaison user of the enterprise's township; reassigning ends the previous assignment, which stays in the history.
//	@Tags			liaisons
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id		path		int				true	"ledger id"
//	@Param			body	body		LiaisonRequest	true	"the liaison"
//	@Success		200		{object}	LiaisonResponse
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/enterprises/{id}/liaison [put]
func (s *Server) putLiaison(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	var req LiaisonRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.LiaisonID <= 0 {
		return apperr.Field("liaison_required", "liaison_id", "须指定联络员（liaison_id）")
	}
	a, err := s.db.AssignLiaison(c.Request.Context(), me(c).Scope(), id, req.LiaisonID, actor(c))
	if err != nil {
		return err
	}
	out, err := s.liaisonResponse(c, id, a)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// listLiaisons godoc
//
//	@Summary		Liaisons and their workload
//	@Description	enterprises: standing assignments; visits_this_round: visits they logged in the current round (the open survey round, else the current half-year); overdue: assigned in-scope enterprises whose ledger is stale (last verified 183 or more district days ago, or never).
//	@Tags			liaisons
//	@Security		BearerAuth
//	@Produce		json
//	@Param			township	query		string	false	"9-digit township code"
//	@Success		200			{object}	LiaisonList
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/liaisons [get]
func (s *Server) listLiaisons(c *gin.Context) error {
	if err := params(c, "township"); err != nil {
		return err
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		return err
	}
	now := s.db.Now()
	from, to, err := s.db.CurrentRound(c.Request.Context(), now.In(liaison.Zone()))
	if err != nil {
		return err
	}
	ws, err := s.db.Liaisons(c.Request.Context(), me(c).Scope(), township, from, to, liaison.Today(now))
	if err != nil {
		return err
	}
	out := LiaisonList{Items: make([]LiaisonWorkload, len(ws)), RoundFrom: from.Format(time.DateOnly), RoundTo: to.Format(time.DateOnly)}
	for i, w := range ws {
		out.Items[i] = LiaisonWorkload{UserResponse: s.toUser(w.User), Enterprises: w.Enterprises, VisitsThisRound: w.VisitsThisRound, Overdue: w.Overdue}
		out.Items[i].Phone = maskPhone(out.Items[i].Phone) // a list
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// myEnterprises godoc
//
//	@Summary		A liaison's own enterprises
//	@Description	GET /enterprises for the liaison's standing assignments: the same parameters, sorts, cursors and 422s.
//	@Tags			liaisons
//	@Security		BearerAuth
//	@Produce		json
//	@Param			credit_code		query		string	false	"exact credit code"
//	@Param			township		query		string	false	"9-digit township code, or none (also: unassigned)"
//	@Param			in_scope		query		bool	false	"in the coverage base"
//	@Param			method			query		string	false	"plan method: the override, else the suggestion"	Enums(standalone, joint, affiliated, included)
//	@Param			gap				query		string	false	"in-scope ledgers with this coverage gap; only with sort=id"	Enums(should_form, ungrouped_joint, no_liaison, overdue_plan, stale_ledger, unassigned, check_digit)
//	@Param			plan_status		query		string	false	"in-scope ledgers whose plan has this status"	Enums(not_started, in_progress, formed, completed, not_applicable)
//	@Param			liaison			query		string	false	"a liaison's user id, or none"
//	@Param			q				query		string	false	"substring of the name or credit code"
//	@Param			industry		query		string	false	"prefix of 所属行业 (industry)"
//	@Param			size			query		string	false	"规模 by above_scale"	Enums(above_scale, below_scale, unknown)
//	@Param			updated_since	query		string	false	"RFC 3339 date-time, or YYYY-MM-DD (district midnight, UTC+8)"
//	@Param			not_verified_since	query	string	false	"never verified or last verified before this date YYYY-MM-DD (as a survey round counts): an open round's starts_on gives the liaison's enterprises not yet visited in it"	format(date)
//	@Param			sort			query		string	false	"order, default id"	Enums(id, -id, name, -name, credit_code, -credit_code, updated_at, -updated_at, full_members, -full_members, employees, -employees)
//	@Param			limit			query		int		false	"page size, default 50, max 200"
//	@Param			cursor			query		string	false	"next_cursor of the previous page (same sort)"
//	@Success		200				{object}	EnterprisePage
//	@Failure		401				{object}	ErrorBody
//	@Failure		403				{object}	ErrorBody
//	@Failure		422				{object}	ErrorBody
//	@Router			/api/v1/me/enterprises [get]
func (s *Server) myEnterprises(c *gin.Context) error { return s.listEnterprises(c) }

// addVisit godoc
//
//	@Summary		Log a visit (走访记录)
//	@Description	visited_on not in the future; services any of talent, policy, party_building, other. A visit marks the ledger verified (the stale clock restarts from the visit). A liaison logs visits to its own enterprises only. Idempotency-Key (printable, at most 200 characters): the same user, key and visit answer 200 with the visit logged first (a visit re-sent after a lost answer is logged once); the same key with another visit is 422 idempotency_key_reused.
//	@Tags			liaisons
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id		path		int				true	"ledger id"
//	@Param			body	body		VisitRequest	true	"the visit"
//	@Param			Idempotency-Key	header	string	false	"a key unique to this visit"
//	@Success		201		{object}	VisitResponse
//	@Success		200		{object}	VisitResponse	"the visit the Idempotency-Key already logged"
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/enterprises/{id}/visits [post]
func (s *Server) addVisit(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	var req VisitRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	v, err := liaison.NewVisit(liaison.VisitInput{VisitedOn: req.VisitedOn, Services: req.Services, Notes: req.Notes, NextSteps: req.NextSteps}, s.today())
	if err != nil {
		return err
	}
	v, created, err := s.db.AddVisit(c.Request.Context(), me(c).Scope(), id, v, key, actor(c))
	if err != nil {
		return err
	}
	if !created {
		c.JSON(http.StatusOK, toVisit(v))
		return nil
	}
	c.JSON(http.StatusCreated, toVisit(v))
	return nil
}

// listVisits godoc
//
//	@Summary	An enterprise's visits, latest first
//	@Tags		liaisons
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"ledger id"
//	@Success	200	{object}	VisitList
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router		/api/v1/enterprises/{id}/visits [get]
func (s *Server) listVisits(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	vs, err := s.db.Visits(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	out := VisitList{Items: make([]VisitResponse, len(vs))}
	for i, v := range vs {
		out.Items[i] = toVisit(v)
	}
	c.JSON(http.StatusOK, out)
	return nil
}
