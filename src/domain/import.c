/* import: the import engine (see import.h). */
#include "domain/import.h"
#include "io/xlsx.h"
#include "api/api.h"
#include "api/party_docs.h"
#include "db/writer.h"
#include "domain/import_values.h"
#include "io/out.h"
#include "jobs/jobs.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include "records/write.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

extern struct resource interaction_resource, transaction_resource, product_resource, link_resource;

#define MAX_ITEMS 5000             /* lines of one imported transaction */
#define SAMPLE_MAX 100             /* report lines kept in the result */
#define MAX_COLS 1000

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

int dup_policy_parse(const char *s, enum dup_policy *out)
{
    if (!strcmp(s, "update")) *out = DUP_UPDATE;
    else if (!strcmp(s, "skip")) *out = DUP_SKIP;
    else if (!strcmp(s, "error")) *out = DUP_ERROR;
    else return -1;
    return 0;
}

static double elapsed(const struct imp *m)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - m->t0.tv_sec) + (double)(now.tv_nsec - m->t0.tv_nsec) / 1e9;
}

/* ---- the report ---- */

static void report(struct imp *m, long line, const char *column, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void report(struct imp *m, long line, const char *column, const char *kind, const char *fmt, ...)
{
    char reason[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (m->report) {
        fprintf(m->report, "%ld,", line);
        csv_put_cell(m->report, column ? column : "");
        fputc(',', m->report);
        csv_put_cell(m->report, kind);
        fputc(',', m->report);
        csv_put_cell(m->report, reason);
        fputs("\r\n", m->report);
    }
    if (json_array_size(m->res->sample) < SAMPLE_MAX)
        json_array_append_new(m->res->sample, json_pack("{s:I, s:s, s:s, s:s}", "row", (json_int_t)line, "column", column ? column : "",
                                                         "kind", kind, "reason", reason));
}

static void fatal(struct imp *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fatal(struct imp *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->res->fatal, sizeof m->res->fatal, fmt, ap);
    va_end(ap);
    m->fatal = true;
}

/* ---- mapping ---- */

static void add_target(struct imp *m, const char *name, enum xtarget x, const struct field *f)
{
    if (m->nt >= (int)(sizeof m->t / sizeof m->t[0])) return;
    m->t[m->nt] = (struct target){name, x, f, -1};
    if (x != X_FIELD && x != X_CURRENCY2) m->tx[x] = m->nt;
    m->nt++;
}

static struct target *target_find(struct imp *m, const char *name)
{
    for (int i = 0; i < m->nt; i++)
        if (!strcasecmp(m->t[i].name, name)) return &m->t[i];
    if (m->txn || m->inter) {
        if (!strcasecmp(name, "date")) return target_find(m, "occurred_at");
    }
    if (m->txn && !strcasecmp(name, "sku")) return target_find(m, "product");
    return NULL;
}

static void build_targets(struct imp *m)
{
    for (int i = 0; i < X_NTARGETS; i++) m->tx[i] = -1;
    for (int i = 0; i < m->r->nfields; i++) {
        const struct field *f = &m->r->fields[i];
        if (f->flags & F_SERVER) continue;
        add_target(m, f->name, X_FIELD, f);
        if (f->type == FT_MONEY) add_target(m, f->column2, X_CURRENCY2, f);
    }
    add_target(m, "id", X_ID, NULL);
    add_target(m, "created_at", X_CREATED_AT, NULL);
    /* A person's organisation, by name: matched or created, and linked
     * (works_at) — the decision unit of D1. */
    if (m->r == &party_resource) add_target(m, "company", X_COMPANY, NULL);
    if (m->txn || m->inter) {
        add_target(m, "party_external_id", X_PARTY_EXT, NULL);
        add_target(m, "party_name", X_PARTY_NAME, NULL);
        add_target(m, "country", X_COUNTRY, NULL);
    }
    if (m->txn) {
        add_target(m, "quantity", X_QUANTITY, NULL);
        add_target(m, "unit_price", X_UNIT_PRICE, NULL);
        add_target(m, "product", X_PRODUCT, NULL);
        add_target(m, "product_name", X_PRODUCT_NAME, NULL);
        add_target(m, "cancelled", X_CANCELLED, NULL);
    }
}

static int column_find(struct imp *m, const char *name)
{
    for (int i = 0; i < m->ncols; i++)
        if (!strcasecmp(m->cols[i], name)) return i;
    char *end;
    long n = strtol(name[0] == '#' ? name + 1 : name, &end, 10);
    if (!m->jsonl && *end == '\0' && n >= 1 && n <= m->ncols) return (int)n - 1;
    return -1;
}

static char *trimdup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    return strndup(s, n);
}

static void column_list(struct imp *m, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < m->ncols && used + 4 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "", m->cols[i]);
}

static int add_jsonl_column(struct imp *m, const char *name)
{
    for (int i = 0; i < m->ncols; i++) if (!strcmp(m->cols[i], name)) return i;
    if (m->ncols >= MAX_COLS) return -1;
    char **p = realloc(m->cols, sizeof *p * (size_t)(m->ncols + 1));
    if (!p) return -1;
    m->cols = p;
    m->cols[m->ncols] = strdup(name);
    return m->ncols++;
}

/* Applies --map and the automatic mapping (a column named like a target). */
static int apply_mapping(struct imp *m)
{
    const char *spec = m->o->map ? m->o->map : "";
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) { fatal(m, "--map: '%.*s' is not field=Column", (int)n, p); return -1; }
        char *field = trimdup(p, (size_t)(eq - p)), *col = trimdup(eq + 1, n - (size_t)(eq - p) - 1);
        struct target *t = target_find(m, field);
        int rc = 0;
        if (!t) {
            strbuf sb;
            sb_init(&sb, 4096);
            for (int i = 0; i < m->nt; i++) sb_printf(&sb, "%s%s", i ? ", " : "", m->t[i].name);
            fatal(m, "--map: %s is not a field of %s (fields: %s)", field, m->o->kind, sb_str(&sb));
            sb_free(&sb);
            rc = -1;
        } else {
            int c = m->jsonl ? add_jsonl_column(m, col) : column_find(m, col);
            if (c < 0) {
                char list[1500];
                column_list(m, list, sizeof list);
                fatal(m, "row 1, column %s: the file has no column '%s' (mapped to %s); its columns are: %s", col, col, field, list);
                rc = -1;
            }
            t->col = c;
        }
        free(field);
        free(col);
        if (rc) return -1;
        p = end ? end + 1 : p + n;
    }
    /* Automatic: a column named like a target, unless that column or target is mapped. */
    for (int i = 0; i < m->nt; i++) {
        if (m->t[i].col >= 0) continue;
        /* JSON Lines records carry their items whole: line targets only when mapped. */
        enum xtarget x = m->t[i].x;
        if (m->jsonl && (x == X_QUANTITY || x == X_UNIT_PRICE || x == X_PRODUCT || x == X_PRODUCT_NAME)) continue;
        int c = m->jsonl ? add_jsonl_column(m, m->t[i].name) : column_find(m, m->t[i].name);
        if (c < 0 || (!m->jsonl && strcasecmp(m->cols[c], m->t[i].name) != 0)) continue;
        bool taken = false;
        for (int k = 0; k < m->nt; k++) if (m->t[k].col == c) taken = true;
        if (!taken) m->t[i].col = c;
    }
    if (m->txn) {
        m->c_ext = target_find(m, "external_id")->col;
        m->c_party_id = target_find(m, "party_id")->col;
        m->c_amount = target_find(m, "amount")->col;
        m->c_currency = target_find(m, "currency")->col;
        m->c_description = target_find(m, "description")->col;
        m->lines_mode = m->t[m->tx[X_QUANTITY]].col >= 0 || m->t[m->tx[X_UNIT_PRICE]].col >= 0 || m->t[m->tx[X_PRODUCT]].col >= 0;
        bool party = target_find(m, "party_id")->col >= 0 || m->t[m->tx[X_PARTY_EXT]].col >= 0;
        bool amount = target_find(m, "amount")->col >= 0 || m->t[m->tx[X_UNIT_PRICE]].col >= 0;
        if (!party) { fatal(m, "no column is mapped to the customer: use --map party_external_id=Column (or party_id)"); return -1; }
        if (!amount) { fatal(m, "no column is mapped to the amount: use --map amount=Column, or quantity= and unit_price="); return -1; }
        if (target_find(m, "occurred_at")->col < 0) { fatal(m, "no column is mapped to the date: use --map date=Column"); return -1; }
        return 0;
    }
    for (int i = 0; i < m->r->nfields; i++) {
        const struct field *f = &m->r->fields[i];
        if (!(f->flags & F_REQUIRED) || target_find(m, f->name)->col >= 0) continue;
        if (m->r == &party_resource && !strcmp(f->name, "kind")) continue;   /* defaults to person */
        if (m->inter && !strcmp(f->name, "party_id") && m->t[m->tx[X_PARTY_EXT]].col >= 0) continue;
        fatal(m, "no column is mapped to %s, which is required: use --map %s=Column", f->name, f->name);
        return -1;
    }
    return 0;
}

/* ---- cells ---- */

static const char *cell(struct imp *m, int col, json_t **jv)
{
    *jv = NULL;
    if (col < 0) return NULL;
    const char *s;
    if (m->jsonl) {
        json_t *v = json_object_get(m->jrow, m->cols[col]);
        if (!v || json_is_null(v)) return NULL;
        if (!json_is_string(v)) { *jv = v; return ""; }
        s = json_string_value(v);
    } else {
        if (col >= csv_nfields(m->csv)) return NULL;
        s = csv_field(m->csv, col);
    }
    if (!s[0]) return NULL;
    if (m->o->null_text && !strcmp(s, m->o->null_text)) return NULL;
    /* Undo the formula escape of our own exports. */
    if (s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1])) s++;
    return s;
}

