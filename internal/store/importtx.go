package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/strategy"
)

// RunImport runs a claimed job in ONE transaction: fn applies every valid
// row through the Ledgers it is given, and the job is marked succeeded with
// its result in the same transaction. If fn fails, or the process dies,
// nothing of the job is applied. A file-level error from fn is returned
// for the caller to record with FailImport.
func (db *DB) RunImport(ctx context.Context, job importer.Job, fn func(importer.Ledgers) (importer.Result, error)) error {
	if db.dialect == Postgres {
		return db.runImportPostgres(ctx, job, fn)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.g.Model(&importJobRow{}).Where("id = ? AND attempts = ? AND status = ?", job.ID, job.Attempts, importer.Running).
			Count(&n).Error; err != nil {
			return apperr.Wrap(err, "check job")
		}
		if n == 0 {
			return importer.ErrJobTaken
		}
		res, err := fn(&sqliteLedgers{tx: tx, read: db.sql, job: job})
		if err != nil {
			return err
		}
		if !job.DryRun {
			r, err := tx.runner()
			if err != nil {
				return err
			}
			// Only an update can move a ledger that has a liaison.
			if res.Counts.Updated > 0 {
				if err := endImportedLiaisonsElsewhere(ctx, r, job, db.Now()); err != nil {
					return err
				}
			}
			if _, err := refreshSuggestions(ctx, r, SQLite, nil, true, importHistoryMeta(job), db.Now()); err != nil {
				return err
			}
		}
		return tx.g.Model(&importJobRow{}).Where("id = ?", job.ID).Updates(finishUpdates(res, db.Now())).Error
	})
}

func finishUpdates(res importer.Result, now time.Time) map[string]any {
	counts, _ := json.Marshal(res.Counts)
	unknown, _ := json.Marshal(res.UnknownColumns)
	return map[string]any{"status": string(importer.Succeeded), "counts": string(counts), "unknown_columns": string(unknown),
		"sheet": res.Sheet, "header_row": res.HeaderRow, "processed": res.Counts.Rows, "total": res.Counts.Rows,
		"finished_at": now, "error_code": "", "error_message": ""}
}

// sqliteLedgers writes inside the gorm transaction with hand-built
// multi-row statements. The SQLite driver prepares every statement it runs
// and binds arguments in quadratic time, so values go into the statement
// as SQL literals (sqlLiteral), a few dozen rows at a time; only what has
// no exact literal is bound.
//
// Lookups go through another connection, so they run while the job's
// connection writes: the job holds SQLite's write lock from its start, so
// what a reader sees is the ledger as it was before the job, which is what
// a lookup needs (rows of one file never share a credit code across
// batches, so a lookup never needs the job's own writes).
type sqliteLedgers struct {
	tx   *Tx
	read *sql.DB
	job  importer.Job
	q    []byte // statement buffer, reused
}

// sqliteRowsPerInsert is how many rows one INSERT carries.
const sqliteRowsPerInsert = 32

func (s *sqliteLedgers) sqlTx() (*sql.Tx, error) {
	stx, ok := s.tx.g.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("import: not in a transaction")
	}
	return stx, nil
}

// insertRows inserts rows (each len(cols) values) into table, a few per
// statement, and returns the rowid of the last row of each statement.
func (s *sqliteLedgers) insertRows(ctx context.Context, stx *sql.Tx, table string, cols []string, rows [][]any, each func(first int, lastID int64)) error {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var args []any
	for start := 0; start < len(rows); start += sqliteRowsPerInsert {
		end := min(start+sqliteRowsPerInsert, len(rows))
		q := append(s.q[:0], head...)
		args = args[:0]
		for i, r := range rows[start:end] {
			if i > 0 {
				q = append(q, ", "...)
			}
			q = append(q, '(')
			for j, v := range r {
				if j > 0 {
					q = append(q, ", "...)
				}
				var ok bool
				if q, ok = sqlLiteral(q, v); !ok {
					q = append(q, '?')
					args = append(args, v)
				}
			}
			q = append(q, ')')
		}
		s.q = q
		res, err := stx.ExecContext(ctx, string(q), args...)
		if err != nil {
			return err
		}
		if each != nil {
			last, err := res.LastInsertId()
			if err != nil {
				return err
			}
			each(start, last)
		}
	}
	return nil
}

