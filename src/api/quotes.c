/* quotes: the quote routes beyond CRUD (the CRUD routes come from the
 * registry; the type is domain/quote.c) —
 *   POST /api/v1/quotes/{id}/accept     accept a sent quote: it becomes an order
 *   GET  /api/v1/quotes/{id}/revisions  the earlier revisions, whole
 *   GET  /api/v1/quotes/{id}/pdf        the quote as a PDF (domain/quote_pdf.c)
 *   GET/PUT /api/v1/settings/letterhead the company's letterhead on it */
#include "api/api.h"
#include "db/writer.h"
#include "db/setting.h"
#include "domain/quote.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static bool quote_visible(db *c, struct req *rq, int64_t id)
{
    const struct rtype *t = registry_by_type("quote");
    return authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "quotes", "read"));
}

struct accept_ctx { struct writer wr; int64_t id, version; json_t *out; struct verr e; };

static int job_accept(db *w, void *arg)
{
    struct accept_ctx *c = arg;
    json_t *cur = res_load(w, &quote_resource, c->id);
    if (!cur) { verr_set(&c->e, 404, "not_found", "id", "no quote with id %lld", (long long)c->id); return 1; }
    /* Accepting an accepted quote again answers the same order. */
    if (!strcmp(json_string_value(json_object_get(cur, "status")), "accepted")) { c->out = cur; return 0; }
    json_decref(cur);
    json_t *patch = json_pack("{s:s}", "status", "accepted");
    struct write_opts o = {.expect_version = c->version, .conflict_status = 409};
    int rc = record_update(w, &c->wr, &quote_resource, c->id, patch, &o, &c->out, &c->e);
    json_decref(patch);
    return rc ? 1 : 0;
}

/* POST /api/v1/quotes/{id}/accept */
static void quote_accept(struct req *rq, struct resp *rs)
{
    if (!quote_visible(db_reader(), rq, rq->path_ids[0])) {
        resp_error(rs, 404, "not_found", "id", "no quote with id %lld", (long long)rq->path_ids[0]);
        return;
    }
    /* {"version": n}: accept the revision the caller read (409 when it changed). */
    json_t *v = rq->json ? json_object_get(rq->json, "version") : NULL;
    if (v && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        resp_error(rs, 422, "invalid_type", "version", "version must be the quote's version, an integer");
        return;
    }
    struct accept_ctx c = {.wr = writer_user(&rq->user, req_client_addr(rq)), .id = rq->path_ids[0], .version = v ? json_integer_value(v) : 0};
    int rc = db_write(job_accept, &c);
    if (rc == WRITE_DISK_FULL) verr_set(&c.e, 507, "storage_full", NULL, "the database disk is full; nothing was written");
    else if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the write could not be made durable; nothing was written");
    if (rc) { json_decref(c.out); resp_verr(rs, &c.e); return; }
    resp_json(rs, 200, json_pack("{s:I, s:O, s:O, s:O}", "quote_id", (json_int_t)c.id, "order_id", json_object_get(c.out, "order_id"),
                                 "status", json_object_get(c.out, "status"), "version", json_object_get(c.out, "version")));
    json_decref(c.out);
}

/* GET /api/v1/quotes/{id}/revisions: the revisions before the current one,
 * newest first, each the whole quote as it was. */
static void quote_revisions(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!quote_visible(c, rq, id)) { resp_error(rs, 404, "not_found", "id", "no quote with id %lld", (long long)id); return; }
    db_stmt *s = db_prepare(c, "SELECT revision, saved_at, doc FROM quote_revision WHERE quote_id = ? ORDER BY revision DESC");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the revisions could not be read"); return; }
    db_bind_int64(s, 1, id);
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) {
        json_t *doc = json_loads(db_column_text(s, 2), 0, NULL);
        res_redact(&quote_resource, &rq->user, doc);
        json_array_append_new(items, json_pack("{s:I, s:s, s:o}", "revision", (json_int_t)db_column_int64(s, 0), "saved_at",
                                               db_column_text(s, 1), "quote", doc ? doc : json_object()));
    }
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

