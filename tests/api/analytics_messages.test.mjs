// Structured explanations of GET /parties/{id}/scores (issue 6): every
// explanation comes with a message id and parameters the UI translates,
// consistent with the numbers of the same answer; users who may not see
// transaction costs get no cost or profit parameter; rows stored before
// messages existed still read (text only, explanation_message null).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, sqlRows, storedExplanation, storeExplanationText, ON_POSTGRES } from './harness.mjs';

const srv = new Server();
let c;
const ids = {};
const daysAgo = (d) => new Date(Date.now() - d * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

async function party(client, name, custom = {}) {
  const r = await client.post('/api/v1/parties', { kind: 'person', name, roles: ['customer'], custom });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

async function buy(id, days, amount, cost) {
  const r = await c.post('/api/v1/transactions', {
    party_id: id, occurred_at: daysAgo(days), amount: { amount, currency: 'CNY' },
    cost: { amount: cost, currency: 'CNY' },
  });
  assert.equal(r.status, 201, r.text);
}

let sales;
before(async () => {
  await srv.start();
  c = await srv.tokenClient();
  const u = addUser(srv.db, 'sales.msg@test.local', 'sales');
  sales = await srv.tokenClient(u.email, u.password);
  // Steady: every four weeks for a year, satisfied, with assets and a worksheet.
  ids.steady = await party(c, 'Steady', { satisfaction: 5, assets: 150000000, prospect_score: 6 });
  for (let k = 0; k < 13; k++) await buy(ids.steady, 2 + 28 * k, 120000, 70000);
  // A customer of the sales user (who may not see costs).
  ids.sales = await party(sales, 'Sales own customer');
  await buy(ids.sales, 5, 50000, 10000);
  await buy(ids.sales, 60, 40000, 10000);
  for (let i = 0; i < 12; i++) {
    const id = await party(c, `Filler ${i}`);
    for (let k = 0; k < 1 + (i % 3); k++) await buy(id, 20 + 45 * k + i, 30000 + 1000 * i, 20000);
  }
  const r = await c.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
});
after(async () => { await srv.stop(); srv.cleanup(); });

const scores = async (client, id) => {
  const r = await client.get(`/api/v1/parties/${id}/scores`);
  assert.equal(r.status, 200, r.text);
  return r.body;
};

const KEYS = {
  summary: 'summary', rfm: 'rfm', tier: 'tier', model: 'model', clv: 'clv', value_quadrant: 'value_quadrant',
  future_matrix: 'future_matrix', profit_matrix: 'profit_matrix', lifecycle: 'lifecycle', loyalty: 'loyalty',
  behaviour: 'behaviour', strategy: 'strategy', priority: 'priority', service_tier: 'service_tier',
  prospect_score: 'prospect',
};
const money = (amount) => ({ amount, currency: 'CNY' });

test('every explanation has a message id and parameters consistent with the facts', async () => {
  const s = await scores(c, ids.steady);
  for (const [field, key] of Object.entries(KEYS)) {
    const m = s[field].explanation_message;
    assert.ok(m && m.key === key, `${field}: ${JSON.stringify(s[field])}`);
    assert.match(m.message, /^[a-z_]+\.[a-z_]+$/, field);
    assert.equal(typeof m.params, 'object');
    assert.ok(typeof s[field].explanation === 'string' && s[field].explanation.length > 10, field);
  }
  const sum = s.summary.explanation_message;
  assert.equal(sum.message, 'summary.purchases');
  assert.equal(sum.params.transactions, 13);
  assert.equal(sum.params.transactions, s.summary.transactions);
  assert.equal(sum.params.repeat, s.summary.repeat_purchases);
  assert.deepEqual(sum.params.first_purchase, { date: s.summary.first_purchase });
  assert.deepEqual(sum.params.last_purchase, { date: s.summary.last_purchase });
  assert.deepEqual(sum.params.revenue, money(13 * 120000));
  assert.deepEqual(sum.params.cost, money(s.summary.cost));
  assert.deepEqual(sum.params.profit, money(13 * 50000));
  assert.deepEqual(sum.params.net_profit, money(s.summary.net_profit));

  const rfm = s.rfm.explanation_message;
  assert.equal(rfm.message, 'rfm.quintiles');
  assert.equal(rfm.params.recency_days, s.summary.recency_days);
  assert.equal(rfm.params.recency_days, 2);
  assert.deepEqual([rfm.params.r, rfm.params.f, rfm.params.m], [s.rfm.r, s.rfm.f, s.rfm.m]);
  assert.equal(rfm.params.purchase_days, 13);
  assert.deepEqual(rfm.params.mean_spend, money(120000));
  assert.equal(rfm.params.buyers, 14);
  assert.deepEqual(rfm.params.segment, { vocab: 'rfm', value: s.rfm.label });

  assert.deepEqual(s.tier.explanation_message.params.tier, { vocab: 'tier', value: s.tier.label });
  assert.deepEqual(s.tier.explanation_message.params.net_profit, money(s.summary.net_profit));
  const model = s.model.explanation_message;
  assert.match(model.message, /^model\.(gamma_gamma|own_spend)$/);
  assert.equal(model.params.model, 'BG/NBD');
  assert.ok(Math.abs(model.params.p_alive - s.model.p_alive) <= 0.0005, JSON.stringify(model));
  assert.equal(model.params.weeks, s.model.horizon_weeks);
  const clv = s.clv.explanation_message.params;
  assert.deepEqual([clv.total, clv.historical, clv.current, clv.potential],
    [money(s.clv.total), money(s.clv.historical), money(s.clv.current), money(s.clv.potential)]);
  assert.deepEqual(s.value_quadrant.explanation_message.params.quadrant, { vocab: 'tier', value: s.value_quadrant.label });
  assert.deepEqual(s.value_quadrant.explanation_message.params.strategy, { vocab: 'value_strategy', value: s.value_quadrant.strategy });
  assert.deepEqual(s.future_matrix.explanation_message.params.cell, { vocab: 'future_matrix', value: s.future_matrix.label });
  assert.deepEqual(s.profit_matrix.explanation_message.params.cell, { vocab: 'profit_matrix', value: s.profit_matrix.label });
  assert.deepEqual(s.lifecycle.explanation_message.params.stage, { vocab: 'lifecycle', value: s.lifecycle.label });
  assert.deepEqual(s.loyalty.explanation_message.params.loyalty, { vocab: 'loyalty_class', value: s.loyalty.label });
  assert.equal(s.behaviour.explanation_message.message, 'behaviour.high_attitude');
  assert.equal(s.behaviour.explanation_message.params.satisfaction, 5);
  assert.deepEqual(s.behaviour.explanation_message.params.behaviour, { vocab: 'behaviour', value: s.behaviour.label });
  assert.deepEqual(s.strategy.explanation_message.params.strategy, { vocab: 'strategy', value: s.strategy.label });
  assert.equal(s.priority.explanation_message.params.priority, s.priority.label);
  const svc = s.service_tier.explanation_message;
  assert.equal(svc.message, 'service_tier.above');
  assert.deepEqual(svc.params.assets, money(150000000));
  assert.deepEqual(svc.params.threshold, money(100000000));
  assert.equal(svc.params.level, s.service_tier.level);
  assert.deepEqual(svc.params.service_tier, { vocab: 'service_tier', value: 'personal_wealth' });
  assert.deepEqual(s.prospect_score.explanation_message, { key: 'prospect', message: 'prospect.worksheet', params: { score: 6 } });
});

// Names of parameters that quote costs or reveal the margin.
const COSTLY = new Set(['cost', 'profit', 'net_profit', 'historical', 'historical_cut', 'profit_cut', 'platinum_min', 'gold_min']);
function costParams(s) {
  const found = [];
  for (const v of Object.values(s)) {
    const m = v && typeof v === 'object' ? v.explanation_message : null;
    if (!m) continue;
    for (const name of Object.keys(m.params)) if (COSTLY.has(name)) found.push(`${m.key}.${name}`);
  }
  return found;
}

test('a user who may not see costs gets no cost or profit parameter', async () => {
  const admin = await scores(c, ids.sales);
  // The admin sees them (so this test can fail) ...
  assert.ok(costParams(admin).includes('summary.cost'), JSON.stringify(costParams(admin)));
  assert.ok(costParams(admin).includes('tier.net_profit'));
  // ... the sales user does not, anywhere, and reads "hidden" where the text does.
  const s = await scores(sales, ids.sales);
  assert.deepEqual(costParams(s), []);
  for (const k of ['summary', 'clv']) {
    assert.match(s[k].explanation, /hidden/);
    assert.deepEqual(s[k].explanation_message, { key: k, message: 'hidden.costs', params: {} });
  }
  // Labels ranked by net profit go whole, with their explanations (issue 14).
  for (const k of ['tier', 'future_matrix', 'profit_matrix', 'strategy']) assert.ok(!(k in s), k);
  assert.ok(!JSON.stringify(s).includes('"amount":10000,'), 'no cost amount anywhere');
  // What the role may see keeps its message.
  assert.equal(s.rfm.explanation_message.message, 'rfm.quintiles');
  assert.deepEqual(s.rfm.explanation_message, admin.rfm.explanation_message);
});

test('a party without transactions: the loyalty message', async () => {
  const id = await party(c, 'Nobody yet');
  const s = await scores(c, id);
  assert.equal(s.scored, false);
  assert.deepEqual(s.loyalty.explanation_message, { key: 'loyalty', message: 'loyalty.no_transaction', params: {} });
});

test('a row stored before messages existed reads with its text and a null message', { skip: ON_POSTGRES && "on PostgreSQL: rows of versions before messages exist only in SQLite databases (the PostgreSQL column is bytea from the start)" }, async () => {
  const stored = storedExplanation(srv.db, ids.steady);
  assert.ok(stored.messages && stored.rfm, 'new rows hold texts and messages');
  // Stored deflated: well under the JSON's size.
  // (a binary value comes out of `rapport db query --json` as "\\x" + hex)
  const [[raw]] = sqlRows(srv.db, 'SELECT explanation FROM score WHERE party_id = ?', Number(ids.steady));
  assert.match(raw, /^\\x[0-9a-f]+$/, 'stored as binary');
  const bytes = (raw.length - 2) / 2;
  assert.ok(bytes < JSON.stringify(stored).length / 2, `${bytes} bytes stored for ${JSON.stringify(stored).length} of JSON`);
  delete stored.messages;
  storeExplanationText(srv.db, ids.steady, stored);
  const s = await scores(c, ids.steady);
  for (const field of Object.keys(KEYS)) {
    assert.equal(s[field].explanation_message, null, field);
    assert.ok(typeof s[field].explanation === 'string' && s[field].explanation.length > 10, field);
  }
});
