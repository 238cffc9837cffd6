/* cmd_copy: rapport copy --from SRC --to DST — moves a database to another
 * (data/rapport.db to postgres://…): the target gets the schema (its
 * migrations), every table's rows (src/db/copy.c), its identity sequences
 * moved past the copied ids, and the search index written again by the
 * target's engine. Each table is verified by row count and checksum; the
 * command prints them and fails when any differs. Run again after a stop,
 * it keeps the rows already copied and copies the rest. */
#include "api/api.h"
#include "cli/cli.h"
#include "db/copy.h"
#include "db/db.h"
#include "lib/textcheck.h"
#include "lib/strbuf.h"
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tables { char names[128][64]; int n; };

static int collect(void *arg, const char *table)
{
    struct tables *t = arg;
    if (t->n < 128 && strlen(table) < 64) snprintf(t->names[t->n++], 64, "%s", table);
    return 0;
}

/* Not copied as rows: the schema's own bookkeeping, and the search index,
 * whose storage is each engine's own (written again below). */
static bool skipped(const char *table)
{
    return !strcmp(table, "schema_version") || !strncmp(table, "party_fts", 9);
}

static void words_of(const char *json, strbuf *out, bool phones)
{
    json_t *a = json ? json_loads(json, 0, NULL) : NULL;
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) {
        const char *v = json_string_value(x);
        if (!v) continue;
        sb_printf(out, "%s%s", out->len ? " " : "", v);
        char digits[32];
        if (phones && phone_normalize(v, digits, sizeof digits)) sb_printf(out, " %s", digits);
    }
    json_decref(a);
}

static const char *const search_columns[] = {"name", "emails", "phones", "external_id", "website", "title", "industry",
                                             "city", "country", "needs", "characteristics", "notes", "tags", NULL};

/* The search index of every party not deleted, as party_reindex writes it. */
static int reindex(db *dst, long *count)
{
    *count = 0;
    if (db_begin_write(dst) != 0) return -1;
    db_stmt *s = db_prepare_once(dst, "SELECT id, name, emails, phones, external_id, website, title, industry, city,"
                                      " country, needs, characteristics, notes, tags FROM party WHERE deleted_at IS NULL");
    if (!s) { db_rollback(dst); return -1; }
    /* all rows are read before the first write (a PostgreSQL result is whole) */
    struct row { int64_t id; char *v[13]; } *rows = NULL;
    size_t n = 0, cap = 0;
    while (db_step(s) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            struct row *r = realloc(rows, cap * sizeof *rows);
            if (!r) break;
            rows = r;
        }
        rows[n].id = db_column_int64(s, 0);
        for (int i = 0; i < 13; i++) {
            const char *v = db_column_text(s, i + 1);
            strbuf b;
            sb_init(&b, 0);
            if (i == 1 || i == 2 || i == 12) words_of(v, &b, i == 2);
            else if (v) sb_puts(&b, v);
            sb_str(&b);
            rows[n].v[i] = sb_take(&b);
        }
        n++;
    }
    db_done(s);
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        if (!rc && db_search_remove(dst, "party_fts", search_columns, rows[k].id) != 0) rc = -1;
        if (!rc && db_search_add(dst, "party_fts", search_columns, rows[k].id, (const char *const *)rows[k].v) != 0) rc = -1;
        for (int i = 0; i < 13; i++) free(rows[k].v[i]);
    }
    free(rows);
    if (rc || db_commit(dst) != 0) { db_rollback(dst); return -1; }
    *count = (long)n;
    return 0;
}

int cmd_copy(int argc, char **argv)
{
    const char *from = opt_value(argc, argv, "--from"), *to = opt_value(argc, argv, "--to");
    const char *batch_s = opt_value(argc, argv, "--batch");
    const char *extra = cli_leftover(argc, argv, 1);
    if (!from || !to || extra) {
        fprintf(stderr, "usage: rapport copy --from SRC --to DST [--batch N]\n");
        return 2;
    }
    int batch = batch_s ? atoi(batch_s) : 2000;
    if (batch < 1) batch = 2000;
    char err[1024] = "";
    db *src = db_open_readonly(from, err, sizeof err);
    if (!src) { fprintf(stderr, "rapport copy: %s\n", err); return 1; }
    db *dst = db_open(to, true, err, sizeof err);
    if (!dst || db_migrate(dst, err, sizeof err) != 0) {
        fprintf(stderr, "rapport copy: %s\n", err[0] ? err : "cannot open the target");
        db_close(src);
        db_close(dst);
        return 1;
    }
    if (db_schema_version(src) != db_schema_version(dst)) {
        fprintf(stderr, "rapport copy: the source has schema %d, this rapport %d: run `rapport migrate --db %s` first\n",
                db_schema_version(src), db_schema_version(dst), from);
        db_close(src);
        db_close(dst);
        return 1;
    }
    struct tables t = {.n = 0};
    db_tables(src, collect, &t);
    int bad = copy_start(dst) != 0;
    if (bad) fprintf(stderr, "rapport copy: cannot turn the target's checks off for the copy: %s\n", db_errmsg(dst));
    for (int i = 0; i < t.n && !bad; i++) {
        if (skipped(t.names[i])) continue;
        struct copy_table_result r;
        if (copy_table(src, dst, t.names[i], batch, &r, err, sizeof err) != 0) {
            fprintf(stderr, "rapport copy: %s\n", err);
            bad = 1;
            break;
        }
        if (r.has_id && copy_fix_identity(dst, t.names[i]) != 0) {
            fprintf(stderr, "rapport copy: %s: cannot move its id sequence: %s\n", t.names[i], db_errmsg(dst));
            bad = 1;
        }
        bool same = r.src_rows == r.dst_rows && r.src_sum == r.dst_sum;
        printf("%-20s %8" PRId64 " rows (%" PRId64 " copied now)  checksum %016" PRIx64 " %s\n", t.names[i], r.dst_rows,
               r.copied, r.dst_sum, same ? "ok" : "DIFFERS");
        if (!same) {
            fprintf(stderr, "rapport copy: %s differs: source %" PRId64 " rows %016" PRIx64 ", target %" PRId64 " rows %016" PRIx64 "\n",
                    t.names[i], r.src_rows, r.src_sum, r.dst_rows, r.dst_sum);
            bad = 1;
        }
    }
    if (!bad && copy_finish(dst) != 0) {
        fprintf(stderr, "rapport copy: %s\n", db_errmsg(dst));
        bad = 1;
    }
    long indexed = 0;
    if (!bad && reindex(dst, &indexed) != 0) {
        fprintf(stderr, "rapport copy: the search index: %s\n", db_errmsg(dst));
        bad = 1;
    }
    if (!bad) printf("search index: %ld parties\ncopied %s to %s\n", indexed, from, to);
    db_close(src);
    db_close(dst);
    copy_release();
    return bad;
}
