// customers_filter: the customer list's custom-field filter and match count
// in Debian's Chromium against a real server — the rows and the count the
// page shows are the API's for the same filter, the filter is kept in the
// URL (custom.<name>=value, as the API takes it) and in the export link, a
// name the API would refuse is flagged and not sent, and the count reads
// in Chinese too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api;

before(async () => {
  server = await new Server({ demo: 120 }).start();
  api = await server.login();
  const regions = ['East', 'East', 'East', 'West', 'West', 'east'];
  for (const [i, region] of regions.entries()) {
    const r = await api.post('/api/v1/parties', { kind: 'person', name: `Custom ${region} ${i}`, roles: ['customer'], custom: { region, level: i } });
    assert.equal(r.status, 201, r.text);
  }
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const idle = (page) => page.waitForFunction(() => !document.querySelector('.table-wrap[aria-busy]') && document.querySelector('.match-count')?.dataset.count);

test('filtering the customer list by a custom field shows the API\'s rows and count', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/customers');
  await page.waitForSelector('table.table');
  await idle(page);
  // Unfiltered: the count of every party the admin may see.
  const all = await api.get('/api/v1/parties?count=true&limit=1');
  assert.equal(all.status, 200, all.text);
  assert.equal(await page.locator('.match-count').innerText(), `${all.body.count.toLocaleString('en-US')} customers`);

  await page.getByRole('button', { name: 'Filters' }).click();
  const filters = page.locator('#filter-panel');
  await filters.getByLabel('Custom field', { exact: true }).fill('region');
  await filters.getByLabel('Custom field value').fill('East');
  await filters.getByLabel('Custom field value').press('Enter');
  await page.waitForURL(/custom\.region=East/);
  await page.waitForFunction(() => document.querySelector('.match-count').dataset.count === '3' && !document.querySelector('.table-wrap[aria-busy]'));
  const want = await api.get('/api/v1/parties?custom.region=East&count=true&sort=-updated_at');
  assert.equal(want.body.count, 3);
  const names = await page.locator('a.name-link').allInnerTexts();
  assert.deepEqual(names, want.body.items.map((p) => p.name), 'the rows are the API\'s, in the same order');
  assert.ok(names.every((n) => /^Custom East \d$/.test(n)), names.join(', '));
  assert.equal(await page.locator('.match-count').innerText(), '3 customers');
  // The server export takes the same filter.
  const href = await page.locator('a[data-format=csv]').getAttribute('href');
  assert.match(href, /[?&]custom\.region=East(&|$)/);
  const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.equal(csv.trim().split('\n').length - 1, 3, 'exported rows');

  // Kept in the URL: a reload shows the same filter, rows and count.
  await page.reload();
  await page.waitForSelector('table.table');
  await idle(page);
  assert.equal(await page.locator('#filter-panel').getByLabel('Custom field', { exact: true }).inputValue(), 'region');
  assert.equal(await page.locator('#filter-panel').getByLabel('Custom field value').inputValue(), 'East');
  assert.equal(await page.locator('tbody tr').count(), 3);
  assert.equal(await page.locator('.match-count').innerText(), '3 customers');

  // Combined with another filter.
  await page.locator('#filter-panel').getByLabel('Custom field value').fill('West');
  await page.locator('#filter-panel').getByLabel('Custom field value').press('Enter');
  await page.waitForFunction(() => document.querySelector('.match-count').dataset.count === '2' && !document.querySelector('.table-wrap[aria-busy]'));
  assert.equal(await page.locator('tbody tr').count(), 2);
  assert.equal((await api.get('/api/v1/parties?custom.region=West&count=true')).body.count, 2);

  // A name the API would refuse is flagged and never sent.
  const before = page.requests.length;
  const key = page.locator('#filter-panel').getByLabel('Custom field', { exact: true });
  await key.fill("region' OR 1=1");
  await key.press('Enter');
  await page.locator('#filter-panel [role=alert]', { hasText: 'Use only letters' }).waitFor();
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  await page.waitForTimeout(300);
  assert.ok(!page.requests.slice(before).some((r) => r.url.includes('/api/v1/parties')), 'no list request with a bad name');
  assert.equal(await page.locator('tbody tr').count(), 2, 'the rows stay');

  // Clear all removes it from the URL and the count goes back.
  await page.getByRole('button', { name: 'Clear all' }).click();
  await page.waitForFunction((n) => document.querySelector('.match-count').dataset.count === String(n), all.body.count);
  assert.ok(!page.url().includes('custom.'), page.url());
  assert.equal(await key.getAttribute('aria-invalid'), 'false');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the count in Chinese, and a capped count', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/customers?custom.region=east');
  await page.waitForSelector('table.table');
  await idle(page);
  assert.equal(await page.locator('.match-count').innerText(), '1 位客户');
  assert.equal(await page.locator('tbody tr').count(), 1);
  assert.equal(await page.locator('a.name-link').innerText(), 'Custom east 5');
  // A count the server capped is written "N+" (the answer is the server's, with the cap forced).
  const capped = await api.get('/api/v1/parties?count=true&count_limit=100&limit=1');
  assert.deepEqual([capped.body.count, capped.body.count_capped], [100, true]);
  await page.route(/\/api\/v1\/parties\?/, async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    if ('count' in body) Object.assign(body, { count: 10000, count_capped: true });
    await route.fulfill({ response: res, json: body });
  });
  await page.goto('/customers');
  await page.waitForFunction(() => document.querySelector('.match-count')?.dataset.capped === 'true');
  assert.equal(await page.locator('.match-count').innerText(), '10,000+ 位客户');
  assertHealthy(page, server.base);
  await page.context().close();
});
