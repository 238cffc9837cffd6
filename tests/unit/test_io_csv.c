/*
 * test_io_csv.c — the streaming CSV reader (RFC 4180 quoting, delimiters,
 * whitespace runs, BOM, GB18030, gzip, caps and error messages naming line
 * and column) and the cell conversions of imports (amounts, dates) and
 * exports (formula escaping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "domain/import_values.h"
#include "io/csv.h"
#include "io/out.h"

static char g_path[64];

static const char *write_file(const void *data, size_t n)
{
    snprintf(g_path, sizeof g_path, "/tmp/test-io-csv-XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    return g_path;
}

static csv_reader *open_text(const char *text, struct csv_opts o)
{
    char err[300] = "";
    csv_reader *r = csv_open(write_file(text, strlen(text)), &o, err, sizeof err);
    if (!r) fprintf(stderr, "open: %s\n", err);
    assert_non_null(r);
    return r;
}

static void done(csv_reader *r)
{
    csv_close(r);
    unlink(g_path);
}

static void test_quoting(void **state)
{
    (void)state;
    struct csv_opts o = {0};
    csv_reader *r = open_text("a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"two\nlines\"\r\n\n1,,3\n4,5,", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_nfields(r), 3);
    assert_string_equal(csv_field(r, 2), "c");
    assert_int_equal(csv_next(r), 1);
    assert_string_equal(csv_field(r, 0), "x, y");
    assert_string_equal(csv_field(r, 1), "he said \"hi\"");
    assert_string_equal(csv_field(r, 2), "two\nlines");
    assert_int_equal(csv_line(r), 2);
    assert_int_equal(csv_next(r), 1);       /* the blank line is skipped */
    assert_int_equal(csv_line(r), 5);
    assert_int_equal(csv_nfields(r), 3);
    assert_string_equal(csv_field(r, 1), "");
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_nfields(r), 3);     /* trailing empty field */
    assert_int_equal(csv_next(r), 0);
    done(r);
}

static void test_delimiters(void **state)
{
    (void)state;
    struct csv_opts o = {0};
    csv_reader *r = open_text("\xEF\xBB\xBFname;city\n张伟;北京\n", o);   /* BOM, ';' detected */
    assert_int_equal(csv_delimiter(r), ';');
    assert_int_equal(csv_next(r), 1);
    assert_string_equal(csv_field(r, 0), "name");
    assert_int_equal(csv_next(r), 1);
    assert_string_equal(csv_field(r, 1), "北京");
    done(r);
    o.mode = CSV_WHITESPACE;
    r = open_text(" 00001 19970101  1   11.77\r\n  00002\t19970112 1 12.00   \n\n", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_nfields(r), 4);
    assert_string_equal(csv_field(r, 0), "00001");
    assert_string_equal(csv_field(r, 3), "11.77");
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_nfields(r), 4);
    assert_string_equal(csv_field(r, 3), "12.00");
    assert_int_equal(csv_next(r), 0);
    done(r);
    o = (struct csv_opts){.delimiter = '\t'};
    r = open_text("a\tb,c\n", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_nfields(r), 2);
    assert_string_equal(csv_field(r, 1), "b,c");
    done(r);
}

static void test_gb18030(void **state)
{
    (void)state;
    /* "name,city\n张伟,北京\n" in GB18030 */
    const char gb[] = "name,city\n\xD5\xC5\xCE\xB0,\xB1\xB1\xBE\xA9\n";
    struct csv_opts o = {0};
    char err[300];
    csv_reader *r = csv_open(write_file(gb, sizeof gb - 1), &o, err, sizeof err);
    assert_non_null(r);
    assert_string_equal(csv_encoding_name(r), "gb18030");
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_next(r), 1);
    assert_string_equal(csv_field(r, 0), "张伟");
    assert_string_equal(csv_field(r, 1), "北京");
    done(r);
    /* Forced UTF-8: a clear error naming line and column. */
    o.encoding = CSV_ENC_UTF8;
    r = csv_open(write_file(gb, sizeof gb - 1), &o, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_next(r), -1);
    assert_non_null(strstr(csv_error(r), "line 2, column 1"));
    assert_non_null(strstr(csv_error(r), "gb18030"));
    done(r);
}

