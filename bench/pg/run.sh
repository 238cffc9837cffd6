#!/usr/bin/env bash
# The issue-2 API benchmarks on PostgreSQL next to SQLite, in one run
# (issue 22): a demo database of BENCH_PG_PARTIES parties (default 100,000)
# is made on SQLite and copied with `rapport copy` to a throwaway
# PostgreSQL cluster on loopback (scripts/pg-cluster.sh: fsync off); the
# release server then serves each store in turn, and the same wrk scripts
# as bench/http measure, for BENCH_PG_SECONDS (default 10) each:
#  1. GET /api/v1/parties/{id} with a bearer token, 64 connections;
#  2. POST /api/v1/interactions (a durable write), 64 connections;
#  3. the analytics cold load at start (the server's own log line).
# then bench/pg/import.sh (imports with COPY against row by row) and
# bench/pg/load.sh (the analytics cold load at 10 M transactions).
# Prints a table of both stores and PostgreSQL's ratio to SQLite.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
DUR=${BENCH_PG_SECONDS:-10}
PARTIES=${BENCH_PG_PARTIES:-100000}
WORK=$(mktemp -d /tmp/rapport-pgbench.XXXXXX)
. bench/lib.sh
cleanup() { bench_stop_server; bash scripts/pg-cluster.sh stop "$WORK/cluster" || true; rm -rf "$WORK"; }
trap cleanup EXIT
url=$(bash scripts/pg-cluster.sh start "$WORK/cluster") || { echo "bench/pg: no PostgreSQL cluster (make deps)"; exit 0; }
psql -q "$url" -c 'CREATE DATABASE bench'
PG=${url%/postgres}/bench
DB=$WORK/bench.db
echo "creating $PARTIES demo parties on SQLite and copying them to PostgreSQL ..."
"$BIN" demo --db "$DB" --parties "$PARTIES" --seed 42 >/dev/null
echo 'bench password 123' | "$BIN" user add bench@rapport.local --role admin --password-stdin --db "$DB" >/dev/null
t0=$(date +%s.%N)
"$BIN" copy --from "$DB" --to "$PG" >/dev/null
echo "  rapport copy: $(echo "$(date +%s.%N) - $t0" | bc) s"

rps() { grep -E '^Requests/sec' "$1" | awk '{print $2}'; }
p99() { grep -E '^ +99%' "$1" | awk '{print $2}'; }
declare -A R
for store in sqlite pg; do
  db=$DB; [ "$store" = pg ] && db=$PG
  PORT=$(bench_free_port)
  BENCH_LOG=$WORK/serve-$store.log bench_start_server "$db"
  bench_wait_healthy 600
  bench_login bench@rapport.local 'bench password 123'
  bench_token bench
  export TOKEN MAX_ID=$PARTIES
  wrk -t2 -c64 -d2s -s bench/http/get_party.lua http://127.0.0.1:$PORT >/dev/null
  wrk -t2 -c64 -d"${DUR}s" --latency -s bench/http/get_party.lua http://127.0.0.1:$PORT >"$WORK/get-$store.txt"
  wrk -t2 -c64 -d"${DUR}s" --latency -s bench/http/post_interaction.lua http://127.0.0.1:$PORT >"$WORK/post-$store.txt"
  R[$store.get]=$(rps "$WORK/get-$store.txt"); R[$store.getp99]=$(p99 "$WORK/get-$store.txt")
  R[$store.post]=$(rps "$WORK/post-$store.txt"); R[$store.postp99]=$(p99 "$WORK/post-$store.txt")
  R[$store.non2xx]=$(grep -E '^non-2xx' "$WORK/post-$store.txt" | awk '{print $2}')
  R[$store.load]=$(grep -oE 'loaded in [0-9.]+ s' "$WORK/serve-$store.log" | awk '{print $3}')
  bench_stop_server
done
ratio() { echo "scale=2; $1 / $2" | bc; }
echo "--- $PARTIES parties, 64 connections, ${DUR}s each, release binary; PostgreSQL 15 on loopback (fsync off)"
printf '%-34s %14s %14s %8s\n' '' SQLite PostgreSQL 'PG/SQLite'
printf '%-34s %14s %14s %8s\n' 'GET /parties/{id} req/s' "${R[sqlite.get]}" "${R[pg.get]}" "$(ratio "${R[pg.get]}" "${R[sqlite.get]}")"
printf '%-34s %14s %14s\n' '  p99' "${R[sqlite.getp99]}" "${R[pg.getp99]}"
printf '%-34s %14s %14s %8s\n' 'POST /interactions req/s' "${R[sqlite.post]}" "${R[pg.post]}" "$(ratio "${R[pg.post]}" "${R[sqlite.post]}")"
printf '%-34s %14s %14s\n' '  p99' "${R[sqlite.postp99]}" "${R[pg.postp99]}"
printf '%-34s %14s %14s\n' '  non-2xx answers' "${R[sqlite.non2xx]}" "${R[pg.non2xx]}"
printf '%-34s %14s %14s %8s\n' 'analytics cold load (s)' "${R[sqlite.load]}" "${R[pg.load]}" "$(ratio "${R[pg.load]}" "${R[sqlite.load]}")"
echo
echo "--- imports on PostgreSQL: COPY against row by row (bench/pg/import.sh)"
B=$B bash bench/pg/import.sh
echo
echo "--- the analytics cold load at 10,000,000 transactions on both stores (bench/pg/load.sh)"
B=$B bash bench/pg/load.sh
