/* quote: the descriptor, totals, revisions and workflow of quotes (see
 * quote.h).
 *  - Lines come from products or are free text. A product line without a
 *    unit_price is priced, when it is written, from the price list that
 *    applies on the quote's date to its party in its currency
 *    (price_list.h); the line keeps the price and the list it came from, so
 *    a later change of the list does not change a quote already made.
 *  - Totals are the server's (quote_compute), with checked arithmetic.
 *  - A change of what the customer is offered (lines, discount, tax,
 *    currency, validity, party) makes a new revision; the one before is
 *    kept whole in quote_revision and stays readable
 *    (GET /api/v1/quotes/{id}/revisions). An accepted, declined or expired
 *    quote is closed: its offer can no longer change.
 *  - Accepting it (PATCH status or POST …/accept) creates the order, once,
 *    in the same transaction; the quote keeps its order_id. */
#include "domain/quote.h"
#include "api/api.h"
#include "domain/doc_fx.h"
#include "domain/order.h"
#include "domain/price_list.h"
#include "lib/money.h"
#include "jobs/scheduler.h"
#include "lib/zonetime.h"
#include "records/write.h"
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const quote_statuses[] = {"draft", "sent", "accepted", "declined", "expired", NULL};
const char *const quote_line_keys[] = {"product_id", "description", "quantity", "unit_price", "discount_bp", "price_list_id", "net", NULL};

