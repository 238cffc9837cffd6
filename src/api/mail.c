/* mail: the e-mail marketing endpoints (issue 20) —
 *   POST /api/v1/campaigns/{id}/send        starts the send job (202, the job)
 *   GET  /api/v1/campaigns/{id}/members     the frozen member list with each member's state
 *   POST /api/v1/email-templates/preview    a template rendered for a party or a sample one
 *   GET/PUT /api/v1/settings/mail           the relay, From, public URL, company name, consent-optional channels (admin)
 * and the public ones a recipient's mail client or browser calls, each
 * knowing the member only by the secret token in the message (stored as its
 * SHA-256, so the database does not hold working links):
 *   GET/POST /api/v1/u/{token}   the unsubscribe page / the RFC 8058 one-click POST (withdraws e-mail consent)
 *   GET /api/v1/t/o/{token}      the open pixel
 *   GET /api/v1/t/c/{token}?u=   a tracked link: redirects only to a link of the campaign's template
 * (the same for an occasion rule's message, domain/occasion_mail.h)
 * The public ones are rate-limited per client address (link_budget): each
 * may write to the database, and nothing else stops one address from
 * hammering them.
 * The send job itself is domain/campaign_send.c; the measures are
 * campaign_measures.c. */
#include "api/api.h"
#include "db/setting.h"
#include "db/writer.h"
#include "domain/mail_types.h"
#include "http/authz.h"
#include "http/ratelimit.h"
#include "jobs/jobs.h"
#include "lib/strbuf.h"
#include "mail/render.h"
#include "mail/settings.h"
#include "records/registry.h"
#include "records/write.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern struct resource campaign_resource;

/* ---- sending ---- */

static void campaign_send(struct req *rq, struct resp *rs)
{
    int64_t id = rq->path_ids[0];
    json_t *c = res_load(db_reader(), &campaign_resource, id);
    /* A campaign the caller may not read is not there (404, as on GET); sending
     * is changing it: the caller's update scope applies to the record (403). */
    if (c && !authz_record_in_scope(db_reader(), &rq->user, registry_by_type("campaign"), id,
                                    authz_scope(&rq->user, "campaigns", "read") & ~SCOPE_WRITE)) {
        json_decref(c);
        c = NULL;
    }
    if (c && !authz_record_in_scope(db_reader(), &rq->user, registry_by_type("campaign"), id, authz_scope(&rq->user, "campaigns", "update"))) {
        json_decref(c);
        resp_error(rs, 403, "forbidden", NULL, "the campaign is outside your scope");
        return;
    }
    if (!c) { resp_error(rs, 404, "not_found", "id", "no campaign with id %lld", (long long)id); return; }
    const char *status = json_string_value(json_object_get(c, "status"));
    const char *channel = json_string_value(json_object_get(c, "channel"));
    bool frozen = json_is_string(json_object_get(c, "members_frozen_at"));
    bool has_template = json_is_integer(json_object_get(c, "template_id"));
    bool active = status && !strcmp(status, "active"), email = !channel || !strcmp(channel, "email");
    json_decref(c);
    if (!active) { resp_error(rs, 409, "invalid_state", "status", "only an active campaign sends"); return; }
    if (!email) { resp_error(rs, 409, "invalid_state", "channel", "the campaign's channel is not email"); return; }
    if (!frozen) { resp_error(rs, 409, "invalid_state", "segment", "the campaign has no member list (it needs a segment when it starts)"); return; }
    if (!has_template) { resp_error(rs, 409, "invalid_state", "template_id", "the campaign has no e-mail template"); return; }
    struct mail_settings ms;
    mail_settings_load(db_reader(), &ms);
    if (!ms.smtp_url[0]) { resp_error(rs, 409, "no_relay", NULL, "no SMTP relay: an admin sets it in the mail settings"); return; }
    json_t *params = json_pack("{s:I}", "campaign_id", (json_int_t)id);
    int64_t job = job_create("campaign_send", params, rq->user.id, "queued");
    json_decref(params);
    if (!job) { resp_error(rs, 503, "storage_error", NULL, "the send could not be queued"); return; }
    jobs_kick();
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/jobs/%lld", (long long)job);
    resp_header(rs, "Location", loc);
    json_t *j = job_load(db_reader(), job);
    resp_json(rs, 202, j ? j : json_pack("{s:I}", "id", (json_int_t)job));
}

