// Leads (issue 18): the record type and its workflow, duplicate detection
// against parties and leads, the assignment rules (round robin, capacity,
// disabled users skipped, the cursor surviving a restart), the public
// web-to-lead form (JSON and form-encoded, honeypot, consent, rate limit,
// unknown key) and the conversion into parties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, Client, addUser, assertError, sql, sqlExec, waitJob } from './harness.mjs';

const PW = 'a long enough password';

test('a lead: create, workflow with a reason, stamps, and no conversion by PATCH', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const l = await admin.post('/api/v1/leads', { name: '王芳 Wang Fang', company: '华星科技', emails: ['fang@huaxing.cn'],
      phones: ['138 0013 8000'], source: 'exhibition', territory: 'east', industry: 'software' });
    assert.equal(l.status, 201, l.text);
    assert.equal(l.body.status, 'new');
    assert.equal(l.body.owner_id, admin.user.id, 'no rule: the creator owns it');
    assert.deepEqual(l.body.duplicates, []);
    assertError(await admin.post('/api/v1/leads', { name: 'x', source: 'pigeon' }), 422, 'invalid_value', 'source');
    assertError(await admin.post('/api/v1/leads', { company: 'x' }), 422, 'required', 'name');
    // Disqualifying needs a reason; converting is the conversion's.
    assertError(await admin.patch(`/api/v1/leads/${l.body.id}`, { status: 'disqualified', version: 1 }), 422, 'required', 'disqualify_reason');
    const conv = await admin.patch(`/api/v1/leads/${l.body.id}`, { status: 'converted', version: 1 });
    assertError(conv, 409, 'invalid_transition', 'status');
    assertError(await admin.patch(`/api/v1/leads/${l.body.id}`, { converted_party_id: 1, version: 1 }), 422, 'read_only', 'converted_party_id');
    const w = await admin.patch(`/api/v1/leads/${l.body.id}`, { status: 'working', version: 1 });
    assert.equal(w.status, 200, w.text);
    assert.match(w.body.worked_at, /Z$/);
    const d = await admin.patch(`/api/v1/leads/${l.body.id}`, { status: 'disqualified', disqualify_reason: 'no budget', version: w.body.version });
    assert.equal(d.status, 200, d.text);
    assert.ok(d.body.disqualified_at);
    assertError(await admin.post(`/api/v1/leads/${l.body.id}/convert`, {}), 409, 'invalid_transition', 'status');
    const tl = (await admin.get(`/api/v1/leads/${l.body.id}/timeline`)).body.items;
    assert.equal(tl.length, 3);
    // A salesperson sees their own leads only.
    addUser(srv.db, 's1@test.local', 'sales');
    const s1 = await srv.login('s1@test.local', PW);
    assert.equal((await s1.get(`/api/v1/leads/${l.body.id}`)).status, 404);
    const mine = await s1.post('/api/v1/leads', { name: 'Mine' });
    assert.equal(mine.status, 201, mine.text);
    assert.deepEqual((await s1.get('/api/v1/leads')).body.items.map((x) => x.id), [mine.body.id]);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('duplicates: e-mail in any case, phone in any spelling, name + company, against parties and leads', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const p = (await admin.post('/api/v1/parties', { kind: 'person', name: '李雷', emails: ['Li.Lei@Example.com'], phones: ['+86 139-1234-5678'] })).body;
    const org = (await admin.post('/api/v1/parties', { kind: 'organization', name: 'Acme 公司' })).body;
    const hm = (await admin.post('/api/v1/parties', { kind: 'person', name: 'Han Meimei' })).body;
    assert.equal((await admin.post('/api/v1/links', { from_id: hm.id, to_id: org.id, kind: 'works_at' })).status, 201);
    const a = await admin.post('/api/v1/leads', { name: 'L. Lei', emails: ['li.lei@example.com'] });
    assert.deepEqual(a.body.duplicates, [{ type: 'party', id: p.id, name: '李雷', matched_on: 'email' }]);
    const b = await admin.post('/api/v1/leads', { name: 'Lei', phones: ['13912345678'] });
    assert.deepEqual(b.body.duplicates, [{ type: 'party', id: p.id, name: '李雷', matched_on: 'phone' }]);
    const c = await admin.post('/api/v1/leads', { name: 'han meimei', company: 'ACME 公司' });
    assert.deepEqual(c.body.duplicates, [{ type: 'party', id: hm.id, name: 'Han Meimei', matched_on: 'name_company' }]);
    // A second lead with the same phone finds the party and the first lead; the GET shows it.
    const d = await admin.post('/api/v1/leads', { name: 'Someone', phones: ['0086 139 1234 5678'] });
    assert.deepEqual(d.body.duplicates.map((x) => [x.type, x.id]), [['party', p.id], ['lead', b.body.id]]);
    assert.deepEqual((await admin.get(`/api/v1/leads/${d.body.id}`)).body.duplicates, d.body.duplicates);
    const none = await admin.post('/api/v1/leads', { name: 'Nobody', emails: ['nobody@else.org'] });
    assert.deepEqual(none.body.duplicates, []);
    // As of now: a later party shows in the live answer.
    await admin.post('/api/v1/parties', { kind: 'person', name: 'Nob', emails: ['NOBODY@else.org'] });
    const live = await admin.get(`/api/v1/leads/${none.body.id}/duplicates`);
    assert.equal(live.status, 200, live.text);
    assert.deepEqual(live.body.items.map((x) => x.matched_on), ['email']);
    // The live answer names only what the caller may read: a salesperson
    // outside the admin's records is not told the party's name.
    addUser(srv.db, 'rep@test.local', 'sales');
    const rep = await srv.login('rep@test.local', PW);
    const own = await rep.post('/api/v1/leads', { name: 'Lei again', emails: ['li.lei@example.com'] });
    assert.equal(own.status, 201, own.text);
    assert.equal((await rep.get(`/api/v1/parties/${p.id}`)).status, 404);
    assert.deepEqual((await rep.get(`/api/v1/leads/${own.body.id}/duplicates`)).body.items, []);
  } finally { await srv.stop(); srv.cleanup(); }
});

