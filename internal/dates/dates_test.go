package dates

import (
	"testing"
	"time"
)

func TestProblem(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	const today = "2026-12-01"
	for _, c := range []struct {
		d     string
		ahead bool
		want  string
	}{
		{"1949-01-01", false, ""}, {"1948-12-31", false, "不能早于1949年"}, {"0202-05-20", true, "不能早于1949年"},
		{"2026-12-01", false, ""}, {"2026-12-02", false, "不能晚于今天"},
		{"2036-12-01", true, ""}, {"2036-12-02", true, "不能晚于2036-12-01（10年以内）"}, {"9999-12-31", true, "不能晚于2036-12-01（10年以内）"},
	} {
		if got := Problem(day(c.d), today, c.ahead); got != c.want {
			t.Errorf("Problem(%s, ahead %v) = %q, want %q", c.d, c.ahead, got, c.want)
		}
	}
}
