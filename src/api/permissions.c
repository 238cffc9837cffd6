/* permissions: the admin's view and edit of the role × entity × action
 * table (with record scopes none / own / team / all) and of field security.
 * A PUT sets one cell or a batch of cells (all or nothing, one transaction);
 * every change is audited and takes effect on the next request. */
#include "records/registry.h"
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include "records/events.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

static void permissions_get(struct req *rq, struct resp *rs)
{
    json_t *roles = json_object();
    db_stmt *s = db_prepare(db_reader(), "SELECT role, entity, action, scope FROM role_permission ORDER BY role, entity, action");
    while (s && db_step(s) == DB_ROW) {
        json_t *r = json_object_get(roles, db_column_text(s, 0));
        if (!r) { r = json_object(); json_object_set_new(roles, db_column_text(s, 0), r); }
        json_t *e = json_object_get(r, db_column_text(s, 1));
        if (!e) { e = json_object(); json_object_set_new(r, db_column_text(s, 1), e); }
        json_object_set_new(e, db_column_text(s, 2), json_string(db_column_text(s, 3)));
    }
    db_done(s);
    json_t *fields = json_array();
    s = db_prepare(db_reader(), "SELECT role, entity, field, access FROM field_permission ORDER BY role, entity, field");
    while (s && db_step(s) == DB_ROW)
        json_array_append_new(fields, json_pack("{s:s, s:s, s:s, s:s}", "role", db_column_text(s, 0), "entity", db_column_text(s, 1),
                                                "field", db_column_text(s, 2), "access", db_column_text(s, 3)));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o, s:o}", "roles", roles, "fields", fields));
}

/* One cell of either table: role × entity × action → scope, or
 * role × entity × field → access. The strings point into the request body. */
struct perm_change {
    const char *role, *entity, *key, *value;
};

/* A PUT carries one change or {"changes": [...]}: a batch is applied in one
 * write transaction, all or nothing. */
#define MAX_PERM_CHANGES 1000

struct perm_ctx {
    struct req *rq;
    bool field;
    struct perm_change *changes;
    size_t n;
    struct verr e;
};

static int perm_apply(db *w, struct perm_ctx *c, const struct perm_change *ch)
{
    const char *old = NULL;
    char oldbuf[16] = "";
    db_stmt *s = db_prepare(w, c->field ? "SELECT access FROM field_permission WHERE role = ? AND entity = ? AND field = ?"
                                        : "SELECT scope FROM role_permission WHERE role = ? AND entity = ? AND action = ?");
    db_bind_text(s, 1, ch->role);
    db_bind_text(s, 2, ch->entity);
    db_bind_text(s, 3, ch->key);
    if (db_step(s) == DB_ROW) { snprintf(oldbuf, sizeof oldbuf, "%s", db_column_text(s, 0)); old = oldbuf; }
    db_done(s);
    if (c->field && !strcmp(ch->value, "write")) {
        s = db_prepare(w, "DELETE FROM field_permission WHERE role = ? AND entity = ? AND field = ?");
    } else {
        s = db_prepare(w, c->field ? "INSERT INTO field_permission(role, entity, field, access) VALUES (?, ?, ?, ?)"
                                     " ON CONFLICT(role, entity, field) DO UPDATE SET access = excluded.access"
                                   : "INSERT INTO role_permission(role, entity, action, scope) VALUES (?, ?, ?, ?)"
                                     " ON CONFLICT(role, entity, action) DO UPDATE SET scope = excluded.scope");
        db_bind_text(s, 4, ch->value);
    }
    db_bind_text(s, 1, ch->role);
    db_bind_text(s, 2, ch->entity);
    db_bind_text(s, 3, ch->key);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { verr_from_db(&c->e, w, NULL); return 1; }
    json_t *d = json_pack("{s:s, s:s, s:s, s:[ss]}", "role", ch->role, "entity", ch->entity, c->field ? "field" : "action",
                          ch->key, c->field ? "access" : "scope", old ? old : (c->field ? "write" : "none"), ch->value);
    return audit_record(w, &c->rq->user, req_client_addr(c->rq), c->field ? "field_permission" : "permission", 0, "permission_change", d, 0) ? 1 : 0;
}

