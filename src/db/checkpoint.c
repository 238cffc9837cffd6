/* checkpoint: copying the WAL back into the database file on a thread of its
 * own, not inside the writer's commits (db_checkpoints_start in db.h).
 *
 * SQLite's automatic checkpoint runs in the connection that commits, once the
 * WAL holds 1,000 pages: the group-commit writer then stopped every few
 * commits to write a thousand pages into the database file and fsync it,
 * while every request waiting on a commit waited too. Durable POSTs ran at
 * 5.4 k/s with that, 8.7 k/s with no checkpoints at all (bench/http, 1 M
 * parties). Here the writer's commit only signals, every CKPT_STEP_PAGES new
 * pages; a PASSIVE checkpoint on another connection copies what the WAL holds
 * while the writer goes on (SQLite lets a passive checkpoint run beside a
 * writer and readers).
 *
 * The WAL starts over only when a write transaction begins with every frame
 * copied, which a checkpointer always a commit behind never achieves: so
 * from CKPT_FINISH_PAGES, once the thread has left at most CKPT_FINISH_LEFT
 * pages, the writer runs the checkpoint itself, as SQLite's automatic one
 * would, copying only what the thread has not yet copied. Under
 * the mixed load test the WAL file reached 10-15 MB (8-12 MB before).
 *
 * Starting over reuses the file from its start but does not shrink it: a
 * large import (or a rolled-back dry run that spilled pages) left a WAL file
 * of gigabytes until the server stopped. Two rules give the space back: the
 * writer connection's journal_size_limit cuts the file down when the WAL
 * starts over, and once no commit has come for a tick (CKPT_IDLE_MS) while
 * the file is larger than CKPT_TRUNCATE_BYTES, the thread runs a TRUNCATE
 * checkpoint (it fails harmlessly, to be tried again at the next quiet tick,
 * while a reader still uses the WAL or the writer is in a transaction). */
#include "db/db.h"
#include "db/db_driver.h"
#include "db/db_sqlite.h"
#include "lib/log.h"
#include <pthread.h>
#include <sqlite3.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#define CKPT_STEP_PAGES 500      /* the thread copies about this many new pages a run */
#define CKPT_FINISH_PAGES 2000   /* from here the writer finishes the copy... */
#define CKPT_FINISH_LEFT 256     /* ...once the thread has left it no more than this */
#define CKPT_FORCE_PAGES 16000   /* or regardless, to bound the WAL (64 MB) */
#define CKPT_IDLE_MS 250         /* a tick without a commit: the writer is quiet */
#define CKPT_TRUNCATE_BYTES (4 << 20)   /* a quiet WAL file larger than this is truncated */
#define CKPT_SIZE_LIMIT "67108864"      /* journal_size_limit: the size the WAL keeps when it starts over */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_pending, g_stopping, g_running;
static pthread_t g_thread;
static sqlite3 *g_conn;        /* a bare connection: a checkpoint needs no schema, no page cache */
static db *g_writer;
static unsigned long g_runs, g_inline_runs;
static int g_signalled_at;       /* WAL pages at the last signal (writer thread only) */
static int g_copied;             /* WAL pages copied by the thread's last run */
static bool g_busy;              /* the thread is copying */
static unsigned long g_commits;  /* commits seen by the hook (the thread tells a quiet tick by it) */
static unsigned long g_truncates;

static void signal_thread(void)
{
    pthread_mutex_lock(&g_mu);
    if (!g_pending) { g_pending = true; pthread_cond_signal(&g_cv); }
    pthread_mutex_unlock(&g_mu);
}

static int on_commit(void *arg, sqlite3 *h, const char *schema, int frames)
{
    (void)arg;
    __atomic_add_fetch(&g_commits, 1, __ATOMIC_RELAXED);
    if (frames < g_signalled_at) g_signalled_at = 0;   /* the WAL started over */
    int copied = __atomic_load_n(&g_copied, __ATOMIC_ACQUIRE);
    if (copied > frames) copied = 0;                    /* a count from before the WAL started over */
    bool busy = __atomic_load_n(&g_busy, __ATOMIC_ACQUIRE);
    if (frames >= CKPT_FORCE_PAGES || (frames >= CKPT_FINISH_PAGES && !busy && frames - copied <= CKPT_FINISH_LEFT)) {
        /* Busy when the thread is at it: then the next commit tries again. */
        if (sqlite3_wal_checkpoint_v2(h, schema, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) == SQLITE_OK)
            __atomic_add_fetch(&g_inline_runs, 1, __ATOMIC_RELAXED);
    } else if (frames >= CKPT_FINISH_PAGES || frames >= g_signalled_at + CKPT_STEP_PAGES) {
        g_signalled_at = frames;
        signal_thread();
    }
    return SQLITE_OK;
}

