/* referrals: the HTTP face of the VIP referral-card programme (DOMAIN D9,
 * domain/referral.h). The programme itself is the record type
 * /api/v1/referral-programs (registry); here are its members and cards:
 *   GET  …/referral-programs/{id}/members                       the first-level members (a page)
 *   POST …/referral-programs/{id}/members                       enrol a first-level member with a complete file
 *   GET  …/referral-programs/{id}/members/{member_id}           one member
 *   POST …/referral-programs/{id}/members/{member_id}/cards     issue cards (within quota and budget)
 *   GET  …/referral-programs/{id}/members/{member_id}/cards     the cards a member issued
 *   GET  …/referral-programs/{id}/members/{member_id}/tree      the member, its subtree totals, its children (a page)
 *   POST …/referral-programs/{id}/referrals                     an ordinary member referred by card number and name
 *   GET  …/referral-programs/{id}/report                        per level: planned against actual
 *   POST /api/v1/referral-cards/{code}/redeem                    a new customer redeems a card
 * Setting up and enrolling needs update on referral-programs; enrolling,
 * redeeming and referring a customer need update on that party; reading needs
 * read. A member is seen through its party: one whose party the user may not
 * read is a 404 (its cards and tree too) and is left out of the member list.
 * Each change writes an audit row on the programme. */
#include "api/api.h"
#include "db/writer.h"
#include "domain/referral.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool program_exists(db *c, int64_t id)
{
    db_stmt *s = db_prepare(c, "SELECT 1 FROM referral_program WHERE id = ?");
    if (!s) return false;
    db_bind_int64(s, 1, id);
    bool ok = db_step(s) == DB_ROW;
    db_done(s);
    return ok;
}

static int page_params(struct req *rq, struct resp *rs, int64_t *after, long *limit)
{
    const char *ls = req_query(rq, "limit"), *as = req_query(rq, "after");
    char *end;
    *limit = 50;
    *after = 0;
    if (ls && ((*limit = strtol(ls, &end, 10)) < 1 || *limit > 500 || *end)) {
        resp_error(rs, 400, "invalid_parameter", "limit", "limit must be an integer from 1 to 500");
        return -1;
    }
    if (as && ((*after = strtoll(as, &end, 10)) < 1 || *end)) {
        resp_error(rs, 400, "invalid_parameter", "after", "after must be the next of a previous page");
        return -1;
    }
    return 0;
}

/* Copies an optional text field of body into out; -1 with rs set when it
 * is there but not text. */
static int text_field(json_t *body, const char *name, char *out, size_t cap, struct resp *rs)
{
    json_t *v = json_object_get(body, name);
    out[0] = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v) || json_string_length(v) >= cap) {
        resp_error(rs, 422, "invalid_value", name, "%s is text of at most %zu characters", name, cap - 1);
        return -1;
    }
    snprintf(out, cap, "%s", json_string_value(v));
    return 0;
}

static int id_field(json_t *body, const char *name, bool required, int64_t *out, struct resp *rs)
{
    json_t *v = json_object_get(body, name);
    *out = 0;
    if (!v || json_is_null(v)) {
        if (required) resp_error(rs, 422, "required", name, "%s is required", name);
        return required ? -1 : 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1) { resp_error(rs, 422, "invalid_value", name, "%s must be a positive id", name); return -1; }
    *out = json_integer_value(v);
    return 0;
}

static int known_fields(json_t *body, const char *const *known, struct resp *rs)
{
    if (!json_is_object(body)) { resp_error(rs, 400, "missing_body", NULL, "send a JSON object"); return -1; }
    return body_keys_known(body, known, "this request", rs) ? 0 : -1;
}

struct ref_ctx {
    struct req *rq;
    int64_t program, member, party, order_id, out;
    int count;
    const char *code, *member_card, *referrer_name;
    struct referral_identity id;
    char actor[80];
    json_t *cards;
    struct verr e;
    enum { OP_ENROL, OP_ISSUE, OP_REDEEM, OP_REFER } op;
};

