// authz_matrix: the authorisation matrix shared by the suites that walk every
// endpoint of an issue × every role (contract_sales_service, authz_programmes).
// An endpoint is a row [entity, action, method, path, body, kind, success]:
//   entity/action  the permission the answer depends on (GET /api/v1/permissions);
//   path, body     a value, or a (possibly async) function of the role (a fresh card,
//                  a fresh name, the current version);
//   kind           'list' (no record), 'record' (one of the admin's records, outside
//                  every team), 'ref' (a body naming one), 'setup' (a type without
//                  owners), or a function (scopes, role) → the expected status;
//   success        the status of an allowed call (default: GET/PATCH 200, POST 201).
// The expectation: scope none → 403; the record outside the read scope → 404 (a
// reference in a body: 422); in read scope but outside the action's → 403; else
// the success status. Admin has every scope.
import assert from 'node:assert/strict';
import { addUser } from './harness.mjs';

export const ROLES = ['manager', 'sales', 'service', 'marketing', 'read_only'];
const SUCCESS = { GET: 200, PATCH: 200, PUT: 200, POST: 201, DELETE: 204 };
const ALL = new Proxy({}, { get: () => new Proxy({}, { get: () => 'all' }) });

/** Logs in one user per role (plus the admin given); answers {role: client}. */
export async function roleClients(srv, admin, roles = ROLES, password = 'a long enough password') {
  const clients = { admin };
  for (const r of roles) {
    addUser(srv.db, `${r}@test.local`, r, password);
    clients[r] = await srv.login(`${r}@test.local`, password);
  }
  return clients;
}

/** The scopes of a role from the served permission table (admin: all of them). */
export const scopesOf = (table, role) => (role === 'admin' ? ALL : table[role] || {});

/** The status the matrix expects of role on one endpoint row. */
export function expectedStatus(scopes, role, [entity, action, method, , , kind, success]) {
  const read = scopes[entity]?.read || 'none', act = scopes[entity]?.[action] || 'none';
  if (typeof kind === 'function') return kind(scopes, role);
  if (act === 'none') return 403;
  if (kind === 'record' && read !== 'all') return 404;
  if (kind === 'ref' && read !== 'all') return 422;
  if ((kind === 'record' || kind === 'ref') && act !== 'all') return 403;
  return success ?? SUCCESS[method];
}

const valueFor = (x, role) => (typeof x === 'function' ? x(role) : x);

/** Calls every row as every role and asserts the expected status; answers
 * {checked, denied}. */
export async function runMatrix({ clients, roles, table, endpoints }) {
  let checked = 0, denied = 0;
  for (const role of roles) {
    const u = clients[role], scopes = scopesOf(table, role);
    for (const row of endpoints) {
      const [, , method, path, body] = row;
      const expect = expectedStatus(scopes, role, row);
      const p = await valueFor(path, role), b = (await valueFor(body, role)) ?? undefined;
      const r = await u.request(method, p, b);
      assert.equal(r.status, expect, `${role} ${method} ${p}: expected ${expect}, got ${r.status} ${r.text.slice(0, 300)}`);
      if (expect >= 400) denied++;
      checked++;
    }
  }
  return { checked, denied };
}

/** Every row without a login: 401, whatever the body. */
export async function assertAnonymous(base, endpoints) {
  for (const [, , method, path, body] of endpoints) {
    const p = await valueFor(path, 'anon');
    const r = await fetch(base + p, { method, headers: { 'Content-Type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify((await valueFor(body, 'anon')) ?? {}) });
    assert.equal(r.status, 401, `anonymous ${method} ${p}: ${r.status}`);
  }
}
