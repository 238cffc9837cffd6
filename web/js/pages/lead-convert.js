// lead-convert: the dialog that converts a lead (POST /api/v1/leads/{id}/convert)
// — into a new person, or into an existing one (the lead's duplicates among
// the parties are offered first, or any id), with or without an opportunity.
// Resolves with the server's answer {party_id, organization_id,
// opportunity_id}, or null when cancelled. Shared by the inbox and the lead page.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, showFieldErrors } from '../ui.js';

export async function convertDialog(lead) {
  const parties = (lead.duplicates || []).filter((d) => d.type === 'party');
  const target = field({ label: t('leads.convert_into'), type: 'select', value: '', options: [{ value: '', label: t('leads.convert_new') }]
    .concat(parties.map((d) => ({ value: String(d.id), label: t('leads.convert_existing', { name: d.name, id: d.id }) }))) });
  const other = field({ label: t('leads.convert_party_id'), type: 'number', value: '', attrs: { min: '1' }, hint: t('leads.convert_party_hint') });
  const opp = field({ label: t('leads.convert_opportunity'), type: 'checkbox', value: true });
  return dialog({
    title: t('leads.convert_title', { name: lead.name }),
    build: (b) => b.append(h('p', { class: 'muted', text: lead.company ? t('leads.convert_org', { company: lead.company }) : t('leads.convert_no_org') }),
      target.wrap, other.wrap, opp.wrap),
    buttons: [{ label: t('action.cancel') }, { label: t('leads.convert'), kind: 'primary', submit: true, onClick: async () => {
      const pid = Number(target.input.value || other.input.value || 0);
      const body = { create_opportunity: opp.input.checked };
      if (pid) body.party_id = pid;
      try {
        return await api.post(`/api/v1/leads/${lead.id}/convert`, body);
      } catch (err) {
        if (err.field === 'party_id' && showFieldErrors(err, { party_id: other })) return false;
        throw err;
      }
    } }],
  });
}
