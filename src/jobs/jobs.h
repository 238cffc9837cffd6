/* jobs: long work (imports, undo, later analytics runs and exports) as rows
 * of the job table with a status (queued, running, done, failed, cancelled,
 * undone), progress, params and result JSON. Rows survive a restart: jobs
 * still queued run when the server comes back; a job that was running when
 * the process died is marked failed ("interrupted") and can be undone.
 *
 * In the server one runner thread takes queued jobs in order and runs the
 * handler registered for their kind. */
#ifndef RAPPORT_JOBS_H
#define RAPPORT_JOBS_H
#include "db/db.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* A handler runs the job; cancel becomes non-zero when it is asked to stop.
 * It returns 0 and sets *result (owned JSON), or -1 with *error text. */
typedef int (*job_fn)(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap);

void jobs_register_kind(const char *kind, job_fn fn);
/* Inserts a job row; returns its id or 0. params is borrowed. */
int64_t job_create(const char *kind, const json_t *params, int64_t user_id, const char *status);
/* Like job_create (status queued), but when a job of the same kind is
 * already queued or running returns that one's id instead, with *existing
 * set: the look-up and the insert are one write, so two requests at once
 * still make one job. Returns 0 on a storage error. */
int64_t job_create_coalesced(const char *kind, const json_t *params, int64_t user_id, bool *existing);
/* Sets status running / done / failed / cancelled / undone; result is stolen. */
int job_set_status(int64_t id, const char *status, json_t *result, const char *error);
/* The job as API JSON (NULL when absent). */
json_t *job_load(db *c, int64_t id);
/* Live progress of the running job (also kept in memory). */
void job_progress(int64_t id, long done, long total);
/* Starts / stops the runner thread (server only). */
int jobs_start(void);
void jobs_stop(void);
/* Wakes the runner after a job was queued. */
void jobs_kick(void);
/* Asks a queued or running job to stop; returns 0, or -1 when it is finished. */
int job_cancel(int64_t id);
#endif
