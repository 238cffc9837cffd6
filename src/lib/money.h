/* money: checked arithmetic on money, the one place every total of money
 * in Rapport is computed with (party totals, analytics summaries, and the
 * forecasts, quotes and ledgers to come).
 *
 * Money is int64 minor units plus a currency the caller keeps. A plain
 * `+=` on int64 is undefined behaviour in C when it overflows, and SQLite's
 * SUM() fails with "integer overflow": a total computed either way can be a
 * wrong number or no number. These functions never give a wrong number:
 *  - money_add / money_sub / money_mul report an overflow (false) and leave
 *    *out alone, for a caller that refuses the operation (a write that would
 *    make a total overflow is a 422 naming the field);
 *  - money_sum accumulates any number of amounts exactly (a 128-bit total
 *    kept as a wrapped int64 and a count of wraps), so a total whose partial
 *    sums leave the int64 range but whose final value fits is still exact;
 *    money_sum_get saturates a total that does not fit and says so.
 * Pure functions, no allocation, thread-safe. */
#ifndef RAPPORT_MONEY_H
#define RAPPORT_MONEY_H
#include <stdbool.h>
#include <stdint.h>

/* Largest amount of one row (transaction, interaction cost, price):
 * 10^15 minor units, i.e. 10^13 of a currency with cents. */
#define MONEY_ROW_MAX 1000000000000000LL

/* *out = a + b (a - b, a * n); false on overflow, *out unchanged then. */
bool money_add(int64_t a, int64_t b, int64_t *out);
bool money_sub(int64_t a, int64_t b, int64_t *out);
bool money_mul(int64_t a, int64_t n, int64_t *out);

/* a + b (a - b), saturated at INT64_MIN / INT64_MAX; *saturated (may be
 * NULL) is set to true when it had to saturate and left alone otherwise. */
int64_t money_add_sat(int64_t a, int64_t b, bool *saturated);
int64_t money_sub_sat(int64_t a, int64_t b, bool *saturated);

/* v (minor units computed in double: model values such as CLV) rounded to
 * the nearest integer and held within int64; *saturated (may be NULL) set
 * to true when it had to be held. NaN is 0 (callers test isfinite first).
 * A plain (int64_t) cast or llround of a value beyond int64 is undefined. */
int64_t money_from_double(double v, bool *saturated);

/* An exact running total: zero-initialise it (MONEY_SUM_INIT or {0}). */
typedef struct {
    int64_t lo;    /* the total modulo 2^64, as a signed value */
    int64_t wraps; /* the total is lo + wraps * 2^64 */
} money_sum;
#define MONEY_SUM_INIT {0, 0}

/* Inline: it is the inner loop of the analytics store's recompute (three
 * or four adds per transaction, 10 million transactions; issue 16). */
static inline void money_sum_add(money_sum *s, int64_t v)
{
    int64_t r;
    if (__builtin_add_overflow(s->lo, v, &r)) {
        /* The wrapped sum is exact modulo 2^64 (unsigned arithmetic is
         * defined); the lost 2^64 is counted in wraps. */
        r = (int64_t)((uint64_t)s->lo + (uint64_t)v);
        s->wraps += v > 0 ? 1 : -1;
    }
    s->lo = r;
}
void money_sum_sub(money_sum *s, int64_t v);
/* Adds another total (e.g. the partial total of another thread). */
void money_sum_merge(money_sum *s, const money_sum *other);
/* The total in *out; true when exact, false when it does not fit in int64:
 * *out is then INT64_MAX or INT64_MIN (the side it lies on). */
bool money_sum_get(const money_sum *s, int64_t *out);
/* The total saturated as money_sum_get; sets *saturated (may be NULL) to
 * true when it did not fit, leaves it alone otherwise. */
int64_t money_sum_value(const money_sum *s, bool *saturated);
/* The total as a double (for means and model inputs): rounded beyond 2^53
 * like any double, but never wrapped. */
double money_sum_double(const money_sum *s);
/* Whether the total fits in [-limit, limit] (limit >= 0). */
bool money_sum_within(const money_sum *s, int64_t limit);
#endif
