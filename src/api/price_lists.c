/* price_lists: GET /api/v1/products/{id}/price — the price of a product on
 * a day for a party and the list it comes from (the lookup is
 * domain/price_list.c; the price-lists CRUD routes come from the registry). */
#include "api/api.h"
#include "domain/price_list.h"
#include "http/authz.h"
#include "lib/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET /api/v1/products/{id}/price?on=&party_id=&currency= */
static void product_price(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t product = rq->path_ids[0];
    const char *on = req_query(rq, "on"), *cur = req_query(rq, "currency"), *ps = req_query(rq, "party_id");
    char today[11];
    if (!on) {
        char now[21];
        now_text(now);
        snprintf(today, sizeof today, "%.10s", now);
        on = today;
    } else if (date_parse(on, &(int64_t){0})) {
        resp_error(rs, 400, "invalid_parameter", "on", "on must be a date YYYY-MM-DD");
        return;
    }
    if (cur && !currency_code(cur)) {
        resp_error(rs, 400, "invalid_parameter", "currency", "currency must be an ISO 4217 code such as CNY");
        return;
    }
    int64_t party = 0;
    if (ps) {
        char *end;
        party = strtoll(ps, &end, 10);
        /* A party the caller may not see is answered as a missing one. */
        if (party < 1 || *end || !authz_party_in_scope(c, &rq->user, party, authz_scope(&rq->user, "parties", "read"))) {
            resp_error(rs, 404, "not_found", "party_id", "no party with id %s", ps);
            return;
        }
    }
    db_stmt *s = db_prepare(c, "SELECT 1 FROM product WHERE id = ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the price could not be read"); return; }
    db_bind_int64(s, 1, product);
    bool exists = db_step(s) == DB_ROW;
    db_done(s);
    if (!exists) { resp_error(rs, 404, "not_found", "id", "no product with id %lld", (long long)product); return; }
    struct price_hit hit;
    if (price_lookup(c, product, on, party, cur, &hit)) { resp_error(rs, 503, "storage_error", NULL, "the price could not be read"); return; }
    if (!hit.found) {
        resp_error(rs, 404, "no_price", "id", "no price list holds product %lld on %s%s%s", (long long)product, on,
                   cur ? " in " : "", cur ? cur : "");
        return;
    }
    resp_json(rs, 200, json_pack("{s:I, s:s, s:o, s:{s:I, s:s}, s:s, s:o, s:o, s:o}", "product_id", (json_int_t)product, "on", on,
                                 "party_id", party ? json_integer(party) : json_null(),
                                 "unit_price", "amount", (json_int_t)hit.unit_price, "currency", hit.currency, "source", hit.source,
                                 "price_list_id", hit.list_id ? json_integer(hit.list_id) : json_null(),
                                 "price_list_name", hit.list_id ? json_string(hit.list_name) : json_null(),
                                 "customer_group", hit.group[0] ? json_string(hit.group) : json_null()));
}

static const struct route_doc price_doc = {
    .id = "getProductPrice", .tag = "products",
    .params = "[{'name':'on','in':'query','schema':{'type':'string','format':'date'},'description':'the day (default today, UTC)'},"
              "{'name':'party_id','in':'query','schema':{'type':'integer','minimum':1},'description':'the buyer: lists for its groups (tags, tier) apply'},"
              "{'name':'currency','in':'query','schema':{'type':'string','pattern':'^[A-Z]{3}$'},'description':'only lists in this currency'}]",
    .response = "{'type':'object','required':['product_id','on','party_id','unit_price','source','price_list_id','price_list_name','customer_group'],"
                "'additionalProperties':false,'properties':{'product_id':{'type':'integer'},'on':{'type':'string','format':'date'},"
                "'party_id':{'type':'integer','nullable':true},"
                "'unit_price':{'type':'object','required':['amount','currency'],'additionalProperties':false,'properties':{"
                "'amount':{'type':'integer','format':'int64'},'currency':{'type':'string','pattern':'^[A-Z]{3}$'}}},"
                "'source':{'type':'string','enum':['price_list','product']},'price_list_id':{'type':'integer','nullable':true},"
                "'price_list_name':{'type':'string','nullable':true},'customer_group':{'type':'string','nullable':true}}}",
    .response_name = "ProductPrice",
    .errors = "404",
};

static const struct route price_routes[] = {
    {"GET", "/api/v1/products/{id}/price", 0, "products", "read", product_price,
     "The price of a product on a day for a party, and the price list it comes from", NULL, &price_doc},
};

void price_lists_register(void) { routes_register(price_routes, sizeof price_routes / sizeof price_routes[0]); }
