/* sql_sqlite: the pieces of SQL whose spelling is SQLite's own — sort keys,
 * JSON predicates and the FTS5 search index — for the statements the layers
 * above assemble (db.h, "SQL fragments" and "full-text search"). Callers
 * write portable SQL and ask the driver for these, so a PostgreSQL driver
 * supplies its own spellings (COLLATE "zh-x-icu", jsonb operators, a
 * tsvector index) behind the same calls. */
#include "db/db.h"
#include "db/db_sqlite.h"
#include "lib/strbuf.h"
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void sq_sql_sort_key_param(strbuf *sb) { sb_puts(sb, "collation_key(?)"); }

void sq_sql_json_list_has(strbuf *sb, const char *column)
{
    sb_printf(sb, " AND EXISTS (SELECT 1 FROM json_each(t.%s) WHERE value = ?)", column);
}

void sq_sql_json_scalar_eq(strbuf *sb, const char *column)
{
    /* Text and numbers compare by value (a stored 5 equals "5" and 5.0);
     * true/false only as JSON booleans, whose json_type is their name. */
    sb_printf(sb, " AND ((json_extract(t.%s, ?) IN (?, ?) AND json_type(t.%s, ?) IN ('text', 'integer', 'real'))"
                  " OR json_type(t.%s, ?) = ?)", column, column, column);
}

/* ---- search: FTS5 tables keyed by the record's id as rowid ----
 * The statements of an index are assembled once per table and kept, so that
 * the statement cache (keyed by the text's address) finds them on every
 * write; a process has one or two indexes. */
#define MAX_INDEXES 8
struct index_sql { const char *table; char *remove, *add; };
static struct index_sql g_indexes[MAX_INDEXES];
static int g_nindexes;
static pthread_mutex_t g_indexes_mu = PTHREAD_MUTEX_INITIALIZER;

static const struct index_sql *index_sql(const char *fts_table, const char *const *columns)
{
    /* Lock-free for the indexes already made: entries are only appended,
     * and the count is published after the entry is complete. */
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
        sb_printf(&sb, "INSERT INTO %s(rowid", fts_table);
        for (int i = 0; columns[i]; i++) sb_printf(&sb, ", %s", columns[i]);
        sb_puts(&sb, ") VALUES (?");
        for (int i = 0; columns[i]; i++) sb_puts(&sb, ", ?");
        sb_puts(&sb, ")");
        e->add = sb_take(&sb);
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

int sq_search_remove(db *w, const char *fts_table, const char *const *columns, int64_t id)
{
    const struct index_sql *ix = index_sql(fts_table, columns);
    db_stmt *s = ix ? db_prepare(w, ix->remove) : NULL;
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

int sq_search_add(db *w, const char *fts_table, const char *const *columns, int64_t id, const char *const *values)
{
    const struct index_sql *ix = index_sql(fts_table, columns);
    db_stmt *s = ix ? db_prepare(w, ix->add) : NULL;
    if (!s) return -1;
    int n = 0;
    while (columns[n]) n++;
    /* The statement was made from the columns of the index's first use. */
    assert(db_bind_count(s) == n + 1);
    db_bind_int64(s, 1, id);
    for (int i = 0; i < n; i++) db_bind_text(s, i + 2, values[i]);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

int sq_search_condition(strbuf *where, const char *fts_table, const char *const *columns, const char *q, char **bind)
{
    *bind = NULL;
    char match[2048];
    if (!fts_query_build(q, match, sizeof match)) return 1;
    if (columns && !columns[0]) {
        /* Nothing the search looks at may be read: it matches nothing. */
        sb_puts(where, " AND 1 = 0");
        return where->failed ? -1 : 0;
    }
    strbuf m;
    sb_init(&m, 0);
    if (!columns) sb_puts(&m, match);   /* the whole row: a plain MATCH */
    else {
        /* An FTS5 column filter: {name title …} : (…) */
        for (int i = 0; columns[i]; i++) sb_printf(&m, "%s%s", i ? " " : "{", columns[i]);
        sb_printf(&m, "} : (%s)", match);
    }
    if (m.failed) { sb_free(&m); return -1; }
    *bind = sb_take(&m);
    sb_printf(where, " AND t.id IN (SELECT rowid FROM %s WHERE %s MATCH ?)", fts_table, fts_table);
    return where->failed ? -1 : 0;
}
