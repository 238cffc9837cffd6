/* users: staff accounts and teams (business units, D10 多业务部门管理).
 * Accounts are managed here and by `rapport user`; passwords are argon2id
 * hashes that never leave the server. Disabling a user or changing their
 * password ends all their sessions; their tokens stop working because every
 * token lookup checks the account. The last enabled admin cannot be demoted
 * or disabled, so the system can always be administered. */
#include "api/api.h"
#include "db/writer.h"
#include "http/auth.h"
#include "http/authz.h"
#include "lib/textcheck.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>

/* ---- teams: an ordinary record resource ---- */

static const struct field team_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "team or business-unit name, unique"},
    {"parent_id", "parent_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "the team above this one"},
    {"manager_id", "manager_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "the manager, who sees this team's records"},
};

/* True when team `id` is `from` or above it: putting `id` under `from` would
 * close a loop. Walks up from `from`, at most as many steps as there could
 * be teams in a sane tree. */
static bool team_above(int64_t id, int64_t from)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT parent_id FROM team WHERE id = ?");
    if (!s) return false;
    bool above = false;
    for (int step = 0; step < 10000 && from > 0 && !above; step++) {
        above = from == id;
        db_bind_int64(s, 1, from);
        from = db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL ? db_column_int64(s, 0) : 0;
        db_done(s);
    }
    return above;
}

static int team_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    json_t *id = json_object_get(rec, "id"), *parent = json_object_get(rec, "parent_id");
    if (id && json_equal(id, parent)) { verr_set(e, 422, "invalid_value", "parent_id", "a team cannot be its own parent"); return -1; }
    if (json_is_integer(id) && json_is_integer(parent) && team_above(json_integer_value(id), json_integer_value(parent))) {
        verr_set(e, 422, "invalid_value", "parent_id", "team %lld is below this team: a team cannot be put under its own sub-team",
                 (long long)json_integer_value(parent));
        return -1;
    }
    return 0;
}

struct resource team_resource = {
    .name = "teams", .table = "team", .entity = "team",
    .fields = team_fields, .nfields = sizeof team_fields / sizeof team_fields[0], .rule = team_rule,
};

/* ---- users ---- */

static json_t *user_row(db_stmt *s)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:I}", "id", (json_int_t)db_column_int64(s, 0),
                     "email", db_column_text(s, 1), "name", db_column_text(s, 2), "role", db_column_text(s, 3),
                     "team_id", db_column_type(s, 4) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 4)),
                     "disabled", (int)db_column_int64(s, 5), "created_at", db_column_text(s, 6), "updated_at", db_column_text(s, 7),
                     "version", (json_int_t)db_column_int64(s, 8));
}
#define USER_COLS "id, email, name, role, team_id, disabled, created_at, updated_at, version"

