package store

import (
	"context"
	"fmt"
	"strings"
)

// PlanFixOfMigration12 runs again the statements of migration 12 that put
// plans right (formed only with an organisation), so a test can hold them
// to data written the old way.
func (db *DB) PlanFixOfMigration12(ctx context.Context) error {
	b, err := migrations.ReadFile("migrations/" + string(db.dialect) + "/00012_party_org_life.sql")
	if err != nil {
		return err
	}
	up, _, _ := strings.Cut(string(b), "-- +goose Down")
	_, fix, _ := strings.Cut(up, "-- A plan is formed only")
	_, fix, _ = strings.Cut(fix, "\n")
	return db.InTx(ctx, func(tx *Tx) error {
		for _, stmt := range strings.Split(fix, ";\n") {
			var lines []string
			for _, l := range strings.Split(stmt, "\n") {
				if !strings.HasPrefix(strings.TrimSpace(l), "--") {
					lines = append(lines, l)
				}
			}
			if q := strings.TrimSpace(strings.Join(lines, "\n")); q != "" {
				if err := tx.Exec(q); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// PlanFixOfMigration18 runs again migration 18's statement that makes
// plans formed without an organisation completed (the same on both
// databases; the PostgreSQL file holds it too, a test checks).
func (db *DB) PlanFixOfMigration18(ctx context.Context) error {
	b, err := migrations.ReadFile("migrations/postgres/00018_plan_completed.sql")
	if err != nil {
		return err
	}
	if !strings.Contains(string(b), planCompletedFix) {
		return fmt.Errorf("migration 18 for PostgreSQL does not hold planCompletedFix")
	}
	return db.InTx(ctx, func(tx *Tx) error { return tx.Exec(planCompletedFix) })
}

// MigrateUpTo applies the migrations up to version alone, as a database
// created before a later migration has them: migration tests fill it
// with what was stored then, and Migrate applies the rest.
func (db *DB) MigrateUpTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// SetLeaseInterruptions sets how many times in a row a job was given back.
func (db *DB) SetLeaseInterruptions(jobID int64, n int) error {
	return db.gorm.Exec("UPDATE import_leases SET interruptions = ? WHERE job_id = ?", n, jobID).Error
}

// SetMinWriter sets the oldest program version that may write.
func (db *DB) SetMinWriter(v int64) error {
	return db.gorm.Exec("UPDATE fugai_schema SET min_writer = ?", v).Error
}

// Schema is the highest migration this program knows.
func (db *DB) Schema() int64 { return db.schema }

// PretendNewerSchema records a migration this program does not know, as a
// newer version's start would.
func (db *DB) PretendNewerSchema(v int64) error {
	return db.gorm.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, TRUE)", v).Error
}
