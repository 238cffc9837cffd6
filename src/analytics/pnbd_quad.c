/*
 * pnbd_quad.c — Pareto/NBD's dead term by quadrature (see pnbd_quad.h).
 */
#include "analytics/pnbd_quad.h"

#include <math.h>

/* Gauss-Legendre, 8 points on [-1, 1]: nodes +-GL_X[k], weights GL_W[k]. */
static const double GL_X[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
static const double GL_W[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};

#define PNQ_DROP 3.0
#define PNQ_MAX_PANELS 4000

int pnq_use(double r, double al, double s, double be, double y)
{
    if (r >= PNQ_SHAPE_MIN || s >= PNQ_SHAPE_MIN)
        return 1;
    return (al >= be ? (al - be) / (al + y) : (be - al) / (be + y)) >= PNQ_Z_MIN;
}

double pnq_dead(double r, double al, double s, double be, double x, double t_x, double T, double g[4])
{
    if (!(T > t_x)) {
        if (g)
            g[0] = g[1] = g[2] = g[3] = 0;
        return -INFINITY;
    }
    /* phi(tau) - phi(t_x) = -(r+x) log1p(u/(alpha+t_x)) - (s+1) log1p(u/(beta+t_x)),
     * u = tau - t_x: no large logs cancel. */
    double rx = r + x, s1 = s + 1.0, A = al + t_x, B = be + t_x, len = T - t_x;
    double J = 0, Jr = 0, Ja = 0, Js = 0, Jb = 0;
    double a = 0; /* panel start, in u */
    for (int panel = 0; panel < PNQ_MAX_PANELS && a < len; panel++) {
        double kappa = rx / (A + a) + s1 / (B + a);
        double h = PNQ_DROP / kappa;
        /* Stay a panel's length away from the singularities at u = -A, -B. */
        if (h > A + a)
            h = A + a;
        if (h > B + a)
            h = B + a;
        if (h > len - a)
            h = len - a;
        double mid = a + 0.5 * h, half = 0.5 * h;
        for (int k = 0; k < 8; k++) {
            double u = mid + (k < 4 ? -GL_X[k] : GL_X[k - 4]) * half;
            double la = log1p(u / A), lb = log1p(u / B);
            double f = GL_W[k & 3] * half * exp(-rx * la - s1 * lb);
            J += f;
            if (g) {
                /* d/d(r, alpha, s, beta) of the log-integrand, tau = t_x + u. */
                Jr += f * la;
                Ja += f * u / (A * (A + u));
                Js += f * lb;
                Jb += f * u / (B * (B + u));
            }
        }
        a += h;
        /* The integrand falls from here on (its log is decreasing): what is
         * left is below its value at a times the rest of the length. */
        if (a < len && exp(-rx * log1p(a / A) - s1 * log1p(a / B)) * (len - a) < 1e-17 * J)
            break;
    }
    double l1a = log1p(t_x / al), l1b = log1p(t_x / be);
    double ld = log(s / be) - (x > 0 ? x * log(al) : 0.0) - rx * l1a - s1 * l1b + log(J);
    if (g) {
        /* phi(t_x) terms: d/dr -l1a; d/dalpha -x/alpha + (r+x) t_x/(alpha A);
         * d/ds 1/s - l1b; d/dbeta -1/beta + (s+1) t_x/(beta B). The
         * integrand's own derivatives: -(r+x) d log1p(u/A)/dalpha =
         * (r+x) u/(A (A+u)), likewise for beta. */
        g[0] = -l1a - Jr / J;
        g[1] = -x / al + rx * t_x / (al * A) + rx * Ja / J;
        g[2] = 1.0 / s - l1b - Js / J;
        g[3] = -1.0 / be + s1 * t_x / (be * B) + s1 * Jb / J;
    }
    return ld;
}