static int put_letterhead(db *w, void *arg)
{
    json_t *in = arg;
    for (int i = 0; letterhead_keys[i]; i++) {
        json_t *v = json_object_get(in, letterhead_keys[i]);
        if (!v) continue;
        char key[64];
        snprintf(key, sizeof key, "letterhead.%s", letterhead_keys[i]);
        if (setting_put(w, key, json_string_value(v))) return 1;
    }
    return 0;
}

static void letterhead_get_route(struct req *rq, struct resp *rs)
{
    (void)rq;
    resp_json(rs, 200, letterhead_get(db_reader()));
}

/* A logo of at most 256 KB, as base64 in a data: URL. */
#define LOGO_URL_MAX 350000

/* PUT /api/v1/settings/letterhead (admin): the keys given change. */
static void letterhead_put_route(struct req *rq, struct resp *rs)
{
    if (!json_is_object(rq->json)) { resp_error(rs, 400, "missing_body", NULL, "send a JSON object as the request body"); return; }
    const char *k;
    json_t *v;
    json_object_foreach(rq->json, k, v) {
        bool known = false;
        for (int i = 0; letterhead_keys[i]; i++) known |= !strcmp(k, letterhead_keys[i]);
        if (!known) { resp_error(rs, 422, "unknown_field", k, "%s is not a letterhead setting", k); return; }
        bool logo = !strcmp(k, "logo");
        size_t max = logo ? LOGO_URL_MAX : 500;
        if (!json_is_string(v) || strlen(json_string_value(v)) > max) {
            resp_error(rs, 422, "invalid_value", k, "%s must be text of at most %zu bytes", k, max);
            return;
        }
        /* A logo is drawn on every PDF: one that cannot be drawn is refused now. */
        if (logo && *json_string_value(v) && letterhead_logo_check(json_string_value(v))) {
            resp_error(rs, 422, "invalid_value", k, "logo must be a data: URL of a PNG or JPEG image (data:image/png;base64,…)");
            return;
        }
    }
    if (db_write(put_letterhead, rq->json) != 0) { resp_error(rs, 503, "storage_error", NULL, "the letterhead could not be stored"); return; }
    resp_json(rs, 200, letterhead_get(db_reader()));
}

/* GET /api/v1/quotes/{id}/pdf */
static void quote_pdf(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    const struct rtype *t = registry_by_type("quote");
    json_t *q = authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "quotes", "read")) ? res_load(c, &quote_resource, id) : NULL;
    if (!q) { resp_error(rs, 404, "not_found", "id", "no quote with id %lld", (long long)id); return; }
    /* With its company-currency total and rate, as GET shows it. */
    res_view(&quote_resource, &rq->user, res_redact(&quote_resource, &rq->user, q));
    char *party = NULL;
    db_stmt *s = db_prepare(c, "SELECT name FROM party WHERE id = ?");
    if (s) {
        db_bind_int64(s, 1, json_integer_value(json_object_get(q, "party_id")));
        if (db_step(s) == DB_ROW && db_column_text(s, 0)) party = strdup(db_column_text(s, 0));
        db_done(s);
    }
    json_t *head = letterhead_get(c);
    char *data = NULL;
    size_t len = 0;
    int rc = quote_render(q, party, head, &data, &len);
    json_decref(head);
    free(party);
    json_decref(q);
    if (rc) { resp_error(rs, 503, "pdf_unavailable", NULL, "the PDF could not be drawn (is the font of fonts-droid-fallback installed?)"); return; }
    rs->status = 200;
    rs->body = data;
    rs->body_len = len;
    rs->content_type = "application/pdf";
    char disp[96];
    snprintf(disp, sizeof disp, "inline; filename=\"quote-%lld.pdf\"", (long long)id);
    resp_header(rs, "Content-Disposition", disp);
    /* The quote page previews it in a frame of the app's own origin. */
    resp_header(rs, "X-Frame-Options", "SAMEORIGIN");
    resp_header(rs, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'");
}

