/* authz: permissions, record scopes and field security (see authz.h). */
#include "http/authz.h"
#include "lib/log.h"
#include "records/events.h"
#include "records/registry.h"
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

const char *const role_names[] = {"admin", "manager", "sales", "service", "marketing", "read_only", NULL};
const char *const scope_names[] = {"none", "own", "team", "all"};
const char *const authz_actions[] = {"read", "create", "update", "delete", "export", "assign", NULL};

/* The entities are the registry's (every record type, then the entities
 * that are not records); the table has room for MAX_ENT of them and the
 * registry's count is checked against it, so a type added there can never
 * write past a row of g_scope. */
#define NROLES 6
#define MAX_ENT 48
#define NACT 6

const char *const *authz_entity_list(void)
{
    const char *const *e = registry_entities();
    static int checked;
    if (!__atomic_load_n(&checked, __ATOMIC_ACQUIRE)) {
        int n = 0;
        while (e[n]) n++;
        if (n > MAX_ENT) { log_error("authz: %d permission entities, room for %d", n, MAX_ENT); abort(); }
        __atomic_store_n(&checked, 1, __ATOMIC_RELEASE);
    }
    return e;
}
#define MAX_FIELD_RULES 256

static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static unsigned char g_scope[NROLES][MAX_ENT][NACT];
static struct field_rule { int role; char entity[32]; char field[64]; enum field_access access; } g_fields[MAX_FIELD_RULES];
static int g_nfields;
static bool g_loaded;

static int index_of(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0) return i;
    return -1;
}

bool role_valid(const char *role) { return index_of(role_names, role) >= 0; }

int scope_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(scope_names[i], s) == 0) return i;
    return -1;
}

/* Loads run on request threads (after an admin's change) and on the event
 * follower's thread, and one that began reading before a change committed
 * may finish after one that began later: each load takes a ticket before it
 * reads, and installs its tables only if no later ticket has installed, so
 * a stale read can never overwrite a fresher one. */
static uint64_t g_load_ticket, g_installed_ticket;

int authz_load(db *c)
{
    uint64_t ticket = __atomic_add_fetch(&g_load_ticket, 1, __ATOMIC_SEQ_CST);
    unsigned char scope[NROLES][MAX_ENT][NACT];
    const char *const *authz_entities = authz_entity_list();
    memset(scope, SCOPE_NONE, sizeof scope);
    struct field_rule fields[MAX_FIELD_RULES];
    int nfields = 0;
    db_stmt *s = db_prepare(c, "SELECT role, entity, action, scope FROM role_permission");
    if (!s) return -1;
    while (db_step(s) == DB_ROW) {
        int r = index_of(role_names, db_column_text(s, 0)), e = index_of(authz_entities, db_column_text(s, 1));
        int a = index_of(authz_actions, db_column_text(s, 2)), sc = scope_parse(db_column_text(s, 3));
        if (r >= 0 && e >= 0 && a >= 0 && sc >= 0) scope[r][e][a] = (unsigned char)sc;
    }
    db_done(s);
    s = db_prepare(c, "SELECT role, entity, field, access FROM field_permission");
    if (!s) return -1;
    while (db_step(s) == DB_ROW && nfields < MAX_FIELD_RULES) {
        int r = index_of(role_names, db_column_text(s, 0));
        const char *acc = db_column_text(s, 3);
        if (r < 0) continue;
        struct field_rule *f = &fields[nfields++];
        f->role = r;
        snprintf(f->entity, sizeof f->entity, "%s", db_column_text(s, 1));
        snprintf(f->field, sizeof f->field, "%s", db_column_text(s, 2));
        f->access = !strcmp(acc, "hidden") ? FA_HIDDEN : !strcmp(acc, "read") ? FA_READ : FA_WRITE;
    }
    db_done(s);
    pthread_rwlock_wrlock(&g_lock);
    if (ticket > g_installed_ticket) {
        g_installed_ticket = ticket;
        memcpy(g_scope, scope, sizeof scope);
        memcpy(g_fields, fields, sizeof fields[0] * (size_t)nfields);
        g_nfields = nfields;
        __atomic_store_n(&g_loaded, true, __ATOMIC_RELEASE);
    }
    pthread_rwlock_unlock(&g_lock);
    return 0;
}

