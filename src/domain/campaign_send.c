/* campaign_send: the job kind "campaign_send" — sends an active campaign's
 * e-mail to its members (issue 20), never twice to anyone.
 *
 * Members are taken MAIL_BATCH at a time in key order. Each batch is three
 * steps: (1) one write transaction marks them "sending" (with the address
 * and the hash of their new secret token), or "skipped" when the party has
 * no address, is suppressed or has not consented to e-mail — consent is
 * read here, at the moment of sending, so a withdrawal is immediate; (2)
 * the SMTP transactions, outside any transaction and over a few
 * connections at once; (3) one write marks each
 * outcome: sent (with the interaction on the party's timeline), bounced (a
 * 5xx: the address is suppressed), back to pending (a 4xx: never taken),
 * or failed (the connection broke: maybe delivered, so not retried). A
 * process killed between (1) and (3) leaves members in "sending"; the next
 * send job marks them "uncertain" and does not send them again: at most
 * once, at the price of at most MAIL_BATCH members missing a message after
 * a crash. The marks are per batch because each commit is an fsync. */
#include "domain/campaign.h"
#include "api/api.h"
#include "db/writer.h"
#include "domain/mail_batch.h"
#include "domain/mail_types.h"
#include "jobs/jobs.h"
#include "mail/settings.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct send_ctx {
    int64_t campaign;
    int64_t cursor;               /* the last party claimed */
    char id_text[24];
    char *subject_tmpl, *body_tmpl;
    struct mail_settings ms;
    struct mail_rcpt m[MAIL_BATCH];
    int n;
    long sent, bounced, skipped, failed, uncertain;
    struct verr e;
};

static char *dup_col(db_stmt *s, int i) { return strdup(db_column_text(s, i) ? db_column_text(s, i) : ""); }

/* Members a killed sender left in "sending": never sent again. */
static int recover(db *w, void *arg)
{
    struct send_ctx *c = arg;
    db_stmt *s = db_prepare(w, "UPDATE campaign_member SET state = 'uncertain', detail = 'the sender stopped during its SMTP transaction; not sent again'"
                               " WHERE campaign_id = ? AND state = 'sending'");
    if (!s) return 1;
    db_bind_int64(s, 1, c->campaign);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : 1;
}

static void members_free(struct send_ctx *c)
{
    for (int i = 0; i < c->n; i++) mail_rcpt_free(&c->m[i]);
    c->n = 0;
}

