/*
 * service.h — the analytics engine inside the server and the CLI.
 *
 * The one part of src/analytics that talks to the database (service*.c,
 * one file a concern; see service_int.h). Owns:
 *   - the process's columnar transaction store (store.h), cold-loaded from
 *     `txn` at start and kept current: every committed transaction write
 *     queues its party (an_touch_party); a background thread then reloads
 *     that party's rows through the writer (so it sees exactly what was
 *     committed) and recomputes its scores against the last run's state;
 *   - runs (an_run): fits, population cuts, every party's labels, stored in
 *     `score` with explanations, label changes in `score_history`, tier and
 *     lifecycle moves as audit rows (so they show in the party's timeline),
 *     the fitted parameters and cuts in `analytics_run`;
 *   - the settings "analytics.*" of table `setting` (an_settings_*).
 * Locking: one mutex guards the store and the state; a run pauses the
 * background refreshes and resumes them when it has stored its results.
 */
#ifndef RAPPORT_ANALYTICS_SERVICE_H
#define RAPPORT_ANALYTICS_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Loads settings, the store (cold load) and the last run's state. With
 * background, starts the refresh thread (server). Returns 0 or -1. */
int an_service_start(bool background);
/* Stops the thread (finishing queued refreshes) and frees the store. */
void an_service_stop(void);

/* Progress of a run: stage name, done of total. */
typedef void (*an_progress_fn)(void *ctx, const char *stage, long done, long total);

/* Recomputes everything. On success *result (caller owns) describes the
 * run. Returns 0, 1 when a run is already in progress, -1 on failure
 * (message in err). */
int an_run(an_progress_fn progress, void *ctx, json_t **result, char *err, size_t errlen);

/* Queues a party whose transactions changed (called in write jobs). */
void an_touch_party(int64_t party_id);
/* Waits until queued refreshes are stored (tests, CLI). */
void an_flush(void);

/* Cold-load statistics of this process: rows, seconds, bytes. */
json_t *an_store_info(void);

/* Settings: every key with value and default ({"key": {"value", "default",
 * "doc"}}). */
json_t *an_settings_get(db *c);
/* Validates and stores changes {"key": value, ...} (keys without the
 * "analytics." prefix). Returns 0, or -1 with a message and the offending
 * key (field, 64 bytes) filled. */
int an_settings_put(const json_t *changes, char *field, char *err, size_t errlen);

/* Answers of the API (NULL when absent). */
json_t *an_party_scores(db *c, int64_t party_id);
/* P(alive) of a customer right after their last purchase, given their
 * repeat purchases, under the last run's fitted model (BG/NBD lets a
 * customer drop out at a purchase; under Pareto/NBD it is 1); -1 when no
 * model is fitted. With P(alive) now it says how far it fell since. */
double an_p_alive_after_purchase(int64_t repeat_purchases);
/* The parties a summary covers: a constant SQL predicate over the party
 * table as alias "t" and the values it binds in order (the caller's read
 * scope, from authz_party_predicate); pred NULL for every party. */
typedef struct {
    const char *pred;
    int nbinds;
    const int64_t *binds;
} an_scope;
/* Segment counts and totals over the live parties of scope (may be NULL);
 * money totals that do not fit in int64 are held at the bound and listed
 * in "saturated". */
json_t *an_summary(db *c, const an_scope *scope);

#endif
