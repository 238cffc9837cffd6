// referral: the VIP referral-card programme (DOMAIN D9, issue 21) — the
// programmes with their set-up (levels with card quota, benefit, its cost
// and the expected spending; budget cap; growth rule; open level), and one
// programme's page: the per-level table of planned against actual (the
// seed's maximum expected cost and sales per first-level member, times the
// first-level members) and the referral tree as nested, lazily expanded
// nodes with subtree counts, cost and revenue (a page of children at a
// time, so thousands of members stay readable).
// API: GET/POST/PATCH /api/v1/referral-programs, GET …/{id}/report, GET …/{id}/members,
// GET …/{id}/members/{member_id}/tree.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor } from '../i18n.js';
import * as api from '../api.js';
import { navigate } from '../router.js';
import { field, dialog, toast, errorState, badge, card } from '../ui.js';

const CUR = 'CNY';
const STATUS_COLOUR = { planned: 'grey', active: 'green', closed: 'red' };

export async function render(ctx) {
  const { main, params, signal } = ctx;
  const perms = (api.user() && api.user().permissions && api.user().permissions['referral-programs']) || {};
  const canEdit = perms.update && perms.update !== 'none';
  if (params.id) return programPage(main, Number(params.id), signal, canEdit);
  const box = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('ref.title') }), h('p', { class: 'muted', text: t('ref.subtitle') })),
      perms.create && perms.create !== 'none' ? h('div', { class: 'head-actions' },
        h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => setup(null) } }, icon('plus'), t('ref.new'))) : null),
    box));

  async function load() {
    try {
      const r = await api.get('/api/v1/referral-programs', { limit: 200, sort: 'name' }, { signal });
      if (!r.items.length) { replace(box, h('div', { class: 'empty' }, h('p', { text: t('ref.none') }))); return; }
      replace(box, h('table', { class: 'table referral-table' },
        h('caption', { class: 'sr-only', text: t('ref.title') }),
        h('thead', {}, h('tr', {}, ['name', 'levels', 'budget', 'status'].map((k) => h('th', { scope: 'col', text: t('ref.col_' + k) })),
          canEdit ? h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('action.edit') })) : null)),
        h('tbody', {}, r.items.map((p) => h('tr', { dataset: { id: p.id } },
          h('td', {}, h('a', { href: '/referral/' + p.id, text: p.name })),
          h('td', { text: String(p.levels.length) }),
          h('td', { text: money(p.budget_cap) }),
          h('td', {}, badge(t('ref.s_' + p.status), STATUS_COLOUR[p.status])),
          canEdit ? h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-ghost btn-sm',
            'aria-label': t('ref.edit', { name: p.name }), on: { click: () => setup(p) } }, icon('edit'))) : null)))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  async function setup(p) {
    const r = await setupDialog(p);
    if (r) { toast(t('ref.saved', { name: r.name })); if (!p) navigate('/referral/' + r.id); else load(); }
  }
  await load();
}

