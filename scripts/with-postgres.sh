#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb in a temporary
# directory, a server on a free loopback port, TEST_DATABASE_URL exported for
# the command, and everything removed afterwards, whatever the outcome.
set -euo pipefail

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  echo "PostgreSQL binaries not found (apt-get install postgresql)" >&2
  exit 1
fi

tmp=$(mktemp -d /tmp/forum-pg.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# initdb refuses to run as root; use the postgres system account then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$tmp"; fi

cleanup() {
  as_owner "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

as_owner "$pgbin/initdb" -D "$tmp/data" -U forum --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
# Durability is pointless for a test cluster; speed is not.
as_owner "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
  -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U forum forum_test

export TEST_DATABASE_URL="postgresql+psycopg://forum@127.0.0.1:$port/forum_test"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on port $port"
set +e
"$@"
status=$?
set -e
exit $status
