package store

import (
	"context"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/strategy"
)

// planMethodSQL is an enterprise's plan method: the override, else the
// suggestion. The method= list filter and the coverage counts both use it,
// so they agree.
const planMethodSQL = "COALESCE(p.override_method, e.suggested_method)"

// coverageJoins brings in what coverage depends on besides the ledger.
const coverageJoins = ` FROM enterprises e
	LEFT JOIN plans p ON p.enterprise_id = e.id
	LEFT JOIN liaison_assignments a ON a.enterprise_id = e.id AND a.ended_at IS NULL
	LEFT JOIN joint_group_members jm ON jm.enterprise_id = e.id`

// coverageConditions are the SQL conditions of coverage.Counts; ? are
// bound by coverageArgs.
func coverageConditions() (orgCovered, standaloneFormed, workCovered string, gaps map[string]string) {
	formed := "COALESCE(p.status, '" + string(strategy.NotStarted) + "') = '" + string(strategy.Formed) + "'"
	orgCovered = "(" + planMethodSQL + " IN ('" + string(strategy.Standalone) + "', '" + string(strategy.Joint) + "') AND " + formed + ")"
	standaloneFormed = "(" + planMethodSQL + " = '" + string(strategy.Standalone) + "' AND " + formed + ")"
	workCovered = "(" + orgCovered + " OR a.enterprise_id IS NOT NULL OR COALESCE(e.union_org, false) OR COALESCE(e.youth_league, false))"
	gaps = map[string]string{
		coverage.GapShouldForm:     "(COALESCE(e.full_members, 0) >= 3 AND NOT " + orgCovered + ")",
		coverage.GapUngroupedJoint: "(" + planMethodSQL + " = '" + string(strategy.Joint) + "' AND jm.enterprise_id IS NULL)",
		coverage.GapNoLiaison:      "(a.enterprise_id IS NULL)",
		coverage.GapOverduePlan: "(p.planned_completion_on < ? AND p.status NOT IN ('" + string(strategy.Formed) + "', '" +
			string(strategy.NotApplicable) + "'))",
		coverage.GapStaleLedger: "(e.verified_at IS NULL OR e.verified_at < ?)",
		coverage.GapCheckDigit:  "(e.check_digit_warning)",
	}
	return
}

// coverageGapOrder fixes the order of the gap columns (and their
// arguments: overdue_plan takes today, stale_ledger the stale cutoff).
var coverageGapOrder = []string{coverage.GapShouldForm, coverage.GapUngroupedJoint, coverage.GapNoLiaison,
	coverage.GapOverduePlan, coverage.GapStaleLedger, coverage.GapCheckDigit}

