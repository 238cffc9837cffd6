/* lead_forms: the public web-to-lead form (issue 18).
 *   /api/v1/lead-forms          admin CRUD of the forms (record kernel; the
 *                               descriptor is here)
 *   GET  /forms/{key}           a small bilingual HTML form (no login)
 *   POST /forms/{key}           a submission, as JSON or as
 *                               application/x-www-form-urlencoded (no login)
 * A submission becomes a lead through the one write path (a system writer,
 * so the assignment rules and duplicate detection apply), with the form's
 * consent text and the time it was given. Each client address may submit
 * RAPPORT_FORM_RATE times a minute (default 10) and read the page
 * RAPPORT_FORM_PAGE_RATE times (default 120); a filled honeypot field
 * ("website", hidden from people) is answered exactly like a stored lead
 * but stores nothing; an unknown or disabled key is 404. */
#include "api/api.h"
#include "api/lead_form_frame.h"
#include "db/writer.h"
#include "domain/lead.h"
#include "domain/vocab.h"
#include "http/ratelimit.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "records/write.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field form_fields[] = {
    {"key", "key", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 64, NULL, 0, 0, NULL, "the form's URL is /forms/{key}: 3–64 of a-z, 0-9, - and _"},
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "title shown above the form"},
    {"enabled", "enabled", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "a disabled form answers 404"},
    {"consent_text", "consent_text", NULL, FT_TEXT, F_REQUIRED, 2000, NULL, 0, 0, NULL, "what the person consents to; recorded on each lead"},
    {"source", "source", NULL, FT_ENUM, 0, 0, info_sources, 0, 0, NULL, "the leads' information source (default website)"},
    {"territory", "territory", NULL, FT_TEXT, 0, 100, NULL, 0, 0, NULL, "the leads' territory (for the assignment rules)"},
    {"industry", "industry", NULL, FT_TEXT, 0, 100, NULL, 0, 0, NULL, "the leads' industry (for the assignment rules)"},
    {"thank_you", "thank_you", NULL, FT_TEXT, 0, 1000, NULL, 0, 0, NULL, "shown after a submission"},
};

static int form_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    const char *k = json_string_value(json_object_get(rec, "key"));
    size_t n = k ? strlen(k) : 0;
    bool ok = n >= 3 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) ok = islower((unsigned char)k[i]) || isdigit((unsigned char)k[i]) || k[i] == '-' || k[i] == '_';
    if (k && !ok) {
        verr_set(e, 422, "invalid_value", "key", "key must be 3 to 64 of a-z, 0-9, - and _");
        return -1;
    }
    if (!json_is_boolean(json_object_get(rec, "enabled"))) json_object_set_new(rec, "enabled", json_true());
    if (!json_is_string(json_object_get(rec, "source"))) json_object_set_new(rec, "source", json_string("website"));
    return 0;
}

struct resource lead_form_resource = {
    .name = "lead-forms", .table = "lead_form", .entity = "lead_form",
    .fields = form_fields, .nfields = sizeof form_fields / sizeof form_fields[0],
    .rule = form_rule,
};

/* ---- the public side ---- */

struct form {
    int64_t id;
    char key[65], name[800], consent[8000], source[40], territory[400], industry[400], thank_you[4000];
};

static void copy_col(db_stmt *s, int col, char *out, size_t cap)
{
    snprintf(out, cap, "%s", db_column_text(s, col) ? db_column_text(s, col) : "");
}

static bool form_load(const char *key, struct form *f)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT id, name, consent_text, source, territory, industry, thank_you FROM lead_form"
                                         " WHERE key = ? AND enabled = 1");
    if (!s) return false;
    db_bind_text(s, 1, key);
    bool found = db_step(s) == DB_ROW;
    if (found) {
        f->id = db_column_int64(s, 0);
        snprintf(f->key, sizeof f->key, "%s", key);
        copy_col(s, 1, f->name, sizeof f->name);
        copy_col(s, 2, f->consent, sizeof f->consent);
        copy_col(s, 3, f->source, sizeof f->source);
        copy_col(s, 4, f->territory, sizeof f->territory);
        copy_col(s, 5, f->industry, sizeof f->industry);
        copy_col(s, 6, f->thank_you, sizeof f->thank_you);
    }
    db_done(s);
    return found;
}

