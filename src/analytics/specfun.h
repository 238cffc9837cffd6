/*
 * specfun.h — small special functions shared by the analytics models.
 *
 * Owns: thread-safe log-gamma (lgamma_r; plain lgamma writes the global
 * signgam), digamma, reciprocal gamma and numerically safe log-sum-exp
 * helpers. Pure functions, no state, safe to call from any thread.
 */
#ifndef RAPPORT_ANALYTICS_SPECFUN_H
#define RAPPORT_ANALYTICS_SPECFUN_H

/* log|Gamma(x)|; *sign (may be NULL) receives the sign of Gamma(x). */
double sf_lgamma(double x, int *sign);

/* log Gamma(b + x) - log Gamma(b) for b > 0, x >= 0, accurate also when b
 * is huge (1e12) and the two log-gammas agree in all their digits: the
 * boundary fits evaluate likelihoods at a, b -> infinity this way. */
double sf_lgamma_diff(double b, double x);

/* Digamma psi(x) = d/dx log Gamma(x). Poles (x = 0, -1, ...) give NaN. */
double sf_digamma(double x);

/* psi(b + x) - psi(b) for b > 0, x >= 0, accurate also for b near
 * infinity where the two digammas agree in all their digits (the
 * gradients of the boundary fits, issue 16). */
double sf_digamma_diff(double b, double x);

/* log(exp(a) + exp(b)) without overflow; -inf operands are allowed. */
double sf_logaddexp(double a, double b);

/* log(exp(a) - exp(b)) for a >= b; returns -inf when a == b. */
double sf_logsubexp(double a, double b);

#endif
