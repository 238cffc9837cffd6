/*
 * spend.c — Gamma-Gamma spend model (see spend.h).
 *
 * log f = lnG(px+q) - lnG(px) - lnG(q) + q ln g + (px-1) ln m + px ln x
 *         - (px+q) ln(g + m x)
 * The fit precomputes ln m and ln x once, evaluates the gamma-function
 * terms once per distinct x, and leaves one log per customer per pass;
 * the gradient is analytic. q ln g - (px+q) ln(g+mx) is written
 * -px ln g - (px+q) log1p(mx/g), and lnG(px+q) - lnG(q) as one difference,
 * so the likelihood keeps its digits as q, gamma -> infinity (every customer
 * with the same spend rate; issue 16).
 *
 * On many customers (issue 16, whole-command speed) the pass over
 * customers becomes a pass over bins: log1p(mx/g) = softplus(y - ln g)
 * with y = ln(mx), so customers are binned by y (width 1/512) and each bin
 * keeps the moments sum a (y - y_b)^k, k < 4, for weights a = 1 and a = x.
 * A third-order Taylor expansion of softplus around the bin centre then
 * gives every sum the pass needs; the remainder is below 1e-13 per
 * customer (|y - y_b| <= 1/1024, softplus's derivatives below 1/4), far
 * inside the fit's tolerance. A million customers make a few thousand bins.
 */
#include "analytics/spend.h"
#include "analytics/boundary.h"
#include "analytics/dedup.h"
#include "analytics/parfor.h"
#include "analytics/lbfgs_box.h"
#include "analytics/specfun.h"

#include <math.h>
#include <nlopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GG_PMIN 1e-6
#define GG_PMAX 1e8
/* q and gamma both above this, or a failed run, send the fit to the ridge
 * (boundary.h), which stops within GG_RIDGE_TOL of the supremum. */
#define GG_RIDGE 1e3
#define GG_RIDGE_TOL 1e-3

double gg_loglik_one(const gg_params *g, double x, double m)
{
    double px = g->p * x;
    return sf_lgamma_diff(g->q, px) - sf_lgamma(px, NULL) + (px - 1) * log(m) + px * log(x) - px * log(g->gamma) -
           (px + g->q) * log1p(m * x / g->gamma);
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
    double s_xlm, s_xlx, s_lm, s_x; /* sum x ln m, sum x ln x, sum ln m, sum x */
    double cur_p, cur_q, cur_g;
    /* Binned form (gg_bins_build), NULL when the customers are few: per
     * bin its centre y_b and moments mo[8*b + 4*a + k], a = 0 (weight 1),
     * 1 (weight x), k = 0..3. */
    size_t nb;
    double *by, *mo;
    int evals;
    double best_f, best_th[3]; /* best point seen: a failed run still has it */
} gg_fitctx;

/* With l = log1p(mx/g): acc 0 sum (px+q) l, 1 sum x l, 2 sum l, 3 sum (px+q) mx/(g+mx) */
static void gg_pass_fn(void *ctx, size_t lo, size_t hi, double *acc)
{
    const gg_fitctx *F = ctx;
    double p = F->cur_p, q = F->cur_q, g = F->cur_g;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = lo; i < hi; i++) {
        double x = F->x[i], mx = F->m[i] * x, lu = log1p(mx / g), k = p * x + q;
        s0 += k * lu;
        s1 += x * lu;
        s2 += lu;
        s3 += k * mx / (g + mx);
    }
    acc[0] += s0;
    acc[1] += s1;
    acc[2] += s2;
    acc[3] += s3;
}

#define GG_BIN_SCALE 512.0
#define GG_BIN_MIN_N 65536

/* Bins the customers by y = ln(m x) (see the header comment). Leaves
 * F->nb = 0 (the per-customer pass) when there are few customers or the
 * bins would not be far fewer than they; -1 on memory failure. */
