/* smtp: libcurl's SMTP (see smtp.h). */
#include "mail/smtp.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct smtp {
    CURL *curl;
    char *url;
};

struct upload { const char *p; size_t left; };

static size_t read_cb(char *buf, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t k = size * n < u->left ? size * n : u->left;
    memcpy(buf, u->p, k);
    u->p += k;
    u->left -= k;
    return k;
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

struct smtp *smtp_open(const char *url)
{
    pthread_once(&g_once, global_init);
    struct smtp *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->curl = curl_easy_init();
    m->url = strdup(url);
    if (!m->curl || !m->url) { smtp_close(m); return NULL; }
    return m;
}

void smtp_close(struct smtp *m)
{
    if (!m) return;
    if (m->curl) curl_easy_cleanup(m->curl);
    free(m->url);
    free(m);
}

enum smtp_result smtp_send(struct smtp *m, const char *from, const char *to, const char *msg, size_t len, char *detail,
                           size_t cap)
{
    struct upload u = {msg, len};
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = NULL;
    char addr[512];
    snprintf(addr, sizeof addr, "<%s>", to);
    rcpt = curl_slist_append(NULL, addr);
    char sender[512];
    snprintf(sender, sizeof sender, "<%s>", from);
    CURL *c = m->curl;
    curl_easy_setopt(c, CURLOPT_URL, m->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, sender);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(rcpt);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) return SMTP_OK;
    snprintf(detail, cap, "%ld %s", code, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    /* A reply the relay sent is an answer about this message: 5xx never
     * took it, 4xx not now. Anything else may have lost the answer after
     * the relay took the message. */
    if (code >= 500 && code < 600) return SMTP_PERMANENT;
    if (code >= 400 && code < 500) return SMTP_TEMPORARY;
    return SMTP_UNKNOWN;
}
