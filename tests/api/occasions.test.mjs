// Occasions (DOMAIN D8, issue 20 part A): solar and lunar birthdays (a
// party's lunar_birthday {month, day, leap}), first-purchase anniversaries,
// key dates (membership, maturity, company events) and the festivals of
// both calendars, listed over a range with their parties; occasion rules
// make a task N days ahead, once per (rule, party, day), for the parties of
// their segment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, assertError, sql, sqlExec } from './harness.mjs';

const PW = 'a long enough password';

test('the occasions of a range: festivals by both calendars, solar and lunar birthdays, anniversaries, key dates', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    // lunar_birthday is checked.
    assertError(await admin.post('/api/v1/parties', { kind: 'person', name: 'x', lunar_birthday: { month: 13, day: 1 } }), 422, 'invalid_value', 'lunar_birthday');
    assertError(await admin.post('/api/v1/parties', { kind: 'person', name: 'x', lunar_birthday: { month: 1, day: 31 } }), 422, 'invalid_value', 'lunar_birthday');
    assertError(await admin.post('/api/v1/parties', { kind: 'person', name: 'x', lunar_birthday: { month: 1, day: 3, leap: 'no' } }), 422, 'invalid_value', 'lunar_birthday');
    // 王芳 celebrates 八月十五 (the Mid-Autumn day): 2025-10-06 and 2026-09-25.
    const wang = (await admin.post('/api/v1/parties', { kind: 'person', name: '王芳', lunar_birthday: { month: 8, day: 15, leap: false }, tags: ['vip'] })).body;
    assert.deepEqual(wang.lunar_birthday, { month: 8, day: 15, leap: false });
    // 李雷 was born in a leap second month (闰二月初十, 2023-03-31): in 2024 there is none, so the ordinary 二月初十 (2024-03-19).
    const li = (await admin.post('/api/v1/parties', { kind: 'person', name: '李雷', lunar_birthday: { month: 2, day: 10, leap: true } })).body;
    const han = (await admin.post('/api/v1/parties', { kind: 'person', name: '韩梅梅', birthday: '1990-10-02' })).body;
    // A first purchase on 2020-10-03 (from the analytics' scores).
    sqlExec(srv.db, `INSERT INTO score (party_id, computed_at, first_purchase, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
      net_profit, competitor_amount) VALUES (?, '2026-01-01T00:00:00Z', '2020-10-03', 1, 0, 1, 0, 1, 0, 1, 0)`, han.id);
    const kd = await admin.post('/api/v1/key-dates', { party_id: han.id, kind: 'maturity', title: '定期存款到期 deposit matures', date: '2025-10-04' });
    assert.equal(kd.status, 201, kd.text);
    assert.equal(kd.body.yearly, false);
    const co = (await admin.post('/api/v1/key-dates', { kind: 'company_anniversary', title: '公司成立 founded', date: '2001-10-05' })).body;
    assert.equal(co.yearly, true);
    let r = await admin.get('/api/v1/occasions?from=2025-09-28&to=2025-10-07');
    assert.equal(r.status, 200, r.text);
    const seen = r.body.items.map((i) => [i.date, i.kind, i.sub, i.party_name, i.years]);
    assert.deepEqual(seen, [
      ['2025-10-01', 'festival', 'national_day', null, null],
      ['2025-10-02', 'birthday', null, '韩梅梅', 35],
      ['2025-10-03', 'first_purchase', null, '韩梅梅', 5],
      ['2025-10-04', 'key_date', 'maturity', '韩梅梅', null],
      ['2025-10-05', 'key_date', 'company_anniversary', null, 24],
      ['2025-10-06', 'festival', 'mid_autumn', null, null],
      ['2025-10-06', 'lunar_birthday', null, '王芳', null],
    ]);
    assert.equal(r.body.items.find((i) => i.kind === 'key_date' && i.party_id).key_date_id, kd.body.id);
    // Lunar dates by the table: Spring Festival 2026 is 02-17; 李雷's birthday in 2024 falls back to the ordinary month.
    r = await admin.get('/api/v1/occasions?from=2026-02-01&to=2026-03-05&kind=festival');
    assert.deepEqual(r.body.items.map((i) => [i.date, i.sub]), [['2026-02-17', 'spring_festival'], ['2026-03-03', 'lantern'], ['2026-03-08', 'womens_day']].filter((x) => x[0] <= '2026-03-05'));
    r = await admin.get('/api/v1/occasions?from=2024-01-01&to=2024-12-31&kind=lunar_birthday');
    assert.deepEqual(r.body.items.filter((i) => i.party_id === li.id).map((i) => i.date), ['2024-03-19']);
    r = await admin.get('/api/v1/occasions?from=2023-01-01&to=2023-12-31&kind=lunar_birthday');
    assert.deepEqual(r.body.items.filter((i) => i.party_id === li.id).map((i) => i.date), ['2023-03-31']);
    // A segment narrows the parties.
    r = await admin.get('/api/v1/occasions?from=2025-09-28&to=2025-10-07&segment=' + encodeURIComponent('tags=vip'));
    assert.deepEqual(r.body.items.filter((i) => i.party_id).map((i) => i.party_name), ['王芳']);
    // Bad ranges are refused, naming the parameter.
    assertError(await admin.get('/api/v1/occasions?from=2025-01-01&to=2026-06-01'), 400, 'invalid_parameter', 'to');
    assertError(await admin.get('/api/v1/occasions?from=2025-13-01&to=2025-12-01'), 400, 'invalid_parameter', 'from');
    assertError(await admin.get('/api/v1/occasions?from=2025-01-01&to=2025-02-01&kind=wedding'), 400, 'invalid_parameter', 'kind');
    // Scope: a sales user with own scope sees the festivals but not the others' customers.
    addUser(srv.db, 's@test.local', 'sales');
    const s = await srv.login('s@test.local', PW);
    r = await s.get('/api/v1/occasions?from=2025-09-28&to=2025-10-07');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.items.filter((i) => i.party_id), []);
    assert.ok(r.body.items.some((i) => i.sub === 'mid_autumn'));
  } finally { await srv.stop(); srv.cleanup(); }
});

