/* Unit tests of src/analytics/lineage.c: the declared inputs of the
 * analytics figures and the redaction of an answer from them (issue 14). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include "analytics/lineage.h"

static void test_lineage_declarations(void **state)
{
    (void)state;
    /* total - current - potential = historical = net profit: the total goes with the cost */
    assert_true(an_lineage("scores", "clv.total") & AN_IN_COST);
    assert_true(an_lineage("scores", "clv.historical") & AN_IN_COST);
    assert_false(an_lineage("scores", "clv.current") & AN_IN_COST);
    assert_true(an_lineage("scores", "tier") & AN_IN_COST);
    assert_true(an_lineage("scores", "profit_matrix") & AN_IN_SERVICE_COST);
    assert_true(an_lineage("scores", "history.tier") & AN_IN_COST);
    assert_int_equal(an_lineage("scores", "lifecycle"), 0);
    assert_true(an_lineage("summary", "net_profit") & AN_IN_COST);
    assert_true(an_lineage("summary", "counts.tier") & AN_IN_COST);
    assert_true(an_lineage("summary", "store.parties") & AN_IN_BASE);
    /* undeclared: computed from everything */
    assert_int_equal(an_lineage("scores", "something_new"), AN_IN_ALL);
    assert_int_equal(an_lineage("summary", "model.cuts.new_cut"), AN_IN_ALL);
    /* a container has no inputs of its own */
    assert_int_equal(an_lineage("scores", "summary"), 0);
}

static void test_redact(void **state)
{
    (void)state;
    json_t *o = json_loads("{\"party_id\": 3, \"summary\": {\"revenue\": 10, \"cost\": 4, \"net_profit\": 6,"
                           " \"explanation\": \"revenue 10, cost 4\", \"explanation_message\": {\"message\": \"x\"}},"
                           " \"clv\": {\"historical\": 6, \"current\": 2, \"potential\": 1, \"total\": 9},"
                           " \"tier\": {\"label\": \"gold\"}, \"lifecycle\": {\"label\": \"formation\"},"
                           " \"novel\": 1, \"history\": [{\"field\": \"tier\"}, {\"field\": \"lifecycle\"}]}",
                           0, NULL);
    assert_non_null(o);
    json_t *admin = json_deep_copy(o);
    an_redact("scores", admin, 0);
    assert_true(json_equal(admin, o));
    an_redact("scores", o, AN_IN_COST);
    json_t *sum = json_object_get(o, "summary");
    assert_non_null(json_object_get(sum, "revenue"));
    assert_null(json_object_get(sum, "cost"));
    assert_null(json_object_get(sum, "net_profit"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(sum, "explanation_message"), "message")),
                        "hidden.costs");
    assert_string_equal(json_string_value(json_object_get(json_object_get(sum, "explanation_message"), "key")), "summary");
    json_t *clv = json_object_get(o, "clv");
    assert_null(json_object_get(clv, "total"));
    assert_null(json_object_get(clv, "historical"));
    assert_non_null(json_object_get(clv, "current"));
    assert_null(json_object_get(o, "tier"));
    assert_non_null(json_object_get(o, "lifecycle"));
    assert_null(json_object_get(o, "novel")); /* undeclared: hidden from a restricted user */
    assert_int_equal(json_integer_value(json_object_get(o, "party_id")), 3);
    json_t *hist = json_object_get(o, "history");
    assert_int_equal(json_array_size(hist), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "field")), "lifecycle");
    json_decref(o);
    json_decref(admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lineage_declarations),
        cmocka_unit_test(test_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
