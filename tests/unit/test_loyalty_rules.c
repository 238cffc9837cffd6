/* Unit tests of the loyalty programme's pure parts (issue 21): what one
 * purchase earns (points_earned: per amount, per product and category,
 * tier multiplier, frequency bonus, another currency) and the programme
 * rule that keeps the earn rules coherent; referral card codes and their
 * check character (tied to issuer and level); Kotler's relationship-level
 * grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "domain/loyalty.h"
#include "domain/referral.h"
#include "domain/relationship.h"

static json_t *prog(void)
{
    return json_loads("{\"name\":\"p\",\"earn_unit\":{\"amount\":1000,\"currency\":\"CNY\"},\"earn_points\":2,"
                      "\"product_rules\":[{\"product_id\":7,\"points\":10},{\"category\":\"tea\",\"points\":3}],"
                      "\"tier_multipliers\":[{\"tier\":\"A\",\"percent\":150}],"
                      "\"frequency_purchases\":3,\"frequency_days\":30,\"frequency_bonus\":50}", 0, NULL);
}

static void test_earned(void **state)
{
    (void)state;
    json_t *p = prog();
    json_t *items = json_loads("[{\"product_id\":7,\"quantity\":2},{\"product_id\":9,\"category\":\"tea\"},{\"name\":\"x\"}]", 0, NULL);
    json_t *none = json_array();
    assert_int_equal(points_earned(p, 25999, "CNY", none, NULL, 1), 50);            /* 25 whole units × 2 */
    assert_int_equal(points_earned(p, 999, "CNY", none, NULL, 1), 0);               /* less than a unit */
    assert_int_equal(points_earned(p, 25999, "CNY", items, NULL, 1), 50 + 20 + 3);  /* product ×2, category ×1 */
    assert_int_equal(points_earned(p, 25999, "CNY", items, "A", 1), 109);           /* 73 × 1.5, rounded down */
    assert_int_equal(points_earned(p, 25999, "CNY", items, "B", 1), 73);            /* no multiplier for B */
    assert_int_equal(points_earned(p, 25999, "CNY", none, NULL, 3), 100);           /* the 3rd in the window */
    assert_int_equal(points_earned(p, 25999, "CNY", none, NULL, 2), 50);
    assert_int_equal(points_earned(p, 25999, "USD", items, "A", 5), 0);             /* another currency */
    assert_int_equal(points_earned(p, -5000, "CNY", items, NULL, 1), 0);            /* a cancellation earns nothing */
    assert_int_equal(points_earned(p, INT64_MAX, "CNY", none, NULL, 1), 1000000000000LL);  /* capped, no overflow */
    json_decref(items);
    json_decref(none);
    json_decref(p);
}

static void test_rule(void **state)
{
    (void)state;
    struct actor a = ACTOR_USER(1);
    struct verr e = {0};
    json_t *p = prog();
    assert_int_equal(loyalty_program_rule(&a, NULL, p, &e), 0);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "active");
    json_object_del(p, "earn_points");   /* a unit without its points */
    assert_int_equal(loyalty_program_rule(&a, NULL, p, &e), -1);
    assert_string_equal(e.field, "earn_points");
    json_decref(p);
    p = prog();
    json_object_del(p, "frequency_days");
    assert_int_equal(loyalty_program_rule(&a, NULL, p, &e), -1);
    assert_string_equal(e.field, "frequency_bonus");
    json_decref(p);
    p = prog();
    json_object_set_new(p, "tier_multipliers", json_loads("[{\"tier\":\"A\",\"percent\":-1}]", 0, NULL));
    assert_int_equal(loyalty_program_rule(&a, NULL, p, &e), -1);
    assert_string_equal(e.field, "tier_multipliers");
    json_decref(p);
    p = prog();
    json_object_set_new(p, "expiry_days", json_integer(0));
    assert_int_equal(loyalty_program_rule(&a, NULL, p, &e), -1);
    assert_string_equal(e.field, "expiry_days");
    json_decref(p);
}

static void test_codes(void **state)
{
    (void)state;
    unsigned char rnd[10] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0x55};
    char code[REFERRAL_CODE_MAX], key[REFERRAL_CODE_MAX];
    referral_code_make(4711, 2, rnd, code);
    assert_int_equal(strlen(code), 24);   /* L2-XXXX-XXXX-XXXX-XXXX-C */
    assert_memory_equal(code, "L2-", 3);
    referral_code_key(code, key);
    assert_int_equal(strlen(key), 19);
    assert_true(referral_code_valid(key, 4711, 2));
    assert_false(referral_code_valid(key, 4712, 2));   /* another issuer */
    assert_false(referral_code_valid(key, 4711, 3));   /* another level */
    /* Every single wrong character and every swap of neighbours is caught. */
    static const char B32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for (size_t i = 2; i < 19; i++) {
        char orig = key[i];
        for (int k = 0; k < 32; k++) {
            if (B32[k] == orig) continue;
            key[i] = B32[k];
            assert_false(referral_code_valid(key, 4711, 2));
        }
        key[i] = orig;
        if (i + 1 < 19 && key[i] != key[i + 1]) {
            char t = key[i]; key[i] = key[i + 1]; key[i + 1] = t;
            assert_false(referral_code_valid(key, 4711, 2));
            t = key[i]; key[i] = key[i + 1]; key[i + 1] = t;
        }
    }
    referral_code_key("l2-abcd efgh", key);
    assert_string_equal(key, "L2ABCDEFGH");
    referral_code_key("L2-AB/CD", key);
    assert_string_equal(key, "");
    /* Two codes from different random bytes differ. */
    char other[REFERRAL_CODE_MAX];
    rnd[9] ^= 1;
    referral_code_make(4711, 2, rnd, other);
    assert_string_not_equal(code, other);
}

static void test_kotler_grid(void **state)
{
    (void)state;
    struct rel_grid g = {0.1, 0.3, 100, 1000};
    /* Rows: many, medium, few customers; columns: low, medium, high margin. */
    static const int want[3][3] = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}};
    static const int64_t customers[3] = {5000, 500, 20};
    static const double margins[3] = {0.05, 0.2, 0.45};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) assert_int_equal(relationship_recommend(&g, margins[c], customers[r]), want[r][c]);
    /* The thresholds belong to the upper band: margin_high is high, customers_many is many, customers_few is few. */
    assert_int_equal(relationship_recommend(&g, 0.3, 1000), 2);
    assert_int_equal(relationship_recommend(&g, 0.1, 100), 3);
    json_t *o = json_loads("{\"margin_low\":0.2,\"margin_high\":0.1,\"customers_few\":1,\"customers_many\":2}", 0, NULL);
    const char *bad = NULL;
    assert_int_equal(relationship_grid_parse(o, &g, &bad), -1);
    assert_string_equal(bad, "margin_high");
    json_decref(o);
    o = json_loads("{\"margin_low\":0.1,\"margin_high\":0.2,\"customers_few\":5,\"customers_many\":5}", 0, NULL);
    assert_int_equal(relationship_grid_parse(o, &g, &bad), -1);
    assert_string_equal(bad, "customers_many");
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_earned), cmocka_unit_test(test_rule), cmocka_unit_test(test_codes),
                                       cmocka_unit_test(test_kotler_grid)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
