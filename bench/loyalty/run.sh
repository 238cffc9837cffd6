#!/usr/bin/env bash
# Loyalty benchmarks of issue 21:
#  1. durable points postings (POST /api/v1/parties/{id}/points, group
#     commit, synchronous=FULL) with 64 connections for BENCH_SECONDS
#     (default 10): postings a second (target 5,000), then the check that
#     rebuilds every balance from the ledger agrees, and how long it takes;
#  2. the referral programme at BENCH_REFERRAL_MEMBERS members (default
#     1,000,000): a member's subtree counts and cost (target < 10 ms) and
#     the per-level report (target < 1 s) — see referral.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
DUR=${BENCH_SECONDS:-10}
PARTIES=${BENCH_LOYALTY_PARTIES:-2000}
WORK=$(mktemp -d /tmp/rapport-loyalty.XXXXXX)
DB=$WORK/bench.db
"$BIN" init --db "$DB" >/dev/null
"$BIN" demo --db "$DB" --parties "$PARTIES" --seed 42 >/dev/null
echo 'bench password 123' | "$BIN" user add bench@rapport.local --role admin --password-stdin --db "$DB" >/dev/null
. bench/lib.sh
PORT=${BENCH_PORT:-18191}
bench_start_server "$DB"
trap 'bench_stop_server; rm -rf "$WORK"' EXIT
bench_wait_healthy 600
bench_login bench@rapport.local 'bench password 123'
bench_token bench
export TOKEN MAX_ID=$PARTIES
before=$("$BIN" db query --db "$DB" 'SELECT count(*) FROM points_ledger')
echo "--- 1. durable points postings, 64 connections, ${DUR}s (target 5,000/s)"
wrk -t2 -c64 -d"${DUR}s" -s bench/loyalty/post_points.lua http://127.0.0.1:$PORT/ | grep -E 'Requests/sec|non-2xx|99%|Latency'
after=$("$BIN" db query --db "$DB" 'SELECT count(*) FROM points_ledger')
echo "  postings written: $((after - before)) = $(( (after - before) / DUR ))/s"
start=$(date +%s.%N)
check=$(curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/points/check)
echo "  check of $(echo "$check" | sed -E 's/.*"postings":([0-9]+).*/\1/') postings: $(echo "$check" | sed -E 's/.*"ok":(true|false).*/\1/')," \
  "$(echo "$(date +%s.%N) - $start" | bc) s"
bench_stop_server
if [ -f bench/loyalty/referral.sh ]; then bash bench/loyalty/referral.sh; fi
