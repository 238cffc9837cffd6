/* Unit tests of SQLite's segmented-LRU page cache (src/db/sqlite_pcache.c):
 * the methods driven directly against a model of what SQLite may rely on
 * (a page found is the page stored, with its contents; a new page has zeroed
 * extra bytes; pinned pages stay; rekey, truncate, cache size; a fetch that
 * may fail fails only when it should), with SQLite holding a few pages at a
 * time and, in some phases, most of them; the scan resistance it is there
 * for, pages read often staying protected while others are promoted, and SQLite itself running on it: an integrity
 * check after writes, rollbacks and spills, and the page reads of point
 * lookups in a table whose interior pages take half of the cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db/db_sqlite.h"

#define SZ_PAGE 512
#define SZ_EXTRA 40
#define KEYS 300

static uint64_t g_rng = 0x9e3779b97f4a7c15u;
static unsigned rnd(unsigned n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (unsigned)(g_rng % n);
}

/* What the test knows of each key: the page it last stored there (an id the
 * test writes into the page's extra bytes and body, as SQLite writes its
 * page header into the extra bytes) and whether it holds the page pinned. */
struct model {
    uint32_t id[KEYS + 1];      /* 0: none stored, or gone */
    sqlite3_pcache_page *handle[KEYS + 1];
    int pinned[KEYS + 1];
    uint32_t next_id;
    int max;
};

static int extra_is_zero(const sqlite3_pcache_page *p)
{
    const unsigned char *e = p->pExtra;
    for (int i = 0; i < SZ_EXTRA; i++) if (e[i]) return 0;
    return 1;
}

static uint32_t extra_id(const sqlite3_pcache_page *p)
{
    uint32_t id;
    memcpy(&id, p->pExtra, sizeof id);
    return id;
}

static void stamp(struct model *m, unsigned key, sqlite3_pcache_page *p)
{
    uint32_t id = ++m->next_id;
    memcpy(p->pExtra, &id, sizeof id);
    memcpy(p->pBuf, &id, sizeof id);
    memcpy((char *)p->pBuf + SZ_PAGE - sizeof id, &id, sizeof id);
    m->id[key] = id;
    m->handle[key] = p;
}

/* A page handed back for key is either the one stored there, whole, or a new
 * one (zeroed extra bytes); never another key's page. */
static void check_fetched(struct model *m, unsigned key, sqlite3_pcache_page *p)
{
    if (extra_is_zero(p)) {
        assert_int_equal(m->pinned[key], 0);   /* a pinned page may not have been dropped */
        stamp(m, key, p);
        return;
    }
    assert_int_equal(extra_id(p), m->id[key]);
    assert_ptr_equal(p, m->handle[key]);
    uint32_t a, b;
    memcpy(&a, p->pBuf, sizeof a);
    memcpy(&b, (char *)p->pBuf + SZ_PAGE - sizeof b, sizeof b);
    assert_int_equal(a, m->id[key]);
    assert_int_equal(b, m->id[key]);
}

static int pinned_count(const struct model *m)
{
    int n = 0;
    for (int k = 1; k <= KEYS; k++) n += m->pinned[k];
    return n;
}

/* A key SQLite holds, found from a random start (0: none). */
static unsigned some_pinned(const struct model *m)
{
    unsigned start = 1 + rnd(KEYS);
    for (unsigned i = 0; i < KEYS; i++) {
        unsigned k = 1 + (start - 1 + i) % KEYS;
        if (m->pinned[k]) return k;
    }
    return 0;
}

