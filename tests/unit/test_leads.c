/* Unit tests of the lead's pure parts, without a server or a database: the
 * capacity periods of the assignment engine (src/domain/assign.c), the
 * lead workflow (a reason to disqualify, conversion only with a party),
 * the assignment rule's checks, and the per-address rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "domain/assign.h"
#include "domain/lead.h"
#include "http/ratelimit.h"
#include "records/workflow.h"

#define NOW "2027-03-10T15:04:05Z"

static void test_period_start(void **state)
{
    (void)state;
    char out[21];
    assert_int_equal(assign_period_start("UTC", "day", NOW, out), 0);
    assert_string_equal(out, "2027-03-10T00:00:00Z");
    /* 2027-03-10 is a Wednesday: the week began on Monday the 8th. */
    assert_int_equal(assign_period_start("UTC", "week", NOW, out), 0);
    assert_string_equal(out, "2027-03-08T00:00:00Z");
    /* A Monday is its own week's start; a Sunday belongs to the week before. */
    assert_int_equal(assign_period_start("UTC", "week", "2027-03-08T00:00:00Z", out), 0);
    assert_string_equal(out, "2027-03-08T00:00:00Z");
    assert_int_equal(assign_period_start("UTC", "week", "2027-03-07T23:59:59Z", out), 0);
    assert_string_equal(out, "2027-03-01T00:00:00Z");
    /* Across a year's end. */
    assert_int_equal(assign_period_start("UTC", "week", "2027-01-01T08:00:00Z", out), 0);
    assert_string_equal(out, "2026-12-28T00:00:00Z");
    assert_int_equal(assign_period_start("UTC", "month", NOW, out), 0);
    assert_string_equal(out, "2027-03-01T00:00:00Z");
    assert_int_equal(assign_period_start("UTC", "year", NOW, out), -1);
    assert_int_equal(assign_period_start("UTC", "day", "garbage", out), -1);
    assert_int_equal(assign_period_start(NULL, "day", NOW, out), 0);
    assert_string_equal(out, "2027-03-10T00:00:00Z");
}

/* The periods are the company's: in Shanghai (UTC+8) a day begins at 16:00
 * UTC the day before, and an instant just either side of that boundary
 * falls in two different days — and weeks and months at theirs. */
static void test_period_start_zone(void **state)
{
    (void)state;
    char out[21];
    assert_int_equal(assign_period_start("Asia/Shanghai", "day", "2027-03-10T15:59:59Z", out), 0);
    assert_string_equal(out, "2027-03-09T16:00:00Z");
    assert_int_equal(assign_period_start("Asia/Shanghai", "day", "2027-03-10T16:00:00Z", out), 0);
    assert_string_equal(out, "2027-03-10T16:00:00Z");
    /* Sunday 23:30 in Shanghai is still last week; Monday 00:30 is a new one. */
    assert_int_equal(assign_period_start("Asia/Shanghai", "week", "2027-03-14T15:30:00Z", out), 0);
    assert_string_equal(out, "2027-03-07T16:00:00Z");
    assert_int_equal(assign_period_start("Asia/Shanghai", "week", "2027-03-14T16:30:00Z", out), 0);
    assert_string_equal(out, "2027-03-14T16:00:00Z");
    /* 1 April 00:30 in Shanghai is March 31st in UTC: already April's month. */
    assert_int_equal(assign_period_start("Asia/Shanghai", "month", "2027-03-31T16:30:00Z", out), 0);
    assert_string_equal(out, "2027-03-31T16:00:00Z");
    /* West of UTC: in New York (UTC-4 in summer) 02:00 UTC is still the day before. */
    assert_int_equal(assign_period_start("America/New_York", "day", "2027-07-02T02:00:00Z", out), 0);
    assert_string_equal(out, "2027-07-01T04:00:00Z");
    /* A day that DST shortens: New York's 14 March 2027 began at 05:00 UTC (EST). */
    assert_int_equal(assign_period_start("America/New_York", "day", "2027-03-14T20:00:00Z", out), 0);
    assert_string_equal(out, "2027-03-14T05:00:00Z");
    assert_int_equal(assign_period_start("Mars/Olympus", "day", NOW, out), -1);
}

