/* surveys: satisfaction surveys through one-time links (issue 19, DOMAIN
 * D11) —
 *   POST /api/v1/surveys   {"case_id"} (a resolved or closed case),
 *                          {"order_id"} (a delivered sales order, as issue 19
 *                          writes it; "sales_order_id" is the same) or
 *                          {"transaction_id"} (a purchase): {"id", "url",
 *                          "path", "expires_at"} — url absolute, under the
 *                          public address when one is set
 *   GET  /api/v1/surveys   the surveys (answers, not links), newest first
 *   GET  /survey/{token}   the public page: bilingual (?lang=en | zh-CN,
 *                          else the browser's language), usable on a phone
 *   POST /survey/{token}   the answer {"csat" 1–5, "nps" 0–10, "comment"}
 *                          as JSON, or the page's form
 * The token is 32 random bytes; only its hash is stored, so the database
 * cannot give the links away. The answer is one conditional UPDATE (not yet
 * answered, not expired) in the writer's transaction: of two answers sent
 * at once exactly one changes the row, the other is refused (409). The
 * answer is stored on the survey, on the case (csat, nps) and on the party
 * (custom fields satisfaction, nps and satisfaction_level, which the
 * analytics read for the D3/D4 loyalty and behaviour classifications),
 * each through the write path as the system actor "survey". The page and
 * the answer are limited per client address (RAPPORT_SURVEY_RATE a minute)
 * and answered with Cache-Control: no-store and Referrer-Policy: no-referrer
 * (the URL is the secret). */
#include "api/api.h"
#include "db/writer.h"
#include "domain/order.h"
#include "domain/service.h"
#include "http/authz.h"
#include "http/ratelimit.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include "mail/settings.h"
#include "records/registry.h"
#include "records/write.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_TEXT SURVEY_TOKEN_TEXT   /* 32 bytes, URL-safe base64 without padding, and the NUL */
#define COMMENT_MAX 2000

const char *satisfaction_level(int csat, int nps)
{
    if (csat <= 2) return "dissatisfied";
    if (csat == 3) return "not_dissatisfied";
    return nps >= 9 ? "loyal" : "satisfied";
}

static void token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* ---- creating a link ---- */

struct create_ctx {
    struct req *rq;
    int64_t case_id, order_id, sales_order_id, party_id, id;
    long days;
    char token[TOKEN_TEXT], expires[21];
    struct verr e;
};

