// api: the one way the UI talks to the server. JSON in and out, the session
// cookie sent by the browser, the CSRF token added to every state-changing
// request, errors turned into ApiError with the server's code, message and
// field. A 401 anywhere sends the user back to the login page.

let csrfToken = null;
let currentUser = null;

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'http_' + status);
    this.field = e.field || null;
  }
}

/** Builds a query string; skips empty values, repeats keys for arrays. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

/**
 * request('PATCH', '/api/v1/parties/3', {body, headers, signal, query}); raw sends a Blob/File as is.
 * Resolves to the parsed JSON (null for 204); rejects with ApiError.
 */
export async function request(method, path, { body, raw, headers = {}, signal, query } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) h['X-CSRF-Token'] = csrfToken;
  let r;
  try {
    r = await fetch(path + qs(query), {
      method, headers: h, credentials: 'same-origin', signal,
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, { error: { code: 'network', message: err.message } });
  }
  const text = r.status === 204 ? '' : await r.text();
  let json = null;
  if (text) { try { json = JSON.parse(text); } catch { /* not JSON */ } }
  if (!r.ok) {
    const e = new ApiError(r.status, json);
    if (r.status === 401 && path !== '/api/v1/session') {
      csrfToken = null;      // the session ended (expired, logged out elsewhere, user disabled)
      currentUser = null;
      window.dispatchEvent(new CustomEvent('rapport:unauthorized'));
    }
    throw e;
  }
  return json;
}

export const get = (path, query, opts = {}) => request('GET', path, { ...opts, query });
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });
export const del = (path, opts = {}) => request('DELETE', path, opts);
/** PATCH with optimistic concurrency: If-Match carries the version read. */
export const patch = (path, body, version, opts = {}) =>
  request('PATCH', path, { ...opts, body, headers: version !== undefined ? { 'If-Match': `"${version}"` } : {} });

/** True for the answers that mean "someone else changed it first". */
export const isConflict = (e) => e instanceof ApiError && (e.status === 409 || e.status === 412);

// ---- session ----

export function user() { return currentUser; }

/** Loads the session from the cookie; resolves to the user or null. */
export async function loadSession() {
  try {
    const s = await get('/api/v1/session');
    csrfToken = s.csrf_token;
    currentUser = s.user;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    csrfToken = null;
    currentUser = null;
  }
  return currentUser;
}

export async function login(email, password) {
  const s = await post('/api/v1/session', { email, password });
  csrfToken = s.csrf_token;
  currentUser = s.user;
  return currentUser;
}

export async function logout() {
  try { await del('/api/v1/session'); } finally { csrfToken = null; currentUser = null; }
}

/**
 * Fetches every page of a list (keyset) up to maxItems; returns
 * {items, complete} — complete is false when the cap was reached first.
 */
export async function listAll(path, query, { maxItems = 5000, signal } = {}) {
  const items = [];
  let after;
  for (;;) {
    const page = await get(path, { ...query, limit: 500, after }, { signal });
    items.push(...page.items);
    if (!page.next) return { items, complete: true };
    if (items.length >= maxItems) return { items, complete: false };
    after = page.next;
  }
}

/** Loads several records by id in parallel (the API has no batch get), de-duplicated. */
export async function getMany(resource, ids, { signal } = {}) {
  const uniq = [...new Set(ids.filter((x) => x !== null && x !== undefined))];
  const out = new Map();
  await Promise.all(uniq.map(async (id) => {
    try { out.set(id, await get(`/api/v1/${resource}/${id}`, undefined, { signal })); } catch (e) {
      if (e.name === 'AbortError') throw e;
    }
  }));
  return out;
}
