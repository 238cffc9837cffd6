/* order: sales orders (issue 18, D10 order management) whose status moves
 * through the member order flow of DOMAIN D9, one step after another:
 *   confirmed → file_created → shipped → delivered → paid
 *   → identity_verified → goods_inspected → card_handed_over
 *   → file_confirmed → payment_collected → deal_confirmed
 * D9 names three runs of steps (the order through delivery and payment; at
 * the hand-over identity, inspection, member card, handbook and referral
 * cards; back office file, collection, deal); they are kept in the order D9
 * gives them, as one chain, so "where is this order" has one answer and a
 * skipped step is a 409 invalid_transition. Each step stamps <step>_at and
 * <step>_by (the kernel's workflow stamps); confirmed is stamped on create.
 *
 * Payment: the move into paid — the member pays on delivery — creates the
 * order's transaction (the purchase the analytics read) through the write
 * path, as the user who made the move, in the same transaction, and keeps
 * its id in transaction_id. Exactly once: the move into paid can only
 * happen once (paid → paid is no move), a PATCH that lost a race fails on
 * its version, and the transaction's external_id "order:<id>" is looked up
 * before one is made. */
#include "domain/order.h"
#include "api/api.h"
#include "domain/doc_fx.h"
#include "domain/quote.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>

const char *const order_steps[] = {"confirmed", "file_created", "shipped", "delivered", "paid", "identity_verified",
                                   "goods_inspected", "card_handed_over", "file_confirmed", "payment_collected",
                                   "deal_confirmed", NULL};

