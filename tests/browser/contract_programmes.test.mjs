// contract_programmes: the UI paragraphs of issues 20 and 21 in the
// language the feature suites (plans, mail, occasion_mail, campaigns,
// loyalty, loyalty_relationship) did not drive them in — the template
// editor, the campaign page with its control group, the worklist on the
// dashboard and the contact-plan editor in Chinese; consent on the
// customer page in English — and the set-ups no suite made through the
// UI: a referral programme with its levels (English), a loyalty programme,
// a club and an event (Chinese, on a phone); and the referral tree of a
// member with more children than one page (navigated page by page); the
// relationship level beside Kotler's recommendation with the gap, what to
// do and the history, in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, sqlExec } from '../api/harness.mjs';
import { launch, openPage, login, assertHealthy } from './browser.mjs';

let server, browser, api, wang, campaign;
const CNY = (amount) => ({ amount, currency: 'CNY' });

before(async () => {
  server = new Server();
  await server.start();
  api = await server.login();
  wang = (await api.post('/api/v1/parties', { kind: 'person', name: '王芳', owner_id: api.user.id, tags: ['spring'] })).body;
  sqlExec(server.db, `INSERT INTO score (party_id, computed_at, transactions, repeat_purchases, revenue, cost, profit, cost_to_serve,
    net_profit, competitor_amount, tier, strategy, lifecycle, p_alive, clv, last_purchase)
    VALUES (?, '2026-12-01T00:00:00Z', 3, 2, 100, 0, 100, 0, 100, 0, 'platinum', 'submissive', 'stability', 0.41, 800000, '2026-06-01')`, wang.id);
  for (let i = 0; i < 39; i++) assert.equal((await api.post('/api/v1/parties', { kind: 'person', name: `春季客户 ${i}`, tags: ['spring'] })).status, 201);
  const tpl = (await api.post('/api/v1/email-templates', { name: '春季', language: 'zh-CN', subject: '{{name}}，春季优惠', body: '<p>亲爱的 {{name}}</p>' })).body;
  const c = (await api.post('/api/v1/campaigns', { name: '春季关怀 Spring care', channel: 'email', segment: 'tags=spring', template_id: tpl.id, control_share: 0.25 })).body;
  campaign = (await api.patch(`/api/v1/campaigns/${c.id}`, { status: 'active', version: c.version })).body;
  assert.ok(campaign.control_count > 0 && campaign.control_count < 40, JSON.stringify(campaign));
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { await server.stop(); server.cleanup(); }
});

