/* transactions: purchases, with amount and cost in minor units (so profit and
 * cost-to-serve can be computed), line items and channel — including
 * purchases a party made from a competitor (D1 与竞争对手间的交易状况). */
#include "api/api.h"
#include "domain/refund.h"
#include "domain/vocab.h"
#include "lib/money.h"
#include <string.h>

static const struct field transaction_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the buyer"},
    {"external_id", "external_id", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "invoice number in another system"},
    {"occurred_at", "occurred_at", NULL, FT_TIME, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "when"},
    {"amount", "amount", "currency", FT_MONEY, F_REQUIRED, 0, NULL, 0, 0, NULL, "amount paid (negative for a cancellation)"},
    {"cost", "cost", "cost_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "cost of goods and service"},
    {"items", "items", NULL, FT_OBJLIST, 0, 500, NULL, 0, 0, item_keys, "line items"},
    {"channel", "channel", NULL, FT_TEXT, F_FILTER, 50, NULL, 0, 0, NULL, "sales channel"},
    {"description", "description", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "description"},
    {"competitor_id", "competitor_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "party", NULL, "set when bought from this competitor"},
    {"refunds_transaction_id", "refunds_transaction_id", NULL, FT_INT, F_FILTER | F_CREATE_ONLY, 0, NULL, 0, 0, NULL,
     "a refund (negative amount): the purchase it refunds, whose points and referral revenue it takes back in proportion"},
};

static int transaction_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
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

/* How much money one party's transactions in one currency may hold, counted
 * by size: the sum of |amount| + |cost| over the rows. Every total computed
 * from them — revenue, cost (a missing one estimated as amount × (1 −
 * margin), at most |amount|), profit = revenue − cost, recent revenue,
 * competitors' share — is then at most twice this, which fits in int64, so
 * a party's figures are always exact. Refunds count by their size: a total
 * that only nets to a small number can still have partial totals near the
 * limit. About 4,611 transactions of the largest amount (10^15). */
#define TXN_PARTY_GROSS_MAX (INT64_MAX / 2)

/* transaction_resource.check_stored: before the row is written, refuses
 * it when it would take its party's money over TXN_PARTY_GROSS_MAX in its
 * currency: the party's other rows (all of them on a create, all but this
 * one on a change) plus this one. The field named is the one whose total
 * goes over: amount, or cost when the amounts alone fit. Counted in C with
 * checked sums (SQLite's SUM() fails on an overflow instead of answering).
 * Checked before the write, so a refusal leaves nothing to undo — a writer
 * of many records (an import) goes on with the next. */
/* Adds one row's amount and cost, by size. Rows come from this API
 * (|v| <= 10^15) or from imports; INT64_MIN is negated as two halves
 * through money_sum_sub. */
static void gross_add(money_sum *amounts, money_sum *costs, int64_t a, int64_t k)
{
    if (a < 0) money_sum_sub(amounts, a); else money_sum_add(amounts, a);
    if (k < 0) money_sum_sub(costs, k); else money_sum_add(costs, k);
}

static int64_t cost_of(const json_t *rec)
{
    json_t *cost = json_object_get(rec, "cost");
    return json_is_object(cost) ? json_integer_value(json_object_get(cost, "amount")) : 0;
}

/* An import's batch (db_bulk_memo) keeps each party's gross per currency
 * under "txn.gross" once it has read it: its transactions are held for
 * COPY, and reading them back for every new one sent the batch's rows
 * with a COPY per row (CDNOW's transactions imported 1.3x faster with
 * COPY, parties 3x). The entry is [amounts.lo, amounts.wraps, costs.lo,
 * costs.wraps] of the party's rows as the transaction sees them, held
 * ones included: a create adds its row (transaction_after_create), and a
 * change or a delete (not what an import's new rows meet, but the write
 * path allows it) drops them all, to be read again: both read the rows
 * at once, sending the held ones first. */
static json_t *gross_memo(db *w, int64_t party, const char *currency, char *key, size_t cap)
{
    json_t *memo = db_bulk_memo(w);
    if (!memo || json_object_get(memo, "txn.gross.off")) return NULL;
    json_t *all = json_object_get(memo, "txn.gross");
    if (!all) json_object_set_new(memo, "txn.gross", all = json_object());
    snprintf(key, cap, "%lld:%s", (long long)party, currency);
    return all;
}

static void gross_forget(db *w)
{
    json_t *memo = db_bulk_memo(w);
    if (memo) json_object_del(memo, "txn.gross");
}

static int transaction_check_totals(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    json_int_t party = json_integer_value(json_object_get(rec, "party_id"));
    const char *currency = json_string_value(json_object_get(json_object_get(rec, "amount"), "currency"));
    if (!currency) return 0;
    money_sum amounts = MONEY_SUM_INIT, both = MONEY_SUM_INIT;
    char key[96];
    if (id) gross_forget(w);
    json_t *memo = id ? NULL : gross_memo(w, party, currency, key, sizeof key), *known = memo ? json_object_get(memo, key) : NULL;
    if (known) {
        amounts = (money_sum){json_integer_value(json_array_get(known, 0)), json_integer_value(json_array_get(known, 1))};
        both = (money_sum){json_integer_value(json_array_get(known, 2)), json_integer_value(json_array_get(known, 3))};
    } else {
        db_stmt *s = db_prepare(w, "SELECT amount, cost FROM txn WHERE party_id = ? AND currency = ? AND id <> ?");
        if (!s) { verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written"); return -1; }
        db_bind_int64(s, 1, party);
        db_bind_text(s, 2, currency);
        db_bind_int64(s, 3, id);
        /* Without the held rows: every one of them is a create of this
         * batch, whose party and currency have their entry already. */
        if (memo) db_bulk_pass(w);
        int rc;
        while ((rc = db_step(s)) == DB_ROW)
            gross_add(&amounts, &both, db_column_int64(s, 0), db_column_type(s, 1) == DB_NULL ? 0 : db_column_int64(s, 1));
        db_done(s);
        if (rc != DB_DONE) { verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written"); return -1; }
        if (memo)
            json_object_set_new(memo, key, json_pack("[I, I, I, I]", (json_int_t)amounts.lo, (json_int_t)amounts.wraps,
                                                     (json_int_t)both.lo, (json_int_t)both.wraps));
    }
    /* This row (the rule made its cost's currency the amount's). */
    gross_add(&amounts, &both, json_integer_value(json_object_get(json_object_get(rec, "amount"), "amount")), cost_of(rec));
    money_sum_merge(&both, &amounts);
    if (money_sum_within(&both, TXN_PARTY_GROSS_MAX)) return refund_check(w, id, rec, e);
    bool by_amount = !money_sum_within(&amounts, TXN_PARTY_GROSS_MAX);
    verr_set(e, 422, "total_out_of_range", by_amount ? "amount" : "cost",
             "this %s takes the party's %s amounts and costs over %lld minor units in all (by size), beyond "
             "which its totals would overflow; nothing was changed",
             by_amount ? "amount" : "cost", currency, (long long)TXN_PARTY_GROSS_MAX);
    return -1;
}

/* transaction_resource.after_create: the new row joins its party's gross
 * in the batch's memo (see gross_memo). */
static int transaction_after_create(db *w, int64_t id, const json_t *rec)
{
    (void)id;
    json_t *bulk = db_bulk_memo(w);
    if (!bulk || json_object_get(bulk, "txn.gross.off")) return 0;   /* no batch, or not kept */
    const char *currency = json_string_value(json_object_get(json_object_get(rec, "amount"), "currency"));
    char key[96];
    json_t *memo = currency ? gross_memo(w, json_integer_value(json_object_get(rec, "party_id")), currency, key, sizeof key) : NULL;
    json_t *known = memo ? json_object_get(memo, key) : NULL;
    if (!known) {
        /* A create its check did not count (not a path the write path
         * takes): the entries cannot be trusted with rows held, so the
         * rest of the batch reads the rows (sending them) as row by row. */
        gross_forget(w);
        json_object_set_new(bulk, "txn.gross.off", json_true());
        return 0;
    }
    money_sum amounts = {json_integer_value(json_array_get(known, 0)), json_integer_value(json_array_get(known, 1))};
    money_sum costs = {json_integer_value(json_array_get(known, 2)), json_integer_value(json_array_get(known, 3))};
    gross_add(&amounts, &costs, json_integer_value(json_object_get(json_object_get(rec, "amount"), "amount")), cost_of(rec));
    json_object_set_new(memo, key, json_pack("[I, I, I, I]", (json_int_t)amounts.lo, (json_int_t)amounts.wraps,
                                             (json_int_t)costs.lo, (json_int_t)costs.wraps));
    return 0;
}

static int transaction_before_delete(db *w, int64_t id, struct verr *e)
{
    gross_forget(w);
    return refund_before_delete(w, id, e);
}

struct resource transaction_resource = {
    .name = "transactions", .table = "txn", .entity = "transaction",
    .fields = transaction_fields, .nfields = sizeof transaction_fields / sizeof transaction_fields[0],
    .party_field = "party_id", .rule = transaction_rule, .check_stored = transaction_check_totals,
    .before_delete = transaction_before_delete, .after_create = transaction_after_create,
};


