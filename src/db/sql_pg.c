/* sql_pg: PostgreSQL's spelling of the pieces of SQL the layers above ask
 * the driver for (db.h, "SQL fragments" and "full-text search"), and the
 * plain-text work on statements the driver does before it prepares them.
 *
 * Sort keys: party.name_key is text in the ICU "zh" collation on this
 * engine (migration 005's override), so the key of a name is the name.
 * JSON lives in text columns as on SQLite and is read as jsonb.
 * Search: the index table (party_fts) has, per record, a tsvector per
 * field and one of all of them (terms, GIN-indexed). The lexemes are the
 * tokens of the SQLite tokenizer (fts_cjk.c): single CJK characters and
 * the bigram starting at each, words in lower case, the suffixes of long
 * digit runs, so 张伟 finds 张伟 and 张伟明 on both engines. They are written
 * and queried as tsvector / tsquery literals (`?::tsvector`), which take
 * the lexemes as they are: no parser (the `simple` configuration's would
 * keep 北京市朝阳区 as one word) and no stemming between index and query. */
#include "db/db_driver.h"
#include "db/pg_sql.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- statement text ---- */

/* Skips a quoted run or comment at p; returns the position after it, or p. */
static const char *skip_quoted(const char *p)
{
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p) {
            if (*p == q) {
                if (p[1] == q) { p += 2; continue; }
                return p + 1;
            }
            p++;
        }
        return p;
    }
    if (p[0] == '-' && p[1] == '-') {
        while (*p && *p != '\n') p++;
        return p;
    }
    if (p[0] == '/' && p[1] == '*') {
        const char *e = strstr(p + 2, "*/");
        return e ? e + 2 : p + strlen(p);
    }
    return p;
}

char *pg_sql_number_params(const char *sql, int *n)
{
    strbuf sb;
    sb_init(&sb, 0);
    int k = 0;
    for (const char *p = sql; *p;) {
        const char *q = skip_quoted(p);
        if (q != p) { sb_append(&sb, p, (size_t)(q - p)); p = q; continue; }
        if (*p == '?') { sb_printf(&sb, "$%d", ++k); p++; continue; }
        sb_append(&sb, p, 1);
        p++;
    }
    *n = k;
    if (sb.failed) { sb_free(&sb); return NULL; }
    sb_str(&sb);
    return sb_take(&sb);
}

static const char *skip_blank(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        const char *q = (p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*') ? skip_quoted(p) : p;
        if (q == p) return p;
        p = q;
    }
}

