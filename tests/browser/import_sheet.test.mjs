// import_sheet: an Excel / WPS file chosen in the import wizard (issue 15
// item 9, the wizard's part) — no bytes shown as columns, no command-line
// advice: the wizard says, in the reader's language, how to save it as CSV,
// and offers no check or import of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser;
before(async () => { server = await new Server().start(); browser = await launch(); });
after(async () => { if (browser) await browser.close(); if (server) { await server.stop(); server.cleanup(); } });

// The first bytes of an .xlsx: a zip with its first member.
const XLSX = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), Buffer.from('[Content_Types].xml\u0000\u0001\u0002garbage'.repeat(20))]);

for (const [locale, label, text] of [['zh-CN', '文件', /另存为/], ['en-US', 'File', /Save As/]]) {
  test(`an .xlsx is explained, not shown as columns (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto('/import');
    await page.getByLabel(label, { exact: true }).setInputFiles({ name: '客户名单.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: XLSX });
    const note = page.locator('.notice[role=alert]');
    await note.waitFor();
    assert.match(await note.innerText(), text);
    assert.match(await note.innerText(), /客户名单\.xlsx/);
    assert.equal(await page.locator('select[data-column]').count(), 0, 'no columns read from the bytes');
    assert.doesNotMatch(await page.locator('main').innerText(), /Content_Types|rapport import|PK/);
    assert.equal(await page.locator('.wizard-actions button').first().isDisabled(), true);
    // The same bytes under a .csv name are recognised too.
    await page.getByLabel(label, { exact: true }).setInputFiles({ name: 'export.csv', mimeType: 'text/csv', buffer: XLSX });
    await page.waitForFunction(() => /export\.csv/.test(document.querySelector('.notice[role=alert]')?.textContent || ''));
    assertHealthy(page, server.base);
  });
}
