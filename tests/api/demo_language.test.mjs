// The demo data speaks one language per text (issue 15, item 14): a name,
// city, industry, subject, response, product, team or user name is written
// in Chinese or in English, never both ("New York博远机械有限公司", "生日祝福
// Birthday greeting" read as mistakes), and a record's texts agree with its
// name's language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './harness.mjs';

const han = /[\u3400-\u9fff]/, latin = /[A-Za-z]/;
const mixed = (s) => han.test(s) && latin.test(s);

test('demo data: no text mixes Chinese and English, and a party\'s texts follow its name\'s language', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-demo-lang-'));
  try {
    const db = join(dir, 'd.db');
    assert.equal(cli(['demo', '--db', db, '--parties', '400', '--seed', '11']).status, 0);
    const q = (sqlText) => {
      const r = cli(['db', 'query', '--db', db, sqlText]);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
    };
    const texts = [
      ...q("SELECT name, coalesce(city, ''), coalesce(country, ''), coalesce(industry, ''), coalesce(needs, ''), coalesce(tags, '') FROM party").flat(),
      ...q("SELECT coalesce(subject, ''), coalesce(response, ''), coalesce(notes, '') FROM interaction").flat(),
      ...q('SELECT name FROM product').flat(), ...q('SELECT name FROM team').flat(), ...q('SELECT name FROM app_user').flat(),
    ];
    assert.ok(texts.length > 1000, `${texts.length} texts`);
    const bad = texts.filter(mixed);
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} mixed texts`);
    // A Chinese party's city and country are Chinese; an English one's English.
    for (const [name, city, country] of q("SELECT name, city, country FROM party WHERE city IS NOT NULL")) {
      const zh = han.test(name);
      assert.equal(han.test(city) || han.test(country), zh, `${name}: ${city}, ${country}`);
    }
    // Interactions follow their party's language.
    for (const [name, subject] of q('SELECT p.name, i.subject FROM interaction i JOIN party p ON p.id = i.party_id LIMIT 500'))
      assert.equal(han.test(subject), han.test(name), `${name}: ${subject}`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
