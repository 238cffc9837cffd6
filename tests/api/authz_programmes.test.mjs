// authz_programmes: the authorisation matrix of the relationship-marketing
// programme endpoints (issues 20 and 21) — contact plans, occasions,
// campaigns, e-mail templates, consents, next actions, loyalty points,
// clubs, structural services, referral programmes, relationship levels, the
// mail settings — every endpoint × every role (admin included), derived from
// the served permission table (tests/api/authz_matrix.mjs), and 401 without
// a login. Then the record scope of the custom routes that take a party or a
// member: a salesperson whose party scope is `own` meets another
// salesperson's customer as a 404 (a body naming it: 422) on points, next
// action, next contact, relationship, referral member, cards and tree,
// preview, redemption and referral, finds it in no list, and the refusals
// change nothing in the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, dbDumpOfRequests } from './harness.mjs';
import { ROLES, roleClients, runMatrix, assertAnonymous, expectedStatus, scopesOf } from './authz_matrix.mjs';

const PW = 'a long enough password';
const CNY = (amount) => ({ amount, currency: 'CNY' });
const today = () => new Date().toISOString().slice(0, 10);
const LEVELS = [
  { level: 1, card_quota: 50, benefit: '机器 machine', benefit_cost: CNY(1000), expected_spend: CNY(6000) },
  { level: 2, card_quota: 6, benefit: '半价 half price', benefit_cost: CNY(500), expected_spend: CNY(3000) },
  { level: 3, card_quota: 0, benefit: '1/3 off', benefit_cost: CNY(300), expected_spend: CNY(2000) },
];

