/* snapshot: kept read snapshots (see snapshot.h). */
#include "db/snapshot.h"
#include "db/db_sqlite.h"
#include "lib/log.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What is watched of the WAL index: the first copy of its header, 48 bytes
 * at the start of the -shm file (iVersion, unused, iChange, isInit,
 * bigEndCksum, szPage, mxFrame, nPage, aFrameCksum, aSalt, aCksum), which a
 * commit rewrites with a new iChange and mxFrame and a WAL reset with new
 * salts; and the checkpoint's progress (nBackfill, at byte 96, beside
 * aReadMark[0], which stays 0). */
#define HDR_WORDS 7
#define CKPT_WORD 12
#define MAX_KEPT 128

struct kept {
    pthread_mutex_t mu;       /* the owner holds it through a request; the sweeper only tries it */
    db *c;
    bool open;                /* a read transaction is kept open on c */
    bool active;              /* between snap_begin and snap_end */
    uint64_t epoch;
    uint64_t hdr[HDR_WORDS];  /* the header read before the snapshot began */
    uint64_t seen[HDR_WORDS]; /* the header at the last request */
    int64_t changed_ms;       /* when a request last found it changed */
    int64_t idle_since_ms;
};

static const volatile uint64_t *g_hdr;
static unsigned g_gen;
static uint64_t g_next_epoch;
static struct kept *g_kept[MAX_KEPT];
static int g_nkept;
static pthread_mutex_t g_list_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_stop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_stop_cv = PTHREAD_COND_INITIALIZER;
static bool g_stop;
static pthread_t g_sweeper;
static _Thread_local struct kept *t_kept;
static _Thread_local unsigned t_kept_gen;   /* t_kept is valid only while this is g_gen */

static struct kept *thread_kept(void) { return t_kept_gen == g_gen ? t_kept : NULL; }

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read before the snapshot begins, never after: a commit that lands in
 * between then makes the next request start a new snapshot (one too many),
 * instead of keeping a snapshot that misses it. */
static void read_hdr(uint64_t out[HDR_WORDS])
{
    for (int i = 0; i < HDR_WORDS - 1; i++) out[i] = g_hdr[i];
    out[HDR_WORDS - 1] = g_hdr[CKPT_WORD];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void end_kept(struct kept *k)
{
    if (k->open && db_in_transaction(k->c)) db_rollback(k->c);
    k->open = false;
}

static struct kept *kept_for(db *c)
{
    struct kept *k = thread_kept();
    if (k) {
        if (k->c != c) {   /* the thread's reader was reopened */
            pthread_mutex_lock(&k->mu);
            k->c = c;
            k->open = false;
            pthread_mutex_unlock(&k->mu);
        }
        return k;
    }
    k = calloc(1, sizeof *k);
    if (!k) return NULL;
    pthread_mutex_init(&k->mu, NULL);
    k->c = c;
    pthread_mutex_lock(&g_list_mu);
    if (g_nkept < MAX_KEPT) g_kept[g_nkept++] = k;
    else { pthread_mutex_destroy(&k->mu); free(k); k = NULL; }
    pthread_mutex_unlock(&g_list_mu);
    t_kept = k;
    t_kept_gen = g_gen;
    return k;
}

int snap_begin(db *c)
{
    struct kept *k = g_hdr ? kept_for(c) : NULL;
    if (!k) return db_begin_read(c);
    pthread_mutex_lock(&k->mu);
    uint64_t now[HDR_WORDS];
    read_hdr(now);
    if (memcmp(now, k->seen, sizeof now) != 0) {
        memcpy(k->seen, now, sizeof now);
        k->changed_ms = now_ms();
    }
    bool same = memcmp(now, k->hdr, sizeof now) == 0;
    if (k->open && db_in_transaction(c) && same) {
        k->active = true;
        return 0;
    }
    end_kept(k);
    memcpy(k->hdr, now, sizeof now);
    int rc = db_begin_read(c);
    if (rc != 0) { pthread_mutex_unlock(&k->mu); return rc; }
    k->open = true;
    k->active = true;
    /* Nothing committed since the last snapshot: what was read under it is
     * still true, and keeps its name. */
    if (!same || !k->epoch) k->epoch = __atomic_add_fetch(&g_next_epoch, 1, __ATOMIC_RELAXED);
    return 0;
}

void snap_end(db *c)
{
    struct kept *k = g_hdr ? thread_kept() : NULL;
    if (!k || k->c != c || !k->active) { db_commit(c); return; }
    /* A write lock is never kept; nor is a transaction the request ended.
     * And while commits are coming in, none is: a reader that holds one of
     * the WAL's read marks keeps the writer from starting the WAL over, and
     * a reader that always holds one makes the WAL grow as long as the
     * writes go on (820 MB in 30 s of the mixed load when they were kept). */
    int64_t now = now_ms();
    if (db_in_write_transaction(c)) { db_commit(c); k->open = false; }
    else if (!db_in_transaction(c)) k->open = false;
    else if (now - k->changed_ms < SNAP_QUIET_MS) { db_commit(c); k->open = false; }
    k->idle_since_ms = now;
    k->active = false;
    pthread_mutex_unlock(&k->mu);
}

uint64_t snap_epoch(db *c)
{
    struct kept *k = g_hdr ? thread_kept() : NULL;
    return k && k->c == c && k->active && k->open ? k->epoch : 0;
}

static void *sweeper_main(void *arg)
{
    pthread_mutex_lock(&g_stop_mu);
    while (!g_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = until.tv_nsec + (long long)SNAP_IDLE_MS / 2 * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&g_stop_cv, &g_stop_mu, &until);
        if (g_stop) break;
        int64_t now = now_ms();
        pthread_mutex_lock(&g_list_mu);
        for (int i = 0; i < g_nkept; i++) {
            struct kept *k = g_kept[i];
            if (pthread_mutex_trylock(&k->mu) != 0) continue;   /* serving a request */
            if (k->open && now - k->idle_since_ms >= SNAP_IDLE_MS) end_kept(k);
            pthread_mutex_unlock(&k->mu);
        }
        pthread_mutex_unlock(&g_list_mu);
    }
    pthread_mutex_unlock(&g_stop_mu);
    return NULL;
}

