// leads: the lead pages in Chromium (issue 18) — an admin sets up an
// assignment rule and a web-to-lead form through their pages; a visitor
// fills the public form; the lead inbox shows who it was assigned to by the
// rule and warns of a duplicate; the lead page lists the duplicate and
// converts the lead into that customer; the user's calendar feed URL is made
// in the settings; the inbox in Chinese and at phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, team, rep, chen;
const REP = { email: 'zhang.wei@test.local', password: 'a long enough password' };

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, REP.email, 'sales', REP.password);
  api = await server.login();
  rep = (await api.get('/api/v1/users')).body.items.find((u) => u.email === REP.email);
  team = (await api.post('/api/v1/teams', { name: '华东 East' })).body;
  assert.equal((await api.patch(`/api/v1/users/${rep.id}`, { team_id: team.id, name: 'Zhang Wei' })).status, 200);
  chen = (await api.post('/api/v1/parties', { kind: 'person', name: '陈晨 Chen Chen', emails: ['chen@example.cn'] })).body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('an admin sets up a rule and a form; a visitor submits it; the inbox shows the assignment and the duplicate; the lead is converted', async () => {
  const page = await openPage(browser, server);
  await login(page);
  // The assignment rule, through its page.
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Lead assignment rules' }).click();
  await page.locator('h1', { hasText: 'Lead assignment rules' }).waitFor();
  await page.getByRole('button', { name: 'New rule' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('East China');
  await dlg.getByLabel('Territory').fill('east');
  await dlg.getByLabel(/^Team/).selectOption(String(team.id));
  await dlg.getByLabel('Capacity per member').fill('50');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Rule East China saved.' }).waitFor();
  await page.locator('.arules-table td', { hasText: '50 per member per day' }).waitFor();
  // The web-to-lead form, through its page.
  await page.goto('/lead-forms');
  await page.getByRole('button', { name: 'New form' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Title/).fill('Expo 2027 展会');
  await dlg.getByLabel(/^Key/).fill('expo');
  await dlg.getByLabel('Territory').fill('east');
  await dlg.getByLabel(/^Consent text/).fill('我同意联系 I agree to be contacted');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Form Expo 2027 展会 saved.' }).waitFor();
  await page.locator('a.form-url', { hasText: '/forms/expo' }).waitFor();
  await assertHealthy(page, server.base);

  // A visitor (no login) fills the public form.
  const visitor = await openPage(browser, server);
  await visitor.goto('/forms/expo');
  // Its own small stylesheet, at phone width too.
  assert.equal(await visitor.evaluate(() => getComputedStyle(document.querySelector('button')).borderRadius), '6px');
  await visitor.getByLabel(/Name/).fill('陈晨');
  await visitor.getByLabel(/Company/).fill('晨光 Morning Co');
  await visitor.getByLabel(/E-mail/).fill('chen@example.cn');
  await visitor.getByLabel(/I agree to be contacted/).check();
  await visitor.getByRole('button', { name: /Submit/ }).click();
  await visitor.locator('[role=status]', { hasText: 'Thank you' }).waitFor();
  await assertHealthy(visitor, server.base);
  await visitor.close();

  // The inbox: assigned by the rule, the duplicate warned.
  await page.goto('/leads');
  await page.locator('h1', { hasText: 'Leads' }).waitFor();
  const lead = (await api.get('/api/v1/leads')).body.items.find((l) => l.name === '陈晨');
  assert.equal(lead.owner_id, rep.id);
  assert.equal(lead.consent_text, '我同意联系 I agree to be contacted');
  const row = page.locator(`tr[data-id="${lead.id}"]`);
  await row.locator('td', { hasText: 'Zhang Wei' }).waitFor();
  await row.locator('.sub', { hasText: /^by rule/ }).waitFor();
  await row.locator('.dup-warn', { hasText: 'Possible duplicate: 1 match' }).waitFor();
  await row.locator('.badge', { hasText: 'New' }).waitFor();
  // The filters.
  await page.getByLabel('Status').selectOption('converted');
  await page.locator('.empty', { hasText: 'No leads.' }).waitFor();
  await page.getByLabel('Status').selectOption('');
  await row.waitFor();

  // The lead page: the duplicate, then conversion into that customer.
  await row.getByRole('link', { name: '陈晨' }).click();
  await page.locator('h1', { hasText: '陈晨' }).waitFor();
  await page.locator('.dup-list a', { hasText: '陈晨 Chen Chen' }).waitFor();
  await page.locator('.dup-list', { hasText: 'same e-mail' }).waitFor();
  await page.getByRole('button', { name: 'Convert' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Into').selectOption(String(chen.id));
  assert.match(await dlg.getByLabel('Into').locator('option:checked').innerText(), /陈晨 Chen Chen/);
  await dlg.getByLabel('Create an opportunity').uncheck();
  await dlg.getByRole('button', { name: 'Convert' }).click();
  await page.locator('.toast', { hasText: '陈晨 converted.' }).waitFor();
  await page.waitForURL(/\/customers\/\d+$/);
  const after = (await api.get(`/api/v1/leads/${lead.id}`)).body;
  assert.equal(after.status, 'converted');
  assert.equal(after.converted_party_id, chen.id);
  assert.equal(page.url().split('/').pop(), String(chen.id));
  assert.deepEqual((await api.get(`/api/v1/parties/${chen.id}`)).body.emails, ['chen@example.cn']);
  await page.goto(`/leads/${lead.id}`);
  await page.locator('.badge', { hasText: 'Converted' }).waitFor();
  await page.getByRole('link', { name: 'Open the customer' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Convert' }).count(), 0);
  await assertHealthy(page, server.base);
  await page.close();
});

test('a salesperson disqualifies a lead with a reason and makes their calendar feed URL', async () => {
  const mine = (await api.post('/api/v1/leads', { name: 'Li Si', owner_id: rep.id, company: 'Nope Ltd' })).body;
  const page = await openPage(browser, server);
  await login(page, REP);
  await page.getByRole('link', { name: 'Leads' }).click();
  await page.locator(`tr[data-id="${mine.id}"]`).getByRole('link', { name: 'Li Si' }).click();
  await page.getByRole('button', { name: 'Disqualify' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Reason/).fill('no budget this year');
  await dlg.getByRole('button', { name: 'Disqualify' }).click();
  await page.locator('.badge', { hasText: 'Disqualified' }).waitFor();
  await page.locator('dd', { hasText: 'no budget this year' }).waitFor();
  assert.equal((await api.get(`/api/v1/leads/${mine.id}`)).body.status, 'disqualified');
  // The calendar feed in the settings: the URL is shown once and works without a login.
  await page.goto('/settings');
  await page.getByRole('button', { name: 'Create the feed address' }).click();
  const url = page.getByLabel('Your calendar feed address');
  await url.waitFor();
  const feed = await url.inputValue();
  assert.match(feed, /\/calendar\/[A-Za-z0-9_-]+\.ics$/);
  const r = await fetch(feed);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /BEGIN:VCALENDAR/);
  await page.getByRole('button', { name: 'Make a new address' }).waitFor();
  await assertHealthy(page, server.base);
  await page.close();
});

test('the inbox in Chinese, and at phone width', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto('/leads');
  await page.locator('h1', { hasText: '销售线索' }).waitFor();
  await page.getByRole('button', { name: '新建线索' }).waitFor();
  await page.locator('.badge', { hasText: '已转化' }).first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page wider than the phone by ${overflow}px`);
  const btn = await page.getByRole('button', { name: '新建线索' }).boundingBox();
  assert.ok(btn.x >= 0 && btn.x + btn.width <= 390, JSON.stringify(btn));
  await page.goto('/assignment-rules');
  await page.locator('h1', { hasText: '线索分配规则' }).waitFor();
  await page.locator('td', { hasText: '每人每天 50 条' }).waitFor();
  await assertHealthy(page, server.base);
  await page.close();
});
