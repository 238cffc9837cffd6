/*
 * spend.c — Gamma-Gamma spend model (see spend.h).
 *
 * log f = lnG(px+q) - lnG(px) - lnG(q) + q ln g + (px-1) ln m + px ln x
 *         - (px+q) ln(g + m x)
 * The fit precomputes ln m and ln x once, evaluates the gamma-function
 * terms once per distinct x, and leaves one log per customer per pass;
 * the gradient is analytic.
 */
#include "analytics/spend.h"
#include "analytics/dedup.h"
#include "analytics/parfor.h"
#include "analytics/specfun.h"

#include <math.h>
#include <nlopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GG_PMIN 1e-6
#define GG_PMAX 1e8

double gg_loglik_one(const gg_params *g, double x, double m)
{
    double px = g->p * x;
    return sf_lgamma(px + g->q, NULL) - sf_lgamma(px, NULL) - sf_lgamma(g->q, NULL) + g->q * log(g->gamma) +
           (px - 1) * log(m) + px * log(x) - (px + g->q) * log(g->gamma + m * x);
}

double gg_loglik(const gg_params *g, size_t n, const double *x, const double *m)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] >= 1 && m[i] > 0)
            s += gg_loglik_one(g, x[i], m[i]);
    return s;
}

typedef struct {
    size_t n;        /* repeat buyers */
    double *x, *m;   /* their x and m */
    uint32_t *ix;    /* -> distinct x */
    size_t nx;
    double *ux, *uw; /* distinct x, count */
    double s_xlm, s_xlx, s_lm; /* sum x ln m, sum x ln x, sum ln m */
    double cur_p, cur_q, cur_g;
    int evals;
} gg_fitctx;

/* acc: 0 sum (px+q) ln(g+mx), 1 sum x ln(g+mx), 2 sum ln(g+mx), 3 sum (px+q)/(g+mx) */
static void gg_pass_fn(void *ctx, size_t lo, size_t hi, double *acc)
{
    const gg_fitctx *F = ctx;
    double p = F->cur_p, q = F->cur_q, g = F->cur_g;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = lo; i < hi; i++) {
        double x = F->x[i], u = g + F->m[i] * x, lu = log(u), k = p * x + q;
        s0 += k * lu;
        s1 += x * lu;
        s2 += lu;
        s3 += k / u;
    }
    acc[0] += s0;
    acc[1] += s1;
    acc[2] += s2;
    acc[3] += s3;
}

static double gg_eval(gg_fitctx *F, double p, double q, double g, double *grad)
{
    double ll = 0, gp = 0, gq = 0;
    double lgq = sf_lgamma(q, NULL), psq = grad ? sf_digamma(q) : 0;
    for (size_t j = 0; j < F->nx; j++) {
        double x = F->ux[j], W = F->uw[j], px = p * x;
        ll += W * (sf_lgamma(px + q, NULL) - sf_lgamma(px, NULL) - lgq + p * x * log(x));
        if (grad) {
            double d1 = sf_digamma(px + q), d0 = sf_digamma(px);
            gp += W * x * (d1 - d0 + log(x));
            gq += W * (d1 - psq);
        }
    }
    double nn = (double)F->n;
    ll += nn * q * log(g) + p * F->s_xlm - F->s_lm;
    F->cur_p = p;
    F->cur_q = q;
    F->cur_g = g;
    double acc[4];
    parfor_sum(F->n, 16384, gg_pass_fn, F, acc, 4);
    ll -= acc[0];
    if (grad) {
        grad[0] = gp + F->s_xlm - acc[1];
        grad[1] = gq + nn * log(g) - acc[2];
        grad[2] = nn * q / g - acc[3];
    }
    F->evals++;
    return ll;
}

static double gg_objective(unsigned nth, const double *th, double *grad, void *data)
{
    gg_fitctx *F = data;
    double p = exp(th[0]), q = exp(th[1]), g = exp(th[2]), gr[3];
    double ll = gg_eval(F, p, q, g, grad ? gr : NULL);
    double scale = -1.0 / (double)F->n;
    if (grad) {
        grad[0] = scale * gr[0] * p;
        grad[1] = scale * gr[1] * q;
        grad[2] = scale * gr[2] * g;
    }
    return isfinite(ll) ? scale * ll : HUGE_VAL;
}

