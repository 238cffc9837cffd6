/* service_measures: the service measures of CCPR (DOMAIN D11, issue 19)
 * per team or per user, over the cases opened in a period —
 *   GET /api/v1/service-measures?by=team|user&from=YYYY-MM-DD&to=YYYY-MM-DD
 *   GET /api/v1/exports/service-measures?…&format=csv|xlsx   the same as a table
 * For each group (the case's team, or its owner) and in total: cases,
 * complaints (complaints and grievances) by category, mean first-response
 * and resolution time (business minutes of the case's SLA calendar from
 * opened_at, the time waiting on the customer left out), the share of
 * SLA targets met (both clocks, where decided), the reopen rate (of the
 * cases resolved at least once), mean CSAT, NPS (% promoters − %
 * detractors) and the remedy cost per currency. Only the cases within the
 * caller's read scope count; a remedy cost hidden from the role (field
 * security) is left out. Exportable as CSV or XLSX (io/out.h). */
#include "api/api.h"
#include "http/authz.h"
#include "io/out.h"
#include "lib/money.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CUR 4

struct grp {
    int64_t id;             /* team or user; 0: none */
    long cases, complaints;
    double fr_sum, res_sum, csat_sum;
    long fr_n, res_n, csat_n, met, met_n, reopened, resolved, promoters, detractors, nps_n;
    json_t *by_category;    /* {"category": n} of complaints */
    char cur[MAX_CUR][4];
    money_sum cost[MAX_CUR];
    int ncur;
};

static void grp_init(struct grp *g, int64_t id)
{
    memset(g, 0, sizeof *g);
    g->id = id;
    g->by_category = json_object();
}

static double minutes(const char *from, const char *to)
{
    int64_t a, b;
    if (!from || !to || time_parse(from, &a) || time_parse(to, &b) || b < a) return -1;
    return (double)(b - a) / 60.0;
}

static void grp_add(struct grp *g, db_stmt *s, bool cost_visible)
{
    const char *kind = db_column_text(s, 1), *cat = db_column_text(s, 2), *opened = db_column_text(s, 3);
    g->cases++;
    if (kind && (!strcmp(kind, "complaint") || !strcmp(kind, "grievance"))) {
        g->complaints++;
        const char *k = cat && *cat ? cat : "";
        json_object_set_new(g->by_category, k, json_integer(json_integer_value(json_object_get(g->by_category, k)) + 1));
    }
    /* Business minutes of the case's calendar, pauses left out (kept on the
     * case by case_sla.c); a case written before they were kept: clock minutes. */
    double fr = db_column_type(s, 14) != DB_NULL ? (double)db_column_int64(s, 14) : minutes(opened, db_column_text(s, 4));
    double rs = db_column_type(s, 15) != DB_NULL ? (double)db_column_int64(s, 15) : minutes(opened, db_column_text(s, 5));
    if (!db_column_text(s, 4)) fr = -1;
    if (!db_column_text(s, 5)) rs = -1;
    if (fr >= 0) { g->fr_sum += fr; g->fr_n++; }
    if (rs >= 0) { g->res_sum += rs; g->res_n++; }
    for (int c = 6; c <= 7; c++)
        if (db_column_type(s, c) != DB_NULL) { g->met_n++; g->met += db_column_int64(s, c) != 0; }
    bool resolved_once = db_column_type(s, 5) != DB_NULL || db_column_int64(s, 8) > 0;
    if (resolved_once) { g->resolved++; g->reopened += db_column_int64(s, 8) > 0; }
    if (db_column_type(s, 9) != DB_NULL) { g->csat_sum += (double)db_column_int64(s, 9); g->csat_n++; }
    if (db_column_type(s, 10) != DB_NULL) {
        int64_t n = db_column_int64(s, 10);
        g->nps_n++;
        g->promoters += n >= 9;
        g->detractors += n <= 6;
    }
    if (cost_visible && db_column_type(s, 11) != DB_NULL && db_column_text(s, 12)) {
        const char *cur = db_column_text(s, 12);
        int k = 0;
        while (k < g->ncur && strcmp(g->cur[k], cur)) k++;
        if (k == g->ncur && g->ncur < MAX_CUR) {
            snprintf(g->cur[k], sizeof g->cur[k], "%s", cur);
            g->cost[k] = (money_sum)MONEY_SUM_INIT;
            g->ncur++;
        }
        if (k < g->ncur) money_sum_add(&g->cost[k], db_column_int64(s, 11));
    }
}

