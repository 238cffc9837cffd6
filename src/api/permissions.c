/* permissions: the admin's view and edit of the role × entity × action
 * table (with record scopes none / own / team / all) and of field security.
 * Every change is audited and takes effect on the next request. */
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include <stdio.h>
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

struct perm_ctx {
    struct req *rq;
    const char *role, *entity, *action_or_field, *value;
    bool field;
    struct verr e;
};

static int job_perm(db *w, void *arg)
{
    struct perm_ctx *c = arg;
    const char *old = NULL;
    char oldbuf[16] = "";
    db_stmt *s = db_prepare(w, c->field ? "SELECT access FROM field_permission WHERE role = ? AND entity = ? AND field = ?"
                                        : "SELECT scope FROM role_permission WHERE role = ? AND entity = ? AND action = ?");
    db_bind_text(s, 1, c->role);
    db_bind_text(s, 2, c->entity);
    db_bind_text(s, 3, c->action_or_field);
    if (db_step(s) == DB_ROW) { snprintf(oldbuf, sizeof oldbuf, "%s", db_column_text(s, 0)); old = oldbuf; }
    db_done(s);
    if (c->field && !strcmp(c->value, "write")) {
        s = db_prepare(w, "DELETE FROM field_permission WHERE role = ? AND entity = ? AND field = ?");
    } else {
        s = db_prepare(w, c->field ? "INSERT INTO field_permission(role, entity, field, access) VALUES (?, ?, ?, ?)"
                                     " ON CONFLICT(role, entity, field) DO UPDATE SET access = excluded.access"
                                   : "INSERT INTO role_permission(role, entity, action, scope) VALUES (?, ?, ?, ?)"
                                     " ON CONFLICT(role, entity, action) DO UPDATE SET scope = excluded.scope");
        db_bind_text(s, 4, c->value);
    }
    db_bind_text(s, 1, c->role);
    db_bind_text(s, 2, c->entity);
    db_bind_text(s, 3, c->action_or_field);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { verr_from_db(&c->e, w, NULL); return 1; }
    json_t *d = json_pack("{s:s, s:s, s:s, s:[ss]}", "role", c->role, "entity", c->entity, c->field ? "field" : "action",
                          c->action_or_field, c->field ? "access" : "scope", old ? old : (c->field ? "write" : "none"), c->value);
    return audit_record(w, &c->rq->user, c->rq->client_addr, c->field ? "field_permission" : "permission", 0, "permission_change", d, 0) ? 1 : 0;
}

static int text_arg(struct req *rq, struct resp *rs, const char *name, const char **out)
{
    json_t *v = json_object_get(rq->json, name);
    if (!json_is_string(v) || json_string_length(v) > 64) { resp_error(rs, 422, "required", name, "%s is required", name); return -1; }
    *out = json_string_value(v);
    return 0;
}

static void permission_put(struct req *rq, struct resp *rs, bool field)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send a JSON object"); return; }
    struct perm_ctx c = {.rq = rq, .field = field};
    const char *key; json_t *v;
    const char *allowed[] = {"role", "entity", field ? "field" : "action", field ? "access" : "scope", NULL};
    json_object_foreach(rq->json, key, v)
        if (!in_list(allowed, key)) { resp_error(rs, 422, "unknown_field", key, "%s is not a field here", key); return; }
    if (text_arg(rq, rs, "role", &c.role) || text_arg(rq, rs, "entity", &c.entity) ||
        text_arg(rq, rs, field ? "field" : "action", &c.action_or_field) || text_arg(rq, rs, field ? "access" : "scope", &c.value))
        return;
    if (!role_valid(c.role)) { resp_error(rs, 422, "invalid_value", "role", "unknown role"); return; }
    if (!strcmp(c.role, "admin")) { resp_error(rs, 422, "invalid_value", "role", "the admin role always has every permission"); return; }
    if (!in_list(authz_entities, c.entity)) { resp_error(rs, 422, "invalid_value", "entity", "unknown entity"); return; }
    if (field) {
        const struct resource *r = NULL;
        static const char *const singular[] = {"party", "link", "interaction", "transaction", "note", "product"};
        for (size_t i = 0; i < 6; i++) {
            const struct resource *x = audit_entity_resource(singular[i]);
            if (x && !strcmp(x->name, c.entity)) r = x;
        }
        bool known = false;
        for (int i = 0; r && i < r->nfields; i++) known |= !strcmp(r->fields[i].name, c.action_or_field);
        if (!known) { resp_error(rs, 422, "invalid_value", "field", "%s has no field %s", c.entity, c.action_or_field); return; }
        static const char *const access[] = {"hidden", "read", "write", NULL};
        if (!in_list(access, c.value)) { resp_error(rs, 422, "invalid_value", "access", "access must be hidden, read or write"); return; }
    } else {
        if (!in_list(authz_actions, c.action_or_field)) { resp_error(rs, 422, "invalid_value", "action", "unknown action"); return; }
        if (scope_parse(c.value) < 0) { resp_error(rs, 422, "invalid_value", "scope", "scope must be none, own, team or all"); return; }
    }
    int rc = db_write(job_perm, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the change could not be stored"); resp_verr(rs, &c.e); return; }
    authz_load(db_reader());
    permissions_get(rq, rs);
}

static void permissions_put(struct req *rq, struct resp *rs) { permission_put(rq, rs, false); }
static void field_permissions_put(struct req *rq, struct resp *rs) { permission_put(rq, rs, true); }

static const struct route permission_routes[] = {
    {"GET", "/api/v1/permissions", 0, "permissions", "read", permissions_get, "The permission table and field security", NULL},
    {"PUT", "/api/v1/permissions", R_ADMIN, "permissions", "update", permissions_put, "Set {role, entity, action, scope}", NULL},
    {"PUT", "/api/v1/field-permissions", R_ADMIN, "permissions", "update", field_permissions_put, "Set {role, entity, field, access}", NULL},
};

void permissions_register(void)
{
    routes_register(permission_routes, sizeof permission_routes / sizeof permission_routes[0]);
}
