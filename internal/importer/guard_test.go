package importer

import (
	"testing"
	"time"
)

// An undated survey file is as old as the last survey import that covered
// the ledger's township: district-wide or the township's own, the later.
func TestSurveyedFor(t *testing.T) {
	t.Parallel()
	early := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	late := early.Add(48 * time.Hour)
	cases := []struct {
		name     string
		s        Surveyed
		township string
		want     time.Time
		ok       bool
	}{
		{"none", Surveyed{}, "431103001", time.Time{}, false},
		{"district only", Surveyed{District: &early}, "431103001", early, true},
		{"unassigned ledger", Surveyed{District: &early, Townships: map[string]time.Time{"431103001": late}}, "", early, true},
		{"township's own later", Surveyed{District: &early, Townships: map[string]time.Time{"431103001": late}}, "431103001", late, true},
		{"district later", Surveyed{District: &late, Townships: map[string]time.Time{"431103001": early}}, "431103001", late, true},
		{"another township's", Surveyed{Townships: map[string]time.Time{"431103002": late}}, "431103001", time.Time{}, false},
		{"township's own only", Surveyed{Townships: map[string]time.Time{"431103001": early}}, "431103001", early, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.s.For(c.township)
			if ok != c.ok || !got.Equal(c.want) {
				t.Errorf("For(%q) = %v, %v; want %v, %v", c.township, got, ok, c.want, c.ok)
			}
		})
	}
}
