package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupPostgres says that a PostgreSQL database is backed up with its
// own tools (docs/operations.md), not by the program.
var ErrBackupPostgres = errors.New("a PostgreSQL database is backed up with pg_dump (see docs/operations.md), not with fugai backup")

// Backup writes a consistent copy of a SQLite database to path, online:
// VACUUM INTO reads one snapshot while the server goes on writing (the
// sqlite3 shell's .backup restarts whenever a writer commits and may never
// finish under a steady one). path must not exist. The copy is checked
// (PRAGMA integrity_check) before Backup returns; its size is returned.
func (db *DB) Backup(ctx context.Context, path string) (int64, error) {
	if db.dialect != SQLite {
		return 0, ErrBackupPostgres
	}
	if db.path == "" {
		return 0, errors.New("backup: the database is in memory")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	// Made here, empty and new (VACUUM INTO writes into an empty file), so
	// that nothing of anyone else's is ever overwritten or removed.
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("backup: %s exists; give a new file name", path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if err := db.gorm.WithContext(ctx).Exec("VACUUM INTO ?", abs).Error; err != nil {
		os.Remove(abs)
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	copyDB, err := Open(ctx, abs, Options{})
	if err != nil {
		return 0, fmt.Errorf("backup: open the copy: %w", err)
	}
	defer copyDB.Close()
	var result string
	if err := copyDB.gorm.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&result).Error; err != nil || result != "ok" {
		copyDB.Close()
		os.Remove(abs) // never left where a restore could take it
		return 0, fmt.Errorf("backup: the copy %s failed its integrity check (removed): %v %s", path, err, result)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
