package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/survey"
)

// RoundRequest declares a survey round.
type RoundRequest struct {
	Name     string `json:"name" example:"2026年上半年"`
	StartsOn string `json:"starts_on" example:"2026-03-01" format:"date"`
	EndsOn   string `json:"ends_on" example:"2026-06-30" format:"date"`
}

// RoundResponse is a survey round with each township's progress
// (in-scope enterprises verified inside the window ÷ base): live while it
// is open, as at closing once closed.
type RoundResponse struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	StartsOn string  `json:"starts_on" format:"date"`
	EndsOn   string  `json:"ends_on" format:"date"`
	EndedOn  *string `json:"ended_on" extensions:"x-nullable" format:"date"`
	Status   string  `json:"status" enums:"open,closed"`
	ClosedAt *string `json:"closed_at" format:"date-time" extensions:"x-nullable"`
	// SnapshotTakenAt is when the closed round's snapshot was taken (its
	// closing); null while the round is open.
	SnapshotTakenAt *string           `json:"snapshot_taken_at" format:"date-time" extensions:"x-nullable"`
	ClosedBy        string            `json:"closed_by"`
	Total           survey.Progress   `json:"total"`
	Progress        []survey.Progress `json:"progress"`
}

// RoundList lists survey rounds, latest first.
type RoundList struct {
	Items []RoundResponse `json:"items"`
}

// progress gives a round's progress rows for the caller: live for an open
// round, from the snapshot for a closed one.
func (s *Server) roundProgress(c *gin.Context, r survey.Round) (survey.Progress, []survey.Progress, error) {
	scope := me(c).Scope()
	scope.Liaison = 0
	rows := r.Progress
	if r.Open() {
		counts, err := s.db.RoundProgress(c.Request.Context(), scope, r.StartsOn, r.LastDay())
		if err != nil {
			return survey.Progress{}, nil, err
		}
		rows = s.progressRows(counts)
	}
	var out []survey.Progress
	total := survey.Progress{Code: s.district.Code, Name: s.district.Name}
	for _, p := range rows {
		if !scope.All && p.Code != scope.Township {
			continue
		}
		out = append(out, p)
		total.Enterprises += p.Enterprises
		total.Verified += p.Verified
	}
	if !scope.All && len(out) == 1 {
		total.Code, total.Name = out[0].Code, out[0].Name
	}
	total.Rate = survey.Rate(total.Verified, total.Enterprises)
	if out == nil {
		out = []survey.Progress{}
	}
	return total, out, nil
}

// progressRows turns counts by township into progress rows: every
// township of the district, then the unassigned.
func (s *Server) progressRows(counts map[string][2]int) []survey.Progress {
	out := make([]survey.Progress, 0, len(s.district.Townships)+1)
	for _, t := range s.district.Townships {
		c := counts[t.Code]
		out = append(out, survey.Progress{Code: t.Code, Name: t.Name, Enterprises: c[0], Verified: c[1], Rate: survey.Rate(c[1], c[0])})
	}
	c := counts[""]
	out = append(out, survey.Progress{Code: "unassigned", Name: "未划分街道/乡镇", Enterprises: c[0], Verified: c[1], Rate: survey.Rate(c[1], c[0])})
	return out
}

func (s *Server) toRound(c *gin.Context, r survey.Round) (RoundResponse, error) {
	out := RoundResponse{ID: r.ID, Name: r.Name, StartsOn: r.StartsOn.Format(time.DateOnly), EndsOn: r.EndsOn.Format(time.DateOnly),
		Status: r.Status(), ClosedBy: r.ClosedBy}
	if r.EndedOn != nil {
		e := r.EndedOn.Format(time.DateOnly)
		out.EndedOn = &e
	}
	if r.ClosedAt != nil {
		at := r.ClosedAt.UTC().Format(time.RFC3339)
		out.ClosedAt, out.SnapshotTakenAt = &at, &at
	}
	total, rows, err := s.roundProgress(c, r)
	out.Total, out.Progress = total, rows
	return out, err
}