static bool word_at(const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

bool pg_sql_is_change(const char *sql)
{
    const char *p = skip_blank(sql);
    if (word_at(p, "WITH")) {
        /* a WITH … INSERT/UPDATE/DELETE: look for the verb outside quotes */
        for (const char *q = p; *q;) {
            const char *r = skip_quoted(q);
            if (r != q) { q = r; continue; }
            if ((q == sql || !isalnum((unsigned char)q[-1])) &&
                (word_at(q, "INSERT") || word_at(q, "UPDATE") || word_at(q, "DELETE")))
                return true;
            q++;
        }
        return false;
    }
    return word_at(p, "INSERT") || word_at(p, "UPDATE") || word_at(p, "DELETE");
}

bool pg_sql_insert_target(const char *sql, char *out, size_t cap)
{
    const char *p = skip_blank(sql);
    if (!word_at(p, "INSERT")) return false;
    p = skip_blank(p + 6);
    if (!word_at(p, "INTO")) return false;
    p = skip_blank(p + 4);
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_') n++;
    if (!n || n >= cap) return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

bool pg_sql_has_returning(const char *sql)
{
    for (const char *p = sql; *p;) {
        const char *q = skip_quoted(p);
        if (q != p) { p = q; continue; }
        if ((p == sql || !isalnum((unsigned char)p[-1])) && word_at(p, "RETURNING")) return true;
        p++;
    }
    return false;
}

/* ---- fragments ---- */

void pg_sql_sort_key_param(strbuf *sb) { sb_puts(sb, "?"); }

void pg_sql_json_list_has(strbuf *sb, const char *column)
{
    sb_printf(sb, " AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.%s::jsonb) = 'array'"
                  " THEN t.%s::jsonb ELSE '[]'::jsonb END) AS e(value) WHERE e.value = CAST(? AS text))",
              column, column);
}

void pg_sql_json_scalar_eq(strbuf *sb, const char *column)
{
    /* The same six parameters as SQLite's spelling, in the same order: the
     * path, the value as text, as a number (or NULL), the path twice more
     * (unused here: the value is extracted once) and "true"/"false". Text
     * and numbers compare by value, booleans only as booleans. */
    sb_printf(sb, " AND EXISTS (SELECT 1 FROM (SELECT jsonb_path_query_first(t.%s::jsonb, CAST(CAST(? AS text) AS jsonpath)) AS v,"
                  " CAST(? AS text) AS s, CAST(? AS numeric) AS n, CAST(? AS text) AS p2, CAST(? AS text) AS p3,"
                  " CAST(? AS text) AS b) x WHERE (jsonb_typeof(x.v) = 'string' AND x.v #>> '{}' = x.s)"
                  " OR (jsonb_typeof(x.v) = 'number' AND (CAST(x.v #>> '{}' AS numeric) = x.n OR x.v #>> '{}' = x.s))"
                  " OR (jsonb_typeof(x.v) = 'boolean' AND x.v #>> '{}' = x.b))",
              column);
}

/* ---- search ---- */

static void put_lexeme(strbuf *sb, const char *t, int n)
{
    sb_puts(sb, "'");
    for (int i = 0; i < n; i++) {
        if (t[i] == '\'') sb_puts(sb, "''");
        else if (t[i] == '\\') sb_puts(sb, "\\\\");
        else sb_append(sb, t + i, 1);
    }
    sb_puts(sb, "'");
}

struct vec_ctx { strbuf *sb; int pos; };

static int vec_token(void *arg, int flags, const char *tok, int n, int start, int end)
{
    struct vec_ctx *v = arg;
    if (n <= 0) return 0;
    if (!(flags & FTS_TOKEN_COLOCATED) || v->pos == 0) v->pos++;
    if (v->pos > 16383) return 0;   /* tsvector's last position */
    if (v->sb->len) sb_puts(v->sb, " ");
    put_lexeme(v->sb, tok, n);
    sb_printf(v->sb, ":%d", v->pos);
    return 0;
}

char *pg_tsvector_text(const char *const *texts, int n)
{
    strbuf sb;
    sb_init(&sb, 0);
    struct vec_ctx v = {&sb, 0};
    for (int i = 0; i < n; i++)
        if (texts[i] && texts[i][0]) {
            fts_tokenize(texts[i], (int)strlen(texts[i]), false, &v, vec_token);
            v.pos++;   /* a phrase does not run from one field into the next */
        }
    if (sb.failed) { sb_free(&sb); return NULL; }
    sb_str(&sb);
    return sb_take(&sb);
}

struct query_ctx { strbuf *sb; int ntok; size_t last_end; };

static int query_token(void *arg, int flags, const char *tok, int n, int start, int end)
{
    struct query_ctx *q = arg;
    if (n <= 0) return 0;
    if (q->ntok++) sb_puts(q->sb, " <-> ");
    put_lexeme(q->sb, tok, n);
    q->last_end = q->sb->len;
    return 0;
}

char *pg_tsquery_text(const char *q, bool *contacts_only, bool *oom)
{
    *contacts_only = false;
    *oom = false;
    if (!q || !utf8_valid(q, strlen(q))) return NULL;
    strbuf sb;
    sb_init(&sb, 0);
    char digits[32];
    if (phone_normalize(q, digits, sizeof digits)) {
        *contacts_only = true;
        put_lexeme(&sb, digits, (int)strlen(digits));
        sb_puts(&sb, ":*");
    } else {
        int terms = 0;
        const char *p = q;
        while (*p && terms < 16) {
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) break;
            const char *start = p;
            while (*p && *p != ' ' && *p != '\t') p++;
            int n = (int)(p - start);
            if (n > 200) n = 200;
            strbuf t;
            sb_init(&t, 0);
            struct query_ctx c = {&t, 0, 0};
            fts_tokenize(start, n, true, &c, query_token);
            if (c.ntok && !t.failed) {
                /* The last token a prefix when the word ends in a letter or
                 * digit (FTS5's "…"*) */
                if (isalnum((unsigned char)start[n - 1])) {
                    sb_str(&t);
                    t.len = c.last_end;
                    sb_puts(&t, ":*");
                }
                if (terms++) sb_puts(&sb, " & ");
                sb_puts(&sb, "(");
                sb_puts(&sb, sb_str(&t));
                sb_puts(&sb, ")");
            }
            if (t.failed) sb.failed = true;
            sb_free(&t);
        }
        if (!terms) { sb_free(&sb); return NULL; }
    }
    if (sb.failed) { sb_free(&sb); *oom = true; return NULL; }
    sb_str(&sb);
    return sb_take(&sb);
}

#define MAX_INDEXES 8
struct index_sql { const char *table; char *remove, *add; int ncols; };
static struct index_sql g_indexes[MAX_INDEXES];
static int g_nindexes;
static pthread_mutex_t g_indexes_mu = PTHREAD_MUTEX_INITIALIZER;

static const struct index_sql *index_sql(const char *fts_table, const char *const *columns)
{
    int n = __atomic_load_n(&g_nindexes, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (g_indexes[i].table == fts_table || strcmp(g_indexes[i].table, fts_table) == 0) return &g_indexes[i];
    const struct index_sql *found = NULL;
    pthread_mutex_lock(&g_indexes_mu);
    for (int i = 0; i < g_nindexes && !found; i++)
        if (strcmp(g_indexes[i].table, fts_table) == 0) found = &g_indexes[i];
    if (!found && g_nindexes < MAX_INDEXES && columns) {
        strbuf sb;
        sb_init(&sb, 0);
        struct index_sql *e = &g_indexes[g_nindexes];
        e->table = fts_table;
        sb_printf(&sb, "DELETE FROM %s WHERE rowid = ?", fts_table);
        e->remove = sb_take(&sb);
        sb_printf(&sb, "INSERT INTO %s(rowid, terms", fts_table);
        int k = 0;
        for (; columns[k]; k++) sb_printf(&sb, ", %s", columns[k]);
        sb_puts(&sb, ") VALUES (?, CAST(? AS tsvector)");
        for (int i = 0; i < k; i++) sb_puts(&sb, ", CAST(? AS tsvector)");
        sb_puts(&sb, ") ON CONFLICT (rowid) DO UPDATE SET terms = excluded.terms");
        for (int i = 0; i < k; i++) sb_printf(&sb, ", %s = excluded.%s", columns[i], columns[i]);
        e->add = sb_take(&sb);
        e->ncols = k;
        if (e->remove && e->add) {
            found = e;
            __atomic_store_n(&g_nindexes, g_nindexes + 1, __ATOMIC_RELEASE);
        } else {
            free(e->remove);
            free(e->add);
        }
    }
    pthread_mutex_unlock(&g_indexes_mu);
    return found;
}

int pg_search_remove(db *w, const char *fts_table, const char *const *columns, int64_t id)
{
    const struct index_sql *ix = index_sql(fts_table, columns);
    db_stmt *s = ix ? db_prepare(w, ix->remove) : NULL;
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

int pg_search_add(db *w, const char *fts_table, const char *const *columns, int64_t id, const char *const *values)
{
    const struct index_sql *ix = index_sql(fts_table, columns);
    db_stmt *s = ix ? db_prepare(w, ix->add) : NULL;
    if (!s) return -1;
    int n = 0;
    while (columns[n]) n++;
    if (n != ix->ncols) { db_done(s); return -1; }
    char *all = pg_tsvector_text(values, n);
    int rc = all ? 0 : -1;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, all);
    for (int i = 0; rc == 0 && i < n; i++) {
        char *v = pg_tsvector_text(values + i, 1);
        if (!v) rc = -1;
        db_bind_text(s, i + 3, v);
        free(v);
    }
    free(all);
    if (rc == 0) rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    return rc;
}

static const char *const contact_columns[] = {"emails", "phones", "external_id", "website", NULL};

static bool listed(const char *const *list, const char *name)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

int pg_search_condition(strbuf *where, const char *fts_table, const char *const *columns, const char *q, char **bind)
{
    *bind = NULL;
    bool contacts_only, oom;
    char *query = pg_tsquery_text(q, &contacts_only, &oom);
    if (!query) return oom ? -1 : 1;
    if (columns && !columns[0]) {
        free(query);
        sb_puts(where, " AND 1 = 0");
        return where->failed ? -1 : 0;
    }
    if (!columns && !contacts_only) {
        sb_printf(where, " AND t.id IN (SELECT rowid FROM %s WHERE terms @@ CAST(? AS tsquery))", fts_table);
    } else {
        /* the columns searched: those allowed, of the contact columns for a phone number */
        const char *const *base = columns ? columns : contact_columns;
        int k = 0;
        sb_printf(where, " AND t.id IN (SELECT rowid FROM %s WHERE (", fts_table);
        for (int i = 0; base[i]; i++) {
            if (contacts_only && !listed(contact_columns, base[i])) continue;
            const char *column = base[i];
            sb_printf(where, "%sCOALESCE(%s, CAST('' AS tsvector))", k++ ? " || " : "", column);
        }
        if (!k) sb_puts(where, "CAST('' AS tsvector)");
        sb_puts(where, ") @@ CAST(? AS tsquery))");
    }
    *bind = query;
    return where->failed ? -1 : 0;
}
