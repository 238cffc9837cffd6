// scores_i18n: the score explanations on the customer page in the user's
// language (issue 6) — built in the browser from the message id and params
// of GET /parties/{id}/scores (explanation_message) with the catalogue's
// expl.* templates and the Intl formatters; the server's English text when
// the id is unknown or the row predates messages. Also: every message id
// the engine can emit has a template in both catalogues.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Server, storedExplanation, storeExplanationText } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';
import en from '../../web/js/i18n/en.js';
import zh from '../../web/js/i18n/zh-CN.js';

let server, browser, api, id;
const daysAgo = (d) => new Date(Date.now() - d * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

async function party(name, custom = {}) {
  const r = await api.post('/api/v1/parties', { kind: 'person', name, roles: ['customer'], custom });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}
async function buy(pid, days, amount, cost) {
  const r = await api.post('/api/v1/transactions', {
    party_id: pid, occurred_at: daysAgo(days), amount: { amount, currency: 'CNY' }, cost: { amount: cost, currency: 'CNY' },
  });
  assert.equal(r.status, 201, r.text);
}

before(async () => {
  server = await new Server().start();
  api = await server.login();
  id = await party('王芳', { satisfaction: 5, assets: 150000000 });
  for (let k = 0; k < 13; k++) await buy(id, 2 + 28 * k, 120000, 70000);
  for (let i = 0; i < 11; i++) {
    const f = await party(`Filler ${i}`);
    for (let k = 0; k < 1 + (i % 3); k++) await buy(f, 20 + 45 * k + i, 30000 + 1000 * i, 20000);
  }
  const r = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

/** The explanation shown under the row named `name` (opens its details). */
async function why(page, name) {
  const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.scores-box .prop', { has: page.locator('dt', { hasText: exact }) });
  await row.locator('details.why summary').click();
  return (await row.locator('details.why p').innerText()).trim();
}

async function customerPage(locale) {
  const page = await openPage(browser, server, { locale });
  await login(page);
  await page.goto(`/customers/${id}`);
  await page.locator('.scores-box .prop').first().waitFor();
  return page;
}

const cny = (locale, minor) => new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY' }).format(minor / 100);

test('in zh-CN the customer page explains the scores in Chinese', async () => {
  const s = (await api.get(`/api/v1/parties/${id}/scores`)).body;
  const p = s.rfm.explanation_message.params;
  const page = await customerPage('zh-CN');
  const rfm = await why(page, zh['scores.rfm']);
  assert.ok(rfm.startsWith(`最近一次购买在 2 天前：R ${p.r}；13 个购买日：F ${p.f}；平均消费 ${cny('zh-CN', 120000)}：M ${p.m}`), rfm);
  assert.ok(rfm.endsWith(`细分：${zh['enum.rfm.' + s.rfm.label]}`), rfm);
  const sum = await why(page, zh['scores.purchases']);
  assert.match(sum, /^13 个购买日共 13 笔交易/);
  assert.ok(sum.includes(`收入 ${cny('zh-CN', 13 * 120000)}`), sum);
  assert.ok(sum.includes(`净利润 ${cny('zh-CN', s.summary.net_profit)}`), sum);
  const tier = await why(page, zh['scores.tier']);
  assert.ok(tier.includes(`：${zh['enum.tier.' + s.tier.label]}（`), tier);
  const life = await why(page, zh['scores.lifecycle']);
  assert.ok(life.endsWith(`：${zh['enum.lifecycle.' + s.lifecycle.label]}`), life);
  assert.match(await why(page, zh['scores.behaviour']), /^态度积极（满意度 5，NPS —；/);
  assert.match(await why(page, zh['scores.service_tier']), new RegExp(`^资产 ${cny('zh-CN', 150000000).replace(/[.$¥]/g, '\\$&')} ≥ `));
  // No English sentence left anywhere in the scores.
  const all = await page.locator('.scores-box').innerText();
  for (const k of ['summary', 'rfm', 'tier', 'clv', 'lifecycle', 'loyalty', 'behaviour']) assert.ok(!all.includes(s[k].explanation), k);
  assert.doesNotMatch(all, /purchase days|net profit|repeat purchases|quantiles/);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in English the same explanations read in English', async () => {
  const s = (await api.get(`/api/v1/parties/${id}/scores`)).body;
  const p = s.rfm.explanation_message.params;
  const page = await customerPage('en-US');
  const rfm = await why(page, en['scores.rfm']);
  assert.ok(rfm.startsWith(`Last purchase 2 days ago: R ${p.r}; 13 purchase days: F ${p.f}; mean spend ${cny('en-US', 120000)}: M ${p.m}`), rfm);
  assert.match(await why(page, en['scores.purchases']), /^13 transactions on 13 purchase days from /);
  assert.match(await why(page, en['scores.lifecycle']), new RegExp(`: ${en['enum.lifecycle.' + s.lifecycle.label]}$`));
  assert.doesNotMatch(await page.locator('.scores-box').innerText(), /最近|净利润|购买日/);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('a fit at a boundary says so in the user\'s language (issue 16)', async () => {
  const stored = storedExplanation(server.db, id);
  const mp = stored.messages.model.params;
  assert.ok(typeof mp.params === 'string' && !/boundary/.test(mp.params), JSON.stringify(mp));
  assert.deepEqual(mp.boundary, { vocab: 'model_boundary', value: 'none' });
  mp.boundary = { vocab: 'model_boundary', value: 'purchase_rate_dropout_probability' };
  mp.spend_boundary = { vocab: 'spend_boundary', value: 'spend_rate' };
  stored.messages.model.message = 'model.gamma_gamma'; // this small sample has no Gamma-Gamma fit
  storeExplanationText(server.db, id, stored);
  let page = await customerPage('zh-CN');
  const zhText = await why(page, zh['scores.p_alive']);
  assert.ok(zhText.includes(zh['enum.model_boundary.purchase_rate_dropout_probability']), zhText);
  assert.ok(zhText.includes(zh['enum.spend_boundary.spend_rate']), zhText);
  assert.doesNotMatch(zhText, /at the boundary|every customer|spend rate/);
  await page.context().close();
  page = await customerPage('en-US');
  const enText = await why(page, en['scores.p_alive']);
  assert.ok(enText.includes('; r, alpha and a, b at the boundary: every customer has the same purchase rate and the same drop-out probability) with'), enText);
  assert.ok(enText.endsWith('(Gamma-Gamma with q, gamma at the boundary: the same spend rate for every customer)'), enText);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('an unknown message id or a row without messages shows the English text', async () => {
  const stored = storedExplanation(server.db, id);
  stored.messages.rfm.message = 'rfm.from_a_later_version';
  delete stored.messages.tier;
  storeExplanationText(server.db, id, stored);
  const s = (await api.get(`/api/v1/parties/${id}/scores`)).body;
  assert.equal(s.tier.explanation_message, null);
  const page = await customerPage('zh-CN');
  assert.equal(await why(page, zh['scores.rfm']), s.rfm.explanation);
  assert.equal(await why(page, zh['scores.tier']), s.tier.explanation);
  const life = await why(page, zh['scores.lifecycle']); // the others stay translated
  assert.notEqual(life, s.lifecycle.explanation);
  assert.ok(life.endsWith(`：${zh['enum.lifecycle.' + s.lifecycle.label]}`), life);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('every message id the engine and the API emit has a template in both catalogues', () => {
  const src = ['../../src/analytics/scoring.c', '../../src/analytics/scoring_explain.c', '../../src/api/analytics.c']
    .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\n');
  const ids = new Set();
  for (const m of src.matchAll(/ex_begin\(&e, "[a-z_]+", ([^;]+)\);/g)) for (const q of m[1].matchAll(/"([a-z_]+\.[a-z_]+)"/g)) ids.add(q[1]);
  for (const m of src.matchAll(/"message", "([a-z_]+\.[a-z_]+)"/g)) ids.add(m[1]);
  assert.ok(ids.size >= 25, [...ids].join(' '));
  for (const idm of ids) {
    assert.ok(`expl.${idm}` in en, `expl.${idm} missing in en`);
    assert.ok(`expl.${idm}` in zh, `expl.${idm} missing in zh-CN`);
  }
  // Every template's placeholders are params the engine names (a typo shows as "{x}").
  const params = new Set([...src.matchAll(/ex_(?:int|date|text|real|money|label)\(&e, "([A-Za-z_]+)"/g)].map((m) => m[1]));
  for (const cat of [en, zh]) {
    for (const [k, v] of Object.entries(cat)) {
      if (!k.startsWith('expl.')) continue;
      for (const ph of v.matchAll(/\{(\w+)\}/g)) assert.ok(params.has(ph[1]), `${k}: {${ph[1]}}`);
    }
  }
});
