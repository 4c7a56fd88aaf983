package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/liaison"
)

// CoverageResponse is the coverage table: the district, each township and
// the in-scope enterprises no township holds yet. A township-bound user
// sees its own township's row alone (no district, no unassigned).
type CoverageResponse = coverage.Table

// coverageTable turns counts by township into the coverage table;
// scopeTownship, when set, is the one township the caller sees.
func (s *Server) coverageTable(counts map[string]coverage.Counts, scopeTownship string) coverage.Table {
	return districtTable(s.district.Code, s.district.Name, s.district.Townships, counts, scopeTownship)
}

// districtTable is the coverage table of one district from its counts by
// township ("" keys the unassigned).
func districtTable(code, name string, townships []division.Township, counts map[string]coverage.Counts, scopeTownship string) coverage.Table {
	var total coverage.Counts
	t := coverage.Table{Townships: []coverage.Row{}}
	for _, tw := range townships {
		if scopeTownship != "" && tw.Code != scopeTownship {
			continue
		}
		c := counts[tw.Code]
		total.Add(c)
		t.Townships = append(t.Townships, coverage.NewRow(tw.Code, tw.Name, c))
	}
	if scopeTownship != "" {
		return t // a township-bound user sees its own row alone
	}
	un := counts[""]
	total.Add(un)
	unassigned := coverage.NewRow("unassigned", "未划分街道/乡镇", un)
	district := coverage.NewRow(code, name, total)
	t.Unassigned, t.District = &unassigned, &district
	return t
}

// getCoverage godoc
//
//	@Summary		Coverage by street/township (覆盖情况)
//	@Description	Over the coverage base (in-scope enterprises): enterprises by plan method (the override, else the suggestion — the method= list filter counts the same), organisation covered (a registered party organisation, neither dissolved nor merged away, covers the enterprise; its plan is formed by it), work covered (organisation covered, or a standing liaison, or a union or youth league), rates as fractions of the base, and the gaps. With round=ID, the snapshot taken when that survey round closed.
//	@Tags			coverage
//	@Security		BearerAuth
//	@Produce		json
//	@Param			round	query		int	false	"a closed survey round's id"
//	@Success		200		{object}	coverage.Table
//	@Failure		401		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router			/api/v1/coverage [get]
func (s *Server) getCoverage(c *gin.Context) error {
	if err := params(c, "round"); err != nil {
		return err
	}
	if c.Query("round") != "" {
		return s.getRoundCoverage(c)
	}
	t, err := s.liveCoverage(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, t)
	return nil
}

func (s *Server) liveCoverage(c *gin.Context) (coverage.Table, error) {
	scope := me(c).Scope()
	scope.Liaison = 0 // a liaison's township figures are not secret
	now := s.db.Now()
	counts, err := s.db.Coverage(c.Request.Context(), scope, liaison.Today(now))
	if err != nil {
		return coverage.Table{}, err
	}
	return stamp(s.coverageTable(counts, scope.Township), now), nil
}

// stamp records on t the district date and the time it was counted.
func stamp(t coverage.Table, now time.Time) coverage.Table {
	t.AsOf, t.TakenAt = liaison.Today(now).Format(time.DateOnly), now.UTC().Format(time.RFC3339)
	return t
}

func allScope() auth.Scope { return auth.Scope{All: true} }
