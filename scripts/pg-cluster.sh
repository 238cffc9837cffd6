#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `pg-cluster.sh start DIR`
# makes one in DIR (initdb, as the unprivileged user `nobody` when run as
# root: PostgreSQL refuses to run as root), starts it on a free loopback
# port with a Unix socket in DIR, and prints its URL
# (postgres://rapport@127.0.0.1:PORT/postgres); `pg-cluster.sh stop DIR`
# stops it (the caller removes DIR); `pg-cluster.sh replica DIR PRIMARY_URL`
# makes a streaming replica of it with pg_basebackup (read replica tests). Durability is off (fsync,
# synchronous_commit): the cluster lives as long as one test run.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || { echo "pg-cluster: no PostgreSQL server (install postgresql-15: make deps)" >&2; exit 2; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
cmd=${1:-}; dir=${2:-}
[ -n "$dir" ] || { echo "usage: pg-cluster.sh start|stop DIR, replica DIR PRIMARY_URL" >&2; exit 2; }
case "$cmd" in
start)
  mkdir -p "$dir"
  # nobody must reach DIR: its parent (a mktemp -d, mode 700) gets o+x
  if [ "$(id -u)" -eq 0 ]; then chown nobody "$dir"; chmod o+x "$(dirname "$dir")"; fi
  chmod 700 "$dir"
  as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U rapport --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=${PG_MAX_CONNECTIONS:-500} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=128MB -c max_prepared_transactions=0" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://rapport@127.0.0.1:$port/postgres"
  ;;
replica)
  # `pg-cluster.sh replica DIR PRIMARY_URL`: a streaming replica of the
  # primary in DIR, made with pg_basebackup over loopback (-R: it follows
  # the primary), started on a free port; prints its URL. initdb -A trust
  # lets loopback replication in; wal_level=replica is the default.
  primary=${3:?usage: pg-cluster.sh replica DIR PRIMARY_URL}
  pport=$(echo "$primary" | sed -E 's|.*:([0-9]+)/.*|\1|')
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown nobody "$dir"; chmod o+x "$(dirname "$dir")"; fi
  chmod 700 "$dir"
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U rapport -D "$dir/data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 \
    || { cat "$dir/basebackup.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c hot_standby=on -c max_connections=${PG_MAX_CONNECTIONS:-500} -c fsync=off -c shared_buffers=128MB" start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://rapport@127.0.0.1:$port/postgres"
  ;;
stop)
  [ -d "$dir/data" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*) echo "usage: pg-cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
