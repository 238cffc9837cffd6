/* db_sqlite: the SQLite driver behind db.h. WAL, synchronous=FULL,
 * foreign keys on, a busy timeout, one connection per thread opened NOMUTEX,
 * statements prepared PERSISTENT and cached per connection. */
#include "db/collate.h"
#include "db/db.h"
#include "db/db_driver.h"
#include "db/db_sqlite.h"
#include "lib/log.h"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE_SLOTS 256

struct db_stmt {
    const struct db_driver *drv;   /* first: see db_driver.h */
    sqlite3_stmt *st;
    db *conn;
    const char *key;  /* cache key (the SQL text pointer), NULL when not cached */
    int once;
};

struct db {
    const struct db_driver *drv;   /* first: see db_driver.h */
    sqlite3 *h;
    int writer;
    uint64_t serial;
    struct db_stmt cache[STMT_CACHE_SLOTS];
};

void sq_close(db *c);
db_stmt *sq_prepare(db *c, const char *sql);
db_stmt *sq_prepare_once(db *c, const char *sql);
void sq_done(db_stmt *s);

static char g_path[4096];
static _Thread_local db *t_reader;
static _Thread_local bool t_shared;

/* Every reader opened by a server thread, so shutdown can close them after
 * the threads are gone (thread-local storage alone would leak them). */
#define MAX_READERS 256
static db *g_readers[MAX_READERS];
static int g_nreaders;
static pthread_mutex_t g_readers_mu = PTHREAD_MUTEX_INITIALIZER;

/* The worker threads share a few readers (db_reader_shared): a write request
 * reads a few index pages before it waits for its commit, and 32 connections
 * with their own caches and schemas would be a good part of the server's
 * memory. Four, not eight: on two cores no more than a few run their reads
 * at once (a reader is given back before the commit wait), and each one
 * open costs its 512 KB cache and a 128 KB schema (issue 17: RSS). */
#define SHARED_READERS DB_SHARED_READERS
static db *g_shared_free[SHARED_READERS];
static int g_nshared_free, g_nshared_open;
static pthread_mutex_t g_shared_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_shared_cv = PTHREAD_COND_INITIALIZER;


sqlite3 *db_sqlite_handle(db *c) { return c->h; }

static int apply_pragmas(db *c, char *err, size_t errlen)
{
    static const char *const pragmas[] = {
        /* First: opening while another process writes or checkpoints
         * (a second server, `rapport db dump` beside a busy server) waits
         * for the lock instead of failing on the journal-mode pragma. */
        "PRAGMA busy_timeout=10000",
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA temp_store=MEMORY",
        "PRAGMA cache_size=-2000",   /* WRITER_CACHE_KIB (db/writer.h) */
    };
    for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++) {
        char *msg = NULL;
        if (sqlite3_exec(c->h, pragmas[i], NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", pragmas[i], msg ? msg : "error");
            sqlite3_free(msg);
            return -1;
        }
    }
    return 0;
}

db *sq_open(const char *path, bool writer, char *err, size_t errlen)
{
    db *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, errlen, "out of memory"); return NULL; }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &c->h, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, c->h ? sqlite3_errmsg(c->h) : "error");
        sqlite3_close(c->h);
        free(c);
        return NULL;
    }
    c->writer = writer;
    c->drv = &db_driver_sqlite;
    static uint64_t next_serial;
    c->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
    sqlite3_extended_result_codes(c->h, 0);
    if (apply_pragmas(c, err, errlen) != 0 || fts_register(c) != 0 || collate_register(c) != 0) {
        if (!err[0]) snprintf(err, errlen, "cannot register the search tokenizer or the name collation");
        sq_close(c);
        return NULL;
    }
    return c;
}

void sq_close(db *c)
{
    if (!c) return;
    for (int i = 0; i < STMT_CACHE_SLOTS; i++)
        if (c->cache[i].st) sqlite3_finalize(c->cache[i].st);
    sqlite3_close(c->h);
    free(c);
}

