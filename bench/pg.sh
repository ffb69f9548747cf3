#!/bin/sh
# Throwaway PostgreSQL cluster for the register benchmarks (loopback only, trust auth, under /tmp).
#   bench/pg.sh start   -> initdb (once) + start on 127.0.0.1:${PGPORT:-5433}
#   bench/pg.sh stop    -> stop the cluster
#   bench/pg.sh url DB  -> print the JILIANG_DATABASE_URL for database DB
# Runs the server as user postgres (needed when the caller is root).
set -eu
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGPORT=${PGPORT:-5433}
DIR=${PG_BENCH_DIR:-/tmp/jiliang-bench-pg}
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -U postgres -A trust -E UTF8 --no-locale >/dev/null
      cat >>"$DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$DIR'
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
synchronous_commit = off
CONF
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w start >/dev/null
    fi
    echo "postgresql running on 127.0.0.1:$PGPORT ($DIR)"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null && echo stopped
    ;;
  url)
    echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/${2:-jiliang_bench}"
    ;;
  *) echo "usage: $0 start|stop|url [db]" >&2; exit 2 ;;
esac
