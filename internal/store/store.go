// Package store persists Fugai's data with GORM on PostgreSQL (pgx) or the
// embedded SQLite. Schema changes are versioned SQL migrations, one folder
// per dialect, embedded and applied with goose. Transactions live here, as
// closures; every query of a township-bound caller is filtered by its
// township here, not only in handlers.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/fugai/fugai/internal/apperr"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database engine.
type Dialect string

// Supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is the store. It is safe for concurrent use.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	dialect Dialect
	now     func() time.Time
	log     *slog.Logger
	// coverageBulk and sparseGap: see Options.
	coverageBulk, sparseGap int
	// importLease: see Options; owner names this process in import leases.
	importLease time.Duration
	owner       string
	// path is the SQLite database file ("" on PostgreSQL, or in memory).
	path string
	// coverageObserver: see ObserveCoverage.
	coverageObserver func(time.Duration)
	// schema is the highest migration this program knows (its version as
	// a writer; see fugai_schema); writerTable says fugai_schema exists.
	schema      int64
	writerTable atomic.Bool
	// schemaName is the PostgreSQL schema of the tables (Options.Schema).
	schemaName string
	// coverageLock is the key of the schema's coverage lock.
	coverageLock int64
	// importLock is the key of the schema's import lock (importLockKey).
	importLock int64
}

// Options tune Open.
type Options struct {
	// Now returns the current time; tests inject a clock. Defaults to time.Now.
	Now func() time.Time
	// Logger receives migration messages. Defaults to a discarding logger.
	Logger *slog.Logger
	// CoverageBulk is how many ledgers one transaction must change for
	// it to recount all coverage rather than recompute them one by one.
	// Defaults to 50,000; tests lower it to exercise both ways.
	CoverageBulk int
	// SparseGap is how many ledgers with a dated gap are few enough to be
	// gathered by their day for a gap list (PostgreSQL). Defaults to
	// 10,000; tests lower it to exercise both ways.
	SparseGap int
	// ImportLease is how long a claimed import job stays with this process
	// without a renewal (PostgreSQL; renewed every third of it while the job
	// runs). A job whose lease ran out is taken by another instance.
	// Defaults to 30 s.
	ImportLease time.Duration
	// MaxConns caps the connection pool (default 20 on PostgreSQL, 8 on
	// SQLite).
	MaxConns int
	// Schema is the PostgreSQL schema holding the tables (the only one on
	// every connection's search_path; created by Migrate). "" keeps the
	// URL's own search_path.
	Schema string
}

const defaultImportLease = 30 * time.Second

// processOwner names this process in import leases: host, pid and a random
// part (a pid is reused after a restart).
func processOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// DefaultSQLitePath is where the embedded database lives when no URL is set.
const DefaultSQLitePath = "./data/fugai.db"