// sqlLiteral appends v to q as an SQLite literal that stores exactly what
// binding v would, and reports whether it could: text without NUL bytes
// (quotes doubled), integers, booleans as 0 and 1, times in the driver's
// format, NULL. Other values (floats, whose decimal form might not round
// trip) are left to be bound.
func sqlLiteral(q []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(q, "NULL"...), true
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return q, false
		}
		q = append(q, '\'')
		for {
			i := strings.IndexByte(x, '\'')
			if i < 0 {
				break
			}
			q = append(q, x[:i+1]...)
			q = append(q, '\'')
			x = x[i+1:]
		}
		q = append(q, x...)
		return append(q, '\''), true
	case int64:
		return strconv.AppendInt(q, x, 10), true
	case int:
		return strconv.AppendInt(q, int64(x), 10), true
	case bool:
		if x {
			return append(q, '1'), true
		}
		return append(q, '0'), true
	case time.Time:
		q = append(q, '\'')
		q = x.AppendFormat(q, sqliteTimeFormat)
		return append(q, '\''), true
	case *string:
		if x == nil {
			return append(q, "NULL"...), true
		}
		return sqlLiteral(q, *x)
	case *int64:
		if x == nil {
			return append(q, "NULL"...), true
		}
		return sqlLiteral(q, *x)
	case *int:
		if x == nil {
			return append(q, "NULL"...), true
		}
		return sqlLiteral(q, *x)
	case *bool:
		if x == nil {
			return append(q, "NULL"...), true
		}
		return sqlLiteral(q, *x)
	case *time.Time:
		if x == nil {
			return append(q, "NULL"...), true
		}
		return sqlLiteral(q, *x)
	case *float64:
		if x == nil {
			return append(q, "NULL"...), true
		}
	}
	return q, false
}

// sqliteTimeFormat is the SQLite driver's format for time.Time values.
const sqliteTimeFormat = "2006-01-02 15:04:05.999999999-07:00"

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s *sqliteLedgers) Lookup(ctx context.Context, codes []string) (map[string]enterprise.Ledger, error) {
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	rows, err := s.read.QueryContext(ctx, "SELECT "+enterpriseColumnList+" FROM enterprises WHERE credit_code IN ("+placeholders(len(codes))+")", args...)
	if err != nil {
		return nil, apperr.Wrap(err, "look up ledgers")
	}
	defer rows.Close()
	return scanLedgers(rows, len(codes))
}

func (s *sqliteLedgers) Pools(ctx context.Context) (map[string]strategy.Pool, error) {
	stx, err := s.sqlTx()
	if err != nil {
		return nil, err
	}
	return loadPools(ctx, sqlRunner{tx: stx, dialect: SQLite}, nil)
}

func (s *sqliteLedgers) Write(ctx context.Context, ls []enterprise.Ledger, history [][]byte) error {
	stx, err := s.sqlTx()
	if err != nil {
		return err
	}
	var fresh []int
	var freshRows [][]any
	for i := range ls {
		row := toEnterpriseRow(&ls[i])
		if ls[i].ID == 0 {
			fresh = append(fresh, i)
			freshRows = append(freshRows, enterpriseValues(&row)[1:])
			continue
		}
		res := s.tx.g.WithContext(ctx).Model(&enterpriseRow{}).Where("id = ? AND version = ?", row.ID, row.Version-1).
			Select("*").Omit("id", "created_at", "credit_code").Updates(&row)
		if res.Error != nil {
			return apperr.Wrap(res.Error, "update ledger")
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("ledger %d changed during the import", row.ID)
		}
	}
	// AUTOINCREMENT rowids of one statement are consecutive: the last id
	// gives the others.
	err = s.insertRows(ctx, stx, "enterprises", enterpriseColumns[1:], freshRows, func(first int, last int64) {
		n := min(sqliteRowsPerInsert, len(fresh)-first)
		for k := 0; k < n; k++ {
			ls[fresh[first+k]].ID = last - int64(n-1-k)
		}
	})
	if err != nil {
		if isUniqueViolation(err) {
			return fmt.Errorf("a ledger of this file was created during the import: %w", err)
		}
		return apperr.Wrap(err, "insert ledgers")
	}
	s.tx.notes.note(ledgerIDs(ls)...)
	hist := make([][]any, len(ls))
	for i := range ls {
		h := importHistory(&ls[i], history[i], s.job)
		hist[i] = []any{h.EnterpriseID, h.Version, h.ActorID, h.ActorName, h.Source, h.At, h.Changes, h.JobID}
	}
	return apperr.Wrap(s.insertRows(ctx, stx, "enterprise_history", historyColumns, hist, nil), "insert history")
}

