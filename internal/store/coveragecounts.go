package store

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"maps"
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
// 00011 describes the tables). A writing transaction notes, in memory, the
// ledgers whose coverage a write may have changed (coverageNotes: the
// writers of ledgers, plans, liaison assignments and joint-group members
// call note), and just before it commits (InTx, the PostgreSQL import)
// applyCoverage takes the coverage lock, recomputes the facts of the noted
// ledgers with the SQL that defines coverage (coverageConditions) and
// moves the counts by the difference — or, beyond the bulk threshold,
// recounts everything. So the next request after any write sees it, and
// the counts can be checked against a recount at any time
// (CoverageRecount).

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

// coverageNotes are the ledgers a transaction noted: their coverage facts
// may have changed. From bulk ledgers on, all is set and the ids are
// dropped: applyCoverage recounts everything.
type coverageNotes struct {
	ids   map[int64]struct{}
	all   bool
	noted int // ledgers noted, up to bulk
	bulk  int
	lock  int64 // the coverage lock's key (PostgreSQL)
	// commit: the transaction has nothing left to do after applyCoverage
	// (InTx), so PostgreSQL commits it in the same round trip as the
	// facts and counts, and the coverage lock is held no longer than the
	// server's own work.
	commit bool
}

// newNotes starts the notes of a writing transaction.
func (db *DB) newNotes() *coverageNotes {
	return &coverageNotes{bulk: db.coverageBulk, lock: db.coverageLock}
}

// note notes ledgers ids.
func (n *coverageNotes) note(ids ...int64) {
	if n.all {
		return
	}
	if n.ids == nil {
		n.ids = map[int64]struct{}{}
	}
	for _, id := range ids {
		n.ids[id] = struct{}{}
	}
	n.noted = len(n.ids)
	if n.noted >= n.bulk {
		n.all, n.ids, n.noted = true, nil, n.bulk
	}
}

// list returns the noted ids in order.
func (n *coverageNotes) list() []int64 {
	return slices.Sorted(maps.Keys(n.ids))
}

// coverageLockKey is the key of the coverage lock of the tables of schema
// (PostgreSQL advisory locks are per database; districts may share one).
func coverageLockKey(schema string) int64 { return lockKey("fugai coverage " + schema) }

// importLockKey is the key of the lock an import that writes holds for its
// whole transaction (PostgreSQL): one at a time per schema, on any
// instance. Two imports of the same ledgers at once had failed — a
// creation's duplicate key, or a deadlock between files that list the
// ledgers in different orders; one after the other, the second finds the
// first's ledgers.
func importLockKey(schema string) int64 { return lockKey("fugai import " + schema) }

func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}

// applyCoverage brings the facts and counts of the ledgers noted on r up
// to date, inside the transaction that noted them; from the bulk
// threshold on, it recounts everything instead.
//
// On PostgreSQL it first takes the coverage lock — one advisory lock per
// schema, held to the commit — so that transactions apply their notes one
// at a time, each seeing what the ones before it committed: the last to
// recompute a ledger's facts sees every committed write to what they
// depend on. SQLite has one writer. Reading the counts takes no lock.
func applyCoverage(ctx context.Context, r runner, d Dialect) error {
	n := r.notes()
	if n == nil || (!n.all && len(n.ids) == 0) {
		return nil
	}
	if d == Postgres && (n.all || n.noted >= analyzeFrom) {
		if _, err := r.exec(ctx, "SELECT pg_advisory_xact_lock(?)", n.lock); err != nil {
			return apperr.Wrap(err, "lock coverage")
		}
		if n.noted >= analyzeFrom {
			if err := analyzeFilled(ctx, r, n.noted); err != nil {
				return err
			}
		}
	}
	if n.all {
		if _, err := r.exec(ctx, settlePlansSQL("")); err != nil {
			return apperr.Wrap(err, "settle plans")
		}
		return recountCoverage(ctx, r, d)
	}
	if d == Postgres {
		return applyNotedPostgres(ctx, r, n)
	}
	// SQLite: the ids as one JSON parameter (a list could pass its limit
	// of bound parameters), the counts tallied here.
	list, _ := json.Marshal(n.list())
	ids, args := "SELECT value FROM json_each(?)", []any{string(list)}
	if _, err := r.exec(ctx, settlePlansSQL(ids), args...); err != nil {
		return apperr.Wrap(err, "settle plans")
	}
	times := func(q string) []any {
		var out []any
		for range strings.Count(q, "?") {
			out = append(out, args...)
		}
		return out
	}
	// The stored facts out, the facts as they are now in, and the counts
	// moved by the difference, tallied here: each fact is computed once.
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
	return moveCounts(ctx, r, cells, days)
}

