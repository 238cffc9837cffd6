/* cmd_db_console: `rapport db`, the operator's console on the database
 * through the storage driver (db.h), whatever the engine behind it:
 *
 *   rapport db query SQL [PARAM…] [--json]   read-only: prints the rows
 *   rapport db exec SQL [PARAM…]             changes the database
 *   rapport db check                         integrity check ("ok")
 *   rapport db dump                          every table's rows (digests)
 *   rapport db checkpoint                    empty the write-ahead log;
 *                                            prints busy, log and copied pages
 *
 * PARAMs are bound, as text, to the statement's ? in order. query's
 * connection cannot write (a mistyped UPDATE is refused). Rows print one a
 * line, columns separated by a tab, NULL as nothing, a tab, newline or
 * carriage return inside a value as \t, \n, \r and binary values as \x
 * followed by hex (PostgreSQL's bytea form); --json prints each row as a
 * JSON array instead (numbers, strings, null), exact for any value.
 * The test suites read stored state through this command, never with an
 * engine's own tool, so they can run against any database the driver
 * supports. */
#include "cli/cli.h"
#include "db/db.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void print_hex(strbuf *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    sb_puts(out, "\\x");
    for (size_t i = 0; i < n; i++) {
        char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        sb_append(out, two, 2);
    }
}

/* Appends row's columns to out as a TSV line or a JSON array. */
static void print_row(db_stmt *s, bool as_json, strbuf *out)
{
    int n = db_column_count(s);
    if (as_json) sb_puts(out, "[");
    for (int i = 0; i < n; i++) {
        if (i) sb_puts(out, as_json ? "," : "\t");
        int type = db_column_type(s, i);
        if (type == DB_NULL) { if (as_json) sb_puts(out, "null"); continue; }
        if (type == DB_INTEGER) { sb_printf(out, "%lld", (long long)db_column_int64(s, i)); continue; }
        if (type == DB_FLOAT) { sb_printf(out, "%.17g", db_column_double(s, i)); continue; }
        if (type == DB_BLOB) {
            size_t len;
            const unsigned char *p = db_column_blob(s, i, &len);
            if (as_json) sb_puts(out, "\"\\");   /* "\\x…": a JSON string holding \x… */
            print_hex(out, p, len);
            if (as_json) sb_puts(out, "\"");
            continue;
        }
        size_t len;
        const char *t = db_column_bytes(s, i, &len);
        if (as_json) {
            json_t *str = json_stringn(t, len);
            char *enc = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
            sb_puts(out, enc ? enc : "null");
            free(enc);
            json_decref(str);
            continue;
        }
        for (size_t k = 0; k < len; k++) {
            char c = t[k];
            if (c == '\t') sb_puts(out, "\\t");
            else if (c == '\n') sb_puts(out, "\\n");
            else if (c == '\r') sb_puts(out, "\\r");
            else sb_append(out, &c, 1);
        }
    }
    sb_puts(out, as_json ? "]\n" : "\n");
}

/* Prepares sql on c and binds the n params; prints why not and returns
 * NULL when it cannot. */
static db_stmt *prepare_bound(db *c, const char *sql, const char *const *params, int n)
{
    db_stmt *s = db_prepare_once(c, sql);
    if (!s) { fprintf(stderr, "rapport db: %s\n", db_errmsg(c)); return NULL; }
    if (db_bind_count(s) != n) {
        fprintf(stderr, "rapport db: the statement has %d parameters, %d given\n", db_bind_count(s), n);
        db_done(s);
        return NULL;
    }
    for (int i = 0; i < n; i++) db_bind_text(s, i + 1, params[i]);
    return s;
}