an_rc gg_fit(size_t n, const double *x, const double *m, gg_params *out, an_fit_info *info)
{
    an_fit_info fi;
    memset(&fi, 0, sizeof fi);
    gg_fitctx F;
    memset(&F, 0, sizeof F);
    dedup_t gx;
    memset(&gx, 0, sizeof gx);
    an_rc rc = AN_OK;
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        int ok = isfinite(x[i]) && x[i] >= 0 && x[i] == floor(x[i]) &&
                 (x[i] == 0 || (isfinite(m[i]) && m[i] > 0));
        if (!ok) {
            fi.bad_row = i;
            rc = AN_EINVAL;
            goto done;
        }
        nr += x[i] >= 1;
    }
    if (nr == 0) {
        rc = AN_ENOFIT;
        goto done;
    }
    F.n = nr;
    F.x = malloc(2 * nr * sizeof(double));
    F.ix = malloc(nr * sizeof *F.ix);
    if (!F.x || !F.ix) {
        rc = AN_ENOMEM;
        goto done;
    }
    F.m = F.x + nr;
    double sm = 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (x[i] < 1)
            continue;
        F.x[k] = x[i];
        F.m[k] = m[i];
        double lm = log(m[i]);
        F.s_xlm += x[i] * lm;
        F.s_lm += lm;
        sm += m[i];
        k++;
    }
    if (dedup_build(&gx, nr, F.x, NULL, NULL) != 0) {
        rc = AN_ENOMEM;
        goto done;
    }
    F.nx = gx.n_groups;
    F.ux = malloc(2 * F.nx * sizeof(double));
    if (!F.ux) {
        rc = AN_ENOMEM;
        goto done;
    }
    F.uw = F.ux + F.nx;
    for (size_t j = 0; j < F.nx; j++) {
        F.ux[j] = gx.keys[j];
        F.uw[j] = gx.weight[j];
    }
    for (size_t k = 0; k < nr; k++)
        F.ix[k] = (uint32_t)gx.index[k];
    /* Start: p = q = 2 puts the population mean p g/(q-1) at the sample mean. */
    double mean = sm / (double)nr;
    double th[3] = {log(2.0), log(2.0), log(mean > 0 ? mean / 2.0 : 1.0)};
    double lb[3], ub[3], fmin = 0;
    for (int k = 0; k < 3; k++) {
        lb[k] = log(GG_PMIN);
        ub[k] = log(GG_PMAX);
        if (th[k] < lb[k])
            th[k] = lb[k];
        if (th[k] > ub[k])
            th[k] = ub[k];
    }
    nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, 3);
    if (!opt) {
        rc = AN_ENOMEM;
        goto done;
    }
    nlopt_set_lower_bounds(opt, lb);
    nlopt_set_upper_bounds(opt, ub);
    nlopt_set_min_objective(opt, gg_objective, &F);
    nlopt_set_xtol_rel(opt, 1e-10);
    nlopt_set_ftol_rel(opt, 1e-15);
    nlopt_set_maxeval(opt, 2000);
    fi.nlopt_status = nlopt_optimize(opt, th, &fmin);
    if (fi.nlopt_status > 0) /* restart once: L-BFGS may stop on a stale curvature model */
        fi.nlopt_status = nlopt_optimize(opt, th, &fmin);
    nlopt_destroy(opt);
    out->p = exp(th[0]);
    out->q = exp(th[1]);
    out->gamma = exp(th[2]);
    fi.log_likelihood = gg_eval(&F, out->p, out->q, out->gamma, NULL);
    fi.evaluations = F.evals;
    fi.n = nr;
    fi.groups = nr;
    /* ROUNDOFF_LIMITED at a finite optimum is convergence to machine precision. */
    if ((fi.nlopt_status < 0 && fi.nlopt_status != NLOPT_ROUNDOFF_LIMITED) || !isfinite(fi.log_likelihood))
        rc = AN_ENOFIT;
done:
    free(F.x);
    free(F.ix);
    free(F.ux);
    dedup_free(&gx);
    if (info)
        *info = fi;
    return rc;
}

double gg_expected_spend(const gg_params *g, double x, double m)
{
    if (g->q <= 1)
        return NAN;
    if (!(x >= 1) || !(m > 0))
        return g->p * g->gamma / (g->q - 1);
    /* Weighted average of the population mean and the customer's mean. */
    return g->p * (g->gamma + x * m) / (g->p * x + g->q - 1);
}

void gg_predict(const gg_params *g, size_t n, const double *x, const double *m, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = gg_expected_spend(g, x[i], m[i]);
}