/* Another process (or this one) changed the permission tables: load them
 * again (on the event follower's thread, through its own reader). */
static void follow_permission_change(const struct rec_event *ev, void *ctx)
{
    if (authz_load(db_reader()) != 0) log_error("authz: cannot reload the permission tables");
}

void authz_follow_changes(void) { events_follow("permission tables", "permission", follow_permission_change, NULL); }

static void ensure_loaded(void)
{
    if (__atomic_load_n(&g_loaded, __ATOMIC_ACQUIRE)) return;
    /* Until the tables load, every non-admin decision is a denial. */
    if (authz_load(db_reader()) != 0) log_error("authz: cannot load the permission tables");
}

enum scope authz_scope(const struct auth_user *u, const char *entity, const char *action)
{
    int r = index_of(role_names, u->role), e = entity ? index_of(authz_entity_list(), entity) : -1;
    int a = action ? index_of(authz_actions, action) : -1;
    if (r < 0) return SCOPE_NONE;
    if (r == 0) return SCOPE_ALL;                   /* admin */
    if (e < 0 || a < 0) return SCOPE_NONE;          /* unknown subjects are denied */
    ensure_loaded();
    pthread_rwlock_rdlock(&g_lock);
    enum scope s = (enum scope)g_scope[r][e][a];
    pthread_rwlock_unlock(&g_lock);
    if (s != SCOPE_NONE && strcmp(action, "read") != 0 && strcmp(action, "export") != 0) s |= SCOPE_WRITE;
    return s;
}

enum field_access authz_field(const struct auth_user *u, const char *entity, const char *field)
{
    int r = index_of(role_names, u->role);
    if (r <= 0) return r == 0 ? FA_WRITE : FA_HIDDEN;
    ensure_loaded();
    enum field_access acc = FA_WRITE;
    pthread_rwlock_rdlock(&g_lock);
    for (int i = 0; i < g_nfields; i++)
        if (g_fields[i].role == r && !strcmp(g_fields[i].entity, entity) && !strcmp(g_fields[i].field, field)) {
            acc = g_fields[i].access;
            break;
        }
    pthread_rwlock_unlock(&g_lock);
    return acc;
}

bool authz_fields_restricted(const struct auth_user *u, const char *entity)
{
    int r = index_of(role_names, u->role);
    if (r <= 0) return r < 0;
    ensure_loaded();
    bool any = false;
    pthread_rwlock_rdlock(&g_lock);
    for (int i = 0; i < g_nfields && !any; i++)
        any = g_fields[i].role == r && g_fields[i].access != FA_WRITE && !strcmp(g_fields[i].entity, entity);
    pthread_rwlock_unlock(&g_lock);
    return any;
}

bool authz_allowed(const struct auth_user *u, const struct route *r)
{
    if (r->flags & R_PUBLIC) return true;
    if (strcmp(u->role, "admin") == 0) return true;
    if (r->flags & R_ADMIN) return false;
    /* Everyone manages their own session and tokens. */
    if (!r->resource || !strcmp(r->resource, "session") || !strcmp(r->resource, "tokens")) return true;
    return authz_scope(u, r->resource, r->action ? r->action : "read") != SCOPE_NONE;
}

/* The team scope covers the user's team and the teams the user manages,
 * with every team below them at any depth (a business unit's manager sees
 * the whole unit, D10). UNION stops at a team already reached, so even a
 * loop written into the table by hand ends. */
#define MY_TEAMS "(WITH RECURSIVE mine(id) AS (SELECT id FROM team WHERE id = ? OR parent_id = ? OR manager_id = ?" \
                 " OR parent_id IN (SELECT id FROM team WHERE manager_id = ?)" \
                 " UNION SELECT below.id FROM team below JOIN mine ON below.parent_id = mine.id) SELECT id FROM mine)"
