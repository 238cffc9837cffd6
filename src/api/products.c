/* products: the catalogue that transactions, quotes and orders refer to
 * (D10 online catalogue and product selection). */
#include "api/api.h"

static const struct field product_fields[] = {
    {"sku", "sku", NULL, FT_TEXT, F_FILTER, 64, NULL, 0, 0, NULL, "stock-keeping unit, unique"},
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 300, NULL, 0, 0, NULL, "name"},
    {"description", "description", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "description"},
    {"category", "category", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "category"},
    {"price", "price_amount", "price_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "list price"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "offered for sale"},
};

static int product_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    if (!json_is_boolean(json_object_get(rec, "active"))) json_object_set_new(rec, "active", json_true());
    return 0;
}

struct resource product_resource = {
    .name = "products", .table = "product", .entity = "product",
    .fields = product_fields, .nfields = sizeof product_fields / sizeof product_fields[0],
    .rule = product_rule,
};


