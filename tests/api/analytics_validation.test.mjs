// Holdout validation in the server (issue 16 part 3): with the setting
// holdout_weeks, a run fits the purchase model without the last N weeks and
// reports predicted against actual repeat purchases of those weeks, by
// calibration frequency and cumulatively week by week. Constructed
// customers make the actual figures known exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

const srv = new Server();
let c;
// Noon (UTC) of the day d days ago: d >= 1, so always in the past, and on
// that calendar day whatever the time of the test.
const daysAgo = (d) => new Date(Math.floor(Date.now() / 86400000) * 86400000 + 43200000 - d * 86400000)
  .toISOString().replace(/\.\d+Z$/, 'Z');

async function buy(id, days, amount = 10000) {
  const r = await c.post('/api/v1/transactions', { party_id: id, occurred_at: daysAgo(days), amount: { amount, currency: 'CNY' } });
  assert.equal(r.status, 201, r.text);
}

// 24 customers; customer i buys first 200 + i days ago, then every
// 20 + i days while "alive" (the first 16 stay alive to today, the others
// stop 120 days ago). Expected figures counted here from the same plan.
const HOLDOUT_WEEKS = 10;
const plan = [];
for (let i = 0; i < 24; i++) {
  const days = [];
  for (let d = 200 + i; d >= 1; d -= 20 + i) if (i < 16 || d > 120) days.push(d);
  plan.push(days);
}
const hold = HOLDOUT_WEEKS * 7;

before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  for (let i = 0; i < plan.length; i++) {
    const r = await c.post('/api/v1/parties', { kind: 'person', name: `Validation ${i}`, roles: ['customer'] });
    assert.equal(r.status, 201, r.text);
    for (const d of plan[i]) await buy(r.body.id, d);
  }
});
after(async () => { await srv.stop(); srv.cleanup(); });

test('without holdout_weeks a run has no validation', async () => {
  const r = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  const s = (await c.get('/api/v1/analytics/summary')).body;
  assert.equal(s.run.result.validation, null);
});

test('a run with holdout_weeks reports predicted against actual for the held-out weeks', async () => {
  let r = await c.request('PUT', '/api/v1/analytics/settings', { holdout_weeks: HOLDOUT_WEEKS });
  assert.equal(r.status, 200, r.text);
  r = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  const v = (await c.get('/api/v1/analytics/summary')).body.run.result.validation;
  assert.ok(v && !v.error, JSON.stringify(v));
  assert.equal(v.holdout_weeks, HOLDOUT_WEEKS);
  assert.equal(v.model, 'bgnbd');
  assert.equal(v.customers, 24);
  // Actual holdout repeat purchases: purchases within the last 70 days
  // that are not a customer's first; by calibration frequency.
  const bins = Array.from({ length: 8 }, () => ({ n: 0, actual: 0 }));
  let total = 0, repeats = 0;
  for (const days of plan) {
    // The calibration ends at today - 70 days inclusive; the holdout is after.
    const cal = days.filter((d) => d >= hold), inHold = days.filter((d) => d < hold).length;
    const b = Math.min(cal.length - 1, 7);
    bins[b].n++;
    bins[b].actual += inHold;
    total += inHold;
    repeats += days.length - 1;
  }
  assert.equal(v.holdout_actual, total);
  assert.equal(v.by_frequency.length, 8);
  v.by_frequency.forEach((f, b) => {
    assert.equal(f.frequency, b === 7 ? '7+' : String(b));
    assert.equal(f.customers, bins[b].n);
    if (bins[b].n) assert.ok(Math.abs(f.actual - bins[b].actual / bins[b].n) < 1e-9, `bin ${b}`);
    assert.ok(Number.isFinite(f.predicted) && f.predicted >= 0);
  });
  // Cumulative: weeks from the first purchase to today; the last actual
  // figure is every repeat purchase, and the forecast rises.
  const cum = v.cumulative;
  assert.equal(cum[cum.length - 1].actual, repeats);
  for (let w = 1; w < cum.length; w++) {
    assert.equal(cum[w].week, w + 1);
    assert.ok(cum[w].actual >= cum[w - 1].actual && cum[w].predicted >= cum[w - 1].predicted);
  }
  assert.ok(v.calibration_weeks > 0 && v.calibration_weeks < cum.length);
  assert.ok(Number.isFinite(v.mae) && Number.isFinite(v.error_pct) && v.holdout_predicted > 0);
  assert.ok(Math.abs(v.error_pct - 100 * (v.holdout_predicted - total) / total) < 1e-6);
});
