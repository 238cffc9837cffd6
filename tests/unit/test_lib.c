/* Unit tests of src/lib and the search-query builder: time parsing and
 * formatting, text validation and phone normalisation, capped buffers, the
 * JSON writer, and fts_query_build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "db/db.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"

static void test_time_roundtrip(void **state)
{
    int64_t t;
    assert_int_equal(time_parse("2026-11-25T14:07:59Z", &t), 0);
    char out[21];
    time_format(t, out);
    assert_string_equal(out, "2026-11-25T14:07:59Z");
    assert_int_equal(time_parse("2026-11-25T22:07:59+08:00", &t), 0);
    time_format(t, out);
    assert_string_equal(out, "2026-11-25T14:07:59Z");
    assert_int_equal(time_parse("2024-02-29", &t), 0);
    time_format(t, out);
    assert_string_equal(out, "2024-02-29T00:00:00Z");
    assert_int_equal(time_parse("1969-12-31T23:59:59.999Z", &t), 0);
    assert_int_equal(t, -1);
    assert_int_equal(time_parse("2026-11-25T14:07Z", &t), 0);
}

static void test_time_rejects(void **state)
{
    int64_t t;
    const char *bad[] = {"", "2023-02-29", "2026-13-01", "2026-00-10", "1899-12-31", "2201-01-01", "2026-1-1",
                         "2026-11-25T24:00:00Z", "2026-11-25T10:00:00", "2026-11-25T10:00:00+15:00", "2026-11-25 x",
                         "2026-11-25T10:00:00Zjunk", "２０２６-01-01", NULL};
    for (int i = 0; bad[i]; i++) assert_int_equal(time_parse(bad[i], &t), -1);
    assert_int_equal(date_parse("2026-11-25T00:00:00Z", &t), -1);
    assert_int_equal(date_parse("2000-02-29", &t), 0);
    assert_int_equal(date_parse("1900-02-29", &t), -1);
}

static void test_days_from_civil(void **state)
{
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    assert_int_equal(days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(days_from_civil(1900, 1, 1), -25567);
}

static void test_utf8(void **state)
{
    assert_true(utf8_valid("张伟 abc\t\n", strlen("张伟 abc\t\n")));
    assert_false(utf8_valid("\xff", 1));
    assert_false(utf8_valid("\xc0\xaf", 2));            /* overlong */
    assert_false(utf8_valid("\xed\xa0\x80", 3));        /* surrogate */
    assert_false(utf8_valid("a\x01", 2));               /* control */
    assert_false(utf8_valid("\xe5\xbc", 2));            /* truncated */
    assert_int_equal(utf8_length("张伟明"), 3);
}

static void test_email(void **state)
{
    assert_true(email_valid("wang.wei@example.cn"));
    assert_true(email_valid("a+b@sub.example.com"));
    const char *bad[] = {"", "a", "a@b", "@b.cn", "a@@b.cn", "a b@c.cn", "a@b..cn", "a@.b.cn", "a@b.c", "<a>@b.cn", NULL};
    for (int i = 0; bad[i]; i++) assert_false(email_valid(bad[i]));
    char out[64];
    email_normalize("Wang.Wei@Example.CN", out, sizeof out);
    assert_string_equal(out, "wang.wei@example.cn");
}

static void test_phone(void **state)
{
    char out[32];
    const char *same[] = {"13800138000", "138 0013 8000", "+86 138-0013-8000", "008613800138000", "(+86) 13800138000", NULL};
    for (int i = 0; same[i]; i++) {
        if (!strcmp(same[i], "(+86) 13800138000")) { assert_false(phone_normalize(same[i], out, sizeof out)); continue; }
        assert_true(phone_normalize(same[i], out, sizeof out));
        assert_string_equal(out, "13800138000");
    }
    assert_true(phone_normalize("+44 20 7946 0958", out, sizeof out));
    assert_string_equal(out, "442079460958");
    assert_false(phone_normalize("1234", out, sizeof out));
    assert_false(phone_normalize("call me", out, sizeof out));
    assert_false(phone_normalize("123456789012345678901", out, sizeof out));
}

static void test_strbuf_cap(void **state)
{
    strbuf sb;
    sb_init(&sb, 10);
    assert_int_equal(sb_puts(&sb, "12345"), 0);
    assert_int_equal(sb_printf(&sb, "%d", 678), 0);
    assert_string_equal(sb_str(&sb), "12345678");
    assert_int_equal(sb_puts(&sb, "abc"), -1);
    assert_true(sb.failed);
    assert_int_equal(sb_puts(&sb, "z"), -1);   /* sticky */
    sb_free(&sb);
}

