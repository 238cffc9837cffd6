/* import: the import engine's run (see import.h; the files it is split
 * into are listed in import_internal.h). Owns the passes over a file
 * (import_run: dry run, best effort, all-or-nothing), its batches as
 * writer jobs, the row loop and progress, the caps, .xlsx input, the
 * preview, the result and the per-row report. */
#include "domain/import_internal.h"
#include "api/party_docs.h"
#include "db/writer.h"
#include "io/out.h"
#include "io/xlsx.h"
#include "jobs/jobs.h"
#include "lib/textcheck.h"
#include "records/registry.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SAMPLE_MAX 100             /* report lines kept in the result */

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

void imp_report(struct imp *m, long line, const char *column, const char *kind, const char *fmt, ...)
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

void imp_fatal(struct imp *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->res->fatal, sizeof m->res->fatal, fmt, ap);
    va_end(ap);
    m->fatal = true;
}

/* ---- the row loop ---- */

/* Next data row: 1, 0 at the end, -1 fatal. */
static int next_row(struct imp *m, long *line)
{
    if (m->pending_first) { m->pending_first = false; *line = csv_line(m->csv); return 1; }
    for (;;) {
        int rc = csv_next(m->csv);
        if (rc < 0) { imp_fatal(m, "%s", csv_error(m->csv)); return -1; }
        if (rc == 0) return 0;
        *line = csv_line(m->csv);
        if (!m->jsonl) return 1;
        json_decref(m->jrow);
        json_error_t je;
        m->jrow = json_loads(csv_field(m->csv, 0), JSON_REJECT_DUPLICATES, &je);
        if (json_is_object(m->jrow)) return 1;
        m->res->rows++;
        imp_report(m, *line, "", "error", "not a JSON object: %s", m->jrow ? "another JSON value" : je.text);
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
            if (m->txn) imp_group_flush(m, w);
            break;
        }
        if (m->res->rows >= m->max_rows) {
            /* Refused as the row past the cap is reached, not counted first:
             * the file's size is unknown until it has been read. */
            imp_fatal(m, "line %ld: the file has more than %ld rows, the cap of one import", line, m->max_rows);
            break;
        }
        m->res->rows++;
        rc = m->txn ? imp_txn_row(m, w, line) : imp_simple_row(m, w, line);
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
        imp_fatal(m, "the audit row of the import could not be written");
        m->db_failed = true;
        return -1;
    }
    return 0;
}

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
    imp_build_targets(&m);
    int ret = -1;
    if (!m.jsonl) {
        int rc = csv_next(m.csv);
        if (rc < 0) { imp_fatal(&m, "%s", csv_error(m.csv)); goto out; }
        if (rc == 0) { imp_fatal(&m, "the file is empty"); goto out; }
        m.ncols = csv_nfields(m.csv);
        m.cols = calloc((size_t)m.ncols, sizeof *m.cols);
        for (int i = 0; i < m.ncols; i++) {
            char num[16];
            snprintf(num, sizeof num, "%d", i + 1);
            m.cols[i] = o->no_header ? strdup(num) : imp_trimdup(csv_field(m.csv, i), csv_field_len(m.csv, i));
        }
        m.pending_first = o->no_header;
    }
    if (imp_apply_mapping(&m)) goto out;
    if (o->errors_path) {
        m.report = fopen(o->errors_path, "w");
        if (!m.report) { imp_fatal(&m, "cannot write the report %s", o->errors_path); goto out; }
        fputs("row,column,kind,reason\r\n", m.report);
    }
    /* Indexes (search, contact points, external ids) updated in place instead of spilled. */
    writer_cache_size(WRITER_BULK_CACHE_KIB);
    /* One batch a writer job, whatever the pass: the other writers' jobs
     * queued meanwhile run between two batches. */
    while (!m.eof && !m.fatal) {
        if (o->cancel && *o->cancel) { res->cancelled = true; break; }
        int rc = db_write(batch_job, &m);
        if (rc == BATCH_CHECKED) continue;
        if (rc == 0 && res->rows) res->written = true;
        if (rc < 0 && !m.fatal) imp_fatal(&m, "row %ld: a batch could not be committed; the rows after the last commit were not written", res->rows);
        if (rc) break;
    }
    writer_cache_size(WRITER_CACHE_KIB);
    if (pass == PASS_APPLY && (m.fatal || res->cancelled || res->errors || res->no_customer)) imp_compensate(&m);
    if (!m.fatal) { m.eof = true; progress(&m); }
    ret = m.fatal ? -1 : 0;
out:
    if (m.report && fclose(m.report) != 0 && !m.fatal) { imp_fatal(&m, "cannot write the report %s", o->errors_path); ret = -1; }
    imp_group_reset(&m.g);
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
