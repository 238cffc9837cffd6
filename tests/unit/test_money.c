/* Unit tests of src/lib/money.c: checked money arithmetic. The sums are
 * compared with __int128 arithmetic, which cannot overflow for these
 * inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "lib/money.h"

static void test_checked_ops(void **state)
{
    (void)state;
    int64_t r = 7;
    assert_true(money_add(INT64_MAX - 1, 1, &r));
    assert_true(r == INT64_MAX);
    r = 7;
    assert_false(money_add(INT64_MAX, 1, &r));
    assert_int_equal(r, 7); /* left alone on overflow */
    assert_false(money_add(INT64_MIN, -1, &r));
    assert_true(money_sub(0, INT64_MAX, &r));
    assert_false(money_sub(INT64_MIN, 1, &r));
    assert_false(money_sub(0, INT64_MIN, &r));
    assert_true(money_mul(MONEY_ROW_MAX, 9223, &r));
    assert_true(r == MONEY_ROW_MAX * 9223);
    assert_false(money_mul(MONEY_ROW_MAX, 9224, &r));
    assert_false(money_mul(-MONEY_ROW_MAX, 9224, &r));
}

static void test_saturating_ops(void **state)
{
    (void)state;
    bool sat = false;
    assert_true(money_add_sat(1, 2, &sat) == 3);
    assert_false(sat);
    assert_true(money_add_sat(INT64_MAX, 1, &sat) == INT64_MAX);
    assert_true(sat);
    sat = false;
    assert_true(money_add_sat(INT64_MIN, -5, &sat) == INT64_MIN);
    assert_true(sat);
    sat = false;
    assert_true(money_sub_sat(INT64_MIN, 1, &sat) == INT64_MIN);
    assert_true(sat);
    sat = false;
    assert_true(money_sub_sat(1, INT64_MIN, &sat) == INT64_MAX);
    assert_true(sat);
    assert_true(money_sub_sat(5, 3, NULL) == 2);
}

/* The overflow of the review (issue 14): 9,312 transactions of 10^15 made
 * a party's revenue -9,134,744,073,709,551,616. The sum saturates and says
 * so instead. */
static void test_sum_saturates_not_wraps(void **state)
{
    (void)state;
    money_sum s = MONEY_SUM_INIT;
    for (int i = 0; i < 9312; i++) money_sum_add(&s, MONEY_ROW_MAX);
    int64_t v = 0;
    assert_false(money_sum_get(&s, &v));
    assert_true(v == INT64_MAX);
    bool sat = false;
    assert_true(money_sum_value(&s, &sat) == INT64_MAX);
    assert_true(sat);
    assert_false(money_sum_within(&s, INT64_MAX));
    /* 9,223 of them fit, exactly. */
    money_sum t = MONEY_SUM_INIT;
    for (int i = 0; i < 9223; i++) money_sum_add(&t, MONEY_ROW_MAX);
    assert_true(money_sum_get(&t, &v));
    assert_true(v == 9223 * MONEY_ROW_MAX);
    sat = false;
    (void)money_sum_value(&t, &sat);
    assert_false(sat);
    /* The negative side. */
    money_sum n = MONEY_SUM_INIT;
    for (int i = 0; i < 9312; i++) money_sum_add(&n, -MONEY_ROW_MAX);
    assert_false(money_sum_get(&n, &v));
    assert_true(v == INT64_MIN);
}

/* Partial sums may leave the int64 range; a final total that fits is exact. */
static void test_sum_exact_through_wraps(void **state)
{
    (void)state;
    money_sum s = MONEY_SUM_INIT;
    __int128 ref = 0;
    for (int i = 0; i < 20000; i++) { money_sum_add(&s, MONEY_ROW_MAX); ref += MONEY_ROW_MAX; }
    for (int i = 0; i < 19999; i++) { money_sum_add(&s, -MONEY_ROW_MAX); ref -= MONEY_ROW_MAX; }
    int64_t v;
    assert_true(money_sum_get(&s, &v));
    assert_true((__int128)v == ref);
    assert_true(v == MONEY_ROW_MAX);
    money_sum_sub(&s, INT64_MIN); /* -INT64_MIN exists only as two halves */
    ref -= (__int128)INT64_MIN;
    assert_false(money_sum_get(&s, &v));
    money_sum_add(&s, INT64_MIN);
    ref += INT64_MIN;
    assert_true(money_sum_get(&s, &v));
    assert_true((__int128)v == ref);
    /* A pseudo-random walk over the whole range against __int128. */
    money_sum w = MONEY_SUM_INIT, half = MONEY_SUM_INIT;
    ref = 0;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int64_t a = (int64_t)x;
        money_sum_add(i % 2 ? &w : &half, a);
        ref += a;
    }
    money_sum_merge(&w, &half);
    bool fits = ref <= INT64_MAX && ref >= INT64_MIN;
    assert_int_equal(money_sum_get(&w, &v), fits);
    if (fits) assert_true((__int128)v == ref);
    else assert_true(v == (ref > 0 ? INT64_MAX : INT64_MIN));
    assert_true((__int128)w.lo + (__int128)w.wraps * ((__int128)1 << 64) == ref);
    assert_true(money_sum_double(&w) == (double)ref);
    money_sum big = MONEY_SUM_INIT;
    for (int i = 0; i < 9312; i++) money_sum_add(&big, MONEY_ROW_MAX);
    assert_true(money_sum_double(&big) == 9.312e18); /* not the wrapped -9.13e18 */
}

static void test_from_double(void **state)
{
    (void)state;
    bool sat = false;
    assert_true(money_from_double(12.5, &sat) == 13); /* halves away from zero, as llround */
    assert_true(money_from_double(-2.6, &sat) == -3);
    assert_true(money_from_double(9007199254740992.0, &sat) == 9007199254740992LL);
    assert_false(sat);
    assert_true(money_from_double(9.3e18, &sat) == INT64_MAX);
    assert_true(sat);
    sat = false;
    assert_true(money_from_double((double)INT64_MAX, &sat) == INT64_MAX); /* 2^63 */
    assert_true(sat);
    sat = false;
    assert_true(money_from_double(-9223372036854775808.0, &sat) == INT64_MIN);
    assert_false(sat);
    assert_true(money_from_double(-1e300, &sat) == INT64_MIN);
    assert_true(sat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checked_ops), cmocka_unit_test(test_saturating_ops),
        cmocka_unit_test(test_sum_saturates_not_wraps), cmocka_unit_test(test_sum_exact_through_wraps),
        cmocka_unit_test(test_from_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
