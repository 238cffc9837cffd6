/*
 * test_next_action.c — the next best action's decision (src/domain/
 * next_action.c), a pure function of a customer's facts: the order of what
 * matters (an open case, a customer to spend nothing on, a valuable
 * customer whose P(alive) fell, an overdue planned contact, a birthday, a
 * lapsed plan, the lifecycle stage, the segment's strategy), the reasons as
 * message ids with params, and the value at stake.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/next_action.h"

static struct nba_facts base(void)
{
    struct nba_facts f;
    memset(&f, 0, sizeof f);
    f.party_id = 7;
    strcpy(f.name, "王芳");
    strcpy(f.tier, "platinum");
    strcpy(f.strategy, "submissive");
    strcpy(f.lifecycle, "stability");
    f.p_alive = 0.95;
    f.clv = 1000000;
    strcpy(f.currency, "CNY");
    strcpy(f.last_purchase, "2026-10-01");
    f.days_since_contact = 3;
    return f;
}

static const char *action(const struct nba_facts *f, json_t **out)
{
    *out = next_action_decide(f);
    return json_string_value(json_object_get(*out, "action"));
}

static bool has_reason(json_t *o, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(o, "reasons"), i, r)
        if (!strcmp(json_string_value(json_object_get(r, "message")), id)) return true;
    return false;
}

static void the_example_of_the_issue(void **state)
{
    (void)state;
    /* Platinum, P(alive) fell to 0.61, 45 days without contact against a weekly plan. */
    struct nba_facts f = base();
    f.p_alive = 0.61;
    f.days_since_contact = 45;
    f.plan_every_days = 7;
    strcpy(f.plan_name, "Platinum weekly");
    f.planned = true;
    f.planned_overdue = true;
    json_t *o;
    /* 0.61 is above the 0.6 warning: the overdue contact comes first. */
    assert_string_equal(action(&f, &o), "overdue_contact");
    assert_true(has_reason(o, "nba.reason.no_contact_against_plan"));
    assert_false(has_reason(o, "nba.reason.p_alive_fell"));
    json_decref(o);
    f.p_alive = 0.55;
    assert_string_equal(action(&f, &o), "win_back");
    assert_string_equal(json_string_value(json_object_get(o, "channel")), "visit");
    assert_string_equal(json_string_value(json_object_get(o, "when")), "today");
    assert_true(has_reason(o, "nba.reason.tier"));
    assert_true(has_reason(o, "nba.reason.p_alive_fell"));
    assert_true(has_reason(o, "nba.reason.no_contact_against_plan"));
    json_t *msg = json_object_get(o, "message");
    assert_string_equal(json_string_value(json_object_get(msg, "message")), "nba.action.win_back");
    /* At stake: the lifetime value weighted by the risk (0.25 + 0.75 × 0.45). */
    assert_int_equal(json_integer_value(json_object_get(o, "value_at_stake")), 587500);
    json_decref(o);
}

static void order_of_what_matters(void **state)
{
    (void)state;
    json_t *o;
    struct nba_facts f = base();
    assert_string_equal(action(&f, &o), "please");      /* a platinum customer with nothing pressing: please and lock in */
    json_decref(o);
    f.open_cases = 1;
    f.p_alive = 0.1;
    assert_string_equal(action(&f, &o), "resolve_case");
    json_decref(o);
    f = base();
    strcpy(f.tier, "lead");
    strcpy(f.strategy, "indifferent");
    f.p_alive = 0.1;
    assert_string_equal(action(&f, &o), "none");
    assert_int_equal(json_integer_value(json_object_get(o, "value_at_stake")), 0);
    json_decref(o);
    f = base();
    strcpy(f.occasion_date, "2026-12-10");
    f.occasion_kind = "lunar_birthday";
    f.occasion_in_days = 4;
    assert_string_equal(action(&f, &o), "greet");
    assert_true(has_reason(o, "nba.reason.lunar_birthday_soon"));
    json_decref(o);
    f = base();
    strcpy(f.lifecycle, "decline");
    strcpy(f.tier, "iron");
    strcpy(f.strategy, "adaptive");
    assert_string_equal(action(&f, &o), "second_development");
    json_decref(o);
    strcpy(f.lifecycle, "exploration");
    assert_string_equal(action(&f, &o), "impress");
    json_decref(o);
    /* Unscored, never contacted, no plan: get to know them. */
    struct nba_facts z;
    memset(&z, 0, sizeof z);
    z.p_alive = -1;
    z.days_since_contact = -1;
    assert_string_equal(action(&z, &o), "get_to_know");
    assert_int_equal(json_array_size(json_object_get(o, "reasons")), 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_example_of_the_issue),
        cmocka_unit_test(order_of_what_matters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
