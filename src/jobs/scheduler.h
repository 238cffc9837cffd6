/* scheduler: timed work. A schedule row names a job kind and when to queue
 * it: every N seconds, or daily at HH:MM in the company's time zone (setting
 * company.time_zone). Every server process runs a ticker; firing an
 * occurrence moves the row's next_run_at forward with a compare-and-set on
 * its old value inside the writer's transaction, so of several processes on
 * one database exactly one queues each occurrence, and the row (hence the
 * timetable) survives restarts. An occurrence whose previous job is still
 * queued or running is skipped, not piled up. The queued job then runs under
 * the jobs module's lease like any other. The ticker also fails the jobs of
 * processes that died (jobs_fail_abandoned). */
#ifndef RAPPORT_SCHEDULER_H
#define RAPPORT_SCHEDULER_H
#include "db/db.h"
#include <jansson.h>
#include <stdint.h>

int scheduler_start(void);
void scheduler_stop(void);
/* One pass: fires what is due at `now`; returns how many jobs it queued, or
 * -1 on a storage error. The ticker calls it; so can a test or the CLI. */
int scheduler_tick(int64_t now);
/* When a schedule fires next after `now`: every_seconds > 0, or at_time
 * "HH:MM" in zone. 0, or -1 when the zone or time is not valid. */
int schedule_next_run(int64_t every_seconds, const char *at_time, const char *zone, int64_t now, int64_t *out);
/* Gives every enabled schedule without a next run one, in zone (inside
 * the caller's write transaction w). 0, or 1 on a storage error. */
int schedule_plan_unplanned(db *w, const char *zone);
/* The company's time zone (setting company.time_zone, else "UTC") into out. */
void company_time_zone(db *c, char *out, size_t cap);
#endif
