#!/usr/bin/env bash
# bench-import.sh measures imports of a synthetic 1,000,000-row registration
# export (cmd/fugai-gen, seed 1) into PostgreSQL and SQLite, beside the
# database's own floor measured in the same run: psql \copy of the same CSV
# into a staging table followed by INSERT … ON CONFLICT … DO UPDATE … WHERE
# something changed, into a table keyed by credit code — and the schema's
# floor: the final ledgers and history of the first import copied by psql
# into a fresh database of this schema, then the coverage counts rebuilt.
#
# Usage: deployments/scripts/bench-import.sh [ROWS]   (make bench-import)
# BENCH_CASES limits the cases run (default: "floor pg trgm xlsx sqlite").
# It starts a throwaway PostgreSQL cluster through test-with-postgres.sh.
set -euo pipefail

rows=${1:-1000000}
cases=" ${BENCH_CASES:-floor pg trgm xlsx sqlite} "
want() { [[ $cases == *" $1 "* ]]; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

if [[ -z ${FUGAI_TEST_DATABASE_URL:-} ]]; then
	FUGAI_PG_REQUIRE_TESTS=0 exec bash "$here/test-with-postgres.sh" bash "$0" "$rows"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fugai-bench.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
go build -o "$work/fugai" ./cmd/fugai
go build -o "$work/fugai-gen" ./cmd/fugai-gen
echo "generating $rows rows (seed 1)…"
"$work/fugai-gen" -rows "$rows" -seed 1 -format csv -o "$work/reg.csv"
if want xlsx; then
	"$work/fugai-gen" -rows "$rows" -seed 1 -format xlsx -o "$work/reg.xlsx"
fi
chmod 644 "$work"/reg.*

admin=$FUGAI_TEST_DATABASE_URL
base=${admin%/postgres*}
psql() { "$FUGAI_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
newdb() {
	psql "$admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
	echo "$base/$1?sslmode=disable"
}
now() { date +%s.%N; }
results=()
record() { results+=("$(printf '%-44s %s' "$1" "$2")"); }

# The floor: what PostgreSQL itself needs to load and upsert the same CSV.
floor=$(newdb fugai_floor)
psql "$floor" -c "CREATE TABLE target (serial text, credit_code text PRIMARY KEY, name text, entity_type text, legal_rep text,
	capital text, founded text, status text, address text, authority text, industry text, scope text)"
cols="serial, credit_code, name, entity_type, legal_rep, capital, founded, status, address, authority, industry, scope"
upsert="INSERT INTO target SELECT DISTINCT ON (credit_code) * FROM stage ORDER BY credit_code
	ON CONFLICT (credit_code) DO UPDATE SET ($cols) = (EXCLUDED.serial, EXCLUDED.credit_code, EXCLUDED.name,
	EXCLUDED.entity_type, EXCLUDED.legal_rep, EXCLUDED.capital, EXCLUDED.founded, EXCLUDED.status, EXCLUDED.address,
	EXCLUDED.authority, EXCLUDED.industry, EXCLUDED.scope) WHERE (target.*) IS DISTINCT FROM (EXCLUDED.*)"
for pass in first again; do
	want floor || break
	t0=$(now)
	psql "$floor" <<SQL
BEGIN;
CREATE TEMP TABLE stage (LIKE target INCLUDING DEFAULTS) ON COMMIT DROP;
ALTER TABLE stage DROP CONSTRAINT IF EXISTS stage_pkey;
\copy stage FROM '$work/reg.csv' WITH (FORMAT csv, HEADER true)
$upsert;
COMMIT;
SQL
	t1=$(now)
	record "floor: psql \\copy + upsert ($pass)" "$(awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1fs  %.0f rows/s", b-a, n/(b-a)}')"
done

run() { # label url file
	local out
	out=$(FUGAI_DATABASE_URL=$2 "$work/fugai" import -kind registration -stats "$3")
	echo "$out" | sed 's/^/  /'
	record "$1" "$(echo "$out" | awk '/^elapsed/{gsub(",", ""); printf "%s  %s rows/s  peak RSS %s MB", $2, $3, $7}')"
	last=$(echo "$out" | awk '/^elapsed/{v=$2; gsub(",", "", v); sub("s$", "", v); print v}')
}

if want pg; then
pg=$(newdb fugai_bench)
run "fugai CSV → PostgreSQL (first)" "$pg" "$work/reg.csv"
first=$last

# The schema's floor: the final rows of that import — its ledgers and
# their history — copied by psql into the same tables of a freshly
# migrated database (their indexes and constraints; the note triggers
# off, as a load that recounts needs none), then the coverage counts
# rebuilt from them: what this schema costs PostgreSQL, with no parsing,
# merging or checking at all.
psql "$pg" -c "\copy enterprises TO '$work/ledgers.copy'" -c "\copy enterprise_history TO '$work/history.copy'"
schema=$(newdb fugai_schema_floor)
FUGAI_DATABASE_URL=$schema "$work/fugai" migrate up | tail -1
t0=$(now)
psql "$schema" <<SQL
BEGIN;
SET LOCAL session_replication_role = replica;
\copy enterprises FROM '$work/ledgers.copy'
\copy enterprise_history FROM '$work/history.copy'
COMMIT;
SQL
FUGAI_DATABASE_URL=$schema "$work/fugai" coverage rebuild | tail -1
t1=$(now)
record "floor: schema \\copy + count rebuild" "$(awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1fs  %.0f rows/s", b-a, n/(b-a)}')"
schema_floor=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
record "fugai CSV → PostgreSQL (first) ÷ schema floor" "$(awk -v f="$first" -v s="$schema_floor" 'BEGIN{printf "%.2f×", f/s}')"

run "fugai CSV → PostgreSQL (re-import)" "$pg" "$work/reg.csv"
fi
if want trgm; then
# The same into a database whose LC_CTYPE lets fugai migrate build the name
# search's trigram indexes (docs/deployment.md): what they cost an import.
psql "$admin" -c "DROP DATABASE IF EXISTS fugai_bench_trgm" \
	-c "CREATE DATABASE fugai_bench_trgm TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
pgt="$base/fugai_bench_trgm?sslmode=disable"
FUGAI_DATABASE_URL=$pgt "$work/fugai" migrate up | tail -1
run "fugai CSV → PostgreSQL, search indexed (first)" "$pgt" "$work/reg.csv"
run "fugai CSV → PostgreSQL, search indexed (re-import)" "$pgt" "$work/reg.csv"
fi
if want xlsx; then
	pgx=$(newdb fugai_bench_xlsx)
	run "fugai xlsx → PostgreSQL (first)" "$pgx" "$work/reg.xlsx"
fi
if want sqlite; then
	run "fugai CSV → SQLite (first)" "$work/bench.db" "$work/reg.csv"
	run "fugai CSV → SQLite (re-import)" "$work/bench.db" "$work/reg.csv"
	if want xlsx; then
		run "fugai xlsx → SQLite (first)" "$work/bench-x.db" "$work/reg.xlsx"
	fi
fi

echo
echo "import of $rows rows ($(nproc) cores; $(date -u +%Y-%m-%d))"
printf '%s\n' "${results[@]}"
