#!/usr/bin/env bash
# Name sort (pinyin keys, migration 005) on a large database:
#  1. the migration's backfill on a copy of a schema-4 database
#     (BENCH_SRC, default /tmp/bench1m/bench.db; never modified: copied);
#  2. GET /api/v1/parties?sort=name&limit=50 latency, first page and after a
#     cursor at a random position, against the peer sort=id in the same run;
#  3. what the key costs an insert (bench_insert.c: CPU time against the
#     schema before migration 005, in the same process).
# BENCH_DIR keeps the migrated copy between runs (step 1 is skipped then).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
SRC=${BENCH_SRC:-/tmp/bench1m/bench.db}
WORK=${BENCH_DIR:-$(mktemp -d /tmp/rapport-bench-sort.XXXXXX)}
DB=$WORK/bench.db
. bench/lib.sh
# The copy is large: kept only when BENCH_DIR names where.
cleanup() { bench_stop_server; [ -n "${BENCH_DIR:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
if [ ! -f "$DB" ]; then
  if [ -f "$SRC" ]; then
    cp "$SRC" "$DB"
  else
    echo "no database at $SRC: making ${BENCH_PARTIES:-200000} demo parties with this build (no migration to time)"
    "$BIN" demo --db "$DB" --parties "${BENCH_PARTIES:-200000}" --seed 42 >/dev/null
  fi
  echo "--- 1. migration of $("$BIN" db query --db "$DB" 'SELECT count(*) FROM party') parties, schema $("$BIN" db query --db "$DB" 'SELECT max(version) FROM schema_version')"
  start=$(date +%s.%N)
  "$BIN" migrate --db "$DB" >/dev/null
  echo "  rapport migrate: $(echo "$(date +%s.%N) - $start" | bc) s, $(du -h "$DB" | cut -f1) after"
fi
echo 'bench password 123' | "$BIN" user add sortbench@rapport.local --role admin --password-stdin --db "$DB" >/dev/null 2>&1 || true
PORT=${BENCH_PORT:-18191}
bench_start_server "$DB"
bench_wait_healthy 300
bench_login sortbench@rapport.local 'bench password 123'
bench_token sortbench
MAX_ID=$("$BIN" db query --db "$DB" 'SELECT max(id) FROM party')
echo "--- 2. GET /api/v1/parties?limit=50, one keep-alive connection, sequential"
node bench/sort/latency.mjs "http://127.0.0.1:$PORT" "$TOKEN" "$MAX_ID" "${BENCH_REQUESTS:-300}"
bench_stop_server
echo "--- 3. party inserts, batches of 1,000 (bench/sort/bench_insert.c)"
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc \
    bench/sort/bench_insert.c "$B/librapport.a" -o "$WORK/bench_insert" \
    $(make -s --no-print-directory print-libs)
"$WORK/bench_insert" "${BENCH_INSERTS:-100000}" "$WORK"
