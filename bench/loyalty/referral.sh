#!/usr/bin/env bash
# Referral benchmark of issue 21: a programme of BENCH_REFERRAL_MEMBERS
# members (default 1,000,000: the seed's four levels with 6 cards each, so
# every first-level member heads 1 + 6 + 36 + 216 = 259) built straight in
# SQL — parties, members and the subtree and per-level aggregates the
# server keeps (bench/loyalty/referral_build.sql) — then over HTTP:
#  - GET …/members/{id}/tree of random members (subtree counts and cost;
#    target < 10 ms) with wrk, 4 connections, BENCH_TREE_SECONDS (10):
#    the server's latency percentiles;
#  - GET …/report (per level, planned against actual; target < 1 s).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
MEMBERS=${BENCH_REFERRAL_MEMBERS:-1000000}
FIRST=$(( (MEMBERS + 258) / 259 ))
WORK=$(mktemp -d /tmp/rapport-referral.XXXXXX)
DB=$WORK/bench.db
"$BIN" init --db "$DB" >/dev/null
echo 'bench password 123' | "$BIN" user add bench@rapport.local --role admin --password-stdin --db "$DB" >/dev/null
echo "--- 2. referral programme of $((FIRST * 259)) members ($FIRST first-level), built in SQL"
start=$(date +%s.%N)
sed "s/@FIRST@/$FIRST/g" bench/loyalty/referral_build.sql > "$WORK/build.sql"
"$BIN" db exec --db "$DB" "$(cat "$WORK/build.sql")"
echo "  built in $(echo "$(date +%s.%N) - $start" | bc) s: $("$BIN" db query --db "$DB" 'SELECT count(*) FROM referral_member') members"
PORT=${BENCH_PORT:-18192}
"$BIN" serve --db "$DB" --listen 127.0.0.1:$PORT >"$WORK/serve.log" 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 600); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
CSRF=$(curl -s -c "$WORK/jar" -H 'Content-Type: application/json' -d '{"email":"bench@rapport.local","password":"bench password 123"}' \
  http://127.0.0.1:$PORT/api/v1/session | sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
TOKEN=$(curl -s -b "$WORK/jar" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"name":"bench"}' \
  http://127.0.0.1:$PORT/api/v1/tokens | sed -E 's/.*"token":"([^"]+)".*/\1/')
H="Authorization: Bearer $TOKEN"
one=$(curl -s -H "$H" "http://127.0.0.1:$PORT/api/v1/referral-programs/1/members/1/tree?limit=10")
echo "  a first-level member's subtree: $(echo "$one" | grep -o '"subtree":{"members":[0-9]*' | grep -o '[0-9]*$') members (expected 259)"
TOTAL=$("$BIN" db query --db "$DB" 'SELECT max(id) FROM referral_member')
export TOKEN TOTAL
wrk -t1 -c4 -d"${BENCH_TREE_SECONDS:-10}s" -s bench/loyalty/tree.lua http://127.0.0.1:$PORT/ | grep -E 'Requests/sec|non-2xx|tree latency'
: > "$WORK/report.ms"
for _ in $(seq 10); do
  curl -s -o /dev/null -w '%{time_total}\n' -H "$H" "http://127.0.0.1:$PORT/api/v1/referral-programs/1/report" >> "$WORK/report.ms"
done
sort -n "$WORK/report.ms" | awk '{a[NR]=$1} END {printf "  per-level report (10 runs): median %.2f ms, max %.2f ms (target < 1000 ms)\n", a[5]*1000, a[10]*1000}'
curl -s -H "$H" "http://127.0.0.1:$PORT/api/v1/referral-programs/1/report" | grep -o '"first_level_members":[0-9]*'
