/* points_refund: the points side of a linked refund (see refund.h and
 * points.h). Each earning of the refunded purchase loses the refund's
 * share of it (refund_part: the shares of all refunds add up to exactly
 * what the refunded fraction earned), posted as a reversal that names the
 * earning and the refund, so the unique index makes it once. Points the
 * buyer has already spent cannot be taken back: the posting takes what the
 * balance holds and its reason says so. */
#include "domain/points.h"
#include "domain/refund.h"
#include <stdio.h>
#include <string.h>

int points_refund(db *w, const struct rec_event *ev, const char *actor)
{
    int64_t refund = ev->record_id;
    struct refund_share sh;
    int k = refund_share_of_event(w, ev, &sh);
    if (k <= 0) return k;
    int64_t earns[32], pts[32], party[32];
    int n = 0;
    /* The earnings the purchase itself has not taken back whole. */
    db_stmt *s = db_prepare(w, "SELECT l.id, l.points, l.party_id FROM points_ledger l WHERE l.txn_id = ? AND l.kind = 'earn'"
                               " AND NOT EXISTS (SELECT 1 FROM points_ledger r WHERE r.reverses_id = l.id AND r.kind = 'reverse'"
                               " AND r.txn_id = l.txn_id) ORDER BY l.id LIMIT 32");
    if (!s) return -1;
    db_bind_int64(s, 1, sh.purchase);
    while (n < 32 && db_step(s) == DB_ROW) {
        earns[n] = db_column_int64(s, 0);
        pts[n] = db_column_int64(s, 1);
        party[n++] = db_column_int64(s, 2);
    }
    db_done(s);
    for (int i = 0; i < n; i++) {
        int64_t want = refund_part(pts[i], &sh);
        if (want <= 0) continue;
        int64_t bal = points_balance(w, party[i]);
        int64_t take = want < bal ? want : bal;
        char reason[200];
        if (take < want)
            snprintf(reason, sizeof reason, "refund %lld of purchase %lld: %lld of %lld points taken back (the rest was already spent)",
                     (long long)refund, (long long)sh.purchase, (long long)take, (long long)want);
        else
            snprintf(reason, sizeof reason, "refund %lld of purchase %lld: %lld of %lld points taken back", (long long)refund,
                     (long long)sh.purchase, (long long)take, (long long)pts[i]);
        struct points_post p = {.party_id = party[i], .kind = "reverse", .points = -take, .reason = reason, .actor = actor,
                                .txn_id = refund, .reverses_id = earns[i]};
        struct verr e = {0};
        if (points_post(w, &p, NULL, &e) && strcmp(e.code, "already_posted")) return -1;
    }
    return 0;
}

int points_refund_deleted(db *w, int64_t refund, const char *actor)
{
    /* The refund's own reversals (of another transaction's earnings). */
    int64_t party[32], pts[32], rev[32];
    char exp[32][32];
    int n = 0;
    db_stmt *s = db_prepare(w, "SELECT r.party_id, -r.points, r.id, l.expires_at FROM points_ledger r"
                               " JOIN points_ledger l ON l.id = r.reverses_id"
                               " WHERE r.txn_id = ? AND r.kind = 'reverse' AND l.txn_id <> r.txn_id AND r.points < 0 ORDER BY r.id LIMIT 32");
    if (!s) return -1;
    db_bind_int64(s, 1, refund);
    while (n < 32 && db_step(s) == DB_ROW) {
        party[n] = db_column_int64(s, 0);
        pts[n] = db_column_int64(s, 1);
        rev[n] = db_column_int64(s, 2);
        snprintf(exp[n], sizeof exp[n], "%s", db_column_text(s, 3) ? db_column_text(s, 3) : "");
        n++;
    }
    db_done(s);
    for (int i = 0; i < n; i++) {
        char reason[120];
        snprintf(reason, sizeof reason, "refund %lld deleted: the %lld points of posting %lld given back", (long long)refund,
                 (long long)pts[i], (long long)rev[i]);
        struct points_post p = {.party_id = party[i], .kind = "adjust", .points = pts[i], .reason = reason, .actor = actor,
                                .expires_at = exp[i][0] ? exp[i] : NULL};
        struct verr e = {0};
        if (points_post(w, &p, NULL, &e)) return -1;
    }
    return 0;
}
