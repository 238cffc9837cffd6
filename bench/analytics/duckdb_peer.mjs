// duckdb_peer.mjs — the DuckDB side of bench/analytics/run.sh: loads the
// rows bench_store wrote (party,day,amount; purchases from competitors are
// left out) into an in-memory DuckDB table (not timed), then times, best of
// 3, the per-customer count, sum and last date over them, materialised as
// a table. Prints "name value unit" lines like bench_store.
// usage: node duckdb_peer.mjs ROWS.csv
import { DuckDBInstance } from '@duckdb/node-api';
import { availableParallelism } from 'node:os';

const csv = process.argv[2];
const threads = process.env.RAPPORT_THREADS || String(availableParallelism());
const inst = await DuckDBInstance.create(':memory:', { threads });
const con = await inst.connect();
let t = performance.now();
await con.run(`CREATE TABLE t AS SELECT * FROM read_csv('${csv.replace(/'/g, "''")}', header = true,
  columns = {'party': 'BIGINT', 'day': 'INTEGER', 'amount': 'BIGINT'})`);
console.log(`duckdb_load_csv ${((performance.now() - t) / 1000).toFixed(3)} s (not part of the comparison)`);
let best = Infinity, bestCpu = Infinity;
for (let round = 0; round < 3; round++) {
  t = performance.now();
  const c0 = process.cpuUsage(); // the whole process: DuckDB's threads too
  await con.run(`CREATE OR REPLACE TEMP TABLE r AS
    SELECT party, count(*) AS n, sum(amount) AS revenue, max(day) AS last_day FROM t GROUP BY party`);
  best = Math.min(best, (performance.now() - t) / 1000);
  const c = process.cpuUsage(c0);
  bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
}
const check = await con.runAndReadAll('SELECT count(*), sum(n) FROM r');
const [groups, rows] = check.getRows()[0];
console.log(`duckdb_count_sum_last ${best.toFixed(3)} s (${groups} customers, ${rows} rows, ${threads} threads)`);
console.log(`duckdb_count_sum_last_cpu ${bestCpu.toFixed(3)} s (user + system, all threads)`);
