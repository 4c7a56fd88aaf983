package store

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/strategy"
)

// The coverage counts are maintained, not counted per request (migration
// 00011 describes the tables). Every ledger whose coverage may have
// changed is noted in coverage_dirty — by the writer of a ledger
// (noteLedgers), by triggers when its plan, liaison or joint-group
// membership was written — and applyCoverage, run by every
// writing transaction just before it commits (InTx, the PostgreSQL
// import), recomputes the facts of the noted ledgers with the SQL that
// defines coverage (coverageConditions) and moves the counts by the
// difference. So the next request after any write sees it, and the counts
// can be checked against a recount at any time (CoverageRecount).

// factColumns are coverage_facts' columns, in factsSelect's order.
const factColumns = `enterprise_id, township_code, method, plan_status, organization_covered, standalone_formed,
	work_covered, union_org, youth_league, womens_federation, should_form, ungrouped_joint, no_liaison, check_digit,
	pool_members, due_on, verified_on`

// cellKey is what coverage_cells counts ledgers by.
const cellKey = `township_code, method, plan_status, organization_covered, standalone_formed, work_covered,
	union_org, youth_league, womens_federation, should_form, ungrouped_joint, no_liaison, check_digit, pool_members`

// factsSelect computes the facts of the in-scope ledgers (of ids, a
// subquery, when given) from the ledgers and what they join.
func factsSelect(d Dialect, ids string) string {
	org, standalone, work, gaps := coverageConditions()
	flag := func(cond string) string { return "COALESCE(" + cond + ", false)" }
	// The district date of the last verification, and the planned
	// completion of an open plan, as YYYY-MM-DD text.
	verified := "COALESCE(" + d.localDayText("e.verified_at", districtOffsetHours()) + ", '')"
	due := d.dayText("p.planned_completion_on")
	exprs := []string{"e.id", "COALESCE(e.township_code, '')", "COALESCE(" + planMethodSQL + ", '')",
		"COALESCE(p.status, '" + string(strategy.NotStarted) + "')", flag(org), flag(standalone), flag(work),
		flag("e.union_org"), flag("e.youth_league"), flag("e.womens_federation")}
	for _, g := range []string{coverage.GapShouldForm, coverage.GapUngroupedJoint, coverage.GapNoLiaison, coverage.GapCheckDigit} {
		exprs = append(exprs, flag(gaps[g]))
	}
	exprs = append(exprs,
		// A joint candidate's full members (the joint pool, strategy.Pool).
		"CASE WHEN e.township_code IS NOT NULL AND "+candidateSQL+" THEN e.full_members ELSE 0 END",
		"CASE WHEN "+openPlanSQL+" THEN "+due+" END", verified)
	// Named as coverage_facts' columns, so the select reads like the table.
	names := strings.Split(factColumns, ",")
	for i := range exprs {
		exprs[i] += " AS " + strings.TrimSpace(names[i])
	}
	q := "SELECT " + strings.Join(exprs, ", ") + coverageJoins + " WHERE e.in_scope"
	if ids != "" {
		q += " AND e.id IN (" + ids + ")"
	}
	return q
}

// districtOffsetHours is the district zone's offset from UTC.
func districtOffsetHours() int {
	_, off := time.Date(2000, 1, 1, 0, 0, 0, 0, liaison.Zone()).Zone()
	return off / 3600
}

