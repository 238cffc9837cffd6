/* jobs: job rows, their leases and the runner thread (see jobs.h). */
#include "jobs/jobs.h"
#include "api/resource.h"
#include "db/writer.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_KINDS 16

struct kind_entry { const char *kind; job_fn fn; };
static struct kind_entry g_kinds[MAX_KINDS];
static int g_nkinds;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static pthread_t g_thread;
static bool g_running, g_stop, g_kicked;
static int64_t g_current;              /* the running job, 0 when idle */
static volatile int g_cancel;          /* cancel flag of the running job */
static long g_done, g_total;           /* its live progress */

/* Leases: this process's name in job.lease_owner, how long a lease lasts,
 * and the heartbeat thread that renews the leases of every job this process
 * runs (the runner's, or a CLI import's) while it holds at least one. */
static char g_instance[48];
static pthread_once_t g_instance_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_hb_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_hb_cv = PTHREAD_COND_INITIALIZER;
static pthread_t g_hb_thread;
#define MAX_HELD 32
static int64_t g_held_ids[MAX_HELD];   /* running jobs this process holds */
static int g_held;
static bool g_hb_running;

static void make_instance(void)
{
    unsigned char r[6];
    randombytes_buf(r, sizeof r);
    char host[17] = "";
    gethostname(host, sizeof host - 1);
    snprintf(g_instance, sizeof g_instance, "%s:%ld:%02x%02x%02x%02x%02x%02x", host, (long)getpid(),
             r[0], r[1], r[2], r[3], r[4], r[5]);
}

const char *jobs_instance(void)
{
    pthread_once(&g_instance_once, make_instance);
    return g_instance;
}

int jobs_lease_seconds(void)
{
    const char *e = getenv("RAPPORT_JOB_LEASE_SECONDS");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v >= 1 && v <= 3600 ? (int)v : 30;
}

static void lease_until_text(char out[21])
{
    time_format(time_now() + jobs_lease_seconds(), out);
}

static int renew_leases(db *w, void *arg)
{
    char until[21];
    lease_until_text(until);
    db_stmt *s = db_prepare(w, "UPDATE job SET lease_until = ? WHERE lease_owner = ? AND status = 'running'");
    if (!s) return 1;
    db_bind_text(s, 1, until);
    db_bind_text(s, 2, jobs_instance());
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : 1;
}

/* Renews this process's leases a third of a lease apart, so one late
 * renewal never lets a lease lapse while its job still runs. */
static void *heartbeat(void *arg)
{
    pthread_mutex_lock(&g_hb_mu);
    while (g_held > 0) {
        struct timespec until = deadline_after_ms(jobs_lease_seconds() * 1000L / 3);
        if (pthread_cond_timedwait(&g_hb_cv, &g_hb_mu, &until) == ETIMEDOUT && g_held > 0) {
            pthread_mutex_unlock(&g_hb_mu);
            if (db_write(renew_leases, NULL) != 0) log_warn("jobs: could not renew the job leases of %s", jobs_instance());
            pthread_mutex_lock(&g_hb_mu);
        }
    }
    pthread_mutex_unlock(&g_hb_mu);
    db_reader_release();
    return NULL;
}

/* A job of this process started running: keep its lease alive. */
static void hold_job(int64_t id)
{
    pthread_mutex_lock(&g_hb_mu);
    if (g_held == MAX_HELD) { pthread_mutex_unlock(&g_hb_mu); return; }  /* renewed anyway: same owner */
    g_held_ids[g_held] = id;
    if (g_held++ == 0 && !g_hb_running) {
        if (pthread_create(&g_hb_thread, NULL, heartbeat, NULL) == 0) g_hb_running = true;
        else log_warn("jobs: no heartbeat thread: a job longer than %d s may be taken for abandoned", jobs_lease_seconds());
    }
    pthread_mutex_unlock(&g_hb_mu);
}

/* It finished: the last one stops the heartbeat. Ids this process does not
 * hold (another process's job, undone by this one) are ignored. */
