/* sales_reports: GET /api/v1/reports/sales (issue 18) — won / lost and
 * conversion by stage, source, user or team, cycle time, and activity
 * counts per user, over a period, for the opportunities the caller may
 * read; as JSON, or as a file (?format=xlsx or csv) for spreadsheets.
 *  - by source / user / team: per group the opportunities won and lost in
 *    the period (by their close time) with the won amount per currency and
 *    converted at the rate of each close day, the win rate won / (won +
 *    lost), the mean cycle time in days (creation to close) of those won,
 *    and how many are open now;
 *  - by stage: per stage, the opportunities that entered it in the period
 *    (from the stage history) and how many of them are won, lost or still
 *    open now: the conversion from that stage;
 *  - activities: the interactions done in the period per user and channel,
 *    within the caller's party read scope.
 * As a PDF (?format=pdf) it is drawn by sales_report_pdf.c. */
#include "api/api.h"
#include "api/sales.h"
#include "db/db.h"
#include "domain/fx.h"
#include "domain/import_values.h"
#include "io/out.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROWS 2000

struct row {
    char key[64];
    int64_t open, won, lost, entered;
    double cycle_days;            /* sum over won */
    struct fx_total amount;       /* won amount */
};

struct report {
    const char *by;
    char from[24], to[24];        /* [from, to) as times */
    struct row *rows;
    int n;
    struct fx *fx;
};

static struct row *row_of(struct report *r, const char *key)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->rows[i].key, key)) return &r->rows[i];
    if (r->n == MAX_ROWS) return NULL;
    struct row *w = &r->rows[r->n++];
    memset(w, 0, sizeof *w);
    snprintf(w->key, sizeof w->key, "%s", key);
    return w;
}

static time_t utc(const char *s)
{
    struct tm tm = {0};
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) < 3)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static void key_text(db_stmt *s, int col, char out[64])
{
    if (db_column_type(s, col) == DB_NULL) snprintf(out, 64, "none");
    else snprintf(out, 64, "%s", db_column_text(s, col));
}

