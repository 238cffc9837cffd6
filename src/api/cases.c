/* cases: the routes of a case beyond its CRUD (issue 19) —
 *   GET  /api/v1/cases/{id}/messages   its thread, oldest first
 *   POST /api/v1/cases/{id}/messages   {"direction": "ours" | "theirs", "body"}
 * A message is a change of the case through the write path (action
 * "message", the text in the audit row), so it is on the case's timeline
 * and its party's, in the event feed, and bumps the case's version. Our
 * first message is the case's first response: it stamps
 * first_response_at (the clock of case_sla.c judges it) and opens a new
 * case. */
#include "api/api.h"
#include "db/writer.h"
#include "domain/service.h"
#include "http/authz.h"
#include "lib/textcheck.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 20000

static json_t *message_row(db_stmt *s)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)db_column_int64(s, 0), "case_id",
                     (json_int_t)db_column_int64(s, 1), "direction", db_column_text(s, 2), "body", db_column_text(s, 3),
                     "author_id", db_column_type(s, 4) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 4)),
                     "at", db_column_text(s, 5));
}

static bool case_visible(struct req *rq, struct resp *rs, db *c, int64_t id)
{
    const struct rtype *t = registry_by_type("case");
    if (!authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "cases", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no case with id %lld", (long long)id);
        return false;
    }
    return true;
}

static void messages_list(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!case_visible(rq, rs, c, id)) return;
    db_stmt *s = db_prepare(c, "SELECT id, case_id, direction, body, author_id, at FROM case_message WHERE case_id = ? ORDER BY id");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the thread could not be read"); return; }
    db_bind_int64(s, 1, id);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) json_array_append_new(items, message_row(s));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

struct post_ctx {
    struct req *rq;
    int64_t case_id, message_id;
    const char *direction, *body;
    struct verr e;
};

static int post_message(db *w, void *arg)
{
    struct post_ctx *c = arg;
    char now[21];
    now_text(now);
    json_t *old = res_load(w, &case_resource, c->case_id);
    if (!old) { verr_set(&c->e, 404, "not_found", "id", "no case with id %lld", (long long)c->case_id); return 1; }
    json_t *patch = json_object();
    bool ours = !strcmp(c->direction, "ours");
    if (ours && !json_is_string(json_object_get(old, "first_response_at"))) {
        json_object_set_new(patch, "first_response_at", json_string(now));
        if (!strcmp(json_string_value(json_object_get(old, "status")), "new")) json_object_set_new(patch, "status", json_string("open"));
    }
    json_decref(old);
    db_stmt *s = db_prepare(w, "INSERT INTO case_message(case_id, direction, body, author_id, at) VALUES (?, ?, ?, ?, ?)");
    if (!s) { json_decref(patch); verr_from_db(&c->e, w, &case_resource); return 1; }
    db_bind_int64(s, 1, c->case_id);
    db_bind_text(s, 2, c->direction);
    db_bind_text(s, 3, c->body);
    db_bind_int64(s, 4, c->rq->user.id);
    db_bind_text(s, 5, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { json_decref(patch); verr_from_db(&c->e, w, &case_resource); return 1; }
    c->message_id = db_last_insert_id(w);
    json_t *extra = json_pack("{s:[n, {s:I, s:s, s:s}]}", "message", "id", (json_int_t)c->message_id, "direction", c->direction,
                              "body", c->body);
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    struct write_opts o = {.action = "message", .log_extra = extra};
    rc = record_update(w, &wr, &case_resource, c->case_id, patch, &o, NULL, &c->e);
    json_decref(extra);
    json_decref(patch);
    return rc ? 1 : 0;
}

static void messages_post(struct req *rq, struct resp *rs)
{
    struct post_ctx c = {.rq = rq, .case_id = rq->path_ids[0]};
    if (!case_visible(rq, rs, db_reader(), c.case_id)) return;
    json_t *d = json_object_get(rq->json, "direction"), *b = json_object_get(rq->json, "body");
    static const char *const known[] = {"direction", "body", NULL};
    if (!body_keys_known(rq->json, known, "a message", rs)) return;
    if (!json_is_string(d) || (strcmp(json_string_value(d), "ours") && strcmp(json_string_value(d), "theirs"))) {
        resp_error(rs, 422, "invalid_value", "direction", "direction is ours (from us) or theirs (from the customer)");
        return;
    }
    if (!json_is_string(b) || !json_string_length(b) || json_string_length(b) > MESSAGE_MAX ||
        !utf8_valid(json_string_value(b), json_string_length(b))) {
        resp_error(rs, 422, "invalid_value", "body", "body is text of 1 to %d bytes", MESSAGE_MAX);
        return;
    }
    c.direction = json_string_value(d);
    c.body = json_string_value(b);
    int rc = db_write(post_message, &c);
    if (rc != 0) {
        if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the message could not be stored");
        resp_verr(rs, &c.e);
        return;
    }
    db *r = db_reader();
    db_stmt *s = db_prepare(r, "SELECT id, case_id, direction, body, author_id, at FROM case_message WHERE id = ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the message could not be read"); return; }
    db_bind_int64(s, 1, c.message_id);
    json_t *o = db_step(s) == DB_ROW ? message_row(s) : json_object();
    db_done(s);
    resp_json(rs, 201, o);
}

#define MESSAGE_SCHEMA                                                                                                    \
    "{'type':'object','required':['id','case_id','direction','body','author_id','at'],'additionalProperties':false,"      \
    "'properties':{'id':{'type':'integer','format':'int64'},'case_id':{'type':'integer','format':'int64'},"              \
    "'direction':{'type':'string','enum':['ours','theirs']},'body':{'type':'string'},"                                   \
    "'author_id':{'type':'integer','format':'int64','nullable':true},'at':{'type':'string','format':'date-time'}}}"

static const struct route_doc list_doc = {
    .id = "listCaseMessages", .tag = "cases",
    .response = "{'type':'object','required':['items'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/CaseMessage'}}}}",
    .response_name = "CaseMessageList",
    .schemas = (const char *const[]){"CaseMessage", MESSAGE_SCHEMA, NULL},
};
static const struct route_doc post_doc = {
    .id = "postCaseMessage", .tag = "cases", .status = 201,
    .request = "{'type':'object','required':['direction','body'],'additionalProperties':false,'properties':{"
               "'direction':{'type':'string','enum':['ours','theirs'],'description':'ours: from us; theirs: from the customer'},"
               "'body':{'type':'string','minLength':1,'maxLength':20000}}}",
    .request_name = "CaseMessagePost",
    .response = "{'$ref':'#/components/schemas/CaseMessage'}",
    .errors = "409",
};

static const struct route case_routes[] = {
    {"GET", "/api/v1/cases/{id}/messages", 0, "cases", "read", messages_list, "The thread of a case, oldest first", NULL, &list_doc},
    {"POST", "/api/v1/cases/{id}/messages", 0, "cases", "update", messages_post,
     "Add a message to a case's thread (our first one is its first response)", NULL, &post_doc},
};

void cases_register(void) { routes_register(case_routes, sizeof case_routes / sizeof case_routes[0]); }
