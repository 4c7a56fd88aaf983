package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
)

// RollupDistrict is one district of a city's or province's roll-up: its
// name and townships, and the PostgreSQL schema its instances use.
type RollupDistrict struct {
	division.Outline
	Schema string
}

// RollupResponse is the coverage of several districts at one instant: the
// sum over them (rates recomputed from the sums, not averaged) and each
// district's own table, as its /coverage answers it.
type RollupResponse struct {
	// Code and Name are the city's or province's (FUGAI_DISTRICT).
	Code string `json:"code" example:"431100"`
	Name string `json:"name" example:"永州市"`
	// AsOf is the date (UTC+8) the figures were counted on.
	AsOf string `json:"as_of" format:"date" example:"2026-12-01"`
	// TakenAt is when they were counted.
	TakenAt string `json:"taken_at" format:"date-time"`
	// Total sums every district of the roll-up.
	Total coverage.Row `json:"total"`
	// Districts are in the order FUGAI_ROLLUP lists them.
	Districts []coverage.Table `json:"districts"`
}

var errNoRollup = apperr.New(apperr.NotFound, "rollup_not_configured",
	"此实例未配置多区县汇总（FUGAI_ROLLUP）；区县的覆盖情况请查看本区县的覆盖情况")

// getRollupCoverage godoc
//
//	@Summary		Coverage of a city's or province's districts (多区县汇总)
//	@Description	On an instance configured with FUGAI_ROLLUP (several districts in schemas of one PostgreSQL database): every listed district's coverage table as its own /coverage gives it, read from the districts' maintained counts in one snapshot, and their sum. Read-only. A district whose data cannot be read (schema missing, no permission, another program version) answers 503 naming it: a total with a district left out would be wrong. Without FUGAI_ROLLUP: 404 rollup_not_configured.
//	@Tags			coverage
//	@Security		BearerAuth
//	@Produce		json
//	@Success		200	{object}	RollupResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody
//	@Failure		503	{object}	ErrorBody
//	@Router			/api/v1/rollup/coverage [get]
func (s *Server) getRollupCoverage(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	if len(s.rollup) == 0 {
		return errNoRollup
	}
	sources := make([]store.RollupSource, len(s.rollup))
	for i, d := range s.rollup {
		sources[i] = store.RollupSource{Label: d.Name + "（" + d.Code + "）", Schema: d.Schema}
	}
	now := s.db.Now()
	counts, err := s.db.RollupCoverage(c.Request.Context(), sources, liaison.Today(now))
	if err != nil {
		return err
	}
	var total coverage.Counts
	out := RollupResponse{Code: s.district.Code, Name: s.district.Name, Districts: make([]coverage.Table, len(s.rollup))}
	for i, d := range s.rollup {
		out.Districts[i] = districtTable(d.Code, d.Name, d.Townships, counts[i], "")
		total.Add(counts[i][""]) // as the district's row counts: its townships and the unassigned
		for _, tw := range d.Townships {
			total.Add(counts[i][tw.Code])
		}
	}
	t := stamp(coverage.Table{}, now)
	out.AsOf, out.TakenAt = t.AsOf, t.TakenAt
	out.Total = coverage.NewRow(s.district.Code, s.district.Name, total)
	c.JSON(http.StatusOK, out)
	return nil
}
