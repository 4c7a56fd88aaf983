package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/fugai/fugai/api"
	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/config"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/httpapi"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/metrics"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/web"
)

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, e env) error {
	d, db, err := open(ctx, cfg, log, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	rollup, err := rollupDistricts(d, cfg)
	if err != nil {
		return err
	}
	release, err := db.HoldAlone()
	if err != nil {
		return err
	}
	defer release()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, a := range applied {
		log.Info("migration applied", slog.String("migration", a))
	}
	if !d.Region {
		if err := db.BindDistrict(ctx, d.Code); err != nil {
			return err
		}
	}
	if err := bootstrapAdmin(ctx, db, d, cfg, e); err != nil {
		return err
	}
	var m *metrics.Metrics
	if cfg.MetricsAddr != "" {
		m = metrics.New(db.SQL(), db.ImportJobCounts, log)
		db.ObserveCoverage(m.Coverage)
	}
	workers := importer.NewWorkers(db, d, log, importWorkers(db), e.now)
	workers.OnDone(func(job importer.Job, outcome string, rows int, d time.Duration) {
		m.JobDone(string(job.Kind), outcome, rows, d)
	})
	// A job still running at shutdown is rolled back and runs again after
	// the restart.
	wctx, stopWorkers := context.WithCancel(ctx)
	waitWorkers := workers.Start(wctx)
	defer func() { stopWorkers(); waitWorkers() }()
	// The name search indexes are built (once) while the server serves.
	searchDone := make(chan struct{})
	go func() {
		defer close(searchDone)
		ns, err := db.EnsureNameSearch(wctx)
		switch {
		case err != nil && wctx.Err() == nil:
			log.Warn("name search index not built; search scans the ledgers", slog.Any("error", err))
		case err != nil:
		case ns.Indexed:
			log.Info("name search is indexed (pg_trgm)")
		default:
			log.Warn("name search scans the ledgers", slog.String("reason", ns.Reason))
		}
	}()
	defer func() { stopWorkers(); <-searchDone }()
	srv, err := httpapi.New(httpapi.Deps{DB: db, District: d, Log: log, Config: cfg, OpenAPI: api.OpenAPI, Workers: workers,
		Web: web.Handler(), Metrics: m, Rollup: rollup})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute, // large spreadsheet uploads on slow links
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	base := "http://" + displayAddr(addr)
	log.Info("fugai listening", slog.String("addr", addr), slog.String("district", d.Code+" "+d.Name),
		slog.String("database", string(db.Dialect())))
	// Both addresses are bound before the banner is printed, whole: what
	// reads it (a person, a supervisor, a test) sees every address at once.
	var mln net.Listener
	if m != nil {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on FUGAI_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
	}
	banner := fmt.Sprintf("Fugai is serving %s %s on %s\n  API:        %s/api/v1\n", d.Code, d.Name, base, base)
	if cfg.Swagger {
		banner += fmt.Sprintf("  Swagger UI: %s/swagger/index.html\n", base)
	}
	banner += fmt.Sprintf("  OpenAPI:    %s/api/openapi.json\n", base)
	if mln != nil {
		banner += fmt.Sprintf("  Metrics:    http://%s/metrics\n", displayAddr(mln.Addr().String()))
	}
	fmt.Fprint(e.stdout, banner)
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var ms *http.Server
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := ms.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics: %w", err)
			}
		}()
	}
	go housekeeping(ctx, db, cfg, log)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("timeout", cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if ms != nil {
		ms.Close()
	}
	if err := hs.Shutdown(sctx); err != nil {
		// Requests still running past FUGAI_SHUTDOWN_TIMEOUT (a slow upload,
		// a long export): their connections are closed now, before the
		// database, so each client sees a cut connection — never a response
		// that looks complete — and the process exits cleanly.
		log.Warn("shutdown timeout passed; closing the connections of requests still running",
			slog.Duration("timeout", cfg.ShutdownTimeout), slog.Any("error", err))
		hs.Close()
		return nil
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// housekeeping deletes dead sessions, the failed-login counts of unknown
// names a day old, and the uploads of imports finished longer ago than
// their retention (config.UploadRetention), at the start (uploads) and
// every hour until ctx ends.
func housekeeping(ctx context.Context, db *store.DB, cfg config.Config, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.PurgeUploads(ctx, cfg.UploadRetention, cfg.ShortUploadRetention); err != nil {
			log.Warn("purge uploads", slog.Any("error", err))
		} else if n > 0 {
			log.Info("purged the uploads of finished imports", slog.Int64("jobs", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := db.PurgeSessions(ctx); err != nil {
				log.Warn("purge sessions", slog.Any("error", err))
			} else if n > 0 {
				log.Info("purged sessions", slog.Int64("count", n))
			}
			if _, err := db.PurgeLoginThrottle(ctx); err != nil {
				log.Warn("purge the failed logins of unknown names", slog.Any("error", err))
			}
		}
	}
}

// importWorkers is how many import jobs run at once: one on SQLite (a job
// holds its single writer for the whole run), two on PostgreSQL.
func importWorkers(db *store.DB) int {
	if db.Dialect() == store.Postgres {
		return 2
	}
	return 1
}

func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// rollupDistricts checks FUGAI_ROLLUP against FUGAI_DISTRICT: a roll-up is
// served by an instance of a city or province (a region) and lists only
// districts inside it; a region's instance serves nothing else.
func rollupDistricts(d *division.District, cfg config.Config) ([]httpapi.RollupDistrict, error) {
	switch {
	case d.Region && len(cfg.Rollup) == 0:
		return nil, fmt.Errorf("FUGAI_DISTRICT %s is %s, a city or province: its instance serves the roll-up of its districts; set FUGAI_ROLLUP=CODE=SCHEMA,… (or a county-level code for a district)", d.Code, d.Name)
	case !d.Region && len(cfg.Rollup) > 0:
		return nil, fmt.Errorf("FUGAI_ROLLUP needs FUGAI_DISTRICT to be the city's or province's code (such as 431100), not the district %s", d.Code)
	}
	g, err := division.Load()
	if err != nil {
		return nil, err
	}
	out := make([]httpapi.RollupDistrict, 0, len(cfg.Rollup))
	for _, r := range cfg.Rollup {
		o, err := g.Outline(r.Code)
		if err != nil {
			return nil, fmt.Errorf("FUGAI_ROLLUP: %w", err)
		}
		if !d.Holds(r.Code) {
			return nil, fmt.Errorf("FUGAI_ROLLUP: %s (%s) is not in %s (%s)", r.Code, o.Name, d.Code, d.Name)
		}
		if r.Schema == cfg.DBSchema {
			return nil, fmt.Errorf("FUGAI_ROLLUP: district %s's schema %s is this instance's own FUGAI_DB_SCHEMA; give the roll-up instance a schema of its own", r.Code, r.Schema)
		}
		out = append(out, httpapi.RollupDistrict{Outline: o, Schema: r.Schema})
	}
	return out, nil
}

// bootstrapAdmin creates the first district administrator, "admin", on an
// empty database: with FUGAI_ADMIN_PASSWORD, or with a random password
// printed once.
func bootstrapAdmin(ctx context.Context, db *store.DB, d *division.District, cfg config.Config, e env) error {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, generated := cfg.AdminPassword, false
	if password == "" {
		if password, err = auth.RandomPassword(); err != nil {
			return err
		}
		generated = true
	}
	if _, err := createUser(ctx, db, d, auth.NewUser{Username: "admin", Password: password, Role: auth.DistrictAdmin, Name: "系统管理员"}); err != nil {
		if apperr.Is(err, "username_taken") { // another instance won the race
			return nil
		}
		return fmt.Errorf("create the first administrator (FUGAI_ADMIN_PASSWORD): %w", err)
	}
	if generated {
		fmt.Fprintf(e.stdout, "Created the administrator account.\n  username: admin\n  password: %s\n  (shown once; set FUGAI_ADMIN_PASSWORD to choose it)\n", password)
	} else {
		fmt.Fprintln(e.stdout, "Created the administrator account \"admin\" with the password from FUGAI_ADMIN_PASSWORD.")
	}
	return nil
}

func newUser(username, password, role, township, name, phone string) auth.NewUser {
	return auth.NewUser{Username: strings.TrimSpace(username), Password: password, Role: auth.Role(strings.TrimSpace(role)),
		TownshipCode: strings.TrimSpace(township), Name: strings.TrimSpace(name), Phone: strings.TrimSpace(phone)}
}

// createUser validates, hashes and stores a user on behalf of the system.
func createUser(ctx context.Context, db *store.DB, d *division.District, n auth.NewUser) (auth.User, error) {
	if err := n.Validate(func(code string) bool { _, ok := d.Township(code); return ok }); err != nil {
		return auth.User{}, describe(err)
	}
	u, err := n.Build()
	if err != nil {
		return auth.User{}, err
	}
	created, err := db.CreateUser(ctx, u, audit.System)
	return created, describe(err)
}

// describe spells out an application error's fields for a terminal.
func describe(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	keys := make([]string, 0, len(ae.Fields))
	for k := range ae.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + ae.Fields[k]
	}
	return &apperr.Error{Kind: ae.Kind, Code: ae.Code, Message: strings.Join(parts, "; ")}
}