static void test_against_model(void **state)
{
    const sqlite3_pcache_methods2 *pc = sqlite_pcache_methods();
    sqlite3_pcache *c = pc->xCreate(SZ_PAGE, SZ_EXTRA, 1);
    assert_non_null(c);
    struct model *m = calloc(1, sizeof *m);
    m->max = 50;
    pc->xCachesize(c, m->max);
    for (int step = 0; step < 150000; step++) {
        unsigned key = 1 + rnd(KEYS);
        unsigned op = rnd(100);
        /* SQLite holds a few pages at a time; phases that hold many test
         * the limits (spills, createFlag 2). */
        int most_held = (step / 10000) % 3 == 0 ? KEYS : (step / 10000) % 3 == 1 ? 4 : 12;
        if (op < 45 && !m->pinned[key] && pinned_count(m) >= most_held) op = 50;
        if (op >= 45 && op < 93) {   /* unpin or move a page held */
            unsigned held = some_pinned(m);
            if (!held) continue;
            key = held;
        }
        if (op < 45) {
            int create = (int)rnd(3);
            sqlite3_pcache_page *p = pc->xFetch(c, key, create);
            if (m->pinned[key]) {
                assert_ptr_equal(p, m->handle[key]);   /* a pinned page is always there */
                check_fetched(m, key, p);
            } else if (!p) {
                assert_true(create < 2);   /* createFlag 2 only fails when memory does */
                /* ... and createFlag 1 only with nine tenths pinned, or a full cache all pinned */
                int pinned = pinned_count(m);
                if (create == 1)
                    assert_true(pinned >= m->max - m->max / 10 ||
                                (pc->xPagecount(c) >= m->max && pc->xPagecount(c) == pinned));
                m->id[key] = 0;
            } else {
                /* With nine tenths pinned, a fetch that may fail makes SQLite
                 * spill rather than grow the cache. */
                if (create == 1 && extra_is_zero(p)) {
                    assert_true(pinned_count(m) < m->max - m->max / 10);
                    assert_true(pc->xPagecount(c) <= m->max);
                }
                if (create == 0) assert_false(extra_is_zero(p));   /* found, not made */
                check_fetched(m, key, p);
                m->pinned[key] = 1;
            }
        } else if (op < 85) {
            int discard = rnd(8) == 0;
            pc->xUnpin(c, m->handle[key], discard);
            m->pinned[key] = 0;
            if (discard) m->id[key] = 0;
        } else if (op < 93) {
            /* SQLite moves a page it holds to a key no one holds. */
            unsigned to = 1 + rnd(KEYS);
            if (!m->pinned[key] || m->pinned[to] || to == key) continue;
            pc->xRekey(c, m->handle[key], key, to);
            m->id[to] = m->id[key];
            m->handle[to] = m->handle[key];
            m->pinned[to] = 1;
            m->id[key] = 0;
            m->pinned[key] = 0;
            assert_null(pc->xFetch(c, key, 0));
            assert_ptr_equal(pc->xFetch(c, to, 0), m->handle[to]);
        } else if (op < 96) {
            unsigned limit = 1 + rnd(KEYS + 1);
            pc->xTruncate(c, limit);
            for (unsigned k = limit; k <= KEYS; k++) { m->id[k] = 0; m->pinned[k] = 0; }
            for (unsigned k = limit; k <= KEYS; k++) assert_null(pc->xFetch(c, k, 0));
        } else if (op < 99) {
            m->max = 5 + (int)rnd(80);
            pc->xCachesize(c, m->max);
        } else {
            pc->xShrink(c);
            assert_int_equal(pc->xPagecount(c), pinned_count(m));
        }
        /* Never more pages than the limit, unless the pinned ones are. */
        int pinned = pinned_count(m);
        assert_true(pc->xPagecount(c) >= pinned);
        assert_true(pc->xPagecount(c) <= (pinned > m->max ? pinned : m->max));
    }
    pc->xDestroy(c);   /* pinned pages included: ASan reports what is left */
    free(m);
}

/* Fetches key (making it if need be), marks a new page as SQLite would,
 * unpins it; says whether it was new. */
static void touch(const sqlite3_pcache_methods2 *pc, sqlite3_pcache *c, unsigned key, int *new_page)
{
    sqlite3_pcache_page *p = pc->xFetch(c, key, 1);
    assert_non_null(p);
    *new_page = extra_is_zero(p);
    if (*new_page) memset(p->pExtra, 1, SZ_EXTRA);
    pc->xUnpin(c, p, 0);
}

/* The pattern of reads by id in a large table: each read touches one of a
 * set of hot pages (the interior pages, 80 here) and one page never touched
 * again (a leaf), in a cache of 100 pages. Once the hot pages have been found
 * twice they stay: after the warm-up nearly every hot touch is a hit. Under
 * one LRU list the leaves would push a hot page out before it comes round
 * again more often than not (about 62% misses). */
static void test_scan_resistance(void **state)
{
    const sqlite3_pcache_methods2 *pc = sqlite_pcache_methods();
    sqlite3_pcache *c = pc->xCreate(SZ_PAGE, SZ_EXTRA, 1);
    pc->xCachesize(c, 100);
    unsigned cold = 1000;
    int hot_misses = 0, fresh;
    for (int read = 0; read < 10000; read++) {
        touch(pc, c, 1 + rnd(80), &fresh);
        if (read >= 5000) hot_misses += fresh;
        touch(pc, c, cold++, &fresh);
        assert_true(fresh);
        assert_true(pc->xPagecount(c) <= 100);
    }
    fprintf(stderr, "hot misses in the last 5,000 reads: %d\n", hot_misses);
    assert_true(hot_misses <= 50);
    pc->xDestroy(c);
}

