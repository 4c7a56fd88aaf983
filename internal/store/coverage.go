package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/liaison"
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

// openPlanSQL is a plan still to be carried out: overdue_plan looks at
// these.
const openPlanSQL = "p.status NOT IN ('" + string(strategy.Formed) + "', '" + string(strategy.Completed) + "', '" + string(strategy.NotApplicable) + "')"

// coverageConditions are the SQL conditions of coverage.Counts over the
// coverage joins: the one definition of coverage. overdue_plan binds the
// district's today (a date), stale_ledger the district midnight that
// starts liaison.StaleBefore.
func coverageConditions() (orgCovered, standaloneFormed, workCovered string, gaps map[string]string) {
	// Covered by an organisation: the plan points to the registered,
	// active organisation that covers the enterprise. Registering one forms
	// the plan; dissolving or merging it moves the pointer; nothing else
	// writes it (strategy.Plan.Apply refuses formed without one).
	orgCovered = "(p.party_org_id IS NOT NULL AND p.status = '" + string(strategy.Formed) + "')"
	standaloneFormed = "(" + planMethodSQL + " = '" + string(strategy.Standalone) + "' AND " + orgCovered + ")"
	workCovered = "(" + orgCovered + " OR a.enterprise_id IS NOT NULL OR COALESCE(e.union_org, false) OR COALESCE(e.youth_league, false))"
	gaps = map[string]string{
		coverage.GapShouldForm:     "(COALESCE(e.full_members, 0) >= 3 AND NOT " + orgCovered + ")",
		coverage.GapUngroupedJoint: "(" + planMethodSQL + " = '" + string(strategy.Joint) + "' AND jm.enterprise_id IS NULL)",
		coverage.GapNoLiaison:      "(a.enterprise_id IS NULL)",
		coverage.GapOverduePlan:    "(p.planned_completion_on < ? AND " + openPlanSQL + ")",
		coverage.GapStaleLedger:    "(e.verified_at IS NULL OR e.verified_at < ?)",
		coverage.GapCheckDigit:     "(e.check_digit_warning)",
	}
	return
}

// coverageGapOrder fixes the order of the gap columns.
var coverageGapOrder = []string{coverage.GapShouldForm, coverage.GapUngroupedJoint, coverage.GapNoLiaison,
	coverage.GapOverduePlan, coverage.GapStaleLedger, coverage.GapCheckDigit}

// staleCutoff is liaison.StaleBefore(today) as a district date and as the
// instant it starts, in UTC: SQLite compares times as text, and stored
// times are UTC.
func staleCutoff(today time.Time) (string, time.Time) {
	d := liaison.StaleBefore(today)
	return d.Format(time.DateOnly), time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, liaison.Zone()).UTC()
}

// Coverage counts coverage per township of the in-scope enterprises
// visible in scope ("" keys the unassigned), on the district's date today.
// It reads the maintained counts (coverage_cells, coverage_days: a few
// rows per township), which every writing transaction keeps current
// (applyCoverage); CoverageRecount counts the same from the ledgers.
func (db *DB) Coverage(ctx context.Context, s auth.Scope, today time.Time) (map[string]coverage.Counts, error) {
	return maintainedCoverage(ctx, sqlRunner{tx: db.sql, dialect: db.dialect}, s, today)
}

// CheckCoverage reads the maintained counts and recounts them from the
// ledgers in one snapshot (a read-only transaction; repeatable read on
// PostgreSQL), so that a write committed in between cannot make them
// differ: what `fugai coverage check` compares.
func (db *DB) CheckCoverage(ctx context.Context, today time.Time) (kept, counted map[string]coverage.Counts, err error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.sql.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, apperr.Wrap(err, "check coverage")
	}
	defer tx.Rollback()
	r := sqlRunner{tx: tx, dialect: db.dialect}
	all := auth.Scope{All: true}
	if kept, err = maintainedCoverage(ctx, r, all, today); err != nil {
		return nil, nil, err
	}
	if counted, err = recountedCoverage(ctx, r, all, today); err != nil {
		return nil, nil, err
	}
	return kept, counted, nil
}

