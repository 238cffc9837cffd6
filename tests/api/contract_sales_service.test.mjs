// The written contract of issues 18 (sales) and 19 (service), checked where
// the suites of those issues (leads, opportunities, orders, sales_board,
// forecast, sales_reports, calendar, service, surveys, escalation,
// service_followups) left a gap: the paths, field names and values of their
// "API shape" paragraphs as the served OpenAPI description declares them;
// the board's team and tier filters, the forecast and the reports by team, a
// won deal converted at the rate of its own day; assignment by industry and
// source; a 调休 weekend day worked with Monday's hours, the hours keyed
// mon … sun, an SLA policy's exact fields, opened_at's default; the surveys
// collection and a survey after a sales order's delivery; a survey's answer
// read by the analytics' behaviour classification; calendars imported as
// data; and the authorisation matrix of every sales and service endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sqlExec, waitJob } from './harness.mjs';
import { ROLES, roleClients, runMatrix, assertAnonymous } from './authz_matrix.mjs';

const PW = 'a long enough password';
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const today = () => new Date().toISOString().slice(0, 10);
const D9 = ['confirmed', 'file_created', 'shipped', 'delivered', 'paid', 'identity_verified', 'goods_inspected', 'card_handed_over',
  'file_confirmed', 'payment_collected', 'deal_confirmed'];