static const struct field order_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the buyer (the member)"},
    {"quote_id", "quote_id", NULL, FT_INT, F_FILTER | F_CREATE_ONLY, 0, NULL, 0, 0, NULL, "the accepted quote it came from, if any"},
    {"currency", "currency", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 3, NULL, 0, 0, NULL, "ISO 4217 code"},
    {"lines", "lines", NULL, FT_OBJLIST, 0, 200, NULL, 0, 0, quote_line_keys, "line items (a quote's, as accepted)"},
    {"total", "total_amount", "total_currency", FT_MONEY, F_REQUIRED, 0, NULL, 0, 0, NULL, "what the member pays"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, order_steps, 0, 0, NULL,
     "the D9 steps, one after another: confirmed → file_created → shipped → delivered → paid → identity_verified → "
     "goods_inspected → card_handed_over → file_confirmed → payment_collected → deal_confirmed"},
    {"confirmed_at", "confirmed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: order confirmed (订单确认)"},
    {"confirmed_by", "confirmed_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: order confirmed"},
    {"file_created_at", "file_created_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: member file created (建立档案)"},
    {"file_created_by", "file_created_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: member file created"},
    {"shipped_at", "shipped_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: goods shipped (发货)"},
    {"shipped_by", "shipped_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: goods shipped"},
    {"delivered_at", "delivered_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: delivered (送货)"},
    {"delivered_by", "delivered_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: delivered"},
    {"paid_at", "paid_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: paid on delivery (付款) — creates the order's transaction"},
    {"paid_by", "paid_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: paid on delivery"},
    {"identity_verified_at", "identity_verified_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: member's identity verified (核实身份)"},
    {"identity_verified_by", "identity_verified_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: member's identity verified"},
    {"goods_inspected_at", "goods_inspected_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: goods inspected by the member (验货)"},
    {"goods_inspected_by", "goods_inspected_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: goods inspected by the member"},
    {"card_handed_over_at", "card_handed_over_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: member card, member handbook and referral cards handed over (交会员卡、会员手册、推荐卡)"},
    {"card_handed_over_by", "card_handed_over_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: member card, member handbook and referral cards handed over"},
    {"file_confirmed_at", "file_confirmed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: member file confirmed (确认档案)"},
    {"file_confirmed_by", "file_confirmed_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: member file confirmed"},
    {"payment_collected_at", "payment_collected_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: payment collected by the company (收款)"},
    {"payment_collected_by", "payment_collected_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: payment collected by the company"},
    {"deal_confirmed_at", "deal_confirmed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when: deal confirmed (确认成交)"},
    {"deal_confirmed_by", "deal_confirmed_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who: deal confirmed"},
    {"transaction_id", "transaction_id", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "the transaction its payment created"},
    {"assignee_id", "assignee_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "who works on its next step"},
    {"notes", "notes", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "notes"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user (default: the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
};

int order_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    const char *cur = json_string_value(json_object_get(rec, "currency"));
    json_t *total = json_object_get(rec, "total");
    if (cur && json_is_object(total) && strcmp(cur, json_string_value(json_object_get(total, "currency")))) {
        verr_set(e, 422, "invalid_currency", "total", "total must be in the order's currency (%s)", cur);
        return -1;
    }
    if (json_is_object(total) && json_integer_value(json_object_get(total, "amount")) < 0) {
        verr_set(e, 422, "invalid_value", "total", "total may not be negative");
        return -1;
    }
    /* The first step is the order's making: stamped here, as the
     * workflow stamps the others. */
    if (!old) {
        char now[21];
        now_text(now);
        json_object_set_new(rec, "confirmed_at", json_string(now));
        json_object_set_new(rec, "confirmed_by", a->user_id ? json_integer(a->user_id) : json_null());
    }
    return 0;
}

static int64_t txn_of_order(db *w, int64_t id, bool *failed)
{
    char ext[40];
    snprintf(ext, sizeof ext, "order:%lld", (long long)id);
    db_stmt *s = db_prepare(w, "SELECT id FROM txn WHERE external_id = ? ORDER BY id LIMIT 1");
    if (!s) { *failed = true; return 0; }
    db_bind_text(s, 1, ext);
    int64_t t = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return t;
}

/* The move into paid: the order's transaction (see the header comment). */
static int order_follow(db *w, const struct writer *wr, int64_t id, const json_t *old, const json_t *rec, struct verr *e)
{
    const char *was = old ? json_string_value(json_object_get(old, "status")) : NULL;
    const char *now = json_string_value(json_object_get(rec, "status"));
    if (!now || strcmp(now, ORDER_PAYMENT_STEP) || (was && !strcmp(was, ORDER_PAYMENT_STEP)) ||
        json_is_integer(json_object_get(rec, "transaction_id")))
        return 0;
    bool failed = false;
    int64_t tid = txn_of_order(w, id, &failed);
    if (failed) { verr_from_db(e, w, &order_resource); return -1; }
    if (!tid) {
        char ext[40], desc[64];
        snprintf(ext, sizeof ext, "order:%lld", (long long)id);
        snprintf(desc, sizeof desc, "order %lld", (long long)id);
        const char *cur = json_string_value(json_object_get(rec, "currency"));
        json_t *items = json_array();
        size_t i;
        json_t *line;
        json_array_foreach(json_object_get(rec, "lines"), i, line) {
            json_t *item = json_object();
            json_t *v;
            if (json_is_integer(v = json_object_get(line, "product_id"))) json_object_set(item, "product_id", v);
            if (json_is_string(v = json_object_get(line, "description"))) json_object_set(item, "name", v);
            if (json_is_integer(v = json_object_get(line, "quantity"))) json_object_set(item, "quantity", v);
            if (json_is_integer(v = json_object_get(line, "unit_price")))
                json_object_set_new(item, "unit_price", json_pack("{s:O, s:s}", "amount", v, "currency", cur));
            if (json_is_integer(v = json_object_get(line, "net")))
                json_object_set_new(item, "amount", json_pack("{s:O, s:s}", "amount", v, "currency", cur));
            json_array_append_new(items, item);
        }
        json_t *txn = json_pack("{s:O, s:O, s:O, s:s, s:s, s:s, s:o}", "party_id", json_object_get(rec, "party_id"),
                                "occurred_at", json_object_get(rec, ORDER_PAYMENT_STEP "_at"), "amount", json_object_get(rec, "total"),
                                "external_id", ext, "channel", "order", "description", desc, "items", items);
        int rc = record_create(w, wr, &transaction_resource, txn, NULL, &tid, NULL, e);
        json_decref(txn);
        if (rc) return -1;
    }
    db_stmt *s = db_prepare(w, "UPDATE sales_order SET transaction_id = ? WHERE id = ?");
    if (!s) { verr_from_db(e, w, &order_resource); return -1; }
    db_bind_int64(s, 1, tid);
    db_bind_int64(s, 2, id);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    if (rc) verr_from_db(e, w, &order_resource);
    return rc;
}

static const struct wf_transition order_moves[] = {
    {"confirmed", "file_created", NULL, NULL, "file_created_at", "file_created_by"},
    {"file_created", "shipped", NULL, NULL, "shipped_at", "shipped_by"},
    {"shipped", "delivered", NULL, NULL, "delivered_at", "delivered_by"},
    {"delivered", "paid", NULL, NULL, "paid_at", "paid_by"},
    {"paid", "identity_verified", NULL, NULL, "identity_verified_at", "identity_verified_by"},
    {"identity_verified", "goods_inspected", NULL, NULL, "goods_inspected_at", "goods_inspected_by"},
    {"goods_inspected", "card_handed_over", NULL, NULL, "card_handed_over_at", "card_handed_over_by"},
    {"card_handed_over", "file_confirmed", NULL, NULL, "file_confirmed_at", "file_confirmed_by"},
    {"file_confirmed", "payment_collected", NULL, NULL, "payment_collected_at", "payment_collected_by"},
    {"payment_collected", "deal_confirmed", NULL, NULL, "deal_confirmed_at", "deal_confirmed_by"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const order_initials[] = {"confirmed", NULL};

const struct workflow order_workflow = {
    .field = "status", .initial = "confirmed", .initials = order_initials, .transitions = order_moves,
};

/* As read: the total in the company currency at the rate of the order's
 * date, the day it was made in the company's time zone (doc_fx.h). */
static void order_view(db *c, const struct auth_user *u, json_t *rec)
{
    (void)u;
    doc_fx_add(c, rec, NULL);
}

struct resource order_resource = {
    .name = "orders", .table = "sales_order", .entity = "order",
    .fields = order_fields, .nfields = sizeof order_fields / sizeof order_fields[0],
    .party_field = "party_id",
    .rule = order_rule, .follow = order_follow,
    .view = order_view, .view_props = DOC_FX_PROPS,
};
