package importer

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/liaison"
)

// Issue codes of the survey guard: a field the ledger changed after the
// file's date, kept (no overwrite_newer) or overwritten (overwrite_newer).
const (
	CodeKeptNewer        = "kept_newer"
	CodeOverwrittenNewer = "overwritten_newer"
)

// Edit is the latest recorded change of one ledger field that may be newer
// than a survey file: by whom, and when it counts. A change made through
// the API counts from when it was made; a change made by a survey import
// counts from when that import's file was uploaded (Job is its id), so a
// file without a date supersedes the last survey import but not the
// edits made after it. Registration imports never change survey fields,
// and the system's own changes (suggested methods) are no one's work:
// neither is an Edit.
type Edit struct {
	At  time.Time
	By  string
	Job int64 // the survey import that made the change, 0 for an edit
}

// Surveyed holds the upload times of the last applied (succeeded, not dry
// run) survey imports before a job's file was first uploaded (an identical
// file uploaded again keeps the date of its first upload): the date a
// survey file without 填报日期 is taken to have.
type Surveyed struct {
	// District is the last district-wide survey import, nil when none.
	District *time.Time
	// Townships holds, by township code, the last survey import limited
	// to that township (a township administrator's).
	Townships map[string]time.Time
}

// For returns the upload time of the last survey import that covered a
// ledger of the township ("" for an unassigned ledger): the later of the
// last district-wide one and the township's own; ok is false when no
// survey import covered it yet.
func (s Surveyed) For(township string) (at time.Time, ok bool) {
	if s.District != nil {
		at, ok = *s.District, true
	}
	if t, found := s.Townships[township]; found && township != "" && (!ok || t.After(at)) {
		at, ok = t, true
	}
	return at, ok
}

// EditStore is what a survey import needs from storage to keep newer work,
// inside the job's transaction.
type EditStore interface {
	// Surveyed returns the last applied survey imports before the job's
	// file was first uploaded.
	Surveyed(ctx context.Context) (Surveyed, error)
	// Edits returns, for each of the ledgers (by id), the latest Edit of
	// each field (by the field's name in history) among those that count
	// from since or later. It is one query for a whole batch.
	Edits(ctx context.Context, ids []int64, since time.Time) (map[int64]map[string]Edit, error)
}

// startGuard prepares a survey run to keep newer work.
func (r *Runner) startGuard(ctx context.Context) error {
	es, ok := r.Store.(EditStore)
	if !ok {
		return fmt.Errorf("import: storage cannot read ledger edits")
	}
	s, err := es.Surveyed(ctx)
	if err != nil {
		return err
	}
	r.edits, r.surveyed = es, s
	return nil
}

// checkDate refuses a 填报日期 after the day the file was uploaded: a typo
// there would let the row overwrite every later edit. The row is then
// treated as undated.
func (r *Runner) checkDate(rec *Record) {
	if rec.Date == nil {
		return
	}
	up := r.Uploaded
	if up.IsZero() {
		up = r.Now()
	}
	if today := liaison.Today(up); rec.Date.After(today) {
		col := FieldSurveyDate.Label()
		if i := r.header.Index(FieldSurveyDate); i >= 0 {
			col = r.header.Names[i]
		}
		rec.issue(col, rec.Date.Format(time.DateOnly), "填报日期晚于文件上传的日期（"+today.Format(time.DateOnly)+"），不可信，本行按没有填报日期处理", Warning)
		rec.Date = nil
	}
}

// guard decides, for one survey row, which changes are newer than the row.
type guard struct {
	// since: an Edit strictly after it is newer than the row.
	since time.Time
	// basis says in Chinese what since is, for the report.
	basis string
}

// rowGuard returns the row's guard: its 填报日期 when it has one (an edit
// on a later district day is newer; one on the same day is not), else the
// upload time of the last survey import covering the ledger's township
// before the file was first uploaded (every recorded edit is newer when
// there was none).
func (r *Runner) rowGuard(rec *Record, township string) guard {
	if rec.Date != nil {
		d := *rec.Date
		next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, liaison.Zone())
		return guard{since: next.Add(-time.Nanosecond), basis: "本行的填报日期（" + d.Format(time.DateOnly) + "）"}
	}
	if at, ok := r.surveyed.For(township); ok {
		return guard{since: at, basis: "本文件首次上传前最近一次调查表导入的上传时间（" + districtTime(at) + "；本文件没有填报日期）"}
	}
	return guard{since: time.Time{}, basis: "本文件的日期（本文件没有填报日期，首次上传前也没有导入过调查表，台账中的修改均视为较新）"}
}

// earliest is the earliest since of a batch's rows: what one Edits query
// for the batch asks from.
func (r *Runner) earliest(records []Record, existing map[string]enterprise.Ledger) (since time.Time, ids []int64) {
	first := true
	for i := range records {
		l, ok := existing[records[i].Code]
		if !ok || (r.Township != "" && l.TownshipCode != r.Township) {
			continue
		}
		g := r.rowGuard(&records[i], l.TownshipCode)
		if first || g.since.Before(since) {
			since, first = g.since, false
		}
		ids = append(ids, l.ID)
	}
	return since, ids
}

