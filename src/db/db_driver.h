/* db_driver: the table of functions a storage engine supplies behind db.h.
 * db.c picks the engine from the database's name (a postgres:// or
 * postgresql:// URL is PostgreSQL, anything else a SQLite file) and every
 * db.h call goes to the engine of its connection or statement: each
 * engine's `struct db` and `struct db_stmt` start with a pointer to its
 * driver (struct db_head). Nothing outside src/db includes this. */
#ifndef RAPPORT_DB_DRIVER_H
#define RAPPORT_DB_DRIVER_H
#include "db/db.h"

struct strbuf;
struct db_driver;
/* The first member of every engine's struct db and struct db_stmt. */
struct db_head { const struct db_driver *drv; };

struct db_driver {
    const char *dialect;
    int (*global_open)(const char *path, bool create, char *err, size_t errlen);
    void (*global_close)(void);
    db *(*open)(const char *path, bool writer, char *err, size_t errlen);
    db *(*open_readonly)(const char *path, char *err, size_t errlen);
    void (*close)(db *c);
    db *(*reader)(void);
    void (*reader_release)(void);
    void (*reader_shared)(void);
    void (*reader_yield)(bool finished);
    db_stmt *(*prepare)(db *c, const char *sql);
    db_stmt *(*prepare_once)(db *c, const char *sql);
    void (*done)(db_stmt *s);
    void (*bind_int64)(db_stmt *s, int idx, int64_t v);
    void (*bind_double)(db_stmt *s, int idx, double v);
    void (*bind_text)(db_stmt *s, int idx, const char *v);
    void (*bind_textn)(db_stmt *s, int idx, const char *v, size_t n);
    void (*bind_blob)(db_stmt *s, int idx, const void *v, size_t n);
    void (*bind_null)(db_stmt *s, int idx);
    int (*bind_count)(db_stmt *s);
    int (*step)(db_stmt *s);
    int (*column_count)(db_stmt *s);
    int (*column_type)(db_stmt *s, int col);
    const char *(*column_name)(db_stmt *s, int col);
    int64_t (*column_int64)(db_stmt *s, int col);
    double (*column_double)(db_stmt *s, int col);
    const char *(*column_text)(db_stmt *s, int col);
    const char *(*column_bytes)(db_stmt *s, int col, size_t *len);
    const void *(*column_blob)(db_stmt *s, int col, size_t *n);
    int (*exec)(db *c, const char *sql);
    int64_t (*last_insert_id)(db *c);
    int (*changes)(db *c);
    const char *(*errmsg)(db *c);
    int (*errcode)(db *c);
    enum db_errclass (*error)(db *c, struct db_error *e);
    int (*cache_size)(db *c, int kib);
    int (*integrity_check)(db *c, char *out, size_t cap);
    int (*tables)(db *c, int (*fn)(void *arg, const char *table), void *arg);
    int (*wal_truncate)(db *c, int *busy, int *log_pages, int *copied);
    db_stmt *(*prepare_table_scan)(db *c, const char *table);
    db_stmt *(*prepare_stream)(db *c, const char *sql);   /* NULL: prepare_once */
    int64_t (*data_version)(db *c);
    bool (*in_transaction)(db *c);
    bool (*in_write_transaction)(db *c);
    uint64_t (*serial)(const db *c);
    int (*begin_read)(db *c);
    int (*begin_write)(db *c);
    int (*commit)(db *c);
    int (*rollback)(db *c);
    int (*savepoint)(db *c);
    int (*savepoint_release)(db *c);
    int (*savepoint_rollback)(db *c);
    int (*backup_to)(const char *src, const char *dest, char *err, size_t errlen);
    /* bulk writes (COPY); NULL: the engine's INSERTs are cheap enough */
    int (*bulk_begin)(db *c, const char *const *tables);
    void (*bulk_pass)(db *c);
    struct json_t *(*bulk_memo)(db *c);
    /* a read replica; NULL: the engine has none */
    int (*replica_set)(const char *url, char *err, size_t errlen);
    bool (*reader_replica)(bool on);
    bool (*reader_replica_synced)(int timeout_ms);
    /* db_step_at_commit; NULL: the statement runs at once (SQLite) */
    int (*step_at_commit)(db_stmt *s);
    /* SQL fragments and the search index (sql_sqlite.c, sql_pg.c) */
    void (*sql_sort_key_param)(struct strbuf *sb);
    void (*sql_json_list_has)(struct strbuf *sb, const char *column);
    void (*sql_json_scalar_eq)(struct strbuf *sb, const char *column);
    int (*search_remove)(db *w, const char *fts_table, const char *const *columns, int64_t id);
    int (*search_add)(db *w, const char *fts_table, const char *const *columns, int64_t id,
                      const char *const *values);
    int (*search_condition)(struct strbuf *where, const char *fts_table, const char *const *columns,
                            const char *q, char **bind);
};

extern const struct db_driver db_driver_sqlite;
extern const struct db_driver db_driver_pg;
/* The engine a database name means: PostgreSQL for a postgres:// or
 * postgresql:// URL (or "postgres:" alone: the PG* variables say the rest),
 * SQLite for anything else. */
const struct db_driver *db_driver_for(const char *path);
/* Whether the connection is SQLite's (the SQLite-only services check it). */
bool db_is_sqlite(const db *c);
/* The search tokenizer of fts_cjk.c, for an engine without FTS5: calls cb
 * with each token of text (n bytes) as the SQLite index and its queries
 * make them (query: a query's phrase), flags FTS_TOKEN_COLOCATED for a
 * token at the previous token's position. Stops at a non-zero return of
 * cb; 0 or -1. */
#define FTS_TOKEN_COLOCATED 0x0001
int fts_tokenize(const char *text, int n, bool query, void *ctx,
                 int (*cb)(void *ctx, int flags, const char *token, int ntoken, int start, int end));
#endif
