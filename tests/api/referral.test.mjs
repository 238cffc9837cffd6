// The VIP referral-card programme (issue 21, DOMAIN D9): levels with card
// quotas, benefits and expected spending; first-level members enrolled with
// a complete file; cards issued within quota and budget (a refusal names
// which and changes nothing); redemption one level down; the fraud checks
// (self-referral, the same identity, enrolling twice, a card used twice, a
// cycle); quota growth; ordinary members referred by card number and name
// from the open level on; the tree with subtree counts, cost and revenue;
// the per-level report planned against actual; and, under concurrent
// requests through two server processes, a card redeemed once and a quota
// never exceeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, sql } from './harness.mjs';

const CNY = (amount) => ({ amount, currency: 'CNY' });
// The seed's plan: the first level gets a machine and 2 discs and 6 cards A;
// A buys at half price with 4 discs and 6 cards B; B a third off, C a quarter.
const LEVELS = [
  { level: 1, card_quota: 6, benefit: '1 台机器 + 2 张光盘 one machine and 2 discs', benefit_cost: CNY(300000), expected_spend: CNY(600000) },
  { level: 2, card_quota: 6, benefit: '半价 + 4 张光盘 half price and 4 discs', benefit_cost: CNY(150000), expected_spend: CNY(300000) },
  { level: 3, card_quota: 6, benefit: '1/3 off', benefit_cost: CNY(100000), expected_spend: CNY(200000) },
  { level: 4, card_quota: 0, benefit: '1/4 off', benefit_cost: CNY(75000), expected_spend: CNY(150000) },
];

