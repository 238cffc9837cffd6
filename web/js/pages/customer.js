// customer: one party — profile and contacts, the D3 classifications with
// their meaning, needs and custom fields, the network (organisation,
// decision unit, referrals), the next planned contact, the timeline and the
// quick actions (log a call, plan a visit, add a note, record a purchase),
// editing with version-conflict handling and merging a duplicate.
import { h, icon, replace } from '../dom.js';
import { t, label, date, dateTime, relative, money, toMinor } from '../i18n.js';
import * as api from '../api.js';
import { navigate } from '../router.js';
import { VOCAB, CLASSIFICATIONS, channelIcon } from '../vocab.js';
import { field, vocabOptions, dialog, confirmDialog, toast, card, dl, badge, spinner, empty, errorState, errorText,
  fieldLabel, toLocalInput, fromLocalInput } from '../ui.js';
import { partyForm } from './party-form.js';
import { interactionDialog, noteDialog, transactionDialog, editActivity, deleteActivity } from './activity.js';
import { partyPicker } from './party-picker.js';
import { timeline } from './timeline.js';
import { loadScores } from './scores.js';
import { ensureUsers, userLabel } from '../users.js';
import { importanceBadge } from './customers.js';
import { salesDocsCard } from './sales-docs.js';
import { nbaView } from '../nba.js';
import { consentCard } from './consent.js';
import { loyaltyPanel } from './loyalty-panel.js';

// The customer's deals (issue 18), each a link to its page.
function dealsCard(partyId, signal) {
  const box = h('div', {}, spinner());
  const perms = (api.user() && api.user().permissions && api.user().permissions.opportunities) || {};
  if (!perms.read || perms.read === 'none') return null;
  api.get('/api/v1/opportunities', { party_id: partyId, limit: 50, sort: '-updated_at' }, { signal }).then((page) => {
    replace(box, page.items.length ? h('ul', { class: 'deal-links' }, page.items.map((o) => h('li', {},
      h('a', { href: `/deals/${o.id}`, text: o.name }), ' ', badge(t('sales.s_' + o.status), o.status === 'won' ? 'green' : o.status === 'lost' ? 'red' : 'blue'),
      o.amount ? h('span', { class: 'muted', text: ' ' + money(o.amount) }) : null)))
      : h('p', { class: 'muted', text: t('sales.no_deals') }));
  }).catch(() => replace(box, h('p', { class: 'muted', text: t('sales.no_deals') })));
  return card(t('sales.deals'), box, { cls: 'card-deals' });
}