#define TEXT_OR_NULL(s, i) (db_column_text(s, i) ? json_string(db_column_text(s, i)) : json_null())

static const char *const member_states[] = {"pending", "sending", "sent", "bounced", "failed", "skipped", "uncertain", NULL};

/* GET /api/v1/campaigns/{id}/members?state=&control=&after=&limit= */
static void campaign_members(struct req *rq, struct resp *rs)
{
    int64_t id = rq->path_ids[0];
    db *r = db_reader();
    json_t *c = res_load(r, &campaign_resource, id);
    if (c && !authz_record_in_scope(r, &rq->user, registry_by_type("campaign"), id, authz_scope(&rq->user, "campaigns", "read") & ~SCOPE_WRITE)) {
        json_decref(c);
        c = NULL;
    }
    if (!c) { resp_error(rs, 404, "not_found", "id", "no campaign with id %lld", (long long)id); return; }
    json_decref(c);
    const char *state = req_query(rq, "state"), *control = req_query(rq, "control"), *after = req_query(rq, "after"), *limit = req_query(rq, "limit");
    if (state) {
        bool ok = false;
        for (int i = 0; member_states[i]; i++) ok = ok || !strcmp(member_states[i], state);
        if (!ok) { resp_error(rs, 400, "invalid_parameter", "state", "state is one of pending, sending, sent, bounced, failed, skipped, uncertain"); return; }
    }
    if (control && strcmp(control, "true") && strcmp(control, "false")) { resp_error(rs, 400, "invalid_parameter", "control", "control is true or false"); return; }
    long lim = limit ? strtol(limit, NULL, 10) : 50;
    if (lim < 1 || lim > 500) { resp_error(rs, 400, "invalid_parameter", "limit", "limit is from 1 to 500"); return; }
    long long from = after ? strtoll(after, NULL, 10) : 0;
    /* Who the members are follows the caller's party scope: a member
     * outside it is listed without a name. */
    db_stmt *s = db_prepare(r, "SELECT m.party_id, p.name, m.control, m.state, m.address, m.sent_at, m.delivered_at, m.opened_at,"
                               " m.clicked_at, m.unsubscribed_at, m.detail FROM campaign_member m JOIN party p ON p.id = m.party_id"
                               " WHERE m.campaign_id = ? AND m.party_id > ? AND (? = '' OR m.state = ?) AND (? < 0 OR m.control = ?)"
                               " ORDER BY m.party_id LIMIT ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the members could not be read"); return; }
    int ctl = control ? !strcmp(control, "true") : -1;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, from);
    db_bind_text(s, 3, state ? state : "");
    db_bind_text(s, 4, state ? state : "");
    db_bind_int64(s, 5, ctl);
    db_bind_int64(s, 6, ctl);
    db_bind_int64(s, 7, lim + 1);
    json_t *items = json_array();
    enum scope scope = authz_scope(&rq->user, "parties", "read") & ~SCOPE_WRITE;
    long n = 0;
    int64_t last = 0;
    bool more = false;
    while (db_step(s) == DB_ROW) {
        if (n == lim) { more = true; break; }
        int64_t pid = db_column_int64(s, 0);
        bool visible = scope == SCOPE_ALL || authz_party_in_scope(r, &rq->user, pid, scope);
        json_array_append_new(items, json_pack("{s:I, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "party_id", (json_int_t)pid,
            "party_name", visible ? TEXT_OR_NULL(s, 1) : json_null(), "control", (int)db_column_int64(s, 2), "state", db_column_text(s, 3),
            "address", visible ? TEXT_OR_NULL(s, 4) : json_null(), "sent_at", TEXT_OR_NULL(s, 5), "delivered_at", TEXT_OR_NULL(s, 6),
            "opened_at", TEXT_OR_NULL(s, 7), "clicked_at", TEXT_OR_NULL(s, 8), "unsubscribed_at", TEXT_OR_NULL(s, 9), "detail", TEXT_OR_NULL(s, 10)));
        last = pid;
        n++;
    }
    db_done(s);
    char next[24];
    snprintf(next, sizeof next, "%lld", (long long)last);
    resp_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", more ? json_string(next) : json_null()));
}

