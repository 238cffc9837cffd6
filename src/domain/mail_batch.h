/* mail_batch: what the two marketing senders share (issue 20) — a
 * campaign's (campaign_send.c) and an occasion rule's (occasion_mail.c):
 * the recipient of a batch, its fresh secret token, the suppression list
 * check, and step (2) of their claim → send → mark cycle: rendering each
 * recipient's message from the template (merge fields, RFC 8058
 * unsubscribe, tracking) and handing the batch to the relay. The senders
 * keep their own tables, claims and marks. */
#ifndef RAPPORT_MAIL_BATCH_H
#define RAPPORT_MAIL_BATCH_H
#include "db/db.h"
#include "mail/settings.h"
#include "mail/smtp.h"
#include <stdbool.h>
#include <stdint.h>

#define MAIL_BATCH 100   /* recipients per claim; RAPPORT_SEND_BATCH (1-100) lowers it (tests) */

/* One recipient of a batch. name, owner and address are malloc'd by the
 * claim and freed by mail_rcpt_free. */
struct mail_rcpt {
    int64_t party;
    char *name, *owner, *address;
    char token[65];               /* the secret of its links (hex), only in the message */
    char subject[301];            /* as rendered, for the timeline */
    enum smtp_result outcome;
    bool tried;                   /* false: refused for now (4xx, no libcurl): back to pending */
    char detail[200];
};

/* The batch size: MAIL_BATCH or RAPPORT_SEND_BATCH. */
int mail_batch_size(void);
/* Connections to the relay at once: RAPPORT_SMTP_CONNECTIONS (1-16, default 2). */
int mail_batch_connections(void);
/* A fresh token (64 hex) and the SHA-256 (hex) that is stored. */
void mail_token_new(char token[65], char hash[65]);
/* Is address on the suppression list (a hard bounce, a complaint)? True on a storage error. */
bool mail_suppressed(db *c, const char *address);
/* Puts address on the suppression list after a hard bounce (kept if already
 * there), in the caller's write transaction; 0, or -1 on a storage error. */
int mail_suppress_bounce(db *w, const char *address, const char *detail, const char *now);
void mail_rcpt_free(struct mail_rcpt *r);

/* Renders r[0..n)'s messages from the templates and sends them: sets each
 * one's outcome, tried, subject and detail. campaign_id: the
 * X-Rapport-Campaign header (0 for an occasion rule's); mid_tag: the start of the
 * Message-ID ("c12", "o3"). Returns false when the relay refused some for
 * now (the sender stops after marking this batch). */
bool mail_batch_send(const struct mail_settings *ms, const char *subject_tmpl, const char *body_tmpl, long long campaign_id,
                     const char *mid_tag, struct mail_rcpt *r, int n);
#endif
