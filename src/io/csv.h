/* csv: a streaming reader of delimited text (RFC 4180 quoting) and of
 * line-oriented text (JSON Lines), from plain or gzip files.
 *
 * - Any one-byte delimiter, or runs of spaces/tabs (whitespace mode, as in
 *   CDNOW_master.txt); "auto" picks , ; tab or | from the first line.
 * - UTF-8 with or without BOM, or GB18030/GBK (converted with iconv);
 *   "auto" decides from the BOM and the first 64 KiB.
 * - Hard caps on the record length, field length, field count, file size
 *   and decompressed size, so no input can grow memory (the reader holds one
 *   record at a time) or run for ever (a small gzip of a huge text).
 * - Errors name the line and column: "line 12, column 3: unterminated
 *   quoted field". */
#ifndef RAPPORT_IO_CSV_H
#define RAPPORT_IO_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum csv_encoding { CSV_ENC_AUTO, CSV_ENC_UTF8, CSV_ENC_GB18030 };
enum csv_mode { CSV_DELIMITED, CSV_WHITESPACE, CSV_LINES };

struct csv_opts {
    enum csv_mode mode;
    int delimiter;            /* 0 = detect from the first line */
    enum csv_encoding encoding;
    size_t max_record;        /* bytes of one record; default 1 MiB */
    size_t max_field;         /* bytes of one field; default 256 KiB */
    int max_fields;           /* default 1000 */
    uint64_t max_file;        /* bytes of the file as stored; 0 = no cap */
    uint64_t max_data;        /* bytes once decompressed (a gzip bomb's real size); 0 = no cap */
};

typedef struct csv_reader csv_reader;

/* Opens path (plain or .gz). On failure returns NULL with a message. */
csv_reader *csv_open(const char *path, const struct csv_opts *o, char *err, size_t errlen);
void csv_close(csv_reader *r);
/* Reads the next record: 1 when there is one, 0 at the end, -1 on error
 * (csv_error tells where and why; the reader is then unusable). Blank lines
 * are skipped. */
int csv_next(csv_reader *r);
int csv_nfields(const csv_reader *r);
/* Field i (from 0), NUL-terminated UTF-8; "" past the last field. */
const char *csv_field(const csv_reader *r, int i);
size_t csv_field_len(const csv_reader *r, int i);
/* Physical line on which the current record starts (1-based). */
long csv_line(const csv_reader *r);
const char *csv_error(const csv_reader *r);
/* Bytes of the stored file consumed so far, and its size (for progress). */
uint64_t csv_offset(const csv_reader *r);
uint64_t csv_size(const csv_reader *r);
/* The encoding in use ("utf-8" or "gb18030") and the delimiter (0 for
 * whitespace and lines modes). */
const char *csv_encoding_name(const csv_reader *r);
int csv_delimiter(const csv_reader *r);

/* Parses "utf-8", "gb18030", "gbk", "auto". Returns -1 when unknown. */
int csv_encoding_parse(const char *s, enum csv_encoding *out);
#endif
