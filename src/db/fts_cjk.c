/* fts_cjk: the "rapport" FTS5 tokenizer and the search-query builder.
 *
 * unicode61 treats a run of Chinese characters as one token and trigram needs
 * three characters, but most Chinese personal names have two or three. So a
 * CJK run is indexed as single characters, each with the bigram that starts
 * at it colocated at the same position: 张伟明 → 张|张伟, 伟|伟明, 明. A query
 * phrase of two or more CJK characters is tokenised as consecutive bigrams
 * (张伟 → 张伟; 张伟明 → 张伟, 伟明), so 张伟 finds 张伟 and 张伟明 but 张伟明
 * does not find 张伟. Other text: ASCII letters and digits fold to lower case
 * and form words; other non-ASCII letters are kept as word bytes; a long
 * run of digits is also indexed by its suffixes (any 4 contiguous digits of
 * a phone number find it, emit_digit_suffixes). */
#include "db/db.h"
#include "lib/textcheck.h"
#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "db/db_driver.h"
#include "db/db_sqlite.h"

static int utf8_decode(const unsigned char *s, int n, int *len)
{
    unsigned c = s[0];
    if (c < 0x80) { *len = 1; return (int)c; }
    int l = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (l > n) l = n;
    /* A lead byte without its continuation bytes is one byte on its own, so
     * a "character" never swallows a following NUL, quote or ASCII letter. */
    for (int i = 1; i < l; i++)
        if ((s[i] & 0xc0) != 0x80) { *len = 1; return (int)c; }
    unsigned cp = l == 4 ? c & 7 : l == 3 ? c & 15 : l == 2 ? c & 31 : c;
    for (int i = 1; i < l; i++) cp = (cp << 6) | (s[i] & 0x3f);
    *len = l;
    return (int)cp;
}

static int is_cjk(int cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
           (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2ffff) ||
           (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0xac00 && cp <= 0xd7af);
}

static int is_separator(int cp)
{
    if (cp < 0x80) return !isalnum(cp);
    return (cp >= 0x2000 && cp <= 0x206f) || (cp >= 0x3000 && cp <= 0x303f) ||
           (cp >= 0xff00 && cp <= 0xff0f) || (cp >= 0xff1a && cp <= 0xff20) ||
           (cp >= 0xff3b && cp <= 0xff40) || (cp >= 0xff5b && cp <= 0xff65) || cp == 0xa0 ||
           (cp >= 0x80 && cp <= 0xbf);
}

typedef int (*token_cb)(void *, int, const char *, int, int, int);

static int tok_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
    *out = (Fts5Tokenizer *)ctx;
    return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t) {}

static int emit_cjk_run(const unsigned char *text, int start, int end, int query, void *ctx, token_cb cb)
{
    /* Collect the character boundaries of the run. */
    int bounds[257], n = 0, p = start, len;
    while (p < end && n < 256) { bounds[n++] = p; utf8_decode(text + p, end - p, &len); p += len; }
    bounds[n] = p;
    int rc = SQLITE_OK;
    if (query && n >= 2) {
        for (int i = 0; i + 1 < n && rc == SQLITE_OK; i++)
            rc = cb(ctx, 0, (const char *)text + bounds[i], bounds[i + 2] - bounds[i], bounds[i], bounds[i + 2]);
        return rc;
    }
    for (int i = 0; i < n && rc == SQLITE_OK; i++) {
        rc = cb(ctx, 0, (const char *)text + bounds[i], bounds[i + 1] - bounds[i], bounds[i], bounds[i + 1]);
        if (rc == SQLITE_OK && !query && i + 1 < n)
            rc = cb(ctx, FTS5_TOKEN_COLOCATED, (const char *)text + bounds[i], bounds[i + 2] - bounds[i], bounds[i], bounds[i + 2]);
    }
    return rc;
}

/* A word of at least DIGIT_RUN_WORD digits (a phone number in its canonical
 * form, which the index holds beside its spelling; a long id) is indexed
 * with each of its suffixes of DIGIT_RUN_MIN or more digits colocated with
 * it, so a prefix query finds any contiguous run of DIGIT_RUN_MIN digits:
 * 16477949102 also holds 6477949102 … 9102, and "77949102"* or "7794 9102"
 * (one canonical term, see fts_query_build) find it. Shorter digit words
 * (years, postcodes, the spelling's groups) are left as they are. */
#define DIGIT_RUN_WORD 7
#define DIGIT_RUN_MIN 4

