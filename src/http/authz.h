/* authz: the one place that decides what a user may see and do.
 *
 * Three questions, all answered here and nowhere else:
 *  - may this role perform this action on this kind of record at all, and
 *    on which records — none, its own, its team's, or all (authz_scope);
 *  - is this particular record within that scope (authz_party_in_scope, and
 *    the SQL predicates that list queries add: authz_party_predicate);
 *  - may this role see / change this field (authz_field).
 * Records that belong to a party (links, interactions, transactions, notes)
 * take the visibility of their party. The role × entity × action table and
 * the field table live in the database (role_permission, field_permission),
 * editable by an admin, and are cached here. */
#ifndef RAPPORT_AUTHZ_H
#define RAPPORT_AUTHZ_H
#include "db/db.h"
#include "http/http.h"
#include <stdbool.h>

enum scope { SCOPE_NONE, SCOPE_OWN, SCOPE_TEAM, SCOPE_ALL,
             /* Set by authz_scope on the scope of a changing action: explicit
              * shares open a record for reading only, not for changes. */
             SCOPE_WRITE = 8 };
enum field_access { FA_WRITE, FA_READ, FA_HIDDEN };

extern const char *const role_names[];      /* NULL-terminated */
extern const char *const scope_names[];     /* indexed by enum scope */
/* Every permission entity, from the record registry (NULL-terminated). */
const char *const *authz_entity_list(void);
extern const char *const authz_actions[];   /* NULL-terminated */
bool role_valid(const char *role);
int scope_parse(const char *s);             /* -1 when unknown */

/* (Re)loads the permission tables from the database into the cache. */
int authz_load(db *c);
/* Reloads the permission tables whenever a process on the database changes
 * them (follows the event feed's "permission" events); call before
 * events_start. */
void authz_follow_changes(void);

/* The route-level check, made by the router before every handler. */
bool authz_allowed(const struct auth_user *u, const struct route *r);
enum scope authz_scope(const struct auth_user *u, const char *entity, const char *action);
enum field_access authz_field(const struct auth_user *u, const char *entity, const char *field);
/* Whether any field of the entity is hidden or read-only for the user's
 * role: when not, a record can be written without asking field by field. */
bool authz_fields_restricted(const struct auth_user *u, const char *entity);

/* True when party_id exists (not deleted) and lies within scope for u (u
 * may be NULL with SCOPE_ALL: whether the party exists, not deleted). */
bool authz_party_in_scope(db *c, const struct auth_user *u, int64_t party_id, enum scope s);

/* For list queries: a constant SQL predicate over the party table alias
 * "t" (self) or a subquery for records with a party column (col is
 * "party_id", "from_id" or "to_id"), plus the values to bind in order.
 * Returns NULL for SCOPE_ALL (no restriction). */
struct authz_binds { int n; int64_t v[16]; };
const char *authz_party_predicate(enum scope s, const char *party_column, const struct auth_user *u, struct authz_binds *b);
/* User records (accounts, and jobs by who started them): own = the user
 * themself, team = also the users of the teams the team scope covers. The
 * predicate is over col, one of "t.id", "t.created_by", "t.entity_id";
 * NULL for SCOPE_ALL. */
const char *authz_user_predicate(enum scope s, const char *col, const struct auth_user *u, struct authz_binds *b);
/* True when user user_id exists and lies within scope s for u. */
bool authz_user_in_scope(db *c, const struct auth_user *u, int64_t user_id, enum scope s);
/* Records of a type (records/registry.h), whatever its ownership: the
 * list predicate over alias t (NULL: no restriction), and whether record id
 * of a type that owns itself lies within scope s. A child's scope is its
 * parent's: see authz_party_in_scope on its party. */
struct rtype;
const char *authz_type_predicate(const struct rtype *t, enum scope s, const struct auth_user *u, struct authz_binds *b);
bool authz_record_in_scope(db *c, const struct auth_user *u, const struct rtype *t, int64_t id, enum scope s);
/* The predicate of authz_type_predicate as "t.id IN (SELECT … UNION …)",
 * for queries over many rows of a type that owns itself (the deal board):
 * each branch uses its own index. Same binds. *owned (may be NULL) is the
 * caller's to free after the statement is prepared. */
const char *authz_type_id_predicate(const struct rtype *t, enum scope s, const struct auth_user *u, struct authz_binds *b,
                                    char **owned);
/* Builds the predicates of a type that owns itself (registry_init). */
void authz_type_predicates(struct rtype *t);
/* The same for audit rows (by the acting user's team). */
const char *authz_audit_predicate(enum scope s, const struct auth_user *u, struct authz_binds *b);
#endif