static int gg_bins_build(gg_fitctx *F)
{
    F->nb = 0;
    if (F->n < GG_BIN_MIN_N)
        return 0;
    double ymin = HUGE_VAL, ymax = -HUGE_VAL;
    for (size_t i = 0; i < F->n; i++) {
        double y = log(F->m[i] * F->x[i]);
        ymin = y < ymin ? y : ymin;
        ymax = y > ymax ? y : ymax;
    }
    double base = floor(ymin * GG_BIN_SCALE);
    double span = floor(ymax * GG_BIN_SCALE) - base + 1;
    if (!(span > 0) || span > (double)F->n / 8)
        return 0;
    size_t nb = (size_t)span;
    double *mo = calloc(nb * 8, sizeof *mo);
    double *by = malloc(nb * sizeof *by);
    if (!mo || !by) {
        free(mo);
        free(by);
        return -1;
    }
    for (size_t i = 0; i < F->n; i++) {
        double y = log(F->m[i] * F->x[i]), c = floor(y * GG_BIN_SCALE);
        size_t b = (size_t)(c - base);
        if (b >= nb)
            b = nb - 1;
        double d = y - (base + (double)b + 0.5) / GG_BIN_SCALE, d2 = d * d, x = F->x[i];
        double *o = mo + 8 * b;
        o[0] += 1;
        o[1] += d;
        o[2] += d2;
        o[3] += d2 * d;
        o[4] += x;
        o[5] += x * d;
        o[6] += x * d2;
        o[7] += x * d2 * d;
    }
    /* Keep the bins with customers, in place. */
    size_t k = 0;
    for (size_t b = 0; b < nb; b++) {
        if (mo[8 * b] == 0)
            continue;
        memmove(mo + 8 * k, mo + 8 * b, 8 * sizeof *mo);
        by[k++] = (base + (double)b + 0.5) / GG_BIN_SCALE;
    }
    F->nb = k;
    F->by = by;
    F->mo = mo;
    return 0;
}

/* gg_pass_fn's four sums from the bins: with t = y_b - ln g, softplus(t)
 * and its derivatives f1 = s, f2 = s(1-s), f3 = f2(1-2s), f4 = f2(1-6s+6s^2)
 * (s the logistic of t); sum a l = sum_k f_k M_k / k!, sum a u = sum_k
 * f_(k+1) M_k / k! with u = mx/(g+mx) = s(y - ln g). */
static void gg_bins_pass(const gg_fitctx *F, double *acc)
{
    double p = F->cur_p, q = F->cur_q, lg = log(F->cur_g);
    double L1 = 0, Lx = 0, U1 = 0, Ux = 0;
    for (size_t b = 0; b < F->nb; b++) {
        double t = F->by[b] - lg, e = exp(-fabs(t)), inv = 1.0 / (1.0 + e);
        double sg = t >= 0 ? inv : e * inv, sc = t >= 0 ? e * inv : inv; /* s, 1 - s */
        double f0 = (t > 0 ? t : 0) + log1p(e), f1 = sg, f2 = sg * sc, f3 = f2 * (sc - sg),
               f4 = f2 * (1 - 6 * sg * sc);
        const double *o = F->mo + 8 * b;
        L1 += f0 * o[0] + f1 * o[1] + f2 * o[2] / 2 + f3 * o[3] / 6;
        Lx += f0 * o[4] + f1 * o[5] + f2 * o[6] / 2 + f3 * o[7] / 6;
        U1 += f1 * o[0] + f2 * o[1] + f3 * o[2] / 2 + f4 * o[3] / 6;
        Ux += f1 * o[4] + f2 * o[5] + f3 * o[6] / 2 + f4 * o[7] / 6;
    }
    acc[0] = p * Lx + q * L1;
    acc[1] = Lx;
    acc[2] = L1;
    acc[3] = p * Ux + q * U1;
}