/* Steps s to the end, printing its rows; 0 or 1 (error printed). */
static int run_printing(db *c, db_stmt *s, bool as_json)
{
    strbuf out;
    sb_init(&out, 0);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        print_row(s, as_json, &out);
        if (out.len > 1 << 16) { fwrite(out.data, 1, out.len, stdout); sb_reset(&out); }
    }
    if (out.len) fwrite(out.data, 1, out.len, stdout);
    bool failed = out.failed;
    sb_free(&out);
    if (rc != DB_DONE) { fprintf(stderr, "rapport db: %s\n", db_errmsg(c)); return 1; }
    if (failed) { fprintf(stderr, "rapport db: out of memory\n"); return 1; }
    return 0;
}

struct dump_ctx { db *c; strbuf out; int rc; };

static int dump_table(void *arg, const char *table)
{
    struct dump_ctx *d = arg;
    db_stmt *s = db_prepare_table_scan(d->c, table);
    if (!s) { fprintf(stderr, "rapport db dump: %s: %s\n", table, db_errmsg(d->c)); return d->rc = 1; }
    printf("-- %s\n", table);
    int rc = run_printing(d->c, s, true);
    db_done(s);
    return d->rc = rc;
}

int cmd_db(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    bool as_json = opt_flag(argc, argv, "--json");
    const char *sub = cli_positional(argc, argv, 0);
    const char *usage = "usage: rapport db query SQL [PARAM...] [--json] | exec SQL [PARAM...] | check | dump | checkpoint   [--db PATH]\n";
    if (!sub) { fputs(usage, stderr); return 2; }
    bool query = !strcmp(sub, "query"), exec = !strcmp(sub, "exec");
    bool checkpoint = !strcmp(sub, "checkpoint");
    if (!query && !exec && !checkpoint && strcmp(sub, "check") && strcmp(sub, "dump")) { fputs(usage, stderr); return 2; }
    const char *sql = (query || exec) ? cli_positional(argc, argv, 1) : NULL;
    if ((query || exec) && !sql) { fputs(usage, stderr); return 2; }
    const char *params[64];
    int nparams = 0;
    for (const char *p; (query || exec) && (p = cli_positional(argc, argv, 2 + nparams)) != NULL;) {
        if (nparams == 64) { fprintf(stderr, "rapport db: at most 64 parameters\n"); return 2; }
        params[nparams++] = p;
    }
    if (!query && !exec && cli_positional(argc, argv, 1)) { fputs(usage, stderr); return 2; }

    char err[512] = "";
    /* Only exec may change anything: every other form reads through a
     * connection that refuses writes. */
    db *c = exec || checkpoint ? db_open(path, false, err, sizeof err) : db_open_readonly(path, err, sizeof err);
    if (!c) { fprintf(stderr, "rapport db: %s\n", err[0] ? err : "cannot open the database"); return 1; }
    int rc = 1;
    if (!strcmp(sub, "check")) {
        char report[4096];
        int ck = db_integrity_check(c, report, sizeof report);
        if (ck < 0) fprintf(stderr, "rapport db check: %s\n", db_errmsg(c));
        else printf("%s\n", report);
        rc = ck == 0 ? 0 : 1;
    } else if (checkpoint) {
        int busy, log_pages, copied;
        rc = db_wal_truncate(c, &busy, &log_pages, &copied) == 0 ? 0 : 1;
        if (rc) fprintf(stderr, "rapport db checkpoint: %s\n", db_errmsg(c));
        else printf("%d\t%d\t%d\n", busy, log_pages, copied);
    } else if (!strcmp(sub, "dump")) {
        struct dump_ctx d = {c, {0}, 0};
        rc = db_tables(c, dump_table, &d) < 0 ? 1 : d.rc;
    } else if (exec && nparams == 0) {
        /* Without parameters exec takes a script (several statements). */
        rc = db_exec(c, sql) == 0 ? 0 : 1;
        if (rc) fprintf(stderr, "rapport db exec: %s\n", db_errmsg(c));
    } else {
        db_stmt *s = prepare_bound(c, sql, params, nparams);
        if (s) {
            rc = run_printing(c, s, as_json);
            db_done(s);
        }
    }
    db_close(c);
    return rc;
}
