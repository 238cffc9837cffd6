/* exchange_rate: dated exchange rates (issue 18, multi-currency) — the
 * descriptor and its rule. Conversions with them: domain/fx.h. */
#ifndef RAPPORT_EXCHANGE_RATE_H
#define RAPPORT_EXCHANGE_RATE_H
#include "api/resource.h"

extern struct resource exchange_rate_resource;
/* currency ≠ to_currency, both ISO codes; rate a positive decimal
 * (at most 12 digits each side of the point). 0, or -1 with e. */
int exchange_rate_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
#endif
