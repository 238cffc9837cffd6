/* price_list: the descriptor and rule of price lists and the price lookup
 * (see price_list.h). A list's items are a JSON list on its row
 * (FT_OBJLIST), read and written whole with the list; the write path's hook
 * keeps them again as rows of price_list_item (list, product, price), which
 * the lookup reads by product. */
#include "domain/price_list.h"
#include "api/api.h"
#include "lib/money.h"
#include "lib/timeutil.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const price_item_keys[] = {"product_id", "unit_price", NULL};

static const struct field price_list_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "name of the list"},
    {"currency", "currency", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 3, NULL, 0, 0, NULL, "ISO 4217 code of every price in it"},
    {"customer_group", "customer_group", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL,
     "the parties it is for: a party tag or a tier (platinum, gold, iron, lead); null: everyone"},
    {"valid_from", "valid_from", NULL, FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "first day it applies"},
    {"valid_to", "valid_to", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "last day it applies (null: open-ended)"},
    {"items", "items", NULL, FT_OBJLIST, 0, 2000, NULL, 0, 0, price_item_keys,
     "prices: {product_id, unit_price} with unit_price in minor units of the list's currency"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "in use (default true)"},
};

bool currency_code(const char *c)
{
    return c && strlen(c) == 3 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]) && isupper((unsigned char)c[2]);
}

int price_list_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    if (!json_is_boolean(json_object_get(rec, "active"))) json_object_set_new(rec, "active", json_true());
    const char *cur = json_string_value(json_object_get(rec, "currency"));
    if (cur && !currency_code(cur)) {
        verr_set(e, 422, "invalid_value", "currency", "currency must be an ISO 4217 code such as CNY");
        return -1;
    }
    const char *from = json_string_value(json_object_get(rec, "valid_from"));
    const char *to = json_string_value(json_object_get(rec, "valid_to"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "valid_to", "valid_to (%s) must be on or after valid_from (%s)", to, from);
        return -1;
    }
    json_t *items = json_object_get(rec, "items");
    size_t i, j;
    json_t *it, *other;
    json_array_foreach(items, i, it) {
        json_t *pid = json_object_get(it, "product_id"), *price = json_object_get(it, "unit_price");
        if (!json_is_integer(pid) || json_integer_value(pid) < 1) {
            verr_set(e, 422, "invalid_value", "items", "items[%zu].product_id must be a product id", i);
            return -1;
        }
        if (!json_is_integer(price) || json_integer_value(price) < 0 || json_integer_value(price) > MONEY_ROW_MAX) {
            verr_set(e, 422, "invalid_value", "items", "items[%zu].unit_price must be an integer of minor units from 0 to 10^15", i);
            return -1;
        }
        json_array_foreach(items, j, other) {
            if (j >= i) break;
            if (json_equal(json_object_get(other, "product_id"), pid)) {
                verr_set(e, 422, "duplicate", "items", "product %lld is listed twice (items[%zu] and items[%zu])",
                         (long long)json_integer_value(pid), j, i);
                return -1;
            }
        }
    }
    return 0;
}

/* Every item names a product that exists (the rule checked the shape). */
static int price_list_check_products(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    (void)id;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "items"), i, it) {
        db_stmt *s = db_prepare(w, "SELECT 1 FROM product WHERE id = ?");
        if (!s) { verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written"); return -1; }
        db_bind_int64(s, 1, json_integer_value(json_object_get(it, "product_id")));
        bool found = db_step(s) == DB_ROW;
        db_done(s);
        if (!found) {
            verr_set(e, 422, "invalid_reference", "items", "items[%zu].product_id %lld does not exist", i,
                     (long long)json_integer_value(json_object_get(it, "product_id")));
            return -1;
        }
    }
    return 0;
}

/* After the row is written: its items as rows of price_list_item. */
static int price_list_index(db *w, int64_t id, const json_t *rec)
{
    db_stmt *s = db_prepare(w, "DELETE FROM price_list_item WHERE list_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rec, "items"), i, it) {
        if (rc) break;
        s = db_prepare(w, "INSERT INTO price_list_item(list_id, product_id, unit_price) VALUES (?, ?, ?)");
        if (!s) return -1;
        db_bind_int64(s, 1, id);
        db_bind_int64(s, 2, json_integer_value(json_object_get(it, "product_id")));
        db_bind_int64(s, 3, json_integer_value(json_object_get(it, "unit_price")));
        rc = db_step(s) == DB_DONE ? 0 : -1;
        db_done(s);
    }
    return rc;
}

