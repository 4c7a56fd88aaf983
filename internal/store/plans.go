package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
)

type planRow struct {
	EnterpriseID        int64 `gorm:"primaryKey;autoIncrement:false"`
	OverrideMethod      *string
	OverrideReason      string
	OverrideSuggestion  *string
	OverrideBy          string
	OverrideAt          *time.Time
	PlannedStartOn      *time.Time
	FormationDetails    string
	PlannedCompletionOn *time.Time
	ContactName         string
	ContactPhone        string
	Status              string
	FormedOn            *time.Time
	PartyOrgID          *int64
	JointGroupID        *int64
	Version             int64
	UpdatedAt           time.Time
	UpdatedBy           string
}

func (planRow) TableName() string { return "plans" }

// planColumns are the plans columns in planRow.fields' order.
const planColumns = `enterprise_id, override_method, override_reason, override_suggestion, override_by, override_at,
	planned_start_on, formation_details, planned_completion_on, contact_name, contact_phone, status, formed_on,
	party_org_id, joint_group_id, version, updated_at, updated_by`

func (r *planRow) fields() []any {
	return []any{&r.EnterpriseID, &r.OverrideMethod, &r.OverrideReason, &r.OverrideSuggestion, &r.OverrideBy, &r.OverrideAt,
		&r.PlannedStartOn, &r.FormationDetails, &r.PlannedCompletionOn, &r.ContactName, &r.ContactPhone, &r.Status, &r.FormedOn,
		&r.PartyOrgID, &r.JointGroupID, &r.Version, &r.UpdatedAt, &r.UpdatedBy}
}

// unsavedPlanVersion is the version of a plan nobody has saved yet; the
// first save makes it 2.
const unsavedPlanVersion = 1

func (r *planRow) toPlan(suggested strategy.Method) strategy.Plan {
	p := strategy.Plan{EnterpriseID: r.EnterpriseID, Suggested: suggested, PlannedStartOn: r.PlannedStartOn,
		FormationDetails: r.FormationDetails, PlannedCompletionOn: r.PlannedCompletionOn, ContactName: r.ContactName,
		ContactPhone: r.ContactPhone, Status: strategy.Status(r.Status), FormedOn: r.FormedOn, PartyOrgID: r.PartyOrgID,
		JointGroupID: r.JointGroupID, Version: r.Version, UpdatedAt: r.UpdatedAt, UpdatedBy: r.UpdatedBy}
	if r.OverrideMethod != nil {
		o := &strategy.Override{Method: strategy.Method(*r.OverrideMethod), Reason: r.OverrideReason,
			Suggestion: strategy.Method(deref(r.OverrideSuggestion)), By: r.OverrideBy}
		if r.OverrideAt != nil {
			o.At = r.OverrideAt.UTC()
		}
		p.Override = o
	}
	for _, d := range []**time.Time{&p.PlannedStartOn, &p.PlannedCompletionOn, &p.FormedOn} {
		if *d != nil {
			t := time.Date((*d).Year(), (*d).Month(), (*d).Day(), 0, 0, 0, 0, time.UTC)
			*d = &t
		}
	}
	return p
}

func toPlanRow(p *strategy.Plan) planRow {
	r := planRow{EnterpriseID: p.EnterpriseID, PlannedStartOn: p.PlannedStartOn, FormationDetails: p.FormationDetails,
		PlannedCompletionOn: p.PlannedCompletionOn, ContactName: p.ContactName, ContactPhone: p.ContactPhone,
		Status: string(p.Status), FormedOn: p.FormedOn, PartyOrgID: p.PartyOrgID, JointGroupID: p.JointGroupID,
		Version: p.Version, UpdatedAt: p.UpdatedAt, UpdatedBy: p.UpdatedBy}
	if o := p.Override; o != nil {
		m, s, at := string(o.Method), string(o.Suggestion), o.At
		r.OverrideMethod, r.OverrideReason, r.OverrideSuggestion, r.OverrideBy, r.OverrideAt = &m, o.Reason, &s, o.By, &at
	}
	return r
}