#define SHARED(P) P ".id IN (SELECT record_id FROM record_share WHERE entity = 'party' AND (user_id = ? OR team_id = ?))"
#define PRED_OWN(P) "(" P ".owner_id = ? OR " SHARED(P) ")"
#define PRED_TEAM(P) "(" P ".owner_id = ? OR " P ".team_id IN " MY_TEAMS " OR " P ".owner_id IN (SELECT id FROM app_user WHERE team_id IN " MY_TEAMS ") OR " SHARED(P) ")"

/* For changes, the share clause is bound to ids that match nothing. */
static void binds_own(const struct auth_user *u, struct authz_binds *b, bool write)
{
    b->n = 3;
    b->v[0] = u->id; b->v[1] = write ? -1 : u->id; b->v[2] = write || !u->team_id ? -1 : u->team_id;
}

static void binds_team(const struct auth_user *u, struct authz_binds *b, bool write)
{
    int64_t t = u->team_id ? u->team_id : -1;
    const int64_t v[] = {u->id, t, t, u->id, u->id, t, t, u->id, u->id, write ? -1 : u->id, write ? -1 : t};
    b->n = (int)(sizeof v / sizeof v[0]);
    memcpy(b->v, v, sizeof v);
}

const char *authz_party_predicate(enum scope s, const char *col, const struct auth_user *u, struct authz_binds *b)
{
    b->n = 0;
    bool write = s & SCOPE_WRITE;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_ALL) return NULL;
    if (s == SCOPE_NONE) return "1 = 0";
    bool self = !col;
    bool from = col && !strcmp(col, "from_id"), to = col && !strcmp(col, "to_id");
    if (s == SCOPE_OWN) {
        binds_own(u, b, write);
        if (self) return PRED_OWN("t");
        return from ? "t.from_id IN (SELECT p.id FROM party p WHERE " PRED_OWN("p") ")"
             : to   ? "t.to_id IN (SELECT p.id FROM party p WHERE " PRED_OWN("p") ")"
                    : "t.party_id IN (SELECT p.id FROM party p WHERE " PRED_OWN("p") ")";
    }
    binds_team(u, b, write);
    if (self) return PRED_TEAM("t");
    return from ? "t.from_id IN (SELECT p.id FROM party p WHERE " PRED_TEAM("p") ")"
         : to   ? "t.to_id IN (SELECT p.id FROM party p WHERE " PRED_TEAM("p") ")"
                : "t.party_id IN (SELECT p.id FROM party p WHERE " PRED_TEAM("p") ")";
}

bool authz_party_in_scope(db *c, const struct auth_user *u, int64_t party_id, enum scope s)
{
    static const char *const sql[] = {
        [SCOPE_OWN] = "SELECT 1 FROM party t WHERE t.id = ? AND t.deleted_at IS NULL AND " PRED_OWN("t"),
        [SCOPE_TEAM] = "SELECT 1 FROM party t WHERE t.id = ? AND t.deleted_at IS NULL AND " PRED_TEAM("t"),
        [SCOPE_ALL] = "SELECT 1 FROM party t WHERE t.id = ? AND t.deleted_at IS NULL",
    };
    bool write = s & SCOPE_WRITE;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_NONE) return false;
    struct authz_binds b = {0};
    if (s == SCOPE_OWN) binds_own(u, &b, write);
    else if (s == SCOPE_TEAM) binds_team(u, &b, write);
    db_stmt *st = db_prepare(c, sql[s]);
    if (!st) return false;
    db_bind_int64(st, 1, party_id);
    for (int i = 0; i < b.n; i++) db_bind_int64(st, i + 2, b.v[i]);
    bool ok = db_step(st) == DB_ROW;
    db_done(st);
    return ok;
}

const char *authz_audit_predicate(enum scope s, const struct auth_user *u, struct authz_binds *b)
{
    b->n = 0;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_ALL) return NULL;
    if (s == SCOPE_NONE) return "1 = 0";
    if (s == SCOPE_OWN) {
        b->n = 1;
        b->v[0] = u->id;
        return "t.user_id = ?";
    }
    int64_t t = u->team_id ? u->team_id : -1;
    const int64_t v[] = {u->id, t, t, u->id, u->id};
    b->n = 5;
    memcpy(b->v, v, sizeof v);
    return "(t.user_id = ? OR t.user_id IN (SELECT id FROM app_user WHERE team_id IN " MY_TEAMS "))";
}