int survey_insert(db *w, int64_t case_id, int64_t order_id, int64_t sales_order_id, int64_t party_id, int64_t created_by, long days,
                  char token[SURVEY_TOKEN_TEXT], char expires[21], int64_t *id)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(token, SURVEY_TOKEN_TEXT, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char hash[65], now[21];
    token_hash(token, hash);
    now_text(now);
    time_format(time_now() + days * 86400, expires);
    db_stmt *s = db_prepare(w, "INSERT INTO survey(token_hash, case_id, order_id, sales_order_id, party_id, created_by, created_at, expires_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_text(s, 1, hash);
    if (case_id) db_bind_int64(s, 2, case_id); else db_bind_null(s, 2);
    if (order_id) db_bind_int64(s, 3, order_id); else db_bind_null(s, 3);
    if (sales_order_id) db_bind_int64(s, 4, sales_order_id); else db_bind_null(s, 4);
    db_bind_int64(s, 5, party_id);
    if (created_by) db_bind_int64(s, 6, created_by); else db_bind_null(s, 6);
    db_bind_text(s, 7, now);
    db_bind_text(s, 8, expires);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return -1;
    *id = db_last_insert_id(w);
    return 0;
}

static int create_survey(db *w, void *arg)
{
    struct create_ctx *c = arg;
    if (survey_insert(w, c->case_id, c->order_id, c->sales_order_id, c->party_id, c->rq->user.id, c->days, c->token, c->expires, &c->id)) return -1;
    /* On the timeline of the case, the sales order or the party (never the token). */
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    json_t *ch = json_pack("{s:[n, {s:I, s:s, s:o}]}", "survey", "id", (json_int_t)c->id, "expires_at", c->expires,
                           "order_id", c->sales_order_id ? json_integer(c->sales_order_id) : json_null());
    if (c->order_id) json_object_set_new(json_array_get(json_object_get(ch, "survey"), 1), "transaction_id", json_integer(c->order_id));
    const char *entity = c->case_id ? "case" : c->sales_order_id ? "order" : "party";
    int64_t on = c->case_id ? c->case_id : c->sales_order_id ? c->sales_order_id : c->party_id;
    return record_log(w, &wr, entity, on, "survey", ch, c->party_id) ? -1 : 0;
}

/* Where the customer opens the link: the public address the survey mails
 * use (RAPPORT_PUBLIC_URL, else the mail settings' public_url) when one is
 * set, else the address this request came to — so a tool is given a URL it
 * can hand on as it is. */
static void link_base(struct req *rq, char *out, size_t cap)
{
    mail_public_url(db_reader(), out, cap);
    if (!out[0]) req_origin(rq, out, cap);
}

static void surveys_create(struct req *rq, struct resp *rs)
{
    struct create_ctx c = {.rq = rq, .days = 14};
    /* order_id is a sales order (issue 19's "after an order is delivered");
     * sales_order_id says the same, transaction_id names a purchase. */
    json_t *cid = json_object_get(rq->json, "case_id"), *tid = json_object_get(rq->json, "transaction_id"),
           *days = json_object_get(rq->json, "expires_in_days");
    const char *sales_key = json_is_integer(json_object_get(rq->json, "order_id")) ? "order_id" : "sales_order_id";
    json_t *sid = json_object_get(rq->json, sales_key);
    static const char *const known[] = {"case_id", "order_id", "sales_order_id", "transaction_id", "expires_in_days", NULL};
    if (!body_keys_known(rq->json, known, "a survey", rs)) return;
    int given = json_is_integer(cid) + json_is_integer(json_object_get(rq->json, "order_id"))
              + json_is_integer(json_object_get(rq->json, "sales_order_id")) + json_is_integer(tid);
    if (given != 1) {
        resp_error(rs, 422, "invalid_value", json_is_integer(cid) ? (json_is_integer(tid) ? "transaction_id" : sales_key) : "case_id",
                   "give exactly one of case_id, order_id (a sales order) and transaction_id");
        return;
    }
    if (days) {
        if (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > 90) {
            resp_error(rs, 422, "invalid_value", "expires_in_days", "expires_in_days is from 1 to 90");
            return;
        }
        c.days = (long)json_integer_value(days);
    }
    db *r = db_reader();
    if (json_is_integer(cid)) {
        c.case_id = json_integer_value(cid);
        const struct rtype *t = registry_by_type("case");
        json_t *cs = authz_record_in_scope(r, &rq->user, t, c.case_id, authz_scope(&rq->user, "cases", "read"))
                         ? res_load(r, &case_resource, c.case_id) : NULL;
        if (!cs) { resp_error(rs, 422, "invalid_reference", "case_id", "case_id %lld does not exist", (long long)c.case_id); return; }
        const char *st = json_string_value(json_object_get(cs, "status"));
        c.party_id = json_integer_value(json_object_get(cs, "party_id"));
        bool done = st && (!strcmp(st, "resolved") || !strcmp(st, "closed"));
        json_decref(cs);
        if (!done) { resp_error(rs, 409, "invalid_state", "case_id", "a survey follows a resolved or closed case"); return; }
        if (!authz_record_in_scope(r, &rq->user, t, c.case_id, authz_scope(&rq->user, "cases", "update"))) {
            resp_error(rs, 403, "forbidden", "case_id", "your role may not work this case");
            return;
        }
    } else if (json_is_integer(sid)) {
        /* A sales order (/api/v1/orders) once delivered: the survey issue 19
         * asks for after delivery, made by hand (the sender makes it by itself). */
        c.sales_order_id = json_integer_value(sid);
        const struct rtype *t = registry_by_type("order");
        json_t *o = authz_record_in_scope(r, &rq->user, t, c.sales_order_id, authz_scope(&rq->user, "orders", "read"))
                        ? res_load(r, &order_resource, c.sales_order_id) : NULL;
        if (!o) {
            resp_error(rs, 422, "invalid_reference", sales_key, "%s %lld does not exist", sales_key, (long long)c.sales_order_id);
            return;
        }
        c.party_id = json_integer_value(json_object_get(o, "party_id"));
        bool delivered = json_is_string(json_object_get(o, "delivered_at"));
        json_decref(o);
        if (!delivered) { resp_error(rs, 409, "invalid_state", sales_key, "a survey follows a delivered order"); return; }
    } else {
        c.order_id = json_integer_value(tid);   /* the survey's order_id column holds a transaction */
        db_stmt *s = db_prepare(r, "SELECT party_id FROM txn WHERE id = ?");
        if (!s) { resp_error(rs, 503, "storage_error", NULL, "the transaction could not be read"); return; }
        db_bind_int64(s, 1, c.order_id);
        if (db_step(s) == DB_ROW) c.party_id = db_column_int64(s, 0);
        db_done(s);
        if (!c.party_id || !authz_party_in_scope(r, &rq->user, c.party_id, authz_scope(&rq->user, "parties", "read"))) {
            resp_error(rs, 422, "invalid_reference", "transaction_id", "transaction_id %lld does not exist", (long long)c.order_id);
            return;
        }
    }
    int rc = db_write(create_survey, &c);
    if (rc != 0) { resp_error(rs, 503, "storage_error", NULL, "the survey could not be stored"); return; }
    char path[80], base[512], url[600];
    snprintf(path, sizeof path, "/survey/%s", c.token);
    link_base(rq, base, sizeof base);
    snprintf(url, sizeof url, "%s%s", base, path);
    sodium_memzero(c.token, sizeof c.token);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/surveys/%lld", (long long)c.id);
    resp_header(rs, "Location", loc);
    resp_json(rs, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c.id, "url", url, "path", path, "expires_at", c.expires));
    sodium_memzero(url, sizeof url);
    sodium_memzero(path, sizeof path);
}

