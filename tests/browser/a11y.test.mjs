// a11y: an automated accessibility audit of every main page with axe-core
// (tests/browser/node_modules, pinned in package-lock.json; a test-only
// package, injected into the page under test and never served by the app).
// Each page is audited in both languages, at 1280×800 and at a phone width
// (390×844), against the WCAG 2.0/2.1 A and AA rules; a violation of impact
// "serious" or "critical" fails the test with its rule, impact, elements and
// page. A dialog (log a call on a customer page) is audited too, and the
// document's lang follows the chosen language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAIL_ON = new Set(['serious', 'critical']);

// Elements left out of the audit, each with the reason. (Nothing else is: no rule is switched off.)
const EXCLUDE = [];

let server, browser, person;

before(async () => {
  server = await new Server({ demo: 120 }).start();
  const api = await server.login();
  const links = (await api.get('/api/v1/links?kind=works_at&limit=50')).body.items;
  assert.ok(links.length, 'demo data has works_at links');
  person = (links.find((x) => x.decision_role) || links[0]).from_id;
  // A planned task and a note, so the dashboard and the customer page show them.
  const iso = (ms) => new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let r = await api.post('/api/v1/interactions', { party_id: person, channel: 'visit', subject: 'Quarterly review 季度回顾',
    due_at: iso(-3600000), status: 'planned', direction: 'outbound', user_id: api.user.id });
  assert.equal(r.status, 201, r.text);
  r = await api.post('/api/v1/notes', { party_id: person, body: 'Prefers to be called after 6 pm. 晚上六点后联系。' });
  assert.equal(r.status, 201, r.text);
  r = await api.post('/api/v1/analytics/runs?wait=true', {});
  assert.equal(r.status, 200, r.text);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

const settle = (page) => page.waitForFunction(() => !document.querySelector('main .loading') && !document.querySelector('[aria-busy=true]'));

/** Runs axe in the page (injected by evaluating its source: the CSP allows no inline script tag). */
async function audit(page, where, { include } = {}) {
  await settle(page);
  await page.evaluate(() => document.fonts.ready);
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async ({ tags, include, exclude }) => {
    const context = include ? { include: [include] } : { exclude: exclude.map((e) => [e.selector]) };
    if (include) context.exclude = exclude.map((e) => [e.selector]);
    const r = await window.axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), impact: n.impact, summary: n.failureSummary })) }));
  }, { tags: TAGS, include, exclude: EXCLUDE });
  return result.filter((v) => FAIL_ON.has(v.impact)).map((v) => ({ ...v, where }));
}

function report(found) {
  return found.map((v) => `${v.where}: ${v.id} (${v.impact}) ${v.help}\n` +
    v.nodes.slice(0, 8).map((n) => `    ${n.target}${n.summary ? '\n      ' + n.summary.replace(/\n/g, '\n      ') : ''}`).join('\n') +
    (v.nodes.length > 8 ? `\n    … and ${v.nodes.length - 8} more` : '')).join('\n');
}

// Every main page: its path and what shows it is drawn.
const PAGES = [
  ['dashboard', '/', '[data-chart][data-drawn]'],
  ['customers', '/customers', 'table.table tbody tr'],
  ['customer', () => '/customers/' + person, '.tl-item'],
  ['products', '/products', 'table.table'],
  ['import', '/import', 'main form, main input[type=file]'],
  ['settings', '/settings', '.settings-grid'],
  ['users', '/users', 'table tbody tr'],
  ['teams', '/teams', 'table.teams-table'],
  ['permissions', '/permissions?role=sales', 'table.perm-table select'],
  ['field security', '/field-security?role=sales&entity=transactions', 'table.fsec-table select'],
  ['analytics settings', '/analytics-settings', 'main form, main input'],
  ['audit', '/audit', 'table tbody tr'],
  ['tasks', '/tasks?scope=all', '.match-count[data-count]'],
  ['calendar', '/tasks?mode=calendar&view=month&scope=all', '.cal-month'],
  // issue 21: loyalty
  ['loyalty', '/loyalty', '.card-events .table-wrap > *'],
  ['referral cards', '/referral', '.page .table-wrap > *'],
];

const CSV = 'name,phone,city\n王芳,13800138000,上海\nLi Lei,13900139000,Beijing\n';
const openDialog = (selector) => async (page) => {
  await page.locator(selector).first().click();
  await page.locator('dialog[open]').waitFor();
};
// States that are not a page of their own: the path, how to open it, and (for a dialog) what to audit.
const STATES = [
  ['customers filters and columns', '/customers', async (page) => {
    await page.locator('table.table tbody tr').first().waitFor();
    await page.locator('button[aria-controls=filter-panel]').click();
    await page.locator('#filter-panel').waitFor();
    await page.locator('button[aria-controls=columns-panel]').click();
    await page.locator('#columns-panel').waitFor();
  }],
  ['log-a-call dialog', () => '/customers/' + person, openDialog('.quick-actions button'), 'dialog[open]'],
  ['edit-customer dialog', () => '/customers/' + person, openDialog('.head-actions button'), 'dialog[open]'],
  ['import column matching', '/import', async (page) => {
    await page.locator('input[type=file]').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.locator('select[data-column]').first().waitFor();
  }],
  ['new-user dialog', '/users', openDialog('main .head-actions button'), 'dialog[open]'],
  ['merge dialog', () => '/customers/' + person, openDialog('.head-actions button.btn-ghost'), 'dialog[open]'],
  ['new-product dialog', '/products', openDialog('main .head-actions button'), 'dialog[open]'],
  ['record-a-purchase dialog with a line', () => '/customers/' + person, async (page) => {
    await page.locator('.quick-actions button').nth(3).click();
    await page.locator('dialog[open] .lines button').click();
  }, 'dialog[open]'],
  ['duplicate warning', '/customers', async (page) => {
    const p = await page.evaluate(async () => (await (await fetch('/api/v1/parties?limit=1&kind=person')).json()).items[0].name);
    await page.locator('button.btn-primary').first().click();
    await page.locator('dialog[open] input[name=name]').fill(p);
    await page.locator('dialog[open] .dialog-foot button.btn-primary').click();
    await page.locator('dialog[open] .dupe').first().waitFor();
  }, 'dialog[open]'],
  ['everyone\'s tasks', '/', async (page) => { await page.locator('.seg-btn[data-s=all]').click(); }],
  ['page not found', '/no-such-page', async () => {}],
  ['team dialog', '/teams', openDialog('table.teams-table tbody tr .row-actions button'), 'dialog[open]'],
];