// The set-up dialog: name, status, budget cap, growth rule, open level and
// the level table (one row per level, rows added and removed).
async function setupDialog(p) {
  const f = {
    name: field({ label: t('field.name'), value: p ? p.name : '', required: true, attrs: { maxlength: '200' } }),
    status: field({ label: t('field.status'), type: 'select', value: p ? p.status : 'planned',
      options: ['planned', 'active', 'closed'].map((s) => ({ value: s, label: t('ref.s_' + s) })) }),
    budget: field({ label: t('ref.budget_cap'), value: p ? String(p.budget_cap.amount / 100) : '', required: true, attrs: { inputmode: 'decimal' } }),
    growth_every: field({ label: t('ref.growth_every'), type: 'number', value: p ? p.growth_every ?? '' : '' }),
    growth_cards: field({ label: t('ref.growth_cards'), type: 'number', value: p ? p.growth_cards ?? '' : '' }),
    growth_up_to_level: field({ label: t('ref.growth_up_to'), type: 'number', value: p ? p.growth_up_to_level ?? '' : '' }),
    open_from_level: field({ label: t('ref.open_from'), type: 'number', value: p ? p.open_from_level ?? '' : '' }),
  };
  const levels = (p ? p.levels : [{ card_quota: 6 }]).map((l) => ({ ...l }));
  const tbody = h('tbody', {});
  const drawLevels = () => replace(tbody, levels.map((l, i) => {
    const q = h('input', { type: 'number', min: '0', value: l.card_quota ?? 0, 'aria-label': t('ref.col_quota') + ' ' + (i + 1) });
    const b = h('input', { type: 'text', value: l.benefit || '', 'aria-label': t('ref.col_benefit') + ' ' + (i + 1) });
    const c = h('input', { type: 'text', inputmode: 'decimal', value: l.benefit_cost ? String(l.benefit_cost.amount / 100) : '', 'aria-label': t('ref.col_cost') + ' ' + (i + 1) });
    const s = h('input', { type: 'text', inputmode: 'decimal', value: l.expected_spend ? String(l.expected_spend.amount / 100) : '', 'aria-label': t('ref.col_spend') + ' ' + (i + 1) });
    q.addEventListener('input', () => { l.card_quota = Number(q.value); });
    b.addEventListener('input', () => { l.benefit = b.value; });
    c.addEventListener('input', () => { l.cost_text = c.value; });
    s.addEventListener('input', () => { l.spend_text = s.value; });
    return h('tr', {}, h('th', { scope: 'row', text: String(i + 1) }), h('td', {}, q), h('td', {}, b), h('td', {}, c), h('td', {}, s),
      h('td', {}, h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('ref.remove_level', { n: i + 1 }),
        on: { click: () => { levels.splice(i, 1); drawLevels(); } } }, icon('close'))));
  }));
  drawLevels();
  const moneyOf = (text, old) => {
    if (text === undefined) return old || { amount: 0, currency: CUR };
    const a = toMinor(text.trim() || '0', CUR);
    if (a === null) throw new Error(t('form.amount_invalid'));
    return { amount: a, currency: CUR };
  };
  return dialog({
    title: p ? t('ref.edit', { name: p.name }) : t('ref.new'), wide: true,
    build: (body) => body.append(
      h('div', { class: 'form-grid' }, f.name.wrap, f.status.wrap, f.budget.wrap, f.open_from_level.wrap, f.growth_every.wrap, f.growth_cards.wrap, f.growth_up_to_level.wrap),
      h('h3', { text: t('ref.levels') }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table levels-table' },
        h('thead', {}, h('tr', {}, ['level', 'quota', 'benefit', 'cost', 'spend'].map((k) => h('th', { scope: 'col', text: t('ref.col_' + k) })), h('th', {}))),
        tbody)),
      h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => { levels.push({ card_quota: 0 }); drawLevels(); } } }, icon('plus'), t('ref.add_level'))),
    buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
      const cap = toMinor(f.budget.input.value.trim(), CUR);
      if (cap === null) { f.budget.input.focus(); throw new Error(t('form.amount_invalid')); }
      const body = { name: f.name.input.value.trim(), status: f.status.input.value, budget_cap: { amount: cap, currency: CUR },
        levels: levels.map((l, i) => ({ level: i + 1, card_quota: Number(l.card_quota) || 0, benefit: l.benefit || null,
          benefit_cost: moneyOf(l.cost_text, l.benefit_cost), expected_spend: moneyOf(l.spend_text, l.expected_spend) })) };
      for (const k of ['growth_every', 'growth_cards', 'growth_up_to_level', 'open_from_level']) {
        const v = f[k].input.value.trim();
        if (v || p) body[k] = v ? Number(v) : null;
      }
      return p ? api.patch('/api/v1/referral-programs/' + p.id, body, p.version) : api.post('/api/v1/referral-programs', body);
    } }],
  });
}

