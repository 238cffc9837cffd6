/* demo: a realistic, bilingual demo dataset — staff and teams, products,
 * organisations with their people and decision units, referrals, competitors,
 * every interaction channel, and several years of purchases drawn from a
 * buy-till-you-die process (each customer buys at their own rate until they
 * quietly leave; a few buy a lot), so analytics have something to find. */
#ifndef RAPPORT_DEMO_H
#define RAPPORT_DEMO_H
#include <stdint.h>

struct demo_stats { long parties, links, interactions, transactions, products, users; };

/* Generates `parties` parties with the given seed into the open database
 * (through db_write, in batches). progress(done, total) is called per batch
 * and may be NULL. Returns 0 or -1. Same seed, same data. */
int demo_generate(long parties, uint64_t seed, void (*progress)(long done, long total), struct demo_stats *out);
#endif
