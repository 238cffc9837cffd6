// quotes: the quotes list (/quotes) and the quote editor (/quotes/new,
// /quotes/:id) of issue 18 — line items from products or free text with
// quantity, unit price (left empty: the price list of the quote's date
// prices it) and discount, the quote's discount and tax, the server's
// totals, the status moves the workflow offers (read from
// GET /api/v1/record-types), accepting (which makes the order), the
// earlier revisions, and a preview of the PDF the customer receives.
// Percentages are typed as percent and sent as basis points.
// API: /api/v1/quotes, …/{id}/accept, …/{id}/revisions, …/{id}/pdf.
import { h, icon, replace } from '../dom.js';
import { t, money, toMinor, date, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { navigate, setQuery } from '../router.js';
import { field, toast, errorState, errorText, badge, card, dl } from '../ui.js';
import { ensureUsers, userLabel } from '../users.js';
import { partyPicker } from './party-picker.js';
import { companyTotalPair, companyTotalShort } from '../fx.js';

export const QUOTE_COLOUR = { draft: 'grey', sent: 'blue', accepted: 'green', declined: 'red', expired: 'grey' };
const pct = (bp) => (bp === null || bp === undefined ? '' : String(bp / 100));
const toBp = (s) => {
  const v = String(s).trim().replace(/[%％\s]/g, '');
  if (!v) return null;
  if (!/^\d+(\.\d{1,2})?$/.test(v) || Number(v) > 100) return NaN;
  return Math.round(Number(v) * 100);
};

export async function render(ctx) {
  if (ctx.params.id) return editor(ctx);
  return list(ctx);
}

async function list(ctx) {
  const { main, query, signal } = ctx;
  const perms = (api.user() && api.user().permissions && api.user().permissions.quotes) || {};
  const states = Object.keys(QUOTE_COLOUR);
  const state = { status: states.includes(query.get('status')) ? query.get('status') : '', party_id: query.get('party_id') || '' };
  const statusF = field({ label: t('field.status'), type: 'select', value: state.status,
    options: [{ value: '', label: t('common.any') }].concat(states.map((s) => ({ value: s, label: t('quote.s_' + s) }))) });
  statusF.input.addEventListener('change', () => { state.status = statusF.input.value; setQuery(state); load(); });
  const box = h('div', { class: 'table-wrap' });
  main.append(h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('quote.title') }), h('p', { class: 'muted', text: t('quote.subtitle') })),
      perms.create && perms.create !== 'none' ? h('div', { class: 'head-actions' },
        h('a', { class: 'btn btn-primary', href: '/quotes/new' + (state.party_id ? '?party_id=' + state.party_id : '') }, icon('plus'), t('quote.new'))) : null),
    h('div', { class: 'toolbar' }, statusF.wrap), box));
  async function load() {
    try {
      const { items } = await api.listAll('/api/v1/quotes', { sort: '-updated_at', status: state.status, party_id: state.party_id }, { signal, maxItems: 500 });
      const names = await partyNames(items, signal);
      if (!items.length) { replace(box, h('div', { class: 'empty' }, h('p', { text: t('quote.none') }))); return; }
      replace(box, h('table', { class: 'table quotes-table' }, h('caption', { class: 'sr-only', text: t('quote.title') }),
        h('thead', {}, h('tr', {}, ['no', 'customer', 'date', 'total', 'status'].map((k) => h('th', { scope: 'col', class: k === 'total' ? 'num' : '', text: t('quote.col_' + k) })))),
        h('tbody', {}, items.map((q) => h('tr', { dataset: { id: q.id } },
          h('td', {}, h('a', { href: '/quotes/' + q.id, text: `Q-${q.id}` }), q.title ? h('div', { class: 'sub muted', text: q.title }) : null),
          h('td', { text: names.get(q.party_id) || '#' + q.party_id }),
          h('td', { text: date(q.quote_date) }),
          h('td', { class: 'num' }, money(q.total), companyTotalShort(q)),
          h('td', {}, badge(t('quote.s_' + q.status), QUOTE_COLOUR[q.status]), ' ', h('span', { class: 'muted small', text: t('quote.rev', { n: q.revision }) })))))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }
  await load();
}

async function partyNames(rows, signal) {
  const ids = [...new Set(rows.map((r) => r.party_id))];
  const names = new Map();
  if (ids.length) {
    const got = await api.getMany('parties', ids, { signal });
    for (const [id, p] of got) names.set(id, p.name);
  }
  return names;
}

async function editor(ctx) {
  const { main, params, query, signal } = ctx;
  const isNew = params.id === 'new';
  let q = null, party = null, products = [], wf;
  try {
    [products, wf] = await Promise.all([
      api.listAll('/api/v1/products', { sort: 'name', active: 'true' }, { signal }).then((r) => r.items),
      api.get('/api/v1/record-types', undefined, { signal }).then((r) => r.types.find((x) => x.type === 'quote').workflow),
    ]);
    if (!isNew) q = await api.get('/api/v1/quotes/' + Number(params.id), undefined, { signal });
    const pid = q ? q.party_id : Number(query.get('party_id')) || null;
    if (pid) party = await api.get('/api/v1/parties/' + pid, undefined, { signal });
  } catch (err) {
    if (err.name !== 'AbortError') main.append(errorState(err));
    return;
  }
  await ensureUsers();
  const perms = (api.user() && api.user().permissions && api.user().permissions.quotes) || {};
  const canWrite = isNew ? perms.create && perms.create !== 'none' : perms.update && perms.update !== 'none';
  const page = h('div', { class: 'page page-quote' });
  main.append(page);
  draw();

  function draw() {
    const closed = q && ['accepted', 'declined', 'expired'].includes(q.status);
    const editable = canWrite && !closed;
    ctx.setTitle(q ? `Q-${q.id}` : t('quote.new'));
    const picker = !party ? partyPicker({ labelText: t('quote.customer') }) : null;
    const f = {
      title: field({ label: t('quote.f_title'), value: q ? q.title || '' : '', attrs: { maxlength: '200' } }),
      currency: field({ label: t('pl.currency'), value: q ? q.currency : 'CNY', required: true, attrs: { maxlength: '3' } }),
      quote_date: field({ label: t('quote.date'), type: 'date', value: q ? q.quote_date : '' }),
      valid_until: field({ label: t('quote.valid_until'), type: 'date', value: q ? q.valid_until || '' : '' }),
      discount: field({ label: t('quote.discount_pct'), value: q ? pct(q.discount_bp) : '', attrs: { inputmode: 'decimal' } }),
      tax: field({ label: t('quote.tax_pct'), value: q ? pct(q.tax_bp) : '', attrs: { inputmode: 'decimal' } }),
      notes: field({ label: t('quote.notes'), type: 'textarea', value: q ? q.notes || '' : '' }),
    };
    for (const x of Object.values(f)) x.input.disabled = !editable;
    const linesBody = h('tbody');
    const addLine = (l) => {
      const n = linesBody.children.length + 1;
      const prod = h('select', { 'aria-label': t('quote.line_product', { n }), disabled: !editable },
        h('option', { value: '', text: t('quote.free_text') }),
        products.map((p) => h('option', { value: String(p.id), selected: l && l.product_id === p.id, text: p.name })));
      const desc = h('input', { type: 'text', 'aria-label': t('quote.line_desc', { n }), value: l ? l.description || '' : '', disabled: !editable });
      const qty = h('input', { type: 'number', min: '1', step: '1', 'aria-label': t('quote.line_qty', { n }), value: l ? String(l.quantity) : '1', disabled: !editable, class: 'num' });
      const price = h('input', { type: 'text', inputmode: 'decimal', 'aria-label': t('quote.line_price', { n }), placeholder: t('quote.from_list'),
        value: l && l.unit_price !== undefined && l.unit_price !== null ? String(l.unit_price / 100) : '', disabled: !editable, class: 'num' });
      const disc = h('input', { type: 'text', inputmode: 'decimal', 'aria-label': t('quote.line_disc', { n }), value: l ? pct(l.discount_bp) : '', disabled: !editable, class: 'num' });
      // A product chosen anew is priced by the server from the list.
      prod.addEventListener('change', () => { price.value = ''; if (!desc.value || l) desc.value = ''; });
      const row = h('tr', {},
        h('td', { 'data-label': t('quote.col_item') }, prod, desc),
        h('td', { 'data-label': t('quote.col_qty') }, qty), h('td', { 'data-label': t('quote.col_price') }, price),
        h('td', { 'data-label': t('quote.col_disc') }, disc),
        h('td', { class: 'num', 'data-label': t('quote.col_net') }, l && typeof l.net === 'number' ? money({ amount: l.net, currency: q.currency }) : ''),
        h('td', {}, editable ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': t('quote.line_remove', { n }), on: { click: () => row.remove() } }, icon('close')) : null));
      row._read = () => ({ prod, desc, qty, price, disc });
      linesBody.append(row);
    };
    for (const l of (q && q.lines) || []) addLine(l);
    if (!q) addLine(null);

    const errBox = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const save = async () => {
      errBox.hidden = true;
      try {
        const currency = f.currency.input.value.trim().toUpperCase();
        const lines = [];
        for (const row of linesBody.children) {
          const { prod, desc, qty, price, disc } = row._read();
          if (!prod.value && !desc.value.trim()) continue;
          const line = { quantity: Number(qty.value) };
          if (prod.value) line.product_id = Number(prod.value);
          if (desc.value.trim()) line.description = desc.value.trim();
          if (price.value.trim()) {
            const a = toMinor(price.value, currency);
            if (a === null || a < 0) { price.focus(); throw new Error(t('form.amount_invalid')); }
            line.unit_price = a;
          }
          const bp = toBp(disc.value);
          if (Number.isNaN(bp)) { disc.focus(); throw new Error(t('quote.pct_invalid')); }
          if (bp) line.discount_bp = bp;
          lines.push(line);
        }
        const dbp = toBp(f.discount.input.value), tbp = toBp(f.tax.input.value);
        if (Number.isNaN(dbp)) { f.discount.input.focus(); throw new Error(t('quote.pct_invalid')); }
        if (Number.isNaN(tbp)) { f.tax.input.focus(); throw new Error(t('quote.pct_invalid')); }
        const body = { title: f.title.input.value.trim() || null, currency, valid_until: f.valid_until.input.value || null,
          discount_bp: dbp, tax_bp: tbp, notes: f.notes.input.value.trim() || null, lines };
        if (f.quote_date.input.value) body.quote_date = f.quote_date.input.value;
        if (!q) {
          const chosen = party || (picker && picker.value());
          if (!chosen) throw new Error(t('quote.pick_customer'));
          body.party_id = chosen.id;
          q = await api.post('/api/v1/quotes', body);
          party = chosen;
          toast(t('quote.saved', { no: `Q-${q.id}` }));
          navigate('/quotes/' + q.id, { replace: true });
          return;
        }
        q = await api.patch('/api/v1/quotes/' + q.id, body, q.version);
        toast(t('quote.saved', { no: `Q-${q.id}` }));
        draw();
      } catch (err) {
        replace(errBox, icon('alert'), h('span', { text: errorText(err) }));
        errBox.hidden = false;
      }
    };

    const role = api.user() && api.user().role;
    const moves = q && canWrite ? wf.transitions.filter((m) => m.from === q.status && m.to !== 'accepted' && (!m.roles || m.roles.includes(role))) : [];
    const move = async (to) => {
      try { q = await api.patch('/api/v1/quotes/' + q.id, { status: to }, q.version); toast(t('quote.moved', { to: t('quote.s_' + to) })); draw(); }
      catch (err) { toast(errorText(err), 'error'); }
    };
    const accept = async () => {
      try {
        const r = await api.post(`/api/v1/quotes/${q.id}/accept`, { version: q.version });
        toast(t('quote.accepted', { no: `O-${r.order_id}` }));
        q = await api.get('/api/v1/quotes/' + q.id);
        draw();
      } catch (err) { toast(errorText(err), 'error'); }
    };
    const head = h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, q ? `${t('quote.one')} Q-${q.id}` : t('quote.new'), ' ', q ? badge(t('quote.s_' + q.status), QUOTE_COLOUR[q.status]) : null),
        party ? h('p', {}, h('a', { href: '/customers/' + party.id, text: party.name }), q ? h('span', { class: 'muted', text: ' · ' + t('quote.rev', { n: q.revision }) }) : null) : null),
      h('div', { class: 'head-actions' },
        moves.map((m) => h('button', { type: 'button', class: 'btn', dataset: { move: m.to }, text: t('quote.to_' + m.to), on: { click: () => move(m.to) } })),
        q && canWrite && q.status === 'sent' ? h('button', { type: 'button', class: 'btn btn-primary', on: { click: accept } }, t('quote.accept')) : null,
        q && q.order_id ? h('a', { class: 'btn', href: '/orders/' + q.order_id, text: t('quote.open_order', { no: `O-${q.order_id}` }) }) : null));
    const totals = q ? dl([
      [t('quote.subtotal'), money(q.subtotal)],
      [t('quote.discount'), q.discount && q.discount.amount ? '−' + money(q.discount) : money(q.discount)],
      [t('quote.tax'), money(q.tax)],
      [t('quote.total'), h('strong', { class: 'quote-total', text: money(q.total) })],
      companyTotalPair(q) || ['', null],
      [t('quote.sent'), q.sent_at ? `${dateTime(q.sent_at)} · ${userLabel(q.sent_by)}` : null],
      [t('quote.decided'), q.decided_at ? `${dateTime(q.decided_at)} · ${userLabel(q.decided_by)}` : null],
    ]) : h('p', { class: 'muted', text: t('quote.totals_after_save') });
    const pdfBox = h('div', { class: 'pdf-box' });
    const showPdf = () => replace(pdfBox, h('iframe', { class: 'pdf-preview', title: t('quote.pdf_preview'), src: `/api/v1/quotes/${q.id}/pdf?v=${q.version}` }));
    const revBox = h('div');
    if (q && q.revision > 1) api.get(`/api/v1/quotes/${q.id}/revisions`, undefined, { signal }).then((r) => replace(revBox, h('ul', { class: 'revisions' },
      r.items.map((x) => h('li', {}, t('quote.rev', { n: x.revision }), ' · ', dateTime(x.saved_at), ' · ', money(x.quote.total),
        ' · ', (x.quote.lines || []).map((l) => `${l.description} × ${l.quantity}`).join(', ')))))).catch(() => {});

    replace(page,
      h('nav', { class: 'crumbs', 'aria-label': t('shell.breadcrumbs') }, h('a', { href: '/quotes', text: t('quote.title') })),
      head,
      h('div', { class: 'quote-grid' },
        card(t('quote.details'), h('div', {}, picker ? picker.el : null,
          h('div', { class: 'form-grid' }, f.title.wrap, f.currency.wrap, f.quote_date.wrap, f.valid_until.wrap, f.discount.wrap, f.tax.wrap))),
        card(t('quote.lines'), h('div', {},
          h('div', { class: 'table-wrap' }, h('table', { class: 'table quote-lines' },
            h('thead', {}, h('tr', {}, ['item', 'qty', 'price', 'disc', 'net'].map((k) => h('th', { scope: 'col', text: t('quote.col_' + k) })), h('th'))),
            linesBody)),
          editable ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => addLine(null) } }, icon('plus'), t('quote.add_line')) : null,
          f.notes.wrap, errBox,
          editable ? h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-primary', on: { click: save } }, t('action.save'))) : null)),
        card(t('quote.totals'), totals, { cls: 'card-totals' }),
        q ? card(t('quote.pdf'), pdfBox, { actions: h('span', {},
          h('button', { type: 'button', class: 'btn btn-sm', on: { click: showPdf } }, t('quote.preview')), ' ',
          h('a', { class: 'btn btn-sm', href: `/api/v1/quotes/${q.id}/pdf`, target: '_blank', rel: 'noopener', text: t('quote.open_pdf') })) }) : null,
        q && q.revision > 1 ? card(t('quote.revisions'), revBox) : null));
  }
}