static json_t *user_load(db *c, int64_t id)
{
    db_stmt *s = db_prepare(c, "SELECT " USER_COLS " FROM app_user WHERE id = ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, id);
    json_t *o = db_step(s) == DB_ROW ? user_row(s) : NULL;
    db_done(s);
    return o;
}

/* Accounts are records with a scope like any other (authz_user_predicate):
 * own = the caller's account, team = the accounts of their teams. */
static void users_list(struct req *rq, struct resp *rs)
{
    struct authz_binds ab;
    const char *pred = authz_user_predicate(authz_scope(&rq->user, "users", "read"), "t.id", &rq->user, &ab);
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT " USER_COLS " FROM app_user t WHERE %s ORDER BY id", pred ? pred : "1 = 1");
    db_stmt *s = db_prepare(db_reader(), sql);
    if (!s) { resp_error(rs, 500, "internal", NULL, "query failed"); return; }
    for (int i = 0; i < ab.n; i++) db_bind_int64(s, i + 1, ab.v[i]);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) json_array_append_new(items, user_row(s));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static void users_get(struct req *rq, struct resp *rs)
{
    json_t *o = NULL;
    if (authz_user_in_scope(db_reader(), &rq->user, rq->path_ids[0], authz_scope(&rq->user, "users", "read")))
        o = user_load(db_reader(), rq->path_ids[0]);
    if (!o) { resp_error(rs, 404, "not_found", "id", "no user with id %lld", (long long)rq->path_ids[0]); return; }
    resp_json(rs, 200, o);
}

struct user_ctx {
    struct req *rq;
    int64_t id;
    const char *email, *name, *role;
    json_t *team_id;            /* integer, null, or absent */
    int disabled;               /* -1 absent */
    bool set_password;
    char hash[PASSWORD_HASH_LEN];
    json_t *out;
    struct verr e;
};

static int enabled_admins_other_than(db *w, int64_t id)
{
    db_stmt *s = db_prepare(w, "SELECT count(*) FROM app_user WHERE role = 'admin' AND disabled = 0 AND id <> ?");
    db_bind_int64(s, 1, id);
    int n = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : 0;
    db_done(s);
    return n;
}

static int team_exists(db *w, json_t *team)
{
    if (!json_is_integer(team)) return 1;
    db_stmt *s = db_prepare(w, "SELECT 1 FROM team WHERE id = ?");
    db_bind_int64(s, 1, json_integer_value(team));
    int found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

static int job_user_create(db *w, void *arg)
{
    struct user_ctx *c = arg;
    if (!team_exists(w, c->team_id)) { verr_set(&c->e, 422, "invalid_reference", "team_id", "no such team"); return 1; }
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "INSERT INTO app_user(email, name, role, team_id, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!s) { verr_from_db(&c->e, w, NULL); return 1; }
    db_bind_text(s, 1, c->email);
    db_bind_text(s, 2, c->name ? c->name : "");
    db_bind_text(s, 3, c->role);
    if (json_is_integer(c->team_id)) db_bind_int64(s, 4, json_integer_value(c->team_id)); else db_bind_null(s, 4);
    db_bind_text(s, 5, c->hash);
    db_bind_text(s, 6, now);
    db_bind_text(s, 7, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) {
        verr_from_db(&c->e, w, NULL);
        if (c->e.status == 409) snprintf(c->e.field, sizeof c->e.field, "email");
        return 1;
    }
    c->id = db_last_insert_id(w);
    c->out = user_load(w, c->id);
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    return record_log(w, &wr, "user", c->id, "create",
                        json_pack("{s:[ns], s:[ns]}", "email", c->email, "role", c->role), 0) ? 1 : 0;
}

/* What a non-admin granted users.update may do to an account: only within
 * their update scope (an account outside their read scope does not exist
 * for them), never give a role (a manager made themself admin this way),
 * never touch an admin's account (its password is the admin's power), and
 * move an account to another team only with users.assign. 0, or -1 with e. */
static int user_change_allowed(db *w, struct user_ctx *c, const json_t *old, struct verr *e)
{
    const struct auth_user *u = &c->rq->user;
    if (!authz_user_in_scope(w, u, c->id, authz_scope(u, "users", "read"))) {
        verr_set(e, 404, "not_found", "id", "no user with id %lld", (long long)c->id);
        return -1;
    }
    if (!strcmp(u->role, "admin")) return 0;
    if (!authz_user_in_scope(w, u, c->id, authz_scope(u, "users", "update"))) {
        verr_set(e, 403, "forbidden", NULL, "your role may not change this user");
        return -1;
    }
    if (c->role) { verr_set(e, 403, "forbidden", "role", "only an admin may give a role"); return -1; }
    if (!strcmp(json_string_value(json_object_get(old, "role")), "admin")) {
        verr_set(e, 403, "forbidden", NULL, "only an admin may change an admin's account");
        return -1;
    }
    if (c->team_id && !json_equal(c->team_id, json_object_get(old, "team_id")) && authz_scope(u, "users", "assign") == SCOPE_NONE) {
        verr_set(e, 403, "forbidden", "team_id", "your role may not move users to another team");
        return -1;
    }
    return 0;
}

static int job_user_update(db *w, void *arg)
{
    struct user_ctx *c = arg;
    json_t *old = user_load(w, c->id);
    if (!old) { verr_set(&c->e, 404, "not_found", "id", "no user with id %lld", (long long)c->id); return 1; }
    if (user_change_allowed(w, c, old, &c->e)) { json_decref(old); return 1; }
    int rc = 1;
    bool was_admin = !strcmp(json_string_value(json_object_get(old, "role")), "admin");
    bool demoted = c->role && strcmp(c->role, "admin") != 0;
    if (was_admin && (demoted || c->disabled == 1) && enabled_admins_other_than(w, c->id) == 0) {
        verr_set(&c->e, 409, "last_admin", c->disabled == 1 ? "disabled" : "role", "this is the last enabled admin");
        goto done;
    }
    if (c->team_id && !team_exists(w, c->team_id)) { verr_set(&c->e, 422, "invalid_reference", "team_id", "no such team"); goto done; }
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "UPDATE app_user SET name = COALESCE(?, name), role = COALESCE(?, role),"
                               " team_id = CASE WHEN ? THEN ? ELSE team_id END,"
                               " disabled = CASE WHEN ? >= 0 THEN ? ELSE disabled END,"
                               " password_hash = COALESCE(?, password_hash), updated_at = ?, version = version + 1 WHERE id = ?");
    db_bind_text(s, 1, c->name);
    db_bind_text(s, 2, c->role);
    db_bind_int64(s, 3, c->team_id != NULL);
    if (json_is_integer(c->team_id)) db_bind_int64(s, 4, json_integer_value(c->team_id)); else db_bind_null(s, 4);
    db_bind_int64(s, 5, c->disabled);
    db_bind_int64(s, 6, c->disabled);
    db_bind_text(s, 7, c->set_password ? c->hash : NULL);
    db_bind_text(s, 8, now);
    db_bind_int64(s, 9, c->id);
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE) { verr_from_db(&c->e, w, NULL); goto done; }
    if ((c->disabled == 1 || c->set_password) && credentials_end(w, c->id) != 0) { verr_from_db(&c->e, w, NULL); goto done; }
    c->out = user_load(w, c->id);
    json_t *diff = json_object();
    static const char *const keys[] = {"name", "role", "team_id", "disabled"};
    for (size_t i = 0; i < 4; i++) {
        json_t *a = json_object_get(old, keys[i]), *b = json_object_get(c->out, keys[i]);
        if (!json_equal(a, b)) json_object_set_new(diff, keys[i], json_pack("[OO]", a, b));
    }
    if (c->set_password) json_object_set_new(diff, "password", json_pack("[ss]", "***", "***"));
    const char *action = json_object_get(diff, "role") ? "permission_change" : "update";
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    if (record_log(w, &wr, "user", c->id, action, diff, 0)) goto done;
    rc = 0;
done:
    json_decref(old);
    if (rc) { json_decref(c->out); c->out = NULL; }
    return rc;
}

