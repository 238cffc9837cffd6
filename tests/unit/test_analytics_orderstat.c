/*
 * test_analytics_orderstat.c — os_ranks and os_quantile give the exact
 * order statistics of a sort on every shape the bucketed path meets:
 * spread values, heavy ties, one value holding most of the array (the
 * fallback), a far outlier squeezing everything into one bucket, negative
 * values, small arrays, repeated and unordered ranks; the input is never
 * changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/orderstat.h"

static uint64_t rng = 88172645463325252ULL;

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Every rank set below against the sorted copy; a unchanged. */
static void check(const double *a, size_t n)
{
    double *sorted = malloc(n * sizeof *sorted), *copy = malloc(n * sizeof *copy);
    assert_non_null(sorted);
    assert_non_null(copy);
    memcpy(sorted, a, n * sizeof *a);
    memcpy(copy, a, n * sizeof *a);
    qsort(sorted, n, sizeof *sorted, cmp);
    size_t rank[OS_MAX_RANKS] = {0, n - 1, n / 2, n / 5, n / 5 + 1, 4 * n / 5, n / 5, n / 3,
                                 n - 2, 1, 2 * n / 5, 3 * n / 5, n / 7, n / 5, 0, n / 2 + 1};
    for (size_t i = 0; i < OS_MAX_RANKS; i++)
        if (rank[i] >= n)
            rank[i] = n - 1;
    double out[OS_MAX_RANKS];
    for (size_t nk = 1; nk <= OS_MAX_RANKS; nk += 5) {
        assert_int_equal(os_ranks(a, n, nk, rank, out), 0);
        for (size_t i = 0; i < nk; i++)
            assert_true(out[i] == sorted[rank[i]]);
    }
    double q[] = {0, 0.2, 0.5, 0.8, 0.999, 1};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        double pos = q[i] * (double)(n - 1);
        size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
        double want = sorted[lo] + (pos - (double)lo) * (sorted[hi] - sorted[lo]);
        assert_true(os_quantile(a, n, q[i]) == want);
    }
    assert_memory_equal(copy, a, n * sizeof *a);
    free(sorted);
    free(copy);
}

static void test_spread_and_ties(void **state)
{
    (void)state;
    size_t n = 200000;
    double *a = malloc(n * sizeof *a);
    assert_non_null(a);
    for (size_t i = 0; i < n; i++) /* mean spends: money over purchase days */
        a[i] = (double)(int64_t)(uniform() * 5e6) / (1 + (int)(uniform() * 9));
    check(a, n);
    for (size_t i = 0; i < n; i++) /* few distinct values: ties everywhere */
        a[i] = (double)(int)(uniform() * 7) - 3;
    check(a, n);
    for (size_t i = 0; i < n; i++) /* net profits around zero */
        a[i] = floor((uniform() - 0.3) * 1e9);
    check(a, n);
    free(a);
}

static void test_skewed(void **state)
{
    (void)state;
    size_t n = 100000;
    double *a = malloc(n * sizeof *a);
    assert_non_null(a);
    for (size_t i = 0; i < n; i++) /* 90% one value: the copy fallback */
        a[i] = uniform() < 0.9 ? 42 : uniform() * 1000;
    check(a, n);
    for (size_t i = 0; i < n; i++) /* one far outlier: everything else in bucket 0 */
        a[i] = uniform() * 100;
    a[n / 3] = 9e18;
    a[n / 2] = -9e18;
    check(a, n);
    for (size_t i = 0; i < n; i++) /* a range beyond double's: fallback */
        a[i] = (uniform() - 0.5) * 1e300;
    a[7] = 1.7e308;
    a[9] = -1.7e308;
    check(a, n);
    for (size_t i = 0; i < n; i++) /* all equal */
        a[i] = -5;
    check(a, n);
    free(a);
}

static void test_small(void **state)
{
    (void)state;
    double a[] = {3, -1, 4, 1, -5, 9, 2, 6, 5, 3, 5};
    for (size_t n = 1; n <= sizeof a / sizeof a[0]; n++)
        check(a, n);
    size_t rank[2] = {0, 0};
    double out[2];
    assert_int_equal(os_ranks(a, 1, 2, rank, out), 0);
    assert_true(out[0] == 3 && out[1] == 3);
    assert_true(isnan(os_quantile(a, 0, 0.5)));
    assert_int_equal(os_ranks(a, 3, OS_MAX_RANKS + 1, rank, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_and_ties),
        cmocka_unit_test(test_skewed),
        cmocka_unit_test(test_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