/* ---- templates ---- */

/* POST /api/v1/email-templates/preview {subject, body, language?, party_id?} */
static void template_preview(struct req *rq, struct resp *rs)
{
    json_t *in = rq->json;
    const char *subject = json_string_value(json_object_get(in, "subject")), *body = json_string_value(json_object_get(in, "body"));
    const char *lang = json_string_value(json_object_get(in, "language"));
    if (!subject) { resp_error(rs, 422, "required", "subject", "subject is required"); return; }
    if (!body) { resp_error(rs, 422, "required", "body", "body is required"); return; }
    if (strlen(body) > 400000 || strlen(subject) > 1200) { resp_error(rs, 422, "too_long", "body", "the template is too long"); return; }
    char bad[80];
    if (mail_template_check(subject, bad, sizeof bad)) { resp_error(rs, 422, "invalid_value", "subject", "{{%s}} is not a merge field", bad); return; }
    if (mail_template_check(body, bad, sizeof bad)) { resp_error(rs, 422, "invalid_value", "body", "{{%s}} is not a merge field", bad); return; }
    bool zh = !lang || strcmp(lang, "en");
    db *r = db_reader();
    struct mail_settings ms;
    mail_settings_load(r, &ms);
    char name[256], owner[256];
    snprintf(name, sizeof name, "%s", zh ? "王芳" : "Jane Doe");
    snprintf(owner, sizeof owner, "%s", rq->user.name);
    json_t *pid = json_object_get(in, "party_id");
    if (pid && !json_is_null(pid)) {
        if (!json_is_integer(pid) || !authz_party_in_scope(r, &rq->user, json_integer_value(pid), authz_scope(&rq->user, "parties", "read") & ~SCOPE_WRITE)) {
            resp_error(rs, 422, "invalid_reference", "party_id", "party_id does not exist");
            return;
        }
        db_stmt *s = db_prepare(r, "SELECT p.name, u.name FROM party p LEFT JOIN app_user u ON u.id = p.owner_id WHERE p.id = ?");
        if (s) {
            db_bind_int64(s, 1, json_integer_value(pid));
            if (db_step(s) == DB_ROW) {
                snprintf(name, sizeof name, "%s", db_column_text(s, 0) ? db_column_text(s, 0) : "");
                snprintf(owner, sizeof owner, "%s", db_column_text(s, 1) ? db_column_text(s, 1) : "");
            }
            db_done(s);
        }
    }
    char unsub[600];
    snprintf(unsub, sizeof unsub, "%s/api/v1/u/PREVIEW", ms.public_url);
    struct mail_merge mm = {{name, ms.company[0] ? ms.company : (zh ? "本公司" : "Our company"), owner, unsub}};
    char *sub = mail_render(subject, &mm, false), *html = mail_render(body, &mm, true);
    if (!sub || !html) { free(sub); free(html); resp_error(rs, 503, "out_of_memory", NULL, "the preview could not be made"); return; }
    resp_json(rs, 200, json_pack("{s:s, s:s}", "subject", sub, "html", html));
    free(sub);
    free(html);
}

/* ---- settings ---- */

static const char *const mail_keys[][2] = {
    {"smtp_url", "mail.smtp_url"}, {"from", "mail.from"}, {"public_url", "mail.public_url"}, {"company", "company.name"},
};
#define NKEYS (sizeof mail_keys / sizeof mail_keys[0])

