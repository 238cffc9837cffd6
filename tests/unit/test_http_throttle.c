/*
 * test_http_throttle.c — the login throttle (src/http/auth.c), whose counts
 * are rows of login_throttle (migration 031) so that every server on one
 * database counts the same failures: a key's count is never shared, reset
 * or evicted by other keys, however many; the address limit is separate
 * from the account's; a success clears only its own pair; a spent window
 * counts nothing. The HTTP side is tests/api/auth.test.mjs,
 * http_security.test.mjs and, across two servers, two_servers.test.mjs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "db/db.h"
#include "http/auth.h"

static db *g_db;

static void fails(const char *email, const char *addr, int n)
{
    for (int i = 0; i < n; i++) assert_int_equal(login_record(g_db, email, addr, false), 0);
}

static int setup(void **state)
{
    (void)state;
    char err[256] = "";
    if (auth_init() != 0) return -1;
    g_db = db_open(":memory:", true, err, sizeof err);
    if (!g_db || db_migrate(g_db, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return -1; }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(g_db);
    return 0;
}

static void test_counts_are_per_key_and_survive_many_others(void **state)
{
    (void)state;
    int retry;
    fails("victim@t.test", "10.0.0.1", 4);
    assert_false(login_throttled(g_db, "victim@t.test", "10.0.0.1", &retry));
    /* 5,000 other failures, each from its own address. */
    char email[64], addr[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(email, sizeof email, "x%d@t.test", i);
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 250, i % 250);
        assert_int_equal(login_record(g_db, email, addr, false), 0);
    }
    /* The victim's count survived: one more failure throttles it. */
    assert_false(login_throttled(g_db, "victim@t.test", "10.0.0.1", &retry));
    fails("victim@t.test", "10.0.0.1", 1);
    assert_true(login_throttled(g_db, "victim@t.test", "10.0.0.1", &retry));
    assert_true(retry > 0 && retry <= 900);
    /* The same account from elsewhere is not throttled. */
    assert_false(login_throttled(g_db, "victim@t.test", "10.0.0.2", &retry));
    /* A success clears only its own pair. */
    assert_int_equal(login_record(g_db, "x1@t.test", "10.1.0.1", true), 0);
    assert_true(login_throttled(g_db, "victim@t.test", "10.0.0.1", &retry));
    assert_int_equal(login_record(g_db, "victim@t.test", "10.0.0.1", true), 0);
    assert_false(login_throttled(g_db, "victim@t.test", "10.0.0.1", &retry));
}

static void test_address_limit_and_spent_window(void **state)
{
    (void)state;
    int retry;
    char email[64];
    /* 50 failures from one address, each on another account. */
    for (int i = 0; i < 50; i++) {
        snprintf(email, sizeof email, "spray%d@t.test", i);
        assert_false(login_throttled(g_db, "fresh@t.test", "10.7.7.7", &retry));
        assert_int_equal(login_record(g_db, email, "10.7.7.7", false), 0);
    }
    assert_true(login_throttled(g_db, "fresh@t.test", "10.7.7.7", &retry));
    /* Sixteen minutes later the window is spent: nothing counts. */
    assert_int_equal(db_exec(g_db, "UPDATE login_throttle SET first_at = first_at - 960"), 0);
    assert_false(login_throttled(g_db, "fresh@t.test", "10.7.7.7", &retry));
    /* The next failure starts a new window at one and sweeps the spent rows. */
    fails("fresh@t.test", "10.7.7.7", 1);
    db_stmt *s = db_prepare(g_db, "SELECT COUNT(*), MAX(fails) FROM login_throttle");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 2);
    assert_int_equal(db_column_int64(s, 1), 1);
    db_done(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_are_per_key_and_survive_many_others),
        cmocka_unit_test(test_address_limit_and_spent_window),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
