/*
 * summary.h — per-customer summaries of a transaction log.
 *
 * Owns two pure computations over columnar arrays:
 *  - summary_rfm: the RFM summary of the customer-base literature for a
 *    calibration end date: several purchases on one day are one
 *    transaction; frequency x = repeat transactions (days after the first);
 *    recency t_x and age T in weeks = days / 7 exactly; monetary = mean
 *    value of the repeat transactions (0 when x = 0).
 *  - summary_parties: first/last purchase, counts, revenue, cost and profit
 *    per party from arrays sorted by party.
 * Money stays in int64 minor units; it becomes double only for model math.
 * Days are integers (days since 1970-01-01, see summary_days_from_civil).
 */
#ifndef RAPPORT_ANALYTICS_SUMMARY_H
#define RAPPORT_ANALYTICS_SUMMARY_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "analytics/an_result.h"

typedef struct {
    size_t n;            /* customers with a first purchase on or before the end */
    int64_t *customer;   /* ascending ids */
    double *x, *t_x, *T; /* frequency, recency, age (weeks) */
    double *monetary;    /* mean repeat-transaction value, major units */
    int32_t *first_day, *last_day; /* within calibration */
} summary_rfm_t;

/* Builds the RFM summary of rows i = 0..n-1 (any order) with
 * day[i] <= cal_end_day; amount in minor units, amount_scale minor units
 * per major unit (100 for cents). Returns AN_OK, AN_ENOMEM; on success the
 * caller owns *out and frees it with summary_rfm_free. */
an_rc summary_rfm(size_t n, const int64_t *customer, const int32_t *day, const int64_t *amount,
                  double amount_scale, int32_t cal_end_day, summary_rfm_t *out);
void summary_rfm_free(summary_rfm_t *s);

typedef struct {
    int32_t first_day, last_day; /* INT32_MIN when no transaction */
    int64_t transactions;        /* rows */
    int64_t purchase_days;       /* distinct days (rows sorted by day within a party) */
    int64_t revenue, cost, profit; /* minor units; profit = revenue - cost */
    bool saturated;              /* a total did not fit in int64: held at the bound (lib/money.h) */
} summary_party_t;

/* Per-party summary in one pass. party[i] in [0, n_parties), rows sorted by
 * party (and by day within a party for purchase_days); cost may be NULL.
 * out[n_parties] is overwritten. Returns AN_EINVAL (with *bad_row) when a
 * party index is out of range or the rows are not sorted by party. */
an_rc summary_parties(size_t n, const uint32_t *party, const int32_t *day, const int64_t *amount,
                      const int64_t *cost, size_t n_parties, summary_party_t *out, size_t *bad_row);

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int32_t summary_days_from_civil(int y, unsigned m, unsigned d);

/* Parses YYYY-MM-DD or YYYYMMDD into days; returns 0 on success, -1 on a
 * malformed or impossible date. */
int summary_parse_date(const char *s, int32_t *days);

#endif