static void release_job(int64_t id)
{
    pthread_mutex_lock(&g_hb_mu);
    int i = 0;
    while (i < g_held && g_held_ids[i] != id) i++;
    if (i == g_held) { pthread_mutex_unlock(&g_hb_mu); return; }
    g_held_ids[i] = g_held_ids[--g_held];
    bool join = g_held == 0 && g_hb_running;
    if (join) g_hb_running = false;
    pthread_cond_broadcast(&g_hb_cv);
    pthread_mutex_unlock(&g_hb_mu);
    if (join) pthread_join(g_hb_thread, NULL);
}

void jobs_register_kind(const char *kind, job_fn fn)
{
    pthread_mutex_lock(&g_mu);
    for (int i = 0; i < g_nkinds; i++)
        if (!strcmp(g_kinds[i].kind, kind)) { g_kinds[i].fn = fn; pthread_mutex_unlock(&g_mu); return; }
    if (g_nkinds < MAX_KINDS) g_kinds[g_nkinds++] = (struct kind_entry){kind, fn};
    pthread_mutex_unlock(&g_mu);
}

struct create_ctx { const char *kind; const json_t *params; int64_t user; const char *status; int64_t id; };

static int create_job(db *w, void *arg)
{
    struct create_ctx *c = arg;
    char now[21], until[21];
    now_text(now);
    lease_until_text(until);
    bool running = !strcmp(c->status, "running");
    db_stmt *s = db_prepare(w, "INSERT INTO job(kind, status, created_by, created_at, started_at, params, lease_owner, lease_until)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return 1;
    char *params = json_dumps(c->params ? c->params : json_object(), JSON_COMPACT);
    db_bind_text(s, 1, c->kind);
    db_bind_text(s, 2, c->status);
    if (c->user) db_bind_int64(s, 3, c->user); else db_bind_null(s, 3);
    db_bind_text(s, 4, now);
    if (running) db_bind_text(s, 5, now); else db_bind_null(s, 5);
    db_bind_text(s, 6, params);
    if (running) { db_bind_text(s, 7, jobs_instance()); db_bind_text(s, 8, until); }
    else { db_bind_null(s, 7); db_bind_null(s, 8); }
    int rc = db_step(s);
    db_done(s);
    free(params);
    if (rc != DB_DONE) return 1;
    c->id = db_last_insert_id(w);
    return 0;
}

int64_t job_create(const char *kind, const json_t *params, int64_t user_id, const char *status)
{
    struct create_ctx c = {kind, params, user_id, status ? status : "queued", 0};
    if (db_write(create_job, &c) != 0) return 0;
    if (!strcmp(c.status, "running")) hold_job(c.id);
    return c.id;
}

struct coalesce_ctx { struct create_ctx create; bool existing; };

static int create_job_coalesced(db *w, void *arg)
{
    struct coalesce_ctx *c = arg;
    db_stmt *s = db_prepare(w, "SELECT id FROM job WHERE kind = ? AND status IN ('queued', 'running') ORDER BY id LIMIT 1");
    if (!s) return 1;
    db_bind_text(s, 1, c->create.kind);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        c->create.id = db_column_int64(s, 0);
        c->existing = true;
    }
    db_done(s);
    if (rc == DB_ROW) return 0;
    if (rc != DB_DONE) return 1;
    return create_job(w, &c->create);
}

int64_t job_create_coalesced(const char *kind, const json_t *params, int64_t user_id, bool *existing)
{
    struct coalesce_ctx c = {{kind, params, user_id, "queued", 0}, false};
    if (db_write(create_job_coalesced, &c) != 0) return 0;
    *existing = c.existing;
    return c.create.id;
}

struct status_ctx { int64_t id; const char *status; json_t *result; const char *error; long done, total; };

