/* sales_forecast: GET /api/v1/forecast (issue 18) — per period (month or
 * quarter), overall and, with by=user or by=team, per salesperson or team:
 *  - weighted: the open opportunities expected to close in the period,
 *    amount × probability, per currency and converted at today's rates
 *    (open: the same unweighted);
 *  - run_rate: what existing customers are expected to buy in the period,
 *    from the analytics: expected purchases × expected spend per purchase
 *    (BG/NBD conditional expectation, which already weighs P(alive), and
 *    gamma-gamma spend; score.expected_purchases spans the setting
 *    analytics.expected_weeks), spread evenly over that horizon from
 *    today — so only the part of a period from today on, and null beyond
 *    the horizon rather than a guess; customers belong to their party's
 *    owner and team;
 *  - forecast: weighted + run_rate, converted (null when either is);
 *  - won and transactions: what actually came in during the period (won
 *    opportunities by their close day, transactions by theirs), each
 *    converted at the rate of its own day — the actual to hold the
 *    forecast against for past periods.
 * Opportunities are summed by SQLite per day and currency over the covering
 * index (status, expected_close_on, currency, amount, probability, owner,
 * team) and rolled up into periods here; when SQLite's SUM would overflow
 * (an error, never a wrong number), the rows are summed one by one with
 * the checked money_sum instead. */
#include "api/api.h"
#include "api/sales.h"
#include "domain/fx.h"
#include "db/setting.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PERIODS 36
#define MAX_CELLS 4000   /* groups × periods */

struct period {
    char key[24], starts[24], ends[24];   /* "2027-01" or "2027-Q1", first and last day */
    struct fx_total weighted, open, won, txn, run;
};

struct group {
    int64_t id;
    struct period *p;
};

struct fc {
    struct req *rq;
    bool quarter;
    int base;                 /* year*12 + month-1 of the first period's first month */
    int np;
    char from_day[24], to_day[24];   /* the range: first day, the day after the last */
    char today[11];
    const char *by;           /* NULL, "user" or "team" */
    struct group *groups;
    int ng, capg;
    struct period all[MAX_PERIODS];
    struct verr e;
};

static int month_index(const char *ym)
{
    int y, m;
    if (!ym || sscanf(ym, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12) return -1;
    return y * 12 + m - 1;
}

static int period_of(const struct fc *f, const char *day)
{
    int mi = month_index(day);
    if (mi < 0) return -1;
    int k = (mi - f->base) / (f->quarter ? 3 : 1);
    return mi < f->base || k >= f->np ? -1 : k;
}

static void month_text(int mi, char out[24], int day)
{
    snprintf(out, 24, "%04d-%02d-%02d", mi / 12, mi % 12 + 1, day);
}

static int days_in_month(int mi)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = mi / 12, m = mi % 12;
    return m == 1 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m];
}

static void init_periods(struct fc *f, struct period *p)
{
    int step = f->quarter ? 3 : 1;
    for (int i = 0; i < f->np; i++) {
        memset(&p[i], 0, sizeof p[i]);
        int mi = f->base + i * step;
        if (f->quarter) snprintf(p[i].key, sizeof p[i].key, "%04d-Q%d", mi / 12, mi % 12 / 3 + 1);
        else snprintf(p[i].key, sizeof p[i].key, "%04d-%02d", mi / 12, mi % 12 + 1);
        month_text(mi, p[i].starts, 1);
        month_text(mi + step - 1, p[i].ends, days_in_month(mi + step - 1));
    }
}

static struct period *periods_of(struct fc *f, int64_t gid)
{
    if (!f->by) return f->all;
    for (int i = 0; i < f->ng; i++)
        if (f->groups[i].id == gid) return f->groups[i].p;
    if ((f->ng + 2) * f->np > MAX_CELLS) return NULL;
    if (f->ng == f->capg) {
        f->capg = f->capg ? f->capg * 2 : 16;
        f->groups = realloc(f->groups, (size_t)f->capg * sizeof *f->groups);
    }
    struct group *g = &f->groups[f->ng++];
    g->id = gid;
    g->p = malloc((size_t)f->np * sizeof *g->p);
    init_periods(f, g->p);
    return g->p;
}

/* The party-side filters (transactions and run-rate): the customers of
 * owner_id / team_id, of a tier, within the caller's party read scope. */
