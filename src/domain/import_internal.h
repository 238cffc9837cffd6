/* import_internal: what the files of the import engine share (private to
 * src/domain/import*.c; the public interface is import.h).
 *
 * The engine is split along its seams:
 *   import.c         the run: passes over the file, batches, the row loop,
 *                    caps, .xlsx input, preview, the result and its report
 *   import_map.c     mapping: targets, columns, --map, saved mappings
 *   import_row.c     cells: conversion, validation, a row's record
 *   import_write.c   writing through the write path: insert, update, the
 *                    --on-duplicate policy, a transaction's customer
 *   import_dup.c     duplicates: look-ups and a bulk batch's own keys
 *   import_txn.c     transactions with lines (rows grouped by external id)
 *   import_simple.c  the other kinds, one record a row (a person's company)
 *   import_undo.c    undo through import_item, and all-or-nothing's undo
 * One import is one struct imp, used by one thread at a time. */
#ifndef RAPPORT_IMPORT_INTERNAL_H
#define RAPPORT_IMPORT_INTERNAL_H
#include "domain/import.h"
#include "api/api.h"
#include "db/db.h"
#include "lib/strbuf.h"
#include "records/write.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

extern struct resource interaction_resource, transaction_resource, product_resource, link_resource;

/* Targets beyond the resource's own fields. */
enum xtarget {
    X_FIELD = 0, X_ID, X_CREATED_AT, X_PARTY_EXT, X_PARTY_NAME, X_COUNTRY, X_QUANTITY, X_UNIT_PRICE,
    X_PRODUCT, X_PRODUCT_NAME, X_CANCELLED, X_CURRENCY2, X_COMPANY, X_NTARGETS
};

struct target {
    const char *name;
    enum xtarget x;
    const struct field *f;        /* X_FIELD, and X_CURRENCY2 (the money field) */
    int col;                      /* source column, -1 when unmapped */
};

struct group {
    bool active, bad, nocust, neg, marked;
    char *ext;
    long line;
    json_t *head;                 /* the transaction's fields from its first row */
    char *party_ext, *party_name, *country;
    int64_t want_id;
    char created_at[24];
    strbuf items;
    long nitems;
    int64_t amount;
    char cur[4];
};

/* What a pass over the file does with its batches. */
enum pass {
    PASS_COMMIT,   /* best effort: each batch committed, refused rows skipped */
    PASS_CHECK,    /* dry run, and the first pass of all-or-nothing: each batch rolled back */
    PASS_APPLY,    /* all-or-nothing after a clean check: committed, undone as a whole on any refusal */
};

struct imp {
    const struct import_opts *o;
    enum pass pass;
    long max_rows;
    struct import_result *res;
    const struct resource *r;
    bool txn, inter;
    csv_reader *csv;
    bool jsonl;
    json_t *jrow;
    char **cols;
    int ncols;
    struct target t[80];
    int nt;
    int tx[X_NTARGETS];           /* index into t of each extra target, -1 */
    bool lines_mode;
    FILE *report;
    int64_t seq;
    char cur[4];
    struct group g;
    bool pending_first;           /* no header: the first record is data */
    bool eof, fatal, db_failed;
    struct timespec t0;
    long last_progress;
    struct auth_user user;
    long batch_created;
    bool appended;
    /* A batch on PostgreSQL writes its new rows with COPY (db_bulk_begin):
     * the parties it created are found by their keys here ("x:" external
     * id, "e:" e-mail, "p:" phone digits; a transaction's or interaction's
     * customer also when found stored), its transactions by "t:" external
     * id, not by reading rows not sent yet. */
    bool bulk;
    json_t *batch_keys;
    /* The customer party_for found or created for the row being written
     * (write_opts.party_known: its reference is not looked up again). */
    int64_t party_known;
    /* Columns of the targets every transaction row looks at. */
    int c_ext, c_party_id, c_amount, c_currency, c_description;
};

/* ---- import.c: the report ---- */

/* A line of the per-row report (the CSV of --errors, and the result's
 * sample up to its cap). kind: error | value_dropped | duplicate |
 * no_customer. */
