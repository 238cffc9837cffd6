// mobile: the UI at phone width, 390×844 (issue 15 item 11), in both
// languages — the navigation folds behind a button naming the current page
// and opens as a list where every entry is on screen (no sideways
// scrolling); the customer page's cards use the full width; the list shows
// each customer's phone on screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy, shot } from './browser.mjs';

let server, browser, api, person;

before(async () => {
  server = await new Server({ demo: 40 }).start();
  api = await server.login();
  person = (await api.post('/api/v1/parties', { kind: 'person', name: '林艳', roles: ['customer'], phones: ['164 7794 9102'], emails: ['linyan@example.com'], city: '杭州' })).body;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

for (const [locale, name] of [['en-US', 'Customers'], ['zh-CN', '客户']]) {
  test(`at 390 px: navigation behind a button, full-width cards, phones on screen (${locale})`, async () => {
    const page = await openPage(browser, server, { locale, width: 390, height: 844 });
    await login(page);
    await page.goto('/customers');
    await page.waitForSelector('tbody tr');
    const toggle = page.locator('button.nav-toggle');
    assert.equal(await toggle.innerText(), name);
    assert.equal(await page.locator('#main-nav').isVisible(), false);
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const links = page.locator('#main-nav a.nav-link');
    const n = await links.count();
    assert.ok(n >= 6, 'entries: ' + n);
    for (let i = 0; i < n; i++) {
      const b = await links.nth(i).boundingBox();
      assert.ok(b && b.x >= 0 && b.x + b.width <= 390 && b.y + b.height <= 844, `entry ${i} on screen: ${JSON.stringify(b)}`);
    }
    await shot(page, `mobile-nav-${locale}`);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#main-nav').isVisible(), false);
    // The list: the phone of a customer is on screen.
    await page.goto('/customers?q=' + encodeURIComponent('林艳'));
    const phone = page.locator('tbody tr').first().getByText('164 7794 9102').locator('visible=true');
    await phone.waitFor();
    const pb = await phone.boundingBox();
    assert.ok(pb.x + pb.width <= 390, JSON.stringify(pb));
    // The customer page: cards as wide as the screen allows.
    await page.goto('/customers/' + person.id);
    await page.waitForSelector('.card-profile');
    for (const sel of ['.card-profile', '.card-next', '.card-network']) {
      const w = (await page.locator(sel).boundingBox()).width;
      assert.ok(w >= 350, `${sel} ${w}px of 390`);
    }
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'no sideways scrolling');
    assertHealthy(page, server.base);
  });
}