int sq_global_open(const char *path, bool create, char *err, size_t errlen)
{
    /* Memory statistics take a process-wide mutex on every allocation,
     * which the reader threads would otherwise fight over. (Only possible
     * before SQLite initialises; a later call is harmlessly refused.) */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite_alloc_install();
    sqlite_pcache_install();
    snprintf(g_path, sizeof g_path, "%s", path);
    if (!create) {
        FILE *f = fopen(path, "rb");
        if (!f) { snprintf(err, errlen, "no database at %s (run `rapport init --db %s`)", path, path); return -1; }
        fclose(f);
    }
    db *c = sq_open(path, true, err, errlen);
    if (!c) return -1;
    int rc = db_migrate(c, err, errlen);
    if (rc == 0) rc = collate_check(c, err, errlen);
    sq_close(c);
    return rc;
}

void sq_global_close(void)
{
    pthread_mutex_lock(&g_readers_mu);
    for (int i = 0; i < g_nreaders; i++) sq_close(g_readers[i]);
    g_nreaders = 0;
    pthread_mutex_unlock(&g_readers_mu);
    pthread_mutex_lock(&g_shared_mu);
    g_nshared_free = g_nshared_open = 0;
    pthread_mutex_unlock(&g_shared_mu);
    t_reader = NULL;
}

void sq_reader_shared(void) { t_shared = true; }

static db *open_reader(bool shared)
{
    char err[256] = "";
    db *c = sq_open(g_path, false, err, sizeof err);
    if (!c) { log_error("reader: %s", err); return NULL; }
    if (shared && sqlite3_exec(c->h, "PRAGMA cache_size=-512", NULL, NULL, NULL) != SQLITE_OK)
        log_warn("reader: cannot set the shared readers' page cache: %s", sqlite3_errmsg(c->h));
    pthread_mutex_lock(&g_readers_mu);
    if (g_nreaders < MAX_READERS) g_readers[g_nreaders++] = c;
    pthread_mutex_unlock(&g_readers_mu);
    return c;
}

static void forget_reader(db *c)
{
    pthread_mutex_lock(&g_readers_mu);
    for (int i = 0; i < g_nreaders; i++)
        if (g_readers[i] == c) { g_readers[i] = g_readers[--g_nreaders]; break; }
    pthread_mutex_unlock(&g_readers_mu);
}

static db *shared_acquire(void)
{
    pthread_mutex_lock(&g_shared_mu);
    while (!g_nshared_free && g_nshared_open >= SHARED_READERS) pthread_cond_wait(&g_shared_cv, &g_shared_mu);
    if (g_nshared_free) {
        db *c = g_shared_free[--g_nshared_free];
        pthread_mutex_unlock(&g_shared_mu);
        return c;
    }
    g_nshared_open++;
    pthread_mutex_unlock(&g_shared_mu);
    db *c = open_reader(true);
    if (!c) {
        pthread_mutex_lock(&g_shared_mu);
        g_nshared_open--;
        pthread_cond_signal(&g_shared_cv);
        pthread_mutex_unlock(&g_shared_mu);
    }
    return c;
}

static bool statements_busy(db *c)
{
    for (sqlite3_stmt *st = sqlite3_next_stmt(c->h, NULL); st; st = sqlite3_next_stmt(c->h, st))
        if (sqlite3_stmt_busy(st)) return true;
    return false;
}

/* Transaction control through the statement cache: sqlite3_exec would
 * parse and compile the statement again on every request. Returns 0 or an
 * SQLite error code, as sqlite3_exec does. */
