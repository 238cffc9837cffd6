/* bench_import: the import engine against a plain SQLite prepared-insert
 * loop writing the same rows into the same tables, in the same run.
 *
 * usage: bench_import EMPTY_A.db EMPTY_B.db FILE KIND MAP [NULL] [CURRENCY] [DELIM]
 *   A: `rapport import` of FILE (the engine: read, convert, validate, dedupe,
 *      write party/party_fts/txn/import_item/audit in batches).
 *   B: the peer: the rows the import wrote (party, party_fts, txn), read
 *      back into memory first, inserted with prepared statements in one
 *      transaction — no parsing, no validation, no lookups.
 * Prints rows/s of both over the file's rows and the ratio. */
#include "db/db.h"
#include "db/db_sqlite.h"
#include "db/writer.h"
#include "domain/import.h"
#include "http/auth.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The columns of the search index (migration 008: one per party field). */
#define FTS_COLS "name, emails, phones, external_id, website, title, industry, city, country, needs, characteristics, notes, tags"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct row { int ncols; char **v; int *type; };
struct table { const char *name; int nrows, cap, ncols; struct row *rows; };

static void load(sqlite3 *h, const char *sql, struct table *t)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite3_errmsg(h)); exit(1); }
    t->ncols = sqlite3_column_count(s);
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (t->nrows == t->cap) { t->cap = t->cap ? t->cap * 2 : 1024; t->rows = realloc(t->rows, sizeof *t->rows * (size_t)t->cap); }
        struct row *r = &t->rows[t->nrows++];
        r->ncols = t->ncols;
        r->v = calloc((size_t)t->ncols, sizeof *r->v);
        r->type = calloc((size_t)t->ncols, sizeof *r->type);
        for (int i = 0; i < t->ncols; i++) {
            r->type[i] = sqlite3_column_type(s, i);
            const unsigned char *x = sqlite3_column_text(s, i);
            r->v[i] = x ? strdup((const char *)x) : NULL;
        }
    }
    sqlite3_finalize(s);
}

static void insert_all(sqlite3 *h, const char *sql, const struct table *t)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite3_errmsg(h)); exit(1); }
    for (int k = 0; k < t->nrows; k++) {
        const struct row *r = &t->rows[k];
        for (int i = 0; i < r->ncols; i++) {
            if (!r->v[i]) sqlite3_bind_null(s, i + 1);
            else if (r->type[i] == SQLITE_INTEGER) sqlite3_bind_int64(s, i + 1, strtoll(r->v[i], NULL, 10));
            else sqlite3_bind_text(s, i + 1, r->v[i], -1, SQLITE_STATIC);
        }
        if (sqlite3_step(s) != SQLITE_DONE) { fprintf(stderr, "peer insert: %s\n", sqlite3_errmsg(h)); exit(1); }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
}

int main(int argc, char **argv)
{
    if (argc < 6) { fprintf(stderr, "usage: bench_import A.db B.db FILE KIND MAP [NULL] [CURRENCY] [DELIM]\n"); return 2; }
    const char *a = argv[1], *b = argv[2];
    char err[512];
    if (auth_init() != 0 || db_global_open(a, false, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
    struct import_opts o = {.kind = argv[4], .path = argv[3], .map = argv[5], .on_dup = DUP_UPDATE, .batch_seconds = 2.0};
    if (argc > 6 && argv[6][0]) o.null_text = argv[6];
    if (argc > 7 && argv[7][0]) o.currency = argv[7];
    if (argc > 8 && !strcmp(argv[8], "whitespace")) o.whitespace = true;
    /* A: the engine. */
    double t0 = now();
    struct import_result res;
    if (import_run(&o, &res) != 0) { fprintf(stderr, "import: %s\n", res.fatal); return 1; }
    double t_import = now() - t0;
    json_decref(res.sample);
    writer_stop();
    db_global_close();
    /* B: the same rows, from memory, through prepared inserts. */
    sqlite3 *ha, *hb;
    db *ca = db_open(a, false, err, sizeof err);
    if (!ca) { fprintf(stderr, "%s\n", err); return 1; }
    ha = db_sqlite_handle(ca);
    struct table party = {.name = "party"}, fts = {.name = "party_fts"}, txn = {.name = "txn"};
    load(ha, "SELECT id, kind, name, roles, external_id, country, owner_id, created_at, updated_at FROM party ORDER BY id", &party);
    load(ha, "SELECT rowid, " FTS_COLS " FROM party_fts ORDER BY rowid", &fts);
    load(ha, "SELECT id, party_id, external_id, occurred_at, amount, currency, items, description, created_at, updated_at FROM txn ORDER BY id", &txn);
    db_close(ca);
    /* Our driver's connection settings (WAL, synchronous=FULL, foreign keys,
     * the search tokenizer), used raw. */
    db *cb = db_open(b, true, err, sizeof err);
    if (!cb) { fprintf(stderr, "%s\n", err); return 1; }
    hb = db_sqlite_handle(cb);
    t0 = now();
    sqlite3_exec(hb, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    insert_all(hb, "INSERT INTO party(id, kind, name, roles, external_id, country, owner_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", &party);
    insert_all(hb, "INSERT INTO party_fts(rowid, " FTS_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", &fts);
    insert_all(hb, "INSERT INTO txn(id, party_id, external_id, occurred_at, amount, currency, items, description, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", &txn);
    if (sqlite3_exec(hb, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) { fprintf(stderr, "peer commit: %s\n", sqlite3_errmsg(hb)); return 1; }
    double t_peer = now() - t0;
    db_close(cb);
    double r_import = res.rows / t_import, r_peer = res.rows / t_peer;
    printf("%s %s: %ld rows -> %d parties, %d transactions\n", o.kind, o.path, res.rows, party.nrows, txn.nrows);
    printf("  import engine      %7.2f s  %9.0f rows/s\n", t_import, r_import);
    printf("  sqlite insert loop %7.2f s  %9.0f rows/s (same rows, prepared, one transaction)\n", t_peer, r_peer);
    printf("  ratio              %6.1f%% of the peer's rows/s\n", 100.0 * r_import / r_peer);
    return 0;
}