#define SURVEY_COLUMNS "t.id, t.case_id, t.order_id, t.party_id, t.created_at, t.expires_at, t.answered_at, t.csat, t.nps, t.comment," \
                       " t.sales_order_id"

/* One row of SURVEY_COLUMNS as the Survey object (a new reference). */
static json_t *survey_json(db_stmt *s)
{
#define INT_OR_NULL(i) (db_column_type(s, i) == DB_NULL ? json_null() : json_integer(db_column_int64(s, i)))
#define TEXT_OR_NULL(i) (db_column_type(s, i) == DB_NULL ? json_null() : json_string(db_column_text(s, i)))
    json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)db_column_int64(s, 0),
                          "case_id", INT_OR_NULL(1), "order_id", INT_OR_NULL(10), "sales_order_id", INT_OR_NULL(10),
                          "transaction_id", INT_OR_NULL(2),
                          "party_id", (json_int_t)db_column_int64(s, 3), "created_at", db_column_text(s, 4),
                          "expires_at", db_column_text(s, 5), "answered_at", TEXT_OR_NULL(6),
                          "csat", INT_OR_NULL(7), "nps", INT_OR_NULL(8), "comment", TEXT_OR_NULL(9));
#undef INT_OR_NULL
#undef TEXT_OR_NULL
    json_t *csat = json_object_get(o, "csat"), *nps = json_object_get(o, "nps");
    json_object_set_new(o, "satisfaction_level", json_is_integer(csat)
        ? json_string(satisfaction_level((int)json_integer_value(csat), json_is_integer(nps) ? (int)json_integer_value(nps) : -1))
        : json_null());
    return o;
}

/* GET /api/v1/surveys/{id}: the survey and its answer (not its link). */
static void surveys_get(struct req *rq, struct resp *rs)
{
    db *r = db_reader();
    db_stmt *s = db_prepare(r, "SELECT " SURVEY_COLUMNS " FROM survey t WHERE t.id = ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the survey could not be read"); return; }
    db_bind_int64(s, 1, rq->path_ids[0]);
    json_t *o = NULL;
    int64_t party = 0;
    if (db_step(s) == DB_ROW) {
        party = db_column_int64(s, 3);
        o = survey_json(s);
    }
    db_done(s);
    if (!o || !authz_party_in_scope(r, &rq->user, party, authz_scope(&rq->user, "parties", "read"))) {
        json_decref(o);
        resp_error(rs, 404, "not_found", "id", "no survey with id %lld", (long long)rq->path_ids[0]);
        return;
    }
    resp_json(rs, 200, o);
}

/* GET /api/v1/surveys: the collection (issue 19 names it), newest first,
 * paged by id (after = the previous page's next), filtered by case_id,
 * order_id, sales_order_id, party_id and answered=true|false; only the
 * surveys of parties within the caller's party read scope (as GET of one). */