static const char *xcell(struct imp *m, enum xtarget x, json_t **jv)
{
    *jv = NULL;
    return m->tx[x] < 0 ? NULL : cell(m, m->t[m->tx[x]].col, jv);
}

static const char *col_name(struct imp *m, const char *field)
{
    struct target *t = field && field[0] ? target_find(m, field) : NULL;
    if (t && t->col >= 0) return m->cols[t->col];
    return field ? field : "";
}

static json_t *split_list(const char *s, bool commas)
{
    json_t *a = json_array();
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, commas ? ";,\n" : ";\n");
        char *item = trimdup(p, n);
        if (item[0]) json_array_append_new(a, json_string(item));
        free(item);
        p += n;
        if (*p) p++;
    }
    return a;
}

/* Converts one cell for field f; NULL with why set when it does not parse. */
static json_t *convert(struct imp *m, const struct field *f, const char *s, json_t *jv, char *why, size_t cap)
{
    if (jv) return json_incref(jv);
    int64_t v;
    switch (f->type) {
    case FT_TEXT:
        return json_string(s);
    case FT_ENUM: {
        char *t = trimdup(s, strlen(s));
        json_t *out = json_string(t);
        free(t);
        return out;
    }
    case FT_INT: case FT_REF:
        if (parse_int(s, &v)) { snprintf(why, cap, "'%.80s' is not a whole number", s); return NULL; }
        return json_integer(v);
    case FT_REAL: {
        char *end;
        double d = strtod(s, &end);
        if (end == s || *end) { snprintf(why, cap, "'%.80s' is not a number", s); return NULL; }
        return json_real(d);
    }
    case FT_BOOL: {
        bool b;
        if (parse_bool(s, &b)) { snprintf(why, cap, "'%.80s' is not yes/no (true/false)", s); return NULL; }
        return json_boolean(b);
    }
    case FT_DATE: case FT_TIME: {
        if (parse_when(s, m->o->date_format, &v)) {
            snprintf(why, cap, "'%.80s' is not a date%s%s", s, m->o->date_format ? " in the format " : " (use --date-format, e.g. %d/%m/%Y)",
                     m->o->date_format ? m->o->date_format : "");
            return NULL;
        }
        char out[24];
        if (f->type == FT_DATE) date_format(v, out); else time_format(v, out);
        return json_string(out);
    }
    case FT_MONEY: {
        char cur[4];
        if (parse_amount_micro(s, &v, cur)) { snprintf(why, cap, "'%.80s' is not an amount", s); return NULL; }
        if (!cur[0]) {
            json_t *cj = NULL;
            const char *c2 = NULL;
            for (int i = 0; i < m->nt; i++)
                if (m->t[i].x == X_CURRENCY2 && m->t[i].f == f) c2 = cell(m, m->t[i].col, &cj);
            if (!c2 && f->column2 && strcmp(f->column2, "currency") != 0) {
                /* cost without a currency of its own: the transaction's */
                struct target *t = target_find(m, "currency");
                if (t) c2 = cell(m, t->col, &cj);
            }
            snprintf(cur, sizeof cur, "%s", c2 && strlen(c2) == 3 ? c2 : m->cur);
        }
        return json_pack("{s:I, s:s}", "amount", (json_int_t)micro_to_minor(v, cur), "currency", cur);
    }
    case FT_LIST:
        if (s[0] == '[') {
            json_t *a = json_loads(s, 0, NULL);
            if (!json_is_array(a)) { json_decref(a); snprintf(why, cap, "not a JSON array"); return NULL; }
            return a;
        }
        return split_list(s, f->elem == E_EMAIL || f->elem == E_PHONE);
    case FT_OBJECT: case FT_OBJLIST: {
        json_error_t je;
        json_t *o = json_loads(s, JSON_REJECT_DUPLICATES, &je);
        if (!o) { snprintf(why, cap, "not JSON: %s", je.text); return NULL; }
        return o;
    }
    }
    return NULL;
}

/* Whether a bad value of f may be left out of its row instead of refusing
 * the row: one mistyped e-mail must not lose the customer. Not for what
 * the record cannot do without, nor in all-or-nothing mode, where the
 * user asked for every value or nothing. */
static bool value_droppable(const struct imp *m, const struct field *f)
{
    if (m->o->all_or_nothing || !f || (f->flags & F_REQUIRED)) return false;
    return !(m->r == &party_resource && !strcmp(f->name, "kind"));
}

/* res_validate of a row, leaving out (reported, counted) the values that
 * value_droppable allows to go; a list keeps its good elements. */
static json_t *validate_row(struct imp *m, const struct resource *r, json_t *in, long line, struct verr *e)
{
    for (int tries = 0; tries <= r->nfields; tries++) {
        json_t *rec = res_validate(r, in, true, e);
        if (rec || e->status != 422 || !e->field[0]) return rec;
        const struct field *f = res_field_find(r, e->field);
        json_t *v = f ? json_object_get(in, f->name) : NULL;
        if (!v || r != m->r || !value_droppable(m, f)) return NULL;
        if (f->type == FT_LIST && json_is_array(v)) {
            json_t *keep = json_array();
            size_t i; json_t *x;
            json_array_foreach(v, i, x) {
                json_t *probe = json_pack("{s:[O]}", f->name, x);
                struct verr pe = {0};
                json_t *ok = res_validate(r, probe, false, &pe);
                if (ok) json_array_append(keep, x);
                else {
                    report(m, line, col_name(m, f->name), "value_dropped", "%s: '%.80s' left out (%s); the row is imported without it",
                           f->name, json_is_string(x) ? json_string_value(x) : "?", pe.message);
                    m->res->values_dropped++;
                }
                json_decref(ok);
                json_decref(probe);
            }
            if (json_array_size(keep) < json_array_size(v)) { json_object_set_new(in, f->name, keep); continue; }
            json_decref(keep);
        }
        report(m, line, col_name(m, f->name), "value_dropped", "%s; the row is imported without it", e->message);
        m->res->values_dropped++;
        json_object_del(in, f->name);
    }
    return NULL;
}

/* Builds the record of the current row from the mapped fields. Returns NULL
 * (and reports) when a cell does not convert. skip names fields left out. */
static json_t *row_record(struct imp *m, long line, const char *const *skip)
{
    json_t *rec = json_object();
    for (int i = 0; i < m->nt; i++) {
        struct target *t = &m->t[i];
        if (t->x != X_FIELD || t->col < 0) continue;
        bool skipped = false;
        for (int k = 0; skip && skip[k]; k++) if (!strcmp(skip[k], t->name)) skipped = true;
        if (skipped) continue;
        json_t *jv;
        const char *s = cell(m, t->col, &jv);
        if (!s) continue;
        char why[300];
        json_t *v = convert(m, t->f, s, jv, why, sizeof why);
        if (!v && value_droppable(m, t->f)) {
            report(m, line, m->cols[t->col], "value_dropped", "%s: %s; the row is imported without it", t->name, why);
            m->res->values_dropped++;
            continue;
        }
        if (!v) {
            report(m, line, m->cols[t->col], "error", "%s: %s", t->name, why);
            json_decref(rec);
            return NULL;
        }
        json_object_set_new(rec, t->name, v);
    }
    return rec;
}

/* ---- writing ---- */

