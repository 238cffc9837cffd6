#!/usr/bin/env bash
# bench/leads/run.sh — lead assignment (issue 18): 10,000 leads imported with
# `rapport import leads` and assigned by the rules as they are written, with
# capacity limits that bite. Target: under 10 s. Prints the wall time, the
# rate, the leads per member (round robin: equal shares) and how many were
# left unassigned once every member of a team was at capacity; the peer is
# the same import into a database without rules (no assignment), in the
# same run, so the ratio is the engine's cost. One lead in
# ten repeats an earlier phone number, so duplicate detection finds work.
# usage: bench/leads/run.sh   (from the repository root, after make)
set -euo pipefail
cd "$(dirname "$0")/../.."
B="${B:-build}"
N="${N:-10000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rapport_bench_leads.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
[ -x "$B/rapport" ] || { echo "# $B/rapport missing: run 'make' first"; exit 1; }
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
DB="$WORK/l.db"
"$B/rapport" init --db "$DB" >/dev/null
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
q() { "$B/rapport" db exec --db "$DB" "$@"; }
q "INSERT INTO team(id, name, created_at, updated_at) VALUES (1, 'East', '$now', '$now'), (2, 'Everyone else', '$now', '$now')"
# Two teams of five; one member of the second is disabled (skipped).
for i in $(seq 1 10); do
  team=$(( i <= 5 ? 1 : 2 )); off=$(( i == 10 ? 1 : 0 ))
  q "INSERT INTO app_user(email, name, role, team_id, password_hash, disabled, created_at, updated_at)
     VALUES ('rep$i@bench.local', 'Rep $i', 'sales', $team, 'x', $off, '$now', '$now')"
done
# East: at most 800 a day each (4,000 in all, so some east leads stay
# unassigned); everyone else: 1,500 a day each.
q "INSERT INTO assignment_rule(name, territory, team_id, capacity, period, position, created_at, updated_at)
   VALUES ('east', 'east', 1, 800, 'day', 0, '$now', '$now')"
q "INSERT INTO assignment_rule(name, team_id, capacity, period, position, created_at, updated_at)
   VALUES ('rest', 2, 1500, 'day', 1, '$now', '$now')"
awk -v n="$N" 'BEGIN {
  print "name,company,emails,phones,territory,industry,source";
  split("east,west,north,south", t, ",");
  for (i = 0; i < n; i++)
    printf "Lead %d,Company %d,lead%d@example.com,139%08d,%s,software,exhibition\n", i, i % 3000, i, i % 10 ? i : i - 5, t[i % 2 ? 1 : 2 + (i / 2) % 3];
}' > "$WORK/leads.csv"
PEER="$WORK/peer.db"
"$B/rapport" init --db "$PEER" >/dev/null
p0=$(date +%s.%N)
"$B/rapport" import leads "$WORK/leads.csv" --db "$PEER" >/dev/null
p1=$(date +%s.%N)
start=$(date +%s.%N)
"$B/rapport" import leads "$WORK/leads.csv" --db "$DB" >/dev/null
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v n="$N" -v ps="$p0" -v pe="$p1" 'BEGIN {
  printf "import + assignment of %d leads: %.2f s (%.0f leads/s; target < 10 s)\n", n, e - s, n / (e - s);
  printf "peer: the same import without rules: %.2f s; ratio %.2f\n", pe - ps, (e - s) / (pe - ps);
  if (e - s >= 10) { print "FAIL: over 10 s"; exit 1 } }'
echo "# leads per member (user id: count)"
"$B/rapport" db query --db "$DB" "SELECT '  team ' || team_id || ' user ' || owner_id || ': ' || COUNT(*) FROM lead WHERE owner_id IS NOT NULL GROUP BY team_id, owner_id ORDER BY owner_id"
echo "# unassigned (every member of the matching team at capacity): $("$B/rapport" db query --db "$DB" "SELECT COUNT(*) FROM lead WHERE owner_id IS NULL")"
echo "# leads with a duplicate found: $("$B/rapport" db query --db "$DB" "SELECT COUNT(*) FROM lead WHERE duplicates <> '[]'")"
