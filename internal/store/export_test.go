package store

import (
	"context"
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