static int record_item(struct imp *m, db *w, const char *entity, int64_t id, const char *action, const json_t *before)
{
    if (!m->res->job_id) return 0;
    db_stmt *s = db_prepare(w, "INSERT INTO import_item(job_id, seq, entity, entity_id, action, before) VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    char *text = before ? json_dumps(before, JSON_COMPACT) : NULL;
    db_bind_int64(s, 1, m->res->job_id);
    db_bind_int64(s, 2, ++m->seq);
    db_bind_text(s, 3, entity);
    db_bind_int64(s, 4, id);
    db_bind_text(s, 5, action);
    db_bind_text(s, 6, text);
    int rc = db_step(s);
    db_done(s);
    free(text);
    return rc == DB_DONE ? 0 : -1;
}

static void db_fail(struct imp *m, db *w, long line)
{
    fatal(m, "row %ld: the database refused the write: %s", line, db_errmsg(w));
    m->db_failed = true;
}

/* The writer of an import: the user who started it (owner defaults,
 * workflow guards), not limited by record scopes (an import is checked by
 * its own permission), audited as "import". */
static struct writer import_writer(const struct imp *m)
{
    struct writer wr = writer_user(&m->user, "import");
    wr.user = NULL;
    return wr;
}

/* The write path's verdict on a row: a refusal (4xx) is reported against
 * the row and the import goes on; a storage failure stops it. Returns 0
 * refused, -1 failed. */
static int refused_or_failed(struct imp *m, db *w, const struct verr *e, long line)
{
    if (e->status >= 500) { db_fail(m, w, line); return -1; }
    report(m, line, col_name(m, e->field), "error", "%s", e->message);
    m->res->errors++;
    return 0;
}

static void batch_keys_of(struct imp *m, const struct resource *r, const json_t *rec, int64_t id);

/* Inserts rec (validated) through the write path. Returns the id, 0 when
 * refused (reported), -1 on a database failure. */
static int64_t insert_new(struct imp *m, db *w, const struct resource *r, const json_t *rec, int64_t want_id,
                          const char *created_at, const char *items, long line)
{
    /* An id the file asks for that is taken gets a new one. */
    if (want_id > 0) {
        db_stmt *s = db_prepare(w, r->sql_exists);
        if (!s) { db_fail(m, w, line); return -1; }
        db_bind_int64(s, 1, want_id);
        if (db_step(s) == DB_ROW) want_id = 0;
        db_done(s);
    }
    /* Created records are audited once per batch (batch_audit): import_item
     * names each of them, with the job that says who and when; each still
     * has its event. Lines gathered from several rows of the file are
     * bound as the JSON text they were gathered into. */
    struct writer wr = import_writer(m);
    struct write_opts o = {.want_id = want_id, .created_at = created_at && created_at[0] ? created_at : NULL, .batch_audited = true,
                           .json_field = items ? "items" : NULL, .json_text = items,
                           .party_known = r == &party_resource ? 0 : m->party_known};
    struct verr e = {0};
    int64_t id = 0;
    int rc = record_create(w, &wr, r, rec, &o, &id, NULL, &e);
    if (rc) return refused_or_failed(m, w, &e, line);
    m->batch_created++;
    batch_keys_of(m, r, rec, id);
    if (record_item(m, w, r->entity, id, "created", NULL)) {
        db_fail(m, w, line);
        return -1;
    }
    return id;
}

static void list_union(json_t *into, const json_t *from)
{
    size_t i, k; json_t *x, *y;
    json_array_foreach(from, i, x) {
        bool have = false;
        json_array_foreach(into, k, y) if (json_equal(x, y)) have = true;
        if (!have) json_array_append(into, x);
    }
}

/* Updates record id with the non-empty values of rec. Returns 1 updated, 0
 * unchanged or refused, -1 on a database failure. */
static int update_existing(struct imp *m, db *w, const struct resource *r, int64_t id, const json_t *rec, const char *items, long line)
{
    json_t *old = res_load(w, r, id);
    if (!old) return 0;
    json_t *merged = json_deep_copy(old);
    const char *key; json_t *v;
    json_object_foreach((json_t *)rec, key, v) {
        json_t *cur = json_object_get(merged, key);
        if (json_is_array(v) && json_is_array(cur) && strcmp(key, "items") != 0) list_union(cur, v);
        else json_object_set(merged, key, v);
    }
    if (items) {
        json_t *it = json_loads(items, 0, NULL);
        json_object_set_new(merged, "items", it ? it : json_array());
    }
    int out = 0;
    json_t *diff = res_diff(r, old, merged);
    if (json_object_size(diff) == 0) goto done;
    static const char *const server[] = {"id", "version", "created_at", "updated_at"};
    for (size_t i = 0; i < 4; i++) json_object_del(merged, server[i]);
    struct writer wr = import_writer(m);
    struct write_opts o = {.expect_version = json_integer_value(json_object_get(old, "version"))};
    struct verr e = {0};
    if (record_update(w, &wr, r, id, merged, &o, NULL, &e)) { out = refused_or_failed(m, w, &e, line); goto done; }
    if (record_item(m, w, r->entity, id, "updated", old)) { db_fail(m, w, line); out = -1; goto done; }
    out = 1;
done:
    json_decref(diff);
    json_decref(old);
    json_decref(merged);
    return out;
}

static int64_t lookup_id(db *w, const char *sql, const char *value)
{
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    db_bind_text(s, 1, value);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return id;
}

/* The party of this batch with key kind:value (see struct imp), or 0. */
static int64_t batch_key(struct imp *m, char kind, const char *value)
{
    if (!m->bulk || !value) return 0;
    char key[600];
    snprintf(key, sizeof key, "%c:%s", kind, value);
    return json_integer_value(json_object_get(m->batch_keys, key));
}

static void batch_key_add(struct imp *m, char kind, const char *value, int64_t id)
{
    if (!m->bulk || !value) return;
    char key[600];
    snprintf(key, sizeof key, "%c:%s", kind, value);
    if (!json_object_get(m->batch_keys, key)) json_object_set_new(m->batch_keys, key, json_integer(id));
}

/* A party created by this batch: its keys, as find_duplicate looks them up. */
static void batch_keys_of(struct imp *m, const struct resource *r, const json_t *rec, int64_t id)
{
    if (r == &transaction_resource)   /* "t:" a transaction's external id */
        batch_key_add(m, 't', json_string_value(json_object_get(rec, "external_id")), id);
    if (!m->bulk || r != &party_resource || m->r != &party_resource) return;
    batch_key_add(m, 'x', json_string_value(json_object_get(rec, "external_id")), id);
    size_t i; json_t *x;
    json_array_foreach(json_object_get(rec, "emails"), i, x) batch_key_add(m, 'e', json_string_value(x), id);
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (phone_normalize(json_string_value(x), norm, sizeof norm)) batch_key_add(m, 'p', norm, id);
    }
}

/* A look-up of stored parties that need not see the rows this batch holds
 * for COPY: batch_key answers for those. */
static void stored_only(struct imp *m, db *w) { if (m->bulk) db_bulk_pass(w); }

/* find_duplicate of a party in a bulk batch: the external id, up to two
 * e-mails and two phones looked up in one round trip instead of one each
 * (the look-ups were most of what a row still cost once its writes went
 * with COPY), the batch's own parties in memory; the first match in the
 * order of the row-by-row look-ups wins. -2 when the row has more keys
 * (the caller looks them up one by one). */
static int64_t party_duplicate_bulk(struct imp *m, db *w, const json_t *rec, char *how, size_t cap, const char **field)
{
    static const char sql[] =
        "SELECT r, id FROM (SELECT 0 AS r, id FROM party WHERE external_id = ? AND deleted_at IS NULL"
        " UNION ALL SELECT 1, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'email' AND c.normalized = ? AND p.deleted_at IS NULL"
        " UNION ALL SELECT 2, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'email' AND c.normalized = ? AND p.deleted_at IS NULL"
        " UNION ALL SELECT 3, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'phone' AND c.normalized = ? AND p.deleted_at IS NULL"
        " UNION ALL SELECT 4, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'phone' AND c.normalized = ? AND p.deleted_at IS NULL) k ORDER BY r LIMIT 1";
    const json_t *emails = json_object_get(rec, "emails");
    if (json_array_size(emails) > 2) return -2;
    const char *key[5] = {json_string_value(json_object_get(rec, "external_id")), NULL, NULL, NULL, NULL};
    char phone[2][32];
    size_t i; json_t *x;
    json_array_foreach(emails, i, x) key[1 + i] = json_string_value(x);
    int nphones = 0;
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (!phone_normalize(json_string_value(x), norm, sizeof norm)) continue;
        if (nphones == 2) return -2;
        memcpy(phone[nphones], norm, sizeof norm);
        key[3 + nphones] = phone[nphones];
        nphones++;
    }
    static const char kinds[] = "xeepp";
    int64_t id = 0;
    int rank = -1;
    for (int k = 0; k < 5 && !id; k++)
        if ((id = batch_key(m, kinds[k], key[k])) != 0) rank = k;
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    for (int k = 0; k < 5; k++) {
        if (key[k]) db_bind_text(s, k + 1, key[k]);
        else db_bind_null(s, k + 1);
    }
    stored_only(m, w);
    if (db_step(s) == DB_ROW && (rank < 0 || db_column_int64(s, 0) < rank)) {
        rank = (int)db_column_int64(s, 0);
        id = db_column_int64(s, 1);
    }
    db_done(s);
    if (rank < 0) return 0;
    static const char *const fields[] = {"external_id", "emails", "emails", "phones", "phones"};
    static const char *const hows[] = {"external_id", "e-mail", "e-mail", "phone", "phone"};
    snprintf(how, cap, "%s %s", hows[rank], key[rank]);
    *field = fields[rank];
    return id;
}

/* The existing record rec duplicates, with how it matched. */
static int64_t find_duplicate(struct imp *m, db *w, const json_t *rec, char *how, size_t cap, const char **field)
{
    const char *ext = json_string_value(json_object_get(rec, "external_id"));
    int64_t id = 0;
    *field = NULL;
    if (m->r == &party_resource && m->bulk) {
        id = party_duplicate_bulk(m, w, rec, how, cap, field);
        if (id != -2) return id;
        id = 0;
    }
    if (m->r == &party_resource) {
        if (ext && (id = batch_key(m, 'x', ext)) == 0) {
            stored_only(m, w);
            id = lookup_id(w, "SELECT id FROM party WHERE external_id = ? AND deleted_at IS NULL", ext);
        }
        if (ext && id != 0) {
            snprintf(how, cap, "external_id %s", ext);
            *field = "external_id";
            return id;
        }
        static const char sql[] = "SELECT c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
                                  " WHERE c.kind = ? AND c.normalized = ? AND p.deleted_at IS NULL LIMIT 1";
        size_t i; json_t *x;
        json_array_foreach(json_object_get(rec, "emails"), i, x) {
            if ((id = batch_key(m, 'e', json_string_value(x))) != 0) {
                snprintf(how, cap, "e-mail %s", json_string_value(x)); *field = "emails"; return id;
            }
            db_stmt *s = db_prepare(w, sql);
            if (!s) return -1;
            db_bind_text(s, 1, "email");
            db_bind_text(s, 2, json_string_value(x));
            stored_only(m, w);
            id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
            db_done(s);
            if (id) { snprintf(how, cap, "e-mail %s", json_string_value(x)); *field = "emails"; return id; }
        }
        json_array_foreach(json_object_get(rec, "phones"), i, x) {
            char norm[32];
            if (!phone_normalize(json_string_value(x), norm, sizeof norm)) continue;
            if ((id = batch_key(m, 'p', norm)) != 0) { snprintf(how, cap, "phone %s", norm); *field = "phones"; return id; }
            db_stmt *s = db_prepare(w, sql);
            if (!s) return -1;
            db_bind_text(s, 1, "phone");
            db_bind_text(s, 2, norm);
            stored_only(m, w);
            id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
            db_done(s);
            if (id) { snprintf(how, cap, "phone %s", norm); *field = "phones"; return id; }
        }
        return 0;
    }
    if (m->r == &transaction_resource && ext) {
        if ((id = batch_key(m, 't', ext)) == 0) {
            stored_only(m, w);
            id = lookup_id(w, "SELECT id FROM txn WHERE external_id = ?", ext);
        }
        if (id) { snprintf(how, cap, "external_id %s", ext); *field = "external_id"; }
        return id;
    }
    if (m->r == &product_resource) {
        const char *sku = json_string_value(json_object_get(rec, "sku"));
        if (sku && (id = lookup_id(w, "SELECT id FROM product WHERE sku = ?", sku)) != 0) {
            snprintf(how, cap, "sku %s", sku);
            *field = "sku";
        }
        return id;
    }
    return 0;
}

