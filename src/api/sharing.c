/* sharing: who a customer belongs to. Ownership transfer hands one, some or
 * all of a user's parties (and their open tasks) to another user or team in
 * one transaction — when staff leave, nothing about the customer is lost
 * (D1 资讯保存) — and explicit shares open one party to a user or a team. */
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern struct resource interaction_resource;

struct transfer_ctx {
    struct req *rq;
    int64_t from_user, to_user, to_team;
    json_t *party_ids;     /* array or NULL (= all of from_user's parties) */
    int64_t parties, tasks;
    struct verr e;
};

static bool exists(db *w, const char *sql, int64_t id)
{
    db_stmt *s = db_prepare(w, sql);
    db_bind_int64(s, 1, id);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

/* One party and its open tasks change hands through the write path (as
 * "transfer" changes: audit rows and events). The caller's assign scope is
 * the check here, so the write itself is not limited by the update scope. */
static int transfer_one(db *w, struct transfer_ctx *c, int64_t pid, enum scope assign)
{
    if (!authz_party_in_scope(w, &c->rq->user, pid, assign)) {
        verr_set(&c->e, 404, "not_found", "party_ids", "no party with id %lld that you may assign", (long long)pid);
        return -1;
    }
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    wr.user = NULL;
    struct write_opts o = {.action = "transfer"};
    json_t *patch = json_pack("{s:I}", "owner_id", (json_int_t)c->to_user);
    if (c->to_team) json_object_set_new(patch, "team_id", json_integer(c->to_team));
    int rc = record_update(w, &wr, &party_resource, pid, patch, &o, NULL, &c->e);
    json_decref(patch);
    if (rc) return -1;
    /* Open tasks on the customer follow the customer: each changed task
     * leaves the set, so the first one left is the next one. */
    patch = json_pack("{s:I}", "user_id", (json_int_t)c->to_user);
    int n = 0;
    for (;;) {
        db_stmt *s = db_prepare(w, "SELECT id FROM interaction WHERE party_id = ? AND status = 'planned' AND user_id = ? ORDER BY id LIMIT 1");
        if (!s) { json_decref(patch); verr_from_db(&c->e, w, NULL); return -1; }
        db_bind_int64(s, 1, pid);
        db_bind_int64(s, 2, c->from_user);
        int64_t task = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_done(s);
        if (!task || c->from_user == c->to_user) break;
        if (record_update(w, &wr, &interaction_resource, task, patch, &o, NULL, &c->e)) { json_decref(patch); return -1; }
        n++;
    }
    json_decref(patch);
    c->tasks += n;
    c->parties++;
    return 0;
}

static int job_transfer(db *w, void *arg)
{
    struct transfer_ctx *c = arg;
    if (!exists(w, "SELECT 1 FROM app_user WHERE id = ? AND disabled = 0", c->to_user)) {
        verr_set(&c->e, 422, "invalid_reference", "to_user_id", "no enabled user with that id");
        return 1;
    }
    if (c->to_team && !exists(w, "SELECT 1 FROM team WHERE id = ?", c->to_team)) {
        verr_set(&c->e, 422, "invalid_reference", "to_team_id", "no team with that id");
        return 1;
    }
    enum scope assign = authz_scope(&c->rq->user, "parties", "assign");
    if (c->party_ids) {
        size_t i; json_t *v;
        json_array_foreach(c->party_ids, i, v)
            if (transfer_one(w, c, json_integer_value(v), assign)) return 1;
        return 0;
    }
    /* All of the user's parties: collect first, then change, so the scan is stable. */
    db_stmt *s = db_prepare(w, "SELECT id FROM party WHERE owner_id = ? AND deleted_at IS NULL ORDER BY id");
    db_bind_int64(s, 1, c->from_user);
    size_t n = 0, cap = 256;
    int64_t *ids = malloc(cap * sizeof *ids);
    while (ids && db_step(s) == DB_ROW) {
        if (n == cap) { int64_t *m = realloc(ids, (cap *= 2) * sizeof *ids); if (!m) break; ids = m; }
        ids[n++] = db_column_int64(s, 0);
    }
    db_done(s);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (authz_party_in_scope(w, &c->rq->user, ids[i], assign) && transfer_one(w, c, ids[i], assign)) rc = 1;
    free(ids);
    return rc;
}

static int int_field(json_t *body, const char *name, bool required, int64_t *out, struct resp *rs)
{
    json_t *v = json_object_get(body, name);
    if (!v || json_is_null(v)) {
        if (required) { resp_error(rs, 422, "required", name, "%s is required", name); return -1; }
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0) { resp_error(rs, 422, "invalid_type", name, "%s must be an id", name); return -1; }
    *out = json_integer_value(v);
    return 0;
}

static void transfer_post(struct req *rq, struct resp *rs)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send {from_user_id, to_user_id, to_team_id?, party_ids?}"); return; }
    struct transfer_ctx c = {.rq = rq};
    static const char *const allowed[] = {"from_user_id", "to_user_id", "to_team_id", "party_ids", NULL};
    if (!body_keys_known(rq->json, allowed, "a transfer", rs)) return;
    if (int_field(rq->json, "from_user_id", true, &c.from_user, rs) || int_field(rq->json, "to_user_id", true, &c.to_user, rs) ||
        int_field(rq->json, "to_team_id", false, &c.to_team, rs))
        return;
    c.party_ids = json_object_get(rq->json, "party_ids");
    if (c.party_ids) {
        size_t i; json_t *x;
        if (!json_is_array(c.party_ids) || json_array_size(c.party_ids) > 10000) { resp_error(rs, 422, "invalid_type", "party_ids", "party_ids must be an array of at most 10000 ids"); return; }
        json_array_foreach(c.party_ids, i, x)
            if (!json_is_integer(x) || json_integer_value(x) <= 0) { resp_error(rs, 422, "invalid_type", "party_ids", "party_ids[%zu] must be an id", i); return; }
    }
    int rc = db_write(job_transfer, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the transfer could not be stored; nothing changed"); resp_verr(rs, &c.e); return; }
    resp_json(rs, 200, json_pack("{s:I, s:I}", "parties", (json_int_t)c.parties, "tasks", (json_int_t)c.tasks));
}

/* ---- shares ---- */

struct share_ctx { struct req *rq; int64_t party, user, team, share; json_t *out; struct verr e; };

static int share_check(db *w, struct share_ctx *c)
{
    const struct auth_user *u = &c->rq->user;
    if (!authz_party_in_scope(w, u, c->party, authz_scope(u, "parties", "read"))) {
        verr_set(&c->e, 404, "not_found", "id", "no party with id %lld", (long long)c->party);
        return -1;
    }
    if (!authz_party_in_scope(w, u, c->party, authz_scope(u, "parties", "update"))) {
        verr_set(&c->e, 403, "forbidden", NULL, "your role may not share this party");
        return -1;
    }
    return 0;
}

static int job_share_add(db *w, void *arg)
{
    struct share_ctx *c = arg;
    if (share_check(w, c)) return 1;
    if (c->user && !exists(w, "SELECT 1 FROM app_user WHERE id = ?", c->user)) { verr_set(&c->e, 422, "invalid_reference", "user_id", "no such user"); return 1; }
    if (c->team && !exists(w, "SELECT 1 FROM team WHERE id = ?", c->team)) { verr_set(&c->e, 422, "invalid_reference", "team_id", "no such team"); return 1; }
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "INSERT INTO record_share(entity, record_id, user_id, team_id, created_at) VALUES ('party', ?, ?, ?, ?)");
    db_bind_int64(s, 1, c->party);
    if (c->user) db_bind_int64(s, 2, c->user); else db_bind_null(s, 2);
    if (c->team) db_bind_int64(s, 3, c->team); else db_bind_null(s, 3);
    db_bind_text(s, 4, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { verr_from_db(&c->e, w, NULL); return 1; }
    c->share = db_last_insert_id(w);
    c->out = json_pack("{s:I, s:I, s:o, s:o, s:s}", "id", (json_int_t)c->share, "party_id", (json_int_t)c->party,
                       "user_id", c->user ? json_integer(c->user) : json_null(), "team_id", c->team ? json_integer(c->team) : json_null(),
                       "created_at", now);
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    return record_log(w, &wr, "party", c->party, "share", json_deep_copy(c->out), c->party) ? 1 : 0;
}

static int job_share_delete(db *w, void *arg)
{
    struct share_ctx *c = arg;
    if (share_check(w, c)) return 1;
    db_stmt *s = db_prepare(w, "DELETE FROM record_share WHERE id = ? AND entity = 'party' AND record_id = ?");
    db_bind_int64(s, 1, c->share);
    db_bind_int64(s, 2, c->party);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { verr_from_db(&c->e, w, NULL); return 1; }
    if (db_changes(w) == 0) { verr_set(&c->e, 404, "not_found", "share_id", "no such share"); return 1; }
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    return record_log(w, &wr, "party", c->party, "unshare",
                        json_pack("{s:I}", "share_id", (json_int_t)c->share), c->party) ? 1 : 0;
}

static void shares_list(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    if (!authz_party_in_scope(c, &rq->user, rq->path_ids[0], authz_scope(&rq->user, "parties", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)rq->path_ids[0]);
        return;
    }
    db_stmt *s = db_prepare(c, "SELECT id, user_id, team_id, created_at FROM record_share WHERE entity = 'party' AND record_id = ? ORDER BY id");
    db_bind_int64(s, 1, rq->path_ids[0]);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, json_pack("{s:I, s:o, s:o, s:s}", "id", (json_int_t)db_column_int64(s, 0),
            "user_id", db_column_type(s, 1) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 1)),
            "team_id", db_column_type(s, 2) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 2)),
            "created_at", db_column_text(s, 3)));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static void shares_add(struct req *rq, struct resp *rs)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send {user_id} or {team_id}"); return; }
    struct share_ctx c = {.rq = rq, .party = rq->path_ids[0]};
    static const char *const known[] = {"user_id", "team_id", NULL};
    if (!body_keys_known(rq->json, known, "a share", rs)) return;
    if (int_field(rq->json, "user_id", false, &c.user, rs) || int_field(rq->json, "team_id", false, &c.team, rs)) return;
    if (!c.user == !c.team) { resp_error(rs, 422, "required", "user_id", "give exactly one of user_id or team_id"); return; }
    int rc = db_write(job_share_add, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the share could not be stored"); resp_verr(rs, &c.e); return; }
    resp_json(rs, 201, c.out);
}