static void surveys_list(struct req *rq, struct resp *rs)
{
    static const char *const ints[][2] = {{"case_id", " AND t.case_id = ?"}, {"order_id", " AND t.sales_order_id = ?"},
                                          {"sales_order_id", " AND t.sales_order_id = ?"}, {"transaction_id", " AND t.order_id = ?"},
                                          {"party_id", " AND t.party_id = ?"}, {"after", " AND t.id < ?"}};
    int64_t v[6];
    int nv = 0;
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT " SURVEY_COLUMNS " FROM survey t"
                  " WHERE EXISTS (SELECT 1 FROM party p WHERE p.id = t.party_id AND p.deleted_at IS NULL)");
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        const char *q = req_query(rq, ints[i][0]);
        if (!q) continue;
        char *end;
        long long n = strtoll(q, &end, 10);
        if (!*q || *end || n < 1) {
            sb_free(&sql);
            resp_error(rs, 400, "invalid_parameter", ints[i][0], "%s must be a positive integer", ints[i][0]);
            return;
        }
        sb_puts(&sql, ints[i][1]);
        v[nv++] = n;
    }
    const char *ans = req_query(rq, "answered");
    if (ans) {
        if (strcmp(ans, "true") && strcmp(ans, "false")) {
            sb_free(&sql);
            resp_error(rs, 400, "invalid_parameter", "answered", "answered is true or false");
            return;
        }
        sb_puts(&sql, !strcmp(ans, "true") ? " AND t.answered_at IS NOT NULL" : " AND t.answered_at IS NULL");
    }
    long limit = 50;
    const char *ls = req_query(rq, "limit");
    char *end;
    if (ls && ((limit = strtol(ls, &end, 10)) < 1 || limit > 500 || *end || !*ls)) {
        sb_free(&sql);
        resp_error(rs, 400, "invalid_parameter", "limit", "limit must be an integer from 1 to 500");
        return;
    }
    struct authz_binds b = {0};
    const char *pred = authz_party_predicate(authz_scope(&rq->user, "parties", "read"), "party_id", &rq->user, &b);
    if (pred) { sb_puts(&sql, " AND "); sb_puts(&sql, pred); }
    sb_puts(&sql, " ORDER BY t.id DESC LIMIT ?");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the surveys could not be read"); return; }
    int k = 1;
    for (int i = 0; i < nv; i++) db_bind_int64(s, k++, v[i]);
    for (int i = 0; i < b.n; i++) db_bind_int64(s, k++, b.v[i]);
    db_bind_int64(s, k, limit + 1);
    json_t *items = json_array(), *next = json_null();
    long n = 0;
    while (db_step(s) == DB_ROW) {
        if (n++ == limit) {
            char cur[24];
            snprintf(cur, sizeof cur, "%lld", (long long)json_integer_value(json_object_get(json_array_get(items, limit - 1), "id")));
            json_decref(next);
            next = json_string(cur);
            break;
        }
        json_array_append_new(items, survey_json(s));
    }
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

/* ---- the public page ---- */

static bool english(struct req *rq)
{
    const char *l = req_query(rq, "lang");
    if (l) return !strncasecmp(l, "en", 2);
    const char *al = req_header(rq, "Accept-Language");
    return al && !strncasecmp(al, "en", 2);
}

enum page { P_FORM, P_THANKS, P_ANSWERED, P_EXPIRED, P_UNKNOWN, P_INVALID, P_BUSY };