/* Every change of the request in one transaction (the writer rolls the job
 * back when one fails). */
static int job_perm(db *w, void *arg)
{
    struct perm_ctx *c = arg;
    for (size_t i = 0; i < c->n; i++)
        if (perm_apply(w, c, &c->changes[i])) return 1;
    /* One event for the batch: every server process on the database
     * reloads its permission tables when it follows it (authz.c). */
    char actor[32];
    struct actor a = ACTOR_USER(c->rq->user.id);
    actor_text(&a, actor, sizeof actor);
    struct rec_event ev = {.type = "permission", .action = c->field ? "field_update" : "update", .actor = actor};
    return events_append(w, &ev) ? 1 : 0;
}

/* Reads and checks one change object; errors name the field, prefixed with
 * "changes[i]." inside a batch. 0, or -1 with the answer set. */
static int perm_parse(json_t *obj, bool field, const char *prefix, struct perm_change *ch, struct resp *rs)
{
    if (!json_is_object(obj)) { resp_error(rs, 422, "invalid_type", prefix[0] ? prefix : NULL, "each change must be an object"); return -1; }
    const char *names[] = {"role", "entity", field ? "field" : "action", field ? "access" : "scope", NULL};
    const char **out[] = {&ch->role, &ch->entity, &ch->key, &ch->value};
    const char *key; json_t *v;
    char where[96];
    json_object_foreach(obj, key, v)
        if (!in_list(names, key)) {
            snprintf(where, sizeof where, "%s%s", prefix, key);
            resp_error(rs, 422, "unknown_field", where, "%s is not a field here", key);
            return -1;
        }
    for (int i = 0; names[i]; i++) {
        v = json_object_get(obj, names[i]);
        snprintf(where, sizeof where, "%s%s", prefix, names[i]);
        if (!json_is_string(v) || json_string_length(v) > 64) { resp_error(rs, 422, "required", where, "%s is required", names[i]); return -1; }
        *out[i] = json_string_value(v);
    }
#define PERM_FAIL(name, ...) do { snprintf(where, sizeof where, "%s%s", prefix, name); \
                                  resp_error(rs, 422, "invalid_value", where, __VA_ARGS__); return -1; } while (0)
    if (!role_valid(ch->role)) PERM_FAIL("role", "unknown role");
    if (!strcmp(ch->role, "admin")) PERM_FAIL("role", "the admin role always has every permission");
    if (!in_list(authz_entity_list(), ch->entity)) PERM_FAIL("entity", "unknown entity");
    if (field) {
        /* Every record type of the registry has field security. */
        const struct rtype *t = registry_by_name(ch->entity);
        const struct resource *r = t ? t->res : NULL;
        bool known = false;
        for (int i = 0; r && i < r->nfields; i++) known |= !strcmp(r->fields[i].name, ch->key);
        if (!known) PERM_FAIL("field", "%s has no field %s", ch->entity, ch->key);
        static const char *const access[] = {"hidden", "read", "write", NULL};
        if (!in_list(access, ch->value)) PERM_FAIL("access", "access must be hidden, read or write");
    } else {
        if (!in_list(authz_actions, ch->key)) PERM_FAIL("action", "unknown action");
        if (scope_parse(ch->value) < 0) PERM_FAIL("scope", "scope must be none, own, team or all");
    }
#undef PERM_FAIL
    return 0;
}

static void permission_put(struct req *rq, struct resp *rs, bool field)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send a JSON object"); return; }
    struct perm_ctx c = {.rq = rq, .field = field};
    json_t *batch = json_object_get(rq->json, "changes");
    if (batch) {
        if (json_object_size(rq->json) != 1) { resp_error(rs, 422, "unknown_field", NULL, "send either one change or {\"changes\": [...]}"); return; }
        if (!json_is_array(batch) || json_array_size(batch) == 0 || json_array_size(batch) > MAX_PERM_CHANGES) {
            resp_error(rs, 422, "invalid_value", "changes", "changes must be a list of 1 to %d changes", MAX_PERM_CHANGES);
            return;
        }
        c.n = json_array_size(batch);
    } else {
        c.n = 1;
    }
    c.changes = calloc(c.n, sizeof *c.changes);
    if (!c.changes) { resp_error(rs, 503, "out_of_memory", NULL, "cannot take the change now"); return; }
    for (size_t i = 0; i < c.n; i++) {
        char prefix[32] = "";
        if (batch) snprintf(prefix, sizeof prefix, "changes[%zu].", i);
        if (perm_parse(batch ? json_array_get(batch, i) : rq->json, field, prefix, &c.changes[i], rs)) goto done;
    }
    int rc = db_write(job_perm, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the change could not be stored"); resp_verr(rs, &c.e); goto done; }
    authz_load(db_reader());
    permissions_get(rq, rs);
done:
    free(c.changes);
}