static void grp_merge(struct grp *t, const struct grp *g)
{
    t->cases += g->cases;
    t->complaints += g->complaints;
    t->fr_sum += g->fr_sum; t->fr_n += g->fr_n;
    t->res_sum += g->res_sum; t->res_n += g->res_n;
    t->csat_sum += g->csat_sum; t->csat_n += g->csat_n;
    t->met += g->met; t->met_n += g->met_n;
    t->reopened += g->reopened; t->resolved += g->resolved;
    t->promoters += g->promoters; t->detractors += g->detractors; t->nps_n += g->nps_n;
    const char *k;
    json_t *v;
    json_object_foreach(g->by_category, k, v)
        json_object_set_new(t->by_category, k, json_integer(json_integer_value(json_object_get(t->by_category, k)) + json_integer_value(v)));
    for (int i = 0; i < g->ncur; i++) {
        int k2 = 0;
        while (k2 < t->ncur && strcmp(t->cur[k2], g->cur[i])) k2++;
        if (k2 == t->ncur && t->ncur < MAX_CUR) {
            snprintf(t->cur[k2], sizeof t->cur[k2], "%s", g->cur[i]);
            t->cost[k2] = (money_sum)MONEY_SUM_INIT;
            t->ncur++;
        }
        bool sat = false;
        if (k2 < t->ncur) money_sum_add(&t->cost[k2], money_sum_value(&g->cost[i], &sat));
    }
}

static json_t *num_or_null(long n, double v) { return n ? json_real(round(v * 100) / 100) : json_null(); }

static json_t *grp_json(db *c, const struct grp *g, const char *by, bool total, bool cost_visible)
{
    json_t *name = json_null();
    if (!total && g->id) {
        db_stmt *s = db_prepare(c, !strcmp(by, "team") ? "SELECT name FROM team WHERE id = ?" : "SELECT name, email FROM app_user WHERE id = ?");
        if (s) {
            db_bind_int64(s, 1, g->id);
            if (db_step(s) == DB_ROW) {
                const char *n = db_column_text(s, 0);
                name = json_string(n && *n ? n : !strcmp(by, "team") ? "" : db_column_text(s, 1));
            }
            db_done(s);
        }
    }
    json_t *cost = json_array();
    for (int i = 0; i < g->ncur; i++) {
        bool sat = false;
        json_array_append_new(cost, json_pack("{s:I, s:s}", "amount", (json_int_t)money_sum_value(&g->cost[i], &sat), "currency", g->cur[i]));
    }
    return json_pack("{s:o, s:o, s:I, s:I, s:O, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "group_id", total || !g->id ? json_null() : json_integer(g->id), "group_name", name,
        "cases", (json_int_t)g->cases, "complaints", (json_int_t)g->complaints, "complaints_by_category", g->by_category,
        "first_response_minutes", num_or_null(g->fr_n, g->fr_n ? g->fr_sum / (double)g->fr_n : 0),
        "resolution_minutes", num_or_null(g->res_n, g->res_n ? g->res_sum / (double)g->res_n : 0),
        "sla_met_pct", num_or_null(g->met_n, g->met_n ? 100.0 * (double)g->met / (double)g->met_n : 0),
        "reopen_rate_pct", num_or_null(g->resolved, g->resolved ? 100.0 * (double)g->reopened / (double)g->resolved : 0),
        "csat", num_or_null(g->csat_n, g->csat_n ? g->csat_sum / (double)g->csat_n : 0),
        "nps", num_or_null(g->nps_n, g->nps_n ? 100.0 * (double)(g->promoters - g->detractors) / (double)g->nps_n : 0),
        "remedy_cost", cost_visible ? cost : (json_decref(cost), json_null()));
}

static bool valid_day(const char *s)
{
    int64_t t;
    return s && date_parse(s, &t) == 0;
}

/* The rows as a table (CSV / XLSX): one line a group, then the total. */
static int write_table(json_t *items, json_t *total, enum out_format f, const char *path)
{
    static const char *const cols[] = {"group_id", "group_name", "cases", "complaints", "complaints_by_category", "first_response_minutes",
                                       "resolution_minutes", "sla_met_pct", "reopen_rate_pct", "csat", "nps", "remedy_cost"};
    enum { NC = sizeof cols / sizeof cols[0] };
    char err[200];
    out_writer *w = out_open(f, path, NULL, err, sizeof err);
    if (!w) return -1;
    out_header(w, cols, NC);
    json_t *all = json_copy(items);
    json_array_append(all, total);
    size_t i;
    json_t *row;
    json_array_foreach(all, i, row) {
        char *cells[NC];
        bool numeric[NC];
        for (int k = 0; k < NC; k++) {
            json_t *v = json_object_get(row, cols[k]);
            numeric[k] = json_is_number(v);
            if (json_is_null(v) || !v) cells[k] = strdup(k == 1 && i + 1 == json_array_size(all) ? "total" : "");
            else if (json_is_string(v)) cells[k] = strdup(json_string_value(v));
            else if (json_is_integer(v)) { cells[k] = malloc(24); snprintf(cells[k], 24, "%lld", (long long)json_integer_value(v)); }
            else if (json_is_real(v)) { cells[k] = malloc(32); snprintf(cells[k], 32, "%.2f", json_real_value(v)); }
            else if (k == 11) {
                /* "CNY 259.00; USD 1.00" */
                strbuf b;
                sb_init(&b, 64);
                size_t j;
                json_t *m;
                json_array_foreach(v, j, m) {
                    json_int_t a = json_integer_value(json_object_get(m, "amount"));
                    sb_printf(&b, "%s%s %s%lld.%02lld", j ? "; " : "", json_string_value(json_object_get(m, "currency")), a < 0 ? "-" : "",
                              (long long)(a < 0 ? -a : a) / 100, (long long)(a < 0 ? -a : a) % 100);
                }
                cells[k] = b.data ? b.data : strdup("");
            } else {
                cells[k] = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
            }
        }
        out_row(w, (const char *const *)cells, numeric, NC);
        for (int k = 0; k < NC; k++) free(cells[k]);
    }
    json_decref(all);
    return out_close(w);
}

