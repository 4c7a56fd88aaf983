package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
)

// The suggested method (strategy.Suggest) of a ledger depends on its
// township's other joint candidates, so it is stored with the ledger and
// brought up to date, in the same transaction, whenever a write may have
// changed a township's candidates: an edit, a new ledger, an import.
// strategy.Suggest decides; suggestionSQL says the same in SQL, so that a
// whole township (or district) is checked in one statement, and a test
// holds the two to the same answers.

// runner is what the suggestion queries need of a transaction: database/sql
// (gorm's transactions, the SQLite import) and pgx (the PostgreSQL import)
// both provide it.
type runner interface {
	query(ctx context.Context, q string, args ...any) (rowScanner, func(), error)
	exec(ctx context.Context, q string, args ...any) (int64, error)
	// notes are the coverage notes of the writing transaction (nil when
	// the runner only reads).
	notes() *coverageNotes
}

type sqlRunner struct {
	tx interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}
	dialect Dialect
	cover   *coverageNotes
}

func (r sqlRunner) notes() *coverageNotes { return r.cover }

func (r sqlRunner) query(ctx context.Context, q string, args ...any) (rowScanner, func(), error) {
	rows, err := r.tx.QueryContext(ctx, r.dialect.rebind(q), args...)
	if err != nil {
		return nil, nil, err
	}
	return rows, func() { rows.Close() }, nil
}

func (r sqlRunner) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := r.tx.ExecContext(ctx, r.dialect.rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type pgxRunner struct {
	tx    pgx.Tx
	cover *coverageNotes
}

func (r pgxRunner) notes() *coverageNotes { return r.cover }

func (r pgxRunner) query(ctx context.Context, q string, args ...any) (rowScanner, func(), error) {
	rows, err := r.tx.Query(ctx, Postgres.rebind(q), args...)
	if err != nil {
		return nil, nil, err
	}
	return rows, rows.Close, nil
}

func (r pgxRunner) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := r.tx.Exec(ctx, Postgres.rebind(q), args...)
	return tag.RowsAffected(), err
}

// gormRunner is the runner of a gorm transaction.
func (tx *Tx) runner() (runner, error) {
	stx, ok := tx.g.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("suggestions: not in a transaction")
	}
	return sqlRunner{tx: stx, dialect: tx.db.dialect, cover: tx.notes}, nil
}

// inList is "(?, ?, …)" for n values.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func anyInts(ns []int64) []any {
	out := make([]any, len(ns))
	for i, n := range ns {
		out[i] = n
	}
	return out
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// loadPools returns the joint candidates of each township (of townships,
// or of all when townships is nil).
func loadPools(ctx context.Context, r runner, townships []string) (map[string]strategy.Pool, error) {
	q := `SELECT township_code, COUNT(*), COALESCE(SUM(full_members), 0) FROM enterprises
		WHERE ` + candidateSQL + ` AND township_code IS NOT NULL`
	var args []any
	if townships != nil {
		if len(townships) == 0 {
			return map[string]strategy.Pool{}, nil
		}
		q += " AND township_code IN " + inList(len(townships))
		args = append(args, anyStrings(townships)...)
	}
	rows, done, err := r.query(ctx, q+" GROUP BY township_code", args...)
	if err != nil {
		return nil, apperr.Wrap(err, "joint candidates")
	}
	defer done()
	out := map[string]strategy.Pool{}
	for rows.Next() {
		var code string
		var p strategy.Pool
		if err := rows.Scan(&code, &p.Enterprises, &p.FullMembers); err != nil {
			return nil, apperr.Wrap(err, "joint candidates")
		}
		out[code] = p
	}
	return out, apperr.Wrap(rows.Err(), "joint candidates")
}

// candidateSQL selects joint candidates (strategy.InPool but for the
// township), with literal bounds so that the partial index
// enterprises_joint_candidates_idx serves it.
var candidateSQL = "in_scope AND full_members >= 1 AND full_members < " + strconv.Itoa(strategy.StandaloneMin)

// suggestionSQL is strategy.Suggest's method as an SQL expression over an
// enterprises row, given the townships whose candidates can form a joint
// branch.
func suggestionSQL(jointTownships []string) (string, []any) {
	joint := "1 = 0"
	args := []any{strategy.StandaloneMin}
	if len(jointTownships) > 0 {
		joint = "township_code IN " + inList(len(jointTownships))
		args = append(args, anyStrings(jointTownships)...)
	}
	return `(CASE WHEN NOT in_scope THEN NULL
		WHEN COALESCE(full_members, 0) >= ? THEN '` + string(strategy.Standalone) + `'
		WHEN COALESCE(full_members, 0) >= 1 AND ` + joint + ` THEN '` + string(strategy.Joint) + `'
		WHEN COALESCE(full_members, 0) >= 1 THEN '` + string(strategy.Affiliated) + `'
		ELSE '` + string(strategy.Included) + `' END)`, args
}

// historyMeta says who a change is recorded against.
type historyMeta struct {
	source    string // "api" or "import"
	actorID   *int64
	actorName string
	jobID     *int64
}

