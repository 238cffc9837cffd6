// The sales report as a PDF (issue 18): the same figures as the JSON, in
// Chinese and English, read back by an independent reader (poppler's
// pdftotext); salespeople by name, amounts converted to the company
// currency, several pages when the rows do not fit one; the export
// permission applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { Server, addUser, assertError, sql, sqlExec } from './harness.mjs';

const PW = 'a long enough password';

async function pdfText(srv, client, path) {
  const r = await fetch(srv.base + path, { headers: { Cookie: client.cookie } });
  assert.equal(r.status, 200, path);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="sales-by-\w+\.pdf"$/);
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  const dir = mkdtempSync('/tmp/report-pdf-');
  try {
    writeFileSync(`${dir}/r.pdf`, bytes);
    const text = execFileSync('pdftotext', ['-layout', `${dir}/r.pdf`, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const pages = Number(execFileSync('pdfinfo', [`${dir}/r.pdf`], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)[1]);
    const fonts = execFileSync('pdffonts', [`${dir}/r.pdf`], { encoding: 'utf8' });
    return { text, pages, fonts };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('the sales report as PDF: bilingual, named, converted, paged, permitted', async () => {
  const srv = await new Server().start();
  try {
    const admin = await srv.login();
    addUser(srv.db, 'wang@test.local', 'sales');
    sqlExec(srv.db, "UPDATE app_user SET name = '王小明' WHERE email = 'wang@test.local'");
    const wang = await srv.login('wang@test.local', PW);
    assert.equal((await admin.request('PUT', '/api/v1/settings/letterhead', { name: '华星科技有限公司 Huaxing Tech' })).status, 200);
    await admin.post('/api/v1/exchange-rates', { currency: 'USD', to_currency: 'CNY', valid_on: '2020-01-01', rate: '7' });
    const pid = (await admin.get('/api/v1/pipelines')).body.items.find((p) => p.name === 'B2B sales').id;
    const party = (await admin.post('/api/v1/parties', { kind: 'organization', name: '深圳华星', owner_id: wang.user.id })).body;
    for (const [amount, currency, status] of [[120000, 'CNY', 'won'], [10000, 'USD', 'won'], [null, null, 'lost']]) {
      let o = (await wang.post('/api/v1/opportunities', { party_id: party.id, pipeline_id: pid, name: '项目', source: 'referral',
        ...(amount ? { amount: { amount, currency } } : {}) })).body;
      const r = await wang.patch(`/api/v1/opportunities/${o.id}`, { status, ...(status === 'lost' ? { lost_reason: 'price' } : {}), version: o.version });
      assert.equal(r.status, 200, r.text);
    }
    const json = (await admin.get('/api/v1/reports/sales?by=user')).body;
    const row = json.rows.find((x) => x.key === String(wang.user.id));
    assert.equal(row.won_amount.converted.amount, 120000 + 70000);
    const { text, pages, fonts } = await pdfText(srv, admin, '/api/v1/reports/sales/export?by=user&format=pdf');
    assert.equal(pages, 1);
    assert.match(fonts, /DroidSansFallback/, 'the CJK font is embedded');
    for (const s of ['华星科技有限公司 Huaxing Tech', '销售报表 Sales report', `期间 Period: ${json.from}`, '币种 Currency: CNY',
      '活动 Activities', '赢单与输单 Won and lost'])
      assert.ok(text.includes(s), `${s} in\n${text}`);
    // The column heads: Chinese above English.
    assert.match(text, /销售员\s+进行中\s+赢单\s+输单\s+胜率\s+赢单金额\s+周期\(天\)\n\s*Salesperson\s+Open\s+Won\s+Lost\s+Win rate\s+Won amount\s+Cycle \(days\)/, text);
    // The row: the salesperson by name, 0 open, 2 won, 1 lost, 66.7 %, 1,900.00 CNY (1,200 + 100 USD × 7).
    assert.match(text, /王小明\s+0\s+2\s+1\s+66\.7%\s+1900\.00 CNY/, text);
    // By stage, with conversion.
    const st = await pdfText(srv, admin, `/api/v1/reports/sales/export?by=stage&pipeline_id=${pid}&format=pdf`);
    assert.ok(st.text.includes('各阶段转化 Conversion by stage'), st.text);
    assert.match(st.text, /qualification\s+3\s+0\s+2\s+1\s+66\.7%\s+66\.7%/, st.text);
    // Many rows go on to more pages, the heads repeated.
    for (let i = 0; i < 70; i++) sqlExec(srv.db, "INSERT INTO team(name, created_at, updated_at) VALUES (?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", `团队 Team ${i}`);
    const teams = sql(srv.db, "SELECT id FROM team WHERE name LIKE '团队 Team %' ORDER BY id").split('\n').map(Number);
    const oppIds = sql(srv.db, 'SELECT id FROM opportunity ORDER BY id').split('\n').map(Number);
    // Spread the closed opportunities' copies over the teams: one row per team.
    for (const [i, t] of teams.entries())
      sqlExec(srv.db, `INSERT INTO opportunity(party_id, pipeline_id, name, stage, status, probability, owner_id, team_id, closed_at, created_at, updated_at)
        SELECT party_id, pipeline_id, name, stage, status, probability, owner_id, ?, closed_at, created_at, updated_at FROM opportunity WHERE id = ?`,
      t, oppIds[i % oppIds.length]);
    const many = await pdfText(srv, admin, '/api/v1/reports/sales/export?by=team&format=pdf');
    assert.ok(many.pages >= 2, `pages ${many.pages}`);
    assert.equal(many.text.split('团队 Team').length - 1 >= 70, true);
    assert.match(many.text.split('\f')[1], /团队\s+进行中\s+赢单[^\n]*\n\s*Team\s+Open\s+Won/, 'the heads again on page 2');
    assert.ok(many.text.includes('团队 Team 69'));
    // A salesperson's PDF holds their own figures; read_only may not export.
    const own = await pdfText(srv, wang, '/api/v1/reports/sales/export?by=user&format=pdf');
    assert.ok(own.text.includes('王小明'));
    addUser(srv.db, 'ro@test.local', 'read_only');
    const ro = await srv.login('ro@test.local', PW);
    assertError(await ro.get('/api/v1/reports/sales/export?format=pdf'), 403, 'forbidden');
  } finally { await srv.stop(); srv.cleanup(); }
});
