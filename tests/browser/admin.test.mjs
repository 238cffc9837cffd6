// admin: the administration pages in Chromium — teams (a new team under a
// parent, with a manager and a member; a rename that meets someone else's
// change), roles and permissions (a changed cell is stored, a sales user's
// access changes with it, a refused save is named), field security (a field
// hidden from a role disappears from that role's customer page), and none
// of these pages for a non-admin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api, sales, salesUser, party;
const SALES = { email: 'sun.li@test.local', password: 'a long enough password' };

before(async () => {
  server = await new Server({ demo: 30 }).start();
  api = await server.login();
  const u = await api.post('/api/v1/users', { email: SALES.email, name: '孙丽 Sun Li', role: 'sales', password: SALES.password });
  assert.equal(u.status, 201, u.text);
  salesUser = u.body;
  const p = await api.post('/api/v1/parties', { kind: 'person', name: '钱多多', phones: ['+86 138 0013 8000'], city: '杭州', owner_id: salesUser.id });
  assert.equal(p.status, 201, p.text);
  party = p.body;
  sales = await server.login(SALES.email, SALES.password);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('an admin creates a team under a parent with a manager, assigns a user, and renames it over a concurrent change', async () => {
  const teams = (await api.get('/api/v1/teams?limit=100')).body.items;
  const users = (await api.get('/api/v1/users')).body.items;
  const parent = teams[0];
  const manager = users.find((u) => u.role === 'manager');
  assert.ok(parent && manager, 'demo data has teams and a manager');
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Teams' }).click();
  await page.locator('h1', { hasText: 'Teams' }).waitFor();
  await page.getByRole('button', { name: 'New team' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Team/).fill('华南销售部 South China');
  await dlg.getByLabel('Parent team').selectOption(String(parent.id));
  await dlg.getByLabel('Manager').selectOption(String(manager.id));
  await dlg.getByRole('button', { name: 'Save' }).click();
  const row = page.locator('tbody tr', { hasText: '华南销售部 South China' });
  await row.waitFor();
  const team = (await api.get('/api/v1/teams?limit=100')).body.items.find((x) => x.name === '华南销售部 South China');
  assert.equal(team.parent_id, parent.id);
  assert.equal(team.manager_id, manager.id);
  // Shown below its parent, indented, with the parent's and the manager's names.
  const order = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.dataset.team)));
  assert.ok(order.indexOf(team.id) > order.indexOf(parent.id), 'the sub-team follows its parent');
  assert.match(await row.innerText(), new RegExp(parent.name.split(' ')[0]));
  assert.match(await row.innerText(), new RegExp(manager.name.split(' ')[0]));
  assert.equal(await row.locator('.tree-mark').count(), 1);

  // Members: tick the sales user (moving them from no team to this one).
  await row.getByRole('button', { name: 'Members of 华南销售部 South China' }).click();
  await dlg.getByLabel(/孙丽 Sun Li/).check();
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: '1 member of 华南销售部 South China changed' }).waitFor();
  await row.locator('.badge', { hasText: '孙丽 Sun Li' }).waitFor();
  assert.equal((await api.get('/api/v1/users/' + salesUser.id)).body.team_id, team.id);

  // A parent cannot be the team itself or a team below it.
  await row.getByRole('button', { name: 'Edit 华南销售部 South China' }).click();
  const parentOptions = await dlg.getByLabel('Parent team').locator('option').evaluateAll((o) => o.map((x) => x.value));
  assert.ok(!parentOptions.includes(String(team.id)));
  // Someone else renames it meanwhile: the dialog says what it is now; saving again overwrites.
  const other = await api.patch('/api/v1/teams/' + team.id, { name: '华南区 (renamed elsewhere)' }, { 'If-Match': `"${team.version}"` });
  assert.equal(other.status, 200, other.text);
  await dlg.getByLabel(/^Team/).fill('华南销售部 South China (Guangzhou)');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.locator('.form-error', { hasText: '华南区 (renamed elsewhere)' }).waitFor();
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('tbody tr', { hasText: 'South China (Guangzhou)' }).waitFor();
  const after1 = (await api.get('/api/v1/teams/' + team.id)).body;
  assert.equal(after1.name, '华南销售部 South China (Guangzhou)');
  assert.equal(after1.parent_id, parent.id, 'the parent stayed');

  // A team in use is not deleted; the dialog says why.
  await page.getByRole('button', { name: `Delete ${parent.name}` }).click();
  await dlg.getByText('This team cannot be deleted while it is in use').waitFor();
  await dlg.getByRole('button', { name: 'Close' }).last().click();
  assert.equal((await api.get('/api/v1/teams/' + parent.id)).status, 200);
  await shot(page, 'en-16-teams');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('field security: a field hidden from a role disappears from that role’s customer page', async () => {
  const salesPage = await openPage(browser, server);
  await login(salesPage, SALES);
  await salesPage.goto('/customers/' + party.id);
  await salesPage.locator('h1', { hasText: '钱多多' }).waitFor();
  await salesPage.locator('a[href^="tel:"]', { hasText: '+86 138 0013 8000' }).waitFor();

  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: '字段安全' }).click();
  await page.locator('h1', { hasText: '字段安全' }).waitFor();
  await page.locator('select[name=role]').selectOption('sales');
  await page.locator('select[name=entity]').selectOption('parties');
  const phones = page.locator('select[data-field=phones]');
  assert.equal(await phones.inputValue(), 'write');
  await page.getByLabel('电话', { exact: true }).selectOption('hidden');
  await page.getByText('1 项更改未保存').waitFor();
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.locator('.toast', { hasText: '已保存 1 项更改' }).waitFor();
  const rules = (await api.get('/api/v1/permissions')).body.fields;
  assert.ok(rules.some((r) => r.role === 'sales' && r.entity === 'parties' && r.field === 'phones' && r.access === 'hidden'), JSON.stringify(rules));
  // The URL keeps the choice, so a reload shows the same table with the stored value.
  await page.reload();
  await page.locator('select[data-field=phones]').waitFor();
  assert.equal(await page.locator('select[data-field=phones]').inputValue(), 'hidden');
  await shot(page, 'zh-17-field-security');

  // The sales user no longer gets the field, on the page or from the API.
  await salesPage.reload();
  await salesPage.locator('h1', { hasText: '钱多多' }).waitFor();
  await salesPage.locator('.card', { hasText: 'Profile and contacts' }).first().waitFor();
  assert.equal(await salesPage.locator('a[href^="tel:"]').count(), 0);
  assert.doesNotMatch(await salesPage.locator('main').innerText(), /138 0013 8000/);
  const seen = (await sales.get('/api/v1/parties/' + party.id)).body;
  assert.equal(seen.phones, undefined);
  assert.equal(seen.city, '杭州');
  // Back to read and write: the phone is shown again.
  await page.locator('select[data-field=phones]').selectOption('write');
  await page.getByRole('button', { name: '保存', exact: true }).click();
  await page.locator('.toast', { hasText: '已保存 1 项更改' }).waitFor();
  assert.deepEqual((await sales.get('/api/v1/parties/' + party.id)).body.phones, ['+86 138 0013 8000']);
  assertHealthy(page, server.base);
  assertHealthy(salesPage, server.base);
  await page.context().close();
  await salesPage.context().close();
});