static const struct field quote_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the customer"},
    {"opportunity_id", "opportunity_id", NULL, FT_INT, F_FILTER, 0, NULL, 0, 0, NULL, "the opportunity it answers, if any"},
    {"title", "title", NULL, FT_TEXT, 0, 200, NULL, 0, 0, NULL, "title"},
    {"currency", "currency", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 3, NULL, 0, 0, NULL, "ISO 4217 code of every amount in it"},
    {"quote_date", "quote_date", NULL, FT_DATE, F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "its date: prices are those of this day (default today)"},
    {"valid_until", "valid_until", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "last day it may be accepted"},
    {"lines", "lines", NULL, FT_OBJLIST, 0, 200, NULL, 0, 0, quote_line_keys,
     "line items: {product_id | description, quantity, unit_price (minor units; a product line without one is priced "
     "from the price list), discount_bp (basis points, 1000 = 10%)}; price_list_id and net are the server's"},
    {"discount_bp", "discount_bp", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "discount on the whole quote in basis points (0–10000)"},
    {"tax_bp", "tax_bp", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "tax rate in basis points (1300 = 13% VAT)"},
    {"subtotal", "subtotal_amount", "subtotal_currency", FT_MONEY, F_SERVER, 0, NULL, 0, 0, NULL, "sum of the lines' nets"},
    {"discount", "discount_amount", "discount_currency", FT_MONEY, F_SERVER, 0, NULL, 0, 0, NULL, "the quote's discount"},
    {"tax", "tax_amount", "tax_currency", FT_MONEY, F_SERVER, 0, NULL, 0, 0, NULL, "tax"},
    {"total", "total_amount", "total_currency", FT_MONEY, F_SERVER, 0, NULL, 0, 0, NULL, "what the customer pays"},
    {"revision", "revision", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "1, then one more for each change of the offer"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, quote_statuses, 0, 0, NULL,
     "draft → sent → accepted | declined | expired; draft → expired"},
    {"sent_at", "sent_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was sent (server-set)"},
    {"sent_by", "sent_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who sent it (server-set)"},
    {"decided_at", "decided_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was accepted, declined or expired"},
    {"decided_by", "decided_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who recorded that"},
    {"order_id", "order_id", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "the order it became (server-set on accept)"},
    {"notes", "notes", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "terms and notes printed on it"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user (default: the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
};

bool quote_share(int64_t amount, int64_t bp, int64_t *out)
{
    /* amount × bp can leave int64 for large amounts: split amount into
     * q·10000 + r so that only q·bp (checked) and r·bp (< 10^8) are formed. */
    int64_t q = amount / 10000, r = amount % 10000, big;
    if (!money_mul(q, bp, &big)) return false;
    return money_add(big, (r * bp + 5000) / 10000, out);
}

static json_t *money(int64_t amount, const char *cur) { return json_pack("{s:I, s:s}", "amount", (json_int_t)amount, "currency", cur); }

static int bp_of(const json_t *rec, const char *key, const char *field, size_t line, int64_t *out, struct verr *e)
{
    json_t *v = json_object_get(rec, key);
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 10000) {
        if (line != (size_t)-1) verr_set(e, 422, "invalid_value", field, "%s[%zu].%s must be an integer from 0 to 10000 (basis points)", field, line, key);
        else verr_set(e, 422, "invalid_value", field, "%s must be an integer from 0 to 10000 (basis points)", field);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

int quote_compute(json_t *rec, struct verr *e)
{
    const char *cur = json_string_value(json_object_get(rec, "currency"));
    if (!cur) cur = "XXX";
    int64_t subtotal = 0, qbp, tbp;
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(rec, "lines"), i, line) {
        json_t *q = json_object_get(line, "quantity"), *p = json_object_get(line, "unit_price");
        json_t *pid = json_object_get(line, "product_id"), *d = json_object_get(line, "description");
        if (!json_is_integer(pid) && !(json_is_string(d) && *json_string_value(d))) {
            verr_set(e, 422, "invalid_value", "lines", "lines[%zu] needs a product_id or a description", i);
            return -1;
        }
        if (pid && !json_is_null(pid) && (!json_is_integer(pid) || json_integer_value(pid) < 1)) {
            verr_set(e, 422, "invalid_value", "lines", "lines[%zu].product_id must be a product id", i);
            return -1;
        }
        if (!json_is_integer(q) || json_integer_value(q) < 1 || json_integer_value(q) > 1000000000) {
            verr_set(e, 422, "invalid_value", "lines", "lines[%zu].quantity must be an integer from 1 to 10^9", i);
            return -1;
        }
        if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > MONEY_ROW_MAX) {
            verr_set(e, 422, "invalid_value", "lines", "lines[%zu].unit_price must be an integer of minor units from 0 to 10^15", i);
            return -1;
        }
        int64_t lbp, gross, off, net;
        if (bp_of(line, "discount_bp", "lines", i, &lbp, e)) return -1;
        if (!money_mul(json_integer_value(p), json_integer_value(q), &gross) || !quote_share(gross, lbp, &off) ||
            !money_sub(gross, off, &net) || !money_add(subtotal, net, &subtotal)) {
            verr_set(e, 422, "too_large", "lines", "lines[%zu] takes the quote's total beyond what can be counted", i);
            return -1;
        }
        json_object_set_new(line, "net", json_integer(net));
    }
    if (bp_of(rec, "discount_bp", "discount_bp", (size_t)-1, &qbp, e) || bp_of(rec, "tax_bp", "tax_bp", (size_t)-1, &tbp, e)) return -1;
    int64_t discount, taxable, tax, total;
    if (!quote_share(subtotal, qbp, &discount) || !money_sub(subtotal, discount, &taxable) || !quote_share(taxable, tbp, &tax) ||
        !money_add(taxable, tax, &total)) {
        verr_set(e, 422, "too_large", "lines", "the quote's total is beyond what can be counted");
        return -1;
    }
    json_object_set_new(rec, "subtotal", money(subtotal, cur));
    json_object_set_new(rec, "discount", money(discount, cur));
    json_object_set_new(rec, "tax", money(tax, cur));
    json_object_set_new(rec, "total", money(total, cur));
    return 0;
}

/* What the customer is offered: a change of any of these is a new revision. */
static const char *const offer_fields[] = {"party_id", "currency", "quote_date", "valid_until", "lines", "discount_bp", "tax_bp",
                                           "title", "notes", NULL};

/* Equal values, an absent value and null being the same (json_equal is
 * false when either is absent). */
static bool same_value(const json_t *a, const json_t *b)
{
    if (!a || json_is_null(a)) return !b || json_is_null(b);
    return b && json_equal(a, b);
}

static bool closed(const char *status)
{
    return status && (!strcmp(status, "accepted") || !strcmp(status, "declined") || !strcmp(status, "expired"));
}

