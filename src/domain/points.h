/* points: the append-only loyalty points ledger (DOMAIN D7). Every change
 * of a party's points is one posting, written inside the caller's write
 * transaction (db_write: BEGIN IMMEDIATE, so postings from every process
 * on the database are serialised and a balance read in the transaction is
 * the balance the posting changes). A posting stores the balance after it;
 * a negative one spends lots (earlier positive postings) nearest expiry
 * first and records which (points_use), so a point is spent once. Nothing
 * here knows HTTP. */
#ifndef RAPPORT_POINTS_H
#define RAPPORT_POINTS_H
#include "api/resource.h"
#include "db/db.h"
#include "records/events.h"
#include <jansson.h>
#include <stdint.h>

struct points_post {
    int64_t party_id;
    const char *kind;          /* earn, redeem, expire, adjust, reverse */
    int64_t points;            /* signed; earn > 0, redeem / expire < 0, reverse <= 0 */
    const char *reason;        /* why, free text */
    const char *actor;         /* "user:12" / "system:scheduler" */
    int64_t program_id, txn_id, reverses_id, order_id;   /* 0: none */
    const char *expires_at;    /* a positive posting's expiry, or NULL */
    int64_t only_lot;          /* a negative posting spends this lot only (expiry), or 0 */
};

/* Appends p (w: the writer inside db_write). A negative posting larger than
 * the balance is refused (409 insufficient_points) and writes nothing.
 * *id_out (may be NULL) is the new row's id. 0, or -1 with e. */
int points_post(db *w, const struct points_post *p, int64_t *id_out, struct verr *e);
/* The party's balance (0 without postings). */
int64_t points_balance(db *c, int64_t party_id);
/* The ledger row id as API JSON (a new object), or NULL. */
json_t *points_entry(db *c, int64_t id);
/* A party's postings newest first: before (0: from the newest) and limit. */
json_t *points_items(db *c, int64_t party_id, int64_t before, int limit, int64_t *next);

/* Transactions earn points: the in-transaction subscriber of the event feed
 * that earns on a purchase's create and takes the earning back once when the
 * purchase is deleted or its amount becomes zero or negative (a refund). */
void points_subscribe(void);
/* A linked refund (domain/refund.h) takes back its share of each earning
 * of its purchase, as much as the balance holds (points_refund.c); once,
 * by the unique (reverses_id, txn_id) of a reversal. The refund deleted:
 * what it took back is given back. 0, or -1 (w inside db_write).
 * points_refund takes the refund's create event (refund_share_of_event). */
int points_refund(db *w, const struct rec_event *ev, const char *actor);
int points_refund_deleted(db *w, int64_t refund, const char *actor);

/* Expires the lots whose expiry has passed, at most limit of them, each
 * as one expire posting (w inside db_write). Returns how many, or -1. */
int points_expire_batch(db *w, const char *now, int limit);
/* Registers the job kind "points_expire" (for the scheduler). */
void points_jobs_register(void);

/* Rebuilds every balance from the ledger and compares: each posting's
 * balance_after against the running sum of points, each lot's unspent
 * rest against its uses, each party's lots against its balance. repair:
 * also rewrites points_lot from the ledger (w inside db_write; else c is a
 * reader). Returns a new object {"ok", "parties", "postings", "mismatches"}
 * or NULL on a storage error. */
json_t *points_check(db *c, bool repair);
#endif