// Open connects to the database named by url: "postgres://…" or
// "postgresql://…" selects PostgreSQL; "sqlite:PATH", "file:PATH", a plain
// path or "" selects SQLite (default ./data/fugai.db). It does not migrate.
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return opt.Now().UTC() },
		TranslateError:         true,
	}
	var (
		g       *gorm.DB
		err     error
		dialect Dialect
		path    string
	)
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		dialect = Postgres
		if opt.Schema != "" {
			if url, err = withSearchPath(url, opt.Schema); err != nil {
				return nil, err
			}
		}
		if url, err = withIdleLimit(url); err != nil {
			return nil, err
		}
		g, err = gorm.Open(postgres.Open(url), cfg)
	} else {
		dialect = SQLite
		dsn, p, derr := sqliteDSN(url)
		if derr != nil {
			return nil, derr
		}
		if p != ":memory:" {
			path = p
		}
		g, err = gorm.Open(sqlite.Open(dsn), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dialect == Postgres {
		n := or(opt.MaxConns, 20)
		sqlDB.SetMaxOpenConns(n)
		// As many idle as open: with fewer, a busy server closes the
		// connections its requests just gave back and opens new ones a
		// moment later (a PostgreSQL backend costs milliseconds to start).
		// Idle ones close after five minutes.
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		sqlDB.SetMaxOpenConns(or(opt.MaxConns, 8))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	if opt.CoverageBulk <= 0 {
		opt.CoverageBulk = defaultCoverageBulk
	}
	if opt.SparseGap <= 0 {
		opt.SparseGap = defaultSparseGap
	}
	if opt.ImportLease <= 0 {
		opt.ImportLease = defaultImportLease
	}
	db := &DB{gorm: g, sql: sqlDB, dialect: dialect, now: opt.Now, log: opt.Logger, coverageBulk: opt.CoverageBulk,
		sparseGap: opt.SparseGap, importLease: opt.ImportLease, owner: processOwner(), path: path, schemaName: opt.Schema,
		coverageLock: coverageLockKey(opt.Schema), importLock: importLockKey(opt.Schema)}
	p, err := db.provider()
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	for _, src := range p.ListSources() {
		db.schema = max(db.schema, src.Version)
	}
	return db, nil
}

// withSearchPath returns the postgres:// URL u with search_path set to the
// one schema (pgx sends it as a run-time parameter on every connection).
func withSearchPath(u, schema string) (string, error) {
	parsed, err := neturl.Parse(u)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	q := parsed.Query()
	q.Set("search_path", pgx.Identifier{schema}.Sanitize())
	parsed.RawQuery = q.Encode()
	return parsed.String(), nil
}

// idleInTransactionLimit ends a session that sits in a transaction,
// sending nothing, this long: an instance frozen or cut off mid-import
// would otherwise keep its job's row and its locks (the import lock, the
// coverage lock) until PostgreSQL's own keepalives give up on it, two
// hours by default, and every other instance's writes would wait. Nothing
// here leaves a transaction idle for more than moments: files are read
// before their transaction, uploads are on disk before they are stored.
const idleInTransactionLimit = 5 * time.Minute

// withIdleLimit sets idle_in_transaction_session_timeout for the sessions
// of u (idleInTransactionLimit), unless u sets it already.
func withIdleLimit(u string) (string, error) {
	parsed, err := neturl.Parse(u)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	q := parsed.Query()
	if q.Has("idle_in_transaction_session_timeout") {
		return u, nil
	}
	q.Set("idle_in_transaction_session_timeout", strconv.FormatInt(idleInTransactionLimit.Milliseconds(), 10))
	parsed.RawQuery = q.Encode()
	return parsed.String(), nil
}

// createSchema creates the schema of Options.Schema when it is missing
// (two instances starting at once may race: the loser finds it made).
func (db *DB) createSchema(ctx context.Context) error {
	if db.schemaName == "" {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{db.schemaName}.Sanitize())
	if err != nil {
		var exists bool
		if qerr := db.sql.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", db.schemaName).Scan(&exists); qerr == nil && exists {
			return nil
		}
		return fmt.Errorf("create schema %s: %w", db.schemaName, err)
	}
	return nil
}

// sqliteDSN turns a path or sqlite URL into a DSN with WAL, foreign keys, a
// busy timeout and immediate write transactions (so concurrent writers
// queue instead of failing on lock upgrade).
func sqliteDSN(url string) (dsn, path string, err error) {
	path = url
	for _, p := range []string{"sqlite://", "sqlite:", "file:"} {
		path = strings.TrimPrefix(path, p)
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		path = DefaultSQLitePath
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", "", fmt.Errorf("create database directory: %w", err)
		}
	}
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16384)&_txlock=immediate", path, nil
}

// Dialect reports which engine the store runs on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the connection pool.
func (db *DB) Close() error { return db.sql.Close() }

// Now returns the store's clock reading in UTC.
func (db *DB) Now() time.Time { return db.now().UTC() }

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return nil, err
	}
	var opts []goose.ProviderOption
	d := goose.DialectSQLite3
	goMigrations := []*goose.Migration{vocabularyMigration(db.dialect, db.Now)}
	if db.dialect == Postgres {
		d = goose.DialectPostgres
		var lockOpts []lock.SessionLockerOption
		if db.schemaName != "" {
			// Districts in schemas of one database migrate independently.
			h := fnv.New64a()
			h.Write([]byte(db.schemaName))
			lockOpts = append(lockOpts, lock.WithLockID(int64(h.Sum64()>>1)))
		}
		locker, err := lock.NewPostgresSessionLocker(lockOpts...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	} else {
		goMigrations = append(sqliteGoMigrations(), goMigrations...)
	}
	opts = append(opts, goose.WithGoMigrations(goMigrations...))
	return goose.NewProvider(d, db.sql, sub, opts...)
}