static bool order_of_party(db *w, const struct auth_user *u, int64_t order, int64_t party)
{
    db_stmt *s = db_prepare(w, "SELECT 1 FROM sales_order WHERE id = ? AND party_id = ?");
    if (!s) return false;
    db_bind_int64(s, 1, order);
    db_bind_int64(s, 2, party);
    bool ok = db_step(s) == DB_ROW;
    db_done(s);
    return ok && authz_record_in_scope(w, u, registry_by_type("order"), order, authz_scope(u, "orders", "read") & ~SCOPE_WRITE);
}

/* A member is seen through its party: a member whose party the user may not
 * read is not there for them (404), like the party itself. */
/* Whether member is one of program's members (any programme's when program
 * is 0) whose party u may read: anything else is answered as missing. */
static bool member_visible(db *c, const struct auth_user *u, int64_t program, int64_t member)
{
    enum scope sc = authz_scope(u, "parties", "read") & ~SCOPE_WRITE;
    if (sc == SCOPE_ALL && !program) return true;
    db_stmt *s = db_prepare(c, "SELECT party_id, program_id FROM referral_member WHERE id = ?");
    if (!s) return false;
    db_bind_int64(s, 1, member);
    int64_t party = 0, in = 0;
    if (db_step(s) == DB_ROW) { party = db_column_int64(s, 0); in = db_column_int64(s, 1); }
    db_done(s);
    if (!party || (program && in != program)) return false;
    return sc == SCOPE_ALL || authz_party_in_scope(c, u, party, sc);
}

