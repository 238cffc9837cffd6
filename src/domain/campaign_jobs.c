/* campaign_jobs: the job kind "campaigns_close" — completes every active
 * campaign whose last day (ends_on) has passed. It is timed work for the
 * scheduler (PUT /api/v1/schedules/{name} {"kind": "campaigns_close", …})
 * and writes as the system actor "scheduler" through the write path, so
 * the workflow (active → completed, stamping completed_at), the rule, the
 * audit row and the event apply exactly as to a user's change. */
#include "domain/campaign.h"
#include "db/writer.h"
#include "jobs/jobs.h"
#include "jobs/scheduler.h"
#include "lib/zonetime.h"
#include "lib/timeutil.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CLOSE_BATCH 500   /* campaigns completed per write transaction */

struct close_ctx { long done; bool more; struct verr e; };

/* One batch: the first CLOSE_BATCH overdue active campaigns. */
static int close_batch(db *w, void *arg)
{
    struct close_ctx *c = arg;
    /* "Has passed" in the company's time zone: a campaign ending on the 6th
     * in Shanghai is over at midnight there, 16:00 UTC. */
    char zone[64], today[11];
    company_time_zone(w, zone, sizeof zone);
    if (zone_local_date(zone, (int64_t)time(NULL), today)) {
        char now[21];
        now_text(now);
        snprintf(today, sizeof today, "%.10s", now);
    }
    db_stmt *s = db_prepare(w, "SELECT id FROM campaign WHERE status = 'active' AND ends_on < ? ORDER BY id LIMIT ?");
    if (!s) return -1;
    db_bind_text(s, 1, today);
    db_bind_int64(s, 2, CLOSE_BATCH);
    int64_t ids[CLOSE_BATCH];
    int n = 0;
    while (n < CLOSE_BATCH && db_step(s) == DB_ROW) ids[n++] = db_column_int64(s, 0);
    db_done(s);
    struct writer wr = writer_system("scheduler");
    json_t *patch = json_pack("{s:s}", "status", "completed");
    for (int i = 0; i < n; i++)
        if (record_update(w, &wr, &campaign_resource, ids[i], patch, NULL, NULL, &c->e)) { json_decref(patch); return 1; }
    json_decref(patch);
    c->done += n;
    c->more = n == CLOSE_BATCH;
    return 0;
}

static int run_close(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    struct close_ctx c = {0};
    do {
        int rc = db_write(close_batch, &c);
        if (rc) {
            snprintf(error, cap, "%s", rc > 0 ? c.e.message : "the campaigns could not be written");
            return -1;
        }
    } while (c.more && !*cancel);
    *result = json_pack("{s:I}", "completed", (json_int_t)c.done);
    return 0;
}

void campaign_jobs_register(void)
{
    jobs_register_kind("campaigns_close", run_close);
    campaign_send_register();
}