// applyNotedPostgres takes the coverage lock (unless held), then replaces
// the noted ledgers' facts and moves the counts by the facts taken out and
// put in — sent as one string of statements, so the lock is held for one
// round trip and the commit: under load, each round trip costs the wait
// for a core. In read committed each statement sees what was committed
// before it began, so the facts are computed after the lock is had.
func applyNotedPostgres(ctx context.Context, r runner, n *coverageNotes) error {
	list := make([]string, 0, len(n.ids))
	for _, id := range n.list() {
		list = append(list, strconv.FormatInt(id, 10))
	}
	ids := "SELECT unnest('{" + strings.Join(list, ",") + "}'::bigint[])"
	q := "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(n.lock, 10) + ");\n" +
		settlePlansSQL(ids) + ";\n" +
		moveFactsSQL("DELETE FROM coverage_facts WHERE enterprise_id IN ("+ids+") RETURNING "+factColumns, "-") + ";\n" +
		moveFactsSQL("INSERT INTO coverage_facts ("+factColumns+") "+factsSelect(Postgres, ids)+" RETURNING "+factColumns, "")
	if n.commit {
		// The caller's own COMMIT then ends an empty transaction (begun
		// here, so that PostgreSQL has no "no transaction in progress" to
		// warn of); a failed COMMIT is this statement's error.
		q += ";\nCOMMIT;\nBEGIN"
	}
	_, err := r.exec(ctx, q)
	return apperr.Wrap(err, "update coverage counts")
}

// settlePlansSQL is the statement that keeps a plan's status to its
// method, of the ledgers ids selects (every plan when ids is ""): a plan
// completed (已落实) as affiliated or included whose method has become
// standalone or joint — the suggestion followed new members — is not
// started again, as strategy.Plan.Apply would refuse it, and its planned
// completion counts as overdue_plan once past. Writers of ledgers change
// suggestions in many ways (edits, imports, a partner's edit through the
// joint pool); the coverage step that every writing transaction ends with
// sees them all, and runs this before it computes the facts.
func settlePlansSQL(ids string) string {
	q := "UPDATE plans SET status = '" + string(strategy.NotStarted) + "', version = version + 1 WHERE status = '" +
		string(strategy.Completed) + "'"
	if ids != "" {
		q += " AND enterprise_id IN (" + ids + ")"
	}
	return q + " AND COALESCE(override_method, (SELECT e.suggested_method FROM enterprises e WHERE e.id = plans.enterprise_id)) IN ('" +
		string(strategy.Standalone) + "', '" + string(strategy.Joint) + "')"
}

// moveFactsSQL is a statement that runs change (a DELETE or INSERT of
// coverage_facts returning factColumns) and adds sign 1 for each fact it
// returns to the counts of its cell and its days.
func moveFactsSQL(change, sign string) string {
	return "WITH f AS (" + change + "), c AS (INSERT INTO coverage_cells (" + cellKey + ", n) SELECT " + cellKey + ", " + sign +
		"COUNT(*) FROM f GROUP BY " + cellKey + " ON CONFLICT (" + cellKey + ") DO UPDATE SET n = coverage_cells.n + excluded.n) " +
		"INSERT INTO coverage_days (township_code, kind, day, n) SELECT township_code, kind, day, " + sign + "COUNT(*) FROM (" +
		"SELECT township_code, 'due' AS kind, due_on AS day FROM f WHERE due_on IS NOT NULL " +
		"UNION ALL SELECT township_code, 'verified', verified_on FROM f) x GROUP BY township_code, kind, day " +
		"ON CONFLICT (township_code, kind, day) DO UPDATE SET n = coverage_days.n + excluded.n"
}

// note notes ledgers ids on r's transaction, for applyCoverage to
// recompute before the commit. Every writer of ledgers, plans, liaison
// assignments and joint-group members calls it (or noteWhere).
func note(r runner, ids ...int64) error {
	n := r.notes()
	if n == nil {
		return errors.New("coverage: a write outside a transaction that keeps the coverage counts")
	}
	n.note(ids...)
	return nil
}

// noteWhere notes the ledgers that where, a condition on enterprises,
// selects (see note).
func noteWhere(ctx context.Context, r runner, where string, args ...any) error {
	n := r.notes()
	if n == nil {
		return errors.New("coverage: a write outside a transaction that keeps the coverage counts")
	}
	if n.all {
		return nil
	}
	return noteSelected(ctx, r, "SELECT id FROM enterprises WHERE "+where, args...)
}

// noteSelected notes the ledgers whose ids q selects.
func noteSelected(ctx context.Context, r runner, q string, args ...any) error {
	rows, done, err := r.query(ctx, q, args...)
	if err != nil {
		return apperr.Wrap(err, "note coverage changes")
	}
	defer done()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return apperr.Wrap(err, "note coverage changes")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return apperr.Wrap(err, "note coverage changes")
	}
	return note(r, ids...)
}

// noteLedgers notes ledgers the transaction wrote (see note).
func (tx *Tx) noteLedgers(ids ...int64) { tx.notes.note(ids...) }

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
		// As many as a bulk of notes: applyCoverage, at the commit, takes
		// the coverage lock and recounts (writers then apply their changes
		// after it, on top).
		tx.Recount()
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
// from the ledgers; the caller holds the coverage lock (applyCoverage).
func recountCoverage(ctx context.Context, r runner, d Dialect) error {
	for _, q := range []string{
		"DELETE FROM coverage_facts", "DELETE FROM coverage_cells", "DELETE FROM coverage_days",
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

// moveCounts adds the non-zero counts to coverage_cells and coverage_days
// (the coverage lock is held: no other transaction writes them).
func moveCounts(ctx context.Context, r runner, cells map[cell]int, days map[dayKey]int) error {
	var cellKeys []cell
	for c, n := range cells {
		if n != 0 {
			cellKeys = append(cellKeys, c)
		}
	}
	var dayKeys []dayKey
	for k, n := range days {
		if n != 0 {
			dayKeys = append(dayKeys, k)
		}
	}
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