static bool created_by_job(struct imp *m, db *w, const char *entity, int64_t id)
{
    if (!m->res->job_id) return false;
    db_stmt *s = db_prepare(w, "SELECT 1 FROM import_item WHERE entity = ? AND entity_id = ? AND job_id = ? AND action = 'created'");
    if (!s) return false;
    db_bind_text(s, 1, entity);
    db_bind_int64(s, 2, id);
    db_bind_int64(s, 3, m->res->job_id);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

/* More lines of a transaction this import created (an invoice whose rows
 * are not together in the file). */
static int append_lines(struct imp *m, db *w, int64_t id, const json_t *rec, const char *items, long line)
{
    json_t *old = res_load(w, &transaction_resource, id);
    if (!old) return 0;
    json_t *all = json_deep_copy(json_object_get(old, "items"));
    json_t *more = items ? json_loads(items, 0, NULL) : NULL;
    if (more) json_array_extend(all, more);
    json_decref(more);
    json_t *upd = json_object();
    int64_t a = json_integer_value(json_object_get(json_object_get(old, "amount"), "amount")) +
                json_integer_value(json_object_get(json_object_get(rec, "amount"), "amount"));
    json_object_set_new(upd, "amount", json_pack("{s:I, s:O}", "amount", (json_int_t)a, "currency",
                                                 json_object_get(json_object_get(old, "amount"), "currency")));
    char *text = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    /* Not an "updated" item: undo removes the transaction as a whole. */
    int64_t job = m->res->job_id;
    m->res->job_id = 0;
    int rc = update_existing(m, w, &transaction_resource, id, upd, text, line);
    m->res->job_id = job;
    free(text);
    json_decref(upd);
    json_decref(old);
    return rc < 0 ? -1 : 0;
}

/* Validates rec and writes it: insert, or per --on-duplicate. Returns the
 * record's id, 0 when refused or skipped, -1 on a database failure. */
static int64_t write_record(struct imp *m, db *w, const struct resource *r, json_t *in, int64_t want_id, const char *created_at,
                            const char *items, long line)
{
    struct verr e = {0};
    struct writer wr = import_writer(m);
    /* The rule runs here too (the write path runs it again), so a refused
     * row is reported before it is matched against the database. */
    json_t *rec = validate_row(m, r, in, line, &e);
    if (!rec || (r->rule && r->rule(&wr.actor, NULL, rec, &e))) goto refused;
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        json_t *v = json_object_get(rec, f->name);
        if ((f->flags & F_REQUIRED) && (!v || json_is_null(v))) { verr_set(&e, 422, "required", f->name, "%s is required", f->name); goto refused; }
    }
    char how[200];
    const char *dfield;
    int64_t dup = find_duplicate(m, w, rec, how, sizeof how, &dfield);
    if (dup < 0) { db_fail(m, w, line); json_decref(rec); return -1; }
    int64_t id = 0;
    if (dup > 0) {
        if (r == &transaction_resource && created_by_job(m, w, "transaction", dup)) {
            int rc = append_lines(m, w, dup, rec, items, line);
            m->appended = rc == 0;
            json_decref(rec);
            return rc < 0 ? -1 : dup;
        }
        m->res->duplicates++;
        if (m->o->on_dup == DUP_ERROR) {
            report(m, line, col_name(m, dfield), "error", "duplicate of %s %lld (same %s)", r->entity, (long long)dup, how);
            m->res->errors++;
        } else if (m->o->on_dup == DUP_SKIP) {
            report(m, line, col_name(m, dfield), "duplicate", "duplicate of %s %lld (same %s): skipped", r->entity, (long long)dup, how);
            m->res->skipped++;
        } else {
            /* Only what the file says changes the record: defaults the
             * create rules filled in (owner = the importer, status, …) must
             * not overwrite it — D1, nothing about a customer is lost. */
            json_t *given = json_object();
            const char *gk; json_t *gv;
            json_object_foreach(rec, gk, gv)
                if (json_object_get(in, gk)) json_object_set(given, gk, gv);
            int rc = update_existing(m, w, r, dup, given, items, line);
            json_decref(given);
            if (rc < 0) { json_decref(rec); return -1; }
            report(m, line, col_name(m, dfield), "duplicate", "duplicate of %s %lld (same %s): %s", r->entity, (long long)dup, how,
                   rc ? "updated" : "unchanged");
            if (rc) m->res->updated++; else m->res->skipped++;
            id = dup;
        }
        json_decref(rec);
        return id;
    }
    id = insert_new(m, w, r, rec, want_id, created_at, items, line);
    if (id > 0 && r == m->r) m->res->created++;
    json_decref(rec);
    return id;
refused:
    report(m, line, col_name(m, e.field), "error", "%s", e.message);
    m->res->errors++;
    json_decref(rec);
    return 0;
}

/* The customer of a transaction or interaction: by external id, created when new. */
static int64_t party_for(struct imp *m, db *w, const char *ext, const char *name, const char *country, long line)
{
    /* A customer this batch met already (found or created: batch_key), or
     * a stored one looked up without sending the batch's held rows (every
     * party the batch created is in batch_keys). */
    int64_t id = batch_key(m, 'x', ext);
    if (id) return id;
    stored_only(m, w);
    id = lookup_id(w, "SELECT id FROM party WHERE external_id = ? AND deleted_at IS NULL", ext);
    if (id > 0) batch_key_add(m, 'x', ext, id);
    if (id) return id;
    char defname[160];
    snprintf(defname, sizeof defname, "Customer %.100s", ext);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "person", "name", name ? name : defname, "external_id", ext, "roles", "customer");
    if (country) json_object_set_new(rec, "country", json_string(country));
    struct verr e = {0};
    json_t *v = res_validate(&party_resource, rec, true, &e);
    json_decref(rec);
    if (!v) {
        report(m, line, col_name(m, "party_external_id"), "error", "the customer cannot be created: %s", e.message);
        m->res->errors++;
        json_decref(v);
        return 0;
    }
    id = insert_new(m, w, &party_resource, v, 0, NULL, NULL, line);
    json_decref(v);
    if (id > 0) {
        m->res->parties_created++;
        batch_key_add(m, 'x', ext, id);
    }
    return id;
}

/* ---- transactions with lines ---- */

static void group_reset(struct group *g)
{
    free(g->ext); free(g->party_ext); free(g->party_name); free(g->country);
    json_decref(g->head);
    strbuf items = g->items;
    memset(g, 0, sizeof *g);
    sb_reset(&items);
    g->items = items;
}

static void json_str(strbuf *sb, const char *s)
{
    sb_append(sb, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p != '"' && *p != '\\' && *p >= 0x20) continue;
        sb_append(sb, run, (size_t)((const char *)p - run));
        if (*p < 0x20) sb_printf(sb, "\\u%04x", *p);
        else { char esc[2] = {'\\', (char)*p}; sb_append(sb, esc, 2); }
        run = (const char *)p + 1;
    }
    sb_append(sb, run, strlen(run));
    sb_append(sb, "\"", 1);
}

static int group_flush(struct imp *m, db *w)
{
    struct group *g = &m->g;
    if (!g->active) return 0;
    int rc = 0;
    if (g->nocust || g->bad) goto out;
    json_t *rec = json_deep_copy(g->head);
    int64_t amount = g->amount;
    bool cancel = g->marked || g->neg || amount < 0;
    if (g->marked && amount > 0) amount = -amount;
    json_object_set_new(rec, "amount", json_pack("{s:I, s:s}", "amount", (json_int_t)amount, "currency", g->cur));
    if (!json_is_integer(json_object_get(rec, "party_id"))) {
        int64_t pid = party_for(m, w, g->party_ext, g->party_name, g->country, g->line);
        if (pid < 0) { json_decref(rec); rc = -1; goto out; }
        if (pid == 0) { json_decref(rec); goto out; }
        json_object_set_new(rec, "party_id", json_integer(pid));
        m->party_known = pid;
    }
    sb_puts(&g->items, "]");
    if (g->items.failed) {
        report(m, g->line, col_name(m, "quantity"), "error", "transaction %s has too many lines", g->ext ? g->ext : "");
        m->res->errors++;
        json_decref(rec);
        goto out;
    }
    long before = m->res->created;
    m->appended = false;
    int64_t id = write_record(m, w, &transaction_resource, rec, g->want_id, g->created_at, g->nitems ? sb_str(&g->items) : NULL, g->line);
    m->party_known = 0;
    json_decref(rec);
    if (id < 0) { rc = -1; goto out; }
    if (m->appended) m->res->lines += g->nitems;
    if (m->res->created > before) {
        m->res->lines += g->nitems;
        if (cancel) m->res->cancellations++;
    }
out:
    group_reset(g);
    return rc;
}