static int emit_digit_suffixes(const char *word, int nw, int start, int end, void *ctx, token_cb cb, int rc)
{
    for (int k = 0; k < nw; k++)
        if (!isdigit((unsigned char)word[k])) return rc;
    for (int k = 1; k + DIGIT_RUN_MIN <= nw && rc == SQLITE_OK; k++)
        rc = cb(ctx, FTS5_TOKEN_COLOCATED, word + k, nw - k, start, end);
    return rc;
}

static int tok_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *ztext, int ntext, token_cb cb)
{
    const unsigned char *text = (const unsigned char *)ztext;
    int query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    char word[256];
    int i = 0, rc = SQLITE_OK;
    while (i < ntext && rc == SQLITE_OK) {
        int len, cp = utf8_decode(text + i, ntext - i, &len);
        if (is_cjk(cp)) {
            int start = i;
            while (i < ntext) {
                int l2, c2 = utf8_decode(text + i, ntext - i, &l2);
                if (!is_cjk(c2)) break;
                i += l2;
            }
            rc = emit_cjk_run(text, start, i, query, ctx, cb);
            continue;
        }
        if (is_separator(cp)) { i += len; continue; }
        int start = i, nw = 0;
        while (i < ntext) {
            int l2, c2 = utf8_decode(text + i, ntext - i, &l2);
            if (is_cjk(c2) || is_separator(c2)) break;
            for (int k = 0; k < l2 && nw < (int)sizeof word; k++)
                word[nw++] = (char)tolower(text[i + k]);
            i += l2;
        }
        rc = cb(ctx, 0, word, nw, start, i);
        if (!query && nw >= DIGIT_RUN_WORD) rc = emit_digit_suffixes(word, nw, start, i, ctx, cb, rc);
    }
    return rc;
}

static fts5_tokenizer g_tokenizer = {tok_create, tok_delete, tok_tokenize};

int fts_tokenize(const char *text, int n, bool query, void *ctx,
                 int (*cb)(void *ctx, int flags, const char *token, int ntoken, int start, int end))
{
    _Static_assert(FTS_TOKEN_COLOCATED == FTS5_TOKEN_COLOCATED, "the colocated flag is FTS5's");
    return tok_tokenize(NULL, ctx, query ? FTS5_TOKENIZE_QUERY : FTS5_TOKENIZE_DOCUMENT, text, n, cb) == SQLITE_OK ? 0 : -1;
}

/* phone_key(text): the canonical digits of a phone number (phone_normalize),
 * or NULL when the text is not one. The search index holds every phone in
 * this form beside its spelling; SQL that rebuilds the index (migration
 * 008) needs the same form the C writer uses. */
static void phone_key_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    char norm[32];
    if (s && phone_normalize(s, norm, sizeof norm)) sqlite3_result_text(ctx, norm, -1, SQLITE_TRANSIENT);
    else sqlite3_result_null(ctx);
}

int fts_register(db *c)
{
    sqlite3 *h = db_sqlite_handle(c);
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api) return -1;
    static int dummy;
    if (api->xCreateTokenizer(api, "rapport", &dummy, &g_tokenizer, NULL) != SQLITE_OK) return -1;
    return sqlite3_create_function_v2(h, "phone_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                      phone_key_fn, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int has_searchable(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (int len; *p; p += len) {
        int cp = utf8_decode(p, (int)strlen((const char *)p), &len);
        if (!is_separator(cp)) return 1;
    }
    return 0;
}

bool fts_query_build(const char *q, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    if (!q || !utf8_valid(q, strlen(q))) return false;
    /* A phone number typed any way (+86, spaces, dashes) is one canonical
     * term, looked for among the contact columns only (the index has one
     * column per party field, migration 008). */
    char digits[32];
    if (phone_normalize(q, digits, sizeof digits)) {
        int n = snprintf(out, cap, "{emails phones external_id website} : \"%s\"*", digits);
        return n > 0 && (size_t)n < cap;
    }
    const char *p = q;
    int terms = 0;
    while (*p && terms < 16) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        size_t n = (size_t)(p - start);
        if (n > 200) n = 200;
        char term[256];
        memcpy(term, start, n);
        term[n] = '\0';
        if (!has_searchable(term)) continue;
        if (o + 2 * n + 16 >= cap) break;
        if (terms++) o += (size_t)snprintf(out + o, cap - o, " AND ");
        out[o++] = '"';
        for (size_t k = 0; k < n; k++) {
            if (term[k] == '"') out[o++] = '"';
            out[o++] = term[k];
        }
        out[o++] = '"';
        if (isalnum((unsigned char)term[n - 1])) out[o++] = '*';
        out[o] = '\0';
    }
    return terms > 0;
}
