#!/usr/bin/env bash
# Load benchmark (the long variant of tests/load): the release server on a
# demo database, wrk on loopback with 64 connections running the mix of
# tests/load/mix.lua (reads 55%, searches 15%, filtered lists 10%, durable
# writes 20%) for LOAD_SECONDS (default 60). Prints requests/s, p50/p99,
# answers by class, and checks that every write acknowledged with 201 is in
# the database after kill -9 (zero lost writes).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
SECS=${LOAD_SECONDS:-60}
PARTIES=${LOAD_PARTIES:-20000}
WORK=$(mktemp -d /tmp/rapport-load.XXXXXX)
. bench/lib.sh
trap 'bench_stop_server KILL; rm -rf "$WORK"' EXIT
DB=$WORK/load.db
"$BIN" demo --db "$DB" --parties "$PARTIES" --seed 11 >/dev/null
echo 'load password 1234' | "$BIN" user add load@rapport.local --role admin --password-stdin --db "$DB" >/dev/null
PORT=$(bench_free_port)
bench_start_server "$DB"
bench_wait_healthy 100
bench_login load@rapport.local 'load password 1234'
bench_token load
echo "--- mixed load: $PARTIES parties, 64 connections, ${SECS}s (wrk -t2 -c64 --latency -s tests/load/mix.lua)"
TOKEN=$TOKEN MAX_ID=$PARTIES LOAD_OUT=$WORK/result.txt \
  wrk -t2 -c64 -d"${SECS}s" --timeout 20s --latency -s tests/load/mix.lua http://127.0.0.1:$PORT >"$WORK/wrk.txt"
bench_stop_server KILL   # the durability check below: every acknowledged write survives kill -9
read -r _ c2 c4 c5 sockerr timeouts < <(grep '^counts' "$WORK/result.txt")
read -r _ p50 p99 max < <(grep '^latency' "$WORK/result.txt")
ids=$(grep '^ids' "$WORK/result.txt" | cut -d' ' -f2 | tr ',' '\n' | grep -c . || true)
echo "  requests/s:       $(grep -E '^Requests/sec' "$WORK/wrk.txt" | awk '{print $2}')"
echo "  latency:          p50 $(echo "scale=1; $p50/1000" | bc) ms, p99 $(echo "scale=1; $p99/1000" | bc) ms, max $(echo "scale=0; $max/1000" | bc) ms"
echo "  answers:          2xx $c2, 4xx $c4, 5xx $c5, socket errors $sockerr, time-outs $timeouts"
grep '^ids' "$WORK/result.txt" | cut -d' ' -f2 | tr ',' '\n' | grep . | sort -n >"$WORK/acked"
"$BIN" db query --db "$DB" "SELECT id FROM interaction WHERE subject LIKE 'load t%' ORDER BY id" | sort -n >"$WORK/stored"
lost=$(comm -23 "$WORK/acked" "$WORK/stored" | wc -l)
echo "  writes:           $ids acknowledged, $lost lost after kill -9 (target 0); integrity_check: $("$BIN" db check --db "$DB")"
[ "$c5" -eq 0 ] && [ "$lost" -eq 0 ]