static int txn_row(struct imp *m, db *w, long line)
{
    json_t *jv;
    const char *ext = cell(m, m->c_ext, &jv);
    if (jv) ext = NULL;
    struct group *g = &m->g;
    if (g->active && (!ext || !g->ext || strcmp(ext, g->ext) != 0))
        if (group_flush(m, w)) return -1;
    /* The customer. */
    const char *pext = xcell(m, X_PARTY_EXT, &jv);
    char pbuf[64];
    if (jv && json_is_integer(jv)) { snprintf(pbuf, sizeof pbuf, "%lld", (long long)json_integer_value(jv)); pext = pbuf; }
    const char *pid_s = cell(m, m->c_party_id, &jv);
    bool have_party = pext || pid_s;
    if (!g->active) {
        g->active = true;
        g->ext = ext ? strdup(ext) : NULL;
        g->line = line;
        g->nocust = !have_party;
        g->items.max = 8u << 20;
        sb_puts(&g->items, "[");
    }
    if (!have_party) {
        report(m, line, col_name(m, m->t[m->tx[X_PARTY_EXT]].col >= 0 ? "party_external_id" : "party_id"), "no_customer",
               "the row has no customer; not imported");
        m->res->no_customer++;
        return 0;
    }
    if (g->nocust || g->bad) return 0;
    if (!g->head) {
        /* In invoice lines, description names the product unless product_name is mapped. */
        static const char *const skip_lines[] = {"amount", "items", "description", NULL};
        static const char *const skip[] = {NULL};
        bool desc_is_item = m->lines_mode && m->t[m->tx[X_PRODUCT_NAME]].col < 0;
        static const char *const skip_keep[] = {"amount", "items", NULL};
        g->head = row_record(m, line, !m->lines_mode ? skip : desc_is_item ? skip_lines : skip_keep);
        if (!g->head) { g->bad = true; m->res->errors++; return 0; }
        json_t *items = json_object_get(g->head, "items");
        if (items) {
            /* Items given whole (our own exports): written as they are. */
            size_t k; json_t *it;
            bool ok = json_is_array(items) && json_array_size(items) <= MAX_ITEMS;
            json_array_foreach(items, k, it) if (!json_is_object(it)) ok = false;
            if (!ok) {
                report(m, line, col_name(m, "items"), "error", "items must be a JSON array of at most %d objects", MAX_ITEMS);
                m->res->errors++;
                g->bad = true;
                return 0;
            }
            /* The lines are bound as text (insert_new): the type's rule
             * checks them here, as it would have in the record. */
            struct writer wr = import_writer(m);
            struct verr ve = {0};
            json_t *probe = json_pack("{s:O}", "items", items);
            int refused = transaction_resource.rule && transaction_resource.rule(&wr.actor, NULL, probe, &ve);
            json_decref(probe);
            if (refused) {
                report(m, line, col_name(m, "items"), "error", "%s", ve.message);
                m->res->errors++;
                g->bad = true;
                return 0;
            }
            char *text = json_dumps(items, JSON_COMPACT);
            sb_reset(&g->items);
            sb_puts(&g->items, text);
            sb_reset(&g->items);
            sb_append(&g->items, text, strlen(text) - 1);   /* without the closing bracket */
            free(text);
            g->nitems = (long)json_array_size(items);
            json_object_del(g->head, "items");
        }
        if (!m->lines_mode) json_object_del(g->head, "amount");
        if (pext) g->party_ext = strdup(pext);
        const char *s = xcell(m, X_PARTY_NAME, &jv);
        if (s && !jv) g->party_name = strdup(s);
        s = xcell(m, X_COUNTRY, &jv);
        if (s && !jv) g->country = strdup(s);
        s = xcell(m, X_ID, &jv);
        int64_t id;
        if (jv && json_is_integer(jv)) g->want_id = json_integer_value(jv);
        else if (s && !jv && parse_int(s, &id) == 0) g->want_id = id;
        s = xcell(m, X_CREATED_AT, &jv);
        int64_t t;
        if (s && !jv && parse_when(s, NULL, &t) == 0) time_format(t, g->created_at);
        s = cell(m, m->c_currency, &jv);
        snprintf(g->cur, sizeof g->cur, "%s", s && !jv && strlen(s) == 3 ? s : m->cur);
        const char *c = xcell(m, X_CANCELLED, &jv);
        bool b = false;
        if (c && !jv && parse_bool(c, &b) == 0 && b) g->marked = true;
        if (c && !jv && !strcasecmp(c, "cancelled")) g->marked = true;
        if (m->o->cancel_prefix && g->ext && !strncmp(g->ext, m->o->cancel_prefix, strlen(m->o->cancel_prefix))) g->marked = true;
    }
    /* The amount of this row: the amount column, or quantity × unit price. */
    int64_t q = 1, price_micro = 0, line_amount = 0;
    bool have_price = false;
    const char *s = xcell(m, X_QUANTITY, &jv);
    if (s && (jv ? (json_is_integer(jv) ? (q = json_integer_value(jv), 0) : -1) : parse_int(s, &q))) {
        report(m, line, col_name(m, "quantity"), "error", "quantity: '%.80s' is not a whole number; its transaction is not imported", s);
        m->res->errors++;
        g->bad = true;
        return 0;
    }
    const char *amount_col_s = cell(m, m->c_amount, &jv);
    json_t *amount_jv = jv;
    char cur[4] = "";
    s = xcell(m, X_UNIT_PRICE, &jv);
    if (s) {
        if (jv ? (json_is_number(jv) && fabs(json_number_value(jv)) < 9e12 ? (price_micro = (int64_t)(json_number_value(jv) * 1e6), 0) : -1)
               : parse_amount_micro(s, &price_micro, cur)) {
            report(m, line, col_name(m, "unit_price"), "error", "unit_price: '%.80s' is not an amount; its transaction is not imported", s);
            m->res->errors++;
            g->bad = true;
            return 0;
        }
        have_price = true;
    }
    if (amount_col_s) {
        int64_t micro;
        if (amount_jv && json_is_object(amount_jv)) {
            line_amount = json_integer_value(json_object_get(amount_jv, "amount"));
            const char *c = json_string_value(json_object_get(amount_jv, "currency"));
            if (c) snprintf(g->cur, sizeof g->cur, "%s", c);
        } else if (amount_jv ? (json_is_number(amount_jv) && fabs(json_number_value(amount_jv)) < 9e12
                                    ? (micro = (int64_t)(json_number_value(amount_jv) * 1e6), 0) : -1)
                             : parse_amount_micro(amount_col_s, &micro, cur)) {
            report(m, line, col_name(m, "amount"), "error", "amount: '%.80s' is not an amount; its transaction is not imported", amount_col_s);
            m->res->errors++;
            g->bad = true;
            return 0;
        } else {
            if (cur[0] && g->nitems == 0 && !g->amount) snprintf(g->cur, sizeof g->cur, "%s", cur);
            line_amount = micro_to_minor(micro, g->cur);
        }
    } else if (have_price) {
        if (cur[0] && g->nitems == 0) snprintf(g->cur, sizeof g->cur, "%s", cur);
        /* exact: q × price in millionths, rounded once */
        int64_t total;
        if (__builtin_mul_overflow(q, price_micro, &total)) {
            report(m, line, col_name(m, "quantity"), "error", "quantity × unit_price is out of range; its transaction is not imported");
            m->res->errors++;
            g->bad = true;
            return 0;
        }
        line_amount = micro_to_minor(total, g->cur);
    }
    if (__builtin_add_overflow(g->amount, line_amount, &g->amount) || g->amount > 1000000000000000LL || g->amount < -1000000000000000LL) {
        report(m, line, col_name(m, "amount"), "error", "the transaction's amount is out of range; it is not imported");
        m->res->errors++;
        g->bad = true;
        return 0;
    }
    if (q < 0) g->neg = true;
    if (m->lines_mode) {
        if (g->nitems >= MAX_ITEMS) {
            if (g->nitems == MAX_ITEMS) {
                report(m, line, col_name(m, "quantity"), "error", "transaction %s has more than %d lines; not imported", g->ext ? g->ext : "", MAX_ITEMS);
                m->res->errors++;
            }
            g->bad = true;
            return 0;
        }
        strbuf *sb = &g->items;
        sb_puts(sb, g->nitems ? ",{" : "{");
        bool first = true;
        const char *prod = xcell(m, X_PRODUCT, &jv);
        if (prod && !jv) { sb_puts(sb, "\"sku\":"); json_str(sb, prod); first = false; }
        const char *name = xcell(m, X_PRODUCT_NAME, &jv);
        if (!name && m->t[m->tx[X_PRODUCT_NAME]].col < 0) name = cell(m, m->c_description, &jv);
        if (name && !jv) {
            if (utf8_length(name) > 500) { report(m, line, col_name(m, "product_name"), "error", "the product name has more than 500 characters"); m->res->errors++; g->bad = true; return 0; }
            sb_puts(sb, first ? "\"name\":" : ",\"name\":");
            json_str(sb, name);
            first = false;
        }
        char tail[200];
        int n = snprintf(tail, sizeof tail, "%s\"quantity\":%lld", first ? "" : ",", (long long)q);
        if (have_price)
            n += snprintf(tail + n, sizeof tail - (size_t)n, ",\"unit_price\":{\"amount\":%lld,\"currency\":\"%s\"}",
                          (long long)micro_to_minor(price_micro, g->cur), g->cur);
        n += snprintf(tail + n, sizeof tail - (size_t)n, ",\"amount\":%lld}", (long long)line_amount);
        sb_append(sb, tail, (size_t)n);
        g->nitems++;
    }
    return 0;
}

/* ---- other kinds, one record a row ---- */

/* What an imported party is when its row does not say: a person, with the
 * role and the information source the importer chose (D1: every party has
 * a source; a role makes it count as a customer or a prospect). */
static void party_defaults(const struct imp *m, json_t *rec)
{
    if (!json_object_get(rec, "kind")) json_object_set_new(rec, "kind", json_string("person"));
    if (m->o->default_role && !json_object_get(rec, "roles")) json_object_set_new(rec, "roles", json_pack("[s]", m->o->default_role));
    if (m->o->default_source && !json_object_get(rec, "source")) json_object_set_new(rec, "source", json_string(m->o->default_source));
}

/* Ties person to the organisation named company: the first one of that
 * name, or a new one (with the import's defaults), and a works_at link
 * unless they have one. Both are import items, so an undo takes them back.
 * 0, or -1 on a storage failure (a refusal is reported). */
