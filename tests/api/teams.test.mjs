// Teams as business units (DOMAIN D10): the tree cannot be closed into a
// loop, a team still in use cannot be deleted (409, nothing changed), and a
// team's manager sees the records of every team below it, at any depth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, assertError, sql } from './harness.mjs';

const srv = new Server();
let admin;
const teams = {};

before(async () => {
  await srv.start();
  admin = await srv.tokenClient();
  for (const [name, parent] of [['Group 集团', null], ['East 华东', 'Group 集团'], ['Shanghai 上海', 'East 华东']]) {
    const r = await admin.post('/api/v1/teams', { name, parent_id: parent ? teams[parent].id : null });
    assert.equal(r.status, 201, r.text);
    teams[name] = r.body;
  }
});
after(() => srv.stop());

test('a team cannot be put under itself or any team below it', async () => {
  const top = teams['Group 集团'];
  assertError(await admin.patch(`/api/v1/teams/${top.id}`, { parent_id: top.id, version: top.version }), 422, 'invalid_value', 'parent_id');
  assertError(await admin.patch(`/api/v1/teams/${top.id}`, { parent_id: teams['East 华东'].id, version: top.version }), 422, 'invalid_value', 'parent_id');
  const deep = await admin.patch(`/api/v1/teams/${top.id}`, { parent_id: teams['Shanghai 上海'].id, version: top.version });
  assertError(deep, 422, 'invalid_value', 'parent_id');
  assert.match(deep.body.error.message, /below/);
  assert.equal(sql(srv.db, 'SELECT parent_id FROM team WHERE id = ?', top.id), '');
  // Moving a team sideways or up is fine.
  const sh = teams['Shanghai 上海'];
  const moved = await admin.patch(`/api/v1/teams/${sh.id}`, { parent_id: top.id, version: sh.version });
  assert.equal(moved.status, 200, moved.text);
  const back = await admin.patch(`/api/v1/teams/${sh.id}`, { parent_id: teams['East 华东'].id, version: moved.body.version });
  assert.equal(back.status, 200, back.text);
  teams['Shanghai 上海'] = back.body;
});

test('deleting a team that still has members or sub-teams is a 409 and changes nothing', async () => {
  const east = teams['East 华东'];
  const before = sql(srv.db, 'SELECT count(*) FROM team');
  const r = await admin.del(`/api/v1/teams/${east.id}`);
  assertError(r, 409, 'in_use');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM team'), before);
  const spare = (await admin.post('/api/v1/teams', { name: 'Spare 备用' })).body;
  assert.equal((await admin.del(`/api/v1/teams/${spare.id}`)).status, 204);
});

test('the manager of a team sees the records of teams two levels below', async () => {
  const top = teams['Group 集团'];
  const mk = async (email, role, team) => {
    const r = await admin.post('/api/v1/users', { email, name: email, role, team_id: team.id, password: `password of ${email}` });
    assert.equal(r.status, 201, r.text);
    return { id: r.body.id, client: await srv.tokenClient(email, `password of ${email}`) };
  };
  const boss = await mk('boss@teams.test', 'manager', top);
  const rep = await mk('rep@teams.test', 'sales', teams['Shanghai 上海']);
  const other = await mk('other@teams.test', 'sales', teams['East 华东']);
  const fresh = (await admin.get(`/api/v1/teams/${top.id}`)).body;
  assert.equal((await admin.patch(`/api/v1/teams/${top.id}`, { manager_id: boss.id, version: fresh.version })).status, 200);
  const p = await rep.client.post('/api/v1/parties', { kind: 'person', name: '王芳 深层客户' });
  assert.equal(p.status, 201, p.text);
  assert.equal((await boss.client.get(`/api/v1/parties/${p.body.id}`)).status, 200);
  const list = await boss.client.get('/api/v1/parties?limit=100');
  assert.ok(list.body.items.some((x) => x.id === p.body.id), 'the manager does not see the Shanghai record');
  // The team above (East) sees it too; a member of the Shanghai team does not see East's records.
  assert.equal((await other.client.get(`/api/v1/parties/${p.body.id}`)).status, 200);
  const q = await other.client.post('/api/v1/parties', { kind: 'person', name: '李娜 华东客户' });
  assertError(await rep.client.get(`/api/v1/parties/${q.body.id}`), 404, 'not_found');
});
