// Package dates bounds the dates people enter for party work — visits,
// plans, organisations, survey rounds — to what can be meant: none before
// 1949, and none further ahead than FutureYears. A date outside is a typo
// (0202-05-20, 2206-05-20) that would otherwise sort first or last in every
// list and count in no period.
package dates

import (
	"strconv"
	"time"
)

// MinYear is the first year a date of party work may fall in.
const MinYear = 1949

// FutureYears is how far ahead of today a planned date may be.
const FutureYears = 10

// Problem says, in Chinese, why d is out of sense, or "" when it is not:
// before MinYear, or after today (the district's date, YYYY-MM-DD) when
// ahead is false, or more than FutureYears after it when ahead is true.
func Problem(d time.Time, today string, ahead bool) string {
	day := d.Format(time.DateOnly)
	switch {
	case d.Year() < MinYear:
		return "不能早于" + strconv.Itoa(MinYear) + "年"
	case !ahead && day > today:
		return "不能晚于今天"
	case ahead:
		t, err := time.Parse(time.DateOnly, today)
		if err == nil && day > t.AddDate(FutureYears, 0, 0).Format(time.DateOnly) {
			return "不能晚于" + t.AddDate(FutureYears, 0, 0).Format(time.DateOnly) + "（" + strconv.Itoa(FutureYears) + "年以内）"
		}
	}
	return ""
}
