/* sales: the deal board and the company currency (see sales.h).
 *
 * GET /api/v1/pipelines/{id}/board — the open opportunities of a pipeline
 * that the caller may read, one column per stage in the pipeline's order:
 * the count and the totals (per currency and converted to the company
 * currency at today's rates), and one page of cards (in id order; `stage`
 * and `after` page one column further). A card is rotting when neither a
 * stage move nor an interaction with its customer happened within its
 * stage's rotting limit. Counts and totals come from one grouped query over
 * the index (owner_id, pipeline_id, status, stage, currency, amount) or
 * (pipeline_id, status, stage, owner_id); the cards from one keyset query
 * per column. */
#include "api/sales.h"
#include "api/api.h"
#include "db/writer.h"
#include "domain/fx.h"
#include "domain/pipeline.h"
#include "lib/textcheck.h"
#include "records/registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sales_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---- filters ---- */

static int add_int(struct sales_filter *f, const char *frag, int64_t v)
{
    if (f->n == 24) return -1;
    sb_puts(&f->where, frag);
    f->v[f->n].text = false;
    f->v[f->n++].i = v;
    return 0;
}

static int add_text(struct sales_filter *f, const char *frag, const char *v)
{
    if (f->n == 24) return -1;
    sb_puts(&f->where, frag);
    f->v[f->n].text = true;
    f->v[f->n++].t = v;
    return 0;
}

static bool date_ok(const char *s)
{
    int y, m, d;
    char extra;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int sales_filter_build(struct sales_filter *f, struct req *rq, struct verr *e)
{
    memset(f, 0, sizeof *f);
    sb_init(&f->where, 0);
    static const char *const ints[][2] = {{"owner_id", " AND t.owner_id = ?"}, {"team_id", " AND t.team_id = ?"}};
    for (size_t i = 0; i < 2; i++) {
        const char *v = req_query(rq, ints[i][0]);
        if (!v) continue;
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || n < 1) { verr_set(e, 400, "invalid_parameter", ints[i][0], "%s must be a positive integer", ints[i][0]); return -1; }
        add_int(f, ints[i][1], n);
    }
    const char *tier = req_query(rq, "tier");
    if (tier) {
        if (authz_field(&rq->user, "parties", "tier") == FA_HIDDEN) {
            verr_set(e, 400, "forbidden_field", "tier", "you may not filter by tier");
            return -1;
        }
        if (strlen(tier) > 40) { verr_set(e, 400, "invalid_parameter", "tier", "tier is at most 40 characters"); return -1; }
        add_text(f, " AND t.party_id IN (SELECT party_id FROM score WHERE tier = ?)", tier);
    }
    static const char *const dates[][2] = {{"close_from", " AND t.expected_close_on >= ?"}, {"close_to", " AND t.expected_close_on <= ?"}};
    for (size_t i = 0; i < 2; i++) {
        const char *v = req_query(rq, dates[i][0]);
        if (!v) continue;
        if (!date_ok(v)) { verr_set(e, 400, "invalid_parameter", dates[i][0], "%s must be a date YYYY-MM-DD", dates[i][0]); return -1; }
        add_text(f, dates[i][1], v);
    }
    /* The caller's read scope over opportunities. */
    const struct rtype *t = registry_by_type("opportunity");
    struct authz_binds b;
    /* Narrowed to one owner, the owner's index finds the rows and the
     * scope's OR is tested on those only; otherwise the scope as an id set
     * narrows first (a salesperson's whole view). */
    char *owned = NULL;
    enum scope sc = authz_scope(&rq->user, "opportunities", "read");
    const char *pred = req_query(rq, "owner_id") ? authz_type_predicate(t, sc, &rq->user, &b)
                                                 : authz_type_id_predicate(t, sc, &rq->user, &b, &owned);
    if (pred) {
        sb_puts(&f->where, " AND ");
        sb_puts(&f->where, pred);
        free(owned);
        for (int i = 0; i < b.n; i++) {
            if (f->n == 24) { verr_set(e, 500, "internal", NULL, "too many scope values"); return -1; }
            f->v[f->n].text = false;
            f->v[f->n++].i = b.v[i];
        }
    }
    return 0;
}

