#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the test suite and prints its URL.
#   usage: scripts/pg-start.sh [DATADIR] [PORT]
set -euo pipefail
PGDATA=${1:-/tmp/jiliang-pg}
PORT=${2:-54329}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ]; then echo "PostgreSQL is not installed (run scripts/install-system-deps.sh)" >&2; exit 1; fi
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$PGDATA/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true; fi
rm -rf "$PGDATA"
mkdir -p "$PGDATA"
if [ "$(id -u)" = "0" ]; then chown postgres "$PGDATA"; fi
as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres jiliang_test
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/jiliang_test"
