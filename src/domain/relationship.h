/* relationship: a customer's relationship level (DOMAIN D3.6) against the
 * level Kotler's grid recommends from the customer's profit margin and the
 * number of customers of its kind (relationship.c). */
#ifndef RAPPORT_RELATIONSHIP_H
#define RAPPORT_RELATIONSHIP_H
#include <jansson.h>
#include <stdint.h>

/* The grid's thresholds (setting relationship.grid). */
struct rel_grid { double margin_low, margin_high; int64_t customers_few, customers_many; };
/* The recommended level's index (0 basic … 4 partner): the margin's band
 * (below margin_low 0, from margin_high 2, else 1) plus the customers'
 * band (at least customers_many 0, at most customers_few 2, else 1) — many
 * customers at a low margin: basic; few at a high margin: partner. Pure. */
int relationship_recommend(const struct rel_grid *g, double margin, int64_t customers);
/* Reads {margin_low, margin_high, customers_few, customers_many} into g;
 * -1 with the offending field's name in *bad when a value is missing or
 * out of order. */
int relationship_grid_parse(const json_t *o, struct rel_grid *g, const char **bad);
#endif