/* Won and lost in the period, and open now, by a column of the opportunity. */
static int by_group(struct report *r, const struct sales_filter *f, const char *col)
{
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT ");
    sb_puts(&sql, col);
    sb_puts(&sql, ", t.status, t.amount_currency, t.amount_amount, t.created_at, t.closed_at FROM opportunity t"
                  " WHERE t.status IN ('won', 'lost') AND t.closed_at >= ? AND t.closed_at < ?");
    sb_puts(&sql, f->where.data ? f->where.data : "");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    if (!s) return -1;
    db_bind_text(s, 1, r->from);
    db_bind_text(s, 2, r->to);
    sales_filter_bind(f, s, 3);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        char key[64];
        key_text(s, 0, key);
        struct row *w = row_of(r, key);
        if (!w) continue;
        if (!strcmp(db_column_text(s, 1), "lost")) { w->lost++; continue; }
        w->won++;
        const char *closed = db_column_text(s, 5);
        w->cycle_days += (double)(utc(closed) - utc(db_column_text(s, 4))) / 86400.0;
        if (db_column_type(s, 2) != DB_NULL) {
            char day[11];
            snprintf(day, sizeof day, "%.10s", closed);
            fx_total_add_at(&w->amount, r->fx, db_column_text(s, 2), db_column_int64(s, 3), 1, day);
        }
    }
    db_done(s);
    if (rc != DB_DONE) return -1;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT ");
    sb_puts(&sql, col);
    sb_puts(&sql, ", COUNT(*) FROM opportunity t WHERE t.status = 'open'");
    sb_puts(&sql, f->where.data ? f->where.data : "");
    sb_puts(&sql, " GROUP BY 1");
    s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    if (!s) return -1;
    sales_filter_bind(f, s, 1);
    while ((rc = db_step(s)) == DB_ROW) {
        char key[64];
        key_text(s, 0, key);
        struct row *w = row_of(r, key);
        if (w) w->open = db_column_int64(s, 1);
    }
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Entered each stage in the period, and where those stand now. */
static int by_stage(struct report *r, const struct sales_filter *f)
{
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT h.stage, t.status, COUNT(DISTINCT t.id) FROM opportunity_stage h JOIN opportunity t ON t.id = h.opportunity_id"
                  " WHERE h.status = 'open' AND h.entered_at >= ? AND h.entered_at < ?");
    sb_puts(&sql, f->where.data ? f->where.data : "");
    sb_puts(&sql, " GROUP BY h.stage, t.status");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    if (!s) return -1;
    db_bind_text(s, 1, r->from);
    db_bind_text(s, 2, r->to);
    sales_filter_bind(f, s, 3);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        struct row *w = row_of(r, db_column_text(s, 0));
        if (!w) continue;
        const char *st = db_column_text(s, 1);
        int64_t n = db_column_int64(s, 2);
        w->entered += n;
        if (!strcmp(st, "won")) w->won += n;
        else if (!strcmp(st, "lost")) w->lost += n;
        else w->open += n;
    }
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Interactions done in the period per user and channel. */
static json_t *activities(struct req *rq, const struct report *r)
{
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT t.user_id, t.channel, COUNT(*) FROM interaction t WHERE t.status = 'done' AND t.occurred_at >= ? AND t.occurred_at < ?");
    struct authz_binds b;
    const char *pred = authz_party_predicate(authz_scope(&rq->user, "interactions", "read"), "party_id", &rq->user, &b);
    if (pred) { sb_puts(&sql, " AND "); sb_puts(&sql, pred); }
    const char *owner = req_query(rq, "owner_id");
    if (owner) sb_puts(&sql, " AND t.user_id = ?");
    sb_puts(&sql, " GROUP BY 1, 2 ORDER BY 1, 2");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    json_t *out = json_array();
    if (!s) return out;
    int i = 1;
    db_bind_text(s, i++, r->from);
    db_bind_text(s, i++, r->to);
    for (int k = 0; k < b.n; k++) db_bind_int64(s, i++, b.v[k]);
    if (owner) db_bind_int64(s, i++, strtoll(owner, NULL, 10));
    json_t *cur = NULL;
    int64_t cur_user = -2;
    while (db_step(s) == DB_ROW) {
        int64_t u = db_column_type(s, 0) == DB_NULL ? -1 : db_column_int64(s, 0);
        if (!cur || u != cur_user) {
            cur = json_pack("{s:o, s:i, s:{}}", "user_id", u < 0 ? json_null() : json_integer(u), "count", 0, "by_channel");
            json_array_append_new(out, cur);
            cur_user = u;
        }
        int64_t n = db_column_int64(s, 2);
        json_object_set_new(cur, "count", json_integer(json_integer_value(json_object_get(cur, "count")) + n));
        json_object_set_new(json_object_get(cur, "by_channel"), db_column_text(s, 1), json_integer(n));
    }
    db_done(s);
    return out;
}

static json_t *row_json(const struct row *w, const struct fx *fx, bool stage)
{
    int64_t closed = w->won + w->lost;
    json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:o}", "key", w->key, "open", (json_int_t)w->open, "won", (json_int_t)w->won,
                          "lost", (json_int_t)w->lost,
                          "win_rate", closed ? json_real((double)w->won / (double)closed) : json_null());
    if (stage) {
        json_object_set_new(o, "entered", json_integer(w->entered));
        json_object_set_new(o, "conversion", w->entered ? json_real((double)w->won / (double)w->entered) : json_null());
    } else {
        json_object_set_new(o, "won_amount", fx_total_json(&w->amount, fx));
        json_object_set_new(o, "cycle_days", w->won ? json_real(w->cycle_days / (double)w->won) : json_null());
    }
    return o;
}

static bool day_ok(const char *s)
{
    int y, m, d;
    char x;
    return s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &x) == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* The report as a file: one sheet (or CSV) of the rows, then the activity
 * counts. */