int sales_filter_bind(const struct sales_filter *f, db_stmt *s, int first)
{
    for (int i = 0; i < f->n; i++, first++) {
        if (f->v[i].text) db_bind_text(s, first, f->v[i].t);
        else db_bind_int64(s, first, f->v[i].i);
    }
    return first;
}

void sales_filter_free(struct sales_filter *f) { sb_free(&f->where); }

/* ---- the board ---- */

/* A stage's column while it is built. */
struct column {
    const json_t *stage;
    struct fx_total total;
    int64_t count;
};

static struct column *column_of(struct column *cols, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(json_string_value(json_object_get(cols[i].stage, "key")), key)) return &cols[i];
    return NULL;
}

/* Counts and totals per stage and currency. SQLite's SUM refuses to
 * overflow (an error, never a wrong number); then the rows are summed one
 * by one with the checked money_sum instead. */
static int board_totals(db *c, int64_t pid, const struct sales_filter *f, struct column *cols, size_t ncols, bool exact)
{
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, exact ? "SELECT t.stage, t.amount_currency, 1, t.amount_amount" : "SELECT t.stage, t.amount_currency, COUNT(*), SUM(t.amount_amount)");
    sb_puts(&sql, " FROM opportunity t WHERE t.pipeline_id = ? AND t.status = 'open'");
    sb_puts(&sql, f->where.data ? f->where.data : "");
    if (!exact) sb_puts(&sql, " GROUP BY t.stage, t.amount_currency");
    db_stmt *s = db_prepare_once(c, sb_str(&sql));
    sb_free(&sql);
    if (!s) return -1;
    db_bind_int64(s, 1, pid);
    sales_filter_bind(f, s, 2);
    int r;
    while ((r = db_step(s)) == DB_ROW) {
        struct column *col = column_of(cols, ncols, db_column_text(s, 0) ? db_column_text(s, 0) : "");
        if (!col) continue;
        int64_t n = db_column_int64(s, 2);
        col->count += n;
        if (db_column_type(s, 1) == DB_NULL) continue;   /* no amount yet: counted, not summed */
        fx_total_add(&col->total, db_column_text(s, 1), db_column_int64(s, 3), n);
    }
    db_done(s);
    return r == DB_DONE ? 0 : 1;
}

/* "now minus days" as ISO text, to compare with stored times. */
static void days_ago(int days, char out[21])
{
    time_t t = time(NULL) - (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A card names its customer only to a user who may read that party: one
 * query over the page's parties with the party read predicate. */
static void hide_party_names(db *c, struct req *rq, enum scope pscope, json_t *cards)
{
    size_t n = json_array_size(cards), i;
    if (!n) return;
    struct authz_binds b;
    const char *pred = authz_party_predicate(pscope, NULL, &rq->user, &b);
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT t.id FROM party t WHERE t.deleted_at IS NULL AND t.id IN (");
    for (i = 0; i < n; i++) sb_puts(&sql, i ? ", ?" : "?");
    sb_puts(&sql, ")");
    if (pred) { sb_puts(&sql, " AND "); sb_puts(&sql, pred); }
    db_stmt *s = db_prepare_once(c, sb_str(&sql));
    sb_free(&sql);
    json_t *seen = json_object(), *card;
    if (s) {
        json_array_foreach(cards, i, card) db_bind_int64(s, (int)i + 1, json_integer_value(json_object_get(card, "party_id")));
        for (int k = 0; k < b.n; k++) db_bind_int64(s, (int)n + 1 + k, b.v[k]);
        while (db_step(s) == DB_ROW) json_object_set_new(seen, db_column_text(s, 0), json_true());
        db_done(s);
    }
    json_array_foreach(cards, i, card) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(card, "party_id")));
        if (!json_object_get(seen, key)) json_object_set_new(card, "party_name", json_null());
    }
    json_decref(seen);
}