static int party_filter(struct fc *f, struct sales_filter *pf)
{
    memset(pf, 0, sizeof *pf);
    sb_init(&pf->where, 0);
    const char *o = req_query(f->rq, "owner_id"), *t = req_query(f->rq, "team_id"), *tier = req_query(f->rq, "tier");
    if (o) { sb_puts(&pf->where, " AND p.owner_id = ?"); pf->v[pf->n].text = false; pf->v[pf->n++].i = strtoll(o, NULL, 10); }
    if (t) { sb_puts(&pf->where, " AND p.team_id = ?"); pf->v[pf->n].text = false; pf->v[pf->n++].i = strtoll(t, NULL, 10); }
    if (tier) { sb_puts(&pf->where, " AND p.id IN (SELECT party_id FROM score WHERE tier = ?)"); pf->v[pf->n].text = true; pf->v[pf->n++].t = tier; }
    struct authz_binds b;
    const char *pred = authz_party_predicate(authz_scope(&f->rq->user, "parties", "read"), "party_id", &f->rq->user, &b);
    if (pred) {
        sb_puts(&pf->where, " AND ");
        sb_puts(&pf->where, pred);
        for (int i = 0; i < b.n && pf->n < 24; i++) { pf->v[pf->n].text = false; pf->v[pf->n++].i = b.v[i]; }
    }
    return 0;
}

enum measure { M_OPEN, M_WON, M_TXN };

/* One grouped query: rows of (group, day, currency, sum, weighted sum,
 * count) added into the periods. exact: the rows one by one. */
static int gather(struct fc *f, struct fx *fx, enum measure m, const struct sales_filter *flt, bool exact)
{
    static const char *const group_col[3][3] = {
        /* none, user, team */
        {"0", "t.owner_id", "t.team_id"},
        {"0", "t.owner_id", "t.team_id"},
        {"0", "p.owner_id", "p.team_id"},
    };
    int gi = !f->by ? 0 : !strcmp(f->by, "user") ? 1 : 2;
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT ");
    sb_puts(&sql, group_col[m][gi]);
    if (m == M_OPEN) {
        sb_puts(&sql, exact ? ", t.expected_close_on, t.amount_currency, t.amount_amount, t.amount_amount * COALESCE(t.probability, 0), 1"
                            : ", t.expected_close_on, t.amount_currency, SUM(t.amount_amount), SUM(t.amount_amount * COALESCE(t.probability, 0)), COUNT(*)");
        sb_puts(&sql, " FROM opportunity t WHERE t.status = 'open' AND t.expected_close_on >= ? AND t.expected_close_on < ?"
                      " AND t.amount_currency IS NOT NULL");
    } else if (m == M_WON) {
        sb_puts(&sql, exact ? ", substr(t.closed_at, 1, 10), t.amount_currency, t.amount_amount, 0, 1"
                            : ", substr(t.closed_at, 1, 10), t.amount_currency, SUM(t.amount_amount), 0, COUNT(*)");
        sb_puts(&sql, " FROM opportunity t WHERE t.status = 'won' AND t.closed_at >= ? AND t.closed_at < ? AND t.amount_currency IS NOT NULL");
    } else {
        sb_puts(&sql, exact ? ", substr(t.occurred_at, 1, 10), t.currency, t.amount, 0, 1" : ", substr(t.occurred_at, 1, 10), t.currency, SUM(t.amount), 0, COUNT(*)");
        sb_puts(&sql, " FROM txn t JOIN party p ON p.id = t.party_id WHERE p.deleted_at IS NULL AND t.occurred_at >= ? AND t.occurred_at < ?");
    }
    sb_puts(&sql, flt->where.data ? flt->where.data : "");
    if (!exact) sb_puts(&sql, gi ? " GROUP BY 1, 2, 3" : " GROUP BY 2, 3");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    if (!s) return -1;
    db_bind_text(s, 1, f->from_day);
    db_bind_text(s, 2, f->to_day);
    sales_filter_bind(flt, s, 3);
    int r;
    while ((r = db_step(s)) == DB_ROW) {
        int k = period_of(f, db_column_text(s, 1));
        if (k < 0) continue;
        int64_t gid = db_column_type(s, 0) == DB_NULL ? 0 : db_column_int64(s, 0);
        struct period *p = periods_of(f, gid);
        if (!p) { db_done(s); verr_set(&f->e, 400, "invalid_parameter", "by", "too many groups for this range: filter or shorten it"); return -2; }
        const char *cur = db_column_text(s, 2), *day = db_column_text(s, 1);
        int64_t sum = db_column_int64(s, 3), n = db_column_int64(s, 5);
        if (m == M_OPEN) {
            fx_total_add(&p[k].open, cur, sum, n);
            /* amount × percent, rounded to a minor unit half away from zero */
            int64_t w = db_column_int64(s, 4);
            fx_total_add(&p[k].weighted, cur, w >= 0 ? (w + 50) / 100 : -((-w + 50) / 100), n);
        } else {
            fx_total_add_at(m == M_WON ? &p[k].won : &p[k].txn, fx, cur, sum, n, day);
        }
    }
    db_done(s);
    return r == DB_DONE ? 0 : 1;
}