/* The header is read through SQLite's own mapping of the WAL index (the VFS
 * xShmMap of a connection kept open for the purpose), never through a file
 * descriptor of ours: closing any descriptor of the -shm file would drop the
 * process's POSIX locks on it, SQLite's included, and another process would
 * then take the WAL index for unused and truncate it. */
static db *g_hdr_conn;

int snap_service_start(void)
{
    /* Another engine keeps no WAL index here: every read is a transaction
     * of its own (PostgreSQL's BEGIN costs one round trip, no locks). */
    if (strcmp(db_dialect(), "sqlite") != 0) return -1;
    char err[256] = "";
    db *c = db_open(db_path(), false, err, sizeof err);
    sqlite3 *h = c ? db_sqlite_handle(c) : NULL;
    sqlite3_file *f = NULL;
    volatile void *region = NULL;
    /* A read opens the connection's WAL index; region 0 holds the header. */
    if (h && sqlite3_exec(h, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_file_control(h, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f && f->pMethods &&
        f->pMethods->iVersion >= 2 && f->pMethods->xShmMap)
        f->pMethods->xShmMap(f, 0, 32768, 0, &region);
    if (!region) {
        log_warn("snapshot: no WAL index to watch (%s); every read begins its own transaction", err[0] ? err : "not in WAL mode");
        db_close(c);
        return -1;
    }
    g_hdr_conn = c;
    g_stop = false;
    g_gen++;
    g_hdr = (const volatile uint64_t *)region;
    if (pthread_create(&g_sweeper, NULL, sweeper_main, NULL) != 0) {
        g_hdr = NULL;
        db_close(g_hdr_conn);
        g_hdr_conn = NULL;
        return -1;
    }
    return 0;
}

void snap_service_stop(void)
{
    if (!g_hdr) return;
    pthread_mutex_lock(&g_stop_mu);
    g_stop = true;
    pthread_cond_signal(&g_stop_cv);
    pthread_mutex_unlock(&g_stop_mu);
    pthread_join(g_sweeper, NULL);
    pthread_mutex_lock(&g_list_mu);
    for (int i = 0; i < g_nkept; i++) {
        struct kept *k = g_kept[i];
        pthread_mutex_lock(&k->mu);
        end_kept(k);
        pthread_mutex_unlock(&k->mu);
        pthread_mutex_destroy(&k->mu);
        free(k);
    }
    g_nkept = 0;
    pthread_mutex_unlock(&g_list_mu);
    g_hdr = NULL;
    db_close(g_hdr_conn);
    g_hdr_conn = NULL;
}