static int run_cached(db *c, const char *sql)
{
    db_stmt *s = sq_prepare(c, sql);
    if (!s) return SQLITE_ERROR;
    int rc = sqlite3_step(s->st);
    sq_done(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc;
}

static const char SQL_BEGIN[] = "BEGIN", SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE", SQL_COMMIT[] = "COMMIT",
                  SQL_ROLLBACK[] = "ROLLBACK";

void sq_reader_yield(bool finished)
{
    if (!t_shared || !t_reader) return;
    bool open_txn = !sqlite3_get_autocommit(t_reader->h);
    if (!finished && (open_txn || statements_busy(t_reader))) return;
    if (open_txn) run_cached(t_reader, SQL_ROLLBACK);
    pthread_mutex_lock(&g_shared_mu);
    g_shared_free[g_nshared_free++] = t_reader;
    pthread_cond_signal(&g_shared_cv);
    pthread_mutex_unlock(&g_shared_mu);
    t_reader = NULL;
}

db *sq_reader(void)
{
    if (!t_reader) t_reader = t_shared ? shared_acquire() : open_reader(false);
    return t_reader;
}

void sq_reader_release(void)
{
    if (!t_reader) return;
    if (t_shared) { sq_reader_yield(true); return; }
    forget_reader(t_reader);
    sq_close(t_reader);
    t_reader = NULL;
}

static size_t slot_of(const char *sql)
{
    uintptr_t p = (uintptr_t)sql;
    return (size_t)((p >> 3) ^ (p >> 11)) % STMT_CACHE_SLOTS;
}

db_stmt *sq_prepare(db *c, const char *sql)
{
    if (!c) return NULL;
    size_t i = slot_of(sql);
    for (size_t probe = 0; probe < STMT_CACHE_SLOTS; probe++, i = (i + 1) % STMT_CACHE_SLOTS) {
        struct db_stmt *e = &c->cache[i];
        if (e->key == sql) return e;
        if (!e->key) {
            if (sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL) != SQLITE_OK) {
                log_error("prepare: %s in: %.200s", sqlite3_errmsg(c->h), sql);
                e->st = NULL;
                return NULL;
            }
            e->key = sql;
            e->conn = c;
            e->drv = &db_driver_sqlite;
            return e;
        }
    }
    return sq_prepare_once(c, sql); /* cache full: still correct, just slower */
}

db_stmt *sq_prepare_once(db *c, const char *sql)
{
    if (!c) return NULL;
    db_stmt *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (sqlite3_prepare_v2(c->h, sql, -1, &s->st, NULL) != SQLITE_OK) {
        log_error("prepare: %s in: %.300s", sqlite3_errmsg(c->h), sql);
        free(s);
        return NULL;
    }
    s->conn = c;
    s->drv = &db_driver_sqlite;
    s->once = 1;
    return s;
}

void sq_done(db_stmt *s)
{
    if (!s) return;
    if (s->once) {
        sqlite3_finalize(s->st);
        free(s);
        return;
    }
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
}

void sq_bind_int64(db_stmt *s, int idx, int64_t v) { sqlite3_bind_int64(s->st, idx, v); }
void sq_bind_double(db_stmt *s, int idx, double v) { sqlite3_bind_double(s->st, idx, v); }
void sq_bind_text(db_stmt *s, int idx, const char *v)
{
    if (v) sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s->st, idx);
}
void sq_bind_textn(db_stmt *s, int idx, const char *v, size_t n) { sqlite3_bind_text(s->st, idx, v, (int)n, SQLITE_TRANSIENT); }
void sq_bind_blob(db_stmt *s, int idx, const void *v, size_t n) { sqlite3_bind_blob(s->st, idx, v, (int)n, SQLITE_TRANSIENT); }
void sq_bind_null(db_stmt *s, int idx) { sqlite3_bind_null(s->st, idx); }
int sq_bind_count(db_stmt *s) { return sqlite3_bind_parameter_count(s->st); }

int sq_step(db_stmt *s)
{
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) return DB_DONE;
    return rc;
}

