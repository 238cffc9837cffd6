/* Unit tests of a linked refund's share (issue 21, domain/refund.h): what
 * each refund takes back of what its purchase earned, rounded down at each
 * step so that the refunds of a purchase together take back exactly the
 * refunded fraction and a full refund all of it — for any split, and
 * without overflow for the largest amounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "domain/refund.h"

static int64_t part(int64_t whole, int64_t before, int64_t after, int64_t amount)
{
    struct refund_share s = {.purchase = 1, .before = before, .after = after, .amount = amount};
    return refund_part(whole, &s);
}

static void test_shares(void **state)
{
    (void)state;
    assert_int_equal(part(99, 0, 33300, 99900), 33);       /* a third of 99 */
    assert_int_equal(part(99, 0, 99900, 99900), 99);       /* a full refund: all of it */
    assert_int_equal(part(99, 99900, 99900, 99900), 0);    /* nothing left to take */
    assert_int_equal(part(0, 0, 500, 1000), 0);
    assert_int_equal(part(7, 0, 1, 0), 0);                 /* no amount: nothing (not a division by zero) */
}

/* However a purchase is split into refunds, their parts add up to
 * whole·refunded/amount, rounded down once. */
static void test_splits_add_up(void **state)
{
    (void)state;
    const int64_t amount = 99991, whole = 1237;
    for (int64_t step = 1; step <= 5000; step += 499) {
        int64_t refunded = 0, taken = 0;
        while (refunded < amount) {
            int64_t next = refunded + step < amount ? refunded + step : amount;
            taken += part(whole, refunded, next, amount);
            refunded = next;
            assert_int_equal(taken, whole * refunded / amount);
        }
        assert_int_equal(taken, whole);
    }
}

static void test_large(void **state)
{
    (void)state;
    const int64_t big = 1000000000000000LL;   /* the largest amount the API takes (10^15) */
    assert_int_equal(part(big, 0, big / 2, big), big / 2);
    assert_int_equal(part(INT64_MAX / 2, 0, big, big), INT64_MAX / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_shares), cmocka_unit_test(test_splits_add_up), cmocka_unit_test(test_large)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