static void page(struct req *rq, struct resp *rs, int status, enum page kind, const char *detail)
{
    bool en = english(rq);
    static const char *const titles[][2] = {
        {"服务满意度调查", "Satisfaction survey"}, {"感谢您的反馈！", "Thank you for your feedback!"},
        {"这份问卷已经提交过了。", "This survey has already been answered."}, {"这份问卷已过期。", "This survey has expired."},
        {"找不到这份问卷。", "This survey link is not valid."}, {"请检查您的回答。", "Please check your answers."},
        {"请求过多，请一分钟后再试。", "Too many requests: please try again in a minute."},
    };
    strbuf b;
    sb_init(&b, 4096);
    sb_printf(&b, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>%s</title>"
                  "<link rel=\"stylesheet\" href=\"/survey.css\"></head><body>",
              en ? "en" : "zh-CN", titles[kind][en]);
    sb_printf(&b, "<p class=\"lang\"><a href=\"?lang=%s\">%s</a></p><h1>%s</h1>", en ? "zh-CN" : "en", en ? "中文" : "English",
              titles[kind][en]);
    if (kind == P_INVALID && detail) {
        sb_puts(&b, "<p class=\"error\" role=\"alert\">");
        sb_put_html(&b, detail);
        sb_puts(&b, "</p>");
    }
    if (kind == P_FORM || kind == P_INVALID) {
        sb_printf(&b, "<form method=\"post\"><fieldset><legend>%s</legend><div class=\"scale\">",
                  en ? "How satisfied are you with our service? (1 = very dissatisfied, 5 = very satisfied)"
                     : "您对我们的服务满意吗？（1 = 非常不满意，5 = 非常满意）");
        for (int i = 1; i <= 5; i++)
            sb_printf(&b, "<label><input type=\"radio\" name=\"csat\" value=\"%d\" required>%d</label>", i, i);
        sb_printf(&b, "</div></fieldset><fieldset><legend>%s</legend><div class=\"scale\">",
                  en ? "How likely are you to recommend us to a friend? (0 = not at all, 10 = extremely likely)"
                     : "您向朋友推荐我们的可能性有多大？（0 = 完全不可能，10 = 非常可能）");
        for (int i = 0; i <= 10; i++) sb_printf(&b, "<label><input type=\"radio\" name=\"nps\" value=\"%d\">%d</label>", i, i);
        sb_printf(&b, "</div></fieldset><fieldset><legend><label for=\"comment\">%s</label></legend>"
                      "<textarea id=\"comment\" name=\"comment\" maxlength=\"2000\"></textarea></fieldset>"
                      "<button type=\"submit\">%s</button></form>",
                  en ? "Anything else you would like to tell us?" : "还有什么想告诉我们的吗？", en ? "Submit" : "提交");
    }
    sb_puts(&b, "</body></html>");
    rs->status = status;
    rs->body = b.data;
    rs->body_len = b.len;
    rs->content_type = "text/html; charset=utf-8";
    resp_header(rs, "Cache-Control", "no-store");
}

/* The state of a link: 0 open, else the page that says why not. */
static enum page link_state(db *c, const char *token)
{
    if (strlen(token) != TOKEN_TEXT - 1) return P_UNKNOWN;
    char hash[65], now[21];
    token_hash(token, hash);
    now_text(now);
    db_stmt *s = db_prepare(c, "SELECT answered_at, expires_at FROM survey WHERE token_hash = ?");
    if (!s) return P_UNKNOWN;
    db_bind_text(s, 1, hash);
    enum page p = P_UNKNOWN;
    if (db_step(s) == DB_ROW)
        p = db_column_type(s, 0) != DB_NULL ? P_ANSWERED : strcmp(db_column_text(s, 1), now) <= 0 ? P_EXPIRED : P_FORM;
    db_done(s);
    return p;
}

static int page_status(enum page p) { return p == P_UNKNOWN ? 404 : p == P_ANSWERED ? 409 : p == P_EXPIRED ? 410 : 200; }

/* Requests per minute one address may make to the survey links, page and
 * answer together (RAPPORT_SURVEY_RATE, default 60): a person answers once,
 * a script guessing tokens is slowed before any is looked up. */
static int survey_rate(void)
{
    return ratelimit_rate("RAPPORT_SURVEY_RATE", 60);
}

/* Counts the request against its address; false with a 429 (Retry-After)
 * answered — the page for a person, JSON for a JSON answer — past the rate. */
static bool survey_budget(struct req *rq, struct resp *rs, bool json)
{
    if (ratelimit_admit(rq, rs, "survey", survey_rate(), json ? "requests" : NULL)) return true;
    if (!json) page(rq, rs, 429, P_BUSY, NULL);
    return false;
}

static void survey_page(struct req *rq, struct resp *rs)
{
    if (!survey_budget(rq, rs, false)) return;
    enum page p = link_state(db_reader(), rq->path_params[0]);
    page(rq, rs, page_status(p), p, NULL);
}

/* ---- the answer ---- */