static int ref_job(db *w, void *arg)
{
    struct ref_ctx *c = arg;
    if (c->op == OP_ISSUE && !member_visible(w, &c->rq->user, c->program, c->member)) {
        verr_set(&c->e, 404, "not_found", "member_id", "no member %lld in this programme", (long long)c->member);
        return 1;
    }
    if (c->op == OP_ENROL || c->op == OP_REDEEM || c->op == OP_REFER) {
        /* The new member's party must be one the user may change: enrolling reads
         * its personal file and answers its name. A role that changes no party
         * at all is forbidden outright (403), whichever party it names. */
        enum scope sc = authz_scope(&c->rq->user, "parties", "update");
        if ((sc & ~SCOPE_WRITE) == SCOPE_NONE) {
            verr_set(&c->e, 403, "forbidden", NULL, "your role may not enrol customers in a referral programme");
            return 1;
        }
        if (!authz_party_in_scope(w, &c->rq->user, c->party, sc)) {
            verr_set(&c->e, 422, "invalid_reference", "party_id", "no party with id %lld that you may change", (long long)c->party);
            return 1;
        }
    }
    /* The order a benefit went through (D9's member order flow) is the new member's own order, one the
     * user may read: an id of nothing, or of someone else's order, is refused rather than stored. */
    if (c->order_id && !order_of_party(w, &c->rq->user, c->order_id, c->party)) {
        verr_set(&c->e, 422, "invalid_reference", "order_id", "no order with id %lld of party %lld that you may read",
                 (long long)c->order_id, (long long)c->party);
        return 1;
    }
    int rc;
    const char *action;
    switch (c->op) {
    case OP_ENROL: rc = referral_enrol(w, c->program, c->party, &c->id, c->order_id, c->actor, &c->out, &c->e); action = "enrol"; break;
    case OP_ISSUE: rc = referral_issue(w, c->program, c->member, c->count, &c->cards, &c->e); action = "issue_cards"; break;
    case OP_REDEEM: rc = referral_redeem(w, c->code, c->party, &c->id, c->order_id, c->actor, &c->out, &c->e); action = "redeem"; break;
    default: rc = referral_refer(w, c->program, c->member_card, c->referrer_name, c->party, &c->id, c->actor, &c->out, &c->e); action = "refer"; break;
    }
    if (rc) return rc;
    int64_t program = c->program;
    if (c->op == OP_REDEEM) {
        db_stmt *s = db_prepare(w, "SELECT program_id FROM referral_member WHERE id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, c->out);
        if (db_step(s) == DB_ROW) program = db_column_int64(s, 0);
        db_done(s);
    }
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    json_t *changes = c->op == OP_ISSUE
        ? json_pack("{s:[n,I], s:[n,i]}", "member_id", (json_int_t)c->member, "cards", c->count)
        : json_pack("{s:[n,I], s:[n,I]}", "member_id", (json_int_t)c->out, "party_id", (json_int_t)c->party);
    return record_log(w, &wr, "referral_program", program, action, changes, c->op == OP_ISSUE ? 0 : c->party) ? -1 : 0;
}

static void run(struct ref_ctx *c, struct resp *rs)
{
    snprintf(c->actor, sizeof c->actor, "user:%lld", (long long)c->rq->user.id);
    int rc = db_write(ref_job, c);
    if (rc) {
        json_decref(c->cards);
        if (rc < 0 || !c->e.code) verr_set(&c->e, 503, "storage_error", NULL, "the change could not be stored");
        resp_verr(rs, &c->e);
        return;
    }
    if (c->op == OP_ISSUE) { resp_json(rs, 201, json_pack("{s:o}", "items", c->cards)); return; }
    json_t *m = referral_member_json(db_reader(), c->out);
    resp_json(rs, 201, m ? m : json_object());
}

static int identity_fields(json_t *b, struct referral_identity *id, struct resp *rs)
{
    return text_field(b, "id_number", id->id_number, sizeof id->id_number, rs) || text_field(b, "phone", id->phone, sizeof id->phone, rs) ||
           text_field(b, "email", id->email, sizeof id->email, rs) ? -1 : 0;
}

static void members_post(struct req *rq, struct resp *rs)
{
    static const char *const known[] = {"party_id", "id_number", "phone", "email", "order_id", NULL};
    struct ref_ctx c = {.rq = rq, .op = OP_ENROL, .program = rq->path_ids[0]};
    if (known_fields(rq->json, known, rs) || id_field(rq->json, "party_id", true, &c.party, rs) ||
        id_field(rq->json, "order_id", false, &c.order_id, rs) || identity_fields(rq->json, &c.id, rs)) return;
    run(&c, rs);
}

static void cards_post(struct req *rq, struct resp *rs)
{
    static const char *const known[] = {"count", NULL};
    struct ref_ctx c = {.rq = rq, .op = OP_ISSUE, .program = rq->path_ids[0], .member = rq->path_ids[1]};
    if (known_fields(rq->json, known, rs)) return;
    json_t *n = json_object_get(rq->json, "count");
    if (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > 100) {
        resp_error(rs, 422, "invalid_value", "count", "count is a whole number from 1 to 100");
        return;
    }
    c.count = (int)json_integer_value(n);
    run(&c, rs);
}

static void redeem_post(struct req *rq, struct resp *rs)
{
    static const char *const known[] = {"party_id", "id_number", "phone", "email", "order_id", NULL};
    struct ref_ctx c = {.rq = rq, .op = OP_REDEEM, .code = rq->path_params[0]};
    if (known_fields(rq->json, known, rs) || id_field(rq->json, "party_id", true, &c.party, rs) ||
        id_field(rq->json, "order_id", false, &c.order_id, rs) || identity_fields(rq->json, &c.id, rs)) return;
    run(&c, rs);
}

static void referrals_post(struct req *rq, struct resp *rs)
{
    static const char *const known[] = {"member_card", "referrer_name", "party_id", "id_number", "phone", "email", NULL};
    struct ref_ctx c = {.rq = rq, .op = OP_REFER, .program = rq->path_ids[0]};
    if (known_fields(rq->json, known, rs) || id_field(rq->json, "party_id", true, &c.party, rs) || identity_fields(rq->json, &c.id, rs)) return;
    c.member_card = json_string_value(json_object_get(rq->json, "member_card"));
    c.referrer_name = json_string_value(json_object_get(rq->json, "referrer_name"));
    if (!c.member_card) { resp_error(rs, 422, "required", "member_card", "member_card: the referring member's card number"); return; }
    if (!c.referrer_name) { resp_error(rs, 422, "required", "referrer_name", "referrer_name: the name on that member card"); return; }
    run(&c, rs);
}

static void members_get(struct req *rq, struct resp *rs)
{
    int64_t after;
    long limit;
    if (page_params(rq, rs, &after, &limit)) return;
    db *c = db_reader();
    if (!program_exists(c, rq->path_ids[0])) { resp_error(rs, 404, "not_found", "id", "no referral programme %lld", (long long)rq->path_ids[0]); return; }
    json_t *o = referral_roots(c, rq->path_ids[0], after, (int)limit);
    if (!o) { resp_error(rs, 503, "storage_error", NULL, "the members could not be read"); return; }
    /* Only the members whose party the user may read (a page may come out
     * shorter than limit; next still continues after it). */
    enum scope sc = authz_scope(&rq->user, "parties", "read") & ~SCOPE_WRITE;
    json_t *items = json_object_get(o, "items");
    for (size_t i = json_array_size(items); sc != SCOPE_ALL && i-- > 0;)
        if (!authz_party_in_scope(c, &rq->user, json_integer_value(json_object_get(json_array_get(items, i), "party_id")), sc))
            json_array_remove(items, i);
    resp_json(rs, 200, o);
}

static void member_get(struct req *rq, struct resp *rs)
{
    json_t *m = member_visible(db_reader(), &rq->user, rq->path_ids[0], rq->path_ids[1]) ? referral_member_json(db_reader(), rq->path_ids[1]) : NULL;
    if (!m || json_integer_value(json_object_get(m, "program_id")) != rq->path_ids[0]) {
        json_decref(m);
        resp_error(rs, 404, "not_found", "member_id", "no member %lld in this programme", (long long)rq->path_ids[1]);
        return;
    }
    resp_json(rs, 200, m);
}

static void cards_get(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    if (!member_visible(c, &rq->user, rq->path_ids[0], rq->path_ids[1])) {
        resp_error(rs, 404, "not_found", "member_id", "no member %lld in this programme", (long long)rq->path_ids[1]);
        return;
    }
    db_stmt *s = db_prepare(c, "SELECT k.id, k.code, k.issuer_id, k.level, k.status, k.issued_at, k.redeemed_at, k.redeemed_by FROM referral_card k"
                               " WHERE k.issuer_id = ? AND k.program_id = ? ORDER BY k.id");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the cards could not be read"); return; }
    db_bind_int64(s, 1, rq->path_ids[1]);
    db_bind_int64(s, 2, rq->path_ids[0]);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW)
        json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)db_column_int64(s, 0),
            "code", db_column_text(s, 1), "issuer_id", (json_int_t)db_column_int64(s, 2), "level", (json_int_t)db_column_int64(s, 3),
            "status", db_column_text(s, 4), "issued_at", db_column_text(s, 5),
            "redeemed_at", db_column_text(s, 6) ? json_string(db_column_text(s, 6)) : json_null(),
            "redeemed_by", db_column_type(s, 7) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 7))));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