static void resp_html(struct resp *rs, int status, strbuf *sb)
{
    rs->status = status;
    rs->body_len = sb->len;
    rs->body = sb_take(sb);
    rs->content_type = "text/html; charset=utf-8";
    lead_form_frame_headers(rs);   /* framed only where the company embeds it */
}

static void page_head(strbuf *sb, const char *title)
{
    sb_puts(sb, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<link rel=\"stylesheet\" href=\"/forms.css\"><title>");
    sb_put_html(sb, title);
    sb_puts(sb, "</title></head><body><main>\n<h1>");
    sb_put_html(sb, title);
    sb_puts(sb, "</h1>\n");
}

static void bad_key(struct resp *rs)
{
    resp_error(rs, 404, "not_found", "key", "no such form");
}

/* Labels in both languages at once: the page is for anyone who comes. */
/* Page views per minute one address may make (RAPPORT_FORM_PAGE_RATE,
 * default 120: a visitor reloads, an office shares an address), counted
 * apart from the submissions so reading the form never uses them up. */
static int form_page_rate(void)
{
    return ratelimit_rate("RAPPORT_FORM_PAGE_RATE", 120);
}

static void form_get(struct req *rq, struct resp *rs)
{
    if (!ratelimit_admit(rq, rs, "form_pages", form_page_rate(), "requests")) return;
    struct form f;
    if (!form_load(rq->path_params[0], &f)) { bad_key(rs); return; }
    strbuf sb;
    sb_init(&sb, 4096);
    page_head(&sb, f.name);
    sb_puts(&sb, "<form method=\"post\" action=\"/forms/");
    sb_put_html(&sb, rq->path_params[0]);
    sb_puts(&sb, "\">\n"
                 "<p><label>姓名 Name <input name=\"name\" required maxlength=\"200\" autocomplete=\"name\"></label></p>\n"
                 "<p><label>公司 Company <input name=\"company\" maxlength=\"200\" autocomplete=\"organization\"></label></p>\n"
                 "<p><label>职位 Job title <input name=\"title\" maxlength=\"200\"></label></p>\n"
                 "<p><label>电子邮件 E-mail <input name=\"email\" type=\"email\" maxlength=\"254\" autocomplete=\"email\"></label></p>\n"
                 "<p><label>电话 Phone <input name=\"phone\" type=\"tel\" maxlength=\"40\" autocomplete=\"tel\"></label></p>\n"
                 "<p><label>留言 Message <textarea name=\"message\" maxlength=\"5000\"></textarea></label></p>\n"
                 "<div hidden><label>Website <input name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></label></div>\n"
                 "<p><label><input type=\"checkbox\" name=\"consent\" value=\"yes\" required> ");
    sb_put_html(&sb, f.consent);
    sb_puts(&sb, "</label></p>\n<p><button type=\"submit\">提交 Submit</button></p>\n</form></main></body></html>\n");
    resp_html(rs, 200, &sb);
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes an x-www-form-urlencoded body into {"name": "value"} (the last
 * of a repeated name wins). NULL when it is not well-formed UTF-8. */
static json_t *parse_urlencoded(const char *body, size_t n)
{
    json_t *o = json_object();
    char *buf = malloc(n + 1);
    if (!buf) { json_decref(o); return NULL; }
    size_t i = 0;
    while (i < n) {
        size_t start = i, k = 0, eq = (size_t)-1;
        while (i < n && body[i] != '&') {
            char c = body[i];
            if (c == '=' && eq == (size_t)-1) { buf[k++] = '\0'; eq = k; i++; continue; }
            if (c == '+') c = ' ';
            else if (c == '%' && i + 2 < n && hexval(body[i + 1]) >= 0 && hexval(body[i + 2]) >= 0) {
                c = (char)(hexval(body[i + 1]) * 16 + hexval(body[i + 2]));
                i += 2;
            }
            buf[k++] = c;
            i++;
        }
        buf[k] = '\0';
        i++;
        if (i - 1 == start) continue;
        const char *name = buf, *value = eq == (size_t)-1 ? "" : buf + eq;
        size_t vlen = eq == (size_t)-1 ? 0 : k - eq;
        if (!utf8_valid(name, strlen(name)) || !utf8_valid(value, vlen) || strlen(value) != vlen) {
            free(buf);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, name, json_string(value));
    }
    free(buf);
    return o;
}

static const char *text_of(const json_t *body, const char *name)
{
    const char *s = json_string_value(json_object_get(body, name));
    return s && *s ? s : NULL;
}

static bool consented(const json_t *body)
{
    json_t *v = json_object_get(body, "consent");
    if (json_is_true(v)) return true;
    const char *s = json_string_value(v);
    return s && (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "true") || !strcmp(s, "1"));
}