/* The protected segment full, pages keep being promoted (each pushing the
 * oldest back on probation, where a stream of pages read once evicts it):
 * the ten pages found in every round stay, however old their promotion. */
static void test_hot_pages_stay_protected(void **state)
{
    const sqlite3_pcache_methods2 *pc = sqlite_pcache_methods();
    sqlite3_pcache *c = pc->xCreate(SZ_PAGE, SZ_EXTRA, 1);
    pc->xCachesize(c, 100);   /* 84 protected */
    int fresh;
    for (unsigned k = 1; k <= 84; k++) { touch(pc, c, k, &fresh); touch(pc, c, k, &fresh); }
    unsigned next = 1000;
    int hot_misses = 0;
    for (int round = 0; round < 300; round++) {
        for (unsigned k = 1; k <= 10; k++) {
            touch(pc, c, k, &fresh);
            hot_misses += fresh;
        }
        unsigned promoted = next++;
        touch(pc, c, promoted, &fresh);
        touch(pc, c, promoted, &fresh);
        assert_false(fresh);
        for (int i = 0; i < 30; i++) touch(pc, c, next++, &fresh);
    }
    assert_int_equal(hot_misses, 0);
    pc->xDestroy(c);
}

static void exec_ok(sqlite3 *h, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", sql, err ? err : "?");
    assert_int_equal(rc, SQLITE_OK);
}

static int64_t one_int(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* SQLite on this cache: 1 KB pages, a 40,000-row table whose 78 interior
 * pages take half of a 150-page cache. Writes with a 20-page cache (spills,
 * rollbacks to savepoints) leave a sound file; point reads by random id then
 * read about one page each from the file (the leaf), where a single LRU
 * list reads about 1.3 (its interior pages pushed out by the leaves). */
static void test_sqlite_on_it(void **state)
{
    char path[] = "/tmp/rapport-pcache-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    exec_ok(h, "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA cache_size=20");
    exec_ok(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad TEXT)");
    exec_ok(h, "BEGIN;"
               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)"
               " INSERT INTO t SELECT i, i, printf('%.180c', 'x') FROM n;"
               "COMMIT");
    /* a rolled-back savepoint among kept changes, and a rolled-back transaction */
    exec_ok(h, "BEGIN; UPDATE t SET v = v + 1 WHERE id % 3 = 0;"
               "SAVEPOINT s; UPDATE t SET v = 0; DELETE FROM t WHERE id > 20000; ROLLBACK TO s; RELEASE s;"
               "COMMIT");
    exec_ok(h, "BEGIN; DELETE FROM t; ROLLBACK");
    assert_int_equal(one_int(h, "SELECT count(*) FROM t"), 40000);
    assert_int_equal(one_int(h, "SELECT sum(v) FROM t"), 40000LL * 40001 / 2 + 40000 / 3);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);

    exec_ok(h, "PRAGMA cache_size=150");
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT v FROM t WHERE id = ?", -1, &s, NULL), SQLITE_OK);
    exec_ok(h, "BEGIN");   /* one read transaction: the cache is not reset between reads */
    int cur, hi;
    for (int phase = 0; phase < 2; phase++) {
        sqlite3_db_status(h, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
        int reads = phase == 0 ? 5000 : 20000;   /* warm up, then count */
        for (int i = 0; i < reads; i++) {
            sqlite3_bind_int(s, 1, 1 + (int)rnd(40000));
            assert_int_equal(sqlite3_step(s), SQLITE_ROW);
            sqlite3_reset(s);
        }
        sqlite3_db_status(h, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 0);
        if (phase == 1) {
            double per_read = cur / 20000.0;
            fprintf(stderr, "pages read from the file per point read: %.3f\n", per_read);
            assert_true(per_read < 1.1);
            assert_true(per_read > 0.9);   /* the leaves are not cached: 40,000 rows at 4 a page */
        }
    }
    exec_ok(h, "COMMIT");
    sqlite3_finalize(s);
    sqlite3_close(h);
    unlink(path);
    char side[sizeof path + 8];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(void)
{
    sqlite_alloc_install();   /* as the server does, before SQLite initialises */
    sqlite_pcache_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_scan_resistance),
        cmocka_unit_test(test_hot_pages_stay_protected),
        cmocka_unit_test(test_sqlite_on_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
