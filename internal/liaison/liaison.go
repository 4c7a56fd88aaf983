// Package liaison holds 一企一联络员: the liaison assigned to each
// enterprise, their visits (走访记录) and their workload. It imports
// neither gin nor gorm.
package liaison

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/dates"
	"github.com/fugai/fugai/internal/vocab"
)

// StaleDays is how many days a ledger stays fresh after a visit or a
// survey update confirmed it: a ledger last verified StaleDays or more
// days ago (counted in district dates) is stale, a gap to close.
const StaleDays = 183

// Zone is the district's time zone: China Standard Time, UTC+8, with no
// daylight saving. District dates (today, a verification's day) are
// dates in it.
func Zone() *time.Location { return time.FixedZone("CST", 8*3600) }

// Today is the district date of now, as midnight UTC (how dates are
// stored).
func Today(now time.Time) time.Time {
	local := now.In(Zone())
	return time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
}

// StaleBefore is the first district date whose verifications are still
// fresh on today (a date as Today gives it): a ledger last verified on
// an earlier day, or never, is stale.
func StaleBefore(today time.Time) time.Time { return today.AddDate(0, 0, -(StaleDays - 1)) }

// Assignment is an enterprise's standing liaison.
type Assignment struct {
	EnterpriseID int64
	Liaison      auth.User
	AssignedAt   time.Time
	AssignedBy   string
}

// Period is one past or standing assignment of an enterprise.
type Period struct {
	LiaisonID  int64
	Username   string
	Name       string
	AssignedAt time.Time
	AssignedBy string
	EndedAt    *time.Time
	EndedBy    string
}

// Handover is a departing liaison's enterprises moved to another liaison
// of the same township in one go.
type Handover struct {
	From, To    auth.User
	Enterprises []int64 // the ledgers moved, in id order
}

// Workload is a liaison with what they carry.
type Workload struct {
	User            auth.User
	Enterprises     int // standing assignments
	VisitsThisRound int // visits they logged in the current survey round
	Overdue         int // assigned in-scope enterprises gone stale
}

// Services is the vocabulary of the services a visit offers (服务内容).
var Services = vocab.New(
	vocab.Term{Code: "talent", Label: "人才", Aliases: []string{"人才服务"}},
	vocab.Term{Code: "policy", Label: "政策", Aliases: []string{"政策服务", "政策宣传"}},
	vocab.Term{Code: "party_building", Label: "党建", Aliases: []string{"党建指导", "党建服务"}},
	vocab.Term{Code: "other", Label: "其他", Aliases: []string{"其它"}},
)

// Visit is one visit to an enterprise (走访记录).
type Visit struct {
	ID           int64
	EnterpriseID int64
	VisitedOn    time.Time
	Services     []string
	Notes        string
	NextSteps    string
	AuthorID     *int64
	AuthorName   string
	CreatedAt    time.Time
}

// VisitInput is what a user logs.
type VisitInput struct {
	VisitedOn string
	Services  []string
	Notes     string
	NextSteps string
}

// NewVisit validates a visit; today is the district's date (YYYY-MM-DD).
func NewVisit(in VisitInput, today string) (Visit, error) {
	p := apperr.Problems{}
	var v Visit
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.VisitedOn))
	switch {
	case err != nil:
		p.Add("visited_on", "走访日期须为 YYYY-MM-DD 格式的日期")
	case dates.Problem(d, today, false) != "":
		p.Add("visited_on", "走访日期"+dates.Problem(d, today, false))
	}
	v.VisitedOn = d
	v.Services = []string{}
	for _, s := range in.Services {
		code, ok := Services.Parse(s)
		if !ok {
			p.Add("services", fmt.Sprintf("服务内容“%s”不是有效取值，可选 %s", s, Services.Choices()))
			continue
		}
		if !slices.Contains(v.Services, code) {
			v.Services = append(v.Services, code)
		}
	}
	v.Notes, v.NextSteps = strings.TrimSpace(in.Notes), strings.TrimSpace(in.NextSteps)
	if utf8.RuneCountInString(v.Notes) > 2000 {
		p.Add("notes", "走访情况不能超过2000个字")
	}
	if utf8.RuneCountInString(v.NextSteps) > 1000 {
		p.Add("next_steps", "下一步工作不能超过1000个字")
	}
	return v, p.Err()
}

// Stale reports whether a ledger last verified at verifiedAt (nil: never)
// is stale at now.
func Stale(verifiedAt *time.Time, now time.Time) bool {
	return verifiedAt == nil || Today(*verifiedAt).Before(StaleBefore(Today(now)))
}

// HalfYear is the window a survey round (百名干部进百企, twice a year) covers
// when no round is declared: the half-year of now.
func HalfYear(now time.Time) (from, to time.Time) {
	y := now.Year()
	if now.Month() <= time.June {
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 6, 30, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
}