func maintainedCoverage(ctx context.Context, r sqlRunner, s auth.Scope, today time.Time) (map[string]coverage.Counts, error) {
	return maintainedCoverageIn(ctx, r, "", s, today)
}

// maintainedCoverageIn reads the maintained counts from the tables of
// schema ("": the connection's own).
func maintainedCoverageIn(ctx context.Context, r sqlRunner, schema string, s auth.Scope, today time.Time) (map[string]coverage.Counts, error) {
	table := func(name string) string {
		if schema == "" {
			return name
		}
		return pgx.Identifier{schema, name}.Sanitize()
	}
	sum := func(cond string) string { return "SUM(CASE WHEN " + cond + " THEN n ELSE 0 END)" }
	q := "SELECT township_code, SUM(n)"
	for _, m := range strategy.Methods() {
		q += ", " + sum("method = '"+string(m)+"'")
	}
	q += ", " + sum("organization_covered") + ", " + sum("standalone_formed") + ", " + sum("work_covered")
	for _, st := range strategy.CountedStatuses() {
		q += ", " + sum("plan_status = '"+string(st)+"'")
	}
	q += ", " + sum("union_org") + ", " + sum("youth_league") + ", " + sum("womens_federation")
	for _, g := range coverageGapOrder {
		switch g {
		case coverage.GapOverduePlan, coverage.GapStaleLedger:
			q += ", 0"
		default:
			q += ", " + sum(g)
		}
	}
	cond, args := townshipCondition(s, "township_code")
	q += " FROM " + table("coverage_cells") + " WHERE true" + cond + " GROUP BY township_code"
	out, err := scanCoverage(ctx, r, q, args)
	if err != nil {
		return nil, err
	}
	// The dated gaps: sums over the days before the cutoff.
	cutoff, _ := staleCutoff(today)
	q = "SELECT township_code, " + "SUM(CASE WHEN kind = 'due' AND day < ? THEN n ELSE 0 END), " +
		"SUM(CASE WHEN kind = 'verified' AND day < ? THEN n ELSE 0 END) FROM " + table("coverage_days") + " WHERE true" + cond + " GROUP BY township_code"
	rows, done, err := r.query(ctx, q, append([]any{today.Format(time.DateOnly), cutoff}, args...)...)
	if err != nil {
		return nil, apperr.Wrap(err, "coverage days")
	}
	defer done()
	for rows.Next() {
		var code string
		var overdue, stale int
		if err := rows.Scan(&code, &overdue, &stale); err != nil {
			return nil, apperr.Wrap(err, "coverage days")
		}
		if c, ok := out[code]; ok {
			c.Gaps[coverage.GapOverduePlan], c.Gaps[coverage.GapStaleLedger] = overdue, stale
		}
	}
	if err := rows.Err(); err != nil {
		return nil, apperr.Wrap(err, "coverage days")
	}
	for code, c := range out {
		if c.Enterprises == 0 {
			delete(out, code) // cells counted down to nothing
		}
	}
	return out, nil
}

// CoverageRecount counts what Coverage reads, from scratch: from the
// ledgers, plans, liaisons and joint groups, with the conditions that
// define coverage. Tests and `fugai coverage -check` hold the maintained
// counts to it; it takes seconds at a million ledgers.
func (db *DB) CoverageRecount(ctx context.Context, s auth.Scope, today time.Time) (map[string]coverage.Counts, error) {
	return recountedCoverage(ctx, sqlRunner{tx: db.sql, dialect: db.dialect}, s, today)
}

