/*
 * test_analytics_btyd.c — BG/NBD and Pareto/NBD against the published
 * CDNOW results (issue 5; data from $RAPPORT_DATA, default ../shared/data)
 * and against mpmath references on edge customers.
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

#include "analytics/btyd.h"
#include "analytics/summary.h"

#define MAXN 3000

static size_t n_cal;
static double cal_x[MAXN], cal_tx[MAXN], cal_T[MAXN];
static summary_rfm_t elog; /* summary built from cdnowElog.csv */

static const char *data_dir(void)
{
    const char *d = getenv("RAPPORT_DATA");
    return d && *d ? d : "../shared/data";
}

static int load(void **state)
{
    (void)state;
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/cdnow/cdnow_rfm_calibration.csv", data_dir());
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s (set RAPPORT_DATA)\n", path);
        return -1;
    }
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    double id, m, h;
    while (n_cal < MAXN && fgets(line, sizeof line, f))
        if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf", &id, &cal_x[n_cal], &cal_tx[n_cal], &cal_T[n_cal], &m, &h) == 6)
            n_cal++;
    fclose(f);

    snprintf(path, sizeof path, "%s/cdnow/cdnowElog.csv", data_dir());
    f = fopen(path, "r");
    if (!f || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "cannot open %s\n", path);
        if (f)
            fclose(f);
        return -1;
    }
    static int64_t cust[8000], amt[8000];
    static int32_t day[8000];
    size_t n = 0;
    long mid, sid, cds;
    char date[16];
    double sales;
    while (n < 8000 && fgets(line, sizeof line, f)) {
        if (sscanf(line, "%ld,%ld,%15[0-9],%ld,%lf", &mid, &sid, date, &cds, &sales) != 5)
            continue;
        if (summary_parse_date(date, &day[n]) != 0)
            continue;
        cust[n] = sid;
        amt[n] = (int64_t)llround(sales * 100);
        n++;
    }
    fclose(f);
    int32_t end;
    summary_parse_date("1997-09-30", &end);
    return summary_rfm(n, cust, day, amt, 100, end, &elog) == AN_OK && n == 6919 ? 0 : -1;
}

static int unload(void **state)
{
    (void)state;
    summary_rfm_free(&elog);
    return 0;
}

static void assert_rel(double got, double want, double rel, const char *what)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("%s = %.9g, expected %.9g within %.3g%%", what, got, want, rel * 100);
}

static void assert_abs(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s = %.9g, expected %.9g +- %.3g", what, got, want, tol);
}

static void test_bgnbd_cdnow(void **state)
{
    (void)state;
    bgnbd_params p;
    an_fit_info fi;
    assert_int_equal(n_cal, 2357);
    assert_int_equal(bgnbd_fit(n_cal, cal_x, cal_tx, cal_T, &p, &fi), AN_OK);
    assert_rel(p.r, 0.2425982, 1e-3, "r");
    assert_rel(p.alpha, 4.4136842, 1e-3, "alpha");
    assert_rel(p.a, 0.7929899, 1e-3, "a");
    assert_rel(p.b, 2.4261667, 1e-3, "b");
    assert_abs(fi.log_likelihood, -9582.43, 0.01, "BG/NBD log-likelihood");
    /* Customer 1: x = 2, t_x = 30.43, T = 38.86. */
    assert_abs(bgnbd_expected(&p, 39, cal_x[0], cal_tx[0], cal_T[0]), 1.226, 5e-4, "E[Y(39)] customer 1");
    assert_abs(bgnbd_p_alive(&p, cal_x[0], cal_tx[0], cal_T[0]), 0.7266, 5e-5, "P(alive) customer 1");
    /* Published fact: a customer without repeat purchases is alive w.p. 1. */
    assert_true(bgnbd_p_alive(&p, 0, 0, 38.86) == 1.0);
    /* Same answers on the summary we build ourselves from the event log. */
    an_fit_info fi2;
    bgnbd_params p2;
    assert_int_equal(elog.n, 2357);
    assert_int_equal(bgnbd_fit(elog.n, elog.x, elog.t_x, elog.T, &p2, &fi2), AN_OK);
    assert_abs(fi2.log_likelihood, -9582.43, 0.01, "BG/NBD LL on our summary");
}