async function programPage(main, id, signal, canEdit) {
  let prog;
  try {
    prog = await api.get('/api/v1/referral-programs/' + id, undefined, { signal });
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  const reportBox = h('div', { class: 'table-wrap' });
  const treeBox = h('ul', { class: 'ref-tree', role: 'tree', 'aria-label': t('ref.tree') });
  const rootMore = h('button', { type: 'button', class: 'btn btn-sm', text: t('loy.more'), hidden: true });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: prog.name }),
      h('p', { class: 'muted' }, badge(t('ref.s_' + prog.status), STATUS_COLOUR[prog.status]), ' ', t('ref.budget_cap') + ': ' + money(prog.budget_cap))),
      canEdit ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn', on: { click: async () => {
        const r = await setupDialog(prog);
        if (r) { toast(t('ref.saved', { name: r.name })); navigate('/referral/' + id); }
      } } }, icon('edit'), t('ref.setup'))) : null),
    card(t('ref.report'), reportBox, { cls: 'card-report' }),
    card(t('ref.tree'), h('div', {}, h('p', { class: 'muted', text: t('ref.tree_help') }), treeBox, rootMore), { cls: 'card-tree' })));

  try {
    const r = await api.get(`/api/v1/referral-programs/${id}/report`, undefined, { signal });
    replace(reportBox, h('div', {},
      h('p', { class: 'report-sum', text: t('ref.summary', { first: r.first_level_members, cost: money(r.cost), committed: money(r.committed),
        left: money(r.budget_left), revenue: money(r.revenue) }) }),
      h('table', { class: 'table report-table' },
        h('caption', { text: t('ref.report_caption', { cost: money(r.planned_per_first_level.cost), revenue: money(r.planned_per_first_level.revenue) }) }),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('ref.col_level') }),
          ['members', 'ordinary', 'cards', 'cost', 'plan_cost', 'revenue', 'plan_revenue'].map((k) => h('th', { scope: 'col', class: 'num', text: t('ref.col_' + k) })))),
        h('tbody', {}, r.levels.map((l) => h('tr', { dataset: { level: l.level } },
          h('th', { scope: 'row' }, String(l.level), l.benefit ? h('div', { class: 'sub muted', text: l.benefit }) : null),
          h('td', { class: 'num', text: `${l.members} / ${l.planned.members}` }),
          h('td', { class: 'num', text: String(l.ordinary_members) }),
          h('td', { class: 'num', text: `${l.cards_redeemed} / ${l.cards_issued}` }),
          h('td', { class: 'num', text: money(l.cost) }),
          h('td', { class: 'num', text: money(l.planned.cost) }),
          h('td', { class: 'num', text: money(l.revenue) }),
          h('td', { class: 'num', text: money(l.planned.revenue) })))))));
  } catch (err) {
    if (err.name !== 'AbortError') replace(reportBox, errorState(err));
  }

  // One tree node: the member with its subtree totals; expanding loads a
  // page of its children (and "more" the next page).
  function node(m) {
    const kids = h('ul', { role: 'group', hidden: true });
    const more = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', text: t('loy.more'), hidden: true });
    const members = m.subtree_members ?? 1;
    let next = null, loaded = false;
    // A member whose customer the user may not see comes without a name, and is not opened.
    const name = m.name ?? t('ref.hidden_member');
    const toggle = h('button', { type: 'button', class: 'tree-toggle', 'aria-expanded': 'false', disabled: members <= 1 || m.name == null,
      'aria-label': t('ref.expand', { name }) }, members > 1 ? '▸' : '·');
    const li = h('li', { role: 'treeitem', dataset: { id: m.id } },
      h('div', { class: 'tree-row' }, toggle,
        h('span', { class: 'tree-name' + (m.name == null ? ' muted' : ''), text: name }),
        h('span', { class: 'badge' + (m.ordinary ? '' : ' blue'), text: m.ordinary ? t('ref.ordinary') : t('ref.level_n', { n: m.level }) }),
        h('span', { class: 'tree-stats muted', text: t('ref.node_stats', { n: members, cost: money(m.subtree_cost), revenue: money(m.subtree_revenue) }) })),
      kids, more);
    async function page() {
      const r = await api.get(`/api/v1/referral-programs/${id}/members/${m.id}/tree`, { limit: 50, after: next || undefined }, { signal });
      kids.append(...r.children.map(node));
      next = r.next;
      more.hidden = !next;
    }
    more.addEventListener('click', page);
    toggle.addEventListener('click', async () => {
      const open = toggle.getAttribute('aria-expanded') === 'true';
      toggle.setAttribute('aria-expanded', String(!open));
      toggle.textContent = open ? '▸' : '▾';
      kids.hidden = open;
      if (!open && !loaded) { loaded = true; await page(); }
    });
    return li;
  }

  // The roots: first-level members, with their totals from their tree.
  let rootNext = null;
  async function roots() {
    const r = await api.get(`/api/v1/referral-programs/${id}/members`, { limit: 50, after: rootNext || undefined }, { signal });
    const withTotals = await Promise.all(r.items.map(async (m) => {
      const tr = await api.get(`/api/v1/referral-programs/${id}/members/${m.id}/tree`, { limit: 1 }, { signal });
      return { id: m.id, name: m.name, level: m.level, ordinary: m.ordinary, subtree_members: tr.subtree.members,
        subtree_cost: tr.subtree.cost, subtree_revenue: tr.subtree.revenue };
    }));
    if (!rootNext && !withTotals.length) treeBox.replaceChildren(h('li', { class: 'muted', text: t('ref.no_members') }));
    treeBox.append(...withTotals.map(node));
    rootNext = r.next;
    rootMore.hidden = !rootNext;
  }
  rootMore.addEventListener('click', roots);
  try { await roots(); } catch (err) { if (err.name !== 'AbortError') treeBox.replaceChildren(errorState(err)); }
}
