// Package survey holds the survey rounds (百名干部进百企): twice a year
// cadres visit every enterprise and confirm its ledger; a round's progress
// is the share of each township's in-scope enterprises verified inside the
// round's window, and closing a round keeps a snapshot of the coverage. It
// imports neither gin nor gorm.
package survey

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/dates"
)

// Round is a survey round.
type Round struct {
	ID       int64
	Name     string
	StartsOn time.Time
	EndsOn   time.Time
	// EndedOn is set when the round was closed: the last day it counted
	// (closing early ends it on the day of closing).
	EndedOn   *time.Time
	CreatedAt time.Time
	CreatedBy string
	ClosedAt  *time.Time
	ClosedBy  string
	// Progress is each township's progress, live for an open round, as at
	// closing for a closed one; Coverage is the snapshot of a closed one.
	Progress []Progress
	Coverage *coverage.Table
}

// Open reports whether the round has not been closed.
func (r *Round) Open() bool { return r.ClosedAt == nil }

// LastDay is the last day the round counts.
func (r *Round) LastDay() time.Time {
	if r.EndedOn != nil {
		return *r.EndedOn
	}
	return r.EndsOn
}

// Progress is one township's progress in a round.
type Progress struct {
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Enterprises int     `json:"enterprises"` // the base: in-scope enterprises
	Verified    int     `json:"verified"`    // of them, verified inside the window
	Rate        float64 `json:"rate"`        // verified ÷ base, 0 to 1
}

// Input is what a user declares of a round.
type Input struct {
	Name     string
	StartsOn string
	EndsOn   string
}

// New validates a round declared on the district's date today. A round
// whose window has already ended is refused: its progress and snapshot
// could only describe the ledgers as they are now, not as they were then.
func New(in Input, today time.Time) (Round, error) {
	p := apperr.Problems{}
	r := Round{Name: strings.TrimSpace(in.Name)}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		p.Add("name", "须填写调查轮次名称，例如“2026年上半年”")
	case n > 50:
		p.Add("name", "名称不能超过50个字")
	}
	var err error
	if r.StartsOn, err = time.Parse(time.DateOnly, strings.TrimSpace(in.StartsOn)); err != nil {
		p.Add("starts_on", "开始日期须为 YYYY-MM-DD 格式的日期")
	}
	if r.EndsOn, err = time.Parse(time.DateOnly, strings.TrimSpace(in.EndsOn)); err != nil {
		p.Add("ends_on", "结束日期须为 YYYY-MM-DD 格式的日期")
	}
	if len(p) == 0 {
		// A round may be registered ahead, not ten years ahead; none
		// before 1949.
		if bad := dates.Problem(r.StartsOn, today.Format(time.DateOnly), true); bad != "" {
			p.Add("starts_on", "开始日期"+bad)
		}
		if bad := dates.Problem(r.EndsOn, today.Format(time.DateOnly), true); bad != "" {
			p.Add("ends_on", "结束日期"+bad)
		}
	}
	if len(p) == 0 && r.EndsOn.Before(r.StartsOn) {
		p.Add("ends_on", "结束日期不能早于开始日期")
	}
	if d := today.Format(time.DateOnly); len(p) == 0 && r.EndsOn.Format(time.DateOnly) < d {
		p.Add("ends_on", "结束日期（"+r.EndsOn.Format(time.DateOnly)+"）已过：调查轮次须在结束前登记，已结束的时段无法如实反映当时的台账")
	}
	return r, p.Err()
}

// Overlaps reports whether two windows share a day.
func Overlaps(aFrom, aTo, bFrom, bTo time.Time) bool {
	return !aTo.Before(bFrom) && !bTo.Before(aFrom)
}

// Rate is n ÷ base as coverage rates are (0 to 1, four decimals).
func Rate(n, base int) float64 { return coverage.Rate(n, base) }