static void report_file(struct resp *rs, enum out_format fmt, const char *by, json_t *rows, json_t *acts, struct verr *e)
{
    char path[4200];
    snprintf(path, sizeof path, "%s.report-XXXXXX", db_files_base());
    int fd = mkstemp(path);
    if (fd < 0) { verr_set(e, 503, "storage_error", NULL, "no room for the report file"); return; }
    close(fd);
    char err[128];
    out_writer *w = out_open(fmt, path, NULL, err, sizeof err);
    if (!w) { unlink(path); verr_set(e, 503, "storage_error", NULL, "the report file could not be written"); return; }
    bool stage = !strcmp(by, "stage");
    static const char *const head_stage[] = {"stage", "entered", "open", "won", "lost", "win_rate", "conversion"};
    static const char *const head_group[] = {"group", "open", "won", "lost", "win_rate", "won_amount", "currency", "cycle_days"};
    const char *const *head = stage ? head_stage : head_group;
    int nh = stage ? 7 : 8;
    out_header(w, head, nh);
    bool num[8] = {false, true, true, true, true, true, !stage ? false : true, true};
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) {
        char c[8][64];
        const char *cells[8];
        snprintf(c[0], 64, "%s", json_string_value(json_object_get(o, "key")));
        json_t *wr = json_object_get(o, "win_rate");
        if (stage) {
            json_t *cv = json_object_get(o, "conversion");
            snprintf(c[1], 64, "%lld", (long long)json_integer_value(json_object_get(o, "entered")));
            snprintf(c[2], 64, "%lld", (long long)json_integer_value(json_object_get(o, "open")));
            snprintf(c[3], 64, "%lld", (long long)json_integer_value(json_object_get(o, "won")));
            snprintf(c[4], 64, "%lld", (long long)json_integer_value(json_object_get(o, "lost")));
            snprintf(c[5], 64, "%s", "");
            if (json_is_real(wr)) snprintf(c[5], 64, "%.4f", json_real_value(wr));
            snprintf(c[6], 64, "%s", "");
            if (json_is_real(cv)) snprintf(c[6], 64, "%.4f", json_real_value(cv));
        } else {
            json_t *conv = json_object_get(json_object_get(o, "won_amount"), "converted");
            json_t *cy = json_object_get(o, "cycle_days");
            snprintf(c[1], 64, "%lld", (long long)json_integer_value(json_object_get(o, "open")));
            snprintf(c[2], 64, "%lld", (long long)json_integer_value(json_object_get(o, "won")));
            snprintf(c[3], 64, "%lld", (long long)json_integer_value(json_object_get(o, "lost")));
            snprintf(c[4], 64, "%s", "");
            if (json_is_real(wr)) snprintf(c[4], 64, "%.4f", json_real_value(wr));
            snprintf(c[5], 64, "%s", "");
            if (json_is_integer(json_object_get(conv, "amount")))   /* in major units of its currency */
                minor_to_text(json_integer_value(json_object_get(conv, "amount")), json_string_value(json_object_get(conv, "currency")),
                              c[5], 64);
            snprintf(c[6], 64, "%s", json_string_value(json_object_get(conv, "currency")));
            snprintf(c[7], 64, "%s", "");
            if (json_is_real(cy)) snprintf(c[7], 64, "%.1f", json_real_value(cy));
        }
        for (int k = 0; k < nh; k++) cells[k] = c[k];
        out_row(w, cells, num, nh);
    }
    static const char *const blank[] = {""};
    out_row(w, blank, NULL, 1);
    static const char *const ahead[] = {"user_id", "interactions"};
    out_row(w, ahead, NULL, 2);
    json_array_foreach(acts, i, o) {
        char u[24], n[24];
        const char *cells[2] = {u, n};
        json_t *uid = json_object_get(o, "user_id");
        snprintf(u, sizeof u, "%s", "");
        if (json_is_integer(uid)) snprintf(u, sizeof u, "%lld", (long long)json_integer_value(uid));
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(o, "count")));
        static const bool nn[] = {true, true};
        out_row(w, cells, nn, 2);
    }
    if (out_close(w)) { unlink(path); verr_set(e, 503, "storage_error", NULL, "the report file could not be written"); return; }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    unlink(path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0) close(fd);
        verr_set(e, 503, "storage_error", NULL, "the report file could not be read");
        return;
    }
    rs->status = 200;
    rs->file_fd = fd;
    rs->body_len = (size_t)st.st_size;
    rs->content_type = out_content_type(fmt);
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"sales-by-%s.%s\"", by, fmt == OUT_XLSX ? "xlsx" : "csv");
    resp_header(rs, "Content-Disposition", disp);
}

