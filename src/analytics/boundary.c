/*
 * boundary.c — the ridge fit of likelihoods whose supremum is at infinity
 * (see boundary.h).
 */
#include "analytics/boundary.h"
#include "analytics/lbfgs_box.h"

#include <math.h>
#include <nlopt.h>
#include <string.h>

typedef struct {
    bnd_ll_fn f;
    void *ctx;
    double K, scale;
    int evals;
} bnd_ctx;

static double bnd_objective(unsigned nth, const double *th, double *grad, void *data)
{
    bnd_ctx *B = data;
    double g[4];
    double ll = B->f(B->ctx, th, B->K, grad ? g : NULL);
    B->evals++;
    if (grad)
        for (unsigned k = 0; k < nth; k++)
            grad[k] = isfinite(g[k]) ? -B->scale * g[k] : 0.0;
    return isfinite(ll) ? -B->scale * ll : HUGE_VAL;
}

/* One optimisation at fixed K; returns the LL (NaN when nothing finite). */
static double bnd_at(bnd_ctx *B, int np, const double *lb, const double *ub, double *th, int *status)
{
    double fmin;
    *status = lbfgs_box(bnd_objective, B, np, lb, ub, th, 1000, true, &fmin);
    if (*status == NLOPT_OUT_OF_MEMORY)
        return NAN;
    double ll = B->f(B->ctx, th, B->K, NULL);
    return isfinite(ll) ? ll : NAN;
}

int bnd_ridge_fit(bnd_ll_fn f, void *ctx, int np, const double *lb, const double *ub, double n, double K0,
                  double K_max, double tol, double *th, bnd_result *res)
{
    bnd_ctx B = {f, ctx, K0, 1.0 / (n > 0 ? n : 1), 0};
    double th1[4], th2[4];
    int st1 = 0, st2 = 0;
    memcpy(th1, th, (size_t)np * sizeof *th);
    double l1 = bnd_at(&B, np, lb, ub, th1, &st1);
    memset(res, 0, sizeof *res);
    if (isnan(l1))
        return -1;
    for (;;) {
        memcpy(th2, th1, (size_t)np * sizeof *th);
        B.K *= 10;
        double l2 = bnd_at(&B, np, lb, ub, th2, &st2);
        /* Along the ridge LL(inf) - LL(K) ~ c/K: a tenfold K leaves a
         * ninth of the last step to go. A step down is rounding: the
         * previous point is as close to the supremum as we can tell. */
        if (isnan(l2) || l2 < l1) {
            B.K /= 10;
            res->ll_limit = l1;
            break;
        }
        double rest = (l2 - l1) / 9.0;
        memcpy(th1, th2, (size_t)np * sizeof *th);
        l1 = l2;
        st1 = st2;
        if (rest <= tol || B.K * 10 > K_max) {
            res->ll_limit = l2 + rest;
            break;
        }
    }
    memcpy(th, th1, (size_t)np * sizeof *th);
    res->K = B.K;
    res->ll = l1;
    res->evaluations = B.evals;
    res->nlopt_status = st1;
    return 0;
}
