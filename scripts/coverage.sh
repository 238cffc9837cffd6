#!/usr/bin/env bash
# `make coverage`: line coverage of src/ by the unit and API suites, and
# branch coverage of the authorisation module (src/http/authz.c).
# Compiles every source with gcc --coverage -O0 into $B/cov, runs the unit
# tests and the API suite (tests/api) against $B/cov/rapport, then reads the
# counters with gcov. Report: $B/cov/coverage.txt (also printed).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
OUT=$B/cov
# LAZY_PKGS: the libraries src/lib/lazylib.c loads on first use (headers only).
PKGS="$(sed -n 's/^PKGS *:= *//p' Makefile) $(sed -n 's/^LAZY_PKGS *:= *//p' Makefile)"
EXTRA_LIBS=$(sed -n 's/^PKG_LIBS *:=.*2>\/dev\/null) *//p' Makefile)
CFLAGS="-O0 -g --coverage -std=c11 -D_GNU_SOURCE -Isrc -I$B/gen -Itests/unit $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) $EXTRA_LIBS"
make -s B="$B" "$B/gen/migrations.c" "$B/gen/web_assets.c" || exit 1
mkdir -p "$OUT"
find "$OUT" -name '*.gcda' -delete
objs=()
i=0
for s in $(find src -name '*.c' | sort) "$B/gen/migrations.c" "$B/gen/web_assets.c"; do
  o=$OUT/obj/${s%.c}.o
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
    mkdir -p "$(dirname "$o")"
    cc $CFLAGS -c "$s" -o "$o" &
    i=$((i + 1)); [ $((i % 2)) -eq 0 ] && wait
  fi
done
wait
lib=$OUT/librapport-cov.a
rm -f "$lib"; ar rcs "$lib" $(printf '%s\n' "${objs[@]}" | grep -v '/src/main.o$')
cc --coverage -o "$OUT/rapport" "$OUT/obj/src/main.o" "$lib" $LIBS || exit 1

echo "== unit tests (coverage build)"
for t in tests/unit/test_*.c; do
  name=$(basename "$t" .c)
  cc $CFLAGS -o "$OUT/$name" "$t" "$lib" $LIBS -lcmocka && "$OUT/$name" >"$OUT/$name.log" 2>&1 || echo "  $name failed (see $OUT/$name.log)"
done
echo "== API tests against $OUT/rapport"
RAPPORT_BIN=$PWD/$OUT/rapport node --test --test-reporter=dot --test-concurrency=2 tests/api/*.test.mjs >"$OUT/api.log" 2>&1 \
  || echo "  some API tests failed under the coverage build (see $OUT/api.log)"

echo "== gcov"
report=$OUT/coverage.txt
python3 - "$OUT" >"$report" <<'PY'
import subprocess, sys, os, re, glob
out = sys.argv[1]
rows, tot_l, tot_lc, authz = [], 0, 0, None
for src in sorted(glob.glob('src/**/*.c', recursive=True)):
    obj_dir = os.path.join(out, 'obj', os.path.dirname(src))
    r = subprocess.run(['gcov', '-n', '-b', '-o', obj_dir, src], capture_output=True, text=True)
    cur = None; info = {}
    for line in r.stdout.splitlines():
        m = re.match(r"File '(.*)'", line)
        if m: cur = m.group(1); continue
        if cur != src: continue
        m = re.match(r'(Lines executed|Branches executed|Taken at least once):([\d.]+)% of (\d+)', line)
        if m: info[m.group(1)] = (float(m.group(2)), int(m.group(3)))
    if 'Lines executed' not in info:
        lines = 0; pct = 0.0
        info['Lines executed'] = (0.0, 0)
    pct, n = info['Lines executed']
    covered = round(pct * n / 100)
    tot_l += n; tot_lc += covered
    rows.append((src, pct, n, info.get('Taken at least once')))
    if src == 'src/http/authz.c': authz = info
print(f"{'file':<40} {'lines':>7} {'covered':>8}  branches taken")
for src, pct, n, br in rows:
    b = f"{br[0]:.1f}% of {br[1]}" if br else '-'
    print(f"{src:<40} {n:>7} {pct:>7.1f}%  {b}")
print()
print(f"TOTAL line coverage: {100.0 * tot_lc / max(tot_l, 1):.1f}% of {tot_l} lines")
if authz:
    t = authz.get('Taken at least once', (0, 0)); e = authz.get('Branches executed', (0, 0))
    print(f"src/http/authz.c: lines {authz['Lines executed'][0]:.1f}% of {authz['Lines executed'][1]}, "
          f"branches executed {e[0]:.1f}% of {e[1]}, taken at least once {t[0]:.1f}% of {t[1]} (goal: 100%)")
PY
cat "$report" | tail -3
echo "(full report: $report)"
