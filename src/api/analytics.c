/* analytics: the customer-value endpoints (issue 5) over src/analytics/
 * service.h — a party's scores with explanations, segment counts and
 * customer equity, runs, and the settings an admin may change — and the
 * write hooks that keep the in-memory transaction store current. */
#include "api/api.h"
#include "lib/log.h"
#include "analytics/lineage.h"
#include "analytics/service.h"
#include "http/authz.h"
#include "jobs/jobs.h"
#include "records/events.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The inputs of analytics figures (analytics/lineage.h) the user may not
 * see: the record fields field security hides from the role, and the
 * parties outside the user's read scope. */
unsigned analytics_hidden_inputs(const struct auth_user *u)
{
    unsigned h = 0;
    for (const struct an_input_field *f = an_input_fields; f->entity; f++)
        if (authz_field(u, f->entity, f->field) == FA_HIDDEN) h |= f->bit;
    if ((authz_scope(u, "parties", "read") & ~SCOPE_WRITE) != SCOPE_ALL) h |= AN_IN_BASE;
    return h;
}

/* GET /api/v1/parties/{id}/scores */
static void party_scores(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    /* Scores are the party's data: the same visibility as the party. */
    if (!authz_party_in_scope(c, &rq->user, id, authz_scope(&rq->user, "parties", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)id);
        return;
    }
    json_t *o = an_party_scores(c, id);
    if (!o) {
        /* No transaction yet: only the loyalty class is known. */
        o = json_pack("{s:I, s:b, s:{s:s, s:s, s:{s:s, s:s, s:{}}}}", "party_id", (json_int_t)id, "scored", 0,
                      "loyalty", "label", "potential", "explanation", "no transaction recorded yet: potential customer",
                      "explanation_message", "key", "loyalty", "message", "loyalty.no_transaction", "params");
    } else {
        json_object_set_new(o, "scored", json_true());
        /* Every figure computed from a field the user may not see goes
         * with it, as declared in analytics/lineage.c. */
        an_redact("scores", o, analytics_hidden_inputs(&rq->user));
    }
    resp_json(rs, 200, o);
}

/* GET /api/v1/analytics/summary — over the parties the user may read,
 * without the figures computed from fields the user may not see. */
static void analytics_summary(struct req *rq, struct resp *rs)
{
    enum scope sc = authz_scope(&rq->user, "parties", "read");
    struct authz_binds b = {0};
    an_scope scope = {authz_party_predicate(sc, NULL, &rq->user, &b), 0, b.v};
    scope.nbinds = b.n;
    json_t *o = an_summary(db_reader(), &scope);
    if (!o) { resp_error(rs, 500, "internal", NULL, "the summary could not be read"); return; }
    an_redact("summary", o, analytics_hidden_inputs(&rq->user));
    json_object_set_new(o, "scope", json_string(scope_names[sc & ~SCOPE_WRITE]));
    resp_json(rs, 200, o);
}

/* A run as a job of the job runner (kind "analytics_run"); progress is the
 * number of parties whose scores are stored. */
static void run_progress(void *ctx, const char *stage, long done, long total)
{
    if (!strcmp(stage, "store")) job_progress(*(int64_t *)ctx, done, total);
}

static int run_job(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    /* The store hears of transactions through the feed: a run starts once
     * it has followed every change committed before it was asked for. */
    if (events_sync(10000) != 0) log_warn("analytics: the run starts before the store followed every committed change");
    int rc = an_run(run_progress, &id, result, error, cap);
    return rc == 0 ? 0 : -1;
}

/* POST /api/v1/analytics/runs — queues a run: 202 with the job (follow it
 * at /api/v1/jobs/{id}); with ?wait=true answers 200 when it has finished. */
static void analytics_run(struct req *rq, struct resp *rs)
{
    const char *wait = req_query(rq, "wait");
    bool sync = wait && (!strcmp(wait, "true") || !strcmp(wait, "1"));
    if (wait && !sync && strcmp(wait, "false") && strcmp(wait, "0")) {
        resp_error(rs, 400, "invalid_parameter", "wait", "wait must be true or false");
        return;
    }
    /* One run at a time is all there is to have: a run recomputes every
     * party, so a second one queued behind it would only repeat the work
     * (and any user with parties.update could queue them without end). A
     * request while a run is queued or running gets that run. */
    json_t *params = json_object();
    bool existing = false;
    int64_t id = job_create_coalesced("analytics_run", params, rq->user.id, &existing);
    json_decref(params);
    if (!id) { resp_error(rs, 503, "storage_error", NULL, "the run could not be queued"); return; }
    if (!existing) jobs_kick();
    /* A run of a million customers takes well under a minute. */
    resp_job(rs, id, sync, 30 * 60, "analytics run");
}

