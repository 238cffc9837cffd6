/* occasion_mail: queueing and sending occasion rules' e-mail (see
 * occasion_mail.h). The sending follows campaign_send.c step for step, and
 * shares its rendering and relay step (mail_batch.h) —
 * (1) one write transaction claims a batch of pending rows as "sending"
 * (with the address and the hash of a fresh secret token) or "skipped"
 * (deleted party, no address, suppressed address, no e-mail consent: read
 * here, so a withdrawal is immediate); (2) the SMTP transactions, outside
 * any transaction; (3) one write marks each outcome: sent (and an
 * interaction on the party's timeline), bounced (a 5xx: the address is
 * suppressed), back to pending (a 4xx: the run stops), failed (the
 * connection broke: maybe delivered, so not retried). A row still in
 * "sending" when a run starts was caught by a crash between (1) and (3):
 * "uncertain", never sent again. No cursor: every claim takes the first
 * pending rows, which the claim itself moves out of pending. */
#include "domain/occasion_mail.h"
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

int occasion_mail_queue(db *w, int64_t rule, int64_t party, const char *key, const char *day)
{
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "INSERT INTO occasion_mail(party_id, occasion, year, rule_id, occasion_on, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    if (!s) return -1;
    db_bind_int64(s, 1, party);
    db_bind_text(s, 2, key);
    db_bind_int64(s, 3, atoi(day));
    db_bind_int64(s, 4, rule);
    db_bind_text(s, 5, day);
    db_bind_text(s, 6, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return -1;
    return db_changes(w) ? 1 : 0;
}

/* A row's key besides its party. */
struct key { char occasion[64]; int64_t year; };

struct ctx {
    int64_t rule;
    char *subject_tmpl, *body_tmpl;
    struct mail_settings ms;
    struct mail_rcpt r[MAIL_BATCH];
    struct key key[MAIL_BATCH];    /* r[i]'s */
    int n;
    struct mail_rcpt skip[MAIL_BATCH];   /* claim's rows skipped, with why */
    struct key skip_key[MAIL_BATCH];
    const char *why[MAIL_BATCH];
    struct occasion_mail_counts *k;
    struct verr e;
};

static void rows_free(struct ctx *c)
{
    for (int i = 0; i < c->n; i++) mail_rcpt_free(&c->r[i]);
    c->n = 0;
}

static char *dup_col(db_stmt *s, int i) { return strdup(db_column_text(s, i) ? db_column_text(s, i) : ""); }

#define KEY " WHERE party_id = ? AND occasion = ? AND year = ?"

static int recover(db *w, void *arg)
{
    struct ctx *c = arg;
    db_stmt *s = db_prepare(w, "UPDATE occasion_mail SET state = 'uncertain', detail = 'the sender stopped during its SMTP transaction; not sent again'"
                               " WHERE rule_id = ? AND state = 'sending'");
    if (!s) return 1;
    db_bind_int64(s, 1, c->rule);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return 1;
    c->k->uncertain += db_changes(w);
    return 0;
}

/* (1) Claims the next batch; 2 when none is left. */
static int claim(db *w, void *arg)
{
    struct ctx *c = arg;
    rows_free(c);
    db_stmt *s = db_prepare(w, "SELECT m.party_id, m.occasion, m.year, p.name, u.name,"
                               " (SELECT min(cp.normalized) FROM contact_point cp WHERE cp.party_id = m.party_id AND cp.kind = 'email'),"
                               " p.deleted_at FROM occasion_mail m JOIN party p ON p.id = m.party_id LEFT JOIN app_user u ON u.id = p.owner_id"
                               " WHERE m.rule_id = ? AND m.state = 'pending' ORDER BY m.party_id, m.occasion, m.year LIMIT ?");
    if (!s) return 1;
    db_bind_int64(s, 1, c->rule);
    db_bind_int64(s, 2, mail_batch_size());
    struct mail_rcpt *skip = c->skip;
    const char **why = c->why;
    int nskip = 0, rows = 0;
    while (rows < MAIL_BATCH && db_step(s) == DB_ROW) {
        rows++;
        struct mail_rcpt *x = &c->r[c->n];
        struct key *k_ = &c->key[c->n];
        memset(x, 0, sizeof *x);
        x->party = db_column_int64(s, 0);
        snprintf(k_->occasion, sizeof k_->occasion, "%s", db_column_text(s, 1) ? db_column_text(s, 1) : "");
        k_->year = db_column_int64(s, 2);
        const char *w_ = db_column_text(s, 6) ? "the party was deleted" : !db_column_text(s, 5) ? "no e-mail address" : NULL;
        if (w_) { skip[nskip] = *x; c->skip_key[nskip] = *k_; why[nskip++] = w_; continue; }
        x->name = dup_col(s, 3);
        x->owner = dup_col(s, 4);
        x->address = dup_col(s, 5);
        c->n++;
    }
    db_done(s);
    int kept = 0;
    for (int i = 0; i < c->n; i++) {
        struct mail_rcpt *x = &c->r[i];
        const char *w_ = mail_suppressed(w, x->address) ? "the address is suppressed (hard bounce or complaint)"
                       : !consent_allows(w, x->party, "email") ? "no consent to e-mail" : NULL;
        if (w_) {
            skip[nskip] = *x;
            c->skip_key[nskip] = c->key[i];
            why[nskip++] = w_;
            mail_rcpt_free(x);
            continue;
        }
        c->key[kept] = c->key[i];
        c->r[kept++] = *x;
    }
    c->n = kept;
    for (int i = 0; i < nskip; i++) {
        if (db_run(w, "UPDATE occasion_mail SET state = 'skipped', detail = ?" KEY,
                   "titi", why[i], skip[i].party, c->skip_key[i].occasion, c->skip_key[i].year)) return 1;
        c->k->skipped++;
    }
    for (int i = 0; i < c->n; i++) {
        struct mail_rcpt *x = &c->r[i];
        char hash[65];
        mail_token_new(x->token, hash);
        if (db_run(w, "UPDATE occasion_mail SET state = 'sending', address = ?, token_hash = ?" KEY,
                   "ttiti", x->address, hash, x->party, c->key[i].occasion, c->key[i].year)) return 1;
    }
    return rows == 0 ? 2 : 0;
}

/* (3) The outcomes. */
static int finish(db *w, void *arg)
{
    struct ctx *c = arg;
    char now[21];
    now_text(now);
    struct writer wr = writer_system("occasion_rules");
    for (int i = 0; i < c->n; i++) {
        struct mail_rcpt *x = &c->r[i];
        const struct key *k_ = &c->key[i];
        int rc = 0;
        if (!x->tried) {
            rc = db_run(w, "UPDATE occasion_mail SET state = 'pending', address = NULL, token_hash = NULL" KEY,
                        "iti", x->party, k_->occasion, k_->year);
        } else if (x->outcome == SMTP_OK) {
            rc = db_run(w, "UPDATE occasion_mail SET state = 'sent', sent_at = ?" KEY,
                        "titi", now, x->party, k_->occasion, k_->year);
            json_t *in = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "party_id", (json_int_t)x->party, "channel", "email",
                                   "direction", "outbound", "subject", x->subject, "status", "done", "occurred_at", now);
            json_t *rec = in ? res_validate(&interaction_resource, in, true, &c->e) : NULL;
            json_decref(in);
            if (!rec || record_create(w, &wr, &interaction_resource, rec, NULL, NULL, NULL, &c->e)) rc = -1;
            json_decref(rec);
            c->k->sent++;
        } else if (x->outcome == SMTP_PERMANENT) {
            rc = db_run(w, "UPDATE occasion_mail SET state = 'bounced', sent_at = ?, detail = ?" KEY,
                        "ttiti", now, x->detail, x->party, k_->occasion, k_->year);
            if (!rc) rc = mail_suppress_bounce(w, x->address, x->detail, now);
            c->k->bounced++;
        } else {
            rc = db_run(w, "UPDATE occasion_mail SET state = 'failed', sent_at = ?, detail = ?" KEY,
                        "ttiti", now, x->detail, x->party, k_->occasion, k_->year);
            c->k->failed++;
        }
        if (rc) return 1;
    }
    return 0;
}

