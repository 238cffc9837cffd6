/*
 * test_analytics_boundary.c — fits whose likelihood supremum is at
 * infinity (issue 16 part 1). A generator makes customers with no
 * heterogeneity in one process — equal drop-out probability (BG/NBD),
 * equal drop-out rate (Pareto/NBD), equal spend rate (Gamma-Gamma) — so
 * the supremum lies at a, b / s, beta / q, gamma -> inf. Each fit must
 * succeed, flag the pair in at_boundary, sit within 0.01 of the supremum
 * (checked by walking further out along the ridge and by moving the other
 * coordinates) and give finite predictions for every customer. Customers
 * without a repeat purchase are a genuine failure with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics/btyd.h"
#include "analytics/spend.h"

#define N 4000
#ifndef SEED_EQUAL_RATE
#define SEED_EQUAL_RATE 1
#endif
#ifndef SEED_PNBD_RATE
#define SEED_PNBD_RATE 2
#endif

static uint64_t rng = 88172645463325252ULL;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((double)(rng >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double rgamma(double k, double scale)
{
    if (k < 1)
        return rgamma(1 + k, scale) * pow(unif(), 1 / k);
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double z, v;
        do {
            z = sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
            v = 1 + c * z;
        } while (v <= 0);
        v = v * v * v;
        if (log(unif()) < 0.5 * z * z + d - d * v + d * log(v))
            return d * v * scale;
    }
}

static double x[N], tx[N], T[N], m[N];

/* kind 0: BG/NBD with drop-out probability 0.3 after every purchase;
 * kind 1: Pareto/NBD with drop-out rate 0.05 a week for everyone. Purchase
 * rates are Gamma(0.5, 1/5) as in CDNOW-like data; spend per transaction
 * Gamma(6, rate 0.1) for everyone. */
static void generate(int kind, uint64_t seed)
{
    rng = seed;
    for (int i = 0; i < N; i++) {
        double age = 20 + 20 * unif(), lam = rgamma(0.5, 1 / 5.0), t = 0, last = 0;
        double death = kind == 1 ? -log(unif()) / 0.05 : INFINITY;
        int k = 0;
        for (;;) {
            t += -log(unif()) / lam;
            if (t > age || t > death)
                break;
            k++;
            last = t;
            if (kind == 0 && unif() < 0.3)
                break;
        }
        double sum = 0;
        for (int j = 0; j < k; j++)
            sum += rgamma(6, 1 / 0.1);
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = age;
        m[i] = k ? sum / k : 0;
    }
}

static void test_bgnbd_equal_dropout(void **state)
{
    (void)state;
    generate(0, 12345);
    bgnbd_params p;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(N, x, tx, T, &p, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 1u << 2 | 1u << 3); /* a and b */
    assert_true(isfinite(p.a) && isfinite(p.b) && p.a > 1e5);
    assert_true(fabs(p.a / (p.a + p.b) - 0.3) < 0.05); /* the common drop-out probability */
    double ll = bgnbd_loglik(&p, N, x, tx, T);
    assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
    /* Further out on the ridge, and moved in r, alpha or the ratio: never
     * more than 0.01 higher. */
    for (double f = 10; f <= 1e4; f *= 10) {
        bgnbd_params q = {p.r, p.alpha, p.a * f, p.b * f};
        assert_true(bgnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
    }
    for (int k = 0; k < 3; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            bgnbd_params q = p;
            double e = 1 + sg * 1e-3;
            if (k == 0)
                q.r *= e;
            else if (k == 1)
                q.alpha *= e;
            else
                q.a *= e, q.b = (p.a + p.b) - q.a;
            assert_true(bgnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
        }
    static double pa[N], ex[N];
    assert_int_equal(bgnbd_predict(&p, 39, N, x, tx, T, pa, ex), AN_OK);
    for (int i = 0; i < N; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]) && pa[i] >= 0 && pa[i] <= 1 && ex[i] >= 0);
    assert_true(isfinite(bgnbd_expected_new(&p, 78)) && bgnbd_expected_new(&p, 78) > 0);
}