var historyColumns = []string{"enterprise_id", "version", "actor_id", "actor_name", "source", "at", "changes", "job_id"}

var issueColumns = []string{"job_id", "row_number", "column_name", "value", "message", "severity", "code", "ledger_value", "changed_at", "changed_by"}

// issueValues are an issue row's values in the order of issueColumns.
func issueValues(r *importIssueRow) []any {
	return []any{r.JobID, r.RowNumber, r.ColumnName, r.Value, r.Message, r.Severity, r.Code, r.LedgerValue, r.ChangedAt, r.ChangedBy}
}

func (s *sqliteLedgers) Report(ctx context.Context, issues []importer.Issue) error {
	stx, err := s.sqlTx()
	if err != nil {
		return err
	}
	rows := issueRows(s.job.ID, issues)
	vals := make([][]any, len(rows))
	for i := range rows {
		vals[i] = issueValues(&rows[i])
	}
	return apperr.Wrap(s.insertRows(ctx, stx, "import_issues", issueColumns, vals, nil), "insert issues")
}

func issueRows(jobID int64, issues []importer.Issue) []importIssueRow {
	rows := make([]importIssueRow, len(issues))
	for i, is := range issues {
		rows[i] = importIssueRow{JobID: jobID, RowNumber: is.Row, ColumnName: is.Column, Value: clip(is.Value, 500),
			Message: is.Message, Severity: string(is.Severity), Code: is.Code, LedgerValue: clip(is.Ledger, 500),
			ChangedAt: is.ChangedAt, ChangedBy: is.ChangedBy}
	}
	return rows
}

// clip shortens a value kept for the report.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// importHistoryMeta records changes against the job and its uploader.
func importHistoryMeta(job importer.Job) historyMeta {
	h := historyMeta{source: "import", actorName: job.CreatedByName}
	if job.CreatedBy != 0 {
		id := job.CreatedBy
		h.actorID = &id
	}
	id := job.ID
	h.jobID = &id
	return h
}

func importHistory(l *enterprise.Ledger, changes []byte, job importer.Job) historyRow {
	var actor *int64
	if job.CreatedBy != 0 {
		id := job.CreatedBy
		actor = &id
	}
	jobID := job.ID
	return historyRow{EnterpriseID: l.ID, Version: l.Version, ActorID: actor, ActorName: job.CreatedByName,
		Source: "import", At: l.UpdatedAt, Changes: string(changes), JobID: &jobID}
}

// runImportPostgres runs the job on one pgx connection: the fast path
// writes with COPY.
func (db *DB) runImportPostgres(ctx context.Context, job importer.Job, fn func(importer.Ledgers) (importer.Result, error)) error {
	err := db.runImportPostgresOnce(ctx, job, fn)
	if retryable(err) {
		return fmt.Errorf("%w: %w", importer.ErrConflict, err)
	}
	if cutOff(err) && ctx.Err() == nil || errors.Is(err, errOutdated) {
		// Not the job's fault: given back, for another instance (or this one,
		// once upgraded) to run.
		return fmt.Errorf("%w: %w", importer.ErrInterrupted, err)
	}
	return err
}

