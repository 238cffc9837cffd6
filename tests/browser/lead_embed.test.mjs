// lead_embed: the web-to-lead form on the company's own site (issue 18) —
// an admin lists the site in the lead forms page; a page of that site (another
// origin, served here) shows the form in an iframe, and a visitor submits it
// there; the app's own pages still refuse to be framed, and the form is
// refused to every site before it is listed. Also the sales report's PDF
// link, and the page in Chinese at phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, site, siteOrigin;

before(async () => {
  server = new Server();
  await server.start();
  api = await server.login();
  assert.equal((await api.post('/api/v1/lead-forms', { key: 'site', name: '官网咨询 Enquiry', consent_text: '我同意 I agree to be contacted' })).status, 201);
  // The company's site: another origin (another port) embedding the form and the app.
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Our site</title><h1>Welcome</h1>
      <iframe id="form" src="${server.base}/forms/site" style="width:600px;height:700px"></iframe>
      <iframe id="app" src="${server.base}/leads" style="width:600px;height:400px"></iframe>`);
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  siteOrigin = `http://127.0.0.1:${site.address().port}`;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (site) site.close();
  if (server) { await server.stop(); server.cleanup(); }
});

/** The iframes of the company's page: their frames, and whether each loaded Rapport's page. */
async function visitSite() {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(siteOrigin + '/');
  const frameOf = async (id) => (await page.locator('iframe#' + id).elementHandle()).contentFrame();
  const form = await frameOf('form'), app = await frameOf('app');
  const loaded = async (f) => f.url().startsWith(server.base) && (await f.evaluate(() => document.body.innerText.length > 0).catch(() => false));
  return { ctx, page, form, app, formLoaded: await loaded(form), appLoaded: await loaded(app) };
}

test('the form is framed on the listed site only; the app never', async () => {
  // Nothing listed yet: refused.
  let v = await visitSite();
  assert.equal(v.formLoaded, false, 'the form before the site is listed');
  await v.ctx.close();

  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/lead-forms');
  await page.locator('h2', { hasText: 'Embedding on your web site' }).waitFor();
  // The code to paste names the form's address.
  assert.match(await page.locator('pre.embed-code').innerText(), new RegExp(`<iframe src="${server.base}/forms/site"`));
  // A wrong entry is named; nothing is stored.
  await page.getByLabel('Sites allowed to embed the forms').fill('https://ok.example.com\nnot a site');
  await page.getByRole('button', { name: 'Save sites' }).click();
  await page.locator('.field-error').waitFor();
  assert.deepEqual((await api.get('/api/v1/settings/lead-form-origins')).body.origins, []);
  await page.getByLabel('Sites allowed to embed the forms').fill(`${siteOrigin}\nhttps://www.example.com`);
  await page.getByRole('button', { name: 'Save sites' }).click();
  await page.locator('.toast', { hasText: 'Sites saved: 2.' }).waitFor();
  assert.deepEqual((await api.get('/api/v1/settings/lead-form-origins')).body.origins, [siteOrigin, 'https://www.example.com']);
  // Kept across a reload.
  await page.reload();
  await page.locator('h2', { hasText: 'Embedding on your web site' }).waitFor();
  await page.waitForFunction(() => document.querySelector('textarea[name=origins]').value.includes('www.example.com'));
  assertHealthy(page, server.base);

  v = await visitSite();
  assert.equal(v.formLoaded, true, 'the form on the listed site');
  assert.equal(v.appLoaded, false, 'the app is never framed');
  // A visitor submits the form inside the frame; the thanks show there.
  await v.form.getByLabel(/Name/).fill('林小姐 Ms Lin');
  await v.form.getByLabel(/E-mail/).fill('lin@example.cn');
  await v.form.getByLabel(/I agree to be contacted/).check();
  await v.form.getByRole('button', { name: /Submit/ }).click();
  await v.form.locator('[role=status]', { hasText: 'Thank you' }).waitFor();
  await v.ctx.close();
  assert.ok((await api.get('/api/v1/leads')).body.items.some((l) => l.name === '林小姐 Ms Lin'));

  // Emptied: refused again.
  await page.getByLabel('Sites allowed to embed the forms').fill('');
  await page.getByRole('button', { name: 'Save sites' }).click();
  await page.locator('.toast', { hasText: 'Sites saved: 0.' }).waitFor();
  v = await visitSite();
  assert.equal(v.formLoaded, false, 'the form once the list is empty');
  await v.ctx.close();
  await page.context().close();
});

test('the sales report offers its PDF; the embedding card in Chinese on a phone', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto('/sales-reports?by=user');
  await page.locator('h1', { hasText: '销售报表' }).waitFor();
  const href = await page.getByRole('link', { name: '下载 PDF' }).getAttribute('href');
  assert.match(href, /\/api\/v1\/reports\/sales\/export\?.*format=pdf/);
  const r = await page.request.get(href);
  assert.equal(r.status(), 200);
  assert.equal(r.headers()['content-type'], 'application/pdf');
  assert.equal((await r.body()).subarray(0, 5).toString(), '%PDF-');
  await page.goto('/lead-forms');
  await page.locator('h2', { hasText: '嵌入到公司网站' }).waitFor();
  await page.getByRole('button', { name: '保存网站' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the phone by ${overflow}px`);
  assertHealthy(page, server.base);
  await page.context().close();
});