static json_t *board_cards(db *c, struct req *rq, int64_t pid, const struct sales_filter *f, const json_t *stage, int64_t after,
                           long limit, bool amount_visible, json_t **next)
{
    strbuf sql;
    sb_init(&sql, 0);
    sb_puts(&sql, "SELECT t.id, t.name, t.party_id, t.amount_amount, t.amount_currency, t.expected_close_on, t.probability,"
                  " t.owner_id, t.team_id, t.stage_entered_at,"
                  " (SELECT MAX(i.occurred_at) FROM interaction i WHERE i.party_id = t.party_id AND i.occurred_at IS NOT NULL),"
                  " p.name FROM opportunity t LEFT JOIN party p ON p.id = t.party_id"
                  " WHERE t.pipeline_id = ? AND t.status = 'open' AND t.stage = ? AND t.id > ?");
    sb_puts(&sql, f->where.data ? f->where.data : "");
    sb_puts(&sql, " ORDER BY t.id LIMIT ?");
    db_stmt *s = db_prepare_once(c, sb_str(&sql));
    sb_free(&sql);
    json_t *cards = json_array();
    *next = json_null();
    if (!s) return cards;
    int idx = 1;
    db_bind_int64(s, idx++, pid);
    db_bind_text(s, idx++, json_string_value(json_object_get(stage, "key")));
    db_bind_int64(s, idx++, after);
    idx = sales_filter_bind(f, s, idx);
    db_bind_int64(s, idx, limit + 1);
    int rot = pipeline_stage_rotting_days(stage);
    char cutoff[21] = "";
    if (rot > 0) days_ago(rot, cutoff);
    enum scope pscope = authz_scope(&rq->user, "parties", "read");
    long n = 0;
    int64_t last = 0;
    while (db_step(s) == DB_ROW) {
        if (n++ == limit) {
            char cur[24];
            snprintf(cur, sizeof cur, "%lld", (long long)last);
            json_decref(*next);
            *next = json_string(cur);
            break;
        }
        last = db_column_int64(s, 0);
        const char *entered = db_column_text(s, 9), *touched = db_column_text(s, 10);
        const char *activity = entered;
        if (touched && (!activity || strcmp(touched, activity) > 0)) activity = touched;
        bool rotting = rot > 0 && activity && strcmp(activity, cutoff) < 0;
        int64_t party = db_column_int64(s, 2);
        json_t *amount = json_null();
        if (amount_visible && db_column_type(s, 3) != DB_NULL)
            amount = json_pack("{s:I, s:s}", "amount", (json_int_t)db_column_int64(s, 3), "currency", db_column_text(s, 4));
        json_array_append_new(cards, json_pack(
            "{s:I, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
            "id", (json_int_t)last, "name", db_column_text(s, 1), "party_id", (json_int_t)party,
            "party_name", db_column_text(s, 11) ? json_string(db_column_text(s, 11)) : json_null(),
            "amount", amount,
            "expected_close_on", db_column_text(s, 5) ? json_string(db_column_text(s, 5)) : json_null(),
            "probability", db_column_type(s, 6) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 6)),
            "owner_id", db_column_type(s, 7) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 7)),
            "team_id", db_column_type(s, 8) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 8)),
            "stage_entered_at", entered ? json_string(entered) : json_null(),
            "last_activity_at", activity ? json_string(activity) : json_null(), "rotting", rotting));
    }
    db_done(s);
    if (pscope != SCOPE_ALL) hide_party_names(c, rq, pscope, cards);
    return cards;
}

