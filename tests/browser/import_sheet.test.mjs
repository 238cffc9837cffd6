// import_sheet: spreadsheets chosen in the import wizard (issue 15 item 9).
// An .xlsx workbook (Excel, WPS) is read: its first sheet's columns are
// matched like a CSV's and it imports. An old .xls (an OLE file) is
// explained in the reader's language — never shown as bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, xlsx;
const dir = mkdtempSync(join(tmpdir(), 'rapport-sheet-'));
before(async () => {
  server = await new Server().start();
  api = await server.login();
  browser = await launch();
  const out = join(dir, 'people.xlsx');
  const r = spawnSync('python3', [new URL('../api/make_xlsx.py', import.meta.url).pathname, 'people', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  xlsx = readFileSync(out);
});
after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
  rmSync(dir, { recursive: true, force: true });
});

// The first bytes of an old .xls: an OLE compound file.
const XLS = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.from('garbage'.repeat(20))]);

for (const [locale, label, importName, oldText] of [['zh-CN', '文件', '导入', /另存为/], ['en-US', 'File', 'Import', /Save As/]]) {
  test(`an .xlsx workbook is read: columns matched from its first sheet, then imported (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/import');
    await page.getByLabel(label, { exact: true }).setInputFiles({ name: '客户名单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: xlsx });
    await page.locator('select[data-column="姓名"]').waitFor();
    assert.equal(await page.locator('select[data-column="姓名"]').inputValue(), 'name');
    assert.equal(await page.locator('select[data-column="电话"]').inputValue(), 'phones');
    assert.equal(await page.locator('select[data-column="城市"]').inputValue(), 'city');
    assert.equal(await page.locator('select[data-column="生日"]').inputValue(), 'birthday');
    assert.match(await page.locator('main').innerText(), /王小明/);
    assert.doesNotMatch(await page.locator('main').innerText(), /Content_Types|PK/);
    await page.locator('select[data-column="VIP"]').selectOption('tags');
    await page.getByRole('button', { name: importName, exact: true }).click();
    const done = page.locator('.import-result[data-dry=false]');
    await done.waitFor({ timeout: 20000 });
    assert.equal(await done.getAttribute('data-status'), 'done');
    assert.equal(Number(await done.locator('[data-stat=rows]').getAttribute('data-count')), 2);
    assert.equal(Number(await done.locator('[data-stat=errors]').getAttribute('data-count')), 0);
    const p = (await api.get('/api/v1/parties?q=' + encodeURIComponent('王小明'))).body.items[0];
    assert.deepEqual([p.city, p.birthday], ['北京', '1993-01-01']);
    assertHealthy(page, server.base);
    await page.context().close();
  });

  test(`an old .xls is explained, not shown as columns (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/import');
    await page.getByLabel(label, { exact: true }).setInputFiles({ name: '客户名单.xls', mimeType: 'application/vnd.ms-excel', buffer: XLS });
    const note = page.locator('.notice[role=alert]');
    await note.waitFor();
    assert.match(await note.innerText(), oldText);
    assert.match(await note.innerText(), /客户名单\.xls/);
    assert.equal(await page.locator('select[data-column]').count(), 0, 'no columns read from the bytes');
    assert.equal(await page.locator('.wizard-actions button').first().isDisabled(), true);
    // The same bytes under a .csv name are recognised too.
    await page.getByLabel(label, { exact: true }).setInputFiles({ name: 'export.csv', mimeType: 'text/csv', buffer: XLS });
    await page.waitForFunction(() => /export\.csv/.test(document.querySelector('.notice[role=alert]')?.textContent || ''));
    assertHealthy(page, server.base);
    await page.context().close();
  });
}
