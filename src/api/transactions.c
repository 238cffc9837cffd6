/* transactions: purchases, with amount and cost in minor units (so profit and
 * cost-to-serve can be computed), line items and channel — including
 * purchases a party made from a competitor (D1 与竞争对手间的交易状况). */
#include "api/api.h"
#include "domain/vocab.h"
#include <string.h>

static const struct field transaction_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, REF_PARTY, NULL, "the buyer"},
    {"external_id", "external_id", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "invoice number in another system"},
    {"occurred_at", "occurred_at", NULL, FT_TIME, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "when"},
    {"amount", "amount", "currency", FT_MONEY, F_REQUIRED, 0, NULL, 0, 0, NULL, "amount paid (negative for a cancellation)"},
    {"cost", "cost", "cost_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "cost of goods and service"},
    {"items", "items", NULL, FT_OBJLIST, 0, 500, NULL, 0, 0, item_keys, "line items"},
    {"channel", "channel", NULL, FT_TEXT, F_FILTER, 50, NULL, 0, 0, NULL, "sales channel"},
    {"description", "description", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "description"},
    {"competitor_id", "competitor_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, REF_PARTY, NULL, "set when bought from this competitor"},
};

static int transaction_check(json_t *rec, bool create, const struct req *rq, struct verr *e)
{
    json_t *cost = json_object_get(rec, "cost");
    if (json_is_object(cost) &&
        !json_equal(json_object_get(cost, "currency"), json_object_get(json_object_get(rec, "amount"), "currency"))) {
        verr_set(e, 422, "invalid_currency", "cost", "cost must be in the currency of amount");
        return -1;
    }
    size_t i; json_t *item;
    json_array_foreach(json_object_get(rec, "items"), i, item) {
        json_t *q = json_object_get(item, "quantity");
        if (q && !json_is_integer(q)) { verr_set(e, 422, "invalid_type", "items", "items[%zu].quantity must be an integer", i); return -1; }
        json_t *pid = json_object_get(item, "product_id");
        if (pid && !json_is_integer(pid) && !json_is_null(pid)) { verr_set(e, 422, "invalid_type", "items", "items[%zu].product_id must be an integer", i); return -1; }
        json_t *price = json_object_get(item, "unit_price");
        if (price && !json_is_null(price) && (!json_is_object(price) || !json_is_integer(json_object_get(price, "amount")))) {
            verr_set(e, 422, "invalid_type", "items", "items[%zu].unit_price must be {\"amount\", \"currency\"}", i);
            return -1;
        }
    }
    return 0;
}

struct resource transaction_resource = {
    .name = "transactions", .table = "txn", .entity = "transaction",
    .fields = transaction_fields, .nfields = sizeof transaction_fields / sizeof transaction_fields[0],
    .party_field = "party_id", .check = transaction_check,
    .after_write = analytics_txn_written, .before_delete = analytics_txn_deleting,
};

static const struct route transaction_routes[] = { RESOURCE_ROUTES("transactions", transaction_resource, "a transaction") };

void transactions_register(void)
{
    resource_init(&transaction_resource);
    routes_register(transaction_routes, sizeof transaction_routes / sizeof transaction_routes[0]);
}
