// browser: starts Debian's Chromium through playwright-core (no browser
// download) and gives tests a page that logs in through the real form,
// collects console errors and CSP violations, and writes screenshots to
// test-artifacts/screenshots/ (kept by the test run, ignored by git).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../api/harness.mjs';

export const SHOTS = new URL('../../test-artifacts/screenshots/', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh browser context on server.base with the given locale and viewport.
 * Records console errors, page errors, CSP violations and every request that
 * leaves the server's origin (there must be none).
 */
export async function openPage(browser, server, { locale = 'en-US', width = 1280, height = 800, timezoneId } = {}) {
  const context = await browser.newContext({ locale, viewport: { width, height }, baseURL: server.base, ...(timezoneId ? { timezoneId } : {}) });
  const page = await context.newPage();
  page.problems = [];
  page.requests = [];
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404|409|412|422)/.test(m.text())) page.problems.push('console: ' + m.text());
  });
  page.on('request', (r) => page.requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
  page.on('dialog', (d) => { page.problems.push('dialog: ' + d.message()); d.dismiss(); });
  page.context = () => context;
  return page;
}

/** Logs in through the form and waits for the dashboard. */
export async function login(page, { email = ADMIN_EMAIL, password = ADMIN_PASSWORD } = {}) {
  await page.goto('/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form.login-form button[type=submit]').click();
  await page.waitForSelector('.sidebar');
}

/** Fails when the page logged errors, broke the CSP or fetched from elsewhere. */
export function assertHealthy(page, base) {
  assert.deepEqual(page.problems, [], 'browser problems:\n' + page.problems.join('\n'));
  const foreign = page.requests.filter((r) => !r.url.startsWith(base) && !r.url.startsWith('data:') && !r.url.startsWith('blob:'));
  assert.deepEqual(foreign.map((r) => r.url), [], 'requests outside the server');
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: false });
}
