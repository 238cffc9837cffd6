/* import: the import engine behind `rapport import` and POST /api/v1/imports.
 *
 * Reads CSV (any delimiter, UTF-8 or GB18030, plain or gzip) or JSON Lines,
 * maps columns to the fields of a resource (parties, transactions,
 * interactions, products), converts values (dates, amounts with thousands
 * separators and currency symbols, lists, JSON), validates each record
 * exactly as the API does (res_validate and the resource's own check),
 * matches duplicates (external id, e-mail, phone; sku for products), and
 * writes in batches through db_write. Transactions may come as invoice lines:
 * rows sharing external_id become one transaction with items; cancellations
 * become negative transactions; a customer unknown by party_external_id is
 * created. A bad value the record can do without (outside all-or-nothing)
 * is left out and reported, and its row imported. A company column ties
 * people to their organisation (works_at). Every created or updated record is recorded in import_item so the
 * whole import can be undone.
 *
 * No import holds the writer for longer than one batch (up to 50,000 rows or
 * about half a second), so other writes and logins go on meanwhile. A dry
 * run runs batch after batch, each rolled back. An all-or-nothing import is
 * a dry run first (nothing written when a row is refused) and then a best
 * effort import that stops at the first refused row and undoes what it had
 * committed (see docs/ARCHITECTURE.md). Every import is capped in rows and
 * in decompressed bytes (import_set_default_caps). */
#ifndef RAPPORT_IMPORT_H
#define RAPPORT_IMPORT_H
#include "io/csv.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum dup_policy { DUP_UPDATE, DUP_SKIP, DUP_ERROR };

struct import_opts {
    const char *kind;             /* parties | transactions | interactions | products */
    const char *path;
    const char *format;           /* csv | jsonl; NULL: from the file name */
    const char *map;              /* "field=Column,field=Column" */
    const char *null_text;        /* a cell meaning "missing" besides the empty cell */
    const char *date_format;      /* %Y %m %d %H %M %S %y %b; NULL: common forms */
    const char *currency;         /* default currency; NULL: CNY */
    const char *cancel_prefix;    /* external ids starting with it are cancellations */
    const char *default_role;     /* parties: roles of a row that gives none (e.g. "customer"), or NULL */
    const char *default_source;   /* parties: information source of a row that gives none, or NULL */
    enum csv_encoding encoding;
    int delimiter;                /* 0: detect */
    bool whitespace;              /* runs of blanks separate fields */
    bool no_header;               /* columns are 1, 2, 3 … */
    enum dup_policy on_dup;
    bool dry_run, all_or_nothing;
    const char *errors_path;      /* per-row report CSV, or NULL */
    uint64_t max_file;            /* bytes of the file as stored; 0: no cap */
    uint64_t max_data;            /* bytes once decompressed; 0: the default cap */
    long max_rows;                /* data rows; 0: the default cap */
    int64_t job_id;               /* the job row (0: the CLI creates one unless dry run) */
    int64_t user_id;
    int batch;                    /* rows per transaction; 0: up to 50,000 */
    double batch_seconds;         /* time per transaction; 0: 0.5 s (other writers wait meanwhile) */
    void (*progress)(void *ctx, long rows, long estimated_total, double elapsed);
    void *progress_ctx;
    volatile int *cancel;         /* set non-zero to stop at the next batch */
};

struct import_result {
    int64_t job_id;
    long rows;                    /* data rows read */
    long created, updated, skipped, duplicates;
    long errors;                  /* rows refused (not counting no_customer) */
    long no_customer;             /* rows without a customer */
    long parties_created;         /* customers created for transactions */
    long cancellations;           /* negative transactions */
    long lines;                   /* invoice lines written as items */
    long values_dropped;          /* bad values left out of rows that were imported */
    long organizations_created;   /* organisations created for a company column */
    bool written;                 /* anything committed */
    bool cancelled;
    char fatal[512];              /* a problem that stopped the import */
    json_t *sample;               /* the first report lines [{row, column, reason}] */
    double seconds;
};

/* The caps an import gets when its options leave them 0: 10 million rows
 * and 2 GiB of decompressed data unless changed (rapport serve
 * --import-max-rows / --import-max-decompressed-bytes). */
#define IMPORT_DEFAULT_MAX_ROWS 10000000L
#define IMPORT_DEFAULT_MAX_DATA (2ULL << 30)
void import_set_default_caps(long max_rows, uint64_t max_data);
/* Parses a cap (a whole number from 1, with an optional k/M/G suffix of
 * powers of 1024 for bytes). Returns 0, or -1 when it is not one. */
int import_parse_cap(const char *s, bool bytes, uint64_t *out);

/* Parses "update" | "skip" | "error". */
int dup_policy_parse(const char *s, enum dup_policy *out);
/* Runs an import. Returns 0 when it ran to the end (rows may still have been
 * refused: see the counts), -1 when it stopped (res->fatal says why). The
 * caller frees res->sample with json_decref. */
int import_run(const struct import_opts *o, struct import_result *res);
/* The result as JSON (for the job row and the API). */
json_t *import_result_json(const struct import_result *r);
/* The header and the first rows (at most rows) of a file as an import
 * would read it — a CSV, or an .xlsx's first sheet — for the wizard's
 * column matching: {"columns": [...], "rows": [[...]], "format"}, the
 * caller's to json_decref; NULL with err set when it cannot be read. */
json_t *import_preview(const char *path, enum csv_encoding enc, int rows, char *err, size_t cap);
/* Undoes import job_id: deletes what it created, restores what it updated.
 * Returns 0, or -1 with msg set. */
int import_undo(int64_t job_id, long *removed, long *restored, char *msg, size_t cap);
/* Saved mappings: stores spec under name; looks one up (malloc'd, or NULL). */
int import_mapping_save(const char *name, const char *kind, const char *spec);
char *import_mapping_load(const char *name, const char *kind);
#endif
