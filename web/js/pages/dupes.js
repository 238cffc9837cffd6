// dupes: the duplicate warning of a manual create (issue 15 item 2). Before
// a new party is saved, the parties the user may read whose name, e-mail or
// phone matches are looked up (the list's search, q=, which covers names,
// e-mails and phones in any spelling) and shown first: open one instead,
// merge the new details into it (the new record is created and merged into
// the existing one at once, so lists are united and empty fields filled, as
// a merge does), or create it anyway.
import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import * as api from '../api.js';
import { dialog } from '../ui.js';

const norm = (s) => String(s || '').normalize('NFKC').toLowerCase().replace(/\s+/g, '');
const digits = (s) => String(s || '').replace(/\D/g, '');

/** Parties matching body's name, e-mails or phones: [{party, why: ['name'|'email'|'phone']}]. */
export async function findDuplicates(body, { signal } = {}) {
  const emails = (body.emails || []).map((e) => e.toLowerCase());
  const phones = (body.phones || []).map(digits).filter((d) => d.length >= 4);
  const queries = [body.name, ...emails, ...phones].filter(Boolean).slice(0, 8);
  const pages = await Promise.all(queries.map((q) => api.get('/api/v1/parties', { q, limit: 20 }, { signal }).catch(() => ({ items: [] }))));
  const found = new Map();
  for (const p of pages.flatMap((pg) => pg.items)) {
    if (found.has(p.id)) continue;
    const why = [];
    if (body.name && norm(p.name) === norm(body.name)) why.push('name');
    if ((p.emails || []).some((e) => emails.includes(String(e).toLowerCase()))) why.push('email');
    if ((p.phones || []).some((x) => { const d = digits(x); return phones.some((y) => d === y || (d.length >= 8 && y.length >= 8 && d.slice(-8) === y.slice(-8))); })) why.push('phone');
    if (why.length) found.set(p.id, { party: p, why });
  }
  // The strongest matches first: e-mail and phone before a name alone.
  return [...found.values()].sort((a, b) => b.why.length - a.why.length || (b.why.includes('name') ? -1 : 1));
}

/**
 * Shows the candidates; resolves to {action: 'open'|'merge', party} or
 * {action: 'create'} or {action: 'back'} (to the form) or undefined.
 */
export function duplicateDialog(name, candidates) {
  return dialog({
    title: t('dupes.title', { name }), wide: true,
    build: (body, close) => body.append(
      h('p', { text: t('dupes.help', { count: candidates.length }) }),
      h('ul', { class: 'dupes' }, candidates.map(({ party: p, why }) => h('li', { class: 'dupe', dataset: { id: p.id } },
        h('div', { class: 'dupe-text' },
          h('strong', { text: p.name }),
          h('div', { class: 'muted small', text: [label('kind', p.kind), (p.roles || []).map((r) => label('role', r)).join(', '), p.city,
            (p.phones || [])[0], (p.emails || [])[0]].filter(Boolean).join(' · ') }),
          h('div', { class: 'small text-red', text: t('dupes.same', { what: why.map((w) => t('dupes.why_' + w)).join(t('dupes.and')) }) })),
        h('div', { class: 'dupe-actions' },
          h('button', { type: 'button', class: 'btn btn-sm', text: t('dupes.open'), 'aria-label': t('dupes.open_named', { name: p.name }), on: { click: () => close({ action: 'open', party: p }) } }),
          h('button', { type: 'button', class: 'btn btn-sm btn-primary', text: t('dupes.merge'), 'aria-label': t('dupes.merge_named', { name: p.name }), on: { click: () => close({ action: 'merge', party: p }) } })))))),
    buttons: [
      { label: t('dupes.back'), onClick: () => ({ action: 'back' }) },
      { label: t('dupes.create_anyway'), kind: 'danger', onClick: () => ({ action: 'create' }) },
    ],
  });
}
