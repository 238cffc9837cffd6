/* ratelimit: a token bucket per (bucket, address) as GCRA (see ratelimit.h). */
#include "http/ratelimit.h"
#include "http/http.h"
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096
#define MINUTE_MS 60000

/* tat: the theoretical arrival time of the next request, in ms. */
static struct slot { uint64_t key; int64_t tat; } g_slots[SLOTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = a; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = b; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h | 1;   /* 0 marks an empty slot */
}

bool ratelimit_take_at(const char *bucket, const char *addr, int per_minute, int64_t now_ms, int *retry_after)
{
    if (per_minute < 1) per_minute = 1;
    int64_t interval = MINUTE_MS / per_minute;
    if (interval < 1) interval = 1;
    /* A full bucket holds per_minute requests: the last may arrive this far ahead of its time. */
    int64_t tolerance = interval * (per_minute - 1);
    uint64_t key = fnv(bucket ? bucket : "", addr ? addr : "");
    bool ok;
    int64_t wait_ms = 0;
    pthread_mutex_lock(&g_lock);
    struct slot *s = &g_slots[key % SLOTS];
    if (s->key != key) *s = (struct slot){key, now_ms};   /* another address's slot: a full bucket */
    int64_t tat = s->tat > now_ms ? s->tat : now_ms;
    ok = tat - now_ms <= tolerance;
    if (ok) s->tat = tat + interval;
    else wait_ms = tat - tolerance - now_ms;
    pthread_mutex_unlock(&g_lock);
    if (!ok && retry_after) *retry_after = (int)((wait_ms + 999) / 1000);
    return ok;
}

bool ratelimit_take(const char *bucket, const char *addr, int per_minute, int *retry_after)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ratelimit_take_at(bucket, addr, per_minute, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, retry_after);
}

int ratelimit_rate(const char *env, int fallback)
{
    const char *e = getenv(env);
    int n = e ? atoi(e) : 0;
    return n > 0 ? n : fallback;
}

bool ratelimit_admit(struct req *rq, struct resp *rs, const char *bucket, int per_minute, const char *json_what)
{
    int retry = 0;
    if (ratelimit_take(bucket, req_client_addr(rq), per_minute, &retry)) return true;
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry);
    resp_header(rs, "Retry-After", ra);
    if (json_what) resp_error(rs, 429, "too_many_requests", NULL, "too many %s from your address; try again in %d seconds", json_what, retry);
    return false;
}