static json_t *settings_json(db *c)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NKEYS; i++) {
        char v[600];
        setting_get(c, mail_keys[i][1], v, sizeof v);
        json_object_set_new(o, mail_keys[i][0], json_string(v));
    }
    const char *env = getenv("RAPPORT_SMTP_URL");
    json_object_set_new(o, "smtp_url_from_environment", json_boolean(env && env[0]));
    json_object_set_new(o, "consent_optional_channels", consent_optional_channels(c));
    return o;
}

static void mail_settings_get(struct req *rq, struct resp *rs) { resp_json(rs, 200, settings_json(db_reader())); }

struct put_ctx { json_t *in; };

static int put_settings(db *w, void *arg)
{
    struct put_ctx *c = arg;
    for (size_t i = 0; i < NKEYS; i++) {
        json_t *v = json_object_get(c->in, mail_keys[i][0]);
        if (v && setting_put(w, mail_keys[i][1], json_string_value(v))) return 1;
    }
    json_t *opt = json_object_get(c->in, "consent_optional_channels");
    if (opt) {
        char *text = json_dumps(opt, JSON_COMPACT);
        int rc = text ? setting_put(w, "marketing.consent_optional", text) : -1;
        free(text);
        if (rc) return 1;
    }
    return 0;
}

/* PUT /api/v1/settings/mail (admin) */
static void mail_settings_put(struct req *rq, struct resp *rs)
{
    json_t *in = rq->json;
    if (!json_is_object(in)) { resp_error(rs, 400, "missing_body", NULL, "send the settings as a JSON object"); return; }
    const char *key;
    json_t *v;
    json_object_foreach(in, key, v) {
        bool text = false;
        for (size_t i = 0; i < NKEYS; i++) text = text || !strcmp(key, mail_keys[i][0]);
        if (text) {
            if (!json_is_string(v) || strlen(json_string_value(v)) > 500) { resp_error(rs, 422, "invalid_value", key, "%s is text of at most 500 bytes", key); return; }
            const char *s = json_string_value(v);
            if (!strcmp(key, "smtp_url") && s[0] && strncmp(s, "smtp://", 7) && strncmp(s, "smtps://", 8)) {
                resp_error(rs, 422, "invalid_value", key, "smtp_url starts with smtp:// or smtps://");
                return;
            }
            /* The unsubscribe link of every marketing e-mail is under it, and RFC 8058 wants HTTPS. */
            if (!strcmp(key, "public_url") && s[0] && strncmp(s, "https://", 8)) {
                resp_error(rs, 422, "invalid_value", key, "public_url starts with https:// (the one-click unsubscribe link is under it)");
                return;
            }
            continue;
        }
        if (!strcmp(key, "consent_optional_channels")) {
            size_t i;
            json_t *x;
            if (!json_is_array(v)) { resp_error(rs, 422, "invalid_value", key, "consent_optional_channels is a list of channels"); return; }
            json_array_foreach(v, i, x) {
                const char *ch = json_string_value(x);
                if (!ch || !strcmp(ch, "email")) { resp_error(rs, 422, "invalid_value", key, "e-mail always needs consent; list other channels"); return; }
            }
            continue;
        }
        resp_error(rs, 422, "unknown_field", key, "%s is not a mail setting", key);
        return;
    }
    struct put_ctx c = {in};
    if (db_write(put_settings, &c)) { resp_error(rs, 503, "storage_error", NULL, "the settings could not be stored"); return; }
    resp_json(rs, 200, settings_json(db_reader()));
}

/* ---- the recipient's links (public) ---- */

/* Requests per minute one address may make to the public links, all four
 * together (RAPPORT_MAIL_LINK_RATE, default 600). Generous on purpose: a
 * webmail's image proxy (Gmail's) fetches every recipient's open pixel from
 * a few addresses, and an office behind one NAT clicks from one. */
static int link_rate(void)
{
    return ratelimit_rate("RAPPORT_MAIL_LINK_RATE", 600);
}


/* A message's recipient: a campaign member, or the party of an occasion
 * rule's message (rule set, campaign 0; domain/occasion_mail.h), whose row
 * is found again by the token's hash. */
struct member_ref { int64_t campaign, rule, party; char hash[65]; bool unsubscribed, opened, clicked; };

