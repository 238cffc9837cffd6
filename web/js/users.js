// users: the names of the users (owners, authors, task holders), loaded once
// per session from GET /api/v1/users. Roles that may not list users see
// "User #id" instead.
import * as api from './api.js';
import { t } from './i18n.js';

let loading = null;
const byId = new Map();

/** Loads the user list once; never rejects. */
export function ensureUsers() {
  if (!loading) {
    loading = api.listAll('/api/v1/users', {}, { maxItems: 2000 })
      .then(({ items }) => { for (const u of items) byId.set(u.id, u); })
      .catch(() => { /* not allowed or not available: ids are shown */ });
  }
  return loading;
}

/** Forgets the list (after logging out). */
export function resetUsers() { loading = null; byId.clear(); }

/** "Me", the user's name, or "User #id". */
export function userLabel(id) {
  if (id === null || id === undefined) return '';
  const me = api.user();
  if (me && me.id === id) return t('common.me');
  const u = byId.get(id);
  return u ? (u.name || u.email) : t('common.user_n', { id });
}

/** The known users, for choosing an owner. */
export function userList() { return [...byId.values()].filter((u) => !u.disabled); }
