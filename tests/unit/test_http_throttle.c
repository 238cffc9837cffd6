/*
 * test_http_throttle.c — the login throttle's table (src/http/auth.c): a
 * key's count is never shared, reset or evicted by other keys, however
 * many, and a table full of live counts fails closed. The HTTP side (a
 * colliding e-mail over a real server) is tests/api/http_security.test.mjs;
 * filling the table needs thousands of addresses, so it is tested here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "http/auth.h"

static void fails(const char *email, const char *addr, int n)
{
    for (int i = 0; i < n; i++) login_record(email, addr, false);
}

static void test_full_table_keeps_counts_and_fails_closed(void **state)
{
    (void)state;
    int retry;
    assert_int_equal(auth_init(), 0);
    fails("victim@t.test", "10.0.0.1", 4);
    assert_false(login_throttled("victim@t.test", "10.0.0.1", &retry));
    /* 20,000 other failures, each from its own address (two keys each):
     * far more than the table's 16,384 entries. */
    char email[64], addr[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(email, sizeof email, "x%d@t.test", i);
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 250, i % 250);
        login_record(email, addr, false);
    }
    /* The victim's count survived: one more failure throttles it. */
    assert_false(login_throttled("victim@t.test", "10.0.0.1", &retry));
    fails("victim@t.test", "10.0.0.1", 1);
    assert_true(login_throttled("victim@t.test", "10.0.0.1", &retry));
    assert_true(retry > 0 && retry <= 900);
    /* A pair the full table cannot count is refused, not let through uncounted. */
    assert_true(login_throttled("newcomer@t.test", "10.9.9.9", &retry));
    /* A success clears only its own pair. */
    login_record("x1@t.test", "10.1.0.1", true);
    assert_true(login_throttled("victim@t.test", "10.0.0.1", &retry));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_table_keeps_counts_and_fails_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
