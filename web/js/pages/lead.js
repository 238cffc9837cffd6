// lead: one lead (issue 18) — its details, who has it and how it was
// assigned, the consent it came with, its possible duplicates (as of now,
// linked to the party or lead), the status moves (work on it, disqualify
// with a reason, reopen), the conversion, and its history.
// API: GET/PATCH /api/v1/leads/{id}, GET /api/v1/leads/{id}/duplicates,
// GET /api/v1/leads/{id}/timeline, POST /api/v1/leads/{id}/convert.
import { h, replace } from '../dom.js';
import { t, label, dateTime } from '../i18n.js';
import * as api from '../api.js';
import { navigate } from '../router.js';
import { field, dialog, toast, errorState, errorText, badge, card, dl } from '../ui.js';
import { ensureUsers, userLabel } from '../users.js';
import { convertDialog } from './lead-convert.js';
import { STATUS_COLOUR } from './leads.js';

export async function render(ctx) {
  const { main, params, signal } = ctx;
  const id = Number(params.id);
  await ensureUsers();
  const perms = (api.user() && api.user().permissions && api.user().permissions.leads) || {};
  const canUpdate = perms.update && perms.update !== 'none';
  const box = h('div', { class: 'page' });
  main.append(box);

  async function load() {
    let lead, dups, history;
    try {
      [lead, dups, history] = await Promise.all([api.get(`/api/v1/leads/${id}`, undefined, { signal }),
        api.get(`/api/v1/leads/${id}/duplicates`, undefined, { signal }), api.get(`/api/v1/leads/${id}/timeline`, undefined, { signal })]);
    } catch (err) {
      if (err.name !== 'AbortError') replace(box, errorState(err, load));
      return;
    }
    const open = ['new', 'working'].includes(lead.status);
    const actions = canUpdate ? [
      lead.status === 'new' ? h('button', { type: 'button', class: 'btn', text: t('leads.work'), on: { click: () => move(lead, { status: 'working' }) } }) : null,
      lead.status === 'disqualified' ? h('button', { type: 'button', class: 'btn', text: t('leads.reopen'), on: { click: () => move(lead, { status: 'working' }) } }) : null,
      open ? h('button', { type: 'button', class: 'btn', text: t('leads.disqualify'), on: { click: () => disqualify(lead) } }) : null,
      open ? h('button', { type: 'button', class: 'btn btn-primary', text: t('leads.convert'), on: { click: () => convert(lead) } }) : null,
    ] : [];
    const dupList = dups.items.length
      ? h('ul', { class: 'dup-list' }, dups.items.map((d) => h('li', {},
        h('a', { href: d.type === 'party' ? '/customers/' + d.id : '/leads/' + d.id, text: d.name }),
        ' ', badge(t('leads.dup_' + d.type), d.type === 'party' ? 'blue' : 'grey'), ' ',
        h('span', { class: 'muted', text: t('leads.matched_' + d.matched_on) }))))
      : h('p', { class: 'muted', text: t('leads.no_dups') });
    replace(box,
      h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: lead.name }),
        h('p', { class: 'muted' }, [lead.title, lead.company].filter(Boolean).join(' · '), ' ', badge(t('leads.s_' + lead.status), STATUS_COLOUR[lead.status]))),
        h('div', { class: 'head-actions' }, actions)),
      dups.items.length && open ? h('div', { class: 'notice dup-warn', role: 'note', text: t('leads.dup_count', { count: dups.items.length }) }) : null,
      h('div', { class: 'settings-grid' },
        card(t('leads.details'), dl([
          [t('field.emails'), (lead.emails || []).join(', ')], [t('field.phones'), (lead.phones || []).join(', ')],
          [t('field.source'), label('source', lead.source)], [t('leads.territory'), lead.territory || ''],
          [t('field.industry'), lead.industry || ''], [t('leads.notes'), lead.notes || ''],
          lead.disqualify_reason ? [t('leads.reason'), lead.disqualify_reason] : null,
        ].filter(Boolean))),
        card(t('leads.assignment'), dl([
          [t('leads.col_owner'), lead.owner_id ? userLabel(lead.owner_id) : t('leads.unassigned')],
          [t('leads.assigned'), lead.assignment_rule_id ? t('leads.by_rule_at', { when: dateTime(lead.assigned_at) }) : t('leads.by_hand')],
          [t('leads.consent'), lead.consent_text ? `${lead.consent_text} (${dateTime(lead.consent_at)})` : t('leads.no_consent')],
          lead.converted_party_id ? [t('leads.became'), h('a', { href: '/customers/' + lead.converted_party_id, text: t('leads.open_customer') })] : null,
        ].filter(Boolean))),
        card(t('leads.duplicates'), dupList),
        card(t('leads.history'), h('ul', { class: 'upcoming' }, history.items.map((i) => h('li', {},
          h('span', { class: 'up-name', text: t('leads.h_' + i.item.action) }), ' ',
          h('span', { class: 'muted', text: `${dateTime(i.at)} · ${i.item.user_id ? userLabel(i.item.user_id) : t('leads.system')}` })))))));
  }

  async function move(lead, patch) {
    try { await api.patch(`/api/v1/leads/${lead.id}`, patch, lead.version); toast(t('leads.saved', { name: lead.name })); } catch (err) { toast(errorText(err), 'error'); }
    load();
  }

  async function disqualify(lead) {
    const reason = field({ label: t('leads.reason'), required: true, attrs: { maxlength: '500' } });
    const r = await dialog({
      title: t('leads.disqualify_title', { name: lead.name }),
      build: (b) => b.append(reason.wrap),
      buttons: [{ label: t('action.cancel') }, { label: t('leads.disqualify'), kind: 'primary', submit: true,
        onClick: () => api.patch(`/api/v1/leads/${lead.id}`, { status: 'disqualified', disqualify_reason: reason.input.value.trim() }, lead.version) }],
    });
    if (r) { toast(t('leads.saved', { name: lead.name })); load(); }
  }

  async function convert(lead) {
    try {
      const r = await convertDialog(lead);
      if (r) { toast(t('leads.converted', { name: lead.name })); navigate('/customers/' + r.party_id); }
    } catch (err) { toast(errorText(err), 'error'); load(); }
  }

  await load();
}
