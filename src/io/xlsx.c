/* xlsx: the first worksheet of a workbook as CSV (see xlsx.h). */
#include "io/xlsx.h"
#include "lib/strbuf.h"
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/lazy_xlsxread.h"

#define MAX_STRINGS_BYTES (64u << 20)   /* shared strings held in memory */
#define MAX_COLUMNS 16384               /* Excel's own limit (XFD) */
#define MAX_STYLES 65536

struct xl {
    zip_t *zip;
    uint64_t used, max;                 /* bytes inflated so far, and the cap */
    char *err;
    size_t errlen;
    bool failed;
    /* workbook */
    char sheet_rid[128];
    bool date1904;
    char sheet_path[512];
    /* shared strings: text of string i at strings.buf + offs[i] */
    strbuf strings;
    size_t *offs;
    size_t nstrings, capstrings;
    /* styles: whether cell style i shows a date (1), a time of day (2) */
    unsigned char *style_kind;
    size_t nstyles;
    struct { unsigned id; unsigned char kind; } custom[512];
    size_t ncustom;
};

static void fail(struct xl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct xl *x, const char *fmt, ...)
{
    if (x->failed) return;
    x->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->errlen, fmt, ap);
    va_end(ap);
}

/* Element and attribute names arrive as "namespace|local" (or "local"). */
static const char *local(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (!strcmp(local(atts[i]), name)) return atts[i + 1];
    return NULL;
}

struct parse {
    XML_Parser p;
    struct xl *x;
    void *ud;
};

/* A workbook has no document type; one that declares entities is refused
 * before any can be expanded. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
    (void)name; (void)sysid; (void)pubid; (void)internal;
    struct parse *c = ud;
    fail(c->x, "not an .xlsx workbook: an XML part declares a document type");
    lz_expat.XML_StopParser(c->p, XML_FALSE);
}

/* Streams part name through expat with the handlers. 0, 1 when the part
 * is missing and optional, -1 on an error (x->err). */
static int parse_part(struct xl *x, const char *name, bool required, XML_StartElementHandler start, XML_EndElementHandler end,
                      XML_CharacterDataHandler text, void *ud)
{
    zip_file_t *f = lz_zip.zip_fopen(x->zip, name, 0);
    if (!f) {
        if (!required) return 1;
        fail(x, "not an .xlsx workbook: it has no %s", name);
        return -1;
    }
    XML_Parser p = lz_expat.XML_ParserCreateNS(NULL, '|');
    struct parse ctx = {p, x, ud};
    lz_expat.XML_SetUserData(p, &ctx);
    lz_expat.XML_SetElementHandler(p, start, end);
    if (text) lz_expat.XML_SetCharacterDataHandler(p, text);
    lz_expat.XML_SetStartDoctypeDeclHandler(p, on_doctype);
    char buf[65536];
    int rc = 0;
    for (;;) {
        zip_int64_t n = lz_zip.zip_fread(f, buf, sizeof buf);
        if (n < 0) { fail(x, "the workbook's %s cannot be unpacked: %s", name, lz_zip.zip_file_strerror(f)); rc = -1; break; }
        x->used += (uint64_t)n;
        if (x->max && x->used > x->max) {
            fail(x, "the workbook unpacks to more than %llu bytes (the import's cap): refused", (unsigned long long)x->max);
            rc = -1;
            break;
        }
        if (lz_expat.XML_Parse(p, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
            if (!x->failed)
                fail(x, "the workbook's %s is not well-formed XML (line %lu): %s", name, (unsigned long)lz_expat.XML_GetCurrentLineNumber(p),
                     lz_expat.XML_ErrorString(lz_expat.XML_GetErrorCode(p)));
            rc = -1;
            break;
        }
        if (x->failed) { rc = -1; break; }
        if (n == 0) break;
    }
    lz_expat.XML_ParserFree(p);
    lz_zip.zip_fclose(f);
    return rc;
}

#define CTX(ud) ((struct parse *)(ud))

/* ---- workbook: the first sheet and the date system ---- */

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xl *x = CTX(ud)->x;
    const char *n = local(name);
    if (!strcmp(n, "sheet") && !x->sheet_rid[0]) {
        const char *id = attr(atts, "id");
        if (id) snprintf(x->sheet_rid, sizeof x->sheet_rid, "%s", id);
    } else if (!strcmp(n, "workbookPr")) {
        const char *d = attr(atts, "date1904");
        x->date1904 = d && (!strcmp(d, "1") || !strcasecmp(d, "true"));
    }
}