/* Reads and checks the body of a create (all required) or update. */
static int user_body(struct req *rq, struct user_ctx *c, bool create, struct resp *rs)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send a JSON object"); return -1; }
    c->disabled = -1;
    const char *key; json_t *v;
    json_object_foreach(rq->json, key, v) {
        if (!strcmp(key, "email") && create) {
            if (!json_is_string(v) || !email_valid(json_string_value(v))) { resp_error(rs, 422, "invalid_email", "email", "email must be an e-mail address"); return -1; }
            c->email = json_string_value(v);
        } else if (!strcmp(key, "name")) {
            if (!json_is_string(v) || json_string_length(v) > 200 || !utf8_valid(json_string_value(v), json_string_length(v))) { resp_error(rs, 422, "invalid_type", "name", "name must be text of at most 200 bytes"); return -1; }
            c->name = json_string_value(v);
        } else if (!strcmp(key, "role")) {
            if (!json_is_string(v) || !role_valid(json_string_value(v))) { resp_error(rs, 422, "invalid_value", "role", "role must be one of admin, manager, sales, service, marketing, read_only"); return -1; }
            c->role = json_string_value(v);
        } else if (!strcmp(key, "team_id")) {
            if (!json_is_null(v) && !(json_is_integer(v) && json_integer_value(v) > 0)) { resp_error(rs, 422, "invalid_type", "team_id", "team_id must be a team id or null"); return -1; }
            c->team_id = v;
        } else if (!strcmp(key, "disabled") && !create) {
            if (!json_is_boolean(v)) { resp_error(rs, 422, "invalid_type", "disabled", "disabled must be true or false"); return -1; }
            c->disabled = json_is_true(v);
        } else if (!strcmp(key, "password")) {
            const char *why = json_is_string(v) ? password_problem(json_string_value(v)) : "password must be text";
            if (why) { resp_error(rs, 422, "weak_password", "password", "%s", why); return -1; }
            if (password_hash(json_string_value(v), c->hash)) { resp_error(rs, 503, "unavailable", NULL, "cannot hash the password now"); return -1; }
            c->set_password = true;
        } else {
            resp_error(rs, 422, "unknown_field", key, "%s is not a field of a user", key);
            return -1;
        }
    }
    if (create && !c->email) { resp_error(rs, 422, "required", "email", "email is required"); return -1; }
    if (create && !c->role) { resp_error(rs, 422, "required", "role", "role is required"); return -1; }
    if (create && !c->set_password) { resp_error(rs, 422, "required", "password", "password is required"); return -1; }
    return 0;
}

