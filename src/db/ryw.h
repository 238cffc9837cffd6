/* ryw: read-your-writes with a read replica (--db-replica), exact and
 * shared by every server on the database.
 *
 * The writer counts each user's committed writes in ryw_mark (one row per
 * user), inside the write transaction that makes them: the row on any copy
 * of the database says how many of the user's writes that copy holds. A
 * GET of the user reads the count on the primary and then, in the read
 * transaction it is about to use on the replica, the replica's count: equal
 * (or more) means every write the user had committed when the request came
 * is in that snapshot, whichever server made it. No clock, no sticky
 * balancer, no extra transaction per write. */
#ifndef RAPPORT_RYW_H
#define RAPPORT_RYW_H
#include "db/db.h"
#include <stddef.h>
#include <stdint.h>

/* Counts one write for each user in users (n of them, any order, repeats
 * allowed, 0s skipped) in w's open write transaction: one statement per 8
 * users, the last sent with the COMMIT (db_step_at_commit), so the caller
 * commits next. 0, or -1 (logged; the marks only lag, the transaction is
 * not failed by it). */
int ryw_mark_writes(db *w, const int64_t *users, size_t n);

/* Routes this thread's reader to the replica (db_reader_replica) when the
 * replica holds every write of user committed before the call; true when it
 * did. false: the primary answers (the replica lags behind the user, cannot
 * be reached, or the marks cannot be read). writes: the user's count read
 * on the primary in this request's snapshot (the authentication query
 * reads it), or -1: read here. */
bool ryw_route_to_replica(int64_t user, int64_t writes);
#endif
