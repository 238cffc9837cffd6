/* ratelimit: fixed windows per (bucket, address) (see ratelimit.h). */
#include "http/ratelimit.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define SLOTS 4096

static struct slot { uint64_t key; int64_t window; int count; } g_slots[SLOTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = a; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = b; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h | 1;   /* 0 marks an empty slot */
}

bool ratelimit_take(const char *bucket, const char *addr, int per_minute, int *retry_after)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t window = ts.tv_sec / 60;
    uint64_t key = fnv(bucket ? bucket : "", addr ? addr : "");
    bool ok;
    pthread_mutex_lock(&g_lock);
    struct slot *s = &g_slots[key % SLOTS];
    /* Another address's slot, or a past minute: this address starts afresh. */
    if (s->key != key || s->window != window) *s = (struct slot){key, window, 0};
    ok = s->count < per_minute;
    if (ok) s->count++;
    pthread_mutex_unlock(&g_lock);
    if (!ok && retry_after) *retry_after = (int)(60 - ts.tv_sec % 60);
    return ok;
}