static void reset_measure(struct period *p, int np, enum measure m)
{
    for (int i = 0; i < np; i++) {
        if (m == M_OPEN) { memset(&p[i].open, 0, sizeof p[i].open); memset(&p[i].weighted, 0, sizeof p[i].weighted); }
        else if (m == M_WON) memset(&p[i].won, 0, sizeof p[i].won);
        else memset(&p[i].txn, 0, sizeof p[i].txn);
    }
}

static int gather_exactly(struct fc *f, struct fx *fx, enum measure m, const struct sales_filter *flt)
{
    int r = gather(f, fx, m, flt, false);
    if (r != 1) return r;
    reset_measure(f->all, f->np, m);
    for (int i = 0; i < f->ng; i++) reset_measure(f->groups[i].p, f->np, m);
    return gather(f, fx, m, flt, true);
}

static double setting_num(const char *key, double dflt)
{
    char text[64];
    setting_get(db_reader(), key, text, sizeof text);
    double v = text[0] ? strtod(text, NULL) : dflt;
    return v > 0 ? v : dflt;
}

/* The run-rate: each group's expected spend over the analytics horizon,
 * spread evenly over its days from today. */
static int gather_run_rate(struct fc *f, const struct sales_filter *pf)
{
    int gi = !f->by ? 0 : !strcmp(f->by, "user") ? 1 : 2;
    static const char *const cols[] = {"0", "p.owner_id", "p.team_id"};
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT ");
    sb_puts(&sql, cols[gi]);
    sb_puts(&sql, ", SUM(t.expected_purchases * t.expected_spend), COUNT(*) FROM score t JOIN party p ON p.id = t.party_id"
                  " WHERE p.deleted_at IS NULL AND t.expected_purchases IS NOT NULL AND t.expected_spend IS NOT NULL");
    sb_puts(&sql, pf->where.data ? pf->where.data : "");
    sb_puts(&sql, " GROUP BY 1");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    if (!s) return -1;
    sales_filter_bind(pf, s, 1);
    char cur[8];
    setting_get(db_reader(), "analytics.currency", cur, sizeof cur);
    if (!cur[0]) snprintf(cur, sizeof cur, "CNY");
    cur[3] = '\0';
    double horizon = setting_num("analytics.expected_weeks", 52) * 7;
    time_t now = time(NULL);
    int r;
    while ((r = db_step(s)) == DB_ROW) {
        int64_t gid = db_column_type(s, 0) == DB_NULL ? 0 : db_column_int64(s, 0);
        double total = db_column_double(s, 1);
        int64_t n = db_column_int64(s, 2);
        struct period *p = periods_of(f, gid);
        if (!p) { db_done(s); verr_set(&f->e, 400, "invalid_parameter", "by", "too many groups for this range: filter or shorten it"); return -2; }
        for (int k = 0; k < f->np; k++) {
            /* Days of the period from today on, within the horizon. */
            struct tm a = {0}, b = {0};
            sscanf(p[k].starts, "%4d-%2d-%2d", &a.tm_year, &a.tm_mon, &a.tm_mday);
            sscanf(p[k].ends, "%4d-%2d-%2d", &b.tm_year, &b.tm_mon, &b.tm_mday);
            a.tm_year -= 1900; a.tm_mon -= 1; b.tm_year -= 1900; b.tm_mon -= 1;
            double start = (double)timegm(&a), end = (double)timegm(&b) + 86400;
            double from = start > (double)now ? start : (double)now, horizon_end = (double)now + horizon * 86400;
            if (end <= from || end > horizon_end + 86400) continue;   /* past, or beyond the horizon: none said */
            double share = (end - from) / 86400 / horizon;
            bool sat = false;
            int64_t v = money_from_double(total * share, &sat);
            fx_total_add(&p[k].run, cur, v, n);
        }
    }
    db_done(s);
    return r == DB_DONE ? 0 : -1;
}

static bool beyond_horizon(const struct period *p, double horizon_days)
{
    struct tm b = {0};
    sscanf(p->ends, "%4d-%2d-%2d", &b.tm_year, &b.tm_mon, &b.tm_mday);
    b.tm_year -= 1900; b.tm_mon -= 1;
    return (double)timegm(&b) > (double)time(NULL) + horizon_days * 86400;
}

/* weighted + run (run NULL: the weighted pipeline alone), converted; null
 * when either is not known in full. */
