/* survey_send: satisfaction surveys sent by themselves (issue 19, D11) —
 * after a case is resolved and after a sales order (issue 18) is
 * delivered, the customer gets a one-time survey link by e-mail.
 *
 * Noting: an in-transaction subscriber of the event feed sees the change
 * of status in the write transaction that makes it and adds one
 * survey_dispatch row (UNIQUE (subject, record_id): once per case or
 * order, whatever reopens, second resolutions, processes or restarts
 * follow). The setting service.auto_surveys = "false" turns it off.
 *
 * Sending: the job kind "survey_send" (schedule surveys.send, every
 * minute) takes the pending rows a batch at a time, as campaign_send does:
 * (1) one write transaction decides each — skipped when the party was
 * deleted, has no e-mail address, the address is suppressed or the party
 * has not consented to e-mail (read now: a withdrawal is immediate) — and
 * for the others makes the survey link (api/surveys.c, survey_insert) and
 * marks them "sending"; (2) the SMTP transactions through the mail module
 * (src/mail/), outside any transaction; (3) one write marks the outcome:
 * sent (the survey on the case's or order's timeline), bounced (the
 * address suppressed), back to pending (a 4xx: the unused link removed;
 * the job stops and the next run tries again), or failed (the connection
 * broke: maybe delivered, not retried). A process killed between (1) and
 * (3) leaves rows in "sending": the next run marks them "uncertain" and
 * does not send them again — at most one message per case or order. */
#include "db/setting.h"
#include "api/api.h"
#include "db/writer.h"
#include "domain/mail_batch.h"
#include "domain/mail_types.h"
#include "domain/service.h"
#include "jobs/jobs.h"
#include "lib/timeutil.h"
#include "mail/message.h"
#include "mail/settings.h"
#include "mail/smtp.h"
#include "records/events.h"
#include "records/write.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 50
#define SURVEY_DAYS 14

/* ---- noting ---- */

static bool status_changed(const struct rec_event *ev)
{
    if (!ev->action || !strcmp(ev->action, "delete")) return false;
    size_t i;
    json_t *f;
    json_array_foreach(ev->fields, i, f) if (json_is_string(f) && !strcmp(json_string_value(f), "status")) return true;
    return false;
}

static bool auto_off(db *w)
{
    char v[16];
    setting_get(w, "service.auto_surveys", v, sizeof v);
    return !strcmp(v, "false");
}

/* sql reads (status, party_id, contact_id) of the record; a row is noted
 * when its status is `when`. */
static int note(db *w, const struct rec_event *ev, const char *subject, const char *sql, const char *when)
{
    if (!status_changed(ev)) return 0;
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    db_bind_int64(s, 1, ev->record_id);
    int64_t party = 0, contact = 0;
    bool hit = false;
    if (db_step(s) == DB_ROW && db_column_text(s, 0) && !strcmp(db_column_text(s, 0), when)) {
        hit = true;
        party = db_column_int64(s, 1);
        contact = db_column_type(s, 2) == DB_NULL ? 0 : db_column_int64(s, 2);
    }
    db_done(s);
    if (!hit || !party || auto_off(w)) return 0;
    char now[21];
    now_text(now);
    s = db_prepare(w, "INSERT INTO survey_dispatch(subject, record_id, party_id, contact_id, state, created_at)"
                      " VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT(subject, record_id) DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, subject);
    db_bind_int64(s, 2, ev->record_id);
    db_bind_int64(s, 3, party);
    if (contact) db_bind_int64(s, 4, contact); else db_bind_null(s, 4);
    db_bind_text(s, 5, now);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    return rc;
}

static int on_case(db *w, const struct rec_event *ev)
{
    return note(w, ev, "case", "SELECT status, party_id, contact_id FROM service_case WHERE id = ?", "resolved");
}

static int on_order(db *w, const struct rec_event *ev)
{
    return note(w, ev, "order", "SELECT status, party_id, NULL FROM sales_order WHERE id = ?", "delivered");
}

/* ---- sending ---- */

struct item {
    int64_t id, record_id, party, survey_id;
    bool is_case;
    char *name, *address;
    char token[SURVEY_TOKEN_TEXT], expires[21];
    enum smtp_result outcome;
    bool tried;
    char detail[200];
};

struct send_ctx {
    struct mail_settings ms;
    struct item it[BATCH];
    int n;
    int64_t cursor;
    long sent, skipped, bounced, failed;
    struct verr e;
};

static void items_free(struct send_ctx *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->it[i].name);
        free(c->it[i].address);
        sodium_memzero(c->it[i].token, sizeof c->it[i].token);
    }
    c->n = 0;
}

