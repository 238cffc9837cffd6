/*
 * test_lunar.c — the lunar calendar (src/lib/lunar.c over liblunar-date)
 * against published tables: the dates of Spring Festival 2020–2030 and of
 * the Mid-Autumn Festival 2020–2030 (Hong Kong Observatory / the Purple
 * Mountain Observatory's calendar), a leap month (闰二月 2023), the
 * fall-backs of a lunar birthday in a year without its leap month or day 30.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/lunar.h"

static void check(const char *fest, int y, const char *want)
{
    int m, d;
    assert_int_equal(festival_date(festival_find(fest), y, &m, &d), 0);
    char got[16];
    snprintf(got, sizeof got, "%04d-%02d-%02d", y, m, d);
    assert_string_equal(got, want);
}

static void spring_festival(void **state)
{
    (void)state;
    static const char *const t[] = {"2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
                                    "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03"};
    for (int i = 0; i < 11; i++) check("spring_festival", 2020 + i, t[i]);
}

static void mid_autumn(void **state)
{
    (void)state;
    static const char *const t[] = {"2020-10-01", "2021-09-21", "2022-09-10", "2023-09-29", "2024-09-17", "2025-10-06",
                                    "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12"};
    for (int i = 0; i < 11; i++) check("mid_autumn", 2020 + i, t[i]);
}

static void other_festivals(void **state)
{
    (void)state;
    check("dragon_boat", 2024, "2024-06-10");
    check("qixi", 2024, "2024-08-10");
    check("double_ninth", 2024, "2024-10-11");
    check("lantern", 2025, "2025-02-12");
    check("national_day", 2025, "2025-10-01");
    assert_null(festival_find("no_such_day"));
}

static void leap_month_and_round_trip(void **state)
{
    (void)state;
    struct lunar_day l;
    /* 2023-03-31 is 闰二月初十 (the 10th of the leap second month). */
    assert_int_equal(lunar_from_solar(2023, 3, 31, &l), 0);
    assert_int_equal(l.year, 2023);
    assert_int_equal(l.month, 2);
    assert_int_equal(l.day, 10);
    assert_true(l.leap);
    int y, m, d;
    assert_int_equal(lunar_to_solar(&l, &y, &m, &d), 0);
    assert_int_equal(y * 10000 + m * 100 + d, 20230331);
    /* 2024 has no leap second month: the birthday falls in the ordinary one (2024-03-19 = 二月初十). */
    assert_int_equal(lunar_anniversary(2024, 2, 10, true, &y, &m, &d), 0);
    assert_int_equal(y * 10000 + m * 100 + d, 20240319);
    struct lunar_day none = {2024, 2, 10, true};
    assert_int_equal(lunar_to_solar(&none, &y, &m, &d), -1);
    /* A day 30 that the month lacks falls back to day 29: 2024's 十一月 has 29 days? find one month that does. */
    int fell = 0;
    for (int mo = 1; mo <= 12; mo++) {
        struct lunar_day l30 = {2024, mo, 30, false};
        if (lunar_to_solar(&l30, &y, &m, &d) == 0) continue;
        assert_int_equal(lunar_anniversary(2024, mo, 30, false, &y, &m, &d), 0);
        struct lunar_day back;
        assert_int_equal(lunar_from_solar(y, m, d, &back), 0);
        assert_int_equal(back.month, mo);
        assert_int_equal(back.day, 29);
        fell++;
    }
    assert_true(fell > 0);
    /* Every day of 2024 round-trips. */
    int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int mo = 1; mo <= 12; mo++)
        for (int da = 1; da <= days[mo - 1]; da++) {
            assert_int_equal(lunar_from_solar(2024, mo, da, &l), 0);
            assert_int_equal(lunar_to_solar(&l, &y, &m, &d), 0);
            assert_int_equal(y * 10000 + m * 100 + d, 2024 * 10000 + mo * 100 + da);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spring_festival),
        cmocka_unit_test(mid_autumn),
        cmocka_unit_test(other_festivals),
        cmocka_unit_test(leap_month_and_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
