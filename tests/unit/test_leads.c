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
    assert_int_equal(assign_period_start("day", NOW, out), 0);
    assert_string_equal(out, "2027-03-10T00:00:00Z");
    /* 2027-03-10 is a Wednesday: the week began on Monday the 8th. */
    assert_int_equal(assign_period_start("week", NOW, out), 0);
    assert_string_equal(out, "2027-03-08T00:00:00Z");
    /* A Monday is its own week's start; a Sunday belongs to the week before. */
    assert_int_equal(assign_period_start("week", "2027-03-08T00:00:00Z", out), 0);
    assert_string_equal(out, "2027-03-08T00:00:00Z");
    assert_int_equal(assign_period_start("week", "2027-03-07T23:59:59Z", out), 0);
    assert_string_equal(out, "2027-03-01T00:00:00Z");
    /* Across a year's end. */
    assert_int_equal(assign_period_start("week", "2027-01-01T08:00:00Z", out), 0);
    assert_string_equal(out, "2026-12-28T00:00:00Z");
    assert_int_equal(assign_period_start("month", NOW, out), 0);
    assert_string_equal(out, "2027-03-01T00:00:00Z");
    assert_int_equal(assign_period_start("year", NOW, out), -1);
    assert_int_equal(assign_period_start("day", "garbage", out), -1);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_start),
        cmocka_unit_test(test_lead_workflow),
        cmocka_unit_test(test_rule_checks),
        cmocka_unit_test(test_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