static long count_rows(int64_t rule, bool pending_only)
{
    db_stmt *s = db_prepare(db_reader(), pending_only ? "SELECT count(*) FROM occasion_mail WHERE rule_id = ? AND state = 'pending'"
                                                      : "SELECT count(*) FROM occasion_mail WHERE rule_id = ?");
    long n = 0;
    if (!s) return 0;
    db_bind_int64(s, 1, rule);
    if (db_step(s) == DB_ROW) n = (long)db_column_int64(s, 0);
    db_done(s);
    return n;
}

static int load(struct ctx *c, char *error, size_t cap)
{
    db *r = db_reader();
    mail_settings_load(r, &c->ms);
    db_stmt *s = db_prepare(r, "SELECT t.subject, t.body FROM occasion_rule o JOIN email_template t ON t.id = o.template_id WHERE o.id = ?");
    if (!s) { snprintf(error, cap, "the rule's template could not be read"); return -1; }
    db_bind_int64(s, 1, c->rule);
    int rc = -1;
    if (db_step(s) != DB_ROW || !db_column_text(s, 0)) snprintf(error, cap, "occasion rule %lld has no e-mail template", (long long)c->rule);
    else { c->subject_tmpl = dup_col(s, 0); c->body_tmpl = dup_col(s, 1); rc = 0; }
    db_done(s);
    if (!rc && !c->ms.smtp_url[0]) { snprintf(error, cap, "no SMTP relay: set RAPPORT_SMTP_URL or the mail settings"); rc = -1; }
    return rc;
}

int occasion_mail_send(int64_t job, int64_t rule, volatile int *cancel, struct occasion_mail_counts *n, char *error, size_t cap)
{
    struct ctx *c = calloc(1, sizeof *c);
    if (!c) { snprintf(error, cap, "out of memory"); return -1; }
    c->rule = rule;
    c->k = n;
    int rc = -1;
    if (load(c, error, cap)) goto done;
    if (db_write(recover, c)) { snprintf(error, cap, "the messages could not be read"); goto done; }
    long total = count_rows(rule, false);
    for (;;) {
        if (*cancel) { snprintf(error, cap, "cancelled"); goto done; }
        int w = db_write(claim, c);
        if (w == 2) break;
        if (w) { snprintf(error, cap, "the messages could not be claimed"); goto done; }
        char tag[32];
        snprintf(tag, sizeof tag, "o%lld", (long long)rule);
        bool go_on = mail_batch_send(&c->ms, c->subject_tmpl, c->body_tmpl, 0, tag, c->r, c->n);
        if (db_write(finish, c)) {
            snprintf(error, cap, "the outcomes could not be written: %s", c->e.message[0] ? c->e.message : "storage error");
            goto done;
        }
        if (job) job_progress(job, total - count_rows(rule, true), total);
        if (!go_on) {
            const char *why = "";
            for (int i = 0; i < c->n && !why[0]; i++)
                if (!c->r[i].tried) why = c->r[i].detail;
            snprintf(error, cap, "the relay refused for now (the rest stay pending; run again to resume): %s", why);
            goto done;
        }
    }
    rc = 0;
done:
    rows_free(c);
    smtp_release_thread();
    free(c->subject_tmpl);
    free(c->body_tmpl);
    free(c);
    return rc;
}
