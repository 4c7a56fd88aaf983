package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
)

// A value written as an SQLite literal reads back exactly as the same value
// bound as a parameter.
func TestSQLLiteralMatchesBinding(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE v (a TEXT, b INTEGER, c BOOLEAN, d DATETIME, e REAL)"); err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	shanghai := time.FixedZone("CST", 8*3600)
	texts := []any{"", "'", "''", "a'b''c'", "普通文本", "引号'与\"双引号\"", "line\nbreak\r\ttab", "\\", "--", ";DROP TABLE v;",
		"\xff\xfe invalid", "emoji 😀", "a\x00b", (*string)(nil), s("x'y")}
	ints := []any{int64(0), int64(-1), int64(9223372036854775807), int64(-9223372036854775808), 42, (*int)(nil)}
	bools := []any{true, false, (*bool)(nil)}
	times := []any{time.Date(2026, 11, 27, 8, 30, 1, 123456789, time.UTC), time.Date(2015, 3, 12, 0, 0, 0, 0, shanghai), (*time.Time)(nil)}
	floats := []any{30.5, 0.1, (*float64)(nil)}
	ctx := context.Background()
	check := func(col string, vals []any) {
		for _, v := range vals {
			if _, err := db.Exec("DELETE FROM v"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO v ("+col+") VALUES (?)", v); err != nil {
				t.Fatal(err)
			}
			q, ok := sqlLiteral([]byte("INSERT INTO v ("+col+") VALUES ("), v)
			var args []any
			if !ok {
				q = append(q, '?')
				args = append(args, v)
			}
			if _, err := db.ExecContext(ctx, string(append(q, ')')), args...); err != nil {
				t.Fatalf("%s %#v: %v", col, v, err)
			}
			var n int
			if err := db.QueryRow("SELECT COUNT(DISTINCT quote(" + col + ")) FROM v").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				rows, _ := db.Query("SELECT quote(" + col + ") FROM v")
				var got []string
				for rows.Next() {
					var x string
					rows.Scan(&x)
					got = append(got, x)
				}
				rows.Close()
				t.Errorf("%s %#v: bound and literal differ: %q", col, v, got)
			}
		}
	}
	check("a", texts)
	check("b", ints)
	check("c", bools)
	check("d", times)
	check("e", floats)
	if _, ok := sqlLiteral(nil, "a\x00b"); ok {
		t.Fatal("text with a NUL byte must be bound")
	}
	if _, ok := sqlLiteral(nil, 30.5); ok {
		t.Fatal("floats must be bound")
	}
}

// Rebuilding a table keeps the rows of the tables that reference it (no
// cascade), their references, its indexes, and the connection's foreign
// keys on.
func TestRebuildSQLiteTable(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "r.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE p (id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('a', 'b')))",
		"CREATE INDEX p_kind_idx ON p (kind)",
		"CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL REFERENCES p (id) ON DELETE CASCADE)",
		"CREATE TABLE noted (id INTEGER)",
		"CREATE TRIGGER p_noted AFTER INSERT ON p BEGIN INSERT INTO noted VALUES (NEW.id); END",
		"INSERT INTO p VALUES (1, 'a')", "INSERT INTO c VALUES (1, 1)",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	err = rebuildSQLiteTable(ctx, db, "p", func(create string) (string, error) {
		return strings.Replace(create, "('a', 'b')", "('a', 'b', 'c')", 1), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM c").Scan(&n)
	var childSQL string
	db.QueryRow("SELECT sql FROM sqlite_master WHERE name = 'c'").Scan(&childSQL)
	if n != 1 || !strings.Contains(childSQL, "REFERENCES p ") {
		t.Fatalf("children after the rebuild: %d rows, %s", n, childSQL)
	}
	if _, err := db.Exec("INSERT INTO p VALUES (2, 'c')"); err != nil {
		t.Fatalf("the new constraint: %v", err)
	}
	if _, err := db.Exec("INSERT INTO c VALUES (2, 99)"); err == nil {
		t.Fatal("foreign keys are off after the rebuild")
	}
	db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'p_kind_idx'").Scan(&n)
	if n != 1 {
		t.Fatal("the index was lost")
	}
	// The trigger came along (it noted the insert of 2 above).
	db.QueryRow("SELECT COUNT(*) FROM noted WHERE id = 2").Scan(&n)
	if n != 1 {
		t.Fatal("the trigger was lost")
	}
}