let seq = 0;
/** A person with a complete file (phone, e-mail, address): a referral member may be enrolled on it. */
async function person(c, name) {
  seq++;
  const r = await c.post('/api/v1/parties', { kind: 'person', name, phones: [`+86 139 0000 ${String(1000 + seq)}`],
    emails: [`m${seq}.${Date.now()}@example.com`], addresses: [{ line1: '1 Nanjing Rd', city: '上海' }] });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

/** The lines of the request-made dump that differ from `before` ('' when none). */
function dbChanges(db, before) {
  const now = dbDumpOfRequests(db);
  if (now === before) return '';
  const was = new Set(before.split('\n')), is = new Set(now.split('\n'));
  return [...[...was].filter((l) => !is.has(l)).map((l) => `- ${l}`), ...[...is].filter((l) => !was.has(l)).map((l) => `+ ${l}`)]
    .join('\n').slice(0, 4000);
}

// The expectations of routes whose answer depends on more than one permission.
const none = (s, e, a) => (s[e]?.[a] || 'none') === 'none';
const all = (s, e, a) => s[e]?.[a] === 'all';
/** An admin-only route: 403 for every other role. */
const adminOnly = (ok) => (s, role) => (role === 'admin' ? ok : 403);
/** A programme route naming one of the admin's parties that the caller must be allowed to change. */
const partyToChange = (entity, action, ok) => (s) =>
  (none(s, entity, action) || none(s, 'parties', 'update') ? 403 : all(s, 'parties', 'update') ? ok : 422);
/** A route of a referral member: the member's party must be readable (404), then the action's scope. */
const memberRoute = (action, ok) => (s) => (none(s, 'referral-programs', action) ? 403 : all(s, 'parties', 'read') ? ok : 404);

test('authorisation matrix: every role × every programme endpoint of issues 20 and 21, derived from the permission table', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const roles = [...ROLES, 'admin'];   // the admin last: its successes change versions the others were denied on
    const clients = await roleClients(srv, admin, ROLES, PW);
    const table = (await admin.get('/api/v1/permissions')).body.roles;
    // The admin's fixtures, outside every team; a party of its own per role for the bodies that name one.
    const party = await person(admin, '矩阵 Matrix');
    const partyFor = {}, newcomerFor = {};
    for (const r of roles) { partyFor[r] = await person(admin, `矩阵 ${r}`); newcomerFor[r] = await person(admin, `新客 ${r}`); }
    const post = async (path, body) => { const r = await admin.post(path, body); assert.equal(r.status, 201, `${path}: ${r.text}`); return r.body; };
    const tpl = await post('/api/v1/email-templates', { name: '问候 greeting', language: 'zh-CN', subject: '您好 {{name}}', body: '<p>hi</p>' });
    const plan = await post('/api/v1/contact-plans', { name: 'VIP weekly', segment: 'tags=vip', every_days: 7, channel: 'call', owner_rule: 'customer_owner' });
    const rule = await post('/api/v1/occasion-rules', { name: '七夕 card', occasion: 'festival', festival: 'qixi', days_ahead: 1 });
    const campaign = await post('/api/v1/campaigns', { name: '会员日 Member day', template_id: tpl.id });
    const consent = await post('/api/v1/consents', { party_id: party.id, channel: 'email', granted: true, source: 'form', wording: '同意 agree' });
    const loyalty = await post('/api/v1/loyalty-programs', { name: '积分 Points', earn_unit: CNY(1000), earn_points: 1 });
    const club = await post('/api/v1/clubs', { name: '车主俱乐部 Owners', membership_levels: ['member'] });
    const clubFor = {};
    for (const r of roles) clubFor[r] = await post('/api/v1/clubs', { name: `club of ${r}`, membership_levels: ['member'] });
    const member = await post('/api/v1/club-members', { club_id: club.id, party_id: party.id, joined_on: '2026-01-01' });
    const event = await post('/api/v1/club-events', { club_id: club.id, name: '试驾日 Test drive', starts_at: '2026-12-20T02:00:00Z' });
    const attendance = await post('/api/v1/event-attendances', { event_id: event.id, party_id: party.id });
    const service = await post('/api/v1/structural-services', { party_id: party.id, kind: 'display_help', delivered_on: today(), value: CNY(5000) });
    const prog = await post('/api/v1/referral-programs', { name: 'VIP 矩阵', status: 'active', levels: LEVELS, budget_cap: CNY(100000000) });
    const P = `/api/v1/referral-programs/${prog.id}`;
    const ref = await post(`${P}/members`, { party_id: party.id, id_number: 'M-0001' });
    const codes = (await post(`${P}/members/${ref.id}/cards`, { count: 10 })).items.map((k) => k.code);
    const cardFor = Object.fromEntries(roles.map((r, i) => [r, codes[i]]));
    const uniq = (r) => `${r}-${Date.now()}-${seq++}`;
    const versionOf = (path) => async () => (await admin.get(path)).body.version;
    const patch = (path, fields) => async () => ({ ...fields, version: await versionOf(path)() });
    const C = (type, id) => `/api/v1/${type}/${id}`;

    // One record per role to delete, made by the admin: [type, body of role r].
    const doomed = {};
    const toDelete = {
      'contact-plans': (r) => ({ name: `doomed ${r}`, segment: 'tags=vip', every_days: 7 }),
      'occasion-rules': (r) => ({ name: `doomed ${r}`, occasion: 'festival', festival: 'qixi', days_ahead: 1 }),
      campaigns: (r) => ({ name: `doomed ${r}` }),
      'email-templates': (r) => ({ name: `doomed ${r}`, language: 'en', subject: 'x', body: 'x' }),
      'loyalty-programs': (r) => ({ name: `doomed ${r}`, earn_unit: CNY(1000), earn_points: 1 }),
      clubs: (r) => ({ name: `doomed ${r}` }),
      'club-events': (r) => ({ club_id: club.id, name: `doomed ${r}`, starts_at: '2026-12-22T02:00:00Z' }),
      'club-members': (r) => ({ club_id: clubFor[r].id, party_id: party.id, joined_on: '2026-03-01' }),
      'structural-services': () => ({ party_id: party.id, kind: 'training', delivered_on: today() }),
    };
    for (const [type, body] of Object.entries(toDelete)) {
      doomed[type] = {};
      for (const r of roles) doomed[type][r] = await post(`/api/v1/${type}`, body(r));
    }
    const OWNED = new Set(['contact-plans', 'occasion-rules', 'campaigns', 'club-members', 'structural-services']);
    const deletions = Object.keys(toDelete).map((type) =>
      [type, 'delete', 'DELETE', (r) => C(type, (doomed[type][r] || doomed[type].admin).id), null, OWNED.has(type) ? 'record' : 'setup']);

    const endpoints = [
      ...deletions,
      // Issue 20: contact plans and occasions.
      ['contact-plans', 'read', 'GET', '/api/v1/contact-plans', null, 'list'],
      ['contact-plans', 'create', 'POST', '/api/v1/contact-plans', (r) => ({ name: uniq(r), segment: 'tags=vip', every_days: 7 }), 'list'],
      ['contact-plans', 'read', 'GET', C('contact-plans', plan.id), null, 'record'],
      ['contact-plans', 'update', 'PATCH', C('contact-plans', plan.id), patch(C('contact-plans', plan.id), { every_days: 14 }), 'record'],
      ['contact-plans', 'update', 'POST', `${C('contact-plans', plan.id)}/run?wait=true`, {}, 'record', 200],
      ['parties', 'read', 'GET', `/api/v1/parties/${party.id}/next-contact`, null,
        (s) => (none(s, 'parties', 'read') ? 403 : all(s, 'parties', 'read') && all(s, 'interactions', 'read') ? 200 : 404)],
      ['occasion-rules', 'read', 'GET', '/api/v1/occasion-rules', null, 'list'],
      ['occasion-rules', 'create', 'POST', '/api/v1/occasion-rules', (r) => ({ name: uniq(r), occasion: 'festival', festival: 'qixi', days_ahead: 1 }), 'list'],
      ['occasion-rules', 'read', 'GET', C('occasion-rules', rule.id), null, 'record'],
      ['occasion-rules', 'update', 'PATCH', C('occasion-rules', rule.id), patch(C('occasion-rules', rule.id), { days_ahead: 2 }), 'record'],
      ['occasion-rules', 'update', 'POST', `${C('occasion-rules', rule.id)}/run?wait=true`, {}, 'record', 200],
      ['parties', 'read', 'GET', '/api/v1/occasions?from=2026-01-01&to=2026-12-31', null, 'list'],
      // Campaigns and e-mail.
      ['campaigns', 'read', 'GET', '/api/v1/campaigns', null, 'list'],
      ['campaigns', 'create', 'POST', '/api/v1/campaigns', (r) => ({ name: uniq(r) }), 'list'],
      ['campaigns', 'read', 'GET', C('campaigns', campaign.id), null, 'record'],
      ['campaigns', 'update', 'PATCH', C('campaigns', campaign.id), patch(C('campaigns', campaign.id), { budget: CNY(100) }), 'record'],
      ['campaigns', 'read', 'GET', `${C('campaigns', campaign.id)}/measures`, null, 'record'],
      ['campaigns', 'read', 'GET', `${C('campaigns', campaign.id)}/members`, null, 'record'],
      // A draft campaign does not send: the admin's allowed call meets the state check (409).
      ['campaigns', 'update', 'POST', `${C('campaigns', campaign.id)}/send`, {}, 'record', 409],
      ['email-templates', 'read', 'GET', '/api/v1/email-templates', null, 'list'],
      ['email-templates', 'create', 'POST', '/api/v1/email-templates', (r) => ({ name: uniq(r), language: 'en', subject: 'Hi', body: 'x' }), 'setup'],
      ['email-templates', 'read', 'GET', C('email-templates', tpl.id), null, 'setup'],
      ['email-templates', 'update', 'PATCH', C('email-templates', tpl.id), patch(C('email-templates', tpl.id), { subject: 'Hello {{name}}' }), 'setup'],
      ['email-templates', 'read', 'POST', '/api/v1/email-templates/preview', { subject: 'Hi {{name}}', body: 'x', language: 'en' }, 'list', 200],
      ['email-templates', 'read', 'POST', '/api/v1/email-templates/preview', { subject: 'Hi {{name}}', body: 'x', party_id: party.id },
        (s) => (none(s, 'email-templates', 'read') ? 403 : all(s, 'parties', 'read') ? 200 : 422)],
      ['consents', 'read', 'GET', '/api/v1/consents', null, 'list'],
      ['consents', 'create', 'POST', '/api/v1/consents', (r) => ({ party_id: (partyFor[r] || party).id, channel: 'sms', granted: true, source: 'call', wording: 'ok' }), 'ref'],
      ['consents', 'read', 'GET', C('consents', consent.id), null, 'record'],
      ['settings', 'read', 'GET', '/api/v1/settings/mail', null, adminOnly(200)],
      ['settings', 'update', 'PUT', '/api/v1/settings/mail', { company: '矩阵公司 Matrix Ltd' }, adminOnly(200)],
      // The next best action.
      ['parties', 'read', 'GET', `/api/v1/parties/${party.id}/next-action`, null, 'record'],
      ['parties', 'read', 'GET', '/api/v1/next-actions', null, 'list'],
      // Issue 21: loyalty points.
      ['loyalty-programs', 'read', 'GET', '/api/v1/loyalty-programs', null, 'list'],
      ['loyalty-programs', 'create', 'POST', '/api/v1/loyalty-programs', (r) => ({ name: uniq(r), earn_unit: CNY(1000), earn_points: 1 }), 'setup'],
      ['loyalty-programs', 'read', 'GET', C('loyalty-programs', loyalty.id), null, 'setup'],
      ['loyalty-programs', 'update', 'PATCH', C('loyalty-programs', loyalty.id), patch(C('loyalty-programs', loyalty.id), { earn_points: 2 }), 'setup'],
      ['parties', 'read', 'GET', `/api/v1/parties/${party.id}/points`, null, 'record'],
      ['parties', 'update', 'POST', `/api/v1/parties/${party.id}/points`, { points: 10, reason: '矩阵 matrix' }, 'record'],
      ['points', 'read', 'GET', '/api/v1/points/check', null, adminOnly(200)],
      // Clubs, events, attendance, structural services.
      ['clubs', 'read', 'GET', '/api/v1/clubs', null, 'list'],
      ['clubs', 'create', 'POST', '/api/v1/clubs', (r) => ({ name: uniq(r) }), 'setup'],
      ['clubs', 'read', 'GET', C('clubs', club.id), null, 'setup'],
      ['clubs', 'update', 'PATCH', C('clubs', club.id), patch(C('clubs', club.id), { annual_fee: CNY(100) }), 'setup'],
      ['club-members', 'read', 'GET', '/api/v1/club-members', null, 'list'],
      ['club-members', 'create', 'POST', '/api/v1/club-members', (r) => ({ club_id: (clubFor[r] || club).id, party_id: (partyFor[r] || party).id, joined_on: '2026-02-01' }), 'ref'],
      ['club-members', 'read', 'GET', C('club-members', member.id), null, 'record'],
      ['club-members', 'update', 'PATCH', C('club-members', member.id), patch(C('club-members', member.id), { left_on: '2026-12-31' }), 'record'],
      ['club-events', 'read', 'GET', '/api/v1/club-events', null, 'list'],
      ['club-events', 'create', 'POST', '/api/v1/club-events', (r) => ({ club_id: club.id, name: uniq(r), starts_at: '2026-12-21T02:00:00Z' }), 'setup'],
      ['club-events', 'read', 'GET', C('club-events', event.id), null, 'setup'],
      ['event-attendances', 'read', 'GET', '/api/v1/event-attendances', null, 'list'],
      ['event-attendances', 'create', 'POST', '/api/v1/event-attendances', (r) => ({ event_id: event.id, party_id: (partyFor[r] || party).id }), 'ref'],
      ['event-attendances', 'read', 'GET', C('event-attendances', attendance.id), null, 'record'],
      ['event-attendances', 'update', 'PATCH', C('event-attendances', attendance.id),
        patch(C('event-attendances', attendance.id), { status: 'registered' }), 'record'],
      ['structural-services', 'read', 'GET', '/api/v1/structural-services', null, 'list'],
      ['structural-services', 'create', 'POST', '/api/v1/structural-services',
        (r) => ({ party_id: (partyFor[r] || party).id, kind: 'stock_advice', delivered_on: today(), value: CNY(100) }), 'ref'],
      ['structural-services', 'read', 'GET', C('structural-services', service.id), null, 'record'],
      // The referral-card programme.
      ['referral-programs', 'read', 'GET', '/api/v1/referral-programs', null, 'list'],
      ['referral-programs', 'create', 'POST', '/api/v1/referral-programs', (r) => ({ name: uniq(r), levels: LEVELS, budget_cap: CNY(1000) }), 'setup'],
      ['referral-programs', 'read', 'GET', P, null, 'setup'],
      ['referral-programs', 'read', 'GET', `${P}/members`, null, 'list'],
      ['referral-programs', 'update', 'POST', `${P}/members`, (r) => ({ party_id: (partyFor[r] || party).id, id_number: `ID-${r}` }),
        partyToChange('referral-programs', 'update', 201)],
      ['referral-programs', 'read', 'GET', `${P}/members/${ref.id}`, null, memberRoute('read', 200)],
      ['referral-programs', 'read', 'GET', `${P}/members/${ref.id}/cards`, null, memberRoute('read', 200)],
      ['referral-programs', 'read', 'GET', `${P}/members/${ref.id}/tree`, null, memberRoute('read', 200)],
      ['referral-programs', 'update', 'POST', `${P}/members/${ref.id}/cards`, { count: 1 }, memberRoute('update', 201)],
      ['referral-programs', 'read', 'GET', `${P}/report`, null, 'list'],
      // Referring an ordinary member (the programme is not open at any level here: the admin's call meets 409 not_open).
      ['referral-programs', 'read', 'POST', `${P}/referrals`, (r) => ({ member_card: ref.member_card, referrer_name: party.name,
        party_id: (newcomerFor[r] || party).id }), partyToChange('referral-programs', 'read', 409)],
      ['referral-programs', 'read', 'POST', (r) => `/api/v1/referral-cards/${cardFor[r]}/redeem`, (r) => ({ party_id: (newcomerFor[r] || party).id }),
        partyToChange('referral-programs', 'read', 201)],
      // Relationship levels.
      ['parties', 'read', 'GET', `/api/v1/parties/${party.id}/relationship`, null, 'record'],
      ['parties', 'read', 'GET', '/api/v1/settings/relationship-grid', null, 'list'],
      ['settings', 'update', 'PUT', '/api/v1/settings/relationship-grid', { margin_low: 0.1, margin_high: 0.3, customers_few: 5, customers_many: 50 },
        adminOnly(200)],
    ];
    const { checked, denied } = await runMatrix({ clients, roles, table, endpoints });
    assert.ok(checked >= 450 && denied >= 160, `${checked} checks, ${denied} denials`);
    // A refused deletion deleted nothing; an allowed one did.
    for (const row of deletions) {
      for (const r of roles) {
        const gone = expectedStatus(scopesOf(table, r), r, row) === 204;
        const got = await admin.get(C(row[0], doomed[row[0]][r].id));
        assert.equal(got.status, gone ? 404 : 200, `${row[0]} of ${r} after the matrix`);
      }
    }
    // Nobody unauthenticated, on any of them.
    await assertAnonymous(srv.base, endpoints);
  } finally { await srv.stop(); srv.cleanup(); }
});

