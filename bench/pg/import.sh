#!/usr/bin/env bash
# Imports on PostgreSQL: COPY (the default, src/db/pg_bulk.c) against the
# row-by-row INSERTs (RAPPORT_IMPORT_ROW_BY_ROW=1), same binary, same file,
# same throwaway cluster (scripts/pg-cluster.sh: loopback, fsync off), one
# fresh database each, in one run (issue 22: COPY at least 3x the row-by-row
# rate), BENCH_PG_IMPORT_RUNS turns of both (default 2), alternating, the
# best rate of each compared (each run's pair is printed too). Files: BENCH_PG_IMPORT_ROWS generated parties (default 50,000: name,
# external id, e-mail, city) and, when ../shared/data has it, CDNOW_master
# as transactions (69,659 purchases of 23,570 customers created on the way).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
BIN=$B/rapport
ROWS=${BENCH_PG_IMPORT_ROWS:-50000}
DATA="${RAPPORT_DATA:-../shared/data}"
WORK=$(mktemp -d /tmp/rapport-pgimport.XXXXXX)
cleanup() { bash scripts/pg-cluster.sh stop "$WORK/cluster" || true; rm -rf "$WORK"; }
trap cleanup EXIT
url=$(bash scripts/pg-cluster.sh start "$WORK/cluster") || { echo "bench/pg/import: no PostgreSQL cluster (make deps)"; exit 0; }
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ), PostgreSQL on loopback (fsync off)"
awk -v n="$ROWS" 'BEGIN { print "name,external_id,emails,city"; for (i = 0; i < n; i++) printf "Person %d,X%d,p%d@example.com,City %d\n", i, i, i, i % 500 }' >"$WORK/p.csv"
rate() {   # kind file label env… : prints rows/s
  local kind=$1 f=$2; shift 2
  local name=b$(date +%s%N)
  psql -qX "$url" -c "CREATE DATABASE $name"
  local db=${url%/postgres}/$name
  "$BIN" init --db "$db" >/dev/null
  env "$@" "$BIN" import "$kind" "$f" --db "$db" "${EXTRA[@]}" | head -1 | grep -oE '\(([0-9]+) rows/s\)' | tr -dc 0-9
}
row() {   # label kind file: RUNS turns of both, the best of each (the machine's load moves both)
  local label=$1 kind=$2 f=$3
  local slow fast best_slow=0 best_fast=0 all=""
  for _ in $(seq "$RUNS"); do
    slow=$(rate "$kind" "$f" RAPPORT_IMPORT_ROW_BY_ROW=1)
    fast=$(rate "$kind" "$f" RAPPORT_IMPORT_ROW_BY_ROW=0)
    all="$all $slow/$fast"
    [ "$slow" -gt "$best_slow" ] && best_slow=$slow
    [ "$fast" -gt "$best_fast" ] && best_fast=$fast
  done
  printf '%-44s %12s %12s %7s  (runs:%s; load %s)\n' "$label" "$best_slow" "$best_fast" "$(echo "scale=2; $best_fast / $best_slow" | bc)" \
    "$all" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
RUNS=${BENCH_PG_IMPORT_RUNS:-2}
printf '%-44s %12s %12s %7s\n' 'rows/s (best of each)' 'row by row' 'COPY' 'ratio'
EXTRA=()
row "parties ($ROWS, e-mail + external id each)" parties "$WORK/p.csv"
if [ -f "$DATA/cdnow/CDNOW_master.txt" ]; then
  EXTRA=(--delimiter whitespace --currency USD --map 'party_external_id=customer_id,date=date,quantity=number_of_cds,amount=dollar_value')
  row "transactions (CDNOW_master, 69,659)" transactions "$DATA/cdnow/CDNOW_master.txt"
fi