// refreshSuggestions brings the stored suggested method of ledgers up to
// date: of the townships given (every ledger when townships is nil), each
// ledger whose suggestion changed gets the new one, version+1 and a
// history entry. It works set-based (a district's worth of ledgers whose
// suggestions changed with a rule is three statements, not a million) and
// returns how many changed.
//
// With candidatesOnly it looks at joint candidates alone: after a write
// that made its own ledgers' suggestions right (an edit, an import), only
// the candidates of a township can have changed — through their pool.
func refreshSuggestions(ctx context.Context, r runner, d Dialect, townships []string, candidatesOnly bool, h historyMeta, now time.Time) (int, error) {
	if townships != nil && len(townships) == 0 {
		return 0, nil
	}
	pools, err := loadPools(ctx, r, townships)
	if err != nil {
		return 0, err
	}
	var joint []string
	for code, p := range pools {
		if strategy.JointPossible(p) {
			joint = append(joint, code)
		}
	}
	slices.Sort(joint)
	expr, exprArgs := suggestionSQL(joint)
	where := d.distinctFrom("suggested_method", expr)
	whereArgs := append([]any{}, exprArgs...)
	if candidatesOnly {
		where += " AND " + candidateSQL + " AND township_code IS NOT NULL"
	}
	if townships != nil {
		where += " AND township_code IN " + inList(len(townships))
		whereArgs = append(whereArgs, anyStrings(townships)...)
	}
	if d == Postgres {
		// Lock the rows first, so the history and the update below see
		// the same ones.
		if _, err := r.exec(ctx, "SELECT COUNT(*) FROM (SELECT id FROM enterprises WHERE "+where+" FOR UPDATE) locked", whereArgs...); err != nil {
			return 0, apperr.Wrap(err, "lock stale suggestions")
		}
	}
	change := d.jsonArray(d.jsonObject("'field'", "'suggested_method'", "'old'", "suggested_method", "'new'", expr))
	args := []any{h.actorID, h.actorName, h.source, now}
	args = append(args, exprArgs...)
	args = append(args, h.jobID)
	args = append(args, whereArgs...)
	// PostgreSQL infers no types for parameters in a SELECT list.
	param := d.param
	if _, err := r.exec(ctx, `INSERT INTO enterprise_history (enterprise_id, version, actor_id, actor_name, source, at, changes, job_id)
		SELECT id, version + 1, `+param("BIGINT")+`, `+param("TEXT")+`, `+param("TEXT")+`, `+param("TIMESTAMPTZ")+`, `+
		change+`, `+param("BIGINT")+` FROM enterprises WHERE `+where, args...); err != nil {
		return 0, apperr.Wrap(err, "record suggestions")
	}
	if err := noteWhere(ctx, r, where, whereArgs...); err != nil {
		return 0, err
	}
	args = append(append([]any{}, exprArgs...), now)
	args = append(args, whereArgs...)
	n, err := r.exec(ctx, "UPDATE enterprises SET suggested_method = "+expr+", version = version + 1, updated_at = ? WHERE "+where, args...)
	if err != nil {
		return 0, apperr.Wrap(err, "update suggestions")
	}
	return int(n), nil
}

func jsonText(s *string) json.RawMessage {
	if s == nil {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(*s)
	return b
}

// suggestedMethod gives the suggested method of ledger l as it is about to
// be written, with its township's other candidates as they are stored.
// Only a joint candidate's method depends on the others, and only on
// whether they could form a joint branch with it: that needs a few of
// them, never a count of all (an edit would otherwise scan its
// township's candidates — the most costly statement of an edit).
func suggestedMethod(ctx context.Context, r runner, l *enterprise.Ledger) (strategy.Method, error) {
	in := suggestionInput(l)
	var pool strategy.Pool
	if strategy.InPool(in) {
		partners, err := somePartners(ctx, r, in.Township, l.ID)
		if err != nil {
			return "", err
		}
		pool = partners
		pool.Enterprises++
		pool.FullMembers += in.FullMembers
	}
	return strategy.Suggest(in, pool).Method, nil
}

// partnersEnough is how many other candidates always decide
// strategy.JointPossible: each has at least one full member.
const partnersEnough = strategy.JointMinEnterprises + strategy.JointMinTotal

// somePartners returns a township's joint candidates other than ledger
// exclude: all of them when there are fewer than partnersEnough, else
// partnersEnough of them — with the ledger itself, enough for
// strategy.JointPossible to answer as it would for the whole pool, since
// more candidates only add enterprises and members.
func somePartners(ctx context.Context, r runner, township string, exclude int64) (strategy.Pool, error) {
	rows, done, err := r.query(ctx, `SELECT full_members FROM enterprises
		WHERE `+candidateSQL+` AND township_code = ? AND id <> ? LIMIT `+strconv.Itoa(partnersEnough), township, exclude)
	if err != nil {
		return strategy.Pool{}, apperr.Wrap(err, "joint candidates")
	}
	defer done()
	var p strategy.Pool
	for rows.Next() {
		var members int
		if err := rows.Scan(&members); err != nil {
			return strategy.Pool{}, apperr.Wrap(err, "joint candidates")
		}
		p.Enterprises++
		p.FullMembers += members
	}
	return p, apperr.Wrap(rows.Err(), "joint candidates")
}

func suggestionInput(l *enterprise.Ledger) strategy.Input {
	in := strategy.Input{InScope: l.InScope, Township: l.TownshipCode}
	if l.FullMembers != nil {
		in.FullMembers = *l.FullMembers
	}
	return in
}

// RefreshSuggestions brings every ledger's suggested method up to date, as
// a system change. Migrate runs it after applying migrations, so ledgers
// stored before a rule changed follow the new rule.
func (db *DB) RefreshSuggestions(ctx context.Context) (int, error) {
	var n int
	err := db.InTx(ctx, func(tx *Tx) error {
		r, err := tx.runner()
		if err != nil {
			return err
		}
		n, err = refreshSuggestions(ctx, r, db.dialect, nil, false, historyMeta{source: "system", actorName: "system"}, db.Now())
		return err
	})
	return n, err
}
