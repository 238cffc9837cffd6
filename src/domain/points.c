/* points: the append-only points ledger (see points.h). The balance is the
 * newest posting's balance_after (CHECK >= 0 in the schema as a last line);
 * a negative posting is refused before anything is written when it is more
 * than the balance, then spends the open lots nearest expiry first. The
 * writer's transaction is BEGIN IMMEDIATE, so between the balance read and
 * the append no other posting — from this process or another — can come. */
#include "domain/points.h"
#include "domain/loyalty.h"
#include "lib/timeutil.h"
#include "records/events.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t points_balance(db *c, int64_t party_id)
{
    db_stmt *s = db_prepare(c, "SELECT balance_after FROM points_ledger WHERE party_id = ? ORDER BY id DESC LIMIT 1");
    if (!s) return 0;
    db_bind_int64(s, 1, party_id);
    int64_t b = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return b;
}

static void bind_opt(db_stmt *s, int i, int64_t v)
{
    if (v) db_bind_int64(s, i, v); else db_bind_null(s, i);
}

/* Takes up to want points from lot, recording the use by spend. Returns
 * what it took, or -1. */
static int64_t take_lot(db *w, int64_t spend, int64_t lot, int64_t rest, int64_t want)
{
    int64_t take = rest < want ? rest : want;
    if (take <= 0) return 0;
    db_stmt *s = db_prepare(w, "UPDATE points_lot SET remaining = remaining - ? WHERE lot_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, take);
    db_bind_int64(s, 2, lot);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return -1;
    s = db_prepare(w, "INSERT INTO points_use(spend_id, lot_id, points) VALUES (?, ?, ?)");
    if (!s) return -1;
    db_bind_int64(s, 1, spend);
    db_bind_int64(s, 2, lot);
    db_bind_int64(s, 3, take);
    rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? take : -1;
}

static int64_t lot_rest(db *w, int64_t lot)
{
    db_stmt *s = db_prepare(w, "SELECT remaining FROM points_lot WHERE lot_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, lot);
    int64_t r = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return r;
}

/* Spends want points for posting spend: first from lot first (0: none),
 * then the party's open lots, nearest expiry first (never-expiring last),
 * oldest first among equals. 0, or -1 when the lots do not hold them (a
 * broken cache: the check reports it) or on a storage error. */
static int spend_lots(db *w, int64_t party, int64_t spend, int64_t first, bool only_first, int64_t want)
{
    if (first) {
        int64_t rest = lot_rest(w, first), took;
        if (rest < 0 || (took = take_lot(w, spend, first, rest, want)) < 0) return -1;
        want -= took;
        if (only_first) return want == 0 ? 0 : -1;
    }
    while (want > 0) {
        int64_t lots[64], rests[64];
        int n = 0;
        db_stmt *s = db_prepare(w, "SELECT lot_id, remaining FROM points_lot WHERE party_id = ? AND remaining > 0"
                                   " ORDER BY (expires_at IS NULL), expires_at, lot_id LIMIT 64");
        if (!s) return -1;
        db_bind_int64(s, 1, party);
        while (n < 64 && db_step(s) == DB_ROW) {
            lots[n] = db_column_int64(s, 0);
            rests[n++] = db_column_int64(s, 1);
        }
        db_done(s);
        if (n == 0) return -1;
        for (int i = 0; i < n && want > 0; i++) {
            int64_t took = take_lot(w, spend, lots[i], rests[i], want);
            if (took < 0) return -1;
            want -= took;
        }
    }
    return 0;
}

int points_post(db *w, const struct points_post *p, int64_t *id_out, struct verr *e)
{
    int64_t bal = points_balance(w, p->party_id), after;
    if (p->points < 0 && -p->points > bal) {
        verr_set(e, 409, "insufficient_points", "points", "the balance is %lld points; %lld cannot be taken",
                 (long long)bal, (long long)-p->points);
        return -1;
    }
    if (__builtin_add_overflow(bal, p->points, &after) || after > 1000000000000000LL) {
        verr_set(e, 422, "invalid_value", "points", "the balance would be too large");
        return -1;
    }
    char now[21];
    time_format(time_now(), now);
    db_stmt *s = db_prepare(w, "INSERT INTO points_ledger(party_id, program_id, kind, points, balance_after, expires_at, txn_id,"
                               " reverses_id, order_id, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) goto storage;
    db_bind_int64(s, 1, p->party_id);
    bind_opt(s, 2, p->program_id);
    db_bind_text(s, 3, p->kind);
    db_bind_int64(s, 4, p->points);
    db_bind_int64(s, 5, after);
    db_bind_text(s, 6, p->points > 0 ? p->expires_at : NULL);
    bind_opt(s, 7, p->txn_id);
    bind_opt(s, 8, p->reverses_id);
    bind_opt(s, 9, p->order_id);
    db_bind_text(s, 10, p->reason ? p->reason : "");
    db_bind_text(s, 11, p->actor);
    db_bind_text(s, 12, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) {
        if (db_error(w, NULL) == DB_ERR_UNIQUE) {
            verr_set(e, 409, "already_posted", "txn_id", "this posting was already made");
            return -1;
        }
        goto storage;
    }
    int64_t id = db_last_insert_id(w);
    if (p->points > 0) {
        s = db_prepare(w, "INSERT INTO points_lot(lot_id, party_id, expires_at, remaining) VALUES (?, ?, ?, ?)");
        if (!s) goto storage;
        db_bind_int64(s, 1, id);
        db_bind_int64(s, 2, p->party_id);
        db_bind_text(s, 3, p->expires_at);
        db_bind_int64(s, 4, p->points);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) goto storage;
    } else if (p->points < 0) {
        int64_t first = p->only_lot ? p->only_lot : p->reverses_id;
        if (spend_lots(w, p->party_id, id, first, p->only_lot != 0, -p->points)) goto storage;
    }
    if (id_out) *id_out = id;
    return 0;
storage:
    verr_set(e, 503, "storage_error", NULL, "the points could not be written");
    return -1;
}

#define ENTRY_COLS "id, party_id, program_id, kind, points, balance_after, expires_at, txn_id, reverses_id, order_id, reason, actor, at"

static json_t *opt_int(db_stmt *s, int i)
{
    return db_column_type(s, i) == DB_NULL ? json_null() : json_integer(db_column_int64(s, i));
}

static json_t *entry_row(db_stmt *s)
{
    return json_pack("{s:I, s:I, s:o, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
                     "id", (json_int_t)db_column_int64(s, 0), "party_id", (json_int_t)db_column_int64(s, 1),
                     "program_id", opt_int(s, 2), "kind", db_column_text(s, 3), "points", (json_int_t)db_column_int64(s, 4),
                     "balance_after", (json_int_t)db_column_int64(s, 5),
                     "expires_at", db_column_text(s, 6) ? json_string(db_column_text(s, 6)) : json_null(),
                     "txn_id", opt_int(s, 7), "reverses_id", opt_int(s, 8), "order_id", opt_int(s, 9),
                     "reason", db_column_text(s, 10), "actor", db_column_text(s, 11), "at", db_column_text(s, 12));
}

json_t *points_entry(db *c, int64_t id)
{
    db_stmt *s = db_prepare(c, "SELECT " ENTRY_COLS " FROM points_ledger WHERE id = ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, id);
    json_t *o = db_step(s) == DB_ROW ? entry_row(s) : NULL;
    db_done(s);
    return o;
}

json_t *points_items(db *c, int64_t party_id, int64_t before, int limit, int64_t *next)
{
    db_stmt *s = db_prepare(c, "SELECT " ENTRY_COLS " FROM points_ledger WHERE party_id = ? AND id < ? ORDER BY id DESC LIMIT ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, party_id);
    db_bind_int64(s, 2, before ? before : INT64_MAX);
    db_bind_int64(s, 3, limit + 1);
    json_t *items = json_array();
    int n = 0;
    *next = 0;
    while (db_step(s) == DB_ROW) {
        if (n++ == limit) { *next = json_integer_value(json_object_get(json_array_get(items, (size_t)limit - 1), "id")); break; }
        json_array_append_new(items, entry_row(s));
    }
    db_done(s);
    return items;
}

/* ---- earning from transactions ---- */

/* The buyer's tier from the analytics scores, into out ("" when none). */
static void party_tier(db *w, int64_t party, char *out, size_t cap)
{
    out[0] = 0;
    db_stmt *s = db_prepare(w, "SELECT tier FROM score WHERE party_id = ?");
    if (!s) return;
    db_bind_int64(s, 1, party);
    if (db_step(s) == DB_ROW && db_column_text(s, 0)) snprintf(out, cap, "%s", db_column_text(s, 0));
    db_done(s);
}

/* The items with each product's category filled in (a new array). */
static json_t *items_with_categories(db *w, const char *items_text)
{
    json_t *items = json_loads(items_text ? items_text : "[]", 0, NULL);
    if (!json_is_array(items)) { json_decref(items); return json_array(); }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        json_t *pid = json_object_get(it, "product_id");
        if (!json_is_object(it) || !json_is_integer(pid)) continue;
        db_stmt *s = db_prepare(w, "SELECT category FROM product WHERE id = ?");
        if (!s) continue;
        db_bind_int64(s, 1, json_integer_value(pid));
        if (db_step(s) == DB_ROW && db_column_text(s, 0)) json_object_set_new(it, "category", json_string(db_column_text(s, 0)));
        db_done(s);
    }
    return items;
}

static int64_t purchases_within(db *w, int64_t party, const char *at, int64_t days)
{
    int64_t t;
    if (days <= 0 || time_parse(at, &t)) return 1;
    char from[21];
    time_format(t - days * 86400, from);
    db_stmt *s = db_prepare(w, "SELECT count(*) FROM txn WHERE party_id = ? AND amount > 0 AND occurred_at >= ? AND occurred_at <= ?");
    if (!s) return 1;
    db_bind_int64(s, 1, party);
    db_bind_text(s, 2, from);
    db_bind_text(s, 3, at);
    int64_t n = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 1;
    db_done(s);
    return n;
}

static int earn_for(db *w, int64_t txn, const char *actor)
{
    /* The programmes first: with none running (most imports) the purchase
     * is not read at all. */
    char today[11];
    date_format(time_now(), today);
    int64_t progs[32];
    int n = 0;
    /* An import's batch asks once (db_bulk_memo): it writes no programme. */
    char key[40];
    snprintf(key, sizeof key, "points.programs:%s", today);
    json_t *memo = db_bulk_memo(w), *known = memo ? json_object_get(memo, key) : NULL;
    if (known) {
        size_t i; json_t *v;
        json_array_foreach(known, i, v) progs[n++] = json_integer_value(v);
    } else {
        db_stmt *q = db_prepare(w, "SELECT id FROM loyalty_program WHERE status = 'active' AND (starts_on IS NULL OR starts_on <= ?)"
                                   " AND (ends_on IS NULL OR ends_on >= ?) ORDER BY id LIMIT 32");
        if (!q) return -1;
        db_bind_text(q, 1, today);
        db_bind_text(q, 2, today);
        int rc = DB_ERROR;
        while (n < 32 && (rc = db_step(q)) == DB_ROW) progs[n++] = db_column_int64(q, 0);
        db_done(q);
        if (memo && (n == 32 || rc == DB_DONE)) {
            json_t *list = json_array();
            for (int i = 0; i < n; i++) json_array_append_new(list, json_integer(progs[i]));
            json_object_set_new(memo, key, list);
        }
    }
    if (n == 0) return 0;
    db_stmt *s = db_prepare(w, "SELECT party_id, amount, currency, items, occurred_at, external_id FROM txn WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, txn);
    if (db_step(s) != DB_ROW) { db_done(s); return 0; }
    int64_t party = db_column_int64(s, 0), amount = db_column_int64(s, 1);
    char currency[8], at[32];
    snprintf(currency, sizeof currency, "%s", db_column_text(s, 2));
    snprintf(at, sizeof at, "%s", db_column_text(s, 4));
    char *items_text = db_column_text(s, 3) ? strdup(db_column_text(s, 3)) : NULL;
    /* An order's payment (order.c) names its order: the ledger says so. */
    long long order = 0;
    if (db_column_text(s, 5) && sscanf(db_column_text(s, 5), "order:%lld", &order) != 1) order = 0;
    db_done(s);
    if (amount <= 0) { free(items_text); return 0; }
    int rc = 0;
    if (n > 0) {
        json_t *items = items_with_categories(w, items_text);
        char tier[32];
        party_tier(w, party, tier, sizeof tier);
        for (int i = 0; i < n && rc == 0; i++) {
            json_t *prog = res_load(w, &loyalty_program_resource, progs[i]);
            if (!prog) continue;
            int64_t days = json_integer_value(json_object_get(prog, "frequency_days"));
            int64_t pts = points_earned(prog, amount, currency, items, tier[0] ? tier : NULL,
                                        json_is_integer(json_object_get(prog, "frequency_purchases")) ? purchases_within(w, party, at, days) : 1);
            if (pts > 0) {
                char exp[21], reason[64];
                int64_t xd = json_integer_value(json_object_get(prog, "expiry_days"));
                if (xd > 0) time_format(time_now() + xd * 86400, exp);
                snprintf(reason, sizeof reason, "purchase %lld", (long long)txn);
                struct points_post p = {.party_id = party, .kind = "earn", .points = pts, .reason = reason, .actor = actor,
                                        .program_id = progs[i], .txn_id = txn, .order_id = order,
                                        .expires_at = xd > 0 ? exp : NULL};
                struct verr e = {0};
                /* Already earned (the unique index): exactly once, so nothing more. */
                if (points_post(w, &p, NULL, &e) && strcmp(e.code, "already_posted")) rc = -1;
            }
            json_decref(prog);
        }
        json_decref(items);
    }
    free(items_text);
    return rc;
}

/* Takes back every earning of txn not taken back yet: as much of it as the
 * balance holds (its own lot's rest first); points already spent elsewhere
 * are named in the reason. The unique index makes it once. */
static int reverse_for(db *w, int64_t txn, const char *actor)
{
    int64_t earns[32], pts[32], party[32];
    int n = 0;
    db_stmt *s = db_prepare(w, "SELECT l.id, l.points, l.party_id FROM points_ledger l WHERE l.txn_id = ? AND l.kind = 'earn'"
                               " AND NOT EXISTS (SELECT 1 FROM points_ledger r WHERE r.reverses_id = l.id AND r.kind = 'reverse'"
                               " AND r.txn_id = l.txn_id)"
                               " ORDER BY l.id LIMIT 32");
    if (!s) return -1;
    db_bind_int64(s, 1, txn);
    while (n < 32 && db_step(s) == DB_ROW) {
        earns[n] = db_column_int64(s, 0);
        pts[n] = db_column_int64(s, 1);
        party[n++] = db_column_int64(s, 2);
    }
    db_done(s);
    for (int i = 0; i < n; i++) {
        int64_t bal = points_balance(w, party[i]);
        int64_t take = pts[i] < bal ? pts[i] : bal;
        char reason[160];
        if (take < pts[i])
            snprintf(reason, sizeof reason, "refund of purchase %lld: %lld of %lld points taken back (the rest was already spent)",
                     (long long)txn, (long long)take, (long long)pts[i]);
        else
            snprintf(reason, sizeof reason, "refund of purchase %lld", (long long)txn);
        struct points_post p = {.party_id = party[i], .kind = "reverse", .points = -take, .reason = reason, .actor = actor,
                                .txn_id = txn, .reverses_id = earns[i]};
        struct verr e = {0};
        if (points_post(w, &p, NULL, &e) && strcmp(e.code, "already_posted")) return -1;
    }
    return 0;
}

static int on_transaction(db *w, const struct rec_event *ev)
{
    const char *actor = ev->actor ? ev->actor : "system:points";
    if (!strcmp(ev->action, "create"))
        return earn_for(w, ev->record_id, actor) || points_refund(w, ev, actor) ? -1 : 0;
    if (!strcmp(ev->action, "delete"))
        return reverse_for(w, ev->record_id, actor) || points_refund_deleted(w, ev->record_id, actor) ? -1 : 0;
    if (!strcmp(ev->action, "update")) {
        /* A purchase changed to zero or a negative amount is a refund. */
        db_stmt *s = db_prepare(w, "SELECT amount FROM txn WHERE id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, ev->record_id);
        bool refunded = db_step(s) == DB_ROW && db_column_int64(s, 0) <= 0;
        db_done(s);
        return refunded ? reverse_for(w, ev->record_id, actor) : 0;
    }
    return 0;
}

/* A merged duplicate's points move to the survivor lot by lot, each
 * keeping its expiry: an adjustment out of the duplicate (spending exactly
 * that lot) and one into the survivor. The ledger is append-only, so a
 * merge is postings, not a change of party_id. */
static int on_party(db *w, const struct rec_event *ev)
{
    if (strcmp(ev->action, "merged_into")) return 0;
    db_stmt *s = db_prepare(w, "SELECT merged_into FROM party WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, ev->record_id);
    int64_t target = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    if (!target) return 0;
    for (;;) {
        int64_t lot = 0, rest = 0;
        char exp[32] = "";
        s = db_prepare(w, "SELECT lot_id, remaining, expires_at FROM points_lot WHERE party_id = ? AND remaining > 0 ORDER BY lot_id LIMIT 1");
        if (!s) return -1;
        db_bind_int64(s, 1, ev->record_id);
        if (db_step(s) == DB_ROW) {
            lot = db_column_int64(s, 0);
            rest = db_column_int64(s, 1);
            if (db_column_text(s, 2)) snprintf(exp, sizeof exp, "%s", db_column_text(s, 2));
        }
        db_done(s);
        if (!lot) return 0;
        char out[64], in[64];
        snprintf(out, sizeof out, "merged into party %lld", (long long)target);
        snprintf(in, sizeof in, "merged from party %lld", (long long)ev->record_id);
        struct points_post a = {.party_id = ev->record_id, .kind = "adjust", .points = -rest, .reason = out, .actor = ev->actor, .only_lot = lot};
        struct points_post b = {.party_id = target, .kind = "adjust", .points = rest, .reason = in, .actor = ev->actor, .expires_at = exp[0] ? exp : NULL};
        struct verr e = {0};
        if (points_post(w, &a, NULL, &e) || points_post(w, &b, NULL, &e)) return -1;
    }
}

void points_subscribe(void)
{
    events_subscribe_tx("transaction", on_transaction);
    events_subscribe_tx("party", on_party);
}

/* ---- expiry ---- */

int points_expire_batch(db *w, const char *now, int limit)
{
    int64_t lots[500], party[500], rest[500];
    int n = 0;
    if (limit > 500) limit = 500;
    db_stmt *s = db_prepare(w, "SELECT lot_id, party_id, remaining FROM points_lot WHERE remaining > 0 AND expires_at <= ?"
                               " ORDER BY expires_at, lot_id LIMIT ?");
    if (!s) return -1;
    db_bind_text(s, 1, now);
    db_bind_int64(s, 2, limit);
    while (n < limit && db_step(s) == DB_ROW) {
        lots[n] = db_column_int64(s, 0);
        party[n] = db_column_int64(s, 1);
        rest[n++] = db_column_int64(s, 2);
    }
    db_done(s);
    for (int i = 0; i < n; i++) {
        char reason[64];
        snprintf(reason, sizeof reason, "points of posting %lld expired", (long long)lots[i]);
        struct points_post p = {.party_id = party[i], .kind = "expire", .points = -rest[i], .reason = reason,
                                .actor = "system:scheduler", .only_lot = lots[i]};
        struct verr e = {0};
        if (points_post(w, &p, NULL, &e)) return -1;
    }
    return n;
}

/* ---- the check ---- */

static void mismatch(json_t *list, int64_t party, const char *what, int64_t ledger, int64_t stored, int64_t at)
{
    if (json_array_size(list) < 100)
        json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:I, s:I}", "party_id", (json_int_t)party, "what", what,
                                              "expected", (json_int_t)ledger, "stored", (json_int_t)stored, "posting_id", (json_int_t)at));
}

json_t *points_check(db *c, bool repair)
{
    json_t *bad = json_array();
    int64_t parties = 0, postings = 0, nbad = 0;
    /* 1. every posting's balance_after is the running sum of its party's points. */
    db_stmt *s = db_prepare(c, "SELECT party_id, id, points, balance_after FROM points_ledger ORDER BY party_id, id");
    if (!s) { json_decref(bad); return NULL; }
    int64_t cur = -1, sum = 0;
    while (db_step(s) == DB_ROW) {
        int64_t p = db_column_int64(s, 0);
        if (p != cur) { cur = p; sum = 0; parties++; }
        sum += db_column_int64(s, 2);
        postings++;
        if (sum != db_column_int64(s, 3) || sum < 0) { nbad++; mismatch(bad, p, "balance_after", sum, db_column_int64(s, 3), db_column_int64(s, 1)); }
    }
    db_done(s);
    /* 2. each lot's rest is its points less its uses; a negative posting's
     * uses add up to it. */
    if (repair && db_exec(c, "UPDATE points_lot SET remaining = (SELECT l.points FROM points_ledger l WHERE l.id = points_lot.lot_id)"
                             " - COALESCE((SELECT sum(u.points) FROM points_use u WHERE u.lot_id = points_lot.lot_id), 0)")) {
        json_decref(bad);
        return NULL;
    }
    s = db_prepare(c, "SELECT k.lot_id, k.party_id, k.remaining, l.points - COALESCE(u.used, 0) FROM points_lot k"
                      " JOIN points_ledger l ON l.id = k.lot_id"
                      " LEFT JOIN (SELECT lot_id, sum(points) AS used FROM points_use GROUP BY lot_id) u ON u.lot_id = k.lot_id"
                      " WHERE k.remaining <> l.points - COALESCE(u.used, 0)");
    if (!s) { json_decref(bad); return NULL; }
    while (db_step(s) == DB_ROW) {
        nbad++;
        mismatch(bad, db_column_int64(s, 1), "lot_remaining", db_column_int64(s, 3), db_column_int64(s, 2), db_column_int64(s, 0));
    }
    db_done(s);
    s = db_prepare(c, "SELECT l.party_id, l.id, -l.points, COALESCE((SELECT sum(u.points) FROM points_use u WHERE u.spend_id = l.id), 0)"
                      " FROM points_ledger l WHERE l.points < 0 AND -l.points <> COALESCE((SELECT sum(u.points) FROM points_use u"
                      " WHERE u.spend_id = l.id), 0)");
    if (!s) { json_decref(bad); return NULL; }
    while (db_step(s) == DB_ROW) {
        nbad++;
        mismatch(bad, db_column_int64(s, 0), "spent_from_lots", db_column_int64(s, 2), db_column_int64(s, 3), db_column_int64(s, 1));
    }
    db_done(s);
    /* 3. a party's open lots hold its balance. */
    s = db_prepare(c, "SELECT m.party_id, b.balance_after, COALESCE(k.held, 0)"
                      " FROM (SELECT party_id, max(id) AS last FROM points_ledger GROUP BY party_id) m"
                      " JOIN points_ledger b ON b.id = m.last"
                      " LEFT JOIN (SELECT party_id, sum(remaining) AS held FROM points_lot GROUP BY party_id) k ON k.party_id = m.party_id");
    if (!s) { json_decref(bad); return NULL; }
    while (db_step(s) == DB_ROW)
        if (db_column_int64(s, 1) != db_column_int64(s, 2)) {
            nbad++;
            mismatch(bad, db_column_int64(s, 0), "lots_sum", db_column_int64(s, 1), db_column_int64(s, 2), 0);
        }
    db_done(s);
    return json_pack("{s:b, s:I, s:I, s:I, s:o}", "ok", nbad == 0, "parties", (json_int_t)parties, "postings", (json_int_t)postings,
                     "problems", (json_int_t)nbad, "mismatches", bad);
}
