/* fuzz_fts_tokenizer: the "rapport" FTS5 tokenizer on arbitrary bytes, as
 * document text (insert, then delete) and as query text (fts5 phrase), in an
 * in-memory SQLite database. Every indexed token is 1–256 bytes and the
 * text queried as one phrase is always a valid query. */
#include "db/db.h"
#include "db/db_sqlite.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static db *g_db;
static sqlite3_stmt *g_ins, *g_del, *g_q, *g_vocab;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256] = "";
    g_db = db_open(":memory:", true, err, sizeof err);
    if (!g_db) { fprintf(stderr, "%s\n", err); abort(); }
    sqlite3 *h = db_sqlite_handle(g_db);
    if (sqlite3_exec(h, "CREATE VIRTUAL TABLE f USING fts5(t, tokenize='rapport');"
                        "CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance');", NULL, NULL, NULL) != SQLITE_OK) abort();
    if (sqlite3_prepare_v2(h, "INSERT INTO f(rowid, t) VALUES (1, ?)", -1, &g_ins, NULL) ||
        sqlite3_prepare_v2(h, "DELETE FROM f WHERE rowid = 1", -1, &g_del, NULL) ||
        sqlite3_prepare_v2(h, "SELECT count(*) FROM f WHERE f MATCH ?", -1, &g_q, NULL) ||
        sqlite3_prepare_v2(h, "SELECT term, offset FROM v", -1, &g_vocab, NULL)) abort();
    return 0;
}

static void run(sqlite3_stmt *s)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {}
    if (rc != SQLITE_DONE) { fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db_sqlite_handle(g_db))); abort(); }
    sqlite3_reset(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    sqlite3_bind_text(g_ins, 1, (const char *)data, (int)size, SQLITE_TRANSIENT);
    run(g_ins);
    while (sqlite3_step(g_vocab) == SQLITE_ROW) {
        int len = sqlite3_column_bytes(g_vocab, 0);
        if (len <= 0 || len > 256) { fprintf(stderr, "token of %d bytes\n", len); abort(); }
    }
    sqlite3_reset(g_vocab);
    /* Query with the same text as one phrase ("..." with quotes doubled). */
    char *phrase = malloc(2 * size + 3);
    size_t o = 0;
    phrase[o++] = '"';
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\0') break;
        if (data[i] == '"') phrase[o++] = '"';
        phrase[o++] = (char)data[i];
    }
    phrase[o++] = '"';
    phrase[o] = '\0';
    sqlite3_bind_text(g_q, 1, phrase, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(g_q);
    if (rc != SQLITE_ROW) { fprintf(stderr, "query: %s\n", sqlite3_errmsg(db_sqlite_handle(g_db))); abort(); }
    sqlite3_reset(g_q);
    free(phrase);
    run(g_del);
    return 0;
}
