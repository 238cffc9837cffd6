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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gg_cdnow),
        cmocka_unit_test(test_gg_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
