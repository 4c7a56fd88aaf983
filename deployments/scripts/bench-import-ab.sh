#!/usr/bin/env bash
# bench-import-ab.sh compares the first import of a synthetic registration
# export (cmd/fugai-gen, seed 1) by two builds of fugai: BASE (a git
# revision, built in a temporary worktree) and the working tree. The runs
# alternate ABBA (base new new base, …) on one PostgreSQL cluster, each
# into a freshly created database migrated by its own binary, after a
# CHECKPOINT; per run it prints the wall time, the importer's own CPU
# (user+system), the whole machine's CPU (user, system, iowait, idle, in
# seconds of one core) and the ledgers written. A build whose own CPU is
# unchanged while its wall time moves with the machine's is no slower:
# this machine's speed drifts by a fifth between runs, hence the pairs.
#
# Usage: BENCH_BASE=REV [BENCH_PAIRS=6] [BENCH_ROWS=1000000] make bench-import-ab
set -euo pipefail

base_rev=${BENCH_BASE:?set BENCH_BASE to the git revision to compare with}
pairs=${BENCH_PAIRS:-6}
rows=${BENCH_ROWS:-1000000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

if [[ -z ${FUGAI_TEST_DATABASE_URL:-} ]]; then
	FUGAI_PG_REQUIRE_TESTS=0 exec bash "$here/test-with-postgres.sh" bash "$0"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fugai-ab.XXXXXX")
chmod 755 "$work"
cleanup() {
	git worktree remove --force "$work/base-tree" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
git worktree add --detach "$work/base-tree" "$base_rev" >/dev/null
(cd "$work/base-tree" && go build -o "$work/fugai-base" ./cmd/fugai)
go build -o "$work/fugai-new" ./cmd/fugai
go build -o "$work/fugai-gen" ./cmd/fugai-gen
echo "generating $rows rows (seed 1)…"
"$work/fugai-gen" -rows "$rows" -seed 1 -format csv -o "$work/reg.csv"
chmod 644 "$work/reg.csv"

admin=$FUGAI_TEST_DATABASE_URL
url="${admin%/postgres*}/fugai_ab?sslmode=disable"
psql() { PGOPTIONS='-c client_min_messages=warning' "$FUGAI_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
hz=$(getconf CLK_TCK)
# cpu prints the machine's user, system, iowait and idle jiffies.
cpu() { awk '/^cpu /{print $2+$3, $4, $6, $5}' /proc/stat; }

order=()
for ((i = 0; i < pairs; i++)); do
	if ((i % 2 == 0)); then order+=(base new); else order+=(new base); fi
done
printf '%-5s %8s %10s %10s %10s %8s %8s %9s\n' build wall own_cpu mach_user mach_sys iowait idle ledgers
declare -A sum_wall sum_cpu n
for b in "${order[@]}"; do
	psql "$admin" -c "DROP DATABASE IF EXISTS fugai_ab" -c "CREATE DATABASE fugai_ab"
	FUGAI_DATABASE_URL=$url "$work/fugai-$b" migrate up >/dev/null
	psql "$admin" -c CHECKPOINT
	sync
	sleep 2
	read -r u0 s0 w0 i0 < <(cpu)
	FUGAI_DATABASE_URL=$url /usr/bin/time -f '%e %U %S' -o "$work/time" \
		"$work/fugai-$b" import -kind registration "$work/reg.csv" >"$work/import.log" 2>&1 ||
		{ cat "$work/import.log" >&2; exit 1; }
	read -r u1 s1 w1 i1 < <(cpu)
	read -r wall uu ss <"$work/time"
	own=$(awk -v a="$uu" -v b="$ss" 'BEGIN{printf "%.1f", a+b}')
	ledgers=$(psql "$url" -Atc "SELECT count(*) FROM enterprises")
	awk -v b="$b" -v w="$wall" -v o="$own" -v hz="$hz" -v l="$ledgers" \
		-v u="$((u1 - u0))" -v s="$((s1 - s0))" -v io="$((w1 - w0))" -v i="$((i1 - i0))" \
		'BEGIN{printf "%-5s %7.1fs %9.1fs %9.1fs %9.1fs %7.1fs %7.1fs %9s\n", b, w, o, u/hz, s/hz, io/hz, i/hz, l}'
	sum_wall[$b]=$(awk -v a="${sum_wall[$b]:-0}" -v b="$wall" 'BEGIN{print a+b}')
	sum_cpu[$b]=$(awk -v a="${sum_cpu[$b]:-0}" -v b="$own" 'BEGIN{print a+b}')
	n[$b]=$((${n[$b]:-0} + 1))
done
for b in base new; do
	awk -v b="$b" -v w="${sum_wall[$b]}" -v c="${sum_cpu[$b]}" -v n="${n[$b]}" \
		'BEGIN{printf "%-5s mean wall %.1fs, mean own CPU %.1fs over %d runs\n", b, w/n, c/n, n}'
done
echo "base is $(git rev-parse --short "$base_rev"), new is the working tree ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', modified'))"
