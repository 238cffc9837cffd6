/* next_actions: the next best action (issue 20; domain/next_action.h):
 *   GET /api/v1/parties/{id}/next-action   one customer's, with its reasons
 *   GET /api/v1/next-actions               the caller's worklist: the customers
 *        they own or hold planned contacts of, ranked by the value at stake
 * A figure hidden from the caller's role (analytics/lineage.h: tier, P(alive),
 * lifetime value, lifecycle) is left out of the facts before deciding, so it
 * shows neither as a reason nor through the choice. */
#include "api/api.h"
#include "analytics/lineage.h"
#include "analytics/service.h"
#include "domain/contact_plan.h"
#include "domain/next_action.h"
#include "http/authz.h"
#include "lib/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKLIST_CANDIDATES 2000   /* the most valuable customers looked at */
#define WORKLIST_MAX 200

static void redact_facts(const struct auth_user *u, struct nba_facts *f)
{
    unsigned hidden = analytics_hidden_inputs(u);
    if (!hidden) return;
    if (an_lineage("scores", "tier") & hidden) { f->tier[0] = '\0'; f->strategy[0] = '\0'; }
    if (an_lineage("scores", "strategy") & hidden) f->strategy[0] = '\0';
    if (an_lineage("scores", "lifecycle") & hidden) f->lifecycle[0] = '\0';
    if (an_lineage("scores", "model.p_alive") & hidden) f->p_alive = f->p_alive_at_purchase = -1;
    if (an_lineage("scores", "clv.total") & hidden) f->clv = 0;
}

/* ?on=DATE (default the company's today) into today; 0 or -1 with the answer set. */
static int day_param(struct req *rq, struct resp *rs, char today[11])
{
    const char *on = req_query(rq, "on");
    int64_t t;
    if (on && (strlen(on) != 10 || date_parse(on, &t))) {
        resp_error(rs, 400, "invalid_parameter", "on", "on must be a date YYYY-MM-DD");
        return -1;
    }
    if (on) snprintf(today, 11, "%s", on);
    else company_today(today);
    return 0;
}

static json_t *decide(db *c, const struct auth_user *u, int64_t id, const char *today)
{
    struct nba_facts f;
    if (next_action_facts(c, u, id, today, &f)) return NULL;
    if (f.repeat_purchases >= 0) f.p_alive_at_purchase = an_p_alive_after_purchase(f.repeat_purchases);
    redact_facts(u, &f);
    return next_action_decide(&f);
}

/* GET /api/v1/parties/{id}/next-action */
static void party_next_action(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    char today[11];
    if (day_param(rq, rs, today)) return;
    if (!authz_party_in_scope(c, &rq->user, id, authz_scope(&rq->user, "parties", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)id);
        return;
    }
    json_t *o = decide(c, &rq->user, id, today);
    if (!o) { resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)id); return; }
    resp_json(rs, 200, o);
}

static int by_stake(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t vx = json_integer_value(json_object_get(x, "value_at_stake")), vy = json_integer_value(json_object_get(y, "value_at_stake"));
    if (vx != vy) return vx > vy ? -1 : 1;
    json_int_t ix = json_integer_value(json_object_get(x, "party_id")), iy = json_integer_value(json_object_get(y, "party_id"));
    return ix < iy ? -1 : ix > iy;
}

