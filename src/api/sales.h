/* sales: the sales endpoints of issue 18 beyond the record types' CRUD —
 * the deal board and the company currency (sales.c), the forecast
 * (sales_forecast.c) and the sales reports (sales_reports.c). Shared here:
 * the filters they take the same way. */
#ifndef RAPPORT_SALES_H
#define RAPPORT_SALES_H
#include "api/resource.h"
#include "http/authz.h"
#include "http/http.h"
#include "lib/strbuf.h"

/* The opportunity filters of a sales request — owner_id, team_id, tier,
 * close_from, close_to — and the caller's read scope, compiled to " AND …"
 * fragments over alias t with their values. */
struct sales_filter {
    strbuf where;
    int n;
    struct { bool text; int64_t i; const char *t; } v[24];
};
/* 0, or -1 with e (400 naming the parameter). Call sales_filter_free
 * either way. */
int sales_filter_build(struct sales_filter *f, struct req *rq, struct verr *e);
int sales_filter_bind(const struct sales_filter *f, db_stmt *s, int first);
void sales_filter_free(struct sales_filter *f);
/* The OpenAPI parameters of those filters (constant text). */
#define SALES_FILTER_PARAMS                                                                                       \
    "{'name':'owner_id','in':'query','schema':{'type':'integer'},'description':'one salesperson'},"                 \
    "{'name':'team_id','in':'query','schema':{'type':'integer'}},"                                                  \
    "{'name':'tier','in':'query','schema':{'type':'string','maxLength':40},'description':'the customer value tier'}," \
    "{'name':'close_from','in':'query','schema':{'type':'string','format':'date'},'description':'expected close on or after'}," \
    "{'name':'close_to','in':'query','schema':{'type':'string','format':'date'},'description':'expected close on or before'}"
/* Today (UTC) as YYYY-MM-DD. */
void sales_today(char out[11]);
void sales_forecast_register(void);
void sales_reports_register(void);
/* sales_report_pdf.c: answers the report (the rows and activities of
 * GET /reports/sales, grouped by by, over [from, to] in currency, and the
 * rates its conversions used, fx_rates_json) as a PDF;
 * on failure sets e (503) and leaves rs alone. */
void sales_report_pdf(struct resp *rs, const char *by, const char *from, const char *to, const char *currency, const json_t *rows,
                      const json_t *rates,
                      const json_t *acts, struct verr *e);
#endif