// applyCoverage brings the facts and counts of the ledgers noted in
// coverage_dirty up to date, inside the transaction that noted them; from
// bulk noted ledgers on, it recounts everything instead.
//
// On PostgreSQL the transaction takes its own notes (by its txid, through
// an index: a large import's uncommitted notes are not scanned by every
// other write). A ledger noted by a concurrent transaction waits on
// coverage_dirty's key until that one commits, so facts are recomputed one
// transaction at a time per ledger, each seeing the other's committed
// writes; a note left by a write outside the program is taken over by the
// next transaction that notes the ledger (fugai coverage rebuild covers
// the rest).
func applyCoverage(ctx context.Context, r runner, d Dialect, bulk int) error {
	ids := "SELECT enterprise_id FROM coverage_dirty"
	var args []any
	if d == Postgres {
		rows, done, err := r.query(ctx, "DELETE FROM coverage_dirty WHERE txid = txid_current_if_assigned() RETURNING enterprise_id")
		if err != nil {
			return apperr.Wrap(err, "claim coverage changes")
		}
		var claimed []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				done()
				return apperr.Wrap(err, "claim coverage changes")
			}
			claimed = append(claimed, id)
		}
		err = rows.Err()
		done()
		if err != nil {
			return apperr.Wrap(err, "claim coverage changes")
		}
		if len(claimed) == 0 {
			return nil
		}
		if len(claimed) >= analyzeFrom {
			if err := analyzeFilled(ctx, r, len(claimed)); err != nil {
				return err
			}
		}
		if len(claimed) >= bulk {
			return recountCoverage(ctx, r, d)
		}
		ids, args = "SELECT unnest(CAST(? AS BIGINT[]))", []any{claimed}
	} else {
		rows, done, err := r.query(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM coverage_dirty LIMIT ?) x", bulk)
		if err != nil {
			return apperr.Wrap(err, "coverage changes")
		}
		var n int
		if rows.Next() {
			err = rows.Scan(&n)
		}
		done()
		if err != nil {
			return apperr.Wrap(err, "coverage changes")
		}
		switch {
		case n == 0:
			return nil
		case n >= bulk:
			return recountCoverage(ctx, r, d)
		}
	}
	times := func(q string) []any {
		var out []any
		for range strings.Count(q, "?") {
			out = append(out, args...)
		}
		return out
	}
	// The stored facts out, the facts as they are now in, and the counts
	// moved by the difference, tallied here: each fact is computed once,
	// and the count rows — a township's few hot ones (today's verified
	// day) among them — are written last, so their row locks are held
	// only until the commit that follows.
	cells, days := map[cell]int{}, map[dayKey]int{}
	for _, step := range []struct {
		q    string
		sign int
	}{
		{"DELETE FROM coverage_facts WHERE enterprise_id IN (" + ids + ") RETURNING " + factColumns, -1},
		{"INSERT INTO coverage_facts (" + factColumns + ") " + factsSelect(d, ids) + " RETURNING " + factColumns, 1},
	} {
		rows, done, err := r.query(ctx, step.q, times(step.q)...)
		if err != nil {
			return apperr.Wrap(err, "update coverage counts")
		}
		err = tallyFacts(rows, step.sign, cells, days)
		done()
		if err != nil {
			return apperr.Wrap(err, "update coverage counts")
		}
	}
	if err := moveCounts(ctx, r, cells, days); err != nil {
		return err
	}
	if d != Postgres {
		if _, err := r.exec(ctx, "DELETE FROM coverage_dirty"); err != nil {
			return apperr.Wrap(err, "update coverage counts")
		}
	}
	return nil
}

// noteLedgers notes the ledgers ids, whose coverage a write of the
// transaction may have changed, for applyCoverage to recompute before the
// commit. Writers of ledgers call it (migration 00023 dropped the
// triggers that did); plans, liaisons and joint-group members are still
// noted by triggers. On PostgreSQL a ledger noted by a concurrent
// transaction waits for that one's commit; the keys are taken in order.
func noteLedgers(ctx context.Context, r runner, d Dialect, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if d == Postgres {
		_, err := r.exec(ctx, `INSERT INTO coverage_dirty (enterprise_id) SELECT unnest(CAST(? AS BIGINT[]))
			ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid`, ids)
		return apperr.Wrap(err, "note coverage changes")
	}
	const chunk = 500
	for len(ids) > 0 {
		part := ids[:min(chunk, len(ids))]
		ids = ids[len(part):]
		q := "INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES " + strings.TrimSuffix(strings.Repeat("(?), ", len(part)), ", ")
		if _, err := r.exec(ctx, q, anyInts(part)...); err != nil {
			return apperr.Wrap(err, "note coverage changes")
		}
	}
	return nil
}

// noteLedgersWhere notes the ledgers that where, a condition on
// enterprises, selects (see noteLedgers).
func noteLedgersWhere(ctx context.Context, r runner, d Dialect, where string, args ...any) error {
	q := "INSERT OR IGNORE INTO coverage_dirty (enterprise_id) SELECT id FROM enterprises WHERE " + where
	if d == Postgres {
		q = "INSERT INTO coverage_dirty (enterprise_id) SELECT id FROM enterprises WHERE " + where +
			" ORDER BY id ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid"
	}
	_, err := r.exec(ctx, q, args...)
	return apperr.Wrap(err, "note coverage changes")
}

