// Package coverage holds the definitions of party-organisation coverage:
// the coverage base, organisation and work coverage, their rates and the
// gaps, per street/township and for the district. It imports neither gin
// nor gorm; the store counts, this package defines and derives.
package coverage

import (
	"math"

	"github.com/fugai/fugai/internal/strategy"
)

// Gap names, as the gap= list filter and Row.Gaps use them.
const (
	GapShouldForm     = "should_form"     // ≥3 full members, not organisation covered (应建未建)
	GapUngroupedJoint = "ungrouped_joint" // planned joint, in no confirmed group
	GapNoLiaison      = "no_liaison"      // no standing liaison
	GapOverduePlan    = "overdue_plan"    // planned completion passed, not formed
	GapStaleLedger    = "stale_ledger"    // not verified for 183 days
	GapUnassigned     = "unassigned"      // no township
	GapCheckDigit     = "check_digit"     // credit code check digit to verify
)

// Gaps lists every gap name.
func Gaps() []string {
	return []string{GapShouldForm, GapUngroupedJoint, GapNoLiaison, GapOverduePlan, GapStaleLedger, GapUnassigned, GapCheckDigit}
}

// Counts is what the store counts over a set of in-scope enterprises (the
// coverage base of a township, of the unassigned, of the district).
type Counts struct {
	Enterprises         int // the base: in-scope enterprises
	ByMethod            map[strategy.Method]int
	OrganizationCovered int // plan standalone or joint, and formed
	StandaloneFormed    int // plan standalone, and formed
	WorkCovered         int // organisation covered, or a liaison, or a union or youth league
	Gaps                map[string]int
	Plans               map[strategy.Status]int // by plan status (unsaved plans are not started)
	Union               int                     // with a union (工会)
	YouthLeague         int                     // with a youth league organisation (共青团)
	WomensFederation    int                     // with a women's federation organisation (妇联)
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Enterprises += o.Enterprises
	c.OrganizationCovered += o.OrganizationCovered
	c.StandaloneFormed += o.StandaloneFormed
	c.WorkCovered += o.WorkCovered
	c.Union += o.Union
	c.YouthLeague += o.YouthLeague
	c.WomensFederation += o.WomensFederation
	if c.Plans == nil {
		c.Plans = map[strategy.Status]int{}
	}
	for k, v := range o.Plans {
		c.Plans[k] += v
	}
	if c.ByMethod == nil {
		c.ByMethod = map[strategy.Method]int{}
	}
	for k, v := range o.ByMethod {
		c.ByMethod[k] += v
	}
	if c.Gaps == nil {
		c.Gaps = map[string]int{}
	}
	for k, v := range o.Gaps {
		c.Gaps[k] += v
	}
}

// Row is one line of the coverage table.
type Row struct {
	Code                     string         `json:"code"`
	Name                     string         `json:"name"`
	Enterprises              int            `json:"enterprises"`
	ByMethod                 map[string]int `json:"by_method"`
	OrganizationCovered      int            `json:"organization_covered"`
	WorkCovered              int            `json:"work_covered"`
	OrganizationCoverageRate float64        `json:"organization_coverage_rate"`
	StandaloneRate           float64        `json:"standalone_rate"`
	WorkCoverageRate         float64        `json:"work_coverage_rate"`
	Gaps                     map[string]int `json:"gaps"`
	// Plans counts plans by status: not_started, in_progress, formed,
	// completed.
	Plans            map[string]int `json:"plans"`
	Union            int            `json:"union"`
	YouthLeague      int            `json:"youth_league"`
	WomensFederation int            `json:"womens_federation"`
}

// NewRow derives a row from counts. Rates are fractions of the base
// (0 to 1, four decimals); an empty base has rates of 0.
func NewRow(code, name string, c Counts) Row {
	r := Row{Code: code, Name: name, Enterprises: c.Enterprises, ByMethod: map[string]int{}, Gaps: map[string]int{},
		OrganizationCovered: c.OrganizationCovered, WorkCovered: c.WorkCovered, Plans: map[string]int{},
		Union: c.Union, YouthLeague: c.YouthLeague, WomensFederation: c.WomensFederation}
	for _, s := range strategy.CountedStatuses() {
		r.Plans[string(s)] = c.Plans[s]
	}
	for _, m := range strategy.Methods() {
		r.ByMethod[string(m)] = c.ByMethod[m]
	}
	for _, g := range []string{GapShouldForm, GapUngroupedJoint, GapNoLiaison, GapOverduePlan, GapStaleLedger, GapCheckDigit} {
		r.Gaps[g] = c.Gaps[g]
	}
	r.OrganizationCoverageRate = Rate(c.OrganizationCovered, c.Enterprises)
	r.StandaloneRate = Rate(c.StandaloneFormed, c.Enterprises)
	r.WorkCoverageRate = Rate(c.WorkCovered, c.Enterprises)
	return r
}

// Rate is n ÷ base as a fraction (0 to 1, four decimals); 0 for an empty
// base.
func Rate(n, base int) float64 {
	if base == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(base)*10000) / 10000
}

// Table is the coverage of a district: its total, each township, and the
// in-scope enterprises no township holds yet. A township-bound user's
// table has its township's row alone (no district, no unassigned).
type Table struct {
	// AsOf is the district date (UTC+8) the figures were counted on.
	AsOf string `json:"as_of,omitempty" format:"date" example:"2026-12-01"`
	// TakenAt is when they were counted: now for live figures, the
	// closing of the round for a snapshot.
	TakenAt    string `json:"taken_at,omitempty" format:"date-time"`
	District   *Row   `json:"district,omitempty"`
	Townships  []Row  `json:"townships"`
	Unassigned *Row   `json:"unassigned,omitempty"`
}
