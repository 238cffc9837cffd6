/* message: marketing e-mails as text (see message.h). */
#include "mail/message.h"
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void mail_unsubscribe_url(char *out, size_t cap, const char *base_url, const char *token)
{
    snprintf(out, cap, "%s/api/v1/u/%s", base_url, token);
}

static void url_encode(strbuf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
            sb_append(out, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_append(out, e, 3);
        }
    }
}

/* HTML entities a template may have written inside an href (&amp;) are
 * decoded before the URL is encoded, so the redirect goes where the
 * template's link goes. */
static void href_value(strbuf *out, const char *s, size_t n)
{
    strbuf raw;
    sb_init(&raw, 8192);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '&' && i + 5 <= n && !memcmp(s + i, "&amp;", 5)) { sb_append(&raw, "&", 1); i += 4; continue; }
        sb_append(&raw, s + i, 1);
    }
    url_encode(out, raw.data ? raw.data : "", raw.len);
    sb_free(&raw);
}

void mail_track(strbuf *out, const char *html, const char *base_url, const char *token)
{
    const char *p = html;
    for (const char *h = strstr(p, "href=\""); h; h = strstr(p, "href=\"")) {
        const char *v = h + 6, *end = strchr(v, '"');
        if (!end) break;
        sb_append(out, p, (size_t)(v - p));
        if (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8)) {
            sb_printf(out, "%s/api/v1/t/c/%s?u=", base_url, token);
            href_value(out, v, (size_t)(end - v));
        } else {
            sb_append(out, v, (size_t)(end - v));
        }
        p = end;
    }
    sb_puts(out, p);
    sb_printf(out, "<img src=\"%s/api/v1/t/o/%s\" alt=\"\" width=\"1\" height=\"1\">", base_url, token);
}

static void base64_lines(strbuf *out, const char *data, size_t n)
{
    char line[80];
    for (size_t i = 0; i < n; i += 57) {
        size_t k = n - i < 57 ? n - i : 57;
        sodium_bin2base64(line, sizeof line, (const unsigned char *)data + i, k, sodium_base64_VARIANT_ORIGINAL);
        sb_puts(out, line);
        sb_append(out, "\r\n", 2);
    }
}

/* A header value: ASCII as it is, else one RFC 2047 encoded word per
 * chunk of whole UTF-8 characters. CR and LF never reach a header. */
static void header_text(strbuf *out, const char *s)
{
    bool ascii = true;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c >= 0x80 || *c == '\r' || *c == '\n') ascii = false;
    if (ascii) { sb_puts(out, s); return; }
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t k = n - i < 45 ? n - i : 45;
        while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80) k--;   /* not inside a character */
        char chunk[64], enc[100];
        memcpy(chunk, s + i, k);
        for (size_t j = 0; j < k; j++) if (chunk[j] == '\r' || chunk[j] == '\n') chunk[j] = ' ';
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)chunk, k, sodium_base64_VARIANT_ORIGINAL);
        sb_printf(out, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", enc);
        i += k;
    }
}

int mail_message(strbuf *out, const struct mail_parts *p)
{
    sb_reset(out);
    char date[64], unsub[512];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    mail_unsubscribe_url(unsub, sizeof unsub, p->base_url, p->token);
    sb_printf(out, "From: %s\r\nTo: <%s>\r\nSubject: ", p->from, p->to);
    header_text(out, p->subject);
    sb_printf(out,
              "\r\nDate: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
              "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
              "X-Rapport-Campaign: %lld\r\n"
              "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
              date, p->message_id, unsub, p->campaign_id);
    strbuf body;
    sb_init(&body, 8u << 20);
    mail_track(&body, p->html, p->base_url, p->token);
    base64_lines(out, body.data ? body.data : "", body.len);
    int failed = body.failed;
    sb_free(&body);
    return failed || out->failed ? -1 : 0;
}
