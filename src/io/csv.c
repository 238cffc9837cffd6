/* csv: streaming delimited-text reader (see csv.h). One record is held at a
 * time; the file is read in 64 KiB chunks through zlib (which passes plain
 * files through) and, for GB18030, through iconv. */
#include "io/csv.h"
#include "lib/textcheck.h"
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#define CHUNK 65536

enum { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };

struct csv_reader {
    gzFile gz;
    uint64_t size;
    struct csv_opts o;
    enum csv_encoding enc;
    int delim;
    iconv_t cd;
    bool use_iconv;
    char raw[CHUNK];
    size_t raw_len;
    bool raw_eof;
    bool conv_error;          /* invalid input bytes reached at dec_len */
    char *dec;
    size_t dec_len, dec_pos, dec_cap;
    char *rec;
    size_t rec_len, rec_cap;
    size_t *off;
    int nf, fcap;
    size_t field_start;
    long line, rec_line;
    int state;
    bool failed, at_eof;
    char err[300];
};

static int fail(csv_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(csv_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = true;
    return -1;
}

int csv_encoding_parse(const char *s, enum csv_encoding *out)
{
    if (!strcasecmp(s, "auto")) *out = CSV_ENC_AUTO;
    else if (!strcasecmp(s, "utf-8") || !strcasecmp(s, "utf8")) *out = CSV_ENC_UTF8;
    else if (!strcasecmp(s, "gb18030") || !strcasecmp(s, "gbk") || !strcasecmp(s, "gb2312")) *out = CSV_ENC_GB18030;
    else return -1;
    return 0;
}

/* Valid UTF-8 except possibly a sequence cut at the end of the buffer. */
static bool utf8_prefix_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4)) return false;
        for (int k = 1; k < len; k++) {
            if (i + k >= n) return true;
            if ((s[i + k] & 0xC0) != 0x80) return false;
        }
        if (len == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F))) return false;
        if (len == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))) return false;
        i += (size_t)len;
    }
    return true;
}

static int read_raw(csv_reader *r)
{
    if (r->raw_eof) return 0;
    int n = gzread(r->gz, r->raw + r->raw_len, (unsigned)(CHUNK - r->raw_len));
    if (n < 0) {
        int code;
        const char *m = gzerror(r->gz, &code);
        return fail(r, "line %ld: cannot read the file: %s", r->line, m ? m : "read error");
    }
    if (n == 0) r->raw_eof = true;
    r->raw_len += (size_t)n;
    if (r->o.max_file && (uint64_t)gzoffset(r->gz) > r->o.max_file)
        return fail(r, "line %ld: the file is larger than the cap of %llu bytes", r->line, (unsigned long long)r->o.max_file);
    /* gztell is the decompressed offset: a 500 KB gzip can hold gigabytes,
     * and it is the decompressed text that costs parsing and writing. */
    if (r->o.max_data && (uint64_t)gztell(r->gz) > r->o.max_data)
        return fail(r, "line %ld: the file's data is larger than the cap of %llu bytes once decompressed", r->line,
                    (unsigned long long)r->o.max_data);
    return n;
}

/* Refills the decoded buffer. Returns >0 when data was added, 0 at the end,
 * -1 on error. */