/* The member whose token this is; false when none (or not a token). */
static bool member_of_token(db *c, const char *token, struct member_ref *m)
{
    if (!token || strlen(token) != 64) return false;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, 64);
    sodium_bin2hex(m->hash, sizeof m->hash, h, sizeof h);
    static const char *const sql[] = {
        "SELECT campaign_id, 0, party_id, unsubscribed_at, opened_at, clicked_at FROM campaign_member WHERE token_hash = ?",
        "SELECT 0, rule_id, party_id, unsubscribed_at, opened_at, clicked_at FROM occasion_mail WHERE token_hash = ?",
    };
    bool found = false;
    for (int i = 0; i < 2 && !found; i++) {
        db_stmt *s = db_prepare(c, sql[i]);
        if (!s) return false;
        db_bind_text(s, 1, m->hash);
        found = db_step(s) == DB_ROW;
        if (found) {
            m->campaign = db_column_int64(s, 0);
            m->rule = db_column_int64(s, 1);
            m->party = db_column_int64(s, 2);
            m->unsubscribed = db_column_type(s, 3) != DB_NULL;
            m->opened = db_column_type(s, 4) != DB_NULL;
            m->clicked = db_column_type(s, 5) != DB_NULL;
        }
        db_done(s);
    }
    return found;
}

static void html_page(struct resp *rs, int status, const char *title, const char *text, const char *form_action)
{
    strbuf b;
    sb_init(&b, 8192);
    sb_printf(&b, "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
                  "<title>%s</title></head><body><h1>%s</h1><p>%s</p>", title, title, text);
    if (form_action)
        sb_printf(&b, "<form method=\"post\" action=\"%s\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                      "<button type=\"submit\">退订 Unsubscribe</button></form>", form_action);
    sb_puts(&b, "</body></html>");
    rs->status = status;
    rs->body_len = b.len;
    rs->body = sb_take(&b);
    rs->content_type = "text/html; charset=utf-8";
}

/* Counts the request against its address; false with a 429 (Retry-After)
 * answered — a page for the unsubscribe links a person opens, else JSON —
 * when the address is over its rate. Checked before the token is looked
 * up, so an address over its rate costs no database work. */
static bool link_budget(struct req *rq, struct resp *rs, bool page)
{
    if (ratelimit_admit(rq, rs, "mail_links", link_rate(), page ? NULL : "requests")) return true;
    if (page) html_page(rs, 429, "Too many requests 请求过多", "Please try again in a minute. 请一分钟后再试。", NULL);
    return false;
}

struct unsub_ctx { struct member_ref m; struct verr e; };

static int unsubscribe(db *w, void *arg)
{
    struct unsub_ctx *u = arg;
    char src[120], now[21];
    now_text(now);
    if (u->m.campaign) snprintf(src, sizeof src, "one-click unsubscribe (campaign %lld)", (long long)u->m.campaign);
    else snprintf(src, sizeof src, "one-click unsubscribe (occasion rule %lld)", (long long)u->m.rule);
    json_t *in = json_pack("{s:I, s:s, s:b, s:s, s:s}", "party_id", (json_int_t)u->m.party, "channel", "email", "granted", 0,
                           "source", src, "wording", "List-Unsubscribe=One-Click (RFC 8058)");
    json_t *rec = in ? res_validate(&consent_resource, in, true, &u->e) : NULL;
    json_decref(in);
    struct writer wr = writer_system("unsubscribe");
    int rc = !rec || record_create(w, &wr, &consent_resource, rec, NULL, NULL, NULL, &u->e);
    json_decref(rec);
    if (rc) return 1;
    db_stmt *s = db_prepare(w, u->m.campaign ? "UPDATE campaign_member SET unsubscribed_at = ? WHERE token_hash = ?"
                                             : "UPDATE occasion_mail SET unsubscribed_at = ? WHERE token_hash = ?");
    if (!s) return 1;
    db_bind_text(s, 1, now);
    db_bind_text(s, 2, u->m.hash);
    rc = db_step(s) == DB_DONE ? 0 : 1;
    db_done(s);
    return rc;
}