async function salesTeam(srv, admin, n, name = 'East 华东') {
  const team = (await admin.post('/api/v1/teams', { name })).body;
  const users = [];
  for (let i = 0; i < n; i++) {
    addUser(srv.db, `rep${i}-${team.id}@test.local`, 'sales');
    const id = Number(sql(srv.db, 'SELECT id FROM app_user WHERE email = ?', `rep${i}-${team.id}@test.local`));
    sqlExec(srv.db, 'UPDATE app_user SET team_id = ? WHERE id = ?', team.id, id);
    users.push(id);
  }
  return { team, users };
}

function counts(leads) {
  const m = {};
  for (const l of leads) m[l.owner_id] = (m[l.owner_id] || 0) + 1;
  return m;
}

test('assignment: round robin is fair, capacity per period, disabled users skipped, the cursor survives a restart', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const { team, users } = await salesTeam(srv, admin, 3);
    const rule = await admin.post('/api/v1/assignment-rules', { name: '华东 east', territory: 'east', team_id: team.id });
    assert.equal(rule.status, 201, rule.text);
    assert.equal(rule.body.enabled, true);
    assert.equal(rule.body.period, 'day');
    // odoo#259324: 30 leads must not all go to one member.
    const made = [];
    for (let i = 0; i < 30; i++) made.push((await admin.post('/api/v1/leads', { name: `L${i}`, territory: 'East' })).body);
    assert.deepEqual(Object.values(counts(made)), [10, 10, 10]);
    assert.deepEqual(made.slice(0, 3).map((l) => l.owner_id), users);
    assert.ok(made.every((l) => l.team_id === team.id && l.assignment_rule_id === rule.body.id && l.assigned_at));
    // A lead of another territory is not assigned by the rule.
    const other = (await admin.post('/api/v1/leads', { name: 'West', territory: 'west' })).body;
    assert.equal(other.owner_id, admin.user.id);
    assert.equal(other.assignment_rule_id, null);
    // Restart: the rotation goes on after the last one served.
    const last = made[29].owner_id;
    await srv.stop();
    await srv.start();
    const admin2 = await srv.login();
    const next = (await admin2.post('/api/v1/leads', { name: 'after restart', territory: 'east' })).body;
    assert.equal(next.owner_id, users[(users.indexOf(last) + 1) % 3]);
    // A disabled member is skipped.
    sqlExec(srv.db, 'UPDATE app_user SET disabled = 1 WHERE id = ?', users[1]);
    const more = [];
    for (let i = 0; i < 4; i++) more.push((await admin2.post('/api/v1/leads', { name: `M${i}`, territory: 'east' })).body);
    assert.ok(more.every((l) => l.owner_id !== users[1]));
    // Capacity: each member at most 12 a day; users[0] and users[2] have 12 by now.
    const cap = await admin2.patch(`/api/v1/assignment-rules/${rule.body.id}`, { capacity: 13, version: rule.body.version });
    assert.equal(cap.status, 200, cap.text);
    const given = Number(sql(srv.db, "SELECT COUNT(*) FROM assignment_log WHERE user_id IN (?, ?)", users[0], users[2]));
    const room = 26 - given;
    const extra = [];
    for (let i = 0; i < room + 2; i++) extra.push((await admin2.post('/api/v1/leads', { name: `C${i}`, territory: 'east' })).body);
    const assigned = extra.filter((l) => l.assignment_rule_id !== null);
    assert.equal(assigned.length, room, 'no one past capacity');
    assert.equal(extra.at(-1).assignment_rule_id, null, 'full: left with the creator');
    assert.equal(extra.at(-1).owner_id, admin.user.id);
    assertError(await admin2.post('/api/v1/assignment-rules', { name: 'x', team_id: team.id, capacity: 0 }), 422, 'invalid_value', 'capacity');
    // Only admins set the rules up; a manager reads them.
    addUser(srv.db, 'boss@test.local', 'manager');
    addUser(srv.db, 'rep@test.local', 'sales');
    const boss = await srv.login('boss@test.local', PW);
    const rep = await srv.login('rep@test.local', PW);
    assert.equal((await boss.get('/api/v1/assignment-rules')).status, 200);
    assertError(await boss.post('/api/v1/assignment-rules', { name: 'y', team_id: team.id }), 403, 'forbidden');
    assert.equal((await rep.get('/api/v1/assignment-rules')).status, 403);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('two server processes on one database share the rotation: no turn is given twice', async () => {
  const one = await new Server().start();
  const two = new Server({ dir: one.dir });
  try {
    const admin = await one.login();
    const { team, users } = await salesTeam(one, admin, 3, 'Shared');
    await admin.post('/api/v1/assignment-rules', { name: 'all', team_id: team.id });
    await two.start();
    const admin2 = await two.login();
    // 60 leads at once, half through each process.
    const made = await Promise.all(Array.from({ length: 60 }, (_, i) =>
      (i % 2 ? admin : admin2).post('/api/v1/leads', { name: `P${i}` }).then((r) => { assert.equal(r.status, 201, r.text); return r.body; })));
    const c = counts(made);
    assert.deepEqual(Object.keys(c).map(Number).sort(), [...users].sort());
    assert.deepEqual(Object.values(c), [20, 20, 20], JSON.stringify(c));
  } finally { await two.stop(); await one.stop(); one.cleanup(); }
});

test('import: leads through the kernel import are checked and assigned', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const { team, users } = await salesTeam(srv, admin, 2, 'Imports');
    await admin.post('/api/v1/assignment-rules', { name: 'fairs', source: 'exhibition', team_id: team.id });
    const csv = 'name,company,emails,source\n甲,A,a@x.cn,exhibition\n乙,B,b@x.cn,exhibition\n丙,C,c@x.cn,press\n';
    const r = await admin.request('POST', '/api/v1/imports?kind=leads', csv, { 'Content-Type': 'text/csv' });
    assert.equal(r.status, 202, r.text);
    const job = await waitJob(admin, `/api/v1/imports/${r.body.id}`);
    assert.equal(job.status, 'done', JSON.stringify(job));
    const items = (await admin.get('/api/v1/leads?sort=name')).body.items;
    assert.equal(items.length, 3);
    const fair = items.filter((l) => l.source === 'exhibition').map((l) => l.owner_id).sort();
    assert.deepEqual(fair, [...users].sort());
  } finally { await srv.stop(); srv.cleanup(); }
});

