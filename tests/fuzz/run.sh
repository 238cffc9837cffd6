#!/usr/bin/env bash
# Fuzz targets (libFuzzer, clang-14, ASan + UBSan). Builds every target in
# tests/fuzz/fuzz_*.c against the project's sources (compiled here with clang
# and -fsanitize=fuzzer-no-link; src/main.c excluded) into $B/fuzz, then runs
# each on its seed corpus (tests/fuzz/corpus/<target>/) and dictionary
# (tests/fuzz/<target>.dict).
#   run.sh short   11 s per target (make check; total under 2 minutes)
#   run.sh long    FUZZ_SECONDS per target (default 300; make fuzz)
#   run.sh build   build only
#   run.sh TARGET [seconds]   one target
# New inputs go to $B/fuzz/work/<target>/ (the repository corpus is read-only
# here); crashes to $B/fuzz/artifacts/. Prints one line per target and, last,
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${B:-build}
MODE=${1:-short}
OUT=$B/fuzz
CC=${FUZZ_CC:-clang-14}
# Packages and extra libraries as the Makefile links them.
# LAZY_PKGS: the libraries src/lib/lazylib.c loads on first use (headers only).
PKGS="$(sed -n 's/^PKGS *:= *//p' Makefile) $(sed -n 's/^LAZY_PKGS *:= *//p' Makefile)"
EXTRA_LIBS=$(sed -n 's/^PKG_LIBS *:=.*2>\/dev\/null) *//p' Makefile)
mkdir -p "$OUT/obj" "$OUT/work" "$OUT/artifacts" "$OUT/logs"

if ! command -v "$CC" >/dev/null; then
  echo "fuzz: $CC not found (scripts/install-deps.sh installs clang-14 libclang-rt-14-dev)" >&2
  echo "0 passed, 1 failed"; exit 1
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-g -O1 $SAN -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc -I$B/gen -Itests/fuzz $(pkg-config --cflags $PKGS)"
# gcc -Werror guards src/ in the normal build; here only the harnesses get -Werror
# (clang warns about things gcc does not, e.g. string concatenation in tables).
HFLAGS="-Werror"
LIBS="$(pkg-config --libs $PKGS) ${EXTRA_LIBS:--lnlopt -lm -lpthread}"

# Generated sources (embedded migrations and web assets) come from the Makefile.
make -s B="$B" "$B/gen/migrations.c" "$B/gen/web_assets.c" >&2 || { echo "0 passed, 1 failed"; exit 1; }

build_failed=0
compile() { # src obj
  local src=$1 obj=$2
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find src tests/fuzz -name '*.h' -newer "$obj" -print -quit)" ]; then
    mkdir -p "$(dirname "$obj")"
    local w=-Wno-string-concatenation
    case $src in tests/*) w=$HFLAGS ;; esac
    $CC $CFLAGS $w -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || { echo "fuzz: cannot compile $src" >&2; build_failed=1; }
  fi
}

SRCS=$(find src -name '*.c' ! -path src/main.c | sort)
objs=()
pids=()
for s in $SRCS "$B/gen/migrations.c" "$B/gen/web_assets.c" tests/fuzz/fuzz_common.c tests/fuzz/fuzz_fakereq.c; do
  o="$OUT/obj/${s//\//_}.o"
  objs+=("$o")
done
# Two compilers at a time.
i=0
for s in $SRCS "$B/gen/migrations.c" "$B/gen/web_assets.c" tests/fuzz/fuzz_common.c tests/fuzz/fuzz_fakereq.c; do
  compile "$s" "$OUT/obj/${s//\//_}.o" &
  i=$((i + 1)); [ $((i % 2)) -eq 0 ] && wait
done
wait
for o in "${objs[@]}"; do [ -f "$o" ] || build_failed=1; done
LIB=$OUT/libfuzzsrc.a
rm -f "$LIB"
ar rcs "$LIB" $(printf '%s\n' "${objs[@]}" | grep -v 'tests_fuzz_fuzz_') 2>/dev/null || build_failed=1

TARGETS=()
for t in tests/fuzz/fuzz_*.c; do
  name=$(basename "$t" .c); name=${name#fuzz_}
  case $name in common|fakereq) continue ;; esac
  TARGETS+=("$name")
done

build_target() { # name
  local name=$1 bin=$OUT/fuzz_$1 extra=()
  [ "$name" = http ] || extra=("$OUT/obj/tests_fuzz_fuzz_fakereq.c.o")
  if [ ! -x "$bin" ] || [ "tests/fuzz/fuzz_$name.c" -nt "$bin" ] || [ "$LIB" -nt "$bin" ]; then
    $CC $CFLAGS $HFLAGS -fsanitize=fuzzer -o "$bin" "tests/fuzz/fuzz_$name.c" "$OUT/obj/tests_fuzz_fuzz_common.c.o" "${extra[@]}" "$LIB" $LIBS \
      || { echo "fuzz: cannot link $name" >&2; return 1; }
  fi
}

passed=0; failed=0
if [ "$build_failed" -ne 0 ]; then echo "fuzz: build failed"; echo "0 passed, ${#TARGETS[@]} failed"; exit 1; fi
for name in "${TARGETS[@]}"; do
  build_target "$name" || { echo "  $name: BUILD FAILED"; failed=$((failed + 1)); }
done
[ "$MODE" = build ] && { echo "$passed passed, $failed failed"; exit $((failed > 0)); }

case $MODE in
  short) SECS=${FUZZ_SECONDS:-11}; RUN=("${TARGETS[@]}") ;;
  long) SECS=${FUZZ_SECONDS:-300}; RUN=("${TARGETS[@]}") ;;
  *) SECS=${2:-60}; RUN=("$MODE") ;;
esac

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for name in "${RUN[@]}"; do
  bin=$OUT/fuzz_$name
  [ -x "$bin" ] || continue
  seeds=tests/fuzz/corpus/$name
  work=$OUT/work/$name
  mkdir -p "$work" "$seeds"
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  log=$OUT/logs/$name.log
  "$bin" "${dict[@]}" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2560 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$name-" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  if [ $rc -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
    printf '  %-14s ok     %8s runs, coverage %s\n' "$name" "${runs:-?}" "${cov:-?}"
    passed=$((passed + 1))
  else
    printf '  %-14s FAILED (log: %s)\n' "$name" "$log"
    grep -E 'ERROR:|runtime error:|SUMMARY|Test unit written|abort' "$log" | head -8 | sed 's/^/      /'
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