static void tree_get(struct req *rq, struct resp *rs)
{
    int64_t after;
    long limit;
    if (page_params(rq, rs, &after, &limit)) return;
    json_t *t = member_visible(db_reader(), &rq->user, rq->path_ids[0], rq->path_ids[1])
        ? referral_tree(db_reader(), rq->path_ids[0], rq->path_ids[1], after, (int)limit) : NULL;
    if (!t) { resp_error(rs, 404, "not_found", "member_id", "no member %lld in this programme", (long long)rq->path_ids[1]); return; }
    /* A child whose party the user may not read stays in the tree (its
     * subtree counts and money are the programme's), without its name. */
    size_t i;
    json_t *child;
    json_array_foreach(json_object_get(t, "children"), i, child)
        if (!member_visible(db_reader(), &rq->user, 0, json_integer_value(json_object_get(child, "id")))) json_object_set_new(child, "name", json_null());
    resp_json(rs, 200, t);
}

static void report_get(struct req *rq, struct resp *rs)
{
    json_t *r = referral_report(db_reader(), rq->path_ids[0]);
    if (!r) { resp_error(rs, 404, "not_found", "id", "no referral programme %lld", (long long)rq->path_ids[0]); return; }
    resp_json(rs, 200, r);
}

/* ---- OpenAPI shapes ---- */
#define MONEY "{'$ref':'#/components/schemas/Money'}"
#define MEMBER_SCHEMA                                                                                                     \
    "{'type':'object','required':['id','program_id','party_id','name','level','ordinary','parent_id','member_card','card_code'," \
    "'benefit','benefit_cost','order_id','revenue','enrolled_at','cards_issued','cards_redeemed'],'additionalProperties':false,'properties':{" \
    "'id':{'type':'integer','format':'int64'},'program_id':{'type':'integer','format':'int64'},'party_id':{'type':'integer','format':'int64'}," \
    "'name':{'type':'string'},'level':{'type':'integer'},'ordinary':{'type':'boolean','description':'referred by card number and name, without discount'}," \
    "'parent_id':{'type':'integer','format':'int64','nullable':true},'member_card':{'type':'string','description':'the member card number'}," \
    "'card_code':{'type':'string','nullable':true,'description':'the referral card it came by'},'benefit':{'type':'string','nullable':true}," \
    "'benefit_cost':" MONEY ",'order_id':{'type':'integer','format':'int64','nullable':true},'revenue':" MONEY ","            \
    "'enrolled_at':{'type':'string','format':'date-time'},'card_quota':{'type':'integer'},'cards_issued':{'type':'integer'},"  \
    "'cards_redeemed':{'type':'integer'}}}"
