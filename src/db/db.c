/* db: the engine-neutral half of db.h. It keeps the database's name and
 * engine (db_global_open) and hands every call to the driver of its
 * connection or statement (db_driver.h); calls that name no connection go
 * to the engine of the open database. */
#include "db/db.h"
#include "db/db_driver.h"
#include "lib/strbuf.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_path[4096], g_files[4200];
static const struct db_driver *g_drv = &db_driver_sqlite;
static bool g_replica;   /* db_replica_set */

#define DRV(x) (((const struct db_head *)(const void *)(x))->drv)

const struct db_driver *db_driver_for(const char *path)
{
    if (path && (strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0 ||
                 strcmp(path, "postgres:") == 0))
        return &db_driver_pg;
    return &db_driver_sqlite;
}

bool db_is_sqlite(const db *c) { return c && DRV(c) == &db_driver_sqlite; }

const char *db_path(void) { return g_path; }
const char *db_files_base(void) { return g_files[0] ? g_files : g_path; }

static void set_files_base(const char *path)
{
    g_files[0] = '\0';
    if (g_drv == &db_driver_sqlite) return;
    const char *dir = getenv("RAPPORT_FILES_DIR");
    if (!dir || !dir[0]) dir = getenv("TMPDIR");
    if (!dir || !dir[0]) dir = "/var/tmp";
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a of the URL: one name per database */
    for (const char *p = path; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    snprintf(g_files, sizeof g_files, "%s/rapport-%016llx", dir, (unsigned long long)h);
}
const char *db_dialect(void) { return g_drv->dialect; }
const char *db_dialect_of(db *c) { return c ? DRV(c)->dialect : g_drv->dialect; }

int db_global_open(const char *path, bool create, char *err, size_t errlen)
{
    g_drv = db_driver_for(path);
    snprintf(g_path, sizeof g_path, "%s", path);
    set_files_base(path);
    return g_drv->global_open(path, create, err, errlen);
}
void db_global_close(void) { g_drv->global_close(); }
db *db_open(const char *path, bool writer, char *err, size_t errlen)
{
    return db_driver_for(path)->open(path, writer, err, errlen);
}
db *db_open_readonly(const char *path, char *err, size_t errlen)
{
    return db_driver_for(path)->open_readonly(path, err, errlen);
}
db *db_reader(void) { return g_drv->reader(); }
void db_reader_release(void) { g_drv->reader_release(); }
void db_reader_shared(void) { g_drv->reader_shared(); }
void db_reader_yield(bool finished) { g_drv->reader_yield(finished); }
int db_backup_to(const char *src, const char *dest, char *err, size_t errlen)
{
    return db_driver_for(src)->backup_to(src, dest, err, errlen);
}
bool db_sql_row_locks(void) { return g_drv == &db_driver_pg; }
void db_sql_sort_key_param(strbuf *sb) { g_drv->sql_sort_key_param(sb); }
void db_sql_json_list_has(strbuf *sb, const char *column) { g_drv->sql_json_list_has(sb, column); }
void db_sql_json_scalar_eq(strbuf *sb, const char *column) { g_drv->sql_json_scalar_eq(sb, column); }
int db_search_condition(strbuf *where, const char *fts_table, const char *const *columns, const char *q, char **bind)
{
    return g_drv->search_condition(where, fts_table, columns, q, bind);
}

/* A NULL connection (a failed open) answers as SQLite's driver does. */
const char *db_errmsg(db *c) { return c ? DRV(c)->errmsg(c) : "no connection"; }
int db_errcode(db *c) { return c ? DRV(c)->errcode(c) : DB_ERROR; }
enum db_errclass db_error(db *c, struct db_error *e)
{
    if (c) return DRV(c)->error(c, e);
    if (e) *e = (struct db_error){DB_ERR_OTHER, "", ""};
    return DB_ERR_OTHER;
}
uint64_t db_serial(const db *c) { return c ? DRV(c)->serial(c) : 0; }
bool db_in_transaction(db *c) { return c && DRV(c)->in_transaction(c); }
bool db_in_write_transaction(db *c) { return c && DRV(c)->in_write_transaction(c); }
void db_close(db *c) { if (c) DRV(c)->close(c); }
db_stmt *db_prepare(db *c, const char *sql) { if (!c) return NULL; return DRV(c)->prepare(c, sql); }
db_stmt *db_prepare_once(db *c, const char *sql) { if (!c) return NULL; return DRV(c)->prepare_once(c, sql); }
int db_exec(db *c, const char *sql) { if (!c) return DB_ERROR; return DRV(c)->exec(c, sql); }

int db_run(db *c, const char *sql, const char *types, ...)
{
    db_stmt *s = db_prepare(c, sql);
    if (!s) return -1;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'i') db_bind_int64(s, i + 1, va_arg(ap, int64_t));
        else db_bind_text(s, i + 1, va_arg(ap, const char *));
    }
    va_end(ap);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}
