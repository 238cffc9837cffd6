/* session: logging in and out with a browser session, and API tokens for
 * programs. The login answer carries the CSRF token the browser must send
 * with every state-changing request. */
#include "api/api.h"
#include "db/writer.h"
#include "http/auth.h"
#include "http/authz.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include <stdio.h>
#include <string.h>

/* The user with the scope of every entity × action of their role, so a
 * client shows only what the user may do (the server still decides). */
static json_t *user_json(const struct auth_user *u)
{
    json_t *perms = json_object();
    for (int e = 0; authz_entity_list()[e]; e++) {
        json_t *acts = json_object();
        for (int a = 0; authz_actions[a]; a++)
            json_object_set_new(acts, authz_actions[a], json_string(scope_names[authz_scope(u, authz_entity_list()[e], authz_actions[a]) & ~SCOPE_WRITE]));
        json_object_set_new(perms, authz_entity_list()[e], acts);
    }
    return json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)u->id, "email", u->email, "name", u->name, "role", u->role,
                     "permissions", perms);
}

struct login_ctx {
    struct req *rq;
    struct auth_user *u;
    bool success;
    char cookie[SECRET_TEXT_LEN], csrf[SECRET_TEXT_LEN];
    const char *email;
    const char *old_hash, *new_hash;   /* a hash of older settings and its replacement, or NULL */
};

static int job_login(db *w, void *arg)
{
    struct login_ctx *c = arg;
    if (login_record(w, c->email, req_client_addr(c->rq), c->success)) return 1;
    if (c->success && session_create(w, c->u->id, c->cookie, c->csrf)) return 1;
    if (c->success && c->new_hash) {
        /* Only if the hash is still the one verified: a password changed
         * meanwhile stays changed. */
        db_stmt *s = db_prepare(w, "UPDATE app_user SET password_hash = ? WHERE id = ? AND password_hash = ?");
        if (!s) return 1;
        db_bind_text(s, 1, c->new_hash);
        db_bind_int64(s, 2, c->u->id);
        db_bind_text(s, 3, c->old_hash);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return 1;
    }
    json_t *detail = json_pack("{s:s}", "email", c->email);
    int rc = audit_record(w, c->success ? c->u : NULL, req_client_addr(c->rq), "session", c->success ? c->u->id : 0,
                          c->success ? "login" : "login_failed", detail, 0);
    return rc ? 1 : 0;
}

static void session_login(struct req *rq, struct resp *rs)
{
    json_t *email = rq->json ? json_object_get(rq->json, "email") : NULL;
    json_t *password = rq->json ? json_object_get(rq->json, "password") : NULL;
    if (!json_is_string(email) || json_string_length(email) > 254) { resp_error(rs, 422, "required", "email", "email is required"); return; }
    if (!json_is_string(password) || json_string_length(password) > 1024) { resp_error(rs, 422, "required", "password", "password is required"); return; }
    const char *e = json_string_value(email), *pw = json_string_value(password);
    char norm[256];
    email_normalize(e, norm, sizeof norm);
    int retry;
    if (login_throttled(db_reader(), norm, req_client_addr(rq), &retry)) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", retry);
        resp_header(rs, "Retry-After", ra);
        resp_error(rs, 429, "too_many_attempts", NULL, "too many failed logins; try again in %d seconds", retry);
        return;
    }
    struct auth_user u = {0};
    char hash[PASSWORD_HASH_LEN];
    bool disabled = false;
    bool found = user_lookup(db_reader(), norm, &u, hash, &disabled) == 0;
    /* Verify against a fixed hash when the user is unknown so timing does not tell. */
    static char dummy_hash[PASSWORD_HASH_LEN];
    if (!dummy_hash[0]) password_hash("rapport-no-such-user", dummy_hash);
    bool ok = password_verify(found ? hash : dummy_hash, pw) && found && !disabled;
    struct login_ctx c = {.rq = rq, .u = &u, .success = ok, .email = norm};
    /* A hash made with older settings (more memory: 12 MiB before 9) is
     * replaced at the first login that proves the password. */
    char new_hash[PASSWORD_HASH_LEN];
    if (ok && password_needs_rehash(hash) && password_hash(pw, new_hash) == 0) { c.old_hash = hash; c.new_hash = new_hash; }
    int rc = db_write(job_login, &c);
    if (!ok) { resp_error(rs, 401, "invalid_credentials", NULL, "wrong e-mail or password"); return; }
    if (rc) { resp_error(rs, 503, "storage_error", NULL, "the session could not be stored"); return; }
    char cookie[256];
    snprintf(cookie, sizeof cookie, SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200", c.cookie);
    resp_header(rs, "Set-Cookie", cookie);
    resp_json(rs, 200, json_pack("{s:s, s:o}", "csrf_token", c.csrf, "user", user_json(&u)));
}

