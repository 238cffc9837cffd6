/* Unit tests of issue 18's pure parts, without a server or a database: a
 * quote's totals and their rounding (quote_share, quote_compute), the
 * quote's rule (revisions, a closed offer), the price-list rule, the order
 * rule, and the D9 order workflow (one step after another, stamps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "domain/order.h"
#include "domain/price_list.h"
#include "domain/quote.h"
#include "lib/money.h"
#include "records/workflow.h"

#define NOW "2027-01-02T03:04:05Z"

static void test_share_rounding(void **state)
{
    (void)state;
    int64_t v;
    assert_true(quote_share(1000, 1000, &v));
    assert_int_equal(v, 100);
    assert_true(quote_share(5, 1000, &v));            /* 0.5 → 1: half up */
    assert_int_equal(v, 1);
    assert_true(quote_share(4, 1000, &v));            /* 0.4 → 0 */
    assert_int_equal(v, 0);
    assert_true(quote_share(5997, 333, &v));          /* 199.7001 → 200 */
    assert_int_equal(v, 200);
    assert_true(quote_share(0, 10000, &v));
    assert_int_equal(v, 0);
    /* An amount whose product with the rate leaves int64 is still exact. */
    assert_true(quote_share(INT64_MAX, 10000, &v));
    assert_int_equal(v, INT64_MAX);
    assert_true(quote_share(INT64_MAX, 5000, &v));    /* INT64_MAX / 2 = …3.5 → …4 */
    assert_int_equal(v, INT64_MAX / 2 + 1);
}

static json_t *quote(void)
{
    return json_pack("{s:s, s:[{s:i, s:i, s:i, s:i}, {s:s, s:i, s:i}], s:i, s:i}", "currency", "CNY", "lines",
                     "product_id", 1, "quantity", 3, "unit_price", 1999, "discount_bp", 333,
                     "description", "包装费", "quantity", 1, "unit_price", 1250, "discount_bp", 500, "tax_bp", 1300);
}

static int64_t amount(const json_t *rec, const char *k) { return json_integer_value(json_object_get(json_object_get(rec, k), "amount")); }

static void test_compute(void **state)
{
    (void)state;
    struct verr e = {0};
    json_t *q = quote();
    assert_int_equal(quote_compute(q, &e), 0);
    /* 59.97 − 3.33% (1.997… → 2.00) = 57.97; + 12.50 = 70.47; − 5% (3.5235 → 3.52) = 66.95; tax 13% (8.7035 → 8.70); 75.65 */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(q, "lines"), 0), "net")), 5797);
    assert_int_equal(amount(q, "subtotal"), 7047);
    assert_int_equal(amount(q, "discount"), 352);
    assert_int_equal(amount(q, "tax"), 870);
    assert_int_equal(amount(q, "total"), 7565);
    assert_string_equal(json_string_value(json_object_get(json_object_get(q, "total"), "currency")), "CNY");
    /* Bad lines name the field. */
    json_object_set_new(json_array_get(json_object_get(q, "lines"), 1), "quantity", json_integer(0));
    assert_int_equal(quote_compute(q, &e), -1);
    assert_string_equal(e.field, "lines");
    json_object_set_new(json_array_get(json_object_get(q, "lines"), 1), "quantity", json_integer(1));
    json_object_set_new(q, "tax_bp", json_integer(10001));
    assert_int_equal(quote_compute(q, &e), -1);
    assert_string_equal(e.field, "tax_bp");
    /* A total beyond int64 is refused, not wrapped. */
    json_object_set_new(q, "tax_bp", json_integer(0));
    json_t *big = json_pack("{s:s, s:I, s:I}", "description", "x", "quantity", (json_int_t)1000000000, "unit_price", (json_int_t)MONEY_ROW_MAX);
    json_array_append_new(json_object_get(q, "lines"), big);
    assert_int_equal(quote_compute(q, &e), -1);
    assert_string_equal(e.code, "too_large");
    json_decref(q);
}

