/* points_rules: what one purchase earns under a loyalty programme (see
 * points_earned in loyalty.h). Pure arithmetic on the programme record, in
 * int64 with every step bounded, so no product overflows. */
#include "domain/loyalty.h"
#include <string.h>

#define POINTS_MAX 1000000000000LL   /* a cap far beyond any real purchase */

static int64_t cap(int64_t v) { return v > POINTS_MAX ? POINTS_MAX : v; }

int64_t points_earned(const json_t *prog, int64_t amount, const char *currency, const json_t *items, const char *tier,
                      int64_t purchases_in_window)
{
    if (amount <= 0 || !currency) return 0;
    int64_t pts = 0;
    json_t *unit = json_object_get(prog, "earn_unit");
    if (json_is_object(unit)) {
        const char *cur = json_string_value(json_object_get(unit, "currency"));
        int64_t per = json_integer_value(json_object_get(unit, "amount"));
        int64_t each = json_integer_value(json_object_get(prog, "earn_points"));
        if (!cur || strcmp(cur, currency) || per <= 0) return 0;   /* another currency's purchase earns nothing */
        int64_t units = amount / per;
        pts = units > POINTS_MAX / (each > 0 ? each : 1) ? POINTS_MAX : units * each;
    }
    size_t i, k;
    json_t *item, *r;
    json_array_foreach(items, i, item) {
        int64_t qty = json_is_integer(json_object_get(item, "quantity")) ? json_integer_value(json_object_get(item, "quantity")) : 1;
        if (qty <= 0) continue;
        if (qty > 1000000) qty = 1000000;
        json_t *pid = json_object_get(item, "product_id");
        const char *cat = json_string_value(json_object_get(item, "category"));
        json_array_foreach(json_object_get(prog, "product_rules"), k, r) {
            json_t *rp = json_object_get(r, "product_id");
            const char *rc = json_string_value(json_object_get(r, "category"));
            bool hit = (json_is_integer(rp) && json_is_integer(pid) && json_integer_value(rp) == json_integer_value(pid)) ||
                       (rc && cat && !strcmp(rc, cat));
            if (hit) pts = cap(pts + qty * json_integer_value(json_object_get(r, "points")));
        }
    }
    if (tier) {
        json_array_foreach(json_object_get(prog, "tier_multipliers"), k, r) {
            const char *t = json_string_value(json_object_get(r, "tier"));
            if (t && !strcmp(t, tier)) {
                pts = cap(pts / 100 * json_integer_value(json_object_get(r, "percent")) +
                          pts % 100 * json_integer_value(json_object_get(r, "percent")) / 100);
                break;
            }
        }
    }
    json_t *need = json_object_get(prog, "frequency_purchases");
    if (json_is_integer(need) && purchases_in_window >= json_integer_value(need))
        pts = cap(pts + json_integer_value(json_object_get(prog, "frequency_bonus")));
    return pts;
}
