// deals: the deal board (issue 18) — one column per stage of a pipeline
// with its count and totals (converted to the company currency, each
// currency's own total beneath, a currency without a rate named), cards
// that rot after the stage's limit without activity marked, filters (mine
// or all, team, customer tier, expected close range), and moves between
// stages by dragging a card or, from the keyboard, with the card's "Move
// to" list. A refused move (409 invalid_transition, a stage of a won deal)
// is shown as the server words it and the board is drawn again.
// API: GET /api/v1/pipelines, GET /api/v1/pipelines/{id}/board,
// GET/PATCH /api/v1/opportunities/{id}.
import { h, replace } from '../dom.js';
import { t, money, date, getLocale, toMinor } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, dialog, toast, errorState, errorText, badge, spinner } from '../ui.js';
import { partyPicker } from './party-picker.js';
import { totalBlock, stageName } from './sales-common.js';

export async function render(ctx) {
  const { main, query, signal } = ctx;
  let pipelines;
  try {
    pipelines = (await api.get('/api/v1/pipelines', { limit: 100 }, { signal })).items;
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  const me = api.user();
  const lang = getLocale();
  const perms = (me && me.permissions && me.permissions.opportunities) || {};
  const canMove = perms.update && perms.update !== 'none';
  const canCreate = perms.create && perms.create !== 'none';
  const pname = (p) => (lang.startsWith('zh') ? p.name_zh || p.name : p.name);
  const state = {
    pipeline: Number(query.get('pipeline')) || (pipelines[0] && pipelines[0].id),
    mine: query.get('mine') !== null ? query.get('mine') === '1' : me && me.role === 'sales',
    close_from: query.get('close_from') || '', close_to: query.get('close_to') || '', tier: query.get('tier') || '',
  };
  const pipeF = field({ label: t('sales.pipeline'), type: 'select', value: state.pipeline, options: pipelines.map((p) => ({ value: p.id, label: pname(p) })) });
  const mineF = field({ label: t('sales.only_mine'), type: 'checkbox', value: state.mine });
  const fromF = field({ label: t('sales.close_from'), type: 'date', value: state.close_from });
  const toF = field({ label: t('sales.close_to'), type: 'date', value: state.close_to });
  const tierF = field({ label: t('sales.tier'), value: state.tier, attrs: { maxlength: '40' } });
  for (const [f, k, prop] of [[pipeF, 'pipeline', 'value'], [mineF, 'mine', 'checked'], [fromF, 'close_from', 'value'], [toF, 'close_to', 'value'], [tierF, 'tier', 'value']]) {
    f.input.addEventListener('change', () => { state[k] = k === 'pipeline' ? Number(f.input[prop]) : f.input[prop]; reload(); });
  }
  const summary = h('div', { class: 'board-summary', role: 'status' });
  const boardBox = h('div', { class: 'board' }, spinner());
  main.append(h('div', { class: 'page page-deals' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('sales.board_title') }), h('p', { class: 'muted', text: t('sales.board_subtitle') })),
      h('div', { class: 'head-actions' },
        canCreate ? h('button', { type: 'button', class: 'btn btn-primary', text: t('sales.new_deal'), on: { click: create } }) : null,
        h('a', { class: 'btn', href: '/forecast', text: t('sales.forecast_title') }),
        h('a', { class: 'btn', href: '/sales-reports', text: t('sales.reports_title') }))),
    h('div', { class: 'toolbar' }, pipeF.wrap, mineF.wrap, fromF.wrap, toF.wrap, tierF.wrap),
    summary, boardBox));

  function reload() {
    setQuery({ pipeline: state.pipeline, mine: state.mine ? '1' : '0', close_from: state.close_from, close_to: state.close_to, tier: state.tier });
    load();
  }

  let board, stages;
  async function load() {
    try {
      const q = { limit: 50, close_from: state.close_from || undefined, close_to: state.close_to || undefined, tier: state.tier || undefined };
      if (state.mine && me) q.owner_id = me.id;
      board = await api.get(`/api/v1/pipelines/${state.pipeline}/board`, q, { signal });
      stages = board.columns;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError') replace(boardBox, errorState(err, load));
    }
  }

  function draw() {
    const n = board.columns.reduce((s, c) => s + c.count, 0);
    replace(summary, h('span', { text: t('sales.board_count', { count: n }) }), totalBlock(board.totals, 'sales-total board-total'));
    replace(boardBox, board.columns.map((col) => column(col)));
  }

  function column(col) {
    const list = h('ul', { class: 'board-cards', 'aria-label': stageName(col, lang) }, col.cards.map((c) => cardEl(c, col)));
    const el = h('section', { class: 'board-col', dataset: { stage: col.key }, 'aria-label': stageName(col, lang) },
      h('header', { class: 'board-col-head' },
        h('h2', { class: 'board-col-title' }, stageName(col, lang), ' ', h('span', { class: 'badge', dataset: { count: col.count }, text: String(col.count) })),
        h('div', { class: 'muted small', text: t('sales.probability', { p: col.probability }) }),
        totalBlock(col.totals)),
      list,
      col.next ? h('button', { type: 'button', class: 'btn btn-sm', text: t('customers.load_more'), on: { click: () => more(col, list) } }) : null);
    if (canMove) {
      el.addEventListener('dragover', (e) => { e.preventDefault(); el.classList.add('drop'); });
      el.addEventListener('dragleave', () => el.classList.remove('drop'));
      el.addEventListener('drop', (e) => {
        e.preventDefault();
        el.classList.remove('drop');
        const id = Number(e.dataTransfer.getData('text/plain'));
        if (id) move(id, col.key);
      });
    }
    return el;
  }

  async function more(col, list) {
    const q = { limit: 50, stage: col.key, after: col.next };
    if (state.mine && me) q.owner_id = me.id;
    const page = await api.get(`/api/v1/pipelines/${state.pipeline}/board`, q, { signal });
    const c2 = page.columns.find((c) => c.key === col.key);
    col.cards = col.cards.concat(c2.cards);
    col.next = c2.next;
    draw();
  }

  function cardEl(c, col) {
    const moveSel = canMove ? h('select', { class: 'card-move', 'aria-label': t('sales.move_to', { name: c.name }) },
      stages.map((s) => h('option', { value: s.key, selected: s.key === col.key }, stageName(s, lang)))) : null;
    if (moveSel) moveSel.addEventListener('change', () => move(c.id, moveSel.value));
    const li = h('li', { class: ['deal-card', c.rotting ? 'rotting' : ''], dataset: { id: c.id }, draggable: canMove ? 'true' : undefined },
      h('a', { class: 'deal-name', href: `/deals/${c.id}`, text: c.name }),
      c.party_name ? h('div', { class: 'muted small', text: c.party_name }) : null,
      h('div', { class: 'deal-meta' },
        c.amount ? h('span', { class: 'deal-amount', text: money(c.amount) }) : null,
        c.expected_close_on ? h('span', { class: 'muted small', text: date(c.expected_close_on) }) : null,
        c.rotting ? badge(t('sales.rotting'), 'red') : null),
      moveSel);
    if (canMove) li.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/plain', String(c.id)); e.dataTransfer.effectAllowed = 'move'; });
    return li;
  }

  async function move(id, stage) {
    try {
      const o = await api.get('/api/v1/opportunities/' + id, undefined, { signal });
      if (o.stage === stage) return;
      const r = await api.patch('/api/v1/opportunities/' + id, { stage }, o.version);
      toast(t('sales.moved', { name: r.name, stage: stageName(stages.find((s) => s.key === stage), lang) }));
    } catch (err) {
      toast(errorText(err), 'error');
    }
    await load();
  }

  // A new deal in the first stage of the shown pipeline (the server fills
  // the stage, its probability and the owner).
  async function create() {
    const picker = partyPicker({ labelText: t('sales.customer') });
    const nameF = field({ label: t('field.name'), required: true, attrs: { maxlength: '300' } });
    const amountF = field({ label: t('sales.amount'), attrs: { inputmode: 'decimal' }, hint: t('form.amount_hint') });
    const curF = field({ label: t('sales.currency'), value: 'CNY', attrs: { maxlength: '3' } });
    const closeF = field({ label: t('sales.expected_close'), type: 'date' });
    const r = await dialog({ title: t('sales.new_deal'), wide: true,
      build: (b) => b.append(nameF.wrap, picker.el, h('div', { class: 'form-grid' }, amountF.wrap, curF.wrap, closeF.wrap)),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const party = picker.value();
        if (!party) throw new Error(t('sales.pick_customer'));
        const body = { name: nameF.input.value.trim(), party_id: party.id, pipeline_id: state.pipeline };
        const cur = curF.input.value.trim().toUpperCase() || 'CNY';
        if (amountF.input.value.trim()) {
          const a = toMinor(amountF.input.value, cur);
          if (a === null) throw new Error(t('form.amount_invalid'));
          body.amount = { amount: a, currency: cur };
        }
        if (closeF.input.value) body.expected_close_on = closeF.input.value;
        return api.post('/api/v1/opportunities', body);
      } }] });
    if (r) { toast(t('sales.saved', { name: r.name })); load(); }
  }

  await load();
}
