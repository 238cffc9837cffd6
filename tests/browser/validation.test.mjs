// Model validation on the dashboard (issue 16 part 3): when the last run
// held out weeks (setting holdout_weeks), the analytics part of the
// dashboard shows the two standard charts — holdout repeat purchases by
// calibration frequency, and cumulative repeat purchases week by week,
// actual against predicted — in both languages, with the numbers of
// GET /analytics/summary in their tables.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';
import en from '../../web/js/i18n/en.js';
import zh from '../../web/js/i18n/zh-CN.js';

let server, browser, api, v;
const daysAgo = (d) => new Date(Math.floor(Date.now() / 86400000) * 86400000 + 43200000 - d * 86400000)
  .toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  server = await new Server().start();
  api = await server.login();
  // The customers of tests/api/analytics_validation.test.mjs.
  for (let i = 0; i < 24; i++) {
    const r = await api.post('/api/v1/parties', { kind: 'person', name: `Val ${i}`, roles: ['customer'] });
    assert.equal(r.status, 201, r.text);
    for (let d = 200 + i; d >= 1; d -= 20 + i) {
      if (i >= 16 && d <= 120) break;
      const t = await api.post('/api/v1/transactions', { party_id: r.body.id, occurred_at: daysAgo(d), amount: { amount: 25000, currency: 'CNY' } });
      assert.equal(t.status, 201, t.text);
    }
  }
  const s = await api.request('PUT', '/api/v1/analytics/settings', { holdout_weeks: 10 });
  assert.equal(s.status, 200, s.text);
  const r = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  v = (await api.get('/api/v1/analytics/summary')).body.run.result.validation;
  assert.ok(v && !v.error, JSON.stringify(v));
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

async function dashboard(locale) {
  const page = await openPage(browser, server, { locale });
  await login(page);
  await page.goto('/');
  await page.locator('[data-chart="validation-frequency"][data-drawn="true"]').waitFor();
  await page.locator('[data-chart="validation-cumulative"][data-drawn="true"]').waitFor();
  return page;
}

for (const [locale, cat] of [['zh-CN', zh], ['en-US', en]]) {
  test(`${locale}: both validation charts, titled and tabled in the language`, async () => {
    const page = await dashboard(locale);
    const freq = page.locator('[data-chart="validation-frequency"]');
    const cum = page.locator('[data-chart="validation-cumulative"]');
    assert.ok((await freq.innerText()).includes(cat['dash.val_by_freq']));
    assert.ok((await cum.innerText()).includes(cat['dash.val_cumulative']));
    // Canvases drew something (non-zero size) and carry a text alternative.
    for (const el of [freq, cum]) {
      const box = await el.locator('canvas').boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100);
      assert.ok((await el.locator('canvas').getAttribute('aria-label')).length > 0);
    }
    // The by-frequency table has the API's numbers, one row per bin.
    await freq.locator('details summary').click();
    const rows = freq.locator('tbody tr');
    assert.equal(await rows.count(), 8);
    for (let b = 0; b < 8; b++) {
      const cells = await rows.nth(b).locator('td').allInnerTexts();
      assert.equal(cells[0], v.by_frequency[b].frequency);
      assert.equal(cells[3], v.by_frequency[b].predicted.toFixed(2));
    }
    // The cumulative table: end of calibration and end of holdout.
    const last = v.cumulative[v.cumulative.length - 1];
    const text = await cum.locator('tbody').innerText();
    assert.ok(text.includes(last.predicted.toFixed(1)), text);
    const summary = await freq.locator('.val-summary').innerText();
    assert.ok(summary.includes(v.holdout_predicted.toFixed(1)) && summary.includes(v.calibration_end), summary);
    if (locale === 'zh-CN') assert.doesNotMatch(await page.locator('[data-chart^="validation"]').allInnerTexts().then((a) => a.join(' ')), /Actual|Predicted|Holdout|Week/);
    else assert.doesNotMatch(await cum.innerText(), /实际|预测|周/);
    assertHealthy(page, server.base);
    await page.context().close();
  });
}

test('without a holdout the dashboard shows no validation cards', async () => {
  let r = await api.request('PUT', '/api/v1/analytics/settings', { holdout_weeks: 0 });
  assert.equal(r.status, 200, r.text);
  r = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  const page = await openPage(browser, server, { locale: 'en-US' });
  await login(page);
  await page.goto('/');
  await page.locator('[data-chart="lifecycle"][data-drawn="true"]').waitFor();
  assert.equal(await page.locator('[data-chart="validation-frequency"]').count(), 0);
  assertHealthy(page, server.base);
  await page.context().close();
});
