// case: one case (issue 19) — its details and both SLA clocks, the status
// moves its workflow allows (read from GET /api/v1/record-types), the
// thread of messages (ours and the customer's) with a form to add one, the
// remedy and its cost on a complaint or grievance, and a one-time survey
// link once it is resolved. API: GET/PATCH /api/v1/cases/{id},
// GET/POST /api/v1/cases/{id}/messages, POST /api/v1/surveys.
import { h, replace } from '../dom.js';
import { t, dateTime, money, toMinor } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorState, errorText, card, dl } from '../ui.js';
import { priorityBadge, statusBadge, targetClock } from './service-common.js';

export async function render(ctx) {
  const { main, params, signal } = ctx;
  const id = params.id;
  let c, wf;
  const box = h('div', { class: 'page case-page' });
  main.append(box);
  try {
    wf = (await api.get('/api/v1/record-types', undefined, { signal })).types.find((x) => x.type === 'case').workflow;
  } catch (err) {
    if (err.name !== 'AbortError') box.append(errorState(err));
    return;
  }
  const perms = (api.user().permissions && api.user().permissions.cases) || {};
  const canUpdate = perms.update && perms.update !== 'none';

  async function load() {
    try {
      c = await api.get('/api/v1/cases/' + id, undefined, { signal });
      const [thread, party, contact, product] = await Promise.all([api.get(`/api/v1/cases/${id}/messages`, undefined, { signal }),
        api.get('/api/v1/parties/' + c.party_id, undefined, { signal }).catch(() => null),
        c.contact_id ? api.get('/api/v1/parties/' + c.contact_id, undefined, { signal }).catch(() => null) : null,
        c.product_id ? api.get('/api/v1/products/' + c.product_id, undefined, { signal }).catch(() => null) : null]);
      draw(thread.items, party, { contact, product });
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
    }
  }

  const clockDd = (target) => {
    const k = targetClock(c, target);
    return h('span', {}, c[target + '_due_at'] ? dateTime(c[target + '_due_at']) + ' · ' : '', h('span', { class: ['sla-clock', 'sla-' + k.kind], dataset: { clock: target } }, k.text));
  };

  function draw(messages, party, more = {}) {
    const moves = wf.transitions.filter((m) => m.from === c.status);
    const complaint = c.kind === 'complaint' || c.kind === 'grievance';
    const details = dl([
      [t('service.col_kind'), t('service.k_' + c.kind)],
      [t('service.col_priority'), priorityBadge(c.priority)],
      [t('service.col_status'), statusBadge(c.status)],
      [t('service.customer'), party ? h('a', { href: '/customers/' + party.id, text: party.name }) : '#' + c.party_id],
      [t('field.category'), c.category || '—'],
      [t('scase.contact_person'), !c.contact_id ? null : more.contact ? h('a', { href: '/customers/' + c.contact_id, text: more.contact.name }) : '#' + c.contact_id],
      [t('scase.product'), !c.product_id ? null : more.product ? more.product.name : '#' + c.product_id],
      [t('scase.order'), c.order_id ? h('a', { href: '/orders/' + c.order_id, text: '#' + c.order_id }) : null],
      [t('service.opened_at'), dateTime(c.opened_at)],
      [t('service.target_first_response'), clockDd('first_response')],
      [t('service.target_resolution'), clockDd('resolution')],
      [t('service.reopens'), String(c.reopen_count)],
      [t('service.escalations'), String(c.escalation_level)],
    ]);
    const thread = h('ol', { class: 'case-thread' }, messages.map((m) => h('li', { class: ['msg', 'msg-' + m.direction], dataset: { id: m.id } },
      h('div', { class: 'msg-head muted small', text: t('service.from_' + m.direction) + ' · ' + dateTime(m.at) }),
      h('div', { class: 'msg-body', text: m.body }))));
    const body = field({ label: t('service.message'), type: 'textarea', rows: 3 });
    const dir = field({ label: t('service.direction'), type: 'select', value: 'ours',
      options: ['ours', 'theirs'].map((d) => ({ value: d, label: t('service.from_' + d) })) });
    const send = h('form', { class: 'case-reply', on: { submit: async (e) => {
      e.preventDefault();
      const text = body.input.value.trim();
      if (!text) { body.input.focus(); return; }
      try {
        await api.post(`/api/v1/cases/${id}/messages`, { direction: dir.input.value, body: text });
        toast(t('service.message_sent'));
        load();
      } catch (err) { toast(errorText(err), 'error'); }
    } } }, body.wrap, h('div', { class: 'form-row' }, dir.wrap, h('button', { type: 'submit', class: 'btn btn-primary', text: t('service.send') })));
    const survey = h('div', { class: 'survey-link' });
    replace(box,
      h('div', { class: 'page-head' }, h('div', {}, h('p', { class: 'muted', text: '#' + c.id }), h('h1', { text: c.subject })),
        canUpdate ? h('div', { class: 'head-actions' }, moves.map((m) => h('button', { type: 'button', class: 'btn', dataset: { move: m.to },
          text: t(m.to === 'open' && ['resolved', 'closed'].includes(m.from) ? 'service.reopen' : 'service.move_' + m.to), on: { click: () => move(m.to) } })),
        ['resolved', 'closed'].includes(c.status) ? h('button', { type: 'button', class: 'btn', text: t('service.make_survey'), on: { click: () => makeSurvey(survey) } }) : null) : null),
      survey,
      h('div', { class: 'grid-2' },
        card(t('service.details'), details),
        complaint ? card(t('service.remedy'), dl([[t('service.remedy'), c.remedy || '—'], [t('service.remedy_cost'), c.remedy_cost ? money(c.remedy_cost) : '—']]),
          { actions: canUpdate ? h('button', { type: 'button', class: 'btn btn-sm', text: t('action.edit'), on: { click: editRemedy } }) : null }) : null),
      card(t('service.thread'), h('div', {}, c.description ? h('p', { class: 'case-description', text: c.description }) : null,
        messages.length ? thread : h('p', { class: 'muted', text: t('service.no_messages') }), canUpdate ? send : null)));
  }

  async function move(to) {
    try {
      await api.patch('/api/v1/cases/' + id, { status: to }, c.version);
      toast(t('service.moved', { to: t('service.s_' + to) }));
    } catch (err) { toast(errorText(err), 'error'); }
    load();
  }

  async function makeSurvey(el) {
    try {
      const s = await api.post('/api/v1/surveys', { case_id: c.id });
      const url = s.url;   // absolute: under the public address when one is set
      replace(el, h('p', {}, t('service.survey_made') + ' ', h('a', { href: url, target: '_blank', rel: 'noopener', text: url })));
    } catch (err) { toast(errorText(err), 'error'); }
  }

  async function editRemedy() {
    const cur = (c.remedy_cost && c.remedy_cost.currency) || 'CNY';
    const f = {
      remedy: field({ label: t('service.remedy'), type: 'textarea', value: c.remedy || '' }),
      cost: field({ label: t('service.remedy_cost'), value: c.remedy_cost ? String(c.remedy_cost.amount / 100) : '', attrs: { inputmode: 'decimal' } }),
    };
    const r = await dialog({
      title: t('service.remedy'),
      build: (b) => b.append(f.remedy.wrap, f.cost.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('action.save'), kind: 'primary', submit: true, onClick: () => {
        const body = { remedy: f.remedy.input.value.trim() || null };
        const v = f.cost.input.value.trim();
        if (v) {
          const a = toMinor(v, cur);
          if (a === null) { f.cost.input.focus(); throw new Error(t('form.amount_invalid')); }
          body.remedy_cost = { amount: a, currency: cur };
        } else body.remedy_cost = null;
        return api.patch('/api/v1/cases/' + id, body, c.version);
      } }],
    });
    if (r) { toast(t('service.saved')); load(); }
  }

  await load();
}
