#!/usr/bin/env bash
# bench/import/run.sh — the import engine on the acceptance datasets against
# a plain SQLite prepared-insert loop writing the same rows into the same
# tables in the same run (bench_import.c), plus the CDNOW_master wall time and
# peak memory of `rapport import` on growing files (memory must stay flat).
# usage: bench/import/run.sh   (from the repository root; make bench runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
B="${B:-build}"
DATA="${RAPPORT_DATA:-../shared/data}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rapport_bench_import.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
if [ ! -f "$B/librapport.a" ]; then echo "# $B/librapport.a missing: run 'make B=$B' first"; exit 1; fi
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Isrc \
    bench/import/bench_import.c "$B/librapport.a" -o "$WORK/bench_import" \
    $(make -s --no-print-directory print-libs)
echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
fresh() { rm -f "$1" "$1-wal" "$1-shm"; "$B/rapport" init --db "$1" >/dev/null; }

RETAIL_MAP='external_id=InvoiceNo,product=StockCode,description=Description,quantity=Quantity,date=InvoiceDate,unit_price=UnitPrice,party_external_id=CustomerID,country=Country'
fresh "$WORK/a.db"; fresh "$WORK/b.db"
"$WORK/bench_import" "$WORK/a.db" "$WORK/b.db" "$DATA/online_retail/online_retail_uci.csv.gz" transactions "$RETAIL_MAP" NA GBP

CDNOW_MAP='party_external_id=customer_id,date=date,quantity=number_of_cds,amount=dollar_value'
fresh "$WORK/a.db"; fresh "$WORK/b.db"
"$WORK/bench_import" "$WORK/a.db" "$WORK/b.db" "$DATA/cdnow/CDNOW_master.txt" transactions "$CDNOW_MAP" "" USD whitespace

echo "# rapport import of CDNOW_master.txt (wall time, peak memory)"
fresh "$WORK/c.db"
/usr/bin/time -f "  %e s wall, %M KB peak" "$B/rapport" import transactions "$DATA/cdnow/CDNOW_master.txt" --db "$WORK/c.db" \
    --delimiter whitespace --currency USD --map "$CDNOW_MAP" | head -1

echo "# memory as the file grows (parties, 25k → 200k rows): peak KB should stay flat"
for n in 25000 50000 100000 200000; do
  awk -v n="$n" 'BEGIN { print "name,external_id,emails,city"; for (i = 0; i < n; i++) printf "Person %d,X%d,p%d@example.com,City %d\n", i, i, i, i % 500 }' > "$WORK/p.csv"
  fresh "$WORK/m.db"
  /usr/bin/time -f "  $n rows: %e s wall, %M KB peak" "$B/rapport" import parties "$WORK/p.csv" --db "$WORK/m.db" >/dev/null
done
