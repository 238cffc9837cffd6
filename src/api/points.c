/* points: the HTTP face of the loyalty points ledger (domain/points.h) —
 *   GET  /api/v1/parties/{id}/points    {"balance", "items", "next"}: the balance and the postings, newest first
 *   POST /api/v1/parties/{id}/points    {"points", "reason", …}: a redemption (reason "redeem") or an adjustment
 *   GET  /api/v1/points/check           rebuilds the balances from the ledger and says whether they agree (admin)
 *   POST /api/v1/points/check           the same, repairing the lot cache from the ledger (admin)
 * Reading needs read on the party (else 404), posting update on it (else 403);
 * an order_id a posting names is that party's own order, one the user reads. */
#include "api/api.h"
#include "db/writer.h"
#include "domain/points.h"
#include "http/authz.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void points_get(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t party = rq->path_ids[0];
    if (!authz_party_in_scope(c, &rq->user, party, authz_scope(&rq->user, "parties", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)party);
        return;
    }
    long limit = 50;
    int64_t before = 0;
    const char *ls = req_query(rq, "limit"), *bs = req_query(rq, "before");
    char *end;
    if (ls && ((limit = strtol(ls, &end, 10)) < 1 || limit > 500 || *end)) {
        resp_error(rs, 400, "invalid_parameter", "limit", "limit must be an integer from 1 to 500");
        return;
    }
    if (bs && ((before = strtoll(bs, &end, 10)) < 1 || *end)) {
        resp_error(rs, 400, "invalid_parameter", "before", "before must be a cursor from a previous page");
        return;
    }
    int64_t next = 0;
    json_t *items = points_items(c, party, before, (int)limit, &next);
    if (!items) { resp_error(rs, 503, "storage_error", NULL, "the points could not be read"); return; }
    char cur[24];
    snprintf(cur, sizeof cur, "%lld", (long long)next);
    resp_json(rs, 200, json_pack("{s:I, s:o, s:o}", "balance", (json_int_t)points_balance(c, party), "items", items,
                                 "next", next ? json_string(cur) : json_null()));
}

struct post_ctx {
    struct req *rq;
    struct points_post p;
    char actor[80];
    int64_t id, balance;
    struct verr e;
};