/* POST /api/v1/u/{token}: RFC 8058's one-click POST (body
 * "List-Unsubscribe=One-Click"), or the form of the page below. */
static void unsubscribe_post(struct req *rq, struct resp *rs)
{
    if (!link_budget(rq, rs, true)) return;
    struct unsub_ctx u = {0};
    if (!member_of_token(db_reader(), rq->path_params[0], &u.m)) {
        html_page(rs, 404, "Not found 未找到", "This unsubscribe link is not known. 此退订链接无效。", NULL);
        return;
    }
    if (!u.m.unsubscribed && db_write(unsubscribe, &u)) {
        html_page(rs, 503, "Try again 请重试", "The unsubscribe could not be recorded; please try again. 退订未能记录，请重试。", NULL);
        return;
    }
    html_page(rs, 200, "Unsubscribed 已退订", "You will receive no more marketing e-mail from us. 您将不再收到我们的营销邮件。", NULL);
}

/* GET /api/v1/u/{token}: a page with the button (a GET never unsubscribes:
 * mail scanners fetch links). */
static void unsubscribe_page(struct req *rq, struct resp *rs)
{
    if (!link_budget(rq, rs, true)) return;
    struct member_ref m;
    if (!member_of_token(db_reader(), rq->path_params[0], &m)) {
        html_page(rs, 404, "Not found 未找到", "This unsubscribe link is not known. 此退订链接无效。", NULL);
        return;
    }
    char action[200];
    snprintf(action, sizeof action, "/api/v1/u/%s", rq->path_params[0]);
    html_page(rs, 200, "Unsubscribe 退订", m.unsubscribed ? "You are already unsubscribed. 您已退订。"
                                                          : "Stop marketing e-mail to this address? 停止向此地址发送营销邮件？",
              m.unsubscribed ? NULL : action);
}

struct mark_ctx { struct member_ref m; bool click; };

static int mark(db *w, void *arg)
{
    struct mark_ctx *c = arg;
    char now[21];
    now_text(now);
    /* A click is an open too (the pixel may be blocked). */
    static const char *const sql[2][2] = {
        {"UPDATE occasion_mail SET opened_at = COALESCE(opened_at, ?) WHERE token_hash = ?",
         "UPDATE occasion_mail SET clicked_at = COALESCE(clicked_at, ?), opened_at = COALESCE(opened_at, ?) WHERE token_hash = ?"},
        {"UPDATE campaign_member SET opened_at = COALESCE(opened_at, ?) WHERE token_hash = ?",
         "UPDATE campaign_member SET clicked_at = COALESCE(clicked_at, ?), opened_at = COALESCE(opened_at, ?) WHERE token_hash = ?"},
    };
    db_stmt *s = db_prepare(w, sql[c->m.campaign != 0][c->click]);
    if (!s) return 1;
    int k = 1;
    db_bind_text(s, k++, now);
    if (c->click) db_bind_text(s, k++, now);
    db_bind_text(s, k, c->m.hash);
    int rc = db_step(s) == DB_DONE ? 0 : 1;
    db_done(s);
    return rc;
}

