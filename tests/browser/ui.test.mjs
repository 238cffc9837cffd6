// ui: the web UI in Debian's Chromium against a real server with 300 demo
// parties — logging in (also by keyboard), switching language, finding a
// customer by Chinese name, logging an interaction and seeing it in the
// timeline, the dashboard's counts against the API, an XSS payload shown as
// text, the CSRF header on every change, edit conflicts, saved views and
// bulk tagging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { Server, addUser } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api;

before(async () => {
  server = await new Server({ demo: 300 }).start();
  api = await server.login();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

async function listAll(path, query = {}) {
  const items = [];
  let after;
  for (;;) {
    const q = new URLSearchParams({ ...query, limit: '500', ...(after ? { after } : {}) });
    const r = await api.get(`${path}?${q}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.body.items);
    if (!r.body.next) return items;
    after = r.body.next;
  }
}

test('the login page is interactive within a second and logs in', async () => {
  const warm = await openPage(browser, server);   // the browser's first renderer start is not the app's time
  await warm.goto('/healthz');
  await warm.context().close();
  // Time from the start of the navigation until the first page was drawn (main.js marks it); the
  // best of three fresh visits. The budget is 1 s; on a machine busier than its cores it is scaled
  // by the load (the time is logged either way).
  let ms = Infinity, page;
  for (let i = 0; i < 3; i++) {
    if (page) await page.context().close();
    page = await openPage(browser, server);
    await page.goto('/');
    await page.locator('input[name=email]').waitFor();
    ms = Math.min(ms, await page.evaluate(() => performance.getEntriesByName('rapport:first-page')[0].startTime));
  }
  assert.equal(await page.evaluate(() => document.activeElement.name), 'email');
  const budget = 1000 * Math.max(1, os.loadavg()[0] / os.cpus().length / 1.5);
  console.log(`# login page interactive after ${Math.round(ms)} ms (budget ${Math.round(budget)} ms, load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores)`);
  assert.ok(ms < budget, `login page took ${ms} ms`);
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.locator('input[name=email]').fill('admin@test.local');
  await page.locator('input[name=password]').fill('wrong password');
  await page.locator('form.login-form button[type=submit]').click();
  await page.locator('#login-error').filter({ hasText: 'Wrong e-mail or password' }).waitFor();
  await login(page);
  assert.equal(new URL(page.url()).pathname, '/');
  await page.locator('h1').filter({ hasText: 'Good' }).waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the login form works with the keyboard alone', async () => {
  const page = await openPage(browser, server);
  await page.goto('/login');
  await page.locator('input[name=email]').waitFor();
  // The e-mail field has focus on arrival; Tab goes to the password, then the button.
  assert.equal(await page.evaluate(() => document.activeElement.name), 'email');
  await page.keyboard.type('admin@test.local');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'password');
  await page.keyboard.type('correct horse battery staple');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.tagName + ':' + document.activeElement.type), 'BUTTON:submit');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.sidebar');
  // Every form control has a label.
  await page.goto('/customers');
  await page.waitForSelector('table.table');
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, []);
  // The skip link is the first stop and moves focus to the main region.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the language follows the browser, can be switched, and is remembered', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await page.goto('/login');
  await page.locator('h1', { hasText: '登录' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.getByRole('button', { name: 'English' }).click();
  await page.locator('h1', { hasText: 'Sign in' }).waitFor();
  await login(page);
  assert.equal(await page.locator('.nav-link').first().innerText(), 'Dashboard');
  await page.selectOption('#lang-select', 'zh-CN');
  await page.locator('.nav-link', { hasText: '工作台' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.reload();
  await page.locator('.nav-link', { hasText: '客户' }).waitFor();
  // Numbers and money follow the language.
  await page.goto('/settings');
  await page.locator('h1', { hasText: '设置' }).waitFor();
  const money = await page.locator('.prop', { hasText: '金额' }).locator('dd').innerText();
  assert.match(money, /¥1,234,567\.89/);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('a customer is found by Chinese name and by phone, and opened', async () => {
  const parties = await listAll('/api/v1/parties');
  const target = parties.find((p) => /^[\u4e00-\u9fff]{2,4}$/.test(p.name) && parties.filter((x) => x.name === p.name).length === 1 && (p.phones || []).length);
  assert.ok(target, 'a demo party with a Chinese name');
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.locator('.nav-link', { hasText: '客户' }).click();
  await page.waitForSelector('table.table');
  await page.getByLabel('搜索').fill(target.name);
  await page.locator('a.name-link', { hasText: target.name }).first().waitFor();
  const names = await page.locator('a.name-link').allInnerTexts();
  assert.ok(names.includes(target.name), names.join(','));
  // By the phone number, as people write it.
  await page.getByLabel('搜索').fill(target.phones[0]);
  await page.waitForFunction((phone) => new URLSearchParams(location.search).get('q') === phone
    && !document.querySelector('.table-wrap[aria-busy]'), target.phones[0]);
  assert.ok((await page.locator('a.name-link').allInnerTexts()).includes(target.name));
  await page.locator('a.name-link', { hasText: target.name }).first().click();
  await page.locator('h1', { hasText: target.name }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/customers/' + target.id);
  await page.locator('.tl-item').first().waitFor();
  await shot(page, 'customer-zh');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('an interaction logged from the customer page appears in the timeline; every change carries the CSRF token', async () => {
  const parties = await listAll('/api/v1/parties', { roles: 'customer' });
  const target = parties[5];
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers/' + target.id);
  await page.locator('h1', { hasText: target.name }).waitFor();
  await page.getByRole('button', { name: 'Log a call' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Subject').fill('Called about the renewal 续约电话');
  await dlg.getByLabel('Notes').fill('Wants a quote by Friday.');
  await dlg.getByLabel('Customer response').fill('Positive');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  const item = page.locator('.tl-item.tl-interaction', { hasText: 'Called about the renewal 续约电话' });
  await item.waitFor();
  assert.match(await item.innerText(), /Wants a quote by Friday\./);
  // Then a planned visit: it becomes the next planned contact if it is the earliest.
  await page.getByRole('button', { name: 'Plan a visit' }).first().click();
  await dlg.getByLabel('Subject').fill('Bring the new catalogue');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('.tl-item.tl-planned', { hasText: 'Bring the new catalogue' }).waitFor();
  // And a note.
  await page.getByRole('button', { name: 'Add a note' }).click();
  await dlg.getByLabel('Note').fill('Prefers WeChat in the evening.');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.tl-item.tl-note', { hasText: 'Prefers WeChat in the evening.' }).waitFor();
  // The server has them.
  const r = await api.get(`/api/v1/interactions?party_id=${target.id}&limit=500`);
  assert.ok(r.body.items.some((x) => x.subject === 'Called about the renewal 续约电话' && x.status === 'done' && x.channel === 'call'));
  assert.ok(r.body.items.some((x) => x.subject === 'Bring the new catalogue' && x.status === 'planned' && x.channel === 'visit'));
  // Every state-changing request carried the session's CSRF token.
  const csrf = await page.evaluate(async () => (await (await fetch('/api/v1/session')).json()).csrf_token);
  const changes = page.requests.filter((q) => q.url.includes('/api/') && !['GET', 'HEAD'].includes(q.method) && !q.url.endsWith('/api/v1/session'));
  assert.ok(changes.length >= 3, 'changes seen: ' + changes.length);
  for (const q of changes) assert.equal(q.headers['x-csrf-token'], csrf, `${q.method} ${q.url} without the CSRF token`);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('a name holding an XSS payload is shown as text and never run', async () => {
  const payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>"\'&amp;';
  const c = await api.post('/api/v1/parties', { kind: 'person', name: payload, roles: ['customer'], tags: ['<b>tag</b>'], city: '<svg onload=alert(3)>' });
  assert.equal(c.status, 201, c.text);
  await api.post('/api/v1/notes', { party_id: c.body.id, body: '<iframe src="javascript:alert(4)"></iframe>' });
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers');
  await page.locator('a.name-link', { hasText: '<img' }).first().waitFor();
  assert.equal(await page.locator('a.name-link').first().textContent(), payload);
  await page.goto('/customers/' + c.body.id);
  await page.locator('.tl-note').first().waitFor();
  assert.equal(await page.locator('h1').textContent(), payload);
  assert.equal(await page.locator('main img, main script, main iframe, main svg[onload]').count(), 0);
  assert.match(await page.locator('.tl-note').first().innerText(), /<iframe src="javascript:alert\(4\)"><\/iframe>/);
  assert.equal(await page.title(), payload + ' · Rapport');
  assertHealthy(page, server.base);   // includes: no dialog fired
  await page.context().close();
});

test('the dashboard counts agree with the API and its charts are drawn', async () => {
  const parties = await listAll('/api/v1/parties');
  const page = await openPage(browser, server);
  await login(page);
  await page.waitForSelector('.kpi[data-kpi=parties]');
  const kpi = async (k) => Number(await page.getAttribute(`.kpi[data-kpi=${k}]`, 'data-count'));
  assert.equal(await kpi('parties'), parties.length);
  assert.equal(await kpi('customers'), parties.filter((p) => p.roles.includes('customer')).length);
  assert.equal(await kpi('prospects'), parties.filter((p) => p.roles.includes('prospect')).length);
  assert.equal(await kpi('vip'), parties.filter((p) => p.importance === 'vip').length);
  for (const [chart, field] of [['roles', 'roles'], ['importance', 'importance'], ['relationship_level', 'relationship_level']]) {
    const card = page.locator(`[data-chart=${chart}]`);
    await card.locator('[data-drawn], canvas').first().waitFor();
    await page.waitForSelector(`[data-chart=${chart}][data-drawn]`);
    for (const a of await card.locator('.chart-legend a').all()) {
      const value = await a.getAttribute('data-value');
      const expected = parties.filter((p) => (Array.isArray(p[field]) ? p[field].includes(value) : p[field] === value)).length;
      assert.equal(Number(await a.getAttribute('data-count')), expected, `${chart} ${value}`);
    }
  }
  // The planned tasks of everyone due by the end of today, split into overdue and today.
  await page.getByRole('button', { name: 'Everyone' }).click();
  // "Today" ends at midnight in the company's time zone (GET /settings/time-zone), not the browser's.
  const end = await page.evaluate(async () => (await import('/js/i18n.js')).isoUtc((await import('/js/i18n.js')).dayEnd(new Date())));
  const due = (await api.get(`/api/v1/interactions?status=planned&due_at_to=${end}&limit=500`)).body.items;
  await page.waitForFunction((n) => document.querySelectorAll('.card-tasks li.task').length === n || (n === 0 && document.querySelector('.card-tasks .empty')), due.length);
  assert.equal(await page.locator('.card-tasks li.task').count(), due.length);
  const overdue = due.filter((x) => new Date(x.due_at) < new Date()).length;
  assert.equal(await page.locator('[data-group=overdue] li.task').count(), overdue);
  // A bar of the chart leads to the customers behind it.
  await page.locator('[data-chart=importance] .chart-legend a[data-value=vip]').click();
  await page.waitForURL(/\/customers\?importance=vip/);
  await page.waitForSelector('table.table');
  const shown = await page.locator('tbody tr').count();
  assert.equal(shown, Math.min(50, parties.filter((p) => p.importance === 'vip').length));
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the value analytics on the dashboard agree with the summary and lead to the customers behind them', async () => {
  const run = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(run.status, 200, run.text);
  const summary = (await api.get('/api/v1/analytics/summary')).body;
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.waitForSelector('[data-chart=pyramid][data-drawn]');
  await page.waitForSelector('[data-chart=lifecycle][data-drawn]');
  assert.equal(Number(await page.getAttribute('.equity-total', 'data-amount')), summary.customer_equity.total);
  for (const [chart, key] of [['pyramid', 'tier'], ['lifecycle', 'lifecycle'], ['rfm', 'rfm_segment']]) {
    const els = await page.locator(`[data-chart=${chart}] [data-value][data-count]`).all();
    assert.ok(els.length >= 4, chart);
    for (const el of els) {
      const v = await el.getAttribute('data-value');
      assert.equal(Number(await el.getAttribute('data-count')), summary.counts[key][v] || 0, `${chart} ${v}`);
    }
  }
  await page.locator('[data-chart=pyramid] .chart-legend a[data-value=gold]').click();
  await page.waitForURL(/\/customers\?tier=gold/);
  await page.waitForSelector('table.table');
  assert.equal(await page.locator('tbody tr').count(), Math.min(50, summary.counts.tier.gold));
  assert.equal(await page.locator('#filter-panel').getByLabel('金字塔层级').inputValue(), 'gold');
  // The customer page shows the scores with their explanations.
  const id = (await page.locator('a.name-link').first().getAttribute('href')).split('/').pop();
  const scores = (await api.get(`/api/v1/parties/${id}/scores`)).body;
  await page.locator('a.name-link').first().click();
  const box = page.locator('.scores-box');
  await box.locator('.prop').first().waitFor();
  assert.match(await box.innerText(), /黄金层/);
  await box.locator('details.why').first().locator('summary').click();
  // In Chinese, from the message (expl.tier.*), not the server's English text.
  const why = (await box.locator('details.why p').first().innerText()).trim();
  assert.match(why, /^净利润/);
  assert.notEqual(why, scores.tier.explanation);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('filters, sort, columns and saved views of the customer list', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers');
  await page.waitForSelector('table.table');
  await page.getByRole('button', { name: 'Filters' }).click();
  const filters = page.locator('#filter-panel');
  await filters.getByLabel('Kind').selectOption('organization');
  await filters.getByLabel('Relationship level').selectOption('partner');
  await page.waitForURL(/relationship_level=partner/);
  await page.waitForFunction(() => !document.querySelector('.table-wrap[aria-busy]'));
  const expected = (await listAll('/api/v1/parties', { kind: 'organization', relationship_level: 'partner' })).length;
  assert.equal(await page.locator('tbody tr').count(), Math.min(50, expected));
  // The server export takes the same filters.
  const href = await page.locator('a[data-format=csv]').getAttribute('href');
  assert.match(href, /^\/api\/v1\/exports\/parties\?format=csv&kind=organization&relationship_level=partner$/);
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.equal(csv.trim().split('\n').length - 1, expected, 'exported rows');
  // Column choice is kept.
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.locator('#columns-panel').getByLabel('Industry').check();
  await page.locator('#columns-panel').getByLabel('Kind').check();
  await page.locator('th.col-industry').waitFor();
  const kinds = await page.locator('tbody td.col-kind').allInnerTexts();
  assert.equal(kinds.length, Math.min(50, expected));
  for (const k of kinds) assert.equal(k, 'Organisation');
  // Saved view.
  await page.getByRole('button', { name: 'Save view' }).click();
  await page.locator('dialog[open]').getByLabel('Name of the view').fill('Partner organisations');
  await page.locator('dialog[open]').getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Clear all' }).click();
  await page.waitForFunction(() => !location.search.includes('relationship_level'));
  await page.getByLabel('Saved views').selectOption('Partner organisations');
  await page.waitForURL(/relationship_level=partner/);
  await page.waitForSelector('th.col-industry');
  assert.equal(await filters.getByLabel('Relationship level').inputValue(), 'partner');
  // Load more pages through the keyset cursor.
  await page.getByRole('button', { name: 'Clear all' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 50);
  await page.getByRole('button', { name: 'Load more' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 100);
  const ids = await page.locator('a.name-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.equal(new Set(ids).size, 100, 'no party twice across pages');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('bulk tagging and assigning the selected customers', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers?sort=name');
  await page.waitForSelector('table.table');
  const boxes = page.locator('tbody input[type=checkbox]');
  for (let i = 0; i < 3; i++) await boxes.nth(i).check();
  const hrefs = await page.locator('a.name-link').evaluateAll((as) => as.slice(0, 3).map((a) => a.getAttribute('href')));
  await page.getByLabel('Add tag').first().fill('春季活动 spring');
  await page.locator('.bulk-bar').getByRole('button', { name: 'Add tag' }).click();
  await page.locator('.toast', { hasText: '3 customers' }).waitFor();
  for (const href of hrefs) {
    const r = await api.get('/api/v1/parties/' + href.split('/').pop());
    assert.ok(r.body.tags.includes('春季活动 spring'), JSON.stringify(r.body.tags));
  }
  // Assign the same three to another user.
  const users = (await api.get('/api/v1/users?limit=50')).body.items;
  const other = users.find((u) => u.id !== api.user.id);
  await page.locator('.bulk-bar select').selectOption(String(other.id));
  await page.locator('.bulk-bar').getByRole('button', { name: 'Assign' }).click();
  await page.locator('.toast', { hasText: 'assigned to' }).waitFor();
  for (const href of hrefs) assert.equal((await api.get('/api/v1/parties/' + href.split('/').pop())).body.owner_id, other.id);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('editing with a version conflict shows both values and applies the user’s choice', async () => {
  const parties = await listAll('/api/v1/parties', { kind: 'person' });
  const p = parties[10];
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers/' + p.id);
  await page.locator('h1', { hasText: p.name }).waitFor();
  await page.getByRole('button', { name: 'Edit' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('City').fill('杭州');
  // Meanwhile someone else saves the record.
  const cur = (await api.get('/api/v1/parties/' + p.id)).body;
  const other = await api.patch('/api/v1/parties/' + p.id, { city: '厦门' }, { 'If-Match': `"${cur.version}"` });
  assert.equal(other.status, 200, other.text);
  await dlg.getByRole('button', { name: 'Save' }).click();
  const conflict = page.locator('dialog[open]', { hasText: 'Someone else changed this customer' });
  await conflict.waitFor();
  assert.match(await conflict.innerText(), /厦门/);
  assert.match(await conflict.innerText(), /杭州/);
  await conflict.getByRole('button', { name: 'Apply my changes' }).click();
  await page.locator('.toast', { hasText: 'Changes saved' }).waitFor();
  assert.equal((await api.get('/api/v1/parties/' + p.id)).body.city, '杭州');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('merging a duplicate moves its history and removes it', async () => {
  const a = await api.post('/api/v1/parties', { kind: 'person', name: '王建国', roles: ['customer'], phones: ['+86 138 0000 1111'] });
  const b = await api.post('/api/v1/parties', { kind: 'person', name: '王建国 (dup)', roles: ['customer'], emails: ['jianguo.wang@example.cn'] });
  await api.post('/api/v1/notes', { party_id: b.body.id, body: 'Note on the duplicate' });
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers/' + a.body.id);
  await page.locator('h1', { hasText: '王建国' }).waitFor();
  await page.getByRole('button', { name: 'Merge duplicate' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('Find the duplicate').fill('jianguo.wang');
  await dlg.locator('.picker-item', { hasText: '王建国 (dup)' }).locator('input').check();
  await dlg.getByRole('button', { name: 'Merge' }).click();
  await page.locator('.toast', { hasText: 'merged into' }).waitFor();
  await page.locator('.tl-note', { hasText: 'Note on the duplicate' }).waitFor();
  assert.equal((await api.get('/api/v1/parties/' + b.body.id)).status, 404);
  assert.ok((await api.get('/api/v1/parties/' + a.body.id)).body.emails.includes('jianguo.wang@example.cn'));
  assertHealthy(page, server.base);
  await page.context().close();
});

test('a read-only user sees customers but no way to change them', async () => {
  const viewer = addUser(server.db, 'viewer@test.local', 'read_only');
  const p = (await api.get('/api/v1/parties?roles=customer&limit=1')).body.items[0];
  const page = await openPage(browser, server);
  await login(page, viewer);
  await page.goto('/customers/' + p.id);
  await page.locator('h1', { hasText: p.name }).waitFor();
  await page.locator('.tl-item').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Log a call' }).count(), 0);
  assert.equal(await page.locator('.nav-link', { hasText: 'Import' }).count(), 0);
  assert.equal(await page.locator('.nav-link', { hasText: 'Audit trail' }).count(), 0);
  await page.goto('/customers');
  await page.waitForSelector('table.table');
  assert.equal(await page.getByRole('button', { name: 'New customer' }).count(), 0);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('when the session ends, the next action leads to the login page and back', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/products');
  await page.waitForSelector('table.table');
  // Log out behind the page's back (as an expiry would).
  await page.evaluate(async () => {
    const s = await (await fetch('/api/v1/session')).json();
    await fetch('/api/v1/session', { method: 'DELETE', headers: { 'X-CSRF-Token': s.csrf_token } });
  });
  await page.getByLabel('Status').selectOption('true');
  await page.waitForURL(/\/login\?next=/);
  await page.locator('input[name=email]').fill('admin@test.local');
  await page.locator('input[name=password]').fill('correct horse battery staple');
  await page.locator('form.login-form button[type=submit]').click();
  await page.waitForURL(/\/products/);
  await page.waitForSelector('table.table');
  await page.context().close();
});
