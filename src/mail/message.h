/* message: a marketing e-mail as RFC 5322 text (issue 20): UTF-8 subject
 * (RFC 2047), an HTML body in base64, the one-click unsubscribe headers of
 * RFC 8058 (List-Unsubscribe with the HTTPS link, List-Unsubscribe-Post),
 * and tracking: each http(s) link of the body goes through the click URL,
 * and an open pixel is appended. Pure text assembly (unit-tested). */
#ifndef RAPPORT_MAIL_MESSAGE_H
#define RAPPORT_MAIL_MESSAGE_H
#include "lib/strbuf.h"

struct mail_parts {
    const char *from, *to, *subject, *html;
    const char *base_url;      /* "https://crm.example.com" (no trailing /) */
    const char *token;         /* the member's secret token (URL-safe) */
    const char *message_id;    /* "<…@…>" */
    long long campaign_id;
};

/* The member's URLs: unsubscribe (…/api/v1/u/TOKEN), open pixel
 * (…/api/v1/t/o/TOKEN), click (…/api/v1/t/c/TOKEN?u=…). */
void mail_unsubscribe_url(char *out, size_t cap, const char *base_url, const char *token);

/* Rewrites html's href="http…" links through the click URL and appends the
 * open pixel; adds to out. */
void mail_track(strbuf *out, const char *html, const char *base_url, const char *token);

/* Writes the whole message (CRLF line ends) into out (reset first); 0, or
 * -1 when it does not fit out's cap. */
int mail_message(strbuf *out, const struct mail_parts *p);
#endif