// districtTime formats an instant as the district's clock reads it.
func districtTime(t time.Time) string {
	return t.In(liaison.Zone()).Format("2006-01-02 15:04")
}

// keepNewer applies the guard to a survey row merged into old as l with
// changes ch: each survey field the row would change whose latest Edit is
// newer than the row is reported and, without OverwriteNewer, left out of
// the row (the rest of the row still applies). It returns the ledger and
// changes to write.
func (b *batch) keepNewer(rec *Record, old, l enterprise.Ledger, ch []enterprise.Change, edits map[string]Edit) (enterprise.Ledger, []enterprise.Change) {
	if len(edits) == 0 || len(ch) == 0 {
		return l, ch
	}
	r := b.r
	g := r.rowGuard(rec, old.TownshipCode)
	var kept []Field
	for _, c := range ch {
		f := Field(c.Field)
		if !rec.has(f) {
			continue // derived (scope, suggestion) or not the row's
		}
		e, ok := edits[c.Field]
		if !ok || !e.At.After(g.since) {
			continue
		}
		by := "“" + e.By + "”"
		what := "已于" + districtTime(e.At) + "由" + by + "修改为"
		if e.Job != 0 {
			what = "已由导入任务 #" + strconv.FormatInt(e.Job, 10) + "（" + by + "于" + districtTime(e.At) + "上传）更新为"
		}
		is := Issue{Row: rec.Row, Column: b.column(f), Value: fieldText(&l, f), Ledger: fieldText(&old, f),
			ChangedAt: &e.At, ChangedBy: e.By, Severity: Warning}
		if r.OverwriteNewer {
			is.Code = CodeOverwrittenNewer
			is.Message = fmt.Sprintf("台账中该项%s“%s”，晚于%s；已按 overwrite_newer 用本行的值覆盖", what, is.Ledger, g.basis)
			b.counts.OverwrittenNewer++
		} else {
			is.Code = CodeKeptNewer
			is.Message = fmt.Sprintf("台账中该项%s“%s”，晚于%s；为不覆盖较新的修改，未更新该项（确认要覆盖时，导入时选择 overwrite_newer=true）", what, is.Ledger, g.basis)
			b.counts.KeptNewer++
			kept = append(kept, f)
		}
		rec.Issues = append(rec.Issues, is)
	}
	if len(kept) == 0 {
		return l, ch
	}
	for _, f := range kept {
		rec.drop(f)
	}
	return MergeSurvey(old, rec, r.pools)
}

// column returns the file's header text of a field's column.
func (b *batch) column(f Field) string {
	if i := b.r.header.Index(f); i >= 0 {
		return b.r.header.Names[i]
	}
	return f.Label()
}

// needLabels are the Chinese names of the ledger's needs codes.
var needLabels = map[string]string{"talent": "人才", "policy": "政策", "financing": "融资", "market": "市场",
	"training": "培训", "other": "其他"}

// fieldText is a survey field's value in l as the report shows it.
func fieldText(l *enterprise.Ledger, f Field) string {
	const empty = "（空）"
	count := func(p *int) string {
		if p == nil {
			return empty
		}
		return strconv.Itoa(*p)
	}
	yes := func(p *bool) string {
		switch {
		case p == nil:
			return empty
		case *p:
			return "是"
		}
		return "否"
	}
	text := func(s string) string {
		if s == "" {
			return empty
		}
		return s
	}
	switch f {
	case FieldEmployees:
		return count(l.Employees)
	case FieldYoungEmployees:
		return count(l.YoungEmployees)
	case FieldFullMembers:
		return count(l.FullMembers)
	case FieldProbationary:
		return count(l.ProbationaryMembers)
	case FieldAboveScale:
		return yes(l.AboveScale)
	case FieldUnion:
		return yes(l.Union)
	case FieldYouthLeague:
		return yes(l.YouthLeague)
	case FieldWomensFederation:
		return yes(l.WomensFederation)
	case FieldOwnerIdentity:
		if l.OwnerIdentity == nil {
			return empty
		}
		return text(*l.OwnerIdentity)
	case FieldOperatingStatus:
		if l.OperatingStatus == nil {
			return empty
		}
		return text(*l.OperatingStatus)
	case FieldOperatingAddress:
		return text(l.OperatingAddress)
	case FieldRevenue:
		if l.AnnualRevenue == nil {
			return empty
		}
		return strconv.FormatFloat(*l.AnnualRevenue, 'f', -1, 64)
	case FieldNeeds:
		var out []string
		for _, n := range l.Needs {
			if s, ok := needLabels[n]; ok {
				out = append(out, s)
			} else {
				out = append(out, n)
			}
		}
		if len(out) == 0 {
			return "无"
		}
		return strings.Join(out, "、")
	case FieldMemberSource:
		var out []string
		for k, v := range l.MemberSources {
			out = append(out, k+" "+strconv.Itoa(v)+"人")
		}
		if len(out) == 0 {
			return "无"
		}
		sort.Strings(out)
		return strings.Join(out, "、")
	}
	return empty
}
