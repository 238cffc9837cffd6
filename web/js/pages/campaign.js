// campaign: one campaign (issue 20) — its target (segment with a count
// preview, control group, e-mail template, attribution, cost), its PDCA
// record, its measures, its frozen members, and the send with its
// progress. The segment is the customer list's query string; its count is
// the list's own count (GET /api/v1/parties?…&count=true).
// API: GET/PATCH /api/v1/campaigns/{id}, GET /api/v1/campaigns/{id}/measures,
// GET /api/v1/campaigns/{id}/members, POST /api/v1/campaigns/{id}/send,
// GET /api/v1/jobs/{id}, GET /api/v1/email-templates, GET /api/v1/parties.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { field, toast, errorState, errorText, badge, card, dl, spinner } from '../ui.js';

const STATUS_COLOUR = { planned: 'grey', active: 'green', completed: 'blue', cancelled: 'red' };
const STATE_COLOUR = { pending: 'grey', sending: 'blue', sent: 'green', bounced: 'red', failed: 'red', skipped: 'grey', uncertain: 'amber' };
const pct = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%');

export async function render(ctx) {
  const { main, params, signal } = ctx;
  let c, templates;
  try {
    c = await api.get('/api/v1/campaigns/' + params.id, undefined, { signal });
    templates = (await api.get('/api/v1/email-templates', { limit: 500, sort: 'name' }, { signal })).items;
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  const perms = (api.user() && api.user().permissions && api.user().permissions.campaigns) || {};
  const canUpdate = perms.update && perms.update !== 'none';
  const head = h('div', { class: 'page-head' });
  const target = h('div');
  const pdca = h('div');
  const measures = h('div', {}, spinner());
  const members = h('div', { class: 'table-wrap' }, spinner());
  main.append(h('div', { class: 'page page-campaign' },
    h('nav', { class: 'crumbs', 'aria-label': t('shell.breadcrumbs') }, h('a', { href: '/campaigns', text: t('nav.campaigns') }),
      h('span', { 'aria-hidden': 'true', text: ' / ' }), h('span', { 'aria-current': 'page', text: c.name })),
    head,
    h('div', { class: 'customer-grid' },
      h('div', { class: 'col-left' }, card(t('mail.target'), target, { cls: 'card-target' }), card(t('mail.pdca'), pdca, { cls: 'card-pdca' })),
      h('div', { class: 'col-right' }, card(t('mail.measures'), measures, { cls: 'card-measures' }), card(t('mail.members'), members, { cls: 'card-members' })))));

  function drawHead() {
    ctx.setTitle(c.name);
    const canSend = canUpdate && c.status === 'active' && c.template_id && c.members_frozen_at && (!c.channel || c.channel === 'email');
    replace(head, h('div', {}, h('h1', { text: c.name }), h('p', {}, badge(t('campaigns.s_' + c.status), STATUS_COLOUR[c.status] || 'grey'),
      c.channel ? ' ' + t('enum.channel.' + c.channel) : '')),
    canSend ? h('div', { class: 'head-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: send } }, icon('mail'), t('mail.send'))) : null);
  }

  // Target: editable until the segment is frozen (the campaign started).
  function drawTarget() {
    const frozen = !!c.members_frozen_at;
    const seg = field({ label: t('mail.segment'), value: c.segment || '', hint: t('mail.segment_hint'), attrs: { maxlength: '2000', readonly: frozen || !canUpdate } });
    const countOut = h('span', { class: 'muted', role: 'status' });
    const countBtn = h('button', { type: 'button', class: 'btn btn-sm', text: t('mail.count'), on: { click: async () => {
      countOut.textContent = t('common.loading');
      try {
        const q = Object.fromEntries(new URLSearchParams(seg.input.value.trim()));
        const r = await api.get('/api/v1/parties', { ...q, limit: 1, count: 'true' });
        countOut.textContent = t('mail.count_result', { count: r.count, more: r.count_capped ? '+' : '' });
      } catch (err) { countOut.textContent = errorText(err); }
    } } });
    const share = field({ label: t('mail.control_share'), type: 'number', value: c.control_share ?? 0, hint: t('mail.control_hint'),
      attrs: { min: '0', max: '0.5', step: '0.01', readonly: frozen || !canUpdate } });
    const tpl = field({ label: t('mail.template'), type: 'select', value: c.template_id ?? '',
      options: [{ value: '', label: t('common.none') }].concat(templates.map((x) => ({ value: x.id, label: `${x.name} (${x.language})` }))) });
    const days = field({ label: t('mail.attribution_days'), type: 'number', value: c.attribution_days ?? 30, attrs: { min: '1', max: '365' } });
    const model = field({ label: t('mail.attribution_model'), type: 'select', value: c.attribution_model || 'last_touch',
      options: ['last_touch', 'first_touch'].map((m) => ({ value: m, label: t('mail.model_' + m) })) });
    const cost = field({ label: t('mail.cost'), value: c.cost ? String(c.cost.amount / 100) : '', attrs: { inputmode: 'decimal' }, hint: t('form.amount_hint') });
    const frozenText = frozen ? h('p', { class: 'muted frozen-note', text: t('mail.frozen', { count: c.member_count, control: c.control_count, at: dateTime(c.members_frozen_at) }) }) : null;
    const save = canUpdate ? h('button', { type: 'button', class: 'btn btn-primary', text: t('action.save'), on: { click: async () => {
      const body = { template_id: tpl.input.value ? Number(tpl.input.value) : null, attribution_days: Number(days.input.value) || null,
        attribution_model: model.input.value };
      if (!frozen) { body.segment = seg.input.value.trim() || null; body.control_share = Number(share.input.value) || 0; }
      const cv = cost.input.value.trim();
      if (cv) {
        const a = toMinor(cv, (c.cost && c.cost.currency) || 'CNY');
        if (a === null) { toast(t('form.amount_invalid'), 'error'); return; }
        body.cost = { amount: a, currency: (c.cost && c.cost.currency) || 'CNY' };
      } else body.cost = null;
      try {
        c = await api.patch('/api/v1/campaigns/' + c.id, body, c.version);
        toast(t('campaigns.saved', { name: c.name }));
        drawAll();
      } catch (err) { toast(errorText(err), 'error'); }
    } } }) : null;
    replace(target, h('div', { class: 'segment-row' }, seg.wrap, h('div', { class: 'count-row' }, countBtn, countOut)), frozenText,
      h('div', { class: 'form-grid' }, share.wrap, tpl.wrap, days.wrap, model.wrap, cost.wrap), save);
  }

  function drawPdca() {
    const f = ['plan', 'do', 'check', 'act'].map((k) => [k, field({ label: t('mail.pdca_' + k), type: 'textarea', value: c['pdca_' + k] || '',
      hint: t('mail.pdca_' + k + '_hint'), attrs: { maxlength: '5000', readonly: !canUpdate } })]);
    const save = canUpdate ? h('button', { type: 'button', class: 'btn', text: t('mail.pdca_save'), on: { click: async () => {
      const body = Object.fromEntries(f.map(([k, x]) => ['pdca_' + k, x.input.value.trim() || null]));
      try {
        c = await api.patch('/api/v1/campaigns/' + c.id, body, c.version);
        toast(t('campaigns.saved', { name: c.name }));
      } catch (err) { toast(errorText(err), 'error'); }
    } } }) : null;
    replace(pdca, h('div', { class: 'pdca-grid' }, f.map(([, x]) => x.wrap)), save);
  }

  async function loadMeasures() {
    try {
      const m = await api.get(`/api/v1/campaigns/${c.id}/measures`, undefined, { signal });
      replace(measures, dl([
        [t('mail.m_members'), String(m.members)], [t('mail.m_control'), String(m.control)],
        [t('mail.m_sent'), String(m.sent)], [t('mail.m_delivered'), String(m.delivered)],
        [t('mail.m_opened'), `${m.opened} (${pct(m.open_rate)})`], [t('mail.m_clicked'), `${m.clicked} (${pct(m.click_rate)})`],
        [t('mail.m_bounced'), String(m.bounced)], [t('mail.m_skipped'), String(m.skipped)], [t('mail.m_unsubscribed'), String(m.unsubscribed)],
        [t('mail.m_responded'), `${m.responded} (${pct(m.response_rate)})`],
        [t('mail.m_converted'), `${m.converted} (${pct(m.conversion_rate)})`],
        [t('mail.m_control_converted'), `${m.control_converted} (${pct(m.control_conversion_rate)})`],
        [t('mail.m_uplift'), m.uplift === null ? '—' : (m.uplift * 100).toFixed(1) + ' pp'],
        [t('mail.m_revenue'), m.revenue ? money(m.revenue) : '—'], [t('mail.m_cost'), m.cost ? money(m.cost) : '—'],
        [t('mail.m_cpr'), m.cost_per_response ? money(m.cost_per_response) : '—'], [t('mail.m_roi'), pct(m.roi)],
        [t('mail.m_window'), m.window.from ? `${dateTime(m.window.from)} – ${dateTime(m.window.to)} · ${t('mail.model_' + m.window.model)}` : '—'],
      ], 'props measures'));
    } catch (err) { if (err.name !== 'AbortError') replace(measures, errorState(err, loadMeasures)); }
  }

  let rows = [], next = null;
  async function loadMembers(more) {
    try {
      const page = await api.get(`/api/v1/campaigns/${c.id}/members`, { limit: 50, after: more ? next : undefined }, { signal });
      rows = more ? rows.concat(page.items) : page.items;
      next = page.next;
      if (!rows.length) { replace(members, h('p', { class: 'muted', text: t(c.members_frozen_at ? 'mail.no_members' : 'mail.not_frozen') })); return; }
      replace(members, h('table', { class: 'table members-table' },
        h('caption', { class: 'sr-only', text: t('mail.members') }),
        h('thead', {}, h('tr', {}, ['party', 'group', 'state', 'sent', 'opened', 'clicked'].map((k) => h('th', { scope: 'col', text: t('mail.col_' + k) })))),
        h('tbody', {}, rows.map((m) => h('tr', { dataset: { party: m.party_id } },
          h('td', {}, m.party_name ? h('a', { href: '/customers/' + m.party_id, text: m.party_name }) : '#' + m.party_id),
          h('td', { text: m.control ? t('mail.group_control') : t('mail.group_treated') }),
          h('td', { title: m.detail || '' }, badge(t('mail.state_' + m.state), STATE_COLOUR[m.state] || 'grey')),
          h('td', { text: m.sent_at ? dateTime(m.sent_at) : '' }),
          h('td', { text: m.opened_at ? '✓' : '' }), h('td', { text: m.clicked_at ? '✓' : '' }))))),
      next ? h('button', { type: 'button', class: 'btn', text: t('customers.load_more'), on: { click: () => loadMembers(true) } }) : null);
    } catch (err) { if (err.name !== 'AbortError') replace(members, errorState(err, () => loadMembers(more))); }
  }

  async function send() {
    const progress = h('p', { class: 'send-progress', role: 'status', text: t('mail.send_queued') });
    head.append(progress);
    try {
      let job = await api.post(`/api/v1/campaigns/${c.id}/send`);
      while (job.status === 'queued' || job.status === 'running') {
        const p = job.progress;
        progress.textContent = p && p.total ? t('mail.send_progress', { done: p.done, total: p.total }) : t('mail.send_queued');
        await new Promise((r) => setTimeout(r, 500));
        job = await api.get('/api/v1/jobs/' + job.id);
      }
      if (job.status === 'done') progress.textContent = t('mail.send_done', job.result);
      else progress.textContent = t('mail.send_failed', { error: job.error || job.status });
    } catch (err) { progress.textContent = errorText(err); }
    loadMeasures();
    loadMembers(false);
  }

  function drawAll() { drawHead(); drawTarget(); drawPdca(); loadMeasures(); loadMembers(false); }
  drawAll();
}
