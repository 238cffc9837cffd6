#!/usr/bin/env bash
# Service at scale (issue 19), on 100,000 open cases (BENCH_CASES):
#  1. the escalation sweep (bench_service.c): the first sweep takes the
#     steps that are due, the second finds none left; target < 1 s;
#  2. the queue of one team — GET /api/v1/cases?team_id=…&status=open,
#     ordered by the resolution due time, and the breaching-soon view —
#     sequential over one keep-alive connection; target p95 < 20 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
WORK=$(mktemp -d /tmp/rapport-bench-service.XXXXXX)
DB=$WORK/bench.db
. bench/lib.sh
cleanup() { bench_stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc \
    bench/service/bench_service.c "$B/librapport.a" -o "$WORK/bench_service" \
    $(make -s --no-print-directory print-libs)
echo "--- 1. escalation sweep (bench/service/bench_service.c)"
"$WORK/bench_service" "$DB" "${BENCH_CASES:-100000}"
echo 'bench password 123' | "$BIN" user add servicebench@rapport.local --role admin --password-stdin --db "$DB" >/dev/null 2>&1 || true
PORT=${BENCH_PORT:-18193}
bench_start_server "$DB"
bench_wait_healthy 300
bench_login servicebench@rapport.local 'bench password 123'
bench_token servicebench
echo "--- 2. one team's queue, GET /api/v1/cases, one keep-alive connection, sequential"
node bench/service/queue.mjs "http://127.0.0.1:$PORT" "$TOKEN" "${BENCH_REQUESTS:-300}"
