// lint: the OpenAPI description the real server serves, checked from outside
// by two third-party linters (pinned in package-lock.json): Redocly's
// recommended rules and Spectral's spectral:oas ruleset (.spectral.yaml).
// Both must report zero errors; warnings are printed, not counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from '../api/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name) => join(here, 'node_modules', '.bin', name);
let srv, dir, file, spec;

before(async () => {
  srv = await new Server().start();
  const r = await fetch(srv.base + '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  spec = await r.json();
  dir = mkdtempSync(join(tmpdir(), 'rapport-openapi-'));
  file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(spec, null, 1));
});
after(async () => { await srv?.stop(); srv?.cleanup(); if (dir) rmSync(dir, { recursive: true, force: true }); });

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: here, encoding: 'utf8', timeout: 300000, maxBuffer: 64 << 20,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}

test('redocly lint (recommended rules): no errors', () => {
  const r = run(bin('redocly'), ['lint', file, '--format=json']);
  const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  const errors = out.problems.filter((p) => p.severity === 'error');
  console.log(`redocly: ${errors.length} errors, ${out.problems.length - errors.length} warnings`);
  assert.deepEqual(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`), []);
});

test('spectral lint (spectral:oas): no errors', () => {
  const r = run(bin('spectral'), ['lint', '-r', join(here, '.spectral.yaml'), '-f', 'json', '--quiet', file]);
  const text = r.stdout.trim();
  const out = text ? JSON.parse(text.slice(text.indexOf('['))) : [];
  const errors = out.filter((p) => p.severity === 0);
  console.log(`spectral: ${errors.length} errors, ${out.length - errors.length} warnings and hints`);
  assert.deepEqual(errors.map((p) => `${p.code}: ${p.message} at ${p.path.join('.')}`), []);
});

test('the linters do find errors: a broken copy of the description fails both', () => {
  // A path parameter that is not declared and an operation without responses
  // are errors for both rule sets: this keeps the two tests above honest.
  const broken = structuredClone(spec);
  broken.paths['/api/v1/parties/{id}'].get.parameters = [];
  delete broken.paths['/api/v1/parties'].get.responses;
  const bad = join(dir, 'broken.json');
  writeFileSync(bad, JSON.stringify(broken));
  const red = JSON.parse(run(bin('redocly'), ['lint', bad, '--format=json']).stdout.replace(/^[^{]*/, ''));
  assert.ok(red.problems.some((p) => p.severity === 'error'), 'redocly reports an error');
  const sp = run(bin('spectral'), ['lint', '-r', join(here, '.spectral.yaml'), '-f', 'json', '--quiet', bad]);
  assert.ok(JSON.parse(sp.stdout.replace(/^[^[]*/, '')).some((p) => p.severity === 0), 'spectral reports an error');
});
