/* Unit tests of SQLite's per-thread small-block allocator (src/db/
 * sqlite_alloc.c): sizes and rounding as SQLite sees them, realloc keeping the
 * contents, blocks freed on another thread than the one that allocated them,
 * and queries whose values cross every size class. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "db/db_sqlite.h"

static void test_sizes_and_realloc(void **state)
{
    unsigned char *p = sqlite3_malloc(100);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_int_equal(sqlite3_msize(p), 112);   /* the 16-byte class */
    for (int i = 0; i < 100; i++) p[i] = (unsigned char)i;
    assert_ptr_equal(sqlite3_realloc(p, 60), p);   /* fits: kept in place */
    unsigned char *q = sqlite3_realloc(p, 5000);
    assert_non_null(q);
    assert_true(sqlite3_msize(q) >= 5000);
    for (int i = 0; i < 60; i++) assert_int_equal(q[i], i);
    sqlite3_free(q);

    /* a freed small block is handed out again for its class */
    void *a = sqlite3_malloc(40);
    sqlite3_free(a);
    void *b = sqlite3_malloc(33);
    assert_ptr_equal(a, b);
    sqlite3_free(b);
    sqlite3_free(NULL);
}

#define BLOCKS 2000
static void *g_blocks[BLOCKS];

static void *allocate_all(void *arg)
{
    for (int i = 0; i < BLOCKS; i++) {
        g_blocks[i] = sqlite3_malloc(1 + i % 700);
        memset(g_blocks[i], 0xab, (size_t)(1 + i % 700));
    }
    return NULL;
}

static void *free_all(void *arg)
{
    for (int i = 0; i < BLOCKS; i++) sqlite3_free(g_blocks[i]);
    /* more than a thread keeps: the rest goes back to malloc */
    for (int round = 0; round < 50; round++) {
        void *many[200];
        for (int i = 0; i < 200; i++) many[i] = sqlite3_malloc(16 + i);
        for (int i = 0; i < 200; i++) sqlite3_free(many[i]);
    }
    return NULL;
}

/* Allocated on one thread, freed on another, both threads then end: every
 * block is back with malloc, the freeing thread's spares included. */
static void test_cross_thread(void **state)
{
    long before = sqlite_alloc_blocks();
    pthread_t t;
    pthread_create(&t, NULL, allocate_all, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, free_all, NULL);
    pthread_join(t, NULL);
    assert_int_equal(sqlite_alloc_blocks(), before);   /* the ended thread's spares were freed */
}

static void test_queries(void **state)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)"
        " INSERT INTO t SELECT i, substr(replace(hex(zeroblob(i)), '00', 'ab'), 1, i) FROM n;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT id, s FROM t ORDER BY id", -1, &s, NULL), SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int id = sqlite3_column_int(s, 0);
        assert_int_equal(sqlite3_column_bytes(s, 1), id);
        const char *text = (const char *)sqlite3_column_text(s, 1);
        assert_int_equal((int)strlen(text), id);
        rows++;
    }
    sqlite3_finalize(s);
    assert_int_equal(rows, 600);
    /* a value grown by realloc, past the small sizes */
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT length(group_concat(s, '')) FROM t", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 600 * 601 / 2);
    sqlite3_finalize(s);
    sqlite3_close(h);
}

int main(void)
{
    sqlite_alloc_install();   /* before SQLite initialises, as the server does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_realloc),
        cmocka_unit_test(test_cross_thread),
        cmocka_unit_test(test_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