static void users_create(struct req *rq, struct resp *rs)
{
    struct user_ctx c = {.rq = rq};
    if (user_body(rq, &c, true, rs)) return;
    /* A new account needs a role, and only an admin gives roles: users.create
     * granted to another role must not mint admins. */
    if (strcmp(rq->user.role, "admin") != 0) { resp_error(rs, 403, "forbidden", "role", "only an admin may give a role"); return; }
    char email[256];
    email_normalize(c.email, email, sizeof email);
    c.email = email;
    int rc = db_write(job_user_create, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the user could not be stored"); resp_verr(rs, &c.e); return; }
    resp_json(rs, 201, c.out);
}

static void users_update(struct req *rq, struct resp *rs)
{
    struct user_ctx c = {.rq = rq, .id = rq->path_ids[0]};
    if (user_body(rq, &c, false, rs)) return;
    int rc = db_write(job_user_update, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the user could not be stored"); resp_verr(rs, &c.e); return; }
    resp_json(rs, 200, c.out);
}

/* OpenAPI shapes of the account routes (src/api/openapi.c); teams are
 * described from their resource. */
#define USER_ROLE "{'type':'string','enum':['admin','manager','sales','service','marketing','read_only']}"
static const struct route_doc users_list_doc = {
    .id = "listUsers", .tag = "users",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/User'}},'next':{'type':'string','nullable':true}}}",
    .response_name = "UserList",
};
static const struct route_doc users_create_doc = {
    .id = "createUser", .tag = "users", .status = 201, .errors = "409",
    .request = "{'type':'object','required':['email','role','password'],'additionalProperties':false,'properties':{"
               "'email':{'type':'string','format':'email'},'name':{'type':'string','maxLength':200},'role':" USER_ROLE ","
               "'team_id':{'type':'integer','format':'int64','nullable':true},'password':{'type':'string','format':'password'}}}",
    .request_name = "UserCreate",
    .response = "{'type':'object','required':['id','email','name','role','team_id','disabled','created_at','updated_at','version'],"
                "'additionalProperties':false,'properties':{'id':{'type':'integer','format':'int64'},'email':{'type':'string'},"
                "'name':{'type':'string'},'role':" USER_ROLE ",'team_id':{'type':'integer','format':'int64','nullable':true},"
                "'disabled':{'type':'boolean'},'created_at':{'type':'string','format':'date-time'},"
                "'updated_at':{'type':'string','format':'date-time'},'version':{'type':'integer','format':'int64'}}}",
    .response_name = "User",
};
static const struct route_doc users_get_doc = {.id = "getUser", .tag = "users", .response = "{'$ref':'#/components/schemas/User'}"};
static const struct route_doc users_update_doc = {
    .id = "updateUser", .tag = "users", .errors = "409",
    .request = "{'type':'object','additionalProperties':false,'properties':{'name':{'type':'string','maxLength':200},'role':" USER_ROLE ","
               "'team_id':{'type':'integer','format':'int64','nullable':true},'disabled':{'type':'boolean'},"
               "'password':{'type':'string','format':'password'}}}",
    .request_name = "UserPatch",
    .response = "{'$ref':'#/components/schemas/User'}",
};

static const struct route user_routes[] = {
    {"GET", "/api/v1/users", 0, "users", "read", users_list, "List users (no secrets)", NULL, &users_list_doc},
    {"POST", "/api/v1/users", 0, "users", "create", users_create, "Create a user {email, name, role, team_id, password}", NULL, &users_create_doc},
    {"GET", "/api/v1/users/{id}", 0, "users", "read", users_get, "Get a user", NULL, &users_get_doc},
    {"PATCH", "/api/v1/users/{id}", 0, "users", "update", users_update, "Change a user's name, role, team, password or disable them (ends their sessions)", NULL, &users_update_doc},
};


void users_register(void)
{
    routes_register(user_routes, sizeof user_routes / sizeof user_routes[0]);
}
