/* jobs: long work (imports, undo, analytics runs, scheduled work) as rows of
 * the job table with a status (queued, running, done, failed, cancelled,
 * undone), progress, params and result JSON. Rows survive a restart: jobs
 * still queued run when a server comes back.
 *
 * Several processes may share one database (servers, a CLI import). A job is
 * claimed with a lease: claiming sets status running, lease_owner (this
 * process, jobs_instance()) and lease_until in one write transaction, so one
 * process runs it; a heartbeat thread renews the leases of the jobs this
 * process runs every third of a lease. A running job whose lease expired was
 * left by a process that died: it is marked failed ("interrupted") and can be
 * undone. Nothing else is failed at start, so a server starting beside a
 * running one leaves that one's jobs alone.
 *
 * In a server one runner thread claims queued jobs in order (looking again
 * every second, for jobs another process queued) and runs the handler
 * registered for their kind. */
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
/* Marks a kind resumable: when the process running such a job stops (its
 * lease runs out), the job is queued again instead of failed, and its
 * handler runs again from the start — it must pick up where the stopped run
 * left off without repeating its effects (campaign_send). */
void jobs_register_resumable(const char *kind);
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
/* This process's name in job.lease_owner ("host:pid:random"; static storage). */
const char *jobs_instance(void);
/* A lease's length: RAPPORT_JOB_LEASE_SECONDS, else 30. */
int jobs_lease_seconds(void);
/* Marks failed the running jobs whose lease has expired; returns how many,
 * or -1 on a storage error. Cheap when there are none (one read). */
int jobs_fail_abandoned(void);
/* Is a handler registered for this kind? */
bool jobs_kind_known(const char *kind);
#endif
