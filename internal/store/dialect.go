package store

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fugai/fugai/internal/apperr"
)

// The SQL the two dialects spell differently, as methods of Dialect: a
// statement is written once and asks its dialect for these pieces. What
// the dialects do differently — leases and SKIP LOCKED claiming of import
// jobs, table and advisory locks, the import's COPY, backups, migrations —
// stays with the code that does it (docs/architecture.md lists where).

// distinctFrom is "a IS DISTINCT FROM b": true when they differ, NULL
// counting as a value (SQLite's IS NOT).
func (d Dialect) distinctFrom(a, b string) string {
	if d == Postgres {
		return a + " IS DISTINCT FROM " + b
	}
	return a + " IS NOT " + b
}

// param is a bound parameter of SQL type typ (BIGINT, TEXT, TIMESTAMPTZ,
// JSONB) where PostgreSQL cannot infer it (a SELECT list, a JSON column);
// SQLite needs no type.
func (d Dialect) param(typ string) string {
	if d == Postgres {
		return "CAST(? AS " + typ + ")"
	}
	return "?"
}

// jsonArray is a JSON array of the SQL expressions items.
func (d Dialect) jsonArray(items ...string) string {
	if d == Postgres {
		return "json_build_array(" + strings.Join(items, ", ") + ")"
	}
	return "json_array(" + strings.Join(items, ", ") + ")"
}

// jsonObject is a JSON object of the SQL expressions kv: key, value, key,
// value …
func (d Dialect) jsonObject(kv ...string) string {
	if d == Postgres {
		return "json_build_object(" + strings.Join(kv, ", ") + ")"
	}
	return "json_object(" + strings.Join(kv, ", ") + ")"
}

// dayText is the YYYY-MM-DD text of date column expr.
func (d Dialect) dayText(expr string) string {
	if d == Postgres {
		return "to_char(" + expr + ", 'YYYY-MM-DD')"
	}
	return "date(" + expr + ")"
}

// localDayText is the YYYY-MM-DD text of timestamp column expr (stored in
// UTC) in a zone offsetHours ahead of UTC.
func (d Dialect) localDayText(expr string, offsetHours int) string {
	h := strconv.Itoa(offsetHours)
	if d == Postgres {
		return "to_char((" + expr + " AT TIME ZONE 'UTC') + INTERVAL '" + h + " hours', 'YYYY-MM-DD')"
	}
	return "date(" + expr + ", '+" + h + " hours')"
}

// inIDs is the condition "in ids" on a column (written before it) and its
// arguments: one array parameter on PostgreSQL, a list on SQLite.
func (d Dialect) inIDs(ids []int64) (string, []any) {
	if d == Postgres {
		return "= ANY(?)", []any{ids}
	}
	return "IN (" + placeholders(len(ids)) + ")", anyInts(ids)
}

// likeAnyCase is "col LIKE ?" ignoring case (the parameter a pattern
// escaped with backslashes): PostgreSQL folds both sides (the trigram indexes are on
// lower(name)); SQLite's LIKE already ignores the case of ASCII letters.
func (d Dialect) likeAnyCase(col string) string {
	if d == Postgres {
		return "lower(" + col + ") LIKE lower(?) ESCAPE '\\'"
	}
	return col + " LIKE ? ESCAPE '\\'"
}

// likeUpper is "col LIKE ?" for an upper-cased pattern on a column of
// capitals (credit codes; PostgreSQL's index is on upper(credit_code)).
func (d Dialect) likeUpper(col string) string {
	if d == Postgres {
		return "upper(" + col + ") LIKE ? ESCAPE '\\'"
	}
	return col + " LIKE ? ESCAPE '\\'"
}

// codePointOrder is col compared in code point order (SQLite's own; the
// "C" collation on PostgreSQL, as the index on it is built).
func (d Dialect) codePointOrder(col string) string {
	if d == Postgres {
		return col + ` COLLATE "C"`
	}
	return col
}

// keysetAfter is the condition "(k, id) op (v, id)" of keyset paging on
// key expression k, with its arguments: a row comparison on PostgreSQL
// (one range of the (key, id) index); SQLite ranges an expression index
// only by a comparison of the expression itself, so there the key's range
// comes first, then the ids within the tie.
func (d Dialect) keysetAfter(k, op string, v any, id int64) (string, []any) {
	if d == Postgres {
		return "(" + k + ", id) " + op + " (?, ?)", []any{v, id}
	}
	return k + " " + op + "= ? AND (" + k + " " + op + " ? OR id " + op + " ?)", []any{v, v, id}
}

// forShare ends a query whose rows must not change until the transaction
// ends; SQLite's writer holds the whole database already.
func (d Dialect) forShare() string {
	if d == Postgres {
		return " FOR SHARE"
	}
	return ""
}

// forUpdate locks the rows g reads — of table alias, when given — on
// PostgreSQL; SQLite's write transactions hold the whole database already.
func (d Dialect) forUpdate(g *gorm.DB, alias ...string) *gorm.DB {
	if d != Postgres {
		return g
	}
	l := clause.Locking{Strength: "UPDATE"}
	if len(alias) > 0 {
		l.Table = clause.Table{Name: alias[0]}
	}
	return g.Clauses(l)
}

// forUpdateSkipLocked locks the rows g reads that no other transaction
// holds, and passes over the others (claiming work once across
// instances); SQLite has one writer.
func (d Dialect) forUpdateSkipLocked(g *gorm.DB) *gorm.DB {
	if d != Postgres {
		return g
	}
	return g.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
}

// lockWriters makes writers of table wait for the transaction on g, while
// readers go on: a check over the whole table (rounds must not overlap)
// then holds until the commit, on any instance. SQLite has one writer.
func (d Dialect) lockWriters(g *gorm.DB, table string) error {
	if d != Postgres {
		return nil
	}
	return apperr.Wrap(g.Exec("LOCK TABLE "+table+" IN SHARE ROW EXCLUSIVE MODE").Error, "lock "+table)
}

// rebind turns ? placeholders into PostgreSQL's $n (for statements sent
// past gorm). The statements given have no ? anywhere else.
func (d Dialect) rebind(q string) string {
	if d != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
