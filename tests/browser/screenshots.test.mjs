// screenshots: the main pages in both languages, at 1280×800 and at a phone
// width, written to test-artifacts/screenshots/ for people to look at. Each
// page must render without errors, CSP violations or foreign requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, person, org;

before(async () => {
  server = await new Server({ demo: 300 }).start();
  const api = await server.login();
  const links = (await api.get('/api/v1/links?kind=works_at&limit=100')).body.items;
  assert.ok(links.length, 'demo data has works_at links');
  const l = links.find((x) => x.decision_role) || links[0];
  person = l.from_id;
  org = l.to_id;
  // Give the admin a few tasks (one overdue) and the person a planned visit, so the pages show them.
  const iso = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const later = Math.max(60000, Math.min(3 * 3600000, new Date().setHours(23, 0, 0, 0) - Date.now()));
  const parties = (await api.get('/api/v1/parties?roles=customer&limit=4')).body.items;
  const tasks = [
    { party_id: person, channel: 'visit', subject: 'Quarterly review 季度回顾', due_at: iso(later) },
    { party_id: parties[0].id, channel: 'call', subject: 'Follow up on the quote 报价跟进', due_at: iso(-3 * 3600000) },
    { party_id: parties[1].id, channel: 'wechat', subject: 'Send the new catalogue 发送新产品目录', due_at: iso(later / 2) },
  ];
  for (const x of tasks) {
    const r = await api.post('/api/v1/interactions', { ...x, status: 'planned', direction: 'outbound', user_id: api.user.id });
    assert.equal(r.status, 201, r.text);
  }
  await api.post('/api/v1/notes', { party_id: person, body: 'Prefers to be called after 6 pm. 晚上六点后联系。' });
  const run = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(run.status, 200, run.text);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const settle = (page) => page.waitForFunction(() => !document.querySelector('main .loading') && !document.querySelector('[aria-busy=true]'));

for (const [lang, locale] of [['en', 'en-US'], ['zh', 'zh-CN']]) {
  test(`screenshots of the main pages in ${lang}`, async () => {
    const page = await openPage(browser, server, { locale });
    await page.goto('/login');
    await page.locator('form.login-form').waitFor();
    await shot(page, `${lang}-1-login`);
    await login(page);
    await page.waitForSelector('[data-chart=relationship_level][data-drawn]');
    await settle(page);
    await shot(page, `${lang}-2-dashboard`);
    await page.goto('/customers');
    await page.waitForSelector('table.table');
    await shot(page, `${lang}-3-customers`);
    await page.locator('#filter-panel').evaluate(() => {});
    await page.goto('/customers?importance=vip&roles=customer');
    await page.waitForSelector('table.table');
    await shot(page, `${lang}-4-customers-filtered`);
    await page.goto('/customers/' + person);
    await page.waitForSelector('.net-item');
    await page.waitForSelector('.tl-item');
    await settle(page);
    await shot(page, `${lang}-5-customer-person`);
    await page.goto('/customers/' + org);
    await page.waitForSelector('.net-item');
    await page.waitForSelector('.tl-item');
    await settle(page);
    await shot(page, `${lang}-6-customer-organisation`);
    await page.locator('.quick-actions button').first().click();
    await page.locator('dialog[open]').waitFor();
    await shot(page, `${lang}-7-log-call-dialog`);
    await page.keyboard.press('Escape');
    await page.locator('.head-actions button').first().click();
    await page.locator('dialog[open]').waitFor();
    await shot(page, `${lang}-8-edit-dialog`);
    await page.keyboard.press('Escape');
    await page.goto('/products');
    await page.waitForSelector('table.table');
    await shot(page, `${lang}-9-products`);
    await page.goto('/settings');
    await page.waitForSelector('.settings-grid');
    await shot(page, `${lang}-10-settings`);
    // The administration pages (admins).
    await page.goto('/teams');
    await page.waitForSelector('table.teams-table tbody tr');
    await shot(page, `${lang}-19-teams`);
    await page.locator('tbody tr').nth(1).locator('.row-actions button').first().click();
    await page.locator('dialog[open]').waitFor();
    await shot(page, `${lang}-20-team-dialog`);
    await page.keyboard.press('Escape');
    await page.goto('/permissions?role=sales');
    await page.waitForSelector('table.perm-table select');
    await shot(page, `${lang}-21-permissions`);
    await page.goto('/field-security?role=sales&entity=transactions');
    await page.waitForSelector('table.fsec-table select');
    await shot(page, `${lang}-22-field-security`);
    assertHealthy(page, server.base);
    await page.context().close();
  });
}

test('screenshots at a phone width', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.waitForSelector('[data-chart=roles][data-drawn]');
  await settle(page);
  await shot(page, 'phone-zh-dashboard');
  await page.goto('/customers');
  await page.waitForSelector('table.table');
  await shot(page, 'phone-zh-customers');
  await page.goto('/customers/' + person);
  await page.waitForSelector('.tl-item');
  await settle(page);
  await shot(page, 'phone-zh-customer');
  // The administration pages fit the phone too (their tables scroll inside their frame).
  for (const [path, sel, name] of [['/teams', 'table.teams-table tbody tr', 'teams'], ['/field-security?role=sales', 'table.fsec-table select', 'field-security'],
    ['/permissions?role=sales', 'table.perm-table select', 'permissions']]) {
    await page.goto(path);
    await page.waitForSelector(sel);
    await shot(page, 'phone-zh-' + name);
    const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wider <= 0, `${path} is ${wider}px wider than the phone`);
  }
  // Nothing is wider than the screen except inside scrolling tables.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  assertHealthy(page, server.base);
  await page.context().close();
});
