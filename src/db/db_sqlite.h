/* db_sqlite.h: what the SQLite-only parts of src/db (tokenizer, backup)
 * need from the driver. Nothing outside src/db includes this. */
#ifndef RAPPORT_DB_SQLITE_H
#define RAPPORT_DB_SQLITE_H
#include "db/db.h"
#include <sqlite3.h>
sqlite3 *db_sqlite_handle(db *c);
/* Gives SQLite the per-thread small-block allocator of sqlite_alloc.c; call
 * before SQLite initialises (later it is refused and SQLite keeps malloc). */
void sqlite_alloc_install(void);
/* Blocks it holds from malloc, the threads' spares included (tests). */
long sqlite_alloc_blocks(void);
/* Gives SQLite the segmented-LRU page cache of sqlite_pcache.c; like the
 * allocator, only before SQLite initialises. */
void sqlite_pcache_install(void);
/* Its methods, for the tests to drive directly. */
const sqlite3_pcache_methods2 *sqlite_pcache_methods(void);
/* The SQL fragments and the FTS5 index of sql_sqlite.c, for the driver table. */
struct strbuf;
void sq_sql_sort_key_param(struct strbuf *sb);
void sq_sql_json_list_has(struct strbuf *sb, const char *column);
void sq_sql_json_scalar_eq(struct strbuf *sb, const char *column);
int sq_search_remove(db *w, const char *fts_table, const char *const *columns, int64_t id);
int sq_search_add(db *w, const char *fts_table, const char *const *columns, int64_t id, const char *const *values);
int sq_search_condition(struct strbuf *where, const char *fts_table, const char *const *columns, const char *q,
                        char **bind);
#endif
