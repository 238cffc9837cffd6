/* Unit tests of the COPY buffers of a bulk write on PostgreSQL
 * (src/db/pg_bulk.c), no server needed: which INSERT texts are held (plain
 * `$n` values, casts, an ON CONFLICT clause through a staging table) and
 * which run as they are, the COPY text format (escapes, NULL, bytea), and
 * which statements must send the held rows first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "db/pg_bulk.h"

static const char *const tables[] = {"party", "party_fts", "contact_point", NULL};

static int take(struct pg_bulk *b, const char *sql, int n, char **vals, int *fmts, int *lens)
{
    int64_t id = -1;
    char err[128] = "";
    int zero[8] = {0};
    return pg_bulk_take(b, NULL, sql, false, n, vals, lens ? lens : zero, fmts ? fmts : zero, &id, err, sizeof err);
}

static void test_shapes(void **state)
{
    struct pg_bulk *b = pg_bulk_new(tables);
    char *v[3] = {"1", "a", "b"};
    /* held */
    assert_int_equal(take(b, "INSERT INTO party (kind, name) VALUES ($1, $2)", 2, v, NULL, NULL), 0);
    assert_int_equal(take(b, "INSERT INTO party_fts(rowid, terms, name) VALUES ($1, CAST($2 AS tsvector), $3::tsvector)"
                             " ON CONFLICT (rowid) DO UPDATE SET terms = excluded.terms", 3, v, NULL, NULL), 0);
    assert_int_equal(take(b, "INSERT INTO contact_point(kind, normalized, party_id) VALUES ($2, $3, $1) ON CONFLICT DO NOTHING",
                          3, v, NULL, NULL), 0);
    /* run as they are: another table, an expression, RETURNING asked by the caller, a SELECT */
    assert_int_equal(take(b, "INSERT INTO event (at) VALUES ($1)", 1, v, NULL, NULL), 1);
    assert_int_equal(take(b, "INSERT INTO party (kind, name) VALUES ($1, lower($2))", 2, v, NULL, NULL), 1);
    assert_int_equal(take(b, "INSERT INTO party (kind, name) VALUES ($1, $2) RETURNING name", 2, v, NULL, NULL), 1);
    assert_int_equal(take(b, "INSERT INTO party (kind, name) SELECT kind, name FROM party WHERE id = $1", 1, v, NULL, NULL), 1);
    assert_int_equal(take(b, "INSERT INTO party (kind, name) VALUES ($1, $2)", 1, v, NULL, NULL), 1);   /* $2 not bound */

    const char *copy, *rows;
    rows = pg_bulk_held(b, "INSERT INTO contact_point(kind, normalized, party_id) VALUES ($2, $3, $1) ON CONFLICT DO NOTHING", &copy);
    assert_non_null(rows);
    assert_string_equal(rows, "a\tb\t1\n");   /* the columns' parameters, in the columns' order */
    assert_non_null(strstr(copy, "COPY rapport_bulk_"));
    assert_true(pg_bulk_holds(b));
    pg_bulk_drop(b);
    assert_false(pg_bulk_holds(b));
    pg_bulk_free(b);
}

static void test_copy_text(void **state)
{
    struct pg_bulk *b = pg_bulk_new(tables);
    char blob[3] = {0x00, (char)0xff, 0x10};
    char *v[4] = {"tab\there\nnew\\line\r", NULL, blob, "张伟"};
    int fmts[4] = {0, 0, 1, 0}, lens[4] = {0, 0, 3, 0};
    static const char sql[] = "INSERT INTO party (name, notes, photo, city) VALUES ($1, $2, $3, $4)";
    assert_int_equal(take(b, sql, 4, v, fmts, lens), 0);
    const char *copy, *rows = pg_bulk_held(b, sql, &copy);
    assert_string_equal(rows, "tab\\there\\nnew\\\\line\\r\t\\N\t\\\\x00ff10\t张伟\n");
    assert_string_equal(copy, "COPY \"party\" (\"name\", \"notes\", \"photo\", \"city\") FROM STDIN");
    pg_bulk_free(b);
}

static void test_touches(void **state)
{
    struct pg_bulk *b = pg_bulk_new(tables);
    char *v[2] = {"x", "y"};
    assert_false(pg_bulk_touches(b, "SELECT id FROM party"));   /* nothing held */
    assert_int_equal(take(b, "INSERT INTO party (kind, name) VALUES ($1, $2)", 2, v, NULL, NULL), 0);
    assert_true(pg_bulk_touches(b, "SELECT id FROM party WHERE external_id = $1"));
    assert_true(pg_bulk_touches(b, "UPDATE \"party\" SET name = $1"));
    assert_false(pg_bulk_touches(b, "SELECT * FROM party_fts"));      /* another table's name holding it */
    assert_false(pg_bulk_touches(b, "SELECT * FROM contact_point"));  /* nothing of it held */
    assert_false(pg_bulk_touches(b, "SELECT party_id FROM txn"));
    pg_bulk_free(b);
}

static void test_read_back_each_row(void **state)
{
    /* a table read back after every row stops being held after three such flushes */
    struct pg_bulk *b = pg_bulk_new(tables);
    char *v[2] = {"x", "y"};
    static const char sql[] = "INSERT INTO party (kind, name) VALUES ($1, $2)";
    for (int i = 0; i < 3; i++) {
        assert_int_equal(take(b, sql, 2, v, NULL, NULL), 0);
        assert_true(pg_bulk_touches(b, "SELECT count(*) FROM party"));
        pg_bulk_drop(b);   /* what a flush leaves */
    }
    assert_int_equal(take(b, sql, 2, v, NULL, NULL), 1);
    pg_bulk_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_copy_text),
        cmocka_unit_test(test_touches),
        cmocka_unit_test(test_read_back_each_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
