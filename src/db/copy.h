/* copy: moves a database's rows to another database of any engine (rapport
 * copy: SQLite to PostgreSQL), table by table, verified by row counts and
 * checksums. */
#ifndef RAPPORT_DB_COPY_H
#define RAPPORT_DB_COPY_H
#include "db/db.h"
#include <stdbool.h>
#include <stdint.h>

struct copy_table_result {
    int64_t copied;             /* rows inserted now (rows already there are kept) */
    int64_t src_rows, dst_rows;
    uint64_t src_sum, dst_sum;  /* order-independent checksums of every row's values */
    bool has_id;                /* the table has an id column */
};
/* Copies the rows of table from src to dst (which has the same schema)
 * in transactions of batch rows; a row whose key dst already has is left
 * (so a copy that stopped is resumed by running it again). Then counts and
 * checksums both sides. 0, or -1 with the reason in err. */
int copy_table(db *src, db *dst, const char *table, int batch, struct copy_table_result *out, char *err,
               size_t errlen);
/* The checksum and row count of a table (db_table_checksum's figures). */
int copy_checksum(db *c, const char *table, int64_t *rows, uint64_t *sum);
/* After rows were inserted with their ids: moves the table's identity
 * sequence past its largest id (PostgreSQL; nothing on SQLite). */
int copy_fix_identity(db *dst, const char *table);
/* Before the first copy_table and after the last: the target checks no
 * foreign keys and runs no triggers while rows go in, in any order; then the
 * columns each engine derives itself (copy.c) are written. 0 or -1. */
int copy_start(db *dst);
int copy_finish(db *dst);
/* Frees what the copies kept for the target's statement cache: call after
 * closing the target connection. */
void copy_release(void);
#endif