int sq_column_count(db_stmt *s) { return sqlite3_column_count(s->st); }
int sq_column_type(db_stmt *s, int col) { return sqlite3_column_type(s->st, col); }
const char *sq_column_name(db_stmt *s, int col) { return sqlite3_column_name(s->st, col); }
int64_t sq_column_int64(db_stmt *s, int col) { return sqlite3_column_int64(s->st, col); }
double sq_column_double(db_stmt *s, int col) { return sqlite3_column_double(s->st, col); }
const char *sq_column_text(db_stmt *s, int col) { return (const char *)sqlite3_column_text(s->st, col); }
const char *sq_column_bytes(db_stmt *s, int col, size_t *len)
{
    /* One column call, then the value's own accessors: each column call
     * costs a bounds check and the error-state dance. */
    sqlite3_value *v = sqlite3_column_value(s->st, col);
    int type = sqlite3_value_type(v);
    const char *t;
    if (type == SQLITE_NULL) t = NULL;
    else if (type == SQLITE_TEXT || type == SQLITE_BLOB) t = sqlite3_value_blob(v);
    else t = (const char *)sqlite3_column_text(s->st, col);   /* a number, converted */
    *len = t ? (size_t)(type == SQLITE_TEXT || type == SQLITE_BLOB ? sqlite3_value_bytes(v) : sqlite3_column_bytes(s->st, col)) : 0;
    if (!t && type != SQLITE_NULL) t = "";   /* a zero-length text or blob */
    return t;
}
const void *sq_column_blob(db_stmt *s, int col, size_t *n)
{
    const void *p = sqlite3_column_blob(s->st, col);
    *n = (size_t)sqlite3_column_bytes(s->st, col);
    return p;
}

int sq_exec(db *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) log_error("exec: %s", msg ? msg : sqlite3_errmsg(c->h));
    sqlite3_free(msg);
    return rc;
}

int64_t sq_last_insert_id(db *c) { return sqlite3_last_insert_rowid(c->h); }
int sq_changes(db *c) { return sqlite3_changes(c->h); }
const char *sq_errmsg(db *c) { return c ? sqlite3_errmsg(c->h) : "no connection"; }
int sq_errcode(db *c) { return c ? sqlite3_errcode(c->h) : DB_ERROR; }


/* "UNIQUE constraint failed: party.external_id" (or "t.a, t.b"): SQLite
 * names the columns only in the message, so the driver, which knows its
 * engine's wording, reads the last table.column out of it; nothing above
 * the driver looks at the text. */
static void constraint_target(const char *msg, struct db_error *e)
{
    const char *colon = strstr(msg, "failed: ");
    if (!colon) return;
    const char *last = colon + 8, *comma;
    while ((comma = strstr(last, ", ")) != NULL) last = comma + 2;
    const char *dot = strchr(last, '.');
    if (!dot) return;
    size_t nt = (size_t)(dot - last), nc = strcspn(dot + 1, " ,");
    if (nt >= sizeof e->table || nc >= sizeof e->column) return;
    memcpy(e->table, last, nt);
    e->table[nt] = '\0';
    memcpy(e->column, dot + 1, nc);
    e->column[nc] = '\0';
}

enum db_errclass sq_error(db *c, struct db_error *out)
{
    struct db_error e = {DB_ERR_OTHER, "", ""};
    int code = c ? sqlite3_extended_errcode(c->h) : SQLITE_MISUSE;
    switch (code) {
    case SQLITE_OK: case SQLITE_ROW: case SQLITE_DONE: e.kind = DB_ERR_NONE; break;
    case SQLITE_CONSTRAINT_UNIQUE: case SQLITE_CONSTRAINT_PRIMARYKEY: case SQLITE_CONSTRAINT_ROWID:
        e.kind = DB_ERR_UNIQUE;
        constraint_target(sqlite3_errmsg(c->h), &e);
        break;
    case SQLITE_CONSTRAINT_FOREIGNKEY: e.kind = DB_ERR_FOREIGN_KEY; break;
    case SQLITE_CONSTRAINT_NOTNULL:
        e.kind = DB_ERR_NOT_NULL;
        constraint_target(sqlite3_errmsg(c->h), &e);
        break;
    case SQLITE_CONSTRAINT_CHECK: case SQLITE_CONSTRAINT_TRIGGER: e.kind = DB_ERR_CHECK; break;
    case SQLITE_FULL: e.kind = DB_ERR_FULL; break;
    default:
        if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) e.kind = DB_ERR_BUSY;
        else if ((code & 0xff) == SQLITE_FULL) e.kind = DB_ERR_FULL;
        break;
    }
    if (out) *out = e;
    return e.kind;
}