static json_t *forecast_sum(const struct fx_total *w, const struct fx_total *run, const char *cur)
{
    bool s1 = false, s2 = false;
    int64_t x = money_sum_value(&w->conv, &s1), y = run ? money_sum_value(&run->conv, &s2) : 0, z = 0;
    bool known = !s1 && !s2 && !w->nmissing && !w->overflow && !w->too_many &&
                 (!run || (!run->nmissing && !run->overflow && !run->too_many)) && money_add(x, y, &z);
    return json_pack("{s:s, s:o}", "currency", cur, "amount", known ? json_integer(z) : json_null());
}

static json_t *periods_json(struct fc *f, struct fx *fx, struct period *p, double horizon)
{
    json_t *arr = json_array();
    for (int k = 0; k < f->np; k++) {
        fx_total_convert_at(&p[k].open, fx, f->today);
        fx_total_convert_at(&p[k].weighted, fx, f->today);
        fx_total_convert_at(&p[k].run, fx, f->today);
        bool future = strcmp(p[k].starts, f->today) > 0, past = strcmp(p[k].ends, f->today) < 0;
        bool unknown_run = past || beyond_horizon(&p[k], horizon);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "period", p[k].key, "starts_on",
                                             p[k].starts, "ends_on", p[k].ends, "weighted", fx_total_json(&p[k].weighted, fx),
                                             "open", fx_total_json(&p[k].open, fx),
                                             "run_rate", unknown_run ? json_null() : fx_total_json(&p[k].run, fx),
                                             "forecast", forecast_sum(&p[k].weighted, unknown_run ? NULL : &p[k].run, fx->to),
                                             "won", future ? json_null() : fx_total_json(&p[k].won, fx),
                                             "transactions", future ? json_null() : fx_total_json(&p[k].txn, fx)));
    }
    return arr;
}

static void forecast(struct req *rq, struct resp *rs)
{
    struct fc *f = calloc(1, sizeof *f);
    f->rq = rq;
    struct sales_filter flt = {0}, pf = {0};
    sb_init(&flt.where, 0);
    sb_init(&pf.where, 0);
    const char *period = req_query(rq, "period"), *from = req_query(rq, "from"), *to = req_query(rq, "to");
    f->by = req_query(rq, "by");
    sales_today(f->today);
    if (period && strcmp(period, "month") && strcmp(period, "quarter")) {
        verr_set(&f->e, 400, "invalid_parameter", "period", "period is month or quarter");
        goto fail;
    }
    if (f->by && strcmp(f->by, "user") && strcmp(f->by, "team")) {
        verr_set(&f->e, 400, "invalid_parameter", "by", "by is user or team");
        goto fail;
    }
    f->quarter = period && !strcmp(period, "quarter");
    int now_mi = month_index(f->today);
    int a = from ? month_index(from) : now_mi - 6, b = to ? month_index(to) : now_mi + 6;
    if (a < 0 || (from && strlen(from) != 7)) { verr_set(&f->e, 400, "invalid_parameter", "from", "from is a month YYYY-MM"); goto fail; }
    if (b < 0 || (to && strlen(to) != 7)) { verr_set(&f->e, 400, "invalid_parameter", "to", "to is a month YYYY-MM"); goto fail; }
    if (f->quarter) { a -= a % 3; b += 2 - b % 3; }
    int step = f->quarter ? 3 : 1;
    f->np = (b - a) / step + 1;
    if (b < a || f->np > MAX_PERIODS) {
        verr_set(&f->e, 400, "invalid_parameter", "to", "to is on or after from, at most %d periods on", MAX_PERIODS);
        goto fail;
    }
    f->base = a;
    month_text(a, f->from_day, 1);
    month_text(b + 1, f->to_day, 1);
    init_periods(f, f->all);
    if (sales_filter_build(&flt, rq, &f->e) || party_filter(f, &pf)) goto fail;
    char company[4];
    fx_company_currency(db_reader(), company);
    struct fx *fx = malloc(sizeof *fx);
    fx_init(fx, db_reader(), company);
    int r = 0;
    if (!r) r = gather_exactly(f, fx, M_OPEN, &flt);
    if (!r) r = gather_exactly(f, fx, M_WON, &flt);
    if (!r) r = gather_exactly(f, fx, M_TXN, &pf);
    if (!r) r = gather_run_rate(f, &pf);
    if (r) {
        free(fx);
        if (r != -2) verr_set(&f->e, 500, "internal", NULL, "forecast query failed");
        goto fail;
    }
    double horizon = setting_num("analytics.expected_weeks", 52) * 7;
    json_t *groups = json_null();
    if (f->by) {
        groups = json_array();
        for (int i = 0; i < f->ng; i++) {
            for (int k = 0; k < f->np; k++) {
                struct period *g = &f->groups[i].p[k], *o = &f->all[k];
                fx_total_merge(&o->open, &g->open);
                fx_total_merge(&o->weighted, &g->weighted);
                fx_total_merge(&o->won, &g->won);
                fx_total_merge(&o->txn, &g->txn);
                fx_total_merge(&o->run, &g->run);
            }
            json_array_append_new(groups, json_pack("{s:o, s:o}", "id", f->groups[i].id ? json_integer(f->groups[i].id) : json_null(),
                                                    "periods", periods_json(f, fx, f->groups[i].p, horizon)));
        }
    }
    json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "period", f->quarter ? "quarter" : "month", "currency", company,
                            "rates_on", f->today, "by", f->by ? json_string(f->by) : json_null(),
                            "periods", periods_json(f, fx, f->all, horizon), "groups", groups);
    free(fx);
    for (int i = 0; i < f->ng; i++) free(f->groups[i].p);
    free(f->groups);
    free(f);
    sales_filter_free(&flt);
    sales_filter_free(&pf);
    resp_json(rs, 200, out);
    return;
