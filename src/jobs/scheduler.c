/* scheduler: schedule rows, the ticker thread and firing (see scheduler.h). */
#include "jobs/scheduler.h"
#include "api/resource.h"
#include "db/writer.h"
#include "db/setting.h"
#include "jobs/jobs.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include "lib/zonetime.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static pthread_t g_thread;
static bool g_running, g_stop;

void company_time_zone(db *c, char *out, size_t cap)
{
    setting_get(c, "company.time_zone", out, cap);
    if (!out[0]) snprintf(out, cap, "UTC");
}

int schedule_next_run(int64_t every_seconds, const char *at_time, const char *zone, int64_t now, int64_t *out)
{
    if (every_seconds > 0) { *out = now + every_seconds; return 0; }
    int h, m;
    if (zone_parse_hhmm(at_time, &h, &m) != 0) return -1;
    return zone_next_daily(zone, now, h, m, out);
}

/* A schedule due now, as read before the write that fires it. */
struct due {
    char name[65], kind[65], at_time[6], next_run_at[21];
    char *params;
    int64_t every_seconds, last_job_id;
};

struct fire_ctx { const struct due *d; const char *zone; int64_t now; int64_t job_id; bool fired; };

static bool job_unfinished(db *w, int64_t id)
{
    if (!id) return false;
    db_stmt *s = db_prepare(w, "SELECT status FROM job WHERE id = ?");
    if (!s) return false;
    db_bind_int64(s, 1, id);
    bool busy = false;
    if (db_step(s) == DB_ROW) {
        const char *st = db_column_text(s, 0);
        busy = st && (!strcmp(st, "queued") || !strcmp(st, "running"));
    }
    db_done(s);
    return busy;
}

static int fire(db *w, void *arg)
{
    struct fire_ctx *c = arg;
    const struct due *d = c->d;
    int64_t next;
    if (schedule_next_run(d->every_seconds, d->at_time, c->zone, c->now, &next) != 0) {
        log_warn("scheduler: schedule %s: time %s in zone %s is not valid; not fired", d->name, d->at_time, c->zone);
        return 0;
    }
    /* An every-N schedule keeps its cadence (the old time plus N) unless the
     * servers were down longer than a period: then it runs once, now. */
    int64_t old;
    if (d->every_seconds > 0 && time_parse(d->next_run_at, &old) == 0 && old + d->every_seconds > c->now) next = old + d->every_seconds;
    char next_text[21], now_text_[21];
    time_format(next, next_text);
    time_format(c->now, now_text_);
    db_stmt *s = db_prepare(w, "UPDATE schedule SET next_run_at = ?, last_run_at = ? WHERE name = ? AND next_run_at = ? AND enabled = 1");
    if (!s) return 1;
    db_bind_text(s, 1, next_text);
    db_bind_text(s, 2, now_text_);
    db_bind_text(s, 3, d->name);
    db_bind_text(s, 4, d->next_run_at);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return 1;
    if (db_changes(w) != 1) return 0;           /* another process fired it */
    c->fired = true;
    if (job_unfinished(w, d->last_job_id)) return 0;
    json_t *params = json_loads(d->params ? d->params : "{}", 0, NULL);
    if (!json_is_object(params)) { json_decref(params); params = json_object(); }
    json_object_set_new(params, "schedule", json_string(d->name));
    char *ptext = json_dumps(params, JSON_COMPACT);
    json_decref(params);
    s = db_prepare(w, "INSERT INTO job(kind, status, created_at, params) VALUES (?, 'queued', ?, ?)");
    if (!s) { free(ptext); return 1; }
    db_bind_text(s, 1, d->kind);
    db_bind_text(s, 2, now_text_);
    db_bind_text(s, 3, ptext);
    rc = db_step(s);
    db_done(s);
    free(ptext);
    if (rc != DB_DONE) return 1;
    c->job_id = db_last_insert_id(w);
    s = db_prepare(w, "UPDATE schedule SET last_job_id = ? WHERE name = ?");
    if (!s) return 1;
    db_bind_int64(s, 1, c->job_id);
    db_bind_text(s, 2, d->name);
    rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : 1;
}

/* An enabled schedule without a next time (made by a migration, enabled
 * by hand, or whose zone changed) gets one: it first fires one period, or
 * at the next local hour:minute, ahead. In rounds of 16 rows until none is
 * left (a row that cannot be planned, a bad time, ends the rounds). */
