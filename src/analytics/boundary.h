/*
 * boundary.h — fits whose likelihood supremum lies at infinity (issue 16).
 *
 * When customers show no heterogeneity in one process, a pair of mixing
 * parameters runs to infinity with a fixed ratio: BG/NBD a, b (equal
 * drop-out probability a/(a+b)), Pareto/NBD s, beta (equal drop-out rate
 * s/beta), Gamma-Gamma q, gamma (equal spend rate q/gamma). The optimiser
 * then wanders along a flat ridge and fails. The model files detect this
 * and call bnd_ridge_fit, which fixes the pair's scale K, maximises the
 * other coordinates (the ratio among them), and raises K tenfold until the
 * log-likelihood is within a tolerance of its limit — the supremum. The
 * result is a finite point, so every prediction formula still applies.
 *
 * Owns no model: the caller supplies the log-likelihood in its own ridge
 * coordinates. Pure computation, reentrant.
 */
#ifndef RAPPORT_ANALYTICS_BOUNDARY_H
#define RAPPORT_ANALYTICS_BOUNDARY_H

/* Log-likelihood at ridge coordinates th (np of them) and scale K; fills
 * grad (d LL / d th, may be NULL) when asked. Non-finite = outside. */
typedef double (*bnd_ll_fn)(void *ctx, const double *th, double K, double *grad);

typedef struct {
    double K;       /* scale of the returned point */
    double ll;      /* LL there */
    double ll_limit; /* extrapolated LL at K = infinity (the supremum) */
    int evaluations;
    int nlopt_status; /* of the last ridge optimisation */
} bnd_result;

/* Maximises f over th within [lb, ub] for K = K0, 10 K0, ... until
 * LL(K) is within tol of the extrapolated limit (LL(K) - LL(inf) is of
 * order 1/K along the ridge) or K would pass K_max (where the caller's
 * arithmetic stops being exact). th is the start on
 * entry and the solution on return; n scales the objective (customers).
 * Returns 0, or -1 when no finite point was found. */
int bnd_ridge_fit(bnd_ll_fn f, void *ctx, int np, const double *lb, const double *ub, double n, double K0,
                  double K_max, double tol, double *th, bnd_result *res);

#endif
