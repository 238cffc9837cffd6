/* quote_jobs: the job kind "quotes_expire" — moves every draft or sent
 * quote whose last day (valid_until) has passed to expired. Timed work for
 * the scheduler (PUT /api/v1/schedules/{name} {"kind": "quotes_expire", …})
 * that writes as the system actor "scheduler" through the write path, so the
 * workflow (stamping decided_at), the audit row and the event apply as to a
 * user's change. The day is the company's (its time zone), as on accept. */
#include "domain/quote.h"
#include "db/writer.h"
#include "jobs/jobs.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>

#define EXPIRE_BATCH 500   /* quotes expired per write transaction */

struct expire_ctx { long done; bool more; struct verr e; };

static int expire_batch(db *w, void *arg)
{
    struct expire_ctx *c = arg;
    char today[11];
    quote_today(w, today);
    db_stmt *s = db_prepare(w, "SELECT id FROM quote WHERE status IN ('draft', 'sent') AND valid_until < ? ORDER BY id LIMIT ?");
    if (!s) return -1;
    db_bind_text(s, 1, today);
    db_bind_int64(s, 2, EXPIRE_BATCH);
    int64_t ids[EXPIRE_BATCH];
    int n = 0;
    while (n < EXPIRE_BATCH && db_step(s) == DB_ROW) ids[n++] = db_column_int64(s, 0);
    db_done(s);
    struct writer wr = writer_system("scheduler");
    json_t *patch = json_pack("{s:s}", "status", "expired");
    for (int i = 0; i < n; i++)
        if (record_update(w, &wr, &quote_resource, ids[i], patch, NULL, NULL, &c->e)) { json_decref(patch); return 1; }
    json_decref(patch);
    c->done += n;
    c->more = n == EXPIRE_BATCH;
    return 0;
}

static int run_expire(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    struct expire_ctx c = {0};
    do {
        int rc = db_write(expire_batch, &c);
        if (rc) {
            snprintf(error, cap, "%s", rc > 0 ? c.e.message : "the quotes could not be written");
            return -1;
        }
    } while (c.more && !*cancel);
    *result = json_pack("{s:I}", "expired", (json_int_t)c.done);
    return 0;
}

void quote_jobs_register(void) { jobs_register_kind("quotes_expire", run_expire); }
