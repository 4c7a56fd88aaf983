package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
)

// RollupSource is one district of a roll-up: its name for messages and
// the PostgreSQL schema its instances keep their tables in.
type RollupSource struct {
	Label  string
	Schema string
}

// minRollupVersion is the first schema version whose coverage_cells and
// coverage_days hold what a roll-up reads.
const minRollupVersion = 11

// RollupCoverage reads the maintained coverage counts of districts whose
// tables live in other schemas of this PostgreSQL database, all in one
// read-only snapshot (a repeatable-read transaction), so the districts of
// a roll-up are counted at the same instant. It reads a few rows per
// township of each district, never their ledgers. A district whose schema
// is missing, unreadable or at another program version is refused by name
// (503): a roll-up with a district left out would be a wrong total.
func (db *DB) RollupCoverage(ctx context.Context, sources []RollupSource, today time.Time) ([]map[string]coverage.Counts, error) {
	if db.dialect != Postgres {
		return nil, errors.New("rollup: needs PostgreSQL")
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, apperr.Wrap(err, "rollup")
	}
	defer tx.Rollback()
	r := sqlRunner{tx: tx, dialect: db.dialect}
	out := make([]map[string]coverage.Counts, 0, len(sources))
	for _, src := range sources {
		var reg sql.NullString
		err := tx.QueryRowContext(ctx, "SELECT to_regclass($1)::text", pgx.Identifier{src.Schema, "goose_db_version"}.Sanitize()).Scan(&reg)
		if err != nil {
			return nil, rollupError(src, err)
		}
		if !reg.Valid {
			return nil, apperr.New(apperr.Unavailable, "rollup_district_unavailable",
				fmt.Sprintf("汇总所需的%s数据（数据库模式 %s）不存在或尚未初始化，无法汇总；请系统管理员检查 FUGAI_ROLLUP 配置", src.Label, src.Schema))
		}
		var version int64
		q := "SELECT COALESCE(MAX(version_id), 0) FROM " + pgx.Identifier{src.Schema, "goose_db_version"}.Sanitize() + " WHERE is_applied"
		if err := tx.QueryRowContext(ctx, q).Scan(&version); err != nil {
			return nil, rollupError(src, err)
		}
		if version < minRollupVersion || version > db.schema {
			return nil, apperr.New(apperr.Unavailable, "rollup_version_mismatch",
				fmt.Sprintf("%s的数据库版本（%d）与汇总实例的程序版本（%d）不一致，暂时无法汇总；请系统管理员完成各实例的升级", src.Label, version, db.schema))
		}
		counts, err := maintainedCoverageIn(ctx, r, src.Schema, auth.Scope{All: true}, today)
		if err != nil {
			return nil, rollupError(src, err)
		}
		out = append(out, counts)
	}
	return out, nil
}

// rollupError names the district whose schema could not be read.
func rollupError(src RollupSource, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return apperr.New(apperr.Unavailable, "rollup_district_unavailable",
			fmt.Sprintf("汇总实例没有读取%s数据（数据库模式 %s）的权限；请系统管理员授予只读权限", src.Label, src.Schema))
	}
	return apperr.Wrap(err, "rollup "+src.Schema)
}
