#!/usr/bin/env bash
# Browser benchmark of the web UI (issue 15 item 12): the release server on
# the demo data of `make run` (2,000 parties, analytics computed), Debian's
# Chromium through playwright-core. Prints, best and median of
# WEB_BENCH_RUNS (default 5) cold loads each: the dashboard's time from
# navigation until its numbers and charts are complete and the bytes it
# transferred (targets < 1 s, < 300 KB), and the customer list's time to
# its first rows (target < 0.5 s). The peer in the same run: what the
# dashboard downloaded before it counted on the server — the keyset scan of
# every party (/api/v1/parties?limit=500 pages).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
[ -d tests/browser/node_modules ] || { echo "bench/web: tests/browser/node_modules missing (scripts/install-deps.sh)"; exit 0; }
RAPPORT_BIN=$PWD/$B/rapport node bench/web/dashboard.mjs
