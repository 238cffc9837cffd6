/* db: the storage driver interface. Callers see connections, prepared
 * statements, bound parameters and transactions; the SQL dialect and the
 * engine (SQLite today, PostgreSQL with its issue) live behind it.
 *
 * Threading: a connection belongs to one thread. Readers get a per-thread
 * connection from db_reader(); every write goes through the group-commit
 * writer (db_write), which owns the one write connection.
 *
 * SQL text passed to db_prepare must be constant text (string literals or
 * text assembled only from compile-time descriptor fragments); values are
 * always bound. */
#ifndef RAPPORT_DB_H
#define RAPPORT_DB_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

typedef struct db db;
typedef struct db_stmt db_stmt;

enum { DB_OK = 0, DB_ROW = 100, DB_DONE = 101, DB_ERROR = 1, DB_BUSY = 5,
       DB_CONSTRAINT = 19, DB_FULL = 13, DB_IOERR = 10 };
enum { DB_NULL = 5, DB_INTEGER = 1, DB_FLOAT = 2, DB_TEXT = 3, DB_BLOB = 4 };

/* Global setup: path of the database file. Creates the file and runs the
 * migrations when create is true. Returns 0 or -1 with a message in err. */
int db_global_open(const char *path, bool create, char *err, size_t errlen);
void db_global_close(void);
const char *db_path(void);
/* Where the server keeps its own files (uploads, exports, import files):
 * names are this text plus a suffix (".export-XXXXXX"). The database file's
 * path on SQLite; on PostgreSQL a path in $RAPPORT_FILES_DIR (or $TMPDIR,
 * or /var/tmp) named after the database, so that every process of one
 * machine on one database finds the same files. */
const char *db_files_base(void);

/* Opens a new connection (caller owns it; db_close it). */
db *db_open(const char *path, bool writer, char *err, size_t errlen);
void db_close(db *c);
/* The calling thread's read connection, opened on first use. */
db *db_reader(void);
/* Closes the calling thread's reader (threads that exit call this). */
void db_reader_release(void);
/* The calling thread takes its reader from a small shared pool (8
 * connections with 512 KiB page caches) instead of opening its own: for the
 * many worker threads, whose reads are a few pages per write, so that 32
 * connections do not add up to a good part of the server's memory. The
 * reader goes back to the pool with db_reader_yield: with finished, always
 * (a transaction left open is rolled back); without, only when no
 * transaction or statement is open on it (db_write yields this way before
 * it waits for its commit). A `db *` from db_reader() must therefore not be
 * kept across db_write on such a thread; call db_reader() again. */
void db_reader_shared(void);
void db_reader_yield(bool finished);
/* How many shared readers there are at most (see db_sqlite.c). */
#define DB_SHARED_READERS 4

/* Prepared statement from the connection's cache (keyed by the SQL text's
 * address and contents). Returns NULL on error (see db_errmsg). Call
 * db_done() when finished so the statement is reset for the next user. */
db_stmt *db_prepare(db *c, const char *sql);
/* Like db_prepare, but not cached: for SQL assembled per request. db_done
 * finalizes it. */
db_stmt *db_prepare_once(db *c, const char *sql);
void db_done(db_stmt *s);
/* Runs s (bound; a changing statement that returns no rows) as the last
 * statement of its connection's write transaction, in the same round trip
 * as the db_commit that follows where the engine can (PostgreSQL's
 * pipeline); at once otherwise. Takes s: the caller does not db_done it.
 * Its failure does not fail the commit (logged; its changes are dropped).
 * 0, or -1 when it ran at once and failed. */
int db_step_at_commit(db_stmt *s);

void db_bind_int64(db_stmt *s, int idx, int64_t v);
void db_bind_double(db_stmt *s, int idx, double v);
void db_bind_text(db_stmt *s, int idx, const char *v); /* NULL binds NULL */
void db_bind_textn(db_stmt *s, int idx, const char *v, size_t n);
void db_bind_blob(db_stmt *s, int idx, const void *v, size_t n);
void db_bind_null(db_stmt *s, int idx);
int db_bind_count(db_stmt *s);

