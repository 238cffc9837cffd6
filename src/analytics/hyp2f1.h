/*
 * hyp2f1.h — Gauss hypergeometric function 2F1(a, b; c; z) for real
 * arguments, written for the customer-base models (BG/NBD expectations,
 * Pareto/NBD likelihood). Our own implementation; no third-party code.
 *
 * Domain: real a, b, c (c not a non-positive integer unless the series
 * terminates first), real z < 1; z = 1 when c - a - b > 0.
 * Method, by region:
 *   z < 0          Pfaff transformation to w = z/(z-1) in (0, 1);
 *   0 < z < 1      Euler transformation when it shrinks the numerator
 *                  parameters, then the power series when it converges in
 *                  a few thousand terms, else the connection formula in
 *                  1 - z (Abramowitz & Stegun 15.3.6), with the logarithmic
 *                  cases 15.3.10-12 when c - a - b is an integer and
 *                  interpolation in c when it is within 1e-3 of one.
 * Everything is summed with a running log scale, so results far outside
 * the double range are still returned correctly as logarithms.
 */
#ifndef RAPPORT_ANALYTICS_HYP2F1_H
#define RAPPORT_ANALYTICS_HYP2F1_H

/* log|2F1(a,b;c;z)|; *sign (may be NULL) receives -1, 0 or +1.
 * Returns NaN outside the domain above. */
double h2f1_log(double a, double b, double c, double z, int *sign);

/* 2F1(a,b;c;z) itself (may overflow to +-inf where h2f1_log does not). */
double h2f1(double a, double b, double c, double z);

#endif