static int set_status(db *w, void *arg)
{
    struct status_ctx *c = arg;
    char now[21];
    now_text(now);
    bool final = strcmp(c->status, "running") != 0 && strcmp(c->status, "queued") != 0;
    db_stmt *s = db_prepare(w, "UPDATE job SET status = ?, result = COALESCE(?, result), error = ?,"
                               " started_at = CASE WHEN ? = 'running' THEN ? ELSE started_at END,"
                               " finished_at = CASE WHEN ? THEN ? ELSE finished_at END,"
                               " progress_done = CASE WHEN ? >= 0 THEN ? ELSE progress_done END,"
                               " progress_total = CASE WHEN ? >= 0 THEN ? ELSE progress_total END,"
                               " lease_until = CASE WHEN ? THEN NULL ELSE lease_until END WHERE id = ?");
    if (!s) return 1;
    char *result = c->result ? json_dumps(c->result, JSON_COMPACT) : NULL;
    db_bind_text(s, 1, c->status);
    db_bind_text(s, 2, result);
    db_bind_text(s, 3, c->error);
    db_bind_text(s, 4, c->status);
    db_bind_text(s, 5, now);
    db_bind_int64(s, 6, final);
    db_bind_text(s, 7, now);
    db_bind_int64(s, 8, c->done);
    db_bind_int64(s, 9, c->done);
    db_bind_int64(s, 10, c->total);
    db_bind_int64(s, 11, c->total);
    db_bind_int64(s, 12, final);
    db_bind_int64(s, 13, c->id);
    int rc = db_step(s);
    db_done(s);
    free(result);
    return rc == DB_DONE ? 0 : 1;
}

int job_set_status(int64_t id, const char *status, json_t *result, const char *error)
{
    long done = -1, total = -1;
    pthread_mutex_lock(&g_mu);
    if (g_current == id) { done = g_done; total = g_total; }
    pthread_mutex_unlock(&g_mu);
    json_t *rows = json_object_get(result, "rows");
    if (json_is_integer(rows) && strcmp(status, "running") != 0) done = total = (long)json_integer_value(rows);
    struct status_ctx c = {id, status, result, error, done, total};
    int rc = db_write(set_status, &c);
    json_decref(result);
    /* A job this process ran (its own runner's or a CLI import) has ended. */
    bool final = strcmp(status, "running") != 0 && strcmp(status, "queued") != 0;
    if (final) release_job(id);
    return rc == 0 ? 0 : -1;
}

json_t *job_load(db *c, int64_t id)
{
    db_stmt *s = db_prepare(c, "SELECT id, kind, status, progress_done, progress_total, created_by, created_at, started_at,"
                               " finished_at, params, result, error FROM job WHERE id = ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, id);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW) {
        json_t *params = db_column_text(s, 9) ? json_loads(db_column_text(s, 9), 0, NULL) : NULL;
        json_t *result = db_column_text(s, 10) ? json_loads(db_column_text(s, 10), 0, NULL) : NULL;
        long done = (long)db_column_int64(s, 3), total = (long)db_column_int64(s, 4);
        pthread_mutex_lock(&g_mu);
        if (g_current == id) { done = g_done; total = g_total; }
        pthread_mutex_unlock(&g_mu);
#define TEXT_OR_NULL(i) (db_column_text(s, i) ? json_string(db_column_text(s, i)) : json_null())
        o = json_pack("{s:I, s:s, s:s, s:{s:I, s:I}, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
                      "id", (json_int_t)db_column_int64(s, 0), "kind", db_column_text(s, 1), "status", db_column_text(s, 2),
                      "progress", "done", (json_int_t)done, "total", (json_int_t)total,
                      "created_by", db_column_type(s, 5) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 5)),
                      "created_at", db_column_text(s, 6), "started_at", TEXT_OR_NULL(7), "finished_at", TEXT_OR_NULL(8),
                      "params", params ? params : json_object(), "result", result ? result : json_null(),
                      "error", TEXT_OR_NULL(11));
#undef TEXT_OR_NULL
    }
    db_done(s);
    return o;
}

void job_progress(int64_t id, long done, long total)
{
    pthread_mutex_lock(&g_mu);
    if (g_current == id) { g_done = done; g_total = total; }
    pthread_mutex_unlock(&g_mu);
}

bool jobs_kind_known(const char *kind)
{
    pthread_mutex_lock(&g_mu);
    bool known = false;
    for (int i = 0; i < g_nkinds && !known; i++) known = !strcmp(g_kinds[i].kind, kind);
    pthread_mutex_unlock(&g_mu);
    return known;
}