int db_step(db_stmt *s);   /* DB_ROW, DB_DONE or an error code */
int db_column_count(db_stmt *s);
int db_column_type(db_stmt *s, int col);
const char *db_column_name(db_stmt *s, int col);
int64_t db_column_int64(db_stmt *s, int col);
double db_column_double(db_stmt *s, int col);
const char *db_column_text(db_stmt *s, int col); /* NULL for SQL NULL */
/* The value's UTF-8 bytes, NOT NUL-terminated, and their number; NULL for
 * SQL NULL. Unlike db_column_text, a stored text is not copied to add the
 * terminator: a record read this way costs no allocation per column. */
const char *db_column_bytes(db_stmt *s, int col, size_t *len);
const void *db_column_blob(db_stmt *s, int col, size_t *n);

/* Runs SQL without results (DDL, PRAGMA). Returns 0 or an error code. */
int db_exec(db *c, const char *sql);
/* Prepares sql, binds one value for each letter of types in order — 't' a
 * const char * (NULL binds SQL NULL), 'i' an int64_t — and runs it to the
 * end: 0, or -1 when it could not be prepared or did not finish. For the
 * one-statement writes (an UPDATE of a row's state) that each sender
 * wrote its own helper for. */
int db_run(db *c, const char *sql, const char *types, ...);
int64_t db_last_insert_id(db *c);
int db_changes(db *c);
/* The last error's text: for logs and operators, never to be parsed. */
const char *db_errmsg(db *c);
int db_errcode(db *c);

/* What the connection's last failure was, classified from the engine's own
 * codes (SQLite's extended result codes; PostgreSQL's SQLSTATE), so callers
 * decide on a kind, never on a message text that differs between engines. */
enum db_errclass {
    DB_ERR_NONE = 0,     /* the last call did not fail */
    DB_ERR_UNIQUE,       /* a unique or primary-key constraint (column set) */
    DB_ERR_FOREIGN_KEY,  /* a reference to a missing row, or a delete of a referenced one */
    DB_ERR_NOT_NULL,     /* a NOT NULL constraint (column set) */
    DB_ERR_CHECK,        /* a CHECK constraint or a trigger's refusal */
    DB_ERR_BUSY,         /* busy or locked: another connection holds what is needed */
    DB_ERR_FULL,         /* the disk (or the database's size limit) is full */
    DB_ERR_OTHER,
};
struct db_error {
    enum db_errclass kind;
    /* The table and column the constraint is on, when the engine says
     * (UNIQUE, NOT NULL); "" otherwise. For a constraint on several
     * columns, the last of them. */
    char table[64], column[64];
};
/* Fills e (may be NULL) and returns its kind. */
enum db_errclass db_error(db *c, struct db_error *e);

/* The dialect of the open database's SQL: "sqlite" or "postgres". Names the directory of its
 * migrations (src/db/migrations/DIALECT/). */
const char *db_dialect(void);
/* The dialect of the connection's engine ("sqlite", "postgres"). */
const char *db_dialect_of(db *c);
/* Sets the connection's page cache to about kib KiB (a bulk writer takes a
 * bigger one, a one-pass reader a small one). Returns 0 or an error code. */
int db_cache_size(db *c, int kib);
/* Opens a connection that cannot change the database (the operator's
 * console, rapport db query). Caller owns it; db_close it. */
db *db_open_readonly(const char *path, char *err, size_t errlen);
/* An integrity check of the whole database: 0 and "ok" in out when sound,
 * else 1 and the first problems found. -1 when it could not run. */
int db_integrity_check(db *c, char *out, size_t cap);
/* The user tables of the database in name order (the operator's dump):
 * calls fn for each; stops and returns fn's value when it is not 0. */
