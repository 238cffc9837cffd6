/* Unit tests of the name sort keys (src/db/collate.c): ICU's "zh" order —
 * Han names by pinyin, then Latin names (CLDR's zh tailoring reorders the
 * Han script before Latin), case only a tertiary difference — as plain
 * memcmp-comparable bytes; equal text gives equal keys; the SQL function
 * collation_key() gives the same bytes and maps NULL to NULL; a key longer
 * than the caller's buffer is reported, not truncated silently; the
 * triggers (migrations 005, 006) fill party.name_key on an insert and a
 * rename that leave it out, and the record engine's statements write it;
 * keys made by another collator version are remade when the database opens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/collate.h"
#include "db/db.h"

struct key { uint8_t b[512]; size_t n; };

static struct key key_of(collator *c, const char *z)
{
    struct key k;
    k.n = collator_key(c, z, (int)strlen(z), k.b, sizeof k.b);
    assert_true(k.n > 0 && k.n < sizeof k.b);
    return k;
}

static int key_cmp(const struct key *a, const struct key *b)
{
    int r = memcmp(a->b, b->b, a->n < b->n ? a->n : b->n);
    return r ? r : (a->n > b->n) - (a->n < b->n);
}

static void test_pinyin_order(void **state)
{
    (void)state;
    collator *c = collator_open();
    assert_non_null(c);
    /* 阿 ā < 安 ān < 李 lǐ < 王 wáng < 张 zhāng < 赵 zhào (code points:
     * 安 5B89 < 张 5F20 < 李 674E < 王 738B < 赵 8D75 < 阿 963F, so byte
     * order would be quite different); then the Latin names, letters
     * compared without case first (Alice < bob < Bob < Zoe). */
    static const char *const order[] = {"阿明", "安娜", "李娜", "王芳", "张伟", "张伟明", "赵强",
                                        "Alice", "bob", "Bob", "Zoe"};
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i + 1 < n; i++) {
        struct key a = key_of(c, order[i]), b = key_of(c, order[i + 1]);
        if (key_cmp(&a, &b) >= 0) fail_msg("%s should sort before %s", order[i], order[i + 1]);
    }
    /* The same text, the same key; a prefix sorts first. */
    struct key x = key_of(c, "王芳"), y = key_of(c, "王芳");
    assert_int_equal(key_cmp(&x, &y), 0);
    collator_close(c);
}

static void test_short_buffer(void **state)
{
    (void)state;
    collator *c = collator_open();
    assert_non_null(c);
    struct key full = key_of(c, "张伟明 Zhang Weiming");
    uint8_t small[4];
    size_t n = collator_key(c, "张伟明 Zhang Weiming", (int)strlen("张伟明 Zhang Weiming"), small, sizeof small);
    assert_int_equal(n, full.n);          /* the length needed, ≥ cap */
    assert_true(n >= sizeof small);
    /* Invalid UTF-8 has a key too (as U+FFFD). */
    struct key bad = key_of(c, "\xff\xfe");
    assert_true(bad.n > 0);
    collator_close(c);
}

static void test_sql_function_and_triggers(void **state)
{
    (void)state;
    char err[256] = "";
    db *d = db_open(":memory:", true, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(db_migrate(d, err, sizeof err), 0);
    collator *c = collator_open();
    struct key want = key_of(c, "李娜");

    db_stmt *s = db_prepare(d, "SELECT collation_key(?), collation_key(NULL) IS NULL");
    db_bind_text(s, 1, "李娜");
    assert_int_equal(db_step(s), DB_ROW);
    size_t n = 0;
    const void *blob = db_column_blob(s, 0, &n);
    assert_int_equal(n, want.n);
    assert_memory_equal(blob, want.b, want.n);
    assert_int_equal(db_column_int64(s, 1), 1);
    db_done(s);

    /* Insert and rename through plain SQL that does not know the key: the
     * triggers fill and follow it. */
    assert_int_equal(db_exec(d, "INSERT INTO party(id, kind, name, created_at, updated_at) "
                                "VALUES (1, 'person', '李娜', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"), 0);
    s = db_prepare(d, "SELECT name_key = collation_key(name) FROM party WHERE id = 1");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 1);
    db_done(s);
    assert_int_equal(db_exec(d, "UPDATE party SET name = '阿明' WHERE id = 1"), 0);
    struct key renamed = key_of(c, "阿明");
    s = db_prepare(d, "SELECT name_key FROM party WHERE id = 1");
    assert_int_equal(db_step(s), DB_ROW);
    blob = db_column_blob(s, 0, &n);
    assert_int_equal(n, renamed.n);
    assert_memory_equal(blob, renamed.b, renamed.n);
    db_done(s);
    collator_close(c);
    db_close(d);
}

static void test_other_collator_version_remakes_keys(void **state)
{
    (void)state;
    char err[256] = "";
    db *d = db_open(":memory:", true, err, sizeof err);
    assert_non_null(d);
    assert_int_equal(db_migrate(d, err, sizeof err), 0);
    /* First open after migration 005: the version is recorded. */
    assert_int_equal(collate_check(d, err, sizeof err), 0);
    collator *c = collator_open();
    char want[64];
    collator_version(c, want, sizeof want);
    db_stmt *s = db_prepare(d, "SELECT value FROM setting WHERE key = 'collation.name_key'");
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), want);
    db_done(s);
    /* Keys of an "older ICU": written past the triggers, version changed. */
    assert_int_equal(db_exec(d, "INSERT INTO party(id, kind, name, created_at, updated_at) "
                                "VALUES (7, 'person', '王芳', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"), 0);
    assert_int_equal(db_exec(d, "UPDATE party SET name_key = x'01' WHERE id = 7"), 0);
    assert_int_equal(db_exec(d, "UPDATE setting SET value = 'icu-zh-0.0' WHERE key = 'collation.name_key'"), 0);
    assert_int_equal(collate_check(d, err, sizeof err), 0);
    s = db_prepare(d, "SELECT name_key = collation_key(name), "
                      "(SELECT value FROM setting WHERE key = 'collation.name_key') FROM party WHERE id = 7");
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int64(s, 0), 1);
    assert_string_equal(db_column_text(s, 1), want);
    db_done(s);
    /* The same version again: nothing to do, the key stays as it is. */
    assert_int_equal(db_exec(d, "UPDATE party SET name_key = x'01' WHERE id = 7"), 0);
    assert_int_equal(collate_check(d, err, sizeof err), 0);
    s = db_prepare(d, "SELECT hex(name_key) FROM party WHERE id = 7");
    assert_int_equal(db_step(s), DB_ROW);
    assert_string_equal(db_column_text(s, 0), "01");
    db_done(s);
    collator_close(c);
    db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinyin_order),
        cmocka_unit_test(test_short_buffer),
        cmocka_unit_test(test_sql_function_and_triggers),
        cmocka_unit_test(test_other_collator_version_remakes_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