static int company_link(struct imp *m, db *w, int64_t person, const char *company, long line)
{
    int64_t org = lookup_id(w, "SELECT id FROM party WHERE kind = 'organization' AND name = ? AND deleted_at IS NULL ORDER BY id LIMIT 1",
                            company);
    if (org < 0) { db_fail(m, w, line); return -1; }
    if (org == 0) {
        json_t *rec = json_pack("{s:s, s:s}", "kind", "organization", "name", company);
        party_defaults(m, rec);
        struct verr e = {0};
        json_t *v = res_validate(&party_resource, rec, true, &e);
        json_decref(rec);
        if (!v) {
            report(m, line, col_name(m, "company"), "value_dropped", "company: %s; the row is imported without it", e.message);
            m->res->values_dropped++;
            return 0;
        }
        org = insert_new(m, w, &party_resource, v, 0, NULL, NULL, line);
        json_decref(v);
        if (org <= 0) return org < 0 ? -1 : 0;
        m->res->organizations_created++;
    }
    db_stmt *s = db_prepare(w, "SELECT 1 FROM party_link WHERE from_id = ? AND to_id = ? AND kind = 'works_at'");
    if (!s) { db_fail(m, w, line); return -1; }
    db_bind_int64(s, 1, person);
    db_bind_int64(s, 2, org);
    bool linked = db_step(s) == DB_ROW;
    db_done(s);
    if (linked) return 0;
    json_t *link = json_pack("{s:I, s:I, s:s}", "from_id", (json_int_t)person, "to_id", (json_int_t)org, "kind", "works_at");
    int64_t id = insert_new(m, w, &link_resource, link, 0, NULL, NULL, line);
    json_decref(link);
    return id < 0 ? -1 : 0;
}

static int simple_row(struct imp *m, db *w, long line)
{
    json_t *rec = row_record(m, line, NULL);
    if (!rec) { m->res->errors++; return 0; }
    json_t *jv;
    if (m->r == &party_resource) party_defaults(m, rec);
    if (m->inter && !json_object_get(rec, "party_id")) {
        const char *pext = xcell(m, X_PARTY_EXT, &jv);
        if (!pext || jv) {
            report(m, line, col_name(m, "party_external_id"), "no_customer", "the row has no customer; not imported");
            m->res->no_customer++;
            json_decref(rec);
            return 0;
        }
        const char *name = xcell(m, X_PARTY_NAME, &jv);
        const char *country = xcell(m, X_COUNTRY, &jv);
        int64_t pid = party_for(m, w, pext, name, country, line);
        if (pid <= 0) { json_decref(rec); return pid < 0 ? -1 : 0; }
        json_object_set_new(rec, "party_id", json_integer(pid));
        m->party_known = pid;
    }
    int64_t want = 0, t;
    const char *s = xcell(m, X_ID, &jv);
    if (jv && json_is_integer(jv)) want = json_integer_value(jv);
    else if (s && !jv) parse_int(s, &want);
    char created[24] = "";
    s = xcell(m, X_CREATED_AT, &jv);
    if (s && !jv && parse_when(s, NULL, &t) == 0) time_format(t, created);
    int64_t id = write_record(m, w, m->r, rec, want, created, NULL, line);
    m->party_known = 0;
    const char *company = m->r == &party_resource ? xcell(m, X_COMPANY, &jv) : NULL;
    bool person = !strcmp(json_string_value(json_object_get(rec, "kind")) ? json_string_value(json_object_get(rec, "kind")) : "", "person");
    if (id > 0 && company && !jv && person && company_link(m, w, id, company, line)) id = -1;
    json_decref(rec);
    return id < 0 ? -1 : 0;
}

/* ---- the row loop ---- */

/* Next data row: 1, 0 at the end, -1 fatal. */
static int next_row(struct imp *m, long *line)
{
    if (m->pending_first) { m->pending_first = false; *line = csv_line(m->csv); return 1; }
    for (;;) {
        int rc = csv_next(m->csv);
        if (rc < 0) { fatal(m, "%s", csv_error(m->csv)); return -1; }
        if (rc == 0) return 0;
        *line = csv_line(m->csv);
        if (!m->jsonl) return 1;
        json_decref(m->jrow);
        json_error_t je;
        m->jrow = json_loads(csv_field(m->csv, 0), JSON_REJECT_DUPLICATES, &je);
        if (json_is_object(m->jrow)) return 1;
        m->res->rows++;
        report(m, *line, "", "error", "not a JSON object: %s", m->jrow ? "another JSON value" : je.text);
        m->res->errors++;
    }
}

static void progress(struct imp *m)
{
    uint64_t off = csv_offset(m->csv), size = csv_size(m->csv);
    long est = off > 0 && size > 0 ? (long)((double)m->res->rows * (double)size / (double)off) : m->res->rows;
    if (est < m->res->rows) est = m->res->rows;
    if (m->eof) est = m->res->rows;
    if (m->o->progress) m->o->progress(m->o->progress_ctx, m->res->rows, est, elapsed(m));
    if (m->res->job_id) job_progress(m->res->job_id, m->res->rows, est);
}

/* Processes up to limit rows (all when limit < 0). */
static void run_rows(struct imp *m, db *w, long limit)
{
    for (long n = 0; (limit < 0 || n < limit) && !m->eof && !m->fatal; n++) {
        long line;
        int rc = next_row(m, &line);
        if (rc < 0) break;
        if (rc == 0) {
            m->eof = true;
            if (m->txn) group_flush(m, w);
            break;
        }
        if (m->res->rows >= m->max_rows) {
            /* Refused as the row past the cap is reached, not counted first:
             * the file's size is unknown until it has been read. */
            fatal(m, "line %ld: the file has more than %ld rows, the cap of one import", line, m->max_rows);
            break;
        }
        m->res->rows++;
        rc = m->txn ? txn_row(m, w, line) : simple_row(m, w, line);
        if (rc < 0) break;
        if (m->res->rows - m->last_progress >= 2000) { m->last_progress = m->res->rows; progress(m); }
        if (m->o->cancel && *m->o->cancel && limit < 0) { m->res->cancelled = true; break; }
    }
}

/* One audit row for the records a batch created (who, when, which job). */
static int batch_audit(struct imp *m, db *w)
{
    if (!m->batch_created || m->db_failed) return 0;
    json_t *changes = json_pack("{s:s, s:I, s:I}", "kind", m->o->kind, "job_id", (json_int_t)m->res->job_id,
                                "created", (json_int_t)m->batch_created);
    m->batch_created = 0;
    if (audit_record(w, &m->user, "import", "import", m->res->job_id, "create", changes, 0)) {
        fatal(m, "the audit row of the import could not be written");
        m->db_failed = true;
        return -1;
    }
    return 0;
}

/* A bigger page cache on the writer while an import runs: indexes (search,
 * contact points, external ids) are updated in place instead of spilled. */
static int cache_big(db *w, void *ctx) { return db_cache_size(w, 16384) ? 1 : 0; }
static int cache_normal(db *w, void *ctx) { return db_cache_size(w, 4000) ? 1 : 0; }

/* What batch_job returns beyond 0 (committed) and 1 (failed, rolled back). */
enum { BATCH_CHECKED = 2 };   /* a checking pass: rolled back by design */

static int batch_job(db *w, void *ctx)
{
    struct imp *m = ctx;
    m->batch_created = 0;
    /* On PostgreSQL the batch's new rows (the records, their search terms,
     * events and undo items) go with COPY at the commit: the checks above
     * them (references, duplicates, required fields) are the same, and a
     * batch that fails is rolled back whole as before. */
    /* parents first: they are copied in this order (a transaction's new
     * customer before the transaction) */
    const char *const record_first[] = {"party", m->r->table, "party_fts", "contact_point", "event", "import_item", NULL};
    const char *const *bulk_tables = m->r == &party_resource ? record_first + 1 : record_first;
    /* RAPPORT_IMPORT_ROW_BY_ROW=1: every row its own INSERTs, as on SQLite
     * (bench/pg/import.sh measures both in one run) */
    const char *rows = getenv("RAPPORT_IMPORT_ROW_BY_ROW");
    m->bulk = !(rows && rows[0] == '1') && db_bulk_begin(w, bulk_tables) == 0;
    if (m->bulk && !m->batch_keys) m->batch_keys = json_object();
    if (m->batch_keys) json_object_clear(m->batch_keys);
    if (m->bulk && !m->batch_keys) m->bulk = false;
    /* Rows, and at most about half a second, per transaction: few fsyncs,
     * and the server's other writers are not held up for long. */
    long limit = m->o->batch > 0 ? m->o->batch : 50000;
    double until = elapsed(m) + (m->o->batch_seconds > 0 ? m->o->batch_seconds : 0.5);
    /* The clock is read every 500 rows: under load 2,000 rows took over a
     * second, and the other writers waited that long past the half second. */
    while (limit > 0 && !m->eof && !m->fatal) {
        long n = limit < 500 ? limit : 500;
        run_rows(m, w, n);
        limit -= n;
        if (m->o->batch <= 0 && elapsed(m) > until) break;
    }
    batch_audit(m, w);
    if (m->db_failed) return 1;
    if (m->pass == PASS_CHECK) return BATCH_CHECKED;
    /* All-or-nothing: a row refused now although the check passed (another
     * writer got in between, or a duplicate within the file across batches
     * the check could not see): this batch goes, the undo takes the rest. */
    if (m->pass == PASS_APPLY && (m->fatal || m->res->errors || m->res->no_customer)) return 1;
    return 0;
}