struct submit {
    json_t *rec;
    int64_t id;
    struct verr e;
};

static int job_submit(db *w, void *arg)
{
    struct submit *c = arg;
    struct writer wr = writer_system("web-form");
    return record_create(w, &wr, &lead_resource, c->rec, NULL, &c->id, NULL, &c->e) ? 1 : 0;
}

static int form_rate(void)
{
    return ratelimit_rate("RAPPORT_FORM_RATE", 10);
}

static void answer_received(struct resp *rs, bool html, const struct form *f)
{
    if (!html) { resp_json(rs, 202, json_pack("{s:b}", "received", 1)); return; }
    strbuf sb;
    sb_init(&sb, 1024);
    page_head(&sb, f->name);
    sb_puts(&sb, "<p role=\"status\">");
    sb_put_html(&sb, f->thank_you[0] ? f->thank_you : "谢谢，我们会尽快与您联系。 Thank you — we will be in touch soon.");
    sb_puts(&sb, "</p></main></body></html>\n");
    resp_html(rs, 202, &sb);
}

/* A refusal: JSON for a JSON client; for a browser that posted the form,
 * a page saying which field to correct, in both languages. */
static void answer_refused(struct resp *rs, bool html, const struct form *f, const struct verr *e)
{
    if (!html) { resp_verr(rs, e); return; }
    static const struct { const char *field, *label; } labels[] = {
        {"name", "姓名 Name"}, {"company", "公司 Company"}, {"title", "职位 Job title"}, {"email", "电子邮件 E-mail"},
        {"phone", "电话 Phone"}, {"message", "留言 Message"}, {"consent", "同意 Consent"},
    };
    const char *label = NULL;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(labels[i].field, e->field)) label = labels[i].label;
    strbuf sb;
    sb_init(&sb, 1024);
    page_head(&sb, f->name);
    sb_puts(&sb, "<p role=\"alert\">请检查并重新提交。 Please check and send again: ");
    sb_put_html(&sb, label ? label : e->field);
    sb_puts(&sb, "</p>\n<p><a href=\"/forms/");
    sb_put_html(&sb, f->key);
    sb_puts(&sb, "\">← 返回表单 Back to the form</a></p></main></body></html>\n");
    resp_html(rs, e->status ? e->status : 422, &sb);
}

