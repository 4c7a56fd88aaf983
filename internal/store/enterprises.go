package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
)

type enterpriseRow struct {
	ID                    int64 `gorm:"primaryKey"`
	CreditCode            string
	Name                  string
	EntityType            string
	Nature                string
	LegalRepresentative   string
	RegisteredCapital     *float64
	FoundedOn             *time.Time
	RegistrationStatus    string
	RegisteredAddress     string
	OperatingAddress      string
	RegistrationAuthority string
	Industry              string
	BusinessScope         string
	TownshipCode          *string
	Assignment            string
	AssignmentReason      *string
	InScope               bool
	OutOfScopeReason      *string
	CheckDigitWarning     bool
	Employees             *int
	YoungEmployees        *int
	FullMembers           *int
	ProbationaryMembers   *int
	MemberSources         *string
	OwnerIdentity         *string
	OperatingStatus       *string
	AboveScale            *bool
	Priority              bool
	AnnualRevenue         *float64
	Needs                 *string
	UnionOrg              *bool
	YouthLeague           *bool
	WomensFederation      *bool
	SuggestedMethod       *string
	VerifiedAt            *time.Time
	Version               int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (enterpriseRow) TableName() string { return "enterprises" }

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func jsonPtr(v any, empty bool) *string {
	if empty {
		return nil
	}
	b, _ := json.Marshal(v)
	s := string(b)
	return &s
}

func toEnterpriseRow(l *enterprise.Ledger) enterpriseRow {
	return enterpriseRow{
		ID: l.ID, CreditCode: l.CreditCode, Name: l.Name, EntityType: l.EntityType, Nature: string(l.Nature),
		LegalRepresentative: l.LegalRepresentative, RegisteredCapital: l.RegisteredCapital, FoundedOn: l.FoundedOn,
		RegistrationStatus: l.RegistrationStatus, RegisteredAddress: l.RegisteredAddress,
		OperatingAddress: l.OperatingAddress, RegistrationAuthority: l.RegistrationAuthority,
		Industry: l.Industry, BusinessScope: l.BusinessScope, TownshipCode: strPtr(l.TownshipCode),
		Assignment: string(l.Assignment), AssignmentReason: strPtr(string(l.AssignmentReason)),
		InScope: l.InScope, OutOfScopeReason: strPtr(l.OutOfScopeReason), CheckDigitWarning: l.CheckDigitWarning,
		Employees: l.Employees, YoungEmployees: l.YoungEmployees, FullMembers: l.FullMembers,
		ProbationaryMembers: l.ProbationaryMembers, MemberSources: jsonPtr(l.MemberSources, len(l.MemberSources) == 0),
		OwnerIdentity: l.OwnerIdentity, OperatingStatus: l.OperatingStatus, AboveScale: l.AboveScale,
		Priority: l.Priority, AnnualRevenue: l.AnnualRevenue, Needs: jsonPtr(l.Needs, l.Needs == nil),
		UnionOrg: l.Union, YouthLeague: l.YouthLeague, WomensFederation: l.WomensFederation,
		SuggestedMethod: strPtr(l.SuggestedMethod), VerifiedAt: l.VerifiedAt, Version: l.Version, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt,
	}
}

func (r *enterpriseRow) toLedger() enterprise.Ledger {
	l := enterprise.Ledger{
		ID: r.ID, CreditCode: r.CreditCode, Name: r.Name, EntityType: r.EntityType, Nature: enterprise.Nature(r.Nature),
		LegalRepresentative: r.LegalRepresentative, RegisteredCapital: r.RegisteredCapital,
		RegistrationStatus: r.RegistrationStatus, RegisteredAddress: r.RegisteredAddress,
		OperatingAddress: r.OperatingAddress, RegistrationAuthority: r.RegistrationAuthority,
		Industry: r.Industry, BusinessScope: r.BusinessScope, TownshipCode: deref(r.TownshipCode),
		Assignment: division.Assignment(r.Assignment), AssignmentReason: division.Reason(deref(r.AssignmentReason)),
		InScope: r.InScope, OutOfScopeReason: deref(r.OutOfScopeReason), CheckDigitWarning: r.CheckDigitWarning,
		Employees: r.Employees, YoungEmployees: r.YoungEmployees, FullMembers: r.FullMembers,
		ProbationaryMembers: r.ProbationaryMembers, OwnerIdentity: r.OwnerIdentity, OperatingStatus: r.OperatingStatus,
		AboveScale: r.AboveScale, Priority: r.Priority, AnnualRevenue: r.AnnualRevenue, Union: r.UnionOrg,
		YouthLeague: r.YouthLeague, WomensFederation: r.WomensFederation, SuggestedMethod: deref(r.SuggestedMethod), VerifiedAt: utcPtr(r.VerifiedAt),
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.FoundedOn != nil {
		d := time.Date(r.FoundedOn.Year(), r.FoundedOn.Month(), r.FoundedOn.Day(), 0, 0, 0, 0, time.UTC)
		l.FoundedOn = &d
	}
	if r.MemberSources != nil {
		_ = json.Unmarshal([]byte(*r.MemberSources), &l.MemberSources)
	}
	if r.Needs != nil {
		_ = json.Unmarshal([]byte(*r.Needs), &l.Needs)
	}
	return l
}

type historyRow struct {
	ID           int64 `gorm:"primaryKey"`
	EnterpriseID int64
	Version      int64
	ActorID      *int64
	ActorName    string
	Source       string
	At           time.Time
	Changes      string
	JobID        *int64
}

func (historyRow) TableName() string { return "enterprise_history" }

// scoped limits a query on enterprises to what s may see. The zero Scope
// sees nothing.
func scoped(g *gorm.DB, s auth.Scope) *gorm.DB {
	if s.All {
		return g
	}
	if s.Township == "" {
		return g.Where("1 = 0")
	}
	if s.Liaison != 0 {
		g = g.Where("id IN (SELECT enterprise_id FROM liaison_assignments WHERE liaison_id = ? AND ended_at IS NULL)", s.Liaison)
	}
	return g.Where("township_code = ?", s.Township)
}

// ErrEnterpriseNotFound answers for a ledger that does not exist or is out of sight.
var ErrEnterpriseNotFound = apperr.New(apperr.NotFound, "enterprise_not_found", "企业台账不存在")

func actorID(a audit.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

// CreateEnterprise inserts a new ledger with its first history entry and an
// audit event. A duplicate credit code is a 409.
func (db *DB) CreateEnterprise(ctx context.Context, l enterprise.Ledger, changes []enterprise.Change, by audit.Actor) (enterprise.Ledger, error) {
	now := db.Now()
	l.Version, l.CreatedAt, l.UpdatedAt = 1, now, now
	var row enterpriseRow
	err := db.InTx(ctx, func(tx *Tx) error {
		r, err := tx.runner()
		if err != nil {
			return err
		}
		if changes, err = suggest(ctx, r, &l, changes); err != nil {
			return err
		}
		row = toEnterpriseRow(&l)
		if err := tx.g.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return &apperr.Error{Kind: apperr.Conflict, Code: "duplicate_credit_code",
					Message: "统一社会信用代码已存在", Fields: map[string]string{"credit_code": "该统一社会信用代码已有台账"}}
			}
			return apperr.Wrap(err, "insert enterprise")
		}
		if err := tx.addHistory(row.ID, 1, "api", changes, by, now); err != nil {
			return err
		}
		if row.InScope {
			tx.noteLedgers(row.ID)
		}
		if _, err := refreshSuggestions(ctx, r, db.dialect, townshipsOf(l.TownshipCode), true,
			historyMeta{source: "api", actorID: actorID(by), actorName: by.Name}, now); err != nil {
			return err
		}
		return tx.addEvent(audit.EnterpriseCreate, "enterprise", strconv.FormatInt(row.ID, 10), map[string]any{"credit_code": l.CreditCode}, by)
	})
	if err != nil {
		return enterprise.Ledger{}, err
	}
	return row.toLedger(), nil
}

// suggest sets l's suggested method as its township's candidates now make
// it, and adds the change to changes when it differs.
func suggest(ctx context.Context, r runner, l *enterprise.Ledger, changes []enterprise.Change) ([]enterprise.Change, error) {
	method, err := suggestedMethod(ctx, r, l)
	if err != nil {
		return nil, err
	}
	if m := string(method); m != l.SuggestedMethod {
		changes = append(changes, enterprise.Change{Field: "suggested_method", Old: jsonText(strPtr(l.SuggestedMethod)), New: jsonText(strPtr(m))})
		l.SuggestedMethod = m
	}
	return changes, nil
}

// townshipsOf lists the distinct, assigned townships among codes.
func townshipsOf(codes ...string) []string {
	out := []string{}
	for _, c := range codes {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func (tx *Tx) addHistory(id, version int64, source string, changes []enterprise.Change, by audit.Actor, at time.Time) error {
	b, err := json.Marshal(changes)
	if err != nil {
		return apperr.Wrap(err, "encode history")
	}
	h := historyRow{EnterpriseID: id, Version: version, ActorID: actorID(by), ActorName: by.Name, Source: source, At: at, Changes: string(b)}
	return apperr.Wrap(tx.g.Create(&h).Error, "insert history")
}

// Enterprise returns one ledger visible in scope. An id outside the scope is
// reported as not found, so its existence is not confirmed.
func (db *DB) Enterprise(ctx context.Context, s auth.Scope, id int64) (enterprise.Ledger, error) {
	return db.enterprise(db.gorm.WithContext(ctx), s, id)
}

func (db *DB) enterprise(g *gorm.DB, s auth.Scope, id int64) (enterprise.Ledger, error) {
	var row enterpriseRow
	err := scoped(g.Where("id = ?", id), s).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return enterprise.Ledger{}, ErrEnterpriseNotFound
	}
	if err != nil {
		return enterprise.Ledger{}, apperr.Wrap(err, "get enterprise")
	}
	return row.toLedger(), nil
}

// EnterpriseDetail is Enterprise with the ledger's plan, standing liaison
// and its township's joint pool (as Attach and Pools give them), in one
// query: what a ledger's detail view shows.
func (db *DB) EnterpriseDetail(ctx context.Context, s auth.Scope, id int64) (enterprise.Ledger, Attachments, error) {
	ls, att, _, err := db.EnterprisePage(ctx, s, EnterpriseFilter{ID: id, Limit: 1})
	if err != nil {
		return enterprise.Ledger{}, att, err
	}
	if len(ls) == 0 {
		return enterprise.Ledger{}, att, ErrEnterpriseNotFound
	}
	return ls[0], att, nil
}

// EnterpriseFilter selects ledgers. Zero fields do not filter.
type EnterpriseFilter struct {
	ID         int64 // one ledger (EnterpriseDetail)
	CreditCode string
	Township   string // a township code, or "none" for unassigned ledgers
	InScope    *bool
	Method     string // plan method: the override, else the suggestion
	Gap        string // a coverage gap (coverage.Gaps): in-scope ledgers with it
	PlanStatus string // in-scope ledgers whose plan has this status
	Liaison    string // a liaison's user id, or "none": ledgers without one
	// Today, the district's date, dates the overdue_plan and stale_ledger
	// gaps.
	Today time.Time
	Query string // substring of the name or credit code
	// Industry is a prefix of the 所属行业 text ("制造业" matches
	// "制造业" and "制造业（汽车零部件）"); case and width as stored.
	Industry string
	// Size is the survey's 规模: SizeAboveScale, SizeBelowScale or
	// SizeUnknown (not reported).
	Size string
	// UpdatedSince keeps the ledgers changed at or after it (zero: all).
	UpdatedSince time.Time
	// NotVerifiedSince keeps the ledgers never verified or last verified
	// before it (zero: all): a date as midnight UTC, how dates are stored
	// and how a survey round's progress counts its window, so the ledgers
	// not yet visited in a round are those not verified since its start.
	NotVerifiedSince time.Time
	// Sort is a value of EnterpriseSorts ("" is by id). The gap filter
	// pages by id only.
	Sort string
	// AfterKey and AfterID are the keyset cursor (ParseEnterpriseCursor):
	// the sort key's value and the id of the previous page's last ledger.
	AfterKey string
	AfterID  int64
	Limit    int
}

// gapAlone reports whether f selects ledgers by a gap and nothing else
// but their township (and the page): then every ledger of the gap's
// facts after the cursor is on the page, in id order, and the facts can
// be paged by themselves (gapIDs).
func (f EnterpriseFilter) gapAlone() bool {
	g := f
	g.Gap, g.Township, g.Today, g.Sort, g.AfterKey, g.AfterID, g.Limit = "", "", time.Time{}, "", "", 0, 0
	if g.InScope != nil && *g.InScope {
		g.InScope = nil // a gap's ledgers are in scope
	}
	return f.Gap != "" && g == EnterpriseFilter{}
}

// Values of EnterpriseFilter.Size: the ledger's above_scale.
const (
	SizeAboveScale = "above_scale" // 规模以上: above_scale true
	SizeBelowScale = "below_scale" // 规模以下: above_scale false
	SizeUnknown    = "unknown"     // not reported: above_scale null
)

// Enterprises lists ledgers visible in scope, in f.Sort's order, at most
// f.Limit of them, and the cursor of the next page ("" at the end).
func (db *DB) Enterprises(ctx context.Context, s auth.Scope, f EnterpriseFilter) ([]enterprise.Ledger, string, error) {
	ls, _, next, err := db.EnterprisePage(ctx, s, f)
	return ls, next, err
}

// pageSQL reads a page of ledgers (the subquery) with their plans,
// liaisons and joint pools, in the order orderBy gives on alias e.
func pageSQL(orderBy string) string {
	return pageSelect + " ORDER BY " + orderBy
}

var pageSelect = func() string {
	cols := make([]string, len(enterpriseColumns))
	for i, c := range enterpriseColumns {
		cols[i] = "e." + c
	}
	return "SELECT " + strings.Join(cols, ", ") + ", " + attachedColumns + " FROM (?) e" + attachJoins
}()

// EnterprisePage is Enterprises with the plans and standing liaisons of
// the ledgers (as Attach gives them), in one query.
func (db *DB) EnterprisePage(ctx context.Context, s auth.Scope, f EnterpriseFilter) ([]enterprise.Ledger, Attachments, string, error) {
	att := Attachments{Plans: map[int64]strategy.Plan{}, Liaisons: map[int64]auth.User{}, Pools: map[string]strategy.Pool{}}
	q := scoped(db.gorm.WithContext(ctx).Model(&enterpriseRow{}), s)
	if f.ID != 0 {
		q = q.Where("id = ?", f.ID)
	}
	if f.CreditCode != "" {
		q = q.Where("credit_code = ?", f.CreditCode)
	}
	switch f.Township {
	case "":
	case "none":
		q = q.Where("township_code IS NULL")
	default:
		q = q.Where("township_code = ?", f.Township)
	}
	if f.InScope != nil {
		q = q.Where("in_scope = ?", *f.InScope)
	}
	if f.Sort != "" && !ValidEnterpriseSort(f.Sort) {
		return nil, att, "", apperr.Field("invalid_sort", "sort", "sort 须为 "+strings.Join(EnterpriseSorts(), "、")+" 之一")
	}
	order := parseOrder(f.Sort)
	if f.Gap != "" && order.name != DefaultEnterpriseSort {
		// The gap lists page through the gap's facts in id order.
		return nil, att, "", apperr.Field("sort_with_gap", "sort", "按缺口（gap）筛选时只能按 id 排序（sort=id）")
	}
	if f.Gap != "" {
		limit := 0
		if f.gapAlone() {
			limit = f.Limit + 1
		}
		ids, args, err := db.gapIDs(ctx, f.Gap, f.Today, f.Township, s, f.AfterID, limit)
		if err != nil {
			return nil, att, "", err
		}
		q = q.Where("id IN "+ids, args...)
	}
	if f.PlanStatus != "" {
		q = q.Where("in_scope AND COALESCE((SELECT p.status FROM plans p WHERE p.enterprise_id = enterprises.id), 'not_started') = ?", f.PlanStatus)
	}
	switch f.Liaison {
	case "":
	case "none":
		q = q.Where("id NOT IN (SELECT enterprise_id FROM liaison_assignments WHERE ended_at IS NULL)")
	default:
		q = q.Where("id IN (SELECT enterprise_id FROM liaison_assignments WHERE liaison_id = ? AND ended_at IS NULL)", f.Liaison)
	}
	if f.Method != "" {
		// The plan method, as coverage counts it (planMethodSQL): over the
		// coverage base, as by_method is. A ledger that left the base
		// keeps its plan's override, but is no longer counted by method.
		q = q.Where("in_scope AND COALESCE((SELECT p.override_method FROM plans p WHERE p.enterprise_id = enterprises.id), suggested_method) = ?", f.Method)
	}
	if f.Query != "" {
		like := "%" + escapeLike(f.Query) + "%"
		if !mayBeInCreditCode(f.Query) {
			// Credit codes are digits and capitals: a query with other
			// characters (Chinese, most often) searches names alone — on
			// PostgreSQL with the name index alone, not a scan for an OR.
			q = q.Where(db.dialect.likeAnyCase("name"), like)
		} else {
			// On PostgreSQL the expressions of the trigram indexes
			// (EnsureNameSearch): indexes on the bare columns would be
			// offered to the planner for the importer's credit_code =
			// ANY(…) as well, and taken there on stale statistics, at a
			// great cost.
			q = q.Where("("+db.dialect.likeAnyCase("name")+" OR "+db.dialect.likeUpper("credit_code")+")", like, strings.ToUpper(like))
		}
	}
	if f.Industry != "" {
		// A range on the (industry, id) index: code point order in both
		// dialects.
		col := db.dialect.codePointOrder("industry")
		q = q.Where(col+" >= ?", f.Industry)
		if hi := prefixBound(f.Industry); hi != "" {
			q = q.Where(col+" < ?", hi)
		}
	}
	switch f.Size {
	case "":
	case SizeAboveScale:
		q = q.Where("above_scale = ?", true)
	case SizeBelowScale:
		q = q.Where("above_scale = ?", false)
	case SizeUnknown:
		q = q.Where("above_scale IS NULL")
	default:
		return nil, att, "", apperr.Field("invalid_size", "size", "size 须为 above_scale（规模以上）、below_scale（规模以下）或 unknown（未填报）")
	}
	if !f.UpdatedSince.IsZero() {
		q = q.Where("updated_at >= ?", f.UpdatedSince.UTC())
	}
	if !f.NotVerifiedSince.IsZero() {
		q = q.Where("(verified_at IS NULL OR verified_at < ?)", f.NotVerifiedSince.UTC())
	}
	if f.AfterID > 0 {
		cond, args := order.after(f.AfterKey, f.AfterID, db.dialect)
		q = q.Where(cond, args...)
	}
	// The page, then its plans and liaisons by left joins; scanned by
	// hand (gorm's reflection cost more than the query).
	page := q.Select(enterpriseColumnList).Order(order.orderBy("", db.dialect)).Limit(f.Limit + 1)
	res, err := db.gorm.WithContext(ctx).Raw(pageSQL(order.orderBy("e.", db.dialect)), page).Rows()
	if err != nil {
		return nil, att, "", apperr.Wrap(err, "list enterprises")
	}
	defer res.Close()
	rows := make([]enterpriseRow, 0, f.Limit+1)
	attached := make([]attachedRow, 0, f.Limit+1)
	for res.Next() {
		var r enterpriseRow
		var a attachedRow
		if err := res.Scan(append(enterpriseFields(&r), a.fields()...)...); err != nil {
			return nil, att, "", apperr.Wrap(err, "list enterprises")
		}
		rows = append(rows, r)
		attached = append(attached, a)
	}
	if err := res.Err(); err != nil {
		return nil, att, "", apperr.Wrap(err, "list enterprises")
	}
	next := ""
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		next = order.cursorOf(&rows[len(rows)-1])
	}
	out := make([]enterprise.Ledger, len(rows))
	for i := range rows {
		out[i] = rows[i].toLedger()
		att.attach(out[i], &attached[i])
	}
	return out, att, next, nil
}

// mayBeInCreditCode reports whether q could be part of a stored credit
// code: ASCII letters and digits only (stored codes are 18 of 0-9 and
// capitals; the search upper-cases q).
func mayBeInCreditCode(q string) bool {
	for i := 0; i < len(q); i++ {
		c := q[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// poolKey is what of a ledger the township pools of joint candidates
// count: its township, scope and full members.
func poolKey(l enterprise.Ledger) string {
	members := -1
	if l.FullMembers != nil {
		members = *l.FullMembers
	}
	return fmt.Sprintf("%s/%v/%d", l.TownshipCode, l.InScope, members)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateEnterprise applies mutate to the ledger id if its version is still
// ifMatch. The write is a conditional UPDATE on the version, so of several
// concurrent edits carrying the same version exactly one succeeds; the
// others get 412 with the current version. An edit that changes nothing
// writes nothing and keeps the version.
func (db *DB) UpdateEnterprise(ctx context.Context, s auth.Scope, id, ifMatch int64, by audit.Actor,
	mutate func(*enterprise.Ledger) ([]enterprise.Change, error)) (enterprise.Ledger, error) {
	var out enterprise.Ledger
	err := db.InTx(ctx, func(tx *Tx) error {
		l, err := db.enterprise(tx.g, s, id)
		if err != nil {
			return err
		}
		if l.Version != ifMatch {
			return stale(l.Version)
		}
		before := l.TownshipCode
		wasCandidate := poolKey(l)
		covered := coverageKey(&l)
		changes, err := mutate(&l)
		if err != nil {
			return err
		}
		if !s.Allows(l.TownshipCode) {
			// An address edit re-resolved the township out of the caller's
			// reach: that is a township change the caller may not make.
			return apperr.Field("township_change_forbidden", "registered_address",
				"修改后的住所不属于本街道/乡镇，台账将划出本辖区；请联系区级管理员调整")
		}
		r, err := tx.runner()
		if err != nil {
			return err
		}
		if changes, err = suggest(ctx, r, &l, changes); err != nil {
			return err
		}
		if len(changes) == 0 {
			out = l
			return nil
		}
		now := db.Now()
		l.Version, l.UpdatedAt = ifMatch+1, now
		if enterprise.SurveyChange(changes) {
			l.VerifiedAt = &now
		}
		row := toEnterpriseRow(&l)
		res := scoped(tx.g.Model(&enterpriseRow{}).Where("id = ? AND version = ?", id, ifMatch), s).
			Select("*").Omit("id", "created_at", "credit_code").Updates(&row)
		if res.Error != nil {
			return apperr.Wrap(res.Error, "update enterprise")
		}
		if res.RowsAffected == 0 {
			var current int64
			if err := tx.g.Model(&enterpriseRow{}).Where("id = ?", id).Pluck("version", &current).Error; err != nil {
				return apperr.Wrap(err, "read version")
			}
			return stale(current)
		}
		if err := tx.addHistory(id, l.Version, "api", changes, by, now); err != nil {
			return err
		}
		if coverageKey(&l) != covered {
			tx.noteLedgers(id)
		}
		if l.TownshipCode != before {
			if err := tx.moveOrganisation(id, l.TownshipCode, by); err != nil {
				return err
			}
			if err := tx.endLiaisonElsewhere(id, l.TownshipCode, by); err != nil {
				return err
			}
		}
		// The edit may have changed what the township's other ledgers are
		// suggested (a joint partner gained or lost) — only if it changed
		// the ledger's township, scope or full members: what the pools of
		// joint candidates count.
		if poolKey(l) != wasCandidate {
			if _, err := refreshSuggestions(ctx, r, db.dialect, townshipsOf(before, l.TownshipCode), true,
				historyMeta{source: "api", actorID: actorID(by), actorName: by.Name}, now); err != nil {
				return err
			}
		}
		fieldsChanged := make([]string, len(changes))
		for i, c := range changes {
			fieldsChanged[i] = c.Field
		}
		if err := tx.addEvent(audit.EnterpriseUpdate, "enterprise", strconv.FormatInt(id, 10), map[string]any{"fields": fieldsChanged, "version": l.Version}, by); err != nil {
			return err
		}
		out = l
		return nil
	})
	return out, err
}

func stale(current int64) error {
	return &apperr.Error{Kind: apperr.PreconditionFailed, Code: "version_conflict",
		Message: "台账已被他人修改，请刷新后重试", Data: map[string]any{"current_version": current}}
}

// History returns the changes of ledger id, oldest first, if the ledger is
// visible in scope.
func (db *DB) History(ctx context.Context, s auth.Scope, id int64) ([]enterprise.Revision, error) {
	if _, err := db.Enterprise(ctx, s, id); err != nil {
		return nil, err
	}
	var rows []historyRow
	if err := db.gorm.WithContext(ctx).Where("enterprise_id = ?", id).Order("id").Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list history")
	}
	out := make([]enterprise.Revision, len(rows))
	for i, r := range rows {
		out[i] = enterprise.Revision{ID: r.ID, Version: r.Version, ActorID: r.ActorID, Actor: r.ActorName, Source: r.Source, At: r.At.UTC()}
		var err error
		if out[i].Changes, err = enterprise.DecodeChanges([]byte(r.Changes)); err != nil {
			return nil, apperr.Wrap(err, "decode history")
		}
	}
	return out, nil
}
