#!/usr/bin/env bash
# What a read replica costs and gives (issue 22): a PostgreSQL primary and a
# streaming replica on loopback (scripts/pg-cluster.sh, fsync off), a demo
# database of BENCH_REPLICA_PARTIES parties (default 2,000), and the release
# server measured with wrk (64 connections or BENCH_REPLICA_CONNECTIONS, BENCH_REPLICA_SECONDS each,
# default 8) in three set-ups, one after the other on the same database:
#   primary   no --db-replica
#   replica   --db-replica, --replica-window-ms 0: every write counts its
#             user's writes (ryw_mark), every GET compares the counts
#   window    --db-replica with the default window (a user's GETs after a
#             write through this server skip the comparison)
# each: POST /api/v1/interactions, then GET /api/v1/parties/{id} (one user
# for both, as a client that writes and reads). BIN=path measures another
# build (e.g. an older one, for before/after); BENCH_REPLICA_SETUPS picks
# set-ups ("replica primary" alternates them BENCH_REPLICA_ROUNDS times, default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build/rapport}
DUR=${BENCH_REPLICA_SECONDS:-8}
PARTIES=${BENCH_REPLICA_PARTIES:-2000}
CONNS=${BENCH_REPLICA_CONNECTIONS:-64}   # 1: one request at a time (latency, steadier on a busy machine)
THREADS=$(( CONNS < 2 ? 1 : 2 ))
WORK=$(mktemp -d /tmp/rapport-replicabench.XXXXXX)
chmod 755 "$WORK"
. bench/lib.sh
cleanup() {
  bench_stop_server
  bash scripts/pg-cluster.sh stop "$WORK/replica" || true
  bash scripts/pg-cluster.sh stop "$WORK/primary" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
root=$(bash scripts/pg-cluster.sh start "$WORK/primary") || { echo "bench/pg/replica: no PostgreSQL cluster (make deps)"; exit 0; }
psql -q "$root" -c 'CREATE DATABASE bench'
PG=${root%/postgres}/bench
"$BIN" init --db "$PG" >/dev/null
"$BIN" demo --db "$PG" --parties "$PARTIES" --seed 42 >/dev/null
echo 'bench password 123' | "$BIN" user add bench@rapport.local --role admin --password-stdin --db "$PG" >/dev/null
rroot=$(bash scripts/pg-cluster.sh replica "$WORK/replica" "$root")
REPLICA=${rroot%/postgres}/bench

rps() { grep -E '^Requests/sec' "$1" | awk '{print $2}'; }
p99() { grep -E '^ +99%' "$1" | awk '{print $2}'; }
printf '%-8s %12s %10s %12s %10s\n' setup 'POST req/s' 'POST p99' 'GET req/s' 'GET p99'
for setup in $(for _ in $(seq "${BENCH_REPLICA_ROUNDS:-1}"); do echo "${BENCH_REPLICA_SETUPS:-primary replica window}"; done); do
  args=()
  [ "$setup" = replica ] && args=(--db-replica "$REPLICA" --replica-window-ms 0)
  [ "$setup" = window ] && args=(--db-replica "$REPLICA")
  PORT=$(bench_free_port)
  BENCH_LOG=$WORK/serve-$setup.log bench_start_server "$PG" "${args[@]}"
  bench_wait_healthy 600
  bench_login bench@rapport.local 'bench password 123'
  bench_token bench
  export TOKEN MAX_ID=$PARTIES
  wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s bench/http/post_interaction.lua http://127.0.0.1:$PORT >"$WORK/post.txt"
  wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s bench/http/get_party.lua http://127.0.0.1:$PORT >"$WORK/get.txt"
  printf '%-8s %12s %10s %12s %10s\n' "$setup" "$(rps "$WORK/post.txt")" "$(p99 "$WORK/post.txt")" "$(rps "$WORK/get.txt")" "$(p99 "$WORK/get.txt")"
  bench_stop_server
done
echo "replica's transactions: $(psql -XqAt "$REPLICA" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'bench'")"
