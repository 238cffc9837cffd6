// The forecast (issue 18): per month, the weighted pipeline (amount ×
// probability by expected close month, converted at today's rates) plus
// the run-rate of existing customers from the analytics (expected
// purchases × expected spend spread over the horizon from today), against
// what was won and bought in past periods; by user and team; a missing
// rate makes the converted figure null and names the currency.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec } from './harness.mjs';

const PW = 'a long enough password';
function month(offset) {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
  return m.toISOString().slice(0, 7);
}
const daysIn = (ym) => new Date(Date.UTC(+ym.slice(0, 4), +ym.slice(5, 7), 0)).getUTCDate();

test('weighted pipeline + run-rate, against won and transactions; by user; scope; a missing rate', async () => {
  const srv = await new Server().start();
  try {
    addUser(srv.db, 'a@test.local', 'sales');
    addUser(srv.db, 'b@test.local', 'sales');
    const a = await srv.login('a@test.local', PW);
    const b = await srv.login('b@test.local', PW);
    const admin = await srv.login();
    await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2020-01-01', rate: '7' });
    const pid = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'Relationship marketing').id;
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: '北京燕京', owner_id: a.user.id })).body;
    const next = month(1), cur = month(0), prev = month(-1);
    const mk = async (body) => {
      const r = await admin.post('/api/v1/opportunities', { party_id: party.id, pipeline_id: pid, ...body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    await mk({ name: 'plan', stage: 'plan', owner_id: a.user.id, amount: { amount: 10000, currency: 'CNY' }, expected_close_on: `${next}-10` });
    await mk({ name: 'usd', owner_id: b.user.id, probability: 25, amount: { amount: 2000, currency: 'USD' }, expected_close_on: `${next}-20` });
    const w = await mk({ name: 'won', owner_id: a.user.id, amount: { amount: 3000, currency: 'CNY' }, expected_close_on: `${cur}-01` });
    assert.equal((await admin.patch(`/api/v1/opportunities/${w.id}`, { status: 'won', version: w.version })).status, 200);
    const t = await admin.post('/api/v1/transactions', { party_id: party.id, occurred_at: `${prev}-15T10:00:00Z`, amount: { amount: 4000, currency: 'CNY' } });
    assert.equal(t.status, 201, t.text);
    // The analytics' expectation for the customer: 2 purchases × 364.00 over 52 weeks = 2.00 a day.
    sqlExec(srv.db, `INSERT INTO score(party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve, net_profit,
      competitor_amount, expected_purchases, expected_spend) VALUES (?, '2026-01-01T00:00:00Z', 1, 0, 0, 0, 0, 0, 0, 0, 2.0, 36400)`, party.id);

    const r = await admin.get(`/api/v1/forecast?period=month&from=${prev}&to=${month(14)}`);
    assert.equal(r.status, 200, r.text);
    const by = Object.fromEntries(r.body.periods.map((p) => [p.period, p]));
    assert.equal(r.body.currency, 'CNY');
    const n = by[next];
    assert.deepEqual(n.weighted.by_currency.map((x) => [x.currency, x.amount]).sort(), [['CNY', 5000], ['USD', 500]]);
    assert.equal(n.weighted.converted.amount, 5000 + 3500);
    assert.equal(n.open.converted.amount, 10000 + 14000);
    assert.equal(n.run_rate.converted.amount, daysIn(next) * 200);
    assert.equal(n.forecast.amount, 8500 + daysIn(next) * 200, 'weighted + run-rate');
    assert.equal(n.won, null, 'nothing actual in the future');
    // This month: won counts as actual; the run-rate covers the rest of the month only.
    assert.equal(by[cur].won.converted.amount, 3000);
    assert.ok(by[cur].run_rate.converted.amount > 0 && by[cur].run_rate.converted.amount <= daysIn(cur) * 200);
    // Last month: the transactions; no run-rate for the past.
    assert.equal(by[prev].transactions.converted.amount, 4000);
    assert.equal(by[prev].run_rate, null);
    assert.equal(by[prev].forecast.amount, 0);
    // Beyond the analytics horizon (52 weeks) the run-rate is not guessed.
    assert.equal(by[month(14)].run_rate, null);
    // By user: the groups add up to the whole.
    const g = (await admin.get(`/api/v1/forecast?from=${next}&to=${next}&by=user`)).body;
    const ga = g.groups.find((x) => x.id === a.user.id), gb = g.groups.find((x) => x.id === b.user.id);
    assert.equal(ga.periods[0].weighted.converted.amount, 5000);
    assert.equal(gb.periods[0].weighted.converted.amount, 3500);
    assert.equal(ga.periods[0].run_rate.converted.amount, daysIn(next) * 200, "the customer's owner's run-rate");
    assert.equal(g.periods[0].weighted.converted.amount, 8500);
    // Quarters roll the months up.
    const q = (await admin.get(`/api/v1/forecast?period=quarter&from=${next}&to=${next}`)).body;
    assert.match(q.periods[0].period, /^\d{4}-Q[1-4]$/);
    assert.equal(q.periods[0].weighted.converted.amount, 8500);
    // A salesperson's forecast holds their own opportunities only.
    const fb = (await b.get(`/api/v1/forecast?from=${next}&to=${next}`)).body;
    assert.equal(fb.periods[0].weighted.converted.amount, 3500);
    assert.equal(fb.periods[0].run_rate.converted.amount, 0, "b owns no customer");
    // A currency without a rate: the converted figures are null and it is named.
    await mk({ name: 'eur', owner_id: a.user.id, amount: { amount: 100, currency: 'EUR' }, expected_close_on: `${next}-05` });
    const m = (await admin.get(`/api/v1/forecast?from=${next}&to=${next}`)).body.periods[0];
    assert.equal(m.weighted.converted.amount, null);
    assert.deepEqual(m.weighted.converted.missing, ['EUR']);
    assert.equal(m.forecast.amount, null);
    // Parameters.
    assertError(await admin.get('/api/v1/forecast?period=week'), 400, 'invalid_parameter', 'period');
    assertError(await admin.get('/api/v1/forecast?from=2027-1'), 400, 'invalid_parameter', 'from');
    assertError(await admin.get('/api/v1/forecast?from=2027-05&to=2027-01'), 400, 'invalid_parameter', 'to');
    assertError(await admin.get('/api/v1/forecast?from=2020-01&to=2027-01'), 400, 'invalid_parameter', 'to');
    assertError(await admin.get('/api/v1/forecast?by=x'), 400, 'invalid_parameter', 'by');
  } finally { await srv.stop(); srv.cleanup(); }
});
