// Latency of a team's case queue (issue 19): GET /api/v1/cases filtered to
// one of 20 teams, open, ordered by resolution due time, 50 a page; the
// breaching-soon view (due within a day); and the peer: the same page of
// all open cases ordered by id. Usage: node queue.mjs BASE TOKEN [N]
const [base, token, nArg] = process.argv.slice(2);
const N = Number(nArg || 300);
const H = { Authorization: `Bearer ${token}` };
const get = async (p) => {
  const t = process.hrtime.bigint();
  const r = await fetch(base + p, { headers: H });
  const body = await r.json();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 200) throw new Error(`${p}: ${r.status} ${JSON.stringify(body)}`);
  return { ms, body };
};
const stats = (a) => {
  a.sort((x, y) => x - y);
  const q = (f) => a[Math.min(a.length - 1, Math.floor(f * a.length))].toFixed(2);
  return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms`;
};
const soon = () => encodeURIComponent(new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z'));
const cases = [
  ["a team's open queue, by resolution due", (i) => `/api/v1/cases?team_id=${1 + (i % 20)}&status=open&sort=resolution_due_at&limit=50`],
  ["a team's queue, by id", (i) => `/api/v1/cases?team_id=${1 + (i % 20)}&limit=50`],
  ["a team's breaching soon", (i) => `/api/v1/cases?team_id=${1 + (i % 20)}&status=open&resolution_due_at_to=${soon()}&sort=resolution_due_at&limit=50`],
  ['peer: all open cases, by id', () => '/api/v1/cases?status=open&limit=50'],
];
for (const [label, path] of cases) {
  for (let i = 0; i < 20; i++) await get(path(i));   // warm
  const a = [];
  let rows = 0;
  for (let i = 0; i < N; i++) { const { ms, body } = await get(path(i)); a.push(ms); rows += body.items.length; }
  console.log(`  ${label.padEnd(42)} ${stats(a)}  (${N} requests, ${(rows / N).toFixed(1)} rows each)`);
}