/* GET /api/v1/analytics/settings */
static void analytics_settings_get(struct req *rq, struct resp *rs)
{
    resp_json(rs, 200, json_pack("{s:o}", "settings", an_settings_get(db_reader())));
}

/* PUT /api/v1/analytics/settings {"key": value, ...} (admin) */
static void analytics_settings_put(struct req *rq, struct resp *rs)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send {\"setting\": value, ...}"); return; }
    char field[64], err[256];
    int rc = an_settings_put(rq->json, field, err, sizeof err);
    if (rc == -2) { resp_error(rs, 503, "storage_error", NULL, "%s", err); return; }
    if (rc) {
        bool unknown = strstr(err, "is not an analytics setting") != NULL;
        resp_error(rs, 422, unknown ? "unknown_field" : "invalid_value", field[0] ? field : NULL, "%s", err);
        return;
    }
    resp_json(rs, 200, json_pack("{s:o, s:s}", "settings", an_settings_get(db_reader()), "note",
                                 "settings take effect at the next run (POST /api/v1/analytics/runs)"));
}

/* OpenAPI shapes of these routes (src/api/openapi.c). The parts of a score
 * (summary, rfm, tier, …) are objects with a label, an explanation text and
 * a structured explanation_message, plus the part's own numbers; their keys
 * follow src/analytics/service_answers.c and are left open here. */
#define SCORE_PART "{'type':'object','properties':{'label':{'description':'the class of the part (text; a number for service_tier), null before a run'},'explanation':{'type':'string','nullable':true}," \
                   "'explanation_message':{'type':'object','nullable':true}}}"
static const struct route_doc scores_doc = {
    .id = "getPartyScores", .tag = "analytics",
    .response = "{'type':'object','required':['party_id','scored'],'properties':{'party_id':{'type':'integer','format':'int64'},"
                "'scored':{'type':'boolean','description':'false until the party has a transaction and a run scored it'},"
                "'computed_at':{'type':'string','nullable':true},'run_id':{'type':'integer','nullable':true},'currency':{'type':'string'},"
                "'summary':" SCORE_PART ",'rfm':" SCORE_PART ",'tier':" SCORE_PART ",'model':" SCORE_PART ",'clv':" SCORE_PART ","
                "'value_quadrant':" SCORE_PART ",'future_matrix':" SCORE_PART ",'profit_matrix':" SCORE_PART ",'lifecycle':" SCORE_PART ","
                "'loyalty':" SCORE_PART ",'behaviour':" SCORE_PART ",'strategy':" SCORE_PART ",'priority':" SCORE_PART ","
                "'prospect_score':" SCORE_PART ",'service_tier':" SCORE_PART "}}",
    .response_name = "PartyScores",
};
static const struct route_doc summary_doc = {
    .id = "getAnalyticsSummary", .tag = "analytics",
    .response = "{'type':'object','properties':{'counts':{'type':'object','description':'segment → label → parties',"
                "'additionalProperties':{'type':'object','additionalProperties':{'type':'integer'}}},"
                "'parties':{'type':'integer','nullable':true},'buyers':{'type':'integer','nullable':true},"
                "'customer_equity':{'type':'object','nullable':true},'revenue':{'type':'integer','nullable':true},"
                "'net_profit':{'type':'integer','nullable':true},'mean_p_alive':{'type':'number','nullable':true},"
                "'last_score_update':{'type':'string','nullable':true}}}",
    .response_name = "AnalyticsSummary",
};
static const struct route_doc run_doc = {
    .id = "startAnalyticsRun", .tag = "analytics", .status = 202, .status2 = 200, .headers = "Location",
    .params = "[{'name':'wait','in':'query','schema':{'type':'boolean'},'description':'answer 200 with the finished job instead of 202'}]",
    .response = "{'$ref':'#/components/schemas/Job'}",
};
#define SETTINGS_SCHEMA "{'type':'object','description':'setting → {value, default, doc}','additionalProperties':{'type':'object'," \
                        "'required':['value','default','doc'],'properties':{'value':{},'default':{},'doc':{'type':'string'}}}}"
