// deals: the sales pages of issue 18 in Chromium — the deal board (columns
// with counts and converted totals, a missing rate named, a rotting card
// marked, a card dragged to another stage and one moved from the keyboard
// with its list), the deal page (stage history, a
// win), the forecast (chart and table), the sales reports (table and the
// downloads), the customer page's deals; in English and Chinese, and the
// board on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, addUser, sqlExec } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api, pid, party, repId, deals = {};
const REP = { email: 'zhang.wei@test.local', password: 'a long enough password' };
const daysAgo = (n) => new Date(Date.now() - n * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  server = new Server();
  await server.start();
  addUser(server.db, REP.email, 'sales', REP.password);
  api = await server.login();
  const rep = (await api.get('/api/v1/users')).body.items.find((u) => u.email === REP.email);
  repId = rep.id;
  await api.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2020-01-01', rate: '7' });
  pid = (await api.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'Relationship marketing').id;
  party = (await api.post('/api/v1/parties', { kind: 'organization', name: '杭州西湖茶业', owner_id: rep.id })).body;
  const mk = async (name, body) => {
    const r = await api.post('/api/v1/opportunities', { name, party_id: party.id, pipeline_id: pid, owner_id: rep.id, ...body });
    assert.equal(r.status, 201, r.text);
    deals[name] = r.body;
  };
  await mk('茶园年卡 Tea card', { amount: { amount: 880000, currency: 'CNY' }, expected_close_on: '2027-03-01' });
  await mk('Export deal', { amount: { amount: 10000, currency: 'USD' } });
  await mk('Stale deal', { stage: 'plan', amount: { amount: 5000, currency: 'CNY' } });
  sqlExec(server.db, 'UPDATE opportunity SET stage_entered_at = ? WHERE id = ?', daysAgo(40), deals['Stale deal'].id);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const col = (page, key) => page.locator(`.board-col[data-stage="${key}"]`);

test('the deal board: totals, rotting, drag and keyboard moves', async () => {
  const page = await openPage(browser, server);
  await login(page, REP);
  await page.getByRole('link', { name: 'Deals' }).click();
  await page.locator('h1', { hasText: 'Deal board' }).waitFor();
  const first = col(page, 'collect_information');
  await first.locator('.deal-card').first().waitFor();
  assert.equal(await first.locator('.board-col-title .badge').innerText(), '2');
  // 8,800 + 100 USD × 7 = 9,500 CNY, with the currencies' own totals beneath.
  assert.match(await first.locator('.sales-total-main').innerText(), /9,500\.00/);
  assert.match(await first.locator('.sales-total-parts').innerText(), /\$100\.00/);
  assert.equal(await page.locator('.deal-card.rotting').count(), 1);
  assert.match(await col(page, 'plan').locator('.deal-card.rotting').innerText(), /Stale deal[\s\S]*Rotting/);
  // Drag the tea card to "Identify needs".
  const card = first.locator('.deal-card', { hasText: 'Tea card' });
  await card.dragTo(col(page, 'identify_needs'));
  await page.locator('.toast', { hasText: 'moved to Identify needs' }).waitFor();
  await col(page, 'identify_needs').locator('.deal-card', { hasText: 'Tea card' }).waitFor();
  assert.equal((await api.get(`/api/v1/opportunities/${deals['茶园年卡 Tea card'].id}`)).body.stage, 'identify_needs');
  // From the keyboard: the card's list moves it.
  const sel = page.getByLabel('Move Export deal to stage');
  await sel.focus();
  await sel.selectOption('transaction');
  await col(page, 'transaction').locator('.deal-card', { hasText: 'Export deal' }).waitFor();
  assert.equal((await api.get(`/api/v1/opportunities/${deals['Export deal'].id}`)).body.stage, 'transaction');
  // A new deal: the customer picked by search, the first stage by default.
  await page.getByRole('button', { name: 'New deal' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('龙井礼盒 Gift box');
  await dlg.getByLabel('Customer').fill('西湖');
  await dlg.locator('.picker-item label', { hasText: '杭州西湖茶业' }).click();
  await dlg.getByLabel('Amount').fill('1200');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await first.locator('.deal-card', { hasText: 'Gift box' }).waitFor();
  const made = (await api.get(`/api/v1/opportunities?party_id=${party.id}&limit=50`)).body.items.find((o) => o.name === '龙井礼盒 Gift box');
  assert.deepEqual([made.stage, made.probability, made.amount.amount], ['collect_information', 10, 120000]);
  await shot(page, 'deals-board');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('a missing exchange rate is named on the board, never added in', async () => {
  const eur = await api.post('/api/v1/opportunities', { name: 'Euro deal', party_id: party.id, pipeline_id: pid, stage: 'build_relationship', amount: { amount: 100, currency: 'EUR' } });
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/deals?mine=0');
  const last = col(page, 'build_relationship');
  await last.locator('.deal-card').waitFor();
  assert.match(await last.locator('.sales-total-main').innerText(), /No exchange rate for EUR/);
  assert.match(await page.locator('.board-total .sales-total-main').innerText(), /No exchange rate for EUR/);
  await api.del(`/api/v1/opportunities/${eur.body.id}`, { 'If-Match': `"${eur.body.version}"` });
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the deal page: stage history with time in stage, a win, a refused move', async () => {
  const page = await openPage(browser, server);
  await login(page, REP);
  const id = deals['Stale deal'].id;
  await page.goto(`/deals/${id}`);
  await page.locator('h1', { hasText: 'Stale deal' }).waitFor();
  const rows = page.locator('table.stage-history tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /Plan[\s\S]*Open[\s\S]*now/);
  await page.getByRole('button', { name: 'Mark won' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByRole('button', { name: 'Mark won' }).click();
  await page.locator('.toast', { hasText: 'Stale deal saved.' }).waitFor();
  await page.locator('.badge', { hasText: 'Won' }).first().waitFor();
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(1).innerText(), /Plan[\s\S]*Won/);
  assert.equal((await api.get(`/api/v1/opportunities/${id}`)).body.status, 'won');
  await page.getByRole('button', { name: 'Reopen' }).waitFor();
  // Linked from the customer's page.
  await page.goto(`/customers/${party.id}`);
  await page.locator('.card-deals a', { hasText: 'Stale deal' }).click();
  await page.locator('h1', { hasText: 'Stale deal' }).waitFor();
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the forecast and the reports', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/forecast?from=2027-01&to=2027-06&mine=0');
  await page.locator('h1', { hasText: 'Sales forecast' }).waitFor();
  await page.locator('table.forecast-table tbody tr').first().waitFor();
  assert.equal(await page.locator('table.forecast-table tbody tr').count(), 6);
  // The tea card: 8,800 × the stage's 25% in March 2027.
  assert.match(await page.locator('tr[data-period="2027-03"]').innerText(), /2,200\.00/);
  await page.locator('.forecast-chart canvas').waitFor();
  await page.getByLabel('Period', { exact: true }).selectOption('quarter');
  await page.locator('tr[data-period="2027-Q1"]').waitFor();
  // Per salesperson: one row each, the tea card's owner with March's 2,200.
  await page.getByLabel('Split by').selectOption('user');
  const row = page.locator(`table.forecast-groups tbody tr[data-id="${repId}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /2,200\.00/);
  await page.goto('/sales-reports?by=stage');
  await page.locator('h1', { hasText: 'Sales reports' }).waitFor();
  await page.locator('table.sales-report tr[data-key="plan"]').waitFor();
  assert.match(await page.locator('table.sales-report tr[data-key="plan"]').innerText(), /Plan|plan/);
  const href = await page.getByRole('link', { name: 'Download Excel' }).getAttribute('href');
  assert.match(href, /\/api\/v1\/reports\/sales\/export\?by=stage.*format=xlsx/);
  await page.getByLabel('Group by').selectOption('user');
  await page.locator('table.sales-report th', { hasText: 'Win rate' }).waitFor();
  await shot(page, 'sales-reports');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in Chinese, and the board on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page, REP);
  await page.goto('/deals');
  await page.locator('h1', { hasText: '商机看板' }).waitFor();
  await col(page, 'identify_needs').locator('.board-col-title', { hasText: '识别需求' }).waitFor();
  await col(page, 'identify_needs').locator('.deal-card').first().waitFor();
  // One column under the other, nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the phone by ${overflow}px`);
  await page.goto('/forecast');
  await page.locator('h1', { hasText: '销售预测' }).waitFor();
  await page.locator('th', { hasText: '加权商机' }).waitFor();
  await shot(page, 'deals-phone-zh');
  assertHealthy(page, server.base);
  await page.context().close();
});
