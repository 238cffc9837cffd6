/*
 * test_analytics_spend.c — Gamma-Gamma on the 946 CDNOW repeat buyers
 * against Fader, Hardie & Lee (2005) (data from $RAPPORT_DATA).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analytics/spend.h"

static void test_gg_cdnow(void **state)
{
    (void)state;
    const char *d = getenv("RAPPORT_DATA");
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/cdnow/cdnow_rfm_calibration.csv", d && *d ? d : "../shared/data");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    static double x[3000], m[3000];
    size_t n = 0;
    double id, tx, T, h;
    while (n < 3000 && fgets(line, sizeof line, f))
        if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf", &id, &x[n], &tx, &T, &m[n], &h) == 6)
            n++;
    fclose(f);
    gg_params g;
    an_fit_info fi;
    assert_int_equal(gg_fit(n, x, m, &g, &fi), AN_OK);
    assert_int_equal(fi.n, 946);
    assert_true(fabs(g.p - 6.2493) <= 1e-3 * 6.2493);
    assert_true(fabs(g.q - 3.7443) <= 1e-3 * 3.7443);
    assert_true(fabs(g.gamma - 15.4443) <= 1e-3 * 15.4443);
    assert_true(fabs(fi.log_likelihood + 4055.92) <= 0.01);
    /* Conditional expectation: a weighted mean of the population mean
     * p gamma/(q-1) and the customer's own mean. */
    double pop = g.p * g.gamma / (g.q - 1), e = gg_expected_spend(&g, 2, 22.345);
    assert_true(e > fmin(22.345, pop) && e < fmax(22.345, pop));
    assert_true(fabs(gg_expected_spend(&g, 0, 0) - pop) < 1e-12);
    assert_true(fabs(gg_expected_spend(&g, 100000, 50) - 50) < 0.05);
}

static void test_gg_invalid(void **state)
{
    (void)state;
    double x[] = {1, 2}, m[] = {10, -1};
    gg_params g;
    an_fit_info fi;
    assert_int_equal(gg_fit(2, x, m, &g, &fi), AN_EINVAL);
    assert_int_equal(fi.bad_row, 1);
    double x0[] = {0, 0}, m0[] = {0, 0};
    assert_int_equal(gg_fit(2, x0, m0, &g, &fi), AN_ENOFIT);
}

/* A million-customer-like sample (100,000 repeat buyers, more than
 * GG_BIN_MIN_N) fits through the binned pass (issue 16 speed): its
 * log-likelihood equals the per-customer sum at the returned point, and
 * no nearby point of the per-customer likelihood is higher. */
static uint64_t rs = 0x9e3779b97f4a7c15ULL;
static double unif(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return ((double)(rs >> 11) + 0.5) * (1.0 / 9007199254740992.0);
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

static void test_gg_binned_equals_direct(void **state)
{
    (void)state;
    enum { NB = 100000 };
    static double x[NB], m[NB];
    for (int i = 0; i < NB; i++) {
        x[i] = 1 + (int)(-log(unif()) * 3);
        double nu = rgamma(3.7, 1 / 15.3), sum = 0; /* spend rate ~ Gamma(q, gamma) */
        for (int k = 0; k < x[i]; k++)
            sum += rgamma(6.3, 1 / nu);
        m[i] = sum / x[i];
    }
    gg_params g;
    an_fit_info fi;
    assert_int_equal(gg_fit(NB, x, m, &g, &fi), AN_OK);
    double ll = gg_loglik(&g, NB, x, m);
    assert_true(fabs(fi.log_likelihood - ll) < 1e-6);
    assert_true(fabs(g.p - 6.3) < 0.3 && fabs(g.q - 3.7) < 0.3);
    for (int k = 0; k < 3; k++)
        for (int sg = -1; sg <= 1; sg += 2) {
            gg_params h = g;
            double e = 1 + sg * 1e-4;
            if (k == 0)
                h.p *= e;
            else if (k == 1)
                h.q *= e;
            else
                h.gamma *= e;
            assert_true(gg_loglik(&h, NB, x, m) <= ll + 1e-6);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gg_cdnow),
        cmocka_unit_test(test_gg_invalid),
        cmocka_unit_test(test_gg_binned_equals_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