/* An import kind is a record type the registry marks RT_IMPORT. */
static const struct resource *resource_of(const char *kind)
{
    const struct rtype *t = registry_by_name(kind);
    return t && (t->flags & RT_IMPORT) ? t->res : NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

static long g_default_rows = IMPORT_DEFAULT_MAX_ROWS;
static uint64_t g_default_data = IMPORT_DEFAULT_MAX_DATA;

void import_set_default_caps(long max_rows, uint64_t max_data)
{
    if (max_rows > 0) g_default_rows = max_rows;
    if (max_data > 0) g_default_data = max_data;
}

int import_parse_cap(const char *s, bool bytes, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = 0;
    if (bytes && *end && !end[1]) shift = *end == 'k' || *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : -1;
    else if (*end) shift = -1;
    /* At most 2^50: beyond any file, and far from overflowing a shift. */
    if (errno || shift < 0 || v == 0 || v > (1ULL << 50) >> shift) return -1;
    if (!bytes && v > LONG_MAX) return -1;
    *out = v << shift;
    return 0;
}

static int import_pass(const struct import_opts *o, enum pass pass, struct import_result *res);
static void compensate(struct imp *m);

/* An .xlsx workbook (by its zip signature, whatever its name) becomes a
 * temporary CSV of its first sheet beside the system's other temporary
 * files, read like any CSV: same mapping, caps and report. Returns the
 * path to read (path itself, or the temporary file, the caller's to
 * unlink and free into *tmp), or NULL with res->fatal set. */
static const char *spreadsheet_as_csv(const struct import_opts *o, char **tmp, struct import_result *res)
{
    *tmp = NULL;
    if ((o->format && strcasecmp(o->format, "csv") != 0) || !xlsx_looks_like(o->path)) return o->path;
    const char *dir = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/rapport-xlsx-XXXXXX", dir && *dir ? dir : "/tmp") < 0) return NULL;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(res->fatal, sizeof res->fatal, "cannot create a temporary file to read the workbook");
        if (fd >= 0) { close(fd); unlink(path); }
        free(path);
        return NULL;
    }
    char err[400];
    int rc = xlsx_to_csv(o->path, f, o->max_data ? o->max_data : g_default_data, err, sizeof err);
    if (fclose(f) != 0 && rc == 0) { rc = -1; snprintf(err, sizeof err, "the converted sheet could not be written"); }
    if (rc) {
        snprintf(res->fatal, sizeof res->fatal, "%s", err);
        unlink(path);
        free(path);
        return NULL;
    }
    *tmp = path;
    return path;
}

int import_run(const struct import_opts *o, struct import_result *res)
{
    char *tmp = NULL;
    struct import_opts sheet = *o;
    memset(res, 0, sizeof *res);
    sheet.path = spreadsheet_as_csv(o, &tmp, res);
    if (!sheet.path) { res->sample = json_array(); res->job_id = o->job_id; return -1; }
    if (tmp) { sheet.format = "csv"; sheet.encoding = CSV_ENC_UTF8; sheet.delimiter = ','; sheet.whitespace = false; }
    o = &sheet;
    party_docs_defer(true);
    int rc;
    if (o->dry_run) rc = import_pass(o, PASS_CHECK, res);
    else if (!o->all_or_nothing) rc = import_pass(o, PASS_COMMIT, res);
    else {
        /* A dry run first: a refused row (the usual reason an all-or-nothing
         * import fails) then costs no write at all, and the writing pass is
         * an ordinary batched import (see import.h). */
        rc = import_pass(o, PASS_CHECK, res);
        if (rc == 0 && !res->errors && !res->no_customer && !res->cancelled) {
            double checked = res->seconds;
            json_decref(res->sample);
            rc = import_pass(o, PASS_APPLY, res);
            res->seconds += checked;
        }
    }
    party_docs_defer(false);
    party_docs_kick();
    if (tmp) { unlink(tmp); free(tmp); }
    return rc;
}

json_t *import_preview(const char *path, enum csv_encoding enc, int rows, char *err, size_t cap)
{
    struct import_opts o = {.path = path, .encoding = enc};
    struct import_result res = {0};
    char *tmp = NULL;
    const char *read = spreadsheet_as_csv(&o, &tmp, &res);
    if (!read) { snprintf(err, cap, "%s", res.fatal); return NULL; }
    struct csv_opts co = {.mode = CSV_DELIMITED, .encoding = tmp ? CSV_ENC_UTF8 : enc, .max_data = g_default_data};
    csv_reader *r = csv_open(read, &co, err, cap);
    json_t *out = NULL;
    if (r) {
        json_t *cols = json_array(), *sample = json_array();
        int rc = 0;
        for (int n = 0; n <= rows && (rc = csv_next(r)) == 1; n++) {
            json_t *row = json_array();
            for (int i = 0; i < csv_nfields(r); i++) json_array_append_new(row, json_stringn(csv_field(r, i), csv_field_len(r, i)));
            if (n == 0) { json_decref(cols); cols = row; } else json_array_append_new(sample, row);
        }
        if (rc < 0) { snprintf(err, cap, "%s", csv_error(r)); json_decref(cols); json_decref(sample); }
        else out = json_pack("{s:o, s:o, s:s}", "columns", cols, "rows", sample, "format", tmp ? "xlsx" : "csv");
        csv_close(r);
    }
    if (tmp) { unlink(tmp); free(tmp); }
    return out;
}

/* One pass over the file, the parties' stored documents left to a pass. */
static int import_pass(const struct import_opts *o, enum pass pass, struct import_result *res)
{
    memset(res, 0, sizeof *res);
    res->sample = json_array();
    res->job_id = o->job_id;
    struct imp m = {.o = o, .res = res, .pass = pass};
    m.max_rows = o->max_rows > 0 ? o->max_rows : g_default_rows;
    clock_gettime(CLOCK_MONOTONIC, &m.t0);
    if (pass == PASS_APPLY && !o->job_id) {
        /* The undo that makes it all-or-nothing walks the job's import_item rows. */
        snprintf(res->fatal, sizeof res->fatal, "an all-or-nothing import needs a job");
        return -1;
    }
    m.r = resource_of(o->kind);
    if (!m.r) { snprintf(res->fatal, sizeof res->fatal, "cannot import '%s': use parties, transactions, interactions or products", o->kind); return -1; }
    registry_init();
    m.txn = m.r == &transaction_resource;
    m.inter = m.r == &interaction_resource;
    m.user.id = o->user_id;
    snprintf(m.cur, sizeof m.cur, "%s", o->currency ? o->currency : "CNY");
    if (!currency_valid(m.cur)) { snprintf(res->fatal, sizeof res->fatal, "--currency %s is not a three-letter currency code", m.cur); return -1; }
    m.jsonl = o->format ? !strcasecmp(o->format, "jsonl") || !strcasecmp(o->format, "ndjson")
                        : ends_with(o->path, ".jsonl") || ends_with(o->path, ".ndjson") || ends_with(o->path, ".jsonl.gz");
    if (o->format && !m.jsonl && strcasecmp(o->format, "csv") != 0) {
        snprintf(res->fatal, sizeof res->fatal, "format %s is not supported for imports: use csv or jsonl (save spreadsheets as CSV)", o->format);
        return -1;
    }
    if (!o->format && (ends_with(o->path, ".xls") || ends_with(o->path, ".et"))) {
        snprintf(res->fatal, sizeof res->fatal, "old Excel (.xls) and WPS (.et) files are not read: save the sheet as .xlsx or CSV (UTF-8) and import that");
        return -1;
    }
    struct csv_opts co = {.mode = m.jsonl ? CSV_LINES : o->whitespace ? CSV_WHITESPACE : CSV_DELIMITED,
                          .delimiter = o->delimiter, .encoding = m.jsonl ? CSV_ENC_UTF8 : o->encoding,
                          .max_record = m.jsonl ? 4u << 20 : 1u << 20, .max_file = o->max_file,
                          .max_data = o->max_data ? o->max_data : g_default_data};
    char err[400];
    m.csv = csv_open(o->path, &co, err, sizeof err);
    if (!m.csv) { snprintf(res->fatal, sizeof res->fatal, "%s", err); return -1; }
    sb_init(&m.g.items, 8u << 20);
    build_targets(&m);
    int ret = -1;
    if (!m.jsonl) {
        int rc = csv_next(m.csv);
        if (rc < 0) { fatal(&m, "%s", csv_error(m.csv)); goto out; }
        if (rc == 0) { fatal(&m, "the file is empty"); goto out; }
        m.ncols = csv_nfields(m.csv);
        m.cols = calloc((size_t)m.ncols, sizeof *m.cols);
        for (int i = 0; i < m.ncols; i++) {
            char num[16];
            snprintf(num, sizeof num, "%d", i + 1);
            m.cols[i] = o->no_header ? strdup(num) : trimdup(csv_field(m.csv, i), csv_field_len(m.csv, i));
        }
        m.pending_first = o->no_header;
    }
    if (apply_mapping(&m)) goto out;
    if (o->errors_path) {
        m.report = fopen(o->errors_path, "w");
        if (!m.report) { fatal(&m, "cannot write the report %s", o->errors_path); goto out; }
        fputs("row,column,kind,reason\r\n", m.report);
    }
    db_write(cache_big, NULL);
    /* One batch a writer job, whatever the pass: the other writers' jobs
     * queued meanwhile run between two batches. */
    while (!m.eof && !m.fatal) {
        if (o->cancel && *o->cancel) { res->cancelled = true; break; }
        int rc = db_write(batch_job, &m);
        if (rc == BATCH_CHECKED) continue;
        if (rc == 0 && res->rows) res->written = true;
        if (rc < 0 && !m.fatal) fatal(&m, "row %ld: a batch could not be committed; the rows after the last commit were not written", res->rows);
        if (rc) break;
    }
    db_write(cache_normal, NULL);
    if (pass == PASS_APPLY && (m.fatal || res->cancelled || res->errors || res->no_customer)) compensate(&m);
    if (!m.fatal) { m.eof = true; progress(&m); }
    ret = m.fatal ? -1 : 0;
out:
    if (m.report && fclose(m.report) != 0 && !m.fatal) { fatal(&m, "cannot write the report %s", o->errors_path); ret = -1; }
    group_reset(&m.g);
    sb_free(&m.g.items);
    json_decref(m.jrow);
    json_decref(m.batch_keys);
    for (int i = 0; i < m.ncols; i++) free(m.cols[i]);
    free(m.cols);
    csv_close(m.csv);
    res->seconds = elapsed(&m);
    return ret;
}

