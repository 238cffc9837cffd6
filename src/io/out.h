/* out: table writers for exports and reports — CSV (RFC 4180, with cells
 * that a spreadsheet would run as a formula escaped), JSON Lines, and XLSX
 * (libxlsxwriter in constant-memory mode, so a large export stays small in
 * memory). Rows are written in order and never held. */
#ifndef RAPPORT_IO_OUT_H
#define RAPPORT_IO_OUT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum out_format { OUT_CSV, OUT_JSONL, OUT_XLSX };
typedef struct out_writer out_writer;

/* "csv", "jsonl" (or "ndjson"), "xlsx". Returns -1 when unknown. */
int out_format_parse(const char *s, enum out_format *f);
const char *out_content_type(enum out_format f);
/* Writes to path (XLSX needs a file path; CSV/JSONL may use fp instead,
 * with path NULL). */
out_writer *out_open(enum out_format f, const char *path, FILE *fp, char *err, size_t errlen);
/* Column names (CSV and XLSX; ignored by JSONL). */
int out_header(out_writer *w, const char *const *names, int n);
/* One row of text cells (CSV and XLSX); numeric[i] marks cells written as
 * numbers in XLSX (may be NULL). */
int out_row(out_writer *w, const char *const *cells, const bool *numeric, int n);
/* One record (JSONL). */
int out_json(out_writer *w, const json_t *rec);
/* Finishes the file; returns 0 or -1 when anything failed. */
int out_close(out_writer *w);

/* True when a cell would be run as a formula by a spreadsheet: it starts
 * with = + - @ tab or CR and is not a plain number. */
bool cell_needs_escape(const char *s);
/* Writes s as one CSV cell (quoted when needed, formula-escaped with a
 * leading apostrophe). */
void csv_put_cell(FILE *fp, const char *s);
#endif