/* User records (accounts, and what belongs to an account such as its jobs):
 * own = the user themself; team = also every user of the teams the team
 * scope covers for parties (MY_TEAMS). One constant text per column. */
#define PRED_USER_OWN(C) "(" C " = ?)"
#define PRED_USER_TEAM(C) "(" C " = ? OR " C " IN (SELECT id FROM app_user WHERE team_id IN " MY_TEAMS "))"

const char *authz_user_predicate(enum scope s, const char *col, const struct auth_user *u, struct authz_binds *b)
{
    static const struct { const char *col, *own, *team; } preds[] = {
        {"t.id", PRED_USER_OWN("t.id"), PRED_USER_TEAM("t.id")},
        {"t.created_by", PRED_USER_OWN("t.created_by"), PRED_USER_TEAM("t.created_by")},
        {"t.entity_id", PRED_USER_OWN("t.entity_id"), PRED_USER_TEAM("t.entity_id")},
    };
    b->n = 0;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_ALL) return NULL;
    size_t i = 0;
    while (i < sizeof preds / sizeof preds[0] && strcmp(preds[i].col, col)) i++;
    if (s == SCOPE_NONE || i == sizeof preds / sizeof preds[0]) return "1 = 0";
    if (s == SCOPE_OWN) {
        b->n = 1;
        b->v[0] = u->id;
        return preds[i].own;
    }
    int64_t t = u->team_id ? u->team_id : -1;
    const int64_t v[] = {u->id, t, t, u->id, u->id};
    b->n = 5;
    memcpy(b->v, v, sizeof v);
    return preds[i].team;
}

bool authz_user_in_scope(db *c, const struct auth_user *u, int64_t user_id, enum scope s)
{
    static const char *const sql[] = {
        [SCOPE_OWN] = "SELECT 1 FROM app_user t WHERE t.id = ? AND " PRED_USER_OWN("t.id"),
        [SCOPE_TEAM] = "SELECT 1 FROM app_user t WHERE t.id = ? AND " PRED_USER_TEAM("t.id"),
        [SCOPE_ALL] = "SELECT 1 FROM app_user t WHERE t.id = ?",
    };
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_NONE || user_id <= 0) return false;
    struct authz_binds b;
    authz_user_predicate(s, "t.id", u, &b);
    db_stmt *st = db_prepare(c, sql[s]);
    if (!st) return false;
    db_bind_int64(st, 1, user_id);
    for (int i = 0; i < b.n; i++) db_bind_int64(st, i + 2, b.v[i]);
    bool ok = db_step(st) == DB_ROW;
    db_done(st);
    return ok;
}

/* ---- record types that own themselves (records/registry.h) ----
 * The party's predicates above are constant text; another type's are the
 * same clauses over its own table, with its own shares (record_share rows
 * of its type), built once from the registry's constant names. */
/* A share of a type that owns itself names its table in record_share.entity
 * (a party's: 'party'). */
#define SHARED_T(P) P ".id IN (SELECT record_id FROM record_share WHERE entity = '%s' AND (user_id = ? OR team_id = ?))"
#define PRED_OWN_T(P) "(" P ".owner_id = ? OR " SHARED_T(P) ")"
#define PRED_TEAM_T(P) "(" P ".owner_id = ? OR " P ".team_id IN " MY_TEAMS " OR " P ".owner_id IN (SELECT id FROM app_user WHERE team_id IN " MY_TEAMS ") OR " SHARED_T(P) ")"

void authz_type_predicates(struct rtype *t)
{
    assert(t->own == OWN_SELF);
    bool ok = asprintf(&t->pred_own, PRED_OWN_T("t"), t->res->table) >= 0 && asprintf(&t->pred_team, PRED_TEAM_T("t"), t->res->table) >= 0;
    const char *pred = ok ? t->pred_own : NULL;
    ok = ok && asprintf(&t->sql_in[SCOPE_OWN], "SELECT 1 FROM %s t WHERE t.id = ? AND %s", t->res->table, pred) >= 0;
    pred = ok ? t->pred_team : NULL;
    ok = ok && asprintf(&t->sql_in[SCOPE_TEAM], "SELECT 1 FROM %s t WHERE t.id = ? AND %s", t->res->table, pred) >= 0;
    ok = ok && asprintf(&t->sql_in[SCOPE_ALL], "SELECT 1 FROM %s t WHERE t.id = ?", t->res->table) >= 0;
    if (!ok) {
        log_error("authz: out of memory building the predicates of %s", t->type);
        abort();
    }
}

