/*
 * test_lazylib.c — libraries loaded on first use (src/lib/lazylib.c): a
 * library that is not installed and a symbol it lacks are errors that name
 * them, remembered for later callers; a library that loads fills its table
 * and a second load is free; the real tables resolve every name they list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/lazy_curl.h"
#include "lib/lazy_hpdf.h"
#include "lib/lazy_ical.h"
#include "lib/lazy_lunar.h"
#include "lib/lazy_pq.h"
#include "lib/lazy_xlsxread.h"
#include "lib/lazy_xlsxwriter.h"
#include "lib/lazylib.h"

static int g_resolved;

static int resolve_count(void *h, char *err, size_t errlen)
{
    g_resolved++;
    return lazylib_sym(h, "libz.so.1", "zlibVersion", err, errlen) ? 0 : -1;
}

static int resolve_missing(void *h, char *err, size_t errlen)
{
    return lazylib_sym(h, "libz.so.1", "no_such_function_here", err, errlen) ? 0 : -1;
}

static void missing_library(void **state)
{
    (void)state;
    struct lazylib l = {.soname = "librapport-not-installed.so.9", .what = "a test feature", .resolve = resolve_count};
    char err[256] = "";
    g_resolved = 0;
    assert_int_equal(lazylib_load(&l, err, sizeof err), -1);
    assert_non_null(strstr(err, "a test feature needs librapport-not-installed.so.9"));
    /* the failure is kept: a second call answers the same without trying again */
    err[0] = '\0';
    assert_int_equal(lazylib_load(&l, err, sizeof err), -1);
    assert_non_null(strstr(err, "librapport-not-installed.so.9"));
    assert_int_equal(g_resolved, 0);
}

static void missing_symbol(void **state)
{
    (void)state;
    struct lazylib l = {.soname = "libz.so.1", .what = "a test feature", .resolve = resolve_missing};
    char err[256] = "";
    assert_int_equal(lazylib_load(&l, err, sizeof err), -1);
    assert_string_equal(err, "libz.so.1 has no symbol no_such_function_here");
}

static void loads_once(void **state)
{
    (void)state;
    struct lazylib l = {.soname = "libz.so.1", .what = "a test feature", .resolve = resolve_count};
    char err[256] = "";
    g_resolved = 0;
    assert_int_equal(lazylib_load(&l, err, sizeof err), 0);
    assert_int_equal(lazylib_load(&l, NULL, 0), 0);
    assert_int_equal(g_resolved, 1);
}

/* Every table of the server resolves: a name listed that the installed
 * library lacks (a typo, a soname of another major version) fails here
 * rather than on a customer's first PDF. */
static void real_tables(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(lazy_curl_load(err, sizeof err), 0);
    assert_non_null(lz_curl.curl_easy_init);
    assert_int_equal(lazy_lunar_load(err, sizeof err), 0);
    assert_non_null(lz_lunar.g_free);
    assert_int_equal(lazy_ical_load(err, sizeof err), 0);
    assert_non_null(lz_ical.icalcomponent_vanew);
    assert_int_equal(lazy_hpdf_load(err, sizeof err), 0);
    assert_non_null(lz_hpdf.HPDF_New);
    assert_int_equal(lazy_xlsxwriter_load(err, sizeof err), 0);
    assert_non_null(lz_xlsxwriter.workbook_close);
    assert_int_equal(lazy_xlsxread_load(err, sizeof err), 0);
    assert_non_null(lz_zip.zip_open);
    assert_non_null(lz_expat.XML_ParserCreateNS);
    assert_int_equal(lazy_pq_load(err, sizeof err), 0);
    assert_non_null(lz_pq.PQconnectdb);
    assert_string_equal(err, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_library),
        cmocka_unit_test(missing_symbol),
        cmocka_unit_test(loads_once),
        cmocka_unit_test(real_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