static void report(struct req *rq, struct resp *rs, bool want_file)
{
    struct verr e = {0};
    struct sales_filter f;
    struct report r = {0};
    struct fx fx;
    const char *by = req_query(rq, "by"), *from = req_query(rq, "from"), *to = req_query(rq, "to"), *fs = req_query(rq, "format");
    const char *pl = req_query(rq, "pipeline_id");
    enum out_format fmt = OUT_CSV;
    bool file = false, pdf = false;
    sb_init(&f.where, 0);
    f.n = 0;
    if (!by) by = "user";
    if (strcmp(by, "stage") && strcmp(by, "source") && strcmp(by, "user") && strcmp(by, "team")) {
        verr_set(&e, 400, "invalid_parameter", "by", "by is stage, source, user or team");
        goto fail;
    }
    if (want_file) {
        pdf = fs && !strcmp(fs, "pdf");
        if (fs && !pdf && (out_format_parse(fs, &fmt) || fmt == OUT_JSONL)) {
            verr_set(&e, 400, "invalid_parameter", "format", "format is csv, xlsx or pdf");
            goto fail;
        }
        file = true;
    }
    char today[11];
    sales_today(today);
    if (from && !day_ok(from)) { verr_set(&e, 400, "invalid_parameter", "from", "from is a date YYYY-MM-DD"); goto fail; }
    if (to && !day_ok(to)) { verr_set(&e, 400, "invalid_parameter", "to", "to is a date YYYY-MM-DD"); goto fail; }
    /* Default: this year up to today. */
    snprintf(r.from, sizeof r.from, "%.4s-01-01", from ? from : today);
    if (from) snprintf(r.from, sizeof r.from, "%s", from);
    /* to is inclusive: the range ends before the next day (as text, a
     * comparison that needs no collation but byte order of digits). */
    {
        struct tm tm = {0};
        sscanf(to ? to : today, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        time_t next = timegm(&tm) + 86400;
        gmtime_r(&next, &tm);
        strftime(r.to, sizeof r.to, "%Y-%m-%d", &tm);
    }
    if (strcmp(r.from, r.to) >= 0) { verr_set(&e, 400, "invalid_parameter", "to", "to is on or after from"); goto fail; }
    sales_filter_free(&f);
    if (sales_filter_build(&f, rq, &e)) goto fail;
    if (pl) {
        char *end;
        long long id = strtoll(pl, &end, 10);
        if (!*pl || *end || id < 1) { verr_set(&e, 400, "invalid_parameter", "pipeline_id", "pipeline_id must be a positive integer"); goto fail; }
        sb_puts(&f.where, " AND t.pipeline_id = ?");
        f.v[f.n].text = false;
        f.v[f.n++].i = id;
    }
    char company[4];
    fx_company_currency(db_reader(), company);
    fx_init(&fx, db_reader(), company);
    r.by = by;
    r.fx = &fx;
    r.rows = calloc(MAX_ROWS, sizeof *r.rows);
    int rc = !strcmp(by, "stage")    ? by_stage(&r, &f)
             : !strcmp(by, "source") ? by_group(&r, &f, "t.source")
             : !strcmp(by, "user")   ? by_group(&r, &f, "t.owner_id")
                                     : by_group(&r, &f, "t.team_id");
    if (rc) { verr_set(&e, 500, "internal", NULL, "report query failed"); goto fail; }
    json_t *rows = json_array();
    for (int i = 0; i < r.n; i++) json_array_append_new(rows, row_json(&r.rows[i], &fx, !strcmp(by, "stage")));
    json_t *acts = activities(rq, &r);
    char shown_from[11], shown_to[11];
    snprintf(shown_from, sizeof shown_from, "%.10s", r.from);
    snprintf(shown_to, sizeof shown_to, "%.10s", to ? to : today);
    if (pdf) {
        json_t *rates = fx_rates_json(&fx);
        sales_report_pdf(rs, by, shown_from, shown_to, company, rows, rates, acts, &e);
        json_decref(rates);
        json_decref(rows);
        json_decref(acts);
        if (e.status) goto fail;
    } else if (file) {
        report_file(rs, fmt, by, rows, acts, &e);
        json_decref(rows);
        json_decref(acts);
        if (e.status) goto fail;
    } else {
        resp_json(rs, 200, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "by", by, "from", shown_from, "to", shown_to,
                                     "currency", company, "rows", rows, "activities", acts, "rates", fx_rates_json(&fx),
                                     "rates_complete", fx.dropped == 0));
    }
    free(r.rows);
    sales_filter_free(&f);
    return;
fail:
    free(r.rows);
    sales_filter_free(&f);
    resp_verr(rs, &e);
}