static const struct route_doc settings_get_doc = {
    .id = "getAnalyticsSettings", .tag = "analytics",
    .response = "{'type':'object','required':['settings'],'additionalProperties':false,'properties':{'settings':" SETTINGS_SCHEMA "}}",
};
static const struct route_doc settings_put_doc = {
    .id = "setAnalyticsSettings", .tag = "analytics",
    .request = "{'type':'object','description':'setting → new value (see GET)','additionalProperties':{}}",
    .request_name = "AnalyticsSettingsChange",
    .response = "{'type':'object','required':['settings','note'],'additionalProperties':false,'properties':{'settings':" SETTINGS_SCHEMA ","
                "'note':{'type':'string'}}}",
};

static const struct route analytics_routes[] = {
    {"GET", "/api/v1/parties/{id}/scores", 0, "parties", "read", party_scores,
     "Scores of a party: summary, RFM, tier, P(alive), CLV, lifecycle, loyalty, strategy, priority, with explanations", NULL, &scores_doc},
    {"GET", "/api/v1/analytics/summary", 0, "parties", "read", analytics_summary,
     "Segment counts per tier, stage, RFM segment, quadrant and strategy; customer equity; model parameters", NULL, &summary_doc},
    {"POST", "/api/v1/analytics/runs", 0, "parties", "update", analytics_run,
     "Recompute every party's scores as a job (202; ?wait=true answers 200 when done)", NULL, &run_doc},
    {"GET", "/api/v1/analytics/settings", 0, "parties", "read", analytics_settings_get,
     "Analytics thresholds and model settings", NULL, &settings_get_doc},
    {"PUT", "/api/v1/analytics/settings", R_ADMIN, "parties", "update", analytics_settings_put,
     "Change analytics settings (admin)", NULL, &settings_put_doc},
};

/* The store follows the event feed, so it hears of transactions written by
 * any process on the database (another server, an import on the command
 * line) and of merges, which move a party's transactions to another. */
static int fields_has(const json_t *fields, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(fields, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), name)) return 1;
    return 0;
}

/* A PATCH that moves a transaction to another party (issue 16 part 4): the
 * event names only the new party, and the old one still holds the row in
 * the store. The audit rows of the transaction ({"party_id": [old, new]},
 * written in the same commit as the event) name every party it belonged
 * to; all of them are refreshed, so several quick moves lose none. */
static void touch_previous_parties(int64_t txn_id)
{
    db *c = db_reader();
    db_stmt *s = db_prepare(c, "SELECT changes FROM audit WHERE entity = 'transaction' AND entity_id = ?"
                               " AND changes LIKE '%\"party_id\"%' ORDER BY id DESC LIMIT 50");
    if (!s) return;
    db_bind_int64(s, 1, txn_id);
    while (db_step(s) == DB_ROW) {
        const char *text = db_column_text(s, 0);
        json_t *ch = text ? json_loads(text, 0, NULL) : NULL;
        json_t *pair = json_object_get(ch, "party_id");
        for (size_t k = 0; k < 2; k++) {
            json_t *v = json_array_get(pair, k);
            if (json_is_integer(v) && json_integer_value(v) > 0) an_touch_party(json_integer_value(v));
        }
        json_decref(ch);
    }
    db_done(s);
}

static void follow_transaction(const struct rec_event *ev, void *ctx)
{
    if (ev->party_id) an_touch_party(ev->party_id);
    if (!strcmp(ev->action, "update") && fields_has(ev->fields, "party_id")) touch_previous_parties(ev->record_id);
}

static void follow_party(const struct rec_event *ev, void *ctx)
{
    if (!strcmp(ev->action, "merge") || !strcmp(ev->action, "merged_into")) an_touch_party(ev->record_id);
}

void analytics_register(void)
{
    routes_register(analytics_routes, sizeof analytics_routes / sizeof analytics_routes[0]);
    jobs_register_kind("analytics_run", run_job);
    events_follow("analytics store", "transaction", follow_transaction, NULL);
    events_follow("analytics store", "party", follow_party, NULL);
}
