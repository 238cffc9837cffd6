// assignment-rules: the admin's lead assignment rules (issue 18) — in the
// order they are tried, each with what it matches (territory, industry,
// source; empty matches any), the team whose members take turns, and the
// capacity per member per day, week or month. Add, edit, enable or
// disable, delete. The server's engine is src/domain/assign.c.
// API: GET/POST /api/v1/assignment-rules, PATCH/DELETE /api/v1/assignment-rules/{id}, GET /api/v1/teams.
import { h, icon, replace } from '../dom.js';
import { t, label } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, badge, confirmDialog, empty, vocabOptions, showFieldErrors } from '../ui.js';
import { VOCAB } from '../vocab.js';

const PERIODS = ['day', 'week', 'month'];

export async function render(ctx) {
  const { main, signal } = ctx;
  let rules = [], teams = [];
  const box = h('div', { class: 'table-wrap' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', disabled: true, on: { click: () => edit(null) } }, icon('plus'), t('arules.new'));
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('arules.title') }), h('p', { class: 'muted', text: t('arules.subtitle') })),
      h('div', { class: 'head-actions' }, newBtn)),
    box));
  const teamName = (id) => { const x = teams.find((y) => y.id === id); return x ? x.name : '#' + id; };

  async function load() {
    try {
      const [rl, tl] = await Promise.all([api.listAll('/api/v1/assignment-rules', { sort: 'position' }, { signal }), api.listAll('/api/v1/teams', {}, { signal })]);
      rules = rl.items;
      teams = tl.items;
      newBtn.disabled = false;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  function draw() {
    if (!rules.length) { replace(box, empty(t('arules.none'))); return; }
    replace(box, h('table', { class: 'table arules-table' },
      h('caption', { class: 'sr-only', text: t('arules.title') }),
      h('thead', {}, h('tr', {}, ['name', 'matches', 'team', 'capacity', 'state'].map((k) => h('th', { scope: 'col', text: t('arules.c_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('leads.actions') })))),
      h('tbody', {}, rules.map((r) => h('tr', { dataset: { id: r.id } },
        h('td', { text: r.name }),
        h('td', { text: [r.territory && t('arules.m_territory', { v: r.territory }), r.industry && t('arules.m_industry', { v: r.industry }),
          r.source && t('arules.m_source', { v: label('source', r.source) })].filter(Boolean).join(' · ') || t('arules.any') }),
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
      territory: field({ label: t('leads.territory'), value: r ? r.territory || '' : '', attrs: { maxlength: '100' } }),
      industry: field({ label: t('field.industry'), value: r ? r.industry || '' : '', attrs: { maxlength: '100' } }),
      source: field({ label: t('field.source'), type: 'select', value: r ? r.source || '' : '', options: vocabOptions('source', VOCAB.source, t('arules.any')) }),
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
        for (const k of ['territory', 'industry', 'source']) body[k] = f[k].input.value.trim() || null;
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