/* ---- the runner ---- */

static job_fn kind_fn(const char *kind)
{
    for (int i = 0; i < g_nkinds; i++)
        if (!strcmp(g_kinds[i].kind, kind)) return g_kinds[i].fn;
    return NULL;
}

/* Claims the oldest queued job for this process: it becomes running with
 * this process's lease in the same transaction, so of several server
 * processes on one database exactly one runs it. */
struct claim_ctx { int64_t id; char kind[64]; char *params; };

/* On an engine with row locks the oldest job not being claimed by another
 * process right now: two claimers never wait on, or fail over, one row. */
static const char SQL_NEXT_QUEUED[] = "SELECT id, kind, params FROM job WHERE status = 'queued' ORDER BY id LIMIT 1",
                  SQL_NEXT_QUEUED_SKIP[] = "SELECT id, kind, params FROM job WHERE status = 'queued' ORDER BY id LIMIT 1"
                                           " FOR UPDATE SKIP LOCKED";

static int claim_next(db *w, void *arg)
{
    struct claim_ctx *c = arg;
    db_stmt *s = db_prepare(w, db_sql_row_locks() ? SQL_NEXT_QUEUED_SKIP : SQL_NEXT_QUEUED);
    if (!s) return 1;
    int64_t id = 0;
    if (db_step(s) == DB_ROW) {
        id = db_column_int64(s, 0);
        snprintf(c->kind, sizeof c->kind, "%s", db_column_text(s, 1));
        c->params = strdup(db_column_text(s, 2) ? db_column_text(s, 2) : "{}");
    }
    db_done(s);
    if (!id) return 0;
    char now[21], until[21];
    now_text(now);
    lease_until_text(until);
    s = db_prepare(w, "UPDATE job SET status = 'running', started_at = ?, lease_owner = ?, lease_until = ? WHERE id = ? AND status = 'queued'");
    if (!s) return 1;
    db_bind_text(s, 1, now);
    db_bind_text(s, 2, jobs_instance());
    db_bind_text(s, 3, until);
    db_bind_int64(s, 4, id);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return 1;
    if (db_changes(w) == 1) c->id = id;
    return 0;
}

/* Is a job waiting? A read first, so an idle runner writes nothing. */
static bool any_queued(void)
{
    db *c = db_reader();
    db_stmt *s = db_prepare(c, "SELECT 1 FROM job WHERE status = 'queued' LIMIT 1");
    if (!s) return false;
    bool yes = db_step(s) == DB_ROW;
    db_done(s);
    return yes;
}

/* Fails the running jobs whose lease has expired: their process died (or
 * lost its database for longer than a lease). Jobs of live processes, whose
 * leases are renewed, are left alone. */
/* Kinds whose handler resumes where a stopped run left off (it keeps its
 * own progress in the database): such a job whose process stopped is
 * queued again instead of failed. */
#define MAX_RESUMABLE 8
static const char *g_resumable[MAX_RESUMABLE];
static int g_nresumable;

void jobs_register_resumable(const char *kind)
{
    pthread_mutex_lock(&g_mu);
    if (g_nresumable < MAX_RESUMABLE) g_resumable[g_nresumable++] = kind;
    pthread_mutex_unlock(&g_mu);
}

