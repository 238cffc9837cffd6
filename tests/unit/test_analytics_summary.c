/*
 * test_analytics_summary.c — RFM summary rules (same-day purchases merge,
 * repeat-only monetary, day/7 weeks) and the per-party summary; the
 * summary built from cdnowElog.csv must equal cdnow_rfm_calibration.csv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analytics/summary.h"

static void test_rules(void **state)
{
    (void)state;
    int32_t d0;
    assert_int_equal(summary_parse_date("2024-01-01", &d0), 0);
    /* customer 9: two rows on day 0 (first), two rows on day 14, one on
     * day 21, one after the calibration end; customer 3: a single day. */
    int64_t cust[] = {9, 9, 9, 9, 3, 9, 9};
    int32_t day[] = {d0, d0, d0 + 14, d0 + 14, d0 + 5, d0 + 21, d0 + 40};
    int64_t amt[] = {1000, 500, 200, 300, 700, 1500, 9999};
    summary_rfm_t s;
    assert_int_equal(summary_rfm(7, cust, day, amt, 100, d0 + 28, &s), AN_OK);
    assert_int_equal(s.n, 2);
    assert_true(s.customer[0] == 3 && s.customer[1] == 9);
    assert_true(s.x[0] == 0 && s.t_x[0] == 0 && s.T[0] == 23.0 / 7 && s.monetary[0] == 0);
    assert_true(s.x[1] == 2);
    assert_true(s.t_x[1] == 21.0 / 7 && s.T[1] == 28.0 / 7);
    assert_true(fabs(s.monetary[1] - 10.0) < 1e-12); /* (5.00 + 15.00) / 2 */
    summary_rfm_free(&s);
}

static void test_dates(void **state)
{
    (void)state;
    int32_t a, b;
    assert_int_equal(summary_parse_date("1970-01-01", &a), 0);
    assert_int_equal(a, 0);
    assert_int_equal(summary_parse_date("19970930", &a), 0);
    assert_int_equal(summary_parse_date("1997-01-01", &b), 0);
    assert_int_equal(a - b, 272);
    assert_int_equal(summary_parse_date("2024-02-29", &a), 0);
    assert_int_equal(summary_parse_date("2023-02-29", &a), -1);
    assert_int_equal(summary_parse_date("2023-13-01", &a), -1);
    assert_int_equal(summary_parse_date("2023-1-01", &a), -1);
}

static void test_parties(void **state)
{
    (void)state;
    uint32_t party[] = {0, 0, 0, 2};
    int32_t day[] = {10, 10, 12, 5};
    int64_t amt[] = {100, 200, 300, 50}, cost[] = {50, 50, 400, 10};
    summary_party_t out[3];
    size_t bad;
    assert_int_equal(summary_parties(4, party, day, amt, cost, 3, out, &bad), AN_OK);
    assert_int_equal(out[0].transactions, 3);
    assert_int_equal(out[0].purchase_days, 2);
    assert_int_equal(out[0].first_day, 10);
    assert_int_equal(out[0].last_day, 12);
    assert_int_equal(out[0].revenue, 600);
    assert_int_equal(out[0].profit, 100);
    assert_int_equal(out[1].transactions, 0);
    assert_int_equal(out[2].profit, 40);
    uint32_t unsorted[] = {1, 0};
    assert_int_equal(summary_parties(2, unsorted, day, amt, NULL, 3, out, &bad), AN_EINVAL);
    assert_int_equal(bad, 1);
    /* Issue 14: totals beyond int64 are held at the bound and flagged, not
     * wrapped; a party whose total fits stays exact beside it. */
    uint32_t big_party[] = {0, 0, 0, 1, 1};
    int32_t big_day[] = {1, 2, 3, 1, 2};
    int64_t big[] = {INT64_MAX, INT64_MAX, -INT64_MAX, INT64_MAX, 5}, big_cost[] = {0, 0, 0, -1, 0};
    assert_int_equal(summary_parties(5, big_party, big_day, big, big_cost, 2, out, &bad), AN_OK);
    assert_true(out[0].revenue == INT64_MAX && !out[0].saturated); /* partial sums beyond, total exact */
    assert_true(out[1].revenue == INT64_MAX && out[1].saturated);
    assert_true(out[1].profit == INT64_MAX);
    assert_false(out[0].profit == INT64_MIN);
}

static void test_cdnow_matches_published_summary(void **state)
{
    (void)state;
    const char *d = getenv("RAPPORT_DATA");
    const char *dir = d && *d ? d : "../shared/data";
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/cdnow/cdnowElog.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    static int64_t cust[8000], amt[8000];
    static int32_t day[8000];
    size_t n = 0;
    long mid, sid, cds;
    char date[16];
    double sales;
    while (n < 8000 && fgets(line, sizeof line, f))
        if (sscanf(line, "%ld,%ld,%15[0-9],%ld,%lf", &mid, &sid, date, &cds, &sales) == 5 &&
            summary_parse_date(date, &day[n]) == 0) {
            cust[n] = sid;
            amt[n] = (int64_t)llround(sales * 100);
            n++;
        }
    fclose(f);
    int32_t end;
    summary_parse_date("1997-09-30", &end);
    summary_rfm_t s;
    assert_int_equal(summary_rfm(n, cust, day, amt, 100, end, &s), AN_OK);
    snprintf(path, sizeof path, "%s/cdnow/cdnow_rfm_calibration.csv", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    size_t k = 0;
    double id, x, tx, T, m, h;
    while (fgets(line, sizeof line, f) && sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf", &id, &x, &tx, &T, &m, &h) == 6) {
        assert_true(k < s.n);
        assert_true((double)s.customer[k] == id);
        assert_true(s.x[k] == x);
        assert_true(fabs(s.t_x[k] - tx) < 1e-12 && fabs(s.T[k] - T) < 1e-12);
        assert_true(fabs(s.monetary[k] - m) < 1e-9);
        k++;
    }
    fclose(f);
    assert_int_equal(k, s.n);
    summary_rfm_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_parties),
        cmocka_unit_test(test_cdnow_matches_published_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
