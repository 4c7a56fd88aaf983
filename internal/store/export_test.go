package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
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

// Attach and Pools read what EnterprisePage joins — plans, standing
// liaisons, joint pools — by separate queries: the tests hold the join to
// them.

// Attach reads the plans and standing liaisons of ledgers, two queries for
// a page.
func (db *DB) Attach(ctx context.Context, ls []enterprise.Ledger) (Attachments, error) {
	out := Attachments{Plans: map[int64]strategy.Plan{}, Liaisons: map[int64]auth.User{}}
	if len(ls) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	r := sqlRunner{tx: db.sql, dialect: db.dialect}
	rows, done, err := r.query(ctx, "SELECT "+planColumns+" FROM plans WHERE enterprise_id IN "+inList(len(ids)), anyInts(ids)...)
	if err != nil {
		return out, apperr.Wrap(err, "attach plans")
	}
	saved := map[int64]*planRow{}
	for rows.Next() {
		var p planRow
		if err = rows.Scan(p.fields()...); err != nil {
			break
		}
		saved[p.EnterpriseID] = &p
	}
	if err == nil {
		err = rows.Err()
	}
	done()
	if err != nil {
		return out, apperr.Wrap(err, "attach plans")
	}
	for _, l := range ls {
		out.attachPlan(l, saved[l.ID])
	}
	rows, done, err = r.query(ctx, "SELECT "+userColumns+`, a.enterprise_id
		FROM liaison_assignments a JOIN users u ON u.id = a.liaison_id WHERE a.ended_at IS NULL AND a.enterprise_id IN `+
		inList(len(ids)), anyInts(ids)...)
	if err != nil {
		return out, apperr.Wrap(err, "attach liaisons")
	}
	defer done()
	for rows.Next() {
		var u userRow
		var id int64
		if err := rows.Scan(append(u.fields(), &id)...); err != nil {
			return out, apperr.Wrap(err, "attach liaisons")
		}
		out.Liaisons[id] = u.toUser()
	}
	if err := rows.Err(); err != nil {
		return out, apperr.Wrap(err, "attach liaisons")
	}
	return out, nil
}

// attachPlan attaches the plan of in-scope ledger l: saved, or the implicit
// not-started plan nobody has saved yet.

// Pools returns the joint candidates of the given townships (strategy.Pool),
// by township code: what explaining a suggestion needs. It reads the
// maintained coverage counts (coverage_cells), which hold the pools as of
// the last commit; a writing transaction counts its own (loadPools).
func (db *DB) Pools(ctx context.Context, townships []string) (map[string]strategy.Pool, error) {
	out := map[string]strategy.Pool{}
	if len(townships) == 0 {
		return out, nil
	}
	rows, done, err := sqlRunner{tx: db.sql, dialect: db.dialect}.query(ctx, `SELECT township_code, SUM(n), SUM(n * pool_members)
		FROM coverage_cells WHERE pool_members > 0 AND township_code IN `+inList(len(townships))+` GROUP BY township_code`,
		anyStrings(townships)...)
	if err != nil {
		return nil, apperr.Wrap(err, "joint pools")
	}
	defer done()
	for rows.Next() {
		var code string
		var p strategy.Pool
		if err := rows.Scan(&code, &p.Enterprises, &p.FullMembers); err != nil {
			return nil, apperr.Wrap(err, "joint pools")
		}
		if p.Enterprises > 0 {
			out[code] = p
		}
	}
	return out, apperr.Wrap(rows.Err(), "joint pools")
}
