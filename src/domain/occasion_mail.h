/* occasion_mail: the e-mail of occasion rules whose action is "email"
 * (issue 20, DOMAIN D8: "each occasion rule creates a task or a campaign
 * message N days ahead"). A rule's run (occasion_rules.c) queues one
 * message per party, occasion and year — the key of occasion_mail, so two
 * rules on the same birthday, a re-run or a second process send one — and
 * then sends the rule's pending messages from its template through
 * src/mail/, as a campaign's are sent (campaign_send.c): consent and the
 * suppression list read at the moment of sending, RFC 8058 unsubscribe,
 * at most once even across a crash. */
#ifndef RAPPORT_OCCASION_MAIL_H
#define RAPPORT_OCCASION_MAIL_H
#include "db/db.h"
#include <stdint.h>

/* What a rule's run did with its messages. */
struct occasion_mail_counts {
    long sent, bounced, skipped, failed, uncertain;
};

/* Queues rule's message to party for the occasion `key` ('birthday',
 * 'festival:mid_autumn', 'key_date:12' …) on day (YYYY-MM-DD), inside the
 * caller's write transaction. 1 when queued, 0 when the party already has
 * that occasion's message for day's year, -1 on a storage error. */
int occasion_mail_queue(db *w, int64_t rule, int64_t party, const char *key, const char *day);

/* Sends rule's pending messages from its template, in batches, reporting
 * progress on job (0: none). A row a stopped run left in "sending" is
 * marked "uncertain" first and never sent. Stops early when *cancel is set
 * or the relay refuses for now (the rest stay pending for the next run).
 * 0, or -1 with error (no relay, no template, storage). */
int occasion_mail_send(int64_t job, int64_t rule, volatile int *cancel, struct occasion_mail_counts *n, char *error, size_t cap);
#endif
