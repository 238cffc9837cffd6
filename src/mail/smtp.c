/* smtp: libcurl's SMTP (see smtp.h). */
#include "mail/smtp.h"
#include "lib/lazy_curl.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static void global_init(void) { lz_curl.curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- several connections at once ---- */

struct slot {
    CURL *curl;
    struct curl_slist *rcpt;
    struct upload up;
    char errbuf[CURL_ERROR_SIZE];
    char from[512];
    int msg;                       /* index being sent, or -1 */
};

static void slot_start(CURLM *multi, struct slot *sl, const char *url, struct smtp_msg *m, int index)
{
    char addr[512];
    snprintf(addr, sizeof addr, "<%s>", m->to);
    sl->rcpt = lz_curl.curl_slist_append(NULL, addr);
    snprintf(sl->from, sizeof sl->from, "<%s>", m->from);
    sl->up.p = m->data;
    sl->up.left = m->len;
    sl->errbuf[0] = '\0';
    sl->msg = index;
    CURL *c = sl->curl;
    lz_curl.curl_easy_setopt(c, CURLOPT_URL, url);
    lz_curl.curl_easy_setopt(c, CURLOPT_MAIL_FROM, sl->from);
    lz_curl.curl_easy_setopt(c, CURLOPT_MAIL_RCPT, sl->rcpt);
    lz_curl.curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    lz_curl.curl_easy_setopt(c, CURLOPT_READDATA, &sl->up);
    lz_curl.curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    lz_curl.curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len);
    lz_curl.curl_easy_setopt(c, CURLOPT_ERRORBUFFER, sl->errbuf);
    lz_curl.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lz_curl.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    lz_curl.curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    lz_curl.curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    lz_curl.curl_easy_setopt(c, CURLOPT_PRIVATE, sl);
    lz_curl.curl_multi_add_handle(multi, c);
}

static enum smtp_result classify(CURLcode rc, long code, const char *errbuf, char *detail, size_t cap)
{
    if (rc == CURLE_OK) return SMTP_OK;
    snprintf(detail, cap, "%ld %.150s", code, errbuf[0] ? errbuf : lz_curl.curl_easy_strerror(rc));
    if (code >= 500 && code < 600) return SMTP_PERMANENT;
    if (code >= 400 && code < 500) return SMTP_TEMPORARY;
    /* Never connected: certainly not delivered. */
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) return SMTP_TEMPORARY;
    return SMTP_UNKNOWN;
}

/* Each connection is kept for the whole batch (CURL handles hold their
 * connection between transfers); the handles live across batches in a
 * thread-local cache so a campaign keeps its connections open. */
#define MAX_SLOTS 16
static _Thread_local struct slot t_slots[MAX_SLOTS];
static _Thread_local int t_nslots;
static _Thread_local CURLM *t_multi;   /* holds the connection cache */

int smtp_send_many(const char *url, int connections, struct smtp_msg *msgs, int n)
{
    if (lazy_curl_load(NULL, 0) != 0) return -1;   /* the reason is logged once */
    pthread_once(&g_once, global_init);
    if (connections < 1) connections = 1;
    if (connections > MAX_SLOTS) connections = MAX_SLOTS;
    while (t_nslots < connections) {
        t_slots[t_nslots].curl = lz_curl.curl_easy_init();
        if (!t_slots[t_nslots].curl) return -1;
        t_nslots++;
    }
    if (!t_multi) t_multi = lz_curl.curl_multi_init();
    CURLM *multi = t_multi;
    if (!multi) return -1;
    lz_curl.curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)connections);
    int next = 0, running = 0;
    for (int i = 0; i < connections && next < n; i++) slot_start(multi, &t_slots[i], url, &msgs[next], next), next++, running++;
    while (running > 0) {
        int still = 0;
        lz_curl.curl_multi_perform(multi, &still);
        CURLMsg *cm;
        int left;
        while ((cm = lz_curl.curl_multi_info_read(multi, &left))) {
            if (cm->msg != CURLMSG_DONE) continue;
            struct slot *sl = NULL;
            lz_curl.curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
            long code = 0;
            lz_curl.curl_easy_getinfo(cm->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            struct smtp_msg *m = &msgs[sl->msg];
            m->result = classify(cm->data.result, code, sl->errbuf, m->detail, sizeof m->detail);
            lz_curl.curl_multi_remove_handle(multi, sl->curl);
            lz_curl.curl_slist_free_all(sl->rcpt);
            sl->rcpt = NULL;
            sl->msg = -1;
            running--;
            if (next < n) { slot_start(multi, sl, url, &msgs[next], next); next++; running++; }
        }
        if (running > 0) lz_curl.curl_multi_poll(multi, NULL, 0, 200, NULL);
    }
    return 0;
}

void smtp_release_thread(void)
{
    for (int i = 0; i < t_nslots; i++) lz_curl.curl_easy_cleanup(t_slots[i].curl);
    t_nslots = 0;
    if (t_multi) lz_curl.curl_multi_cleanup(t_multi);
    t_multi = NULL;
}
