/* relationship: Kotler's grid of relationship levels (DOMAIN D3.6; see
 * relationship.h). Rows are the number of customers of a kind (many,
 * medium, few), columns the margin (low, medium, high); each step right or
 * down is one level up, so the grid is the sum of the two bands. */
#include "domain/relationship.h"

int relationship_recommend(const struct rel_grid *g, double margin, int64_t customers)
{
    int m = margin < g->margin_low ? 0 : margin >= g->margin_high ? 2 : 1;
    int c = customers >= g->customers_many ? 0 : customers <= g->customers_few ? 2 : 1;
    return m + c;
}

int relationship_grid_parse(const json_t *o, struct rel_grid *g, const char **bad)
{
    json_t *ml = json_object_get(o, "margin_low"), *mh = json_object_get(o, "margin_high");
    json_t *cf = json_object_get(o, "customers_few"), *cm = json_object_get(o, "customers_many");
    if (!json_is_number(ml) || json_number_value(ml) < -1 || json_number_value(ml) > 1) { *bad = "margin_low"; return -1; }
    if (!json_is_number(mh) || json_number_value(mh) < json_number_value(ml) || json_number_value(mh) > 1) { *bad = "margin_high"; return -1; }
    if (!json_is_integer(cf) || json_integer_value(cf) < 0) { *bad = "customers_few"; return -1; }
    if (!json_is_integer(cm) || json_integer_value(cm) <= json_integer_value(cf)) { *bad = "customers_many"; return -1; }
    *g = (struct rel_grid){json_number_value(ml), json_number_value(mh), json_integer_value(cf), json_integer_value(cm)};
    return 0;
}
