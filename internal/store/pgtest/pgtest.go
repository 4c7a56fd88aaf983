// Package pgtest gives each test its own fresh, empty PostgreSQL database.
//
// With FUGAI_TEST_DATABASE_URL set (deployments/scripts/test-with-postgres.sh
// sets it), databases are created on that server. Without it, the first call
// to URL in a test process starts a throwaway cluster that lives until the
// process ends; PostgreSQL must then be installed (as root it is installed
// by deployments/scripts/ensure-postgres.sh). Tests never skip for lack of
// PostgreSQL: they fail.
//
// A package that uses pgtest must stop the cluster when its tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// URL fails the test when TestMain does not call Main.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// envURL names an admin database URL (such as .../postgres) on a
	// server where the tests may create and drop databases.
	envURL = "FUGAI_TEST_DATABASE_URL"
	// envMarker names a file that gets one line per database handed out,
	// so a CI script can tell that PostgreSQL tests really ran.
	envMarker = "FUGAI_PG_MARKER"

	dbPrefix = "fugai_t_"
)

// mainActive records that the test binary runs through Main, so a
// self-started cluster is sure to be stopped. It is package state because
// testing.M offers no other hook at process exit; pgtest is test-only code.
var mainActive atomic.Bool

// Main runs the tests of a package that uses pgtest, stops the cluster this
// process started (if any), removes its files and exits with the tests'
// status. Call it from the package's TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	mainActive.Store(true)
	code := m.Run()
	if err := stopSelfStarted(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// URL returns the connection URL of a fresh, empty PostgreSQL database for
// this test, dropped in t.Cleanup. It calls t.Fatal when no database can be
// had; it never skips the test.
//
// The database's LC_COLLATE is C (byte order, as SQLite compares) and its
// LC_CTYPE C.UTF-8, which takes Chinese characters for letters as the
// locales of real deployments do (name search's trigram index needs it).
func URL(t testing.TB) string {
	t.Helper()
	return URLCType(t, "C.UTF-8")
}

// URLCType is URL with the database's LC_CTYPE set to ctype.
func URLCType(t testing.TB, ctype string) string {
	t.Helper()
	if !mainActive.Load() {
		t.Fatalf("pgtest: this package must run its tests through pgtest.Main so the PostgreSQL cluster gets stopped; add\n\tfunc TestMain(m *testing.M) { pgtest.Main(m) }")
	}
	admin := os.Getenv(envURL)
	if admin == "" {
		var err error
		if admin, err = selfStarted(); err != nil {
			t.Fatalf("pgtest: cannot start PostgreSQL for the tests (set %s to use a running server): %v", envURL, err)
		}
	}
	name, err := randomName()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE " +
		"'" + strings.ReplaceAll(ctype, "'", "''") + "'"
	if err := adminExec(ctx, admin, create); err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v", name, redact(admin), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	if err := mark(name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dbURL
}

// adminExec runs one statement on the admin database. CREATE and DROP
// DATABASE cannot run inside a transaction, so each gets its own connection.
func adminExec(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// randomName returns a database name unlikely to clash with one made by a
// concurrent test process on the same server.
func randomName() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random database name: %w", err)
	}
	return dbPrefix + hex.EncodeToString(b), nil
}

// withDatabase returns admin with its database replaced by name, keeping
// host, port, user, password and query parameters.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL, got %q", envURL, redact(admin))
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// redact hides the password of a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// mark appends name to the marker file, if one is configured. O_APPEND
// keeps lines whole when several test processes write at once.
func mark(name string) error {
	path := os.Getenv(envMarker)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("marker file: %w", err)
	}
	_, werr := f.WriteString(name + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("marker file: %w", err)
	}
	return nil
}
