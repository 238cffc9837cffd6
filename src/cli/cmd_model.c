/*
 * cmd_model.c — `rapport model`, the analyst's direct access to the
 * customer-base models of src/analytics:
 *
 *   rapport model fit --model bgnbd|pnbd|gg --summary FILE.csv
 *       fits on an RFM summary (header with frequency, recency, T and for gg
 *       monetary_value; other columns ignored, any order) and prints one
 *       JSON object with the parameters, log_likelihood and n.
 *   rapport model summary --transactions FILE.csv --calibration-end DATE
 *       turns a log `customer_id,date,amount` (date YYYY-MM-DD or YYYYMMDD)
 *       into the summary CSV customer_id,frequency,recency,T,monetary_value.
 *   rapport model validate --transactions FILE.csv --calibration-end DATE
 *                          --holdout-end DATE [--model bgnbd|pnbd]
 *       fits on the calibration period and prints predicted against actual
 *       repeat purchases of the holdout (validate.h).
 *
 * Exit codes: 0 success, 1 data error (message names file, row, column),
 * 2 usage. Output goes to stdout, messages to stderr.
 */
#include "cli/cli.h"

#include "analytics/btyd.h"
#include "analytics/parfor.h"
#include "analytics/spend.h"
#include "analytics/summary.h"
#include "analytics/validate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define MODEL_MAX_LINE 65536 /* longest CSV line accepted */
#define MODEL_MAX_FIELDS 256
#define MODEL_AMOUNT_SCALE 10000 /* amounts are kept to 4 decimals */

static void model_usage(void)
{
    fprintf(stderr, "usage: rapport model fit --model bgnbd|pnbd|gg --summary FILE.csv\n"
                    "       rapport model summary --transactions FILE.csv --calibration-end YYYY-MM-DD\n"
                    "       rapport model validate --transactions FILE.csv --calibration-end YYYY-MM-DD\n"
                    "                              --holdout-end YYYY-MM-DD [--model bgnbd|pnbd]\n");
}

/* "--name value" or "--name=value"; NULL when absent. Sets *bad on a
 * missing value. */
static const char *model_opt(int argc, char **argv, const char *name, int *bad)
{
    size_t nl = strlen(name);
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], name, nl) != 0)
            continue;
        if (argv[i][nl] == '=')
            return argv[i] + nl + 1;
        if (argv[i][nl] == '\0') {
            if (i + 1 < argc)
                return argv[i + 1];
            *bad = 1;
            return NULL;
        }
    }
    return NULL;
}

/* Every argument after the subcommand must be a known option. */
static int model_check_args(int argc, char **argv, const char *const *known)
{
    for (int i = 2; i < argc; i++) {
        int ok = 0;
        for (const char *const *k = known; *k; k++) {
            size_t nl = strlen(*k);
            if (strncmp(argv[i], *k, nl) == 0 && (argv[i][nl] == '=' || argv[i][nl] == '\0')) {
                ok = 1;
                if (argv[i][nl] == '\0')
                    i++;
                break;
            }
        }
        if (!ok) {
            fprintf(stderr, "rapport model: unknown argument '%s'\n", argv[i]);
            return -1;
        }
    }
    return 0;
}

/* Splits a CSV line in place (double quotes honoured, "" inside quotes is a
 * quote); trims surrounding blanks. Returns the field count or -1. */
static int model_split(char *line, char **fields)
{
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    int n = 0;
    char *p = line;
    for (;;) {
        if (n >= MODEL_MAX_FIELDS)
            return -1;
        while (*p == ' ' || *p == '\t')
            p++;
        char *out = p, *start = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"') {
                    if (p[1] == '"') {
                        *out++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *out++ = *p++;
            }
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p != ',' && *p != '\0')
                return -1;
        } else {
            while (*p != ',' && *p != '\0')
                out++, p++;
            while (out > start && (out[-1] == ' ' || out[-1] == '\t'))
                out--;
        }
        char sep = *p;
        *out = '\0';
        fields[n++] = start;
        if (sep == '\0')
            break;
        p++;
    }
    return n;
}

typedef struct {
    FILE *f;
    const char *path;
    long row; /* 1-based line number of the last line read */
    char *buf;
} model_csv;

static int model_csv_open(model_csv *c, const char *path)
{
    c->path = path;
    c->row = 0;
    c->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    c->buf = malloc(MODEL_MAX_LINE + 2);
    if (!c->f || !c->buf) {
        fprintf(stderr, "rapport model: cannot open %s: %s\n", path, strerror(errno));
        if (c->f && c->f != stdin)
            fclose(c->f);
        free(c->buf);
        return -1;
    }
    return 0;
}

static void model_csv_close(model_csv *c)
{
    if (c->f && c->f != stdin)
        fclose(c->f);
    free(c->buf);
}