// ---- record scope: a salesperson whose party scope is own ----
test("record scope: a salesperson who reads only their own customers meets a colleague's customer nowhere in the programme routes, and the refusals change nothing", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const team = (await admin.post('/api/v1/teams', { name: '华东 East' })).body;
    addUser(srv.db, 's1@test.local', 'sales');
    addUser(srv.db, 's2@test.local', 'sales');
    let s1 = await srv.login('s1@test.local', PW);
    const s2 = await srv.login('s2@test.local', PW);
    for (const u of [s1, s2]) assert.equal((await admin.patch(`/api/v1/users/${u.user.id}`, { team_id: team.id })).status, 200);
    // Sales read their team's customers by default; this installation narrows it to their own.
    const put = await admin.request('PUT', '/api/v1/permissions', { role: 'sales', entity: 'parties', action: 'read', scope: 'own' });
    assert.equal(put.status, 200, put.text);
    s1 = await srv.login('s1@test.local', PW);
    const mine = await person(s1, '我的客户 Mine'), theirs = await person(s2, '同事的客户 Theirs');
    for (const p of [mine, theirs]) {
      const r = await admin.patch(`/api/v1/parties/${p.id}`, { birthday: '1990-06-15', version: p.version });
      assert.equal(r.status, 200, r.text);
    }
    const order = (await admin.post('/api/v1/orders', { party_id: theirs.id, currency: 'CNY', total: CNY(100) })).body;
    assert.equal((await admin.post(`/api/v1/parties/${theirs.id}/points`, { points: 50, reason: '开户 welcome' })).status, 201);
    const prog = (await admin.post('/api/v1/referral-programs', { name: 'VIP 范围', status: 'active', levels: LEVELS, budget_cap: CNY(100000000) })).body;
    const P = `/api/v1/referral-programs/${prog.id}`;
    const mineM = (await admin.post(`${P}/members`, { party_id: mine.id, id_number: 'S-0001' })).body;
    const theirsM = (await admin.post(`${P}/members`, { party_id: theirs.id, id_number: 'S-0002' })).body;
    const [card, card2] = (await admin.post(`${P}/members/${mineM.id}/cards`, { count: 2 })).body.items.map((k) => k.code);
    const newcomer = await person(s2, '新客 Newcomer');   // s2's, not s1's
    // s1's customer referred one of s2's: s1 sees the child in the tree, counted, without its name.
    const referred = await person(s2, '被推荐 Referred');
    assert.equal((await admin.post(`/api/v1/referral-cards/${card2}/redeem`, { party_id: referred.id })).status, 201);
    const tree = (await s1.get(`${P}/members/${mineM.id}/tree`)).body;
    assert.deepEqual([tree.subtree.members, tree.children.length, tree.children[0].name], [2, 1, null]);
    assert.equal((await admin.get(`${P}/members/${mineM.id}/tree`)).body.children[0].name, referred.name);
    assertError(await s1.get(`${P}/members/${tree.children[0].id}/tree`), 404, 'not_found');

    // The positive controls: s1 sees their own customer on the same routes.
    for (const path of [`/api/v1/parties/${mine.id}/points`, `/api/v1/parties/${mine.id}/next-action`,
      `/api/v1/parties/${mine.id}/relationship`, `${P}/members/${mineM.id}`, `${P}/members/${mineM.id}/cards`, `${P}/members/${mineM.id}/tree`]) {
      const r = await s1.get(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
    }
    const ids = (r) => r.body.items.map((i) => i.party_id);
    assert.deepEqual(ids(await s1.get(`${P}/members`)), [mine.id], "the member list holds only s1's customer");
    assert.deepEqual(ids(await admin.get(`${P}/members`)), [mine.id, theirs.id]);
    const occ = await s1.get('/api/v1/occasions?from=2026-01-01&to=2026-12-31&kind=birthday');
    assert.equal(occ.status, 200, occ.text);
    assert.deepEqual([...new Set(ids(occ))], [mine.id], "s1's occasions: their own customer's birthday only");
    assert.ok(ids(await admin.get('/api/v1/occasions?from=2026-01-01&to=2026-12-31&kind=birthday')).includes(theirs.id));
    // A campaign over both customers: s1 reads its member list, the colleague's customer without name or address.
    for (const p of [mine, theirs]) {
      const cur = (await admin.get(`/api/v1/parties/${p.id}`)).body;
      assert.equal((await admin.patch(`/api/v1/parties/${p.id}`, { tags: ['scope'], version: cur.version })).status, 200);
    }
    const k = (await admin.post('/api/v1/campaigns', { name: '范围 Scope', channel: 'email', segment: 'tags=scope', control_share: 0 })).body;
    assert.equal((await admin.patch(`/api/v1/campaigns/${k.id}`, { status: 'active', version: k.version })).status, 200);
    const seen = (await s1.get(`/api/v1/campaigns/${k.id}/members`)).body.items;
    const row = (id) => seen.find((x) => x.party_id === id);
    assert.equal(row(mine.id).party_name, mine.name);
    assert.deepEqual([row(theirs.id).party_name, row(theirs.id).address], [null, null]);
    const work = await s1.get('/api/v1/next-actions');
    assert.equal(work.status, 200, work.text);
    assert.ok(!ids(work).includes(theirs.id), "the colleague's customer is not on s1's worklist");

    // The refusals, and what they left alone.
    const before = dbDumpOfRequests(srv.db);
    for (const path of [`/api/v1/parties/${theirs.id}/points`, `/api/v1/parties/${theirs.id}/next-action`,
      `/api/v1/parties/${theirs.id}/next-contact`, `/api/v1/parties/${theirs.id}/relationship`,
      `${P}/members/${theirsM.id}`, `${P}/members/${theirsM.id}/cards`, `${P}/members/${theirsM.id}/tree`]) {
      assertError(await s1.get(path), 404, 'not_found');
    }
    assertError(await s1.post(`/api/v1/parties/${theirs.id}/points`, { points: -10, reason: 'redeem' }), 404, 'not_found');
    assertError(await s1.post(`/api/v1/parties/${theirs.id}/points`, { points: 10, reason: 'gift' }), 404, 'not_found');
    assertError(await s1.post(`/api/v1/referral-cards/${card}/redeem`, { party_id: newcomer.id }), 422, 'invalid_reference', 'party_id');
    assertError(await s1.post(`${P}/referrals`, { member_card: mineM.member_card, referrer_name: mine.name, party_id: newcomer.id }),
      422, 'invalid_reference', 'party_id');
    assertError(await s1.post('/api/v1/email-templates/preview', { subject: '{{name}}', body: 'x', party_id: theirs.id }), 422, 'invalid_reference', 'party_id');
    assertError(await s1.post('/api/v1/consents', { party_id: theirs.id, channel: 'email', granted: false, source: 'x', wording: 'y' }),
      422, 'invalid_reference', 'party_id');
    // A posting on s1's own customer naming the colleague's customer's order, or an order that is not there.
    assertError(await s1.post(`/api/v1/parties/${mine.id}/points`, { points: 5, reason: 'order', order_id: order.id }), 422, 'invalid_reference', 'order_id');
    assertError(await s1.post(`/api/v1/parties/${mine.id}/points`, { points: 5, reason: 'order', order_id: 999999 }), 422, 'invalid_reference', 'order_id');
    assert.equal(dbChanges(srv.db, before), '', 'the refusals changed nothing');
    assert.equal((await admin.get(`/api/v1/parties/${theirs.id}/points`)).body.balance, 50);
    // And s1 works on their own customer.
    const own = await s1.post(`/api/v1/parties/${mine.id}/points`, { points: 5, reason: '礼品 gift' });
    assert.equal(own.status, 201, own.text);
    assert.notEqual(dbChanges(srv.db, before), '', 'an allowed posting is stored');
  } finally { await srv.stop(); srv.cleanup(); }
});

