/* referral: the referral-programs record type (DOMAIN D9): its fields and
 * the rule that keeps the level table coherent. Members, cards and the
 * report are in referral_tree.c. */
#include "domain/referral.h"
#include <string.h>

static const char *const program_statuses[] = {"planned", "active", "closed", NULL};
static const char *const level_keys[] = {"level", "card_quota", "benefit", "benefit_cost", "expected_spend", NULL};

static const struct field referral_program_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "programme name"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, program_statuses, 0, 0, NULL,
     "members enrol, cards are issued and redeemed only while active"},
    {"levels", "levels", NULL, FT_OBJLIST, 0, 20, NULL, 0, 0, level_keys,
     "levels 1..n: {level, card_quota (cards a member of the level hands out), benefit (text), benefit_cost (money; default 0), "
     "expected_spend (money a member of the level is expected to spend)}"},
    {"budget_cap", "budget_cap_amount", "budget_cap_currency", FT_MONEY, F_REQUIRED, 0, NULL, 0, 0, NULL,
     "the most the benefits may cost, granted and promised by the cards out"},
    {"starts_on", "starts_on", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "first day"},
    {"ends_on", "ends_on", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "last day"},
    {"growth_every", "growth_every", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL,
     "quota growth: each time a member's subtree grows by this many discounted members …"},
    {"growth_cards", "growth_cards", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "… the member may hand out this many more cards …"},
    {"growth_up_to_level", "growth_up_to_level", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "… if their level is at most this"},
    {"open_from_level", "open_from_level", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL,
     "members of this level and below refer ordinary members by card number and name, without discount or limit"},
    {"description", "description", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "description"},
};

static int money_in(const json_t *m, const char *cur, bool required, const char *what, size_t i, struct verr *e)
{
    if (!m || json_is_null(m)) {
        if (!required) return 0;
        verr_set(e, 422, "invalid_value", "levels", "levels[%zu].%s is required", i, what);
        return -1;
    }
    json_t *a = json_object_get(m, "amount");
    const char *c = json_string_value(json_object_get(m, "currency"));
    if (!json_is_object(m) || !json_is_integer(a) || json_integer_value(a) < 0 || json_integer_value(a) > 1000000000000000LL ||
        !c || strcmp(c, cur)) {
        verr_set(e, 422, "invalid_value", "levels", "levels[%zu].%s is {amount >= 0, currency: %s}", i, what, cur);
        return -1;
    }
    return 0;
}

int referral_program_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    json_t *cap = json_object_get(rec, "budget_cap");
    const char *cur = json_string_value(json_object_get(cap, "currency"));
    if (!cur || json_integer_value(json_object_get(cap, "amount")) < 0) {
        verr_set(e, 422, "invalid_value", "budget_cap", "budget_cap is a money amount of at least 0");
        return -1;
    }
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(rec, "levels"), i, l) {
        json_t *lv = json_object_get(l, "level"), *q = json_object_get(l, "card_quota");
        if (!json_is_integer(lv) || json_integer_value(lv) != (json_int_t)i + 1) {
            verr_set(e, 422, "invalid_value", "levels", "levels[%zu].level must be %zu: the levels are 1..n in order", i, i + 1);
            return -1;
        }
        if (!json_is_integer(q) || json_integer_value(q) < 0 || json_integer_value(q) > 10000) {
            verr_set(e, 422, "invalid_value", "levels", "levels[%zu].card_quota is a whole number from 0 to 10000", i);
            return -1;
        }
        json_t *b = json_object_get(l, "benefit");
        if (b && !json_is_null(b) && !json_is_string(b)) {
            verr_set(e, 422, "invalid_value", "levels", "levels[%zu].benefit is text", i);
            return -1;
        }
        /* The written level is {level, card_quota, benefit, expected_spend}: a level given
         * without benefit_cost costs nothing against the budget cap (0 in the cap's currency). */
        if (!json_object_get(l, "benefit_cost") || json_is_null(json_object_get(l, "benefit_cost")))
            json_object_set_new(l, "benefit_cost", json_pack("{s:i, s:s}", "amount", 0, "currency", cur));
        if (money_in(json_object_get(l, "benefit_cost"), cur, true, "benefit_cost", i, e) ||
            money_in(json_object_get(l, "expected_spend"), cur, false, "expected_spend", i, e))
            return -1;
    }
    static const char *const ints[] = {"growth_every", "growth_cards", "growth_up_to_level", "open_from_level", NULL};
    for (int k = 0; ints[k]; k++) {
        json_t *v = json_object_get(rec, ints[k]);
        if (v && !json_is_null(v) && (json_integer_value(v) < 1 || json_integer_value(v) > 1000000)) {
            verr_set(e, 422, "invalid_value", ints[k], "%s is a whole number from 1 to 1000000", ints[k]);
            return -1;
        }
    }
    bool ge = json_is_integer(json_object_get(rec, "growth_every")), gc = json_is_integer(json_object_get(rec, "growth_cards"));
    if (ge != gc) {
        verr_set(e, 422, "invalid_value", ge ? "growth_cards" : "growth_every", "growth_every and growth_cards go together");
        return -1;
    }
    const char *from = json_string_value(json_object_get(rec, "starts_on"));
    const char *to = json_string_value(json_object_get(rec, "ends_on"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "ends_on", "ends_on (%s) must be on or after starts_on (%s)", to, from);
        return -1;
    }
    if (!json_is_string(json_object_get(rec, "status"))) json_object_set_new(rec, "status", json_string("planned"));
    return 0;
}

struct resource referral_program_resource = {
    .name = "referral-programs", .table = "referral_program", .entity = "referral_program",
    .fields = referral_program_fields, .nfields = sizeof referral_program_fields / sizeof referral_program_fields[0],
    .rule = referral_program_rule,
};