static void test_strbuf_html(void **state)
{
    (void)state;
    strbuf sb;
    sb_init(&sb, 0);
    assert_int_equal(sb_put_html(&sb, "<a href=\"x\">Tom & Jerry's 张</a>"), 0);
    assert_string_equal(sb_str(&sb), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s 张&lt;/a&gt;");
    assert_int_equal(sb_put_html(&sb, NULL), 0);
    sb_free(&sb);
    sb_init(&sb, 8);   /* a cap the entities pass: the failure is reported */
    assert_int_equal(sb_put_html(&sb, "&&&&"), -1);
    sb_free(&sb);
}

static void test_jsonw(void **state)
{
    strbuf sb;
    sb_init(&sb, 0);
    sb_puts(&sb, "{");
    jw_key(&sb, "name", 1);
    jw_string(&sb, "张\"伟\\\n\x01");
    jw_key(&sb, "n", 0);
    jw_int(&sb, -42);
    jw_key(&sb, "x", 0);
    jw_string(&sb, NULL);
    sb_puts(&sb, "}");
    assert_string_equal(sb_str(&sb), "{\"name\":\"张\\\"伟\\\\\\n\\u0001\",\"n\":-42,\"x\":null}");
    sb_free(&sb);
    /* Integers at the edges of int64. */
    sb_init(&sb, 0);
    jw_int(&sb, INT64_MIN);
    sb_puts(&sb, " ");
    jw_int(&sb, INT64_MAX);
    sb_puts(&sb, " ");
    jw_int(&sb, 0);
    sb_puts(&sb, " ");
    jw_int(&sb, 7);
    assert_string_equal(sb_str(&sb), "-9223372036854775808 9223372036854775807 0 7");
    sb_free(&sb);
}

/* The inline append's fast path trusts that the allocation never exceeds
 * the cap: fill a capped buffer byte by byte past a growth step. */
static void test_strbuf_fast_path_cap(void **state)
{
    strbuf sb;
    sb_init(&sb, 1500);
    int ok = 0;
    for (int i = 0; i < 2000; i++) ok += sb_append(&sb, "x", 1) == 0;
    assert_int_equal(ok, 1500);
    assert_int_equal(sb.len, 1500);
    assert_true(sb.cap <= 1501);
    assert_true(sb.failed);
    sb_reset(&sb);
    assert_int_equal(sb_append(&sb, "ab", 2), 0);   /* usable again after a reset */
    assert_string_equal(sb_str(&sb), "ab");
    sb_free(&sb);
}

/* Counted strings: escapes in runs, a NUL inside the bytes, a run that ends
 * right after an escape, and the empty string. */
static void test_jsonw_counted(void **state)
{
    strbuf sb;
    sb_init(&sb, 0);
    jw_string_n(&sb, "a\0b\x7f\"", 5);
    sb_puts(&sb, " ");
    jw_string_n(&sb, "", 0);
    sb_puts(&sb, " ");
    jw_string_n(&sb, "tab\there and more", 8);
    sb_puts(&sb, " ");
    jw_string_n(&sb, NULL, 3);
    assert_string_equal(sb_str(&sb), "\"a\\u0000b\\u007f\\\"\" \"\" \"tab\\there\" null");
    sb_free(&sb);
}

/* jw_json writes what json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes:
 * responses and audit rows changed writer, not text. */
static void test_jw_json_matches_jansson(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{}", "[]", "null", "true", "false", "0", "-9223372036854775808", "9223372036854775807",
        "0.5", "1e300", "-2.5e-7", "100.0", "3.141592653589793", "\"\"",
        "{\"name\":\"\u5f20\u4f1f\",\"tags\":[\"a\",\"b\"],\"n\":{\"amount\":1999,\"currency\":\"CNY\"},\"x\":null}",
        "[\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f ctl \\u0001\"]",
        "{\"z\":1,\"a\":2,\"m\":[[],[{}],[[1,2.25,\"\\u00e9\"]]]}",
        "[1,[2,[3,[4,[5,[6,[7,[8,[9,[10]]]]]]]]]]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t err;
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY, &err);
        assert_non_null(v);
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        strbuf sb;
        sb_init(&sb, 0);
        jw_json(&sb, v);
        assert_false(sb.failed);
        assert_string_equal(sb_str(&sb), want);
        sb_free(&sb);
        free(want);
        json_decref(v);
    }
    /* Object keys keep the order they were set in (not sorted). */
    json_t *o = json_object();
    json_object_set_new(o, "zeta", json_integer(1));
    json_object_set_new(o, "alpha", json_string("x"));
    strbuf sb;
    sb_init(&sb, 0);
    jw_json(&sb, o);
    assert_string_equal(sb_str(&sb), "{\"zeta\":1,\"alpha\":\"x\"}");
    sb_free(&sb);
    /* A capped buffer fails, flagged, instead of writing half a document. */
    sb_init(&sb, 8);
    jw_json(&sb, o);
    assert_true(sb.failed);
    sb_free(&sb);
    json_decref(o);
}

static void test_fts_query(void **state)
{
    char q[512];
    assert_true(fts_query_build("张伟", q, sizeof q));
    assert_string_equal(q, "\"张伟\"");
    assert_true(fts_query_build("grace hop", q, sizeof q));
    assert_string_equal(q, "\"grace\"* AND \"hop\"*");
    assert_true(fts_query_build("+86 138-0013-8000", q, sizeof q));
    assert_string_equal(q, "{emails phones external_id website} : \"13800138000\"*");
    assert_true(fts_query_build("a\"b", q, sizeof q));
    assert_string_equal(q, "\"a\"\"b\"*");
    assert_false(fts_query_build("  --  ", q, sizeof q));
    assert_false(fts_query_build("\xff", q, sizeof q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_roundtrip), cmocka_unit_test(test_time_rejects), cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_utf8), cmocka_unit_test(test_email), cmocka_unit_test(test_phone),
        cmocka_unit_test(test_strbuf_cap), cmocka_unit_test(test_strbuf_html), cmocka_unit_test(test_jsonw),
        cmocka_unit_test(test_strbuf_fast_path_cap), cmocka_unit_test(test_jsonw_counted), cmocka_unit_test(test_fts_query),
        cmocka_unit_test(test_jw_json_matches_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
