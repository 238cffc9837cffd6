// router: client-side navigation over the page registry (pages.js). The
// server answers every path without a dot with index.html, so /customers/12
// can be opened, bookmarked and reloaded. Links are ordinary <a href>; the
// router intercepts same-origin clicks and renders the page module.
import { PAGES, NOT_FOUND } from './pages.js';

const compiled = PAGES.map((p) => ({
  ...p,
  re: new RegExp('^' + p.path.replace(/:(\w+)/g, '(?<$1>[^/]+)') + '/?$'),
}));

let onRender = () => {};
let current = null;

/** Finds the page for a path: {page, params}. */
export function match(pathname) {
  for (const p of compiled) {
    const m = p.re.exec(pathname);
    if (m) return { page: p, params: { ...(m.groups || {}) } };
  }
  return { page: NOT_FOUND, params: {} };
}

/** Goes to url (path + query) and renders it; replace keeps history length. */
export function navigate(url, { replace = false, focus = true } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  return render({ focus });
}

/** Updates the query string of the current page without rendering again. */
export function setQuery(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.set(k, String(v));
  }
  const s = u.toString();
  history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
}

export function currentPage() { return current; }

/** Renders the page of the current location. */
export function render(opts = {}) {
  const { page, params } = match(location.pathname);
  current = page;
  return onRender(page, params, new URLSearchParams(location.search), opts);
}

/** Starts listening to link clicks and history moves; renderer(page, params, query, opts). */
export function start(renderer) {
  onRender = renderer;
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => render({ focus: false }));
  return render({ focus: false });
}
