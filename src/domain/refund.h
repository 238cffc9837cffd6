/* refund: a refund linked to the purchase it refunds (issue 21). A refund
 * is a transaction with a negative amount and refunds_transaction_id; it
 * takes back, in proportion to its amount, what the purchase earned — its
 * loyalty points (points_refund.c) and the referral revenue credited to the
 * buyer's member and tree (referral_tree.c) — once, by postings of its own.
 * This module owns the rules that keep the link coherent and the share
 * arithmetic both takers-back use. Nothing here knows HTTP. */
#ifndef RAPPORT_REFUND_H
#define RAPPORT_REFUND_H
#include "api/resource.h"
#include "db/db.h"
#include "records/events.h"
#include <stdint.h>

/* transaction check_stored part (w inside the write; id 0 on a create):
 * a linked refund is negative, of the same party and currency as its
 * purchase, which is a positive purchase and no refund itself, and all its
 * refunds together are at most its amount; a refund's amount and a refunded
 * purchase's amount do not change afterwards (their shares were taken on
 * them). 0, or -1 with e naming the field. */
int refund_check(db *w, int64_t id, const json_t *rec, struct verr *e);
/* transaction before_delete: a purchase with refunds linked to it is not
 * deleted (409 has_refunds; delete the refunds first). */
int refund_before_delete(db *w, int64_t id, struct verr *e);

/* The share of its purchase that refund takes back: the purchase's id, and
 * the refunded part of its amount before and after this refund (capped at
 * the amount) over the amount. 1 when refund is a linked refund, 0 when it
 * is not, -1 on a storage error. */
struct refund_share { int64_t purchase, before, after, amount; };
int refund_share_of(db *w, int64_t refund, struct refund_share *out);
/* refund_share_of the transaction of a create event: a record in the event
 * (a batch writer's) that is no linked refund (no refunds_transaction_id,
 * or not negative) answers 0 without reading the row back. */
int refund_share_of_event(db *w, const struct rec_event *ev, struct refund_share *out);
/* What a refund takes back of whole (points or money earned by the
 * purchase): whole·after/amount − whole·before/amount, rounded down each
 * time, so the refunds of a purchase together take back exactly
 * whole·refunded/amount and a full refund all of it. */
int64_t refund_part(int64_t whole, const struct refund_share *s);
#endif