test('the served OpenAPI description declares the paths, fields and values the issues write down', async () => {
  const srv = await new Server().start();
  try {
    const spec = await (await fetch(srv.base + '/api/v1/openapi.json')).json();
    const P = spec.paths, S = spec.components.schemas;
    const has = (path, ...methods) => {
      assert.ok(P[path], `${path} is served`);
      for (const m of methods) assert.ok(P[path][m], `${m.toUpperCase()} ${path}`);
    };
    // Issue 18: the collections "with the foundation's conventions" (list + create, get, patch, delete).
    for (const c of ['leads', 'pipelines', 'opportunities', 'price-lists', 'quotes', 'orders', 'exchange-rates',
      'cases', 'business-calendars', 'sla-policies']) {
      has(`/api/v1/${c}`, 'get', 'post');
      has(`/api/v1/${c}/{id}`, 'get', 'patch', 'delete');
    }
    // Issue 19 names /api/v1/surveys a collection too: it is listed and made; one is read.
    has('/api/v1/surveys', 'get', 'post');
    has('/api/v1/surveys/{id}', 'get');
    has('/api/v1/leads/{id}/convert', 'post');
    has('/api/v1/pipelines/{id}/board', 'get');
    has('/api/v1/quotes/{id}/pdf', 'get');
    has('/api/v1/forecast', 'get');
    has('/api/v1/calendar-feeds', 'post');
    // The public pages are outside /api/v1/ and need no login.
    has('/survey/{token}', 'get', 'post');
    has('/calendar/{feed}', 'get');
    for (const [p, m] of [['/survey/{token}', 'get'], ['/survey/{token}', 'post'], ['/calendar/{feed}', 'get']])
      assert.deepEqual(P[p][m].security, [], `${m} ${p} needs no login`);

    const conv = S.LeadConverted.properties;
    assert.ok(conv.party_id && conv.opportunity_id, 'convert answers party_id and opportunity_id');
    const opp = S.Opportunity.properties;
    for (const f of ['party_id', 'pipeline_id', 'stage', 'amount', 'expected_close_on', 'status']) assert.ok(opp[f], `opportunity.${f}`);
    assert.equal(opp.amount.$ref || opp.amount.properties?.currency ? 'money' : null, 'money', 'amount is money');
    assert.deepEqual(opp.status.enum.filter((x) => x !== null), ['open', 'won', 'lost']);
    assert.deepEqual(S.Order.properties.status.enum.filter((x) => x !== null), D9, "an order's status: the D9 steps, ending in deal_confirmed");
    const board = S.PipelineBoard.properties.columns.items.properties;
    assert.ok(board.count && board.totals, 'board columns carry counts and totals');
    assert.ok(P['/api/v1/quotes/{id}/pdf'].get.responses['200'].content['application/pdf']);
    const forecastPeriod = P['/api/v1/forecast'].get.parameters.find((x) => x.name === 'period');
    assert.ok(forecastPeriod.schema.enum.includes('month'));
    assert.ok(S.CalendarFeedCreated.required.includes('url'));

    const cal = S.BusinessCalendar.properties;
    for (const f of ['time_zone', 'hours', 'holidays', 'working_days']) assert.ok(cal[f], `calendar.${f}`);
    const sla = S.SlaPolicy.properties;
    for (const f of ['name', 'calendar_id', 'priorities', 'first_response_minutes', 'resolution_minutes', 'categories', 'tiers'])
      assert.ok(sla[f], `sla policy.${f}`);
    assert.equal(sla.priorities.type, 'array');
    const cs = S.Case.properties;
    for (const f of ['kind', 'priority', 'party_id', 'status', 'opened_at', 'first_response_due_at', 'resolution_due_at']) assert.ok(cs[f], `case.${f}`);
    assert.deepEqual(cs.kind.enum, ['consultation', 'question', 'complaint', 'grievance', 'request']);
    assert.deepEqual(cs.status.enum.filter((x) => x !== null), ['new', 'open', 'waiting_on_customer', 'resolved', 'closed']);
    assert.ok(!cs.opened_at.readOnly, 'opened_at may be given');
    const link = S.SurveyLink;
    assert.ok(link.required.includes('id') && link.required.includes('url'));
    const answer = S.SurveyAnswer.properties;
    assert.deepEqual(Object.keys(answer).sort(), ['comment', 'csat', 'nps']);
    const create = S.SurveyCreate.properties;
    assert.ok(create.case_id && create.order_id, 'a survey is made for a case_id or an order_id');

    // Imports: the kinds the description offers are exactly the types the registry imports.
    const admin = await srv.login();
    const types = (await admin.get('/api/v1/record-types')).body.types.filter((t) => t.flags.import).map((t) => t.name).sort();
    const kinds = P['/api/v1/imports'].post.parameters.find((x) => x.name === 'kind').schema.enum.slice().sort();
    assert.deepEqual(kinds, types);
    assert.ok(kinds.includes('exchange-rates') && kinds.includes('business-calendars') && kinds.includes('leads'));
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the board filters by team and tier; the forecast and the reports by team; a won deal converts at its own day\'s rate', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'a@test.local', 'sales');
    addUser(srv.db, 'b@test.local', 'sales');
    const a = await srv.login('a@test.local', PW), b = await srv.login('b@test.local', PW);
    const t1 = (await admin.post('/api/v1/teams', { name: '北区 North' })).body, t2 = (await admin.post('/api/v1/teams', { name: '南区 South' })).body;
    await admin.patch(`/api/v1/users/${a.user.id}`, { team_id: t1.id });
    await admin.patch(`/api/v1/users/${b.user.id}`, { team_id: t2.id });
    await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2020-01-01', rate: '7' });
    await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2026-01-01', rate: '9' });
    const pid = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales').id;
    const plat = (await admin.post('/api/v1/parties', { kind: 'organization', name: '白金客户 Platinum' })).body;
    const iron = (await admin.post('/api/v1/parties', { kind: 'organization', name: '普通客户 Iron' })).body;
    for (const [p, tier] of [[plat, 'platinum'], [iron, 'iron']]) {
      sqlExec(srv.db, `INSERT INTO score(party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve, net_profit,
        competitor_amount, tier) VALUES (?, '2026-09-01T00:00:00Z', 0, 0, 0, 0, 0, 0, 0, 0, ?)`, p.id, tier);
    }
    const next = new Date(Date.now() + 40 * 86400e3).toISOString().slice(0, 10);
    const mk = async (name, party, owner, team, amount) => {
      const r = await admin.post('/api/v1/opportunities', { name, party_id: party.id, pipeline_id: pid, owner_id: owner.user.id, team_id: team.id,
        amount, expected_close_on: next, probability: 50 });
      assert.equal(r.status, 201, r.text);
      return r.body;
    };
    await mk('n1', plat, a, t1, { amount: 100000, currency: 'CNY' });
    await mk('n2', iron, a, t1, { amount: 20000, currency: 'CNY' });
    await mk('s1', iron, b, t2, { amount: 3000, currency: 'CNY' });
    // The board: team and tier, alone and together.
    const counts = async (q) => (await admin.get(`/api/v1/pipelines/${pid}/board?${q}`)).body.columns.reduce((n, c) => n + c.count, 0);
    assert.equal(await counts(''), 3);
    assert.equal(await counts(`team_id=${t1.id}`), 2);
    assert.equal(await counts(`team_id=${t2.id}`), 1);
    assert.equal(await counts('tier=platinum'), 1);
    assert.equal(await counts('tier=iron'), 2);
    assert.equal(await counts(`tier=iron&team_id=${t1.id}`), 1);
    assertError(await admin.get(`/api/v1/pipelines/${pid}/board?team_id=x`), 400, 'invalid_parameter', 'team_id');
    const tot = (await admin.get(`/api/v1/pipelines/${pid}/board?team_id=${t1.id}`)).body.totals.converted.amount;
    assert.equal(tot, 120000);
    // The forecast by team: each team's weighted pipeline, adding up to the whole.
    const ym = next.slice(0, 7);
    const f = (await admin.get(`/api/v1/forecast?period=month&from=${ym}&to=${ym}&by=team`)).body;
    assert.equal(f.by, 'team');
    const g1 = f.groups.find((g) => g.id === t1.id), g2 = f.groups.find((g) => g.id === t2.id);
    assert.equal(g1.periods[0].weighted.converted.amount, 60000);
    assert.equal(g2.periods[0].weighted.converted.amount, 1500);
    assert.equal(f.periods[0].weighted.converted.amount, 61500);
    // Reports by team, and a deal won last year converted at that day's rate (7), not today's (9).
    const won = async (o, closed) => {
      const r = await admin.patch(`/api/v1/opportunities/${o.id}`, { status: 'won', version: o.version });
      assert.equal(r.status, 200, r.text);
      if (closed) sqlExec(srv.db, 'UPDATE opportunity SET closed_at = ? WHERE id = ?', closed, o.id);
    };
    await won(await mk('old usd', iron, a, t1, { amount: 10000, currency: 'USD' }), '2025-06-01T12:00:00Z');
    await won(await mk('new usd', iron, b, t2, { amount: 10000, currency: 'USD' }));
    const rep = (await admin.get(`/api/v1/reports/sales?by=team&from=2025-01-01&to=${today()}`)).body;
    const r1 = rep.rows.find((x) => x.key === String(t1.id)), r2 = rep.rows.find((x) => x.key === String(t2.id));
    assert.deepEqual([r1.won, r2.won], [1, 1]);
    assert.equal(r1.won_amount.converted.amount, 70000, 'USD 100 won on 2025-06-01 at that day\'s 7');
    assert.equal(r2.won_amount.converted.amount, 90000, 'USD 100 won today at 9');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('assignment rules by industry and by source', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'soft@test.local', 'sales');
    addUser(srv.db, 'expo@test.local', 'sales');
    const soft = await srv.login('soft@test.local', PW), expo = await srv.login('expo@test.local', PW);
    const ts = (await admin.post('/api/v1/teams', { name: 'Software' })).body, te = (await admin.post('/api/v1/teams', { name: 'Exhibitions' })).body;
    await admin.patch(`/api/v1/users/${soft.user.id}`, { team_id: ts.id });
    await admin.patch(`/api/v1/users/${expo.user.id}`, { team_id: te.id });
    assert.equal((await admin.post('/api/v1/assignment-rules', { name: 'by industry', industry: 'software', team_id: ts.id, position: 0 })).status, 201);
    assert.equal((await admin.post('/api/v1/assignment-rules', { name: 'by source', source: 'exhibition', team_id: te.id, position: 1 })).status, 201);
    const lead = async (body) => (await admin.post('/api/v1/leads', { name: 'x', ...body })).body;
    assert.equal((await lead({ industry: 'Software' })).owner_id, soft.user.id, 'industry, in any case');
    assert.equal((await lead({ source: 'exhibition' })).owner_id, expo.user.id);
    const none = await lead({ industry: 'retail', source: 'website' });
    assert.notEqual(none.owner_id, soft.user.id);
    assert.notEqual(none.owner_id, expo.user.id);
    assert.equal(none.source, 'website', 'the information source is kept');
  } finally { await srv.stop(); srv.cleanup(); }
});