static int post_job(db *w, void *arg)
{
    struct post_ctx *c = arg;
    /* As on the party itself: one the user may not read is not there (404);
     * one they read but may not change is forbidden (403). */
    if (!authz_party_in_scope(w, &c->rq->user, c->p.party_id, authz_scope(&c->rq->user, "parties", "read") & ~SCOPE_WRITE)) {
        verr_set(&c->e, 404, "not_found", "id", "no party with id %lld", (long long)c->p.party_id);
        return 1;
    }
    if (!authz_party_in_scope(w, &c->rq->user, c->p.party_id, authz_scope(&c->rq->user, "parties", "update"))) {
        verr_set(&c->e, 403, "forbidden", NULL, "you may not change the points of party %lld", (long long)c->p.party_id);
        return 1;
    }
    /* The order a posting names is that party's own, and one the user may read:
     * an id of nothing, or of someone else's order, is refused rather than stored. */
    if (c->p.order_id) {
        db_stmt *s = db_prepare(w, "SELECT 1 FROM sales_order WHERE id = ? AND party_id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, c->p.order_id);
        db_bind_int64(s, 2, c->p.party_id);
        bool theirs = db_step(s) == DB_ROW;
        db_done(s);
        if (!theirs || !authz_record_in_scope(w, &c->rq->user, registry_by_type("order"), c->p.order_id,
                                              authz_scope(&c->rq->user, "orders", "read") & ~SCOPE_WRITE)) {
            verr_set(&c->e, 422, "invalid_reference", "order_id", "no order with id %lld of party %lld that you may read",
                     (long long)c->p.order_id, (long long)c->p.party_id);
            return 1;
        }
    }
    if (c->p.program_id) {
        db_stmt *s = db_prepare(w, "SELECT min_redeem FROM loyalty_program WHERE id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, c->p.program_id);
        int found = db_step(s) == DB_ROW;
        int64_t min = found && db_column_type(s, 0) != DB_NULL ? db_column_int64(s, 0) : 0;
        db_done(s);
        if (!found) { verr_set(&c->e, 422, "invalid_reference", "program_id", "no loyalty programme %lld", (long long)c->p.program_id); return 1; }
        if (!strcmp(c->p.kind, "redeem") && -c->p.points < min) {
            verr_set(&c->e, 422, "below_minimum", "points", "this programme redeems at least %lld points", (long long)min);
            return 1;
        }
    }
    if (points_post(w, &c->p, &c->id, &c->e)) return 1;
    c->balance = points_balance(w, c->p.party_id);
    return 0;
}

static int opt_id(json_t *body, const char *name, int64_t *out, struct resp *rs)
{
    json_t *v = json_object_get(body, name);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1) { resp_error(rs, 422, "invalid_value", name, "%s must be a positive id", name); return -1; }
    *out = json_integer_value(v);
    return 0;
}

static void points_post_h(struct req *rq, struct resp *rs)
{
    json_t *b = rq->json;
    if (!json_is_object(b)) { resp_error(rs, 400, "missing_body", NULL, "send {\"points\", \"reason\"}"); return; }
    static const char *const known[] = {"points", "reason", "program_id", "order_id", "expires_at", NULL};
    if (!body_keys_known(b, known, "a points posting", rs)) return;
    struct post_ctx c = {.rq = rq};
    json_t *pts = json_object_get(b, "points"), *reason = json_object_get(b, "reason"), *exp = json_object_get(b, "expires_at");
    if (!json_is_integer(pts) || json_integer_value(pts) == 0 || json_integer_value(pts) > 100000000 ||
        json_integer_value(pts) < -100000000) {
        resp_error(rs, 422, "invalid_value", "points", "points is a non-zero whole number from -100000000 to 100000000");
        return;
    }
    if (!json_is_string(reason) || !json_string_length(reason) || json_string_length(reason) > 500) {
        resp_error(rs, 422, "required", "reason", "reason says why (\"redeem\" for a redemption), at most 500 characters");
        return;
    }
    c.p.points = json_integer_value(pts);
    c.p.reason = json_string_value(reason);
    c.p.kind = !strcmp(c.p.reason, "redeem") ? "redeem" : "adjust";
    if (!strcmp(c.p.kind, "redeem") && c.p.points > 0) {
        resp_error(rs, 422, "invalid_value", "points", "a redemption takes points: points must be negative");
        return;
    }
    char expbuf[21];
    if (exp && !json_is_null(exp)) {
        int64_t t;
        if (!json_is_string(exp) || time_parse(json_string_value(exp), &t) || c.p.points < 0) {
            resp_error(rs, 422, "invalid_value", "expires_at", "expires_at is an ISO 8601 time, for a positive adjustment only");
            return;
        }
        time_format(t, expbuf);
        c.p.expires_at = expbuf;
    }
    if (opt_id(b, "program_id", &c.p.program_id, rs) || opt_id(b, "order_id", &c.p.order_id, rs)) return;
    c.p.party_id = rq->path_ids[0];
    snprintf(c.actor, sizeof c.actor, "user:%lld", (long long)rq->user.id);
    c.p.actor = c.actor;
    int rc = db_write(post_job, &c);
    if (rc) {
        if (rc < 0 || !c.e.code) verr_set(&c.e, 503, "storage_error", NULL, "the points could not be written");
        resp_verr(rs, &c.e);
        return;
    }
    json_t *entry = points_entry(db_reader(), c.id);
    resp_json(rs, 201, json_pack("{s:I, s:o}", "balance", (json_int_t)c.balance, "entry", entry ? entry : json_object()));
}

struct check_ctx { json_t *out; };

static int repair_job(db *w, void *arg)
{
    struct check_ctx *c = arg;
    c->out = points_check(w, true);
    return c->out ? 0 : 1;
}

static void points_check_h(struct req *rq, struct resp *rs)
{
    struct check_ctx c = {0};
    if (rq->method == M_POST) {
        if (db_write(repair_job, &c)) { json_decref(c.out); c.out = NULL; }
    } else {
        c.out = points_check(db_reader(), false);
    }
    if (!c.out) { resp_error(rs, 503, "storage_error", NULL, "the ledger could not be checked"); return; }
    resp_json(rs, 200, c.out);
}

#define ENTRY_SCHEMA                                                                                                       \
    "{'type':'object','required':['id','party_id','program_id','kind','points','balance_after','expires_at','txn_id',"    \
    "'reverses_id','order_id','reason','actor','at'],'additionalProperties':false,'properties':{"                          \
    "'id':{'type':'integer','format':'int64'},'party_id':{'type':'integer','format':'int64'},"                             \
    "'program_id':{'type':'integer','format':'int64','nullable':true},"                                                    \
    "'kind':{'type':'string','enum':['earn','redeem','expire','adjust','reverse']},"                                       \
    "'points':{'type':'integer','format':'int64'},'balance_after':{'type':'integer','format':'int64','minimum':0},"        \
    "'expires_at':{'type':'string','format':'date-time','nullable':true},"                                                 \
    "'txn_id':{'type':'integer','format':'int64','nullable':true},'reverses_id':{'type':'integer','format':'int64','nullable':true}," \
    "'order_id':{'type':'integer','format':'int64','nullable':true},'reason':{'type':'string'},'actor':{'type':'string'},"   \
    "'at':{'type':'string','format':'date-time'}}}"

static const char *const points_schemas[] = {"PointsEntry", ENTRY_SCHEMA, NULL};

static const struct route_doc points_get_doc = {
    .id = "getPartyPoints", .tag = "loyalty-programs",
    .params = "[{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}},"
              "{'name':'before','in':'query','schema':{'type':'string','maxLength':24},'description':'the next of the previous page'}]",
    .response = "{'type':'object','required':['balance','items','next'],'additionalProperties':false,'properties':{"
                "'balance':{'type':'integer','format':'int64','minimum':0},"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/PointsEntry'}},"
                "'next':{'type':'string','nullable':true}}}",
    .response_name = "PartyPoints", .schemas = points_schemas,
};
static const struct route_doc points_post_doc = {
    .id = "postPartyPoints", .tag = "loyalty-programs", .status = 201, .errors = "409",
    .request = "{'type':'object','required':['points','reason'],'additionalProperties':false,'properties':{"
               "'points':{'type':'integer','minimum':-100000000,'maximum':100000000,'description':'negative: taken; positive: an adjustment'},"
               "'reason':{'type':'string','minLength':1,'maxLength':500,'description':'redeem for a redemption, else why'},"
               "'program_id':{'type':'integer','format':'int64','nullable':true},'order_id':{'type':'integer','format':'int64','nullable':true},"
               "'expires_at':{'type':'string','format':'date-time','nullable':true}}}",
    .request_name = "PointsPost",
    .response = "{'type':'object','required':['balance','entry'],'additionalProperties':false,'properties':{"
                "'balance':{'type':'integer','format':'int64','minimum':0},'entry':{'$ref':'#/components/schemas/PointsEntry'}}}",
    .response_name = "PointsPosted",
};
#define CHECK_SCHEMA                                                                                                       \
    "{'type':'object','required':['ok','parties','postings','problems','mismatches'],'additionalProperties':false,'properties':{" \
    "'ok':{'type':'boolean'},'parties':{'type':'integer'},'postings':{'type':'integer'},'problems':{'type':'integer'},"     \
    "'mismatches':{'type':'array','items':{'type':'object','required':['party_id','what','expected','stored','posting_id'],"  \
    "'properties':{'party_id':{'type':'integer'},'what':{'type':'string','enum':['balance_after','lot_remaining','spent_from_lots','lots_sum']}," \
    "'expected':{'type':'integer'},'stored':{'type':'integer'},'posting_id':{'type':'integer'}}}}}}"
static const struct route_doc check_get_doc = {.id = "checkPoints", .tag = "loyalty-programs", .response = CHECK_SCHEMA,
                                               .response_name = "PointsCheck"};
static const struct route_doc check_post_doc = {.id = "repairPoints", .tag = "loyalty-programs",
                                                .request = "{'type':'object','additionalProperties':false,'properties':{}}",
                                                .response = "{'$ref':'#/components/schemas/PointsCheck'}"};

static const struct route points_routes[] = {
    {"GET", "/api/v1/parties/{id}/points", 0, "parties", "read", points_get,
     "A party's loyalty points: the balance and the ledger, newest first", NULL, &points_get_doc},
    {"POST", "/api/v1/parties/{id}/points", 0, "parties", "update", points_post_h,
     "Redeem points (reason redeem, negative points) or adjust them; an overdraw is 409 insufficient_points", NULL, &points_post_doc},
    {"GET", "/api/v1/points/check", R_ADMIN, "users", "read", points_check_h,
     "Rebuild every balance from the points ledger and say whether they agree (admin)", NULL, &check_get_doc},
    {"POST", "/api/v1/points/check", R_ADMIN, "users", "update", points_check_h,
     "Check the points ledger and rebuild the lot cache from it (admin)", NULL, &check_post_doc},
};

void points_register(void)
{
    routes_register(points_routes, sizeof points_routes / sizeof points_routes[0]);
    points_jobs_register();
}
