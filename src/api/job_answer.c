/* job_answer: the answer of a request that queued a background job (see
 * api.h): its Location, and with ?wait=true the finished job itself. */
#include "api/api.h"
#include "jobs/jobs.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void resp_job(struct resp *rs, int64_t id, bool wait, int wait_seconds, const char *what)
{
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/jobs/%lld", (long long)id);
    resp_header(rs, "Location", loc);
    json_t *job = job_load(db_reader(), id);
    /* Polled every 20 ms; the waiting stops (not the job) after wait_seconds. */
    for (int i = 0; wait && job && i < wait_seconds * 50; i++) {
        const char *st = json_string_value(json_object_get(job, "status"));
        if (st && strcmp(st, "queued") && strcmp(st, "running")) {
            if (strcmp(st, "done")) {
                const char *err = json_string_value(json_object_get(job, "error"));
                resp_error(rs, 500, "run_failed", NULL, "the %s %s: %s", what, st, err ? err : "");
                json_decref(job);
                return;
            }
            resp_json(rs, 200, job);
            return;
        }
        usleep(20000);
        json_decref(job);
        job = job_load(db_reader(), id);
    }
    resp_json(rs, 202, job ? job : json_pack("{s:I}", "id", (json_int_t)id));
}