static void session_get(struct req *rq, struct resp *rs)
{
    char csrf[SECRET_TEXT_LEN] = "";
    if (rq->user.via_cookie) auth_authenticate(rq, csrf);
    json_t *o = json_pack("{s:o}", "user", user_json(&rq->user));
    if (csrf[0]) json_object_set_new(o, "csrf_token", json_string(csrf));
    resp_json(rs, 200, o);
}

struct logout_ctx { struct req *rq; const char *cookie; };

static int job_logout(db *w, void *arg)
{
    struct logout_ctx *c = arg;
    if (c->cookie && session_delete(w, c->cookie)) return 1;
    return audit_record(w, &c->rq->user, req_client_addr(c->rq), "session", c->rq->user.id, "logout", NULL, 0) ? 1 : 0;
}

static void session_logout(struct req *rq, struct resp *rs)
{
    struct logout_ctx c = {rq, rq->user.via_cookie ? req_cookie(rq, SESSION_COOKIE) : NULL};
    if (db_write(job_logout, &c)) { resp_error(rs, 503, "storage_error", NULL, "logout could not be stored"); return; }
    resp_header(rs, "Set-Cookie", SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    rs->status = 204;
}

struct token_ctx { struct req *rq; const char *name; char token[SECRET_TEXT_LEN]; int64_t id; int64_t revoke; int found; };

static int job_token_create(db *w, void *arg)
{
    struct token_ctx *c = arg;
    if (token_create(w, c->rq->user.id, c->name, c->token, &c->id)) return 1;
    json_t *d = json_pack("{s:s}", "name", c->name);
    int rc = audit_record(w, &c->rq->user, req_client_addr(c->rq), "api_token", c->id, "create", d, 0);
    return rc ? 1 : 0;
}

static void token_post(struct req *rq, struct resp *rs)
{
    struct token_ctx c = {.rq = rq, .name = ""};
    if (rq->json) {
        const char *key; json_t *v;
        json_object_foreach(rq->json, key, v) {
            if (strcmp(key, "name") != 0) { resp_error(rs, 422, "unknown_field", key, "%s is not a field of a token", key); return; }
            if (!json_is_string(v) || json_string_length(v) > 200 || !utf8_valid(json_string_value(v), json_string_length(v))) {
                resp_error(rs, 422, "invalid_type", "name", "name must be text of at most 200 bytes");
                return;
            }
            c.name = json_string_value(v);
        }
    }
    if (db_write(job_token_create, &c)) { resp_error(rs, 503, "storage_error", NULL, "the token could not be stored"); return; }
    resp_json(rs, 201, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c.id, "token", c.token, "name", c.name));
}

static void token_list(struct req *rq, struct resp *rs)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT id, name, created_at, revoked_at FROM api_token WHERE user_id = ? ORDER BY id");
    if (!s) { resp_error(rs, 500, "internal", NULL, "query failed"); return; }
    db_bind_int64(s, 1, rq->user.id);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)db_column_int64(s, 0), "name", db_column_text(s, 1),
                                               "created_at", db_column_text(s, 2),
                                               "revoked_at", db_column_text(s, 3) ? json_string(db_column_text(s, 3)) : json_null()));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static int job_token_revoke(db *w, void *arg)
{
    struct token_ctx *c = arg;
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "UPDATE api_token SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL");
    if (!s) return 1;
    db_bind_text(s, 1, now);
    db_bind_int64(s, 2, c->revoke);
    db_bind_int64(s, 3, c->rq->user.id);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return 1;
    c->found = db_changes(w) > 0;
    if (!c->found) return 0;
    return audit_record(w, &c->rq->user, req_client_addr(c->rq), "api_token", c->revoke, "revoke", NULL, 0) ? 1 : 0;
}

