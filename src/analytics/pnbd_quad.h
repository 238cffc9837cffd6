/*
 * pnbd_quad.h — Pareto/NBD's dead term by quadrature (issue 16).
 *
 * The Pareto/NBD likelihood's second term (the customer dropped out at
 * some tau in (t_x, T]) is, averaged over both rates,
 *   Gamma(r+x)/Gamma(r) alpha^r  s beta^s  int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau.
 * btyd.c usually writes it as a difference of two 2F1 terms, F(t_x) -
 * F(T). With alpha >> beta (large r, alpha: nearly one purchase rate for
 * everyone) the 2F1's argument is near 1, where it is dear and loses its
 * digits, and the difference loses the rest: the log-likelihood came out
 * positive (+1e5 for 4,000 customers). The integral itself is harmless:
 * its log-integrand is convex and is written with log1p of the distance
 * from t_x, so it is exact at any r, alpha, s, beta. It is taken by
 * 8-point Gauss-Legendre on panels over which the integrand falls by at
 * most e^3 and which stay within their own length of either singularity
 * (tau = -alpha, -beta), exact to ~1e-13 relative.
 *
 * Pure computation, reentrant.
 */
#ifndef RAPPORT_ANALYTICS_PNBD_QUAD_H
#define RAPPORT_ANALYTICS_PNBD_QUAD_H

/* Log of the dead term over Gamma(r+x)/Gamma(r), that is
 *   log( alpha^r s beta^s int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau ),
 * computed as log(s/beta) - x ln alpha - (r+x) log1p(t_x/alpha)
 * - (s+1) log1p(t_x/beta) + log J so that r ln alpha never appears.
 * -inf when T <= t_x. With g non-NULL, its derivatives in (r, alpha, s,
 * beta). */
double pnq_dead(double r, double al, double s, double be, double x, double t_x, double T, double g[4]);

/* Whether btyd.c takes the dead term of a customer with recency t_x (or a
 * 2F1 pair at y = t_x or T) from pnq_dead: when the 2F1 argument of the
 * F(t_x) - F(T) form, |alpha-beta|/(max+y), reaches PNQ_Z_MIN (the series
 * is long and the connection formula inexact), or when r or s reaches
 * PNQ_SHAPE_MIN (the 2F1 parameters are huge and r ln alpha, lnG(r) cancel
 * to O(1): at r = 1e8 the 2F1 form gave +2.5e10 for 4,000 customers). The
 * test is monotone in y, so a pair it sends here is used by no customer
 * the 2F1 form still handles. */
#define PNQ_Z_MIN 0.9
#define PNQ_SHAPE_MIN 1e3
int pnq_use(double r, double al, double s, double be, double y);

#endif
