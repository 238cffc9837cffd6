// assignment-rules: the admin's assignment rules — for leads (issue 18;
// /assignment-rules) and for service cases (issue 19;
// /assignment-rules?subject=case) — in the order they are tried, each with
// what it matches (a lead: territory, industry, source; a case: category,
// priority, the customer's value tier, product; empty matches any), the
// team whose members take turns, and the capacity per member per day, week
// or month. Add, edit, enable or disable, delete. The server's engine is
// src/domain/assign.c (cases: src/domain/case_assign.c).
// API: GET/POST /api/v1/assignment-rules, PATCH/DELETE /api/v1/assignment-rules/{id}, GET /api/v1/teams, GET /api/v1/products.
import { h, icon, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, confirmDialog, empty, vocabOptions, showFieldErrors } from '../ui.js';
import { VOCAB } from '../vocab.js';

const PERIODS = ['day', 'week', 'month'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TIERS = ['platinum', 'gold', 'iron', 'lead'];
const CRITERIA = { lead: ['territory', 'industry', 'source'], case: ['category', 'priority', 'tier', 'product_id'] };

export async function render(ctx) {
  const { main, signal, query } = ctx;
  const subject = query && query.get('subject') === 'case' ? 'case' : 'lead';
  const isCase = subject === 'case';
  let rules = [], teams = [], products = [];
  const box = h('div', { class: 'table-wrap' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', disabled: true, on: { click: () => edit(null) } }, icon('plus'), t('arules.new'));
  const tabs = h('nav', { class: 'toolbar', 'aria-label': t('carules.subjects') },
    h('a', { href: '/assignment-rules', class: 'btn btn-sm' + (isCase ? '' : ' btn-primary'), 'aria-current': isCase ? null : 'page', text: t('carules.tab_lead') }),
    h('a', { href: '/assignment-rules?subject=case', class: 'btn btn-sm' + (isCase ? ' btn-primary' : ''), 'aria-current': isCase ? 'page' : null, text: t('carules.tab_case') }));
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t(isCase ? 'carules.title' : 'arules.title') }),
      h('p', { class: 'muted', text: t(isCase ? 'carules.subtitle' : 'arules.subtitle') })),
      h('div', { class: 'head-actions' }, newBtn)),
    tabs, box));
  const teamName = (id) => { const x = teams.find((y) => y.id === id); return x ? x.name : '#' + id; };
  const productName = (id) => { const x = products.find((y) => y.id === id); return x ? x.name : '#' + id; };

  function matches(r) {
    const m = isCase
      ? [r.category && t('carules.m_category', { v: r.category }), r.priority && t('carules.m_priority', { v: t('service.p_' + r.priority) }),
        r.tier && t('carules.m_tier', { v: t('service.tier_' + r.tier) }), r.product_id && t('carules.m_product', { v: productName(r.product_id) })]
      : [r.territory && t('arules.m_territory', { v: r.territory }), r.industry && t('arules.m_industry', { v: r.industry }),
        r.source && t('arules.m_source', { v: label('source', r.source) })];
    return m.filter(Boolean).join(' · ') || t(isCase ? 'carules.any' : 'arules.any');
  }

  async function load() {
    try {
      const [rl, tl, pl] = await Promise.all([api.listAll('/api/v1/assignment-rules', { sort: 'position', subject }, { signal }),
        api.listAll('/api/v1/teams', {}, { signal }), isCase ? api.listAll('/api/v1/products', {}, { signal }) : { items: [] }]);
      rules = rl.items;
      teams = tl.items;
      products = pl.items;
      newBtn.disabled = false;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  function draw() {
    if (!rules.length) { replace(box, empty(t(isCase ? 'carules.none' : 'arules.none'))); return; }
    replace(box, h('table', { class: 'table arules-table' },
      h('caption', { class: 'sr-only', text: t('arules.title') }),
      h('thead', {}, h('tr', {}, ['name', 'matches', 'team', 'capacity', 'state'].map((k) => h('th', { scope: 'col', text: t('arules.c_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('leads.actions') })))),
      h('tbody', {}, rules.map((r) => h('tr', { dataset: { id: r.id } },
        h('td', { text: r.name }),
        h('td', { text: matches(r) }),
        h('td', { text: teamName(r.team_id) }),
        h('td', { text: r.capacity ? t('arules.cap', { n: r.capacity, period: t('arules.p_' + r.period) }) : t('arules.no_cap') }),
        h('td', {}, badge(t(r.enabled ? 'arules.enabled' : 'arules.disabled'), r.enabled ? 'green' : 'grey')),
        h('td', { class: 'row-actions' },
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('arules.edit', { name: r.name }), on: { click: () => edit(r) } }, icon('edit')),
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('arules.delete', { name: r.name }), on: { click: () => remove(r) } }, icon('close'))))))));
  }

  async function edit(r) {
    const f = {
      name: field({ label: t('field.name'), value: r ? r.name : '', required: true, attrs: { maxlength: '200' } }),
      position: field({ label: t('arules.position'), type: 'number', value: r ? r.position : rules.length, attrs: { min: '0' }, hint: t('arules.position_hint') }),
      ...(isCase ? {
        category: field({ label: t('field.category'), value: r ? r.category || '' : '', attrs: { maxlength: '100' } }),
        priority: field({ label: t('service.col_priority'), type: 'select', value: r ? r.priority || '' : '',
          options: [{ value: '', label: t('carules.any_value') }, ...PRIORITIES.map((k) => ({ value: k, label: t('service.p_' + k) }))] }),
        tier: field({ label: t('carules.tier'), type: 'select', value: r ? r.tier || '' : '',
          options: [{ value: '', label: t('carules.any_value') }, ...TIERS.map((k) => ({ value: k, label: t('service.tier_' + k) }))] }),
        product_id: field({ label: t('carules.product'), type: 'select', value: r && r.product_id ? r.product_id : '',
          options: [{ value: '', label: t('carules.any_value') }, ...products.map((x) => ({ value: x.id, label: x.name }))] }),
      } : {
        territory: field({ label: t('leads.territory'), value: r ? r.territory || '' : '', attrs: { maxlength: '100' } }),
        industry: field({ label: t('field.industry'), value: r ? r.industry || '' : '', attrs: { maxlength: '100' } }),
        source: field({ label: t('field.source'), type: 'select', value: r ? r.source || '' : '', options: vocabOptions('source', VOCAB.source, t('arules.any')) }),
      }),
      team_id: field({ label: t('arules.c_team'), type: 'select', required: true, value: r ? r.team_id : '', options: teams.map((x) => ({ value: x.id, label: x.name })) }),
      capacity: field({ label: t('arules.capacity'), type: 'number', value: r && r.capacity ? r.capacity : '', attrs: { min: '1' }, hint: t('arules.capacity_hint') }),
      period: field({ label: t('arules.period'), type: 'select', value: r ? r.period : 'day', options: PERIODS.map((p) => ({ value: p, label: t('arules.p_' + p) })) }),
      enabled: field({ label: t('arules.enabled'), type: 'checkbox', value: r ? r.enabled : true }),
    };
    const saved = await dialog({
      title: r ? t('arules.edit', { name: r.name }) : t('arules.new'), wide: true,
      build: (b) => b.append(h('div', { class: 'form-grid' }, Object.values(f).map((x) => x.wrap))),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: async () => {
        const body = { name: f.name.input.value.trim(), position: Number(f.position.input.value || 0), team_id: Number(f.team_id.input.value),
          period: f.period.input.value, enabled: f.enabled.input.checked };
        for (const k of CRITERIA[subject]) body[k] = f[k].input.value.trim() || null;
        if (isCase && body.product_id) body.product_id = Number(body.product_id);
        if (!r) body.subject = subject;
        body.capacity = f.capacity.input.value ? Number(f.capacity.input.value) : null;
        try {
          return r ? await api.patch('/api/v1/assignment-rules/' + r.id, body, r.version) : await api.post('/api/v1/assignment-rules', body);
        } catch (err) { if (showFieldErrors(err, f)) return false; throw err; }
      } }],
    });
    if (saved) { toast(t('arules.saved', { name: saved.name })); load(); }
  }

  async function remove(r) {
    if (!(await confirmDialog(t('arules.delete', { name: r.name }), t('arules.delete_text', { name: r.name }), t('action.delete'), 'danger'))) return;
    try { await api.del('/api/v1/assignment-rules/' + r.id); toast(t('arules.deleted', { name: r.name })); } catch (err) { toast(errorText(err), 'error'); }
    load();
  }

  await load();
}