// createRound godoc
//
//	@Summary		Declare a survey round (百名干部进百企)
//	@Description	Rounds do not overlap (409 naming the other round). A round whose window has already ended (ends_on before the district's today) is refused with 422: its snapshot could only count the ledgers as they are now.
//	@Tags			survey rounds
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		RoundRequest	true	"the round"
//	@Success		201		{object}	RoundResponse
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/survey-rounds [post]
func (s *Server) createRound(c *gin.Context) error {
	var req RoundRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	r, err := survey.New(survey.Input{Name: req.Name, StartsOn: req.StartsOn, EndsOn: req.EndsOn}, liaison.Today(s.db.Now()))
	if err != nil {
		return err
	}
	if r, err = s.db.CreateRound(c.Request.Context(), r, actor(c)); err != nil {
		return err
	}
	out, err := s.toRound(c, r)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/survey-rounds/"+strconv.FormatInt(r.ID, 10))
	c.JSON(http.StatusCreated, out)
	return nil
}

// listRounds godoc
//
//	@Summary	Survey rounds with their progress
//	@Tags		survey rounds
//	@Security	BearerAuth
//	@Produce	json
//	@Success	200	{object}	RoundList
//	@Failure	401	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router		/api/v1/survey-rounds [get]
func (s *Server) listRounds(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	rounds, err := s.db.Rounds(c.Request.Context())
	if err != nil {
		return err
	}
	out := RoundList{Items: make([]RoundResponse, len(rounds))}
	for i, r := range rounds {
		if out.Items[i], err = s.toRound(c, r); err != nil {
			return err
		}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// getRound godoc
//
//	@Summary	One survey round with its progress
//	@Tags		survey rounds
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"round id"
//	@Success	200	{object}	RoundResponse
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/survey-rounds/{id} [get]
func (s *Server) getRound(c *gin.Context) error {
	id, err := pathID(c, store.ErrRoundNotFound)
	if err != nil {
		return err
	}
	r, err := s.db.Round(c.Request.Context(), id)
	if err != nil {
		return err
	}
	out, err := s.toRound(c, r)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// closeRound godoc
//
//	@Summary		Close a survey round
//	@Description	Allowed once the round has started (409 round_not_started before); it takes no body fields. Closing ends the round (today, if before its end) and keeps an immutable snapshot: every township's coverage row and progress, and each in-scope enterprise's method and plan status. GET /api/v1/coverage?round=ID returns the snapshot. Closing twice is 409.
//	@Tags			survey rounds
//	@Security		BearerAuth
//	@Produce		json
//	@Param			id	path		int	true	"round id"
//	@Success		200	{object}	RoundResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody
//	@Router			/api/v1/survey-rounds/{id}/close [post]
func (s *Server) closeRound(c *gin.Context) error {
	id, err := pathID(c, store.ErrRoundNotFound)
	if err != nil {
		return err
	}
	// Closing takes no fields (it ends the round today): one sent, such
	// as an end date, is refused rather than ignored; no body, or an empty
	// one (chunked, without a length), is fine.
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<16))
	if err != nil {
		return apperr.New(apperr.BadRequest, "invalid_json", "无法读取请求体")
	}
	if len(bytes.TrimSpace(body)) > 0 {
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		if err := bindJSON(c, &struct{}{}); err != nil {
			return err
		}
	}
	now := s.db.Now()
	today := liaison.Today(now)
	ctx := c.Request.Context()
	r, err := s.db.CloseRound(ctx, id, today, func(r survey.Round) (coverage.Table, []survey.Progress, error) {
		counts, err := s.db.Coverage(ctx, allScope(), today)
		if err != nil {
			return coverage.Table{}, nil, err
		}
		progress, err := s.db.RoundProgress(ctx, allScope(), r.StartsOn, r.LastDay())
		if err != nil {
			return coverage.Table{}, nil, err
		}
		return stamp(s.coverageTable(counts, ""), now), s.progressRows(progress), nil
	}, actor(c))
	if err != nil {
		return err
	}
	out, err := s.toRound(c, r)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// getRoundCoverage answers GET /coverage?round=ID with the snapshot of a
// closed round, as the caller may see it.
func (s *Server) getRoundCoverage(c *gin.Context) error {
	id, err := strconv.ParseInt(c.Query("round"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.Field("invalid_round", "round", "round 须为调查轮次编号")
	}
	r, err := s.db.Round(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if r.Open() || r.Coverage == nil {
		return apperr.New(apperr.Conflict, "round_open", "该调查轮次尚未结束，没有快照；当前情况请查看不带 round 的覆盖情况")
	}
	t := *r.Coverage
	if t.TakenAt == "" && r.ClosedAt != nil { // a snapshot from before the time was kept in it
		t = stamp(t, *r.ClosedAt)
	}
	if scope := me(c).Scope(); !scope.All {
		var mine []coverage.Row
		for _, row := range t.Townships {
			if row.Code == scope.Township {
				mine = append(mine, row)
			}
		}
		t.Townships = mine
		t.District, t.Unassigned = nil, nil
	}
	c.JSON(http.StatusOK, t)
	return nil
}

// TrendRow is the coverage as one closed survey round left it.
type TrendRow struct {
	RoundID   int64          `json:"round_id"`
	Name      string         `json:"name"`
	StartsOn  string         `json:"starts_on" format:"date"`
	EndedOn   string         `json:"ended_on" format:"date"`
	District  *coverage.Row  `json:"district,omitempty" extensions:"x-nullable"`
	Townships []coverage.Row `json:"townships"`
}

// Trend lists closed rounds' coverage, oldest first.
type Trend struct {
	Items []TrendRow `json:"items"`
}

// getTrend godoc
//
//	@Summary		Coverage over the closed survey rounds
//	@Description	One row per closed round, oldest first, from the snapshot taken when it closed: the district and each township (a township-bound user gets its own township alone).
//	@Tags			coverage
//	@Security		BearerAuth
//	@Produce		json
//	@Success		200	{object}	Trend
//	@Failure	401	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router			/api/v1/coverage/trend [get]
func (s *Server) getTrend(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	rounds, err := s.db.Rounds(c.Request.Context())
	if err != nil {
		return err
	}
	scope := me(c).Scope()
	out := Trend{Items: []TrendRow{}}
	for i := len(rounds) - 1; i >= 0; i-- {
		r := rounds[i]
		if r.Open() || r.Coverage == nil {
			continue
		}
		row := TrendRow{RoundID: r.ID, Name: r.Name, StartsOn: r.StartsOn.Format(time.DateOnly), EndedOn: r.LastDay().Format(time.DateOnly),
			Townships: []coverage.Row{}}
		for _, t := range r.Coverage.Townships {
			if scope.All || t.Code == scope.Township {
				row.Townships = append(row.Townships, t)
			}
		}
		if scope.All {
			row.District = r.Coverage.District
		}
		out.Items = append(out.Items, row)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// deleteRound godoc
//
//	@Summary		Delete a survey round that has not started
//	@Description	Only before its first day (a round created with wrong dates is taken back and made again); a round that has started is 409 round_started (close it instead).
//	@Tags			survey rounds
//	@Security		BearerAuth
//	@Param			id	path	int	true	"round id"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody
//	@Router			/api/v1/survey-rounds/{id} [delete]
func (s *Server) deleteRound(c *gin.Context) error {
	id, err := pathID(c, store.ErrRoundNotFound)
	if err != nil {
		return err
	}
	if err := s.db.DeleteRound(c.Request.Context(), id, liaison.Today(s.db.Now()), actor(c)); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