int db_tables(db *c, int (*fn)(void *arg, const char *table), void *arg);
/* Copies everything committed into the database file and empties the
 * write-ahead log, waiting for readers (SQLite: a TRUNCATE checkpoint).
 * Sets whether a reader still held it back (busy), the log's pages and the
 * pages copied; returns 0 or an error code. */
int db_wal_truncate(db *c, int *busy, int *log_pages, int *copied);
/* Every row of table (a name db_tables gave), in a stable order (not
 * cached: db_done finalizes it). NULL on error. */
db_stmt *db_prepare_table_scan(db *c, const char *table);
/* A read of very many rows (the analytics load), streamed: on PostgreSQL
 * through a cursor, 20,000 rows a FETCH (the next one on its way while the
 * caller steps through these), in the caller's transaction or a read-only
 * one of its own, rather than the whole result held in memory; on SQLite
 * rows are always read as stepped. No other statement may run on c until the last row is read or
 * the statement is done. The statement is the caller's: db_done frees it. */
db_stmt *db_prepare_stream(db *c, const char *sql);
/* A number that changes whenever another connection commits a change to the
 * database (SQLite's data_version); inside a read transaction, the version of
 * its snapshot. -1 on error. */
int64_t db_data_version(db *c);
/* Whether a transaction is open on the connection (a GET's read). */
bool db_in_transaction(db *c);
/* Whether that transaction has written (holds the write lock). */
bool db_in_write_transaction(db *c);
/* A number unique to this connection in the process (never reused, unlike
 * the connection's address), to key what was read through it. */
uint64_t db_serial(const db *c);

int db_begin_read(db *c);
int db_begin_write(db *c);   /* BEGIN IMMEDIATE */
int db_commit(db *c);
int db_rollback(db *c);
/* One level of savepoint inside a write transaction: a job of a group
 * commit undoes only its own work. */
/* A bulk write on write connection w, until its transaction ends (an
 * import's batch). On PostgreSQL the plain INSERTs (`INSERT INTO t (…)
 * VALUES (?, …)`) into the named tables (NULL-terminated; a table before
 * those whose rows refer to it, as they are sent in this order) are held and sent
 * with COPY: before a statement that names one of those tables, before a
 * savepoint, at the commit, or when 8 MB are held; db_last_insert_id of a
 * held row is its id, taken from the table's sequence in advance. A held
 * row cannot fail alone: a constraint the caller did not check first fails
 * the COPY and the transaction (its commit returns the error). Returns 0
 * on, 1 when the engine writes row by row anyway (SQLite), -1 failed. */
int db_bulk_begin(db *w, const char *const *tables);
/* The next statement on w runs without sending the held rows first: the
 * caller knows it need not see them (an import finds its own batch's
 * duplicates in memory). */
void db_bulk_pass(db *w);
/* The open bulk write's memo (a JSON object owned by the bulk, NULL when
 * none is open: SQLite, or no import batch): what the write path's hooks
 * computed from the transaction's rows, kept so that the next row of the
 * batch need not read them again (a read of a table with held rows sends
 * them first, a COPY for a row). It goes with the held rows: at the
 * transaction's end and at a rollback to a savepoint. Valid because a bulk
 * writer changes the tables only through the write path, whose hooks keep
 * their entries current (see transaction_resource, points, referral). */
struct json_t *db_bulk_memo(db *w);
/* A streaming replica of the PostgreSQL database for reads (--db-replica):
 * checked by connecting; 0, or -1 with err (SQLite, a bad URL). */
int db_replica_set(const char *url, char *err, size_t errlen);
bool db_replica_configured(void);
/* Routes this thread's db_reader() to the replica (on, until called with
 * false), in one read transaction there. Whether a request may read there
 * is the caller's (read-your-writes: src/http/router.c). Returns whether
 * it did (no replica, or it cannot be reached: the primary answers). */
