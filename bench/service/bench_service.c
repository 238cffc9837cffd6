/* bench_service: the escalation sweep over a large queue (issue 19).
 * Makes DB (migrated) with N open cases over 20 teams — most answered and
 * due days ahead, about 1% of first responses breached, 2% of resolutions
 * due within the day and 0.2% within the hour — and two escalation rules, then times
 * escalation_sweep: the first sweep takes the steps (each a change of the
 * case through the write path), the second finds nothing left to do. The
 * rows are written with plain INSERTs (set-up, not what is measured).
 * Usage: bench_service DB N */
#include "db/db.h"
#include "domain/service.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void must(db *d, int ok, const char *what)
{
    if (!ok) { fprintf(stderr, "%s: %s\n", what, db_errmsg(d)); exit(1); }
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_service DB N\n"); return 2; }
    const char *path = argv[1];
    long n = atol(argv[2]);
    char err[256] = "";
    unlink(path);
    db *d = db_open(path, true, err, sizeof err);
    if (!d || db_migrate(d, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
    registry_init();
    int64_t t0 = time_now();
    char ts[21], a[21], b[21], c[21];
    time_format(t0, ts);
    must(d, db_begin_write(d) == 0, "begin");
    must(d, db_exec(d, "INSERT INTO business_calendar(id, name, time_zone, hours, created_at, updated_at) VALUES (1, '24/7', 'UTC',"
                       " '{\"mon\":[[\"00:00\",\"24:00\"]],\"tue\":[[\"00:00\",\"24:00\"]],\"wed\":[[\"00:00\",\"24:00\"]],"
                       "\"thu\":[[\"00:00\",\"24:00\"]],\"fri\":[[\"00:00\",\"24:00\"]],\"sat\":[[\"00:00\",\"24:00\"]],"
                       "\"sun\":[[\"00:00\",\"24:00\"]]}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')") == 0, "calendar");
    must(d, db_exec(d, "INSERT INTO sla_policy(id, name, calendar_id, first_response_minutes, resolution_minutes, created_at, updated_at)"
                       " VALUES (1, 'any', 1, 60, 28800, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')") == 0, "policy");
    must(d, db_exec(d, "INSERT INTO escalation_rule(name, target, moment, minutes_before, notify, created_at, updated_at) VALUES"
                       " ('late', 'first_response', 'breached', 0, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),"
                       " ('near', 'resolution', 'near', 60, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')") == 0, "rules");
    for (int t = 1; t <= 20; t++) {
        db_stmt *s = db_prepare(d, "INSERT INTO team(id, name, created_at, updated_at) VALUES (?, ?, ?, ?)");
        char name[32];
        snprintf(name, sizeof name, "客服 %d 组", t);
        db_bind_int64(s, 1, t);
        db_bind_text(s, 2, name);
        db_bind_text(s, 3, ts);
        db_bind_text(s, 4, ts);
        must(d, db_step(s) == DB_DONE, "team");
        db_done(s);
    }
    for (int p = 1; p <= 1000; p++) {
        db_stmt *s = db_prepare(d, "INSERT INTO party(id, kind, name, created_at, updated_at) VALUES (?, 'person', ?, ?, ?)");
        char name[32];
        snprintf(name, sizeof name, "客户 %d", p);
        db_bind_int64(s, 1, p);
        db_bind_text(s, 2, name);
        db_bind_text(s, 3, ts);
        db_bind_text(s, 4, ts);
        must(d, db_step(s) == DB_DONE, "party");
        db_done(s);
    }
    srand(42);
    static const char *const kinds[] = {"consultation", "question", "complaint", "grievance", "request"};
    static const char *const prios[] = {"low", "normal", "high", "urgent"};
    long breached = 0, near = 0;
    for (long i = 0; i < n; i++) {
        db_stmt *s = db_prepare(d, "INSERT INTO service_case(subject, kind, priority, party_id, status, opened_at, sla_policy_id,"
                                   " first_response_at, first_response_due_at, resolution_due_at, team_id, created_at, updated_at)"
                                   " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)");
        char subj[48];
        snprintf(subj, sizeof subj, "工单 case %ld", i);
        /* Due times as the policy (60 and 28,800 minutes, round the clock)
         * gives them: 1% of first responses late; 2% of resolutions due
         * within the day, a tenth of those within the hour. */
        int r = rand() % 1000;
        bool answered = r >= 10;
        int64_t opened = t0 - 3600 * (1 + rand() % 200);
        if (!answered) opened = t0 - 60 * (61 + rand() % 540);
        else if (r < 12) opened = t0 - 28800 * 60 + 60 * (1 + rand() % 59);
        else if (r < 30) opened = t0 - 28800 * 60 + 60 * (60 + rand() % 1380);
        time_format(opened, a);
        time_format(opened + 3600, b);
        time_format(opened + 28800 * 60, c);
        breached += !answered;
        near += answered && r < 12;
        char fr[21];
        time_format(opened + 600, fr);
        db_bind_text(s, 1, subj);
        db_bind_text(s, 2, kinds[rand() % 5]);
        db_bind_text(s, 3, prios[rand() % 4]);
        db_bind_int64(s, 4, 1 + rand() % 1000);
        db_bind_text(s, 5, rand() % 4 ? "open" : "new");
        db_bind_text(s, 6, a);
        if (answered) db_bind_text(s, 7, fr); else db_bind_null(s, 7);
        db_bind_text(s, 8, b);
        db_bind_text(s, 9, c);
        db_bind_int64(s, 10, 1 + rand() % 20);
        db_bind_text(s, 11, ts);
        db_bind_text(s, 12, ts);
        must(d, db_step(s) == DB_DONE, "case");
        db_done(s);
    }
    must(d, db_commit(d) == 0, "commit");
    must(d, db_exec(d, "ANALYZE") == 0, "analyze");
    printf("  %ld open cases in 20 teams: %ld first responses late, %ld resolutions due within the hour\n", n, breached, near);
    for (int round = 1; round <= 2; round++) {
        double t = now_s();
        must(d, db_begin_write(d) == 0, "begin");
        long steps = escalation_sweep(d, ts);
        must(d, steps >= 0, "sweep");
        must(d, db_commit(d) == 0, "commit");
        printf("  sweep %d: %ld steps in %.3f s%s\n", round, steps, now_s() - t, round == 1 ? " (each a write of the case)" : " (nothing left: the steps happened once)");
    }
    db_close(d);
    return 0;
}
