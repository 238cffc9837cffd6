/*
 * pnbd_limit.c — the Pareto/NBD limit model with one purchase rate for
 * everyone (see pnbd_limit.h).
 */
#include "analytics/pnbd_limit.h"
#include "analytics/parfor.h"
#include "analytics/lbfgs_box.h"
#include "analytics/specfun.h"

#include <math.h>
#include <nlopt.h>
#include <string.h>

/* Gauss-Legendre, 8 points on [-1, 1]: nodes +-GL_X[k], weights GL_W[k]. */
static const double GL_X[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
static const double GL_W[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};

/* A panel may let the integrand fall by e^PNL_DROP: the 8-point rule is
 * then exact to ~1e-13 on e^(-3u). */
#define PNL_DROP 3.0
#define PNL_MAX_PANELS 4000

void pnl_terms(double lam, double s, double beta, double t_x, double T, double *la, double *ld, double g_la[3],
               double g_ld[3])
{
    double l1T = log1p(T / beta);
    *la = -lam * T - s * l1T;
    if (g_la) {
        g_la[0] = -T;
        g_la[1] = -l1T;
        g_la[2] = s * T / (beta * (beta + T));
    }
    if (!(T > t_x)) {
        *ld = -INFINITY;
        if (g_ld)
            g_ld[0] = g_ld[1] = g_ld[2] = 0;
        return;
    }
    /* phi(tau) = -lambda tau - (s+1) log1p(tau/beta); J = int e^(phi - phi0). */
    double s1 = s + 1.0, phi0 = -lam * t_x - s1 * log1p(t_x / beta);
    double J = 0, Jt = 0, Jl = 0, Jb = 0;
    double a = t_x;
    for (int panel = 0; panel < PNL_MAX_PANELS && a < T; panel++) {
        double kappa = lam + s1 / (beta + a);
        double h = PNL_DROP / kappa;
        if (h > T - a)
            h = T - a;
        double mid = a + 0.5 * h, half = 0.5 * h;
        for (int k = 0; k < 8; k++) {
            double tau = mid + (k < 4 ? -GL_X[k] : GL_X[k - 4]) * half;
            double l1 = log1p(tau / beta);
            double f = GL_W[k & 3] * half * exp(-lam * tau - s1 * l1 - phi0);
            J += f;
            if (g_ld) {
                Jt += f * tau;
                Jl += f * l1;
                Jb += f * tau / (beta + tau);
            }
        }
        a += h;
        /* The integrand falls from here on: what is left is below
         * e^(phi(a) - phi0) (T - a); stop when that cannot show in J. */
        if (a < T && exp(-lam * a - s1 * log1p(a / beta) - phi0) * (T - a) < 1e-17 * J)
            break;
    }
    *ld = log(s / beta) + phi0 + log(J);
    if (g_ld) {
        g_ld[0] = -Jt / J;
        g_ld[1] = 1.0 / s - Jl / J;
        g_ld[2] = -1.0 / beta + s1 / beta * Jb / J;
    }
}

double pnl_loglik_one(double lam, double s, double beta, double x, double t_x, double T)
{
    double la, ld;
    pnl_terms(lam, s, beta, t_x, T, &la, &ld, NULL, NULL);
    return (x > 0 ? x * log(lam) : 0.0) + sf_logaddexp(la, ld);
}

typedef struct {
    const double *x, *tx, *T, *w;
    double lam, s, beta;
    int want_grad;
} pnl_pass;

/* acc: 0 LL (without sum x ln lambda), 1..3 its derivatives in (lambda, s, beta). */
static void pnl_pass_fn(void *ctx, size_t lo, size_t hi, double *acc)
{
    const pnl_pass *P = ctx;
    for (size_t k = lo; k < hi; k++) {
        double la, ld, gla[3], gld[3];
        pnl_terms(P->lam, P->s, P->beta, P->tx[k], P->T[k], &la, &ld, P->want_grad ? gla : NULL,
                  P->want_grad ? gld : NULL);
        double lt = sf_logaddexp(la, ld), w = P->w[k];
        acc[0] += w * lt;
        if (!P->want_grad)
            continue;
        double u = exp(la - lt), v = 1.0 - u; /* the alive term's share */
        for (int j = 0; j < 3; j++)
            acc[1 + j] += w * (u * gla[j] + (v > 0 ? v * gld[j] : 0.0));
    }
}

double pnl_loglik_groups(size_t ng, const double *x, const double *t_x, const double *T, const double *w, double lam,
                         double s, double beta, double grad[3])
{
    pnl_pass P = {x, t_x, T, w, lam, s, beta, grad != NULL};
    double acc[4], sx = 0;
    for (size_t k = 0; k < ng; k++)
        sx += w[k] * x[k];
    parfor_sum(ng, 4096, pnl_pass_fn, &P, acc, 4);
    if (grad) {
        grad[0] = acc[1] + sx / lam;
        grad[1] = acc[2];
        grad[2] = acc[3];
    }
    return acc[0] + sx * log(lam);
}

typedef struct {
    size_t ng;
    const double *x, *tx, *T, *w;
    double n, sx; /* customers, total repeat purchases */
    int evals;
} pnl_fitctx;

static double pnl_objective(unsigned nth, const double *th, double *grad, void *data)
{
    (void)nth;
    pnl_fitctx *F = data;
    pnl_pass P = {F->x, F->tx, F->T, F->w, exp(th[0]), exp(th[1]), exp(th[2]), grad != NULL};
    double acc[4];
    F->evals++;
    parfor_sum(F->ng, 4096, pnl_pass_fn, &P, acc, 4);
    double ll = acc[0] + F->sx * th[0], scale = -1.0 / F->n;
    if (grad) {
        grad[0] = scale * (acc[1] * P.lam + F->sx);
        grad[1] = scale * acc[2] * P.s;
        grad[2] = scale * acc[3] * P.beta;
    }
    return isfinite(ll) ? scale * ll : HUGE_VAL;
}

int pnl_fit(size_t ng, const double *x, const double *t_x, const double *T, const double *w, double n,
            double th[3], double *ll, int *evals)
{
    pnl_fitctx F = {ng, x, t_x, T, w, n, 0, 0};
    for (size_t k = 0; k < ng; k++)
        F.sx += w[k] * x[k];
    /* lambda within [1e-9, 1e4] a time unit; s, beta as the finite fit's box. */
    double lb[3] = {log(1e-9), log(1e-6), log(1e-6)}, ub[3] = {log(1e4), log(1e7), log(1e7)};
    for (int k = 0; k < 3; k++)
        th[k] = !isfinite(th[k]) ? 0.0 : th[k] < lb[k] ? lb[k] : th[k] > ub[k] ? ub[k] : th[k];
    double fmin;
    int rc = lbfgs_box(pnl_objective, &F, 3, lb, ub, th, 1000, false, &fmin);
    if (rc == NLOPT_OUT_OF_MEMORY)
        return rc;
    *ll = -fmin * n;
    *evals += F.evals;
    return rc;
}
