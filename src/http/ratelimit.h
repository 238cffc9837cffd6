/* ratelimit: how many requests each client address may make to a public
 * endpoint (the web-to-lead form, the survey and mail links, the calendar
 * feed) per minute. A token bucket per (bucket, address), kept as its
 * theoretical arrival time (GCRA): an address may make per_minute requests
 * at once, then one every 60/per_minute seconds. Why not a window fixed on
 * the clock's minutes, as before: it let a burst of twice the rate through
 * across a minute boundary, and whether the n+1st request of a quick run
 * was refused depended on where in the minute the run fell. A fixed table in
 * memory (no allocation whatever the number of addresses): an address
 * whose slot another one took over starts with a full bucket.
 * The addresses' pending bodies are limited separately (addrbudget.h). */
#ifndef RAPPORT_RATELIMIT_H
#define RAPPORT_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

/* Counts one request of addr to bucket; false (nothing counted) when addr
 * has no request left (*retry_after: whole seconds until it has one). */
bool ratelimit_take(const char *bucket, const char *addr, int per_minute, int *retry_after);
struct req;
struct resp;
/* ratelimit_take for rq's client address, answered: true within the rate;
 * past it false, with Retry-After set and — when json_what is not NULL — the
 * 429 JSON error "too many <json_what> from your address" answered (with
 * NULL the caller answers its own page). */
bool ratelimit_admit(struct req *rq, struct resp *rs, const char *bucket, int per_minute, const char *json_what);
/* The per-minute rate set by the environment variable env (a positive whole
 * number), else fallback. */
int ratelimit_rate(const char *env, int fallback);
/* The same at a given monotonic time in milliseconds (unit tests). */
bool ratelimit_take_at(const char *bucket, const char *addr, int per_minute, int64_t now_ms, int *retry_after);
#endif