// noteLedgers notes ledgers the transaction wrote (see noteLedgers).
func (tx *Tx) noteLedgers(ctx context.Context, ids ...int64) error {
	r, err := tx.runner()
	if err != nil {
		return err
	}
	return noteLedgers(ctx, r, tx.db.dialect, ids)
}

// coverageKey is what of a ledger its coverage facts depend on (beside
// its plan, liaison and joint group): an edit that leaves it alone need
// not note the ledger.
func coverageKey(l *enterprise.Ledger) string {
	members, verified := -1, ""
	if l.FullMembers != nil {
		members = *l.FullMembers
	}
	if l.VerifiedAt != nil {
		verified = l.VerifiedAt.UTC().Format(time.RFC3339Nano)
	}
	flag := func(b *bool) string {
		if b == nil {
			return "-"
		}
		return strconv.FormatBool(*b)
	}
	return strings.Join([]string{l.TownshipCode, strconv.FormatBool(l.InScope), l.SuggestedMethod, strconv.Itoa(members),
		flag(l.Union), flag(l.YouthLeague), flag(l.WomensFederation), verified, strconv.FormatBool(l.CheckDigitWarning)}, "/")
}

// analyzeFrom is how many ledgers noted by one PostgreSQL transaction (an
// import) make it analyze the tables it filled before the coverage
// statements join them: statistics taken before — or after a rolled-back
// import, when a table of dead rows looks empty — make the planner scan a
// table it thinks empty once per ledger: a 30,000-row import re-run after
// a killed one took 106 s instead of 2 s. ANALYZE inside the transaction
// counts its own rows; it holds the tables' SHARE UPDATE EXCLUSIVE lock to
// the commit (see analyzeFilled for the index build that holds it too).
const analyzeFrom = 2000

// analyzeFilled analyzes the tables an import fills, inside its
// transaction, when the planner's count of ledgers is below half of the
// noted ones: analyzed as (nearly) empty. Tables never analyzed (-1) are
// estimated from their size, which is right; ANALYZE costs about a second
// per 200,000 rows imported, so it runs only when needed.
func analyzeFilled(ctx context.Context, r runner, noted int) error {
	rows, done, err := r.query(ctx, "SELECT reltuples FROM pg_class WHERE oid = CAST('enterprises' AS regclass)")
	if err != nil {
		return apperr.Wrap(err, "statistics")
	}
	var tuples float64 = -1
	if rows.Next() {
		err = rows.Scan(&tuples)
	}
	done()
	if err != nil {
		return apperr.Wrap(err, "statistics")
	}
	if tuples < 0 || tuples >= float64(noted)/2 {
		return nil
	}
	// ANALYZE holds the tables' SHARE UPDATE EXCLUSIVE lock to the
	// commit, which a concurrent index build (EnsureNameSearch) holds
	// while it waits for this transaction: take it without waiting, or
	// go on without analyzing, rather than deadlock.
	if _, err := r.exec(ctx, "SAVEPOINT fugai_analyze"); err != nil {
		return apperr.Wrap(err, "analyze")
	}
	if _, err := r.exec(ctx, "LOCK TABLE enterprises, plans, liaison_assignments, coverage_facts IN SHARE UPDATE EXCLUSIVE MODE NOWAIT"); err != nil {
		_, rerr := r.exec(ctx, "ROLLBACK TO SAVEPOINT fugai_analyze")
		return apperr.Wrap(rerr, "analyze")
	}
	if _, err := r.exec(ctx, "ANALYZE enterprises, plans, liaison_assignments, coverage_facts"); err != nil {
		return apperr.Wrap(err, "analyze")
	}
	_, err = r.exec(ctx, "RELEASE SAVEPOINT fugai_analyze")
	return apperr.Wrap(err, "analyze")
}

// defaultCoverageBulk is how many noted ledgers make recounting everything
// cheaper than recomputing them one by one (a large import): a
// million-ledger recount takes about 14 s, recomputing a million noted
// ledgers about 40 s (docs/performance.md).
const defaultCoverageBulk = 50_000