#define CARD_SCHEMA                                                                                                       \
    "{'type':'object','required':['id','code','issuer_id','level','status','issued_at'],'properties':{"                    \
    "'id':{'type':'integer','format':'int64'},'code':{'type':'string'},'issuer_id':{'type':'integer','format':'int64'},"   \
    "'level':{'type':'integer'},'status':{'type':'string','enum':['issued','redeemed']},'issued_at':{'type':'string','format':'date-time'}," \
    "'redeemed_at':{'type':'string','format':'date-time','nullable':true},'redeemed_by':{'type':'integer','format':'int64','nullable':true}," \
    "'benefit':{'type':'string','nullable':true}}}"
#define PAGE_PARAMS                                                                                                       \
    "[{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}},"                    \
    "{'name':'after','in':'query','schema':{'type':'string','maxLength':24},'description':'the next of the previous page'}]"
#define IDENTITY_PROPS                                                                                                    \
    "'party_id':{'type':'integer','format':'int64'},'id_number':{'type':'string','maxLength':63},"                         \
    "'phone':{'type':'string','maxLength':31},'email':{'type':'string','maxLength':255}"

static const char *const member_schemas[] = {"ReferralMember", MEMBER_SCHEMA, "ReferralCard", CARD_SCHEMA, NULL};

static const struct route_doc members_get_doc = {
    .id = "listReferralMembers", .tag = "referral-programs", .params = PAGE_PARAMS,
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/ReferralMember'}},'next':{'type':'string','nullable':true}}}",
    .response_name = "ReferralMemberList", .schemas = member_schemas,
};
static const struct route_doc members_post_doc = {
    .id = "enrolReferralMember", .tag = "referral-programs", .status = 201, .errors = "409",
    .request = "{'type':'object','required':['party_id','id_number'],'additionalProperties':false,'description':"
               "'a complete personal file: ID number, phone and e-mail (given or the party s), the party s address','properties':{"
               IDENTITY_PROPS ",'order_id':{'type':'integer','format':'int64','nullable':true}}}",
    .request_name = "ReferralEnrol", .response = "{'$ref':'#/components/schemas/ReferralMember'}",
};
static const struct route_doc member_get_doc = {.id = "getReferralMember", .tag = "referral-programs",
                                                .response = "{'$ref':'#/components/schemas/ReferralMember'}"};
