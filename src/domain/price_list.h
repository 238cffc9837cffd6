/* price_list: price lists per currency and customer group with validity
 * dates (issue 18, D10 proposal automation), and the one question every
 * priced document asks of them: what does this product cost this party on
 * this day, and from which list (price_lookup). */
#ifndef RAPPORT_PRICE_LIST_H
#define RAPPORT_PRICE_LIST_H
#include "api/resource.h"
#include "db/db.h"
#include <stdbool.h>
#include <stdint.h>

extern struct resource price_list_resource;
/* The rule: a currency code, valid_to not before valid_from, items with an
 * integer product_id (once each) and a unit_price in minor units within
 * [0, MONEY_ROW_MAX]. 0, or -1 with e (422 naming the field). Pure. */
int price_list_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);

/* The price that applies: found true with the unit price in minor units,
 * its currency, and the list (list_id 0 and source "product" when it is the
 * product's own list price). */
struct price_hit {
    bool found;
    int64_t unit_price;
    char currency[4];
    int64_t list_id;
    char list_name[201];
    char group[101];              /* the list's customer group, "" for everyone */
    const char *source;           /* "price_list" or "product" */
};
/* The price of product on day on (YYYY-MM-DD) for party (0: no party, so
 * only lists for everyone apply), in currency (NULL: any). Among the active
 * lists valid that day holding the product, one for a group of the party
 * (one of its tags, or its tier) beats one for everyone, then the latest
 * valid_from, then the newest list. No list: the product's own price when
 * its currency fits. 0 (hit->found says whether one applies) or -1 on a
 * storage error. */
int price_lookup(db *c, int64_t product, const char *on, int64_t party, const char *currency, struct price_hit *hit);
/* Whether c is three upper-case letters (an ISO 4217 code's shape). */
bool currency_code(const char *c);
#endif