func planNotApplicable(l enterprise.Ledger) error {
	return &apperr.Error{Kind: apperr.Invalid, Code: "plan_not_applicable",
		Message: "该企业不在覆盖范围内（" + enterprise.ReasonLabel(l.OutOfScopeReason) + "），没有组建计划"}
}

// plan reads the plan of ledger l inside g.
func plan(g *gorm.DB, l enterprise.Ledger) (strategy.Plan, error) {
	if !l.InScope {
		return strategy.Plan{}, planNotApplicable(l)
	}
	var row planRow
	err := g.Where("enterprise_id = ?", l.ID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		p := strategy.NewPlan(l.ID, strategy.Method(l.SuggestedMethod))
		p.Version = unsavedPlanVersion
		return p, nil
	}
	if err != nil {
		return strategy.Plan{}, apperr.Wrap(err, "get plan")
	}
	return row.toPlan(strategy.Method(l.SuggestedMethod)), nil
}

// Plan returns the plan of ledger id, if the ledger is visible in scope.
// An out-of-scope enterprise has none (422).
func (db *DB) Plan(ctx context.Context, s auth.Scope, id int64) (strategy.Plan, error) {
	g := db.gorm.WithContext(ctx)
	l, err := db.enterprise(g, s, id)
	if err != nil {
		return strategy.Plan{}, err
	}
	return plan(g, l)
}