int64_t db_last_insert_id(db *c) { if (!c) return -1; return DRV(c)->last_insert_id(c); }
int db_changes(db *c) { if (!c) return DB_ERROR; return DRV(c)->changes(c); }
int db_cache_size(db *c, int kib) { if (!c) return DB_ERROR; return DRV(c)->cache_size(c, kib); }
int db_integrity_check(db *c, char *out, size_t cap) { if (!c) return DB_ERROR; return DRV(c)->integrity_check(c, out, cap); }
int db_tables(db *c, int (*fn)(void *arg, const char *table), void *arg) { if (!c) return DB_ERROR; return DRV(c)->tables(c, fn, arg); }
int db_wal_truncate(db *c, int *busy, int *log_pages, int *copied) { if (!c) return DB_ERROR; return DRV(c)->wal_truncate(c, busy, log_pages, copied); }
db_stmt *db_prepare_table_scan(db *c, const char *table) { if (!c) return NULL; return DRV(c)->prepare_table_scan(c, table); }
db_stmt *db_prepare_stream(db *c, const char *sql)
{
    if (!c) return NULL;
    return DRV(c)->prepare_stream ? DRV(c)->prepare_stream(c, sql) : DRV(c)->prepare_once(c, sql);
}
int64_t db_data_version(db *c) { if (!c) return -1; return DRV(c)->data_version(c); }
int db_begin_read(db *c) { if (!c) return DB_ERROR; return DRV(c)->begin_read(c); }
int db_begin_write(db *c) { if (!c) return DB_ERROR; return DRV(c)->begin_write(c); }
int db_commit(db *c) { if (!c) return DB_ERROR; return DRV(c)->commit(c); }
int db_rollback(db *c) { if (!c) return DB_ERROR; return DRV(c)->rollback(c); }
int db_bulk_begin(db *c, const char *const *tables)
{
    if (!c) return -1;
    return DRV(c)->bulk_begin ? DRV(c)->bulk_begin(c, tables) : 1;
}
int db_replica_set(const char *url, char *err, size_t errlen)
{
    if (!g_drv || !g_drv->replica_set) { snprintf(err, errlen, "a read replica needs a PostgreSQL database (--db postgres://…)"); return -1; }
    if (db_driver_for(url) != g_drv) { snprintf(err, errlen, "the replica must be a postgres:// URL"); return -1; }
    if (g_drv->replica_set(url, err, errlen) != 0) return -1;
    g_replica = true;
    return 0;
}
bool db_replica_configured(void) { return g_replica; }
bool db_reader_replica(bool on) { return g_replica && g_drv->reader_replica(on); }
bool db_reader_replica_synced(int timeout_ms) { return g_replica && g_drv->reader_replica_synced(timeout_ms); }
void db_bulk_pass(db *c) { if (c && DRV(c)->bulk_pass) DRV(c)->bulk_pass(c); }
struct json_t *db_bulk_memo(db *c) { return c && DRV(c)->bulk_memo ? DRV(c)->bulk_memo(c) : NULL; }
int db_savepoint(db *c) { if (!c) return DB_ERROR; return DRV(c)->savepoint(c); }
int db_savepoint_release(db *c) { if (!c) return DB_ERROR; return DRV(c)->savepoint_release(c); }
int db_savepoint_rollback(db *c) { if (!c) return DB_ERROR; return DRV(c)->savepoint_rollback(c); }
int db_search_remove(db *c, const char *fts_table, const char *const *columns, int64_t id) { if (!c) return DB_ERROR; return DRV(c)->search_remove(c, fts_table, columns, id); }
int db_search_add(db *c, const char *fts_table, const char *const *columns, int64_t id, const char *const *values) { if (!c) return DB_ERROR; return DRV(c)->search_add(c, fts_table, columns, id, values); }
void db_done(db_stmt *s) { if (s) DRV(s)->done(s); }
int db_step_at_commit(db_stmt *s)
{
    if (DRV(s)->step_at_commit) return DRV(s)->step_at_commit(s);
    int rc = DRV(s)->step(s);
    DRV(s)->done(s);
    return rc == DB_DONE ? 0 : -1;
}
void db_bind_int64(db_stmt *s, int idx, int64_t v) { DRV(s)->bind_int64(s, idx, v); }
void db_bind_double(db_stmt *s, int idx, double v) { DRV(s)->bind_double(s, idx, v); }
void db_bind_text(db_stmt *s, int idx, const char *v) { DRV(s)->bind_text(s, idx, v); }
void db_bind_textn(db_stmt *s, int idx, const char *v, size_t n) { DRV(s)->bind_textn(s, idx, v, n); }
void db_bind_blob(db_stmt *s, int idx, const void *v, size_t n) { DRV(s)->bind_blob(s, idx, v, n); }
void db_bind_null(db_stmt *s, int idx) { DRV(s)->bind_null(s, idx); }
int db_bind_count(db_stmt *s) { return DRV(s)->bind_count(s); }
int db_step(db_stmt *s) { return DRV(s)->step(s); }
int db_column_count(db_stmt *s) { return DRV(s)->column_count(s); }
int db_column_type(db_stmt *s, int col) { return DRV(s)->column_type(s, col); }
const char *db_column_name(db_stmt *s, int col) { return DRV(s)->column_name(s, col); }
int64_t db_column_int64(db_stmt *s, int col) { return DRV(s)->column_int64(s, col); }
double db_column_double(db_stmt *s, int col) { return DRV(s)->column_double(s, col); }
const char *db_column_text(db_stmt *s, int col) { return DRV(s)->column_text(s, col); }
const char *db_column_bytes(db_stmt *s, int col, size_t *len) { return DRV(s)->column_bytes(s, col, len); }
const void *db_column_blob(db_stmt *s, int col, size_t *n) { return DRV(s)->column_blob(s, col, n); }
