// name_sort: the customer list sorted by name in a zh-CN browser shows the
// server's pinyin order (ICU "zh", party.name_key) — 阿明 安娜 李娜 王芳 张伟
// 赵强, then the Latin names — on the first page and after "加载更多" (the
// keyset cursor), and "-name" reverses it. The page does not sort rows
// itself: what it shows is the API's order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser;
// Han by pinyin (阿 ā < 安 ān < 李 lǐ < 王 wáng < 张 zhāng < 赵 zhào), then
// Latin by letter, lower case first on a tie; equal names by id.
const chinese = ['阿明', '安娜', '李娜', '王芳', '王芳', '张伟', '赵强'];
const latin = ['Alice', 'bob', 'Bob', 'Zoe'];
// 50 a page: enough fillers that the Latin names come after "load more".
const fillers = Array.from({ length: 45 }, (_, i) => `Zulu ${String(i).padStart(2, '0')}`);
const ascending = [...chinese, ...latin, ...fillers];

before(async () => {
  server = await new Server().start();
  const api = await server.login();
  // Created in an order unlike the expected one (and unlike code-point order).
  const names = [...fillers.slice(20), 'Zoe', '张伟', 'bob', '王芳', '赵强', 'Bob', '李娜', '阿明', 'Alice', '安娜', '王芳', ...fillers.slice(0, 20)];
  for (const name of names) {
    const r = await api.post('/api/v1/parties', { kind: 'person', name, roles: ['customer'] });
    assert.equal(r.status, 201, r.text);
  }
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

async function shownNames(page, sort) {
  await page.goto(`/customers?sort=${sort}`);
  await page.waitForSelector('table.table');
  await page.waitForFunction(() => document.querySelectorAll('a.name-link').length === 50);
  await page.getByRole('button', { name: '加载更多' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('a.name-link').length === n, ascending.length);
  return page.locator('a.name-link').evaluateAll((as) => as.map((a) => a.textContent.trim()));
}

test('the customer list sorted by name in zh-CN is in pinyin order across pages', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  assert.deepEqual(await shownNames(page, 'name'), ascending);
  assert.deepEqual(await shownNames(page, '-name'), [...ascending].reverse());
  assertHealthy(page, server.base);
  await page.context().close();
});
