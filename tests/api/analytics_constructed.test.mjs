// Constructed customers whose labels are known, end to end: transactions
// and custom fields go in through the API, a run computes, the scores come
// back with the expected tier, stage, RFM segment, loyalty, behaviour,
// strategy, priority, competitors' share and service tier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

const srv = new Server();
let c;
const ids = {};
const daysAgo = (d) => new Date(Date.now() - d * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

async function party(name, custom = {}) {
  const r = await c.post('/api/v1/parties', { kind: 'person', name, roles: ['customer'], custom });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

async function buy(id, days, amount, cost, extra = {}) {
  const r = await c.post('/api/v1/transactions', {
    party_id: id, occurred_at: daysAgo(days), amount: { amount, currency: 'CNY' },
    ...(cost === null ? {} : { cost: { amount: cost, currency: 'CNY' } }), ...extra,
  });
  assert.equal(r.status, 201, r.text);
}

before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  const rival = (await c.post('/api/v1/parties', { kind: 'organization', name: 'Rival Ltd', roles: ['competitor'] })).body.id;
  // The whale: every week for a year, big baskets, last one yesterday.
  ids.whale = await party('Whale', { satisfaction: 5, assets: 150000000 });
  for (let w = 0; w < 52; w++) await buy(ids.whale, 1 + 7 * w, 2000000, 1000000);
  // Lapsed: ten purchases 30 to 40 weeks ago, nothing since.
  ids.lapsed = await party('Lapsed');
  for (let k = 0; k < 10; k++) await buy(ids.lapsed, 210 + 7 * k, 30000, 20000);
  // Newbie: one purchase three days ago.
  ids.newbie = await party('Newbie');
  await buy(ids.newbie, 3, 20000, 12000);
  // Loss-maker: costs more than it pays.
  ids.loss = await party('Loss maker');
  await buy(ids.loss, 100, 10000, 50000);
  await buy(ids.loss, 50, 10000, 50000);
  // Split buyer: a quarter from us, three quarters from a competitor.
  ids.split = await party('Split buyer');
  await buy(ids.split, 20, 100000, 60000);
  await buy(ids.split, 40, 300000, null, { competitor_id: rival });
  // Fillers: a few middling purchases each.
  for (let i = 0; i < 15; i++) {
    const id = await party(`Filler ${i}`);
    for (let k = 0; k < 1 + (i % 3); k++) await buy(id, 30 + 40 * k + i, 40000 + 1000 * i, 30000);
  }
  const r = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
});
after(async () => { await srv.stop(); srv.cleanup(); });

const scores = async (id) => {
  const r = await c.get(`/api/v1/parties/${id}/scores`);
  assert.equal(r.status, 200, r.text);
  return r.body;
};

test('the whale is platinum, champions, A+ and served as private wealth', async () => {
  const s = await scores(ids.whale);
  assert.equal(s.tier.label, 'platinum', s.tier.explanation);
  assert.equal(s.strategy.label, 'submissive');
  assert.equal(s.rfm.segment ?? s.rfm.label, 'champions', s.rfm.explanation);
  assert.deepEqual([s.rfm.r, s.rfm.f, s.rfm.m], [5, 5, 5]);
  assert.equal(s.lifecycle.label, 'stability', s.lifecycle.explanation);
  assert.equal(s.loyalty.label, 'loyal', s.loyalty.explanation);
  assert.equal(s.behaviour.label, 'loyal', s.behaviour.explanation);
  assert.equal(s.behaviour.attitude, 'high');
  assert.equal(s.priority.label, 'A+', s.priority.explanation);
  assert.equal(s.service_tier.level, 2);
  assert.equal(s.service_tier.label, 'personal_wealth');
  assert.equal(s.summary.transactions, 52);
  assert.equal(s.summary.revenue, 52 * 2000000);
  assert.equal(s.summary.profit, 52 * 1000000);
  assert.ok(s.model.p_alive > 0.9, s.model.explanation);
  assert.ok(s.clv.potential > 0 && s.clv.current > s.clv.potential / 3);
});

test('the lapsed customer is in decline', async () => {
  const s = await scores(ids.lapsed);
  assert.equal(s.lifecycle.label, 'decline', s.lifecycle.explanation);
  assert.equal(s.summary.repeat_purchases, 9);
  assert.ok(s.rfm.r <= 2, s.rfm.explanation);
  assert.equal(s.behaviour.label, 'unknown');
  assert.equal(s.behaviour.attitude, 'unknown');
});

test('the newbie is new and in exploration', async () => {
  const s = await scores(ids.newbie);
  assert.equal(s.lifecycle.label, 'exploration', s.lifecycle.explanation);
  assert.equal(s.loyalty.label, 'new');
  assert.equal(s.rfm.segment ?? s.rfm.label, 'new', s.rfm.explanation);
  assert.equal(s.summary.repeat_purchases, 0);
});

test('the loss-maker is lead and gets the indifferent strategy', async () => {
  const s = await scores(ids.loss);
  assert.equal(s.tier.label, 'lead', s.tier.explanation);
  assert.equal(s.strategy.label, 'indifferent');
  assert.equal(s.strategy.name_zh, '冷漠型');
  assert.ok(s.summary.net_profit < 0);
});

test('purchases from a competitor count toward its share, not our revenue', async () => {
  const s = await scores(ids.split);
  assert.equal(s.summary.revenue, 100000);
  assert.equal(s.summary.competitor_amount, 300000);
  assert.equal(s.summary.competitor_share, 0.75);
  assert.equal(s.summary.transactions, 1);
});

test('summary: tiers add up to the buyers, equity is the sum of CLVs', async () => {
  const r = await c.get('/api/v1/analytics/summary');
  assert.equal(r.status, 200);
  const s = r.body;
  assert.equal(s.buyers, 20);
  assert.equal(Object.values(s.counts.tier).reduce((a, b) => a + b, 0), 20);
  assert.equal(s.counts.tier.platinum, 1);
  let sum = 0;
  for (const id of Object.values(ids)) sum += (await scores(id)).clv.total;
  assert.ok(s.customer_equity.total > sum);
});