static void board(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t pid = rq->path_ids[0];
    json_t *stages = pipeline_stages(c, pid);
    if (!stages) { resp_error(rs, 404, "not_found", "id", "no pipeline with id %lld", (long long)pid); return; }
    struct verr e = {0};
    struct sales_filter f;
    long limit = 20;
    int64_t after = 0;
    const char *ls = req_query(rq, "limit"), *only = req_query(rq, "stage"), *as = req_query(rq, "after");
    char *end;
    json_t *out = NULL;
    struct column *cols = NULL;
    if (sales_filter_build(&f, rq, &e)) goto fail;
    if (ls && ((limit = strtol(ls, &end, 10)) < 0 || limit > 200 || *end || !*ls)) {
        verr_set(&e, 400, "invalid_parameter", "limit", "limit must be an integer from 0 to 200 (cards per column)");
        goto fail;
    }
    if (only && !pipeline_stage(stages, only)) {
        verr_set(&e, 400, "invalid_parameter", "stage", "%s is not a stage of pipeline %lld", only, (long long)pid);
        goto fail;
    }
    if (as && (!only || (after = strtoll(as, &end, 10)) < 0 || *end || !*as)) {
        verr_set(&e, 400, "invalid_parameter", "after", "after is the next of a column, given with its stage");
        goto fail;
    }
    size_t ncols = json_array_size(stages);
    cols = calloc(ncols ? ncols : 1, sizeof *cols);
    for (size_t i = 0; i < ncols; i++) cols[i].stage = json_array_get(stages, i);
    int r = board_totals(c, pid, &f, cols, ncols, false);
    if (r == 1) {
        for (size_t i = 0; i < ncols; i++) { memset(&cols[i].total, 0, sizeof cols[i].total); cols[i].count = 0; }
        r = board_totals(c, pid, &f, cols, ncols, true);
    }
    if (r) { verr_set(&e, 500, "internal", NULL, "board query failed"); goto fail; }
    char company[4], today[11];
    fx_company_currency(c, company);
    sales_today(today);
    struct fx fx;
    fx_init(&fx, c, company);
    bool amount_visible = authz_field(&rq->user, "opportunities", "amount") != FA_HIDDEN;
    struct fx_total all = {0};
    json_t *columns = json_array();
    for (size_t i = 0; i < ncols; i++) {
        struct column *col = &cols[i];
        const json_t *st = col->stage;
        fx_total_convert_at(&col->total, &fx, today);
        for (int k = 0; k < col->total.n; k++) {
            bool sat = false;
            fx_total_add(&all, col->total.cur[k], money_sum_value(&col->total.sum[k], &sat), col->total.count[k]);
        }
        const char *key = json_string_value(json_object_get(st, "key"));
        json_t *next = json_null(), *cards;
        if ((only && strcmp(only, key)) || limit == 0) cards = json_array();   /* limit=0: counts and totals only */
        else cards = board_cards(c, rq, pid, &f, st, only ? after : 0, limit, amount_visible, &next);
        json_t *o = json_pack("{s:s, s:O, s:O, s:i, s:i, s:I, s:o, s:o, s:o}", "key", key,
                              "name_en", json_object_get(st, "name_en") ? json_object_get(st, "name_en") : json_null(),
                              "name_zh", json_object_get(st, "name_zh") ? json_object_get(st, "name_zh") : json_null(),
                              "probability", pipeline_stage_probability(st), "rotting_days", pipeline_stage_rotting_days(st),
                              "count", (json_int_t)col->count,
                              "totals", amount_visible ? fx_total_json(&col->total, &fx) : json_null(), "cards", cards, "next", next);
        json_array_append_new(columns, o);
    }
    fx_total_convert_at(&all, &fx, today);
    out = json_pack("{s:I, s:s, s:s, s:o, s:o}", "pipeline_id", (json_int_t)pid, "currency", company, "rates_on", today,
                    "totals", amount_visible ? fx_total_json(&all, &fx) : json_null(), "columns", columns);
    sales_filter_free(&f);
    free(cols);
    json_decref(stages);
    resp_json(rs, 200, out);
    return;
fail:
    sales_filter_free(&f);
    free(cols);
    json_decref(stages);
    resp_verr(rs, &e);
}

