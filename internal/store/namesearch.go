package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"log/slog"

	"github.com/jackc/pgx/v5"
)

// Name search (the q= list filter: a substring of the name or the credit
// code) scans every ledger unless PostgreSQL has trigram indexes on both
// columns (pg_trgm). They are built by EnsureNameSearch, not by a
// migration, because they need what a migration cannot promise:
//
//   - the pg_trgm extension, which a database role may be refused;
//   - a database whose LC_CTYPE classifies Chinese characters as letters
//     (C.UTF-8, zh_CN.UTF-8, en_US.UTF-8 — not C or POSIX, under which
//     pg_trgm finds no trigram in 冷水滩 and the index would find nothing);
//   - time: on a district of a million ledgers the build takes a minute, so
//     it runs concurrently (writes go on) after the server started.
//
// Without them search still works, by a scan; the reason is logged.
const (
	nameTrgmIndex = "enterprises_name_trgm"
	codeTrgmIndex = "enterprises_credit_code_trgm"
)

// NameSearch says how name search runs: Indexed, or the Reason it is not.
type NameSearch struct {
	Indexed bool
	Reason  string
}

// EnsureNameSearch builds the trigram indexes of name search when the
// database allows them (see above) and reports how search runs. It is
// idempotent, safe to run from several instances at once (one builds, the
// others wait and find the indexes), and replaces an index left invalid
// by an interrupted build. On SQLite it does nothing.
func (db *DB) EnsureNameSearch(ctx context.Context) (NameSearch, error) {
	if db.dialect != Postgres {
		return NameSearch{Reason: "SQLite: search scans the ledgers"}, nil
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return NameSearch{}, err
	}
	defer conn.Close()
	// One builder per schema at a time.
	h := fnv.New64a()
	h.Write([]byte("fugai name search " + db.schemaName))
	key := int64(h.Sum64() >> 1)
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return NameSearch{}, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)

	ext, err := trgmSchema(ctx, conn)
	if err != nil {
		return NameSearch{}, err
	}
	if ext == "" {
		// pg_trgm is a trusted extension (PostgreSQL 13+): a database owner
		// may create it. It goes in public, not in a district's schema,
		// which another district's indexes would then depend on.
		if _, err := conn.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"); err != nil {
			return NameSearch{Reason: fmt.Sprintf("pg_trgm is not installed and cannot be created (%v); a superuser can run CREATE EXTENSION pg_trgm", err)}, nil
		}
		if ext, err = trgmSchema(ctx, conn); err != nil || ext == "" {
			return NameSearch{}, fmt.Errorf("pg_trgm: created but not found: %v", err)
		}
	}
	qualified := pgx.Identifier{ext}.Sanitize() + "."
	var trigrams sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT array_length("+qualified+"show_trgm('冷水滩区'), 1)").Scan(&trigrams); err != nil {
		return NameSearch{}, err
	}
	if !trigrams.Valid || trigrams.Int64 == 0 {
		var ctype string
		conn.QueryRowContext(ctx, "SELECT datctype FROM pg_database WHERE datname = current_database()").Scan(&ctype)
		return NameSearch{Reason: fmt.Sprintf("the database's LC_CTYPE %q does not take Chinese characters for letters, so pg_trgm cannot index names; "+
			"a database created with LC_CTYPE 'C.UTF-8' (or zh_CN.UTF-8) can", ctype)}, nil
	}
	// Indexes on expressions — the ones the search uses — not on the bare
	// columns: a trigram index also serves "=", and the planner would be
	// offered it for the importer's credit_code = ANY(…) (and take it on
	// stale statistics: seconds instead of milliseconds).
	for _, ix := range []struct{ name, column string }{{nameTrgmIndex, "(lower(name))"}, {codeTrgmIndex, "(upper(credit_code))"}} {
		var valid sql.NullBool
		err := conn.QueryRowContext(ctx, "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass($1)", ix.name).Scan(&valid)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return NameSearch{}, err
		case valid.Bool:
			continue
		default: // left invalid by an interrupted build
			if _, err := conn.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{ix.name}.Sanitize()); err != nil {
				return NameSearch{}, fmt.Errorf("drop invalid index %s: %w", ix.name, err)
			}
		}
		db.log.Info("building the name search index", slog.String("index", ix.name))
		q := "CREATE INDEX CONCURRENTLY IF NOT EXISTS " + pgx.Identifier{ix.name}.Sanitize() + " ON enterprises USING gin (" +
			ix.column + " " + qualified + "gin_trgm_ops)"
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return NameSearch{}, fmt.Errorf("build index %s: %w", ix.name, err)
		}
	}
	return NameSearch{Indexed: true}, nil
}

// trgmSchema is the schema pg_trgm is installed in, "" when it is not.
func trgmSchema(ctx context.Context, conn *sql.Conn) (string, error) {
	var schema string
	err := conn.QueryRowContext(ctx, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").Scan(&schema)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return schema, err
}