void imp_report(struct imp *m, long line, const char *column, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Stops the import: res->fatal says why. */
void imp_fatal(struct imp *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- import_map.c: mapping ---- */

/* The target called name (case-insensitive; date and sku are aliases), or
 * NULL. Points into m->t. */
struct target *imp_target_find(struct imp *m, const char *name);
/* The targets of m->r: its fields and the extra ones of its kind. */
void imp_build_targets(struct imp *m);
/* Applies --map and the automatic mapping; 0, or -1 with fatal called. */
int imp_apply_mapping(struct imp *m);
/* s[0..n) without surrounding blanks: malloc'd, the caller's to free. */
char *imp_trimdup(const char *s, size_t n);

/* ---- import_row.c: cells ---- */

/* The text of column col in the current row, NULL when empty or missing;
 * a non-string JSON value is set in *jv (borrowed) with "" returned. Both
 * point into the current row (valid until the next one). */
const char *imp_cell(struct imp *m, int col, json_t **jv);
/* cell of the column mapped to extra target x. */
const char *imp_xcell(struct imp *m, enum xtarget x, json_t **jv);
/* The file's column mapped to field (for the report), else field itself;
 * not to be freed. */
const char *imp_col_name(struct imp *m, const char *field);
/* res_validate of a row, leaving out what may go (see import_row.c); a new
 * reference, or NULL with e set. */
json_t *imp_validate_row(struct imp *m, const struct resource *r, json_t *in, long line, struct verr *e);
/* The record of the current row (a new reference), or NULL when a cell
 * does not convert (reported). skip names fields left out. */
json_t *imp_row_record(struct imp *m, long line, const char *const *skip);

/* ---- import_write.c: writing ---- */

/* Stops the import on a storage failure at line. */
void imp_db_fail(struct imp *m, db *w, long line);
/* The writer of an import's records (the importing user, audited as "import"). */
struct writer import_writer(const struct imp *m);
/* Inserts rec (validated) through the write path: the id, 0 when refused
 * (reported), -1 on a database failure. */
int64_t imp_insert_new(struct imp *m, db *w, const struct resource *r, const json_t *rec, int64_t want_id,
                   const char *created_at, const char *items, long line);
/* Validates in and writes it: insert, or per --on-duplicate. The record's
 * id, 0 when refused or skipped, -1 on a database failure. */
int64_t imp_write_record(struct imp *m, db *w, const struct resource *r, json_t *in, int64_t want_id, const char *created_at,
                     const char *items, long line);
/* The customer of a transaction or interaction by external id, created when
 * new: its id, 0 when refused (reported), -1 on a database failure. */
int64_t imp_party_for(struct imp *m, db *w, const char *ext, const char *name, const char *country, long line);

/* ---- import_dup.c: duplicates and a bulk batch's keys ---- */

/* The id the one-parameter query sql finds for value, 0 none, -1 failure. */
int64_t imp_lookup_id(db *w, const char *sql, const char *value);
/* The record of this bulk batch with key kind:value (see struct imp), or 0. */
int64_t imp_batch_key(struct imp *m, char kind, const char *value);
void imp_batch_key_add(struct imp *m, char kind, const char *value, int64_t id);
/* Records the keys of rec, just created by this batch with id. */
void imp_batch_keys_of(struct imp *m, const struct resource *r, const json_t *rec, int64_t id);
/* Before a look-up that need not see the rows a bulk batch holds. */
void imp_stored_only(struct imp *m, db *w);
/* The existing record rec duplicates (0 none, -1 failure), with how it
 * matched in how and the field that matched in *field (static text). */
int64_t imp_find_duplicate(struct imp *m, db *w, const json_t *rec, char *how, size_t cap, const char **field);

/* ---- import_txn.c: transactions with lines ---- */

/* Frees what the group holds and empties it (its items buffer is kept). */
void imp_group_reset(struct group *g);
/* Writes the pending transaction, if any: 0, or -1 on a failure. */
int imp_group_flush(struct imp *m, db *w);
/* One row of a transactions import: 0, or -1 on a failure. */
int imp_txn_row(struct imp *m, db *w, long line);

/* ---- import_simple.c: the other kinds ---- */

/* One row of a parties, interactions or products import: 0, or -1 on a failure. */
int imp_simple_row(struct imp *m, db *w, long line);

/* ---- import_undo.c ---- */

/* All-or-nothing: undoes what the writing pass committed. */
void imp_compensate(struct imp *m);
#endif
