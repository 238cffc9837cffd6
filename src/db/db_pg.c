/* db_pg: the PostgreSQL driver behind db.h (libpq).
 *
 * The database is named by a libpq URI (postgres://user@host:port/db); what
 * it leaves out comes from the PG* variables, as for psql. The callers'
 * portable SQL has SQLite's plain `?` parameters: the driver numbers them
 * ($1, $2 …, outside quotes and comments) when it prepares a statement.
 *
 * Statements are prepared once per connection (PQprepare, named "s<n>"),
 * lazily at the first step, with the types of the first values bound to
 * them: an integer is int8, a double float8, a blob bytea, text and NULL
 * are left for the server to infer from their place. A statement whose
 * parameter types cannot be inferred so (`? IS NULL`) is prepared again
 * with its untyped parameters as text. Values go as text, results come as
 * text (bytea decoded on demand), all rows of a statement at once.
 *
 * What SQLite does without asking and PostgreSQL does not:
 *  - last_insert_rowid: an INSERT into a table whose id is an identity
 *    column gets "RETURNING id" appended; the driver reads it and the
 *    caller still sees DB_DONE;
 *  - a failed statement leaves a SQLite transaction usable, while it aborts
 *    a PostgreSQL one: inside a write transaction each changing statement
 *    runs under a savepoint the driver rolls back to when it fails, so the
 *    caller may go on as it would on SQLite;
 *  - the SQLite-only services (kept snapshots, WAL checkpoints, the page
 *    cache, online backup) are skipped: the server has its own.
 * Readers are one connection per thread (or a pool of eight for the
 * threads that ask, db_reader_shared), like SQLite's. */
#include "db/db.h"
#include "db/db_driver.h"
#include "db/pg_sql.h"
#include "db/pg_bulk.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include <ctype.h>
#include "lib/lazy_pq.h"
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STMT_CACHE_SLOTS 256
#define MAX_PARAMS 999
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_TEXT = 25, OID_OID = 26,
       OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

struct db_stmt {
    const struct db_driver *drv;   /* first: see db_driver.h */
    struct db *conn;
    const char *key;      /* cache key (the caller's SQL text pointer), NULL when not cached */
    int once;
    char *sql;            /* with $n parameters (and RETURNING id when implicit) */
    int nparams;
    unsigned prepared_as; /* the statement's name number on the server, 0 until prepared */
    bool implicit_id;     /* RETURNING id was appended for db_last_insert_id */
    bool changing;        /* INSERT / UPDATE / DELETE: runs under a savepoint in a write transaction */
    /* the bound values of the next execution */
    char **vals;
    int *lens, *fmts;
    unsigned *types;      /* Oid */
    bool *owned;
    /* the result being stepped through */
    PGresult *res;
    int row, nrows;
    bool executed;
    bool stream;          /* db_prepare_stream: rows read a batch at a time through a cursor */
    bool streaming;       /* its cursor is open (execute_stream) */
    bool stream_txn;      /* the cursor's transaction is the stream's own */
    bool fetch_sent;      /* the next FETCH is on its way */
    unsigned char **blobs; /* decoded bytea values of the current row, per column */
    size_t *blob_lens;
    int nblobs;
};

struct db {
    const struct db_driver *drv;   /* first: see db_driver.h */
    PGconn *h;
    bool writer, write_txn;
    uint64_t serial;
    int64_t last_id;
    int changes;
    int busy;             /* statements executed and not yet db_done */
    char sqlstate[6];
    char errmsg[512];
    char err_table[64], err_column[64];
    char dealloc[4096];   /* DEALLOCATE commands waiting for the next command (unprepare) */
    size_t dealloc_len;
    struct db_stmt cache[STMT_CACHE_SLOTS];
    struct pg_bulk *bulk; /* db_bulk_begin: INSERTs held for COPY until the transaction ends (pg_bulk.c) */
    bool bulk_pass;       /* db_bulk_pass: the next statement runs without the held rows */
    json_t *bulk_memo;    /* db_bulk_memo: the hooks' memo, as long as the held rows */
    struct db_stmt *at_commit; /* db_step_at_commit: runs in the COMMIT's round trip (pg_commit) */
};

static char g_conninfo[4096];
static _Thread_local db *t_reader;
static _Thread_local bool t_shared;
static unsigned g_next_name;

#define MAX_READERS 256
static db *g_readers[MAX_READERS];
static int g_nreaders;
static pthread_mutex_t g_readers_mu = PTHREAD_MUTEX_INITIALIZER;
#define SHARED_READERS 8
static db *g_shared_free[SHARED_READERS];
static int g_nshared_free, g_nshared_open;
static pthread_mutex_t g_shared_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_shared_cv = PTHREAD_COND_INITIALIZER;

/* "postgres:" alone means: everything from the PG* variables. */
static const char *conninfo_of(const char *path) { return strcmp(path, "postgres:") == 0 ? "" : path; }

static void clear_error(db *c)
{
    c->sqlstate[0] = c->errmsg[0] = c->err_table[0] = c->err_column[0] = '\0';
}

static void set_error(db *c, const PGresult *r, const char *what)
{
    const char *state = r ? lz_pq.PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "XX000");
    const char *msg = r ? lz_pq.PQresultErrorMessage(r) : NULL;
    if (!msg || !msg[0]) msg = lz_pq.PQerrorMessage(c->h);
    snprintf(c->errmsg, sizeof c->errmsg, "%s%s%s", what ? what : "", what ? ": " : "", msg ? msg : "error");
    size_t n = strlen(c->errmsg);
    while (n && (c->errmsg[n - 1] == '\n' || c->errmsg[n - 1] == ' ')) c->errmsg[--n] = '\0';
    const char *t = r ? lz_pq.PQresultErrorField(r, PG_DIAG_TABLE_NAME) : NULL;
    snprintf(c->err_table, sizeof c->err_table, "%s", t ? t : "");
    const char *col = r ? lz_pq.PQresultErrorField(r, PG_DIAG_COLUMN_NAME) : NULL;
    c->err_column[0] = '\0';
    if (col) snprintf(c->err_column, sizeof c->err_column, "%s", col);
    else if (r && strcmp(c->sqlstate, "23505") == 0) {
        /* "Key (user_id, key)=(…) already exists.": the last column, as SQLite's message gives it */
        const char *d = lz_pq.PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
        const char *open = d ? strstr(d, "Key (") : NULL;
        const char *close = open ? strstr(open, ")=") : NULL;
        if (open && close) {
            const char *last = open + 5;
            for (const char *p = last; p < close; p++)
                if (*p == ',' && p[1] == ' ') last = p + 2;
            size_t k = (size_t)(close - last);
            if (k < sizeof c->err_column) { memcpy(c->err_column, last, k); c->err_column[k] = '\0'; }
        }
    }
}

/* The driver's result code for an error SQLSTATE (SQLite's numbers, which
 * callers compare with DB_CONSTRAINT / DB_BUSY / DB_FULL). */
static int code_of(const char *state)
{
    if (strncmp(state, "23", 2) == 0) return DB_CONSTRAINT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0) return DB_BUSY;
    if (strcmp(state, "53100") == 0) return DB_FULL;
    if (strncmp(state, "58", 2) == 0) return DB_IOERR;
    return DB_ERROR;
}

/* Sends the DEALLOCATEs waiting (in a failed transaction they wait on). */
static void flush_deallocs(db *c)
{
    if (!c->dealloc_len || lz_pq.PQtransactionStatus(c->h) == PQTRANS_INERROR) return;
    lz_pq.PQclear(lz_pq.PQexec(c->h, c->dealloc));
    c->dealloc_len = 0;
    c->dealloc[0] = '\0';
}

/* Runs SQL with no parameters; 0 or an error code (the error kept). The
 * DEALLOCATEs waiting go after it, in the same round trip. */