static void test_pnbd_cdnow(void **state)
{
    (void)state;
    pnbd_params p;
    an_fit_info fi;
    assert_int_equal(pnbd_fit(n_cal, cal_x, cal_tx, cal_T, &p, &fi), AN_OK);
    assert_rel(p.r, 0.5534, 5e-3, "r");
    assert_rel(p.alpha, 10.580, 5e-3, "alpha");
    assert_rel(p.s, 0.6061, 5e-3, "s");
    assert_rel(p.beta, 11.656, 5e-3, "beta");
    assert_abs(fi.log_likelihood, -9594.98, 0.05, "Pareto/NBD log-likelihood");
    /* The likelihood at the published parameters, against an mpmath
     * quadrature of the Pareto/NBD integral (-9594.976237). */
    pnbd_params pub = {0.5534, 10.580, 0.6061, 11.656};
    assert_abs(pnbd_loglik(&pub, n_cal, cal_x, cal_tx, cal_T), -9594.976237, 1e-4, "LL at published");
}

/* Cohort expected cumulative repeat purchases at week 78 from each
 * customer's own first purchase day (1997-01-01 + 546 days). */
static void test_cohort_week78(void **state)
{
    (void)state;
    int32_t d0;
    summary_parse_date("1997-01-01", &d0);
    bgnbd_params bg;
    pnbd_params pn;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(elog.n, elog.x, elog.t_x, elog.T, &bg, &fi), AN_OK);
    assert_int_equal(pnbd_fit(elog.n, elog.x, elog.t_x, elog.T, &pn, &fi), AN_OK);
    double sb = 0, sp = 0;
    for (size_t i = 0; i < elog.n; i++) {
        double t = (double)(d0 + 546 - elog.first_day[i]) / 7.0;
        sb += bgnbd_expected_new(&bg, t);
        sp += pnbd_expected_new(&pn, t);
    }
    assert_abs(sb, 4165.6, 0.5, "BG/NBD cohort at week 78");
    /* The Pareto/NBD likelihood is flat along a ridge: our optimum
     * (LL 2e-5 higher than the published parameters) moves the forecast by
     * 0.02%; the published parameters give 4274.3. */
    assert_abs(sp, 4274.4, 2.0, "Pareto/NBD cohort at week 78");
    pnbd_params pub = {0.5534, 10.580, 0.6061, 11.656};
    double spub = 0;
    for (size_t i = 0; i < elog.n; i++)
        spub += pnbd_expected_new(&pub, (double)(d0 + 546 - elog.first_day[i]) / 7.0);
    assert_abs(spub, 4274.4, 0.2, "Pareto/NBD cohort at the published parameters");
}

/* Edge customers: x = 0, purchase today, T = 0, huge x, and the CLVTools
 * failure case (x 7, t_x 2.69, T 38.80) at beta = 2450. References from
 * mpmath quadrature of the likelihood integral. */
static void test_edge_customers(void **state)
{
    (void)state;
    pnbd_params pn = {0.5534, 10.580, 0.6061, 2450};
    assert_abs(pnbd_loglik_one(&pn, 7, 2.69, 38.80), -18.569438671133072, 1e-9, "CLVTools case");
    assert_abs(pnbd_loglik_one(&pn, 0, 0, 38.8), -0.84858436768336215, 1e-9, "x=0");
    assert_abs(pnbd_loglik_one(&pn, 100000, 30, 38.8), 680949.19494572778, 1e-5, "x=1e5");
    assert_abs(pnbd_loglik_one(&pn, 1, 38.8, 38.8), -5.3533001317028495, 1e-9, "purchase today");
    assert_abs(pnbd_loglik_one(&pn, 0, 0, 0), 0.0, 1e-12, "T=0");

    bgnbd_params bg = {0.2425982, 4.4136842, 0.7929899, 2.4261667};
    pnbd_params pc = {0.5534, 10.580, 0.6061, 11.656};
    const double cases[][3] = {{0, 0, 38.86}, {0, 0, 0},       {1, 0, 0},         {3, 10, 10},
                               {7, 2.69, 38.80}, {100000, 30, 38.8}, {100000, 38.8, 38.8}, {1e6, 1, 1},
                               {300, 20, 39}, {1, 1e-9, 1e-9}};
    const double betas[] = {11.656, 2450, 1e6};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double x = cases[k][0], tx = cases[k][1], T = cases[k][2];
        double v[] = {bgnbd_loglik_one(&bg, x, tx, T), bgnbd_p_alive(&bg, x, tx, T), bgnbd_expected(&bg, 39, x, tx, T),
                      pnbd_p_alive(&pc, x, tx, T), pnbd_expected(&pc, 39, x, tx, T)};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
            if (!isfinite(v[j]))
                fail_msg("case %zu (x %g, t_x %g, T %g): value %zu is %g", k, x, tx, T, j, v[j]);
        for (size_t b = 0; b < sizeof betas / sizeof betas[0]; b++) {
            pnbd_params q = pc;
            q.beta = betas[b];
            double l = pnbd_loglik_one(&q, x, tx, T), pa = pnbd_p_alive(&q, x, tx, T);
            if (!isfinite(l) || !(pa >= 0 && pa <= 1))
                fail_msg("Pareto/NBD case %zu beta %g: LL %g P(alive) %g", k, q.beta, l, pa);
        }
    }
}

