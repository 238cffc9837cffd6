#!/usr/bin/env bash
# bench/analytics/run.sh — builds bench_fit with -O2 and prints one line per
# measurement: fits (BG/NBD, Gamma-Gamma, Pareto/NBD) and batch predictions
# on N simulated customers (default 1,000,000) and on the CDNOW sample.
# usage: bench/analytics/run.sh [N]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000000}"
DATA="${RAPPORT_DATA:-../shared/data}"
OUT="${TMPDIR:-/tmp}/rapport_bench_fit.$$"
trap 'rm -f "$OUT"' EXIT  # replaced below when the store benchmark runs
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla \
    -Isrc $(ls src/analytics/*.c | grep -v /service.c) bench/analytics/bench_fit.c -o "$OUT" -lnlopt -lm -lpthread
echo "# $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), N=$N"
"$OUT" "$N" "$DATA/cdnow/cdnow_rfm_calibration.csv"

# ---- The server's analytics run at scale (bench_store.c) against DuckDB ----
# RAPPORT_BENCH_TX / RAPPORT_BENCH_CUSTOMERS change the size (10,000,000 /
# 1,000,000); RAPPORT_BENCH_DB=0 skips the cold load from a database (filling
# it takes a minute). The DuckDB peer (npm @duckdb/node-api, lockfile in
# bench/analytics/) reads the same rows.
B="${B:-build}"
NTX="${RAPPORT_BENCH_TX:-10000000}"
NCUST="${RAPPORT_BENCH_CUSTOMERS:-1000000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rapport_bench_store.XXXXXX")"
trap 'rm -f "$OUT"; rm -rf "$WORK"' EXIT
if [ ! -f "$B/librapport.a" ]; then
  echo "# $B/librapport.a missing: run 'make B=$B' first (make bench does)"; exit 1
fi
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc \
    bench/analytics/bench_store.c "$B/librapport.a" -o "$WORK/bench_store" \
    $(pkg-config --libs $(sed -n 's/^PKGS *:= *//p' Makefile)) -lnlopt -lxlsxwriter -lz -lm -lpthread
DBARG=""
if [ "${RAPPORT_BENCH_DB:-1}" != 0 ]; then
  "$B/rapport" init --db "$WORK/bench.db" >/dev/null
  DBARG="$WORK/bench.db"
fi
echo "# store: $NTX transactions, $NCUST customers"
"$WORK/bench_store" "$NTX" "$NCUST" "$WORK/rows.csv" $DBARG | tee "$WORK/ours.txt"
if [ ! -d bench/analytics/node_modules/@duckdb/node-api ]; then
  (cd bench/analytics && npm ci --no-audit --no-fund --loglevel=error)
fi
node bench/analytics/duckdb_peer.mjs "$WORK/rows.csv" | tee "$WORK/duck.txt"
ours=$(awk '/^recompute_total/ {print $2}' "$WORK/ours.txt")
duck=$(awk '/^duckdb_count_sum_last/ {print $2}' "$WORK/duck.txt")
awk -v o="$ours" -v d="$duck" 'BEGIN { printf "ratio recompute/duckdb %.2f (ours %.3f s, DuckDB %.3f s; <= 1 means no slower)\n", o / d, o, d }'
