// deal: one opportunity (issue 18) — its customer, amount, stage and
// probability, expected close, and its stage history with the time spent
// in each stage; won / lost / reopen as the server's workflow allows (a
// win asks for the amount the server needs, a loss for the reason).
// API: GET/PATCH /api/v1/opportunities/{id}, GET /api/v1/opportunities/{id}/stages,
// GET /api/v1/pipelines/{id}.
import { h, replace } from '../dom.js';
import { t, money, date, dateTime, toMinor, getLocale } from '../i18n.js';
import * as api from '../api.js';
import { card, dl, dialog, field, toast, errorText, badge } from '../ui.js';
import { stageName } from './sales-common.js';

const STATUS_COLOUR = { open: 'blue', won: 'green', lost: 'red' };

/** Seconds as "3 d 4 h" / "5 h 2 min" / "40 min". */
export function duration(s) {
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60);
  if (d) return t('sales.dur_dh', { d, h: hh });
  if (hh) return t('sales.dur_hm', { h: hh, m: mm });
  return t('sales.dur_m', { m: mm });
}

export async function render(ctx) {
  const { main, params, signal } = ctx;
  const id = Number(params.id);
  const lang = getLocale();
  let o, pipeline, hist;
  try {
    o = await api.get('/api/v1/opportunities/' + id, undefined, { signal });
    [pipeline, hist] = await Promise.all([api.get('/api/v1/pipelines/' + o.pipeline_id, undefined, { signal }),
      api.get(`/api/v1/opportunities/${id}/stages`, undefined, { signal })]);
  } catch (err) {
    if (err.status === 404) {
      main.append(h('div', { class: 'page' }, h('h1', { text: t('sales.deal_not_found') }), h('a', { href: '/deals', class: 'btn', text: t('sales.board_title') })));
      return;
    }
    throw err;
  }
  const perms = (api.user() && api.user().permissions && api.user().permissions.opportunities) || {};
  const canUpdate = perms.update && perms.update !== 'none';
  const stage = (k) => stageName(pipeline.stages.find((s) => s.key === k) || { key: k }, lang);
  const head = h('div'), info = h('div'), histBox = h('div');
  main.append(h('div', { class: 'page page-deal' },
    h('nav', { class: 'crumbs', 'aria-label': t('shell.breadcrumbs') }, h('a', { href: '/deals', text: t('sales.board_title') }),
      h('span', { 'aria-hidden': 'true', text: ' / ' }), h('span', { 'aria-current': 'page', text: o.name })),
    head, h('div', { class: 'deal-grid' }, card(t('sales.details'), info), card(t('sales.stage_history'), histBox))));

  function draw() {
    ctx.setTitle(o.name);
    const actions = [];
    if (canUpdate && o.status === 'open') {
      actions.push(h('button', { type: 'button', class: 'btn btn-primary', text: t('sales.mark_won'), on: { click: win } }));
      actions.push(h('button', { type: 'button', class: 'btn', text: t('sales.mark_lost'), on: { click: lose } }));
    } else if (canUpdate) {
      actions.push(h('button', { type: 'button', class: 'btn', text: t('sales.reopen'), on: { click: () => save({ status: 'open' }) } }));
    }
    replace(head, h('div', { class: 'page-head' },
      h('div', {}, h('h1', { text: o.name }), h('p', {}, badge(t('sales.s_' + o.status), STATUS_COLOUR[o.status]), ' ', stage(o.stage))),
      h('div', { class: 'head-actions' }, actions)));
    replace(info, dl([
      [t('sales.customer'), h('a', { href: `/customers/${o.party_id}`, text: t('sales.customer_link') })],
      [t('sales.pipeline'), lang.startsWith('zh') ? pipeline.name_zh || pipeline.name : pipeline.name],
      [t('sales.stage'), stage(o.stage)],
      [t('sales.amount'), o.amount ? money(o.amount) : ''],
      [t('sales.probability_label'), o.probability === null ? '' : `${o.probability}%`],
      [t('sales.expected_close'), o.expected_close_on ? date(o.expected_close_on) : ''],
      [t('sales.lost_reason'), o.lost_reason || ''],
      [t('sales.closed_at'), o.closed_at ? dateTime(o.closed_at) : ''],
    ]));
    replace(histBox, h('table', { class: 'table stage-history' },
      h('caption', { class: 'sr-only', text: t('sales.stage_history') }),
      h('thead', {}, h('tr', {}, ['stage', 'status', 'entered', 'left', 'time'].map((k) => h('th', { scope: 'col', text: t('sales.h_' + k) })))),
      h('tbody', {}, hist.items.map((x) => h('tr', {},
        h('td', { text: stage(x.stage) }), h('td', {}, badge(t('sales.s_' + x.status), STATUS_COLOUR[x.status])),
        h('td', { text: dateTime(x.entered_at) }), h('td', { text: x.left_at ? dateTime(x.left_at) : t('sales.now') }),
        h('td', { class: 'num', text: duration(x.seconds) }))))));
  }

  async function save(body) {
    try {
      o = await api.patch('/api/v1/opportunities/' + id, body, o.version);
      hist = await api.get(`/api/v1/opportunities/${id}/stages`, undefined, { signal });
      toast(t('sales.saved', { name: o.name }));
      draw();
      return o;
    } catch (err) {
      toast(errorText(err), 'error');
      throw err;
    }
  }

  async function win() {
    const cur = (o.amount && o.amount.currency) || 'CNY';
    const f = field({ label: t('sales.amount'), value: o.amount ? String(o.amount.amount / 100) : '', required: true, attrs: { inputmode: 'decimal' } });
    await dialog({ title: t('sales.mark_won'), build: (b) => b.append(f.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('sales.mark_won'), kind: 'primary', submit: true, onClick: () => {
        const a = toMinor(f.input.value, cur);
        if (a === null) throw new Error(t('form.amount_invalid'));
        return save({ status: 'won', amount: { amount: a, currency: cur } });
      } }] });
  }

  async function lose() {
    const f = field({ label: t('sales.lost_reason'), type: 'textarea', required: true });
    await dialog({ title: t('sales.mark_lost'), build: (b) => b.append(f.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('sales.mark_lost'), kind: 'primary', submit: true,
        onClick: () => save({ status: 'lost', lost_reason: f.input.value.trim() }) }] });
  }

  draw();
}
