/* loyalty: the loyalty-programs record type (DOMAIN D7, frequency
 * marketing): its fields and the rule that keeps its earn rules coherent.
 * Declared in records/registry.c, which gives it routes, permissions,
 * audit and export. Points themselves are in points.c. */
#include "domain/loyalty.h"
#include <string.h>

static const char *const program_statuses[] = {"active", "paused", "closed", NULL};
static const char *const product_rule_keys[] = {"product_id", "category", "points", NULL};
static const char *const tier_keys[] = {"tier", "percent", NULL};

static const struct field loyalty_program_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "programme name"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, program_statuses, 0, 0, NULL, "active programmes earn points"},
    {"earn_unit", "earn_unit_amount", "earn_unit_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL,
     "per this much spent (its currency is the programme's) …"},
    {"earn_points", "earn_points", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "… this many points"},
    {"product_rules", "product_rules", NULL, FT_OBJLIST, 0, 200, NULL, 0, 0, product_rule_keys,
     "extra points per unit bought of a product (product_id) or category: {product_id | category, points}"},
    {"tier_multipliers", "tier_multipliers", NULL, FT_OBJLIST, 0, 20, NULL, 0, 0, tier_keys,
     "the buyer's tier multiplies the points: {tier, percent} (150 = 1.5×)"},
    {"frequency_purchases", "frequency_purchases", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL,
     "frequency bonus: a purchase that is at least the n-th …"},
    {"frequency_days", "frequency_days", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "… within this many days …"},
    {"frequency_bonus", "frequency_bonus", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "… earns this many more points"},
    {"expiry_days", "expiry_days", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "earned points expire after this many days (none: never)"},
    {"point_value", "point_value_amount", "point_value_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL,
     "what one point is worth when redeemed"},
    {"min_redeem", "min_redeem", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "the fewest points one redemption takes"},
    {"starts_on", "starts_on", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "first day"},
    {"ends_on", "ends_on", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "last day"},
    {"description", "description", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "description"},
};

static int positive(const json_t *rec, const char *name, bool zero_ok, struct verr *e)
{
    json_t *v = json_object_get(rec, name);
    if (!v || json_is_null(v)) return 0;
    if (json_integer_value(v) < (zero_ok ? 0 : 1) || json_integer_value(v) > 1000000000) {
        verr_set(e, 422, "invalid_value", name, "%s must be a whole number from %d to 1000000000", name, zero_ok ? 0 : 1);
        return -1;
    }
    return 0;
}

int loyalty_program_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    static const char *const counts[] = {"earn_points", "frequency_purchases", "frequency_days", "frequency_bonus",
                                         "expiry_days", "min_redeem", NULL};
    for (int i = 0; counts[i]; i++)
        if (positive(rec, counts[i], !strcmp(counts[i], "frequency_bonus") || !strcmp(counts[i], "earn_points"), e)) return -1;
    json_t *unit = json_object_get(rec, "earn_unit");
    bool has_unit = json_is_object(unit), has_points = json_is_integer(json_object_get(rec, "earn_points"));
    if (has_unit && json_integer_value(json_object_get(unit, "amount")) <= 0) {
        verr_set(e, 422, "invalid_value", "earn_unit", "earn_unit must be a positive amount");
        return -1;
    }
    if (has_unit != has_points) {
        verr_set(e, 422, "invalid_value", has_unit ? "earn_points" : "earn_unit", "earn_unit and earn_points go together");
        return -1;
    }
    json_t *pv = json_object_get(rec, "point_value");
    if (json_is_object(pv) && json_integer_value(json_object_get(pv, "amount")) < 0) {
        verr_set(e, 422, "invalid_value", "point_value", "point_value may not be negative");
        return -1;
    }
    int nfreq = 0;
    static const char *const freq[] = {"frequency_purchases", "frequency_days", "frequency_bonus"};
    for (int i = 0; i < 3; i++) nfreq += json_is_integer(json_object_get(rec, freq[i]));
    if (nfreq != 0 && nfreq != 3) {
        verr_set(e, 422, "invalid_value", "frequency_bonus", "frequency_purchases, frequency_days and frequency_bonus go together");
        return -1;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rec, "product_rules"), i, r) {
        json_t *pid = json_object_get(r, "product_id"), *cat = json_object_get(r, "category"), *pts = json_object_get(r, "points");
        if (!json_is_integer(pid) == !json_is_string(cat)) {
            verr_set(e, 422, "invalid_value", "product_rules", "product_rules[%zu] names exactly one of product_id and category", i);
            return -1;
        }
        if (!json_is_integer(pts) || json_integer_value(pts) < 1 || json_integer_value(pts) > 1000000) {
            verr_set(e, 422, "invalid_value", "product_rules", "product_rules[%zu].points is a whole number from 1 to 1000000", i);
            return -1;
        }
    }
    json_array_foreach(json_object_get(rec, "tier_multipliers"), i, r) {
        json_t *pct = json_object_get(r, "percent");
        if (!json_is_string(json_object_get(r, "tier")) || !json_is_integer(pct) || json_integer_value(pct) < 0 ||
            json_integer_value(pct) > 10000) {
            verr_set(e, 422, "invalid_value", "tier_multipliers", "tier_multipliers[%zu] is {tier: text, percent: 0 to 10000}", i);
            return -1;
        }
    }
    const char *from = json_string_value(json_object_get(rec, "starts_on"));
    const char *to = json_string_value(json_object_get(rec, "ends_on"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "ends_on", "ends_on (%s) must be on or after starts_on (%s)", to, from);
        return -1;
    }
    if (!json_is_string(json_object_get(rec, "status"))) json_object_set_new(rec, "status", json_string("active"));
    return 0;
}

struct resource loyalty_program_resource = {
    .name = "loyalty-programs", .table = "loyalty_program", .entity = "loyalty_program",
    .fields = loyalty_program_fields, .nfields = sizeof loyalty_program_fields / sizeof loyalty_program_fields[0],
    .rule = loyalty_program_rule,
};