// Migrate applies every pending migration. It is idempotent and, on
// PostgreSQL, safe to run from several instances at once (a session lock
// serialises them).
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	if err := db.createSchema(ctx); err != nil {
		return nil, err
	}
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	if version, err := p.GetDBVersion(ctx); err == nil && version > db.schema {
		return nil, fmt.Errorf("migrate: the database is at schema version %d, newer than this program's %d: run a newer fugai", version, db.schema)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, r := range results {
		applied = append(applied, fmt.Sprintf("%d %s (%s)", r.Source.Version, migrationName(r.Source), r.Duration.Round(time.Millisecond)))
	}
	// After a migration, stored derivations follow the new rules: the
	// suggestions, then the coverage counts, which record the version they
	// were counted at — so a start interrupted between the migration and
	// the end of the recount does it again.
	version, err := p.GetDBVersion(ctx)
	if err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	counted, err := db.coverageVersion(ctx)
	if err != nil {
		return applied, fmt.Errorf("migrate: coverage: %w", err)
	}
	if len(applied) > 0 || counted != version {
		if _, err := db.RefreshSuggestions(ctx); err != nil {
			return applied, fmt.Errorf("migrate: suggestions: %w", err)
		}
		if err := db.RebuildCoverage(ctx); err != nil {
			return applied, fmt.Errorf("migrate: coverage: %w", err)
		}
	}
	return applied, nil
}

// migrationName names a migration: its file, or for a Go migration (which
// has none) its version and "go".
func migrationName(src *goose.Source) string {
	if src.Path == "" {
		return fmt.Sprintf("%05d (go)", src.Version)
	}
	return filepath.Base(src.Path)
}

// MigrationStatus describes one migration.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// MigrationStatus lists every known migration and whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: migrationName(s.Source),
			Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt})
	}
	return out, nil
}

// Ready reports nil when the database answers and no migration is pending.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return apperr.New(apperr.Unavailable, "database_unavailable", "数据库不可用")
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return apperr.New(apperr.Unavailable, "database_unavailable", "数据库不可用")
	}
	if pending {
		return apperr.New(apperr.Unavailable, "migrations_pending", "数据库迁移尚未完成")
	}
	if version, err := p.GetDBVersion(ctx); err == nil && version > db.schema {
		return errNewerSchema
	}
	return db.checkWriter(ctx, db.gorm.WithContext(ctx))
}

// errOutdated refuses the writes of a program older than the database
// requires (fugai_schema.min_writer): an instance left running during an
// upgrade.
var errOutdated = apperr.New(apperr.Unavailable, "instance_outdated",
	"此服务实例的程序版本低于数据库的要求（数据库已升级），不能再写入；请稍后重试，系统管理员需要完成各实例的升级")

var errNewerSchema = apperr.New(apperr.Unavailable, "schema_newer",
	"数据库已由更新版本的程序迁移，此服务实例的程序版本过旧；系统管理员需要完成升级")

// writerChecked says whether writers must read fugai_schema: on
// PostgreSQL once the table exists (a database migrated by this version; a
// database still at an older schema — only while it is being migrated, or
// in tests — has none, and reading it would abort the transaction). It is
// looked up outside any transaction until found.
func (db *DB) writerChecked(ctx context.Context) bool {
	if db.dialect != Postgres {
		return false
	}
	if db.writerTable.Load() {
		return true
	}
	var reg sql.NullString
	if err := db.sql.QueryRowContext(ctx, "SELECT to_regclass('fugai_schema')::text").Scan(&reg); err == nil && reg.Valid {
		db.writerTable.Store(true)
	}
	return db.writerTable.Load()
}

// checkWriter refuses (errOutdated) when the database requires a newer
// writer than this program (PostgreSQL, where instances of two versions
// can share a database during a rolling upgrade). Inside a transaction it
// holds fugai_schema's ACCESS SHARE lock to the end, so a migration that
// raises min_writer waits for it.
func (db *DB) checkWriter(ctx context.Context, g *gorm.DB) error {
	if !db.writerChecked(ctx) {
		return nil
	}
	var minWriter int64
	if err := g.Raw("SELECT min_writer FROM fugai_schema").Scan(&minWriter).Error; err != nil {
		return apperr.Wrap(err, "check schema writer")
	}
	if db.schema < minWriter {
		return errOutdated
	}
	return nil
}

