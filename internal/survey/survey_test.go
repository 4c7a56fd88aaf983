package survey

import (
	"testing"
	"time"
)

func TestNewRound(t *testing.T) {
	today := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	r, err := New(Input{Name: " 2026年上半年 ", StartsOn: "2026-03-01", EndsOn: "2026-06-30"}, today)
	if err != nil || r.Name != "2026年上半年" || !r.Open() || !r.LastDay().Equal(r.EndsOn) {
		t.Fatalf("round: %+v %v", r, err)
	}
	for name, in := range map[string]Input{
		"no name":  {StartsOn: "2026-03-01", EndsOn: "2026-06-30"},
		"reversed": {Name: "x", StartsOn: "2026-06-30", EndsOn: "2026-03-01"},
		"format":   {Name: "x", StartsOn: "2026/3/1", EndsOn: "2026-06-30"},
		"over":     {Name: "x", StartsOn: "2026-01-01", EndsOn: "2026-06-29"},
	} {
		if _, err := New(in, today); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	if !Overlaps(d("2026-03-01"), d("2026-06-30"), d("2026-06-30"), d("2026-12-31")) ||
		Overlaps(d("2026-03-01"), d("2026-06-30"), d("2026-07-01"), d("2026-12-31")) {
		t.Fatal("overlaps")
	}
	if Rate(1, 3) != 0.3333 || Rate(1, 0) != 0 {
		t.Fatal("rate")
	}
}