/* On a quiet tick: gives a large WAL file's space back (see the top). */
static void truncate_if_large(sqlite3 *h)
{
    char wal[4200];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", db_path());
    if (stat(wal, &st) != 0 || st.st_size <= CKPT_TRUNCATE_BYTES) return;
    /* The copy first without the write lock; TRUNCATE then holds it only for
     * what was committed since, the fsync and the truncation. */
    sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK)
        __atomic_add_fetch(&g_truncates, 1, __ATOMIC_RELAXED);
}

static void tick_deadline(struct timespec *ts)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += CKPT_IDLE_MS * 1000000L;
    if (ts->tv_nsec >= 1000000000L) { ts->tv_sec++; ts->tv_nsec -= 1000000000L; }
}

static void *checkpointer_main(void *arg)
{
    (void)arg;
    sqlite3 *h = g_conn;
    unsigned long seen = __atomic_load_n(&g_commits, __ATOMIC_RELAXED);
    pthread_mutex_lock(&g_mu);
    for (;;) {
        struct timespec ts;
        tick_deadline(&ts);
        int wait = 0;
        while (!g_pending && !g_stopping && wait != ETIMEDOUT) wait = pthread_cond_timedwait(&g_cv, &g_mu, &ts);
        if (g_stopping) break;
        if (!g_pending) {
            unsigned long now = __atomic_load_n(&g_commits, __ATOMIC_RELAXED);
            bool quiet = now == seen;
            seen = now;
            if (quiet) {
                pthread_mutex_unlock(&g_mu);
                truncate_if_large(h);
                pthread_mutex_lock(&g_mu);
            }
            continue;
        }
        g_pending = false;
        __atomic_store_n(&g_busy, true, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&g_mu);
        int log_frames = 0, copied = 0;
        int rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) log_warn("checkpoint: %s", sqlite3_errmsg(h));
        if (rc == SQLITE_OK) __atomic_store_n(&g_copied, copied, __ATOMIC_RELEASE);
        __atomic_store_n(&g_busy, false, __ATOMIC_RELEASE);
        pthread_mutex_lock(&g_mu);
        g_runs++;
    }
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

int db_checkpoints_start(db *writer, char *err, size_t errlen)
{
    if (g_running) return 0;
    /* Only SQLite's WAL is copied back by the application: PostgreSQL's
     * server checkpoints by itself. */
    if (!db_is_sqlite(writer)) return 0;
    /* A bare connection: a checkpoint needs neither the schema nor a page
     * cache (db_open's pragmas load the schema: 1 MB of the budget).
     * PRAGMA schema_version opens the WAL in a read transaction without
     * parsing the schema. */
    if (sqlite3_open_v2(db_path(), &g_conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(g_conn, "PRAGMA synchronous=FULL; PRAGMA schema_version", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "checkpoint connection: %s", g_conn ? sqlite3_errmsg(g_conn) : "out of memory");
        sqlite3_close(g_conn);
        g_conn = NULL;
        return -1;
    }
    g_stopping = g_pending = false;
    if (pthread_create(&g_thread, NULL, checkpointer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        sqlite3_close(g_conn);
        g_conn = NULL;
        return -1;
    }
    g_running = true;
    g_writer = writer;
    g_signalled_at = g_copied = 0;
    /* When the WAL starts over, its file is cut down to this size. */
    sqlite3_exec(db_sqlite_handle(writer), "PRAGMA journal_size_limit=" CKPT_SIZE_LIMIT, NULL, NULL, NULL);
    /* sqlite3_wal_hook replaces the automatic checkpoint's own hook. */
    sqlite3_wal_hook(db_sqlite_handle(writer), on_commit, NULL);
    return 0;
}

void db_checkpoints_stop(void)
{
    if (!g_running) return;
    sqlite3_wal_autocheckpoint(db_sqlite_handle(g_writer), 1000);   /* back to SQLite's own */
    pthread_mutex_lock(&g_mu);
    g_stopping = true;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    sqlite3_close(g_conn);
    g_conn = NULL;
    g_writer = NULL;
    g_running = false;
}

void db_checkpoint_counts(unsigned long *background, unsigned long *in_commit)
{
    pthread_mutex_lock(&g_mu);
    *background = g_runs;
    pthread_mutex_unlock(&g_mu);
    *in_commit = __atomic_load_n(&g_inline_runs, __ATOMIC_RELAXED);
}