// RebuildCoverage recounts the coverage facts and counts from the ledgers.
// Migrate runs it after applying migrations (a migration may change what
// is counted); `fugai coverage rebuild` runs it on demand.
func (db *DB) RebuildCoverage(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	version, err := p.GetDBVersion(ctx)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		r, err := tx.runner()
		if err != nil {
			return err
		}
		if db.dialect == Postgres {
			// Writers note ledgers in coverage_dirty: hold them off until
			// the rebuild commits (they then apply their change on top).
			if _, err := r.exec(ctx, "LOCK TABLE coverage_dirty IN EXCLUSIVE MODE"); err != nil {
				return apperr.Wrap(err, "lock coverage")
			}
		}
		if err := recountCoverage(ctx, r, db.dialect); err != nil {
			return err
		}
		_, err = r.exec(ctx, `INSERT INTO coverage_state (id, counted_at_version) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET counted_at_version = excluded.counted_at_version`, version)
		return apperr.Wrap(err, "record coverage version")
	})
}

// coverageVersion is the migration version the coverage counts were last
// rebuilt at (0: never).
func (db *DB) coverageVersion(ctx context.Context) (int64, error) {
	rows, done, err := sqlRunner{tx: db.sql, dialect: db.dialect}.query(ctx, "SELECT counted_at_version FROM coverage_state WHERE id = 1")
	if err != nil {
		return 0, err
	}
	defer done()
	var v int64
	if rows.Next() {
		if err := rows.Scan(&v); err != nil {
			return 0, err
		}
	}
	return v, rows.Err()
}

// recountCoverage replaces the coverage facts and counts with a recount
// from the ledgers, and forgets the noted ledgers (the recount covers
// them).
func recountCoverage(ctx context.Context, r runner, d Dialect) error {
	if d == Postgres {
		// A concurrent transaction recomputing a ledger the recount does
		// not cover would race it over that ledger's facts: hold such
		// writes off until the recount commits (their statements then see
		// it). The tables are taken in the order applyCoverage writes
		// them (facts, cells, days), so that one already applying
		// finishes first rather than deadlocking. Reading stays free.
		if _, err := r.exec(ctx, "LOCK TABLE coverage_facts, coverage_cells, coverage_days IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			return apperr.Wrap(err, "lock coverage")
		}
	}
	forget := "DELETE FROM coverage_dirty"
	if d == Postgres {
		// Not the notes a concurrent transaction holds (one that took
		// over a note left behind): it applies them after the recount.
		forget += " WHERE enterprise_id IN (SELECT enterprise_id FROM coverage_dirty FOR UPDATE SKIP LOCKED)"
	}
	for _, q := range []string{
		forget, "DELETE FROM coverage_facts", "DELETE FROM coverage_cells", "DELETE FROM coverage_days",
		"INSERT INTO coverage_facts (" + factColumns + ") " + factsSelect(d, ""),
	} {
		if _, err := r.exec(ctx, q); err != nil {
			return apperr.Wrap(err, "recount coverage")
		}
	}
	if d == SQLite {
		// SQLite would sort a million facts in memory for each GROUP BY
		// (temp_store is MEMORY): count them here instead.
		return tallyInGo(ctx, r)
	}
	for _, q := range []string{
		"INSERT INTO coverage_cells (" + cellKey + ", n) SELECT " + cellKey + ", COUNT(*) FROM coverage_facts GROUP BY " + cellKey,
		"INSERT INTO coverage_days (township_code, kind, day, n) SELECT township_code, 'due', due_on, COUNT(*) FROM coverage_facts " +
			"WHERE due_on IS NOT NULL GROUP BY township_code, due_on",
		"INSERT INTO coverage_days (township_code, kind, day, n) SELECT township_code, 'verified', verified_on, COUNT(*) " +
			"FROM coverage_facts GROUP BY township_code, verified_on",
	} {
		if _, err := r.exec(ctx, q); err != nil {
			return apperr.Wrap(err, "recount coverage")
		}
	}
	return nil
}

// cell is one row of coverage_cells' key.
type cell struct {
	township, method, planStatus                                   string
	org, standalone, work, union, youth, womens, should, ungrouped bool
	noLiaison, checkDigit                                          bool
	poolMembers                                                    int
}

type dayKey struct{ township, kind, day string }

