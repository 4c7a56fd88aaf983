package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/config"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
)

const usage = `usage: fugai <command> [arguments]

commands:
  serve                      start the HTTP server (applies migrations first)
  migrate [up|status]        apply pending migrations (default) or list them
  import -kind registration|survey|liaisons [-dry-run] [-overwrite-newer] [-report R.xlsx] [-stats] FILE
                             import a registration export or survey sheet (xlsx or CSV)
  migrate-data -from sqlite:PATH -to postgres://…
                             move a district from SQLite to an empty, migrated PostgreSQL:
                             every table, ids kept, coverage counts rebuilt; one transaction
  backup FILE                copy a SQLite database to FILE while it serves (a consistent
                             snapshot, checked); PostgreSQL: pg_dump (docs/operations.md)
  coverage [check|rebuild]   compare the maintained coverage counts with a recount from the
                             ledgers (default; exit 1 when they differ), or rebuild them
  user create -username NAME -role ROLE [-township CODE] [-name NAME] [-phone PHONE]
                             create a user
  user password -username NAME
                             set a user's password, unlock the account and end its sessions
                             (user commands read the password from FUGAI_USER_PASSWORD or,
                             when unset, from the first line of standard input)

configuration (environment): FUGAI_ADDR, FUGAI_DATABASE_URL, FUGAI_DISTRICT,
FUGAI_ADMIN_PASSWORD, FUGAI_TRUSTED_PROXIES, FUGAI_SWAGGER, FUGAI_MAX_UPLOAD_MB,
FUGAI_LOG_LEVEL, FUGAI_SHUTDOWN_TIMEOUT, FUGAI_IMPORT_LEASE, FUGAI_UPLOAD_RETENTION_DAYS,
FUGAI_METRICS_ADDR, FUGAI_DB_MAX_CONNS (see README.md)
`

// env bundles what run gets from the process, so tests can run the whole
// program in-process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// now is the store's clock.
	now func() time.Time
}

// run is the whole program. It returns when ctx is cancelled (serve) or the
// command is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runEnv(ctx, args, env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now})
}

func runEnv(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Parse(e.getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	limitMemory(e.getenv, cfg.DatabaseURL)
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, log, e)
	case "migrate":
		return migrate(ctx, cfg, args[1:], e)
	case "user":
		return userCommand(ctx, cfg, args[1:], e)
	case "import":
		return importCommand(ctx, cfg, args[1:], e)
	case "coverage":
		return coverageCommand(ctx, cfg, args[1:], e)
	case "backup":
		return backupCommand(ctx, cfg, args[1:], e)
	case "migrate-data":
		return moveDataCommand(ctx, args[1:], e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// limitMemory gives the collector a soft memory limit, so a million-row
// import stays within a few hundred megabytes instead of letting the heap
// double between collections. GOMEMLIMIT in the environment wins. With
// SQLite the limit is lower: its page caches live outside the Go heap
// (docs/performance.md has the figures).
func limitMemory(getenv func(string) string, databaseURL string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		debug.SetMemoryLimit(200 << 20)
		return
	}
	debug.SetMemoryLimit(150 << 20)
}

// open loads the district and opens the store; the caller closes it.
func open(ctx context.Context, cfg config.Config, log *slog.Logger, now func() time.Time) (*division.District, *store.DB, error) {
	g, err := division.Load()
	if err != nil {
		return nil, nil, fmt.Errorf("load divisions: %w", err)
	}
	d, err := g.District(cfg.District)
	if err != nil {
		return nil, nil, fmt.Errorf("FUGAI_DISTRICT: %w", err)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Now: now, Logger: log, ImportLease: cfg.ImportLease, MaxConns: cfg.DBMaxConns, Schema: cfg.DBSchema})
	if err != nil {
		return nil, nil, err
	}
	return d, db, nil
}

func migrate(ctx context.Context, cfg config.Config, args []string, e env) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	_, db, err := open(ctx, cfg, slog.New(slog.DiscardHandler), e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "up":
		applied, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(e.stdout, "no pending migrations")
		}
		for _, a := range applied {
			fmt.Fprintln(e.stdout, "applied", a)
		}
		ns, err := db.EnsureNameSearch(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("name search index: %w", err)
		case ns.Indexed:
			fmt.Fprintln(e.stdout, "name search is indexed (pg_trgm)")
		case db.Dialect() == store.Postgres:
			fmt.Fprintln(e.stdout, "name search scans the ledgers:", ns.Reason)
		}
		return nil
	case "status":
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%-8s %-10s %-25s %s\n", "VERSION", "STATE", "APPLIED AT", "NAME")
		for _, s := range st {
			state, at := "pending", ""
			if s.Applied {
				state, at = "applied", s.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(e.stdout, "%-8d %-10s %-25s %s\n", s.Version, state, at, s.Name)
		}
		return nil
	}
	return fmt.Errorf("migrate: unknown subcommand %q (want up or status)", sub)
}