struct answer {
    const char *token;
    int csat, nps;          /* nps -1: not given */
    char *comment;          /* owned, or NULL */
    enum page state;        /* on refusal */
    char level[24];
    struct verr e;
};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One value of an urlencoded form, decoded into a new string (NULL when absent). */
static char *form_value(const char *body, size_t len, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end - i > nl && !strncmp(body + i, name, nl) && body[i + nl] == '=') {
            char *out = malloc(end - i);
            if (!out) return NULL;
            size_t k = 0;
            for (size_t j = i + nl + 1; j < end; j++) {
                char ch = body[j];
                int hi, lo;
                if (ch == '+') ch = ' ';
                else if (ch == '%' && j + 2 < end && (hi = hexval(body[j + 1])) >= 0 && (lo = hexval(body[j + 2])) >= 0) {
                    ch = (char)(hi * 16 + lo);
                    j += 2;
                }
                out[k++] = ch;
            }
            out[k] = '\0';
            return out;
        }
        i = end + 1;
    }
    return NULL;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    if (!s || !*s) return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int store_answer(db *w, void *arg)
{
    struct answer *a = arg;
    char hash[65], now[21];
    token_hash(a->token, hash);
    now_text(now);
    db_stmt *s = db_prepare(w, "UPDATE survey SET answered_at = ?, csat = ?, nps = ?, comment = ?"
                               " WHERE token_hash = ? AND answered_at IS NULL AND expires_at > ?");
    if (!s) return -1;
    db_bind_text(s, 1, now);
    db_bind_int64(s, 2, a->csat);
    if (a->nps >= 0) db_bind_int64(s, 3, a->nps); else db_bind_null(s, 3);
    if (a->comment) db_bind_text(s, 4, a->comment); else db_bind_null(s, 4);
    db_bind_text(s, 5, hash);
    db_bind_text(s, 6, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return -1;
    if (db_changes(w) != 1) { a->state = link_state(w, a->token); return 1; }
    s = db_prepare(w, "SELECT case_id, party_id FROM survey WHERE token_hash = ?");
    if (!s) return -1;
    db_bind_text(s, 1, hash);
    int64_t case_id = 0, party_id = 0;
    if (db_step(s) == DB_ROW) {
        case_id = db_column_type(s, 0) == DB_NULL ? 0 : db_column_int64(s, 0);
        party_id = db_column_int64(s, 1);
    }
    db_done(s);
    snprintf(a->level, sizeof a->level, "%s", satisfaction_level(a->csat, a->nps));
    struct writer wr = writer_system("survey");
    json_t *nps = a->nps >= 0 ? json_integer(a->nps) : json_null();
    if (case_id) {
        json_t *patch = json_pack("{s:i, s:O}", "csat", a->csat, "nps", nps);
        rc = record_update(w, &wr, &case_resource, case_id, patch, NULL, NULL, &a->e);
        json_decref(patch);
        if (rc) { json_decref(nps); return 2; }
    }
    json_t *party = res_load(w, &party_resource, party_id);
    if (party) {
        json_t *custom = json_deep_copy(json_object_get(party, "custom"));
        if (!json_is_object(custom)) { json_decref(custom); custom = json_object(); }
        json_object_set_new(custom, "satisfaction", json_integer(a->csat));
        json_object_set(custom, "nps", nps);
        json_object_set_new(custom, "satisfaction_level", json_string(a->level));
        json_t *patch = json_pack("{s:o}", "custom", custom);
        rc = record_update(w, &wr, &party_resource, party_id, patch, NULL, NULL, &a->e);
        json_decref(patch);
        json_decref(party);
        if (rc) { json_decref(nps); return 2; }
    }
    json_decref(nps);
    return 0;
}

static void survey_answer(struct req *rq, struct resp *rs)
{
    bool form = !rq->json;
    if (!survey_budget(rq, rs, !form)) return;
    struct answer a = {.token = rq->path_params[0], .nps = -1};
    char *csat = NULL, *nps = NULL;
    const char *bad = NULL, *field = NULL;
    if (form) {
        csat = form_value(rq->body, rq->body_len, "csat");
        nps = form_value(rq->body, rq->body_len, "nps");
        a.comment = form_value(rq->body, rq->body_len, "comment");
        if (a.comment && !*a.comment) { free(a.comment); a.comment = NULL; }
        if (parse_int(csat, 1, 5, &a.csat)) field = "csat";
        else if (nps && *nps && parse_int(nps, 0, 10, &a.nps)) field = "nps";
    } else {
        json_t *c = json_object_get(rq->json, "csat"), *n = json_object_get(rq->json, "nps"), *m = json_object_get(rq->json, "comment");
        const char *key;
        json_t *v;
        json_object_foreach(rq->json, key, v) if (strcmp(key, "csat") && strcmp(key, "nps") && strcmp(key, "comment")) field = key;
        if (!field && (!json_is_integer(c) || json_integer_value(c) < 1 || json_integer_value(c) > 5)) field = "csat";
        else if (!field && n && !json_is_null(n) && (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > 10)) field = "nps";
        else if (!field && m && !json_is_null(m) && !json_is_string(m)) field = "comment";
        if (!field) {
            a.csat = (int)json_integer_value(c);
            if (json_is_integer(n)) a.nps = (int)json_integer_value(n);
            if (json_is_string(m) && json_string_length(m)) a.comment = strdup(json_string_value(m));
        }
    }
    if (!field && a.comment && (strlen(a.comment) > COMMENT_MAX * 3 || !utf8_valid(a.comment, strlen(a.comment)))) field = "comment";
    free(csat);
    free(nps);
    if (field) {
        bad = !strcmp(field, "csat") ? "csat is a whole number from 1 to 5" : !strcmp(field, "nps") ? "nps is a whole number from 0 to 10"
            : !strcmp(field, "comment") ? "comment is text of at most 2000 characters" : "not a field of the answer";
        free(a.comment);
        if (form) {
            bool en = english(rq);
            page(rq, rs, 422, P_INVALID, !strcmp(field, "csat") ? (en ? "Please choose a score from 1 to 5." : "请选择 1 到 5 分。") : bad);
        } else {
            resp_error(rs, 422, strcmp(field, "csat") && strcmp(field, "nps") && strcmp(field, "comment") ? "unknown_field" : "invalid_value",
                       field, "%s", bad);
        }
        return;
    }
    int rc = db_write(store_answer, &a);
    free(a.comment);
    if (rc == 1) {
        static const char *const why[] = {[P_ANSWERED] = "this survey has already been answered", [P_EXPIRED] = "this survey has expired",
                                          [P_UNKNOWN] = "no such survey"};
        static const char *const code[] = {[P_ANSWERED] = "already_answered", [P_EXPIRED] = "expired", [P_UNKNOWN] = "not_found"};
        enum page p = a.state == P_FORM ? P_UNKNOWN : a.state;
        if (form) page(rq, rs, page_status(p), p, NULL);
        else resp_error(rs, page_status(p), code[p], NULL, "%s", why[p]);
        return;
    }
    if (rc != 0) {
        if (form) page(rq, rs, 503, P_UNKNOWN, NULL);
        else resp_error(rs, 503, "storage_error", NULL, "the answer could not be stored");
        return;
    }
    if (form) page(rq, rs, 200, P_THANKS, NULL);
    else resp_json(rs, 200, json_pack("{s:b, s:s}", "ok", 1, "satisfaction_level", a.level));
}

/* ---- OpenAPI ---- */

static const struct route_doc create_doc = {
    .id = "createSurvey", .tag = "surveys", .status = 201, .headers = "Location",
    .request = "{'type':'object','additionalProperties':false,"
               "'description':'exactly one of case_id (a resolved or closed case), order_id (a delivered sales order; sales_order_id is the same) and transaction_id (a purchase)',"
               "'properties':{'case_id':{'type':'integer','format':'int64'},'order_id':{'type':'integer','format':'int64','description':'a delivered sales order'},"
               "'sales_order_id':{'type':'integer','format':'int64','description':'the same as order_id'},"
               "'transaction_id':{'type':'integer','format':'int64','description':'a purchase (transaction)'},"
               "'expires_in_days':{'type':'integer','minimum':1,'maximum':90,'default':14}}}",
    .request_name = "SurveyCreate",
    .response = "{'type':'object','required':['id','url','path','expires_at'],'additionalProperties':false,'properties':{"
                "'id':{'type':'integer','format':'int64'},'url':{'type':'string','description':'the one-time link, absolute (under the public address when one is set): GET shows the page, POST answers'},"
                "'path':{'type':'string','description':'the link without scheme and host'},"
                "'expires_at':{'type':'string','format':'date-time'}}}",
    .response_name = "SurveyLink",
    .errors = "409",
};
static const struct route_doc get_doc = {
    .id = "getSurvey", .tag = "surveys",
    .response = "{'type':'object','required':['id','case_id','order_id','sales_order_id','transaction_id','party_id','created_at','expires_at','answered_at','csat','nps',"
                "'comment','satisfaction_level'],'additionalProperties':false,'properties':{"
                "'id':{'type':'integer','format':'int64'},'case_id':{'type':'integer','format':'int64','nullable':true},"
                "'order_id':{'type':'integer','format':'int64','nullable':true,'description':'the sales order it followed'},"
                "'sales_order_id':{'type':'integer','format':'int64','nullable':true,'description':'the same as order_id'},"
                "'transaction_id':{'type':'integer','format':'int64','nullable':true,'description':'the purchase it followed'},"
                "'party_id':{'type':'integer','format':'int64'},"
                "'created_at':{'type':'string','format':'date-time'},'expires_at':{'type':'string','format':'date-time'},"
                "'answered_at':{'type':'string','format':'date-time','nullable':true},"
                "'csat':{'type':'integer','minimum':1,'maximum':5,'nullable':true},'nps':{'type':'integer','minimum':0,'maximum':10,'nullable':true},"
                "'comment':{'type':'string','nullable':true},"
                "'satisfaction_level':{'type':'string','enum':['dissatisfied','not_dissatisfied','satisfied','loyal',null],'nullable':true}}}",
    .response_name = "Survey",
};
static const struct route_doc list_doc = {
    .id = "listSurveys", .tag = "surveys",
    .params = "[{'name':'case_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'order_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'sales_order_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'transaction_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'party_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'answered','in':'query','schema':{'type':'boolean'}},"
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}},"
              "{'name':'after','in':'query','schema':{'type':'string'},'description':'the next of the previous page'}]",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/Survey'}},"
                "'next':{'type':'string','nullable':true,'description':'cursor of the next page (after=), null on the last'}}}",
    .response_name = "SurveyList",
    .errors = "400",
};
static const struct route_doc page_doc = {
    .id = "getSurveyPage", .tag = "surveys", .response_type = "text/html",
    .params = "[{'name':'lang','in':'query','schema':{'type':'string','enum':['zh-CN','en']}}]",
    .errors = "404 409 410 429",
};
static const struct route_doc answer_doc = {
    .id = "answerSurvey", .tag = "surveys",
    .request = "{'type':'object','required':['csat'],'additionalProperties':false,'properties':{"
               "'csat':{'type':'integer','minimum':1,'maximum':5},'nps':{'type':'integer','minimum':0,'maximum':10,'nullable':true},"
               "'comment':{'type':'string','maxLength':2000,'nullable':true}}}",
    .request_name = "SurveyAnswer", .request_type = "application/json application/x-www-form-urlencoded",
    .response = "{'type':'object','required':['ok','satisfaction_level'],'additionalProperties':false,'properties':{"
                "'ok':{'type':'boolean'},'satisfaction_level':{'type':'string','enum':['dissatisfied','not_dissatisfied','satisfied','loyal']}}}",
    .response_name = "SurveyAnswered",
    .errors = "400 404 409 410 413 415 422 429",
};

static const struct route survey_routes[] = {
    {"POST", "/api/v1/surveys", 0, "cases", "update", surveys_create, "Make a one-time survey link for a resolved case or an order", NULL, &create_doc},
    {"GET", "/api/v1/surveys", 0, "cases", "read", surveys_list, "The surveys, newest first (answers, not links)", NULL, &list_doc},
    {"GET", "/api/v1/surveys/{id}", 0, "cases", "read", surveys_get, "A survey and its answer (not its link)", NULL, &get_doc},
    {"GET", "/survey/{token}", R_PUBLIC, NULL, "read", survey_page, "The public survey page (no login; bilingual)", NULL, &page_doc},
    {"POST", "/survey/{token}", R_PUBLIC | R_FORM, NULL, "create", survey_answer,
     "Answer a survey (no login; once): JSON or the page's form", NULL, &answer_doc},
};

void surveys_register(void) { routes_register(survey_routes, sizeof survey_routes / sizeof survey_routes[0]); }
