package store

import "context"

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