static const unsigned char pixel_gif[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

/* GET /api/v1/t/o/{token}: the open pixel (always the pixel: a mail client
 * shows nothing either way). */
static void track_open(struct req *rq, struct resp *rs)
{
    if (!link_budget(rq, rs, false)) return;
    struct mark_ctx c = {0};
    if (member_of_token(db_reader(), rq->path_params[0], &c.m) && !c.m.opened) db_write(mark, &c);
    rs->status = 200;
    rs->static_body = pixel_gif;
    rs->body_len = sizeof pixel_gif;
    rs->content_type = "image/gif";
}

/* Is url one of the links of the template of the member's campaign or
 * occasion rule (as written, or with & written &amp;)? Only those are
 * redirected to: the click URL is not an open redirect. */
static bool template_link(db *c, const struct member_ref *m, const char *url)
{
    db_stmt *s = db_prepare(c, m->campaign ? "SELECT t.body FROM campaign c JOIN email_template t ON t.id = c.template_id WHERE c.id = ?"
                                           : "SELECT t.body FROM occasion_rule c JOIN email_template t ON t.id = c.template_id WHERE c.id = ?");
    if (!s) return false;
    db_bind_int64(s, 1, m->campaign ? m->campaign : m->rule);
    bool ok = false;
    if (db_step(s) == DB_ROW && db_column_text(s, 0)) {
        const char *body = db_column_text(s, 0);
        strbuf want, amp;
        sb_init(&want, 16384);
        sb_init(&amp, 16384);
        sb_printf(&want, "href=\"%s\"", url);
        sb_puts(&amp, "href=\"");
        for (const char *p = url; *p; p++) if (*p == '&') sb_puts(&amp, "&amp;"); else sb_append(&amp, p, 1);
        sb_puts(&amp, "\"");
        ok = !want.failed && !amp.failed && (strstr(body, sb_str(&want)) || strstr(body, sb_str(&amp)));
        sb_free(&want);
        sb_free(&amp);
    }
    db_done(s);
    return ok;
}

/* GET /api/v1/t/c/{token}?u=URL */
static void track_click(struct req *rq, struct resp *rs)
{
    if (!link_budget(rq, rs, false)) return;
    struct mark_ctx c = {.click = true};
    const char *url = req_query(rq, "u");
    if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) || strpbrk(url, "\r\n\"") ||
        !member_of_token(db_reader(), rq->path_params[0], &c.m) || !template_link(db_reader(), &c.m, url)) {
        resp_error(rs, 404, "not_found", "u", "not a link of this message");
        return;
    }
    if (!c.m.clicked) db_write(mark, &c);
    resp_header(rs, "Location", url);
    rs->status = 302;
    rs->static_body = "";
    rs->body_len = 0;
    rs->content_type = "text/plain";
}

/* ---- OpenAPI ---- */

static const struct route_doc send_doc = {
    .id = "sendCampaign", .tag = "campaigns", .status = 202, .headers = "Location", .errors = "409",
    .response = "{'$ref':'#/components/schemas/Job'}",
};
static const struct route_doc members_doc = {
    .id = "listCampaignMembers", .tag = "campaigns",
    .params = "[{'name':'state','in':'query','schema':{'type':'string','enum':['pending','sending','sent','bounced','failed','skipped','uncertain']}},"
              "{'name':'control','in':'query','schema':{'type':'boolean'}},"
              "{'name':'after','in':'query','schema':{'type':'string','maxLength':24},'description':'next of the previous page'},"
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}}]",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'type':'object','additionalProperties':false,"
                "'required':['party_id','party_name','control','state','address','sent_at','delivered_at','opened_at','clicked_at','unsubscribed_at','detail'],"
                "'properties':{'party_id':{'type':'integer','format':'int64'},'party_name':{'type':'string','nullable':true},"
                "'control':{'type':'boolean','description':'held out (the control group): never sent'},"
                "'state':{'type':'string','enum':['pending','sending','sent','bounced','failed','skipped','uncertain']},"
                "'address':{'type':'string','nullable':true},'sent_at':{'type':'string','nullable':true},'delivered_at':{'type':'string','nullable':true},"
                "'opened_at':{'type':'string','nullable':true},'clicked_at':{'type':'string','nullable':true},"
                "'unsubscribed_at':{'type':'string','nullable':true},'detail':{'type':'string','nullable':true}}}},"
                "'next':{'type':'string','nullable':true}}}",
    .response_name = "CampaignMembers",
};
static const struct route_doc preview_doc = {
    .id = "previewEmailTemplate", .tag = "email-templates",
    .request = "{'type':'object','required':['subject','body'],'additionalProperties':false,'properties':{"
               "'subject':{'type':'string'},'body':{'type':'string'},'language':{'type':'string','enum':['zh-CN','en']},"
               "'party_id':{'type':'integer','format':'int64','nullable':true,'description':'render for this party; else a sample one'}}}",
    .response = "{'type':'object','required':['subject','html'],'additionalProperties':false,'properties':{"
                "'subject':{'type':'string'},'html':{'type':'string','description':'the body with merge fields HTML-escaped'}}}",
};
#define MAIL_SETTINGS_SCHEMA                                                                                                    \
    "{'type':'object','additionalProperties':false,'properties':{'smtp_url':{'type':'string','description':'smtp:// or smtps://; RAPPORT_SMTP_URL wins'}," \
    "'from':{'type':'string'},'public_url':{'type':'string','description':'base of the unsubscribe and tracking links'},"       \
    "'company':{'type':'string','description':'{{company}}'},"                                                                  \
    "'smtp_url_from_environment':{'type':'boolean'},"                                                                          \
    "'consent_optional_channels':{'type':'array','items':{'type':'string'},'description':'channels other than email that need no recorded consent'}}}"