static int run(db *c, const char *sql)
{
    /* after the command: BEGIN ISOLATION LEVEL must come first */
    char both[4096 + 256];
    size_t k = strlen(sql);
    if (c->dealloc_len && lz_pq.PQtransactionStatus(c->h) != PQTRANS_INERROR && k < 250) {
        memcpy(both, sql, k);
        memcpy(both + k, "; ", 2);
        memcpy(both + k + 2, c->dealloc, c->dealloc_len + 1);
        c->dealloc_len = 0;
        c->dealloc[0] = '\0';
        sql = both;
    }
    PGresult *r = lz_pq.PQexec(c->h, sql);
    ExecStatusType st = lz_pq.PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_error(c, r, NULL);
        rc = code_of(c->sqlstate);
    }
    lz_pq.PQclear(r);
    return rc;
}

static void notice_quiet(void *arg, const char *message) {}

db *pg_open(const char *path, bool writer, char *err, size_t errlen)
{
    db *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, errlen, "out of memory"); return NULL; }
    c->drv = &db_driver_pg;
    if (lazy_pq_load(err, errlen) != 0) { free(c); return NULL; }
    c->h = lz_pq.PQconnectdb(conninfo_of(path));
    if (!c->h || lz_pq.PQstatus(c->h) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to %s: %s", path, c->h ? lz_pq.PQerrorMessage(c->h) : "out of memory");
        size_t n = strlen(err);
        while (n && err[n - 1] == '\n') err[--n] = '\0';
        lz_pq.PQfinish(c->h);
        free(c);
        return NULL;
    }
    lz_pq.PQsetNoticeProcessor(c->h, notice_quiet, NULL);
    c->writer = writer;
    static uint64_t next_serial;
    c->serial = __atomic_add_fetch(&next_serial, 1, __ATOMIC_RELAXED);
    /* Times are text; the session's own settings must not change results. */
    if (run(c, "SET client_encoding = 'UTF8'; SET standard_conforming_strings = on; SET TIME ZONE 'UTC'") != 0) {
        snprintf(err, errlen, "cannot set up the connection: %s", c->errmsg);
        lz_pq.PQfinish(c->h);
        free(c);
        return NULL;
    }
    return c;
}

static int run(db *c, const char *sql);

/* Ends a stream: reads what is left of a FETCH on its way and closes the
 * cursor (with its own transaction, if it began one), so the connection is
 * free again. */
static void stream_drain(db_stmt *s)
{
    PGresult *r;
    if (s->fetch_sent)
        while ((r = lz_pq.PQgetResult(s->conn->h))) lz_pq.PQclear(r);
    s->fetch_sent = false;
    if (s->streaming) {
        if (s->stream_txn) run(s->conn, "ROLLBACK");   /* read only: nothing to keep; closes the cursor */
        else if (lz_pq.PQtransactionStatus(s->conn->h) == PQTRANS_INTRANS) run(s->conn, "CLOSE rapport_stream");
    }
    s->stream_txn = false;
    s->streaming = false;
}

static void stmt_reset(db_stmt *s)
{
    if (s->res) { lz_pq.PQclear(s->res); s->res = NULL; }
    if (s->streaming) stream_drain(s);
    for (int i = 0; i < s->nblobs; i++) free(s->blobs[i]);
    if (s->nblobs) memset(s->blobs, 0, sizeof *s->blobs * (size_t)s->nblobs);
    s->row = -1;
    s->nrows = 0;
    if (s->executed && s->conn->busy > 0) s->conn->busy--;
    s->executed = false;
}

static void stmt_clear_bindings(db_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        if (s->owned[i]) free(s->vals[i]);
        s->vals[i] = NULL;
        s->owned[i] = false;
        s->lens[i] = 0;
        s->fmts[i] = 0;
        s->types[i] = 0;
    }
}

static void stmt_free(db_stmt *s)
{
    stmt_reset(s);
    stmt_clear_bindings(s);
    free(s->sql);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s->types);
    free(s->owned);
    free(s->blobs);
    free(s->blob_lens);
}

void pg_close(db *c)
{
    if (!c) return;
    pg_bulk_free(c->bulk);
    json_decref(c->bulk_memo);
    for (int i = 0; i < STMT_CACHE_SLOTS; i++)
        if (c->cache[i].key) stmt_free(&c->cache[i]);
    lz_pq.PQfinish(c->h);
    free(c);
}

/* Whether table has an identity column id (whose value an INSERT returns
 * for db_last_insert_id). Known tables are remembered for the process:
 * migrations run before anything inserts into a new table. */
#define MAX_ID_TABLES 128
static struct { char name[64]; bool identity; } g_id_tables[MAX_ID_TABLES];
static int g_nid_tables;
static pthread_mutex_t g_id_mu = PTHREAD_MUTEX_INITIALIZER;

static bool table_has_identity_id(db *c, const char *table)
{
    pthread_mutex_lock(&g_id_mu);
    for (int i = 0; i < g_nid_tables; i++)
        if (strcmp(g_id_tables[i].name, table) == 0) {
            bool yes = g_id_tables[i].identity;
            pthread_mutex_unlock(&g_id_mu);
            return yes;
        }
    pthread_mutex_unlock(&g_id_mu);
    const char *vals[1] = {table};
    PGresult *r = lz_pq.PQexecParams(c->h,
                               "SELECT a.attidentity <> '' FROM pg_attribute a WHERE a.attrelid = to_regclass($1)"
                               " AND a.attname = 'id' AND NOT a.attisdropped",
                               1, NULL, vals, NULL, NULL, 0);
    bool known = lz_pq.PQresultStatus(r) == PGRES_TUPLES_OK, yes = false;
    if (known && lz_pq.PQntuples(r) == 1) yes = lz_pq.PQgetvalue(r, 0, 0)[0] == 't';
    lz_pq.PQclear(r);
    if (known) {
        pthread_mutex_lock(&g_id_mu);
        if (g_nid_tables < MAX_ID_TABLES && strlen(table) < sizeof g_id_tables[0].name) {
            memcpy(g_id_tables[g_nid_tables].name, table, strlen(table) + 1);
            g_id_tables[g_nid_tables++].identity = yes;
        }
        pthread_mutex_unlock(&g_id_mu);
    }
    return yes;
}

/* Sets up s for sql: numbered parameters, the implicit RETURNING id. */
static int stmt_init(db *c, db_stmt *s, const char *sql)
{
    memset(s, 0, sizeof *s);
    s->drv = &db_driver_pg;
    s->conn = c;
    s->row = -1;
    char table[64];
    int n = 0;
    s->sql = pg_sql_number_params(sql, &n);
    if (!s->sql) return -1;
    s->nparams = n;
    s->changing = pg_sql_is_change(sql);
    if (pg_sql_insert_target(sql, table, sizeof table) && !pg_sql_has_returning(sql) &&
        table_has_identity_id(c, table)) {
        size_t k = strlen(s->sql);
        while (k && (s->sql[k - 1] == ';' || isspace((unsigned char)s->sql[k - 1]))) k--;
        char *w = malloc(k + sizeof " RETURNING id");
        if (!w) return -1;
        memcpy(w, s->sql, k);
        memcpy(w + k, " RETURNING id", sizeof " RETURNING id");
        free(s->sql);
        s->sql = w;
        s->implicit_id = true;
    }
    size_t np = (size_t)(n ? n : 1);
    s->vals = calloc(np, sizeof *s->vals);
    s->lens = calloc(np, sizeof *s->lens);
    s->fmts = calloc(np, sizeof *s->fmts);
    s->types = calloc(np, sizeof *s->types);
    s->owned = calloc(np, sizeof *s->owned);
    if (!s->vals || !s->lens || !s->fmts || !s->types || !s->owned) return -1;
    return 0;
}

static size_t slot_of(const char *sql)
{
    uintptr_t p = (uintptr_t)sql;
    return (size_t)((p >> 3) ^ (p >> 11)) % STMT_CACHE_SLOTS;
}

db_stmt *pg_prepare_once(db *c, const char *sql);
db_stmt *pg_prepare_stream(db *c, const char *sql);

db_stmt *pg_prepare(db *c, const char *sql)
{
    size_t i = slot_of(sql);
    for (size_t probe = 0; probe < STMT_CACHE_SLOTS; probe++, i = (i + 1) % STMT_CACHE_SLOTS) {
        struct db_stmt *e = &c->cache[i];
        if (e->key == sql) return e;
        if (!e->key) {
            if (stmt_init(c, e, sql) != 0) {
                stmt_free(e);
                memset(e, 0, sizeof *e);
                return NULL;
            }
            e->key = sql;
            return e;
        }
    }
    return pg_prepare_once(c, sql);
}