int quote_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    const char *cur = json_string_value(json_object_get(rec, "currency"));
    if (cur && !currency_code(cur)) {
        verr_set(e, 422, "invalid_value", "currency", "currency must be an ISO 4217 code such as CNY");
        return -1;
    }
    const char *from = json_string_value(json_object_get(rec, "quote_date"));
    const char *to = json_string_value(json_object_get(rec, "valid_until"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "valid_until", "valid_until (%s) must be on or after quote_date (%s)", to, from);
        return -1;
    }
    /* The server's figures first, so an offer sent back as it was read
     * (with its nets) is no change. */
    if (quote_compute(rec, e)) return -1;
    bool changed = false;
    for (int i = 0; old && offer_fields[i]; i++)
        if (!same_value(json_object_get(old, offer_fields[i]), json_object_get(rec, offer_fields[i]))) {
            /* A closed quote's offer is what was decided on. */
            if (closed(json_string_value(json_object_get(old, "status")))) {
                verr_set(e, 409, "quote_closed", offer_fields[i], "the quote is %s: its %s can no longer change",
                         json_string_value(json_object_get(old, "status")), offer_fields[i]);
                return -1;
            }
            changed = true;
        }
    if (!old) json_object_set_new(rec, "revision", json_integer(1));
    else if (changed) json_object_set_new(rec, "revision", json_integer(json_integer_value(json_object_get(old, "revision")) + 1));
    return 0;
}

void quote_today(db *c, char out[11])
{
    char zone[64];
    company_time_zone(c, zone, sizeof zone);
    if (zone_local_date(zone, (int64_t)time(NULL), out)) {
        char now[21];
        now_text(now);
        snprintf(out, 11, "%.10s", now);
    }
}

/* The quote's date and its lines' prices from the stored rows: the date
 * defaults to today; a product line without a unit_price takes the price
 * that applies (price_list.h) and names the list; without a description
 * it takes the product's name. */
static int quote_prepare(db *w, const json_t *old, json_t *rec, struct verr *e)
{
    (void)old;
    if (!json_is_string(json_object_get(rec, "quote_date"))) {
        char today[11];
        quote_today(w, today);
        json_object_set_new(rec, "quote_date", json_string(today));
    }
    const char *on = json_string_value(json_object_get(rec, "quote_date"));
    const char *cur = json_string_value(json_object_get(rec, "currency"));
    int64_t party = json_integer_value(json_object_get(rec, "party_id"));
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(rec, "lines"), i, line) {
        json_t *pid = json_object_get(line, "product_id");
        if (!json_is_integer(pid)) continue;
        db_stmt *s = db_prepare(w, "SELECT name FROM product WHERE id = ?");
        if (!s) { verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written"); return -1; }
        db_bind_int64(s, 1, json_integer_value(pid));
        bool found = db_step(s) == DB_ROW;
        if (found && !json_is_string(json_object_get(line, "description")))
            json_object_set_new(line, "description", json_string(db_column_text(s, 0)));
        db_done(s);
        if (!found) {
            verr_set(e, 422, "invalid_reference", "lines", "lines[%zu].product_id %lld does not exist", i, (long long)json_integer_value(pid));
            return -1;
        }
        json_t *price = json_object_get(line, "unit_price");
        if (price && !json_is_null(price)) continue;
        struct price_hit hit;
        if (!cur) continue;   /* the required-field check names currency */
        if (price_lookup(w, json_integer_value(pid), on, party, cur, &hit)) {
            verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written");
            return -1;
        }
        if (!hit.found) {
            verr_set(e, 422, "no_price", "lines", "lines[%zu]: no price list holds product %lld in %s on %s; give a unit_price", i,
                     (long long)json_integer_value(pid), cur, on);
            return -1;
        }
        json_object_set_new(line, "unit_price", json_integer(hit.unit_price));
        json_object_set_new(line, "price_list_id", hit.list_id ? json_integer(hit.list_id) : json_null());
    }
    return 0;
}

/* Before the row is written: a quote is not accepted after its last day
 * (the company's day), and a new revision keeps the one before, whole. */