// tallyInGo fills coverage_cells and coverage_days from coverage_facts,
// counting in Go: a few thousand distinct keys at most.
func tallyInGo(ctx context.Context, r runner) error {
	rows, done, err := r.query(ctx, "SELECT "+factColumns+" FROM coverage_facts")
	if err != nil {
		return apperr.Wrap(err, "recount coverage")
	}
	cells, days := map[cell]int{}, map[dayKey]int{}
	err = tallyFacts(rows, 1, cells, days)
	done()
	if err != nil {
		return apperr.Wrap(err, "recount coverage")
	}
	return moveCounts(ctx, r, cells, days)
}

// tallyFacts adds sign for each fact of rows (factColumns) to the counts
// of its cell and its days.
func tallyFacts(rows rowScanner, sign int, cells map[cell]int, days map[dayKey]int) error {
	for rows.Next() {
		var id int64
		var c cell
		var due *string
		var verified string
		if err := rows.Scan(&id, &c.township, &c.method, &c.planStatus, &c.org, &c.standalone, &c.work, &c.union, &c.youth,
			&c.womens, &c.should, &c.ungrouped, &c.noLiaison, &c.checkDigit, &c.poolMembers, &due, &verified); err != nil {
			return err
		}
		cells[c] += sign
		if due != nil {
			days[dayKey{c.township, "due", *due}] += sign
		}
		days[dayKey{c.township, "verified", verified}] += sign
	}
	return rows.Err()
}

// moveCounts adds the non-zero counts to coverage_cells and coverage_days.
// Concurrent writers lock count rows in one order — the keys sorted, the
// cells before the days — so that they wait for each other, never
// deadlock.
func moveCounts(ctx context.Context, r runner, cells map[cell]int, days map[dayKey]int) error {
	var cellKeys []cell
	for c, n := range cells {
		if n != 0 {
			cellKeys = append(cellKeys, c)
		}
	}
	slices.SortFunc(cellKeys, compareCells)
	var dayKeys []dayKey
	for k, n := range days {
		if n != 0 {
			dayKeys = append(dayKeys, k)
		}
	}
	slices.SortFunc(dayKeys, func(a, b dayKey) int {
		return cmp.Or(strings.Compare(a.township, b.township), strings.Compare(a.kind, b.kind), strings.Compare(a.day, b.day))
	})
	const chunk = 500
	for len(cellKeys) > 0 {
		part := cellKeys[:min(chunk, len(cellKeys))]
		cellKeys = cellKeys[len(part):]
		var args []any
		for _, c := range part {
			args = append(args, c.township, c.method, c.planStatus, c.org, c.standalone, c.work, c.union, c.youth, c.womens,
				c.should, c.ungrouped, c.noLiaison, c.checkDigit, c.poolMembers, cells[c])
		}
		if _, err := r.exec(ctx, "INSERT INTO coverage_cells ("+cellKey+", n) VALUES "+
			strings.TrimSuffix(strings.Repeat(inList(15)+", ", len(part)), ", ")+
			" ON CONFLICT ("+cellKey+") DO UPDATE SET n = coverage_cells.n + excluded.n", args...); err != nil {
			return apperr.Wrap(err, "move coverage counts")
		}
	}
	for len(dayKeys) > 0 {
		part := dayKeys[:min(chunk, len(dayKeys))]
		dayKeys = dayKeys[len(part):]
		var args []any
		for _, k := range part {
			args = append(args, k.township, k.kind, k.day, days[k])
		}
		if _, err := r.exec(ctx, "INSERT INTO coverage_days (township_code, kind, day, n) VALUES "+
			strings.TrimSuffix(strings.Repeat(inList(4)+", ", len(part)), ", ")+
			" ON CONFLICT (township_code, kind, day) DO UPDATE SET n = coverage_days.n + excluded.n", args...); err != nil {
			return apperr.Wrap(err, "move coverage counts")
		}
	}
	return nil
}

// compareCells orders cells by their key's columns.
func compareCells(a, b cell) int {
	flags := func(c cell) (n int) {
		for i, f := range []bool{c.org, c.standalone, c.work, c.union, c.youth, c.womens, c.should, c.ungrouped, c.noLiaison, c.checkDigit} {
			if f {
				n |= 1 << (9 - i)
			}
		}
		return n
	}
	return cmp.Or(strings.Compare(a.township, b.township), strings.Compare(a.method, b.method),
		strings.Compare(a.planStatus, b.planStatus), cmp.Compare(flags(a), flags(b)), cmp.Compare(a.poolMembers, b.poolMembers))
}
