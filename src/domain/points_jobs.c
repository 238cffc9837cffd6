/* points_jobs: the job kind "points_expire" — expires every lot whose
 * expiry has passed, in batches, each lot once (its rest becomes an expire
 * posting that spends exactly that lot). Timed work for the scheduler
 * (PUT /api/v1/schedules/{name} {"kind": "points_expire", …}). */
#include "domain/points.h"
#include "db/writer.h"
#include "jobs/jobs.h"
#include "lib/timeutil.h"
#include <stdio.h>

struct expire_ctx { char now[21]; long done; int last; };

static int expire_batch(db *w, void *arg)
{
    struct expire_ctx *c = arg;
    c->last = points_expire_batch(w, c->now, 500);
    return c->last < 0 ? 1 : 0;
}

static int run_expire(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    (void)id;
    (void)params;
    struct expire_ctx c = {0};
    time_format(time_now(), c.now);
    do {
        if (db_write(expire_batch, &c)) { snprintf(error, cap, "the expired points could not be written"); return -1; }
        c.done += c.last;
    } while (c.last == 500 && !*cancel);
    *result = json_pack("{s:I}", "expired_lots", (json_int_t)c.done);
    return 0;
}

void points_jobs_register(void) { jobs_register_kind("points_expire", run_expire); }