static void permissions_put(struct req *rq, struct resp *rs) { permission_put(rq, rs, false); }
static void field_permissions_put(struct req *rq, struct resp *rs) { permission_put(rq, rs, true); }

/* OpenAPI shapes of these routes (src/api/openapi.c). */
#define PERM_ROLE "{'type':'string','enum':['manager','sales','service','marketing','read_only']}"
#define PERM_ENTITY "{'type':'string','enum':['parties','links','interactions','transactions','notes','products','users','teams'," \
                    "'permissions','audit','imports','jobs']}"
#define PERM_CELL(key, key_schema, value, value_schema)                                                                       \
    "{'type':'object','required':['role','entity','" key "','" value "'],'additionalProperties':false,'properties':{"     \
    "'role':" PERM_ROLE ",'entity':" PERM_ENTITY ",'" key "':" key_schema ",'" value "':" value_schema "}}"
#define PERM_BODY(cell) \
    "{'oneOf':[" cell ",{'type':'object','required':['changes'],'additionalProperties':false,'properties':{" \
    "'changes':{'type':'array','minItems':1,'maxItems':1000,'items':" cell "}}}]}"
static const struct route_doc permissions_get_doc = {
    .id = "getPermissions", .tag = "permissions",
    .response = "{'type':'object','required':['roles','fields'],'additionalProperties':false,'properties':{"
                "'roles':{'type':'object','description':'role → entity → action → scope','additionalProperties':{'type':'object',"
                "'additionalProperties':{'type':'object','additionalProperties':{'type':'string','enum':['none','own','team','all']}}}},"
                "'fields':{'type':'array','description':'field security: fields not listed are writable','items':{'type':'object',"
                "'required':['role','entity','field','access'],'additionalProperties':false,'properties':{'role':{'type':'string'},"
                "'entity':{'type':'string'},'field':{'type':'string'},'access':{'type':'string','enum':['hidden','read','write']}}}}}}",
    .response_name = "Permissions",
};
static const struct route_doc permissions_put_doc = {
    .id = "setPermissions", .tag = "permissions",
    .request = PERM_BODY(PERM_CELL("action", "{'type':'string','enum':['read','create','update','delete','export','assign']}",
                                   "scope", "{'type':'string','enum':['none','own','team','all']}")),
    .request_name = "PermissionChanges",
    .response = "{'$ref':'#/components/schemas/Permissions'}",
};
static const struct route_doc field_permissions_put_doc = {
    .id = "setFieldPermissions", .tag = "permissions",
    .request = PERM_BODY(PERM_CELL("field", "{'type':'string','maxLength':64}", "access", "{'type':'string','enum':['hidden','read','write']}")),
    .request_name = "FieldPermissionChanges",
    .response = "{'$ref':'#/components/schemas/Permissions'}",
};

static const struct route permission_routes[] = {
    {"GET", "/api/v1/permissions", 0, "permissions", "read", permissions_get, "The permission table and field security", NULL, &permissions_get_doc},
    {"PUT", "/api/v1/permissions", R_ADMIN, "permissions", "update", permissions_put,
     "Set {role, entity, action, scope}, or {changes: [...]} in one transaction", NULL, &permissions_put_doc},
    {"PUT", "/api/v1/field-permissions", R_ADMIN, "permissions", "update", field_permissions_put,
     "Set {role, entity, field, access}, or {changes: [...]} in one transaction", NULL, &field_permissions_put_doc},
};

void permissions_register(void)
{
    routes_register(permission_routes, sizeof permission_routes / sizeof permission_routes[0]);
}