static void sales_report(struct req *rq, struct resp *rs) { report(rq, rs, false); }
static void sales_report_export(struct req *rq, struct resp *rs) { report(rq, rs, true); }

#define REPORT_PARAMS                                                                                                           \
    "{'name':'by','in':'query','schema':{'type':'string','enum':['stage','source','user','team'],'default':'user'}},"            \
    "{'name':'from','in':'query','schema':{'type':'string','format':'date'},'description':'first day (default: 1 January)'},"   \
    "{'name':'to','in':'query','schema':{'type':'string','format':'date'},'description':'last day (default: today)'},"          \
    "{'name':'pipeline_id','in':'query','schema':{'type':'integer'}}," SALES_FILTER_PARAMS

static const struct route_doc report_export_doc = {
    .id = "exportSalesReport", .tag = "opportunities", .headers = "Content-Disposition",
    .response_type = "text/csv application/vnd.openxmlformats-officedocument.spreadsheetml.sheet application/pdf",
    .params = "[" REPORT_PARAMS ",{'name':'format','in':'query','schema':{'type':'string','enum':['csv','xlsx','pdf'],'default':'csv'}}]",
    .errors = "503",
};

static const char *const report_schemas[] = {"MoneyTotals", FX_TOTAL_SCHEMA, NULL};

static const struct route_doc report_doc = {
    .id = "getSalesReport", .tag = "opportunities", .response_name = "SalesReport", .schemas = report_schemas,
    .params = "[" REPORT_PARAMS "]",
    .response = "{'type':'object','required':['by','from','to','currency','rows','activities','rates','rates_complete'],'additionalProperties':false,'properties':{"
                "'by':{'type':'string'},'from':{'type':'string','format':'date'},'to':{'type':'string','format':'date'},'currency':{'type':'string'},"
                "'rows':{'type':'array','items':{'type':'object','required':['key','open','won','lost','win_rate'],'additionalProperties':false,'properties':{"
                "'key':{'type':'string','description':'the stage, source, user id or team id (none: not set)'},"
                "'open':{'type':'integer','description':'open now'},'won':{'type':'integer'},'lost':{'type':'integer'},"
                "'win_rate':{'type':'number','nullable':true,'description':'won / (won + lost)'},"
                "'entered':{'type':'integer','description':'by stage: entered the stage in the period'},"
                "'conversion':{'type':'number','nullable':true,'description':'by stage: won / entered'},"
                "'won_amount':{'$ref':'#/components/schemas/MoneyTotals'},"
                "'cycle_days':{'type':'number','nullable':true,'description':'mean days from creation to won'}}}},"
                "'activities':{'type':'array','items':{'type':'object','required':['user_id','count','by_channel'],'additionalProperties':false,"
                "'properties':{'user_id':{'type':'integer','nullable':true},'count':{'type':'integer'},"
                "'by_channel':{'type':'object','additionalProperties':{'type':'integer'}}}}},"
                "'rates':" FX_RATES_SCHEMA ","
                "'rates_complete':{'type':'boolean','description':'false when more rates were used than are listed'}}}",
};

static const struct route report_routes[] = {
    {"GET", "/api/v1/reports/sales", 0, "opportunities", "read", sales_report,
     "Sales report: won / lost, win rate and conversion by stage, source, user or team, cycle time, activity counts", NULL, &report_doc},
    {"GET", "/api/v1/reports/sales/export", 0, "opportunities", "export", sales_report_export,
     "The sales report as a file: for spreadsheets (format=xlsx or csv) or to print (format=pdf, Chinese and English)", NULL, &report_export_doc},
};

void sales_reports_register(void)
{
    routes_register(report_routes, sizeof report_routes / sizeof report_routes[0]);
}
