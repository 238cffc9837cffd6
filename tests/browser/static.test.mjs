// static: checks on the web/ sources that need no browser — both message
// catalogues hold the same keys and every key the code asks for; no module
// parses HTML from strings; the JavaScript shipped stays under 300 KB gzip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const WEB = new URL('../../web/', import.meta.url).pathname;
const files = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? files(p) : [p];
});
const js = files(join(WEB, 'js')).filter((f) => f.endsWith('.js'));

test('the zh-CN and en catalogues have the same keys, and every key used exists', async () => {
  const en = (await import(join(WEB, 'js/i18n/en.js'))).default;
  const zh = (await import(join(WEB, 'js/i18n/zh-CN.js'))).default;
  assert.deepEqual(Object.keys(zh).filter((k) => !(k in en)), [], 'keys only in zh-CN');
  assert.deepEqual(Object.keys(en).filter((k) => !(k in zh)), [], 'keys only in en');
  const used = new Set();
  for (const f of js) for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([\w.\-]+)'(?!\s*\+)/g)) used.add(m[1]);
  assert.ok(used.size > 100, 'keys found in the code: ' + used.size);
  assert.deepEqual([...used].filter((k) => !(k in en)), [], 'keys used but missing from the catalogues');
  const { VOCAB } = await import(join(WEB, 'js/vocab.js'));
  for (const [name, values] of Object.entries(VOCAB)) {
    for (const v of values) assert.ok(`enum.${name}.${v}` in zh, `enum.${name}.${v} has no label`);
  }
});

test('no module builds HTML from strings', () => {
  for (const f of js) {
    const src = readFileSync(f, 'utf8');
    assert.ok(!/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write\(|\beval\(|new Function\(/.test(src), f + ' parses HTML or code from strings');
  }
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'index.html has an inline script (the CSP forbids it)');
  assert.ok(!/\sstyle=/.test(html) && !/\son\w+=/.test(html), 'index.html has inline styles or handlers');
});

test('the JavaScript shipped is under 300 KB compressed', () => {
  const vendor = new URL('../../web/node_modules/chart.js/dist/chart.umd.min.js', import.meta.url).pathname;
  let total = 0;
  for (const f of [...js, vendor]) total += gzipSync(readFileSync(f), { level: 9 }).length;
  console.log(`# JavaScript: ${js.length} modules + chart.js, ${(total / 1024).toFixed(1)} KB gzip`);
  assert.ok(total < 300 * 1024, `JavaScript is ${total} bytes gzip`);
});
