/* xlsx: the first worksheet of an Excel / WPS .xlsx workbook as CSV, so the
 * import engine reads spreadsheets users saved from Excel or WPS with the
 * same reader, mapping and caps as any CSV file.
 *
 * The workbook is a zip (libzip) of XML parts (expat, streamed): the first
 * sheet of xl/workbook.xml, found through its relationships, its shared
 * strings and the cell styles that say which numbers are dates. Cells come
 * out as text: shared and inline strings, numbers as written (a whole
 * number in exponent form as digits, so 13800138000 stays a phone number),
 * dates and times in ISO 8601, booleans as TRUE / FALSE, formulas as their
 * cached values.
 *
 * Caps (a zip bomb is refused, not unpacked): at most max_data bytes
 * decompressed over all parts read (counted as they are inflated, whatever
 * the zip's directory claims), at most 64 MiB of shared strings, 16,384
 * columns, and the usual limits of the CSV reader after that. */
#ifndef RAPPORT_IO_XLSX_H
#define RAPPORT_IO_XLSX_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Whether the file starts like a zip (an .xlsx, or another zip). */
bool xlsx_looks_like(const char *path);
/* Writes the first worksheet of the workbook at path to out as CSV
 * (UTF-8, comma, RFC 4180 quoting, one line per non-empty row). Returns 0,
 * or -1 with err set ("not an .xlsx workbook: …", "the workbook unpacks to
 * more than N bytes", …). */
int xlsx_to_csv(const char *path, FILE *out, uint64_t max_data, char *err, size_t errlen);
#endif
