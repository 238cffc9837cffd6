/*
 * test_analytics_segments.c — segmentation rules on constructed customers
 * whose correct label is known (pyramid, quadrant, lifecycle, loyalty,
 * strategy, key accounts, RFM), and their explanations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "analytics/segments.h"

static void test_rfm(void **state)
{
    (void)state;
    double v[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    uint8_t s[10];
    assert_int_equal(rfm_quintiles(10, v, 1, s), AN_OK);
    assert_int_equal(s[9], 5);
    assert_int_equal(s[8], 5);
    assert_int_equal(s[7], 4);
    assert_int_equal(s[0], 1);
    assert_int_equal(rfm_quintiles(10, v, 0, s), AN_OK); /* recency: small is good */
    assert_int_equal(s[0], 5);
    assert_int_equal(s[9], 1);
    double ties[5] = {7, 7, 7, 7, 7};
    assert_int_equal(rfm_quintiles(5, ties, 1, s), AN_OK);
    for (int k = 0; k < 5; k++)
        assert_int_equal(s[k], 5);
    char buf[160];
    assert_int_equal(rfm_segment_of(5, 5, 5, buf, sizeof buf), RFM_CHAMPIONS);
    assert_non_null(strstr(buf, "champions"));
    assert_int_equal(rfm_segment_of(1, 5, 5, NULL, 0), RFM_CANNOT_LOSE);
    assert_int_equal(rfm_segment_of(5, 1, 1, NULL, 0), RFM_NEW);
    assert_int_equal(rfm_segment_of(1, 1, 1, NULL, 0), RFM_LOST);
    assert_int_equal(rfm_segment_of(2, 3, 1, NULL, 0), RFM_AT_RISK);
    /* Every score combination has a segment. */
    for (int r = 1; r <= 5; r++)
        for (int f = 1; f <= 5; f++)
            for (int m = 1; m <= 5; m++)
                assert_true(rfm_segment_of(r, f, m, NULL, 0) < RFM_SEGMENT_COUNT);
}

static void test_pyramid(void **state)
{
    (void)state;
    /* 20 customers: profits 100, 99, ..., 83 and two unprofitable. */
    double profit[20];
    for (int i = 0; i < 18; i++)
        profit[i] = 100 - i;
    profit[18] = 0;
    profit[19] = -50;
    uint8_t t[20];
    tier_config c;
    tier_config_default(&c); /* top 5% platinum, next 15% gold */
    tier_cuts cuts;
    assert_int_equal(tier_assign(20, profit, &c, t, &cuts), AN_OK);
    assert_int_equal(t[0], TIER_PLATINUM); /* 1 of 20 = 5% */
    assert_int_equal(t[1], TIER_GOLD);
    assert_int_equal(t[3], TIER_GOLD);     /* ranks 2..4 = next 15% */
    assert_int_equal(t[4], TIER_IRON);
    assert_int_equal(t[17], TIER_IRON);
    assert_int_equal(t[18], TIER_LEAD);    /* zero profit is not profitable */
    assert_int_equal(t[19], TIER_LEAD);
    char buf[200];
    assert_int_equal(tier_of(99.5, &cuts, buf, sizeof buf), TIER_GOLD);
    assert_non_null(strstr(buf, "gold"));
    assert_int_equal(tier_of(-1, &cuts, NULL, 0), TIER_LEAD);
    /* Ties at a boundary stay together. */
    double tie[4] = {10, 10, 5, 1};
    tier_config c2 = {TIER_BASIS_CUSTOMERS, 0.25, 0.25};
    assert_int_equal(tier_assign(4, tie, &c2, t, NULL), AN_OK);
    assert_int_equal(t[0], TIER_PLATINUM);
    assert_int_equal(t[1], TIER_PLATINUM);
    /* By share of profit: 60 of 100 in the first customer. */
    double pp[4] = {60, 20, 15, 5};
    tier_config c3 = {TIER_BASIS_PROFIT, 0.5, 0.3};
    assert_int_equal(tier_assign(4, pp, &c3, t, NULL), AN_OK);
    assert_int_equal(t[0], TIER_PLATINUM);
    assert_int_equal(t[1], TIER_GOLD);    /* starts at 60% < 80% */
    assert_int_equal(t[2], TIER_IRON);    /* starts at 80% */
}

static void test_clv_and_quadrant(void **state)
{
    (void)state;
    clv_config c;
    clv_config_default(&c);
    c.annual_discount = 0;
    double cum[12];
    for (int k = 0; k < 12; k++)
        cum[k] = (k + 1) * 1.0; /* one purchase per 13 weeks */
    char buf[300];
    clv_value v = clv_from_cumulative(&c, 50, 100, cum, 12, buf, sizeof buf);
    assert_true(fabs(v.current - 4 * 100 * 0.3) < 1e-9);   /* weeks 0..52 */
    assert_true(fabs(v.potential - 8 * 100 * 0.3) < 1e-9); /* weeks 52..156 */
    assert_true(fabs(v.total - (50 + 120 + 240)) < 1e-9);
    assert_non_null(strstr(buf, "historical 50.00"));
    c.annual_discount = 0.10;
    clv_value d = clv_from_cumulative(&c, 50, 100, cum, 12, NULL, 0);
    assert_true(d.current < v.current && d.potential < v.potential);

    assert_int_equal(clv_quadrant(10, 10, 5, 5, buf, sizeof buf), VALUE_PLATINUM);
    assert_string_equal(clv_quadrant_strategy(VALUE_PLATINUM), "pursue");
    assert_int_equal(clv_quadrant(10, 1, 5, 5, NULL, 0), VALUE_GOLD);
    assert_int_equal(clv_quadrant(1, 10, 5, 5, NULL, 0), VALUE_IRON);
    assert_int_equal(clv_quadrant(1, 1, 5, 5, NULL, 0), VALUE_LEAD);
    assert_string_equal(clv_quadrant_strategy(VALUE_LEAD), "abandon");

    bgnbd_params bg = {0.2425982, 4.4136842, 0.7929899, 2.4261667};
    gg_params gg = {6.25, 3.74, 15.44};
    double x[2] = {2, 0}, tx[2] = {30.43, 0}, T[2] = {38.86, 38.86}, m[2] = {22.345, 0}, h[2] = {10, 0};
    clv_value out[2];
    clv_config_default(&c);
    assert_int_equal(clv_batch_bgnbd(&c, &bg, &gg, 2, x, tx, T, m, h, out), AN_OK);
    assert_true(out[0].total > out[1].total && out[1].current > 0 && isfinite(out[0].potential));
    assert_true(matrix_profit_cost(100, 1, 50, 10, NULL, 0) == PROFIT_MOST);
    assert_true(matrix_profit_cost(1, 100, 50, 10, NULL, 0) == PROFIT_UNPROFITABLE);
    assert_true(matrix_current_future(1, 100, 50, 50, NULL, 0) == FUTURE_MUST_INVEST);
    assert_true(seg_quantile(5, (double[]){5, 1, 3, 2, 4}, 0.5) == 3);
}