func recountedCoverage(ctx context.Context, r sqlRunner, s auth.Scope, today time.Time) (map[string]coverage.Counts, error) {
	org, standalone, work, gaps := coverageConditions()
	sum := func(cond string) string { return "SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END)" }
	q := "SELECT COALESCE(e.township_code, ''), COUNT(*)"
	for _, m := range strategy.Methods() {
		q += ", " + sum(planMethodSQL+" = '"+string(m)+"'")
	}
	q += ", " + sum(org) + ", " + sum(standalone) + ", " + sum(work)
	for _, st := range strategy.CountedStatuses() {
		q += ", " + sum("COALESCE(p.status, '"+string(strategy.NotStarted)+"') = '"+string(st)+"'")
	}
	q += ", " + sum("COALESCE(e.union_org, false)") + ", " + sum("COALESCE(e.youth_league, false)") + ", " + sum("COALESCE(e.womens_federation, false)")
	_, staleAt := staleCutoff(today)
	var args []any
	for _, g := range coverageGapOrder {
		q += ", " + sum(gaps[g])
		switch g {
		case coverage.GapOverduePlan:
			args = append(args, today)
		case coverage.GapStaleLedger:
			args = append(args, staleAt)
		}
	}
	q += coverageJoins + " WHERE e.in_scope"
	cond, condArgs := townshipCondition(s, "e.township_code")
	q += cond + " GROUP BY COALESCE(e.township_code, '')"
	return scanCoverage(ctx, r, q, append(args, condArgs...))
}

// scanCoverage reads the rows of a coverage query: township, base,
// methods, covered, plans, supporting organisations, gaps.
func scanCoverage(ctx context.Context, r sqlRunner, q string, args []any) (map[string]coverage.Counts, error) {
	rows, done, err := r.query(ctx, q, args...)
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
		plans := make([]int, len(strategy.CountedStatuses()))
		dest := []any{&code, &c.Enterprises}
		for i := range methods {
			dest = append(dest, &methods[i])
		}
		dest = append(dest, &c.OrganizationCovered, &c.StandaloneFormed, &c.WorkCovered)
		for i := range plans {
			dest = append(dest, &plans[i])
		}
		dest = append(dest, &c.Union, &c.YouthLeague, &c.WomensFederation)
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
		for i, st := range strategy.CountedStatuses() {
			c.Plans[st] = plans[i]
		}
		out[code] = c
	}
	return out, apperr.Wrap(rows.Err(), "coverage")
}

// gapCondition is the condition, on coverage_facts f, of one coverage gap,
// with its arguments: the gap= list filter and the gap export select what
// Coverage counts.
func gapCondition(gap string, today time.Time) (string, []any, error) {
	switch gap {
	case coverage.GapShouldForm, coverage.GapUngroupedJoint, coverage.GapNoLiaison, coverage.GapCheckDigit:
		return "f." + gap, nil, nil
	case coverage.GapOverduePlan:
		return "f.due_on < ?", []any{today.Format(time.DateOnly)}, nil
	case coverage.GapStaleLedger:
		cutoff, _ := staleCutoff(today)
		return "f.verified_on < ?", []any{cutoff}, nil
	case coverage.GapUnassigned:
		return "f.township_code = ''", nil, nil
	}
	return "", nil, apperr.Field("invalid_gap", "gap", "gap 须为 should_form、ungrouped_joint、no_liaison、overdue_plan、stale_ledger、unassigned 或 check_digit")
}

// defaultSparseGap is how many ledgers with a dated gap (in the township,
// or the district) are few enough to be gathered by their day rather than
// paged through in id order: sorting 10,000 ids takes a few milliseconds,
// and with more of them a page in id order is found soon.
const defaultSparseGap = 10_000