static void XMLCALL no_end(void *ud, const XML_Char *name) { (void)ud; (void)name; }

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xl *x = CTX(ud)->x;
    if (strcmp(local(name), "Relationship") != 0 || x->sheet_path[0]) return;
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
    if (!id || !target || strcmp(id, x->sheet_rid) != 0) return;
    if (target[0] == '/') snprintf(x->sheet_path, sizeof x->sheet_path, "%s", target + 1);
    else snprintf(x->sheet_path, sizeof x->sheet_path, "xl/%s", target);
}

/* ---- shared strings ---- */

struct text_state {
    bool in_t, in_phonetic;
    strbuf *sb;                     /* the text of the current string or cell */
};

static void add_string(struct xl *x, const char *s, size_t n)
{
    if (x->nstrings == x->capstrings) {
        size_t cap = x->capstrings ? x->capstrings * 2 : 1024;
        size_t *o = realloc(x->offs, cap * sizeof *o);
        if (!o) { fail(x, "out of memory reading the shared strings"); return; }
        x->offs = o;
        x->capstrings = cap;
    }
    x->offs[x->nstrings++] = x->strings.len;
    sb_append(&x->strings, s, n);
    sb_append(&x->strings, "", 1);   /* the NUL between strings */
    if (x->strings.len > MAX_STRINGS_BYTES || x->strings.failed)
        fail(x, "the workbook's shared strings are larger than %u MiB: refused", MAX_STRINGS_BYTES >> 20);
}

struct sst { struct text_state t; strbuf cur; };

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    struct sst *s = CTX(ud)->ud;
    const char *n = local(name);
    if (!strcmp(n, "si")) sb_reset(&s->cur);
    else if (!strcmp(n, "rPh")) s->t.in_phonetic = true;   /* a reading guide, not the text */
    else if (!strcmp(n, "t")) s->t.in_t = true;
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct sst *s = CTX(ud)->ud;
    const char *n = local(name);
    if (!strcmp(n, "si")) add_string(CTX(ud)->x, s->cur.len ? sb_str(&s->cur) : "", s->cur.len);
    else if (!strcmp(n, "rPh")) s->t.in_phonetic = false;
    else if (!strcmp(n, "t")) s->t.in_t = false;
}

static void XMLCALL sst_text(void *ud, const XML_Char *text, int len)
{
    struct sst *s = CTX(ud)->ud;
    if (s->t.in_t && !s->t.in_phonetic) sb_append(&s->cur, text, (size_t)len);
    if (s->cur.len > MAX_STRINGS_BYTES) fail(CTX(ud)->x, "a shared string is larger than %u MiB: refused", MAX_STRINGS_BYTES >> 20);
}

/* ---- styles: which cell styles show dates ---- */

/* 1 date (maybe with a time), 2 time of day, 0 a number. Built-in ids
 * include the Chinese locale's date formats (27–36, 50–58). */
static unsigned char builtin_kind(unsigned id)
{
    if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) || (id >= 50 && id <= 58)) return 1;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 33) || (id >= 45 && id <= 47)) return 2;
    return 0;
}

/* A custom format code shows a date when, outside quoted text, escapes
 * and [colour/locale] brackets, it has a day or a year; a time when it has
 * hours or seconds only. */
static unsigned char code_kind(const char *code)
{
    bool date = false, time = false;
    for (const char *p = code; *p; p++) {
        if (*p == '"') { while (p[1] && p[1] != '"') p++; if (p[1]) p++; continue; }
        if (*p == '[') { while (p[1] && p[1] != ']') p++; if (p[1]) p++; continue; }
        if (*p == '\\' || *p == '_' || *p == '*') { if (p[1]) p++; continue; }
        char c = (char)(*p | 0x20);
        if (c == 'd' || c == 'y') date = true;
        if (c == 'h' || c == 's') time = true;
    }
    return date ? 1 : time ? 2 : 0;
}

