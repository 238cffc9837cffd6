#!/usr/bin/env bash
# `make valgrind`: every unit test (tests/unit/test_*.c), linked against the
# release objects ($B/librapport.a: ASan and valgrind do not mix), run under
# valgrind memcheck: any invalid access, use of uninitialised memory or
# definite leak fails. Ends with "N passed, N failed".
#   VALGRIND_TESTS=pattern   only tests whose name matches (grep -E)
#   VALGRIND_TIMEOUT=secs    per test (default 1800: the analytics model
#                            tests run 20-50x slower under memcheck)
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
# LAZY_PKGS: the libraries src/lib/lazylib.c loads on first use (headers only).
PKGS="$(sed -n 's/^PKGS *:= *//p' Makefile) $(sed -n 's/^LAZY_PKGS *:= *//p' Makefile)"
EXTRA_LIBS=$(sed -n 's/^PKG_LIBS *:=.*2>\/dev\/null) *//p' Makefile)
CFLAGS="-O1 -g -std=c11 -D_GNU_SOURCE -Isrc -I$B/gen -Itests/unit $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) $EXTRA_LIBS -lcmocka"
mkdir -p "$B/vg"
passed=0; failed=0
for src in tests/unit/test_*.c; do
  name=$(basename "$src" .c)
  [ -n "${VALGRIND_TESTS:-}" ] && ! echo "$name" | grep -qE "$VALGRIND_TESTS" && continue
  bin=$B/vg/$name
  if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$B/librapport.a" -nt "$bin" ]; then
    cc $CFLAGS -o "$bin" "$src" "$B/librapport.a" $LIBS || { echo "  $name: BUILD FAILED"; failed=$((failed + 1)); continue; }
  fi
  log=$B/vg/$name.log
  start=$(date +%s)
  if timeout "${VALGRIND_TIMEOUT:-1800}" valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
       --track-origins=yes "$bin" >"$log" 2>&1; then
    printf '  %-28s ok   (%ss)\n' "$name" $(( $(date +%s) - start ))
    passed=$((passed + 1))
  else
    printf '  %-28s FAILED (log: %s)\n' "$name" "$log"
    grep -E '==[0-9]+==|FAILED' "$log" | head -20 | sed 's/^/      /'
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
