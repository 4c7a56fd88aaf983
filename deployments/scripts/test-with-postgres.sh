#!/usr/bin/env bash
# test-with-postgres.sh runs a command (usually `go test -count=1 ./...`)
# against one throwaway PostgreSQL cluster that lives for the whole run.
#
# It exports FUGAI_TEST_DATABASE_URL (an admin URL; internal/store/pgtest
# creates one database per test from it) and FUGAI_PG_MARKER (a file pgtest
# appends one line to per database). The cluster and its directory are
# removed on exit. The script exits with the command's status when the
# command fails, and fails when the command succeeded without any test
# using PostgreSQL, so a CI job cannot silently skip the PostgreSQL suite.
#
# Usage: deployments/scripts/test-with-postgres.sh go test -count=1 ./...
set -euo pipefail

log() { printf 'test-with-postgres: %s\n' "$*" >&2; }

if [[ $# -eq 0 ]]; then
	log "usage: $0 COMMAND [ARG...]"
	exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(bash "$here/ensure-postgres.sh" | tail -n 1)

as_root=false
if [[ $(id -u) -eq 0 ]]; then
	as_root=true
fi

# pg runs a PostgreSQL program; PostgreSQL refuses to run as root.
pg() {
	if $as_root; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_dir=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fugai-pg.XXXXXX")
pgdir=$tmp/pg
data=$pgdir/data
marker=$tmp/marker

pg_pid=

# stop_postgres shuts the server down and reaps the process we started, so
# no zombie is left even where PID 1 does not reap orphans.
stop_postgres() {
	[[ -n $pg_pid ]] || return 0
	if [[ -f $data/postmaster.pid ]]; then
		pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
			pg "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || {
			log "could not stop the cluster in $data; killing it"
			kill -KILL "$(head -n 1 "$data/postmaster.pid")" 2>/dev/null || true
		}
	fi
	wait "$pg_pid" 2>/dev/null || true
	pg_pid=
}

cleanup() {
	local status=$?
	stop_postgres
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -m 700 "$pgdir"
if $as_root; then
	chown postgres: "$pgdir"
	chmod 711 "$tmp"
	# The postgres user must be able to reach the directory.
	dir=$(dirname "$tmp")
	while [[ $dir != / ]]; do
		if [[ $(( 0$(stat -c %a "$dir") & 1 )) -eq 0 ]]; then
			chmod o+x "$dir"
		fi
		dir=$(dirname "$dir")
	done
fi
# initdb and postgres warn when they cannot return to the caller's directory.
cd "$tmp"

pg "$bindir/initdb" -D "$data" -A trust -U postgres --encoding=UTF8 --locale=C --no-sync >"$tmp/initdb.log" 2>&1 || {
	cat "$tmp/initdb.log" >&2
	log "initdb failed"
	exit 1
}

# port_in_use PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_postgres PORT runs postgres as our child (not daemonised by pg_ctl)
# and waits until postmaster.pid reports it ready. Durability is off (the
# cluster is deleted afterwards); max_connections is raised because every
# test process of `go test ./...` shares this one server. It returns 1 when
# postgres exits during start-up and 2 when it is not ready within 60s.
start_postgres() {
	pg "$bindir/postgres" -D "$data" -p "$1" -k "$data" -c listen_addresses=127.0.0.1 \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=300 \
		</dev/null >"$pgdir/postgres.log" 2>&1 &
	pg_pid=$!
	local i
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$pg_pid" 2>/dev/null; then
			wait "$pg_pid" 2>/dev/null || true
			pg_pid=
			return 1
		fi
		# Line 8 of postmaster.pid holds the server status (PostgreSQL 10+).
		if [[ $(sed -n 8p "$data/postmaster.pid" 2>/dev/null) == ready* ]]; then
			return 0
		fi
		sleep 0.1
	done
	return 2
}

port=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	candidate=$((20000 + RANDOM % 40000))
	if port_in_use "$candidate"; then
		continue
	fi
	rc=0
	start_postgres "$candidate" || rc=$?
	if [[ $rc -eq 0 ]]; then
		port=$candidate
		break
	fi
	# Lost a race for the port: try another one; anything else is fatal.
	if [[ $rc -ne 1 ]] || ! grep -q 'could not bind\|could not create any TCP/IP sockets' "$pgdir/postgres.log"; then
		cat "$pgdir/postgres.log" >&2 || true
		log "PostgreSQL did not start"
		exit 1
	fi
done
if [[ -z $port ]]; then
	log "found no free port for PostgreSQL"
	exit 1
fi
log "$("$bindir/postgres" --version) listening on 127.0.0.1:$port"

export FUGAI_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export FUGAI_PG_MARKER="$marker"
export FUGAI_PG_BINDIR="$bindir"

cd "$start_dir"
status=0
"$@" || status=$?

used=0
if [[ ${FUGAI_PG_REQUIRE_TESTS:-1} == 0 ]]; then
	exit "$status" # a benchmark, not a test run: nothing to prove
fi
if [[ -s $marker ]]; then
	used=$(grep -c . "$marker" || true)
	echo "PostgreSQL tests ran: $used databases used"
fi
if [[ $status -ne 0 ]]; then
	exit "$status"
fi
if [[ $used -eq 0 ]]; then
	log "FAIL: no PostgreSQL test ran (the command succeeded but no test asked pgtest for a database;"
	log "cached results do not count: use 'go test -count=1')"
	exit 1
fi