// Coverage counts coverage per township of the in-scope enterprises
// visible in scope ("" keys the unassigned). today is the district's date,
// staleBefore the stale cutoff.
func (db *DB) Coverage(ctx context.Context, s auth.Scope, today, staleBefore time.Time) (map[string]coverage.Counts, error) {
	org, standalone, work, gaps := coverageConditions()
	sum := func(cond string) string { return "SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END)" }
	q := "SELECT COALESCE(e.township_code, ''), COUNT(*)"
	for _, m := range strategy.Methods() {
		q += ", " + sum(planMethodSQL+" = '"+string(m)+"'")
	}
	q += ", " + sum(org) + ", " + sum(standalone) + ", " + sum(work)
	for _, st := range []strategy.Status{strategy.NotStarted, strategy.InProgress, strategy.Formed} {
		q += ", " + sum("COALESCE(p.status, '"+string(strategy.NotStarted)+"') = '"+string(st)+"'")
	}
	q += ", " + sum("COALESCE(e.union_org, false)") + ", " + sum("COALESCE(e.youth_league, false)") + ", " + sum("COALESCE(e.womens_federation, false)")
	var args []any
	for _, g := range coverageGapOrder {
		q += ", " + sum(gaps[g])
		switch g {
		case coverage.GapOverduePlan:
			args = append(args, today)
		case coverage.GapStaleLedger:
			args = append(args, staleBefore)
		}
	}
	q += coverageJoins + " WHERE e.in_scope"
	cond, condArgs := townshipCondition(s, "e.township_code")
	q += cond
	args = append(args, condArgs...)
	q += " GROUP BY COALESCE(e.township_code, '')"
	rows, done, err := sqlRunner{tx: db.sql, dialect: db.dialect}.query(ctx, q, args...)
	if err != nil {
		return nil, apperr.Wrap(err, "coverage")
	}
	defer done()
	out := map[string]coverage.Counts{}
	for rows.Next() {
		var code string
		c := coverage.Counts{ByMethod: map[strategy.Method]int{}, Gaps: map[string]int{}, Plans: map[strategy.Status]int{}}
		methods := make([]int, len(strategy.Methods()))
		gapCounts := make([]int, len(coverageGapOrder))
		var notStarted, inProgress, formed int
		dest := []any{&code, &c.Enterprises}
		for i := range methods {
			dest = append(dest, &methods[i])
		}
		dest = append(dest, &c.OrganizationCovered, &c.StandaloneFormed, &c.WorkCovered, &notStarted, &inProgress, &formed,
			&c.Union, &c.YouthLeague, &c.WomensFederation)
		for i := range gapCounts {
			dest = append(dest, &gapCounts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, apperr.Wrap(err, "coverage")
		}
		for i, m := range strategy.Methods() {
			c.ByMethod[m] = methods[i]
		}
		for i, g := range coverageGapOrder {
			c.Gaps[g] = gapCounts[i]
		}
		c.Plans[strategy.NotStarted], c.Plans[strategy.InProgress], c.Plans[strategy.Formed] = notStarted, inProgress, formed
		out[code] = c
	}
	return out, apperr.Wrap(rows.Err(), "coverage")
}

// gapCondition is the SQL condition of one coverage gap over the coverage
// joins, with its arguments: the gap= list filter counts as coverage does.
func gapCondition(gap string, today, staleBefore time.Time) (string, []any, error) {
	if gap == coverage.GapUnassigned {
		return "e.township_code IS NULL", nil, nil
	}
	_, _, _, gaps := coverageConditions()
	cond, ok := gaps[gap]
	if !ok {
		return "", nil, apperr.Field("invalid_gap", "gap", "gap 须为 should_form、ungrouped_joint、no_liaison、overdue_plan、stale_ledger、unassigned 或 check_digit")
	}
	switch gap {
	case coverage.GapOverduePlan:
		return cond, []any{today}, nil
	case coverage.GapStaleLedger:
		return cond, []any{staleBefore}, nil
	}
	return cond, nil, nil
}

// PlanLine is one in-scope enterprise's line of the 全覆盖计划表.
type PlanLine struct {
	ID                  int64
	Name                string
	CreditCode          string
	Township            string
	Employees           *int
	FullMembers         *int
	Method              string
	PlannedStartOn      *time.Time
	FormationDetails    string
	PlannedCompletionOn *time.Time
	ContactName         string
	ContactPhone        string
	Status              string
	Liaison             string
}

// PlanLines streams the plan lines of the in-scope enterprises visible in
// scope — of one township, or with one gap, when given — in id order, a
// page at a time, to fn.
func (db *DB) PlanLines(ctx context.Context, s auth.Scope, township, gap string, today, staleBefore time.Time, fn func([]PlanLine) error) error {
	base := `SELECT e.id, e.name, e.credit_code, COALESCE(e.township_code, ''), e.employees, e.full_members,
		COALESCE(` + planMethodSQL + `, ''), p.planned_start_on, COALESCE(p.formation_details, ''), p.planned_completion_on,
		COALESCE(p.contact_name, ''), COALESCE(p.contact_phone, ''), COALESCE(p.status, '` + string(strategy.NotStarted) + `'),
		COALESCE(u.name, '')` + coverageJoins + ` LEFT JOIN users u ON u.id = a.liaison_id WHERE e.in_scope AND e.id > ?`
	var extra []any
	if township != "" {
		base += " AND e.township_code = ?"
		extra = append(extra, township)
	}
	if gap != "" {
		cond, args, err := gapCondition(gap, today, staleBefore)
		if err != nil {
			return err
		}
		base += " AND " + cond
		extra = append(extra, args...)
	}
	cond, condArgs := townshipCondition(s, "e.township_code")
	base += cond
	extra = append(extra, condArgs...)
	q := base + " ORDER BY e.id LIMIT 2000"
	r := sqlRunner{tx: db.sql, dialect: db.dialect}
	var after int64
	for {
		rows, done, err := r.query(ctx, q, append([]any{after}, extra...)...)
		if err != nil {
			return apperr.Wrap(err, "plan lines")
		}
		var page []PlanLine
		for rows.Next() {
			var l PlanLine
			if err := rows.Scan(&l.ID, &l.Name, &l.CreditCode, &l.Township, &l.Employees, &l.FullMembers, &l.Method,
				&l.PlannedStartOn, &l.FormationDetails, &l.PlannedCompletionOn, &l.ContactName, &l.ContactPhone, &l.Status, &l.Liaison); err != nil {
				done()
				return apperr.Wrap(err, "plan lines")
			}
			page = append(page, l)
		}
		err = rows.Err()
		done()
		if err != nil {
			return apperr.Wrap(err, "plan lines")
		}
		if len(page) == 0 {
			return nil
		}
		if err := fn(page); err != nil {
			return err
		}
		after = page[len(page)-1].ID
	}
}
