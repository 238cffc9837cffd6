/* out: CSV, JSON Lines and XLSX writers (see out.h). */
#include "io/out.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/lazy_xlsxwriter.h"

struct out_writer {
    enum out_format f;
    FILE *fp;
    bool own_fp;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_row_t row;
    int failed;
};

int out_format_parse(const char *s, enum out_format *f)
{
    if (!strcasecmp(s, "csv")) *f = OUT_CSV;
    else if (!strcasecmp(s, "jsonl") || !strcasecmp(s, "ndjson")) *f = OUT_JSONL;
    else if (!strcasecmp(s, "xlsx")) *f = OUT_XLSX;
    else return -1;
    return 0;
}

const char *out_content_type(enum out_format f)
{
    switch (f) {
    case OUT_CSV: return "text/csv; charset=utf-8";
    case OUT_JSONL: return "application/x-ndjson; charset=utf-8";
    default: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
}

static bool plain_number(const char *s)
{
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    if (!*p) return false;
    bool digits = false, dot = false;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') digits = true;
        else if (*p == '.' && !dot) dot = true;
        else return false;
    }
    return digits;
}

bool cell_needs_escape(const char *s)
{
    if (!strchr("=+-@\t\r", s[0]) || s[0] == '\0') return false;
    return !plain_number(s);
}

void csv_put_cell(FILE *fp, const char *s)
{
    bool esc = cell_needs_escape(s);
    bool quote = esc || strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ');
    if (!quote) { fputs(s, fp); return; }
    fputc('"', fp);
    if (esc) fputc('\'', fp);
    for (const char *p = s; *p; p++) {
        if (*p == '"') fputc('"', fp);
        fputc(*p, fp);
    }
    fputc('"', fp);
}

out_writer *out_open(enum out_format f, const char *path, FILE *fp, char *err, size_t errlen)
{
    out_writer *w = calloc(1, sizeof *w);
    if (!w) { snprintf(err, errlen, "out of memory"); return NULL; }
    w->f = f;
    if (f == OUT_XLSX) {
        if (!path) { snprintf(err, errlen, "XLSX needs an output file"); free(w); return NULL; }
        if (lazy_xlsxwriter_load(err, errlen) != 0) { free(w); return NULL; }
        lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
        w->wb = lz_xlsxwriter.workbook_new_opt(path, &opt);
        if (!w->wb) { snprintf(err, errlen, "cannot create %s", path); free(w); return NULL; }
        w->ws = lz_xlsxwriter.workbook_add_worksheet(w->wb, NULL);
        return w;
    }
    if (path) {
        w->fp = fopen(path, "w");
        if (!w->fp) { snprintf(err, errlen, "cannot create %s", path); free(w); return NULL; }
        w->own_fp = true;
    } else {
        w->fp = fp;
    }
    return w;
}

int out_header(out_writer *w, const char *const *names, int n)
{
    return out_row(w, names, NULL, n);
}

int out_row(out_writer *w, const char *const *cells, const bool *numeric, int n)
{
    if (w->f == OUT_XLSX) {
        for (int i = 0; i < n; i++) {
            if (!cells[i] || !cells[i][0]) continue;
            lxw_error e;
            if (numeric && numeric[i] && plain_number(cells[i])) e = lz_xlsxwriter.worksheet_write_number(w->ws, w->row, (lxw_col_t)i, strtod(cells[i], NULL), NULL);
            else e = lz_xlsxwriter.worksheet_write_string(w->ws, w->row, (lxw_col_t)i, cells[i], NULL);
            if (e != LXW_NO_ERROR && e != LXW_ERROR_255_STRING_LENGTH_EXCEEDED) w->failed = 1;
        }
        w->row++;
        return w->failed ? -1 : 0;
    }
    if (w->f != OUT_CSV) return 0;
    for (int i = 0; i < n; i++) {
        if (i) fputc(',', w->fp);
        csv_put_cell(w->fp, cells[i] ? cells[i] : "");
    }
    fputs("\r\n", w->fp);
    return ferror(w->fp) ? -1 : 0;
}

int out_json(out_writer *w, const json_t *rec)
{
    if (w->f != OUT_JSONL) return 0;
    if (json_dumpf(rec, w->fp, JSON_COMPACT | JSON_ENSURE_ASCII * 0) != 0) return -1;
    fputc('\n', w->fp);
    return ferror(w->fp) ? -1 : 0;
}

int out_close(out_writer *w)
{
    if (!w) return 0;
    int rc = w->failed ? -1 : 0;
    if (w->wb) {
        if (lz_xlsxwriter.workbook_close(w->wb) != LXW_NO_ERROR) rc = -1;
    } else if (w->fp) {
        if (fflush(w->fp) != 0 || ferror(w->fp)) rc = -1;
        if (w->own_fp && fclose(w->fp) != 0) rc = -1;
    }
    free(w);
    return rc;
}
