/* collate: name sort keys in the order a Chinese reader expects.
 *
 * SQLite compares text byte by byte, which puts Chinese names in code-point
 * order (阿 U+963F after 张 U+5F20). ICU's "zh" collator orders Han
 * characters by their pinyin (阿 ā, 安 ān, 李 lǐ, 王 wáng, 张 zhāng, 赵
 * zhào) and Latin letters by the same alphabet, so "Alice" sits among the
 * a- names and "Zoe" among the z- names. A sort key (ucol_getSortKey) is a
 * byte string whose memcmp order is the collator's order, so it can live in
 * a BLOB column with an ordinary index and keyset pagination over it.
 *
 * The keys reach SQL as the deterministic function collation_key(text),
 * registered on every connection (db_open); triggers of migration 005 keep
 * party.name_key equal to collation_key(name) on every write path. Each
 * connection owns its own collator (connections are used by one thread at a
 * time), freed with the function when the connection closes.
 *
 * A key is only comparable with keys of the same collator version: another
 * ICU (a distribution upgrade) may order some characters differently. The
 * version the stored keys were made with is kept in the setting
 * `collation.name_key`; opening the database with a different one remakes
 * every key (collate_check). */
#include "db/collate.h"
#include "db/db_sqlite.h"
#include "lib/log.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucol.h>
#include <unicode/ustring.h>

struct collator { UCollator *u; };

collator *collator_open(void)
{
    UErrorCode st = U_ZERO_ERROR;
    UCollator *u = ucol_open("zh", &st);
    if (U_FAILURE(st) || !u) return NULL;
    collator *c = malloc(sizeof *c);
    if (!c) { ucol_close(u); return NULL; }
    c->u = u;
    return c;
}

void collator_close(collator *c)
{
    if (!c) return;
    ucol_close(c->u);
    free(c);
}

/* Names are at most a few hundred characters; longer text (any TEXT a
 * caller passes) goes through a heap buffer. */
#define STACK_UNITS 512

size_t collator_key(collator *c, const char *z, int n, uint8_t *out, size_t cap)
{
    if (!c || !z || n < 0) return 0;
    UChar stack[STACK_UNITS], *w = stack;
    int32_t wlen = 0;
    UErrorCode st = U_ZERO_ERROR;
    /* Invalid UTF-8 becomes U+FFFD rather than an error: the key of any
     * stored text is defined. */
    u_strFromUTF8WithSub(w, STACK_UNITS, &wlen, z, n, 0xFFFD, NULL, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        w = malloc(((size_t)wlen + 1) * sizeof *w);
        if (!w) return 0;
        st = U_ZERO_ERROR;
        u_strFromUTF8WithSub(w, wlen + 1, &wlen, z, n, 0xFFFD, NULL, &st);
    }
    size_t len = 0;
    if (U_SUCCESS(st)) {
        int32_t cap32 = cap > INT32_MAX ? INT32_MAX : (int32_t)cap;
        /* The key ends in a NUL byte that belongs to no comparison; it is
         * left out so keys are plain byte strings. */
        int32_t k = ucol_getSortKey(c->u, w, wlen, out, cap32);
        if (k > 0) len = (size_t)k - 1;
    }
    if (w != stack) free(w);
    return len;
}

static void collation_key_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
    collator *c = sqlite3_user_data(ctx);
    const char *z = (const char *)sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    if (!z) { sqlite3_result_error_nomem(ctx); return; }
    uint8_t stack[1024], *out = stack;
    size_t len = collator_key(c, z, n, out, sizeof stack);
    if (len + 1 > sizeof stack) {
        /* ucol_getSortKey said how long the whole key is: ask again. */
        out = sqlite3_malloc64(len + 1);
        if (!out) { sqlite3_result_error_nomem(ctx); return; }
        len = collator_key(c, z, n, out, len + 1);
    }
    if (len == 0 && n > 0) {
        if (out != stack) sqlite3_free(out);
        sqlite3_result_error(ctx, "collation_key: ICU could not make a sort key", -1);
        return;
    }
    sqlite3_result_blob(ctx, out, (int)len, SQLITE_TRANSIENT);
    if (out != stack) sqlite3_free(out);
}

void collator_version(collator *c, char *out, size_t cap)
{
    UVersionInfo v;
    char s[U_MAX_VERSION_STRING_LENGTH];
    ucol_getVersion(c->u, v);
    u_versionToString(v, s);
    snprintf(out, cap, "icu-zh-%s", s);
}

static void collator_destroy(void *p) { collator_close(p); }

int collate_check(db *conn, char *err, size_t errlen)
{
    /* Before migration 005 there are no keys to check. */
    db_stmt *s = db_prepare_once(conn, "SELECT 1 FROM pragma_table_info('party') WHERE name = 'name_key'");
    bool has_keys = s && db_step(s) == DB_ROW;
    db_done(s);
    if (!has_keys) return 0;
    collator *c = collator_open();
    if (!c) { snprintf(err, errlen, "ICU cannot open the zh collator"); return -1; }
    char want[64], have[64] = "";
    collator_version(c, want, sizeof want);
    collator_close(c);
    s = db_prepare_once(conn, "SELECT value FROM setting WHERE key = 'collation.name_key'");
    if (s && db_step(s) == DB_ROW && db_column_text(s, 0)) snprintf(have, sizeof have, "%s", db_column_text(s, 0));
    db_done(s);
    if (!strcmp(have, want)) return 0;
    /* No version recorded: the keys were made by migration 005 with this
     * collator (nothing else writes them), so recording it is enough. */
    if (db_begin_write(conn) != 0) goto fail;
    if (have[0]) {
        log_info("name sort keys: collator %s, keys made with %s: remaking them", want, have);
        if (db_exec(conn, "UPDATE party SET name_key = collation_key(name)") != 0) goto fail_tx;
    }
    s = db_prepare_once(conn, "INSERT INTO setting(key, value) VALUES ('collation.name_key', ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    if (!s) goto fail_tx;
    db_bind_text(s, 1, want);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE || db_commit(conn) != 0) goto fail_tx;
    return 0;
fail_tx:
    snprintf(err, errlen, "name sort keys: %s", db_errmsg(conn));
    db_rollback(conn);
    return -1;
fail:
    snprintf(err, errlen, "name sort keys: %s", db_errmsg(conn));
    return -1;
}

int collate_register(db *conn)
{
    collator *c = collator_open();
    if (!c) return -1;
    /* SQLITE_DETERMINISTIC: the same text always gives the same key (with
     * one ICU version; see collator_version), so SQLite may evaluate a
     * constant argument once per statement. Destroyed with the connection. */
    return sqlite3_create_function_v2(db_sqlite_handle(conn), "collation_key", 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, c,
                                      collation_key_fn, NULL, NULL, collator_destroy) == SQLITE_OK ? 0 : -1;
}