let seq = 0;
async function person(c, name, { address = false } = {}) {
  seq++;
  const r = await c.post('/api/v1/parties', { kind: 'person', name, phones: [`+86 138 0000 ${String(1000 + seq)}`],
    emails: [`p${seq}.${Date.now()}@example.com`], addresses: address ? [{ line1: '1 Nanjing Rd', city: '上海' }] : [] });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function program(c, extra = {}) {
  const r = await c.post('/api/v1/referral-programs', { name: 'VIP 推荐卡 launch', status: 'active', levels: LEVELS,
    budget_cap: CNY(1000000000), ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('enrol, issue, redeem, the fraud checks, growth, ordinary members, the tree and the report', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    // The level table is checked.
    assertError(await admin.post('/api/v1/referral-programs', { name: 'x', budget_cap: CNY(1), levels: [{ level: 2, card_quota: 1, benefit_cost: CNY(1) }] }),
      422, 'invalid_value', 'levels');
    assertError(await admin.post('/api/v1/referral-programs', { name: 'x', budget_cap: CNY(1), levels: [{ level: 1, card_quota: 1, benefit_cost: { amount: 1, currency: 'USD' } }] }),
      422, 'invalid_value', 'levels');
    const prog = await program(admin, { growth_every: 2, growth_cards: 3, growth_up_to_level: 2, open_from_level: 3 });
    const P = `/api/v1/referral-programs/${prog.id}`;
    // A first-level member needs a complete file.
    const a = await person(admin, '张伟 Zhang Wei', { address: true });
    assertError(await admin.post(`${P}/members`, { party_id: a.id }), 422, 'incomplete_file', 'id_number');
    const noAddr = await person(admin, '无地址 No Address');
    assertError(await admin.post(`${P}/members`, { party_id: noAddr.id, id_number: '110101199001011234' }), 422, 'incomplete_file', 'address');
    const m1 = await admin.post(`${P}/members`, { party_id: a.id, id_number: '110101199001011234' });
    assert.equal(m1.status, 201, m1.text);
    assert.equal(m1.body.level, 1);
    assert.equal(m1.body.card_quota, 6);
    assert.equal(m1.body.benefit_cost.amount, 300000);
    assert.match(m1.body.member_card, /^L0-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$/);
    // Enrolling twice, or the same ID number on another party: refused.
    assertError(await admin.post(`${P}/members`, { party_id: a.id, id_number: 'X1' }), 409, 'already_member', 'party_id');
    const twin = await person(admin, '张伟 Twin', { address: true });
    assertError(await admin.post(`${P}/members`, { party_id: twin.id, id_number: '110101 199001011234' }), 409, 'duplicate_identity', 'id_number');
    // Six cards A; a seventh is over the quota and issues nothing.
    const cards = await admin.post(`${P}/members/${m1.body.id}/cards`, { count: 6 });
    assert.equal(cards.status, 201, cards.text);
    assert.equal(cards.body.items.length, 6);
    for (const k of cards.body.items) assert.match(k.code, /^L2-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$/);
    assert.equal(new Set(cards.body.items.map((k) => k.code)).size, 6);
    const over = await admin.post(`${P}/members/${m1.body.id}/cards`, { count: 1 });
    assertError(over, 409, 'quota_exceeded', 'count');
    assert.equal(sql(srv.db, 'SELECT count(*) FROM referral_card'), '6');
    // A code with one character changed, or another level's prefix, is no card.
    const code = cards.body.items[0].code;
    const typo = code.slice(0, -3) + (code.at(-3) === 'A' ? 'B' : 'A') + code.slice(-2);
    const b = await person(admin, '李娜 Li Na');
    assertError(await admin.post(`/api/v1/referral-cards/${typo}/redeem`, { party_id: b.id }), 404, 'not_found', 'code');
    assertError(await admin.post(`/api/v1/referral-cards/${'L3' + code.slice(2)}/redeem`, { party_id: b.id }), 404, 'not_found', 'code');
    // Self-referral: the issuer's own party.
    assertError(await admin.post(`/api/v1/referral-cards/${code}/redeem`, { party_id: a.id }), 409, 'self_referral', 'party_id');
    // Redeemed by a new customer (lower case and without dashes is the same code): one level down.
    const m2 = await admin.post(`/api/v1/referral-cards/${code.toLowerCase().replaceAll('-', '')}/redeem`, { party_id: b.id, id_number: 'B-2' });
    assert.equal(m2.status, 201, m2.text);
    assert.equal(m2.body.level, 2);
    assert.equal(m2.body.parent_id, m1.body.id);
    assert.equal(m2.body.card_code, code);
    assert.equal(m2.body.benefit_cost.amount, 150000);
    // A card used twice; the same phone as a member; the same party twice.
    const c2 = await person(admin, '王强 Wang Qiang');
    assertError(await admin.post(`/api/v1/referral-cards/${code}/redeem`, { party_id: c2.id }), 409, 'card_used', 'code');
    assertError(await admin.post(`/api/v1/referral-cards/${cards.body.items[1].code}/redeem`, { party_id: c2.id, phone: b.phones[0] }),
      409, 'duplicate_identity', 'phone');
    assertError(await admin.post(`/api/v1/referral-cards/${cards.body.items[1].code}/redeem`, { party_id: b.id }), 409, 'already_member', 'party_id');
    const before = sql(srv.db, 'SELECT count(*) FROM referral_member');
    // A cycle: B's card redeemed by A, who is above B.
    const bcards = (await admin.post(`${P}/members/${m2.body.id}/cards`, { count: 2 })).body.items;
    assertError(await admin.post(`/api/v1/referral-cards/${bcards[0].code}/redeem`, { party_id: a.id }), 409, 'referral_cycle', 'party_id');
    assert.equal(sql(srv.db, 'SELECT count(*) FROM referral_member'), before);
    // Growth: every two discounted members below A give A 3 more cards (levels 1 and 2 only).
    assert.equal((await admin.get(`${P}/members/${m1.body.id}`)).body.card_quota, 6);   // one below: no growth yet
    const m3 = (await admin.post(`/api/v1/referral-cards/${cards.body.items[1].code}/redeem`, { party_id: c2.id })).body;
    assert.equal((await admin.get(`${P}/members/${m1.body.id}`)).body.card_quota, 9);   // two below: 3 more cards
    const d = await person(admin, '赵敏 Zhao Min');
    const m4 = await admin.post(`/api/v1/referral-cards/${bcards[0].code}/redeem`, { party_id: d.id });   // level 3, under B
    assert.equal(m4.status, 201, m4.text);
    assert.equal(m4.body.level, 3);
    const grown = (await admin.get(`${P}/members/${m1.body.id}`)).body;
    assert.equal(grown.card_quota, 9, JSON.stringify(grown));
    assert.equal((await admin.post(`${P}/members/${m1.body.id}/cards`, { count: 3 })).status, 201);
    // Ordinary members: from level 3, by card number and name, no benefit.
    const e = await person(admin, '普通 Ordinary');
    assertError(await admin.post(`${P}/referrals`, { member_card: m2.body.member_card, referrer_name: b.name, party_id: e.id }), 409, 'not_open', 'member_card');
    assertError(await admin.post(`${P}/referrals`, { member_card: m4.body.member_card, referrer_name: 'Someone Else', party_id: e.id }), 422, 'name_mismatch', 'referrer_name');
    const o1 = await admin.post(`${P}/referrals`, { member_card: m4.body.member_card.toLowerCase(), referrer_name: d.name, party_id: e.id });
    assert.equal(o1.status, 201, o1.text);
    assert.equal(o1.body.ordinary, true);
    assert.equal(o1.body.benefit_cost.amount, 0);
    // Revenue: a purchase by the level-3 member counts in every subtree above it.
    assert.equal((await admin.post('/api/v1/transactions', { party_id: d.id, occurred_at: '2026-12-01T10:00:00Z', amount: CNY(88800) })).status, 201);
    const tree = await admin.get(`${P}/members/${m1.body.id}/tree`);
    assert.equal(tree.status, 200, tree.text);
    assert.equal(tree.body.subtree.members, 5);          // A, B, C, D and the ordinary E
    assert.equal(tree.body.subtree.ordinary, 1);
    assert.equal(tree.body.subtree.cost.amount, 300000 + 150000 * 2 + 100000);
    assert.equal(tree.body.subtree.revenue.amount, 88800);
    assert.deepEqual(tree.body.children.map((x) => x.id).sort((x, y) => x - y), [m2.body.id, m3.id].sort((x, y) => x - y));
    const bNode = tree.body.children.find((x) => x.id === m2.body.id);
    assert.equal(bNode.subtree_members, 3);
    assert.equal(bNode.subtree_revenue.amount, 88800);
    const page = await admin.get(`${P}/members/${m1.body.id}/tree?limit=1`);
    assert.equal(page.body.children.length, 1);
    assert.ok(page.body.next);
    const page2 = await admin.get(`${P}/members/${m1.body.id}/tree?limit=1&after=${page.body.next}`);
    assert.equal(page2.body.children.length, 1);
    assert.notEqual(page2.body.children[0].id, page.body.children[0].id);
    // The report: per level, planned against actual (the seed's table per first-level member).
    const rep = await admin.get(`${P}/report`);
    assert.equal(rep.status, 200, rep.text);
    assert.equal(rep.body.first_level_members, 1);
    const [l1, l2, l3, l4] = rep.body.levels;
    assert.equal(l1.members, 1);
    assert.equal(l2.members, 2);
    assert.equal(l2.cards_issued, 9);
    assert.equal(l2.cards_redeemed, 2);
    assert.equal(l3.members, 1);
    assert.equal(l3.revenue.amount, 88800);
    assert.equal(l4.ordinary_members, 1);
    assert.equal(l2.planned.members_per_first_level, 6);
    assert.equal(l3.planned.members_per_first_level, 36);
    assert.equal(l4.planned.members_per_first_level, 216);
    assert.equal(rep.body.planned_per_first_level.cost.amount, 300000 + 6 * 150000 + 36 * 100000 + 216 * 75000);
    assert.equal(rep.body.cost.amount, 300000 + 300000 + 100000);
    // Committed: granted plus the cards out (7 level-2 cards, 1 level-3 card).
    assert.equal(rep.body.committed.amount, 700000 + 7 * 150000 + 1 * 100000);
    // The audit trail of the programme shows each step.
    const audit = (await admin.get(`/api/v1/audit?entity=referral_program&entity_id=${prog.id}`)).body.items.map((x) => x.action);
    for (const act of ['enrol', 'issue_cards', 'redeem', 'refer']) assert.ok(audit.includes(act), `${act} in ${audit}`);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('the budget cap: issuing or enrolling beyond it is refused, naming it, and changes nothing', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    // Room for the first member (300,000) and two level-2 cards (150,000 each).
    const prog = await program(admin, { budget_cap: CNY(600000) });
    const P = `/api/v1/referral-programs/${prog.id}`;
    const a = await person(admin, '预算 Budget', { address: true });
    const m = (await admin.post(`${P}/members`, { party_id: a.id, id_number: 'B1' })).body;
    assertError(await admin.post(`${P}/members/${m.id}/cards`, { count: 3 }), 409, 'budget_exceeded', 'count');
    assert.equal(sql(srv.db, 'SELECT count(*) FROM referral_card'), '0');
    assert.equal((await admin.post(`${P}/members/${m.id}/cards`, { count: 2 })).status, 201);
    assertError(await admin.post(`${P}/members/${m.id}/cards`, { count: 1 }), 409, 'budget_exceeded', 'count');
    const b = await person(admin, '预算 Two', { address: true });
    assertError(await admin.post(`${P}/members`, { party_id: b.id, id_number: 'B2' }), 409, 'budget_exceeded', 'budget_cap');
    const rep = (await admin.get(`${P}/report`)).body;
    assert.equal(rep.committed.amount, 600000);
    assert.equal(rep.budget_left.amount, 0);
    // A closed programme enrols and issues nothing.
    const closed = await admin.patch(P, { status: 'closed', version: prog.version });
    assert.equal(closed.status, 200, closed.text);
    assertError(await admin.post(`${P}/members/${m.id}/cards`, { count: 1 }), 409, 'program_not_active', 'status');
  } finally { await srv.stop(); srv.cleanup(); }
});

test('concurrent redemptions and issues through two server processes: one card once, the quota exact', { timeout: 120000 }, async () => {
  const a = await new Server().start();
  const b = await new Server({ dir: a.dir }).start();
  try {
    const ca = await a.login();
    const cb = await b.login();
    const prog = await program(ca);
    const P = `/api/v1/referral-programs/${prog.id}`;
    const root = await person(ca, '根 Root', { address: true });
    const m = (await ca.post(`${P}/members`, { party_id: root.id, id_number: 'R1' })).body;
    // 16 single-card issues at once against a quota of 6.
    const issues = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? ca : cb).post(`${P}/members/${m.id}/cards`, { count: 1 })));
    assert.equal(issues.filter((r) => r.status === 201).length, 6);
    assert.ok(issues.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.error.code === 'quota_exceeded'));
    assert.equal(sql(a.db, 'SELECT count(*) FROM referral_card'), '6');
    const code = issues.find((r) => r.status === 201).body.items[0].code;
    const people = [];
    for (let i = 0; i < 20; i++) people.push(await person(ca, `客户 ${i}`));
    const res = await Promise.all(people.map((p, i) => (i % 2 ? ca : cb).post(`/api/v1/referral-cards/${code}/redeem`, { party_id: p.id })));
    assert.equal(res.filter((r) => r.status === 201).length, 1);
    assert.ok(res.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.error.code === 'card_used'),
      JSON.stringify(res.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body)));
    assert.equal(sql(a.db, 'SELECT count(*) FROM referral_member'), '2');
    const tree = (await cb.get(`${P}/members/${m.id}/tree`)).body;
    assert.equal(tree.subtree.members, 2);
  } finally { await b.stop(); await a.stop(); a.cleanup(); }
});