test('roles and permissions: a changed cell is stored, the sales role loses access, and a refused save is named', async () => {
  assert.equal((await sales.get('/api/v1/parties?limit=5')).status, 200);
  assert.equal((await sales.post('/api/v1/products', { sku: 'P-1', name: 'x', price: { amount: 1, currency: 'CNY' } })).status, 403);
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Roles and permissions' }).click();
  await page.locator('h1', { hasText: 'Roles and permissions' }).waitFor();
  await page.getByLabel('Role').selectOption('sales');
  const cell = page.getByLabel('Customers and parties · Read');
  assert.equal(await cell.inputValue(), 'team');
  assert.equal(await page.getByLabel('Products · Create').inputValue(), 'none');
  await cell.selectOption('none');
  // Keyboard: focus a cell and choose with the keys.
  await page.getByLabel('Products · Create').focus();
  await page.keyboard.press('End');
  await page.locator('text=2 unsaved changes').waitFor();
  assert.equal(await page.locator('td.cell-changed').count(), 2);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.toast', { hasText: '2 changes saved' }).waitFor();
  const puts = page.requests.filter((r) => r.method === 'PUT' && r.url.endsWith('/api/v1/permissions'));
  assert.equal(puts.length, 1, 'both changes in one request');
  assert.equal(await page.locator('td.cell-changed').count(), 0);
  const roles = (await api.get('/api/v1/permissions')).body.roles;
  assert.equal(roles.sales.parties.read, 'none');
  assert.equal(roles.sales.products.create, 'all');
  // The sales user's access changed on the next request.
  const list = await sales.get('/api/v1/parties?limit=5');
  assert.equal(list.status, 403, list.text);
  assert.equal((await sales.get('/api/v1/parties/' + party.id)).status, 403);
  const made = await sales.post('/api/v1/products', { sku: 'P-1', name: '新产品', price: { amount: 100, currency: 'CNY' } });
  assert.equal(made.status, 201, made.text);
  await shot(page, 'en-18-permissions');

  // A save the server refuses is named, the cell is marked, and it stays unsaved (all the
  // changes go in one request, which the server applies all or nothing).
  await page.route('**/api/v1/permissions', (route) => (route.request().method() === 'PUT'
    ? route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ error: { code: 'invalid_value', field: 'changes[0].scope', message: 'scope must be none, own, team or all' } }) })
    : route.continue()));
  await page.getByLabel('Customers and parties · Read').selectOption('team');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const err = page.locator('.form-error[role=alert]');
  await err.waitFor();
  assert.match(await err.innerText(), /Not saved: Sales · Customers and parties · Read — has an invalid value\. None of the changes were saved/);
  assert.equal(await page.getByLabel('Customers and parties · Read').getAttribute('aria-invalid'), 'true');
  await page.locator('text=1 unsaved change').waitFor();
  assert.equal((await api.get('/api/v1/permissions')).body.roles.sales.parties.read, 'none');
  // Once the server accepts it again, saving restores the sales user's access.
  await page.unroute('**/api/v1/permissions');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('.toast', { hasText: '1 change saved' }).waitFor();
  assert.equal(await err.isHidden(), true);
  assert.equal((await sales.get('/api/v1/parties?limit=5')).status, 200);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('a non-admin sees no administration pages, not even from a typed address', async () => {
  const page = await openPage(browser, server);
  await login(page, SALES);
  await page.goto('/settings');
  await page.waitForSelector('.settings-grid');
  for (const name of ['Teams', 'Roles and permissions', 'Field security', 'Users', 'Audit trail']) {
    assert.equal(await page.getByRole('link', { name, exact: true }).count(), 0, name);
  }
  for (const path of ['/teams', '/permissions', '/field-security']) {
    await page.goto(path);
    await page.locator('h1', { hasText: 'Not available to your role' }).waitFor();
    assert.equal(await page.locator('main table, main select').count(), 0, path);
  }
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the Import page follows the permission table, not the role name', async () => {
  const grant = (scope) => api.request('PUT', '/api/v1/permissions', { role: 'sales', entity: 'imports', action: 'create', scope });
  const salesNav = async () => {
    const page = await openPage(browser, server);
    await login(page, SALES);
    await page.locator('nav.nav').waitFor();
    return page;
  };
  // Default table: only admins import, so a sales user sees no Import entry and no wizard.
  let page = await salesNav();
  assert.equal(await page.locator('nav.nav').getByRole('link', { name: 'Import', exact: true }).count(), 0);
  await page.goto('/import');
  await page.locator('h1', { hasText: 'Not available to your role' }).waitFor();
  await page.context().close();
  // Granted by an admin: the entry and the wizard appear at the next sign-in.
  const r = await grant('own');
  assert.equal(r.status, 200, r.text);
  try {
    page = await salesNav();
    await page.locator('nav.nav').getByRole('link', { name: 'Import', exact: true }).click();
    await page.locator('h1', { hasText: 'Import' }).waitFor();
    assert.equal(await page.locator('h1', { hasText: 'Not available to your role' }).count(), 0);
    assertHealthy(page, server.base);
    await page.context().close();
  } finally {
    assert.equal((await grant('none')).status, 200);
  }
});
