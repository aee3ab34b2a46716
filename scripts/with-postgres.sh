#!/usr/bin/env bash
# with-postgres.sh CMD...: runs CMD with a throwaway PostgreSQL server, so the clinic database's
# PostgreSQL tests really run (on a fresh machine and in CI, as root or not).
#
# The cluster lives in a temporary directory, listens only on a unix socket inside it (no TCP
# port to collide with another run), trusts local connections, and is stopped and removed when
# CMD ends, whatever happens. CMD sees
#   ITDD_TEST_POSTGRES_URL=postgresql:///itdd_test?host=SOCKET_DIR&port=PORT&user=itdd
# and its exit status is this script's.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir="$d"  # the glob sorts, so the newest version wins
done
if [ -z "$bindir" ]; then
  echo "error: no PostgreSQL server under /usr/lib/postgresql/*/bin: run scripts/install-deps.sh" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/itdd-pg.XXXXXX)
data="$tmp/data"
sock="$tmp/sock"
mkdir -p "$sock"
port=5432  # the socket's name only: the directory is ours, so any port is free in it

# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "error: running as root needs the 'postgres' user (the postgresql package creates it)" >&2
    rm -rf "$tmp"
    exit 1
  fi
  chown -R postgres: "$tmp"
  as_owner=(runuser -u postgres --)
fi

# shellcheck disable=SC2317  # called by the trap
cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_owner[@]}" "$bindir/initdb" -D "$data" -U itdd -A trust -E UTF8 --locale=C --no-sync \
  >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2
  exit 1
}
# Tests run in parallel and each opens a few connections; durability is not wanted here.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -o \
  "-c listen_addresses='' -c unix_socket_directories='$sock' -p $port -c max_connections=300 \
   -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null || {
  cat "$tmp/server.log" >&2
  exit 1
}
"$bindir/createdb" -h "$sock" -p "$port" -U itdd itdd_test

export ITDD_TEST_POSTGRES_URL="postgresql:///itdd_test?host=$sock&port=$port&user=itdd"
status=0
"$@" || status=$?
exit "$status"