for (const [lang, locale] of [['en', 'en-US'], ['zh-CN', 'zh-CN']]) {
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    test(`every page passes axe (WCAG 2.1 A/AA) in ${lang} at ${width}×${height}`, async () => {
      const page = await openPage(browser, server, { locale, width, height });
      const found = [];
      const at = (name) => `${name} [${lang} ${width}×${height}]`;
      await page.goto('/login');
      await page.locator('form.login-form').waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
      found.push(...await audit(page, at('login')));
      await page.locator('input[name=email]').fill('nobody@test.local');
      await page.locator('input[name=password]').fill('wrong password');
      await page.locator('form.login-form button[type=submit]').click();
      await page.locator('#login-error:not([hidden])').waitFor();
      found.push(...await audit(page, at('login with an error')));
      await login(page);
      for (const [name, path, ready] of PAGES) {
        await page.goto(typeof path === 'function' ? path() : path);
        await page.locator('main h1').first().waitFor();
        await page.locator(ready).first().waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `lang on ${name}`);
        found.push(...await audit(page, at(name)));
        // Reflow (WCAG 1.4.10): on a phone the page scrolls only vertically; wide tables scroll in their frame.
        if (width < 760) {
          const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(wider <= 0, `${at(name)} is ${wider}px wider than the phone`);
        }
      }
      // Panels and dialogs: each opened, audited, closed.
      for (const [name, path, open, include] of STATES) {
        await page.goto(typeof path === 'function' ? path() : path);
        await page.locator('main h1').first().waitFor();
        await settle(page);
        await open(page);
        found.push(...await audit(page, at(name), { include }));
        if (include) { await page.keyboard.press('Escape'); await page.locator('dialog[open]').waitFor({ state: 'detached' }); }
      }
      assert.equal(found.length, 0, `axe found ${found.length} serious/critical violation(s):\n${report(found)}`);
      assertHealthy(page, server.base);
      await page.context().close();
    });
  }
}

test('the document language follows the language chosen in the app', async () => {
  const page = await openPage(browser, server, { locale: 'en-US' });
  await page.goto('/login');
  await page.locator('form.login-form').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.locator('.login-langs button[lang=zh-CN]').click();
  await page.locator('h1', { hasText: '登录' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await login(page);
  await page.locator('#lang-select').selectOption('en');
  await page.locator('.nav-link', { hasText: 'Customers' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assertHealthy(page, server.base);
  await page.context().close();
});

// axe does not see focus: Tab through pages and check that every stop is visible on screen
// and drawn with a focus indicator (an outline or a ring), in the order of the document.
test('every keyboard stop shows where the focus is; a dialog keeps it and gives it back', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  const missing = [];
  for (const [path, ready] of [['/', '[data-chart][data-drawn]'], ['/customers', 'table.table tbody tr'],
    ['/customers/' + person, '.tl-item'], ['/import', 'input[type=file]'], ['/permissions?role=sales', 'table.perm-table select']]) {
    await page.goto(path);
    await page.locator(ready).first().waitFor();
    await settle(page);
    let stops = 0;
    for (; stops < 80; stops++) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        window.a11yStops = window.a11yStops || new Set();
        if (window.a11yStops.has(el)) return null;   // round the page once
        window.a11yStops.add(el);
        const cs = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow && cs.boxShadow !== 'none');
        const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
          (el.getAttribute('aria-label') ? `[aria-label="${el.getAttribute('aria-label')}"]` : '') + ' ' + (el.textContent || el.value || '').trim().slice(0, 20);
        return { name, ring, seen: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' };
      });
      if (!stop) break;
      if (!stop.ring || !stop.seen) missing.push(`${path}: ${stop.name}${stop.seen ? '' : ' (not visible)'}${stop.ring ? '' : ' (no focus indicator)'}`);
    }
    console.log(`${path}: ${stops} keyboard stops`);
    assert.ok(stops >= 5, `${path}: only ${stops} keyboard stops`);
  }
  assert.deepEqual(missing, [], 'keyboard stops without a visible focus:\n' + missing.join('\n'));
  // A dialog opened from the keyboard takes the focus, keeps it inside and gives it back on Escape.
  await page.goto('/customers/' + person);
  await page.locator('.tl-item').first().waitFor();
  const opener = page.locator('.quick-actions button').first();
  await opener.focus();
  await page.keyboard.press('Enter');
  await page.locator('dialog[open]').waitFor();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement.closest('dialog[open]')), 'focus left the open dialog');
  }
  await page.keyboard.press('Escape');
  await page.locator('dialog[open]').waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((el) => el === document.activeElement), 'focus went back to the button that opened the dialog');
  assertHealthy(page, server.base);
  await page.context().close();
});
