/* writer: the one write connection and its group commit.
 *
 * Every write runs as a job on the writer thread: jobs that arrive while a
 * commit is in flight are run together in the next transaction, each inside
 * its own savepoint, and made durable with one fsync. A job that fails rolls
 * back only itself. db_write returns after the transaction holding the job
 * has committed (or failed), so a caller that sees success may acknowledge. */
#ifndef RAPPORT_WRITER_H
#define RAPPORT_WRITER_H
#include "db/db.h"

/* A job returns 0 to keep its changes, non-zero to roll them back; the value
 * is handed back by db_write. */
typedef int (*write_fn)(db *w, void *ctx);

enum { WRITE_COMMIT_FAILED = -1000, WRITE_DISK_FULL = -1001 };

/* Starts the writer thread on the database opened by db_global_open. */
int writer_start(char *err, size_t errlen);
/* Drains the queue and stops the thread. */
void writer_stop(void);
/* fn runs on the writer thread after every batch it has committed (the
 * event feed wakes its followers this way); one hook, set before serving. */
void writer_on_commit(void (*fn)(void));
/* Runs fn(w, ctx) in a write transaction and waits for the commit. Returns
 * fn's result, or WRITE_COMMIT_FAILED / WRITE_DISK_FULL when the commit
 * failed (the job's changes are then gone). Without a started writer thread
 * (CLI commands) the job runs inline in its own transaction. */
int db_write(write_fn fn, void *ctx);
/* The writer connection's page cache, in KiB: WRITER_CACHE_KIB is the size
 * every connection opens with (db_sqlite.c); bulk work that appends to many
 * indexes at once (an import, a contact plan's run) sets WRITER_BULK_CACHE_KIB
 * for its batches, so the indexes' pages are updated in place instead of
 * spilled to the WAL and read back, and sets the usual size back after. */
enum { WRITER_CACHE_KIB = 2000, WRITER_BULK_CACHE_KIB = 16384 };
/* Sets the writer connection's page cache to kib KiB, as a write job.
 * 0, or non-zero when it could not. */
int writer_cache_size(int kib);
/* The user the calling thread writes for (a request's user; 0: none): with
 * a read replica, db_write counts the user's committed writes so that the
 * user's next reads, through any server, see them (db/ryw.h). The router
 * sets it around a request's handler. */
void writer_actor(int64_t user);
#endif
