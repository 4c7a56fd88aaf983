// Package storetest opens migrated stores on every supported dialect for
// tests: the embedded SQLite in a temporary directory and a fresh
// PostgreSQL database from pgtest. Packages using it need
// `func TestMain(m *testing.M) { pgtest.Main(m) }`.
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/pgtest"
)

// Dialects lists the dialects every store and API suite runs on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// URL returns a database URL of the dialect for a fresh, empty database.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.Postgres {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "fugai.db")
}

// Open returns a migrated store of the dialect, closed at the end of the
// test. now is the store's clock (nil for time.Now).
func Open(t testing.TB, d store.Dialect, now func() time.Time) *store.DB {
	t.Helper()
	return OpenWith(t, d, store.Options{Now: now})
}

// OpenWith is Open with options.
func OpenWith(t testing.TB, d store.Dialect, opts store.Options) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, URL(t, d), opts)
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s store: %v", d, err)
	}
	return db
}

// Each runs fn as a subtest once per dialect.
func Each(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// Clock is a settable clock for tests.
type Clock struct{ t time.Time }

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time { return c.t }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.t = c.t.Add(d) }