async function raw(srv, method, path, body, type) {
  const r = await fetch(srv.base + path, { method, headers: type ? { 'Content-Type': type } : {}, body });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

test('the public form: HTML page, JSON and form-encoded submissions, consent, honeypot, unknown key, rate limit', async () => {
  const srv = await new Server({ env: { RAPPORT_FORM_RATE: '5' } }).start();
  try {
    const admin = await srv.login();
    assertError(await admin.post('/api/v1/lead-forms', { key: 'Bad Key', name: 'x', consent_text: 'y' }), 422, 'invalid_value', 'key');
    const f = await admin.post('/api/v1/lead-forms', { key: 'expo-2027', name: '展会 Expo <2027>', consent_text: '我同意 I agree to be contacted', territory: 'east' });
    assert.equal(f.status, 201, f.text);
    const page = await raw(srv, 'GET', '/forms/expo-2027');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.match(page.text, /Expo &lt;2027&gt;/);
    assert.match(page.text, /I agree to be contacted/);
    assert.match(page.text, /姓名 Name/);
    let r = await raw(srv, 'POST', '/forms/expo-2027', JSON.stringify({ name: '赵六', email: 'zhao@liu.cn', company: 'Z', consent: true }), 'application/json');
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(JSON.parse(r.text), { received: true });
    r = await raw(srv, 'POST', '/forms/expo-2027', 'name=%E9%92%B1%E4%B8%83&phone=139+0000+1111&message=hello+there&consent=yes', 'application/x-www-form-urlencoded');
    assert.equal(r.status, 202, r.text);
    assert.match(r.text, /Thank you/);
    // Honeypot: the same answer, nothing stored.
    r = await raw(srv, 'POST', '/forms/expo-2027', JSON.stringify({ name: 'bot', email: 'bot@spam.biz', consent: true, website: 'http://spam' }), 'application/json');
    assert.equal(r.status, 202);
    // No consent: refused, naming the field.
    r = await raw(srv, 'POST', '/forms/expo-2027', JSON.stringify({ name: 'n', email: 'n@n.cn' }), 'application/json');
    assert.equal(r.status, 422);
    assert.equal(JSON.parse(r.text).error.field, 'consent');
    const leads = (await admin.get('/api/v1/leads?sort=name')).body.items;
    assert.deepEqual(leads.map((l) => l.name).sort(), ['赵六', '钱七'].sort());
    const q = leads.find((l) => l.name === '钱七');
    assert.deepEqual(q.phones, ['139 0000 1111']);
    assert.equal(q.notes, 'hello there');
    assert.equal(q.consent_text, '我同意 I agree to be contacted');
    assert.match(q.consent_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(q.source, 'website');
    assert.equal(q.territory, 'east');
    assert.equal(q.form_id, f.body.id);
    assert.equal(q.owner_id, null, 'no login, no rule: unassigned');
    // Unknown and disabled keys are 404.
    assert.equal((await raw(srv, 'GET', '/forms/nope')).status, 404);
    await admin.patch(`/api/v1/lead-forms/${f.body.id}`, { enabled: false, version: f.body.version });
    assert.equal((await raw(srv, 'POST', '/forms/expo-2027', JSON.stringify({ name: 'x', email: 'x@x.cn', consent: true }), 'application/json')).status, 404);
    // The fifth submission of the minute was that one; the sixth is refused.
    r = await raw(srv, 'POST', '/forms/expo-2027', JSON.stringify({ name: 'x', email: 'x@x.cn', consent: true }), 'application/json');
    assert.equal(r.status, 429, r.text);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await admin.get('/api/v1/leads')).body.items.length, 2);
  } finally { await srv.stop(); srv.cleanup(); }
});