struct resource price_list_resource = {
    .name = "price-lists", .table = "price_list", .entity = "price_list",
    .fields = price_list_fields, .nfields = sizeof price_list_fields / sizeof price_list_fields[0],
    .rule = price_list_rule, .check_stored = price_list_check_products, .after_write = price_list_index,
};

/* ---- the lookup ---- */

/* Whether group names one of the party's tags or its tier. */
static bool party_in_group(db *c, int64_t party, const char *group)
{
    if (!party || !group || !*group) return false;
    bool in = false;
    db_stmt *s = db_prepare(c, "SELECT p.tags, (SELECT tier FROM score WHERE party_id = p.id) FROM party p WHERE p.id = ?");
    if (!s) return false;
    db_bind_int64(s, 1, party);
    if (db_step(s) == DB_ROW) {
        const char *tier = db_column_text(s, 1);
        if (tier && !strcmp(tier, group)) in = true;
        json_t *tags = db_column_text(s, 0) ? json_loads(db_column_text(s, 0), 0, NULL) : NULL;
        size_t i;
        json_t *t;
        json_array_foreach(tags, i, t)
            if (json_is_string(t) && !strcmp(json_string_value(t), group)) in = true;
        json_decref(tags);
    }
    db_done(s);
    return in;
}

int price_lookup(db *c, int64_t product, const char *on, int64_t party, const char *currency, struct price_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    hit->source = "price_list";
    /* Latest start first, then the newest list: the first list for one of
     * the party's groups wins, else the first for everyone. */
    db_stmt *s = db_prepare(c, "SELECT l.id, l.name, l.currency, l.customer_group, i.unit_price"
                               " FROM price_list_item i JOIN price_list l ON l.id = i.list_id"
                               " WHERE i.product_id = ? AND l.active = 1 AND l.valid_from <= ?"
                               " AND (l.valid_to IS NULL OR l.valid_to >= ?) AND (? IS NULL OR l.currency = ?)"
                               " ORDER BY l.valid_from DESC, l.id DESC");
    if (!s) return -1;
    db_bind_int64(s, 1, product);
    db_bind_text(s, 2, on);
    db_bind_text(s, 3, on);
    db_bind_text(s, 4, currency);
    db_bind_text(s, 5, currency);
    int best = 0;   /* 1: a list for everyone, 2: a list for one of the party's groups */
    int rc = DB_DONE;
    while (best < 2 && (rc = db_step(s)) == DB_ROW) {
        const char *group = db_column_text(s, 3);
        int rank = group && *group ? 2 : 1;
        if (rank <= best) continue;
        if (rank == 2 && !party_in_group(c, party, group)) continue;
        best = rank;
        hit->found = true;
        hit->unit_price = db_column_int64(s, 4);
        hit->list_id = db_column_int64(s, 0);
        snprintf(hit->list_name, sizeof hit->list_name, "%s", db_column_text(s, 1));
        snprintf(hit->currency, sizeof hit->currency, "%s", db_column_text(s, 2));
        snprintf(hit->group, sizeof hit->group, "%s", group ? group : "");
    }
    db_done(s);
    if (best < 2 && rc != DB_DONE) return -1;
    if (hit->found) return 0;
    /* No list: the product's own list price, in a currency that fits. */
    s = db_prepare(c, "SELECT price_amount, price_currency FROM product WHERE id = ? AND price_amount IS NOT NULL"
                      " AND (? IS NULL OR price_currency = ?)");
    if (!s) return -1;
    db_bind_int64(s, 1, product);
    db_bind_text(s, 2, currency);
    db_bind_text(s, 3, currency);
    if (db_step(s) == DB_ROW) {
        hit->found = true;
        hit->unit_price = db_column_int64(s, 0);
        snprintf(hit->currency, sizeof hit->currency, "%s", db_column_text(s, 1));
        hit->source = "product";
    }
    db_done(s);
    return 0;
}
