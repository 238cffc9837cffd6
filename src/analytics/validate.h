/*
 * validate.h — holdout validation of a purchase model (issue 16 part 3):
 * what lifetimes' and BTYD's users check before they trust P(alive) and
 * CLV. The model is fitted on the calibration period; for the holdout it
 * compares predicted with actual repeat purchases
 *  - by calibration frequency x = 0, 1, ..., 6 and 7+ (mean per customer),
 *  - cumulatively, week by week from the cohort's first day (the model's
 *    figure is sum_i E[X(t_i)] of a new customer, t_i the weeks since
 *    customer i's first purchase: Fader, Hardie & Lee 2005, figure 2),
 * and gives the error measures MAE per customer and total error %.
 *
 * Pure computation over a transaction log; no I/O. On CDNOW (39 + 39
 * weeks) it reproduces the published 4,165.6 (BG/NBD) and 4,274.4
 * (Pareto/NBD) predicted against 4,339 actual at week 78.
 */
#ifndef RAPPORT_ANALYTICS_VALIDATE_H
#define RAPPORT_ANALYTICS_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/an_result.h"
#include "analytics/btyd.h"

#define VAL_FREQ_BINS 8 /* x = 0..6 and 7+ */

typedef enum { VAL_BGNBD = 0, VAL_PNBD = 1 } val_model;

typedef struct {
    val_model model;
    bgnbd_params bg; /* the fit of the calibration period (model's) */
    pnbd_params pn;
    an_fit_info fit;
    size_t customers;     /* first purchase on or before the calibration end */
    int32_t start_day;    /* the cohort's first purchase day: week 1 starts here */
    double holdout_weeks; /* (holdout end - calibration end) / 7 */
    /* by calibration frequency: customers, mean actual and mean predicted
     * repeat purchases in the holdout */
    size_t freq_n[VAL_FREQ_BINS];
    double freq_actual[VAL_FREQ_BINS], freq_predicted[VAL_FREQ_BINS];
    /* cumulative repeat purchases at the end of weeks 1..weeks (index 0 is
     * week 1; the last week may be shorter and ends at the holdout end) */
    size_t weeks, calibration_weeks; /* calibration_weeks: the week the calibration ends in */
    double *cum_actual, *cum_predicted;
    double holdout_actual, holdout_predicted; /* totals over the holdout */
    double mae;       /* mean |predicted - actual| per customer, holdout */
    double error_pct; /* 100 (predicted - actual) / actual, holdout totals */
} val_result;

/* Validates `model` on rows (customer, day, amount in minor units; any
 * order, any customer ids): calibration = days <= cal_end, holdout =
 * (cal_end, holdout_end]. Returns AN_OK; AN_EINVAL when holdout_end <=
 * cal_end or no customer bought by cal_end; AN_ENOFIT when the model could
 * not be fitted (out->fit.message says why); AN_ENOMEM. On AN_OK the
 * caller frees *out with val_free. */
an_rc val_run(size_t n, const int64_t *customer, const int32_t *day, const int64_t *amount, double amount_scale,
              int32_t cal_end, int32_t holdout_end, val_model model, val_result *out);
void val_free(val_result *r);

#endif