// gapIDs is the subquery of the ids of the in-scope ledgers with a gap —
// of a township ("none": the unassigned) when given, visible in scope,
// after the keyset cursor. The restrictions are repeated inside so that
// the database pages through the facts from the cursor, not from the
// first ledger.
//
// The counts say how many ledgers have the gap. When many do, paging
// through the facts in id order soon finds a page of them (a dated gap,
// overdue_plan or stale_ledger, has no index in id order: the township's
// facts are paged). When few or none do, they are gathered first — by
// their day, or from the gap's index — so that no plan the database might
// choose reads a township's ledgers to find nothing (PostgreSQL; the
// embedded database always pages).
//
// A limit above 0, for a caller that filters the ledgers by nothing but
// the gap, township and scope, makes the subquery page through the facts
// itself — their first limit ids after the cursor — so that the database
// reads those ledgers by their keys. Without it, the planner may join the
// township's ledgers to its facts and, for a dated gap most ledgers have,
// choose to gather every one of them first (55,000 facts for a page of
// 50: 53 ms instead of 1).
func (db *DB) gapIDs(ctx context.Context, gap string, today time.Time, township string, s auth.Scope, after int64, limit int) (string, []any, error) {
	cond, args, err := gapCondition(gap, today)
	if err != nil {
		return "", nil, err
	}
	where, whereArgs := townshipRestriction("f.township_code", township, s)
	if after > 0 {
		where += " AND f.enterprise_id > ?"
		whereArgs = append(whereArgs, after)
	}
	if db.dialect == Postgres {
		ids, sparse, err := db.sparseGapIDs(ctx, gap, args, township, s, cond+where, append(append([]any{}, args...), whereArgs...))
		if err != nil {
			return "", nil, err
		}
		if sparse {
			// An array literal: gorm would spread a slice into a list.
			lit := make([]string, len(ids))
			for i, id := range ids {
				lit[i] = strconv.FormatInt(id, 10)
			}
			return "(SELECT unnest(CAST(? AS BIGINT[])))", []any{"{" + strings.Join(lit, ",") + "}"}, nil
		}
	}
	args = append(args, whereArgs...)
	page := ""
	if limit > 0 {
		page = " ORDER BY f.enterprise_id LIMIT ?"
		args = append(args, limit)
	}
	return "(SELECT f.enterprise_id FROM coverage_facts f WHERE " + cond + where + page + ")", args, nil
}

// townshipRestriction restricts column (a township code, ” for the
// unassigned) to township ("none": the unassigned; "": any) and to scope.
func townshipRestriction(column, township string, s auth.Scope) (string, []any) {
	var cond string
	var args []any
	switch township {
	case "":
	case "none":
		cond = " AND " + column + " = ''"
	default:
		cond, args = " AND "+column+" = ?", []any{township}
	}
	c, a := townshipCondition(s, column)
	return cond + c, append(args, a...)
}

// sparseGapIDs gathers the ids of the ledgers with a gap when the counts
// say they are few (sparse); cond and args select them on coverage_facts
// f, gapArgs are the gap's own arguments.
func (db *DB) sparseGapIDs(ctx context.Context, gap string, gapArgs []any, township string, s auth.Scope, cond string, args []any) ([]int64, bool, error) {
	var q string
	var qArgs []any
	switch gap {
	case coverage.GapOverduePlan, coverage.GapStaleLedger:
		kind := "verified"
		if gap == coverage.GapOverduePlan {
			kind = "due"
		}
		q, qArgs = "SELECT township_code, SUM(n) FROM coverage_days WHERE kind = ? AND day < ?", []any{kind, gapArgs[0]}
	case coverage.GapUnassigned:
		q = "SELECT township_code, SUM(n) FROM coverage_cells WHERE township_code = ''"
	default: // a flag of the facts, counted in the cells
		q = "SELECT township_code, SUM(n) FROM coverage_cells WHERE " + gap
	}
	c, a := townshipRestriction("township_code", township, s)
	q += c + " GROUP BY township_code HAVING SUM(n) > 0"
	r := sqlRunner{tx: db.sql, dialect: db.dialect}
	rows, done, err := r.query(ctx, q, append(qArgs, a...)...)
	if err != nil {
		return nil, false, apperr.Wrap(err, "gap counts")
	}
	var townships []string
	total := 0
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			done()
			return nil, false, apperr.Wrap(err, "gap counts")
		}
		townships = append(townships, code)
		total += n
	}
	err = rows.Err()
	done()
	if err != nil {
		return nil, false, apperr.Wrap(err, "gap counts")
	}
	if total > db.sparseGap {
		return nil, false, nil
	}
	ids := []int64{}
	if len(townships) == 0 {
		return ids, true, nil
	}
	// The township list lets the township indexes serve.
	rows, done, err = r.query(ctx, "SELECT f.enterprise_id FROM coverage_facts f WHERE f.township_code IN "+inList(len(townships))+
		" AND "+cond+" ORDER BY f.enterprise_id", append(anyStrings(townships), args...)...)
	if err != nil {
		return nil, false, apperr.Wrap(err, "gap ledgers")
	}
	defer done()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, false, apperr.Wrap(err, "gap ledgers")
		}
		ids = append(ids, id)
	}
	return ids, true, apperr.Wrap(rows.Err(), "gap ledgers")
}