/* A fit must survive a base containing the edge customers. */
static void test_fit_with_edge_rows(void **state)
{
    (void)state;
    static double x[MAXN + 4], tx[MAXN + 4], T[MAXN + 4];
    memcpy(x, cal_x, n_cal * sizeof *x);
    memcpy(tx, cal_tx, n_cal * sizeof *tx);
    memcpy(T, cal_T, n_cal * sizeof *T);
    size_t n = n_cal;
    x[n] = 100000, tx[n] = 38, T[n] = 38.8, n++;
    x[n] = 0, tx[n] = 0, T[n] = 0, n++;
    x[n] = 7, tx[n] = 2.69, T[n] = 38.8, n++;
    x[n] = 2, tx[n] = 5, T[n] = 5, n++;
    bgnbd_params bg;
    pnbd_params pn;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(n, x, tx, T, &bg, &fi), AN_OK);
    assert_true(isfinite(fi.log_likelihood));
    assert_int_equal(pnbd_fit(n, x, tx, T, &pn, &fi), AN_OK);
    assert_true(isfinite(fi.log_likelihood));
    static double pa[MAXN + 4], ex[MAXN + 4];
    assert_int_equal(bgnbd_predict(&bg, 39, n, x, tx, T, pa, ex), AN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]));
    assert_int_equal(pnbd_predict(&pn, 39, n, x, tx, T, pa, ex), AN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]));
}

/* Batch predictions equal the one-customer functions. */
static void test_batch_matches_single(void **state)
{
    (void)state;
    bgnbd_params bg = {0.2425982, 4.4136842, 0.7929899, 2.4261667};
    pnbd_params pn = {0.5534, 10.580, 0.6061, 11.656};
    static double pa[MAXN], ex[MAXN];
    assert_int_equal(bgnbd_predict(&bg, 39, n_cal, cal_x, cal_tx, cal_T, pa, ex), AN_OK);
    for (size_t i = 0; i < n_cal; i++) {
        assert_true(fabs(pa[i] - bgnbd_p_alive(&bg, cal_x[i], cal_tx[i], cal_T[i])) < 1e-14);
        assert_true(fabs(ex[i] - bgnbd_expected(&bg, 39, cal_x[i], cal_tx[i], cal_T[i])) < 1e-12);
    }
    assert_int_equal(pnbd_predict(&pn, 39, n_cal, cal_x, cal_tx, cal_T, pa, ex), AN_OK);
    for (size_t i = 0; i < n_cal; i++) {
        assert_true(fabs(pa[i] - pnbd_p_alive(&pn, cal_x[i], cal_tx[i], cal_T[i])) < 1e-12);
        assert_true(fabs(ex[i] - pnbd_expected(&pn, 39, cal_x[i], cal_tx[i], cal_T[i])) < 1e-10);
    }
}

