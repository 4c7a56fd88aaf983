package liaison

import (
	"testing"
	"time"
)

func TestNewVisit(t *testing.T) {
	v, err := NewVisit(VisitInput{VisitedOn: "2026-05-30", Services: []string{"policy", "policy", "talent"}, Notes: " 走访 "}, "2026-06-01")
	if err != nil || len(v.Services) != 2 || v.Notes != "走访" || v.VisitedOn.Day() != 30 {
		t.Fatalf("visit: %+v %v", v, err)
	}
	for name, in := range map[string]VisitInput{
		"future":  {VisitedOn: "2026-06-02"},
		"format":  {VisitedOn: "2026/5/30"},
		"service": {VisitedOn: "2026-05-30", Services: []string{"money"}},
	} {
		if _, err := NewVisit(in, "2026-06-01"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStaleAndHalfYear(t *testing.T) {
	now := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	old, recent := now.Add(-184*24*time.Hour), now.Add(-30*24*time.Hour)
	if !Stale(nil, now) || !Stale(&old, now) || Stale(&recent, now) {
		t.Fatal("stale")
	}
	// Counted in district dates (UTC+8): verified on 2026-01-30 local is
	// stale 183 days later, on 2026-08-01 local, not a day before.
	verified := time.Date(2026, 1, 29, 17, 0, 0, 0, time.UTC) // 2026-01-30 01:00 CST
	if day := Today(verified); day != time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("district date: %v", day)
	}
	if !Stale(&verified, time.Date(2026, 7, 31, 16, 0, 0, 0, time.UTC)) || Stale(&verified, time.Date(2026, 7, 31, 15, 59, 0, 0, time.UTC)) {
		t.Fatal("stale from the 183rd district day on")
	}
	if got := StaleBefore(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)); got != time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("stale before: %v", got)
	}
	from, to := HalfYear(now)
	if from.Month() != time.July || to.Month() != time.December || to.Day() != 31 {
		t.Fatalf("second half: %v %v", from, to)
	}
	from, to = HalfYear(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC))
	if from.Month() != time.January || to.Month() != time.June || to.Day() != 30 {
		t.Fatalf("first half: %v %v", from, to)
	}
}
