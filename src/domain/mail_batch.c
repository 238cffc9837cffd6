/* mail_batch: the senders' shared step (see mail_batch.h). The messages
 * are built outside any transaction and sent over a few kept-open
 * connections at once (smtp_send_many). */
#include "domain/mail_batch.h"
#include "lib/strbuf.h"
#include "mail/message.h"
#include "mail/render.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mail_batch_size(void)
{
    const char *e = getenv("RAPPORT_SEND_BATCH");
    int n = e ? atoi(e) : MAIL_BATCH;
    return n >= 1 && n <= MAIL_BATCH ? n : MAIL_BATCH;
}

/* More connections pay off against a distant relay; on loopback one kept
 * open is as fast (bench/campaigns). */
int mail_batch_connections(void)
{
    const char *e = getenv("RAPPORT_SMTP_CONNECTIONS");
    int n = e ? atoi(e) : 2;
    return n >= 1 && n <= 16 ? n : 2;
}

void mail_token_new(char token[65], char hash[65])
{
    unsigned char raw[32], h[crypto_hash_sha256_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, 65, raw, sizeof raw);
    crypto_hash_sha256(h, (const unsigned char *)token, 64);
    sodium_bin2hex(hash, 65, h, sizeof h);
}

bool mail_suppressed(db *c, const char *address)
{
    db_stmt *s = db_prepare(c, "SELECT 1 FROM mail_suppression WHERE address = ?");
    if (!s) return true;
    db_bind_text(s, 1, address);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

int mail_suppress_bounce(db *w, const char *address, const char *detail, const char *now)
{
    db_stmt *s = db_prepare(w, "INSERT INTO mail_suppression(address, reason, detail, created_at) VALUES (?, 'hard_bounce', ?, ?)"
                               " ON CONFLICT(address) DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, address);
    db_bind_text(s, 2, detail);
    db_bind_text(s, 3, now);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    return rc;
}

void mail_rcpt_free(struct mail_rcpt *r)
{
    free(r->name);
    free(r->owner);
    free(r->address);
    r->name = r->owner = r->address = NULL;
}

bool mail_batch_send(const struct mail_settings *ms, const char *subject_tmpl, const char *body_tmpl, long long campaign_id,
                     const char *mid_tag, struct mail_rcpt *r, int n_rcpt)
{
    struct smtp_msg msgs[MAIL_BATCH];
    char *data[MAIL_BATCH] = {0};
    int idx[MAIL_BATCH], n = 0;
    strbuf msg;
    sb_init(&msg, 16u << 20);
    for (int i = 0; i < n_rcpt && i < MAIL_BATCH; i++) {
        struct mail_rcpt *m = &r[i];
        char unsub[600], mid[160];
        mail_unsubscribe_url(unsub, sizeof unsub, ms->public_url, m->token);
        struct mail_merge mm = {{m->name, ms->company, m->owner, unsub}};
        char *subject = mail_render(subject_tmpl, &mm, false), *body = mail_render(body_tmpl, &mm, true);
        if (subject) snprintf(m->subject, sizeof m->subject, "%s", subject);
        snprintf(mid, sizeof mid, "<%s.p%lld.%.12s@rapport>", mid_tag, (long long)m->party, m->token);
        struct mail_parts p = {.from = ms->from, .to = m->address, .subject = subject, .html = body, .base_url = ms->public_url,
                               .token = m->token, .message_id = mid, .campaign_id = campaign_id};
        int built = subject && body ? mail_message(&msg, &p) : -1;
        free(subject);
        free(body);
        if (built) { m->tried = true; m->outcome = SMTP_PERMANENT; snprintf(m->detail, sizeof m->detail, "the message could not be built (too large)"); continue; }
        size_t len = msg.len;
        data[n] = sb_take(&msg);
        msgs[n] = (struct smtp_msg){.from = ms->from, .to = m->address, .data = data[n], .len = len};
        idx[n++] = i;
    }
    sb_free(&msg);
    bool all = true;
    if (n && smtp_send_many(ms->smtp_url, mail_batch_connections(), msgs, n)) {
        for (int k = 0; k < n; k++) { r[idx[k]].tried = false; snprintf(r[idx[k]].detail, sizeof r[idx[k]].detail, "libcurl could not start"); }
        all = false;
    } else {
        for (int k = 0; k < n; k++) {
            struct mail_rcpt *m = &r[idx[k]];
            m->outcome = msgs[k].result;
            snprintf(m->detail, sizeof m->detail, "%s", msgs[k].detail);
            m->tried = m->outcome != SMTP_TEMPORARY;
            all = all && m->tried;
        }
    }
    for (int k = 0; k < n; k++) free(data[k]);
    return all;
}
