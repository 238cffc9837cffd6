// harness: starts a real `rapport serve` on a free loopback port with a fresh
// database and an admin account, and gives tests a small HTTP client. Every
// suite (API, crash, browser) uses it. The server's stderr is kept; a
// sanitizer report in it fails the suite that started the server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { inflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

export const BIN = process.env.RAPPORT_BIN || new URL('../../build/rapport-asan', import.meta.url).pathname;
/** RAPPORT_TEST_DB: the URL of a PostgreSQL server's maintenance database
 * (postgres://user@host:port/postgres, see scripts/pg-test.sh). Set, every
 * Server gets a database of its own there instead of a SQLite file. */
export const TEST_DB = process.env.RAPPORT_TEST_DB || '';
export const ON_POSTGRES = TEST_DB !== '';

function psql(url, statement) {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement], { encoding: 'utf8', timeout: 60000 });
  return r;
}

/** A database URL on the TEST_DB server named after dir (the same dir, the
 * same database: a test that restarts a server on its directory keeps its data). */
function pgDatabaseFor(dir) {
  let h = 0;
  for (const ch of dir) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  const name = `rt_${h.toString(36)}_${dir.replace(/[^a-zA-Z0-9]/g, '').slice(-12).toLowerCase()}`;
  const u = new URL(TEST_DB);
  u.pathname = '/' + name;
  return { name, url: u.toString() };
}
export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'correct horse battery staple';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

/** Runs the rapport CLI synchronously; returns {status, stdout, stderr}. */
export function cli(args, { input, env } = {}) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function addUser(db, email, role, password = 'a long enough password') {
  const r = cli(['user', 'add', email, '--role', role, '--password-stdin', '--db', db], { input: password + '\n' });
  assert.equal(r.status, 0, r.stderr);
  return { email, password };
}

export class Server {
  constructor({ dir, demo = 0, env = {}, args = [] } = {}) {
    this.dir = dir || mkdtempSync(join(tmpdir(), 'rapport-test-'));
    this.env = env;
    if (ON_POSTGRES) {
      const { name, url } = pgDatabaseFor(this.dir);
      this.pgName = name;
      this.db = url;
    } else this.db = join(this.dir, 'rapport.db');
    this.demo = demo;
    this.args = args;   // more `rapport serve` options
    this.stderr = '';
  }

  /** Creates the database (once) and starts the server. */
  dbExists() {
    if (!ON_POSTGRES) return existsSync(this.db);
    const r = spawnSync('psql', ['-X', '-qAt', '-d', TEST_DB, '-c', `SELECT 1 FROM pg_database WHERE datname = '${this.pgName}'`],
      { encoding: 'utf8', timeout: 60000 });
    if (r.stdout.trim() === '1') return true;
    const c = psql(TEST_DB, `CREATE DATABASE "${this.pgName}"`);
    assert.equal(c.status, 0, c.stderr);
    return false;
  }

