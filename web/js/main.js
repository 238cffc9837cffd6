// main: starts the app — loads the session, draws the shell (side bar with
// the registered pages, language switch, user menu) and hands each location
// to its page module. Redraws everything when the language changes.
import { h, icon, replace } from './dom.js';
import { t, LOCALES, getLocale, setLocale, setTimeZone } from './i18n.js';
import * as api from './api.js';
import { PAGES, FORBIDDEN } from './pages.js';
import { start, navigate, render } from './router.js';
import { errorState, spinner } from './ui.js';
import { resetUsers, ensureUsers } from './users.js';

const root = document.getElementById('app');
let pageCtl = null;   // AbortController of the page on screen
let renderSeq = 0;

function langSwitch() {
  const id = 'lang-select';
  const sel = h('select', { id, class: 'lang-select', on: { change: (e) => setLocale(e.target.value) } },
    LOCALES.map((l) => h('option', { value: l.code, selected: l.code === getLocale(), lang: l.code, text: l.label })));
  return h('div', { class: 'lang' }, h('label', { for: id, class: 'sr-only', text: t('shell.language') }), icon('globe'), sel);
}

// Whether the user may see a page: its roles (pages.js `roles`) and the scope
// of its entity × action in the user's permissions (`can`, from GET /session;
// an admin can change them, so the page follows the table, not the role name).
function allowed(page, u) {
  if (page.roles && !(u && page.roles.includes(u.role))) return false;
  if (page.can) {
    const scope = u && u.permissions && u.permissions[page.can[0]] && u.permissions[page.can[0]][page.can[1]];
    return !!scope && scope !== 'none';
  }
  return true;
}

function shell(activeNav) {
  const u = api.user();
  const nav = h('nav', { class: 'nav', 'aria-label': t('shell.main_nav') },
    h('ul', {}, PAGES.filter((p) => p.nav && allowed(p, u)).map((p) =>
      h('li', {}, h('a', {
        href: p.path, class: ['nav-link', activeNav === p.nav && 'active'],
        'aria-current': activeNav === p.nav ? 'page' : null,
      }, icon(p.icon), h('span', { text: t(p.title) }))))));
  const userBox = h('div', { class: 'user-box' },
    h('div', { class: 'user-meta' },
      h('span', { class: 'avatar', 'aria-hidden': 'true', text: (u && (u.name || u.email) || '?').slice(0, 1).toUpperCase() }),
      h('div', { class: 'user-text' },
        h('div', { class: 'user-name', text: u ? (u.name || u.email) : '' }),
        h('div', { class: 'user-role', text: u ? t('role.' + u.role) : '' }))),
    h('button', {
      type: 'button', class: 'icon-btn', 'aria-label': t('shell.logout'), title: t('shell.logout'),
      on: { click: async () => { await api.logout().catch(() => {}); resetUsers(); navigate('/login', { replace: true }); } },
    }, icon('logout')));
  // On a phone the side bar is a top bar: the navigation folds behind a button naming the current page.
  nav.id = 'main-nav';
  const current = PAGES.find((p) => p.nav && p.nav === activeNav);
  const toggle = h('button', { type: 'button', class: 'btn nav-toggle', 'aria-expanded': 'false', 'aria-controls': 'main-nav' },
    icon('menu'), h('span', { class: 'nav-toggle-text', text: current ? t(current.title) : t('shell.menu') }));
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.closest('.sidebar').classList.toggle('nav-open', open);
  });
  for (const el of [toggle, nav]) el.addEventListener('keydown', (e) => { if (e.key === 'Escape' && toggle.getAttribute('aria-expanded') === 'true') { toggle.click(); toggle.focus(); } });
  return h('aside', { class: 'sidebar' }, toggle,
    h('a', { href: '/', class: 'brand', 'aria-label': t('shell.home') },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'Rapport' })),
    nav, h('div', { class: 'sidebar-foot' }, langSwitch(), userBox));
}

async function renderPage(page, params, query, { focus = true } = {}) {
  const seq = ++renderSeq;
  if (pageCtl) pageCtl.abort();
  pageCtl = new AbortController();
  const signal = pageCtl.signal;
  if (!page.public && !api.user()) {
    const next = location.pathname + location.search;
    history.replaceState(null, '', '/login' + (next !== '/' ? '?next=' + encodeURIComponent(next) : ''));
    return render({ focus });
  }
  // A page limited to some roles or permissions (pages.js) is not rendered for others, even from a typed URL.
  if (!allowed(page, api.user())) page = { ...FORBIDDEN, active: page.active || page.nav };
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const skip = h('a', { class: 'skip-link', href: '#main', text: t('shell.skip'), on: { click: (e) => { e.preventDefault(); main.focus(); } } });
  if (page.bare) replace(root, skip, main);
  else replace(root, skip, h('div', { class: 'layout' }, shell(page.nav || page.active), main));
  main.append(spinner());
  const zoneReady = page.public ? null : ensureTimeZone();
  document.title = `${t(page.title)} · Rapport`;
  let mod;
  try { mod = await page.load(); } catch (err) { replace(main, errorState(err)); return; }
  await zoneReady;
  if (seq !== renderSeq) return;
  main.replaceChildren();
  const ctx = {
    params, query, main, signal,
    setTitle: (s) => { document.title = `${s} · Rapport`; },
    refresh: () => render({ focus: false }),
  };
  try {
    await mod.render(ctx);
  } catch (err) {
    if (err.name === 'AbortError' || seq !== renderSeq) return;
    replace(main, errorState(err, () => render({ focus: false })));
  }
  if (seq === renderSeq && !performance.getEntriesByName('rapport:first-page').length) performance.mark('rapport:first-page');
  if (focus && seq === renderSeq) {
    const h1 = main.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }
}

// The company's time zone, loaded once per session (every date shown is in it).
let zoneP = null;
let zoneUser = null;
function ensureTimeZone() {
  const u = api.user();
  if (!zoneP || zoneUser !== (u && u.id)) {
    zoneUser = u && u.id;
    zoneP = api.get('/api/v1/settings/time-zone').then((r) => setTimeZone(r.time_zone), () => { /* not readable: the browser's */ });
  }
  return zoneP;
}

async function boot() {
  document.body.append(h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' }));
  window.addEventListener('rapport:locale', () => render({ focus: false }));
  window.addEventListener('rapport:unauthorized', () => {
    if (location.pathname !== '/login') navigate('/login?next=' + encodeURIComponent(location.pathname + location.search), { replace: true });
  });
  try {
    await api.loadSession();
  } catch (err) {
    replace(root, errorState(err, () => location.reload()));
    return;
  }
  // Signed in: the company's time zone and the user names (most pages show them) are asked for
  // now, while the page's modules load.
  if (api.user()) { ensureTimeZone(); ensureUsers(); }
  await start(renderPage);
}

boot();