static uint64_t rng_state;
static double unif01(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Pareto/NBD on customers with continuous purchase times (nothing groups),
 * heterogeneous drop-out: the fit with the analytic gradient (series
 * differentiated term by term, issue 16) must stop at a maximum — moving
 * any parameter by 0.1% lowers the log-likelihood — and predict finite
 * values for everyone. A wrong gradient stops L-BFGS elsewhere. */
static void test_pnbd_continuous_optimum(void **state)
{
    (void)state;
    enum { NC = 6000 };
    static double x[NC], tx[NC], T[NC], pa[NC], ex[NC];
    rng_state = 0x853c49e6748fea9bULL;
#define U01() unif01()
    for (int i = 0; i < NC; i++) {
        /* purchase rate ~ Gamma(0.55, 1/10.6), drop-out rate ~ Gamma(0.6, 1/11.7):
         * sums of exponentials for integer-free shapes are not needed, a
         * gamma(k<1) is u^(1/k) times an exponential: Gamma(k+1) u^(1/k). */
        double e1 = -log(U01()) - log(U01()), lam = e1 * pow(U01(), 1 / 0.55) / 10.6;
        double e2 = -log(U01()) - log(U01()), mu = e2 * pow(U01(), 1 / 0.6) / 11.7;
        double age = 26 + 13 * U01(), death = -log(U01()) / mu, t = 0, last = 0;
        int k = 0;
        for (;;) {
            t += -log(U01()) / lam;
            if (t > age || t > death)
                break;
            k++;
            last = t;
        }
        x[i] = k;
        tx[i] = k ? last : 0;
        T[i] = age;
    }
#undef U01
    pnbd_params p;
    an_fit_info fi;
    assert_int_equal(pnbd_fit(NC, x, tx, T, &p, &fi), AN_OK);
    assert_true(fi.nlopt_status > 0 || fi.nlopt_status == -4);
    assert_int_equal(fi.at_boundary, 0);
    assert_true(fi.groups > NC / 2); /* it really does not group */
    double ll = pnbd_loglik(&p, NC, x, tx, T);
    assert_true(fabs(ll - fi.log_likelihood) < 1e-6 * fabs(ll));
    for (int k = 0; k < 4; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            pnbd_params q = p;
            double *v = k == 0 ? &q.r : k == 1 ? &q.alpha : k == 2 ? &q.s : &q.beta;
            *v *= 1 + sg * 1e-3;
            assert_true(pnbd_loglik(&q, NC, x, tx, T) < ll);
        }
    assert_int_equal(pnbd_predict(&p, 39, NC, x, tx, T, pa, ex), AN_OK);
    for (int i = 0; i < NC; i++)
        assert_true(isfinite(pa[i]) && isfinite(ex[i]));
}

static void test_invalid_rows(void **state)
{
    (void)state;
    double x[] = {1, 2, 0}, tx[] = {1, 5, 1}, T[] = {2, 3, 4};
    bgnbd_params p;
    an_fit_info fi;
    assert_int_equal(bgnbd_fit(3, x, tx, T, &p, &fi), AN_EINVAL);
    assert_int_equal(fi.bad_row, 1); /* t_x > T */
    tx[1] = 2;
    assert_int_equal(bgnbd_fit(3, x, tx, T, &p, &fi), AN_EINVAL);
    assert_int_equal(fi.bad_row, 2); /* x = 0 with t_x > 0 */
}

/* The server's batch P(alive) over whole days (a table of ln(alpha + k/7))
 * equals bgnbd_p_alive bit for bit; with alpha beyond the table's range
 * there is no table, and P(alive) keeps its digits when the ratio
 * (alpha+T)/(alpha+t_x) is within 1e-9 of 1 (checked against long double). */
static void test_p_alive_days(void **state)
{
    (void)state;
    bgnbd_params bg = {0.2425982, 4.4136842, 0.7929899, 2.4261667};
    enum { NDAYS = 800 };
    static double lt[NDAYS];
    double lab[BGNBD_LAB];
    bgnbd_lab(&bg, lab);
    assert_int_equal(bgnbd_lt(&bg, NDAYS, lt), 0);
    for (int32_t T = 0; T < NDAYS; T += 3)
        for (int32_t t = 0; t <= T; t += 5)
            for (double x = 0; x < 80; x += 7) {
                double one = bgnbd_p_alive(&bg, x, t / 7.0, T / 7.0);
                double days = bgnbd_p_alive_days(&bg, lab, lt, x, t, T);
                if (memcmp(&one, &days, sizeof one))
                    fail_msg("x %g t_x %d T %d days: %.17g, one %.17g", x, t, T, days, one);
            }
    bgnbd_params big = {0.5e7, 1e7, 0.79, 2.43};
    assert_int_equal(bgnbd_lt(&big, NDAYS, lt), -1);
    const double tx[] = {0.01, 100, 38.7}, dT[] = {0.01, 1e-3, 0.1};
    for (size_t k = 0; k < 3; k++) {
        long double al = big.alpha, r = big.r, x = 3, T = (long double)tx[k] + dT[k];
        long double l = logl((long double)big.a) - logl((long double)big.b + 2) +
                        (r + x) * log1pl((T - (long double)tx[k]) / (al + (long double)tx[k]));
        double want = (double)(1 / (1 + expl(l)));
        double got = bgnbd_p_alive(&big, 3, tx[k], (double)T);
        assert_true(fabs(got - want) <= 1e-12 * want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd_cdnow),        cmocka_unit_test(test_pnbd_cdnow),
        cmocka_unit_test(test_cohort_week78),      cmocka_unit_test(test_edge_customers),
        cmocka_unit_test(test_fit_with_edge_rows), cmocka_unit_test(test_batch_matches_single),
        cmocka_unit_test(test_p_alive_days),
        cmocka_unit_test(test_invalid_rows),       cmocka_unit_test(test_pnbd_continuous_optimum),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
