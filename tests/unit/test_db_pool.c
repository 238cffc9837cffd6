/* Unit tests of the shared readers of the worker threads (db_reader_shared,
 * db_reader_yield, db_write's yield): at most DB_SHARED_READERS connections however many
 * threads, a reader with an open statement or transaction is kept through a
 * write, a finished one always goes back, and every thread reads what was
 * committed before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "db/db.h"
#include "db/writer.h"

static char g_dir[] = "/tmp/rapport-pool-XXXXXX";
static char g_path[256];

static int setup(void **state)
{
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_path, sizeof g_path, "%s/pool.db", g_dir);
    char err[256];
    if (db_global_open(g_path, true, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return -1; }
    if (writer_start(err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return -1; }
    return 0;
}

static int teardown(void **state)
{
    writer_stop();
    db_global_close();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define THREADS 24
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static db *g_seen[THREADS * 4];
static int g_nseen, g_errors;
static pthread_barrier_t g_barrier;

static void note(db *c)
{
    pthread_mutex_lock(&g_mu);
    int known = 0;
    for (int i = 0; i < g_nseen; i++) known |= g_seen[i] == c;
    if (!known && g_nseen < THREADS * 4) g_seen[g_nseen++] = c;
    pthread_mutex_unlock(&g_mu);
}

static void *reader_thread(void *arg)
{
    db_reader_shared();
    pthread_barrier_wait(&g_barrier);
    for (int round = 0; round < 20; round++) {
        db *c = db_reader();
        if (!c) { __atomic_add_fetch(&g_errors, 1, __ATOMIC_RELAXED); break; }
        note(c);
        db_stmt *s = db_prepare(c, "SELECT count(*) FROM schema_version");
        if (!s || db_step(s) != DB_ROW || db_column_int64(s, 0) < 1) __atomic_add_fetch(&g_errors, 1, __ATOMIC_RELAXED);
        db_done(s);
        db_reader_yield(true);
    }
    db_reader_release();
    return NULL;
}

static void test_at_most_n_connections(void **state)
{
    pthread_t t[THREADS];
    g_nseen = g_errors = 0;
    pthread_barrier_init(&g_barrier, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&t[i], NULL, reader_thread, NULL), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&g_barrier);
    assert_int_equal(g_errors, 0);
    assert_true(g_nseen >= 1);
    assert_true(g_nseen <= DB_SHARED_READERS);
}

static int write_note(db *w, void *ctx)
{
    db_stmt *s = db_prepare(w, "INSERT INTO setting(key, value) VALUES (?, 'x')");
    if (!s) return -1;
    db_bind_text(s, 1, ctx);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    return rc;
}

struct yield_case { db *before, *after_idle, *after_busy; int count; int rc; };

static void *yield_thread(void *arg)
{
    struct yield_case *y = arg;
    db_reader_shared();
    y->before = db_reader();
    /* A statement is open: the write must not take the reader away. */
    db_stmt *s = db_prepare(y->before, "SELECT key FROM setting");
    db_step(s);
    y->rc = db_write(write_note, "pool-busy");
    y->after_busy = db_reader();
    db_done(s);
    /* Nothing open: the reader goes back to the pool during the write, and
     * the next db_reader() sees the committed row. */
    y->rc |= db_write(write_note, "pool-idle");
    y->after_idle = db_reader();
    s = db_prepare(y->after_idle, "SELECT count(*) FROM setting WHERE key LIKE 'pool-%'");
    if (s && db_step(s) == DB_ROW) y->count = (int)db_column_int64(s, 0);
    db_done(s);
    db_reader_release();
    return NULL;
}

static void test_write_yields_an_idle_reader(void **state)
{
    struct yield_case y = {0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, yield_thread, &y), 0);
    pthread_join(t, NULL);
    assert_int_equal(y.rc, 0);
    assert_non_null(y.before);
    assert_ptr_equal(y.after_busy, y.before); /* kept through the write */
    assert_non_null(y.after_idle);
    assert_int_equal(y.count, 2);
}

static void *txn_thread(void *arg)
{
    int *ok = arg;
    db_reader_shared();
    db *c = db_reader();
    *ok = c && db_begin_read(c) == 0;
    db_reader_yield(false); /* a transaction is open: kept */
    *ok &= db_reader() == c;
    db_reader_yield(true);  /* finished: rolled back and returned */
    db *again = db_reader();
    *ok &= again != NULL && db_begin_read(again) == 0 && db_commit(again) == 0;
    db_reader_release();
    return NULL;
}

static void test_finished_reader_is_rolled_back(void **state)
{
    int ok = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, txn_thread, &ok), 0);
    pthread_join(t, NULL);
    assert_true(ok);
}

/* N threads hold all N readers and write; one more gets a reader
 * while their writes wait, which it can only if they gave theirs back. */
static pthread_mutex_t g_wait_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wait_cv = PTHREAD_COND_INITIALIZER;
static int g_ninth_in, g_ninth_seen;

static int job_wait_for_ninth(db *w, void *ctx)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    pthread_mutex_lock(&g_wait_mu);
    while (!g_ninth_in && pthread_cond_timedwait(&g_wait_cv, &g_wait_mu, &until) == 0)
        ;
    g_ninth_seen |= g_ninth_in;
    pthread_mutex_unlock(&g_wait_mu);
    return 0;
}

static void *holder_thread(void *arg)
{
    db_reader_shared();
    if (!db_reader()) __atomic_add_fetch(&g_errors, 1, __ATOMIC_RELAXED);
    pthread_barrier_wait(&g_barrier);
    if (db_write(job_wait_for_ninth, NULL) != 0) __atomic_add_fetch(&g_errors, 1, __ATOMIC_RELAXED);
    db_reader_release();
    return NULL;
}

static void *ninth_thread(void *arg)
{
    db_reader_shared();
    pthread_barrier_wait(&g_barrier);
    db *c = db_reader(); /* blocks until a holder yields */
    pthread_mutex_lock(&g_wait_mu);
    g_ninth_in = c != NULL;
    pthread_cond_broadcast(&g_wait_cv);
    pthread_mutex_unlock(&g_wait_mu);
    db_reader_release();
    return NULL;
}

static void test_writers_lend_their_readers(void **state)
{
    enum { N = DB_SHARED_READERS };
    pthread_t t[N + 1];
    g_errors = g_ninth_in = g_ninth_seen = 0;
    pthread_barrier_init(&g_barrier, NULL, N + 1);
    for (int i = 0; i < N; i++) assert_int_equal(pthread_create(&t[i], NULL, holder_thread, NULL), 0);
    assert_int_equal(pthread_create(&t[N], NULL, ninth_thread, NULL), 0);
    for (int i = 0; i < N + 1; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&g_barrier);
    assert_int_equal(g_errors, 0);
    assert_true(g_ninth_seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at_most_n_connections),
        cmocka_unit_test(test_write_yields_an_idle_reader),
        cmocka_unit_test(test_finished_reader_is_rolled_back),
        cmocka_unit_test(test_writers_lend_their_readers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
