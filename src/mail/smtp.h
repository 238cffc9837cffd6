/* smtp: hands messages to an SMTP relay through libcurl (issue 20). A
 * sending job's connections stay open between messages and batches
 * (libcurl reuses them) until smtp_release_thread, so a campaign is a few
 * connections, not one per message. The relay is RAPPORT_SMTP_URL when set, else the admin's
 * setting mail.smtp_url (mail_settings). */
#ifndef RAPPORT_SMTP_H
#define RAPPORT_SMTP_H
#include <stddef.h>

/* The outcome of one message. */
enum smtp_result {
    SMTP_OK = 0,          /* the relay accepted it (250 after DATA) */
    SMTP_PERMANENT = 1,   /* a 5xx reply: a hard bounce, not to be retried */
    SMTP_TEMPORARY = 2,   /* a 4xx reply: refused for now, never delivered */
    SMTP_UNKNOWN = 3,     /* the connection failed: it may or may not have been delivered */
};

/* One message of a batch sent over several connections at once. */
struct smtp_msg {
    const char *from, *to, *data;   /* borrowed */
    size_t len;
    enum smtp_result result;        /* set by smtp_send_many */
    char detail[200];
};

/* Sends msgs[0..n) over up to `connections` (1-16) connections to the relay
 * at once (libcurl's multi interface; each connection is reused for
 * message after message), filling each one's result and detail. A relay's
 * round trips, not the CPU, bound a single connection's rate. 0, or -1 when
 * libcurl could not be set up (no message was sent). */
int smtp_send_many(const char *url, int connections, struct smtp_msg *msgs, int n);

/* Closes the connections smtp_send_many keeps open for the calling thread
 * (call when a sending job ends). */
void smtp_release_thread(void);
#endif