db_stmt *pg_prepare_once(db *c, const char *sql)
{
    db_stmt *s = malloc(sizeof *s);
    if (!s) return NULL;
    if (stmt_init(c, s, sql) != 0) {
        stmt_free(s);
        free(s);
        return NULL;
    }
    s->once = 1;
    return s;
}

db_stmt *pg_prepare_stream(db *c, const char *sql)
{
    db_stmt *s = pg_prepare_once(c, sql);
    if (s) s->stream = true;
    return s;
}

/* A statement prepared once is deallocated with the connection's next
 * command of its own (run: BEGIN, COMMIT …), not in a round trip of its own. */
static void unprepare(db_stmt *s)
{
    if (!s->prepared_as) return;
    db *c = s->conn;
    char sql[48];
    int n = snprintf(sql, sizeof sql, "DEALLOCATE s%u; ", s->prepared_as);
    if (c->dealloc_len + (size_t)n >= sizeof c->dealloc) flush_deallocs(c);
    if (c->dealloc_len + (size_t)n < sizeof c->dealloc) {
        memcpy(c->dealloc + c->dealloc_len, sql, (size_t)n + 1);
        c->dealloc_len += (size_t)n;
    }
    s->prepared_as = 0;
}

void pg_done(db_stmt *s)
{
    stmt_reset(s);
    stmt_clear_bindings(s);
    if (s->once) {
        unprepare(s);
        stmt_free(s);
        free(s);
    }
}

static void bind_value(db_stmt *s, int idx, char *v, int len, int fmt, unsigned type, bool owned)
{
    if (idx < 1 || idx > s->nparams) { if (owned) free(v); return; }
    int i = idx - 1;
    if (s->owned[i]) free(s->vals[i]);
    s->vals[i] = v;
    s->lens[i] = len;
    s->fmts[i] = fmt;
    s->types[i] = type;
    s->owned[i] = owned;
}

void pg_bind_int64(db_stmt *s, int idx, int64_t v)
{
    char *t = malloc(24);
    if (t) snprintf(t, 24, "%lld", (long long)v);
    bind_value(s, idx, t, 0, 0, OID_INT8, true);
}
void pg_bind_double(db_stmt *s, int idx, double v)
{
    char *t = malloc(32);
    if (t) snprintf(t, 32, "%.17g", v);
    bind_value(s, idx, t, 0, 0, OID_FLOAT8, true);
}
void pg_bind_textn(db_stmt *s, int idx, const char *v, size_t n)
{
    if (!v) { bind_value(s, idx, NULL, 0, 0, 0, false); return; }
    char *t = malloc(n + 1);
    if (t) { memcpy(t, v, n); t[n] = '\0'; }
    bind_value(s, idx, t, 0, 0, 0, true);
}
void pg_bind_text(db_stmt *s, int idx, const char *v) { pg_bind_textn(s, idx, v, v ? strlen(v) : 0); }
void pg_bind_blob(db_stmt *s, int idx, const void *v, size_t n)
{
    char *t = malloc(n ? n : 1);
    if (t && n) memcpy(t, v, n);
    bind_value(s, idx, t, (int)n, 1, OID_BYTEA, true);
}
void pg_bind_null(db_stmt *s, int idx) { bind_value(s, idx, NULL, 0, 0, 0, false); }
int pg_bind_count(db_stmt *s) { return s->nparams; }

static void stmt_name(const db_stmt *s, char out[24]) { snprintf(out, 24, "s%u", s->prepared_as); }

/* The parameter types a statement text was prepared with successfully, for
 * the process: the next connection to prepare it uses them and needs no
 * savepoint. Keyed by the text (statements assembled per request repeat). */
#define TYPE_MEMO_SLOTS 1024
struct type_memo { uint64_t hash; char *sql; unsigned *types; int n; };
static struct type_memo g_type_memo[TYPE_MEMO_SLOTS];
static pthread_mutex_t g_type_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t text_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

static bool type_memo_get(const db_stmt *s, unsigned *out)
{
    uint64_t h = text_hash(s->sql);
    bool hit = false;
    pthread_mutex_lock(&g_type_mu);
    struct type_memo *m = &g_type_memo[h % TYPE_MEMO_SLOTS];
    if (m->sql && m->hash == h && m->n == s->nparams && strcmp(m->sql, s->sql) == 0) {
        if (s->nparams) memcpy(out, m->types, sizeof *out * (size_t)s->nparams);
        hit = true;
    }
    pthread_mutex_unlock(&g_type_mu);
    return hit;
}

static void type_memo_put(const db_stmt *s, const unsigned *types)
{
    uint64_t h = text_hash(s->sql);
    char *sql = strdup(s->sql);
    unsigned *t = malloc(sizeof *t * (size_t)(s->nparams ? s->nparams : 1));
    if (!sql || !t) { free(sql); free(t); return; }
    if (s->nparams) memcpy(t, types, sizeof *t * (size_t)s->nparams);
    pthread_mutex_lock(&g_type_mu);
    struct type_memo *m = &g_type_memo[h % TYPE_MEMO_SLOTS];
    free(m->sql);
    free(m->types);
    *m = (struct type_memo){h, sql, t, s->nparams};
    pthread_mutex_unlock(&g_type_mu);
}

/* PQprepare, under a savepoint when a transaction is open and guard is
 * set: a statement the server refuses would otherwise abort the caller's
 * transaction. */
static int prepare_on_server(db_stmt *s, const unsigned *types, bool guard)
{
    db *c = s->conn;
    bool in_txn = guard && lz_pq.PQtransactionStatus(c->h) == PQTRANS_INTRANS;
    if (in_txn && run(c, "SAVEPOINT rapport_prepare") != 0) return -1;
    unsigned name = __atomic_add_fetch(&g_next_name, 1, __ATOMIC_RELAXED);
    char sname[24];
    snprintf(sname, sizeof sname, "s%u", name);
    PGresult *r = lz_pq.PQprepare(c->h, sname, s->sql, s->nparams, (const Oid *)types);
    int rc = 0;
    if (lz_pq.PQresultStatus(r) != PGRES_COMMAND_OK) {
        set_error(c, r, "prepare");
        rc = -1;
    }
    lz_pq.PQclear(r);
    if (in_txn) run(c, rc ? "ROLLBACK TO SAVEPOINT rapport_prepare" : "RELEASE SAVEPOINT rapport_prepare");
    if (rc == 0) s->prepared_as = name;
    return rc;
}

static int ensure_prepared(db_stmt *s)
{
    if (s->prepared_as) return 0;
    unsigned *t = malloc(sizeof *t * (size_t)(s->nparams ? s->nparams : 1));
    if (!t) return -1;
    if (type_memo_get(s, t) && prepare_on_server(s, t, false) == 0) { free(t); return 0; }
    if (lz_pq.PQtransactionStatus(s->conn->h) == PQTRANS_INERROR) { free(t); goto fail; }
    int rc = prepare_on_server(s, s->types, true);
    if (rc == 0) type_memo_put(s, s->types);
    /* The types of the first values may not be those of the places they
     * fill: an integer bound for a condition (CASE WHEN ? …, a boolean
     * here), a text or NULL whose type the server cannot infer (`? IS
     * NULL`, 42P18). Try with every parameter but a blob left to the
     * server (a value's text reads as any type: '1' is a boolean), then
     * with the untyped ones said to be text. */
    for (int attempt = 0; attempt < 2 && rc != 0; attempt++) {
        const char *st = s->conn->sqlstate;
        if (strcmp(st, "42P18") && strcmp(st, "42725") && strcmp(st, "42883") && strcmp(st, "42804") && strcmp(st, "22P02"))
            break;
        for (int i = 0; i < s->nparams; i++)
            t[i] = s->types[i] == OID_BYTEA ? OID_BYTEA : attempt == 0 ? 0 : s->types[i] ? s->types[i] : OID_TEXT;
        rc = prepare_on_server(s, t, true);
        if (rc == 0) type_memo_put(s, t);
    }
    free(t);
    if (rc == 0) return 0;
fail:
    log_error("prepare: %s in: %.2000s", s->conn->errmsg, s->sql);
    return -1;
}