/* GET /api/v1/next-actions[?limit=N][&on=DATE] */
static void worklist(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    char today[11];
    if (day_param(rq, rs, today)) return;
    long limit = 20;
    const char *lim = req_query(rq, "limit");
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*end || limit < 1 || limit > WORKLIST_MAX) { resp_error(rs, 400, "invalid_parameter", "limit", "limit must be from 1 to %d", WORKLIST_MAX); return; }
    }
    db_stmt *s = db_prepare(c, "SELECT t.id FROM party t LEFT JOIN score sc ON sc.party_id = t.id WHERE t.deleted_at IS NULL AND "
                               "(t.owner_id = ? OR t.id IN (SELECT party_id FROM interaction WHERE user_id = ? AND status = 'planned')) "
                               "ORDER BY COALESCE(sc.clv, 0) DESC, t.id LIMIT ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the worklist could not be read"); return; }
    db_bind_int64(s, 1, rq->user.id);
    db_bind_int64(s, 2, rq->user.id);
    db_bind_int64(s, 3, WORKLIST_CANDIDATES);
    int64_t *ids = malloc(WORKLIST_CANDIDATES * sizeof *ids);
    size_t n = 0;
    while (ids && n < WORKLIST_CANDIDATES && db_step(s) == DB_ROW) ids[n++] = db_column_int64(s, 0);
    db_done(s);
    if (!ids) { resp_error(rs, 500, "internal", NULL, "out of memory"); return; }
    json_t **acts = malloc((n ? n : 1) * sizeof *acts);
    size_t k = 0;
    enum scope sc = authz_scope(&rq->user, "parties", "read");
    for (size_t i = 0; acts && i < n; i++) {
        if (!authz_party_in_scope(c, &rq->user, ids[i], sc)) continue;
        json_t *o = decide(c, &rq->user, ids[i], today);
        if (!o) continue;
        if (!strcmp(json_string_value(json_object_get(o, "action")), "none")) { json_decref(o); continue; }
        acts[k++] = o;
    }
    free(ids);
    if (!acts) { resp_error(rs, 500, "internal", NULL, "out of memory"); return; }
    qsort(acts, k, sizeof *acts, by_stake);
    json_t *items = json_array();
    for (size_t i = 0; i < k; i++) {
        if ((long)i < limit) json_array_append_new(items, acts[i]);
        else json_decref(acts[i]);
    }
    free(acts);
    resp_json(rs, 200, json_pack("{s:s, s:o, s:I}", "on", today, "items", items, "total", (json_int_t)k));
}

#define PARAM "{'type':'object','required':['message','params'],'additionalProperties':false,'properties':{" \
              "'message':{'type':'string'},'params':{'type':'object'}}}"
#define NEXT_ACTION_SCHEMA                                                                                                   \
    "{'type':'object','required':['party_id','party_name','action','channel','when','message','reasons','value_at_stake',"   \
    "'currency','interaction_id'],'additionalProperties':false,'properties':{"                                               \
    "'party_id':{'type':'integer','format':'int64'},'party_name':{'type':'string'},"                                         \
    "'action':{'type':'string','enum':['resolve_case','none','win_back','overdue_contact','greet','follow_up','check_in',"   \
    "'impress','introduce_product','retain','second_development','planned_contact','please','care','adapt_offer','get_to_know'," \
    "'maturity_notice']}," \
    "'channel':{'type':'string','nullable':true},"                                                                           \
    "'when':{'type':'string','enum':['today','this_week','this_month','before_occasion','planned','none']},"                 \
    "'message':" PARAM ",'reasons':{'type':'array','items':" PARAM "},"                                                     \
    "'value_at_stake':{'type':'integer','description':'minor units: the lifetime value weighted by the risk of losing it'}," \
    "'currency':{'type':'string'},'interaction_id':{'type':'integer','format':'int64','nullable':true}}}"

static const struct route_doc next_action_doc = {
    .id = "getPartyNextAction", .tag = "parties",
    .params = "[{'name':'on','in':'query','schema':{'type':'string','format':'date'},'description':'as of this day (default today)'}]",
    .response = NEXT_ACTION_SCHEMA, .response_name = "NextAction",
};
static const struct route_doc worklist_doc = {
    .id = "listNextActions", .tag = "parties",
    .params = "[{'name':'on','in':'query','schema':{'type':'string','format':'date'},'description':'as of this day (default today)'},"
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':200,'default':20}}]",
    .response = "{'type':'object','required':['on','items','total'],'additionalProperties':false,'properties':{"
                "'on':{'type':'string','format':'date'},'total':{'type':'integer','description':'customers with something to do'},"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/NextAction'}}}}",
    .response_name = "NextActionList",
};

static const struct route next_action_routes[] = {
    {"GET", "/api/v1/parties/{id}/next-action", 0, "parties", "read", party_next_action,
     "A customer's next best action: one thing to do now, with its reasons as message ids and params", NULL, &next_action_doc},
    {"GET", "/api/v1/next-actions", 0, "parties", "read", worklist,
     "The caller's worklist of next best actions (customers they own or hold planned contacts of), ranked by the value at stake",
     NULL, &worklist_doc},
};

void next_actions_register(void)
{
    routes_register(next_action_routes, sizeof next_action_routes / sizeof next_action_routes[0]);
}