// UpdatePlan replaces the plan of ledger id with what apply makes of it, if
// the plan's version is still ifMatch (412 otherwise), and records an audit
// event.
func (db *DB) UpdatePlan(ctx context.Context, s auth.Scope, id, ifMatch int64, by audit.Actor,
	apply func(cur strategy.Plan, refs strategy.PlanRefs) (strategy.Plan, error)) (strategy.Plan, error) {
	var out strategy.Plan
	err := db.InTx(ctx, func(tx *Tx) error {
		l, err := db.enterprise(db.forUpdate(tx.g), s, id)
		if err != nil {
			return err
		}
		cur, err := plan(db.forUpdate(tx.g), l)
		if err != nil {
			return err
		}
		if cur.Version != ifMatch {
			return planStale(cur.Version)
		}
		refs := strategy.PlanRefs{JointGroupHas: func(gid int64) bool {
			var n int64
			tx.g.Model(&jointMemberRow{}).Where("enterprise_id = ? AND group_id = ?", id, gid).Count(&n)
			return n == 1
		}}
		next, err := apply(cur, refs)
		if err != nil {
			return err
		}
		if cur.Version != unsavedPlanVersion && next.SameAs(cur) {
			// Nothing changes: no new version, nothing audited.
			out = cur
			return nil
		}
		next.Version = cur.Version + 1
		row := toPlanRow(&next)
		tx.noteLedgers(id)
		if cur.Version == unsavedPlanVersion {
			err = tx.g.Create(&row).Error
		} else {
			res := tx.g.Model(&planRow{}).Where("enterprise_id = ? AND version = ?", id, cur.Version).Select("*").Updates(&row)
			err = res.Error
			if err == nil && res.RowsAffected != 1 {
				return planStale(cur.Version)
			}
		}
		if err != nil {
			return apperr.Wrap(err, "save plan")
		}
		detail := map[string]any{"version": next.Version, "status": next.Status, "method": next.Method()}
		if next.Override != nil {
			detail["override_reason"] = next.Override.Reason
		}
		if err := tx.addEvent(audit.PlanUpdate, "enterprise", strconv.FormatInt(id, 10), detail, by); err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}

// forUpdate locks the rows g reads (Dialect.forUpdate).
func (db *DB) forUpdate(g *gorm.DB) *gorm.DB { return db.dialect.forUpdate(g) }

func planStale(current int64) error {
	return &apperr.Error{Kind: apperr.PreconditionFailed, Code: "version_conflict",
		Message: "组建计划已被他人修改，请刷新后重试", Data: map[string]any{"current_version": current}}
}

// Attachments are what a page of ledgers shows beside each: its plan (in
// scope only) and its standing liaison.
type Attachments struct {
	Plans    map[int64]strategy.Plan
	Liaisons map[int64]auth.User
	// Pools holds the joint pools of the ledgers' townships, when read
	// with them (EnterprisePage); nil otherwise.
	Pools map[string]strategy.Pool
}

func (a Attachments) attachPlan(l enterprise.Ledger, saved *planRow) {
	if !l.InScope {
		return
	}
	if saved != nil {
		a.Plans[l.ID] = saved.toPlan(strategy.Method(l.SuggestedMethod))
		return
	}
	p := strategy.NewPlan(l.ID, strategy.Method(l.SuggestedMethod))
	p.Version = unsavedPlanVersion
	a.Plans[l.ID] = p
}

// attachedColumns read a plan and a standing liaison beside a ledger
// (attachedRow.fields), for the left joins of attachJoins: a missing plan
// or liaison reads as zero values with a zero id.
var attachedColumns = func() string {
	plan := `COALESCE(p.enterprise_id, 0), p.override_method, COALESCE(p.override_reason, ''), p.override_suggestion,
		COALESCE(p.override_by, ''), p.override_at, p.planned_start_on, COALESCE(p.formation_details, ''), p.planned_completion_on,
		COALESCE(p.contact_name, ''), COALESCE(p.contact_phone, ''), COALESCE(p.status, ''), p.formed_on, p.party_org_id,
		p.joint_group_id, COALESCE(p.version, 0), p.updated_at, COALESCE(p.updated_by, '')`
	user := `COALESCE(u.id, 0), COALESCE(u.username, ''), COALESCE(u.name, ''), COALESCE(u.phone, ''), COALESCE(u.unit, ''),
		COALESCE(u.role, ''), u.township_code, COALESCE(u.password_hash, ''), COALESCE(u.failed_logins, 0), u.locked_until,
		u.disabled_at, u.created_at`
	return plan + ", " + user + ", COALESCE(pool.enterprises, 0), COALESCE(pool.members, 0)"
}()

// attachJoins bring in the plan, the standing liaison and the township's
// joint pool (from the maintained counts, as DB.Pools) of ledgers e.
const attachJoins = ` LEFT JOIN plans p ON p.enterprise_id = e.id
	LEFT JOIN liaison_assignments a ON a.enterprise_id = e.id AND a.ended_at IS NULL
	LEFT JOIN users u ON u.id = a.liaison_id
	LEFT JOIN (SELECT township_code, SUM(n) AS enterprises, SUM(n * pool_members) AS members FROM coverage_cells
		WHERE pool_members > 0 GROUP BY township_code) pool ON pool.township_code = e.township_code`

type attachedRow struct {
	plan planRow
	user userRow
	// The times of a missing plan or liaison are NULL (and SQLite gives
	// a COALESCE of times as text).
	planUpdated, userCreated *time.Time
	pool                     strategy.Pool
}

func (r *attachedRow) fields() []any {
	plan, user := r.plan.fields(), r.user.fields()
	plan[len(plan)-2], user[len(user)-1] = &r.planUpdated, &r.userCreated
	return append(append(plan, user...), &r.pool.Enterprises, &r.pool.FullMembers)
}

// attach adds what r holds for ledger l.
func (a Attachments) attach(l enterprise.Ledger, r *attachedRow) {
	var saved *planRow
	if r.plan.EnterpriseID != 0 {
		saved = &r.plan
		if r.planUpdated != nil {
			saved.UpdatedAt = *r.planUpdated
		}
	}
	if r.userCreated != nil {
		r.user.CreatedAt = *r.userCreated
	}
	a.attachPlan(l, saved)
	if r.user.ID != 0 {
		a.Liaisons[l.ID] = r.user.toUser()
	}
	if a.Pools != nil && l.TownshipCode != "" && r.pool.Enterprises > 0 {
		a.Pools[l.TownshipCode] = r.pool
	}
}