static double gg_eval(gg_fitctx *F, double p, double q, double g, double *grad)
{
    double ll = 0, gp = 0, gq = 0;
    double psq = grad ? sf_digamma(q) : 0;
    for (size_t j = 0; j < F->nx; j++) {
        double x = F->ux[j], W = F->uw[j], px = p * x;
        ll += W * (sf_lgamma_diff(q, px) - sf_lgamma(px, NULL) + p * x * log(x));
        if (grad) {
            double d1 = sf_digamma(px + q), d0 = sf_digamma(px);
            gp += W * x * (d1 - d0 + log(x));
            gq += W * (d1 - psq);
        }
    }
    double lg = log(g);
    ll += p * (F->s_xlm - F->s_x * lg) - F->s_lm;
    F->cur_p = p;
    F->cur_q = q;
    F->cur_g = g;
    double acc[4];
    if (F->nb)
        gg_bins_pass(F, acc);
    else
        parfor_sum(F->n, 16384, gg_pass_fn, F, acc, 4);
    ll -= acc[0];
    if (grad) {
        grad[0] = gp + F->s_xlm - F->s_x * lg - acc[1];
        grad[1] = gq - acc[2];
        grad[2] = (acc[3] - p * F->s_x) / g;
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
    if (isfinite(ll) && scale * ll < F->best_f) {
        F->best_f = scale * ll;
        memcpy(F->best_th, th, sizeof F->best_th);
    }
    if (grad) {
        grad[0] = scale * gr[0] * p;
        grad[1] = scale * gr[1] * q;
        grad[2] = scale * gr[2] * g;
    }
    return isfinite(ll) ? scale * ll : HUGE_VAL;
}

/* Ridge coordinates at the boundary q, gamma -> inf: th = (ln p, ln nu)
 * with q = K, gamma = K/nu; every customer's transactions then have the
 * same rate nu (spend ~ Gamma(p, nu)). */
static double gg_ridge_ll(void *ctx, const double *th, double K, double *grad)
{
    gg_fitctx *F = ctx;
    double p = exp(th[0]), g = K * exp(-th[1]), gr[3];
    double ll = gg_eval(F, p, K, g, grad ? gr : NULL);
    if (grad) {
        grad[0] = gr[0] * p;
        grad[1] = -gr[2] * g;
    }
    return ll;
}

static int gg_ridge(gg_fitctx *F, gg_params *out, an_fit_info *fi)
{
    double th[2] = {log(out->p), log(out->q) - log(out->gamma)};
    double lb[2] = {log(GG_PMIN), log(GG_PMIN) - log(GG_PMAX)}, ub[2] = {log(GG_PMAX), log(GG_PMAX) - log(GG_PMIN)};
    double K0 = out->q > 1e3 ? out->q : 1e3;
    bnd_result res;
    if (bnd_ridge_fit(gg_ridge_ll, F, 2, lb, ub, (double)F->n, K0, 1e15, GG_RIDGE_TOL, th, &res) != 0)
        return -1;
    if (!(res.ll >= fi->log_likelihood - GG_RIDGE_TOL))
        return -1; /* an interior point is better: not a boundary */
    if (res.K * exp(-th[1]) < GG_RIDGE)
        return -1; /* the spend rate ran away instead: not this boundary */
    *out = (gg_params){exp(th[0]), res.K, res.K * exp(-th[1])};
    fi->log_likelihood = res.ll;
    fi->nlopt_status = res.nlopt_status;
    fi->at_boundary = 1u << 1 | 1u << 2;
    return 0;
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
        fi.message = "no customer has a repeat purchase with a spend, so there is nothing to fit";
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
        F.s_x += x[i];
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
    if (gg_bins_build(&F) != 0) {
        rc = AN_ENOMEM;
        goto done;
    }
    /* Start: p = q = 2 puts the population mean p g/(q-1) at the sample mean. */
    double mean = sm / (double)nr;
    double th[3] = {log(2.0), log(2.0), log(mean > 0 ? mean / 2.0 : 1.0)};
    double lb[3], ub[3], fmin = 0;
    for (int k = 0; k < 3; k++) {
        lb[k] = log(GG_PMIN);
        ub[k] = log(GG_PMAX);
    }
    F.best_f = HUGE_VAL;
    fi.nlopt_status = lbfgs_box(gg_objective, &F, 3, lb, ub, th, 2000, true, &fmin);
    if (fi.nlopt_status == NLOPT_OUT_OF_MEMORY) {
        rc = AN_ENOMEM;
        goto done;
    }
    int failed = fi.nlopt_status < 0 && fi.nlopt_status != NLOPT_ROUNDOFF_LIMITED;
    if (failed && F.best_f < HUGE_VAL)
        memcpy(th, F.best_th, sizeof th);
    out->p = exp(th[0]);
    out->q = exp(th[1]);
    out->gamma = exp(th[2]);
    fi.log_likelihood = gg_eval(&F, out->p, out->q, out->gamma, NULL);
    /* q, gamma both large (or a failed run): the ridge towards q, gamma -> inf. */
    if ((failed || (out->q > GG_RIDGE && out->gamma > GG_RIDGE)) && isfinite(fi.log_likelihood) &&
        gg_ridge(&F, out, &fi) == 0)
        failed = 0;
    fi.evaluations = F.evals;
    fi.n = nr;
    fi.groups = nr;
    /* ROUNDOFF_LIMITED at a finite optimum is convergence to machine precision. */
    if (failed || !isfinite(fi.log_likelihood)) {
        rc = AN_ENOFIT;
        fi.message = "the optimiser stopped before reaching a maximum of the likelihood";
    }
done:
    free(F.x);
    free(F.ix);
    free(F.ux);
    free(F.by);
    free(F.mo);
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