static const struct route_doc cards_post_doc = {
    .id = "issueReferralCards", .tag = "referral-programs", .status = 201, .errors = "409",
    .request = "{'type':'object','required':['count'],'additionalProperties':false,'properties':{'count':{'type':'integer','minimum':1,'maximum':100}}}",
    .request_name = "ReferralIssue",
    .response = "{'type':'object','required':['items'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/ReferralCard'}}}}",
    .response_name = "ReferralCardList",
};
static const struct route_doc cards_get_doc = {.id = "listReferralCards", .tag = "referral-programs",
                                               .response = "{'$ref':'#/components/schemas/ReferralCardList'}"};
static const struct route_doc tree_doc = {
    .id = "getReferralTree", .tag = "referral-programs", .params = PAGE_PARAMS,
    .response = "{'type':'object','required':['member','subtree','children','next'],'additionalProperties':false,'properties':{"
                "'member':{'$ref':'#/components/schemas/ReferralMember'},"
                "'subtree':{'type':'object','required':['members','discounted','ordinary','cost','revenue','levels'],'properties':{"
                "'members':{'type':'integer'},'discounted':{'type':'integer'},'ordinary':{'type':'integer'},'cost':" MONEY ",'revenue':" MONEY ","
                "'levels':{'type':'array','items':{'type':'object','required':['level','ordinary','members','cost','revenue'],'properties':{"
                "'level':{'type':'integer'},'ordinary':{'type':'boolean'},'members':{'type':'integer'},'cost':" MONEY ",'revenue':" MONEY "}}}}},"
                "'children':{'type':'array','items':{'type':'object','required':['id','name','level','ordinary','subtree_members','subtree_cost','subtree_revenue'],"
                "'properties':{'id':{'type':'integer','format':'int64'},'name':{'type':'string','nullable':true,"
                "'description':'null for a member whose party you may not read'},'level':{'type':'integer'},'ordinary':{'type':'boolean'},"
                "'subtree_members':{'type':'integer'},'subtree_cost':" MONEY ",'subtree_revenue':" MONEY "}}},"
                "'next':{'type':'string','nullable':true}}}",
    .response_name = "ReferralTree",
};
static const struct route_doc referrals_doc = {
    .id = "referOrdinaryMember", .tag = "referral-programs", .status = 201, .errors = "409",
    .request = "{'type':'object','required':['member_card','referrer_name','party_id'],'additionalProperties':false,'properties':{"
               "'member_card':{'type':'string','description':'the referring member s card number'},"
               "'referrer_name':{'type':'string','description':'the name on that card'}," IDENTITY_PROPS "}}",
    .request_name = "ReferralRefer", .response = "{'$ref':'#/components/schemas/ReferralMember'}",
};
static const struct route_doc redeem_doc = {
    .id = "redeemReferralCard", .tag = "referral-programs", .status = 201, .errors = "409",
    .request = "{'type':'object','required':['party_id'],'additionalProperties':false,'properties':{" IDENTITY_PROPS ","
               "'order_id':{'type':'integer','format':'int64','nullable':true,'description':'the order the benefit went through, if any'}}}",
    .request_name = "ReferralRedeem", .response = "{'$ref':'#/components/schemas/ReferralMember'}",
};
#define MONEY_N MONEY
static const struct route_doc report_doc = {
    .id = "getReferralReport", .tag = "referral-programs",
    .response = "{'type':'object','required':['program_id','currency','budget_cap','first_level_members','cost','committed','revenue',"
                "'planned_per_first_level','levels','ordinary_beyond_last_level','budget_left'],'additionalProperties':false,'properties':{"
                "'program_id':{'type':'integer','format':'int64'},'currency':{'type':'string'},'budget_cap':" MONEY ","
                "'first_level_members':{'type':'integer'},'cost':" MONEY ",'committed':" MONEY ",'revenue':" MONEY ","
                "'budget_left':" MONEY ",'ordinary_beyond_last_level':{'type':'integer'},"
                "'planned_per_first_level':{'type':'object','required':['cost','revenue'],'properties':{'cost':" MONEY ",'revenue':" MONEY "}},"
                "'levels':{'type':'array','items':{'type':'object','required':['level','card_quota','benefit','benefit_cost','expected_spend',"
                "'members','ordinary_members','benefits_granted','cards_issued','cards_redeemed','cost','revenue','planned'],'properties':{"
                "'level':{'type':'integer'},'card_quota':{'type':'integer'},'benefit':{'type':'string','nullable':true},"
                "'benefit_cost':" MONEY ",'expected_spend':" MONEY ",'members':{'type':'integer'},'ordinary_members':{'type':'integer'},"
                "'benefits_granted':{'type':'integer'},'cards_issued':{'type':'integer'},'cards_redeemed':{'type':'integer'},"
                "'cost':" MONEY ",'revenue':" MONEY ","
                "'planned':{'type':'object','required':['members_per_first_level','members','cost_per_first_level','revenue_per_first_level','cost','revenue'],"
                "'properties':{'members_per_first_level':{'type':'integer'},'members':{'type':'integer'},'cost_per_first_level':" MONEY ","
                "'revenue_per_first_level':" MONEY ",'cost':" MONEY ",'revenue':" MONEY "}}}}}}}",
    .response_name = "ReferralReport",
};

