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

/* Prepared statement from the connection's cache (keyed by the SQL text's
 * address and contents). Returns NULL on error (see db_errmsg). Call
 * db_done() when finished so the statement is reset for the next user. */
db_stmt *db_prepare(db *c, const char *sql);
/* Like db_prepare, but not cached: for SQL assembled per request. db_done
 * finalizes it. */
db_stmt *db_prepare_once(db *c, const char *sql);
void db_done(db_stmt *s);

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
int64_t db_last_insert_id(db *c);
int db_changes(db *c);
const char *db_errmsg(db *c);
int db_errcode(db *c);
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

/* Registers the CJK-aware FTS5 tokenizer "rapport" on the connection. */
int fts_register(db *c);
/* Builds an FTS5 MATCH expression from a user's search text into out:
 * CJK runs become phrases of bigrams, words become prefix terms, phone
 * numbers are normalised. Returns false when nothing searchable remains. */
bool fts_query_build(const char *q, char *out, size_t cap);
#endif