// With the opportunities type of issue 18 part A (after its merge): the
// conversion's opportunity, in the default pipeline's first stage or where
// the body says; without it, opportunity_id is null.
test('the public form names the bad field in its own terms, and a form lead is assigned by the rules', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const { team, users } = await salesTeam(srv, admin, 2, 'Web');
    await admin.post('/api/v1/assignment-rules', { name: 'web', source: 'website', team_id: team.id });
    await admin.post('/api/v1/lead-forms', { key: 'contact', name: 'Contact', consent_text: 'OK' });
    const post = (body, type = 'application/json') => raw(srv, 'POST', '/forms/contact', type === 'application/json' ? JSON.stringify(body) : body, type);
    let r = await post({ email: 'a@b.cn', consent: true });
    assert.equal(r.status, 422, r.text);
    assert.equal(JSON.parse(r.text).error.field, 'name');
    r = await post({ name: 'x', email: 'not-an-address', consent: true });
    assert.equal(r.status, 422, r.text);
    assert.equal(JSON.parse(r.text).error.field, 'email');
    // A browser that posted the form gets a page naming the field, with the way back.
    r = await post('name=x&email=not-an-address&consent=on', 'application/x-www-form-urlencoded');
    assert.equal(r.status, 422, r.text);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.match(r.text, /电子邮件 E-mail/);
    assert.match(r.text, /href="\/forms\/contact"/);
    r = await post({ name: 'x', consent: true });
    assert.equal(r.status, 422, r.text);
    assert.equal(JSON.parse(r.text).error.field, 'email');
    r = await post('name=%ZZbad&email=a%40b.cn&consent=1', 'application/x-www-form-urlencoded');
    assert.equal(r.status, 202, r.text);
    r = await post('{"name": ', 'application/json');
    assert.equal(r.status, 400);
    r = await post({ name: 'Second', phone: '13700000000', consent: 'yes' });
    assert.equal(r.status, 202, r.text);
    const leads = (await admin.get('/api/v1/leads?sort=name')).body.items;
    assert.deepEqual(leads.map((l) => l.name).sort(), ['%ZZbad', 'Second']);
    assert.deepEqual(leads.map((l) => l.owner_id).sort(), [...users].sort(), 'one each, by the rule');
    assert.ok(leads.every((l) => l.assignment_rule_id && l.source === 'website'));
  } finally { await srv.stop(); srv.cleanup(); }
});