static void measures_answer(struct req *rq, struct resp *rs, bool json)
{
    const char *by = req_query(rq, "by"), *from = req_query(rq, "from"), *to = req_query(rq, "to"), *fs = req_query(rq, "format");
    if (!by) by = "team";
    if (strcmp(by, "team") && strcmp(by, "user")) { resp_error(rs, 400, "invalid_parameter", "by", "by is team or user"); return; }
    if (from && !valid_day(from)) { resp_error(rs, 400, "invalid_parameter", "from", "from is a date YYYY-MM-DD"); return; }
    if (to && !valid_day(to)) { resp_error(rs, 400, "invalid_parameter", "to", "to is a date YYYY-MM-DD"); return; }
    enum out_format f = OUT_CSV;
    if (!json && fs && (out_format_parse(fs, &f) || f == OUT_JSONL)) {
        resp_error(rs, 400, "invalid_parameter", "format", "format is csv or xlsx");
        return;
    }
    /* from … to inclusive: opened_at ≥ from 00:00Z and < the day after to. */
    char lo[21] = "", hi[21] = "9999";
    if (from) snprintf(lo, sizeof lo, "%sT00:00:00Z", from);
    if (to) {
        int64_t t;
        date_parse(to, &t);
        time_format(t + 86400, hi);
    }
    db *c = db_reader();
    const struct rtype *type = registry_by_type("case");
    enum scope scope = authz_scope(&rq->user, "cases", "read");
    /* Constant SQL; a role that reads only some cases (own, team) has each
     * row checked against its scope (the roles that read the measures —
     * service, managers — read all cases and pay nothing for it). */
    db_stmt *s = db_prepare(c, !strcmp(by, "team")
        ? "SELECT t.team_id, kind, category, opened_at, first_response_at, resolved_at, first_response_met, resolution_met,"
          " reopen_count, csat, nps, remedy_cost_amount, remedy_cost_currency, id, first_response_minutes, resolution_minutes FROM service_case t"
          " WHERE opened_at >= ? AND opened_at < ? ORDER BY 1"
        : "SELECT t.owner_id, kind, category, opened_at, first_response_at, resolved_at, first_response_met, resolution_met,"
          " reopen_count, csat, nps, remedy_cost_amount, remedy_cost_currency, id, first_response_minutes, resolution_minutes FROM service_case t"
          " WHERE opened_at >= ? AND opened_at < ? ORDER BY 1");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the measures could not be read"); return; }
    db_bind_text(s, 1, lo);
    db_bind_text(s, 2, hi);
    bool cost_visible = authz_field(&rq->user, "cases", "remedy_cost") != FA_HIDDEN;
    json_t *items = json_array();
    struct grp g, total;
    grp_init(&total, 0);
    bool have = false;
    while (db_step(s) == DB_ROW) {
        if ((scope & ~SCOPE_WRITE) != SCOPE_ALL && !authz_record_in_scope(c, &rq->user, type, db_column_int64(s, 13), scope)) continue;
        int64_t id = db_column_type(s, 0) == DB_NULL ? 0 : db_column_int64(s, 0);
        if (have && id != g.id) {
            grp_merge(&total, &g);
            json_array_append_new(items, grp_json(c, &g, by, false, cost_visible));
            json_decref(g.by_category);
            have = false;
        }
        if (!have) { grp_init(&g, id); have = true; }
        grp_add(&g, s, cost_visible);
    }
    db_done(s);
    if (have) {
        grp_merge(&total, &g);
        json_array_append_new(items, grp_json(c, &g, by, false, cost_visible));
        json_decref(g.by_category);
    }
    json_t *tot = grp_json(c, &total, by, true, cost_visible);
    json_decref(total.by_category);
    if (json) {
        resp_json(rs, 200, json_pack("{s:s, s:o, s:o, s:o, s:o}", "by", by, "from", from ? json_string(from) : json_null(),
                                     "to", to ? json_string(to) : json_null(), "items", items, "total", tot));
        return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s.measures-XXXXXX", db_files_base());
    int fd = mkstemp(path);
    if (fd < 0) { json_decref(items); json_decref(tot); resp_error(rs, 503, "storage_error", NULL, "no room for the file"); return; }
    close(fd);
    int rc = write_table(items, tot, f, path);
    json_decref(items);
    json_decref(tot);
    fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    unlink(path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        resp_error(rs, 503, "storage_error", NULL, "the file could not be written");
        return;
    }
    rs->status = 200;
    rs->file_fd = fd;
    rs->body_len = (size_t)st.st_size;
    rs->content_type = out_content_type(f);
    resp_header(rs, "Content-Disposition", f == OUT_CSV ? "attachment; filename=\"service-measures.csv\""
                                                         : "attachment; filename=\"service-measures.xlsx\"");
}

static void measures(struct req *rq, struct resp *rs) { measures_answer(rq, rs, true); }
static void measures_export(struct req *rq, struct resp *rs) { measures_answer(rq, rs, false); }

#define GROUP_SCHEMA                                                                                                           \
    "{'type':'object','required':['group_id','group_name','cases','complaints','complaints_by_category','first_response_minutes'," \
    "'resolution_minutes','sla_met_pct','reopen_rate_pct','csat','nps','remedy_cost'],'additionalProperties':false,'properties':{" \
    "'group_id':{'type':'integer','format':'int64','nullable':true,'description':'team or user id; null: none (or the total)'},"   \
    "'group_name':{'type':'string','nullable':true},'cases':{'type':'integer'},'complaints':{'type':'integer'},"                  \
    "'complaints_by_category':{'type':'object','additionalProperties':{'type':'integer'}},"                                      \
    "'first_response_minutes':{'type':'number','nullable':true,'description':'mean, in business minutes of each case SLA calendar'},"  \
    "'resolution_minutes':{'type':'number','nullable':true,'description':'mean, in business minutes, waiting on the customer left out'}," \
    "'sla_met_pct':{'type':'number','nullable':true},'reopen_rate_pct':{'type':'number','nullable':true},"                        \
    "'csat':{'type':'number','nullable':true},'nps':{'type':'number','nullable':true},"                                           \
    "'remedy_cost':{'type':'array','nullable':true,'items':{'$ref':'#/components/schemas/Money'}}}}"

static const struct route_doc measures_doc = {
    .id = "getServiceMeasures", .tag = "cases",
    .params = "[{'name':'by','in':'query','schema':{'type':'string','enum':['team','user'],'default':'team'}},"
              "{'name':'from','in':'query','schema':{'type':'string','format':'date'},'description':'first day cases were opened'},"
              "{'name':'to','in':'query','schema':{'type':'string','format':'date'},'description':'last day cases were opened'}]",
    .response = "{'type':'object','required':['by','from','to','items','total'],'additionalProperties':false,'properties':{"
                "'by':{'type':'string','enum':['team','user']},'from':{'type':'string','format':'date','nullable':true},"
                "'to':{'type':'string','format':'date','nullable':true},"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/ServiceMeasureGroup'}},"
                "'total':{'$ref':'#/components/schemas/ServiceMeasureGroup'}}}",
    .response_name = "ServiceMeasures",
    .schemas = (const char *const[]){"ServiceMeasureGroup", GROUP_SCHEMA, NULL},
};
static const struct route_doc export_doc = {
    .id = "exportServiceMeasures", .tag = "exports", .headers = "Content-Disposition",
    .response_type = "text/csv application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    .params = "[{'name':'by','in':'query','schema':{'type':'string','enum':['team','user'],'default':'team'}},"
              "{'name':'from','in':'query','schema':{'type':'string','format':'date'}},"
              "{'name':'to','in':'query','schema':{'type':'string','format':'date'}},"
              "{'name':'format','in':'query','schema':{'type':'string','enum':['csv','xlsx'],'default':'csv'}}]",
};

static const struct route measure_routes[] = {
    {"GET", "/api/v1/service-measures", 0, "cases", "read", measures,
     "Service measures (CCPR) per team or user: response and resolution times, SLA met, reopens, CSAT, NPS, complaints, remedy cost",
     NULL, &measures_doc},
    {"GET", "/api/v1/exports/service-measures", 0, "cases", "export", measures_export,
     "Export the service measures (format=csv|xlsx)", NULL, &export_doc},
};

void service_measures_register(void) { routes_register(measure_routes, sizeof measure_routes / sizeof measure_routes[0]); }