export async function render(ctx) {
  const { main, params, signal } = ctx;
  const id = Number(params.id);
  const url = `/api/v1/parties/${id}`;
  let party;
  try {
    party = await api.get(url, undefined, { signal });
  } catch (err) {
    if (err.status === 404 || err.status === 400) {
      main.append(h('div', { class: 'page' }, h('h1', { text: t('customer.not_found') }),
        h('a', { href: '/customers', class: 'btn', text: t('customer.back') })));
      return;
    }
    throw err;
  }
  const canWrite = api.user() && api.user().role !== 'read_only';
  const loyalty = loyaltyPanel(id, { signal, canWrite });   // issue 21: points and relationship level
  await ensureUsers();
  const people = new Map();
  const tl = timeline(id, { signal, people, actions: (type, item, of) => activityActions(type, item, of) });
  const nextBox = h('div', { class: 'next-contact' }, spinner());
  const nbaBox = h('div', { class: 'nba-box' }, spinner());
  const networkBox = h('div', {}, spinner());
  const scoresBox = h('div', { class: 'scores-box' }, spinner());
  const head = h('div');
  const left = h('div', { class: 'col-left' });

  main.append(h('div', { class: 'page page-customer' },
    h('nav', { class: 'crumbs', 'aria-label': t('shell.breadcrumbs') }, h('a', { href: '/customers', text: t('nav.customers') }), h('span', { 'aria-hidden': 'true', text: ' / ' }), h('span', { 'aria-current': 'page', text: party.name })),
    head,
    h('div', { class: 'customer-grid' },
      left,
      h('div', { class: 'col-right' },
        card(t('nba.title'), nbaBox, { cls: 'card-nba' }),
        card(t('customer.next_contact'), nextBox, { cls: 'card-next' }),
        card(t('timeline.title'), tl.el, { cls: 'card-timeline' }),
        dealsCard(id, signal)))));

  function drawHead() {
    ctx.setTitle(party.name);
    const quick = canWrite ? h('div', { class: 'quick-actions', role: 'group', 'aria-label': t('customer.quick_actions') },
      h('button', { type: 'button', class: 'btn', on: { click: logCall } }, icon('call'), t('customer.log_call')),
      h('button', { type: 'button', class: 'btn', on: { click: planVisit } }, icon('calendar'), t('customer.plan_visit')),
      h('button', { type: 'button', class: 'btn', on: { click: addNote } }, icon('note'), t('customer.add_note')),
      h('button', { type: 'button', class: 'btn', on: { click: recordTxn } }, icon('money'), t('customer.record_txn'))) : null;
    replace(head, h('div', { class: 'page-head customer-head' },
      h('div', { class: 'customer-title' },
        h('span', { class: ['avatar', 'avatar-lg', party.kind === 'organization' && 'avatar-org'], 'aria-hidden': 'true', text: initials(party.name) }),
        h('div', {},
          h('h1', { text: party.name }),
          h('div', { class: 'chips' },
            badge(label('kind', party.kind), 'grey'),
            (party.roles || []).map((r) => badge(label('role', r), 'blue')),
            importanceBadge(party.importance),
            (party.tags || []).map((x) => h('span', { class: 'tag', text: x }))))),
      canWrite ? h('div', { class: 'head-actions' },
        h('button', { type: 'button', class: 'btn', on: { click: edit } }, icon('edit'), t('action.edit')),
        h('button', { type: 'button', class: 'btn btn-ghost', on: { click: merge } }, icon('merge'), t('customer.merge'))) : null),
    quick);
  }

  function drawLeft() {
    const phones = (party.phones || []).map((p) => h('a', { href: 'tel:' + p.replace(/[^\d+]/g, ''), text: p }));
    const emails = (party.emails || []).map((e) => h('a', { href: 'mailto:' + e, text: e }));
    const web = party.website && /^https?:\/\//i.test(party.website)
      ? h('a', { href: party.website, target: '_blank', rel: 'noopener noreferrer', text: party.website }) : party.website;
    const addresses = (party.addresses || []).map((a) => h('div', { text: [a.label ? a.label + ':' : '', a.line1, a.line2, a.city, a.region, a.postcode, a.country].filter(Boolean).join(' ') }));
    const comm = party.communication && typeof party.communication === 'object' ? party.communication : {};
    const commValue = (k, v) => {
      if (k === 'channels' && Array.isArray(v)) return v.map((c) => label('channel', c)).join(', ');
      if (k === 'language' && typeof v === 'string') return ({ 'zh-CN': '简体中文', zh: '中文', en: 'English' })[v] || v;
      if (typeof v === 'boolean') return v ? '✓' : '✗';
      return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
    };
    const commText = Object.entries(comm).map(([k, v]) => `${fieldLabel(k)}: ${commValue(k, v)}`);
    const list = (xs) => (xs.length ? h('div', { class: 'stack' }, xs) : null);
    const profile = card(t('customer.profile'), dl([
      [t('field.phones'), list(phones)],
      [t('field.emails'), list(emails)],
      [t('field.title'), party.title],
      [t('field.industry'), party.industry],
      [t('field.city'), [party.city, party.country].filter(Boolean).join(', ')],
      [t('field.addresses'), list(addresses)],
      [t('field.website'), web],
      [t('field.birthday'), date(party.birthday)],
      [t('field.lunar_birthday'), lunarText(party.lunar_birthday)],
      [t('field.source'), label('source', party.source)],
      [t('field.external_id'), party.external_id],
      [t('field.owner_id'), userLabel(party.owner_id)],
      [t('field.communication'), commText.length ? commText.join('; ') : null],
      [t('field.created_at'), dateTime(party.created_at)],
      [t('field.updated_at'), dateTime(party.updated_at)],
    ]));
    const classes = card(t('customer.classification'), h('dl', { class: 'props classes' },
      CLASSIFICATIONS.map((c) => h('div', { class: 'prop' },
        h('dt', { text: t('field.' + c) }),
        h('dd', {}, party[c] ? h('span', { class: 'class-value', text: label(c, party[c]) }) : h('span', { class: 'muted', text: t('common.not_set') }),
          party[c] && t(`explain.${c}.${party[c]}`) !== `explain.${c}.${party[c]}` ? h('div', { class: 'explain', text: t(`explain.${c}.${party[c]}`) }) : null)))));
    const needs = dl([
      [t('field.needs'), party.needs],
      [t('field.characteristics'), party.characteristics],
      [t('field.contact_plan'), party.contact_plan],
      [t('field.notes'), party.notes],
    ], 'props props-block');
    const custom = Object.entries(party.custom || {});
    profile.classList.add('card-profile');
    replace(left, profile,
      card(t('customer.network'), networkBox, { cls: 'card-network', actions: canWrite ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', on: { click: addLink } }, icon('link'), t('network.add')) : null }),
      salesDocsCard(party, signal),
      classes,
      consentCard(party),
      card(t('scores.title'), scoresBox, { cls: 'card-scores' }),
      ...loyalty.el,
      needs.children.length ? card(t('customer.needs'), needs) : null,
      custom.length ? card(t('field.custom'), dl(custom.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))) : null);
  }

  // An organisation's page rolls up the activity of the people who work there
  // (works_at links): their timeline entries, tasks and purchases, marked as theirs.
  async function loadPeople() {
    people.clear();
    if (party.kind !== 'organization') return;
    try {
      const links = await api.listAll('/api/v1/links', { to_id: id, kind: 'works_at' }, { maxItems: 200, signal });
      const ps = await api.getMany('parties', links.items.map((l) => l.from_id).slice(0, 30), { signal });
      for (const [pid, p] of ps) people.set(pid, p);
    } catch (err) { if (err.name === 'AbortError') throw err; }
  }

  /** The next best action and the contact plan's next contact (issue 20). */
  async function loadNba() {
    try {
      const [a, nc] = await Promise.all([api.get(`${url}/next-action`, undefined, { signal }), api.get(`${url}/next-contact`, undefined, { signal })]);
      const plan = nc.next ? h('p', { class: ['plan-next', nc.next.overdue ? 'overdue' : ''], dataset: { overdue: String(nc.next.overdue) },
        text: t(nc.next.overdue ? 'nba.plan_overdue' : 'nba.plan_next', { plan: nc.next.plan_name, date: date(nc.next.due_at.slice(0, 10)) }) }) : null;
      replace(nbaBox, nbaView(a), plan);
    } catch (err) {
      if (err.name !== 'AbortError') replace(nbaBox, errorState(err, loadNba));
    }
  }

  async function loadNext() {
    try {
      const pages = await Promise.all([id, ...people.keys()].map((pid) => api.get('/api/v1/interactions', { party_id: pid, status: 'planned', limit: 100 }, { signal })));
      const planned = pages.flatMap((pg) => pg.items).filter((x) => x.due_at).sort((a, b) => a.due_at.localeCompare(b.due_at));
      if (!planned.length) {
        replace(nextBox, h('p', { class: 'muted', text: t('customer.no_next') }),
          canWrite ? h('button', { type: 'button', class: 'btn btn-sm', on: { click: planVisit } }, icon('calendar'), t('customer.plan_visit')) : null);
        return;
      }
      const row = (n, first) => {
        const overdue = new Date(n.due_at) < new Date();
        const whose = n.party_id !== id ? people.get(n.party_id) : null;
        return h('div', { class: 'next-row', dataset: { id: n.id } },
          h('span', { class: ['next-icon', overdue && 'overdue'], 'aria-hidden': 'true' }, icon(channelIcon(n.channel))),
          h('div', { class: 'next-text' },
            h('div', { class: 'next-title' }, n.subject || label('channel', n.channel), whose ? [' ', badge(t('company.theirs', { name: whose.name }), 'theirs')] : null),
            h('div', { class: ['muted', overdue && 'text-red'] },
              label('channel', n.channel), ' · ', h('time', { datetime: n.due_at, text: dateTime(n.due_at) }), ' (', relative(n.due_at), ')',
              first && planned.length > 1 && !people.size ? ' · ' + t('customer.more_planned', { count: planned.length - 1 }) : '')),
          canWrite ? h('div', { class: 'next-actions' },
            h('button', { type: 'button', class: 'btn btn-sm', on: { click: () => markDone(n) } }, icon('check'), t('tasks.mark_done')),
            h('button', { type: 'button', class: 'btn btn-sm btn-ghost', on: { click: async () => { if (await interactionDialog({ party: whose || party, item: n })) changed(); } } }, icon('edit'), t('activity.change_task'))) : null);
      };
      // A person's card shows the next contact; a company's every planned contact of it and its people (up to 10).
      replace(nextBox, (people.size ? planned.slice(0, 10) : planned.slice(0, 1)).map((n, i) => row(n, i === 0)),
        people.size && planned.length > 10 ? h('p', { class: 'muted small', text: t('customer.more_planned', { count: planned.length - 10 }) }) : null);
    } catch (err) {
      if (err.name !== 'AbortError') replace(nextBox, errorState(err));
    }
  }

  async function markDone(n) {
    try {
      await api.patch('/api/v1/interactions/' + n.id, { status: 'done', occurred_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }, n.version);
      toast(t('tasks.done_ok'));
      loadNext();
      tl.reload();
    } catch (err) { toast(errorText(err), 'error'); }
  }

  // ---- network ----
  async function loadNetwork() {
    try {
      const [from, to] = await Promise.all([
        api.get('/api/v1/links', { from_id: id, limit: 200 }, { signal }),
        api.get('/api/v1/links', { to_id: id, limit: 200 }, { signal }),
      ]);
      const names = await api.getMany('parties', [...from.items.map((l) => l.to_id), ...to.items.map((l) => l.from_id)].slice(0, 60), { signal });
      const groups = [
        ['network.works_at', from.items.filter((l) => l.kind === 'works_at'), 'to_id'],
        ['network.decision_unit', to.items.filter((l) => l.kind === 'works_at'), 'from_id'],
        ['network.referred_by', from.items.filter((l) => l.kind === 'referred_by'), 'to_id'],
        ['network.referred', to.items.filter((l) => l.kind === 'referred_by'), 'from_id'],
        ['network.parent', from.items.filter((l) => l.kind === 'subsidiary_of'), 'to_id'],
        ['network.subsidiaries', to.items.filter((l) => l.kind === 'subsidiary_of'), 'from_id'],
        ['network.knows', [...from.items, ...to.items].filter((l) => l.kind === 'knows'), null],
        ['network.family', [...from.items, ...to.items].filter((l) => l.kind === 'family'), null],
      ].filter((g) => g[1].length);
      if (!groups.length) { replace(networkBox, h('p', { class: 'muted', text: t('network.empty') })); return; }
      replace(networkBox, groups.map(([key, links, side]) => h('div', { class: 'net-group' },
        h('h3', { text: t(key) }),
        h('ul', { class: 'net-list' }, links.map((l) => {
          const other = side ? l[side] : (l.from_id === id ? l.to_id : l.from_id);
          const p = names.get(other);
          return h('li', { class: 'net-item' },
            h('span', { class: ['avatar', 'avatar-sm', p && p.kind === 'organization' && 'avatar-org'], 'aria-hidden': 'true', text: initials(p ? p.name : '?') }),
            h('div', { class: 'net-text' },
              p ? h('a', { href: '/customers/' + other, text: p.name }) : h('span', { class: 'muted', text: t('network.unknown', { id: other }) }),
              h('div', { class: 'muted small', text: [l.decision_role ? label('decision_role', l.decision_role) : '', l.title, l.since ? t('network.since', { date: date(l.since) }) : ''].filter(Boolean).join(' · ') })),
            canWrite ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('network.remove', { name: p ? p.name : '#' + other }), on: { click: () => removeLink(l, p) } }, icon('close')) : null);
        })))));
    } catch (err) {
      if (err.name !== 'AbortError') replace(networkBox, errorState(err));
    }
  }

  async function removeLink(l, p) {
    if (!await confirmDialog(t('network.remove_title'), t('network.remove_text', { name: p ? p.name : '#' + l.id }), t('action.remove'), 'danger')) return;
    try { await api.del('/api/v1/links/' + l.id); toast(t('network.removed')); loadNetwork(); } catch (err) { toast(errorText(err), 'error'); }
  }

  async function addLink() {
    const picker = partyPicker({ excludeId: id });
    const kind = field({ label: t('field.link_kind'), type: 'select', options: vocabOptions('link_kind', VOCAB.link_kind), value: party.kind === 'person' ? 'works_at' : 'subsidiary_of' });
    const role = field({ label: t('field.decision_role'), type: 'select', options: vocabOptions('decision_role', VOCAB.decision_role, t('common.none')) });
    const title = field({ label: t('field.title'), attrs: { maxlength: '200' } });
    const syncRole = () => { role.wrap.hidden = kind.input.value !== 'works_at'; title.wrap.hidden = kind.input.value !== 'works_at'; };
    kind.input.addEventListener('change', syncRole);
    syncRole();
    const r = await dialog({
      title: t('network.add_title', { name: party.name }), wide: true,
      build: (body) => body.append(h('p', { class: 'muted', text: t('network.add_help') }), kind.wrap, picker.el, h('div', { class: 'form-grid' }, role.wrap, title.wrap)),
      buttons: [{ label: t('action.cancel') }, { label: t('network.add'), kind: 'primary', submit: true, onClick: async () => {
        const other = picker.value();
        if (!other) throw new Error(t('picker.choose'));
        const body = { from_id: id, to_id: other.id, kind: kind.input.value };
        if (kind.input.value === 'works_at') {
          if (role.input.value) body.decision_role = role.input.value;
          if (title.input.value.trim()) body.title = title.input.value.trim();
        }
        return api.post('/api/v1/links', body);
      } }],
    });
    if (r) { toast(t('network.added')); loadNetwork(); tl.reload(); }
  }

  // ---- quick actions and corrections (activity.js) ----
  const changed = () => { tl.reload(); loadNext(); };
  const logCall = async () => { if (await interactionDialog({ party, channel: 'call' })) changed(); };
  const planVisit = async () => { if (await interactionDialog({ party, channel: 'visit', planned: true })) changed(); };
  const addNote = async () => { if (await noteDialog({ party })) tl.reload(); };
  const recordTxn = async () => { if (await transactionDialog({ party })) tl.reload(); };
  function activityActions(type, item, of) {
    if (!canWrite) return null;
    const what = t('activity.kind_' + type);
    return [
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('activity.edit', { what }), title: t('activity.edit', { what }),
        on: { click: async () => { if (await editActivity(type, item, of || party)) changed(); } } }, icon('edit')),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('activity.delete', { what }), title: t('activity.delete', { what }),
        on: { click: async () => { if (await deleteActivity(type, item)) changed(); } } }, icon('close')),
    ];
  }

  // ---- edit with optimistic concurrency ----
  async function edit() {
    const form = partyForm(party);
    const r = await dialog({
      title: t('customer.edit_title', { name: party.name }), wide: true,
      build: (b) => b.append(form.el),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: async (close) => {
        const changes = form.changes();
        if (!Object.keys(changes).length) return { unchanged: true };
        try {
          return await form.submit((body) => api.patch(url, body, party.version));
        } catch (err) {
          if (api.isConflict(err)) { close({ conflict: changes }); return false; }
          throw err;
        }
      } }],
    });
    if (!r || r.unchanged) return;
    if (r.conflict) { await resolveConflict(r.conflict); return; }
    party = r;
    toast(t('customer.saved'));
    redraw();
    tl.reload();
  }

  async function resolveConflict(mine) {
    let latest;
    try { latest = await api.get(url); } catch (err) { toast(errorText(err), 'error'); return; }
    const fields = Object.keys(mine);
    const fmt = (k, v) => (v === null || v === undefined || v === '' ? '∅' : Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v)
      : CLASSIFICATIONS.includes(k) || k === 'kind' || k === 'source' ? label(k, v) : String(v));
    const choice = await dialog({
      title: t('conflict.title'), wide: true,
      build: (b) => b.append(
        h('p', { text: t('conflict.text', { name: latest.name }) }),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table table-compact' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('conflict.field') }), h('th', { scope: 'col', text: t('conflict.theirs') }), h('th', { scope: 'col', text: t('conflict.mine') }))),
          h('tbody', {}, fields.map((k) => h('tr', {}, h('th', { scope: 'row', text: fieldLabel(k) }), h('td', { text: fmt(k, latest[k]) }), h('td', { text: fmt(k, mine[k]) }))))))),
      buttons: [
        { label: t('conflict.discard'), onClick: () => 'discard' },
        { label: t('conflict.keep_mine'), kind: 'primary', submit: true, onClick: () => api.patch(url, mine, latest.version) },
      ],
    });
    if (choice && choice !== 'discard') { party = choice; toast(t('customer.saved')); }
    else { party = latest; toast(t('conflict.reloaded'), 'info'); }
    redraw();
    tl.reload();
  }

  // ---- merge a duplicate into this party ----
  async function merge() {
    const picker = partyPicker({ excludeId: id, labelText: t('merge.search') });
    const r = await dialog({
      title: t('merge.title', { name: party.name }), wide: true,
      build: (b) => b.append(h('p', { class: 'muted', text: t('merge.help', { name: party.name }) }), picker.el),
      buttons: [{ label: t('action.cancel') }, { label: t('merge.submit'), kind: 'danger', submit: true, onClick: () => {
        const dup = picker.value();
        if (!dup) throw new Error(t('picker.choose'));
        return api.post(url + '/merge', { duplicate_id: dup.id }).then((p) => ({ p, dup }));
      } }],
    });
    if (!r) return;
    party = r.p;
    toast(t('merge.done', { dup: r.dup.name, name: party.name }));
    redraw();
    tl.reload();
    loadNetwork();
    loadNext();
  }

  // A prospect is someone who has not bought yet (D1): one with a purchase is offered the move to customer,
  // so the role and the scores never disagree silently (issue 15 item 14).
  const prospectBox = h('div', { class: 'prospect-note', hidden: true });
  head.after(prospectBox);
  async function checkProspect() {
    const roles = party.roles || [];
    if (!roles.includes('prospect') || roles.includes('customer')) { prospectBox.hidden = true; return; }
    try {
      const bought = await api.get('/api/v1/transactions', { party_id: id, limit: 1 }, { signal });
      if (!bought.items.length) { prospectBox.hidden = true; return; }
      replace(prospectBox, h('div', { class: 'notice', role: 'status' }, icon('alert'),
        h('span', { text: t('customer.prospect_bought') }),
        canWrite ? h('button', { type: 'button', class: 'btn btn-sm btn-primary', on: { click: async () => {
          try {
            party = await api.patch(url, { roles: [...roles.filter((r) => r !== 'prospect'), 'customer'] }, party.version);
            toast(t('customer.now_customer', { name: party.name }));
            redraw();
            tl.reload();
          } catch (err) { toast(errorText(err), 'error'); }
        } } }, t('customer.make_customer')) : null));
      prospectBox.hidden = false;
    } catch (err) { if (err.name !== 'AbortError') prospectBox.hidden = true; }
  }

  function redraw() { drawHead(); drawLeft(); loadNetwork(); checkProspect(); }

  drawHead();
  drawLeft();
  checkProspect();
  const peopleP = loadPeople();
  await Promise.all([peopleP.then(() => Promise.all([tl.reload(), loadNext()])), loadNba(), loadNetwork(), loadScores(scoresBox, id, { signal }),
    loyalty.load()]);
}

/** A lunar birthday {month, day, leap} as 农历 text: "闰二月初十" / "Lunar 2/10 (leap month)". */
function lunarText(l) {
  if (!l || !l.month) return null;
  return t(l.leap ? 'lunar.date_leap' : 'lunar.date', { month: l.month, day: l.day });
}

function initials(name) {
  const s = String(name || '?').trim();
  if (/^[\u3400-\u9fff]/.test(s)) return s.slice(0, 1);
  return s.split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase() || '?';
}
