/* order_refunds: refunding a paid order (issue 21, the member order flow of
 * DOMAIN D9 on issue 18's orders) —
 *   POST /api/v1/orders/{id}/refund   {"amount"?: money, "reason"?: text}
 * An order's payment created its transaction (domain/order.c), which earned
 * points and referral revenue like any purchase. A cancelled or returned
 * paid order is refunded here: a refund transaction linked to the order's
 * transaction (refunds_transaction_id, domain/refund.h) is created through
 * the write path as the caller, and it takes back its share of the points
 * and referral revenue, once. Without an amount the rest not yet refunded
 * is refunded (the whole order the first time). The order's workflow is
 * not touched: its status stays where the flow is. */
#include "api/api.h"
#include "db/writer.h"
#include "domain/order.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>

struct refund_ctx {
    struct writer wr;
    int64_t order, amount;   /* amount: the size to refund, 0: the rest */
    const char *reason, *want_currency;   /* want_currency: the amount's, or NULL */
    int64_t txn, size, refunded, total;
    char currency[8];
    struct verr e;
};

/* The sizes of the refunds already linked to purchase. */
static int64_t refunded_of(db *w, int64_t purchase)
{
    db_stmt *s = db_prepare(w, "SELECT amount FROM txn WHERE refunds_transaction_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, purchase);
    int64_t sum = 0;
    while (db_step(s) == DB_ROW) sum += -db_column_int64(s, 0);
    db_done(s);
    return sum;
}

static int job_refund(db *w, void *arg)
{
    struct refund_ctx *c = arg;
    json_t *o = res_load(w, &order_resource, c->order);
    if (!o) { verr_set(&c->e, 404, "not_found", "id", "no order with id %lld", (long long)c->order); return 1; }
    json_t *paid_v = json_object_get(o, "transaction_id");
    json_t *total = json_object_get(o, "total");
    bool paid = json_is_integer(paid_v);
    int64_t purchase = json_integer_value(paid_v);
    int64_t party = json_integer_value(json_object_get(o, "party_id"));
    snprintf(c->currency, sizeof c->currency, "%s", json_string_value(json_object_get(total, "currency")));
    c->total = json_integer_value(json_object_get(total, "amount"));
    json_decref(o);
    if (!paid) {
        verr_set(&c->e, 409, "not_paid", "id", "order %lld has not been paid; nothing to refund", (long long)c->order);
        return 1;
    }
    if (c->want_currency && strcmp(c->want_currency, c->currency)) {
        verr_set(&c->e, 422, "invalid_currency", "amount", "the order is in %s", c->currency);
        return 1;
    }
    int64_t before = refunded_of(w, purchase);
    if (before < 0) { verr_set(&c->e, 503, "storage_error", NULL, "the refund could not be written"); return 1; }
    int64_t size = c->amount ? c->amount : c->total - before;
    if (size <= 0) {
        verr_set(&c->e, 409, "refund_exceeds_purchase", "amount", "order %lld is refunded in full already", (long long)c->order);
        return 1;
    }
    char now[21], desc[300];
    now_text(now);
    snprintf(desc, sizeof desc, "refund of order %lld%s%s", (long long)c->order, c->reason ? ": " : "", c->reason ? c->reason : "");
    json_t *txn = json_pack("{s:I, s:s, s:{s:I, s:s}, s:I, s:s, s:s}", "party_id", (json_int_t)party, "occurred_at", now,
                            "amount", "amount", (json_int_t)-size, "currency", c->currency, "refunds_transaction_id", (json_int_t)purchase,
                            "channel", "order", "description", desc);
    int rc = record_create(w, &c->wr, &transaction_resource, txn, NULL, &c->txn, NULL, &c->e);
    json_decref(txn);
    if (rc) return 1;
    c->size = size;
    c->refunded = before + size;
    return 0;
}

/* POST /api/v1/orders/{id}/refund */
static void order_refund(struct req *rq, struct resp *rs)
{
    int64_t id = rq->path_ids[0];
    const struct rtype *t = registry_by_type("order");
    if (!authz_record_in_scope(db_reader(), &rq->user, t, id, authz_scope(&rq->user, "orders", "update"))) {
        resp_error(rs, 404, "not_found", "id", "no order with id %lld", (long long)id);
        return;
    }
    /* The refund is a transaction the caller makes: they must be allowed to. */
    if (authz_scope(&rq->user, "transactions", "create") == SCOPE_NONE) {
        resp_error(rs, 403, "forbidden", NULL, "refunding an order records a transaction, which this role may not create");
        return;
    }
    struct refund_ctx c = {.wr = writer_user(&rq->user, req_client_addr(rq)), .order = id};
    json_t *body = rq->json, *v;
    const char *k;
    if (body && !json_is_object(body)) { resp_error(rs, 400, "invalid_json", NULL, "send an object"); return; }
    json_object_foreach(body, k, v) {
        if (strcmp(k, "amount") && strcmp(k, "reason")) { resp_error(rs, 422, "unknown_field", k, "%s is not a field of a refund", k); return; }
    }
    json_t *amount = body ? json_object_get(body, "amount") : NULL;
    if (amount && !json_is_null(amount)) {
        json_t *a = json_object_get(amount, "amount");
        if (!json_is_object(amount) || !json_is_integer(a) || json_integer_value(a) <= 0 || json_integer_value(a) > 1000000000000000LL ||
            !json_is_string(json_object_get(amount, "currency"))) {
            resp_error(rs, 422, "invalid_value", "amount", "amount is the positive sum refunded, {\"amount\": minor units, \"currency\"}");
            return;
        }
        c.amount = json_integer_value(a);
        c.want_currency = json_string_value(json_object_get(amount, "currency"));
    }
    json_t *reason = body ? json_object_get(body, "reason") : NULL;
    if (reason && !json_is_null(reason)) {
        if (!json_is_string(reason) || strlen(json_string_value(reason)) > 200) {
            resp_error(rs, 422, "invalid_value", "reason", "reason is text of at most 200 bytes");
            return;
        }
        c.reason = json_string_value(reason);
    }
    int rc = db_write(job_refund, &c);
    if (rc == WRITE_DISK_FULL) verr_set(&c.e, 507, "storage_full", NULL, "the database disk is full; nothing was written");
    else if (rc < 0) verr_set(&c.e, 503, "storage_error", NULL, "the write could not be made durable; nothing was written");
    if (rc) { resp_verr(rs, &c.e); return; }
    resp_json(rs, 201, json_pack("{s:I, s:I, s:{s:I, s:s}, s:{s:I, s:s}, s:{s:I, s:s}}", "order_id", (json_int_t)id,
                                 "transaction_id", (json_int_t)c.txn, "amount", "amount", (json_int_t)-c.size,
                                 "currency", c.currency, "refunded", "amount", (json_int_t)c.refunded, "currency", c.currency,
                                 "remaining", "amount", (json_int_t)(c.total - c.refunded), "currency", c.currency));
}

#define MONEY "{'$ref':'#/components/schemas/Money'}"
static const struct route_doc refund_doc = {
    .id = "refundOrder", .tag = "orders", .status = 201,
    .request = "{'type':'object','additionalProperties':false,'properties':{"
               "'amount':" MONEY ","
               "'reason':{'type':'string','maxLength':200,'nullable':true}}}",
    .response = "{'type':'object','required':['order_id','transaction_id','amount','refunded','remaining'],'additionalProperties':false,"
                "'properties':{'order_id':{'type':'integer','format':'int64'},"
                "'transaction_id':{'type':'integer','format':'int64','description':'the refund transaction (negative amount) it created'},"
                "'amount':" MONEY ",'refunded':" MONEY ",'remaining':" MONEY "}}",
    .response_name = "OrderRefund",
    .errors = "403 404 409 422",
};

static const struct route order_refund_routes[] = {
    {"POST", "/api/v1/orders/{id}/refund", 0, "orders", "update", order_refund,
     "Refund a paid order (all or part): a refund transaction linked to its payment takes back its points and referral revenue",
     NULL, &refund_doc},
};

void order_refunds_register(void) { routes_register(order_refund_routes, sizeof order_refund_routes / sizeof order_refund_routes[0]); }
