// Latency of GET /api/v1/parties list pages, sequential over one keep-alive
// connection: the first page and pages after cursors at random positions,
// for sort=name / -name (pinyin keys) and the peer sort=id / -id (the
// primary key). Usage: node latency.mjs BASE TOKEN MAX_ID [N]
const [base, token, maxId, nArg] = process.argv.slice(2);
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
const rnd = (n) => 1 + Math.floor(Math.random() * n);
const cursor = (v, id) => Buffer.from(JSON.stringify([v, id])).toString('base64url');
// Cursors at random positions: a random party's (name, id) / (id, id).
const names = [];
for (let i = 0; names.length < N && i < N * 3; i++) {
  const r = await fetch(`${base}/api/v1/parties/${rnd(Number(maxId))}`, { headers: H });
  if (r.status === 200) { const p = await r.json(); names.push([p.name, p.id]); } else await r.text();
}
const stats = (a) => {
  a.sort((x, y) => x - y);
  const q = (f) => a[Math.min(a.length - 1, Math.floor(f * a.length))].toFixed(2);
  return `median ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms`;
};
const cases = [
  ['sort=name, first page', () => '/api/v1/parties?sort=name&limit=50'],
  ['sort=name, after a random cursor', (i) => `/api/v1/parties?sort=name&limit=50&after=${cursor(...names[i % names.length])}`],
  ['sort=-name, after a random cursor', (i) => `/api/v1/parties?sort=-name&limit=50&after=${cursor(...names[i % names.length])}`],
  ['peer sort=id, first page', () => '/api/v1/parties?sort=id&limit=50'],
  ['peer sort=id, after a random cursor', (i) => `/api/v1/parties?sort=id&limit=50&after=${cursor(names[i % names.length][1], names[i % names.length][1])}`],
];
for (const [label, path] of cases) {
  for (let i = 0; i < 20; i++) await get(path(i));   // warm
  const a = [];
  let rows = 0;
  for (let i = 0; i < N; i++) { const { ms, body } = await get(path(i)); a.push(ms); rows += body.items.length; }
  console.log(`  ${label.padEnd(38)} ${stats(a)}  (${N} requests, ${(rows / N).toFixed(1)} rows each)`);
}
