#!/usr/bin/env bash
# The analytics cold load (store_load at server start: every transaction
# of the company currency streamed into the in-memory store) on SQLite and
# on PostgreSQL, in one run, at BENCH_PG_LOAD_TXNS transactions (default
# 10,000,000; issue 22: PostgreSQL within 2x of SQLite). The data is made
# without the API: a demo database of BENCH_PG_LOAD_PARTIES parties
# (default 30,000) on SQLite, copied with `rapport copy` to a throwaway
# cluster (scripts/pg-cluster.sh: loopback, fsync off), then on each store
# the same INSERT … SELECT repeats its transactions until there are about
# BENCH_PG_LOAD_TXNS; PostgreSQL's table is vacuumed (its hint bits set, as
# on a database that has been running). The release server is started
# BENCH_PG_LOAD_RUNS times (default 2) on each store in turn; each start's
# own log line gives the load time; peak RSS is the server's VmHWM.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
PARTIES=${BENCH_PG_LOAD_PARTIES:-30000}
TXNS=${BENCH_PG_LOAD_TXNS:-10000000}
RUNS=${BENCH_PG_LOAD_RUNS:-2}
WORK=$(mktemp -d "${BENCH_PG_LOAD_DIR:-/tmp}/rapport-pgload.XXXXXX")
. bench/lib.sh
cleanup() { bench_stop_server; bash scripts/pg-cluster.sh stop "$WORK/cluster" || true; rm -rf "$WORK"; }
trap cleanup EXIT
url=$(bash scripts/pg-cluster.sh start "$WORK/cluster") || { echo "bench/pg/load: no PostgreSQL cluster (make deps)"; exit 0; }
psql -qX "$url" -c 'CREATE DATABASE load'
PG=${url%/postgres}/load
DB=$WORK/load.db
secs() { echo "$(date +%s.%N) - $1" | bc | xargs printf '%.1f'; }
echo "# $(nproc) CPUs, $(free -g | awk '/^Mem/ {print $2}') GB, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), PostgreSQL on loopback (fsync off)"
t0=$(date +%s.%N)
"$BIN" demo --db "$DB" --parties "$PARTIES" --seed 42 >/dev/null
"$BIN" copy --from "$DB" --to "$PG" >/dev/null
base=$("$BIN" db query --db "$DB" 'SELECT count(*) FROM txn')
reps=$(( (TXNS + base / 2) / base - 1 ))
[ "$reps" -ge 0 ] || reps=0
# the same statement on both stores (portable SQL): the stored rows again, reps times
grow="WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $reps)
  INSERT INTO txn(party_id, external_id, occurred_at, amount, currency, cost, cost_currency, items, channel, description,
                  competitor_id, created_at, updated_at)
  SELECT t.party_id, NULL, t.occurred_at, t.amount, t.currency, t.cost, t.cost_currency, t.items, t.channel, t.description,
         t.competitor_id, t.created_at, t.updated_at FROM txn t CROSS JOIN k"
if [ "$reps" -gt 0 ]; then
  "$BIN" db exec --db "$DB" "$grow" >/dev/null
  "$BIN" db exec --db "$PG" "$grow" >/dev/null
fi
psql -qX "$PG" -c 'VACUUM (ANALYZE) txn'
n_sqlite=$("$BIN" db query --db "$DB" 'SELECT count(*) FROM txn')
n_pg=$("$BIN" db query --db "$PG" 'SELECT count(*) FROM txn')
echo "# $base demo transactions of $PARTIES parties, $((reps + 1))x: $n_sqlite rows on SQLite ($(du -m "$DB" | cut -f1) MB), $n_pg on PostgreSQL ($(psql -qXAt "$PG" -c "SELECT pg_total_relation_size('txn') / 1048576") MB with indexes); made in $(secs "$t0") s"

load() {   # store db → "seconds rows peak_rss_mb"
  local db=$1 log=$WORK/serve.log
  PORT=$(bench_free_port)   # load runs in a subshell: PORT and SRV stay there
  BENCH_LOG=$log bench_start_server "$db"
  for _ in $(seq 3000); do grep -q 'loaded in' "$log" && break; kill -0 $SRV 2>/dev/null || break; sleep 0.1; done
  local line rss
  line=$(grep -oE 'analytics: [0-9]+ transactions of [0-9]+ parties loaded in [0-9.]+ s' "$log" || true)
  bench_wait_healthy 600
  rss=$(awk '/VmHWM/ {printf "%d", $2 / 1024}' /proc/$SRV/status 2>/dev/null || echo '?')
  bench_stop_server
  [ -n "$line" ] || { echo "no load line:" >&2; tail -5 "$log" >&2; echo "? ? ?"; return; }
  echo "$(echo "$line" | awk '{print $9}') $(echo "$line" | awk '{print $2}') $rss"
}
printf '%-6s %-12s %12s %10s %12s\n' run store rows seconds 'peak RSS MB'
declare -a S P
for i in $(seq "$RUNS"); do
  read -r s n r < <(load "$DB"); S+=("$s"); printf '%-6s %-12s %12s %10s %12s\n' "$i" SQLite "$n" "$s" "$r"
  read -r s n r < <(load "$PG"); P+=("$s"); printf '%-6s %-12s %12s %10s %12s\n' "$i" PostgreSQL "$n" "$s" "$r"
done
best() { printf '%s\n' "$@" | sort -g | head -1; }
bs=$(best "${S[@]}"); bp=$(best "${P[@]}")
echo "best: SQLite $bs s, PostgreSQL $bp s, PostgreSQL/SQLite $(echo "scale=2; $bp / $bs" | bc) (load $(cut -d' ' -f1-3 /proc/loadavg))"