static void form_post(struct req *rq, struct resp *rs)
{
    if (!ratelimit_admit(rq, rs, "forms", form_rate(), "submissions")) return;
    struct form f;
    if (!form_load(rq->path_params[0], &f)) { bad_key(rs); return; }
    bool html = !rq->json;
    json_t *body = rq->json ? json_incref(rq->json) : parse_urlencoded(rq->body ? rq->body : "", rq->body_len);
    if (!body) { resp_error(rs, 400, "invalid_body", NULL, "send the form as JSON or application/x-www-form-urlencoded UTF-8"); return; }
    /* A bot fills every field it finds: answered as if stored. */
    if (text_of(body, "website")) { json_decref(body); answer_received(rs, html, &f); return; }
    if (!consented(body)) {
        json_decref(body);
        struct verr e = {0};
        verr_set(&e, 422, "required", "consent", "the consent must be given to submit this form");
        answer_refused(rs, html, &f, &e);
        return;
    }
    json_t *in = json_object();
    static const char *const copied[] = {"name", "company", "title", NULL};
    for (int i = 0; copied[i]; i++)
        if (text_of(body, copied[i])) json_object_set_new(in, copied[i], json_string(text_of(body, copied[i])));
    if (text_of(body, "email")) json_object_set_new(in, "emails", json_pack("[s]", text_of(body, "email")));
    if (text_of(body, "phone")) json_object_set_new(in, "phones", json_pack("[s]", text_of(body, "phone")));
    if (text_of(body, "message")) json_object_set_new(in, "notes", json_string(text_of(body, "message")));
    json_object_set_new(in, "source", json_string(f.source[0] ? f.source : "website"));
    if (f.territory[0]) json_object_set_new(in, "territory", json_string(f.territory));
    if (f.industry[0]) json_object_set_new(in, "industry", json_string(f.industry));
    char now[21];
    now_text(now);
    json_object_set_new(in, "consent_text", json_string(f.consent));
    json_object_set_new(in, "consent_at", json_string(now));
    json_decref(body);
    struct submit c = {0};
    if (!json_object_get(in, "emails") && !json_object_get(in, "phones")) {
        json_decref(in);
        verr_set(&c.e, 422, "required", "email", "give an e-mail address or a phone number");
        answer_refused(rs, html, &f, &c.e);
        return;
    }
    c.rec = res_validate(&lead_resource, in, true, &c.e);
    json_decref(in);
    if (!c.rec) {
        /* The form's field names, not the lead's. */
        if (!strcmp(c.e.field, "emails")) snprintf(c.e.field, sizeof c.e.field, "email");
        if (!strcmp(c.e.field, "phones")) snprintf(c.e.field, sizeof c.e.field, "phone");
        if (!strcmp(c.e.field, "notes")) snprintf(c.e.field, sizeof c.e.field, "message");
        answer_refused(rs, html, &f, &c.e);
        return;
    }
    json_object_set_new(c.rec, "form_id", json_integer(f.id));
    int rc = db_write(job_submit, &c);
    json_decref(c.rec);
    if (rc > 0) { answer_refused(rs, html, &f, &c.e); return; }
    if (rc < 0) { resp_error(rs, 503, "storage_error", NULL, "the submission could not be stored; try again"); return; }
    answer_received(rs, html, &f);
}

static const struct route_doc form_get_doc = {
    .id = "getLeadFormPage", .tag = "lead-forms", .response_type = "text/html",
    .errors = "404 429",
};
static const struct route_doc form_post_doc = {
    .id = "submitLeadForm", .tag = "lead-forms", .status = 202,
    .request_type = "application/json application/x-www-form-urlencoded",
    .request = "{'type':'object','required':['name','consent'],'properties':{'name':{'type':'string','maxLength':200},"
               "'company':{'type':'string','maxLength':200},'title':{'type':'string','maxLength':200},"
               "'email':{'type':'string','format':'email'},'phone':{'type':'string','maxLength':40},"
               "'message':{'type':'string','maxLength':20000},"
               "'consent':{'description':'true, or yes / on / 1 from a form','oneOf':[{'type':'boolean'},{'type':'string'}]},"
               "'website':{'type':'string','description':'honeypot: leave empty (filled: accepted, nothing stored)'}}}",
    .request_name = "LeadFormSubmission",
    .response = "{'type':'object','required':['received'],'additionalProperties':false,'properties':{'received':{'type':'boolean'}}}",
    .response_name = "LeadFormReceived",
    .errors = "400 404 413 415 422 429",
};

static const struct route form_routes[] = {
    {"GET", "/forms/{key}", R_PUBLIC, NULL, "read", form_get, "The public web-to-lead form as a bilingual HTML page (no login)", NULL, &form_get_doc},
    {"POST", "/forms/{key}", R_PUBLIC | R_FORM, NULL, "create", form_post,
     "Submit the public web-to-lead form (no login; JSON or form-encoded; rate-limited per address)", NULL, &form_post_doc},
};

void lead_forms_register(void)
{
    routes_register(form_routes, sizeof form_routes / sizeof form_routes[0]);
    lead_form_frame_register();
}
