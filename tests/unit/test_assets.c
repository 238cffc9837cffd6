/* Unit tests of src/http/assets.c: reading Accept-Encoding and If-None-Match
 * as RFC 9110 says, and the choice of representation for an embedded asset
 * (gzip or identity, 200 or 304, the ETag of what is sent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <zlib.h>
#include "http/assets.h"

static void test_accept_encoding(void **state)
{
    const char *yes[] = {"gzip", "GZip", "x-gzip", "deflate, gzip", "gzip;q=1.0", "gzip; q=0.5", "gzip;q=0.001",
                         "*", "*;q=0.1", "br, *", "identity, gzip;Q=0.3", " gzip ", "gzip,"};
    const char *no[] = {"", "identity", "br", "deflate, br", "gzip;q=0", "gzip;q=0.0", "gzip; q=0.000", "*;q=0",
                        "gzip;q=0, *", "gzipx", "xgzip", "gzi", ",", ";q=1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) assert_true(asset_accepts_gzip(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) assert_false(asset_accepts_gzip(no[i]));
    assert_false(asset_accepts_gzip(NULL));
}

static void test_if_none_match(void **state)
{
    const char *etag = "\"0123456789abcdef-1f\"";
    assert_true(asset_etag_matches("\"0123456789abcdef-1f\"", etag));
    assert_true(asset_etag_matches("W/\"0123456789abcdef-1f\"", etag));
    assert_true(asset_etag_matches("\"x\", \"0123456789abcdef-1f\"", etag));
    assert_true(asset_etag_matches("\"a,b\",\"0123456789abcdef-1f\"", etag));   /* a comma inside a tag */
    assert_true(asset_etag_matches("*", etag));
    assert_false(asset_etag_matches("\"0123456789abcdef-1f-gz\"", etag));
    assert_false(asset_etag_matches("\"0123456789abcdef-1\"", etag));
    assert_false(asset_etag_matches("0123456789abcdef-1f", etag));              /* not quoted */
    assert_false(asset_etag_matches("\"0123456789abcdef-1f", etag));            /* unterminated */
    assert_false(asset_etag_matches("", etag));
    assert_false(asset_etag_matches(NULL, etag));
    assert_false(asset_etag_matches("*", NULL));
}

static void test_choose(void **state)
{
    const struct asset *a = asset_find("/js/main.js");
    assert_non_null(a);
    assert_non_null(a->meta);
    assert_non_null(a->meta->gz);
    struct asset_choice c;
    asset_choose(a, NULL, NULL, &c);
    assert_int_equal(c.status, 200);
    assert_false(c.gzip);
    assert_true(c.varies);
    assert_ptr_equal(c.body, a->data);
    assert_int_equal(c.body_len, (size_t)a->size);
    assert_string_equal(c.etag, a->meta->etag);
    assert_string_equal(c.cache_control, "no-cache");

    asset_choose(a, "gzip, br", NULL, &c);
    assert_int_equal(c.status, 200);
    assert_true(c.gzip);
    assert_string_equal(c.etag, a->meta->gz_etag);
    /* The gzip bytes are the file. */
    static unsigned char out[1 << 20];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)c.body;
    z.avail_in = (unsigned)c.body_len;
    z.next_out = out;
    z.avail_out = sizeof out;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, (unsigned long)a->size);
    assert_memory_equal(out, a->data, (size_t)a->size);
    inflateEnd(&z);

    asset_choose(a, "gzip", a->meta->gz_etag, &c);
    assert_int_equal(c.status, 304);
    assert_null(c.body);
    assert_int_equal(c.body_len, 0);
    asset_choose(a, NULL, a->meta->gz_etag, &c);      /* the other representation's tag */
    assert_int_equal(c.status, 200);
    asset_choose(a, NULL, a->meta->etag, &c);
    assert_int_equal(c.status, 304);

    /* Every asset has a distinct ETag; a compressed representation is smaller. */
    for (const struct asset *x = asset_table; x->path; x++) {
        assert_non_null(x->meta);
        if (x->meta->gz) assert_true(x->meta->gz_size < (size_t)x->size);
        for (const struct asset *y = x + 1; y->path; y++)
            if (x->size != y->size || memcmp(x->data, y->data, (size_t)x->size)) assert_string_not_equal(x->meta->etag, y->meta->etag);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_encoding), cmocka_unit_test(test_if_none_match), cmocka_unit_test(test_choose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
