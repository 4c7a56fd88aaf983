package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// movedTables are the tables a district's data lives in, parents before
// the tables that refer to them. The coverage counts are not moved: they
// are rebuilt from the moved ledgers. Import leases belong to running
// instances and are not moved either.
var movedTables = []string{
	"users", "sessions", "enterprises", "enterprise_history", "audit_events",
	"import_jobs", "import_files", "import_issues", "import_progress",
	"joint_groups", "joint_group_members", "party_orgs", "party_org_enterprises", "plans",
	"liaison_assignments", "visits", "survey_rounds", "survey_round_enterprises",
}

// laterColumns are columns that refer to a row of their own table, which
// may come later: they are written once every row is in.
var laterColumns = map[string][]string{"party_orgs": {"merged_into_id"}}

// MoveData copies everything of a district from one database to another
// (SQLite to PostgreSQL): users and sessions, ledgers and their history,
// the audit trail, imports with their files and reports, plans, joint
// groups, organisations, liaisons, visits and survey rounds, keeping every
// id; then it moves the id sequences past the copied ids and rebuilds the
// coverage counts. Both databases must be migrated to the same version and
// the target must hold no ledgers, users (but a first administrator made by
// a start) or imports. It runs in one transaction on the target: on any
// error nothing is written. It returns how many rows each table got.
func MoveData(ctx context.Context, from, to *DB) (map[string]int64, error) {
	if to.dialect != Postgres {
		return nil, fmt.Errorf("migrate-data: the target must be PostgreSQL")
	}
	if from.dialect != SQLite {
		return nil, fmt.Errorf("migrate-data: the source must be SQLite")
	}
	fv, err := schemaVersion(ctx, from)
	if err != nil {
		return nil, err
	}
	tv, err := schemaVersion(ctx, to)
	if err != nil {
		return nil, err
	}
	if fv != tv {
		return nil, fmt.Errorf("migrate-data: the source is at schema version %d and the target at %d: run fugai migrate on both with this version of fugai first", fv, tv)
	}
	counts := map[string]int64{}
	tx, err := to.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, table := range []string{"enterprises", "import_jobs", "plans", "visits"} {
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, fmt.Errorf("migrate-data: the target already holds %d rows in %s; give an empty database", n, table)
		}
	}
	// A first start of the target may have made its administrator: the
	// source's users replace it.
	for _, table := range []string{"sessions", "audit_events", "users"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return nil, err
		}
	}
	for _, table := range movedTables {
		n, hasID, err := moveTable(ctx, from.sql, tx, table)
		if err != nil {
			return nil, fmt.Errorf("migrate-data: %s: %w", table, err)
		}
		counts[table] = n
		if !hasID {
			continue
		}
		// The sequence continues after the copied ids.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT setval(s, GREATEST((SELECT COALESCE(max(id), 0) FROM %[1]s), 1), (SELECT max(id) IS NOT NULL FROM %[1]s))
			FROM pg_get_serial_sequence('%[1]s', 'id') AS s WHERE s IS NOT NULL`, table)); err != nil {
			return nil, fmt.Errorf("migrate-data: %s sequence: %w", table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if err := to.RebuildCoverage(ctx); err != nil {
		return counts, fmt.Errorf("migrate-data: the data is moved but the coverage counts could not be rebuilt (run fugai coverage rebuild): %w", err)
	}
	return counts, nil
}

func schemaVersion(ctx context.Context, db *DB) (int64, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// moveTable copies one table's rows, in id order where there is one, with
// the target's column types deciding how SQLite's values are written
// (SQLite keeps booleans as integers and times as text).
func moveTable(ctx context.Context, src *sql.DB, dst *sql.Tx, table string) (n int64, hasID bool, err error) {
	types := map[string]string{}
	rows, err := dst.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return 0, false, err
	}
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			rows.Close()
			return 0, false, err
		}
		types[c] = t
	}
	rows.Close()
	_, hasID = types["id"]
	n, err = moveRows(ctx, src, dst, table, types)
	return n, hasID, err
}

// moveRows inserts the source's rows of table into the target, whose
// column types are types.
func moveRows(ctx context.Context, src *sql.DB, dst *sql.Tx, table string, types map[string]string) (int64, error) {
	order := ""
	if _, ok := types["id"]; ok {
		order = " ORDER BY id"
	}
	rs, err := src.QueryContext(ctx, "SELECT * FROM "+table+order)
	if err != nil {
		return 0, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return 0, err
	}
	later := map[string]bool{}
	for _, c := range laterColumns[table] {
		later[c] = true
	}
	for _, c := range cols {
		if _, ok := types[c]; !ok {
			return 0, fmt.Errorf("column %s is not in the target's table", c)
		}
	}
	placeholders := make([]string, len(cols))
	for i := range cols {
		placeholders[i] = fmt.Sprintf("$%d", i+1)
	}
	insert := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(placeholders, ", "))
	stmt, err := dst.PrepareContext(ctx, insert)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	type deferred struct {
		id   any
		vals map[string]any
	}
	var fixes []deferred
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return n, err
		}
		args := make([]any, len(cols))
		var fix deferred
		for i, c := range cols {
			v, err := toPostgres(vals[i], types[c])
			if err != nil {
				return n, fmt.Errorf("row %d, %s: %w", n+1, c, err)
			}
			if later[c] && v != nil {
				if fix.vals == nil {
					fix.vals = map[string]any{}
				}
				fix.vals[c] = v
				v = nil
			}
			if c == "id" {
				fix.id = v
			}
			args[i] = v
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		if fix.vals != nil {
			fixes = append(fixes, fix)
		}
		n++
	}
	if err := rs.Err(); err != nil {
		return n, err
	}
	for _, f := range fixes {
		for c, v := range f.vals {
			if _, err := dst.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = $1 WHERE id = $2", table, c), v, f.id); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// toPostgres turns a value read from SQLite into one for a PostgreSQL
// column of the given type.
func toPostgres(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "boolean":
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		case string:
			return b == "1" || strings.EqualFold(b, "true"), nil
		}
	case "timestamp with time zone", "timestamp without time zone", "date":
		switch t := v.(type) {
		case time.Time:
			return t, nil
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
				if p, err := time.Parse(layout, t); err == nil {
					return p, nil
				}
			}
			return nil, fmt.Errorf("not a time: %q", t)
		}
	case "bytea":
		switch b := v.(type) {
		case []byte:
			return b, nil
		case string:
			return []byte(b), nil
		}
	case "jsonb", "json", "text", "character varying":
		switch s := v.(type) {
		case []byte:
			return string(s), nil
		case time.Time:
			return s.UTC().Format(time.RFC3339Nano), nil
		}
	}
	return v, nil
}