fail:
    resp_verr(rs, &f->e);
    for (int i = 0; i < f->ng; i++) free(f->groups[i].p);
    free(f->groups);
    free(f);
    sales_filter_free(&flt);
    sales_filter_free(&pf);
}

#define TOTALS_REF "{'$ref':'#/components/schemas/MoneyTotals'}"
#define TOTALS_OR_NULL FX_TOTAL_SCHEMA_OR_NULL
#define PERIODS_SCHEMA                                                                                                         \
    "{'type':'array','items':{'type':'object','required':['period','starts_on','ends_on','weighted','open','run_rate','forecast','won','transactions'],"      \
    "'additionalProperties':false,'properties':{'period':{'type':'string','description':'2027-01 or 2027-Q1'},"                \
    "'starts_on':{'type':'string','format':'date'},'ends_on':{'type':'string','format':'date'},"                               \
    "'weighted':" TOTALS_REF ",'open':" TOTALS_REF ","                                                                         \
    "'run_rate':" FX_TOTAL_SCHEMA_OR_NULL "," \
    "'forecast':{'type':'object','required':['currency','amount'],'additionalProperties':false,'properties':{'currency':{'type':'string'},"        \
    "'amount':{'type':'integer','format':'int64','nullable':true,'description':'weighted + run_rate converted; null when a rate is missing'}}}," \
    "'won':" TOTALS_OR_NULL ",'transactions':" TOTALS_OR_NULL "}}}"

static const char *const forecast_schemas[] = {"MoneyTotals", FX_TOTAL_SCHEMA, NULL};

static const struct route_doc forecast_doc = {
    .id = "getForecast", .tag = "opportunities", .response_name = "Forecast", .schemas = forecast_schemas,
    .params = "[{'name':'period','in':'query','schema':{'type':'string','enum':['month','quarter'],'default':'month'}},"
              "{'name':'from','in':'query','schema':{'type':'string','pattern':'^[0-9]{4}-[0-9]{2}$'},'description':'first month (default: 6 months ago)'},"
              "{'name':'to','in':'query','schema':{'type':'string','pattern':'^[0-9]{4}-[0-9]{2}$'},'description':'last month (default: 6 months on)'},"
              "{'name':'by','in':'query','schema':{'type':'string','enum':['user','team']},'description':'also per salesperson or team'},"
              SALES_FILTER_PARAMS "]",
    .response = "{'type':'object','required':['period','currency','rates_on','by','periods','groups'],'additionalProperties':false,'properties':{"
                "'period':{'type':'string','enum':['month','quarter']},'currency':{'type':'string'},'rates_on':{'type':'string','format':'date'},"
                "'by':{'type':'string','enum':['user','team',null],'nullable':true},'periods':" PERIODS_SCHEMA ","
                "'groups':{'type':'array','nullable':true,'items':{'type':'object','required':['id','periods'],'additionalProperties':false,"
                "'properties':{'id':{'type':'integer','nullable':true,'description':'the user or team; null: none'},'periods':" PERIODS_SCHEMA "}}}}}",
};

static const struct route forecast_routes[] = {
    {"GET", "/api/v1/forecast", 0, "opportunities", "read", forecast,
     "Sales forecast per month or quarter: weighted pipeline + run-rate of existing customers, against won and transactions", NULL,
     &forecast_doc},
};

void sales_forecast_register(void)
{
    routes_register(forecast_routes, sizeof forecast_routes / sizeof forecast_routes[0]);
}