/* Next non-empty line split into fields: field count, 0 at EOF, -1 error. */
static int model_csv_next(model_csv *c, char **fields)
{
    for (;;) {
        if (!fgets(c->buf, MODEL_MAX_LINE + 2, c->f))
            return 0;
        c->row++;
        size_t len = strlen(c->buf);
        if (len > MODEL_MAX_LINE && c->buf[len - 1] != '\n') {
            fprintf(stderr, "%s:%ld: line longer than %d bytes\n", c->path, c->row, MODEL_MAX_LINE);
            return -1;
        }
        if (c->row == 1 && (unsigned char)c->buf[0] == 0xEF && (unsigned char)c->buf[1] == 0xBB &&
            (unsigned char)c->buf[2] == 0xBF)
            memmove(c->buf, c->buf + 3, len - 2); /* UTF-8 byte order mark */
        if (c->buf[strspn(c->buf, " \t\r\n")] == '\0')
            continue;
        int n = model_split(c->buf, fields);
        if (n < 0)
            fprintf(stderr, "%s:%ld: malformed CSV line (quotes or too many fields)\n", c->path, c->row);
        return n;
    }
}

static int model_find_col(char **fields, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcmp(fields[k], name) == 0)
            return k;
    for (int k = 0; k < n; k++)
        if (strcasecmp(fields[k], name) == 0)
            return k;
    return -1;
}

static int model_number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && *end == '\0' && errno == 0 && isfinite(*v) ? 0 : -1;
}

typedef struct {
    size_t n, cap;
    double *x, *tx, *T, *m;
    long *row;
} model_rows;

/* Prints ,"at_boundary":["a","b"] for the parameters of names[] that ran to
 * infinity (an_fit_info.at_boundary), nothing when none did. */
static void model_print_boundary(unsigned bits, const char *const *names, int np)
{
    if (!bits)
        return;
    printf(",\"at_boundary\":[");
    for (int k = 0, first = 1; k < np; k++)
        if (bits & 1u << k) {
            printf("%s\"%s\"", first ? "" : ",", names[k]);
            first = 0;
        }
    putchar(']');
}



/* ---- fast summary reader ----
 * `rapport model fit` on a million-row summary spent most of its time in
 * fgets/strtod (issue 16: 1.07 s end to end for a 0.16 s fit). The file is
 * read whole, cut at line starts into one chunk per thread (parfor.h), and
 * each chunk parses its lines in place: a comma scan and a number parser
 * that is exact (Clinger's fast path: an integer mantissa below 2^53 times
 * or over an exact power of ten <= 1e22 is one correctly rounded
 * operation, so the values equal strtod's) and falls back to strtod for
 * anything else. A line with a double quote goes through model_split. */

static const double model_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parses the number in [p, e) (already trimmed); 0 or -1. */
static int model_fast_number(const char *p, const char *e, double *v)
{
    const char *s = p;
    int neg = 0;
    if (s < e && (*s == '-' || *s == '+'))
        neg = *s++ == '-';
    uint64_t m = 0;
    int nd = 0, e10 = 0;
    const char *d0 = s;
    while (s < e && *s >= '0' && *s <= '9') {
        if (nd < 19)
            m = m * 10 + (uint64_t)(*s - '0');
        else
            e10++;
        if (m)
            nd++;
        s++;
    }
    int had = s > d0;
    if (s < e && *s == '.') {
        s++;
        const char *f0 = s;
        while (s < e && *s >= '0' && *s <= '9') {
            if (nd < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                e10--;
                if (m)
                    nd++;
            }
            s++;
        }
        had |= s > f0;
    }
    if (had && s < e && (*s == 'e' || *s == 'E')) {
        const char *x = s + 1;
        int eneg = 0, ex = 0, any = 0;
        if (x < e && (*x == '-' || *x == '+'))
            eneg = *x++ == '-';
        while (x < e && *x >= '0' && *x <= '9') {
            if (ex < 100000)
                ex = ex * 10 + (*x - '0');
            x++;
            any = 1;
        }
        if (any) {
            e10 += eneg ? -ex : ex;
            s = x;
        }
    }
    if (had && s == e && nd < 19 && m < (1ULL << 53) && e10 >= -22 && e10 <= 22) {
        double d = (double)m;
        d = e10 < 0 ? d / model_pow10[-e10] : d * model_pow10[e10];
        *v = neg ? -d : d;
        return 0;
    }
    /* Rare forms (19+ digits, big exponents, inf/nan words): strtod. */
    char buf[128];
    size_t len = (size_t)(e - p);
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return model_number(buf, v);
}

typedef struct {
    const char *p, *end; /* the chunk: whole lines */
    size_t lines;        /* phase 1: newline-terminated lines (+1 for a last unterminated one) */
    long base_line;      /* 1-based number of its first line */
    size_t off, n;       /* rows written at [off, off + n) of the output */
    long err_line;       /* 0: none */
    char err[320];
} model_chunk;