static int fill(csv_reader *r)
{
    r->dec_len = r->dec_pos = 0;
    for (;;) {
        if (r->conv_error) return 0;
        if (r->raw_len == 0 || (r->use_iconv && !r->raw_eof && r->raw_len < 8)) {
            int n = read_raw(r);
            if (n < 0) return -1;
            if (n == 0 && r->raw_len == 0) return 0;
        }
        if (!r->use_iconv) {
            memcpy(r->dec, r->raw, r->raw_len);
            r->dec_len = r->raw_len;
            r->raw_len = 0;
            return 1;
        }
        char *in = r->raw, *out = r->dec;
        size_t inleft = r->raw_len, outleft = r->dec_cap;
        size_t rc = iconv(r->cd, &in, &inleft, &out, &outleft);
        int e = errno;
        r->dec_len = (size_t)(out - r->dec);
        memmove(r->raw, in, inleft);
        r->raw_len = inleft;
        if (rc == (size_t)-1) {
            if (e == EILSEQ) r->conv_error = true;
            else if (e == EINVAL && r->raw_eof) r->conv_error = true;
            else if (e == EINVAL && r->dec_len == 0) {
                int n = read_raw(r);
                if (n < 0) return -1;
                continue;
            }
        }
        if (r->dec_len > 0) return 1;
        if (r->conv_error) return 0;
    }
}

static void detect_delimiter(csv_reader *r)
{
    static const char cands[] = {',', ';', '\t', '|'};
    int counts[4] = {0};
    bool q = false;
    for (size_t i = r->dec_pos; i < r->dec_len && (q || r->dec[i] != '\n'); i++) {
        char c = r->dec[i];
        if (c == '"') q = !q;
        else if (!q)
            for (int k = 0; k < 4; k++) if (c == cands[k]) counts[k]++;
    }
    int best = 0;
    for (int k = 1; k < 4; k++) if (counts[k] > counts[best]) best = k;
    r->delim = cands[best];
}

csv_reader *csv_open(const char *path, const struct csv_opts *o, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) { snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno)); return NULL; }
    if (o->max_file && (uint64_t)st.st_size > o->max_file) {
        snprintf(err, errlen, "the file is larger than the cap of %llu bytes", (unsigned long long)o->max_file);
        return NULL;
    }
    csv_reader *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return NULL; }
    r->o = *o;
    if (!r->o.max_record) r->o.max_record = 1u << 20;
    if (!r->o.max_field) r->o.max_field = 256u << 10;
    if (!r->o.max_fields) r->o.max_fields = 1000;
    r->size = (uint64_t)st.st_size;
    r->line = 1;
    r->cd = (iconv_t)-1;
    r->gz = gzopen(path, "rb");
    if (!r->gz) { snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno)); free(r); return NULL; }
    gzbuffer(r->gz, 1u << 17);
    r->dec_cap = CHUNK * 4;
    r->dec = malloc(r->dec_cap);
    r->rec_cap = 4096;
    r->rec = malloc(r->rec_cap);
    r->fcap = 32;
    r->off = malloc(sizeof *r->off * (size_t)r->fcap);
    if (!r->dec || !r->rec || !r->off) { snprintf(err, errlen, "out of memory"); csv_close(r); return NULL; }
    /* Encoding: from the BOM, the option, or the first chunk. */
    while (!r->raw_eof && r->raw_len < CHUNK) {
        if (read_raw(r) < 0) { snprintf(err, errlen, "%s", r->err); csv_close(r); return NULL; }
    }
    const unsigned char *u = (const unsigned char *)r->raw;
    if (r->raw_len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        snprintf(err, errlen, "line 1: the file is UTF-16; save it as UTF-8 (or GB18030) text");
        csv_close(r);
        return NULL;
    }
    r->enc = o->encoding;
    if (r->raw_len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        if (r->enc == CSV_ENC_AUTO) r->enc = CSV_ENC_UTF8;
        if (r->enc == CSV_ENC_UTF8) { memmove(r->raw, r->raw + 3, r->raw_len - 3); r->raw_len -= 3; }
    }
    if (r->enc == CSV_ENC_AUTO) r->enc = utf8_prefix_ok(u, r->raw_len) ? CSV_ENC_UTF8 : CSV_ENC_GB18030;
    if (r->enc == CSV_ENC_GB18030) {
        r->cd = iconv_open("UTF-8", "GB18030");
        if (r->cd == (iconv_t)-1) { snprintf(err, errlen, "GB18030 conversion is not available: %s", strerror(errno)); csv_close(r); return NULL; }
        r->use_iconv = true;
    }
    if (fill(r) < 0) { snprintf(err, errlen, "%s", r->err); csv_close(r); return NULL; }
    if (r->o.mode == CSV_DELIMITED) {
        r->delim = o->delimiter;
        if (!r->delim) detect_delimiter(r);
    }
    return r;
}

