// orders: the orders list (/orders) and an order's page (/orders/:id) of
// issue 18 — the member order flow of DOMAIN D9 as a checklist: every step
// in the order the server's workflow gives (GET /api/v1/record-types), the
// ones done with who and when (the <step>_at / <step>_by stamps), and the
// next one as the only step that can be ticked (the server refuses any
// other, 409 invalid_transition). The order can be assigned to a user; the
// payment step shows the transaction it created.
// API: GET /api/v1/orders, GET/PATCH /api/v1/orders/{id}.
import { h, icon, replace } from '../dom.js';
import { t, money, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { setQuery } from '../router.js';
import { field, toast, errorState, errorText, badge, card, dl } from '../ui.js';
import { ensureUsers, userLabel, userList } from '../users.js';
import { companyTotalPair, companyTotalShort } from '../fx.js';

async function workflowSteps(signal) {
  const wf = (await api.get('/api/v1/record-types', undefined, { signal })).types.find((x) => x.type === 'order').workflow;
  const steps = [wf.initial];
  for (;;) {
    const next = wf.transitions.find((m) => m.from === steps[steps.length - 1]);
    if (!next) break;
    steps.push(next.to);
  }
  return steps;
}

export async function render(ctx) {
  if (ctx.params.id) return detail(ctx);
  return list(ctx);
}

async function list(ctx) {
  const { main, query, signal } = ctx;
  let steps;
  try { steps = await workflowSteps(signal); } catch (err) { if (err.name !== 'AbortError') main.append(errorState(err)); return; }
  await ensureUsers();
  const state = { status: steps.includes(query.get('status')) ? query.get('status') : '', party_id: query.get('party_id') || '' };
  const statusF = field({ label: t('field.status'), type: 'select', value: state.status,
    options: [{ value: '', label: t('common.any') }].concat(steps.map((s) => ({ value: s, label: t('order.s_' + s) }))) });
  statusF.input.addEventListener('change', () => { state.status = statusF.input.value; setQuery(state); load(); });
  const box = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('order.title') }), h('p', { class: 'muted', text: t('order.subtitle') }))),
    h('div', { class: 'toolbar' }, statusF.wrap), box));
  async function load() {
    try {
      const { items } = await api.listAll('/api/v1/orders', { sort: '-updated_at', status: state.status, party_id: state.party_id }, { signal, maxItems: 500 });
      const parties = await api.getMany('parties', items.map((o) => o.party_id), { signal });
      if (!items.length) { replace(box, h('div', { class: 'empty' }, h('p', { text: t('order.none') }))); return; }
      replace(box, h('table', { class: 'table orders-table' }, h('caption', { class: 'sr-only', text: t('order.title') }),
        h('thead', {}, h('tr', {}, ['no', 'customer', 'total', 'step', 'assignee'].map((k) => h('th', { scope: 'col', class: k === 'total' ? 'num' : '', text: t('order.col_' + k) })))),
        h('tbody', {}, items.map((o) => h('tr', { dataset: { id: o.id } },
          h('td', {}, h('a', { href: '/orders/' + o.id, text: `O-${o.id}` })),
          h('td', { text: (parties.get(o.party_id) || { name: '#' + o.party_id }).name }),
          h('td', { class: 'num' }, money(o.total), companyTotalShort(o)),
          h('td', {}, badge(t('order.s_' + o.status), o.status === steps[steps.length - 1] ? 'green' : 'blue'),
            h('span', { class: 'muted small', text: ` ${steps.indexOf(o.status) + 1}/${steps.length}` })),
          h('td', { text: userLabel(o.assignee_id) }))))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }
  await load();
}

async function detail(ctx) {
  const { main, params, signal } = ctx;
  let o, steps, party;
  try {
    [o, steps] = await Promise.all([api.get('/api/v1/orders/' + Number(params.id), undefined, { signal }), workflowSteps(signal)]);
    party = await api.get('/api/v1/parties/' + o.party_id, undefined, { signal }).catch(() => null);
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  await ensureUsers();
  const perms = (api.user() && api.user().permissions && api.user().permissions.orders) || {};
  const canWrite = perms.update && perms.update !== 'none';
  const page = h('div', { class: 'page page-order' });
  main.append(page);
  draw();

  async function change(body, done) {
    try {
      o = await api.patch('/api/v1/orders/' + o.id, body, o.version);
      toast(done);
    } catch (err) {
      toast(errorText(err), 'error');
      try { o = await api.get('/api/v1/orders/' + o.id); } catch { /* keep what we have */ }
    }
    draw();
  }

  function draw() {
    ctx.setTitle(`O-${o.id}`);
    const at = steps.indexOf(o.status);
    const checklist = h('ol', { class: 'checklist' }, steps.map((s, i) => {
      const done = i <= at, next = i === at + 1;
      const who = done ? [o[s + '_at'] ? dateTime(o[s + '_at']) : '', o[s + '_by'] ? userLabel(o[s + '_by']) : ''].filter(Boolean).join(' · ') : '';
      const box = h('input', { type: 'checkbox', id: 'step-' + s, checked: done, disabled: !(next && canWrite),
        on: { change: (e) => { if (e.target.checked) change({ status: s }, t('order.step_done', { step: t('order.s_' + s) })); } } });
      return h('li', { class: ['check-step', done && 'is-done', next && 'is-next'], dataset: { step: s } },
        box, h('label', { for: 'step-' + s, text: t('order.s_' + s) }),
        who ? h('span', { class: 'muted small step-who', text: who }) : null,
        s === 'paid' && o.transaction_id ? h('span', { class: 'small', text: ' · ' + t('order.txn', { id: o.transaction_id }) }) : null);
    }));
    const users = userList();
    const assign = field({ label: t('order.assignee'), type: 'select', value: o.assignee_id ?? '',
      options: [{ value: '', label: t('common.none') }].concat(users.map((u) => ({ value: u.id, label: u.name || u.email }))) });
    assign.input.disabled = !canWrite;
    assign.input.addEventListener('change', () => change({ assignee_id: assign.input.value ? Number(assign.input.value) : null }, t('order.assigned')));
    replace(page,
      h('nav', { class: 'crumbs', 'aria-label': t('shell.breadcrumbs') }, h('a', { href: '/orders', text: t('order.title') })),
      h('div', { class: 'page-head' }, h('div', {},
        h('h1', {}, `${t('order.one')} O-${o.id} `, badge(t('order.s_' + o.status), at === steps.length - 1 ? 'green' : 'blue')),
        h('p', {}, party ? h('a', { href: '/customers/' + party.id, text: party.name }) : null,
          o.quote_id ? h('span', {}, ' · ', h('a', { href: '/quotes/' + o.quote_id, text: `Q-${o.quote_id}` })) : null))),
      h('div', { class: 'order-grid' },
        card(t('order.steps'), checklist, { cls: 'card-steps' }),
        card(t('order.details'), h('div', {}, dl([
          [t('quote.total'), money(o.total)],
          companyTotalPair(o) || ['', null],
          [t('order.lines'), (o.lines || []).map((l) => `${l.description || '#' + l.product_id} × ${l.quantity}`).join(', ') || null],
          [t('field.owner_id'), userLabel(o.owner_id)],
          [t('field.notes'), o.notes],
        ]), users.length ? assign.wrap : dl([[t('order.assignee'), userLabel(o.assignee_id)]])))));
  }
}