static void shares_delete(struct req *rq, struct resp *rs)
{
    struct share_ctx c = {.rq = rq, .party = rq->path_ids[0], .share = rq->path_ids[1]};
    int rc = db_write(job_share_delete, &c);
    if (rc) { if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the change could not be stored"); resp_verr(rs, &c.e); return; }
    rs->status = 204;
}

/* OpenAPI shapes of these routes (src/api/openapi.c). */
static const struct route_doc transfer_doc = {
    .id = "transferParties", .tag = "parties",
    .request = "{'type':'object','required':['from_user_id','to_user_id'],'additionalProperties':false,'properties':{"
               "'from_user_id':{'type':'integer','format':'int64','minimum':1},'to_user_id':{'type':'integer','format':'int64','minimum':1},"
               "'to_team_id':{'type':'integer','format':'int64','minimum':1,'nullable':true},"
               "'party_ids':{'type':'array','maxItems':10000,'items':{'type':'integer','format':'int64','minimum':1},"
               "'description':'only these parties (default: all of from_user_id)'}}}",
    .request_name = "Transfer",
    .response = "{'type':'object','required':['parties','tasks'],'additionalProperties':false,'properties':{"
                "'parties':{'type':'integer','description':'parties handed over'},'tasks':{'type':'integer','description':'open tasks handed over'}}}",
    .response_name = "TransferResult",
};
static const struct route_doc shares_list_doc = {
    .id = "listPartyShares", .tag = "parties",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/Share'}},'next':{'type':'string','nullable':true}}}",
    .response_name = "ShareList",
};
static const struct route_doc shares_add_doc = {
    .id = "createPartyShare", .tag = "parties", .status = 201, .errors = "409",
    .request = "{'type':'object','description':'exactly one of user_id and team_id','additionalProperties':false,'properties':{"
               "'user_id':{'type':'integer','format':'int64','minimum':1},'team_id':{'type':'integer','format':'int64','minimum':1}}}",
    .request_name = "ShareCreate",
    .response = "{'type':'object','required':['id','user_id','team_id','created_at'],'additionalProperties':false,'properties':{"
                "'id':{'type':'integer','format':'int64'},'party_id':{'type':'integer','format':'int64'},"
                "'user_id':{'type':'integer','format':'int64','nullable':true},'team_id':{'type':'integer','format':'int64','nullable':true},"
                "'created_at':{'type':'string','format':'date-time'}}}",
    .response_name = "Share",
};
static const struct route_doc shares_delete_doc = {.id = "deletePartyShare", .tag = "parties", .status = 204};

static const struct route sharing_routes[] = {
    {"POST", "/api/v1/transfers", 0, "parties", "assign", transfer_post, "Hand a user's parties (all, or party_ids) and their open tasks to another user or team", NULL, &transfer_doc},
    {"GET", "/api/v1/parties/{id}/shares", 0, "parties", "read", shares_list, "Who a party is shared with", NULL, &shares_list_doc},
    {"POST", "/api/v1/parties/{id}/shares", 0, "parties", "update", shares_add, "Share a party with a user or team", NULL, &shares_add_doc},
    {"DELETE", "/api/v1/parties/{id}/shares/{share_id}", 0, "parties", "update", shares_delete, "Stop sharing", NULL, &shares_delete_doc},
};

void sharing_register(void)
{
    routes_register(sharing_routes, sizeof sharing_routes / sizeof sharing_routes[0]);
}
