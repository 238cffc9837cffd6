/*
 * pnbd_limit.h — Pareto/NBD at its purchase-rate boundary (issue 16).
 *
 * When every customer buys at the same rate, Pareto/NBD's likelihood
 * rises towards r, alpha -> infinity with r/alpha = lambda fixed: the
 * limit model has Poisson(lambda) purchases for everyone and the usual
 * Gamma(s, beta) heterogeneity of the drop-out rate. Walking the finite
 * model out along that ridge is hopeless (its 2F1 sits at z -> 1), so
 * this module fits the limit directly. Per customer
 *   L = lambda^x [ e^(-lambda T) (beta/(beta+T))^s
 *                  + s/beta  int_{t_x}^{T} e^(-lambda tau) (beta/(beta+tau))^(s+1) dtau ],
 * the second term being the drop-out at tau in (t_x, T] averaged over the
 * drop-out rate. The integral is an incomplete gamma function of negative
 * order; it is taken by 8-point Gauss-Legendre on panels over which the
 * integrand falls by at most e^3 (its log is convex, so the panel's first
 * point has the steepest fall), exact to ~1e-14 relative, and it is
 * differentiated under the integral for the analytic gradient.
 *
 * A pnbd_params point with r >= PNL_R_MIN is "at the limit": btyd.c then
 * evaluates its likelihood and predictions here with lambda = r/alpha
 * (the finite formulas lose every digit there: lgamma(r) ~ 1e13).
 * Pure computation, reentrant.
 */
#ifndef RAPPORT_ANALYTICS_PNBD_LIMIT_H
#define RAPPORT_ANALYTICS_PNBD_LIMIT_H

#include <stddef.h>

/* r from which a Pareto/NBD point is evaluated as the limit model: the
 * purchase rate's coefficient of variation 1/sqrt(r) is 1e-5 there, and
 * the finite-r correction to a customer's log-likelihood O(x^2/r). */
#define PNL_R_MIN 1e10
/* r of the finite point returned for a limit fit (alpha = r/lambda). */
#define PNL_R_OUT 1e12

/* Log of the alive term (la) and of the dead term (ld) of one customer,
 * without the common factor lambda^x; ld = -inf when t_x = T. With g_la /
 * g_ld non-NULL, their derivatives in (lambda, s, beta). */
void pnl_terms(double lam, double s, double beta, double t_x, double T, double *la, double *ld, double g_la[3],
               double g_ld[3]);

/* Log-likelihood of one customer under the limit model. */
double pnl_loglik_one(double lam, double s, double beta, double x, double t_x, double T);

/* Log-likelihood of ng groups (x, t_x, T with weight w) under the limit
 * model; with grad non-NULL, its derivatives in (lambda, s, beta). */
double pnl_loglik_groups(size_t ng, const double *x, const double *t_x, const double *T, const double *w, double lam,
                         double s, double beta, double grad[3]);

/* Maximum-likelihood fit of (lambda, s, beta) over ng groups (x, t_x, T
 * with weight w; n customers in all). th holds (ln lambda, ln s, ln beta):
 * the start on entry, the fit on return. *ll gets the log-likelihood,
 * *evals the passes. Returns the nlopt status (> 0 success). */
int pnl_fit(size_t ng, const double *x, const double *t_x, const double *T, const double *w, double n,
            double th[3], double *ll, int *evals);

#endif
