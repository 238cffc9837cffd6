/* events: the event feed. Every committed change of a record appends one
 * event — type, record id, action, changed fields, actor, time — inside the
 * write transaction that makes the change (events_append), so an event
 * exists exactly when its change does. Consumers follow the feed:
 *  - in-transaction subscribers (events_subscribe_tx) run inside the same
 *    write transaction, right after the append (derived rows that must be
 *    exact at commit: the search index, stored documents);
 *  - followers (events_follow) run after commit on a follower thread, in
 *    feed order, for events committed by any process on the database (the
 *    thread reads the table from the last id it saw), so caches and the
 *    analytics store hear of another server's writes too.
 * A follower starts from the newest event at events_start (it loads its
 * state fresh at start) and sees every later event exactly once. */
#ifndef RAPPORT_EVENTS_H
#define RAPPORT_EVENTS_H
#include "db/db.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Who made a change: a user, or a named system job ("scheduler", "import",
 * "demo", …). Exactly one of user_id (> 0) and system is set. */
struct actor {
    int64_t user_id;
    const char *system;
    const char *role;      /* the user's role, for workflow guards; NULL for a system job */
};
#define ACTOR_USER(id) ((struct actor){(id), NULL, NULL})
#define ACTOR_SYSTEM(name) ((struct actor){0, (name), NULL})
/* "user:12" or "system:scheduler" into out. */
void actor_text(const struct actor *a, char *out, size_t cap);

/* One event as appended (borrowed pointers) or as read from the feed. */
struct rec_event {
    int64_t id;                /* set by events_append / read from the feed */
    const char *at;            /* ISO 8601 UTC; events_append fills it when NULL */
    const char *type;          /* record type: "party", "transaction", … */
    int64_t record_id;
    const char *action;        /* "create", "update", "delete", "merge", "transfer", … */
    const json_t *fields;      /* array of changed field names, or NULL */
    const char *actor;         /* "user:12" / "system:…" */
    int64_t party_id;          /* the party the record belongs to, or 0 */
    /* In-transaction subscribers only: the record as the write path wrote
     * it, on a create by a batch writer (an import), else NULL. What a
     * subscriber can learn from it (a purchase is not a refund) it need not
     * read back (on PostgreSQL a read of a held row sends the batch's rows). */
    const json_t *record;
};

/* Appends ev in the caller's write transaction (w is the writer's
 * connection inside db_write) and runs the in-transaction subscribers of its
 * type; ev->id is set. 0, or -1 (the caller's transaction must fail). */
int events_append(db *w, struct rec_event *ev);

/* An in-transaction subscriber: runs in the write transaction after the
 * append; 0, or -1 to fail the write. type NULL: every type. */
typedef int (*event_tx_fn)(db *w, const struct rec_event *ev);
void events_subscribe_tx(const char *type, event_tx_fn fn);

/* A follower: runs after commit, on the follower thread, in feed order.
 * Pointers in ev live for the call only. type NULL: every type. */
typedef void (*event_follow_fn)(const struct rec_event *ev, void *ctx);
void events_follow(const char *name, const char *type, event_follow_fn fn, void *ctx);

/* Starts / stops the follower thread (servers). It reads new events every
 * RAPPORT_EVENT_POLL_MS (default 200) and at once after events_kick. */
int events_start(void);
void events_stop(void);
/* A local write committed events: follow now rather than at the next poll. */
void events_kick(void);
/* Waits until the followers have seen every event committed before the
 * call (at most timeout_ms): work that reads what the followers keep (an
 * analytics run reads the store) starts from every committed change. 0, or
 * -1 on a timeout. No follower thread: 0 at once. */
int events_sync(int timeout_ms);
/* The id of the newest event (0 when none), through c. */
int64_t events_last_id(db *c);
/* Runs the followers over the events after *after (up to limit), moving
 * *after on; returns how many were delivered, -1 on a storage error. The
 * thread calls it; tests and the CLI may too. */
int events_deliver(db *c, int64_t *after, int limit);
#endif
