package coverage

import (
	"testing"

	"github.com/fugai/fugai/internal/strategy"
)

func TestNewRow(t *testing.T) {
	var c Counts
	c.Add(Counts{Enterprises: 3, OrganizationCovered: 1, StandaloneFormed: 1, WorkCovered: 2,
		ByMethod: map[strategy.Method]int{strategy.Standalone: 1, strategy.Included: 2}, Gaps: map[string]int{GapNoLiaison: 3}})
	c.Add(Counts{Enterprises: 0})
	r := NewRow("431103001", "梅湾街道", c)
	if r.Enterprises != 3 || r.OrganizationCoverageRate != 0.3333 || r.StandaloneRate != 0.3333 || r.WorkCoverageRate != 0.6667 {
		t.Fatalf("row: %+v", r)
	}
	if r.ByMethod["joint"] != 0 || r.ByMethod["included"] != 2 || len(r.ByMethod) != 4 || r.Gaps[GapNoLiaison] != 3 || len(r.Gaps) != 6 {
		t.Fatalf("every method and gap is present: %+v %+v", r.ByMethod, r.Gaps)
	}
	if z := NewRow("x", "x", Counts{}); z.OrganizationCoverageRate != 0 || z.WorkCoverageRate != 0 {
		t.Fatalf("empty base: %+v", z)
	}
	if len(Gaps()) != 7 {
		t.Fatal("gap names")
	}
}