static const struct route referral_routes[] = {
    {"GET", "/api/v1/referral-programs/{id}/members", 0, "referral-programs", "read", members_get,
     "The first-level members of a referral programme", NULL, &members_get_doc},
    {"POST", "/api/v1/referral-programs/{id}/members", 0, "referral-programs", "update", members_post,
     "Enrol a first-level member with a complete personal file", NULL, &members_post_doc},
    {"GET", "/api/v1/referral-programs/{id}/members/{member_id}", 0, "referral-programs", "read", member_get,
     "A member of a referral programme", NULL, &member_get_doc},
    {"POST", "/api/v1/referral-programs/{id}/members/{member_id}/cards", 0, "referral-programs", "update", cards_post,
     "Issue referral cards (409 quota_exceeded or budget_exceeded, nothing issued)", NULL, &cards_post_doc},
    {"GET", "/api/v1/referral-programs/{id}/members/{member_id}/cards", 0, "referral-programs", "read", cards_get,
     "The referral cards a member issued", NULL, &cards_get_doc},
    {"GET", "/api/v1/referral-programs/{id}/members/{member_id}/tree", 0, "referral-programs", "read", tree_get,
     "A member's referral tree: subtree counts, cost and revenue, and a page of children", NULL, &tree_doc},
    {"POST", "/api/v1/referral-programs/{id}/referrals", 0, "referral-programs", "read", referrals_post,
     "Enrol an ordinary member referred by a member's card number and name (no discount, no limit)", NULL, &referrals_doc},
    {"GET", "/api/v1/referral-programs/{id}/report", 0, "referral-programs", "read", report_get,
     "Per level: members, benefits granted, cost and revenue, planned against actual", NULL, &report_doc},
    {"POST", "/api/v1/referral-cards/{code}/redeem", 0, "referral-programs", "read", redeem_post,
     "A new customer redeems a referral card: enrolled one level down with its benefit (409 card_used, fraud checks)", NULL, &redeem_doc},
};

void referrals_register(void)
{
    routes_register(referral_routes, sizeof referral_routes / sizeof referral_routes[0]);
}