static int recover(db *w, void *arg)
{
    (void)arg;
    db_stmt *s = db_prepare(w, "UPDATE survey_dispatch SET state = 'uncertain',"
                               " detail = 'the sender stopped during its SMTP transaction; not sent again' WHERE state = 'sending'");
    if (!s) return 1;
    int rc = db_step(s) == DB_DONE ? 0 : 1;
    db_done(s);
    return rc;
}

/* The address: the case's contact person's first e-mail, else the party's. */
static char *address_of(db *w, int64_t contact, int64_t party)
{
    int64_t who[2] = {contact, party};
    for (int k = 0; k < 2; k++) {
        if (!who[k]) continue;
        db_stmt *s = db_prepare(w, "SELECT min(normalized) FROM contact_point WHERE party_id = ? AND kind = 'email'");
        if (!s) return NULL;
        db_bind_int64(s, 1, who[k]);
        char *a = db_step(s) == DB_ROW && db_column_text(s, 0) ? strdup(db_column_text(s, 0)) : NULL;
        db_done(s);
        if (a) return a;
    }
    return NULL;
}

/* (1) The next batch: decided, and the links made. 0, 2 when none was left, 1. */
static int claim(db *w, void *arg)
{
    struct send_ctx *c = arg;
    items_free(c);
    db_stmt *s = db_prepare(w, "SELECT d.id, d.subject, d.record_id, d.party_id, d.contact_id, p.name, p.deleted_at"
                               " FROM survey_dispatch d JOIN party p ON p.id = d.party_id"
                               " WHERE d.state = 'pending' AND d.id > ? ORDER BY d.id LIMIT ?");
    if (!s) return 1;
    db_bind_int64(s, 1, c->cursor);
    db_bind_int64(s, 2, BATCH);
    struct { int64_t id, contact; bool deleted; } row[BATCH];
    int rows = 0;
    while (rows < BATCH && db_step(s) == DB_ROW) {
        struct item *it = &c->it[rows];
        memset(it, 0, sizeof *it);
        it->id = db_column_int64(s, 0);
        it->is_case = !strcmp(db_column_text(s, 1), "case");
        it->record_id = db_column_int64(s, 2);
        it->party = db_column_int64(s, 3);
        it->name = strdup(db_column_text(s, 5) ? db_column_text(s, 5) : "");
        row[rows].id = it->id;
        row[rows].contact = db_column_type(s, 4) == DB_NULL ? 0 : db_column_int64(s, 4);
        row[rows].deleted = db_column_type(s, 6) != DB_NULL;
        c->cursor = it->id;
        rows++;
    }
    db_done(s);
    c->n = rows;
    if (rows == 0) return 2;
    /* Each item moves out of its slot (which then holds nothing), and the
     * ones to send move back to the front: on an error c->it frees right. */
    int kept = 0;
    for (int i = 0; i < rows; i++) {
        struct item it = c->it[i];
        c->it[i].name = NULL;
        it.address = row[i].deleted ? NULL : address_of(w, row[i].contact, it.party);
        const char *why = row[i].deleted ? "the party was deleted"
                        : !it.address ? "no e-mail address"
                        : mail_suppressed(w, it.address) ? "the address is suppressed (hard bounce or complaint)"
                        : !consent_allows(w, it.party, "email") ? "no consent to e-mail" : NULL;
        int rc = 0;
        if (why) {
            rc = db_run(w, "UPDATE survey_dispatch SET state = 'skipped', detail = ? WHERE id = ?", "ti", why, it.id);
            c->skipped++;
        } else if (survey_insert(w, it.is_case ? it.record_id : 0, 0, it.is_case ? 0 : it.record_id, it.party, 0, SURVEY_DAYS,
                                 it.token, it.expires, &it.survey_id)) {
            rc = -1;
        } else {
            db_stmt *u = db_prepare(w, "UPDATE survey_dispatch SET state = 'sending', address = ?, survey_id = ? WHERE id = ?");
            if (u) {
                db_bind_text(u, 1, it.address);
                db_bind_int64(u, 2, it.survey_id);
                db_bind_int64(u, 3, it.id);
                rc = db_step(u) == DB_DONE ? 0 : -1;
                db_done(u);
            } else {
                rc = -1;
            }
        }
        if (why || rc) {
            free(it.name);
            free(it.address);
            sodium_memzero(it.token, sizeof it.token);
            if (rc) return 1;
            continue;
        }
        c->it[kept++] = it;
    }
    c->n = kept;
    return 0;
}