static int fail_expired(db *w, void *arg)
{
    char now[21];
    now_text(now);
    int requeued = 0;
    for (int i = 0; i < g_nresumable; i++) {
        db_stmt *q = db_prepare(w, "UPDATE job SET status = 'queued', lease_owner = NULL, lease_until = NULL"
                                   " WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?) AND kind = ?");
        if (!q) return 1;
        db_bind_text(q, 1, now);
        db_bind_text(q, 2, g_resumable[i]);
        int qrc = db_step(q);
        db_done(q);
        if (qrc != DB_DONE) return 1;
        requeued += db_changes(w);
    }
    if (requeued) log_info("jobs: %d resumable job(s) whose process stopped queued again", requeued);
    db_stmt *s = db_prepare(w, "UPDATE job SET status = 'failed', finished_at = ?, lease_until = NULL,"
                               " error = 'interrupted: the process running the job stopped; undo it and run it again'"
                               " WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?)");
    if (!s) return 1;
    db_bind_text(s, 1, now);
    db_bind_text(s, 2, now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return 1;
    *(int *)arg = db_changes(w);
    return 0;
}

int jobs_fail_abandoned(void)
{
    char now[21];
    now_text(now);
    db *c = db_reader();
    db_stmt *s = db_prepare(c, "SELECT 1 FROM job WHERE status = 'running' AND (lease_until IS NULL OR lease_until < ?) LIMIT 1");
    if (!s) return -1;
    db_bind_text(s, 1, now);
    bool any = db_step(s) == DB_ROW;
    db_done(s);
    if (!any) return 0;
    int n = 0;
    if (db_write(fail_expired, &n) != 0) return -1;
    if (n) log_info("jobs: %d job(s) whose process stopped marked failed", n);
    return n;
}

static void *runner(void *arg)
{
    jobs_fail_abandoned();
    pthread_mutex_lock(&g_mu);
    while (!g_stop) {
        pthread_mutex_unlock(&g_mu);
        struct claim_ctx claim = {0};
        if (any_queued() && db_write(claim_next, &claim) != 0) claim.id = 0;
        db_reader_release();
        int64_t id = claim.id;
        char *params_text = claim.params;
        const char *kind = claim.kind;
        pthread_mutex_lock(&g_mu);
        if (!id) {
            free(params_text);
            /* Another process may queue a job: look again within a second. */
            if (!g_kicked && !g_stop) {
                struct timespec until = deadline_after_ms(1000);
                pthread_cond_timedwait(&g_cv, &g_mu, &until);
            }
            g_kicked = false;
            continue;
        }
        hold_job(id);
        g_current = id;
        g_cancel = 0;
        g_done = g_total = 0;
        pthread_mutex_unlock(&g_mu);
        job_fn fn = kind_fn(kind);
        json_t *params = json_loads(params_text, 0, NULL);
        free(params_text);
        json_t *result = NULL;
        char error[600] = "";
        int rc = fn ? fn(id, params, &g_cancel, &result, error, sizeof error) : -1;
        if (!fn) snprintf(error, sizeof error, "no handler for jobs of kind %s", kind);
        const char *status = rc == 0 ? (g_cancel ? "cancelled" : "done") : "failed";
        if (g_stop && rc != 0 && g_cancel) { status = "failed"; snprintf(error, sizeof error, "interrupted: the server stopped while the job ran"); }
        job_set_status(id, status, result, rc == 0 ? NULL : error);
        json_decref(params);
        pthread_mutex_lock(&g_mu);
        g_current = 0;
    }
    pthread_mutex_unlock(&g_mu);
    db_reader_release();
    return NULL;
}

int jobs_start(void)
{
    g_stop = false;
    if (pthread_create(&g_thread, NULL, runner, NULL) != 0) return -1;
    g_running = true;
    return 0;
}

void jobs_stop(void)
{
    if (!g_running) return;
    pthread_mutex_lock(&g_mu);
    g_stop = true;
    g_cancel = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_running = false;
}

void jobs_kick(void)
{
    pthread_mutex_lock(&g_mu);
    g_kicked = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static int cancel_queued(db *w, void *arg)
{
    int64_t id = *(int64_t *)arg;
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "UPDATE job SET status = 'cancelled', finished_at = ? WHERE id = ? AND status = 'queued'");
    if (!s) return 1;
    db_bind_text(s, 1, now);
    db_bind_int64(s, 2, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE && db_changes(w) == 1 ? 0 : 2;
}

int job_cancel(int64_t id)
{
    pthread_mutex_lock(&g_mu);
    if (g_current == id) {
        g_cancel = 1;
        pthread_mutex_unlock(&g_mu);
        return 0;
    }
    pthread_mutex_unlock(&g_mu);
    return db_write(cancel_queued, &id) == 0 ? 0 : -1;
}
