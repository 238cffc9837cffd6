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
# The engine's files and what they use from src/lib (money.c since issue 14).
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla \
    -Isrc $(pkg-config --cflags $(sed -n 's/^PKGS *:= *//p;s/^LAZY_PKGS *:= *//p' Makefile)) \
    $(ls src/analytics/*.c | grep -v /service) src/lib/*.c bench/analytics/bench_fit.c -o "$OUT" \
    $(pkg-config --libs $(sed -n 's/^PKGS *:= *//p' Makefile)) -lnlopt -lz -lm -lpthread -ldl
echo "# $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), N=$N, load average $(cut -d" " -f1-3 /proc/loadavg)"
"$OUT" "$N" "$DATA/cdnow/cdnow_rfm_calibration.csv"

# ---- Whole commands (issue 16): `rapport model fit` as a user runs it ----
# On N-row summary CSVs written by bench_fit: BG/NBD + Gamma-Gamma in one
# command (best of 3) against the scipy reference (scipy_peer.py, Debian's
# python3-scipy) reading the same file in the same run; then Pareto/NBD on
# a summary with continuous purchase times that hardly groups.
B="${B:-build}"
SUMW="$(mktemp -d "${TMPDIR:-/tmp}/rapport_bench_cmd.XXXXXX")"
trap 'rm -f "$OUT"; rm -rf "$SUMW"' EXIT
if [ -x "$B/rapport" ]; then
  if ! /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq python3-scipy >/dev/null || true
    elif command -v sudo >/dev/null; then sudo apt-get install -y -qq python3-scipy >/dev/null || true; fi
  fi
  "$OUT" --write-summary "$SUMW/day.csv" "$N" day
  "$OUT" --write-summary "$SUMW/cont.csv" "$N" continuous
  echo "# summaries: $N rows; distinct (frequency, recency, T): day $(cut -d, -f2-4 "$SUMW/day.csv" | sort -u | wc -l), continuous $(cut -d, -f2-4 "$SUMW/cont.csv" | sort -u | wc -l)"
  best=""
  for i in 1 2 3; do
    t0=$(date +%s.%N)
    /usr/bin/time -f "cpu %U user %S sys" -o "$SUMW/fit.cpu" env RAPPORT_MODEL_TIMING=1 \
      "$B/rapport" model fit --model bgnbd,gg --summary "$SUMW/day.csv" >"$SUMW/fit.json" 2>"$SUMW/fit.err"
    c=$(awk '{ printf "%.3f", $2 + $4 }' "$SUMW/fit.cpu")
    t1=$(date +%s.%N)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    echo "rapport_model_fit_bgnbd_gg run $i: $t s wall, $c s CPU ($(tr '\n' ' ' <"$SUMW/fit.err"))"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
    if [ -z "${bestc:-}" ] || awk -v a="$c" -v b="$bestc" 'BEGIN { exit !(a < b) }'; then bestc=$c; fi
  done
  cat "$SUMW/fit.json"
  echo "rapport_model_fit_bgnbd_gg $best s (best of 3, end to end: process start, read, both fits, output)"
  echo "rapport_model_fit_bgnbd_gg_cpu $bestc s (best of 3, user + system of both threads)"
  if /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
    /usr/bin/time -f "cpu %U user %S sys" -o "$SUMW/scipy.cpu" /usr/bin/python3 bench/analytics/scipy_peer.py "$SUMW/day.csv" | tee "$SUMW/scipy.txt"
    spc=$(awk '{ printf "%.3f", $2 + $4 }' "$SUMW/scipy.cpu")
    sp=$(awk '/^scipy_total/ {print $2}' "$SUMW/scipy.txt")
    awk -v o="$best" -v s="$sp" 'BEGIN { printf "ratio scipy/rapport %.1f (rapport %.3f s, scipy %.3f s; >= 25 is the target)\n", s / o, o, s }'
    awk -v o="$bestc" -v s="$spc" 'BEGIN { printf "ratio scipy/rapport in CPU time %.1f (rapport %.3f s, scipy %.3f s with its start and imports)\n", s / o, o, s }'
  else
    echo "# python3-scipy not installable here: scipy reference skipped"
  fi
  t0=$(date +%s.%N)
  /usr/bin/time -f "cpu %U user %S sys" -o "$SUMW/pnbd.cpu" env RAPPORT_MODEL_TIMING=1 \
    "$B/rapport" model fit --model pnbd --summary "$SUMW/cont.csv" >"$SUMW/pnbd.json" 2>"$SUMW/pnbd.err" || true
  t1=$(date +%s.%N)
  cat "$SUMW/pnbd.json" "$SUMW/pnbd.err"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "rapport_model_fit_pnbd_continuous %.3f s (target < 5 s)\n", b - a }'
  awk '{ printf "rapport_model_fit_pnbd_continuous_cpu %.3f s (user + system of both threads)\n", $2 + $4 }' "$SUMW/pnbd.cpu"
  grep -qi nan "$SUMW/pnbd.json" && echo "pnbd: NaN in the result" || true
else
  echo "# $B/rapport missing: whole-command benchmark skipped"
fi

# ---- The server's analytics run at scale (bench_store.c) against DuckDB ----
# RAPPORT_BENCH_TX / RAPPORT_BENCH_CUSTOMERS change the size (10,000,000 /
# 1,000,000); RAPPORT_BENCH_DB=0 skips the cold load from a database (filling
# it takes a minute). The DuckDB peer (npm @duckdb/node-api, lockfile in
# bench/analytics/) reads the same rows.
NTX="${RAPPORT_BENCH_TX:-10000000}"
NCUST="${RAPPORT_BENCH_CUSTOMERS:-1000000}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rapport_bench_store.XXXXXX")"
trap 'rm -f "$OUT"; rm -rf "$WORK" "$SUMW"' EXIT
if [ ! -f "$B/librapport.a" ]; then
  echo "# $B/librapport.a missing: run 'make B=$B' first (make bench does)"; exit 1
fi
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc \
    bench/analytics/bench_store.c "$B/librapport.a" -o "$WORK/bench_store" \
    $(make -s --no-print-directory print-libs)
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
oc=$(awk '/^recompute_total_cpu/ {print $2}' "$WORK/ours.txt")
dc=$(awk '/^duckdb_count_sum_last_cpu/ {print $2}' "$WORK/duck.txt")
awk -v o="$oc" -v d="$dc" 'BEGIN { printf "ratio recompute/duckdb in CPU time %.2f (ours %.3f s, DuckDB %.3f s; <= 0.5 is the target)\n", o / d, o, d }'
echo "# load average at the end $(cut -d" " -f1-3 /proc/loadavg)"