  async start() {
    if (!this.dbExists()) {
      let r = cli(['init', '--db', this.db]);
      assert.equal(r.status, 0, r.stderr);
      if (this.demo) {
        r = cli(['demo', '--db', this.db, '--parties', String(this.demo), '--seed', '7']);
        assert.equal(r.status, 0, r.stderr);
      }
      addUser(this.db, ADMIN_EMAIL, 'admin', ADMIN_PASSWORD);
    }
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.proc = spawn(BIN, ['serve', '--db', this.db, '--listen', `127.0.0.1:${this.port}`, ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    this.proc.stderr.on('data', (d) => {
      this.stderr += d.toString();
      if (process.env.RAPPORT_TEST_STDERR) process.stderr.write(d);   // debugging: the server's log as it comes
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 20000;
    for (;;) {
      try {
        const r = await fetch(this.base + '/healthz');
        if (r.ok) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error('server did not start: ' + this.stderr);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this;
  }

  /** Stops the server (SIGTERM, or SIGKILL with hard=true) and checks the sanitizers stayed quiet. */
  async stop({ hard = false } = {}) {
    if (!this.proc) return;
    this.proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await this.exited;
    this.proc = null;
    if (!hard) this.assertClean();
  }

  assertClean() {
    const bad = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.exec(this.stderr);
    assert.equal(bad, null, 'sanitizer report in server stderr:\n' + this.stderr.slice(-4000));
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
    if (ON_POSTGRES && !this.proc) psql(TEST_DB, `DROP DATABASE IF EXISTS "${this.pgName}" WITH (FORCE)`);
  }

  /** Logs in with a password; returns a Client using the session cookie + CSRF token. */
  async login(email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
    const r = await fetch(this.base + '/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
    });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const body = JSON.parse(text);
    const cookie = r.headers.get('set-cookie').split(';')[0];
    return new Client(this.base, { cookie, csrf: body.csrf_token, user: body.user });
  }

  /** Logs in and creates an API token; returns a Client using it. */
  async tokenClient(email, password) {
    const c = await this.login(email, password);
    const r = await c.post('/api/v1/tokens', { name: 'test' });
    assert.equal(r.status, 201);
    return new Client(this.base, { token: r.body.token, user: c.user });
  }
}

// ---- every answer checked against the OpenAPI description ----
// Client.request validates each answer it receives against the operation the
// server's own description (GET /api/v1/openapi.json) declares for that method
// and path: an undeclared status, or a JSON body that does not match the
// declared schema, fails the test that made the request. ajv and ajv-formats
// come from tests/openapi/node_modules (scripts/install-deps.sh installs them).
// The description is read once per test process, from the first server a
// client talks to (every server of a run is the same binary).
const requireOpenapi = createRequire(new URL('../openapi/package.json', import.meta.url));
let specPromise = null;
const validators = new Map();   // "METHOD template status" → ajv validate function (or null: no JSON schema)
let ajv = null;
let operations = null;          // [{method, template, re, params, op}]

async function loadSpec(base) {
  const r = await fetch(base + '/api/v1/openapi.json');
  assert.equal(r.status, 200, 'the OpenAPI description must be served');
  const spec = await r.json();
  const Ajv = requireOpenapi('ajv').default;
  const addFormats = requireOpenapi('ajv-formats').default;
  // strict: false because the description (OpenAPI 3.0) is not a JSON Schema
  // document: its keywords (paths, info, …) are ignored, and OpenAPI's own
  // schema keywords (nullable, readOnly, …) are the ones ajv knows.
  ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int64', { type: 'number', validate: Number.isInteger });
  ajv.addSchema(spec, 'openapi.json');
  operations = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const re = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$');
    const nparams = (template.match(/\{/g) || []).length;
    for (const [method, op] of Object.entries(item)) operations.push({ method: method.toUpperCase(), template, re, nparams, op });
  }
  // A literal segment wins over a parameter (…/parties/{id} vs …/parties/merge).
  operations.sort((a, b) => a.nparams - b.nparams);
  return spec;
}

const otherTypes = new Map();
const pointer = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Checks one answer against the description; throws an AssertionError naming what is wrong. */
export async function validateResponse(base, method, url, status, contentType, text) {
  if (!specPromise) specPromise = loadSpec(base);
  await specPromise;
  const path = new URL(url, base).pathname;
  const o = operations.find((x) => x.method === method && x.re.test(path));
  if (!o) return;   // no such route: the router's 404 / 405, not an operation's answer
  const declared = o.op.responses[String(status)] || o.op.responses.default;
  assert.ok(declared, `${method} ${path} answered ${status}, which ${o.op.operationId} does not declare (${Object.keys(o.op.responses).join(' ')}): ${text.slice(0, 300)}`);
  const key = `${method} ${o.template} ${status}`;
  // RAPPORT_OPENAPI_SEEN=<file>: lists each operation and status checked (which answers the suite covers).
  if (process.env.RAPPORT_OPENAPI_SEEN && !validators.has(key)) appendFileSync(process.env.RAPPORT_OPENAPI_SEEN, key + '\n');
  if (!validators.has(key)) {
    const code = o.op.responses[String(status)] ? String(status) : 'default';
    let resp = o.op.responses[code];
    let ref = `openapi.json#/paths/${pointer(o.template)}/${method.toLowerCase()}/responses/${code}`;
    if (resp.$ref) { ref = 'openapi.json' + resp.$ref; resp = null; }
    const content = resp ? resp.content : null;
    const hasJson = resp === null || (content && content['application/json']);
    validators.set(key, hasJson ? ajv.compile({ $ref: `${ref}/content/application~1json/schema` }) : null);
    // Other media types the answer may have (a page for people answers its errors as a page).
    otherTypes.set(key, content ? Object.keys(content).filter((t) => t !== 'application/json') : []);
  }
  const validate = validators.get(key);
  if (otherTypes.get(key).some((t) => (contentType || '').startsWith(t))) return;
  if (!validate || !/application\/json/.test(contentType || '')) {
    assert.ok(!validate || !text, `${method} ${path} ${status}: declared JSON, answered ${contentType}`);
    return;
  }
  const body = JSON.parse(text);
  if (!validate(body)) {
    const errs = validate.errors.slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}${e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
    assert.fail(`${method} ${path} ${status} does not match the schema ${o.op.operationId} declares:\n  ${errs.join('\n  ')}\n  body: ${text.slice(0, 600)}`);
  }
}

export class Client {
  constructor(base, { cookie, csrf, token, user } = {}) { Object.assign(this, { base, cookie, csrf, token, user }); }

  async request(method, path, body, headers = {}) {
    const h = { ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (this.cookie) h.Cookie = this.cookie;
    if (this.csrf && method !== 'GET' && !('X-CSRF-Token' in h)) h['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      if (!('Content-Type' in h)) h['Content-Type'] = 'application/json';
    }
    const r = await fetch(this.base + path, { method, headers: h, body: payload });
    const text = await r.text();
    if (process.env.RAPPORT_VALIDATE !== '0') await validateResponse(this.base, method, path, r.status, r.headers.get('content-type'), text);
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: r.status, headers: r.headers, body: json, text };
  }
  get(p, h) { return this.request('GET', p, undefined, h); }
  post(p, b, h) { return this.request('POST', p, b, h); }
  patch(p, b, h) { return this.request('PATCH', p, b, h); }
  del(p, h) { return this.request('DELETE', p, undefined, h); }
}

/** Polls a job (`/api/v1/imports/{id}`, `/api/v1/jobs/{id}`) until it is neither
 * queued nor running, at most `tries` times `every` ms apart; returns its last state. */
export async function waitJob(client, path, { tries = 600, every = 100 } = {}) {
  let job;
  for (let i = 0; i < tries; i++) {
    job = (await client.get(path)).body;
    if (!['queued', 'running'].includes(job.status)) break;
    await new Promise((res) => setTimeout(res, every));
  }
  return job;
}

/** Asserts an error answer: status, code, and (optionally) the field it names. */
export function assertError(r, status, code, field) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.body && r.body.error, 'error body missing: ' + r.text);
  if (code) assert.equal(r.body.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.body.error.field, field, r.text);
  assert.equal(typeof r.body.error.message, 'string');
}

// Stored state is read and changed through the binary's own console
// (`rapport db`, src/cli/cmd_db_console.c), which goes through the storage
// driver: the suites never open the database with an engine's own tool, so
// they can run against any engine the driver supports. Keep the SQL here and
// in the tests portable (no PRAGMA, group_concat, typeof …); values go in as
// bound parameters.
function dbCommand(args) {
  const r = spawnSync(BIN, ['db', ...args], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120000 });
  assert.equal(r.status, 0, `rapport db ${args[0]}: ${r.stderr}`);
  return r.stdout;
}

/** A read-only query (`rapport db query`): rows one a line, columns
 * tab-separated, NULL as nothing; params are bound to its ? in order. */
export function sql(db, query, ...params) {
  return dbCommand(['query', '--db', db, query, ...params.map(String)]).trim();
}

/** The rows of a read-only query as arrays of exact values (--json): numbers,
 * strings, null; a binary value is a string "\\x" + hex. */
export function sqlRows(db, query, ...params) {
  return dbCommand(['query', '--json', '--db', db, query, ...params.map(String)])
    .split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Changes the database (`rapport db exec`), for tests that edit or corrupt
 * stored state on purpose. Without params the statement may be a script. */
export function sqlExec(db, statement, ...params) {
  dbCommand(['exec', '--db', db, statement, ...params.map(String)]);
}

/** The database's integrity check (`rapport db check`): "ok" when sound. */
export function dbCheck(db) {
  const r = spawnSync(BIN, ['db', 'check', '--db', db], { encoding: 'utf8', timeout: 600000 });
  return (r.stdout + r.stderr).trim();
}

/** Every table's rows (`rapport db dump`), to compare before and after. */
export function dbDump(db) {
  return dbCommand(['dump', '--db', db]);
}

/** The dump without the scheduler's own bookkeeping (the schedule and job
 * tables): a schedule that comes due while a test compares two dumps runs
 * and records its run whatever the request between them did (a PostgreSQL
 * run under load met surveys.send there). */
export function dbDumpOfRequests(db) {
  const background = new Set(['job', 'schedule']);
  let keep = true;
  return dbDump(db).split('\n').filter((line) => {
    if (line.startsWith('-- ')) keep = !background.has(line.slice(3));
    return keep;
  }).join('\n');
}

/** A party's stored score explanation as JSON: the column holds it deflated
 * (4-byte little-endian length, then zlib), or as text in rows of older versions. */
export function storedExplanation(db, partyId) {
  const [[value]] = sqlRows(db, 'SELECT explanation FROM score WHERE party_id = ?', Number(partyId));
  if (!value.startsWith('\\x')) return JSON.parse(value);
  const z = Buffer.from(value.slice(2), 'hex');
  const text = inflateSync(z.subarray(4));
  assert.equal(text.length, z.readUInt32LE(0), 'stored length');
  return JSON.parse(text.toString('utf8'));
}

/** Writes a party's score explanation as plain JSON text, as an older version stored it. */
export function storeExplanationText(db, partyId, explanation) {
  sqlExec(db, 'UPDATE score SET explanation = ? WHERE party_id = ?', JSON.stringify(explanation), Number(partyId));
}

export function fileDigest(path) {
  return readFileSync(path).length;
}

/** The date ("YYYY-MM-DD") in an IANA time zone at an instant. Built from the
 * formatter's parts, not a locale's format: a Node with less ICU data (Debian's)
 * writes 'en-CA' dates as 12/7/2026. */
export function zoneDate(zone, at = new Date()) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}