// PlanLine is one in-scope enterprise's line of the 全覆盖计划表.
type PlanLine struct {
	ID                  int64
	Name                string
	CreditCode          string
	Township            string // "" when unassigned
	RegisteredAddress   string
	AssignmentReason    string // why unassigned: ambiguous, no_match …
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
	PartyOrg            string     // the plan's party organisation, "" when none
	PartyOrgFoundedOn   *time.Time // its founding date (成立日期)
	Union               *bool      // 工会; nil when not surveyed
	YouthLeague         *bool      // 共青团
	WomensFederation    *bool      // 妇联
}

// planPage is how many plan lines PlanLines reads at a time.
const planPage = 2000

// PlanLines streams the plan lines of the in-scope enterprises visible in
// scope — of one township ("none": the unassigned), or with one gap, when
// given — in id order, a page at a time, to fn.
func (db *DB) PlanLines(ctx context.Context, s auth.Scope, township, gap string, today time.Time, fn func([]PlanLine) error) error {
	base := `SELECT e.id, e.name, e.credit_code, COALESCE(e.township_code, ''), e.registered_address, COALESCE(e.assignment_reason, ''),
		e.employees, e.full_members,
		COALESCE(` + planMethodSQL + `, ''), p.planned_start_on, COALESCE(p.formation_details, ''), p.planned_completion_on,
		COALESCE(p.contact_name, ''), COALESCE(p.contact_phone, ''), COALESCE(p.status, '` + string(strategy.NotStarted) + `'),
		COALESCE(u.name, ''), COALESCE(o.name, ''), o.founded_on, e.union_org, e.youth_league, e.womens_federation` + coverageJoins + `
		LEFT JOIN users u ON u.id = a.liaison_id LEFT JOIN party_orgs o ON o.id = p.party_org_id WHERE e.in_scope AND e.id > ?`
	r := sqlRunner{tx: db.sql, dialect: db.dialect}
	var after int64
	for {
		q := base
		args := []any{after}
		switch township {
		case "":
		case "none":
			q += " AND e.township_code IS NULL"
		default:
			q += " AND e.township_code = ?"
			args = append(args, township)
		}
		if gap != "" {
			ids, gapArgs, err := db.gapIDs(ctx, gap, today, township, s, after, planPage)
			if err != nil {
				return err
			}
			q += " AND e.id IN " + ids
			args = append(args, gapArgs...)
		}
		cond, condArgs := townshipCondition(s, "e.township_code")
		q += cond + " ORDER BY e.id LIMIT " + strconv.Itoa(planPage)
		rows, done, err := r.query(ctx, q, append(args, condArgs...)...)
		if err != nil {
			return apperr.Wrap(err, "plan lines")
		}
		var page []PlanLine
		for rows.Next() {
			var l PlanLine
			if err := rows.Scan(&l.ID, &l.Name, &l.CreditCode, &l.Township, &l.RegisteredAddress, &l.AssignmentReason,
				&l.Employees, &l.FullMembers, &l.Method, &l.PlannedStartOn, &l.FormationDetails, &l.PlannedCompletionOn,
				&l.ContactName, &l.ContactPhone, &l.Status, &l.Liaison, &l.PartyOrg, &l.PartyOrgFoundedOn,
				&l.Union, &l.YouthLeague, &l.WomensFederation); err != nil {
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