static void test_errors(void **state)
{
    (void)state;
    struct csv_opts o = {0};
    csv_reader *r = open_text("a,b\n1,\"open\n2,3\n", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_next(r), -1);
    assert_non_null(strstr(csv_error(r), "line 2, column 2"));
    assert_non_null(strstr(csv_error(r), "never closed"));
    done(r);
    r = open_text("a,b\n\"x\"y,2\n", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_next(r), -1);
    assert_non_null(strstr(csv_error(r), "line 2, column 1"));
    done(r);
    o.max_field = 8;
    r = open_text("a,b\n1,123456789012\n", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_next(r), -1);
    assert_non_null(strstr(csv_error(r), "line 2, column 2"));
    done(r);
    o = (struct csv_opts){.max_file = 10};
    char err[300];
    assert_null(csv_open(write_file("a,b\n1,2\n3,4\n", 12), &o, err, sizeof err));
    assert_non_null(strstr(err, "larger than"));
    unlink(g_path);
    /* The decompressed size is capped too (a plain file is its own data):
     * within the first 64 KiB, which csv_open reads, ... */
    o = (struct csv_opts){.max_data = 10};
    assert_null(csv_open(write_file("a,b\n1,2\n3,4\n", 12), &o, err, sizeof err));
    assert_non_null(strstr(err, "line 1: the file's data is larger than the cap of 10 bytes once decompressed"));
    unlink(g_path);
    /* ... and later, at the record where the cap is passed. */
    size_t n = 200000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i += 10) memcpy(big + i, "abcdefghi\n", 10);
    big[n] = '\0';
    o = (struct csv_opts){.max_data = 100000};
    r = open_text(big, o);
    int rc, records = 0;
    while ((rc = csv_next(r)) == 1) records++;
    assert_int_equal(rc, -1);
    assert_true(records > 6000 && records < 10000);
    assert_non_null(strstr(csv_error(r), "larger than the cap of 100000 bytes once decompressed"));
    done(r);
    free(big);
    o = (struct csv_opts){0};
    r = open_text("a\n\x01x\n", o);
    assert_int_equal(csv_next(r), 1);
    assert_int_equal(csv_next(r), -1);
    done(r);
}

static void test_gzip_and_lines(void **state)
{
    (void)state;
    char path[] = "/tmp/test-io-gz-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gzFile gz = gzopen(path, "wb");
    for (int i = 0; i < 20000; i++) gzprintf(gz, "%d,\"row %d\"\n", i, i);
    gzclose(gz);
    struct csv_opts o = {0};
    char err[300];
    csv_reader *r = csv_open(path, &o, err, sizeof err);
    assert_non_null(r);
    int n = 0;
    while (csv_next(r) == 1) {
        char want[32];
        snprintf(want, sizeof want, "row %d", n);
        assert_string_equal(csv_field(r, 1), want);
        n++;
    }
    assert_int_equal(n, 20000);
    csv_close(r);
    unlink(path);
    o.mode = CSV_LINES;
    r = open_text("{\"a\": \"x,y\"}\r\n\n  {\"b\":1}  \n", o);
    assert_int_equal(csv_next(r), 1);
    assert_string_equal(csv_field(r, 0), "{\"a\": \"x,y\"}");
    assert_int_equal(csv_next(r), 1);
    assert_string_equal(csv_field(r, 0), "{\"b\":1}");
    assert_int_equal(csv_next(r), 0);
    done(r);
}

static void test_values(void **state)
{
    (void)state;
    int64_t v, t;
    char cur[4];
    assert_int_equal(parse_amount_micro("£1,234.56", &v, cur), 0);
    assert_int_equal(v, 1234560000);
    assert_string_equal(cur, "GBP");
    assert_int_equal(parse_amount_micro("(12.5) USD", &v, cur), 0);
    assert_int_equal(v, -12500000);
    assert_string_equal(cur, "USD");
    assert_int_equal(parse_amount_micro("-0.001", &v, cur), 0);
    assert_int_equal(v, -1000);
    assert_int_equal(parse_amount_micro("12.5元", &v, cur), 0);
    assert_string_equal(cur, "CNY");
    assert_int_equal(parse_amount_micro("abc", &v, cur), -1);
    assert_int_equal(parse_amount_micro("1,23", &v, cur), -1);
    assert_int_equal(parse_amount_micro("99999999999999999999", &v, cur), -1);   /* out of range, not overflow */
    assert_int_equal(parse_amount_micro("90,000,000,000,000.5", &v, cur), -1);
    assert_int_equal(micro_to_minor(2550000, "GBP"), 255);
    assert_int_equal(micro_to_minor(-1005000, "GBP"), -101);
    assert_int_equal(micro_to_minor(1500000, "JPY"), 2);
    char text[32];
    minor_to_text(-5, "GBP", text, sizeof text);
    assert_string_equal(text, "-0.05");
    minor_to_text(123456, "CNY", text, sizeof text);
    assert_string_equal(text, "1234.56");
    assert_int_equal(parse_when("2010-12-01 08:26:00", NULL, &t), 0);
    assert_int_equal(t, 1291191960);
    assert_int_equal(parse_when("19970101", NULL, &t), 0);
    assert_int_equal(t, 852076800);
    assert_int_equal(parse_when("2026年1月31日", NULL, &t), 0);
    assert_int_equal(parse_when("31/01/2026", "%d/%m/%Y", &t), 0);
    assert_int_equal(parse_when("31/02/2026", "%d/%m/%Y", &t), -1);
    assert_int_equal(parse_when("12/31/2026 3:04 PM", "%m/%d/%Y %H:%M %p", &t), 0);
    assert_int_equal(parse_when("yesterday", NULL, &t), -1);
    assert_true(cell_needs_escape("=HYPERLINK(\"x\")"));
    assert_true(cell_needs_escape("@SUM(A1)"));
    assert_true(cell_needs_escape("+cmd"));
    assert_true(cell_needs_escape("\tx"));
    assert_false(cell_needs_escape("-12.50"));
    assert_false(cell_needs_escape("plain"));
    assert_false(cell_needs_escape(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_gb18030),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_gzip_and_lines),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