func (db *DB) runImportPostgresOnce(ctx context.Context, job importer.Job, fn func(importer.Ledgers) (importer.Result, error)) error {
	db.writerChecked(ctx)
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return apperr.Wrap(err, "import connection")
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return apperr.Wrap(err, "begin import")
		}
		defer tx.Rollback(context.Background())
		// One import at a time (importLockKey), dry runs too (they lock
		// the rows they read); taken first, so that a migration's lock on
		// fugai_schema does not wait for the imports queued here. The
		// job's lease is renewed meanwhile, so waiting loses it to no one.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, db.importLock); err != nil {
			return apperr.Wrap(err, "wait for other imports")
		}
		if db.writerTable.Load() {
			var minWriter int64
			if err := tx.QueryRow(ctx, `SELECT min_writer FROM fugai_schema`).Scan(&minWriter); err != nil {
				return apperr.Wrap(err, "check schema writer")
			}
			if db.schema < minWriter {
				return errOutdated
			}
		}
		// Holding the job's row lock for the whole run tells other workers
		// (ClaimImport skips locked rows) that the job is alive.
		var id int64
		err = tx.QueryRow(ctx, `SELECT id FROM import_jobs WHERE id = $1 AND attempts = $2 AND status = 'running' FOR NO KEY UPDATE NOWAIT`,
			job.ID, job.Attempts).Scan(&id)
		if err != nil {
			// No such running attempt (another instance re-claimed it) or its
			// row is locked by another run: taken. Anything else (the
			// connection) is returned as it is.
			var pe *pgconn.PgError
			if errors.Is(err, pgx.ErrNoRows) || errors.As(err, &pe) && pe.Code == "55P03" {
				return importer.ErrJobTaken
			}
			return apperr.Wrap(err, "lock import job")
		}
		empty, err := firstLedgers(ctx, tx)
		if err != nil {
			return err
		}
		notes := db.newNotes()
		res, err := fn(&pgLedgers{tx: tx, job: job, now: db.Now, notes: notes, empty: empty})
		if err != nil {
			return err
		}
		r := pgxRunner{tx, notes}
		if !job.DryRun {
			// Only an update can move a ledger that has a liaison.
			if res.Counts.Updated > 0 {
				if err := endImportedLiaisonsElsewhere(ctx, r, job, db.Now()); err != nil {
					return err
				}
			}
			if _, err := refreshSuggestions(ctx, r, Postgres, nil, true, importHistoryMeta(job), db.Now()); err != nil {
				return err
			}
		}
		if err := db.applyCoverage(ctx, r); err != nil {
			return err
		}
		counts, _ := json.Marshal(res.Counts)
		unknown, _ := json.Marshal(res.UnknownColumns)
		if _, err := tx.Exec(ctx, `UPDATE import_jobs SET status = 'succeeded', counts = $2, unknown_columns = $3, sheet = $4,
			header_row = $5, processed = $6, total = $6, finished_at = $7, error_code = '', error_message = '' WHERE id = $1`,
			job.ID, string(counts), string(unknown), res.Sheet, res.HeaderRow, res.Counts.Rows, db.Now()); err != nil {
			return apperr.Wrap(err, "finish import")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_leases WHERE job_id = $1`, job.ID); err != nil {
			return apperr.Wrap(err, "end lease")
		}
		return apperr.Wrap(tx.Commit(ctx), "commit import")
	})
}

// pgLedgers writes with COPY inside the job's pgx transaction. A run looks
// up one batch while it writes the previous one, and a pgx connection does
// one thing at a time, so calls are serialised.
type pgLedgers struct {
	mu  sync.Mutex
	tx  pgx.Tx
	job importer.Job
	now func() time.Time
	// notes are the import transaction's coverage notes.
	notes *coverageNotes
	// empty: the district had no ledgers when the job began, and none can
	// be added by others until it ends (firstLedgers): nothing to look up.
	empty bool
}

// firstLedgers reports whether the job is the district's first, into an
// empty ledger: then it holds off other writers of ledgers until it
// commits (SHARE ROW EXCLUSIVE: reads go on; with no ledgers, only the
// creation of one is held), so that its lookups can be skipped — a
// million of them, seconds of a first import. The lock is taken without
// waiting: when something holds it (an index being built), the job looks
// up as usual.
func firstLedgers(ctx context.Context, tx pgx.Tx) (bool, error) {
	empty := func() (bool, error) {
		var some bool
		err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM enterprises)").Scan(&some)
		return !some, apperr.Wrap(err, "count ledgers")
	}
	if ok, err := empty(); !ok || err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT fugai_first"); err != nil {
		return false, apperr.Wrap(err, "lock ledgers")
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE enterprises IN SHARE ROW EXCLUSIVE MODE NOWAIT"); err != nil {
		_, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT fugai_first")
		return false, apperr.Wrap(rerr, "lock ledgers")
	}
	if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT fugai_first"); err != nil {
		return false, apperr.Wrap(err, "lock ledgers")
	}
	// A ledger created between the look and the lock.
	return empty()
}

// ledgerIDs are the ids of ls.
func ledgerIDs(ls []enterprise.Ledger) []int64 {
	ids := make([]int64, len(ls))
	for i := range ls {
		ids[i] = ls[i].ID
	}
	return ids
}

func (p *pgLedgers) Lookup(ctx context.Context, codes []string) (map[string]enterprise.Ledger, error) {
	if p.empty {
		// Rows of one file never share a credit code across batches: the
		// job's own ledgers are never looked up.
		return map[string]enterprise.Ledger{}, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// FOR UPDATE: an edit through the API waits for the import instead of
	// being overwritten by it.
	rows, err := p.tx.Query(ctx, "SELECT "+enterpriseColumnList+" FROM enterprises WHERE credit_code = ANY($1) FOR UPDATE", codes)
	if err != nil {
		return nil, apperr.Wrap(err, "look up ledgers")
	}
	defer rows.Close()
	return scanLedgers(rows, len(codes))
}

func (p *pgLedgers) Pools(ctx context.Context) (map[string]strategy.Pool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return loadPools(ctx, pgxRunner{tx: p.tx}, nil)
}

func (p *pgLedgers) Write(ctx context.Context, ls []enterprise.Ledger, history [][]byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var fresh, changed []int
	for i := range ls {
		if ls[i].ID == 0 {
			fresh = append(fresh, i)
		} else {
			changed = append(changed, i)
		}
	}
	if len(fresh) > 0 {
		ids, err := p.nextIDs(ctx, "enterprises_id_seq", len(fresh))
		if err != nil {
			return err
		}
		src := make([][]any, len(fresh))
		for k, i := range fresh {
			ls[i].ID = ids[k]
			row := toEnterpriseRow(&ls[i])
			src[k] = enterpriseValues(&row)
		}
		if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{"enterprises"}, enterpriseColumns, pgx.CopyFromRows(src)); err != nil {
			return apperr.Wrap(err, "copy ledgers")
		}
	}
	if len(changed) > 0 {
		if _, err := p.tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS import_stage (LIKE enterprises) ON COMMIT DROP`); err != nil {
			return apperr.Wrap(err, "stage table")
		}
		if _, err := p.tx.Exec(ctx, `TRUNCATE import_stage`); err != nil {
			return apperr.Wrap(err, "stage table")
		}
		src := make([][]any, len(changed))
		for k, i := range changed {
			row := toEnterpriseRow(&ls[i])
			src[k] = enterpriseValues(&row)
		}
		if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{"import_stage"}, enterpriseColumns, pgx.CopyFromRows(src)); err != nil {
			return apperr.Wrap(err, "copy changes")
		}
		tag, err := p.tx.Exec(ctx, `UPDATE enterprises e SET `+ledgerUpdateSet("s")+` FROM import_stage s WHERE e.id = s.id AND e.version = s.version - 1`)
		if err != nil {
			return apperr.Wrap(err, "update ledgers")
		}
		if int(tag.RowsAffected()) != len(changed) {
			return fmt.Errorf("%d of %d ledgers changed during the import", len(changed)-int(tag.RowsAffected()), len(changed))
		}
	}
	p.notes.note(ledgerIDs(ls)...)
	src := make([][]any, len(ls))
	for i := range ls {
		h := importHistory(&ls[i], history[i], p.job)
		src[i] = []any{h.EnterpriseID, h.Version, h.ActorID, h.ActorName, h.Source, h.At, h.Changes, h.JobID}
	}
	_, err := p.tx.CopyFrom(ctx, pgx.Identifier{"enterprise_history"}, historyColumns, pgx.CopyFromRows(src))
	return apperr.Wrap(err, "copy history")
}