/* ---- GET /api/v1/opportunities/{id}/stages ---- */

static time_t parse_utc(const char *s)
{
    struct tm tm = {0};
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* Every stretch in a stage, oldest first, with its length in seconds (the
 * open one up to now). */
static void opportunity_stages(struct req *rq, struct resp *rs)
{
    const struct rtype *t = registry_by_type("opportunity");
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "opportunities", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no opportunity with id %lld", (long long)id);
        return;
    }
    db_stmt *s = db_prepare(c, "SELECT stage, status, entered_at, left_at FROM opportunity_stage WHERE opportunity_id = ? ORDER BY id");
    if (!s) { resp_error(rs, 500, "internal", NULL, "query failed"); return; }
    db_bind_int64(s, 1, id);
    json_t *items = json_array();
    time_t now = time(NULL);
    while (db_step(s) == DB_ROW) {
        const char *in = db_column_text(s, 2), *out = db_column_text(s, 3);
        time_t a = parse_utc(in), b = out ? parse_utc(out) : now;
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:o, s:I}", "stage", db_column_text(s, 0), "status",
                                               db_column_text(s, 1), "entered_at", in, "left_at",
                                               out ? json_string(out) : json_null(), "seconds", (json_int_t)(b > a ? b - a : 0)));
    }
    db_done(s);
    resp_json(rs, 200, json_pack("{s:I, s:o}", "opportunity_id", (json_int_t)id, "items", items));
}

static const struct route_doc stages_doc = {
    .id = "getOpportunityStages", .tag = "opportunities", .response_name = "OpportunityStages",
    .response = "{'type':'object','required':['opportunity_id','items'],'additionalProperties':false,'properties':{"
                "'opportunity_id':{'type':'integer'},"
                "'items':{'type':'array','items':{'type':'object','required':['stage','status','entered_at','left_at','seconds'],"
                "'additionalProperties':false,'properties':{'stage':{'type':'string'},'status':{'type':'string','enum':['open','won','lost']},"
                "'entered_at':{'type':'string','format':'date-time'},'left_at':{'type':'string','format':'date-time','nullable':true},"
                "'seconds':{'type':'integer','minimum':0,'description':'time in the stage (the current one: up to now)'}}}}}}",
};

/* ---- the company currency ---- */

static void currency_get(struct req *rq, struct resp *rs)
{
    (void)rq;
    char cur[4];
    fx_company_currency(db_reader(), cur);
    resp_json(rs, 200, json_pack("{s:s}", "currency", cur));
}

static int put_currency(db *w, void *arg) { return fx_set_company_currency(w, arg) ? 1 : 0; }

static void currency_put(struct req *rq, struct resp *rs)
{
    json_t *v = json_object_get(rq->json, "currency");
    if (!json_is_string(v) || !currency_valid(json_string_value(v))) {
        resp_error(rs, 422, "invalid_value", "currency", "currency is an ISO 4217 code such as CNY");
        return;
    }
    if (db_write(put_currency, (void *)json_string_value(v)) != 0) {
        resp_error(rs, 503, "storage_error", NULL, "the currency could not be stored");
        return;
    }
    resp_json(rs, 200, json_pack("{s:s}", "currency", json_string_value(v)));
}

#define MONEY_OR_NULL "{'type':'object','nullable':true,'required':['amount','currency'],'additionalProperties':false,'properties':{" \
    "'amount':{'type':'integer','format':'int64'},'currency':{'type':'string'}}}"
#define TOTALS_OR_NULL FX_TOTAL_SCHEMA_OR_NULL

static const char *const board_schemas[] = {"MoneyTotals", FX_TOTAL_SCHEMA, NULL};

