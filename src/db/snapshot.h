/* snapshot: the read transaction of a request thread, kept open from one
 * read request to the next while nothing has been committed in between.
 *
 * Starting and ending a read transaction costs SQLite a round of shared-
 * memory locks (fcntl calls) and two statements; on a GET of one record that
 * was about a sixth of the request. A kept snapshot is still exact: every
 * commit, by any connection of any process, changes the WAL-index header
 * (SQLite's documented wal-index format: the header's change counter and
 * last frame), and a request that finds the header changed since its
 * snapshot began starts a new one. Snapshots are kept only while nothing
 * has been committed for SNAP_QUIET_MS, and a checkpoint's progress also
 * starts a new one: a reader holding a WAL read mark keeps the writer from
 * starting the WAL over, so snapshots kept through a stream of writes would
 * make the WAL grow without end. A sweeper thread ends snapshots that have
 * been idle for SNAP_IDLE_MS, so an idle server holds none.
 *
 * Without the mapped header (snap_service_start failed or was not called)
 * every read begins and commits its own transaction, as before. */
#ifndef RAPPORT_SNAPSHOT_H
#define RAPPORT_SNAPSHOT_H
#include "db/db.h"

#define SNAP_IDLE_MS 50
#define SNAP_QUIET_MS 100

/* Maps the WAL-index header of db_path() and starts the sweeper. 0, or -1
 * (reads then use a transaction each). */
int snap_service_start(void);
/* Ends every kept snapshot and stops the sweeper. */
void snap_service_stop(void);

/* Around one read request on the calling thread's own reader c (which must
 * stay open until snap_service_stop: the sweeper may end its snapshot): begin
 * reuses the kept snapshot when nothing has been committed since it began,
 * or starts a new one; end keeps it (or commits a transaction that wrote). */
int snap_begin(db *c);
void snap_end(db *c);
/* Non-zero inside snap_begin/snap_end: names the snapshot; a different value
 * means a different (newer) snapshot. What was read under one value stays
 * true while the value stays. */
uint64_t snap_epoch(db *c);
#endif
