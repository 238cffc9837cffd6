/* loyalty: loyalty programmes (DOMAIN D7, the financial level) — the
 * record type's descriptor and rule (loyalty.c), the earn computation
 * (points_rules.c) and the points ledger (points.c). */
#ifndef RAPPORT_LOYALTY_H
#define RAPPORT_LOYALTY_H
#include "api/resource.h"
#include <jansson.h>
#include <stdint.h>

extern struct resource loyalty_program_resource;
/* Earn rules hang together: earn_unit with earn_points, the frequency
 * triple, positive numbers, ends_on not before starts_on. 0 or -1 with e. */
int loyalty_program_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);

/* What one purchase earns under programme prog (a loyalty-programs
 * record): amount (minor units, in currency) / earn_unit × earn_points,
 * plus each line item's product rule (items carry "product_id" and the
 * resolved "category"; a rule's "points" per unit of quantity), times the
 * tier multiplier of the buyer's tier (percent; tier may be NULL), plus
 * the frequency bonus when purchases_in_window (this one included) reaches
 * frequency_purchases. 0 when the currency differs or amount <= 0. Pure:
 * unit-tested without a database. */
int64_t points_earned(const json_t *prog, int64_t amount, const char *currency, const json_t *items, const char *tier,
                      int64_t purchases_in_window);
#endif