static const struct route_doc board_doc = {
    .id = "getPipelineBoard", .tag = "pipelines", .response_name = "PipelineBoard", .schemas = board_schemas,
    .params = "[" SALES_FILTER_PARAMS ","
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':0,'maximum':200,'default':20},'description':'cards per column'},"
              "{'name':'stage','in':'query','schema':{'type':'string','maxLength':40},'description':'cards of this column only'},"
              "{'name':'after','in':'query','schema':{'type':'string','maxLength':24},'description':'the next of that column'}]",
    .response = "{'type':'object','required':['pipeline_id','currency','rates_on','totals','columns'],'additionalProperties':false,'properties':{"
                "'pipeline_id':{'type':'integer'},'currency':{'type':'string','description':'the company currency'},"
                "'rates_on':{'type':'string','format':'date','description':'the day whose exchange rates convert the totals'},"
                "'totals':" TOTALS_OR_NULL ","
                "'columns':{'type':'array','items':{'type':'object','required':['key','name_en','name_zh','probability','rotting_days','count','totals','cards','next'],"
                "'additionalProperties':false,'properties':{'key':{'type':'string'},'name_en':{'type':'string','nullable':true},"
                "'name_zh':{'type':'string','nullable':true},'probability':{'type':'integer'},'rotting_days':{'type':'integer'},"
                "'count':{'type':'integer','minimum':0},'totals':" TOTALS_OR_NULL ","
                "'next':{'type':'string','nullable':true},"
                "'cards':{'type':'array','items':{'type':'object','required':['id','name','party_id','party_name','amount','expected_close_on',"
                "'probability','owner_id','team_id','stage_entered_at','last_activity_at','rotting'],'additionalProperties':false,'properties':{"
                "'id':{'type':'integer'},'name':{'type':'string'},'party_id':{'type':'integer'},'party_name':{'type':'string','nullable':true},"
                "'amount':" MONEY_OR_NULL ",'expected_close_on':{'type':'string','format':'date','nullable':true},"
                "'probability':{'type':'integer','nullable':true},'owner_id':{'type':'integer','nullable':true},"
                "'team_id':{'type':'integer','nullable':true},'stage_entered_at':{'type':'string','format':'date-time','nullable':true},"
                "'last_activity_at':{'type':'string','format':'date-time','nullable':true},'rotting':{'type':'boolean'}}}}}}}}}",
};

#define CURRENCY_SCHEMA "{'type':'object','required':['currency'],'additionalProperties':false,'properties':{'currency':{'type':'string','pattern':'^[A-Z]{3}$'}}}"
static const struct route_doc currency_get_doc = {.id = "getCompanyCurrency", .tag = "settings", .response = CURRENCY_SCHEMA,
                                                  .response_name = "CompanyCurrency"};
static const struct route_doc currency_put_doc = {.id = "setCompanyCurrency", .tag = "settings", .request = CURRENCY_SCHEMA,
                                                  .response = CURRENCY_SCHEMA};

static const struct route sales_routes[] = {
    {"GET", "/api/v1/opportunities/{id}/stages", 0, "opportunities", "read", opportunity_stages,
     "Stage history of an opportunity: each stage and status with its time in it, oldest first", NULL, &stages_doc},
    {"GET", "/api/v1/pipelines/{id}/board", 0, "opportunities", "read", board,
     "The deal board of a pipeline: per stage the count, totals per currency and converted, and a page of cards", NULL, &board_doc},
    {"GET", "/api/v1/settings/currency", 0, NULL, NULL, currency_get, "The company currency that totals are converted to", NULL,
     &currency_get_doc},
    {"PUT", "/api/v1/settings/currency", R_ADMIN, "users", "update", currency_put, "Set the company currency (admin)", NULL,
     &currency_put_doc},
};

void sales_register(void)
{
    routes_register(sales_routes, sizeof sales_routes / sizeof sales_routes[0]);
    sales_forecast_register();
    sales_reports_register();
}