test("calendars: hours keyed mon … sun; a 调休 weekend day is worked with Monday's hours; an SLA policy's fields; opened_at", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const MON = [['08:00', '10:00']], DAY = [['09:00', '12:00'], ['13:30', '17:00']];
    const body = { name: 'Mondays differ', time_zone: 'UTC', hours: { mon: MON, tue: DAY, wed: DAY, thu: DAY, fri: DAY, sat: [], sun: [] },
      holidays: ['2026-10-01'], working_days: ['2026-09-26'] };
    const c = await admin.post('/api/v1/business-calendars', body);
    assert.equal(c.status, 201, c.text);
    const got = (await admin.get(`/api/v1/business-calendars/${c.body.id}`)).body;
    assert.deepEqual(got.hours.mon, MON);
    assert.deepEqual(got.hours.fri, DAY);
    assert.deepEqual([got.time_zone, got.holidays, got.working_days], ['UTC', ['2026-10-01'], ['2026-09-26']]);
    const policy = { name: '标准 Standard', calendar_id: c.body.id, priorities: ['normal', 'low'], first_response_minutes: 60,
      resolution_minutes: 180, categories: ['billing'], tiers: ['gold'] };
    const p = await admin.post('/api/v1/sla-policies', policy);
    assert.equal(p.status, 201, p.text);
    const pg = (await admin.get(`/api/v1/sla-policies/${p.body.id}`)).body;
    for (const [k, v] of Object.entries(policy)) assert.deepEqual(pg[k], v, `policy.${k}`);
    // The policy without its category and tier filters, for the cases below.
    const any = (await admin.patch(`/api/v1/sla-policies/${p.body.id}`, { categories: [], tiers: [], version: pg.version })).body;
    assert.deepEqual([any.categories, any.tiers], [[], []]);
    const party = (await admin.post('/api/v1/parties', { kind: 'person', name: '周末 Weekend' })).body;
    // Saturday 26 September 2026 07:00 UTC, an extra working day: Monday's 08:00-10:00, not Friday's hours.
    const sat = (await admin.post('/api/v1/cases', { subject: '调休', kind: 'question', party_id: party.id, opened_at: '2026-09-26T07:00:00Z' })).body;
    assert.equal(sat.opened_at, '2026-09-26T07:00:00Z');
    assert.equal(sat.first_response_due_at, '2026-09-26T09:00:00Z');
    // 180 business minutes: Saturday 08:00-10:00, Sunday off, Monday 08:00-09:00.
    assert.equal(sat.resolution_due_at, '2026-09-28T09:00:00Z');
    // Without working_days the Saturday is not worked: Monday 08:00 + 60.
    await admin.patch(`/api/v1/business-calendars/${c.body.id}`, { working_days: [], version: got.version });
    const sat2 = (await admin.post('/api/v1/cases', { subject: 'x', kind: 'question', party_id: party.id, opened_at: '2026-09-26T07:00:00Z' })).body;
    assert.equal(sat2.first_response_due_at, '2026-09-28T09:00:00Z');
    // opened_at defaults to now.
    const t0 = Date.now();
    const now = (await admin.post('/api/v1/cases', { subject: 'now', kind: 'request', party_id: party.id })).body;
    assert.ok(Math.abs(Date.parse(now.opened_at) - t0) < 60000, `opened_at ${now.opened_at}`);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('calendars are data an admin imports (JSON Lines); a bad row is refused naming its column', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const rows = [
      { name: '中国 2027', time_zone: 'Asia/Shanghai', hours: { mon: [['09:00', '12:00'], ['13:30', '18:00']] },
        holidays: ['2027-01-01', '2027-02-06'], working_days: ['2027-02-14'] },
      { name: 'bad', time_zone: 'Mars/Olympus', hours: { mon: [['09:00', '18:00']] } },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n';
    const r = await admin.request('POST', '/api/v1/imports?kind=business-calendars&format=jsonl', rows, { 'Content-Type': 'application/x-ndjson' });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(admin, `/api/v1/imports/${r.body.id}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    assert.deepEqual([job.result.created, job.result.errors], [1, 1]);
    assert.equal(job.result.report[0].column, 'time_zone');
    const cals = (await admin.get('/api/v1/business-calendars')).body.items;
    assert.deepEqual(cals.map((c) => [c.name, c.working_days]), [['中国 2027', ['2027-02-14']]]);
    // Only those who may create calendars import them.
    addUser(srv.db, 'svc@test.local', 'service');
    const svc = await srv.login('svc@test.local', PW);
    const denied = await svc.request('POST', '/api/v1/imports?kind=business-calendars&format=jsonl', rows, { 'Content-Type': 'application/x-ndjson' });
    assert.equal(denied.status, 403, denied.text);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('surveys: the collection lists them within scope; a survey after a sales order is delivered', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'rep@test.local', 'sales');
    const rep = await srv.login('rep@test.local', PW);
    const mine = (await rep.post('/api/v1/parties', { kind: 'person', name: '王五' })).body;
    const other = (await admin.post('/api/v1/parties', { kind: 'person', name: '赵六' })).body;
    const resolved = async (party) => {
      let c = (await admin.post('/api/v1/cases', { subject: 's', kind: 'request', party_id: party.id })).body;
      c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
      return c;
    };
    const c1 = await resolved(mine), c2 = await resolved(other);
    const s1 = (await admin.post('/api/v1/surveys', { case_id: c1.id })).body;
    const s2 = (await admin.post('/api/v1/surveys', { case_id: c2.id })).body;
    assert.deepEqual(Object.keys(s1).sort(), ['expires_at', 'id', 'path', 'url']);
    // The page is a GET of the url, without login.
    assert.equal((await fetch(s1.url)).status, 200);
    const ans = await fetch(s1.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 4, nps: 9, comment: '好' }) });
    assert.equal(ans.status, 200);
    // The list: newest first, filters, paging.
    let l = await admin.get('/api/v1/surveys');
    assert.equal(l.status, 200, l.text);
    assert.deepEqual(l.body.items.map((x) => x.id), [s2.id, s1.id]);
    assert.equal(l.body.items[1].satisfaction_level, 'loyal');
    assert.deepEqual((await admin.get(`/api/v1/surveys?case_id=${c1.id}`)).body.items.map((x) => x.id), [s1.id]);
    assert.deepEqual((await admin.get('/api/v1/surveys?answered=true')).body.items.map((x) => x.id), [s1.id]);
    assert.deepEqual((await admin.get('/api/v1/surveys?answered=false')).body.items.map((x) => x.id), [s2.id]);
    assert.deepEqual((await admin.get(`/api/v1/surveys?party_id=${other.id}`)).body.items.map((x) => x.id), [s2.id]);
    const p1 = (await admin.get('/api/v1/surveys?limit=1')).body;
    assert.deepEqual(p1.items.map((x) => x.id), [s2.id]);
    assert.ok(p1.next);
    const p2 = (await admin.get(`/api/v1/surveys?limit=1&after=${p1.next}`)).body;
    assert.deepEqual([p2.items.map((x) => x.id), p2.next], [[s1.id], null]);
    assertError(await admin.get('/api/v1/surveys?answered=maybe'), 400, 'invalid_parameter', 'answered');
    assertError(await admin.get('/api/v1/surveys?case_id=x'), 400, 'invalid_parameter', 'case_id');
    assertError(await admin.get('/api/v1/surveys?limit=0'), 400, 'invalid_parameter', 'limit');
    // A salesperson sees the surveys of the parties they may read only.
    assert.deepEqual((await rep.get('/api/v1/surveys')).body.items.map((x) => x.id), [s1.id]);
    assertError(await rep.get(`/api/v1/surveys/${s2.id}`), 404, 'not_found');
    assert.equal((await fetch(srv.base + '/api/v1/surveys')).status, 401);

    // A sales order: a survey once it is delivered (409 before), on the order's timeline.
    let o = (await admin.post('/api/v1/orders', { party_id: other.id, currency: 'CNY', total: { amount: 100, currency: 'CNY' } })).body;
    assertError(await admin.post('/api/v1/surveys', { sales_order_id: o.id }), 409, 'invalid_state', 'sales_order_id');
    for (const step of ['file_created', 'shipped', 'delivered']) o = (await admin.patch(`/api/v1/orders/${o.id}`, { status: step, version: o.version })).body;
    const so = await admin.post('/api/v1/surveys', { sales_order_id: o.id });
    assert.equal(so.status, 201, so.text);
    const sv = (await admin.get(`/api/v1/surveys/${so.body.id}`)).body;
    // order_id is the sales order, as issue 19 writes it (sales_order_id says the same; transaction_id a purchase).
    assert.deepEqual([sv.sales_order_id, sv.order_id, sv.transaction_id, sv.case_id, sv.party_id], [o.id, o.id, null, null, other.id]);
    assert.deepEqual((await admin.get(`/api/v1/surveys?sales_order_id=${o.id}`)).body.items.map((x) => x.id), [so.body.id]);
    assert.deepEqual((await admin.get(`/api/v1/surveys?order_id=${o.id}`)).body.items.map((x) => x.id), [so.body.id]);
    // The issue's own spelling, {"order_id"}, makes a survey of the sales order too; before delivery it is 409 naming order_id.
    const byOrderId = await admin.post('/api/v1/surveys', { order_id: o.id });
    assert.equal(byOrderId.status, 201, byOrderId.text);
    assert.equal((await admin.get(`/api/v1/surveys/${byOrderId.body.id}`)).body.order_id, o.id);
    const undelivered = (await admin.post('/api/v1/orders', { party_id: other.id, currency: 'CNY', total: { amount: 100, currency: 'CNY' } })).body;
    assertError(await admin.post('/api/v1/surveys', { order_id: undelivered.id }), 409, 'invalid_state', 'order_id');
    assertError(await admin.post('/api/v1/surveys', { order_id: 999999 }), 422, 'invalid_reference', 'order_id');
    // With a public address set, the link is under it.
    assert.equal((await admin.request('PUT', '/api/v1/settings/mail', { public_url: 'https://crm.example.com/' })).status, 200);
    const pub = (await admin.post('/api/v1/surveys', { case_id: c1.id })).body;
    assert.equal(pub.url, 'https://crm.example.com' + pub.path);
    assert.equal((await admin.request('PUT', '/api/v1/settings/mail', { public_url: '' })).status, 200);
    const tl = (await admin.get(`/api/v1/orders/${o.id}/timeline`)).body.items.map((i) => i.item.action);
    assert.ok(tl.includes('survey'), tl.join());
    assertError(await admin.post('/api/v1/surveys', { sales_order_id: 999999 }), 422, 'invalid_reference', 'sales_order_id');
    assertError(await admin.post('/api/v1/surveys', { sales_order_id: o.id, case_id: c1.id }), 422, 'invalid_value');
    assertError(await rep.post('/api/v1/surveys', { sales_order_id: o.id }), 422, 'invalid_reference', 'sales_order_id');
  } finally { await srv.stop(); srv.cleanup(); }
});

// ---- the authorisation matrix of every sales and service endpoint ----
// Each role's expected answer is derived from the permission table served
// by GET /api/v1/permissions (as access.test.mjs does for the party types),
// on records the admin owns outside every team: scope none → 403; the
// record outside the read scope → 404 (a reference in a body: 422); in
// read scope but outside the action's → 403; else the success status.
test('authorisation matrix: every role × every sales and service endpoint, derived from the permission table', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const roles = ROLES;
    const clients = await roleClients(srv, admin, roles, PW);
    const table = (await admin.get('/api/v1/permissions')).body.roles;
    // The admin's fixtures.
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: '矩阵 Matrix' })).body;
    const pid = (await admin.get('/api/v1/pipelines')).body.items[0].id;
    const opp = (await admin.post('/api/v1/opportunities', { name: 'm', party_id: party.id, pipeline_id: pid })).body;
    const lead = (await admin.post('/api/v1/leads', { name: 'matrix lead' })).body;
    const quote = (await admin.post('/api/v1/quotes', { party_id: party.id, currency: 'CNY', lines: [{ description: 'x', quantity: 1, unit_price: 100 }] })).body;
    const order = (await admin.post('/api/v1/orders', { party_id: party.id, currency: 'CNY', total: { amount: 100, currency: 'CNY' } })).body;
    const all = [['00:00', '24:00']];
    const cal = (await admin.post('/api/v1/business-calendars', { name: 'm', time_zone: 'UTC', hours: { mon: all } })).body;
    let kase = (await admin.post('/api/v1/cases', { subject: 'm', kind: 'question', party_id: party.id })).body;
    kase = (await admin.patch(`/api/v1/cases/${kase.id}`, { status: 'resolved', version: kase.version })).body;
    const survey = (await admin.post('/api/v1/surveys', { case_id: kase.id })).body;
    // [entity, action, method, path, body (or a function of the role), kind]: kind 'list' (no record),
    // 'record' (one of the admin's records), 'ref' (a body naming one), 'setup' (a type without owners).
    const uniq = (r) => `${r}-${Date.now()}`;
    const endpoints = [
      ['leads', 'read', 'GET', '/api/v1/leads', null, 'list'],
      ['leads', 'read', 'GET', `/api/v1/leads/${lead.id}`, null, 'record'],
      ['leads', 'read', 'GET', `/api/v1/leads/${lead.id}/duplicates`, null, 'record'],
      ['leads', 'create', 'POST', '/api/v1/leads', (r) => ({ name: `lead of ${r}` }), 'list'],
      ['leads', 'update', 'POST', `/api/v1/leads/${lead.id}/convert`, {}, 'record', 200],
      ['pipelines', 'read', 'GET', '/api/v1/pipelines', null, 'list'],
      ['pipelines', 'create', 'POST', '/api/v1/pipelines', (r) => ({ name: uniq(r), stages: [{ key: 'a', name_en: 'A' }] }), 'setup'],
      ['opportunities', 'read', 'GET', '/api/v1/opportunities', null, 'list'],
      ['opportunities', 'read', 'GET', `/api/v1/opportunities/${opp.id}`, null, 'record'],
      ['opportunities', 'read', 'GET', `/api/v1/opportunities/${opp.id}/stages`, null, 'record'],
      ['opportunities', 'update', 'PATCH', `/api/v1/opportunities/${opp.id}`, { probability: 33, version: opp.version }, 'record'],
      ['opportunities', 'read', 'GET', `/api/v1/pipelines/${pid}/board`, null, 'list'],
      ['opportunities', 'read', 'GET', '/api/v1/forecast?period=month', null, 'list'],
      ['opportunities', 'read', 'GET', '/api/v1/reports/sales', null, 'list'],
      ['opportunities', 'export', 'GET', '/api/v1/reports/sales/export?format=csv', null, 'list'],
      ['exchange-rates', 'read', 'GET', '/api/v1/exchange-rates', null, 'list'],
      ['exchange-rates', 'create', 'POST', '/api/v1/exchange-rates',
        (r) => ({ currency: 'USD', to_currency: 'CNY', valid_on: `2020-01-0${roles.indexOf(r) + 1}`, rate: '7' }), 'setup'],
      ['price-lists', 'read', 'GET', '/api/v1/price-lists', null, 'list'],
      ['price-lists', 'create', 'POST', '/api/v1/price-lists', (r) => ({ name: uniq(r), currency: 'CNY', valid_from: '2027-01-01' }), 'setup'],
      ['quotes', 'read', 'GET', '/api/v1/quotes', null, 'list'],
      ['quotes', 'read', 'GET', `/api/v1/quotes/${quote.id}`, null, 'record'],
      ['quotes', 'read', 'GET', `/api/v1/quotes/${quote.id}/pdf`, null, 'record'],
      ['quotes', 'read', 'GET', `/api/v1/quotes/${quote.id}/revisions`, null, 'record'],
      ['quotes', 'update', 'POST', `/api/v1/quotes/${quote.id}/accept`, {}, 'record', 200],
      ['orders', 'read', 'GET', '/api/v1/orders', null, 'list'],
      ['orders', 'read', 'GET', `/api/v1/orders/${order.id}`, null, 'record'],
      ['orders', 'update', 'PATCH', `/api/v1/orders/${order.id}`, { status: 'file_created', version: order.version }, 'record'],
      ['business-calendars', 'read', 'GET', '/api/v1/business-calendars', null, 'list'],
      ['business-calendars', 'read', 'GET', `/api/v1/business-calendars/${cal.id}`, null, 'setup'],
      ['business-calendars', 'create', 'POST', '/api/v1/business-calendars', (r) => ({ name: uniq(r), time_zone: 'UTC', hours: { mon: all } }), 'setup'],
      ['sla-policies', 'read', 'GET', '/api/v1/sla-policies', null, 'list'],
      ['sla-policies', 'create', 'POST', '/api/v1/sla-policies',
        (r) => ({ name: uniq(r), calendar_id: cal.id, first_response_minutes: 60, resolution_minutes: 120 }), 'setup'],
      ['escalation-rules', 'read', 'GET', '/api/v1/escalation-rules', null, 'list'],
      ['escalation-rules', 'create', 'POST', '/api/v1/escalation-rules', (r) => ({ name: uniq(r), target: 'resolution', moment: 'breached' }), 'setup'],
      ['cases', 'read', 'GET', '/api/v1/cases', null, 'list'],
      ['cases', 'read', 'GET', `/api/v1/cases/${kase.id}`, null, 'record'],
      ['cases', 'read', 'GET', `/api/v1/cases/${kase.id}/messages`, null, 'record'],
      ['cases', 'update', 'POST', `/api/v1/cases/${kase.id}/messages`, { direction: 'ours', body: 'hello' }, 'record'],
      ['cases', 'update', 'PATCH', `/api/v1/cases/${kase.id}`, { priority: 'high', version: kase.version }, 'record'],
      ['cases', 'read', 'GET', '/api/v1/service-measures', null, 'list'],
      ['cases', 'export', 'GET', '/api/v1/exports/service-measures?format=csv', null, 'list'],
      ['cases', 'read', 'GET', '/api/v1/surveys', null, 'list'],
      ['cases', 'update', 'POST', '/api/v1/surveys', { case_id: kase.id }, 'ref'],
    ];
    const { checked, denied } = await runMatrix({ clients, roles, table, endpoints });
    assert.ok(checked >= 200 && denied >= 60, `${checked} checks, ${denied} denials`);
    // What the denials left alone.
    assert.equal((await admin.get(`/api/v1/opportunities/${opp.id}`)).body.version, opp.version);
    assert.equal((await admin.get(`/api/v1/orders/${order.id}`)).body.status, 'confirmed');
    assert.equal((await admin.get(`/api/v1/leads/${lead.id}`)).body.status, 'new');
    assert.equal((await admin.get(`/api/v1/quotes/${quote.id}`)).body.status, 'draft');
    // Nobody unauthenticated, on any of them; the public pages need no login.
    await assertAnonymous(srv.base, endpoints);
    assert.equal((await fetch(survey.url)).status, 200);
    const feed = (await clients.read_only.post('/api/v1/calendar-feeds', {}));
    assert.equal(feed.status, 201, 'every role has its own calendar feed');
    assert.equal((await fetch(srv.base + feed.body.path)).status, 200);
  } finally { await srv.stop(); srv.cleanup(); }
});

test("a survey's answer reaches the analytics: the behaviour classification reads the party's satisfaction", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '满意度 Satisfaction' })).body;
    for (let k = 0; k < 4; k++) {
      const r = await admin.post('/api/v1/transactions', { party_id: p.id, occurred_at: iso(Date.now() - (5 + 30 * k) * 86400e3),
        amount: { amount: 50000, currency: 'CNY' } });
      assert.equal(r.status, 201, r.text);
    }
    let c = (await admin.post('/api/v1/cases', { subject: 's', kind: 'request', party_id: p.id })).body;
    c = (await admin.patch(`/api/v1/cases/${c.id}`, { status: 'resolved', version: c.version })).body;
    const s = (await admin.post('/api/v1/surveys', { case_id: c.id })).body;
    const a = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ csat: 2, nps: 3 }) });
    assert.equal(a.status, 200);
    const run = await admin.post('/api/v1/analytics/runs?wait=true', {});
    assert.equal(run.status, 200, run.text);
    const sc = (await admin.get(`/api/v1/parties/${p.id}/scores`)).body;
    assert.equal(sc.behaviour.explanation_message.params.satisfaction, 2, JSON.stringify(sc.behaviour));
  } finally { await srv.stop(); srv.cleanup(); }
});

test("a case's order is a sales order of its customer: a missing one or another customer's is refused, naming order_id", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p1 = (await admin.post('/api/v1/parties', { kind: 'person', name: '甲 Jia' })).body;
    const p2 = (await admin.post('/api/v1/parties', { kind: 'person', name: '乙 Yi' })).body;
    const order = async (p) => (await admin.post('/api/v1/orders', { party_id: p.id, currency: 'CNY', total: { amount: 100, currency: 'CNY' } })).body;
    const o1 = await order(p1), o2 = await order(p2);
    const mk = (body) => admin.post('/api/v1/cases', { subject: '订单问题 order', kind: 'question', party_id: p1.id, ...body });
    assertError(await mk({ order_id: 999999 }), 422, 'invalid_reference', 'order_id');
    assertError(await mk({ order_id: o2.id }), 422, 'invalid_reference', 'order_id');
    const ok = await mk({ order_id: o1.id });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.order_id, o1.id);
    assert.deepEqual((await admin.get(`/api/v1/cases?order_id=${o1.id}`)).body.items.map((c) => c.id), [ok.body.id]);
    assertError(await admin.patch(`/api/v1/cases/${ok.body.id}`, { order_id: o2.id, version: ok.body.version }), 422, 'invalid_reference', 'order_id');
    assert.equal((await admin.get('/api/v1/cases')).body.items.length, 1, 'the refusals wrote nothing');
  } finally { await srv.stop(); srv.cleanup(); }
});
