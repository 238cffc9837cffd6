/* writer: group commit over the single SQLite write connection (writer.h). */
#include "db/writer.h"
#include "db/ryw.h"
#include "lib/log.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_BATCH 512

struct job {
    write_fn fn;
    void *ctx;
    int rc;
    int64_t user;             /* writer_actor of the thread that queued it */
    bool done;
    pthread_cond_t done_cv;   /* its own: a broadcast woke every waiting worker for each batch */
    struct job *next;
};

static void (*g_on_commit)(void);   /* writer_on_commit */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_work = PTHREAD_COND_INITIALIZER;
static struct job *g_head, *g_tail;
static bool g_running, g_stopping;
static pthread_t g_thread;
static db *g_conn;            /* the writer connection (thread or inline) */
static _Thread_local int64_t t_actor;   /* writer_actor */

void writer_actor(int64_t user) { t_actor = user > 0 ? user : 0; }

static int map_commit_error(db *w)
{
    return db_error(w, NULL) == DB_ERR_FULL ? WRITE_DISK_FULL : WRITE_COMMIT_FAILED;
}

/* Runs one batch in one transaction. Each job has a savepoint, so a failing
 * job undoes only its own work. */
static void run_batch(struct job *batch)
{
    int begin = db_begin_write(g_conn);
    if (begin != 0) {
        int rc = map_commit_error(g_conn);
        log_error("writer: BEGIN failed: %s", db_errmsg(g_conn));
        for (struct job *j = batch; j; j = j->next) j->rc = rc;
        return;
    }
    for (struct job *j = batch; j; j = j->next) {
        db_savepoint(g_conn);
        j->rc = j->fn(g_conn, j->ctx);
        if (j->rc != 0) db_savepoint_rollback(g_conn);
        db_savepoint_release(g_conn);
    }
    if (db_replica_configured()) {
        /* read-your-writes across servers (ryw.h): the users whose writes
         * this transaction commits, counted in it */
        int64_t users[MAX_BATCH];
        size_t n = 0;
        for (struct job *j = batch; j && n < MAX_BATCH; j = j->next)
            if (j->rc == 0 && j->user > 0) users[n++] = j->user;
        ryw_mark_writes(g_conn, users, n);
    }
    if (db_commit(g_conn) != 0) {
        int rc = map_commit_error(g_conn);
        log_error("writer: COMMIT failed: %s", db_errmsg(g_conn));
        db_rollback(g_conn);
        for (struct job *j = batch; j; j = j->next)
            if (j->rc == 0) j->rc = rc;
    }
}

static void *writer_main(void *arg)
{
    pthread_mutex_lock(&g_mu);
    for (;;) {
        while (!g_head && !g_stopping) pthread_cond_wait(&g_work, &g_mu);
        if (!g_head && g_stopping) break;
        struct job *batch = g_head, *last = g_head;
        for (int n = 1; last->next && n < MAX_BATCH; n++) last = last->next;
        g_head = last->next;
        if (!g_head) g_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&g_mu);

        run_batch(batch);
        void (*hook)(void) = __atomic_load_n(&g_on_commit, __ATOMIC_ACQUIRE);
        if (hook) hook();

        pthread_mutex_lock(&g_mu);
        for (struct job *j = batch, *next; j; j = next) {
            next = j->next;   /* j is the waiter's: gone once it sees done */
            j->done = true;
            pthread_cond_signal(&j->done_cv);
        }
    }
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

void writer_on_commit(void (*fn)(void))
{
    __atomic_store_n(&g_on_commit, fn, __ATOMIC_RELEASE);
}

static int open_conn(char *err, size_t errlen)
{
    if (g_conn) return 0;
    g_conn = db_open(db_path(), true, err, errlen);
    return g_conn ? 0 : -1;
}

int writer_start(char *err, size_t errlen)
{
    if (open_conn(err, errlen) != 0) return -1;
    if (db_checkpoints_start(g_conn, err, errlen) != 0) return -1;
    g_stopping = false;
    if (pthread_create(&g_thread, NULL, writer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        return -1;
    }
    g_running = true;
    return 0;
}

void writer_stop(void)
{
    if (g_running) {
        pthread_mutex_lock(&g_mu);
        g_stopping = true;
        pthread_cond_broadcast(&g_work);
        pthread_mutex_unlock(&g_mu);
        pthread_join(g_thread, NULL);
        g_running = false;
    }
    db_checkpoints_stop();
    db_close(g_conn);
    g_conn = NULL;
}

int db_write(write_fn fn, void *ctx)
{
    struct job j = {.fn = fn, .ctx = ctx, .user = t_actor};
    if (!g_running) {
        /* No writer thread (the CLI): the caller runs its batch itself, on
         * the one write connection — one thread at a time. An import's
         * batches and the job-lease heartbeat used to meet here, and two
         * threads in one SQLite transaction corrupted the database. */
        static pthread_mutex_t direct = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&direct);
        char err[256];
        if (open_conn(err, sizeof err) != 0) {
            pthread_mutex_unlock(&direct);
            log_error("writer: %s", err);
            return WRITE_COMMIT_FAILED;
        }
        run_batch(&j);
        pthread_mutex_unlock(&direct);
        return j.rc;
    }
    db_reader_yield(false); /* a shared reader is not held through the commit wait */
    pthread_cond_init(&j.done_cv, NULL);
    pthread_mutex_lock(&g_mu);
    if (g_tail) g_tail->next = &j; else g_head = &j;
    g_tail = &j;
    pthread_cond_signal(&g_work);
    while (!j.done) pthread_cond_wait(&j.done_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
    pthread_cond_destroy(&j.done_cv);
    return j.rc;
}

static int cache_job(db *w, void *ctx) { return db_cache_size(w, *(const int *)ctx) ? 1 : 0; }

int writer_cache_size(int kib) { return db_write(cache_job, &kib); }
