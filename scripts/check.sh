#!/usr/bin/env bash
# `make check`: runs every suite — unit (cmocka), API (node:test against the
# real server, every answer validated against the served OpenAPI description),
# OpenAPI lint (redocly + spectral on that description), browser
# (playwright-core + Debian chromium), fuzz (short fixed runs), crash — under ASan/UBSan, and ends with one line "N passed, N failed"
# summing them all. Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
export RAPPORT_BIN=${RAPPORT_BIN:-$PWD/$B/rapport-asan}
# Suites may run big datasets with the release binary (and a sample under ASan).
export RAPPORT_RELEASE_BIN=${RAPPORT_RELEASE_BIN:-$PWD/$B/rapport}
export RAPPORT_DATA=${RAPPORT_DATA:-$(cd .. && pwd)/shared/data}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LOG_DIR=${LOG_DIR:-$B/test-logs}
mkdir -p "$LOG_DIR"
PASSED=0; FAILED=0

count() { # suite-name passed failed
  printf '  %-28s %5d passed, %d failed\n' "$1" "$2" "$3"
  PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3))
}

echo "== unit tests (cmocka, ASan/UBSan)"
for t in "$B"/unit/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  log="$LOG_DIR/$name.log"
  "$t" >"$log" 2>&1; rc=$?
  p=$(grep -oE '\[  PASSED  \] [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1); p=${p:-0}
  f=$(grep -oE '\[  FAILED  \] [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1); f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or sanitizer report
  [ "$f" -gt 0 ] && { echo "  --- $name failed, log: $log"; tail -30 "$log" | sed 's/^/    /'; }
  count "$name" "$p" "$f"
done

run_node_suite() { # name dir
  local name=$1 dir=$2 log="$LOG_DIR/$1.log"
  ls "$dir"/*.test.mjs >/dev/null 2>&1 || return 0
  echo "== $name tests"
  node --test --test-reporter=tap --test-concurrency="${TEST_CONCURRENCY:-2}" "$dir"/*.test.mjs >"$log" 2>&1; rc=$?
  local p f
  p=$(grep -E '^# pass ' "$log" | tail -1 | awk '{print $3}'); p=${p:-0}
  f=$(grep -E '^# fail ' "$log" | tail -1 | awk '{print $3}'); f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$f" -gt 0 ]; then
    echo "  --- $name failures (full log: $log):"
    grep -E '^not ok|^ *not ok|error:|expected|actual|sanitizer' "$log" | head -60 | sed 's/^/    /'
  fi
  count "$name" "$p" "$f"
}

run_node_suite api tests/api
# The API suite again on a throwaway PostgreSQL cluster (scripts/pg-test.sh).
if [ -x scripts/pg-test.sh ]; then
  echo "== api-pg tests (the API suite on PostgreSQL)"
  log="$LOG_DIR/api-pg.log"
  bash scripts/pg-test.sh >"$log" 2>&1; rc=$?
  p=$(grep -E '^# pass ' "$log" | tail -1 | awk '{print $3}'); p=${p:-0}
  f=$(grep -E '^# fail ' "$log" | tail -1 | awk '{print $3}'); f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$f" -gt 0 ]; then
    echo "  --- api-pg failures (full log: $log):"
    grep -E '^not ok|^ *not ok|error:|expected|actual|sanitizer|pg-test' "$log" | head -60 | sed 's/^/    /'
  fi
  count api-pg "$p" "$f"
fi
run_node_suite openapi tests/openapi
run_node_suite crash tests/crash
run_node_suite load tests/load
if [ -d tests/browser/node_modules ]; then run_node_suite browser tests/browser; fi

if [ -x tests/fuzz/run.sh ]; then
  echo "== fuzz (short fixed runs)"
  out=$(bash tests/fuzz/run.sh short 2>"$LOG_DIR/fuzz.log" | tail -1)
  p=$(echo "$out" | grep -oE '^[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
  f=$(echo "$out" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); f=${f:-1}
  count fuzz "$p" "$f"
fi

if [ -x scripts/lint.sh ]; then
  echo "== lint (banned functions, run-time SQL, portable SQL, migrations, -Werror)"
  # The checker first proves it still sees violations: the fixture breaks
  # every rule (tests/lint/fixture), so each of its checks must fail there.
  fixture=$(LINT_ROOT=tests/lint/fixture bash scripts/lint.sh 2>&1)
  if echo "$fixture" | tail -1 | grep -qE '^0 passed, 5 failed$' \
     && echo "$fixture" | grep -q 'src/lib/copy.c:[0-9]*: strcpy()' \
     && echo "$fixture" | grep -q 'src/lib/copy.c:[0-9]*: SQL text built with snprintf' \
     && echo "$fixture" | grep -q 'src/api/audit.c:9: sb_printf formats "v"' \
     && echo "$fixture" | grep -q 'src/api/search.c:4: MATCH: SQLite-only SQL' \
     && echo "$fixture" | grep -q 'src/api/search.c:6: INSERT OR: SQLite-only SQL' \
     && echo "$fixture" | grep -q 'src/db/migrations/sqlite/: numbers \[1, 3\]'; then
    count "lint self-test" 1 0
  else
    echo "  --- the lint no longer flags tests/lint/fixture:"; echo "$fixture" | sed 's/^/    /'
    count "lint self-test" 0 1
  fi
  out=$(bash scripts/lint.sh >"$LOG_DIR/lint.log" 2>&1; tail -1 "$LOG_DIR/lint.log")
  p=$(echo "$out" | grep -oE '^[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
  f=$(echo "$out" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); f=${f:-1}
  [ "$f" -gt 0 ] && sed 's/^/  /' "$LOG_DIR/lint.log"
  count lint "$p" "$f"
fi

echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
