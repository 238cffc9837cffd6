/* Unit tests of the service rules (issue 19): a case's defaults and its
 * remedy rule, an SLA policy's targets, an escalation rule's minutes, the
 * priority ladder, the D11 satisfaction levels, and which statuses stop
 * the clocks. Plain functions: no server, no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "domain/service.h"
#include <string.h>

static const struct actor nobody = {0};

static int run(int (*rule)(const struct actor *, const json_t *, json_t *, struct verr *), const char *json, const char **field,
               json_t **out)
{
    static struct verr e;
    memset(&e, 0, sizeof e);
    json_t *rec = json_loads(json, 0, NULL);
    assert_non_null(rec);
    int rc = rule(&nobody, NULL, rec, &e);
    *field = e.field;
    if (out) *out = rec;
    else json_decref(rec);
    return rc;
}

static void test_case_rule(void **state)
{
    (void)state;
    const char *field;
    json_t *rec;
    assert_int_equal(run(case_rule, "{\"subject\":\"x\",\"kind\":\"question\",\"party_id\":1}", &field, &rec), 0);
    assert_string_equal(json_string_value(json_object_get(rec, "priority")), "normal");
    assert_non_null(json_string_value(json_object_get(rec, "opened_at")));
    json_decref(rec);
    assert_int_equal(run(case_rule, "{\"kind\":\"question\",\"remedy\":\"coupon\"}", &field, NULL), -1);
    assert_string_equal(field, "remedy");
    assert_int_equal(run(case_rule, "{\"kind\":\"request\",\"remedy_cost\":{\"amount\":1,\"currency\":\"CNY\"}}", &field, NULL), -1);
    assert_string_equal(field, "remedy_cost");
    assert_int_equal(run(case_rule, "{\"kind\":\"complaint\",\"remedy\":\"refund\",\"remedy_cost\":{\"amount\":100,\"currency\":\"CNY\"}}", &field, NULL), 0);
    assert_int_equal(run(case_rule, "{\"kind\":\"grievance\",\"remedy_cost\":{\"amount\":-1,\"currency\":\"CNY\"}}", &field, NULL), -1);
    assert_string_equal(field, "remedy_cost");
    assert_int_equal(run(case_rule, "{\"kind\":\"question\",\"opened_at\":\"2099-01-01T00:00:00Z\"}", &field, NULL), -1);
    assert_string_equal(field, "opened_at");
}

static void test_policy_and_rule_rules(void **state)
{
    (void)state;
    const char *field;
    json_t *rec;
    assert_int_equal(run(sla_policy_rule, "{\"first_response_minutes\":60,\"resolution_minutes\":480}", &field, &rec), 0);
    assert_true(json_is_true(json_object_get(rec, "active")));
    json_decref(rec);
    assert_int_equal(run(sla_policy_rule, "{\"first_response_minutes\":0,\"resolution_minutes\":480}", &field, NULL), -1);
    assert_string_equal(field, "first_response_minutes");
    assert_int_equal(run(sla_policy_rule, "{\"first_response_minutes\":60,\"resolution_minutes\":59}", &field, NULL), -1);
    assert_string_equal(field, "resolution_minutes");
    assert_int_equal(run(sla_policy_rule, "{\"name\":\"x\"}", &field, NULL), 0); /* required: the write path says so */
    assert_int_equal(run(escalation_rule_rule, "{\"target\":\"resolution\",\"moment\":\"near\"}", &field, NULL), -1);
    assert_string_equal(field, "minutes_before");
    assert_int_equal(run(escalation_rule_rule, "{\"target\":\"resolution\",\"moment\":\"breached\"}", &field, &rec), 0);
    assert_true(json_is_true(json_object_get(rec, "notify")));
    assert_true(json_is_false(json_object_get(rec, "reassign")));
    json_decref(rec);
}

static void test_ladders(void **state)
{
    (void)state;
    assert_string_equal(case_priority_up("low"), "normal");
    assert_string_equal(case_priority_up("high"), "urgent");
    assert_string_equal(case_priority_up("urgent"), "urgent");
    assert_null(case_priority_up("whenever"));
    assert_string_equal(satisfaction_level(1, 10), "dissatisfied");
    assert_string_equal(satisfaction_level(2, -1), "dissatisfied");
    assert_string_equal(satisfaction_level(3, 10), "not_dissatisfied");
    assert_string_equal(satisfaction_level(4, 8), "satisfied");
    assert_string_equal(satisfaction_level(5, -1), "satisfied");
    assert_string_equal(satisfaction_level(4, 9), "loyal");
    assert_true(case_status_paused("waiting_on_customer"));
    assert_true(case_status_paused("resolved") && case_status_paused("closed"));
    assert_false(case_status_paused("new") || case_status_paused("open") || case_status_paused(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_rule), cmocka_unit_test(test_policy_and_rule_rules), cmocka_unit_test(test_ladders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