test('in Chinese: the template editor previews both languages; the campaign page shows its control group; the worklist; the contact-plan editor', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  // The template editor.
  await page.goto('/email-templates');
  await page.locator('h1', { hasText: '邮件模板' }).waitFor();
  await page.getByRole('button', { name: '新建模板' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^名称/).fill('生日祝福');
  await dlg.getByLabel(/^主题/).fill('{{name}}，生日快乐');
  await dlg.getByLabel(/^正文/).fill('<p>亲爱的 {{name}}</p>');
  await dlg.frameLocator('.preview[data-lang="zh-CN"] iframe').locator('p', { hasText: '亲爱的 王芳' }).waitFor();
  await dlg.frameLocator('.preview[data-lang="en"] iframe').locator('p', { hasText: '亲爱的 Jane Doe' }).waitFor();
  await dlg.locator('.preview[data-lang="zh-CN"] .preview-subject', { hasText: '王芳，生日快乐' }).waitFor();
  await dlg.getByRole('button', { name: '保存' }).click();
  await page.locator('.toast', { hasText: '生日祝福 已保存。' }).waitFor();
  assert.ok((await api.get('/api/v1/email-templates')).body.items.some((x) => x.name === '生日祝福' && x.subject === '{{name}}，生日快乐'));

  // The campaign page: the frozen members with the control group, the PDCA record, the measures, the members by group.
  await page.goto(`/campaigns/${campaign.id}`);
  await page.locator('h1', { hasText: '春季关怀 Spring care' }).waitFor();
  await page.locator('.frozen-note', { hasText: `已冻结 40 名成员（对照组 ${campaign.control_count} 名）` }).waitFor();
  await page.getByLabel('计划（Plan）', { exact: true }).waitFor();
  const measures = page.locator('.card-measures');
  await measures.locator('.prop', { hasText: '对照组' }).first().locator('dd', { hasText: String(campaign.control_count) }).waitFor();
  await page.locator('.members-table tbody tr').first().waitFor();
  assert.match(await page.locator('.members-table').innerText(), /对照组/);
  assert.match(await page.locator('.members-table').innerText(), /实验组/);

  // The dashboard's worklist of next actions.
  await page.goto('/');
  await page.locator('.card-worklist .nba').first().waitFor();
  assert.match(await page.locator('.card-worklist').innerText(), /挽回王芳/);

  // The contact-plan editor.
  await page.goto('/programmes');
  await page.locator('h1', { hasText: '联系计划与节日规则' }).waitFor();
  await page.getByRole('button', { name: '新建联系计划' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^名称/).fill('春季双周');
  await dlg.getByLabel('客户（细分）').fill('tags=spring');
  await dlg.getByLabel(/每隔几天联系一次/).fill('14');
  await dlg.getByLabel('与竞品比较').check();
  await dlg.getByLabel('年终礼品').check();
  await dlg.getByRole('button', { name: '保存' }).click();
  await page.locator('.toast', { hasText: '已保存 春季双周。' }).waitFor();
  assert.match(await page.locator('.plans-table tr', { hasText: '春季双周' }).innerText(), /每 14 天/);
  const plan = (await api.get('/api/v1/contact-plans')).body.items.find((p) => p.name === '春季双周');
  assert.deepEqual([plan.segment, plan.every_days], ['tags=spring', 14]);
  assert.ok(plan.activities.includes('competitor_comparison') && plan.activities.includes('year_end_gift'), JSON.stringify(plan.activities));
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in English: consent recorded on the customer page', async () => {
  const p = (await api.post('/api/v1/parties', { kind: 'person', name: 'Lena Park', emails: ['lena@x.test'] })).body;
  const page = await openPage(browser, server);
  await login(page);
  await page.goto(`/customers/${p.id}`);
  const box = page.locator('.card-consent');
  await box.locator('h2', { hasText: 'Marketing consent' }).waitFor();
  await box.getByText('No consent recorded: no marketing e-mail is sent.').waitFor();
  await box.getByRole('button', { name: 'Record consent' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Source/).fill('paper form in the shop');
  await dlg.getByLabel(/^Wording agreed to/).fill('I agree to receive marketing e-mail.');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Consent recorded.' }).waitFor();
  await box.locator('li[data-channel="email"] .badge', { hasText: 'Granted' }).waitFor();
  const got = (await api.get(`/api/v1/consents?party_id=${p.id}`)).body.items;
  assert.deepEqual(got.map((c) => [c.channel, c.granted, c.source, c.wording]), [['email', true, 'paper form in the shop', 'I agree to receive marketing e-mail.']]);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in English: a referral programme set up with its levels, then its planned-against-actual table', async () => {
  const page = await openPage(browser, server);
  await login(page);
  await page.goto('/referral');
  await page.getByRole('button', { name: 'New referral programme' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByLabel(/^Name/).fill('Seed plan 种子计划');
  await dlg.getByLabel(/^Status/).selectOption('active');
  await dlg.getByLabel(/^Budget cap/).fill('100000');
  await dlg.getByLabel('Cards 1', { exact: true }).fill('6');
  await dlg.getByLabel('Benefit 1', { exact: true }).fill('one machine and 2 discs');
  await dlg.getByLabel('Benefit cost 1', { exact: true }).fill('3000');
  await dlg.getByLabel('Expected spend 1', { exact: true }).fill('6000');
  await dlg.getByRole('button', { name: 'Add a level' }).click();
  await dlg.getByLabel('Cards 2', { exact: true }).fill('6');
  await dlg.getByLabel('Benefit 2', { exact: true }).fill('half price');
  await dlg.getByLabel('Benefit cost 2', { exact: true }).fill('1500');
  await dlg.getByLabel('Expected spend 2', { exact: true }).fill('3000');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('.toast', { hasText: 'Seed plan 种子计划 saved.' }).waitFor();
  await page.locator('h1', { hasText: 'Seed plan 种子计划' }).waitFor();
  const report = page.locator('.report-table');
  await report.locator('tbody tr').nth(1).waitFor();
  assert.equal(await report.locator('tbody tr').count(), 2);
  assert.match(await report.locator('tr[data-level="2"]').innerText(), /half price/);
  const prog = (await api.get('/api/v1/referral-programs')).body.items.find((x) => x.name === 'Seed plan 种子计划');
  assert.equal(prog.status, 'active');
  assert.deepEqual(prog.budget_cap, CNY(10000000));
  assert.deepEqual(prog.levels.map((l) => [l.level, l.card_quota, l.benefit, l.benefit_cost.amount, l.expected_spend.amount]),
    [[1, 6, 'one machine and 2 discs', 300000, 600000], [2, 6, 'half price', 150000, 300000]]);
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in Chinese on a phone: a loyalty programme, a club and an event made on the loyalty page', async () => {
  const page = await openPage(browser, server, { locale: 'zh-CN', width: 390, height: 844 });
  await login(page);
  await page.goto('/loyalty');
  await page.locator('h1', { hasText: '会员忠诚' }).waitFor();
  const make = async (button, fill, name) => {
    await page.getByRole('button', { name: button }).click();
    const dlg = page.locator('dialog[open]');
    await fill(dlg);
    await dlg.getByRole('button', { name: '保存' }).click();
    await page.locator('.toast', { hasText: `已保存 ${name}。` }).waitFor();
  };
  await make('新建积分计划', async (d) => {
    await d.getByLabel(/^名称/).fill('常客积分');
    await d.getByLabel(/^每消费金额/).fill('10');
    await d.getByLabel(/^获得积分/).fill('1');
    await d.getByLabel(/^积分有效天数/).fill('365');
  }, '常客积分');
  await page.locator('.card-programs tr', { hasText: '常客积分' }).locator('td', { hasText: '365 天后' }).waitFor();
  const lp = (await api.get('/api/v1/loyalty-programs')).body.items.find((x) => x.name === '常客积分');
  assert.deepEqual([lp.earn_unit, lp.earn_points, lp.expiry_days, lp.status], [CNY(1000), 1, 365, 'active']);
  await make('新建俱乐部', async (d) => {
    await d.getByLabel(/^名称/).fill('车友会');
    await d.getByLabel(/^会员等级/).fill('银卡，金卡');
    await d.getByLabel(/^年费/).fill('200');
  }, '车友会');
  await page.locator('.card-clubs tr', { hasText: '车友会' }).locator('td', { hasText: '银卡 · 金卡' }).waitFor();
  const club = (await api.get('/api/v1/clubs')).body.items.find((x) => x.name === '车友会');
  assert.deepEqual([club.membership_levels, club.annual_fee], [['银卡', '金卡'], CNY(20000)]);
  await make('新建活动', async (d) => {
    await d.getByLabel(/^名称/).fill('新车品鉴会');
    await d.getByLabel(/^地点/).fill('上海展厅');
  }, '新车品鉴会');
  await page.locator('.card-events tr', { hasText: '新车品鉴会' }).waitFor();
  assert.ok((await api.get('/api/v1/club-events')).body.items.some((x) => x.name === '新车品鉴会' && x.location === '上海展厅'));
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no sideways scrolling');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('in Chinese: the referral tree of a member with more children than a page, navigated page by page', async () => {
  // From open_from_level 1 a first-level member refers ordinary members without limit: 110 children.
  const prog = (await api.post('/api/v1/referral-programs', { name: '大树 Big tree', status: 'active', budget_cap: CNY(100000000), open_from_level: 1,
    levels: [{ level: 1, card_quota: 6, benefit: 'gift', benefit_cost: CNY(1000) }, { level: 2, card_quota: 6, benefit: 'half', benefit_cost: CNY(1000) }] })).body;
  const root = (await api.post('/api/v1/parties', { kind: 'person', name: '树根 Root', phones: ['+86 135 0000 0001'], emails: ['root@tree.test'],
    addresses: [{ line1: '5 Rd', city: '深圳' }] })).body;
  const m = (await api.post(`/api/v1/referral-programs/${prog.id}/members`, { party_id: root.id, id_number: 'T1' })).body;
  for (let i = 0; i < 110; i++) {
    const p = (await api.post('/api/v1/parties', { kind: 'person', name: `枝 ${String(i).padStart(3, '0')}` })).body;
    const r = await api.post(`/api/v1/referral-programs/${prog.id}/referrals`, { member_card: m.member_card, referrer_name: root.name, party_id: p.id });
    assert.equal(r.status, 201, r.text);
  }
  const page = await openPage(browser, server, { locale: 'zh-CN' });
  await login(page);
  await page.goto(`/referral/${prog.id}`);
  const node = page.locator('.ref-tree > li').first();
  await node.getByText('树根 Root').waitFor();
  assert.match(await node.locator('.tree-stats').first().innerText(), /下线 111 人/);
  const kids = node.locator(':scope > ul[role=group] > li');
  const more = node.locator(':scope > button', { hasText: '显示更多' });
  await node.getByRole('button', { name: '查看 树根 Root 推荐的人' }).click();
  await kids.nth(49).waitFor();
  assert.equal(await kids.count(), 50);
  await kids.first().locator('.badge', { hasText: '普通会员' }).waitFor();
  await more.click();
  await kids.nth(99).waitFor();
  assert.equal(await kids.count(), 100);
  await more.click();
  await kids.nth(109).waitFor();
  await more.waitFor({ state: 'hidden' });
  assert.equal(await kids.count(), 110);
  const names = await kids.locator('.tree-name').allInnerTexts();
  assert.equal(new Set(names).size, 110, 'each child once');
  assertHealthy(page, server.base);
  await page.context().close();
});

test('the relationship level beside Kotler\'s recommendation: the gap, what to do, the history, in both languages', async () => {
  const dealer = (await api.post('/api/v1/parties', { kind: 'organization', name: '经销商 Dealer', customer_type: 'dealer', relationship_level: 'passive' })).body;
  // Margin 40 %, the only dealer: partner is recommended, two levels above responsible.
  assert.equal((await api.post('/api/v1/transactions', { party_id: dealer.id, occurred_at: '2026-11-01T00:00:00Z', amount: CNY(100000), cost: CNY(60000) })).status, 201);
  assert.equal((await api.patch(`/api/v1/parties/${dealer.id}`, { relationship_level: 'responsible', version: dealer.version })).status, 200);
  const rel = (await api.get(`/api/v1/parties/${dealer.id}/relationship`)).body;
  assert.deepEqual([rel.level, rel.recommended, rel.gap, rel.action], ['responsible', 'partner', 2, 'raise']);
  for (const [locale, want] of [['en-US', { rec: 'Partner', act: 'Raise the level', gap: '(2 level(s) apart)', hist: /Passive → Responsible/ }],
    ['zh-CN', { rec: '伙伴型', act: '提升层次', gap: '（相差 2 个层次）', hist: /被动型 → 负责型/ }]]) {
    const page = await openPage(browser, server, { locale });
    await login(page);
    await page.goto(`/customers/${dealer.id}`);
    const card = page.locator('.card-relationship');
    const action = card.locator('.rel-action[data-action="raise"]');
    await action.waitFor();
    assert.match(await action.innerText(), new RegExp(want.act.replace(/[()]/g, '\\$&')));
    assert.ok((await action.innerText()).includes(want.gap), await action.innerText());
    assert.ok((await card.innerText()).includes(want.rec), await card.innerText());
    assert.match(await card.innerText(), want.hist);
    assertHealthy(page, server.base);
    await page.context().close();
  }
});
