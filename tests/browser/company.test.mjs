// company: an organisation's page rolls up the activity of the people who
// work there (issue 15 item 4) — its decision maker's planned calls and
// purchase show on the company's page, marked as theirs, in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, org, person, calls, buy;

before(async () => {
  server = await new Server({ demo: 10 }).start();
  api = await server.login();
  org = (await api.post('/api/v1/parties', { kind: 'organization', name: '杭州云帆科技有限公司', roles: ['customer'] })).body;
  person = (await api.post('/api/v1/parties', { kind: 'person', name: '周静', roles: ['customer'] })).body;
  assert.equal((await api.post('/api/v1/links', { from_id: person.id, to_id: org.id, kind: 'works_at', decision_role: 'decision_maker' })).status, 201);
  calls = [];
  for (const due of ['2030-05-01T02:00:00Z', '2030-05-08T02:00:00Z']) {
    calls.push((await api.post('/api/v1/interactions', { party_id: person.id, channel: 'call', subject: 'Follow-up ' + due.slice(5, 10), status: 'planned', due_at: due })).body);
  }
  buy = (await api.post('/api/v1/transactions', { party_id: person.id, amount: { amount: 1280000, currency: 'CNY' }, occurred_at: '2026-11-30T22:10:00Z' })).body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

for (const [locale, theirs] of [['en-US', '周静’s'], ['zh-CN', '周静 的']]) {
  test(`the company page shows its people's tasks and purchases, marked as theirs (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/customers/' + org.id);
    const next = page.locator('.card-next');
    for (const c of calls) await next.locator(`.next-row[data-id="${c.id}"]`).waitFor();
    assert.match(await next.locator(`.next-row[data-id="${calls[0].id}"]`).innerText(), new RegExp(theirs));
    const tx = page.locator(`.tl-item[data-type=transaction][data-id="${buy.id}"]`);
    await tx.waitFor();
    assert.match(await tx.innerText(), new RegExp(theirs));
    assert.match(await tx.innerText(), /12,800/);
    // The purchase at 22:10 UTC on 30 November is on 1 December in the company's zone (Asia/Shanghai).
    assert.match(await tx.locator('time').innerText(), /Dec 1|12月1日/);
    assertHealthy(page, server.base);
  });
}