/* The message: both languages, the link, when it expires. */
static void compose(strbuf *html, const struct send_ctx *c, const struct item *it, const char *url)
{
    sb_reset(html);
    sb_puts(html, "<!DOCTYPE html><html><body><p>");
    sb_put_html(html, it->name);
    sb_puts(html, "，您好：</p><p>");
    sb_puts(html, it->is_case ? "您的服务请求已处理完毕。" : "您的订单已送达。");
    sb_puts(html, "请花一分钟告诉我们您的满意度：</p><p><a href=\"");
    sb_put_html(html, url);
    sb_puts(html, "\">填写问卷</a></p><hr><p>Dear ");
    sb_put_html(html, it->name);
    sb_puts(html, ",</p><p>");
    sb_puts(html, it->is_case ? "Your service request has been resolved." : "Your order has been delivered.");
    sb_puts(html, " Please take a minute to tell us how satisfied you are:</p><p><a href=\"");
    sb_put_html(html, url);
    sb_puts(html, "?lang=en\">Answer the survey</a></p><p>");
    sb_printf(html, "链接仅可使用一次，有效期至 / The link works once, until %.10s.</p><p>", it->expires);
    sb_put_html(html, c->ms.company);
    sb_puts(html, "</p></body></html>");
}

/* (2) The SMTP transactions. false when some were refused for now. */
static bool send_batch(struct send_ctx *c)
{
    struct smtp_msg msgs[BATCH];
    char *data[BATCH] = {0};
    int idx[BATCH], n = 0;
    strbuf msg, html;
    sb_init(&msg, 1u << 20);
    sb_init(&html, 1u << 20);
    for (int i = 0; i < c->n; i++) {
        struct item *it = &c->it[i];
        char url[640], mid[120];
        snprintf(url, sizeof url, "%s/survey/%s", c->ms.public_url, it->token);
        snprintf(mid, sizeof mid, "<s%lld.%s%lld@rapport>", (long long)it->survey_id, it->is_case ? "c" : "o", (long long)it->record_id);
        compose(&html, c, it, url);
        struct mail_parts p = {.from = c->ms.from, .to = it->address, .html = html.data ? html.data : "", .message_id = mid,
                               .subject = it->is_case ? "请评价我们的服务 / How did we do?" : "您的订单已送达，请评价 / Your order: how did we do?"};
        if (html.failed || mail_message(&msg, &p)) {
            it->tried = true;
            it->outcome = SMTP_UNKNOWN;
            snprintf(it->detail, sizeof it->detail, "the message could not be built");
            continue;
        }
        size_t len = msg.len;
        data[n] = sb_take(&msg);
        msgs[n] = (struct smtp_msg){.from = c->ms.from, .to = it->address, .data = data[n], .len = len};
        idx[n++] = i;
    }
    sb_free(&msg);
    sb_free(&html);
    bool all = true;
    if (n && smtp_send_many(c->ms.smtp_url, 1, msgs, n)) {
        for (int k = 0; k < n; k++) {
            c->it[idx[k]].tried = false;
            snprintf(c->it[idx[k]].detail, sizeof c->it[idx[k]].detail, "libcurl could not start");
        }
        all = false;
    } else {
        for (int k = 0; k < n; k++) {
            struct item *it = &c->it[idx[k]];
            it->outcome = msgs[k].result;
            snprintf(it->detail, sizeof it->detail, "%s", msgs[k].detail);
            it->tried = it->outcome != SMTP_TEMPORARY;
            all = all && it->tried;
        }
    }
    for (int k = 0; k < n; k++) free(data[k]);
    return all;
}

