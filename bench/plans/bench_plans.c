/* bench_plans: the segment resolver and contact-plan generation (issue 20)
 * on a database of N parties, all of tier platinum (run.sh fills it).
 *
 * usage: bench_plans DB
 * Prints: resolving "tier=platinum" (every party) in the system scope and
 * in a manager's team scope; a plan's first run (one planned contact per
 * party through the write path) and a re-run of the same slot (nothing to
 * create: the unique key of each slot is found). */
#include "api/api.h"
#include "db/db.h"
#include "db/writer.h"
#include "domain/contact_plan.h"
#include "domain/segment.h"
#include "http/auth.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int seed(db *w, void *arg) { (void)arg; return registry_seed(w) ? 1 : 0; }

struct mk { int64_t id; struct verr e; };
static int make_plan(db *w, void *arg)
{
    struct mk *m = arg;
    struct writer wr = writer_system("bench");
    json_t *rec = json_pack("{s:s, s:s, s:i, s:s}", "name", "Platinum weekly", "segment", "tier=platinum", "every_days", 7,
                            "starts_on", "2027-01-04");
    int rc = record_create(w, &wr, &contact_plan_resource, rec, NULL, &m->id, NULL, &m->e);
    json_decref(rec);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_plans DB\n"); return 2; }
    char err[512];
    if (auth_init() != 0 || db_global_open(argv[1], false, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
    api_init();
    if (writer_start(err, sizeof err) != 0 || db_write(seed, NULL) != 0 || authz_load(db_reader()) != 0) {
        fprintf(stderr, "start: %s\n", err);
        return 1;
    }
    struct verr e = {0};
    int64_t *ids;
    size_t n;
    for (int k = 0; k < 2; k++) {
        struct auth_user mgr = {.id = 999999, .team_id = 1};
        snprintf(mgr.role, sizeof mgr.role, "manager");
        double t0 = now();
        if (segment_resolve(db_reader(), "tier=platinum", k ? &mgr : NULL, &ids, &n, &e)) { fprintf(stderr, "%s\n", e.message); return 1; }
        printf("segment tier=platinum (%s scope): %zu parties in %.3f s\n", k ? "manager's team" : "system", n, now() - t0);
        free(ids);
    }
    struct mk m = {0};
    if (db_write(make_plan, &m)) { fprintf(stderr, "plan: %s\n", m.e.message); return 1; }
    for (int k = 0; k < 2; k++) {
        struct plan_run_result r;
        double t0 = now();
        if (contact_plan_generate(m.id, "2027-01-05", "bench", NULL, NULL, NULL, &r, err, sizeof err)) { fprintf(stderr, "run: %s\n", err); return 1; }
        printf("contact plan %s: %ld matched, %ld created, %ld existing in %.3f s\n", k ? "re-run (same slot)" : "first run",
               r.matched, r.created, r.existing, now() - t0);
    }
    writer_stop();
    db_global_close();
    return 0;
}