struct styles { bool in_xfs; size_t n; };

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xl *x = CTX(ud)->x;
    struct styles *st = CTX(ud)->ud;
    const char *n = local(name);
    if (!strcmp(n, "numFmt")) {
        const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
        if (id && code && x->ncustom < sizeof x->custom / sizeof x->custom[0]) {
            x->custom[x->ncustom].id = (unsigned)strtoul(id, NULL, 10);
            x->custom[x->ncustom].kind = code_kind(code);
            x->ncustom++;
        }
    } else if (!strcmp(n, "cellXfs")) {
        st->in_xfs = true;
    } else if (!strcmp(n, "xf") && st->in_xfs) {
        if (x->nstyles >= MAX_STYLES) return;
        unsigned char *k = realloc(x->style_kind, x->nstyles + 1);
        if (!k) { fail(x, "out of memory reading the styles"); return; }
        x->style_kind = k;
        const char *id = attr(atts, "numFmtId");
        unsigned fid = id ? (unsigned)strtoul(id, NULL, 10) : 0;
        unsigned char kind = builtin_kind(fid);
        for (size_t i = 0; i < x->ncustom; i++)
            if (x->custom[i].id == fid) kind = x->custom[i].kind;
        x->style_kind[x->nstyles++] = kind;
    }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
    struct styles *st = CTX(ud)->ud;
    if (!strcmp(local(name), "cellXfs")) st->in_xfs = false;
}

/* ---- the sheet ---- */

struct sheet {
    FILE *out;
    strbuf row;                     /* the CSV line being built */
    int col;                        /* columns written to the line */
    bool row_has_value;
    /* the current cell */
    bool in_cell, in_v, in_t, in_phonetic;
    char type[12];
    long style;
    int ref_col;
    strbuf value;
};

/* "BC12" → column 54 (0-based), or -1. */
static int ref_column(const char *ref)
{
    int c = 0, n = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++, n++) {
        c = c * 26 + (*ref - 'A' + 1);
        if (c > MAX_COLUMNS) return -1;
    }
    return n ? c - 1 : -1;
}

static void csv_cell(strbuf *sb, const char *s, size_t n)
{
    bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') quote = true;
    if (!quote) { sb_append(sb, s, n); return; }
    sb_append(sb, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') sb_append(sb, "\"", 1);
        sb_append(sb, s + i, 1);
    }
    sb_append(sb, "\"", 1);
}

/* Civil date of day number z since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* A serial date (days since the workbook's epoch, the fraction the time)
 * as ISO 8601 text: a date, a date and time, or a time of day. */