func (p *pgLedgers) nextIDs(ctx context.Context, seq string, n int) ([]int64, error) {
	rows, err := p.tx.Query(ctx, `SELECT nextval($1) FROM generate_series(1, $2)`, seq, n)
	if err != nil {
		return nil, apperr.Wrap(err, "allocate ids")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, apperr.Wrap(err, "allocate ids")
}

func (p *pgLedgers) Report(ctx context.Context, issues []importer.Issue) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	rows := issueRows(p.job.ID, issues)
	src := make([][]any, len(rows))
	for i := range rows {
		src[i] = issueValues(&rows[i])
	}
	_, err := p.tx.CopyFrom(ctx, pgx.Identifier{"import_issues"}, issueColumns, pgx.CopyFromRows(src))
	return apperr.Wrap(err, "copy issues")
}

// rowScanner is what database/sql and pgx rows have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanLedgers reads rows of enterpriseColumns into ledgers by credit code.
func scanLedgers(rows rowScanner, n int) (map[string]enterprise.Ledger, error) {
	out := make(map[string]enterprise.Ledger, n)
	for rows.Next() {
		var r enterpriseRow
		if err := rows.Scan(enterpriseFields(&r)...); err != nil {
			return nil, apperr.Wrap(err, "scan ledger")
		}
		out[r.CreditCode] = r.toLedger()
	}
	return out, apperr.Wrap(rows.Err(), "look up ledgers")
}
