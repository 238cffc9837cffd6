#!/usr/bin/env bash
# Sales benchmarks of issue 18 on one database of BENCH_OPPS opportunities
# (default 1,000,000: 100,000 open ones in the B2B pipeline spread over 50
# salespeople, the rest in the relationship-marketing pipeline, open, won
# and lost, over two years of close dates, in CNY, USD and EUR):
#  1. GET /api/v1/pipelines/{id}/board of the 100,000-open pipeline, one
#     salesperson's view (as the salesperson: their own deals, and all
#     they may read; as an admin filtering by owner_id): p95 target under 20 ms; the peer is the kernel's plain
#     list of the same salesperson's opportunities (first page of 20);
#  2. GET /api/v1/forecast?period=month over two years of the whole 1M:
#     target under 1 s; the peer is sqlite3 running the forecast's own
#     grouped query on the same file (the floor of the work).
# BENCH_DIR keeps the database between runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
N=${BENCH_OPPS:-1000000}
REQ=${BENCH_REQUESTS:-200}
WORK=${BENCH_DIR:-$(mktemp -d /tmp/rapport-bench-sales.XXXXXX)}
DB=$WORK/sales.db
. bench/lib.sh
cleanup() { bench_stop_server; [ -n "${BENCH_DIR:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
PW='bench password 123'
if [ ! -f "$DB" ]; then
  start=$(date +%s.%N)
  "$BIN" demo --db "$DB" --parties 2000 --seed 7 >/dev/null
  echo "$PW" | "$BIN" user add rep0@bench.local --role sales --password-stdin --db "$DB" >/dev/null
  echo "$PW" | "$BIN" user add boss@bench.local --role admin --password-stdin --db "$DB" >/dev/null
  "$BIN" db exec --db "$DB" "
    INSERT INTO app_user(email, name, role, password_hash, created_at, updated_at)
      WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 49)
      SELECT 'rep' || n || '@bench.local', 'Rep ' || n, 'sales', '!', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM c;
    INSERT INTO exchange_rate(currency, to_currency, valid_on, rate, created_at, updated_at) VALUES
      ('USD', 'CNY', '2025-01-01', '7.18', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
      ('USD', 'CNY', '2026-06-01', '7.12', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
      ('EUR', 'CNY', '2025-01-01', '7.80', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');"
  # rep0 and the 49 others have consecutive ids from rep0's; every 50th
  # opportunity of the B2B pipeline is rep0's.
  "$BIN" db exec --db "$DB" "
    INSERT INTO opportunity(name, party_id, pipeline_id, stage, amount_amount, amount_currency, expected_close_on, probability,
                            status, lost_reason, closed_at, stage_entered_at, owner_id, created_at, updated_at)
    WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < $N - 1),
      k(u, p, np) AS (SELECT (SELECT id FROM app_user WHERE email = 'rep0@bench.local'), (SELECT min(id) FROM party), (SELECT count(*) FROM party)),
      r AS (SELECT n, u, p, np, CASE WHEN n % 10 = 0 THEN 2 ELSE 1 END AS pl,
                   CASE WHEN n % 10 = 0 OR n % 10 <= 6 THEN 'open' WHEN n % 10 <= 8 THEN 'won' ELSE 'lost' END AS st,
                   date('2026-01-01', '+' || ((n * 37) % 730) || ' days') AS d FROM c, k)
    SELECT 'Deal ' || n, p + (n * 13) % np, pl,
           CASE WHEN pl = 2 THEN json_extract('[\"qualification\",\"discovery\",\"proposal\",\"negotiation\",\"commit\"]', '\$[' || ((n / 500) % 5) || ']')
                ELSE json_extract('[\"collect_information\",\"identify_needs\",\"plan\",\"transaction\",\"build_relationship\"]', '\$[' || (n % 5) || ']') END,
           100000 + (n * 7919) % 50000000, CASE WHEN n % 7 = 0 THEN 'USD' WHEN n % 11 = 0 THEN 'EUR' ELSE 'CNY' END, d,
           CASE st WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 10 + (n % 9) * 10 END, st,
           CASE st WHEN 'lost' THEN 'price' END, CASE WHEN st <> 'open' THEN d || 'T12:00:00Z' END,
           '2026-11-01T00:00:00Z', u + (CASE WHEN pl = 2 THEN (n / 10) % 50 ELSE n % 50 END), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
    FROM r;
    ANALYZE;"
  echo "  database: $N opportunities, $("$BIN" db query --db "$DB" "SELECT count(*) FROM opportunity WHERE pipeline_id = 2 AND status = 'open'") open in pipeline 2, made in $(echo "$(date +%s.%N) - $start" | bc) s, $(du -h "$DB" | cut -f1)"
fi
REP=$("$BIN" db query --db "$DB" "SELECT id FROM app_user WHERE email = 'rep0@bench.local'")
MINE=$("$BIN" db query --db "$DB" "SELECT count(*) FROM opportunity WHERE owner_id = $REP AND pipeline_id = 2 AND status = 'open'")
PORT=${BENCH_PORT:-18201}
bench_start_server "$DB"   # sets BASE
bench_wait_healthy 600
export SERVER_PID=$SRV
echo "--- 1. the deal board, pipeline 2 (100,000 open), salesperson $REP's view ($MINE open); target p95 < 20 ms"
node bench/sales/latency.mjs "$BASE" rep0@bench.local "$PW" "$REQ" \
  "board, the salesperson's own (owner_id=me, as the UI asks)::/api/v1/pipelines/2/board?owner_id=$REP" \
  "board, all the salesperson may read (no filter)::/api/v1/pipelines/2/board" \
  "peer: list of their opportunities, 20::/api/v1/opportunities?owner_id=$REP&pipeline_id=2&status=open&limit=20"
node bench/sales/latency.mjs "$BASE" boss@bench.local "$PW" "$REQ" \
  "board, admin filtered to owner_id=$REP::/api/v1/pipelines/2/board?owner_id=$REP"
node bench/sales/latency.mjs "$BASE" boss@bench.local "$PW" 20 \
  "board, admin, all 100,000 unfiltered (reference)::/api/v1/pipelines/2/board"
echo "--- 2. the monthly forecast over $N opportunities, 24 months; target < 1 s"
node bench/sales/latency.mjs "$BASE" boss@bench.local "$PW" "${BENCH_FORECAST_REQUESTS:-10}" \
  "forecast, month, 2026-01..2027-12::/api/v1/forecast?period=month&from=2026-01&to=2027-12" \
  "forecast, one salesperson's (owner_id)::/api/v1/forecast?period=month&from=2026-01&to=2027-12&owner_id=$REP"
node bench/sales/latency.mjs "$BASE" boss@bench.local "$PW" 3 \
  "forecast by user, 50 salespeople (reference)::/api/v1/forecast?period=month&from=2026-01&to=2027-12&by=user"
bench_stop_server
if command -v sqlite3 >/dev/null; then
  t0=$(date +%s.%N)
  sqlite3 "$DB" "SELECT count(*) FROM (SELECT t.expected_close_on, t.amount_currency, SUM(t.amount_amount), SUM(t.amount_amount * COALESCE(t.probability, 0))
                 FROM opportunity t WHERE t.status = 'open' AND t.expected_close_on >= '2026-01-01' AND t.expected_close_on < '2028-01-01'
                 GROUP BY 1, 2)" >/dev/null
  echo "  peer: sqlite3 CLI, the open-opportunity grouped query alone: $(echo "($(date +%s.%N) - $t0) * 1000" | bc | cut -d. -f1) ms (incl. process start)"
fi