test('conversion makes the opportunity when that type exists', async (t) => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const types = (await admin.get('/api/v1/record-types')).body.types;
    const l = (await admin.post('/api/v1/leads', { name: '猪八戒', company: '高老庄' })).body;
    if (!types.some((x) => x.name === 'opportunities')) {
      assert.equal((await admin.post(`/api/v1/leads/${l.id}/convert`, {})).body.opportunity_id, null);
      t.skip('no opportunities type in this build');
      return;
    }
    const r = await admin.post(`/api/v1/leads/${l.id}/convert`, {});
    assert.equal(r.status, 200, r.text);
    const opp = (await admin.get(`/api/v1/opportunities/${r.body.opportunity_id}`)).body;
    assert.equal(opp.party_id, r.body.party_id);
    const pipes = (await admin.get('/api/v1/pipelines?limit=100')).body.items.filter((p) => p.active !== false).sort((a, b) => a.id - b.id);
    assert.equal(opp.pipeline_id, pipes[0].id);
    assert.equal(opp.stage, pipes[0].stages[0].key);
    assert.equal(opp.status, 'open');
    assert.equal((await admin.get(`/api/v1/leads/${l.id}`)).body.converted_opportunity_id, opp.id);
    // The body's pipeline, stage and amount; a bad stage changes nothing.
    const p2 = pipes.at(-1);
    const l2 = (await admin.post('/api/v1/leads', { name: '沙僧', company: '流沙河' })).body;
    const bad = await admin.post(`/api/v1/leads/${l2.id}/convert`, { opportunity: { pipeline_id: p2.id, stage: 'no_such_stage' } });
    assert.equal(bad.status, 422, bad.text);
    assert.equal(bad.body.error.field, 'stage');
    assert.equal((await admin.get(`/api/v1/leads/${l2.id}`)).body.status, 'new');
    const good = await admin.post(`/api/v1/leads/${l2.id}/convert`, { opportunity: { pipeline_id: p2.id, stage: p2.stages[1].key,
      amount: { amount: 880000, currency: 'CNY' }, expected_close_on: '2027-09-30' } });
    assert.equal(good.status, 200, good.text);
    const o2 = (await admin.get(`/api/v1/opportunities/${good.body.opportunity_id}`)).body;
    assert.deepEqual([o2.pipeline_id, o2.stage, o2.amount.amount, o2.expected_close_on], [p2.id, p2.stages[1].key, 880000, '2027-09-30']);
  } finally { await srv.stop(); srv.cleanup(); }
});