static void test_lifecycle(void **state)
{
    (void)state;
    lifecycle_config c;
    lifecycle_config_default(&c);
    char buf[300];
    lifecycle_input young = {6, 1, 2, 6, 0, 0, 0.9};
    assert_int_equal(lifecycle_of(&young, &c, buf, sizeof buf), LIFECYCLE_EXPLORATION);
    lifecycle_input growing = {52, 8, 6, 26, 2, 26, 0.95};
    assert_int_equal(lifecycle_of(&growing, &c, buf, sizeof buf), LIFECYCLE_FORMATION);
    assert_non_null(strstr(buf, "formation"));
    lifecycle_input steady = {104, 20, 5, 26, 5, 26, 0.9};
    assert_int_equal(lifecycle_of(&steady, &c, NULL, 0), LIFECYCLE_STABILITY);
    lifecycle_input fading = {104, 20, 1, 26, 6, 26, 0.8};
    assert_int_equal(lifecycle_of(&fading, &c, NULL, 0), LIFECYCLE_DECLINE);
    lifecycle_input gone = {104, 20, 5, 26, 5, 26, 0.2};
    assert_int_equal(lifecycle_of(&gone, &c, buf, sizeof buf), LIFECYCLE_DECLINE);
    assert_non_null(strstr(buf, "P(alive) 0.200"));
}

static void test_loyalty_strategy_accounts(void **state)
{
    (void)state;
    loyalty_config c;
    loyalty_config_default(&c);
    assert_int_equal(loyalty_of(0, 0, 0, 1, &c, NULL, 0), LOYALTY_POTENTIAL);
    assert_int_equal(loyalty_of(2, 10, 1, 0.9, &c, NULL, 0), LOYALTY_NEW);
    assert_int_equal(loyalty_of(9, 80, 8, 0.9, &c, NULL, 0), LOYALTY_LOYAL);
    assert_int_equal(loyalty_of(9, 80, 8, 0.3, &c, NULL, 0), LOYALTY_OLD);
    assert_int_equal(loyalty_behaviour(5, -1, 6, 3, NULL, 0), BEHAVIOUR_LOYAL);
    assert_int_equal(loyalty_behaviour(-1, 10, 0, 3, NULL, 0), BEHAVIOUR_LATENT);
    assert_int_equal(loyalty_behaviour(2, 3, 6, 3, NULL, 0), BEHAVIOUR_INERTIA);
    assert_int_equal(loyalty_behaviour(2, -1, 0, 3, NULL, 0), BEHAVIOUR_DISLOYAL);
    char buf[120];
    assert_int_equal(strategy_of(TIER_PLATINUM, buf, sizeof buf), STRATEGY_SUBMISSIVE);
    assert_non_null(strstr(buf, "屈从型"));
    assert_int_equal(strategy_of(TIER_LEAD, NULL, 0), STRATEGY_INDIFFERENT);
    assert_string_equal(strategy_code(strategy_of(TIER_GOLD, NULL, 0)), "caring");
    assert_string_equal(strategy_code(strategy_of(TIER_IRON, NULL, 0)), "adaptive");
    assert_int_equal(ka_priority_of(100, 100, 50, 50, NULL, 0), KA_A_PLUS);
    assert_int_equal(ka_priority_of(100, 10, 50, 50, NULL, 0), KA_A);
    assert_int_equal(ka_priority_of(10, 100, 50, 50, NULL, 0), KA_B);
    assert_int_equal(ka_priority_of(10, 10, 50, 50, buf, sizeof buf), KA_C);
    assert_string_equal(ka_priority_name(KA_A_PLUS), "A+");
    int crit[7] = {1, 0, 1, 1, 0, 0, 1};
    assert_int_equal(ka_prospect_score(crit, buf, sizeof buf), 4);
    assert_non_null(strstr(buf, "4/7"));
    double thr[4] = {200000, 1000000, 3000000, 10000000};
    assert_int_equal(service_tier_of(150000, thr, 4, NULL, 0), 0);
    assert_int_equal(service_tier_of(1000000, thr, 4, NULL, 0), 2);
    assert_int_equal(service_tier_of(5e7, thr, 4, NULL, 0), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfm),
        cmocka_unit_test(test_pyramid),
        cmocka_unit_test(test_clv_and_quadrant),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_loyalty_strategy_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
