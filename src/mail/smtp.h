/* smtp: hands messages to an SMTP relay through libcurl (issue 20). One
 * struct smtp per sending job keeps its connection open between messages
 * (libcurl reuses it), so a campaign is one connection, not one per
 * message. The relay is RAPPORT_SMTP_URL when set, else the admin's
 * setting mail.smtp_url (mail_settings). */
#ifndef RAPPORT_SMTP_H
#define RAPPORT_SMTP_H
#include <stddef.h>

struct smtp;

/* The outcome of one message. */
enum smtp_result {
    SMTP_OK = 0,          /* the relay accepted it (250 after DATA) */
    SMTP_PERMANENT = 1,   /* a 5xx reply: a hard bounce, not to be retried */
    SMTP_TEMPORARY = 2,   /* a 4xx reply: refused for now, never delivered */
    SMTP_UNKNOWN = 3,     /* the connection failed: it may or may not have been delivered */
};

/* Opens a sender for url ("smtp://host:port" or "smtps://…"); NULL when
 * memory is short. The caller closes it. */
struct smtp *smtp_open(const char *url);
void smtp_close(struct smtp *m);
/* Sends msg (a complete RFC 5322 message, CRLF line ends) from from to to.
 * On a failure the relay's reply or libcurl's error is in detail. */
enum smtp_result smtp_send(struct smtp *m, const char *from, const char *to, const char *msg, size_t len, char *detail,
                           size_t cap);
#endif