test('conversion: person + organisation + works_at, history kept; into an existing party merges the contacts', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    const l = (await admin.post('/api/v1/leads', { name: '孙悟空', company: '花果山集团', title: 'CEO', emails: ['sun@hgs.cn'], source: 'referral' })).body;
    const r = await admin.post(`/api/v1/leads/${l.id}/convert`, {});
    assert.equal(r.status, 200, r.text);
    const hasOpp = (await admin.get('/api/v1/record-types')).body.types.some((t) => t.name === 'opportunities');
    if (!hasOpp) assert.equal(r.body.opportunity_id, null);
    const person = (await admin.get(`/api/v1/parties/${r.body.party_id}`)).body;
    assert.equal(person.kind, 'person');
    assert.deepEqual(person.emails, ['sun@hgs.cn']);
    assert.equal(person.source, 'referral');
    const org = (await admin.get(`/api/v1/parties/${r.body.organization_id}`)).body;
    assert.equal(org.name, '花果山集团');
    const links = (await admin.get(`/api/v1/links?from_id=${person.id}`)).body.items;
    assert.deepEqual(links.map((k) => [k.kind, k.to_id, k.title]), [['works_at', org.id, 'CEO']]);
    const lead = (await admin.get(`/api/v1/leads/${l.id}`)).body;
    assert.equal(lead.status, 'converted');
    assert.equal(lead.converted_party_id, person.id);
    assert.equal(lead.converted_by, admin.user.id);
    // The lead's history is in the party's timeline.
    const tl = (await admin.get(`/api/v1/parties/${person.id}/timeline`)).body.items;
    assert.ok(tl.some((i) => i.item && i.item.entity === 'lead' && i.item.action === 'create'), JSON.stringify(tl));
    assertError(await admin.post(`/api/v1/leads/${l.id}/convert`, {}), 409, 'invalid_transition', 'status');
    // A second lead of the same company: the organisation is reused; into an existing person.
    const l2 = (await admin.post('/api/v1/leads', { name: 'Sun W.', company: '花果山集团', emails: ['wukong@hgs.cn'], phones: ['13800138000'] })).body;
    const r2 = await admin.post(`/api/v1/leads/${l2.id}/convert`, { party_id: person.id, create_opportunity: false });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(r2.body.party_id, person.id);
    assert.equal(r2.body.organization_id, org.id);
    assert.equal(r2.body.opportunity_id, null);
    const merged = (await admin.get(`/api/v1/parties/${person.id}`)).body;
    assert.deepEqual(merged.emails, ['sun@hgs.cn', 'wukong@hgs.cn']);
    assert.deepEqual(merged.phones, ['13800138000']);
    assert.equal((await admin.get(`/api/v1/links?from_id=${person.id}`)).body.items.length, 1, 'no second works_at');
    // Bad input changes nothing.
    const l3 = (await admin.post('/api/v1/leads', { name: 'x' })).body;
    assertError(await admin.post(`/api/v1/leads/${l3.id}/convert`, { party_id: org.id }), 422, 'invalid_reference', 'party_id');
    assertError(await admin.post(`/api/v1/leads/${l3.id}/convert`, { bogus: 1 }), 422, 'unknown_field', 'bogus');
    assert.equal((await admin.get(`/api/v1/leads/${l3.id}`)).body.status, 'new');
    assertError(await admin.post('/api/v1/leads/999999/convert', {}), 404, 'not_found');
    // read_only may not convert.
    addUser(srv.db, 'ro@test.local', 'read_only');
    const ro = await srv.login('ro@test.local', PW);
    assert.equal((await ro.post(`/api/v1/leads/${l3.id}/convert`, {})).status, 403);
  } finally { await srv.stop(); srv.cleanup(); }
});
