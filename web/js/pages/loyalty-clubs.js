// loyalty-clubs: a club's members (DOMAIN D7, the social level) in a dialog
// opened from the loyalty page — who belongs, at which level, since when and
// until when, the fee paid and how many of the club's events each attended;
// joining a customer (party picker, level, day, fee) and recording a leave
// (left_on today). API: GET/POST/PATCH /api/v1/club-members,
// GET /api/v1/club-events?club_id, GET /api/v1/event-attendances?event_id.
import { h, replace } from '../dom.js';
import { t, money, toMinor, date, dayKey } from '../i18n.js';
import * as api from '../api.js';
import { field, dialog, toast, errorText, badge } from '../ui.js';
import { partyPicker } from './party-picker.js';

const can = (perm, action) => {
  const p = (api.user() && api.user().permissions && api.user().permissions[perm]) || {};
  return p[action] && p[action] !== 'none';
};

// party id → events of this club they attended.
async function attendedCounts(club, signal) {
  const counts = new Map();
  const evs = await api.get('/api/v1/club-events', { club_id: club.id, limit: 100 }, { signal });
  await Promise.all(evs.items.map(async (ev) => {
    const r = await api.get('/api/v1/event-attendances', { event_id: ev.id, status: 'attended', limit: 500 }, { signal });
    for (const a of r.items) counts.set(a.party_id, (counts.get(a.party_id) || 0) + 1);
  }));
  return { counts, events: evs.items.length };
}

export async function clubMembers(club, signal) {
  const canJoin = can('club-members', 'create'), canLeave = can('club-members', 'update');
  const box = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('loy2.members_of', { name: club.name }) });
  const draw = async () => {
    const [r, att] = await Promise.all([api.get('/api/v1/club-members', { club_id: club.id, limit: 500, sort: 'joined_on' }, { signal }),
      attendedCounts(club, signal)]);
    const names = await api.getMany('parties', r.items.map((m) => m.party_id), { signal });
    if (!r.items.length) { replace(box, h('p', { class: 'muted', text: t('loy2.no_members') })); return; }
    const today = dayKey();
    const rows = r.items.map((m) => {
      const name = names.get(m.party_id) ? names.get(m.party_id).name : '#' + m.party_id;
      const active = !m.left_on || m.left_on > today;
      return h('tr', { dataset: { id: m.id, party: m.party_id } },
        h('td', {}, h('a', { href: '/customers/' + m.party_id, text: name })),
        h('td', { text: m.level || '—' }),
        h('td', { text: date(m.joined_on) }),
        h('td', {}, active ? badge(t('loy2.member_active'), 'green') : h('span', { text: date(m.left_on) })),
        h('td', { text: m.fee ? money(m.fee) : '' }),
        h('td', { class: 'num', text: t('loy2.attended_n', { n: att.counts.get(m.party_id) || 0, of: att.events }) }),
        h('td', { class: 'row-actions' }, canLeave && active ? h('button', { type: 'button', class: 'btn btn-sm',
          'aria-label': t('loy2.leave_of', { name }), text: t('loy2.leave'), on: { click: async () => {
            try {
              await api.patch('/api/v1/club-members/' + m.id, { left_on: today }, m.version);
              toast(t('loy2.left', { name }));
            } catch (err) { toast(errorText(err), 'error'); }
            draw();
          } } }) : null));
    });
    replace(box, h('table', { class: 'table club-members-table' },
      h('caption', { class: 'sr-only', text: t('loy2.members_of', { name: club.name }) }),
      h('thead', {}, h('tr', {}, ['name', 'level', 'joined', 'left', 'fee', 'attended'].map((k) => h('th', { scope: 'col', text: t('loy2.col_' + k) })),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only', text: t('loy2.leave') })))),
      h('tbody', {}, rows)));
  };
  const picker = partyPicker({ labelText: t('loy2.join_search') });
  const levels = club.membership_levels || [];
  const level = field({ label: t('loy2.col_level'), type: 'select', value: levels[0] || '',
    options: [{ value: '', label: '—' }, ...levels.map((l) => ({ value: l, label: l }))] });
  const joined = field({ label: t('loy2.col_joined'), type: 'date', value: dayKey() });
  const fee = field({ label: t('loy2.col_fee'), value: club.annual_fee ? String(club.annual_fee.amount / 100) : '', attrs: { inputmode: 'decimal' } });
  try { await draw(); } catch (err) { replace(box, h('p', { class: 'error', text: errorText(err) })); }
  await dialog({ title: t('loy2.members_of', { name: club.name }), wide: true,
    build: (b) => b.append(box, canJoin ? h('div', { class: 'club-join' }, h('h3', { text: t('loy2.join') }), picker.el,
      h('div', { class: 'form-grid' }, level.wrap, joined.wrap, fee.wrap)) : ''),
    buttons: [{ label: t('action.close') }, ...(canJoin ? [{ label: t('loy2.join'), kind: 'primary', submit: true, onClick: async () => {
      const p = picker.value();
      if (!p) throw new Error(t('picker.choose'));
      const body = { club_id: club.id, party_id: p.id, joined_on: joined.input.value || dayKey() };
      if (level.input.value) body.level = level.input.value;
      if (fee.input.value.trim()) {
        const cur = club.annual_fee ? club.annual_fee.currency : 'CNY';
        const a = toMinor(fee.input.value.trim(), cur);
        if (a === null) { fee.input.focus(); throw new Error(t('form.amount_invalid')); }
        body.fee = { amount: a, currency: cur };
      }
      await api.post('/api/v1/club-members', body);
      toast(t('loy2.joined', { name: p.name }));
      await draw();
      return false;
    } }] : [])] });
}
