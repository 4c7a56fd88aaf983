#!/usr/bin/env bash
# ensure-postgres.sh finds the PostgreSQL server binaries (initdb, pg_ctl,
# postgres) and prints their directory as the last line on stdout.
#
# Lookup order: `pg_config --bindir`, the highest /usr/lib/postgresql/*/bin,
# then PATH. When nothing is found and we run as root, the Debian package
# `postgresql` is installed; as any other user the script fails with a hint.
# Our tests start their own throwaway clusters; a system cluster that the
# package may start is never used. All messages go to stderr.
set -euo pipefail

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }

# has_server DIR: DIR holds the server programs we run.
has_server() {
	[[ -n $1 && -x $1/initdb && -x $1/pg_ctl && -x $1/postgres ]]
}

# find_bindir prints the first directory that has_server accepts.
find_bindir() {
	local dir
	if command -v pg_config >/dev/null 2>&1; then
		dir=$(pg_config --bindir 2>/dev/null || true)
		if has_server "$dir"; then
			printf '%s\n' "$dir"
			return 0
		fi
	fi
	# Debian keeps one directory per major version; take the newest.
	while IFS= read -r dir; do
		if has_server "$dir"; then
			printf '%s\n' "$dir"
			return 0
		fi
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4,4 -V -r)
	local prog
	if prog=$(command -v initdb 2>/dev/null); then
		dir=$(dirname "$(readlink -f "$prog")")
		if has_server "$dir"; then
			printf '%s\n' "$dir"
			return 0
		fi
	fi
	return 1
}

if bindir=$(find_bindir); then
	printf '%s\n' "$bindir"
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	log "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found"
	log "looked at: pg_config --bindir, /usr/lib/postgresql/*/bin, PATH"
	log "install them, e.g. 'sudo apt-get install -y postgresql' on Debian/Ubuntu,"
	log "or put the directory holding initdb on PATH, then run this again"
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	log "PostgreSQL server binaries not found and apt-get is unavailable; install PostgreSQL by hand"
	exit 1
fi

log "PostgreSQL server binaries not found; installing the Debian package 'postgresql'"
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
apt-get install -y --no-install-recommends postgresql >&2

if ! bindir=$(find_bindir); then
	log "installed 'postgresql' but still cannot find initdb, pg_ctl and postgres"
	exit 1
fi
log "installed PostgreSQL server binaries in $bindir"
printf '%s\n' "$bindir"