static void test_pnbd_equal_dropout_rate(void **state)
{
    (void)state;
    generate(1, 777);
    pnbd_params p;
    an_fit_info fi;
    assert_int_equal(pnbd_fit(N, x, tx, T, &p, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 1u << 2 | 1u << 3); /* s and beta */
    assert_true(isfinite(p.s) && isfinite(p.beta) && p.s > 1e4);
    assert_true(fabs(p.s / p.beta - 0.05) < 0.02); /* the common drop-out rate */
    double ll = pnbd_loglik(&p, N, x, tx, T);
    for (double f = 10; f <= 1e3; f *= 10) {
        pnbd_params q = {p.r, p.alpha, p.s * f, p.beta * f};
        assert_true(pnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
    }
    for (int k = 0; k < 3; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            pnbd_params q = p;
            double e = 1 + sg * 1e-3;
            if (k == 0)
                q.r *= e;
            else if (k == 1)
                q.alpha *= e;
            else
                q.beta *= e;
            assert_true(pnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
        }
    static double pa[N], ex[N];
    assert_int_equal(pnbd_predict(&p, 39, N, x, tx, T, pa, ex), AN_OK);
    for (int i = 0; i < N; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]) && pa[i] >= 0 && pa[i] <= 1 && ex[i] >= 0);
}

static void test_gg_equal_spend(void **state)
{
    (void)state;
    /* With no heterogeneity, about half of all samples still have a finite
     * maximum (sampling noise adds dispersion); this seed's sample has its
     * supremum at infinity, as the population's. */
    generate(0, 2);
    gg_params g;
    an_fit_info fi;
    assert_int_equal(gg_fit(N, x, m, &g, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 1u << 1 | 1u << 2); /* q and gamma */
    assert_true(isfinite(g.q) && g.q > 1e4 && fabs(g.q / g.gamma - 0.1) < 0.01);
    double ll = gg_loglik(&g, N, x, m);
    assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
    for (double f = 10; f <= 1e4; f *= 10) {
        gg_params q = {g.p, g.q * f, g.gamma * f};
        assert_true(gg_loglik(&q, N, x, m) <= ll + 0.01);
    }
    for (int k = 0; k < 2; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            gg_params q = g;
            if (k == 0)
                q.p *= 1 + sg * 1e-3;
            else
                q.gamma *= 1 + sg * 1e-3;
            assert_true(gg_loglik(&q, N, x, m) <= ll + 0.01);
        }
    for (int i = 0; i < N; i++)
        assert_true(isfinite(gg_expected_spend(&g, x[i], m[i])));
    assert_true(fabs(gg_expected_spend(&g, 0, 0) - 60) < 3); /* p/nu = 6/0.1 */
}

/* BG/NBD with one purchase rate for everyone (0.15 a week) and drop-out
 * probabilities Beta(1, 3): the supremum at r, alpha -> inf with r/alpha
 * = 0.15 (the limiting model is Poisson purchases). As with Gamma-Gamma,
 * about half of all samples have a finite maximum; this seed's does not. */
static void generate_equal_rate(uint64_t seed)
{
    rng = seed;
    for (int i = 0; i < N; i++) {
        double age = 39 + 13 * unif(), t = 0, last = 0, g1 = rgamma(1, 1), pd = g1 / (g1 + rgamma(3, 1));
        int k = 0;
        for (;;) {
            t += -log(unif()) / 0.15;
            if (t > age)
                break;
            k++;
            last = t;
            if (unif() < pd)
                break;
        }
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = age;
    }
}

static void test_bgnbd_equal_purchase_rate(void **state)
{
    (void)state;
    generate_equal_rate(SEED_EQUAL_RATE);
    bgnbd_params p;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(N, x, tx, T, &p, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 1u << 0 | 1u << 1); /* r and alpha */
    assert_true(isfinite(p.r) && isfinite(p.alpha) && p.alpha > 1e5);
    assert_true(fabs(p.r / p.alpha - 0.15) < 0.01); /* the common purchase rate */
    assert_true(p.a < 100 && p.b < 100);            /* drop-out still heterogeneous */
    double ll = bgnbd_loglik(&p, N, x, tx, T);
    assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
    for (double f = 10; f <= 1e4; f *= 10) {
        bgnbd_params q = {p.r * f, p.alpha * f, p.a, p.b};
        assert_true(bgnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
    }
    for (int k = 0; k < 3; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            bgnbd_params q = p;
            double e = 1 + sg * 1e-3;
            if (k == 0)
                q.r *= e; /* moves the rate r/alpha */
            else if (k == 1)
                q.a *= e;
            else
                q.b *= e;
            assert_true(bgnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
        }
    static double pa[N], ex[N];
    assert_int_equal(bgnbd_predict(&p, 39, N, x, tx, T, pa, ex), AN_OK);
    for (int i = 0; i < N; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]) && pa[i] >= 0 && pa[i] <= 1 && ex[i] >= 0);
    assert_true(isfinite(bgnbd_expected_new(&p, 78)) && bgnbd_expected_new(&p, 78) > 0);
}

/* Pareto/NBD with one purchase rate for everyone (0.15 a week) and
 * drop-out rates Gamma(1, rate 20) (mean 0.05 a week): the supremum at r,
 * alpha -> inf with r/alpha = 0.15, fitted as the limit model (Poisson
 * purchases, gamma drop-out rate). Before, the fit crawled along the ridge
 * (r ~ 500, 212 passes, 89 s at -O2) and stopped without at_boundary. As
 * for BG/NBD, seeds 1, 3, 4, 5 of this generator have a finite maximum
 * (r ~ 180, 0.46 above the limit), which the fit keeps; 2 and 6 do not. */
static void generate_pnbd_equal_rate(uint64_t seed)
{
    rng = seed;
    for (int i = 0; i < N; i++) {
        double age = 39 + 13 * unif(), t = 0, last = 0, death = -log(unif()) / rgamma(1, 1 / 20.0);
        int k = 0;
        for (;;) {
            t += -log(unif()) / 0.15;
            if (t > age || t > death)
                break;
            k++;
            last = t;
        }
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = age;
    }
}

static void test_pnbd_equal_purchase_rate(void **state)
{
    (void)state;
    generate_pnbd_equal_rate(SEED_PNBD_RATE);
    pnbd_params p;
    an_fit_info fi;
    assert_int_equal(pnbd_fit(N, x, tx, T, &p, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 1u << 0 | 1u << 1); /* r and alpha */
    assert_true(isfinite(p.r) && isfinite(p.alpha) && p.r > 1e9);
    assert_true(fabs(p.r / p.alpha - 0.15) < 0.01); /* the common purchase rate */
    assert_true(p.s < 100 && p.beta < 1000);         /* drop-out still heterogeneous */
    assert_true(fabs(p.s / p.beta - 0.05) < 0.02);
    double ll = pnbd_loglik(&p, N, x, tx, T);
    assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
    /* The finite model along the ridge approaches it from below: at r =
     * 1e3 and 1e5 (same rate, s, beta) it is lower, by less each time. */
    double prev = -INFINITY;
    for (double r = 1e3; r <= 1e5; r *= 100) {
        pnbd_params q = {r, r / (p.r / p.alpha), p.s, p.beta};
        double l = pnbd_loglik(&q, N, x, tx, T);
        assert_true(l <= ll + 0.01);
        assert_true(l > prev);
        prev = l;
    }
    for (double f = 10; f <= 1e4; f *= 10) {
        pnbd_params q = {p.r * f, p.alpha * f, p.s, p.beta};
        assert_true(pnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
    }
    for (int k = 0; k < 3; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            pnbd_params q = p;
            double e = 1 + sg * 1e-3;
            if (k == 0)
                q.r *= e; /* moves the rate r/alpha */
            else if (k == 1)
                q.s *= e;
            else
                q.beta *= e;
            assert_true(pnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
        }
    static double pa[N], ex[N];
    assert_int_equal(pnbd_predict(&p, 39, N, x, tx, T, pa, ex), AN_OK);
    for (int i = 0; i < N; i++) {
        assert_true(isfinite(pa[i]) && isfinite(ex[i]) && pa[i] >= 0 && pa[i] <= 1 && ex[i] >= 0);
        /* the batch equals the one-customer functions */
        assert_true(fabs(pa[i] - pnbd_p_alive(&p, x[i], tx[i], T[i])) < 1e-12);
    }
    /* A customer who just bought is alive; E[Y(39)] is at most 0.15 * 39. */
    assert_true(pnbd_p_alive(&p, 5, 40, 40) == 1.0);
    assert_true(pnbd_expected(&p, 39, 5, 40, 40) < 0.15 * 39 + 1e-9);
    assert_true(isfinite(pnbd_expected_new(&p, 78)) && pnbd_expected_new(&p, 78) > 0);
}

/* One purchase rate lambda and one drop-out rate mu for everyone (seed s
 * of this generator: test_pnbd_equal_rate_and_dropout and the double-limit
 * tests). */
static void generate_equal_rate_and_dropout(uint64_t seed, double lam, double mu)
{
    rng = seed;
    for (int i = 0; i < N; i++) {
        double age = 39 + 13 * unif(), t = 0, last = 0, death = -log(unif()) / mu;
        int k = 0;
        for (;;) {
            t += -log(unif()) / lam;
            if (t > age || t > death)
                break;
            k++;
            last = t;
        }
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = age;
    }
}

/* Pareto/NBD with one purchase rate (0.5 a week) and one drop-out rate
 * (0.1 a week) for everyone: both pairs run to infinity (seed 3; at 0.15
 * and 0.05 a sample of 4,000 mostly shows some drop-out heterogeneity). The limit model
 * (r, alpha) then has its own drop-out ridge (s, beta -> inf with s/beta
 * = 0.05), which used to end at the box's 1e7 without a flag. Both pairs
 * are flagged, the point sits within 0.01 of the supremum along either
 * ridge, and predictions are finite. */
static void test_pnbd_equal_rate_and_dropout(void **state)
{
    (void)state;
    generate_equal_rate_and_dropout(3, 0.5, 0.1);
    pnbd_params p;
    an_fit_info fi;
    assert_int_equal(pnbd_fit(N, x, tx, T, &p, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3);
    assert_true(isfinite(p.r) && isfinite(p.alpha) && isfinite(p.s) && isfinite(p.beta));
    assert_true(fabs(p.r / p.alpha - 0.5) < 0.02);
    assert_true(fabs(p.s / p.beta - 0.1) < 0.01);
    assert_true(p.s > 1e6 && p.beta > 1e6);
    double ll = pnbd_loglik(&p, N, x, tx, T);
    assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
    for (double f = 10; f <= 1e6; f *= 10) {
        pnbd_params q = {p.r, p.alpha, p.s * f, p.beta * f};
        double l = pnbd_loglik(&q, N, x, tx, T);
        if (!(l <= ll + 0.01))
            fail_msg("s, beta x %g: LL %.6f above the fit's %.6f", f, l, ll);
        q = (pnbd_params){p.r * f, p.alpha * f, p.s, p.beta};
        assert_true(pnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
    }
    static double pa[N], ex[N];
    assert_int_equal(pnbd_predict(&p, 39, N, x, tx, T, pa, ex), AN_OK);
    for (int i = 0; i < N; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]) && pa[i] >= 0 && pa[i] <= 1 && ex[i] >= 0);
    assert_true(isfinite(pnbd_expected_new(&p, 78)) && pnbd_expected_new(&p, 78) > 0);
}

/* The double limit (r, alpha and s, beta -> inf): Poisson purchases at
 * lambda, exponential drop-out at mu, in closed form
 *   L = lambda^x [e^(-(l+m)T) + m/(l+m) (e^(-(l+m)t_x) - e^(-(l+m)T))],
 * maximised over (ln lambda, ln mu) by Newton on a numerical Hessian. */
static double dbl_limit_ll(const double th[2])
{
    double lam = exp(th[0]), mu = exp(th[1]), k = lam + mu, ll = 0;
    for (int i = 0; i < N; i++) {
        double a = -k * T[i];
        double b = T[i] > tx[i] ? log(mu / k) + log(-expm1(-k * (T[i] - tx[i]))) - k * tx[i] : -INFINITY;
        double mx = a > b ? a : b;
        ll += x[i] * th[0] + mx + log(exp(a - mx) + exp(b - mx));
    }
    return ll;
}

static double dbl_limit_sup(double lam0, double mu0)
{
    double th[2] = {log(lam0), log(mu0)}, h = 1e-4;
    for (int it = 0; it < 50; it++) {
        double f0 = dbl_limit_ll(th), g[2], H[2][2];
        for (int j = 0; j < 2; j++) {
            double tp[2] = {th[0], th[1]}, tm[2] = {th[0], th[1]};
            tp[j] += h;
            tm[j] -= h;
            double fp = dbl_limit_ll(tp), fm = dbl_limit_ll(tm);
            g[j] = (fp - fm) / (2 * h);
            H[j][j] = (fp - 2 * f0 + fm) / (h * h);
        }
        double tpp[2] = {th[0] + h, th[1] + h}, tmm[2] = {th[0] - h, th[1] - h};
        H[0][1] = H[1][0] = (dbl_limit_ll(tpp) - 2 * f0 + dbl_limit_ll(tmm) - H[0][0] * h * h - H[1][1] * h * h) /
                            (2 * h * h);
        double det = H[0][0] * H[1][1] - H[0][1] * H[1][0];
        double d0 = -(H[1][1] * g[0] - H[0][1] * g[1]) / det, d1 = -(H[0][0] * g[1] - H[1][0] * g[0]) / det;
        th[0] += d0;
        th[1] += d1;
        if (fabs(d0) + fabs(d1) < 1e-9)
            break;
    }
    return dbl_limit_ll(th);
}

/* Both rates common to all customers, on the samples where the finite
 * model's 2F1 near z = 1 lost its digits: at r ~ 1e3-1e6, alpha ~ 1e4-1e7
 * the log-likelihood came out positive (+1e5) and the fit ran for minutes
 * or ended in AN_ENOFIT (lambda = 0.15, mu = 0.05 seeds 1-3; 0.5, 0.1 seed
 * 2). Now each fits in well under a second (alarm: a hang fails the test),
 * flags r and alpha, and sits within 0.01 of the supremum: at least the
 * double limit's closed form, never above what the data allow, and not
 * improved by moving out along either ridge or by the finite model on the
 * way there. */
static void test_pnbd_both_rates_common_seeds(void **state)
{
    (void)state;
    static const struct {
        uint64_t seed;
        double lam, mu;
    } cases[] = {{1, 0.15, 0.05}, {2, 0.15, 0.05}, {3, 0.15, 0.05}, {2, 0.5, 0.1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        generate_equal_rate_and_dropout(cases[c].seed, cases[c].lam, cases[c].mu);
        double cap = 0; /* sum x ln(x/t_x) - x: no parameters give more */
        for (int i = 0; i < N; i++)
            if (x[i] > 0)
                cap += x[i] * (log(x[i] / tx[i]) - 1);
        double sup2 = dbl_limit_sup(cases[c].lam, cases[c].mu);
        pnbd_params p;
        an_fit_info fi;
        alarm(120); /* before: minutes */
        an_rc rc = pnbd_fit(N, x, tx, T, &p, &fi);
        alarm(0);
        if (rc != AN_OK)
            fail_msg("seed %d (%g, %g): rc %d", (int)cases[c].seed, cases[c].lam, cases[c].mu, (int)rc);
        /* r, alpha at the boundary, or a finite r beside it that beats the
         * limit (seed 2 at 0.15: r ~ 400 with s, beta at theirs) */
        assert_true((fi.at_boundary & 3u) == 3u || (p.r > 100 && p.r < 1e4));
        double ll = pnbd_loglik(&p, N, x, tx, T);
        assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
        if (!(ll >= sup2 - 0.01 && ll <= cap))
            fail_msg("seed %d (%g, %g): LL %.4f, double limit %.4f, cap %.1f", (int)cases[c].seed, cases[c].lam,
                     cases[c].mu, ll, sup2, cap);
        assert_true(fabs(p.r / p.alpha - cases[c].lam) < 0.1 * cases[c].lam);
        /* The finite model where it used to come out positive, and along
         * the r, alpha ridge either way. */
        for (double r = 1e2; r <= 1e8; r *= 10) {
            pnbd_params q = {r, r / (p.r / p.alpha), p.s, p.beta};
            double l = pnbd_loglik(&q, N, x, tx, T);
            if (!(l <= ll + 0.01))
                fail_msg("seed %d: finite LL %.4f at r = %g above the fit's %.4f", (int)cases[c].seed, l, r, ll);
        }
        for (double f = 10; f <= 1e4; f *= 10) {
            pnbd_params q = {p.r, p.alpha, p.s * f, p.beta * f};
            assert_true(pnbd_loglik(&q, N, x, tx, T) <= ll + 0.01);
        }
        for (int k = 0; k < 4; k++)
            for (int sg = -1; sg <= 1; sg += 2) {
                pnbd_params q = p;
                double e = 1 + sg * 1e-2, *v = k == 0 ? &q.r : k == 1 ? &q.alpha : k == 2 ? &q.s : &q.beta;
                *v *= e;
                double l = pnbd_loglik(&q, N, x, tx, T);
                if (!(l <= ll + 0.01))
                    fail_msg("seed %d: parameter %d x %g: LL %.4f above the fit's %.4f", (int)cases[c].seed, k, e, l, ll);
            }
        static double pa[N], ex[N];
        assert_int_equal(pnbd_predict(&p, 39, N, x, tx, T, pa, ex), AN_OK);
        for (int i = 0; i < N; i++)
            assert_true(isfinite(pa[i]) && isfinite(ex[i]) && pa[i] >= 0 && pa[i] <= 1 && ex[i] >= 0);
    }
}

/* The dead term by quadrature (pnbd_quad.h) against the 2F1 form where
 * both are exact (z well below 1), and the finite model's log-likelihood
 * near z = 1 against the limit model's, which it approaches as r grows. */
static void test_pnbd_quad_dead_term(void **state)
{
    (void)state;
    /* alpha = 30, beta = 9: z = 21/(30+t_x) < 0.9, the 2F1 path; alpha
     * = 30 * (1 + 1e-12) differs from it by nothing but the path... */
    pnbd_params p = {2.5, 30, 0.7, 9};
    double l2f1 = pnbd_loglik_one(&p, 3, 12.5, 45);
    /* ...the same point with the roles of the paths swapped: pnbd_quad
     * directly, plus lnG(r+x) - lnG(r) and the alive term. */
    double r = p.r, al = p.alpha, s = p.s, be = p.beta, xx = 3, t_x = 12.5, TT = 45;
    double la = -xx * log(al) - (r + xx) * log1p(TT / al) - s * log1p(TT / be);
    double I = 0, h = (TT - t_x) / 2e6;
    for (int k = 0; k <= 2000000; k++) {
        double tau = t_x + k * h, f = pow(al / (al + tau), r) * pow(al + tau, -xx) * pow(be / (be + tau), s + 1);
        I += (k == 0 || k == 2000000 ? 0.5 : 1) * f * h;
    }
    double ld = log(s / be) + log(I);
    double want = lgamma(r + xx) - lgamma(r) + log(exp(la) + exp(ld));
    assert_true(fabs(l2f1 - want) < 1e-9);
    /* z near 1 (alpha >> beta): the quadrature path, against the same
     * trapezoid. */
    pnbd_params q = {2.5e3, 2.5e3 / 0.15, 0.7, 9};
    r = q.r, al = q.alpha;
    la = -xx * log(al) - (r + xx) * log1p(TT / al) - s * log1p(TT / be);
    I = 0;
    for (int k = 0; k <= 2000000; k++) {
        double tau = t_x + k * h, f = exp(-r * log1p(tau / al) - xx * log(al + tau)) * pow(be / (be + tau), s + 1);
        I += (k == 0 || k == 2000000 ? 0.5 : 1) * f * h;
    }
    ld = log(s / be) + log(I);
    want = lgamma(r + xx) - lgamma(r) + log(exp(la) + exp(ld));
    double got = pnbd_loglik_one(&q, xx, t_x, TT);
    if (!(fabs(got - want) < 1e-9))
        fail_msg("quadrature path: %.12f, trapezoid %.12f", got, want);
}

/* The limit model's likelihood against a direct quadrature of its
 * integral (trapezoid on 2e6 steps), and its continuity with the finite
 * model at large r. */
static void test_pnbd_limit_loglik(void **state)
{
    (void)state;
    const double lam = 0.15, s = 0.7, be = 9.0, xx = 3, t_x = 12.5, TT = 45;
    double I = 0, h = (TT - t_x) / 2e6;
    for (int k = 0; k <= 2000000; k++) {
        double tau = t_x + k * h, f = exp(-lam * tau) * pow(be / (be + tau), s + 1);
        I += (k == 0 || k == 2000000 ? 0.5 : 1) * f * h;
    }
    double want = xx * log(lam) + log(exp(-lam * TT) * pow(be / (be + TT), s) + s / be * I);
    pnbd_params p = {1e12, 1e12 / lam, s, be};
    assert_true(fabs(pnbd_loglik_one(&p, xx, t_x, TT) - want) < 1e-9);
    pnbd_params q = {1e6, 1e6 / lam, s, be}; /* the finite model, close to the limit */
    assert_true(fabs(pnbd_loglik_one(&q, xx, t_x, TT) - want) < 1e-4);
}

/* With heterogeneous drop-out (CDNOW-like) nothing is at a boundary. */
static void test_no_boundary_when_heterogeneous(void **state)
{
    (void)state;
    rng = 99;
    for (int i = 0; i < N; i++) {
        double age = 20 + 20 * unif(), lam = rgamma(0.5, 1 / 5.0), pd = rgamma(0.8, 1) / 1, t = 0, last = 0;
        pd = pd / (pd + rgamma(2.4, 1));
        int k = 0;
        for (;;) {
            t += -log(unif()) / lam;
            if (t > age)
                break;
            k++;
            last = t;
            if (unif() < pd)
                break;
        }
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = age;
    }
    bgnbd_params p;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(N, x, tx, T, &p, &fi), AN_OK);
    assert_int_equal(fi.at_boundary, 0);
    assert_true(p.a < 100 && p.b < 100);
}

/* No repeat purchase at all: the purchase rate cannot be estimated. */
static void test_no_repeat_fails(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        x[i] = 0;
        tx[i] = 0;
        T[i] = 10 + i % 30;
        m[i] = 0;
    }
    bgnbd_params p;
    pnbd_params q;
    gg_params g;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(100, x, tx, T, &p, &fi), AN_ENOFIT);
    assert_non_null(fi.message);
    assert_non_null(strstr(fi.message, "repeat purchase"));
    assert_int_equal(pnbd_fit(100, x, tx, T, &q, &fi), AN_ENOFIT);
    assert_non_null(strstr(fi.message, "repeat purchase"));
    assert_int_equal(gg_fit(100, x, m, &g, &fi), AN_ENOFIT);
    assert_non_null(strstr(fi.message, "repeat purchase"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd_equal_dropout), cmocka_unit_test(test_pnbd_equal_dropout_rate),
        cmocka_unit_test(test_gg_equal_spend),
        cmocka_unit_test(test_bgnbd_equal_purchase_rate),
        cmocka_unit_test(test_pnbd_equal_purchase_rate),
        cmocka_unit_test(test_pnbd_equal_rate_and_dropout),
        cmocka_unit_test(test_pnbd_limit_loglik),
        cmocka_unit_test(test_pnbd_both_rates_common_seeds),
        cmocka_unit_test(test_pnbd_quad_dead_term),
        cmocka_unit_test(test_no_boundary_when_heterogeneous),
        cmocka_unit_test(test_no_repeat_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