static const struct route_doc quote_pdf_doc = {
    .id = "getQuotePdf", .tag = "quotes", .response_type = "application/pdf", .headers = "Content-Disposition", .errors = "404 503",
};

#define LETTERHEAD_SCHEMA                                                                                                    \
    "{'type':'object','additionalProperties':false,'properties':{'name':{'type':'string','maxLength':500},"                \
    "'address':{'type':'string','maxLength':500},'phone':{'type':'string','maxLength':500},"                                \
    "'email':{'type':'string','maxLength':500},'website':{'type':'string','maxLength':500},"                               \
    "'logo':{'type':'string','maxLength':350000,'description':'data:image/png;base64,… or data:image/jpeg;base64,… (empty: none)'}}}"
static const struct route_doc letterhead_get_doc = {.id = "getLetterhead", .tag = "settings", .response = LETTERHEAD_SCHEMA,
                                                    .response_name = "Letterhead"};
static const struct route_doc letterhead_put_doc = {.id = "setLetterhead", .tag = "settings", .request = LETTERHEAD_SCHEMA,
                                                    .response = "{'$ref':'#/components/schemas/Letterhead'}", .errors = "422"};

static const struct route_doc accept_doc = {
    .id = "acceptQuote", .tag = "quotes",
    .request = "{'type':'object','additionalProperties':false,'properties':{'version':{'type':'integer','minimum':1,"
               "'description':'the version of the quote the customer accepted; 409 when it has changed since'}}}",
    .response = "{'type':'object','required':['quote_id','order_id','status','version'],'additionalProperties':false,'properties':{"
                "'quote_id':{'type':'integer'},'order_id':{'type':'integer'},'status':{'type':'string','enum':['accepted']},"
                "'version':{'type':'integer'}}}",
    .response_name = "QuoteAccepted",
    .errors = "404 409 422",
};

static const struct route_doc revisions_doc = {
    .id = "listQuoteRevisions", .tag = "quotes",
    .response = "{'type':'object','required':['items'],'additionalProperties':false,'properties':{'items':{'type':'array','items':{"
                "'type':'object','required':['revision','saved_at','quote'],'additionalProperties':false,'properties':{"
                "'revision':{'type':'integer'},'saved_at':{'type':'string','format':'date-time'},'quote':{'type':'object'}}}}}}",
    .response_name = "QuoteRevisions",
    .errors = "404",
};

static const struct route quote_routes[] = {
    {"POST", "/api/v1/quotes/{id}/accept", 0, "quotes", "update", quote_accept,
     "Accept a sent quote: it becomes an order (once; a repeat answers the same order)", NULL, &accept_doc},
    {"GET", "/api/v1/quotes/{id}/revisions", 0, "quotes", "read", quote_revisions,
     "The earlier revisions of a quote, newest first", NULL, &revisions_doc},
    {"GET", "/api/v1/quotes/{id}/pdf", 0, "quotes", "read", quote_pdf, "The quote as a PDF (Chinese and English text)", NULL,
     &quote_pdf_doc},
    {"GET", "/api/v1/settings/letterhead", 0, "quotes", "read", letterhead_get_route,
     "The company's letterhead printed on quotes", NULL, &letterhead_get_doc},
    {"PUT", "/api/v1/settings/letterhead", R_ADMIN, "users", "update", letterhead_put_route,
     "Set the company's letterhead: name, address, phone, e-mail, web site, logo (admin)", NULL, &letterhead_put_doc},
};

void quotes_register(void) { routes_register(quote_routes, sizeof quote_routes / sizeof quote_routes[0]); }
