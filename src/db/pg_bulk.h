/* pg_bulk: the rows of a bulk write held for COPY (pg_bulk.c), for the
 * PostgreSQL driver (db_pg.c). Nothing outside src/db includes it. */
#ifndef RAPPORT_PG_BULK_H
#define RAPPORT_PG_BULK_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct pg_bulk;
/* A bulk write holding INSERTs into the named tables (NULL-terminated,
 * copied; parents before the tables that refer to them: the flush order).
 * NULL when out of memory. */
struct pg_bulk *pg_bulk_new(const char *const *tables);
void pg_bulk_free(struct pg_bulk *b);
/* Holds the row of statement sql (the driver's text) with its bound values:
 * 0 held (*id: the row's id from the sequence when implicit_id, else 0),
 * 1 not a statement the bulk holds (run it), -1 failed (err). */
int pg_bulk_take(struct pg_bulk *b, PGconn *h, const char *sql, bool implicit_id, int nparams,
                 char *const *vals, const int *lens, const int *fmts, int64_t *id, char *err, size_t errlen);
/* Whether rows are held / whether they fill the buffer / whether sql names
 * a table with held rows (they must reach the server before it runs; a
 * table read back after nearly every row stops being held). */
bool pg_bulk_holds(const struct pg_bulk *b);
bool pg_bulk_full(const struct pg_bulk *b);
bool pg_bulk_touches(struct pg_bulk *b, const char *sql);
/* Sends the held rows (one COPY per statement text, in the order of their
 * first rows); NULL, or the first failing result (the caller clears it;
 * the transaction has failed). The rows are gone either way. */
PGresult *pg_bulk_flush(struct pg_bulk *b, PGconn *h);
/* Forgets the held rows and ids (a rollback). */
void pg_bulk_drop(struct pg_bulk *b);
/* For the unit tests: the COPY text held for statement sql (the buffer's,
 * until the next call) and its COPY command in *copy; NULL when sql is not
 * a statement the bulk holds. */
const char *pg_bulk_held(struct pg_bulk *b, const char *sql, const char **copy);
#endif