static int quote_check_stored(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    if (!id) return 0;
    json_t *old = res_load(w, &quote_resource, id);
    if (!old) return 0;
    int rc = 0;
    const char *was = json_string_value(json_object_get(old, "status"));
    const char *status = json_string_value(json_object_get(rec, "status"));
    const char *until = json_string_value(json_object_get(rec, "valid_until"));
    if (status && !strcmp(status, "accepted") && was && strcmp(was, "accepted") && until) {
        char today[11];
        quote_today(w, today);
        if (strcmp(until, today) < 0) {
            verr_set(e, 409, "quote_expired", "status", "the quote was valid until %s; revise it and send it again", until);
            json_decref(old);
            return -1;
        }
    }
    if (!json_equal(json_object_get(old, "revision"), json_object_get(rec, "revision"))) {
        char *doc = json_dumps(old, JSON_COMPACT);
        char now[21];
        now_text(now);
        db_stmt *s = db_prepare(w, "INSERT INTO quote_revision(quote_id, revision, doc, saved_at) VALUES (?, ?, ?, ?)");
        if (!s) rc = -1;
        else {
            db_bind_int64(s, 1, id);
            db_bind_int64(s, 2, json_integer_value(json_object_get(old, "revision")));
            db_bind_text(s, 3, doc);
            db_bind_text(s, 4, now);
            if (db_step(s) != DB_DONE) rc = -1;
            db_done(s);
        }
        free(doc);
        if (rc) verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written");
    }
    json_decref(old);
    return rc;
}

/* Accepted: the order it becomes, made once through the write path as the
 * same writer, and its id kept on the quote. */
static int quote_follow(db *w, const struct writer *wr, int64_t id, const json_t *old, const json_t *rec, struct verr *e)
{
    const char *was = old ? json_string_value(json_object_get(old, "status")) : NULL;
    const char *now = json_string_value(json_object_get(rec, "status"));
    if (!now || strcmp(now, "accepted") || (was && !strcmp(was, "accepted")) || json_is_integer(json_object_get(rec, "order_id")))
        return 0;
    json_t *order = json_pack("{s:O, s:I, s:O, s:O, s:O}", "party_id", json_object_get(rec, "party_id"), "quote_id", (json_int_t)id,
                              "currency", json_object_get(rec, "currency"), "lines", json_object_get(rec, "lines"),
                              "total", json_object_get(rec, "total"));
    json_t *v;
    if (json_is_integer(v = json_object_get(rec, "owner_id"))) json_object_set(order, "owner_id", v);
    if (json_is_integer(v = json_object_get(rec, "team_id"))) json_object_set(order, "team_id", v);
    int64_t oid = 0;
    int rc = record_create(w, wr, &order_resource, order, NULL, &oid, NULL, e);
    json_decref(order);
    if (rc) return -1;
    db_stmt *s = db_prepare(w, "UPDATE quote SET order_id = ? WHERE id = ?");
    if (!s) { verr_from_db(e, w, &quote_resource); return -1; }
    db_bind_int64(s, 1, oid);
    db_bind_int64(s, 2, id);
    rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    if (rc) verr_from_db(e, w, &quote_resource);
    return rc;
}

static const struct wf_transition quote_moves[] = {
    {"draft", "sent", NULL, NULL, "sent_at", "sent_by"},
    {"sent", "accepted", NULL, NULL, "decided_at", "decided_by"},
    {"sent", "declined", NULL, NULL, "decided_at", "decided_by"},
    {"sent", "expired", NULL, NULL, "decided_at", "decided_by"},
    {"draft", "expired", NULL, NULL, "decided_at", "decided_by"},
    /* A sent quote revised goes back to draft to be sent again. */
    {"sent", "draft", NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const quote_initials[] = {"draft", NULL};

const struct workflow quote_workflow = {
    .field = "status", .initial = "draft", .initials = quote_initials, .transitions = quote_moves,
};

/* As read: the total in the company currency at the rate of the quote's
 * date (doc_fx.h). */
static void quote_view(db *c, const struct auth_user *u, json_t *rec)
{
    (void)u;
    doc_fx_add(c, rec, "quote_date");
}

struct resource quote_resource = {
    .name = "quotes", .table = "quote", .entity = "quote",
    .fields = quote_fields, .nfields = sizeof quote_fields / sizeof quote_fields[0],
    .party_field = "party_id",
    .rule = quote_rule, .prepare = quote_prepare, .check_stored = quote_check_stored, .follow = quote_follow,
    .view = quote_view, .view_props = DOC_FX_PROPS,
};