static const struct route_doc settings_get_doc = {.id = "getMailSettings", .tag = "settings", .response = MAIL_SETTINGS_SCHEMA,
                                                  .response_name = "MailSettings"};
static const struct route_doc settings_put_doc = {.id = "setMailSettings", .tag = "settings", .request = MAIL_SETTINGS_SCHEMA,
                                                  .response = "{'$ref':'#/components/schemas/MailSettings'}"};
static const struct route_doc unsub_get_doc = {.id = "unsubscribePage", .tag = "campaigns", .response_type = "text/html", .errors = "404 429"};
static const struct route_doc unsub_post_doc = {.id = "unsubscribeOneClick", .tag = "campaigns", .request = "{'type':'string'}",
                                                .request_type = "application/x-www-form-urlencoded", .response_type = "text/html", .errors = "404 429"};
static const struct route_doc open_doc = {.id = "trackOpen", .tag = "campaigns", .response_type = "image/gif", .errors = "429"};
static const struct route_doc click_doc = {.id = "trackClick", .tag = "campaigns", .status = 302, .headers = "Location", .errors = "404 429",
                                           .params = "[{'name':'u','in':'query','required':true,'schema':{'type':'string'},'description':'the link'}]"};

static const struct route mail_routes[] = {
    {"POST", "/api/v1/campaigns/{id}/send", 0, "campaigns", "update", campaign_send,
     "Send an active campaign's e-mail to its members as a job (202; follow /api/v1/jobs/{id}); again after a failure resumes it", NULL, &send_doc},
    {"GET", "/api/v1/campaigns/{id}/members", 0, "campaigns", "read", campaign_members, "A campaign's frozen member list with each member's state",
     NULL, &members_doc},
    {"POST", "/api/v1/email-templates/preview", 0, "email-templates", "read", template_preview,
     "Render a template's subject and body for a party, or a sample one", NULL, &preview_doc},
    {"GET", "/api/v1/settings/mail", R_ADMIN, "users", "read", mail_settings_get, "The mail settings (admin)", NULL, &settings_get_doc},
    {"PUT", "/api/v1/settings/mail", R_ADMIN, "users", "update", mail_settings_put, "Set the mail settings (admin)", NULL, &settings_put_doc},
    {"GET", "/api/v1/u/{token}", R_PUBLIC, NULL, "read", unsubscribe_page, "The unsubscribe page of a marketing e-mail (public)", NULL, &unsub_get_doc},
    {"POST", "/api/v1/u/{token}", R_PUBLIC | R_FORM, NULL, "create", unsubscribe_post,
     "One-click unsubscribe (RFC 8058): withdraws the recipient's e-mail consent (public)", NULL, &unsub_post_doc},
    {"GET", "/api/v1/t/o/{token}", R_PUBLIC, NULL, "read", track_open, "The open-tracking pixel of a marketing e-mail (public)", NULL, &open_doc},
    {"GET", "/api/v1/t/c/{token}", R_PUBLIC, NULL, "read", track_click, "A tracked link of a marketing e-mail: records the click and redirects (public)",
     NULL, &click_doc},
};

void mail_register(void) { routes_register(mail_routes, sizeof mail_routes / sizeof mail_routes[0]); }