test("a campaign outside the caller's read scope is not there for its custom routes either: send, measures and members answer 404, and nothing is queued", async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'mk@test.local', 'marketing');
    // Marketing reads only its own campaigns in this installation (it may still change its own).
    const put = await admin.request('PUT', '/api/v1/permissions', { role: 'marketing', entity: 'campaigns', action: 'read', scope: 'own' });
    assert.equal(put.status, 200, put.text);
    const mk = await srv.login('mk@test.local', PW);
    const theirs = (await admin.post('/api/v1/campaigns', { name: '别人的 Theirs' })).body;
    const mine = (await mk.post('/api/v1/campaigns', { name: '我的 Mine' })).body;
    const before = dbDumpOfRequests(srv.db);
    for (const [method, path] of [['GET', `/api/v1/campaigns/${theirs.id}`], ['GET', `/api/v1/campaigns/${theirs.id}/measures`],
      ['GET', `/api/v1/campaigns/${theirs.id}/members`], ['POST', `/api/v1/campaigns/${theirs.id}/send`]]) {
      assertError(await mk.request(method, path, method === 'POST' ? {} : undefined), 404, 'not_found');
    }
    assert.equal(dbDumpOfRequests(srv.db), before, 'the refusals queued nothing');
    // The caller's own campaign is there: a draft does not send (409), its measures are read.
    assertError(await mk.post(`/api/v1/campaigns/${mine.id}/send`, {}), 409, 'invalid_state', 'status');
    assert.equal((await mk.get(`/api/v1/campaigns/${mine.id}/measures`)).status, 200);
  } finally { await srv.stop(); srv.cleanup(); }
});
