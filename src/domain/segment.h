/* segment: a saved customer filter. A segment is a party-list query string —
 * the parameters of GET /api/v1/parties, e.g. "tier=platinum&tags=vip" —
 * resolved to party ids by the one list-query builder (api/res_query.c), so
 * every filter of the list (fields, custom fields, the analytics labels
 * tier / lifecycle / strategy / rfm_segment, search) means the same here,
 * and within an access scope: the caller's, or for scheduled work the scope
 * of the record's owner (a contact plan's, a campaign's). Used by contact
 * plans (domain/contact_plan.c) and campaigns. */
#ifndef RAPPORT_SEGMENT_H
#define RAPPORT_SEGMENT_H
#include "api/resource.h"
#include "db/db.h"
#include "http/http.h"
#include <stddef.h>
#include <stdint.h>

/* Checks that text is a valid segment (filters the party list knows, at
 * most 2000 bytes) for a writer of role (NULL: a system job): a filter by a
 * field or figure hidden from that role is refused, as in the list. 0, or
 * -1 with e (422, field set to field). */
int segment_check(const char *text, const char *field, const char *role, struct verr *e);

/* Loads the scope user of user id user_id (role, team) into out; id 0, a
 * missing or disabled user: an admin-scoped system user (every party).
 * Returns 0 when out is the user, 1 when it is the system scope. */
int segment_scope_user(db *c, int64_t user_id, struct auth_user *out);

/* Resolves text to the ids of the matching, non-deleted parties within
 * u's read scope (u NULL: every party), ascending. *ids (malloc'd, the
 * caller frees it) and *n are set on success. 0, or -1 with e. */
int segment_resolve(db *c, const char *text, const struct auth_user *u, int64_t **ids, size_t *n, struct verr *e);

/* Whether sorted ids (n of them) hold id (binary search). */
bool segment_has(const int64_t *ids, size_t n, int64_t id);
#endif
