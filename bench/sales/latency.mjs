// Latency of sales endpoints, sequential over one keep-alive connection.
// Usage: node latency.mjs BASE EMAIL PASSWORD N LABEL::PATH...
// Logs in with the session cookie, warms each path up (10 requests), then
// prints median / p95 / p99 / max of N requests per path.
const [base, email, password, nArg, ...cases] = process.argv.slice(2);
const N = Number(nArg || 200);
const login = await fetch(`${base}/api/v1/session`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
});
if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${await login.text()}`);
const cookie = login.headers.get('set-cookie').split(';')[0];
const get = async (p) => {
  const t = process.hrtime.bigint();
  const r = await fetch(base + p, { headers: { Cookie: cookie } });
  const text = await r.text();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 200) throw new Error(`${p}: ${r.status} ${text}`);
  return { ms, bytes: text.length, body: text };
};
// CPU time of the server (utime + stime, from /proc) when SERVER_PID is
// given: a figure that the machine's load moves less than wall time.
import { readFileSync } from 'node:fs';
const pid = process.env.SERVER_PID;
const ticks = () => {
  if (!pid) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const q = (a, f) => a[Math.min(a.length - 1, Math.floor(f * a.length))].toFixed(2);
for (const c of cases) {
  const i = c.indexOf('::');
  const label = c.slice(0, i), path = c.slice(i + 2);
  for (let k = 0; k < Math.min(10, N); k++) await get(path);
  const a = [];
  let last;
  const t0 = ticks();
  for (let k = 0; k < N; k++) { last = await get(path); a.push(last.ms); }
  const cpu = pid ? `, server CPU ${((ticks() - t0) * 10 / N).toFixed(2)} ms/request` : '';
  a.sort((x, y) => x - y);
  // What the last answer held: a board's count, a forecast's periods.
  let what = '';
  try {
    const j = JSON.parse(last.body);
    if (j.columns) what = `, ${j.columns.reduce((n, c) => n + c.count, 0)} on the board`;
    if (j.periods) what = `, ${j.periods.length} periods`;
    if (j.items) what = `, ${j.items.length} items`;
  } catch { /* not JSON */ }
  console.log(`  ${label}: n=${N} median ${q(a, 0.5)} ms, p95 ${q(a, 0.95)} ms, p99 ${q(a, 0.99)} ms, max ${a.at(-1).toFixed(2)} ms (${last.bytes} bytes${what})${cpu}`);
  if (process.env.BENCH_SHOW) console.log(last.body.slice(0, 600));
}
