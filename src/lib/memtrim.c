/* memtrim: malloc_trim after a burst, rate-limited (see memtrim.h). */
#include "lib/memtrim.h"
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define MIN_INTERVAL_MS 1000
#define MAX_ARENAS 4

static int64_t g_last_ms;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void memtrim_after_burst(void)
{
    int64_t now = now_ms(), last = __atomic_load_n(&g_last_ms, __ATOMIC_RELAXED);
    if (last && now - last < MIN_INTERVAL_MS) return;
    /* One caller wins the interval; the others return. */
    if (!__atomic_compare_exchange_n(&g_last_ms, &last, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) return;
    malloc_trim(0);
}

void memtrim_configure(void) { mallopt(M_ARENA_MAX, MAX_ARENAS); }

void memtrim_now(void)
{
    __atomic_store_n(&g_last_ms, now_ms(), __ATOMIC_RELAXED);
    malloc_trim(0);
}
