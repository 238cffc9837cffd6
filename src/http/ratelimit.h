/* ratelimit: how many requests each client address may make to a public
 * endpoint (the web-to-lead form, the calendar feed) per minute. A fixed
 * window per (bucket, address) in a fixed table in memory (no allocation
 * whatever the number of addresses): an address whose slot another one
 * took over starts a fresh window.
 * The addresses' pending bodies are limited separately (addrbudget.h). */
#ifndef RAPPORT_RATELIMIT_H
#define RAPPORT_RATELIMIT_H
#include <stdbool.h>

/* Counts one request of addr to bucket; false when addr has already made
 * per_minute requests in the current minute (*retry_after: seconds until
 * the window ends). */
bool ratelimit_take(const char *bucket, const char *addr, int per_minute, int *retry_after);
#endif