void csv_close(csv_reader *r)
{
    if (!r) return;
    if (r->gz) gzclose(r->gz);
    if (r->cd != (iconv_t)-1) iconv_close(r->cd);
    free(r->dec);
    free(r->rec);
    free(r->off);
    free(r);
}

static int put(csv_reader *r, char c)
{
    if (r->rec_len + 2 > r->rec_cap) {
        if (r->rec_len + 2 > r->o.max_record + 1)
            return fail(r, "line %ld: the record is longer than %zu bytes (a quote that is never closed?)", r->rec_line, r->o.max_record);
        size_t cap = r->rec_cap * 2;
        char *p = realloc(r->rec, cap);
        if (!p) return fail(r, "out of memory");
        r->rec = p;
        r->rec_cap = cap;
    }
    if (r->rec_len - r->field_start >= r->o.max_field)
        return fail(r, "line %ld, column %d: the field is longer than %zu bytes", r->rec_line, r->nf + 1, r->o.max_field);
    r->rec[r->rec_len++] = c;
    return 0;
}

static int end_field(csv_reader *r)
{
    if (r->nf >= r->o.max_fields)
        return fail(r, "line %ld: more than %d fields", r->rec_line, r->o.max_fields);
    if (r->nf == r->fcap) {
        size_t *p = realloc(r->off, sizeof *p * (size_t)r->fcap * 2);
        if (!p) return fail(r, "out of memory");
        r->off = p;
        r->fcap *= 2;
    }
    if (r->rec_len + 1 > r->rec_cap) {
        char *p = realloc(r->rec, r->rec_cap * 2);
        if (!p) return fail(r, "out of memory");
        r->rec = p;
        r->rec_cap *= 2;
    }
    r->rec[r->rec_len++] = '\0';
    r->off[r->nf++] = r->field_start;
    r->field_start = r->rec_len;
    return 0;
}

