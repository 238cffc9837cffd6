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
trap 'rm -f "$OUT"' EXIT
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla \
    -Isrc src/analytics/*.c bench/analytics/bench_fit.c -o "$OUT" -lnlopt -lm -lpthread
echo "# $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), N=$N"
"$OUT" "$N" "$DATA/cdnow/cdnow_rfm_calibration.csv"