int schedule_plan_unplanned(db *w, const char *zone)
{
    for (;;) {
        db_stmt *s = db_prepare(w, "SELECT name, every_seconds, at_time FROM schedule WHERE enabled = 1 AND next_run_at IS NULL");
        if (!s) return 1;
        struct { char name[65]; int64_t every; char at[6]; } rows[16];
        int n = 0, planned = 0;
        while (n < 16 && db_step(s) == DB_ROW) {
            snprintf(rows[n].name, sizeof rows[n].name, "%s", db_column_text(s, 0));
            rows[n].every = db_column_int64(s, 1);
            snprintf(rows[n].at, sizeof rows[n].at, "%s", db_column_text(s, 2) ? db_column_text(s, 2) : "");
            n++;
        }
        db_done(s);
        int64_t now = time_now();
        for (int i = 0; i < n; i++) {
            int64_t next;
            if (schedule_next_run(rows[i].every, rows[i].at, zone, now, &next) != 0) continue;
            char text[21];
            time_format(next, text);
            s = db_prepare(w, "UPDATE schedule SET next_run_at = ? WHERE name = ? AND next_run_at IS NULL");
            if (!s) return 1;
            db_bind_text(s, 1, text);
            db_bind_text(s, 2, rows[i].name);
            int rc = db_step(s);
            db_done(s);
            if (rc != DB_DONE) return 1;
            planned++;
        }
        if (n < 16 || !planned) return 0;
    }
}

static int plan_unplanned(db *w, void *arg)
{
    return schedule_plan_unplanned(w, arg);
}

int scheduler_tick(int64_t now)
{
    char zone[80], now_text_[21];
    time_format(now, now_text_);
    db *c = db_reader();
    company_time_zone(c, zone, sizeof zone);
    db_stmt *s = db_prepare(c, "SELECT name, kind, params, every_seconds, at_time, next_run_at, last_job_id FROM schedule"
                               " WHERE enabled = 1 AND (next_run_at IS NULL OR next_run_at <= ?) ORDER BY next_run_at, name");
    if (!s) return -1;
    db_bind_text(s, 1, now_text_);
    struct due due[16];
    int n = 0;
    bool unplanned = false;
    while (n < 16 && db_step(s) == DB_ROW) {
        if (!db_column_text(s, 5)) { unplanned = true; continue; }
        struct due *d = &due[n++];
        memset(d, 0, sizeof *d);
        snprintf(d->name, sizeof d->name, "%s", db_column_text(s, 0));
        snprintf(d->kind, sizeof d->kind, "%s", db_column_text(s, 1));
        d->params = strdup(db_column_text(s, 2) ? db_column_text(s, 2) : "{}");
        d->every_seconds = db_column_int64(s, 3);
        snprintf(d->at_time, sizeof d->at_time, "%s", db_column_text(s, 4) ? db_column_text(s, 4) : "");
        snprintf(d->next_run_at, sizeof d->next_run_at, "%s", db_column_text(s, 5));
        d->last_job_id = db_column_int64(s, 6);
    }
    db_done(s);
    db_reader_release();
    int queued = 0, rc = 0;
    if (unplanned && db_write(plan_unplanned, zone) != 0) rc = -1;
    for (int i = 0; i < n; i++) {
        struct fire_ctx f = {&due[i], zone, now, 0, false};
        if (db_write(fire, &f) != 0) rc = -1;
        else if (f.job_id) {
            queued++;
            log_info("scheduler: %s queued job %lld (%s)", due[i].name, (long long)f.job_id, due[i].kind);
        }
        free(due[i].params);
    }
    if (queued) jobs_kick();
    return rc ? rc : queued;
}

static int tick_ms(void)
{
    const char *e = getenv("RAPPORT_SCHEDULER_TICK_MS");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v >= 10 && v <= 60000 ? (int)v : 1000;
}

static void *ticker(void *arg)
{
    pthread_mutex_lock(&g_mu);
    while (!g_stop) {
        pthread_mutex_unlock(&g_mu);
        jobs_fail_abandoned();
        if (scheduler_tick(time_now()) < 0) log_warn("scheduler: a pass failed; trying again at the next tick");
        db_reader_release();
        pthread_mutex_lock(&g_mu);
        if (g_stop) break;
        struct timespec until = deadline_after_ms(tick_ms());
        pthread_cond_timedwait(&g_cv, &g_mu, &until);
    }
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

int scheduler_start(void)
{
    g_stop = false;
    if (pthread_create(&g_thread, NULL, ticker, NULL) != 0) return -1;
    g_running = true;
    return 0;
}

void scheduler_stop(void)
{
    if (!g_running) return;
    pthread_mutex_lock(&g_mu);
    g_stop = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_running = false;
}