static void test_quote_rule_revisions(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(5);
    struct verr e = {0};
    json_t *q = quote();
    assert_int_equal(quote_rule(&a, NULL, q, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(q, "revision")), 1);
    json_object_set_new(q, "status", json_string("sent"));
    /* The same offer again (with the server's nets) is no new revision. */
    json_t *same = json_deep_copy(q);
    assert_int_equal(quote_rule(&a, q, same, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(same, "revision")), 1);
    /* A changed offer is. */
    json_t *changed = json_deep_copy(q);
    json_object_set_new(changed, "tax_bp", json_integer(600));
    assert_int_equal(quote_rule(&a, q, changed, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(changed, "revision")), 2);
    /* A closed quote's offer cannot change. */
    json_object_set_new(q, "status", json_string("accepted"));
    json_decref(changed);
    changed = json_deep_copy(q);
    json_object_set_new(changed, "tax_bp", json_integer(600));
    assert_int_equal(quote_rule(&a, q, changed, &e), -1);
    assert_int_equal(e.status, 409);
    assert_string_equal(e.code, "quote_closed");
    json_object_set_new(changed, "currency", json_string("cny"));
    assert_int_equal(quote_rule(&a, NULL, changed, &e), -1);
    assert_string_equal(e.field, "currency");
    json_decref(q);
    json_decref(same);
    json_decref(changed);
}

static void test_price_list_rule(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(5);
    struct verr e = {0};
    json_t *l = json_pack("{s:s, s:s, s:s, s:[{s:i, s:i}, {s:i, s:i}]}", "currency", "CNY", "valid_from", "2027-01-01",
                          "valid_to", "2027-12-31", "items", "product_id", 1, "unit_price", 100, "product_id", 2, "unit_price", 0);
    assert_int_equal(price_list_rule(&a, NULL, l, &e), 0);
    assert_true(json_is_true(json_object_get(l, "active")));
    json_object_set_new(json_array_get(json_object_get(l, "items"), 1), "product_id", json_integer(1));
    assert_int_equal(price_list_rule(&a, NULL, l, &e), -1);
    assert_string_equal(e.code, "duplicate");
    json_object_set_new(json_array_get(json_object_get(l, "items"), 1), "product_id", json_integer(2));
    json_object_set_new(l, "valid_to", json_string("2026-12-31"));
    assert_int_equal(price_list_rule(&a, NULL, l, &e), -1);
    assert_string_equal(e.field, "valid_to");
    json_decref(l);
}

static void test_order_workflow(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(9), sys = ACTOR_SYSTEM("import");
    struct verr e = {0};
    json_t *o = json_pack("{s:s, s:{s:i, s:s}}", "currency", "CNY", "total", "amount", 100, "currency", "CNY");
    assert_int_equal(order_rule(&a, NULL, o, &e), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "confirmed_by")), 9);
    assert_int_equal(workflow_apply(&order_workflow, &a, NULL, o, NOW, &e), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "confirmed");
    /* Every step follows the one before; no step may be skipped. */
    for (int i = 1; order_steps[i]; i++) {
        if (order_steps[i + 1]) {
            json_t *skip = json_deep_copy(o);
            json_object_set_new(skip, "status", json_string(order_steps[i + 1]));
            assert_int_equal(workflow_apply(&order_workflow, &a, o, skip, NOW, &e), -1);
            assert_int_equal(e.status, 409);
            assert_string_equal(e.code, "invalid_transition");
            json_decref(skip);
        }
        json_t *next = json_deep_copy(o);
        json_object_set_new(next, "status", json_string(order_steps[i]));
        assert_int_equal(workflow_apply(&order_workflow, i % 2 ? &a : &sys, o, next, NOW, &e), 0);
        char at[64], by[64];
        snprintf(at, sizeof at, "%s_at", order_steps[i]);
        snprintf(by, sizeof by, "%s_by", order_steps[i]);
        assert_string_equal(json_string_value(json_object_get(next, at)), NOW);
        if (i % 2) assert_int_equal(json_integer_value(json_object_get(next, by)), 9);
        else assert_true(json_is_null(json_object_get(next, by)));
        json_decref(o);
        o = next;
    }
    assert_string_equal(json_string_value(json_object_get(o, "status")), "deal_confirmed");
    json_object_set_new(o, "total", json_pack("{s:i, s:s}", "amount", 1, "currency", "USD"));
    assert_int_equal(order_rule(&a, o, o, &e), -1);
    assert_string_equal(e.code, "invalid_currency");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_rounding),
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_quote_rule_revisions),
        cmocka_unit_test(test_price_list_rule),
        cmocka_unit_test(test_order_workflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