/* The same sets as PRED_OWN_T / PRED_TEAM_T as one id list: a UNION whose
 * branches each use their own index (owner, team, shares), so a query that
 * is narrowed by nothing better reads only the rows in scope (by rowid)
 * instead of testing the OR on every row. Same binds, same order. */
#define IDS_OWN_T(P) P ".id IN (SELECT o.id FROM %s o WHERE o.owner_id = ? UNION SELECT record_id FROM record_share WHERE entity = '%s' AND (user_id = ? OR team_id = ?))"
#define IDS_TEAM_T(P) P ".id IN (SELECT o.id FROM %s o WHERE o.owner_id = ? UNION SELECT o.id FROM %s o WHERE o.team_id IN " MY_TEAMS \
    " UNION SELECT o.id FROM %s o WHERE o.owner_id IN (SELECT id FROM app_user WHERE team_id IN " MY_TEAMS ")" \
    " UNION SELECT record_id FROM record_share WHERE entity = '%s' AND (user_id = ? OR team_id = ?))"

const char *authz_type_id_predicate(const struct rtype *t, enum scope s, const struct auth_user *u, struct authz_binds *b,
                                    char **owned)
{
    *owned = NULL;
    if (t->own != OWN_SELF || !strcmp(t->type, "party")) return authz_type_predicate(t, s, u, b);
    b->n = 0;
    bool write = s & SCOPE_WRITE;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_ALL) return NULL;
    if (s == SCOPE_NONE) return "0";
    const char *tb = t->res->table;
    int rc;
    if (s == SCOPE_OWN) {
        binds_own(u, b, write);
        rc = asprintf(owned, IDS_OWN_T("t"), tb, tb);
    } else {
        binds_team(u, b, write);
        rc = asprintf(owned, IDS_TEAM_T("t"), tb, tb, tb, tb);
    }
    if (rc < 0) { *owned = NULL; return "0"; }
    return *owned;
}

const char *authz_type_predicate(const struct rtype *t, enum scope s, const struct auth_user *u, struct authz_binds *b)
{
    b->n = 0;
    if (t->own == OWN_NONE) return NULL;
    if (!strcmp(t->type, "party")) return authz_party_predicate(s, NULL, u, b);
    /* Children of a party (the only parent so far: registry_init checks). */
    if (t->own == OWN_PARENT) return authz_party_predicate(s, t->parent_field, u, b);
    bool write = s & SCOPE_WRITE;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_ALL) return NULL;
    if (s == SCOPE_NONE) return "1 = 0";
    if (s == SCOPE_OWN) { binds_own(u, b, write); return t->pred_own; }
    binds_team(u, b, write);
    return t->pred_team;
}

bool authz_record_in_scope(db *c, const struct auth_user *u, const struct rtype *t, int64_t id, enum scope s)
{
    if (!strcmp(t->type, "party")) return authz_party_in_scope(c, u, id, s);
    assert(t->own == OWN_SELF);
    bool write = s & SCOPE_WRITE;
    s &= ~SCOPE_WRITE;
    if (s == SCOPE_NONE) return false;
    struct authz_binds b = {0};
    if (s == SCOPE_OWN) binds_own(u, &b, write);
    else if (s == SCOPE_TEAM) binds_team(u, &b, write);
    db_stmt *st = db_prepare(c, t->sql_in[s]);
    if (!st) return false;
    db_bind_int64(st, 1, id);
    for (int i = 0; i < b.n; i++) db_bind_int64(st, i + 2, b.v[i]);
    bool ok = db_step(st) == DB_ROW;
    db_done(st);
    return ok;
}