int sq_cache_size(db *c, int kib)
{
    /* A negative cache_size is in KiB; PRAGMA takes no bound parameter, and
     * the number is ours, not a client's. */
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", kib > 0 ? kib : 1);
    return sq_exec(c, sql);
}

db *sq_open_readonly(const char *path, char *err, size_t errlen)
{
    db *c = sq_open(path, false, err, errlen);
    /* query_only refuses every change, DDL included, on this connection,
     * while the connection still reads the WAL like any reader. */
    if (c && sq_exec(c, "PRAGMA query_only=1") != 0) {
        snprintf(err, errlen, "cannot make the connection read-only");
        sq_close(c);
        return NULL;
    }
    return c;
}

int sq_integrity_check(db *c, char *out, size_t cap)
{
    db_stmt *s = sq_prepare_once(c, "PRAGMA integrity_check(20)");
    if (!s) return -1;
    size_t n = 0;
    int rc, rows = 0;
    bool ok = false;
    if (cap) out[0] = '\0';
    while ((rc = sq_step(s)) == DB_ROW) {
        const char *line = sq_column_text(s, 0);
        if (!line) continue;
        if (rows++ == 0 && strcmp(line, "ok") == 0) ok = true;
        int w = snprintf(out + n, cap > n ? cap - n : 0, "%s%s", n ? "\n" : "", line);
        if (w > 0) n = n + (size_t)w < cap ? n + (size_t)w : cap;
    }
    sq_done(s);
    if (rc != DB_DONE) return -1;
    return ok && rows == 1 ? 0 : 1;
}

int sq_tables(db *c, int (*fn)(void *arg, const char *table), void *arg)
{
    /* The FTS5 index's shadow tables (party_fts_data …) are its storage,
     * not data: the index itself is listed and read through its table. */
    db_stmt *s = sq_prepare_once(c, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                                    " AND NOT (name LIKE '%\\_fts\\_%' ESCAPE '\\') ORDER BY name");
    if (!s) return -1;
    int rc, out = 0;
    while (!out && (rc = sq_step(s)) == DB_ROW) out = fn(arg, sq_column_text(s, 0));
    sq_done(s);
    return out;
}

int sq_wal_truncate(db *c, int *busy, int *log_pages, int *copied)
{
    *log_pages = *copied = -1;
    int rc = sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, log_pages, copied);
    *busy = rc == SQLITE_BUSY;
    return rc == SQLITE_BUSY ? 0 : rc;
}