bool db_reader_replica(bool on);
/* Like db_reader_replica(true), for a large read that must see every
 * commit made before the call (the analytics store's load, which then
 * follows the event feed from the primary's newest event): waits up to
 * timeout_ms for the replica to replay the primary's WAL position of now,
 * then routes there; false (the primary answers) when it did not catch up
 * or there is no replica. */
bool db_reader_replica_synced(int timeout_ms);
int db_savepoint(db *c);
int db_savepoint_release(db *c);
int db_savepoint_rollback(db *c);

/* Copies the write connection's WAL into the database on a background
 * thread instead of inside its commits (SQLite; see checkpoint.c), until
 * db_checkpoints_stop. The counts are the checkpoints run since the start,
 * by that thread and by the writer when the thread fell far behind. */
int db_checkpoints_start(db *writer, char *err, size_t errlen);
void db_checkpoints_stop(void);
void db_checkpoint_counts(unsigned long *background, unsigned long *in_commit);

/* Runs the numbered migrations not yet applied. */
int db_migrate(db *c, char *err, size_t errlen);
int db_schema_version(db *c);

/* Online backup of the open database to dest (a new file). */
int db_backup_to(const char *src, const char *dest, char *err, size_t errlen);

/* ---- SQL fragments whose spelling differs between dialects ----
 * Each appends to a statement being assembled (once at start-up where it
 * can be), so the dialect costs nothing per request. */
struct strbuf;
/* The sort key of the bound text parameter (?) as the key column of a
 * name stores it (SQLite: collation_key(?), ICU's zh order). */
void db_sql_sort_key_param(struct strbuf *sb);
/* " AND EXISTS (the JSON array in column t.COLUMN holds the bound text)";
 * binds: the text. */
void db_sql_json_list_has(struct strbuf *sb, const char *column);
/* " AND (the JSON object in t.COLUMN has at the bound path a scalar equal to
 * the value)"; binds, in order: path ("$.key"), the value as text, the value
 * as a number (or NULL), path, path, "true"/"false" (or NULL). */
void db_sql_json_scalar_eq(struct strbuf *sb, const char *column);

/* Whether the engine locks single rows, so that a claim may read its row
 * with "FOR UPDATE SKIP LOCKED" (PostgreSQL: several processes claiming
 * queued jobs pass over each other's instead of queueing behind them).
 * SQLite has no such clause: its one writer holds the whole database. */
bool db_sql_row_locks(void);

/* ---- full-text search (SQLite: an FTS5 table, one column per field) ---- */
/* The index fts_table (e.g. "party_fts") has the columns given (NULL
 * terminated; the same list on every call). Removes record id from it;
 * 0 or -1. */
int db_search_remove(db *w, const char *fts_table, const char *const *columns, int64_t id);
/* Adds record id to the index: values[i] is the text of columns[i]. 0 or -1. */
int db_search_add(db *w, const char *fts_table, const char *const *columns, int64_t id,
                  const char *const *values);
/* Appends to where " AND t.id IN (the records of fts_table matching q in
 * the given columns)" and sets *bind to the text to bind for it (caller
 * frees). columns NULL: every column of the index; columns with no entry:
 * appends a condition that matches nothing and sets *bind NULL (no bind).
 * Returns 0, 1 when q has nothing searchable (nothing appended), -1 out of
 * memory. */
int db_search_condition(struct strbuf *where, const char *fts_table, const char *const *columns,
                        const char *q, char **bind);

/* Registers the CJK-aware FTS5 tokenizer "rapport" on the connection. */
int fts_register(db *c);
/* Builds an FTS5 MATCH expression from a user's search text into out:
 * CJK runs become phrases of bigrams, words become prefix terms, phone
 * numbers are normalised. Returns false when nothing searchable remains. */
bool fts_query_build(const char *q, char *out, size_t cap);
#endif