/* (3) The outcomes. */
static int finish(db *w, void *arg)
{
    struct send_ctx *c = arg;
    char now[21];
    now_text(now);
    struct writer wr = writer_system("survey");
    for (int i = 0; i < c->n; i++) {
        struct item *it = &c->it[i];
        int rc = 0;
        if (!it->tried) {
            /* Refused for now: the link is dropped (its token is gone) and
             * the row waits for the next run. */
            rc = db_run(w, "DELETE FROM survey WHERE id = ?", "i", it->survey_id) ||
                 db_run(w, "UPDATE survey_dispatch SET state = 'pending', address = NULL, survey_id = NULL, detail = ? WHERE id = ?",
                        "ti", it->detail, it->id);
        } else if (it->outcome == SMTP_OK) {
            rc = db_run(w, "UPDATE survey_dispatch SET state = 'sent', sent_at = ? WHERE id = ?", "ti", now, it->id);
            json_t *ch = json_pack("{s:[n, {s:I, s:s, s:s, s:b}]}", "survey", "id", (json_int_t)it->survey_id, "expires_at", it->expires,
                                   "sent_to", it->address, "automatic", 1);
            if (!rc) rc = record_log(w, &wr, it->is_case ? "case" : "order", it->record_id, "survey", ch, it->party);
            else json_decref(ch);
            c->sent++;
        } else if (it->outcome == SMTP_PERMANENT) {
            rc = db_run(w, "UPDATE survey_dispatch SET state = 'bounced', sent_at = ?, detail = ? WHERE id = ?",
                        "tti", now, it->detail, it->id);
            if (!rc) rc = mail_suppress_bounce(w, it->address, it->detail, now);
            c->bounced++;
        } else {
            rc = db_run(w, "UPDATE survey_dispatch SET state = 'failed', sent_at = ?, detail = ? WHERE id = ?",
                        "tti", now, it->detail, it->id);
            c->failed++;
        }
        if (rc) return 1;
    }
    return 0;
}

static int run_send(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    (void)id;
    (void)params;
    struct send_ctx *c = calloc(1, sizeof *c);
    if (!c) { snprintf(error, cap, "out of memory"); return -1; }
    db *r = db_reader();
    mail_settings_load(r, &c->ms);
    /* Most minutes there is nothing to send: no write transaction then. */
    db_stmt *q = db_prepare(r, "SELECT 1 FROM survey_dispatch WHERE state IN ('pending', 'sending') LIMIT 1");
    bool work = !q || db_step(q) == DB_ROW;
    if (q) db_done(q);
    if (!work) {
        *result = json_pack("{s:I, s:I, s:I, s:I}", "sent", (json_int_t)0, "skipped", (json_int_t)0, "bounced", (json_int_t)0,
                            "failed", (json_int_t)0);
        free(c);
        return 0;
    }
    int rc = -1;
    if (!c->ms.smtp_url[0]) {
        /* Nothing can be sent yet: the rows wait for a relay. */
        *result = json_pack("{s:I, s:I, s:I, s:I, s:s}", "sent", (json_int_t)0, "skipped", (json_int_t)0, "bounced", (json_int_t)0,
                            "failed", (json_int_t)0, "note", "no SMTP relay: set RAPPORT_SMTP_URL or the mail settings");
        free(c);
        return 0;
    }
    if (db_write(recover, c)) { snprintf(error, cap, "the surveys could not be read"); goto done; }
    for (;;) {
        if (*cancel) { snprintf(error, cap, "cancelled"); goto done; }
        int w = db_write(claim, c);
        if (w == 2) break;
        if (w) { snprintf(error, cap, "the surveys could not be claimed"); goto done; }
        bool go_on = c->n ? send_batch(c) : true;
        if (c->n && db_write(finish, c)) {
            snprintf(error, cap, "the outcomes could not be written: %s", c->e.message[0] ? c->e.message : "storage error");
            goto done;
        }
        if (!go_on) break;   /* the relay refused for now: the next run tries again */
    }
    *result = json_pack("{s:I, s:I, s:I, s:I}", "sent", (json_int_t)c->sent, "skipped", (json_int_t)c->skipped, "bounced",
                        (json_int_t)c->bounced, "failed", (json_int_t)c->failed);
    rc = 0;
done:
    items_free(c);
    smtp_release_thread();
    free(c);
    return rc;
}

void survey_send_register(void)
{
    events_subscribe_tx("case", on_case);
    events_subscribe_tx("order", on_order);
    jobs_register_kind("survey_send", run_send);
}
