/* refund: the link from a refund to its purchase (see refund.h). The
 * shares are computed from the transactions' amounts, not from what was
 * posted before, so a take-back capped by a spent balance does not shift
 * the next refund's share. */
#include "domain/refund.h"
#include <stdio.h>
#include <string.h>

struct txn_row { int64_t party, amount, refunds; char currency[8]; bool found; };

static int read_txn(db *w, int64_t id, struct txn_row *t)
{
    memset(t, 0, sizeof *t);
    db_stmt *s = db_prepare(w, "SELECT party_id, amount, currency, refunds_transaction_id FROM txn WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    if (db_step(s) == DB_ROW) {
        t->found = true;
        t->party = db_column_int64(s, 0);
        t->amount = db_column_int64(s, 1);
        snprintf(t->currency, sizeof t->currency, "%s", db_column_text(s, 2) ? db_column_text(s, 2) : "");
        t->refunds = db_column_type(s, 3) == DB_NULL ? 0 : db_column_int64(s, 3);
    }
    db_done(s);
    return 0;
}

/* The refunded part of purchase: the sum of its refunds' sizes, leaving out
 * except (0: none); -1 on a storage error. */
static int64_t refunded(db *w, int64_t purchase, int64_t except)
{
    db_stmt *s = db_prepare(w, "SELECT amount FROM txn WHERE refunds_transaction_id = ? AND id <> ?");
    if (!s) return -1;
    db_bind_int64(s, 1, purchase);
    db_bind_int64(s, 2, except);
    int64_t sum = 0;
    while (db_step(s) == DB_ROW) {
        int64_t a = db_column_int64(s, 0);
        /* refund_check bounds each by its purchase, so the sum fits. */
        if (a < 0) sum += -a;
    }
    db_done(s);
    return sum;
}

static int storage(struct verr *e)
{
    verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written");
    return -1;
}

int refund_check(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    json_t *amount = json_object_get(rec, "amount");
    int64_t na = json_integer_value(json_object_get(amount, "amount"));
    struct txn_row old = {0};
    if (id) {
        if (read_txn(w, id, &old)) return storage(e);
        int64_t has = refunded(w, id, 0);
        if (has < 0) return storage(e);
        if (has > 0 && na != old.amount) {
            verr_set(e, 409, "has_refunds", "amount", "refunds are linked to this purchase; its amount cannot change");
            return -1;
        }
        if (old.refunds && na != old.amount) {
            verr_set(e, 409, "invalid_value", "amount", "a linked refund's amount cannot change; delete it and enter it again");
            return -1;
        }
    }
    json_t *link = json_object_get(rec, "refunds_transaction_id");
    if (!json_is_integer(link)) return 0;
    int64_t pid = json_integer_value(link);
    if (id && pid == old.refunds) return 0;          /* unchanged (the field is create-only) */
    struct txn_row p;
    if (read_txn(w, pid, &p)) return storage(e);
    const char *cur = json_string_value(json_object_get(amount, "currency"));
    /* Another party's purchase is answered as a missing one: the refund
     * names no transaction its writer may not see. */
    if (!p.found || p.refunds || p.amount <= 0 || pid == id || p.party != json_integer_value(json_object_get(rec, "party_id"))) {
        verr_set(e, 422, "invalid_reference", "refunds_transaction_id",
                 "transaction %lld is not a purchase of this party that can be refunded", (long long)pid);
        return -1;
    }
    if (!cur || strcmp(cur, p.currency)) {
        verr_set(e, 422, "invalid_currency", "amount", "a refund is in its purchase's currency (%s)", p.currency);
        return -1;
    }
    if (na >= 0) {
        verr_set(e, 422, "invalid_value", "amount", "a refund's amount is negative");
        return -1;
    }
    int64_t before = refunded(w, pid, id);
    if (before < 0) return storage(e);
    if (-na > p.amount - before) {
        verr_set(e, 409, "refund_exceeds_purchase", "amount",
                 "the purchase was %lld; %lld of it is refunded already, so at most %lld can be", (long long)p.amount,
                 (long long)before, (long long)(p.amount - before));
        return -1;
    }
    return 0;
}

int refund_before_delete(db *w, int64_t id, struct verr *e)
{
    int64_t has = refunded(w, id, 0);
    db_stmt *s = db_prepare(w, "SELECT 1 FROM txn WHERE refunds_transaction_id = ? LIMIT 1");
    if (!s || has < 0) { db_done(s); return storage(e); }
    db_bind_int64(s, 1, id);
    bool any = db_step(s) == DB_ROW;
    db_done(s);
    if (any) {
        verr_set(e, 409, "has_refunds", "id", "refunds are linked to this purchase; delete them first");
        return -1;
    }
    return 0;
}

int refund_share_of(db *w, int64_t refund, struct refund_share *out)
{
    struct txn_row r, p;
    if (read_txn(w, refund, &r)) return -1;
    if (!r.found || !r.refunds || r.amount >= 0) return 0;
    if (read_txn(w, r.refunds, &p)) return -1;
    if (!p.found || p.amount <= 0) return 0;
    int64_t before = refunded(w, r.refunds, refund);
    if (before < 0) return -1;
    out->purchase = r.refunds;
    out->amount = p.amount;
    out->before = before < p.amount ? before : p.amount;
    int64_t after = before + -r.amount;
    out->after = after < p.amount ? after : p.amount;
    return 1;
}

int refund_share_of_event(db *w, const struct rec_event *ev, struct refund_share *out)
{
    if (ev->record) {
        /* what read_txn would find: refund_share_of's first test */
        int64_t amount = json_integer_value(json_object_get(json_object_get(ev->record, "amount"), "amount"));
        if (!json_is_integer(json_object_get(ev->record, "refunds_transaction_id")) || amount >= 0) return 0;
    }
    return refund_share_of(w, ev->record_id, out);
}

int64_t refund_part(int64_t whole, const struct refund_share *s)
{
    if (s->amount <= 0) return 0;
    __int128 a = (__int128)whole * s->after / s->amount, b = (__int128)whole * s->before / s->amount;
    return (int64_t)(a - b);
}
