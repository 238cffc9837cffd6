#!/usr/bin/env bash
# bench/plans/run.sh — issue 20 part A: resolving a segment of N parties
# (default 1,000,000; goal < 2 s) and generating a contact plan's contacts for
# them (goal < 10 s), on a database filled here with N platinum parties.
# usage: bench/plans/run.sh [N]   (from the repository root; make bench runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
B="${B:-build}"
N="${1:-1000000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rapport_bench_plans.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [ ! -f "$B/librapport.a" ]; then echo "# $B/librapport.a missing: run 'make B=$B' first"; exit 1; fi
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc \
    bench/plans/bench_plans.c "$B/librapport.a" -o "$WORK/bench_plans" \
    $(make -s --no-print-directory print-libs)
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), N=$N"
"$B/rapport" init --db "$WORK/p.db" >/dev/null
t0=$(date +%s.%N)
"$B/rapport" db exec --db "$WORK/p.db" "INSERT INTO team (id, name, created_at, updated_at) VALUES (1, 'Desk', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')"
# Half the parties in team 1 (the manager's scope of the second resolution).
"$B/rapport" db exec --db "$WORK/p.db" "INSERT INTO party (kind, name, team_id, created_at, updated_at)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $N)
  SELECT 'person', 'P' || x, CASE WHEN x % 2 = 0 THEN 1 END, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z' FROM c"
"$B/rapport" db exec --db "$WORK/p.db" "INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost,
  profit, cost_to_serve, net_profit, competitor_amount, tier, p_alive)
  SELECT id, '2026-12-01T00:00:00Z', 1, 0, 100, 0, 100, 0, 100, 0, 'platinum', 0.9 FROM party"
echo "# filled $N parties and scores in $(echo "$(date +%s.%N) - $t0" | bc) s"
/usr/bin/time -f "# bench_plans: %e s wall, %M KB peak" "$WORK/bench_plans" "$WORK/p.db"
