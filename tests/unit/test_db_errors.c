/* Unit tests of the driver's error classification (db_error in
 * src/db/db_sqlite.c): each kind of failure comes back as its class, from
 * the engine's codes, with the table and column of a unique or not-null
 * constraint; and the SQL fragments and search calls the layers above use
 * instead of SQLite's own spellings (src/db/sql_sqlite.c) run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db/db.h"
#include "lib/strbuf.h"

static db *open_memory(void)
{
    char err[256] = "";
    db *d = db_open(":memory:", true, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(db_exec(d, "CREATE TABLE team (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
                                "CREATE TABLE member (id INTEGER PRIMARY KEY, team_id INTEGER REFERENCES team(id),"
                                " a TEXT, b TEXT, score INTEGER CHECK (score >= 0), UNIQUE (a, b));"
                                "INSERT INTO team(id, name) VALUES (1, 'East');"
                                "INSERT INTO member(id, team_id, a, b, score) VALUES (1, 1, 'x', 'y', 1);"), 0);
    return d;
}

/* Runs one statement and returns the class of its failure, filling e. */
static enum db_errclass fails(db *d, const char *sql, struct db_error *e)
{
    db_stmt *s = db_prepare_once(d, sql);
    assert_non_null(s);
    int rc = db_step(s);
    db_done(s);
    assert_int_not_equal(rc, DB_DONE);
    return db_error(d, e);
}

static void test_classes(void **state)
{
    db *d = open_memory();
    struct db_error e;
    assert_int_equal(fails(d, "INSERT INTO team(name) VALUES ('East')", &e), DB_ERR_UNIQUE);
    assert_string_equal(e.table, "team");
    assert_string_equal(e.column, "name");
    assert_int_equal(fails(d, "INSERT INTO team(id, name) VALUES (1, 'West')", &e), DB_ERR_UNIQUE);
    assert_string_equal(e.column, "id");
    /* several columns: the last one is named */
    assert_int_equal(fails(d, "INSERT INTO member(a, b) VALUES ('x', 'y')", &e), DB_ERR_UNIQUE);
    assert_string_equal(e.table, "member");
    assert_string_equal(e.column, "b");
    assert_int_equal(fails(d, "INSERT INTO member(team_id) VALUES (99)", &e), DB_ERR_FOREIGN_KEY);
    assert_string_equal(e.column, "");
    assert_int_equal(fails(d, "DELETE FROM team WHERE id = 1", &e), DB_ERR_FOREIGN_KEY);
    assert_int_equal(fails(d, "INSERT INTO team(name) VALUES (NULL)", &e), DB_ERR_NOT_NULL);
    assert_string_equal(e.column, "name");
    assert_int_equal(fails(d, "INSERT INTO member(score) VALUES (-1)", &e), DB_ERR_CHECK);
    /* a success leaves nothing to classify */
    assert_int_equal(db_exec(d, "INSERT INTO team(name) VALUES ('North')"), 0);
    assert_int_equal(db_error(d, NULL), DB_ERR_NONE);
    db_close(d);
}

static void test_busy(void **state)
{
    char path[] = "/tmp/rapport-db-errors-XXXXXX", err[256] = "";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    db *a = db_open(path, true, err, sizeof err), *b = db_open(path, true, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(db_exec(a, "CREATE TABLE t (x INTEGER)"), 0);
    assert_int_equal(db_exec(b, "PRAGMA busy_timeout=0"), 0);
    assert_int_equal(db_begin_write(a), 0);
    assert_int_not_equal(db_begin_write(b), 0);
    assert_int_equal(db_error(b, NULL), DB_ERR_BUSY);
    db_rollback(a);
    db_close(a);
    db_close(b);
    char side[64];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path); unlink(side);
    snprintf(side, sizeof side, "%s-shm", path); unlink(side);
    close(fd);
}

static void test_search_and_fragments(void **state)
{
    db *d = open_memory();
    assert_int_equal(db_exec(d, "CREATE VIRTUAL TABLE thing_fts USING fts5(name, city, tokenize = 'rapport');"
                                "CREATE TABLE thing (id INTEGER PRIMARY KEY, tags TEXT, custom TEXT);"
                                "INSERT INTO thing VALUES (7, '[\"vip\"]', '{\"size\":5}'), (8, '[]', '{}')"), 0);
    static const char *const cols[] = {"name", "city", NULL};
    const char *v7[] = {"张伟明", "北京"}, *v8[] = {"Grace Hopper", "Arlington"};
    assert_int_equal(db_search_add(d, "thing_fts", cols, 7, v7), 0);
    assert_int_equal(db_search_add(d, "thing_fts", cols, 8, v8), 0);

    struct { const char *q; const char *const *cols; const char *want; } cases[] = {
        {"张伟", NULL, "7"}, {"hop", NULL, "8"}, {"北京", (const char *const[]){"name", NULL}, ""},
        {"北京", (const char *const[]){"city", NULL}, "7"}, {"grace", (const char *const[]){NULL}, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strbuf sql;
        sb_init(&sql, 0);
        sb_puts(&sql, "SELECT group_concat(t.id) FROM thing t WHERE 1 = 1");
        char *bind = NULL;
        assert_int_equal(db_search_condition(&sql, "thing_fts", cases[i].cols, cases[i].q, &bind), 0);
        db_stmt *s = db_prepare_once(d, sb_str(&sql));
        assert_non_null(s);
        if (bind) db_bind_text(s, 1, bind);
        assert_int_equal(db_step(s), DB_ROW);
        const char *got = db_column_text(s, 0);
        assert_string_equal(got ? got : "", cases[i].want);
        db_done(s);
        free(bind);
        sb_free(&sql);
    }
    char *bind = NULL;
    strbuf sql;
    sb_init(&sql, 0);
    assert_int_equal(db_search_condition(&sql, "thing_fts", NULL, " -- ", &bind), 1);   /* nothing searchable */
    assert_int_equal(db_search_remove(d, "thing_fts", cols, 7), 0);

    /* the JSON fragments: list membership and a scalar at a path */
    sb_reset(&sql);
    sb_puts(&sql, "SELECT count(*) FROM thing t WHERE 1 = 1");
    db_sql_json_list_has(&sql, "tags");
    db_sql_json_scalar_eq(&sql, "custom");
    db_stmt *s = db_prepare_once(d, sb_str(&sql));
    assert_non_null(s);
    db_bind_text(s, 1, "vip");
    db_bind_text(s, 2, "$.size");
    db_bind_text(s, 3, "5");
    db_bind_int64(s, 4, 5);
    db_bind_text(s, 5, "$.size");
    db_bind_text(s, 6, "$.size");
    db_bind_null(s, 7);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 1);
    db_done(s);
    sb_reset(&sql);
    sb_puts(&sql, "SELECT ");
    db_sql_sort_key_param(&sql);
    sb_puts(&sql, " < ");
    db_sql_sort_key_param(&sql);
    s = db_prepare_once(d, sb_str(&sql));
    assert_non_null(s);
    db_bind_text(s, 1, "安娜");   /* ān before bái */
    db_bind_text(s, 2, "白雪");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 1);
    db_done(s);
    sb_free(&sql);
    db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_search_and_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
