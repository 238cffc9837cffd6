/*
 * btyd.h — "buy till you die" models of repeat purchasing: BG/NBD
 * (Fader, Hardie & Lee 2005) and Pareto/NBD (Schmittlein, Morrison &
 * Colombo 1987, in the formulation of Fader & Hardie 2005).
 *
 * Owns: log-likelihoods, maximum-likelihood fits (nlopt, bounded log
 * parameters), and per-customer predictions — P(alive), expected repeat
 * transactions in a horizon — plus the unconditional expectation used for
 * cohort forecasts. Pure computation: arrays in, numbers out, no I/O.
 *
 * Customer data are three parallel arrays (all times in weeks):
 *   x    repeat transactions (frequency), x >= 0
 *   t_x  recency: time of the last purchase since the first, 0 <= t_x <= T
 *        (t_x = 0 when x = 0)
 *   T    age: time since the first purchase to the end of calibration
 * Everything is computed in log space: finite for x = 0, t_x = T (a
 * purchase today), T = 0 and x up to 1e6.
 *
 * Threading: fits and batch predictions use parfor (2+ threads); all
 * functions are reentrant.
 */
#ifndef RAPPORT_ANALYTICS_BTYD_H
#define RAPPORT_ANALYTICS_BTYD_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/an_result.h"

typedef struct {
    double r, alpha; /* gamma heterogeneity of the purchase rate */
    double a, b;     /* beta heterogeneity of the drop-out probability */
} bgnbd_params;

typedef struct {
    double r, alpha; /* gamma heterogeneity of the purchase rate */
    double s, beta;  /* gamma heterogeneity of the drop-out rate */
} pnbd_params;

/* Checks the domain above; on error *bad_row (may be NULL) is the row. */
an_rc btyd_validate(size_t n, const double *x, const double *t_x, const double *T, size_t *bad_row);

/* ---- BG/NBD ---- */

/* Log-likelihood of one customer / of all customers. */
double bgnbd_loglik_one(const bgnbd_params *p, double x, double t_x, double T);
double bgnbd_loglik(const bgnbd_params *p, size_t n, const double *x, const double *t_x, const double *T);

/* Maximum-likelihood fit. *out receives the parameters; info (may be NULL)
 * the log-likelihood and diagnostics. */
an_rc bgnbd_fit(size_t n, const double *x, const double *t_x, const double *T, bgnbd_params *out,
                an_fit_info *info);

/* P(alive at T | x, t_x, T). */
double bgnbd_p_alive(const bgnbd_params *p, double x, double t_x, double T);

/* The same P(alive) with ln a and ln(b + x - 1) given (lab[0] = ln a,
 * lab[x] = ln(b + x - 1) for 1 <= x < BGNBD_LAB): equal to bgnbd_p_alive
 * bit for bit, two logs cheaper per customer (batch labelling, issue 16).
 * bgnbd_lab fills lab[0..BGNBD_LAB-1]. */
#define BGNBD_LAB 64
void bgnbd_lab(const bgnbd_params *p, double lab[BGNBD_LAB]);
double bgnbd_p_alive_lab(const bgnbd_params *p, const double lab[BGNBD_LAB], double x, double t_x, double T);

/* The same P(alive) over whole-day histories (t_x and T are days / 7, as
 * in the server's runs) with lt[k] = ln(alpha + k / 7) from a table
 * (bgnbd_lt fills lt[0..n-1]): equal to bgnbd_p_alive bit for bit, one exp
 * a customer and no log (issue 16: the recompute against DuckDB). The table
 * holds only while alpha < BGNBD_LT_ALPHA_MAX (bgnbd_lt returns -1 beyond:
 * use bgnbd_p_alive_lab). t_x_days <= T_days < n. */
#define BGNBD_LT_ALPHA_MAX 1e4
int bgnbd_lt(const bgnbd_params *p, size_t n, double *lt);
double bgnbd_p_alive_days(const bgnbd_params *p, const double lab[BGNBD_LAB], const double *lt, double x,
                          int32_t t_x_days, int32_t T_days);

/* Expected repeat transactions in (T, T + t] given the history. */
double bgnbd_expected(const bgnbd_params *p, double t, double x, double t_x, double T);

/* Expected repeat transactions in (0, t] of a customer just acquired;
 * summing it over a cohort gives the cohort's cumulative forecast. */
double bgnbd_expected_new(const bgnbd_params *p, double t);

/* Batch: for each row, p_alive[i] and expected[i] (horizon t); either
 * output may be NULL. Returns AN_EINVAL for invalid rows. */
an_rc bgnbd_predict(const bgnbd_params *p, double t, size_t n, const double *x, const double *t_x,
                    const double *T, double *p_alive, double *expected);

/* ---- Pareto/NBD ---- */

double pnbd_loglik_one(const pnbd_params *p, double x, double t_x, double T);
double pnbd_loglik(const pnbd_params *p, size_t n, const double *x, const double *t_x, const double *T);
an_rc pnbd_fit(size_t n, const double *x, const double *t_x, const double *T, pnbd_params *out,
               an_fit_info *info);
double pnbd_p_alive(const pnbd_params *p, double x, double t_x, double T);
double pnbd_expected(const pnbd_params *p, double t, double x, double t_x, double T);
double pnbd_expected_new(const pnbd_params *p, double t);
an_rc pnbd_predict(const pnbd_params *p, double t, size_t n, const double *x, const double *t_x,
                   const double *T, double *p_alive, double *expected);

#endif
