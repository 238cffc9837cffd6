// pagewalk: every page of the UI with the demo data, in both languages
// (issue 15) — no page shows a message key (dash.kpi_x), "null",
// "undefined", "NaN", "[object Object]" or a raw vocabulary code
// (sales_rep, decision_maker, at_risk …) in its text, its labels or its
// tooltips; the same for the main dialogs of the customer page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

const en = readFileSync(new URL('../../web/js/i18n/en.js', import.meta.url), 'utf8');
const PREFIXES = [...new Set([...en.matchAll(/^\s+'([a-z_]+)\.[^']+':/gm)].map((m) => m[1]))];
const KEY = new RegExp(`\\b(${PREFIXES.join('|')})\\.[a-z][a-z0-9_]*(\\.[a-z0-9_+]+)*\\b`);
// Vocabulary codes the server stores (src/domain/vocab.c, the analytics labels, sales channels, audit actions).
const CODES = [...new Set([...en.matchAll(/^\s+'enum\.[a-z_]+\.([^']+)':/gm)].map((m) => m[1]).filter((c) => /^[a-z][a-z_]*$/.test(c)))]
  .concat(['sales_rep', 'login_failed', 'permission_change', 'segment_move', 'works_at', 'referred_by', 'subsidiary_of']);

let server, browser, api, person, org;

before(async () => {
  server = await new Server({ demo: 150 }).start();
  api = await server.login();
  assert.equal((await api.post('/api/v1/analytics/runs?wait=true', {})).status, 200);
  const people = (await api.get('/api/v1/links?kind=works_at&limit=1')).body.items;
  person = people.length ? people[0].from_id : (await api.get('/api/v1/parties?kind=person&limit=1')).body.items[0].id;
  org = people.length ? people[0].to_id : (await api.get('/api/v1/parties?kind=organization&limit=1')).body.items[0].id;
  // A purchase with a sales channel and a planned task on the person, so their labels are on the pages.
  await api.post('/api/v1/transactions', { party_id: person, amount: { amount: 12800, currency: 'CNY' }, occurred_at: '2026-11-30T22:10:00Z', channel: 'sales_rep' });
  await api.post('/api/v1/interactions', { party_id: person, channel: 'visit', status: 'planned', due_at: new Date(Date.now() + 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

/** What the page shows: text nodes, and the labels and tooltips of elements; each with where it is. */
function shown(page) {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      // code and .mono show an API name on purpose (field security names the field it sets).
      if (!el || el.closest('script, style, [hidden], code, .mono') || !n.textContent.trim()) continue;
      if (el.closest('select') && !el.closest('option:checked')) continue;
      out.push({ text: n.textContent.trim(), where: el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') });
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const a of ['aria-label', 'title', 'placeholder']) if (el.getAttribute(a)) out.push({ text: el.getAttribute(a), where: `${el.tagName.toLowerCase()}[${a}]` });
    }
    for (const el of document.querySelectorAll('input:not([type=hidden]), textarea')) if (el.value) out.push({ text: el.value, where: 'value of ' + (el.name || el.id) });
    return out;
  });
}

function problems(items, page) {
  const bad = [];
  for (const { text, where } of items) {
    if (/\b(null|undefined|NaN)\b|\[object Object\]/.test(text)) bad.push(`${page}: ${where}: "${text}"`);
    const k = KEY.exec(text);
    if (k && !/@|https?:|\.(com|cn|local|org|net)\b/.test(text)) bad.push(`${page}: ${where}: message key "${k[0]}" in "${text}"`);
    // A code shown as a whole text (a badge reading "online"), or any code with an underscore ("at_risk", "sales_rep")
    // anywhere — plain words such as "new" or "call" may be part of a sentence or of what a user typed.
    const parts = text.split(/[\s,;·:：，、()（）→]+/).filter(Boolean);
    for (const part of parts) if (CODES.includes(part) && (part.includes('_') || parts.length === 1)) bad.push(`${page}: ${where}: raw code "${part}" in "${text}"`);
  }
  return bad;
}

const settle = async (page) => {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('main .loading, main [aria-busy=true]'), null, { timeout: 15000 }).catch(() => {});
};

for (const locale of ['zh-CN', 'en-US']) {
  test(`no page shows a message key, null, undefined or a raw code (${locale})`, async () => {
    const page = await openPage(browser, server, { locale });
    await login(page);
    const pages = ['/', '/customers', `/customers/${person}`, `/customers/${org}`, '/tasks?scope=all', '/tasks?mode=calendar&view=week&scope=all',
      '/tasks?mode=calendar&view=month&scope=all', '/products', '/import', '/users', '/teams', '/permissions', '/field-security', '/schedules',
      '/analytics-settings', '/audit', '/settings', '/no-such-page', '/customers?rfm_segment=at_risk&priority=A'];
    const bad = [];
    for (const path of pages) {
      await page.goto(path);
      await settle(page);
      bad.push(...problems(await shown(page), path));
    }
    // The customer page's dialogs.
    await page.goto(`/customers/${person}`);
    await settle(page);
    for (const i of [0, 1, 2, 3]) {
      await page.locator('.quick-actions button').nth(i).click();
      await page.locator('dialog[open]').waitFor();
      bad.push(...problems(await shown(page), `/customers/${person} dialog ${i}`));
      await page.keyboard.press('Escape');
      await page.locator('dialog[open]').waitFor({ state: 'detached' });
    }
    await page.locator('.tl-item[data-type=transaction] .tl-actions button').first().click();
    await page.locator('dialog[open]').waitFor();
    bad.push(...problems(await shown(page), `/customers/${person} edit purchase`));
    await page.keyboard.press('Escape');
    assert.deepEqual([...new Set(bad)], []);
    assertHealthy(page, server.base);
  });
}