static void test_lead_workflow(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(3);
    a.role = "sales";
    struct verr e = {0};
    json_t *old = json_pack("{s:s, s:s}", "name", "x", "status", "new");
    json_t *neu = json_pack("{s:s, s:s}", "name", "x", "status", "disqualified");
    assert_int_equal(workflow_apply(&lead_workflow, &a, old, neu, NOW, &e), -1);
    assert_string_equal(e.field, "disqualify_reason");
    json_object_set_new(neu, "disqualify_reason", json_string("no budget"));
    memset(&e, 0, sizeof e);
    assert_int_equal(workflow_apply(&lead_workflow, &a, old, neu, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(neu, "disqualified_at")), NOW);
    json_decref(neu);
    /* Converted only with the party the conversion made. */
    neu = json_pack("{s:s, s:s}", "name", "x", "status", "converted");
    memset(&e, 0, sizeof e);
    assert_int_equal(workflow_apply(&lead_workflow, &a, old, neu, NOW, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "invalid_transition");
    json_object_set_new(neu, "converted_party_id", json_integer(9));
    memset(&e, 0, sizeof e);
    assert_int_equal(workflow_apply(&lead_workflow, &a, old, neu, NOW, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(neu, "converted_by")), 3);
    json_decref(neu);
    /* A converted lead stays converted. */
    json_decref(old);
    old = json_pack("{s:s, s:s, s:i}", "name", "x", "status", "converted", "converted_party_id", 9);
    neu = json_pack("{s:s, s:s, s:i}", "name", "x", "status", "working", "converted_party_id", 9);
    memset(&e, 0, sizeof e);
    assert_int_equal(workflow_apply(&lead_workflow, &a, old, neu, NOW, &e), -1);
    assert_string_equal(e.code, "invalid_transition");
    json_decref(old);
    json_decref(neu);
}

static void test_rule_checks(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(1);
    struct verr e = {0};
    json_t *r = json_pack("{s:s, s:i, s:i}", "name", "r", "team_id", 1, "capacity", 0);
    assert_int_equal(assignment_rule_resource.rule(&a, NULL, r, &e), -1);
    assert_string_equal(e.field, "capacity");
    json_object_set_new(r, "capacity", json_integer(5));
    assert_int_equal(assignment_rule_resource.rule(&a, NULL, r, &e), 0);
    /* Defaults: leads, per day, first position, enabled. */
    assert_string_equal(json_string_value(json_object_get(r, "subject")), "lead");
    assert_string_equal(json_string_value(json_object_get(r, "period")), "day");
    assert_int_equal(json_integer_value(json_object_get(r, "position")), 0);
    assert_true(json_is_true(json_object_get(r, "enabled")));
    json_decref(r);
}

static void test_ratelimit(void **state)
{
    (void)state;
    int retry = 0;
    for (int i = 0; i < 3; i++) assert_true(ratelimit_take("unit", "192.0.2.1", 3, &retry));
    assert_false(ratelimit_take("unit", "192.0.2.1", 3, &retry));
    assert_true(retry >= 1 && retry <= 60);
    /* Another address, or another bucket, has its own budget. */
    assert_true(ratelimit_take("unit", "192.0.2.2", 3, &retry));
    assert_true(ratelimit_take("other", "192.0.2.1", 3, &retry));
}

/* A token bucket, not a window fixed on the clock's minutes: 6 a minute is
 * 6 at once, then one every 10 s — and never more than 6 in any 60 s, even
 * across a minute boundary (a fixed window let 12 through there). */
static void test_ratelimit_bucket(void **state)
{
    (void)state;
    int retry = 0;
    int64_t t = 59990;   /* 10 ms before a minute boundary */
    for (int i = 0; i < 6; i++) assert_true(ratelimit_take_at("bucket", "198.51.100.7", 6, t, &retry));
    assert_false(ratelimit_take_at("bucket", "198.51.100.7", 6, t, &retry));
    assert_int_equal(retry, 10);
    /* Past the boundary: still nothing left. */
    assert_false(ratelimit_take_at("bucket", "198.51.100.7", 6, t + 20, &retry));
    assert_int_equal(retry, 10);
    /* One comes back every 10 s. */
    assert_false(ratelimit_take_at("bucket", "198.51.100.7", 6, t + 9999, &retry));
    assert_int_equal(retry, 1);
    assert_true(ratelimit_take_at("bucket", "198.51.100.7", 6, t + 10000, &retry));
    assert_false(ratelimit_take_at("bucket", "198.51.100.7", 6, t + 10001, &retry));
    /* After a quiet minute the bucket is full again: 6 at once, not more. */
    int64_t later = t + 10000 + 60000;
    for (int i = 0; i < 6; i++) assert_true(ratelimit_take_at("bucket", "198.51.100.7", 6, later, &retry));
    assert_false(ratelimit_take_at("bucket", "198.51.100.7", 6, later, &retry));
    /* In any 60 s window from the first request, at most 6 + the one refilled at +10 s … +50 s. */
    int taken = 0;
    for (int64_t ms = 0; ms < 60000; ms += 100) taken += ratelimit_take_at("bucket", "203.0.113.9", 6, 1000000 + ms, NULL);
    assert_int_equal(taken, 6 + 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_start),
        cmocka_unit_test(test_period_start_zone),
        cmocka_unit_test(test_lead_workflow),
        cmocka_unit_test(test_rule_checks),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_ratelimit_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