/* (1) Claim the next batch. */
static int claim(db *w, void *arg)
{
    struct send_ctx *c = arg;
    members_free(c);
    db_stmt *s = db_prepare(w, "SELECT m.party_id, p.name, u.name,"
                               " (SELECT min(cp.normalized) FROM contact_point cp WHERE cp.party_id = m.party_id AND cp.kind = 'email'),"
                               " p.deleted_at FROM campaign_member m JOIN party p ON p.id = m.party_id LEFT JOIN app_user u ON u.id = p.owner_id"
                               " WHERE m.campaign_id = ? AND m.party_id > ? AND m.control = 0 AND m.state = 'pending' ORDER BY m.party_id LIMIT ?");
    if (!s) return 1;
    db_bind_int64(s, 1, c->campaign);
    db_bind_int64(s, 2, c->cursor);
    int want = mail_batch_size();
    db_bind_int64(s, 3, want);
    struct { int64_t party; const char *why; } skip[MAIL_BATCH];
    int nskip = 0, rows = 0;
    while (rows < want && db_step(s) == DB_ROW) {
        rows++;
        int64_t party = db_column_int64(s, 0);
        c->cursor = party;
        const char *why = db_column_text(s, 4) ? "the party was deleted" : !db_column_text(s, 3) ? "no e-mail address" : NULL;
        if (why) { skip[nskip].party = party; skip[nskip++].why = why; continue; }
        struct mail_rcpt *m = &c->m[c->n++];
        memset(m, 0, sizeof *m);
        m->party = party;
        m->name = dup_col(s, 1);
        m->owner = dup_col(s, 2);
        m->address = dup_col(s, 3);
    }
    db_done(s);
    /* Consent and suppression are read now, in the transaction that marks. */
    int kept = 0;
    for (int i = 0; i < c->n; i++) {
        struct mail_rcpt *m = &c->m[i];
        const char *why = mail_suppressed(w, m->address) ? "the address is suppressed (hard bounce or complaint)"
                        : !consent_allows(w, m->party, "email") ? "no consent to e-mail" : NULL;
        if (why) {
            skip[nskip].party = m->party;
            skip[nskip++].why = why;
            mail_rcpt_free(m);
            continue;
        }
        c->m[kept++] = *m;
    }
    c->n = kept;
    for (int i = 0; i < nskip; i++) {
        if (db_run(w, "UPDATE campaign_member SET state = 'skipped', detail = ? WHERE campaign_id = ? AND party_id = ?",
                   "tii", skip[i].why, c->campaign, skip[i].party))
            return 1;
        c->skipped++;
    }
    for (int i = 0; i < c->n; i++) {
        struct mail_rcpt *m = &c->m[i];
        char hash[65];
        mail_token_new(m->token, hash);
        if (db_run(w, "UPDATE campaign_member SET state = 'sending', address = ?, token_hash = ? WHERE campaign_id = ? AND party_id = ?",
                   "ttii", m->address, hash, c->campaign, m->party))
            return 1;
    }
    return rows == 0 ? 2 : 0;   /* 2: nothing left (rolls back nothing of note) */
}

/* (3) The outcomes. */
static int finish(db *w, void *arg)
{
    struct send_ctx *c = arg;
    char now[21];
    now_text(now);
    struct writer wr = writer_system("campaign_send");
    for (int i = 0; i < c->n; i++) {
        struct mail_rcpt *m = &c->m[i];
        int rc = 0;
        if (!m->tried) {
            rc = db_run(w, "UPDATE campaign_member SET state = 'pending', address = NULL, token_hash = NULL WHERE campaign_id = ? AND party_id = ?",
                        "ii", c->campaign, m->party);
        } else if (m->outcome == SMTP_OK) {
            rc = db_run(w, "UPDATE campaign_member SET state = 'sent', sent_at = ?, delivered_at = ? WHERE campaign_id = ? AND party_id = ?",
                        "ttii", now, now, c->campaign, m->party);
            json_t *in = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "party_id", (json_int_t)m->party, "channel", "email",
                                   "direction", "outbound", "subject", m->subject, "status", "done", "occurred_at", now, "campaign", c->id_text);
            json_t *rec = in ? res_validate(&interaction_resource, in, true, &c->e) : NULL;
            json_decref(in);
            if (!rec || record_create(w, &wr, &interaction_resource, rec, NULL, NULL, NULL, &c->e)) rc = -1;
            json_decref(rec);
            c->sent++;
        } else if (m->outcome == SMTP_PERMANENT) {
            rc = db_run(w, "UPDATE campaign_member SET state = 'bounced', sent_at = ?, detail = ? WHERE campaign_id = ? AND party_id = ?",
                        "ttii", now, m->detail, c->campaign, m->party);
            if (!rc) rc = mail_suppress_bounce(w, m->address, m->detail, now);
            c->bounced++;
        } else {
            rc = db_run(w, "UPDATE campaign_member SET state = 'failed', sent_at = ?, detail = ? WHERE campaign_id = ? AND party_id = ?",
                        "ttii", now, m->detail, c->campaign, m->party);
            c->failed++;
        }
        if (rc) return 1;
    }
    return 0;
}

static long count_members(int64_t campaign, const char *extra)
{
    db *r = db_reader();
    db_stmt *s = db_prepare(r, strcmp(extra, "pending") ? "SELECT count(*) FROM campaign_member WHERE campaign_id = ? AND control = 0"
                                                        : "SELECT count(*) FROM campaign_member WHERE campaign_id = ? AND control = 0 AND state <> 'pending'");
    long n = 0;
    if (!s) return 0;
    db_bind_int64(s, 1, campaign);
    if (db_step(s) == DB_ROW) n = (long)db_column_int64(s, 0);
    db_done(s);
    return n;
}