// moveDataCommand moves a district from SQLite to PostgreSQL
// (docs/operations.md): both are migrated to this version first; the
// SQLite file is held so that no server writes it meanwhile.
func moveDataCommand(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("migrate-data", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	from := fs.String("from", "", "the SQLite database: sqlite:PATH")
	to := fs.String("to", "", "the PostgreSQL database: postgres://…")
	schema := fs.String("schema", e.getenv("FUGAI_DB_SCHEMA"), "the district's schema in the PostgreSQL database (default FUGAI_DB_SCHEMA; none: the URL's search_path)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *schema != "" && !config.ValidSchema(*schema) {
		return fmt.Errorf("migrate-data: -schema %q must be lower-case letters, digits and underscores", *schema)
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		return errors.New("usage: fugai migrate-data -from sqlite:PATH -to postgres://…")
	}
	src, err := store.Open(ctx, *from, store.Options{Now: e.now})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := store.Open(ctx, *to, store.Options{Now: e.now, Schema: *schema})
	if err != nil {
		return err
	}
	defer dst.Close()
	if src.Dialect() != store.SQLite || dst.Dialect() != store.Postgres {
		return errors.New("migrate-data: -from must be a SQLite database and -to a PostgreSQL one")
	}
	release, err := src.HoldAlone()
	if err != nil {
		return err
	}
	defer release()
	for _, db := range []*store.DB{src, dst} {
		if _, err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	start := time.Now()
	counts, err := store.MoveData(ctx, src, dst)
	if err != nil {
		return err
	}
	tables := make([]string, 0, len(counts))
	for t := range counts {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(e.stdout, "%-26s %d\n", t, counts[t])
	}
	fmt.Fprintf(e.stdout, "moved in %s; coverage counts rebuilt\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// backupCommand copies a SQLite database to a new file while the server
// may go on writing (docs/operations.md has the restore drill).
func backupCommand(ctx context.Context, cfg config.Config, args []string, e env) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: fugai backup FILE")
	}
	_, db, err := open(ctx, cfg, slog.New(slog.DiscardHandler), e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Ready(ctx); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	start := time.Now()
	size, err := db.Backup(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up to %s (%d bytes, checked) in %s\n", args[0], size, time.Since(start).Round(time.Millisecond))
	return nil
}

// coverageCommand checks the maintained coverage counts against a recount
// from the ledgers, or rebuilds them. The counts are kept by every write
// of the program; a change made with SQL outside it is taken up by the
// next write of the same ledger, or by a rebuild.
func coverageCommand(ctx context.Context, cfg config.Config, args []string, e env) error {
	sub := "check"
	if len(args) > 0 {
		sub = args[0]
	}
	if sub != "check" && sub != "rebuild" {
		return fmt.Errorf("coverage: unknown subcommand %q (want check or rebuild)", sub)
	}
	_, db, err := open(ctx, cfg, slog.New(slog.DiscardHandler), e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Ready(ctx); err != nil {
		return fmt.Errorf("coverage: %w (run fugai migrate first)", err)
	}
	start := time.Now()
	if sub == "rebuild" {
		if err := db.RebuildCoverage(ctx); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "coverage counts rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	}
	kept, counted, err := db.CheckCoverage(ctx, liaison.Today(db.Now()))
	if err != nil {
		return err
	}
	var differ []string
	for code := range counted {
		if _, ok := kept[code]; !ok {
			kept[code] = coverage.Counts{}
		}
	}
	for code, k := range kept {
		if c := counted[code]; !reflect.DeepEqual(k, c) && !(k.Enterprises == 0 && c.Enterprises == 0) {
			name := code
			if name == "" {
				name = "(unassigned)"
			}
			differ = append(differ, fmt.Sprintf("%s: kept %+v, recounted %+v", name, k, c))
		}
	}
	if len(differ) > 0 {
		slices.Sort(differ)
		for _, d := range differ {
			fmt.Fprintln(e.stdout, d)
		}
		return fmt.Errorf("coverage: the maintained counts differ from a recount in %d rows (fugai coverage rebuild fixes them)", len(differ))
	}
	fmt.Fprintf(e.stdout, "coverage counts agree with a recount of %d townships (%s)\n", len(counted), time.Since(start).Round(time.Millisecond))
	return nil
}

func userCommand(ctx context.Context, cfg config.Config, args []string, e env) error {
	const usageUser = "usage: fugai user create -username NAME -role ROLE [-township CODE] [-name NAME] [-phone PHONE]\n       fugai user password -username NAME"
	if len(args) == 0 || (args[0] != "create" && args[0] != "password") {
		return errors.New(usageUser)
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "district_admin, township_admin, liaison or auditor")
	township := fs.String("township", "", "9-digit township code (township_admin and liaison)")
	name := fs.String("name", "", "display name")
	phone := fs.String("phone", "", "phone number")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return errors.New(usageUser)
	}
	password := e.getenv("FUGAI_USER_PASSWORD")
	if password == "" {
		line, err := readLine(e.stdin)
		if err != nil {
			return fmt.Errorf("read password from standard input: %w", err)
		}
		password = line
	}
	d, db, err := open(ctx, cfg, slog.New(slog.DiscardHandler), e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if args[0] == "password" {
		if err := auth.CheckPasswordPolicy(password); err != nil {
			return fmt.Errorf("password: %w", err)
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		if err := db.SetPassword(ctx, *username, hash, audit.System); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "password set for %s; the account is unlocked and its sessions ended\n", *username)
		return nil
	}
	u, err := createUser(ctx, db, d, newUser(*username, password, *role, *township, *name, *phone))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %s (id %d, role %s)\n", u.Username, u.ID, u.Role)
	return nil
}

func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no input")
	}
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return strings.TrimRight(b.String(), "\r"), nil
}