json_t *import_result_json(const struct import_result *r)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:f}",
                          "rows", (json_int_t)r->rows, "created", (json_int_t)r->created, "updated", (json_int_t)r->updated,
                          "skipped", (json_int_t)r->skipped, "duplicates", (json_int_t)r->duplicates, "errors", (json_int_t)r->errors,
                          "no_customer", (json_int_t)r->no_customer, "parties_created", (json_int_t)r->parties_created,
                          "cancellations", (json_int_t)r->cancellations, "lines", (json_int_t)r->lines,
                          "values_dropped", (json_int_t)r->values_dropped, "organizations_created", (json_int_t)r->organizations_created,
                          "written", r->written, "cancelled", r->cancelled, "seconds", r->seconds);
    if (r->fatal[0]) json_object_set_new(o, "fatal", json_string(r->fatal));
    json_object_set(o, "report", r->sample ? r->sample : json_array());
    return o;
}

/* ---- undo ---- */

struct undo_ctx {
    int64_t job;
    long removed, restored, kept;
    bool more;
    char msg[300];
};

static const struct resource *resource_of_entity(const char *entity)
{
    /* What an import writes: its kinds, and the works_at links of a company column. */
    const struct rtype *t = registry_by_type(entity);
    return t && ((t->flags & RT_IMPORT) || !strcmp(entity, "link")) ? t->res : NULL;
}

static bool record_exists(db *w, const struct resource *r, int64_t id)
{
    db_stmt *s = db_prepare(w, r->sql_exists);
    if (!s) return false;
    db_bind_int64(s, 1, id);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

/* The write path's verdict on one undo step: a refusal (the record changed
 * since in a way its rules no longer allow) keeps the record as it is and
 * is counted; a storage failure fails the batch. */
static int undo_refused(struct undo_ctx *c, const struct verr *e)
{
    if (e->status >= 500) return -1;
    c->kept++;
    return 0;
}

/* Undoes one import_item through the write path (audit row and event as
 * "import-undo"): a created record is removed outright — it never existed —
 * unless records made since refer to it (a party with later purchases),
 * which is then deleted the ordinary way, its external id freed for a new
 * import; an updated one gets its values from before the import back. */
static int undo_one(db *w, struct undo_ctx *c, const char *entity, int64_t id, const char *action, const char *before)
{
    const struct resource *r = resource_of_entity(entity);
    if (!r) return 0;
    struct writer wr = writer_system("import-undo");
    struct verr e = {0};
    if (!strcmp(action, "created")) {
        if (!record_exists(w, r, id)) return 0;
        if (db_savepoint(w)) return -1;
        struct write_opts purge = {.purge = true};
        if (record_delete(w, &wr, r, id, &purge, &e) == 0) {
            c->removed++;
            return db_savepoint_release(w);
        }
        if (db_savepoint_rollback(w) || db_savepoint_release(w)) return -1;
        if (e.status != 409 || strcmp(e.code, "in_use") != 0 || !r->soft_delete) return undo_refused(c, &e);
        json_t *unlink = json_pack("{s:n}", "external_id");
        e = (struct verr){0};
        int rc = record_update(w, &wr, r, id, unlink, NULL, NULL, &e);
        json_decref(unlink);
        if (rc == 0) rc = record_delete(w, &wr, r, id, NULL, &e);
        if (rc) return undo_refused(c, &e);
        c->kept++;
        c->removed++;
        return 0;
    }
    json_t *old = before ? json_loads(before, 0, NULL) : NULL;
    if (!old || !record_exists(w, r, id)) { json_decref(old); return 0; }
    static const char *const server[] = {"id", "version", "created_at", "updated_at"};
    for (size_t i = 0; i < 4; i++) json_object_del(old, server[i]);
    /* Fields the record had no value for before come back empty. */
    for (int i = 0; i < r->nfields; i++)
        if (!(r->fields[i].flags & F_SERVER) && !json_object_get(old, r->fields[i].name))
            json_object_set_new(old, r->fields[i].name, json_null());
    int rc = record_update(w, &wr, r, id, old, NULL, NULL, &e);
    json_decref(old);
    if (rc) return undo_refused(c, &e);
    c->restored++;
    return 0;
}

static int undo_batch(db *w, void *arg)
{
    struct undo_ctx *c = arg;
    db_stmt *s = db_prepare(w, "SELECT seq, entity, entity_id, action, before FROM import_item WHERE job_id = ? ORDER BY seq DESC LIMIT 5000");
    if (!s) return 1;
    db_bind_int64(s, 1, c->job);
    struct it { int64_t seq, id; char entity[16], action[12]; char *before; } *items = calloc(5000, sizeof *items);
    int n = 0;
    while (n < 5000 && db_step(s) == DB_ROW) {
        items[n].seq = db_column_int64(s, 0);
        snprintf(items[n].entity, sizeof items[n].entity, "%s", db_column_text(s, 1));
        items[n].id = db_column_int64(s, 2);
        snprintf(items[n].action, sizeof items[n].action, "%s", db_column_text(s, 3));
        items[n].before = db_column_text(s, 4) ? strdup(db_column_text(s, 4)) : NULL;
        n++;
    }
    db_done(s);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (undo_one(w, c, items[i].entity, items[i].id, items[i].action, items[i].before)) {
            snprintf(c->msg, sizeof c->msg, "cannot undo %s %lld: %s", items[i].entity, (long long)items[i].id, db_errmsg(w));
            rc = 1;
        }
    }
    if (rc == 0 && n > 0) {
        db_stmt *d = db_prepare(w, "DELETE FROM import_item WHERE job_id = ? AND seq >= ?");
        db_bind_int64(d, 1, c->job);
        db_bind_int64(d, 2, items[n - 1].seq);
        if (db_step(d) != DB_DONE) rc = 1;
        db_done(d);
    }
    for (int i = 0; i < n; i++) free(items[i].before);
    free(items);
    c->more = n == 5000;
    return rc;
}

/* All-or-nothing: undoes what the writing pass committed before it met a
 * refused row (or a failure, or a cancel). */
static void compensate(struct imp *m)
{
    struct undo_ctx c = {.job = m->res->job_id};
    do {
        if (db_write(undo_batch, &c) != 0) {
            char was[sizeof m->res->fatal];
            snprintf(was, sizeof was, "%s", m->fatal ? m->res->fatal : "a row was refused");
            fatal(m, "%.200s; undoing the rows already written failed (%.120s): run rapport import undo %lld", was,
                  c.msg[0] ? c.msg : "the undo could not be committed", (long long)m->res->job_id);
            return;
        }
    } while (c.more);
    m->res->written = false;
}

int import_undo(int64_t job_id, long *removed, long *restored, char *msg, size_t cap)
{
    registry_init();
    json_t *job = job_load(db_reader(), job_id);
    if (!job || strcmp(json_string_value(json_object_get(job, "kind")), "import") != 0) {
        snprintf(msg, cap, "no import job %lld", (long long)job_id);
        json_decref(job);
        return -1;
    }
    const char *st = json_string_value(json_object_get(job, "status"));
    if (!strcmp(st, "running") || !strcmp(st, "queued")) {
        snprintf(msg, cap, "import job %lld is %s; cancel it or wait for it to finish", (long long)job_id, st);
        json_decref(job);
        return -1;
    }
    if (!strcmp(st, "undone")) {
        snprintf(msg, cap, "import job %lld was already undone", (long long)job_id);
        json_decref(job);
        return -1;
    }
    json_decref(job);
    struct undo_ctx c = {.job = job_id};
    do {
        int rc = db_write(undo_batch, &c);
        if (rc) {
            if (!c.msg[0]) snprintf(c.msg, sizeof c.msg, "the undo could not be committed");
            snprintf(msg, cap, "%s (undone so far: %ld removed, %ld restored; run undo again to continue)", c.msg, c.removed, c.restored);
            return -1;
        }
    } while (c.more);
    *removed = c.removed;
    *restored = c.restored;
    json_t *res = json_pack("{s:I, s:I, s:I}", "removed", (json_int_t)c.removed, "restored", (json_int_t)c.restored,
                            "kept_referenced", (json_int_t)c.kept);
    json_t *job2 = job_load(db_reader(), job_id);
    json_t *result = json_deep_copy(json_object_get(job2, "result"));
    json_decref(job2);
    if (!json_is_object(result)) { json_decref(result); result = json_object(); }
    json_object_set_new(result, "undo", res);
    job_set_status(job_id, "undone", result, NULL);
    snprintf(msg, cap, "removed %ld, restored %ld%s", c.removed, c.restored, c.kept ? " (some parties referenced by later records were kept as deleted)" : "");
    return 0;
}

/* ---- saved mappings ---- */

struct map_ctx { const char *name, *kind, *spec; };

static int map_save_job(db *w, void *arg)
{
    struct map_ctx *c = arg;
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "INSERT INTO import_mapping(name, kind, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
                               " ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, spec = excluded.spec, updated_at = excluded.updated_at");
    if (!s) return 1;
    db_bind_text(s, 1, c->name);
    db_bind_text(s, 2, c->kind);
    db_bind_text(s, 3, c->spec);
    db_bind_text(s, 4, now);
    db_bind_text(s, 5, now);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : 1;
}

int import_mapping_save(const char *name, const char *kind, const char *spec)
{
    struct map_ctx c = {name, kind, spec};
    return db_write(map_save_job, &c) == 0 ? 0 : -1;
}

char *import_mapping_load(const char *name, const char *kind)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT spec FROM import_mapping WHERE name = ? AND kind = ?");
    if (!s) return NULL;
    db_bind_text(s, 1, name);
    db_bind_text(s, 2, kind);
    char *out = db_step(s) == DB_ROW ? strdup(db_column_text(s, 0)) : NULL;
    db_done(s);
    return out;
}
