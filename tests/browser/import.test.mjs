// import: the import wizard in Chromium — columns guessed from a Chinese
// header, a dry run that finds a duplicate and a refused row, the import
// with its report and undo; the audit trail and user administration.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api;

before(async () => {
  server = await new Server({ demo: 50 }).start();
  api = await server.login();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('an import with a duplicate: guessed columns, dry run, import, report and undo', async () => {
  const existing = (await api.get('/api/v1/parties?kind=person&limit=50')).body.items.find((p) => (p.phones || []).length);
  const csv = '姓名,电话,城市,标签,类别\n'
    + '周晓梅,+86 139 1111 2222,成都,导入测试,person\n'
    + `${existing.name},${existing.phones[0]},${existing.city || '上海'},导入测试,person\n`
    + ',+86 139 3333 4444,西安,导入测试,person\n';
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.locator('.nav-link', { hasText: '导入' }).click();
  await page.locator('h1', { hasText: '导入' }).waitFor();
  await page.getByLabel('文件', { exact: true }).setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  // The columns are matched from their Chinese names.
  await page.locator('select[data-column="姓名"]').waitFor();
  assert.equal(await page.locator('select[data-column="姓名"]').inputValue(), 'name');
  assert.equal(await page.locator('select[data-column="电话"]').inputValue(), 'phones');
  assert.equal(await page.locator('select[data-column="城市"]').inputValue(), 'city');
  assert.equal(await page.locator('select[data-column="标签"]').inputValue(), 'tags');
  assert.equal(await page.locator('select[data-column="类别"]').inputValue(), 'kind');
  // Dry run: one new, one duplicate (updated), one refused; nothing written.
  await page.getByRole('button', { name: '检查重复和错误' }).click();
  const dry = page.locator('.import-result[data-dry=true]');
  await dry.waitFor();
  const stat = async (box, k) => Number(await box.locator(`[data-stat=${k}]`).getAttribute('data-count'));
  assert.equal(await stat(dry, 'rows'), 3);
  assert.equal(await stat(dry, 'created'), 1);
  assert.equal(await stat(dry, 'duplicates'), 1);
  assert.equal(await stat(dry, 'errors'), 1);
  assert.match(await dry.innerText(), /与客户记录 #\d+ 重复（电话相同/);
  assert.match(await dry.innerText(), /名称: 为必填项/);
  assert.equal((await api.get('/api/v1/parties?tags=' + encodeURIComponent('导入测试'))).body.items.length, 0);
  await shot(page, 'zh-11-import-check');
  // The import itself.
  await page.getByRole('button', { name: '导入', exact: true }).click();
  const done = page.locator('.import-result[data-dry=false]');
  await done.waitFor({ timeout: 20000 });
  assert.equal(await done.getAttribute('data-status'), 'done');
  assert.equal(await stat(done, 'created'), 1);
  assert.equal(await stat(done, 'updated'), 1);
  const href = await done.getByRole('link', { name: '下载完整报告' }).getAttribute('href');
  const report = await page.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.match(report, /name is required/);
  const tagged = (await api.get('/api/v1/parties?tags=' + encodeURIComponent('导入测试'))).body.items;
  assert.deepEqual(tagged.map((p) => p.name).sort(), [existing.name, '周晓梅'].sort());
  await shot(page, 'zh-12-import-done');
  // Undo removes the new one and restores the updated one.
  await done.getByRole('button', { name: '撤销此次导入' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: '撤销此次导入' }).click();
  await page.locator('.toast', { hasText: '导入已撤销' }).waitFor();
  assert.equal((await api.get('/api/v1/parties?tags=' + encodeURIComponent('导入测试'))).body.items.length, 0);
  assertHealthy(page, server.base);
  await page.context().close();
});

for (const [locale, fileLabel, checkName, importName, leftOut] of [
  ['zh-CN', '文件', '检查重复和错误', '导入', /邮箱“坏地址”未导入/],
  ['en-US', 'File', 'Check for duplicates and errors', 'Import', /E-mail.*“坏地址” left out/i]]) {
  test(`people with a company column and a bad e-mail: role and source defaults, works_at, the row kept (${locale})`, async () => {
    const tag = 'co-' + locale;
    const csv = '姓名,邮箱,公司,标签\n' + `秦朗,qin.${locale}@example.cn;坏地址,远航物流${locale}有限公司,${tag}\n`;
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/import');
    await page.getByLabel(fileLabel, { exact: true }).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('select[data-column="公司"]').waitFor();
    assert.equal(await page.locator('select[data-column="公司"]').inputValue(), 'company');
    assert.equal(await page.locator('select[data-column="姓名"]').inputValue(), 'name');
    await page.getByRole('button', { name: checkName }).click();
    const dry = page.locator('.import-result[data-dry=true]');
    await dry.waitFor();
    assert.equal(Number(await dry.locator('[data-stat=values_dropped]').getAttribute('data-count')), 1);
    assert.match(await dry.innerText(), leftOut);
    await page.getByRole('button', { name: importName, exact: true }).click();
    const done = page.locator('.import-result[data-dry=false]');
    await done.waitFor({ timeout: 20000 });
    assert.equal(Number(await done.locator('[data-stat=created]').getAttribute('data-count')), 1);
    assert.equal(Number(await done.locator('[data-stat=organizations_created]').getAttribute('data-count')), 1);
    const p = (await api.get('/api/v1/parties?tags=' + encodeURIComponent(tag))).body.items[0];
    assert.deepEqual([p.roles, p.source, p.emails], [["customer"], "import", [`qin.${locale.toLowerCase()}@example.cn`]]);
    const links = (await api.get(`/api/v1/links?from_id=${p.id}&kind=works_at`)).body.items;
    assert.equal(links.length, 1);
    assert.equal((await api.get(`/api/v1/parties/${links[0].to_id}`)).body.name, `远航物流${locale}有限公司`);
    assertHealthy(page, server.base);
    await page.context().close();
  });
}

test('the audit trail shows the changes made, newest first', async () => {
  const c = await api.post('/api/v1/parties', { kind: 'organization', name: '审计测试有限公司', roles: ['prospect'] });
  await api.patch('/api/v1/parties/' + c.body.id, { importance: 'vip' }, { 'If-Match': `"${c.body.version}"` });
  const page = await openPage(browser, server);
  await login(page);
  await page.locator('.nav-link', { hasText: 'Audit trail' }).click();
  await page.locator('h1', { hasText: 'Audit trail' }).waitFor();
  await page.getByLabel('Record type').selectOption('party');
  const row = page.locator('tbody tr', { hasText: `#${c.body.id}` }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /Changed/);
  assert.match(await row.innerText(), /Importance: ∅ → VIP/);
  await shot(page, 'en-13-audit');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('an admin adds a user, who can then sign in, and disables them', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.locator('.nav-link', { hasText: 'Users' }).click();
  await page.locator('h1', { hasText: 'Users' }).waitFor();
  await page.getByRole('button', { name: 'New user' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel('E-mail').fill('zhao.min@test.local');
  await dlg.getByLabel('Name').fill('赵敏 Zhao Min');
  await dlg.getByLabel('Role').selectOption('sales');
  await dlg.getByLabel('Password').fill('short');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.locator('.form-error', { hasText: '8 characters' }).waitFor();
  await dlg.getByLabel('Password').fill('a long enough password');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('tbody tr', { hasText: 'zhao.min@test.local' }).waitFor();
  const other = await openPage(browser, server);
  await login(other, { email: 'zhao.min@test.local', password: 'a long enough password' });
  assert.match(await other.locator('.user-name').innerText(), /赵敏/);
  await other.context().close();
  await page.getByRole('button', { name: 'Edit 赵敏 Zhao Min' }).click();
  await dlg.getByLabel(/Disabled/).check();
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('tbody tr', { hasText: 'zhao.min@test.local' }).locator('.badge', { hasText: 'Disabled' }).waitFor();
  const users = (await api.get('/api/v1/users?limit=100')).body.items;
  assert.equal(users.find((u) => u.email === 'zhao.min@test.local').disabled, true);
  await shot(page, 'en-14-users');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('an admin changes a tier threshold and recomputes the analytics', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: '客户层级阈值' }).click();
  await page.locator('h1', { hasText: '分析设置' }).waitFor();
  await page.getByLabel('白金层比例').fill('0.2');
  await page.getByRole('button', { name: '保存并重新计算' }).click();
  await page.locator('.toast', { hasText: '分析已重新计算' }).waitFor({ timeout: 30000 });
  const s = (await api.get('/api/v1/analytics/settings')).body.settings;
  assert.equal(s.tier_platinum.value, 0.2);
  const summary = (await api.get('/api/v1/analytics/summary')).body;
  assert.ok(summary.computed_at, 'a run happened');
  assert.ok(summary.counts.tier.platinum >= Math.floor(0.2 * summary.buyers) - 1, JSON.stringify(summary.counts.tier));
  await shot(page, 'zh-15-analytics-settings');
  assertHealthy(page, server.base);
  await page.context().close();
});