static int end_record(csv_reader *r)
{
    for (int i = 0; i < r->nf; i++) {
        const char *f = r->rec + r->off[i];
        if (!utf8_valid(f, strlen(f))) {
            if (r->enc == CSV_ENC_UTF8)
                return fail(r, "line %ld, column %d: not valid UTF-8 text (a GB18030/GBK file? try --encoding gb18030)", r->rec_line, i + 1);
            return fail(r, "line %ld, column %d: the text holds control characters", r->rec_line, i + 1);
        }
    }
    return 1;
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

int csv_next(csv_reader *r)
{
    if (r->failed) return -1;
    if (r->at_eof) return 0;
    r->rec_len = 0;
    r->nf = 0;
    r->field_start = 0;
    r->state = ST_START;
    r->rec_line = r->line;
    bool any = false;         /* something other than blanks seen */
    for (;;) {
        if (r->dec_pos == r->dec_len) {
            int n = fill(r);
            if (n < 0) return -1;
            if (n == 0) {
                if (r->conv_error)
                    return fail(r, "line %ld: bytes that are not valid %s text (wrong encoding? try --encoding %s)", r->line,
                                r->enc == CSV_ENC_GB18030 ? "GB18030" : "UTF-8", r->enc == CSV_ENC_GB18030 ? "utf-8" : "gb18030");
                r->at_eof = true;
                if (r->state == ST_QUOTED)
                    return fail(r, "line %ld, column %d: a quoted field is never closed (broken quoting)", r->rec_line, r->nf + 1);
                if (!any) return 0;
                if (r->o.mode == CSV_LINES)
                    while (r->rec_len > 0 && (r->rec[r->rec_len - 1] == '\r' || is_ws(r->rec[r->rec_len - 1]))) r->rec_len--;
                else if (r->state == ST_UNQUOTED)
                    while (r->rec_len > r->field_start && r->rec[r->rec_len - 1] == '\r') r->rec_len--;
                if (!(r->o.mode == CSV_WHITESPACE && r->state == ST_START) && end_field(r)) return -1;
                return end_record(r);
            }
            continue;
        }
        char c = r->dec[r->dec_pos++];
        if (c == '\n') r->line++;
        if (r->o.mode == CSV_LINES) {
            if (c == '\n') {
                while (r->rec_len > 0 && (r->rec[r->rec_len - 1] == '\r' || is_ws(r->rec[r->rec_len - 1]))) r->rec_len--;
                if (r->rec_len == 0) { r->rec_line = r->line; continue; }
                if (end_field(r)) return -1;
                return end_record(r);
            }
            if (!any && (is_ws(c) || c == '\r')) continue;
            any = true;
            if (put(r, c)) return -1;
            continue;
        }
        switch (r->state) {
        case ST_START:
            if (c == '\n') {
                if (!any) { r->rec_line = r->line; continue; }
                if (r->o.mode == CSV_DELIMITED && end_field(r)) return -1;
                return end_record(r);
            }
            if (c == '\r') continue;
            if (r->o.mode == CSV_WHITESPACE && is_ws(c)) continue;
            any = true;
            if (c == '"') { r->state = ST_QUOTED; continue; }
            if (r->o.mode == CSV_DELIMITED && c == r->delim) { if (end_field(r)) return -1; continue; }
            if (put(r, c)) return -1;
            r->state = ST_UNQUOTED;
            continue;
        case ST_UNQUOTED:
            if (c == '\n') {
                while (r->rec_len > r->field_start && r->rec[r->rec_len - 1] == '\r') r->rec_len--;
                if (end_field(r)) return -1;
                return end_record(r);
            }
            if (r->o.mode == CSV_DELIMITED ? c == r->delim : is_ws(c)) {
                if (end_field(r)) return -1;
                r->state = ST_START;
                continue;
            }
            if (put(r, c)) return -1;
            continue;
        case ST_QUOTED:
            if (c == '"') { r->state = ST_QUOTE_SEEN; continue; }
            if (put(r, c)) return -1;
            continue;
        case ST_QUOTE_SEEN:
            if (c == '"') { if (put(r, c)) return -1; r->state = ST_QUOTED; continue; }
            if (c == '\r') continue;
            if (c == '\n') { if (end_field(r)) return -1; return end_record(r); }
            if (r->o.mode == CSV_DELIMITED ? c == r->delim : is_ws(c)) {
                if (end_field(r)) return -1;
                r->state = ST_START;
                continue;
            }
            return fail(r, "line %ld, column %d: unexpected '%c' after a closing quote (broken quoting)", r->line, r->nf + 1,
                        (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?');
        }
    }
}

int csv_nfields(const csv_reader *r) { return r->nf; }
const char *csv_field(const csv_reader *r, int i) { return i >= 0 && i < r->nf ? r->rec + r->off[i] : ""; }
size_t csv_field_len(const csv_reader *r, int i) { return strlen(csv_field(r, i)); }
long csv_line(const csv_reader *r) { return r->rec_line; }
const char *csv_error(const csv_reader *r) { return r->err; }
uint64_t csv_offset(const csv_reader *r) { return r->gz ? (uint64_t)gzoffset(r->gz) : 0; }
uint64_t csv_size(const csv_reader *r) { return r->size; }
const char *csv_encoding_name(const csv_reader *r) { return r->enc == CSV_ENC_GB18030 ? "gb18030" : "utf-8"; }
int csv_delimiter(const csv_reader *r) { return r->o.mode == CSV_DELIMITED ? r->delim : 0; }