static void serial_text(const struct xl *x, double serial, unsigned char kind, char *out, size_t cap)
{
    /* Day 0 of the 1900 system is 1899-12-30 (which absorbs Excel's
     * phantom 1900-02-29 for every date after February 1900). */
    int64_t epoch = x->date1904 ? -24107 : -25569;
    double whole = floor(serial);
    long secs = lround((serial - whole) * 86400.0);
    int64_t day = (int64_t)whole;
    if (secs >= 86400) { secs -= 86400; day++; }
    if (kind == 2 && serial < 1) {
        snprintf(out, cap, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60, secs % 60);
        return;
    }
    int y, m, d;
    civil(day + epoch, &y, &m, &d);
    if (secs == 0) snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    else snprintf(out, cap, "%04d-%02d-%02d %02ld:%02ld:%02ld", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
}

static void end_cell(struct xl *x, struct sheet *s)
{
    char tmp[64];
    const char *v = s->value.len ? sb_str(&s->value) : "";
    size_t n = s->value.len;
    if (!strcmp(s->type, "s")) {
        char *end;
        unsigned long i = strtoul(v, &end, 10);
        if (end == v || i >= x->nstrings) { v = ""; n = 0; }
        else { v = x->strings.data + x->offs[i]; n = strlen(v); }
    } else if (!strcmp(s->type, "b")) {
        v = !strcmp(v, "1") ? "TRUE" : "FALSE";
        n = strlen(v);
    } else if (!s->type[0] || !strcmp(s->type, "n")) {
        char *end;
        double d = n ? strtod(v, &end) : 0;
        if (n && *end == '\0' && isfinite(d)) {
            unsigned char kind = s->style >= 0 && (size_t)s->style < x->nstyles ? x->style_kind[s->style] : 0;
            if (kind && d >= 0 && d < 2958466) serial_text(x, d, kind, tmp, sizeof tmp);
            else if (d == floor(d) && fabs(d) < 1e15) snprintf(tmp, sizeof tmp, "%.0f", d);
            else snprintf(tmp, sizeof tmp, "%.15g", d);
            v = tmp;
            n = strlen(tmp);
        }
    }
    /* Empty cells the sheet skipped, then this one. */
    int at = s->ref_col >= 0 ? s->ref_col : s->col;
    if (at < s->col || at >= MAX_COLUMNS) return;
    for (; s->col < at; s->col++) sb_append(&s->row, ",", s->col ? 1 : 0);
    if (s->col) sb_append(&s->row, ",", 1);
    csv_cell(&s->row, v, n);
    s->col++;
    if (n) s->row_has_value = true;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sheet *s = CTX(ud)->ud;
    const char *n = local(name);
    if (!strcmp(n, "row")) {
        sb_reset(&s->row);
        s->col = 0;
        s->row_has_value = false;
    } else if (!strcmp(n, "c")) {
        s->in_cell = true;
        const char *t = attr(atts, "t"), *st = attr(atts, "s"), *r = attr(atts, "r");
        snprintf(s->type, sizeof s->type, "%s", t ? t : "");
        s->style = st ? strtol(st, NULL, 10) : -1;
        s->ref_col = r ? ref_column(r) : -1;
        sb_reset(&s->value);
    } else if (s->in_cell && !strcmp(n, "v")) {
        s->in_v = true;
    } else if (s->in_cell && !strcmp(n, "rPh")) {
        s->in_phonetic = true;
    } else if (s->in_cell && !strcmp(n, "t")) {
        s->in_t = true;
    }
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    struct sheet *s = CTX(ud)->ud;
    struct xl *x = CTX(ud)->x;
    const char *n = local(name);
    if (!strcmp(n, "c")) {
        end_cell(x, s);
        s->in_cell = false;
    } else if (!strcmp(n, "v")) {
        s->in_v = false;
    } else if (!strcmp(n, "t")) {
        s->in_t = false;
    } else if (!strcmp(n, "rPh")) {
        s->in_phonetic = false;
    } else if (!strcmp(n, "row")) {
        if (s->row_has_value) {
            sb_append(&s->row, "\n", 1);
            if (s->row.failed || fwrite(s->row.data, 1, s->row.len, s->out) != s->row.len) fail(x, "the converted sheet could not be written");
        }
    }
}

static void XMLCALL sheet_text(void *ud, const XML_Char *text, int len)
{
    struct sheet *s = CTX(ud)->ud;
    if (s->in_v || (s->in_t && !s->in_phonetic)) sb_append(&s->value, text, (size_t)len);
    if (s->value.len > (1u << 20)) fail(CTX(ud)->x, "a cell holds more than 1 MiB: refused");
}

bool xlsx_looks_like(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    unsigned char b[4] = {0};
    size_t n = fread(b, 1, 4, f);
    fclose(f);
    return n == 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

int xlsx_to_csv(const char *path, FILE *out, uint64_t max_data, char *err, size_t errlen)
{
    if (lazy_xlsxread_load(err, errlen) != 0) return -1;
    struct xl x = {.max = max_data, .err = err, .errlen = errlen};
    sb_init(&x.strings, MAX_STRINGS_BYTES + 1);
    err[0] = '\0';
    struct sst sst = {0};
    struct styles st = {0};
    struct sheet sh = {.out = out};
    sb_init(&sst.cur, MAX_STRINGS_BYTES + 1);
    sb_init(&sh.row, 0);
    sb_init(&sh.value, (1u << 20) + 1);
    int zerr = 0;
    x.zip = lz_zip.zip_open(path, ZIP_RDONLY, &zerr);
    if (!x.zip) {
        zip_error_t ze;
        lz_zip.zip_error_init_with_code(&ze, zerr);
        snprintf(err, errlen, "not an .xlsx workbook: %s", lz_zip.zip_error_strerror(&ze));
        lz_zip.zip_error_fini(&ze);
        return -1;
    }
    int rc = -1;
    if (parse_part(&x, "xl/workbook.xml", true, wb_start, no_end, NULL, NULL)) goto done;
    if (!x.sheet_rid[0]) { fail(&x, "the workbook has no sheet"); goto done; }
    if (parse_part(&x, "xl/_rels/workbook.xml.rels", false, rels_start, no_end, NULL, NULL) < 0) goto done;
    if (!x.sheet_path[0]) snprintf(x.sheet_path, sizeof x.sheet_path, "xl/worksheets/sheet1.xml");
    if (parse_part(&x, "xl/sharedStrings.xml", false, sst_start, sst_end, sst_text, &sst) < 0) goto done;
    if (parse_part(&x, "xl/styles.xml", false, styles_start, styles_end, NULL, &st) < 0) goto done;
    if (parse_part(&x, x.sheet_path, true, sheet_start, sheet_end, sheet_text, &sh)) goto done;
    rc = fflush(out) == 0 ? 0 : -1;
    if (rc) fail(&x, "the converted sheet could not be written");
done:
    sb_free(&sst.cur);
    sb_free(&sh.row);
    sb_free(&sh.value);
    sb_free(&x.strings);
    free(x.offs);
    free(x.style_kind);
    lz_zip.zip_discard(x.zip);
    return x.failed ? -1 : rc;
}