db_stmt *sq_prepare_table_scan(db *c, const char *table)
{
    /* The name comes from the catalog (db_tables), but it is checked to be
     * a plain identifier before it becomes SQL text. Rows come in rowid
     * order, which a scan of the same data always gives. */
    if (!table || !table[0] || strlen(table) > 64) return NULL;
    for (const char *p = table; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return NULL;
    char sql[128] = "SELECT * FROM \"";
    size_t n = strlen(sql), k = strlen(table);
    memcpy(sql + n, table, k);
    memcpy(sql + n + k, "\"", 2);
    return sq_prepare_once(c, sql);
}

uint64_t sq_serial(const db *c) { return c ? c->serial : 0; }

bool sq_in_transaction(db *c) { return c && !sqlite3_get_autocommit(c->h); }
bool sq_in_write_transaction(db *c) { return c && sqlite3_txn_state(c->h, NULL) == SQLITE_TXN_WRITE; }

int64_t sq_data_version(db *c)
{
    db_stmt *s = sq_prepare(c, "PRAGMA data_version");
    int64_t v = s && sq_step(s) == DB_ROW ? sq_column_int64(s, 0) : -1;
    sq_done(s);
    return v;
}

int sq_begin_read(db *c)
{
    /* A read whose COMMIT failed (out of memory) left its transaction open:
     * end it here, or this connection would read that old snapshot forever. */
    if (!sqlite3_get_autocommit(c->h)) run_cached(c, SQL_ROLLBACK);
    return run_cached(c, SQL_BEGIN);
}
int sq_begin_write(db *c) { return run_cached(c, SQL_BEGIN_IMMEDIATE); }
int sq_commit(db *c) { return run_cached(c, SQL_COMMIT); }
int sq_rollback(db *c) { return run_cached(c, SQL_ROLLBACK); }

static const char SQL_SAVEPOINT[] = "SAVEPOINT job", SQL_RELEASE[] = "RELEASE job", SQL_ROLLBACK_TO[] = "ROLLBACK TO job";
int sq_savepoint(db *c) { return run_cached(c, SQL_SAVEPOINT); }
int sq_savepoint_release(db *c) { return run_cached(c, SQL_RELEASE); }
int sq_savepoint_rollback(db *c) { return run_cached(c, SQL_ROLLBACK_TO); }

int sq_backup_to(const char *src, const char *dest, char *err, size_t errlen)
{
    sqlite3 *from = NULL, *to = NULL;
    int rc = -1;
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s", src);
        goto done;
    }
    if (sqlite3_open_v2(dest, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot create %s", dest);
        goto done;
    }
    sqlite3_busy_timeout(from, 10000);
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) { snprintf(err, errlen, "backup: %s", sqlite3_errmsg(to)); goto done; }
    /* Copy every page in one step, inside one read transaction: in WAL mode
     * that does not block the serving writer, and the copy is the snapshot
     * of the moment it started. Copying in small steps restarts whenever
     * another connection commits between steps, so under a steady stream
     * of writes a backup of a large database never finished. */
    int step;
    while ((step = sqlite3_backup_step(b, -1)) == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED)
        if (step != SQLITE_OK) sqlite3_sleep(5);
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE) { snprintf(err, errlen, "backup failed: %s", sqlite3_errstr(step)); goto done; }
    rc = 0;
done:
    sqlite3_close(to);
    sqlite3_close(from);
    return rc;
}

const struct db_driver db_driver_sqlite = {
    .dialect = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .global_open = sq_global_open,
    .global_close = sq_global_close,
    .reader_shared = sq_reader_shared,
    .reader_yield = sq_reader_yield,
    .reader = sq_reader,
    .reader_release = sq_reader_release,
    .prepare = sq_prepare,
    .prepare_once = sq_prepare_once,
    .done = sq_done,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_textn = sq_bind_textn,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .bind_count = sq_bind_count,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_type = sq_column_type,
    .column_name = sq_column_name,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_bytes = sq_column_bytes,
    .column_blob = sq_column_blob,
    .exec = sq_exec,
    .last_insert_id = sq_last_insert_id,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .errcode = sq_errcode,
    .error = sq_error,
    .cache_size = sq_cache_size,
    .open_readonly = sq_open_readonly,
    .integrity_check = sq_integrity_check,
    .tables = sq_tables,
    .wal_truncate = sq_wal_truncate,
    .prepare_table_scan = sq_prepare_table_scan,
    .serial = sq_serial,
    .in_transaction = sq_in_transaction,
    .in_write_transaction = sq_in_write_transaction,
    .data_version = sq_data_version,
    .begin_read = sq_begin_read,
    .begin_write = sq_begin_write,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .savepoint_release = sq_savepoint_release,
    .savepoint_rollback = sq_savepoint_rollback,
    .backup_to = sq_backup_to,
    .sql_sort_key_param = sq_sql_sort_key_param,
    .sql_json_list_has = sq_sql_json_list_has,
    .sql_json_scalar_eq = sq_sql_json_scalar_eq,
    .search_remove = sq_search_remove,
    .search_add = sq_search_add,
    .search_condition = sq_search_condition,
};