// Tx is a transaction handed to InTx's closure.
type Tx struct {
	g     *gorm.DB
	db    *DB
	notes *coverageNotes
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise. Before committing it brings the coverage counts up to
// date with what fn wrote (applyCoverage).
//
// On PostgreSQL a transaction chosen as a deadlock victim (two edits of one
// township refreshing each other's joint candidates, say) is run again, a
// few times: the closure holds no state outside the transaction.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	db.writerChecked(ctx) // outside the transaction
	for attempt := 1; ; attempt++ {
		err := db.gorm.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			tx := &Tx{g: g, db: db, notes: db.newNotes()}
			if db.writerTable.Load() {
				if err := db.checkWriter(ctx, g); err != nil {
					return err
				}
			}
			if err := fn(tx); err != nil {
				return err
			}
			r, err := tx.runner()
			if err != nil {
				return err
			}
			tx.notes.commit = db.dialect == Postgres // nothing follows but the commit
			return db.applyCoverage(ctx, r)
		})
		if attempt < 4 && retryable(err) && ctx.Err() == nil {
			continue
		}
		return busy(err)
	}
}

// retryable reports whether PostgreSQL aborted the transaction for a
// deadlock or a serialization failure, which a new attempt may pass.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// or is v, or def when v is not positive.
func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// ObserveCoverage has f told how long each writing transaction's
// coverage-count maintenance took (the metrics). Call it before the store
// is used concurrently.
func (db *DB) ObserveCoverage(f func(time.Duration)) { db.coverageObserver = f }

// SQL is the connection pool, for its statistics (the metrics).
func (db *DB) SQL() *sql.DB { return db.sql }

// applyCoverage brings the coverage counts up to date inside a writing
// transaction (see applyCoverage), timed for the metrics.
func (db *DB) applyCoverage(ctx context.Context, r runner) error {
	start := time.Now()
	err := applyCoverage(ctx, r, db.dialect)
	if db.coverageObserver != nil && err == nil {
		db.coverageObserver(time.Since(start))
	}
	return err
}

// CutOff reports whether err says the database could not be reached or
// went away: the API answers 503 then.
func CutOff(err error) bool { return cutOff(err) }

// cutOff reports whether err says the database could not be reached or
// went away (a restart, a failover, a network cut, too many connections):
// nothing the request did was committed, and the same work may succeed
// once the database is back.
func cutOff(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// connection exceptions (not 08P01, a protocol violation), shutdowns, too many connections
		return (strings.HasPrefix(pe.Code, "08") && pe.Code != "08P01") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false // a deadline or a cancellation of the caller's, not the database's
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "connection reset by peer")
}

// busy turns SQLite's "database is locked" (a long import holds the one
// writer beyond the busy timeout) into a 503 the user can act on.
func busy(err error) error {
	if err != nil && strings.Contains(err.Error(), "database is locked") {
		return &apperr.Error{Kind: apperr.Unavailable, Code: "database_busy",
			Message: "系统正在写入大批数据（例如导入），请稍后重试", Err: err}
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Count counts the rows of a table. Tests use it to check what a crash
// left behind.
func (tx *Tx) Count(table string, n *int64) error {
	return tx.g.Table(table).Count(n).Error
}

// Exec runs a raw statement in the transaction. Tests use it to check the
// database's own guards (append-only tables).
func (tx *Tx) Exec(sql string, args ...any) error {
	return tx.g.Exec(sql, args...).Error
}

// Recount has the transaction recount the coverage counts from the ledgers
// before it commits, as after a bulk of notes: what raw statements (Exec)
// wrote is counted as the program's own writes are.
func (tx *Tx) Recount() { tx.notes.all = true }

// BindDistrict records code as the district whose ledgers this database
// keeps, when none is recorded yet, and fails when another is: an
// instance configured for another district must not serve, import into or
// take jobs from this one (migration 26).
func (db *DB) BindDistrict(ctx context.Context, code string) error {
	if _, err := db.sql.ExecContext(ctx, db.dialect.rebind("UPDATE fugai_schema SET district = ? WHERE district IS NULL"), code); err != nil {
		return fmt.Errorf("record the district: %w", err)
	}
	var kept sql.NullString
	if err := db.sql.QueryRowContext(ctx, "SELECT district FROM fugai_schema").Scan(&kept); err != nil {
		return fmt.Errorf("read the district: %w", err)
	}
	if kept.String != code {
		return fmt.Errorf("FUGAI_DISTRICT is %s, but this database keeps the ledgers of district %s: point FUGAI_DATABASE_URL (or FUGAI_DB_SCHEMA) at district %s's database, or set FUGAI_DISTRICT=%s", code, kept.String, code, kept.String)
	}
	return nil
}
