/* pg_sql: the PostgreSQL spelling of the driver's SQL (sql_pg.c) and the
 * migration translator (pg_migrate.c). Nothing outside src/db includes it. */
#ifndef RAPPORT_PG_SQL_H
#define RAPPORT_PG_SQL_H
#include "db/db.h"
#include <stdbool.h>
#include <stddef.h>

struct strbuf;
/* sql with each plain `?` outside quotes and comments replaced by $1, $2 …
 * (caller frees); *n gets their number. NULL when out of memory. */
char *pg_sql_number_params(const char *sql, int *n);
/* Whether sql (after leading blanks and comments) is an INSERT, UPDATE or
 * DELETE, possibly after a WITH. */
bool pg_sql_is_change(const char *sql);
/* The table of an "INSERT INTO table" statement into out; false for
 * anything else. */
bool pg_sql_insert_target(const char *sql, char *out, size_t cap);
/* Whether the statement already has a RETURNING clause. */
bool pg_sql_has_returning(const char *sql);

/* The text of a tsvector (for `?::tsvector`) holding the search terms of
 * the given texts, the tokens the SQLite index makes of them at their
 * positions; one text after another, positions continuing. Caller frees;
 * NULL when out of memory. */
char *pg_tsvector_text(const char *const *texts, int n);
/* The text of a tsquery for a user's search q with the meaning of
 * fts_query_build's FTS5 query: each word a phrase of its tokens, the last
 * a prefix when it ends in a letter or digit, all words required; a phone
 * number its canonical digits as a prefix, in the contact columns only
 * (*contacts_only set). NULL when q has nothing searchable (or out of
 * memory: *oom). */
char *pg_tsquery_text(const char *q, bool *contacts_only, bool *oom);

/* The migration text for PostgreSQL of SQLite migration sql (see
 * pg_migrate.c). Caller frees; NULL with a reason in err when the text
 * holds something the translation does not know (the migration then needs
 * a file in src/db/migrations/postgres/). */
char *pg_migration_translate(const char *sql, char *err, size_t errlen);

void pg_sql_sort_key_param(struct strbuf *sb);
void pg_sql_json_list_has(struct strbuf *sb, const char *column);
void pg_sql_json_scalar_eq(struct strbuf *sb, const char *column);
int pg_search_remove(db *w, const char *fts_table, const char *const *columns, int64_t id);
int pg_search_add(db *w, const char *fts_table, const char *const *columns, int64_t id, const char *const *values);
int pg_search_condition(struct strbuf *where, const char *fts_table, const char *const *columns, const char *q,
                        char **bind);
#endif
