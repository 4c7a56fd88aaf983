package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"
)

// sqliteGoMigrations are the SQLite migrations SQL alone cannot do safely.
func sqliteGoMigrations() []*goose.Migration {
	return []*goose.Migration{
		// 10: import jobs of kind "liaisons". SQLite cannot change a CHECK
		// constraint, so import_jobs is rebuilt — the way SQLite's manual
		// prescribes: on one connection, with foreign keys off, so that
		// dropping the old table neither cascades into import_files and
		// import_issues nor rewrites their references.
		goose.NewGoMigration(10, &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			return rebuildSQLiteTable(ctx, db, "import_jobs", func(create string) (string, error) {
				const old = "CHECK (kind IN ('registration', 'survey'))"
				if !strings.Contains(create, old) {
					return "", fmt.Errorf("import_jobs: kind constraint not found")
				}
				return strings.Replace(create, old, "CHECK (kind IN ('registration', 'survey', 'liaisons'))", 1), nil
			})
		}}, nil),
		// 18: plans of affiliated (挂靠) and included (纳入) enterprises end
		// as completed (已落实); those marked formed without an organisation
		// become completed (the PostgreSQL migration's comment says why).
		goose.NewGoMigration(planCompletedVersion, &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			err := rebuildSQLiteTable(ctx, db, "plans", func(create string) (string, error) {
				const old = "CHECK (status IN ('not_started', 'in_progress', 'formed', 'not_applicable'))"
				if !strings.Contains(create, old) {
					return "", fmt.Errorf("plans: status constraint not found")
				}
				return strings.Replace(create, old, "CHECK (status IN ('not_started', 'in_progress', 'formed', 'completed', 'not_applicable'))", 1), nil
			})
			if err != nil {
				return err
			}
			_, err = db.ExecContext(ctx, planCompletedFix)
			return err
		}}, nil),
	}
}

// planCompletedVersion is the migration that brings the completed status.
const planCompletedVersion = 18

// planCompletedFix makes plans formed without an organisation completed
// (migration 18).
const planCompletedFix = `UPDATE plans SET status = 'completed', formed_on = NULL, version = version + 1
WHERE status = 'formed' AND party_org_id IS NULL`

// rebuildSQLiteTable recreates table from its CREATE statement as edit
// changes it, keeping its rows and indexes.
func rebuildSQLiteTable(ctx context.Context, db *sql.DB, table string, edit func(create string) (string, error)) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer func() {
		if _, e := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); e != nil && err == nil {
			err = e
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var create string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&create); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	// Indexes and triggers go with the old table: recreate them.
	rows, err := tx.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL", table)
	if err != nil {
		return err
	}
	var indexes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		indexes = append(indexes, s)
	}
	rows.Close()
	next, err := edit(create)
	if err != nil {
		return err
	}
	tmp := table + "_rebuild"
	next = strings.Replace(next, "CREATE TABLE "+table, "CREATE TABLE "+tmp, 1)
	for _, q := range []string{next, "INSERT INTO " + tmp + " SELECT * FROM " + table, "DROP TABLE " + table,
		"ALTER TABLE " + tmp + " RENAME TO " + table} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	for _, q := range indexes {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	fk, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	broken := fk.Next()
	fk.Close()
	if broken {
		return fmt.Errorf("rebuild %s: foreign key check failed", table)
	}
	return tx.Commit()
}
