package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// column is what the schema test compares of a column.
type column struct {
	Type    string // the type's family (see family)
	NotNull bool
}

// schemaOf reads every table of a migrated store: table → column → column.
func schemaOf(t *testing.T, db *store.DB) map[string]map[string]column {
	t.Helper()
	ctx := context.Background()
	out := map[string]map[string]column{}
	add := func(table, name, typ string, notNull bool) {
		if out[table] == nil {
			out[table] = map[string]column{}
		}
		out[table][name] = column{Type: typ, NotNull: notNull}
	}
	if db.Dialect() == store.Postgres {
		rows, err := db.SQL().QueryContext(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'NO'
			FROM information_schema.columns c WHERE table_schema = current_schema()
			AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var table, name, typ string
			var notNull bool
			if err := rows.Scan(&table, &name, &typ, &notNull); err != nil {
				t.Fatal(err)
			}
			add(table, name, typ, notNull)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var tables []string
	rows, err := db.SQL().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	for _, table := range tables {
		rows, err := db.SQL().QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, typ string
			var notNull, pk int
			if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			add(table, name, typ, notNull == 1 || pk > 0)
		}
		rows.Close()
	}
	return out
}

// family is the SQLite declared type that stands for each PostgreSQL type
// the migrations use: the two dialects' migrations must say the same
// thing in their own words.
var family = map[string]string{
	"bigint":                   "INTEGER",
	"integer":                  "INTEGER",
	"boolean":                  "BOOLEAN",
	"bytea":                    "BLOB",
	"date":                     "DATE",
	"json":                     "TEXT",
	"jsonb":                    "TEXT",
	"numeric":                  "REAL",
	"text":                     "TEXT",
	"timestamp with time zone": "DATETIME",
}

// onlyPostgres are the columns PostgreSQL alone has by design, with why
// (none today).
var onlyPostgres = map[string]string{}

// compareSchemas lists how sqlite differs from pg, table by table and
// column by column; goose's own table is left out.
func compareSchemas(pg, sqlite map[string]map[string]column) []string {
	var out []string
	for _, table := range slices.Sorted(maps.Keys(pg)) {
		if table == "goose_db_version" {
			continue
		}
		if _, ok := sqlite[table]; !ok {
			out = append(out, "table "+table+": only in PostgreSQL")
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(pg[table])) {
			key, p := table+"."+name, pg[table][name]
			s, ok := sqlite[table][name]
			switch {
			case !ok && onlyPostgres[key] != "":
			case !ok:
				out = append(out, key+": only in PostgreSQL")
			case family[p.Type] == "":
				out = append(out, fmt.Sprintf("%s: PostgreSQL type %q has no SQLite counterpart in the test's table", key, p.Type))
			case family[p.Type] != s.Type && !(family[p.Type] == "INTEGER" && s.Type == "BIGINT"):
				out = append(out, fmt.Sprintf("%s: %s in PostgreSQL, %s in SQLite (want %s)", key, p.Type, s.Type, family[p.Type]))
			case p.NotNull != s.NotNull:
				out = append(out, fmt.Sprintf("%s: NOT NULL %v in PostgreSQL, %v in SQLite", key, p.NotNull, s.NotNull))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(sqlite[table])) {
			if _, ok := pg[table][name]; !ok {
				out = append(out, table+"."+name+": only in SQLite")
			}
		}
	}
	for _, table := range slices.Sorted(maps.Keys(sqlite)) {
		if _, ok := pg[table]; !ok && table != "goose_db_version" {
			out = append(out, "table "+table+": only in SQLite")
		}
	}
	return out
}

// Both dialects' migrations give the same tables, with the same columns,
// of corresponding types and the same nullability.
func TestSchemasAgree(t *testing.T) {
	pg := schemaOf(t, storetest.Open(t, store.Postgres, nil))
	sqlite := schemaOf(t, storetest.Open(t, store.SQLite, nil))
	if len(pg) < 20 || len(pg["enterprises"]) < 30 {
		t.Fatalf("read %d tables, %d columns of enterprises: the schema query reads nothing", len(pg), len(pg["enterprises"]))
	}
	for _, d := range compareSchemas(pg, sqlite) {
		t.Error(d)
	}
	// The comparison sees a column missing, a type and a nullability
	// changed, and a table of one dialect alone.
	delete(sqlite["enterprises"], "name")
	sqlite["plans"]["status"] = column{Type: "INTEGER", NotNull: true}
	sqlite["users"]["phone"] = column{Type: "TEXT", NotNull: !pg["users"]["phone"].NotNull}
	sqlite["extra"] = map[string]column{"id": {Type: "INTEGER"}}
	if got := compareSchemas(pg, sqlite); len(got) != 4 {
		t.Errorf("a doctored schema gives %d differences, want 4: %q", len(got), got)
	}
}
