/* fuzz_csv: the import reader (src/io/csv.c) on arbitrary files — plain or
 * gzip, UTF-8 or GB18030, delimited (any delimiter or detected), whitespace
 * or JSON Lines mode, with small and default caps — and the cell
 * conversions of the import (parse_int, parse_bool, parse_amount_micro with
 * micro_to_minor / minor_to_text, parse_when with and without a format) on
 * every field read. The first byte chooses the options. Properties: fields
 * are NUL-terminated valid UTF-8 of the reported length, within the caps;
 * an error names a line. */
#include "domain/import_values.h"
#include "io/csv.h"
#include "lib/textcheck.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_path[64];

static void cleanup(void) { unlink(g_path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(g_path, sizeof g_path, "/dev/shm/rapport-fuzz-csv-%d.csv", (int)getpid());
    atexit(cleanup);
    return 0;
}

static const char *const g_formats[] = {NULL, "%Y-%m-%d", "%d/%m/%Y %H:%M", "%b %d %y %p", "%Y%m%d%H%M%S"};

static void cells(const char *s)
{
    int64_t v;
    bool b;
    (void)parse_int(s, &v);
    (void)parse_bool(s, &b);
    char cur[4] = "";
    if (parse_amount_micro(s, &v, cur) == 0) {
        static const char *const curs[] = {"CNY", "JPY", "KWD", "USD"};
        for (int i = 0; i < 4; i++) {
            const char *c = cur[0] ? cur : curs[i];
            int64_t minor = micro_to_minor(v, c);
            char text[64];
            minor_to_text(minor, c, text, sizeof text);
            char tiny[5];
            minor_to_text(minor, c, tiny, sizeof tiny);
            if (strlen(tiny) >= sizeof tiny) abort();
        }
    }
    for (size_t i = 0; i < sizeof g_formats / sizeof g_formats[0]; i++) (void)parse_when(s, g_formats[i], &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 18)) return 0;
    uint8_t o = data[0];
    FILE *f = fopen(g_path, "wb");
    if (!f) abort();
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    static const int delims[] = {0, ',', ';', '\t', '|', ' ', '"', 0xff};
    struct csv_opts opts = {0};
    opts.mode = (enum csv_mode)(o % 3);
    opts.delimiter = delims[(o >> 2) & 7];
    opts.encoding = (enum csv_encoding)((o >> 5) % 3);
    if (o & 0x80) { opts.max_record = 300; opts.max_field = 64; opts.max_fields = 8; opts.max_file = 4096; }
    char err[256] = "";
    csv_reader *r = csv_open(g_path, &opts, err, sizeof err);
    if (!r) return 0;
    int rc, records = 0;
    while ((rc = csv_next(r)) == 1 && records++ < 2000) {
        int n = csv_nfields(r);
        if (n < 0 || (opts.max_fields && n > opts.max_fields)) abort();
        for (int i = 0; i <= n; i++) {
            const char *s = csv_field(r, i);
            size_t len = csv_field_len(r, i);
            if (!s || strlen(s) != len) abort();
            if (!utf8_valid(s, len) && len) {
                /* Controls (other than tab/CR/LF) may pass through the reader;
                 * but never broken UTF-8 sequences. */
                for (size_t k = 0; k < len; k++) if ((unsigned char)s[k] >= 0x80) { fprintf(stderr, "field %d not UTF-8\n", i); abort(); }
            }
            if (opts.max_field && len > opts.max_field) abort();
            if (i < n && len < 200) cells(s);
        }
        if (csv_line(r) < 1) abort();
    }
    if (rc < 0 && (!csv_error(r) || !csv_error(r)[0])) abort();
    (void)csv_offset(r);
    (void)csv_encoding_name(r);
    csv_close(r);
    return 0;
}