test('occasion rules make a task N days ahead, once, for the owner; festivals reach the whole segment', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'rm@test.local', 'sales');
    const rm = await srv.login('rm@test.local', PW);
    const wang = (await admin.post('/api/v1/parties', { kind: 'person', name: '王芳', owner_id: rm.user.id, tags: ['vip'],
      lunar_birthday: { month: 8, day: 15 } })).body;
    const other = (await admin.post('/api/v1/parties', { kind: 'person', name: 'Other', tags: ['vip'] })).body;
    await admin.post('/api/v1/parties', { kind: 'person', name: 'Not vip' });
    assertError(await admin.post('/api/v1/occasion-rules', { name: 'x', occasion: 'festival', days_ahead: 3 }), 422, 'required', 'festival');
    assertError(await admin.post('/api/v1/occasion-rules', { name: 'x', occasion: 'birthday', days_ahead: 91 }), 422, 'invalid_value', 'days_ahead');
    const bday = (await admin.post('/api/v1/occasion-rules', { name: '农历生日贺卡', occasion: 'lunar_birthday', days_ahead: 7, segment: 'tags=vip' })).body;
    assert.equal(bday.activity, 'birthday_card');
    const fest = (await admin.post('/api/v1/occasion-rules', { name: '中秋礼品', occasion: 'festival', festival: 'mid_autumn', days_ahead: 10,
      segment: 'tags=vip', activity: 'small_gift', channel: 'gift' })).body;
    // 2026-09-25 is 王芳's lunar birthday and Mid-Autumn. On 09-10 the birthday is 15 days away: nothing yet.
    const run = async (id, on) => {
      const r = await admin.post(`/api/v1/occasion-rules/${id}/run?wait=true&on=${on}`);
      assert.equal(r.status, 200, r.text);
      return r.body.result;
    };
    assert.equal((await run(bday.id, '2026-09-10')).created, 0);
    let r = await run(bday.id, '2026-09-18');
    assert.deepEqual([r.created, r.existing], [1, 0]);
    r = await run(bday.id, '2026-09-20');
    assert.deepEqual([r.created, r.existing], [0, 1], 'never twice');
    const tasks = (await admin.get(`/api/v1/interactions?party_id=${wang.id}&status=planned`)).body.items;
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0].due_at, '2026-09-25T00:00:00Z');
    assert.equal(tasks[0].user_id, rm.user.id);
    assert.equal(tasks[0].channel, 'card');
    assert.match(tasks[0].subject, /农历生日贺卡: birthday_card lunar_birthday/);
    r = await run(fest.id, '2026-09-16');
    assert.deepEqual([r.created, r.existing], [2, 0], 'every vip party gets the festival task');
    assert.equal((await run(fest.id, '2026-09-17')).created, 0);
    assert.equal(sql(srv.db, "SELECT count(*) FROM interaction WHERE channel = 'gift' AND due_at = '2026-09-25T00:00:00Z'"), '2');
    assert.equal(sql(srv.db, 'SELECT count(*) FROM interaction WHERE party_id = ?', other.id), '1');
    const sched = (await admin.get('/api/v1/schedules')).body.items.find((s) => s.name === 'occasion_rules.daily');
    assert.equal(sched.kind, 'occasion_rules_run');
  } finally { await srv.stop(); srv.cleanup(); }
});
