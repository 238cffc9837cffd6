/*
 * spend.h — Gamma-Gamma model of spend per transaction (Fader, Hardie &
 * Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note).
 *
 * Owns: the log-likelihood, the maximum-likelihood fit over repeat buyers
 * and the conditional expected spend per transaction. Spend z of a
 * customer's transactions ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across
 * customers; the model is fitted on the mean repeat-transaction value m of
 * customers with x >= 1 repeat transactions (others are skipped).
 * Pure computation over arrays; reentrant.
 */
#ifndef RAPPORT_ANALYTICS_SPEND_H
#define RAPPORT_ANALYTICS_SPEND_H

#include <stddef.h>

#include "analytics/an_result.h"

typedef struct {
    double p, q, gamma;
} gg_params;

/* log f(m | p, q, gamma; x) for one customer, x >= 1, m > 0. */
double gg_loglik_one(const gg_params *g, double x, double m);

/* Sum over rows with x >= 1 and m > 0 (the others contribute nothing). */
double gg_loglik(const gg_params *g, size_t n, const double *x, const double *m);

/* Fit on rows with x >= 1 and m > 0; info->n counts them. Rows with x < 0,
 * non-integer x, or x >= 1 with m <= 0 / non-finite are AN_EINVAL. */
an_rc gg_fit(size_t n, const double *x, const double *m, gg_params *out, an_fit_info *info);

/* E[spend per transaction | x, m]; x = 0 gives the population mean
 * p gamma / (q - 1) (infinite mean when q <= 1: returns NaN). */
double gg_expected_spend(const gg_params *g, double x, double m);

/* Batch version; out[i] for every row. */
void gg_predict(const gg_params *g, size_t n, const double *x, const double *m, double *out);

#endif
