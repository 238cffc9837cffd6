/* fuzz_fts_query: fts_query_build (search text → FTS5 MATCH expression) on
 * arbitrary text and every small output capacity, and the expression it
 * builds run against an FTS5 table with the "rapport" tokenizer: the output
 * always fits its buffer and is always a valid MATCH expression. */
#include "db/db.h"
#include "db/db_sqlite.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static db *g_db;
static sqlite3_stmt *g_match;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256] = "";
    g_db = db_open(":memory:", true, err, sizeof err);
    if (!g_db) { fprintf(stderr, "%s\n", err); abort(); }
    sqlite3 *h = db_sqlite_handle(g_db);
    /* The columns of party_fts (migration 008): the phone query names them. */
    if (sqlite3_exec(h, "CREATE VIRTUAL TABLE f USING fts5(name, emails, phones, external_id, website, title, industry,"
                        " city, country, needs, characteristics, notes, tags, tokenize='rapport');"
                        "INSERT INTO f(name, emails, phones, tags) VALUES ('张伟明 Zhang Weiming', 'zhang@example.com', '13812345678', 'VIP 北京');"
                        "INSERT INTO f(name, phones, notes) VALUES ('O''Brien & Co', '+86 138 1234 5678 13812345678', 'ACME \"quoted\"');",
                     NULL, NULL, NULL) != SQLITE_OK) abort();
    if (sqlite3_prepare_v2(h, "SELECT rowid FROM f WHERE f MATCH ?", -1, &g_match, NULL) != SQLITE_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) return 0;
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = '\0';
    char out[2048];
    if (fts_query_build(q, out, sizeof out)) {
        if (strlen(out) >= sizeof out) abort();
        sqlite3_bind_text(g_match, 1, out, -1, SQLITE_TRANSIENT);
        int rc;
        while ((rc = sqlite3_step(g_match)) == SQLITE_ROW) {}
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "MATCH %s failed: %s\n", out, sqlite3_errmsg(db_sqlite_handle(g_db)));
            abort();
        }
        sqlite3_reset(g_match);
    }
    /* Small capacities must never overflow (canaries after the buffer). */
    for (size_t cap = 1; cap <= 40; cap += 13) {
        char buf[64];
        memset(buf, 0x5a, sizeof buf);
        if (fts_query_build(q, buf, cap) && strlen(buf) >= cap) abort();
        for (size_t i = cap; i < sizeof buf; i++) if ((unsigned char)buf[i] != 0x5a) abort();
    }
    free(q);
    return 0;
}