typedef struct {
    model_chunk *ch;
    const int *ci; /* column of frequency, recency, T, monetary_value (-1: unused) */
    const char *path;
    double *x, *tx, *T, *m;
    long *row;
    int phase;
} model_parse;

static const char *const model_cols[4] = {"frequency", "recency", "T", "monetary_value"};

static void model_chunk_parse(const model_parse *P, model_chunk *c)
{
    const char *q = c->p;
    long line = c->base_line - 1;
    char *fields[MODEL_MAX_FIELDS], *slow = NULL;
    while (q < c->end) {
        const char *nl = memchr(q, '\n', (size_t)(c->end - q));
        const char *le = nl ? nl : c->end, *next = nl ? nl + 1 : c->end;
        line++;
        if ((size_t)(le - q) > MODEL_MAX_LINE) {
            snprintf(c->err, sizeof c->err, "%s:%ld: line longer than %d bytes", P->path, line, MODEL_MAX_LINE);
            c->err_line = line;
            break;
        }
        const char *t = le;
        while (t > q && (t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t'))
            t--;
        const char *b = q;
        while (b < t && (*b == ' ' || *b == '\t'))
            b++;
        if (b == t) { /* blank line */
            q = next;
            continue;
        }
        double v[4] = {0, 0, 0, 0};
        int bad_col = -1, missing = -1, nf = 0;
        if (memchr(q, '"', (size_t)(le - q))) {
            if (!slow && !(slow = malloc(MODEL_MAX_LINE + 1))) {
                snprintf(c->err, sizeof c->err, "rapport model: out of memory");
                c->err_line = line;
                break;
            }
            memcpy(slow, q, (size_t)(le - q));
            slow[le - q] = '\0';
            nf = model_split(slow, fields);
            if (nf < 0) {
                snprintf(c->err, sizeof c->err, "%s:%ld: malformed CSV line (quotes or too many fields)", P->path,
                         line);
                c->err_line = line;
                break;
            }
            for (int k = 0; k < 4 && bad_col < 0 && missing < 0; k++) {
                if (P->ci[k] < 0)
                    continue;
                if (P->ci[k] >= nf)
                    missing = k;
                else if (model_number(fields[P->ci[k]], &v[k]) != 0)
                    bad_col = k;
            }
            if (bad_col >= 0)
                snprintf(c->err, sizeof c->err, "%s:%ld: column '%s': '%.200s' is not a number", P->path, line,
                         model_cols[bad_col], fields[P->ci[bad_col]]);
        } else {
            /* Field by field: f is the field index, [fs, fe) its text. */
            const char *fs = q;
            int f = 0, need = 0;
            for (int k = 0; k < 4; k++)
                if (P->ci[k] >= 0)
                    need++;
            for (;;) {
                const char *fe = memchr(fs, ',', (size_t)(le - fs));
                if (!fe)
                    fe = le;
                for (int k = 0; k < 4; k++) {
                    if (P->ci[k] != f)
                        continue;
                    const char *a = fs, *z = fe;
                    while (a < z && (*a == ' ' || *a == '\t'))
                        a++;
                    while (z > a && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\r'))
                        z--;
                    if (model_fast_number(a, z, &v[k]) != 0 && bad_col < 0) {
                        bad_col = k;
                        snprintf(c->err, sizeof c->err, "%s:%ld: column '%s': '%.*s' is not a number", P->path,
                                 line, model_cols[k], (int)(z - a > 200 ? 200 : z - a), a);
                    }
                    need--;
                }
                f++;
                if (fe == le || (need == 0 && bad_col < 0))
                    break;
                if (f >= MODEL_MAX_FIELDS) {
                    snprintf(c->err, sizeof c->err, "%s:%ld: malformed CSV line (quotes or too many fields)",
                             P->path, line);
                    c->err_line = line;
                    break;
                }
                fs = fe + 1;
            }
            if (c->err_line)
                break;
            nf = f;
            if (need > 0 && bad_col < 0)
                for (int k = 0; k < 4; k++)
                    if (P->ci[k] >= f) {
                        missing = k;
                        break;
                    }
        }
        if (missing >= 0) {
            snprintf(c->err, sizeof c->err, "%s:%ld: column '%s' missing (%d fields)", P->path, line,
                     model_cols[missing], nf);
            c->err_line = line;
            break;
        }
        if (bad_col >= 0) {
            c->err_line = line;
            break;
        }
        size_t i = c->off + c->n++;
        P->x[i] = v[0];
        P->tx[i] = v[1];
        P->T[i] = v[2];
        P->m[i] = v[3];
        P->row[i] = line;
        q = next;
    }
    free(slow);
}

static void model_parse_fn(void *ctx, size_t lo, size_t hi, double *acc)
{
    const model_parse *P = ctx;
    for (size_t k = lo; k < hi; k++) {
        model_chunk *c = &P->ch[k];
        if (P->phase == 0) {
            size_t nlines = 0;
            for (const char *q = c->p; q < c->end;) {
                const char *nl = memchr(q, '\n', (size_t)(c->end - q));
                nlines++;
                q = nl ? nl + 1 : c->end;
            }
            c->lines = nlines;
        } else {
            model_chunk_parse(P, c);
        }
    }
    acc[0] += 0;
}

/* Reads the whole of path ("-" = stdin) into a NUL-terminated buffer. */
static char *model_slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    struct stat st;
    if (f != stdin && fstat(fileno(f), &st) == 0 && st.st_size > 0)
        cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* Reads a summary CSV into r (columns frequency, recency, T and, with
 * need_m, monetary_value). 0, or -1 after a message on stderr. */
static int model_read_summary(const char *path, int need_m, model_rows *r)
{
    size_t len = 0;
    char *buf = model_slurp(path, &len);
    if (!buf) {
        fprintf(stderr, "rapport model: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = -1;
    model_chunk *ch = NULL;
    const char *p = buf, *end = buf + len;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
        p += 3; /* UTF-8 byte order mark */
    /* Header: the first non-blank line. */
    long hline = 0;
    char *fields[MODEL_MAX_FIELDS];
    int nf = 0, ci[4] = {-1, -1, -1, -1};
    char *hbuf = NULL;
    for (;;) {
        if (p >= end) {
            fprintf(stderr, "%s: empty file, expected a header\n", path);
            goto done;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        hline++;
        if ((size_t)(le - p) > MODEL_MAX_LINE) {
            fprintf(stderr, "%s:%ld: line longer than %d bytes\n", path, hline, MODEL_MAX_LINE);
            goto done;
        }
        hbuf = malloc((size_t)(le - p) + 1);
        if (!hbuf)
            goto oom;
        memcpy(hbuf, p, (size_t)(le - p));
        hbuf[le - p] = '\0';
        p = nl ? nl + 1 : end;
        if (hbuf[strspn(hbuf, " \t\r")] != '\0')
            break;
        free(hbuf);
        hbuf = NULL;
    }
    nf = model_split(hbuf, fields);
    if (nf < 0) {
        fprintf(stderr, "%s:%ld: malformed CSV line (quotes or too many fields)\n", path, hline);
        goto done;
    }
    for (int k = 0; k < (need_m ? 4 : 3); k++) {
        ci[k] = model_find_col(fields, nf, model_cols[k]);
        if (ci[k] < 0) {
            fprintf(stderr, "%s:%ld: header has no column '%s'\n", path, hline, model_cols[k]);
            goto done;
        }
    }
    /* Chunks: one per thread for big files, cut after a newline. */
    size_t body = (size_t)(end - p);
    int nch = body > (1u << 20) ? parfor_threads() : 1;
    ch = calloc((size_t)nch, sizeof *ch);
    if (!ch)
        goto oom;
    const char *cs = p;
    for (int k = 0; k < nch; k++) {
        const char *ce = k == nch - 1 ? end : p + body / (size_t)nch * (size_t)(k + 1);
        if (ce < cs)
            ce = cs;
        if (ce < end) {
            const char *nl = memchr(ce, '\n', (size_t)(end - ce));
            ce = nl ? nl + 1 : end;
        }
        ch[k].p = cs;
        ch[k].end = ce;
        cs = ce;
    }
    model_parse P = {ch, ci, path, NULL, NULL, NULL, NULL, NULL, 0};
    double acc[1];
    parfor_sum((size_t)nch, 1, model_parse_fn, &P, acc, 1);
    size_t total = 0;
    long line = hline + 1;
    for (int k = 0; k < nch; k++) {
        ch[k].off = total;
        ch[k].base_line = line;
        total += ch[k].lines;
        line += (long)ch[k].lines;
    }
    r->cap = total ? total : 1;
    r->x = malloc(4 * r->cap * sizeof *r->x);
    r->row = malloc(r->cap * sizeof *r->row);
    if (!r->x || !r->row)
        goto oom;
    r->tx = r->x + r->cap;
    r->T = r->tx + r->cap;
    r->m = r->T + r->cap;
    P = (model_parse){ch, ci, path, r->x, r->tx, r->T, r->m, r->row, 1};
    parfor_sum((size_t)nch, 1, model_parse_fn, &P, acc, 1);
    /* The first error in file order; else close the gaps blank lines left. */
    for (int k = 0; k < nch; k++)
        if (ch[k].err_line) {
            fprintf(stderr, "%s\n", ch[k].err);
            goto done;
        }
    size_t n = 0;
    for (int k = 0; k < nch; k++) {
        if (ch[k].off != n) {
            memmove(r->x + n, r->x + ch[k].off, ch[k].n * sizeof *r->x);
            memmove(r->tx + n, r->tx + ch[k].off, ch[k].n * sizeof *r->x);
            memmove(r->T + n, r->T + ch[k].off, ch[k].n * sizeof *r->x);
            memmove(r->m + n, r->m + ch[k].off, ch[k].n * sizeof *r->x);
            memmove(r->row + n, r->row + ch[k].off, ch[k].n * sizeof *r->row);
        }
        n += ch[k].n;
    }
    r->n = n;
    rc = 0;
    goto done;
oom:
    fprintf(stderr, "rapport model: out of memory\n");
done:
    free(hbuf);
    free(ch);
    free(buf);
    return rc;
}

static double model_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Fits one model on rows r and prints its JSON line (0) or a message (1). */
static int model_fit_one(const char *path, const char *model, int kind, const model_rows *r)
{
    an_fit_info fi;
    an_rc arc;
    if (kind == 0) {
        bgnbd_params p;
        arc = bgnbd_fit(r->n, r->x, r->tx, r->T, &p, &fi);
        if (arc == AN_OK) {
            static const char *const nm[] = {"r", "alpha", "a", "b"};
            printf("{\"model\":\"bgnbd\",\"r\":%.10g,\"alpha\":%.10g,\"a\":%.10g,\"b\":%.10g,\"log_likelihood\":%.10g,"
                   "\"n\":%zu",
                   p.r, p.alpha, p.a, p.b, fi.log_likelihood, fi.n);
            model_print_boundary(fi.at_boundary, nm, 4);
            printf("}\n");
        }
    } else if (kind == 1) {
        pnbd_params p;
        arc = pnbd_fit(r->n, r->x, r->tx, r->T, &p, &fi);
        if (arc == AN_OK) {
            static const char *const nm[] = {"r", "alpha", "s", "beta"};
            printf("{\"model\":\"pnbd\",\"r\":%.10g,\"alpha\":%.10g,\"s\":%.10g,\"beta\":%.10g,\"log_likelihood\":%.10g,"
                   "\"n\":%zu",
                   p.r, p.alpha, p.s, p.beta, fi.log_likelihood, fi.n);
            model_print_boundary(fi.at_boundary, nm, 4);
            printf("}\n");
        }
    } else {
        gg_params p;
        arc = gg_fit(r->n, r->x, r->m, &p, &fi);
        if (arc == AN_OK) {
            static const char *const nm[] = {"p", "q", "gamma"};
            printf("{\"model\":\"gg\",\"p\":%.10g,\"q\":%.10g,\"gamma\":%.10g,\"log_likelihood\":%.10g,\"n\":%zu",
                   p.p, p.q, p.gamma, fi.log_likelihood, fi.n);
            model_print_boundary(fi.at_boundary, nm, 3);
            printf("}\n");
        }
    }
    if (arc == AN_EINVAL) {
        size_t b = fi.bad_row;
        fprintf(stderr,
                "%s:%ld: row outside the model's domain (frequency %g, recency %g, T %g%s): need integer "
                "frequency >= 0, 0 <= recency <= T, recency 0 when frequency is 0%s\n",
                path, r->row[b], r->x[b], r->tx[b], r->T[b], kind == 2 ? ", monetary_value" : "",
                kind == 2 ? ", monetary_value > 0 when frequency > 0" : "");
    } else if (arc == AN_ENOFIT) {
        fprintf(stderr, "%s: the %s fit failed: %s (optimiser status %d)%s\n", path, model,
                fi.message ? fi.message : "no usable rows", fi.nlopt_status,
                kind == 2 ? "; gg needs customers with frequency >= 1" : "");
    } else if (arc == AN_ENOMEM) {
        fprintf(stderr, "rapport model: out of memory\n");
    }
    return arc == AN_OK ? 0 : 1;
}

static int model_fit(int argc, char **argv)
{
    static const char *const known[] = {"--model", "--summary", NULL};
    int bad = 0;
    if (model_check_args(argc, argv, known) != 0)
        return 2;
    const char *model = model_opt(argc, argv, "--model", &bad);
    const char *path = model_opt(argc, argv, "--summary", &bad);
    if (bad || !model || !path) {
        model_usage();
        return 2;
    }
    /* --model takes a comma-separated list: one read of the file serves
     * every fit (bgnbd,gg is what CLV needs). */
    static const char *const names[3] = {"bgnbd", "pnbd", "gg"};
    int kinds[3], nk = 0, need_m = 0;
    for (const char *m = model; nk < 3;) {
        size_t l = strcspn(m, ",");
        int kind = -1;
        for (int k = 0; k < 3; k++)
            if (strlen(names[k]) == l && strncmp(m, names[k], l) == 0)
                kind = k;
        for (int j = 0; j < nk; j++)
            if (kinds[j] == kind)
                kind = -1;
        if (kind < 0) {
            fprintf(stderr, "rapport model: unknown or repeated model '%.*s' (bgnbd, pnbd or gg, comma-separated)\n",
                    (int)l, m);
            return 2;
        }
        kinds[nk++] = kind;
        need_m |= kind == 2;
        if (m[l] == '\0')
            break;
        m += l + 1;
    }
    model_rows r = {0};
    int rc = 1;
    /* RAPPORT_MODEL_TIMING=1: the time of each step on stderr (bench/). */
    const char *tm = getenv("RAPPORT_MODEL_TIMING");
    int timing = tm && *tm == '1';
    double t0 = model_now();
    if (model_read_summary(path, need_m, &r) != 0)
        goto done;
    if (timing)
        fprintf(stderr, "read %zu rows %.3f s\n", r.n, model_now() - t0);
    if (r.n == 0) {
        fprintf(stderr, "%s: no data rows\n", path);
        goto done;
    }
    rc = 0;
    for (int j = 0; j < nk; j++) {
        t0 = model_now();
        if (model_fit_one(path, names[kinds[j]], kinds[j], &r) != 0)
            rc = 1;
        if (timing)
            fprintf(stderr, "fit %s %.3f s\n", names[kinds[j]], model_now() - t0);
    }
done:
    free(r.x);
    free(r.row);
    return rc;
}

/* ---- summary ---- */

/* Interns customer id strings: index in order of first appearance. */
typedef struct {
    char **ids;
    size_t n, cap;
    uint32_t *slot;
    size_t scap;
} model_ids;

static uint64_t model_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static long model_intern(model_ids *t, const char *s)
{
    if (2 * (t->n + 1) > t->scap) {
        size_t ns = t->scap ? 2 * t->scap : 1024;
        uint32_t *sl = calloc(ns, sizeof *sl);
        if (!sl)
            return -1;
        for (size_t i = 0; i < t->n; i++) {
            size_t pos = (size_t)model_hash(t->ids[i]) & (ns - 1);
            while (sl[pos])
                pos = (pos + 1) & (ns - 1);
            sl[pos] = (uint32_t)(i + 1);
        }
        free(t->slot);
        t->slot = sl;
        t->scap = ns;
    }
    size_t pos = (size_t)model_hash(s) & (t->scap - 1);
    while (t->slot[pos]) {
        uint32_t g = t->slot[pos] - 1;
        if (strcmp(t->ids[g], s) == 0)
            return g;
        pos = (pos + 1) & (t->scap - 1);
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 1024;
        char **ni = realloc(t->ids, nc * sizeof *ni);
        if (!ni)
            return -1;
        t->ids = ni;
        t->cap = nc;
    }
    char *dup = strdup(s);
    if (!dup)
        return -1;
    t->ids[t->n] = dup;
    t->slot[pos] = (uint32_t)(t->n + 1);
    return (long)t->n++;
}

/* Decimal amount to minor units (MODEL_AMOUNT_SCALE per unit). */
static int model_amount(const char *s, int64_t *out)
{
    int neg = 0;
    const char *p = s;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    int64_t whole = 0, frac = 0;
    int nd = 0, nfrac = 0;
    for (; *p >= '0' && *p <= '9'; p++, nd++) {
        if (whole > (INT64_MAX / MODEL_AMOUNT_SCALE - 9) / 10)
            return -1;
        whole = whole * 10 + (*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
            if (nfrac >= 4) {
                if (*p != '0')
                    return -1; /* more precision than we keep */
                continue;
            }
            frac = frac * 10 + (*p - '0');
        }
    }
    if (*p != '\0' || (nd == 0 && nfrac == 0))
        return -1;
    for (int k = nfrac < 4 ? nfrac : 4; k < 4; k++)
        frac *= 10;
    *out = (whole * MODEL_AMOUNT_SCALE + frac) * (neg ? -1 : 1);
    return 0;
}

typedef struct {
    model_ids ids;
    int64_t *cust, *amt;
    int32_t *day;
    size_t n, cap;
} model_log;

static void model_log_free(model_log *L)
{
    for (size_t i = 0; i < L->ids.n; i++)
        free(L->ids.ids[i]);
    free(L->ids.ids);
    free(L->ids.slot);
    free(L->cust);
    free(L->amt);
    free(L->day);
}

/* Reads a transaction log `customer_id,date,amount` (header in any order,
 * or three columns without one) into *L. 0, or -1 after a message. */
static int model_read_log(const char *path, model_log *L)
{
    model_csv c;
    memset(L, 0, sizeof *L);
    if (model_csv_open(&c, path) != 0)
        return -1;
    int rc = -1;
    char *fields[MODEL_MAX_FIELDS];
    int nf = model_csv_next(&c, fields);
    if (nf <= 0) {
        if (nf == 0)
            fprintf(stderr, "%s: empty file\n", path);
        goto done;
    }
    /* Header by name when present, else the three columns in order. */
    int ci[3] = {0, 1, 2}, header = 0;
    static const char *const cols[3] = {"customer_id", "date", "amount"};
    if (model_find_col(fields, nf, "customer_id") >= 0 || model_find_col(fields, nf, "date") >= 0) {
        header = 1;
        for (int k = 0; k < 3; k++) {
            ci[k] = model_find_col(fields, nf, cols[k]);
            if (ci[k] < 0) {
                fprintf(stderr, "%s:1: header has no column '%s'\n", path, cols[k]);
                goto done;
            }
        }
    }
    for (;;) {
        if (header || c.row > 1) {
            nf = model_csv_next(&c, fields);
            if (nf < 0)
                goto done;
            if (nf == 0)
                break;
        }
        header = 1; /* from here on every line is read */
        for (int k = 0; k < 3; k++) {
            if (ci[k] >= nf) {
                fprintf(stderr, "%s:%ld: column '%s' missing (%d fields)\n", path, c.row, cols[k], nf);
                goto done;
            }
        }
        if (L->n == L->cap) {
            size_t ncap = L->cap ? 2 * L->cap : 65536;
            int64_t *nc2 = realloc(L->cust, ncap * sizeof *nc2);
            if (nc2)
                L->cust = nc2;
            int64_t *na = realloc(L->amt, ncap * sizeof *na);
            if (na)
                L->amt = na;
            int32_t *nd = realloc(L->day, ncap * sizeof *nd);
            if (nd)
                L->day = nd;
            if (!nc2 || !na || !nd) {
                fprintf(stderr, "rapport model: out of memory\n");
                goto done;
            }
            L->cap = ncap;
        }
        const char *id = fields[ci[0]];
        if (!*id) {
            fprintf(stderr, "%s:%ld: column 'customer_id' is empty\n", path, c.row);
            goto done;
        }
        if (summary_parse_date(fields[ci[1]], &L->day[L->n]) != 0) {
            fprintf(stderr, "%s:%ld: column 'date': '%s' is not a date (YYYY-MM-DD or YYYYMMDD)\n", path, c.row,
                    fields[ci[1]]);
            goto done;
        }
        if (model_amount(fields[ci[2]], &L->amt[L->n]) != 0) {
            fprintf(stderr, "%s:%ld: column 'amount': '%s' is not a decimal amount (at most 4 decimals)\n", path,
                    c.row, fields[ci[2]]);
            goto done;
        }
        long g = model_intern(&L->ids, id);
        if (g < 0) {
            fprintf(stderr, "rapport model: out of memory\n");
            goto done;
        }
        L->cust[L->n++] = g;
    }
    rc = 0;
done:
    model_csv_close(&c);
    return rc;
}

static int model_summary(int argc, char **argv)
{
    static const char *const known[] = {"--transactions", "--calibration-end", NULL};
    int bad = 0;
    if (model_check_args(argc, argv, known) != 0)
        return 2;
    const char *path = model_opt(argc, argv, "--transactions", &bad);
    const char *end = model_opt(argc, argv, "--calibration-end", &bad);
    if (bad || !path || !end) {
        model_usage();
        return 2;
    }
    int32_t end_day;
    if (summary_parse_date(end, &end_day) != 0) {
        fprintf(stderr, "rapport model: --calibration-end '%s' is not a date (YYYY-MM-DD or YYYYMMDD)\n", end);
        return 2;
    }
    int rc = 1;
    model_log L;
    summary_rfm_t s = {0};
    if (model_read_log(path, &L) != 0)
        goto done;
    if (summary_rfm(L.n, L.cust, L.day, L.amt, MODEL_AMOUNT_SCALE, end_day, &s) != AN_OK) {
        fprintf(stderr, "rapport model: out of memory\n");
        goto done;
    }
    printf("customer_id,frequency,recency,T,monetary_value\n");
    for (size_t i = 0; i < s.n; i++) {
        const char *id = L.ids.ids[s.customer[i]];
        int quote = strpbrk(id, ",\"\n\r") != NULL;
        if (quote) {
            putchar('"');
            for (const char *p = id; *p; p++) {
                if (*p == '"')
                    putchar('"');
                putchar(*p);
            }
            putchar('"');
        } else {
            fputs(id, stdout);
        }
        printf(",%.0f,%.15g,%.15g,%.15g\n", s.x[i], s.t_x[i], s.T[i], s.monetary[i]);
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    summary_rfm_free(&s);
    model_log_free(&L);
    return rc;
}

/* ---- validate ---- */

static int model_validate(int argc, char **argv)
{
    static const char *const known[] = {"--transactions", "--calibration-end", "--holdout-end", "--model", NULL};
    int bad = 0;
    if (model_check_args(argc, argv, known) != 0)
        return 2;
    const char *path = model_opt(argc, argv, "--transactions", &bad);
    const char *cal = model_opt(argc, argv, "--calibration-end", &bad);
    const char *hold = model_opt(argc, argv, "--holdout-end", &bad);
    const char *model = model_opt(argc, argv, "--model", &bad);
    if (bad || !path || !cal || !hold) {
        model_usage();
        return 2;
    }
    if (!model)
        model = "bgnbd";
    if (strcmp(model, "bgnbd") != 0 && strcmp(model, "pnbd") != 0) {
        fprintf(stderr, "rapport model: validate --model is bgnbd or pnbd, not '%s'\n", model);
        return 2;
    }
    int32_t cal_day, hold_day;
    if (summary_parse_date(cal, &cal_day) != 0 || summary_parse_date(hold, &hold_day) != 0) {
        fprintf(stderr, "rapport model: --calibration-end and --holdout-end are dates (YYYY-MM-DD or YYYYMMDD)\n");
        return 2;
    }
    if (hold_day <= cal_day) {
        fprintf(stderr, "rapport model: --holdout-end must come after --calibration-end\n");
        return 2;
    }
    model_log L;
    if (model_read_log(path, &L) != 0) {
        model_log_free(&L);
        return 1;
    }
    val_result r;
    val_model vm = strcmp(model, "pnbd") == 0 ? VAL_PNBD : VAL_BGNBD;
    an_rc arc = val_run(L.n, L.cust, L.day, L.amt, MODEL_AMOUNT_SCALE, cal_day, hold_day, vm, &r);
    model_log_free(&L);
    if (arc == AN_EINVAL) {
        fprintf(stderr, "%s: no customer made a purchase by %s\n", path, cal);
        return 1;
    }
    if (arc == AN_ENOFIT) {
        fprintf(stderr, "%s: the %s fit on the calibration period failed: %s\n", path, model,
                r.fit.message ? r.fit.message : "no usable rows");
        return 1;
    }
    if (arc != AN_OK) {
        fprintf(stderr, "rapport model: out of memory\n");
        return 1;
    }
    if (vm == VAL_PNBD)
        printf("model pnbd: r %.6g, alpha %.6g, s %.6g, beta %.6g; log-likelihood %.4f", r.pn.r, r.pn.alpha, r.pn.s,
               r.pn.beta, r.fit.log_likelihood);
    else
        printf("model bgnbd: r %.6g, alpha %.6g, a %.6g, b %.6g; log-likelihood %.4f", r.bg.r, r.bg.alpha, r.bg.a,
               r.bg.b, r.fit.log_likelihood);
    printf("%s%s\n", r.fit.at_boundary & 3u ? " (purchase-rate parameters at the boundary: no heterogeneity)" : "",
           r.fit.at_boundary & 12u ? " (drop-out parameters at the boundary: no heterogeneity)" : "");
    printf("customers %zu; calibration to %s (week %zu), holdout %.2f weeks to %s\n\n", r.customers, cal,
           r.calibration_weeks, r.holdout_weeks, hold);
    printf("holdout repeat purchases per customer by calibration frequency\n");
    printf("frequency  customers     actual  predicted\n");
    for (int b = 0; b < VAL_FREQ_BINS; b++)
        printf("%7d%s %10zu %10.4f %10.4f\n", b, b == VAL_FREQ_BINS - 1 ? "+" : " ", r.freq_n[b], r.freq_actual[b],
               r.freq_predicted[b]);
    printf("\ncumulative repeat purchases\n");
    printf(" week     actual  predicted\n");
    for (size_t w = 0; w < r.weeks; w++)
        printf("%5zu %10.0f %10.1f%s\n", w + 1, r.cum_actual[w], r.cum_predicted[w],
               w + 1 == r.calibration_weeks ? "  <- calibration end" : "");
    printf("\nholdout: actual %.0f, predicted %.1f repeat purchases; total error %+.2f%%; MAE %.4f per customer\n",
           r.holdout_actual, r.holdout_predicted, r.error_pct, r.mae);
    val_free(&r);
    return fflush(stdout) == 0 ? 0 : 1;
}

int cmd_model(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        model_usage();
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "fit") == 0)
        return model_fit(argc, argv);
    if (strcmp(argv[1], "summary") == 0)
        return model_summary(argc, argv);
    if (strcmp(argv[1], "validate") == 0)
        return model_validate(argc, argv);
    fprintf(stderr, "rapport model: unknown subcommand '%s'\n", argv[1]);
    model_usage();
    return 2;
}