static int load_campaign(struct send_ctx *c, char *error, size_t cap)
{
    db *r = db_reader();
    mail_settings_load(r, &c->ms);
    db_stmt *s = db_prepare(r, "SELECT c.status, t.subject, t.body FROM campaign c LEFT JOIN email_template t ON t.id = c.template_id WHERE c.id = ?");
    if (!s) { snprintf(error, cap, "the campaign could not be read"); return -1; }
    db_bind_int64(s, 1, c->campaign);
    int rc = -1;
    if (db_step(s) != DB_ROW) snprintf(error, cap, "campaign %lld does not exist", (long long)c->campaign);
    else if (!db_column_text(s, 0) || strcmp(db_column_text(s, 0), "active")) snprintf(error, cap, "the campaign is not active");
    else if (!db_column_text(s, 1)) snprintf(error, cap, "the campaign has no e-mail template");
    else { c->subject_tmpl = dup_col(s, 1); c->body_tmpl = dup_col(s, 2); rc = 0; }
    db_done(s);
    if (!rc && !c->ms.smtp_url[0]) { snprintf(error, cap, "no SMTP relay: set RAPPORT_SMTP_URL or the mail settings"); rc = -1; }
    return rc;
}

static int run_send(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    struct send_ctx *c = calloc(1, sizeof *c);
    if (!c) { snprintf(error, cap, "out of memory"); return -1; }
    c->campaign = json_integer_value(json_object_get(params, "campaign_id"));
    snprintf(c->id_text, sizeof c->id_text, "%lld", (long long)c->campaign);
    int rc = -1;
    if (load_campaign(c, error, cap)) goto done;
    if (db_write(recover, c)) { snprintf(error, cap, "the members could not be read"); goto done; }
    long total = count_members(c->campaign, "all");
    for (;;) {
        if (*cancel) { snprintf(error, cap, "cancelled"); goto done; }
        int w = db_write(claim, c);
        if (w == 2) break;
        if (w) { snprintf(error, cap, "the members could not be claimed"); goto done; }
        /* (2) The SMTP transactions (mail_batch.c), outside any transaction. */
        char tag[32];
        snprintf(tag, sizeof tag, "c%s", c->id_text);
        bool go_on = mail_batch_send(&c->ms, c->subject_tmpl, c->body_tmpl, c->campaign, tag, c->m, c->n);
        if (db_write(finish, c)) {
            snprintf(error, cap, "the outcomes could not be written: %s", c->e.message[0] ? c->e.message : "storage error");
            goto done;
        }
        job_progress(id, count_members(c->campaign, "pending"), total);
        if (!go_on) {
            const char *why = "";
            for (int i = 0; i < c->n && !why[0]; i++)
                if (!c->m[i].tried) why = c->m[i].detail;   /* the first refusal */
            snprintf(error, cap, "the relay refused for now (the rest stay pending; send again to resume): %s", why);
            goto done;
        }
    }
    *result = json_pack("{s:I, s:I, s:I, s:I, s:I}", "campaign_id", (json_int_t)c->campaign, "sent", (json_int_t)c->sent,
                        "bounced", (json_int_t)c->bounced, "skipped", (json_int_t)c->skipped, "failed", (json_int_t)c->failed);
    rc = 0;
done:
    members_free(c);
    smtp_release_thread();
    free(c->subject_tmpl);
    free(c->body_tmpl);
    free(c);
    return rc;
}

void campaign_send_register(void)
{
    jobs_register_kind("campaign_send", run_send);
    /* A killed sender's job runs again by itself: claim only takes pending
     * members and recover() retires the ones caught mid-transaction. */
    jobs_register_resumable("campaign_send");
}
