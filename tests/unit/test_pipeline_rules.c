/* Unit tests of issue 18's pure parts: currency conversion across minor-unit
 * exponents (domain/fx.c), the pipeline's stage rule, the opportunity's
 * rule and its status workflow on the kernel's workflow engine, and the
 * exchange-rate rule. No server, no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "domain/exchange_rate.h"
#include "domain/fx.h"
#include "domain/opportunity.h"
#include "domain/pipeline.h"
#include "records/workflow.h"

#define NOW "2027-01-02T03:04:05Z"

static void test_convert(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_true(fx_convert(5000, "USD", "CNY", 7.0, &v));        /* 50.00 USD → 350.00 CNY */
    assert_int_equal(v, 35000);
    assert_true(fx_convert(1000, "JPY", "CNY", 0.05, &v));       /* 1000 yen (no minor unit) → 50.00 CNY */
    assert_int_equal(v, 5000);
    assert_true(fx_convert(5000, "CNY", "JPY", 20.0, &v));       /* 50.00 CNY → 1000 yen */
    assert_int_equal(v, 1000);
    assert_true(fx_convert(1, "USD", "CNY", 7.125, &v));         /* 7.125 fen: half away from zero */
    assert_int_equal(v, 7);
    assert_true(fx_convert(-5000, "USD", "CNY", 7.0, &v));
    assert_int_equal(v, -35000);
    v = 42;
    assert_false(fx_convert(INT64_MAX / 2, "USD", "CNY", 7.0, &v));   /* does not fit: refused, not wrapped */
    assert_int_equal(v, 42);
}

static void test_totals(void **state)
{
    (void)state;
    struct fx_total t = {0};
    fx_total_add(&t, "USD", 5000, 1);
    fx_total_add(&t, "EUR", 5000, 1);
    fx_total_add(&t, "USD", 1000, 2);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.count[0], 3);
    int64_t v;
    assert_true(money_sum_get(&t.sum[0], &v));
    assert_int_equal(v, 6000);
    struct fx_total u = {0};
    fx_total_add(&u, "EUR", 1, 1);
    fx_total_add(&u, "GBP", 2, 1);
    fx_total_merge(&t, &u);
    assert_int_equal(t.n, 3);
    assert_true(money_sum_get(&t.sum[1], &v));
    assert_int_equal(v, 5001);
}

static json_t *stages(void)
{
    return json_pack("[{s:s, s:s, s:i, s:i}, {s:s, s:s, s:i}]", "key", "a", "name_en", "A", "probability", 10, "rotting_days", 7,
                     "key", "b", "name_zh", "乙", "probability", 60);
}

static void test_pipeline_rule(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(1);
    struct verr e = {0};
    json_t *p = json_pack("{s:s, s:o}", "name", "P", "stages", stages());
    assert_int_equal(pipeline_rule(&a, NULL, p, &e), 0);
    assert_true(json_is_true(json_object_get(p, "active")));
    const json_t *st = pipeline_stage(json_object_get(p, "stages"), "b");
    assert_non_null(st);
    assert_int_equal(pipeline_stage_probability(st), 60);
    assert_int_equal(pipeline_stage_rotting_days(st), 0);
    assert_null(pipeline_stage(json_object_get(p, "stages"), "c"));
    json_array_append_new(json_object_get(p, "stages"), json_pack("{s:s, s:s}", "key", "a", "name_en", "again"));
    assert_int_equal(pipeline_rule(&a, NULL, p, &e), -1);
    assert_string_equal(e.code, "duplicate");
    json_array_remove(json_object_get(p, "stages"), 2);
    json_object_set_new(json_array_get(json_object_get(p, "stages"), 0), "probability", json_integer(101));
    assert_int_equal(pipeline_rule(&a, NULL, p, &e), -1);
    assert_string_equal(e.field, "stages");
    json_object_set_new(p, "stages", json_array());
    assert_int_equal(pipeline_rule(&a, NULL, p, &e), -1);
    json_decref(p);
}