static bool command_changes(const char *tag)
{
    return strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 || strncmp(tag, "DELETE", 6) == 0 ||
           strncmp(tag, "MERGE", 5) == 0;
}

/* The result of the pipeline's next query (NULL-terminated results). */
static PGresult *next_result(PGconn *h)
{
    PGresult *r = lz_pq.PQgetResult(h), *extra;
    while (r && (extra = lz_pq.PQgetResult(h)) != NULL) lz_pq.PQclear(extra);
    return r;
}

/* Reads and drops the pipeline's remaining results up to its sync's. */
static void drain_to_sync(PGconn *h)
{
    PGresult *r;
    while ((r = lz_pq.PQgetResult(h)) != NULL) {
        ExecStatusType st = lz_pq.PQresultStatus(r);
        lz_pq.PQclear(r);
        if (st == PGRES_PIPELINE_SYNC) break;
    }
}

/* SAVEPOINT, the statement and RELEASE in one round trip (libpq's
 * pipeline mode): a changing statement of a write transaction costs no
 * more waits than one without its savepoint. Returns the statement's
 * result (the caller clears it); *released when the RELEASE ran (the
 * statement succeeded), else the caller rolls back to the savepoint. */
static PGresult *exec_guarded(db_stmt *s, const char *sname, bool *released)
{
    PGconn *h = s->conn->h;
    *released = false;
    if (!lz_pq.PQenterPipelineMode(h)) {
        if (run(s->conn, "SAVEPOINT rapport_stmt") != 0) return NULL;
        return lz_pq.PQexecPrepared(h, sname, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0);
    }
    PGresult *out = NULL;
    bool sent = lz_pq.PQsendQueryParams(h, "SAVEPOINT rapport_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
                lz_pq.PQsendQueryPrepared(h, sname, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0) &&
                lz_pq.PQsendQueryParams(h, "RELEASE SAVEPOINT rapport_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
                lz_pq.PQpipelineSync(h);
    if (sent) {
        PGresult *sp = next_result(h);
        bool sp_ok = lz_pq.PQresultStatus(sp) == PGRES_COMMAND_OK;
        out = next_result(h);
        if (!sp_ok) { lz_pq.PQclear(out); out = sp; sp = NULL; }
        lz_pq.PQclear(sp);
        PGresult *rel = next_result(h);
        *released = sp_ok && lz_pq.PQresultStatus(rel) == PGRES_COMMAND_OK;
        lz_pq.PQclear(rel);
        drain_to_sync(h);
    }
    lz_pq.PQexitPipelineMode(h);
    return out;
}

/* Room for the decoded bytea values of nc columns. */
static void size_blobs(db_stmt *s, int nc)
{
    if (nc <= s->nblobs) return;
    unsigned char **b = realloc(s->blobs, sizeof *b * (size_t)nc);
    size_t *bl = b ? realloc(s->blob_lens, sizeof *bl * (size_t)nc) : NULL;
    if (b) s->blobs = b;
    if (bl) s->blob_lens = bl;
    if (b && bl) {
        memset(b + s->nblobs, 0, sizeof *b * (size_t)(nc - s->nblobs));
        s->nblobs = nc;
    }
}

/* A streamed statement is read through a cursor (DECLARE … CURSOR FOR the
 * statement, in the caller's transaction or, outside one, a read-only
 * REPEATABLE READ transaction of its own), STREAM_FETCH rows a round trip:
 * the client never holds the whole result (ten million transactions would
 * be gigabytes), and each row costs what a row of an ordinary result does.
 * The next FETCH is sent as soon as a batch arrives, so the server reads
 * it while the caller works through this one. (libpq's single-row mode,
 * used before, made a result object of every row: the analytics load of
 * PostgreSQL spent most of its time there.) Until its last row is read (or
 * db_done), the connection runs nothing else. */
#define STREAM_FETCH 20000
#define STREAM_FETCH_SQL "FETCH FORWARD 20000 FROM rapport_stream"

static bool send_fetch(db *c) { return lz_pq.PQsendQueryParams(c->h, STREAM_FETCH_SQL, 0, NULL, NULL, NULL, NULL, 0) == 1; }

static int execute_stream(db_stmt *s)
{
    db *c = s->conn;
    s->stream_txn = lz_pq.PQtransactionStatus(c->h) == PQTRANS_IDLE;
    if (s->stream_txn && run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != 0) {
        s->stream_txn = false;
        return code_of(c->sqlstate);
    }
    strbuf decl;
    sb_init(&decl, 0);
    sb_printf(&decl, "DECLARE rapport_stream NO SCROLL CURSOR FOR %s", s->sql);
    /* the values' types left to the server, as a first prepare does (a
     * value's text reads as any type), but a blob's */
    Oid *types = calloc((size_t)s->nparams + 1, sizeof *types);
    for (int i = 0; types && i < s->nparams; i++) types[i] = s->types[i] == OID_BYTEA ? OID_BYTEA : 0;
    PGresult *r = decl.failed || !types ? NULL
                                        : lz_pq.PQexecParams(c->h, sb_str(&decl), s->nparams, types,
                                                             (const char *const *)s->vals, s->lens, s->fmts, 0);
    free(types);
    sb_free(&decl);
    s->streaming = true;
    if (lz_pq.PQresultStatus(r) != PGRES_COMMAND_OK) {
        set_error(c, r, r ? NULL : "out of memory");
        lz_pq.PQclear(r);
        stream_drain(s);
        return code_of(c->sqlstate);
    }
    lz_pq.PQclear(r);
    if (!send_fetch(c)) {
        set_error(c, NULL, lz_pq.PQerrorMessage(c->h));
        stream_drain(s);
        return DB_ERROR;
    }
    s->fetch_sent = true;
    s->executed = true;
    c->busy++;
    s->row = -1;
    s->nrows = 0;
    return 0;
}

/* The next row of a streamed statement: of the batch at hand, or of the
 * FETCH on its way (and the one after it is sent). */
static int step_stream(db_stmt *s)
{
    if (s->row + 1 < s->nrows) { s->row++; return DB_ROW; }
    if (s->res) { lz_pq.PQclear(s->res); s->res = NULL; }
    s->nrows = 0;
    if (!s->fetch_sent) { stream_drain(s); return DB_DONE; }
    PGresult *r = lz_pq.PQgetResult(s->conn->h), *end;
    while ((end = lz_pq.PQgetResult(s->conn->h))) lz_pq.PQclear(end);
    s->fetch_sent = false;
    if (lz_pq.PQresultStatus(r) != PGRES_TUPLES_OK) {
        set_error(s->conn, r, r ? NULL : lz_pq.PQerrorMessage(s->conn->h));
        lz_pq.PQclear(r);
        int rc = code_of(s->conn->sqlstate);
        log_warn("statement failed: %s in: %.300s", s->conn->errmsg, s->sql);
        stream_drain(s);
        return rc;
    }
    int n = lz_pq.PQntuples(r);
    if (n == STREAM_FETCH) {
        if (!send_fetch(s->conn)) {
            set_error(s->conn, NULL, lz_pq.PQerrorMessage(s->conn->h));
            lz_pq.PQclear(r);
            stream_drain(s);
            return DB_ERROR;
        }
        s->fetch_sent = true;
    }
    if (n == 0) {
        lz_pq.PQclear(r);
        stream_drain(s);
        return DB_DONE;
    }
    s->res = r;
    s->nrows = n;
    s->row = 0;
    size_blobs(s, lz_pq.PQnfields(r));
    return DB_ROW;
}

/* ---- bulk writes (db_bulk_begin): INSERTs held for COPY, pg_bulk.c ---- */

/* Sends the held rows; 0, or the error code (the transaction has failed). */
static int bulk_flush(db *c)
{
    if (!pg_bulk_holds(c->bulk)) return 0;
    PGresult *r = pg_bulk_flush(c->bulk, c->h);
    if (!r) return 0;
    set_error(c, r, "bulk write");
    lz_pq.PQclear(r);
    log_warn("%s", c->errmsg);
    return code_of(c->sqlstate);
}

static void bulk_end(db *c)
{
    pg_bulk_free(c->bulk);
    c->bulk = NULL;
    c->bulk_pass = false;
    json_decref(c->bulk_memo);
    c->bulk_memo = NULL;
}

/* Before statement s runs in a bulk write: 0 when it was held (its row is
 * in the buffer, the caller sees DB_DONE), 1 when it is to run (the held
 * rows it names sent first), else an error code. */
static int bulk_hold(db_stmt *s)
{
    db *c = s->conn;
    bool pass = c->bulk_pass;
    c->bulk_pass = false;
    if (!c->write_txn) return 1;
    if (s->changing && !s->stream) {
        int64_t id = 0;
        int k = pg_bulk_take(c->bulk, c->h, s->sql, s->implicit_id, s->nparams, s->vals, s->lens, s->fmts, &id,
                             c->errmsg, sizeof c->errmsg);
        if (k < 0) {
            snprintf(c->sqlstate, sizeof c->sqlstate, "XX000");
            return DB_ERROR;
        }
        if (k == 0) {
            if (s->implicit_id) c->last_id = id;
            c->changes = 1;
            s->executed = true;
            c->busy++;
            s->row = -1;
            s->nrows = 0;
            if (pg_bulk_full(c->bulk)) {
                int rc = bulk_flush(c);
                if (rc) return rc;
            }
            return 0;
        }
    }
    /* A write that is not held may refer to held rows (a points posting to
     * a new party, a transaction written as it comes to its new customer):
     * they go first, or its foreign key fails. */
    if (!pass && (pg_bulk_touches(c->bulk, s->sql) || (s->changing && pg_bulk_holds(c->bulk)))) {
        int rc = bulk_flush(c);
        if (rc) return rc;
    }
    return 1;
}

static int pg_bulk_on(db *c, const char *const *tables)
{
    if (!c->write_txn) return -1;
    bulk_end(c);
    c->bulk = pg_bulk_new(tables);
    /* A bulk write runs its few statements thousands of times: plan them
     * once (a custom plan at every execution was most of a duplicate
     * look-up's time). SET LOCAL: until the transaction ends. */
    if (c->bulk && run(c, "SET LOCAL plan_cache_mode = force_generic_plan") != 0) { bulk_end(c); return -1; }
    return c->bulk ? 0 : -1;
}

static void pg_bulk_pass_next(db *c) { if (c->bulk) c->bulk_pass = true; }

static json_t *pg_bulk_memo(db *c)
{
    if (!c->bulk) return NULL;
    if (!c->bulk_memo) c->bulk_memo = json_object();
    return c->bulk_memo;
}

static int execute(db_stmt *s)
{
    db *c = s->conn;
    clear_error(c);
    if (lz_pq.PQtransactionStatus(c->h) == PQTRANS_INERROR) {
        snprintf(c->sqlstate, sizeof c->sqlstate, "25P02");
        snprintf(c->errmsg, sizeof c->errmsg, "the transaction failed earlier and must be rolled back");
        return DB_ERROR;
    }
    if (c->bulk) {
        int held = bulk_hold(s);
        if (held <= 0) return held;
    }
    if (ensure_prepared(s) != 0) return code_of(c->sqlstate);
    if (s->stream && !s->changing) return execute_stream(s);
    bool guard = s->changing && c->write_txn && lz_pq.PQtransactionStatus(c->h) == PQTRANS_INTRANS;
    char sname[24];
    stmt_name(s, sname);
    bool released = false;
    PGresult *r = guard ? exec_guarded(s, sname, &released)
                        : lz_pq.PQexecPrepared(c->h, sname, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0);
    ExecStatusType st = lz_pq.PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        set_error(c, r, NULL);
        lz_pq.PQclear(r);
        if (guard) {
            /* keep the error of the statement, not of the rollback */
            char state[6], msg[512], t[64], col[64];
            memcpy(state, c->sqlstate, sizeof state);
            memcpy(msg, c->errmsg, sizeof msg);
            memcpy(t, c->err_table, sizeof t);
            memcpy(col, c->err_column, sizeof col);
            run(c, "ROLLBACK TO SAVEPOINT rapport_stmt");
            run(c, "RELEASE SAVEPOINT rapport_stmt");
            memcpy(c->sqlstate, state, sizeof state);
            memcpy(c->errmsg, msg, sizeof msg);
            memcpy(c->err_table, t, sizeof t);
            memcpy(c->err_column, col, sizeof col);
        }
        if (strncmp(c->sqlstate, "23", 2) != 0)
            log_warn("statement failed: %s in: %.300s", c->errmsg, s->sql);
        /* A prepared statement the schema has since changed under (DDL by a
         * migration): prepare it again next time. */
        if (strcmp(c->sqlstate, "0A000") == 0 || strcmp(c->sqlstate, "26000") == 0) s->prepared_as = 0;
        return code_of(c->sqlstate);
    }
    if (guard && !released) run(c, "RELEASE SAVEPOINT rapport_stmt");
    const char *tag = lz_pq.PQcmdStatus(r);
    if (command_changes(tag)) c->changes = atoi(lz_pq.PQcmdTuples(r));
    if (s->implicit_id) {
        int n = lz_pq.PQntuples(r);
        if (n > 0) c->last_id = strtoll(lz_pq.PQgetvalue(r, n - 1, 0), NULL, 10);
        lz_pq.PQclear(r);
        s->nrows = 0;
    } else {
        s->res = r;
        s->nrows = st == PGRES_TUPLES_OK ? lz_pq.PQntuples(r) : 0;
        size_blobs(s, lz_pq.PQnfields(r));
    }
    s->executed = true;
    c->busy++;
    s->row = -1;
    return 0;
}

int pg_step(db_stmt *s)
{
    if (!s->executed) {
        int rc = execute(s);
        if (rc != 0) return rc;
    }
    for (int i = 0; i < s->nblobs; i++)
        if (s->blobs[i]) { free(s->blobs[i]); s->blobs[i] = NULL; }
    if (s->streaming || (s->stream && s->res)) return step_stream(s);
    if (s->row + 1 < s->nrows) { s->row++; return DB_ROW; }
    s->row = s->nrows;
    return DB_DONE;
}

static bool has_value(db_stmt *s, int col)
{
    return s->res && s->row >= 0 && s->row < s->nrows && col >= 0 && col < lz_pq.PQnfields(s->res) &&
           !lz_pq.PQgetisnull(s->res, s->row, col);
}

int pg_column_count(db_stmt *s)
{
    if (!s->res && !s->executed && ensure_prepared(s) == 0) {
        /* before the first step: the statement's description */
        char sname[24];
        stmt_name(s, sname);
        PGresult *r = lz_pq.PQdescribePrepared(s->conn->h, sname);
        int n = lz_pq.PQresultStatus(r) == PGRES_COMMAND_OK ? lz_pq.PQnfields(r) : 0;
        lz_pq.PQclear(r);
        return n;
    }
    return s->res ? lz_pq.PQnfields(s->res) : 0;
}

int pg_column_type(db_stmt *s, int col)
{
    if (!has_value(s, col)) return DB_NULL;
    switch (lz_pq.PQftype(s->res, col)) {
    case OID_INT2: case OID_INT4: case OID_INT8: case OID_BOOL: case OID_OID: return DB_INTEGER;
    case OID_FLOAT4: case OID_FLOAT8: return DB_FLOAT;
    case OID_NUMERIC: {
        /* sum() of integers is numeric here, an integer in SQLite */
        const char *v = lz_pq.PQgetvalue(s->res, s->row, col);
        return strpbrk(v, ".eE") ? DB_FLOAT : DB_INTEGER;
    }
    case OID_BYTEA: return DB_BLOB;
    default: return DB_TEXT;
    }
}

const char *pg_column_name(db_stmt *s, int col) { return s->res ? lz_pq.PQfname(s->res, col) : NULL; }

int64_t pg_column_int64(db_stmt *s, int col)
{
    if (!has_value(s, col)) return 0;
    const char *v = lz_pq.PQgetvalue(s->res, s->row, col);
    if (lz_pq.PQftype(s->res, col) == OID_BOOL) return v[0] == 't';
    if (lz_pq.PQftype(s->res, col) == OID_FLOAT8 || lz_pq.PQftype(s->res, col) == OID_FLOAT4 || strpbrk(v, ".eE"))
        return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

double pg_column_double(db_stmt *s, int col)
{
    if (!has_value(s, col)) return 0;
    const char *v = lz_pq.PQgetvalue(s->res, s->row, col);
    if (lz_pq.PQftype(s->res, col) == OID_BOOL) return v[0] == 't';
    return strtod(v, NULL);
}

static const unsigned char *blob_of(db_stmt *s, int col, size_t *n)
{
    if (!s->blobs || col >= s->nblobs) { *n = 0; return NULL; }
    if (!s->blobs[col]) {
        /* copied with a terminator, so that a blob read as text ends */
        size_t len = 0;
        unsigned char *b = lz_pq.PQunescapeBytea((const unsigned char *)lz_pq.PQgetvalue(s->res, s->row, col), &len);
        unsigned char *own = b ? malloc(len + 1) : NULL;
        if (own) {
            memcpy(own, b, len);
            own[len] = '\0';
        }
        lz_pq.PQfreemem(b);
        s->blobs[col] = own;
        s->blob_lens[col] = own ? len : 0;
    }
    *n = s->blob_lens[col];
    return s->blobs[col];
}

const char *pg_column_text(db_stmt *s, int col)
{
    if (!has_value(s, col)) return NULL;
    unsigned type = lz_pq.PQftype(s->res, col);
    const char *v = lz_pq.PQgetvalue(s->res, s->row, col);
    if (type == OID_BOOL) return v[0] == 't' ? "1" : "0";
    if (type == OID_BYTEA) {
        size_t n;
        /* the decoded bytes carry no terminator; bytea read as text is rare
         * (a key compared as bytes) */
        const unsigned char *b = blob_of(s, col, &n);
        return b ? (const char *)b : "";
    }
    return v;
}

const char *pg_column_bytes(db_stmt *s, int col, size_t *len)
{
    *len = 0;
    if (!has_value(s, col)) return NULL;
    unsigned type = lz_pq.PQftype(s->res, col);
    if (type == OID_BYTEA) return (const char *)blob_of(s, col, len);
    const char *t = pg_column_text(s, col);
    *len = type == OID_BOOL ? 1 : (size_t)lz_pq.PQgetlength(s->res, s->row, col);
    return t;
}

const void *pg_column_blob(db_stmt *s, int col, size_t *n)
{
    *n = 0;
    if (!has_value(s, col)) return NULL;
    if (lz_pq.PQftype(s->res, col) == OID_BYTEA) return blob_of(s, col, n);
    *n = (size_t)lz_pq.PQgetlength(s->res, s->row, col);
    return lz_pq.PQgetvalue(s->res, s->row, col);
}

int pg_exec(db *c, const char *sql)
{
    clear_error(c);
    int rc = c->bulk && pg_bulk_touches(c->bulk, sql) ? bulk_flush(c) : 0;
    if (!rc) rc = run(c, sql);
    if (rc) log_error("exec: %s", c->errmsg);
    return rc;
}

int64_t pg_last_insert_id(db *c) { return c->last_id; }
int pg_changes(db *c) { return c->changes; }
const char *pg_errmsg(db *c) { return c->errmsg[0] ? c->errmsg : "not an error"; }
int pg_errcode(db *c) { return c->sqlstate[0] ? code_of(c->sqlstate) : DB_OK; }

enum db_errclass pg_error(db *c, struct db_error *out)
{
    struct db_error e = {DB_ERR_OTHER, "", ""};
    const char *st = c->sqlstate;
    if (!st[0]) e.kind = DB_ERR_NONE;
    else if (strcmp(st, "23505") == 0) e.kind = DB_ERR_UNIQUE;
    else if (strcmp(st, "23503") == 0) e.kind = DB_ERR_FOREIGN_KEY;
    else if (strcmp(st, "23502") == 0) e.kind = DB_ERR_NOT_NULL;
    else if (strcmp(st, "23514") == 0 || strcmp(st, "P0001") == 0) e.kind = DB_ERR_CHECK;
    else if (code_of(st) == DB_BUSY) e.kind = DB_ERR_BUSY;
    else if (code_of(st) == DB_FULL) e.kind = DB_ERR_FULL;
    if (e.kind == DB_ERR_UNIQUE || e.kind == DB_ERR_NOT_NULL) {
        memcpy(e.table, c->err_table, sizeof e.table);
        memcpy(e.column, c->err_column, sizeof e.column);
    }
    if (out) *out = e;
    return e.kind;
}

/* The server's shared buffers are the cache; a connection has no own. */
int pg_cache_size(db *c, int kib) { return 0; }

db *pg_open_readonly(const char *path, char *err, size_t errlen)
{
    db *c = pg_open(path, false, err, errlen);
    if (c && run(c, "SET default_transaction_read_only = on") != 0) {
        snprintf(err, errlen, "cannot make the connection read-only: %s", c->errmsg);
        pg_close(c);
        return NULL;
    }
    return c;
}

int pg_integrity_check(db *c, char *out, size_t cap)
{
    /* PostgreSQL checks its pages itself (data checksums, amcheck for an
     * operator); here: that the database answers and the schema is there. */
    int rc = run(c, "SELECT count(*) FROM schema_version");
    if (rc) { snprintf(out, cap, "%s", c->errmsg); return 1; }
    snprintf(out, cap, "ok");
    return 0;
}

int pg_tables(db *c, int (*fn)(void *arg, const char *table), void *arg)
{
    PGresult *r = lz_pq.PQexec(c->h, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename");
    if (lz_pq.PQresultStatus(r) != PGRES_TUPLES_OK) { set_error(c, r, NULL); lz_pq.PQclear(r); return -1; }
    int out = 0;
    for (int i = 0; !out && i < lz_pq.PQntuples(r); i++) out = fn(arg, lz_pq.PQgetvalue(r, i, 0));
    lz_pq.PQclear(r);
    return out;
}

int pg_wal_truncate(db *c, int *busy, int *log_pages, int *copied)
{
    /* The server recycles its WAL itself; a CHECKPOINT is the nearest. */
    *busy = 0;
    *log_pages = *copied = 0;
    return run(c, "CHECKPOINT") == 0 ? 0 : DB_ERROR;
}

db_stmt *pg_prepare_table_scan(db *c, const char *table)
{
    if (!table || !table[0] || strlen(table) > 64) return NULL;
    for (const char *p = table; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return NULL;
    /* In the order of the primary key (SQLite's rowid order for an id table). */
    char sql[160] = "SELECT * FROM \"";
    size_t n = strlen(sql), k = strlen(table);
    memcpy(sql + n, table, k);
    memcpy(sql + n + k, "\" ORDER BY 1", sizeof "\" ORDER BY 1");
    return pg_prepare_once(c, sql);
}

uint64_t pg_serial(const db *c) { return c->serial; }
bool pg_in_transaction(db *c) { return lz_pq.PQtransactionStatus(c->h) != PQTRANS_IDLE; }
bool pg_in_write_transaction(db *c) { return c->write_txn && lz_pq.PQtransactionStatus(c->h) != PQTRANS_IDLE; }

int64_t pg_data_version(db *c)
{
    /* The transaction's snapshot: equal snapshots see equal data, and any
     * commit anywhere gives the next snapshot another text. */
    PGresult *r = lz_pq.PQexec(c->h, "SELECT pg_current_snapshot()::text");
    int64_t v = -1;
    if (lz_pq.PQresultStatus(r) == PGRES_TUPLES_OK && lz_pq.PQntuples(r) == 1) {
        uint64_t h = 1469598103934665603ULL;
        for (const char *p = lz_pq.PQgetvalue(r, 0, 0); *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        v = (int64_t)(h >> 2);
    } else set_error(c, r, NULL);
    lz_pq.PQclear(r);
    return v;
}

int pg_begin_read(db *c)
{
    if (lz_pq.PQtransactionStatus(c->h) != PQTRANS_IDLE) run(c, "ROLLBACK");
    c->write_txn = false;
    /* One snapshot for the whole read, as a SQLite read transaction has. */
    return run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}
/* Write transactions are one at a time on the database, as SQLite's BEGIN
 * IMMEDIATE makes them: the domain code reads, checks and writes in one
 * transaction (a points balance, a referral quota, an assignment turn) and
 * is right only when no other writer interleaves, whichever server runs
 * it. A transaction-scoped advisory lock (released by COMMIT or ROLLBACK),
 * taken in the BEGIN's round trip, gives every server that order. Reads
 * never wait for it. The key is any constant of our own ('Rapp'). */
#define PG_WRITER_LOCK "1382117488"
int pg_begin_write(db *c)
{
    bulk_end(c);
    int rc = run(c, "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITER_LOCK ")");
    c->write_txn = rc == 0;
    return rc;
}
/* ---- a statement in the COMMIT's round trip (db_step_at_commit) ----
 * The writer's last statement of a batch (the read-your-writes marks,
 * ryw.c) goes in one pipeline with the COMMIT: SAVEPOINT, the statement,
 * RELEASE, COMMIT, so it costs the batch no wait of its own. When it fails
 * the pipeline stops before the COMMIT: the driver rolls back to the
 * savepoint, logs it, and commits the rest, as a failed guarded statement
 * would have been. */
static void at_commit_drop(db *c)
{
    if (!c->at_commit) return;
    pg_done(c->at_commit);
    c->at_commit = NULL;
}

static int pg_step_at_commit(db_stmt *s)
{
    db *c = s->conn;
    if (c->at_commit || c->bulk || !c->write_txn || lz_pq.PQtransactionStatus(c->h) != PQTRANS_INTRANS ||
        ensure_prepared(s) != 0) {
        int rc = pg_step(s);
        pg_done(s);
        return rc == DB_DONE ? 0 : -1;
    }
    c->at_commit = s;
    return 0;
}

static PGresult *commit_with(db *c)
{
    db_stmt *s = c->at_commit;
    c->at_commit = NULL;
    PGconn *h = c->h;
    char sname[24];
    stmt_name(s, sname);
    if (!lz_pq.PQenterPipelineMode(h)) {
        if (pg_step(s) != DB_DONE) log_warn("statement at commit failed: %s in: %.300s", c->errmsg, s->sql);
        pg_done(s);
        return lz_pq.PQexec(h, "COMMIT");
    }
    PGresult *commit = NULL;
    bool done_ok = false;
    char err[512] = "";
    bool sent = lz_pq.PQsendQueryParams(h, "SAVEPOINT rapport_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
                lz_pq.PQsendQueryPrepared(h, sname, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0) &&
                lz_pq.PQsendQueryParams(h, "RELEASE SAVEPOINT rapport_stmt", 0, NULL, NULL, NULL, NULL, 0) &&
                lz_pq.PQsendQueryParams(h, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) && lz_pq.PQpipelineSync(h);
    if (sent) {
        PGresult *sp = next_result(h), *ex = next_result(h), *rel = next_result(h);
        commit = next_result(h);
        ExecStatusType ex_st = lz_pq.PQresultStatus(ex);
        done_ok = lz_pq.PQresultStatus(sp) == PGRES_COMMAND_OK && (ex_st == PGRES_COMMAND_OK || ex_st == PGRES_TUPLES_OK) &&
                  lz_pq.PQresultStatus(rel) == PGRES_COMMAND_OK;
        if (!done_ok) {
            const PGresult *bad = lz_pq.PQresultStatus(sp) != PGRES_COMMAND_OK ? sp : ex;
            snprintf(err, sizeof err, "%s", bad ? lz_pq.PQresultErrorMessage(bad) : "no result");
        }
        lz_pq.PQclear(sp);
        lz_pq.PQclear(ex);
        lz_pq.PQclear(rel);
        drain_to_sync(h);
    }
    lz_pq.PQexitPipelineMode(h);
    if (!sent || !done_ok) {
        /* the pipeline stopped before the COMMIT: keep the batch, drop the statement */
        log_warn("statement at commit failed: %s in: %.300s", sent ? err : "not sent", s->sql);
        lz_pq.PQclear(commit);
        if (lz_pq.PQtransactionStatus(h) == PQTRANS_INERROR) run(c, "ROLLBACK TO SAVEPOINT rapport_stmt");
        commit = lz_pq.PQexec(h, "COMMIT");
    }
    pg_done(s);
    return commit;
}

int pg_commit(db *c)
{
    if (c->bulk && lz_pq.PQtransactionStatus(c->h) == PQTRANS_INTRANS) {
        /* a failed COPY fails the transaction: the COMMIT below rolls it back */
        char state[6] = "", msg[512] = "";
        if (bulk_flush(c) != 0) { memcpy(state, c->sqlstate, sizeof state); memcpy(msg, c->errmsg, sizeof msg); }
        bulk_end(c);
        if (state[0]) {
            c->write_txn = false;
            run(c, "ROLLBACK");
            memcpy(c->sqlstate, state, sizeof state);
            memcpy(c->errmsg, msg, sizeof msg);
            return code_of(state);
        }
    }
    bulk_end(c);
    c->write_txn = false;
    if (lz_pq.PQtransactionStatus(c->h) == PQTRANS_INERROR) {
        /* COMMIT of a failed transaction rolls back and says COMMIT OK */
        at_commit_drop(c);
        run(c, "ROLLBACK");
        snprintf(c->sqlstate, sizeof c->sqlstate, "25P02");
        snprintf(c->errmsg, sizeof c->errmsg, "commit of a failed transaction: rolled back");
        return DB_ERROR;
    }
    PGresult *r = c->at_commit ? commit_with(c) : lz_pq.PQexec(c->h, "COMMIT");
    int rc = 0;
    if (lz_pq.PQresultStatus(r) != PGRES_COMMAND_OK) { set_error(c, r, NULL); rc = code_of(c->sqlstate); }
    else if (strcmp(lz_pq.PQcmdStatus(r), "ROLLBACK") == 0) {
        snprintf(c->sqlstate, sizeof c->sqlstate, "40000");
        snprintf(c->errmsg, sizeof c->errmsg, "the transaction was rolled back");
        rc = DB_ERROR;
    }
    lz_pq.PQclear(r);
    return rc;
}
int pg_rollback(db *c)
{
    at_commit_drop(c);
    bulk_end(c);
    c->write_txn = false;
    return run(c, "ROLLBACK");
}
/* Held rows reach the server before a savepoint, so that rolling back to
 * it drops exactly the rows held since. */
int pg_savepoint(db *c)
{
    int rc = c->bulk ? bulk_flush(c) : 0;
    return rc ? rc : run(c, "SAVEPOINT job");
}
int pg_savepoint_release(db *c) { return run(c, "RELEASE SAVEPOINT job"); }
int pg_savepoint_rollback(db *c)
{
    pg_bulk_drop(c->bulk);
    if (c->bulk_memo) json_object_clear(c->bulk_memo);
    return run(c, "ROLLBACK TO SAVEPOINT job");
}

int pg_backup_to(const char *src, const char *dest, char *err, size_t errlen)
{
    snprintf(err, errlen, "a PostgreSQL database is backed up with pg_dump or pg_basebackup (docs/SCALING.md)");
    return -1;
}

/* ---- the process's connections ---- */

int pg_global_open(const char *path, bool create, char *err, size_t errlen)
{
    snprintf(g_conninfo, sizeof g_conninfo, "%s", path);
    db *c = pg_open(path, true, err, errlen);
    if (!c) return -1;
    int rc = db_migrate(c, err, errlen);
    pg_close(c);
    return rc;
}

void pg_global_close(void)
{
    pthread_mutex_lock(&g_readers_mu);
    for (int i = 0; i < g_nreaders; i++) pg_close(g_readers[i]);
    g_nreaders = 0;
    pthread_mutex_unlock(&g_readers_mu);
    pthread_mutex_lock(&g_shared_mu);
    g_nshared_free = g_nshared_open = 0;
    pthread_mutex_unlock(&g_shared_mu);
    t_reader = NULL;
}

void pg_reader_shared(void) { t_shared = true; }

static db *open_reader(void)
{
    char err[512] = "";
    db *c = pg_open(g_conninfo, false, err, sizeof err);
    if (!c) { log_error("reader: %s", err); return NULL; }
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
    db *c = open_reader();
    if (!c) {
        pthread_mutex_lock(&g_shared_mu);
        g_nshared_open--;
        pthread_cond_signal(&g_shared_cv);
        pthread_mutex_unlock(&g_shared_mu);
    }
    return c;
}

void pg_reader_yield(bool finished)
{
    if (!t_shared || !t_reader) return;
    bool open_txn = lz_pq.PQtransactionStatus(t_reader->h) != PQTRANS_IDLE;
    if (!finished && (open_txn || t_reader->busy)) return;
    if (open_txn) pg_rollback(t_reader);
    pthread_mutex_lock(&g_shared_mu);
    g_shared_free[g_nshared_free++] = t_reader;
    pthread_cond_signal(&g_shared_cv);
    pthread_mutex_unlock(&g_shared_mu);
    t_reader = NULL;
}

/* ---- a read replica (--db-replica) ----
 * A thread reading for a request the caller routed to the replica
 * (db_reader_replica) gets the thread's replica connection from
 * db_reader(), in one REPEATABLE READ transaction until it is routed back.
 * Which requests may go there (and read-your-writes) is the caller's: the
 * router's. */
static char g_replica_conninfo[4096];
static _Thread_local db *t_replica;
static _Thread_local bool t_on_replica;

static int pg_replica_set(const char *url, char *err, size_t errlen)
{
    db *c = pg_open(url, false, err, errlen);
    if (!c) return -1;
    PGresult *r = lz_pq.PQexec(c->h, "SELECT pg_is_in_recovery()");
    bool standby = lz_pq.PQresultStatus(r) == PGRES_TUPLES_OK && lz_pq.PQntuples(r) == 1 && lz_pq.PQgetvalue(r, 0, 0)[0] == 't';
    lz_pq.PQclear(r);
    pg_close(c);
    if (!standby) log_warn("--db-replica: %s is not a standby (pg_is_in_recovery() is false); reads go there all the same", url);
    snprintf(g_replica_conninfo, sizeof g_replica_conninfo, "%s", url);
    return 0;
}

db *pg_reader(void);

/* The thread's replica connection, opened on first use; NULL when the
 * replica cannot be reached. */
static db *replica_conn(void)
{
    if (!t_replica) {
        char err[512] = "";
        t_replica = pg_open(g_replica_conninfo, false, err, sizeof err);
        if (!t_replica) { log_warn("replica: %s; reading from the primary", err); return NULL; }
        pthread_mutex_lock(&g_readers_mu);
        if (g_nreaders < MAX_READERS) g_readers[g_nreaders++] = t_replica;
        pthread_mutex_unlock(&g_readers_mu);
    }
    return t_replica;
}

static void replica_drop(void)
{
    /* a replica gone away: the primary answers, the connection is made again next time */
    forget_reader(t_replica);
    pg_close(t_replica);
    t_replica = NULL;
}

static bool pg_reader_replica(bool on)
{
    if (!on || !g_replica_conninfo[0]) {
        if (t_on_replica && t_replica && lz_pq.PQtransactionStatus(t_replica->h) != PQTRANS_IDLE) pg_rollback(t_replica);
        t_on_replica = false;
        return false;
    }
    if (!replica_conn()) return false;
    if (pg_begin_read(t_replica) != 0) { replica_drop(); return false; }
    t_on_replica = true;
    return true;
}

/* The primary's WAL insert position is past every commit made before the
 * call (an asynchronous commit's too, whose record may not be written
 * yet); once the replica has replayed to it, a snapshot there sees them
 * all. Polled every 10 ms: the caller (a large read) waits at most
 * timeout_ms for a replica that lags, then reads from the primary. */
static bool pg_reader_replica_synced(int timeout_ms)
{
    if (!g_replica_conninfo[0]) return false;
    if (t_on_replica) pg_reader_replica(false);
    db *p = pg_reader();
    if (!p) return false;
    char lsn[64] = "";
    PGresult *r = lz_pq.PQexec(p->h, "SELECT pg_current_wal_insert_lsn()::text");
    if (lz_pq.PQresultStatus(r) == PGRES_TUPLES_OK && lz_pq.PQntuples(r) == 1)
        snprintf(lsn, sizeof lsn, "%s", lz_pq.PQgetvalue(r, 0, 0));
    lz_pq.PQclear(r);
    if (!lsn[0] || !replica_conn()) return false;
    if (lz_pq.PQtransactionStatus(t_replica->h) != PQTRANS_IDLE) run(t_replica, "ROLLBACK");
    const char *vals[1] = {lsn};
    for (int waited = 0;; waited += 10) {
        /* NULL on a server that is not a standby (--db-replica warned): it holds what it holds */
        r = lz_pq.PQexecParams(t_replica->h, "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)", 1, NULL, vals,
                               NULL, NULL, 0);
        bool ok = lz_pq.PQresultStatus(r) == PGRES_TUPLES_OK && lz_pq.PQntuples(r) == 1;
        bool caught = ok && lz_pq.PQgetvalue(r, 0, 0)[0] == 't';
        lz_pq.PQclear(r);
        if (!ok) { replica_drop(); return false; }
        if (caught) break;
        if (waited >= timeout_ms) {
            log_info("replica: not at the primary's WAL position %s after %d ms; reading from the primary", lsn, timeout_ms);
            return false;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return pg_reader_replica(true);
}

db *pg_reader(void)
{
    if (t_on_replica && t_replica) return t_replica;
    if (!t_reader) t_reader = t_shared ? shared_acquire() : open_reader();
    return t_reader;
}

void pg_reader_release(void)
{
    if (!t_reader) return;
    if (t_shared) { pg_reader_yield(true); return; }
    forget_reader(t_reader);
    pg_close(t_reader);
    t_reader = NULL;
}

const struct db_driver db_driver_pg = {
    .dialect = "postgres",
    .bulk_begin = pg_bulk_on,
    .bulk_pass = pg_bulk_pass_next,
    .bulk_memo = pg_bulk_memo,
    .replica_set = pg_replica_set,
    .reader_replica = pg_reader_replica,
    .reader_replica_synced = pg_reader_replica_synced,
    .step_at_commit = pg_step_at_commit,
    .global_open = pg_global_open,
    .global_close = pg_global_close,
    .open = pg_open,
    .open_readonly = pg_open_readonly,
    .close = pg_close,
    .reader = pg_reader,
    .reader_release = pg_reader_release,
    .reader_shared = pg_reader_shared,
    .reader_yield = pg_reader_yield,
    .prepare = pg_prepare,
    .prepare_once = pg_prepare_once,
    .done = pg_done,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_textn = pg_bind_textn,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .bind_count = pg_bind_count,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_type = pg_column_type,
    .column_name = pg_column_name,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_bytes = pg_column_bytes,
    .column_blob = pg_column_blob,
    .exec = pg_exec,
    .last_insert_id = pg_last_insert_id,
    .changes = pg_changes,
    .errmsg = pg_errmsg,
    .errcode = pg_errcode,
    .error = pg_error,
    .cache_size = pg_cache_size,
    .integrity_check = pg_integrity_check,
    .tables = pg_tables,
    .wal_truncate = pg_wal_truncate,
    .prepare_table_scan = pg_prepare_table_scan,
    .prepare_stream = pg_prepare_stream,
    .data_version = pg_data_version,
    .in_transaction = pg_in_transaction,
    .in_write_transaction = pg_in_write_transaction,
    .serial = pg_serial,
    .begin_read = pg_begin_read,
    .begin_write = pg_begin_write,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .savepoint = pg_savepoint,
    .savepoint_release = pg_savepoint_release,
    .savepoint_rollback = pg_savepoint_rollback,
    .backup_to = pg_backup_to,
    .sql_sort_key_param = pg_sql_sort_key_param,
    .sql_json_list_has = pg_sql_json_list_has,
    .sql_json_scalar_eq = pg_sql_json_scalar_eq,
    .search_remove = pg_search_remove,
    .search_add = pg_search_add,
    .search_condition = pg_search_condition,
};