static void token_delete(struct req *rq, struct resp *rs)
{
    struct token_ctx c = {.rq = rq, .revoke = rq->path_ids[0]};
    if (db_write(job_token_revoke, &c)) { resp_error(rs, 503, "storage_error", NULL, "the token could not be revoked"); return; }
    if (!c.found) { resp_error(rs, 404, "not_found", "id", "no active token with that id"); return; }
    rs->status = 204;
}

/* OpenAPI shapes of these routes (src/api/openapi.c). */
#define SESSION_USER                                                                                                         \
    "{'type':'object','required':['id','email','name','role','permissions'],'additionalProperties':false,'properties':{"     \
    "'id':{'type':'integer','format':'int64'},'email':{'type':'string'},'name':{'type':'string'},'role':{'type':'string'},"   \
    "'permissions':{'type':'object','description':'entity → action → scope of the role',"                                    \
    "'additionalProperties':{'type':'object','additionalProperties':{'type':'string','enum':['none','own','team','all']}}}}}"
static const struct route_doc login_doc = {
    .id = "login", .tag = "session", .errors = "401 429", .headers = "Set-Cookie",
    .request = "{'type':'object','required':['email','password'],'additionalProperties':false,'properties':{"
               "'email':{'type':'string','maxLength':254},'password':{'type':'string','format':'password','maxLength':1024}}}",
    .request_name = "Login",
    .response = "{'type':'object','required':['csrf_token','user'],'additionalProperties':false,'properties':{"
                "'csrf_token':{'type':'string','description':'send it as X-CSRF-Token with every change made with the cookie'},"
                "'user':" SESSION_USER "}}",
    .response_name = "Session",
};
static const struct route_doc session_doc = {
    .id = "getSession", .tag = "session",
    .response = "{'type':'object','required':['user'],'additionalProperties':false,'properties':{"
                "'csrf_token':{'type':'string','description':'when logged in with the cookie'},"
                "'user':" SESSION_USER "}}",
};
static const struct route_doc logout_doc = {.id = "logout", .tag = "session", .status = 204};
static const struct route_doc token_post_doc = {
    .id = "createToken", .tag = "tokens", .status = 201,
    .request = "{'type':'object','additionalProperties':false,'properties':{'name':{'type':'string','maxLength':200}}}",
    .request_name = "TokenCreate",
    .response = "{'type':'object','required':['id','token','name'],'additionalProperties':false,'properties':{"
                "'id':{'type':'integer','format':'int64'},'token':{'type':'string','description':'rpt_…, shown only this once'},"
                "'name':{'type':'string'}}}",
    .response_name = "NewToken",
};
static const struct route_doc token_list_doc = {
    .id = "listTokens", .tag = "tokens",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'type':'object','required':['id','name','created_at','revoked_at'],"
                "'additionalProperties':false,'properties':{'id':{'type':'integer','format':'int64'},'name':{'type':'string'},"
                "'created_at':{'type':'string','format':'date-time'},'revoked_at':{'type':'string','format':'date-time','nullable':true}}}},"
                "'next':{'type':'string','nullable':true}}}",
    .response_name = "TokenList",
};
static const struct route_doc token_delete_doc = {.id = "revokeToken", .tag = "tokens", .status = 204};

static const struct route session_routes[] = {
    {"POST", "/api/v1/session", R_PUBLIC, "session", "create", session_login, "Log in with e-mail and password; sets the session cookie and returns the CSRF token", NULL, &login_doc},
    {"GET", "/api/v1/session", 0, "session", "read", session_get, "The logged-in user", NULL, &session_doc},
    {"DELETE", "/api/v1/session", 0, "session", "delete", session_logout, "Log out", NULL, &logout_doc},
    {"POST", "/api/v1/tokens", 0, "tokens", "create", token_post, "Create an API token (shown once)", NULL, &token_post_doc},
    {"GET", "/api/v1/tokens", 0, "tokens", "read", token_list, "List your API tokens", NULL, &token_list_doc},
    {"DELETE", "/api/v1/tokens/{id}", 0, "tokens", "delete", token_delete, "Revoke an API token", NULL, &token_delete_doc},
};

void session_register(void)
{
    routes_register(session_routes, sizeof session_routes / sizeof session_routes[0]);
}