static json_t *opp(const char *status, const char *stage)
{
    return json_pack("{s:s, s:s, s:s, s:i}", "name", "o", "status", status, "stage", stage, "probability", 10);
}

static void test_opportunity_workflow(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(7);
    a.role = "sales";
    struct verr e = {0};
    /* Created open only. */
    json_t *n = json_pack("{s:s}", "name", "o");
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, NULL, n, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(n, "status")), "open");
    json_object_set_new(n, "status", json_string("won"));
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, NULL, n, NOW, &e), -1);
    assert_string_equal(e.code, "invalid_transition");
    json_decref(n);
    /* open → won needs an amount; stamps who and when. */
    json_t *old = opp("open", "a"), *neu = opp("won", "a");
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, old, neu, NOW, &e), -1);
    assert_string_equal(e.field, "amount");
    json_object_set_new(neu, "amount", json_pack("{s:i, s:s}", "amount", 100, "currency", "CNY"));
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, old, neu, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(neu, "closed_at")), NOW);
    assert_int_equal(json_integer_value(json_object_get(neu, "closed_by")), 7);
    json_decref(old);
    json_decref(neu);
    /* open → lost needs a reason; won → lost is not a move; lost → open reopens. */
    old = opp("open", "a");
    neu = opp("lost", "a");
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, old, neu, NOW, &e), -1);
    assert_string_equal(e.field, "lost_reason");
    json_decref(old);
    json_decref(neu);
    old = opp("won", "a");
    neu = opp("lost", "a");
    json_object_set_new(neu, "lost_reason", json_string("price"));
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, old, neu, NOW, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.from, "won");
    json_decref(neu);
    neu = opp("open", "a");
    assert_int_equal(workflow_apply(&opportunity_workflow, &a, old, neu, NOW, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(neu, "reopened_by")), 7);
    json_decref(old);
    json_decref(neu);
}

static void test_opportunity_rule(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(7);
    struct verr e = {0};
    json_t *old = opp("won", "a"), *neu = opp("won", "b");
    assert_int_equal(opportunity_rule(&a, old, neu, &e), -1);      /* a won deal keeps its stage */
    assert_int_equal(e.status, 409);
    assert_string_equal(e.field, "stage");
    assert_string_equal(e.from, "a");
    assert_string_equal(e.to, "b");
    json_object_set_new(neu, "status", json_string("open"));      /* reopened in the same change: fine */
    assert_int_equal(opportunity_rule(&a, old, neu, &e), 0);
    json_object_set_new(neu, "probability", json_integer(-1));
    assert_int_equal(opportunity_rule(&a, NULL, neu, &e), -1);
    assert_string_equal(e.field, "probability");
    json_decref(old);
    json_decref(neu);
}

static void test_rate_rule(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(1);
    struct verr e = {0};
    static const char *const good[] = {"7", "7.1234", "0.000001", "123456789012.5"};
    static const char *const bad[] = {"0", "0.0", "-1", "7,1", "1e3", ".5", "7.", "", "1234567890123"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s}", "currency", "USD", "to_currency", "CNY", "rate", good[i]);
        assert_int_equal(exchange_rate_rule(&a, NULL, r, &e), 0);
        json_decref(r);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s}", "currency", "USD", "to_currency", "CNY", "rate", bad[i]);
        assert_int_equal(exchange_rate_rule(&a, NULL, r, &e), -1);
        assert_string_equal(e.field, "rate");
        json_decref(r);
    }
    json_t *r = json_pack("{s:s, s:s, s:s}", "currency", "CNY", "to_currency", "CNY", "rate", "1");
    assert_int_equal(exchange_rate_rule(&a, NULL, r, &e), -1);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_totals),
        cmocka_unit_test(test_pipeline_rule),
        cmocka_unit_test(test_opportunity_workflow),
        cmocka_unit_test(test_opportunity_rule),
        cmocka_unit_test(test_rate_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
