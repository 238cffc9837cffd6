/* occasions: the routes of occasions (DOMAIN D8):
 *   GET  /api/v1/occasions?from=DATE&to=DATE   the occasion dates of a range with their parties
 *   POST /api/v1/occasion-rules/{id}/run       make a rule's tasks now (a job)
 * The occasions are computed by src/domain/occasion.c; rules generate in
 * src/domain/occasion_rules.c. */
#include "api/api.h"
#include "domain/occasion.h"
#include "http/authz.h"
#include "jobs/jobs.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* POST /api/v1/occasion-rules/{id}/run[?on=DATE][&wait=true] */
static void rule_run(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    const struct rtype *t = registry_by_name("occasion-rules");
    if (!authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "occasion-rules", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no occasion rule with id %lld", (long long)id);
        return;
    }
    if (!authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "occasion-rules", "update"))) {
        resp_error(rs, 403, "forbidden", "id", "your role may not run this occasion rule");
        return;
    }
    const char *wait = req_query(rq, "wait"), *on = req_query(rq, "on");
    bool sync = wait && !strcmp(wait, "true");
    if (wait && !sync && strcmp(wait, "false")) { resp_error(rs, 400, "invalid_parameter", "wait", "wait must be true or false"); return; }
    int64_t t0;
    if (on && (strlen(on) != 10 || date_parse(on, &t0))) { resp_error(rs, 400, "invalid_parameter", "on", "on must be a date YYYY-MM-DD"); return; }
    json_t *params = json_pack("{s:I}", "rule_id", (json_int_t)id);
    if (on) json_object_set_new(params, "on", json_string(on));
    int64_t job = job_create("occasion_rule_run", params, rq->user.id, "queued");
    json_decref(params);
    if (!job) { resp_error(rs, 503, "storage_error", NULL, "the run could not be queued"); return; }
    jobs_kick();
    resp_job(rs, job, sync, 10 * 60, "occasion rule run");
}

#define OCCASIONS_MAX 5000

struct listing { struct occasion *v; size_t n, cap; bool failed; };

static int list_cb(void *ctx, const struct occasion *o)
{
    struct listing *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct occasion *v = realloc(l->v, cap * sizeof *v);
        if (!v) { l->failed = true; return 1; }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *o;
    return 0;
}

static int by_date(const void *a, const void *b)
{
    const struct occasion *x = a, *y = b;
    int c = strcmp(x->date, y->date);
    if (c) return c;
    return x->party_id < y->party_id ? -1 : x->party_id > y->party_id;
}

/* GET /api/v1/occasions?from=DATE&to=DATE[&kind=][&segment=][&limit=] */
static void occasions_list(struct req *rq, struct resp *rs)
{
    const char *kind = req_query(rq, "kind"), *lim = req_query(rq, "limit");
    if (kind) {
        bool known = false;
        for (int i = 0; occasion_kinds[i]; i++) known |= !strcmp(occasion_kinds[i], kind);
        if (!known) { resp_error(rs, 400, "invalid_parameter", "kind", "kind must be one of birthday, lunar_birthday, first_purchase, key_date, festival"); return; }
    }
    long limit = 1000;
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*end || limit < 1 || limit > OCCASIONS_MAX) { resp_error(rs, 400, "invalid_parameter", "limit", "limit must be from 1 to %d", OCCASIONS_MAX); return; }
    }
    struct listing l = {0};
    struct verr e = {0};
    if (occasions_each(db_reader(), &rq->user, req_query(rq, "segment"), req_query(rq, "from"), req_query(rq, "to"), kind, list_cb, &l, &e)) {
        free(l.v);
        resp_verr(rs, &e);
        return;
    }
    if (l.failed) { free(l.v); resp_error(rs, 500, "internal", NULL, "out of memory"); return; }
    qsort(l.v, l.n, sizeof *l.v, by_date);
    json_t *items = json_array();
    for (size_t i = 0; i < l.n && (long)i < limit; i++) {
        const struct occasion *o = &l.v[i];
        json_array_append_new(items, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "date", o->date, "kind", o->kind,
            "sub", o->sub ? json_string(o->sub) : json_null(),
            "party_id", o->party_id ? json_integer(o->party_id) : json_null(),
            "party_name", o->party_id ? json_string(o->party_name) : json_null(),
            "title", o->title[0] ? json_string(o->title) : json_null(),
            "key_date_id", o->key_date_id ? json_integer(o->key_date_id) : json_null(),
            "years", o->years > 0 ? json_integer(o->years) : json_null()));
    }
    json_t *out = json_pack("{s:s, s:s, s:o, s:b}", "from", req_query(rq, "from"), "to", req_query(rq, "to"), "items", items,
                            "truncated", (long)l.n > limit);
    free(l.v);
    resp_json(rs, 200, out);
}

static const struct route_doc rule_run_doc = {
    .id = "runOccasionRule", .tag = "occasion-rules", .status = 202, .status2 = 200, .headers = "Location",
    .params = "[{'name':'wait','in':'query','schema':{'type':'boolean'},'description':'answer 200 with the finished job instead of 202'},"
              "{'name':'on','in':'query','schema':{'type':'string','format':'date'},'description':'run as of this day (default today)'}]",
    .response = "{'$ref':'#/components/schemas/Job'}",
};
static const struct route_doc occasions_doc = {
    .id = "listOccasions", .tag = "occasion-rules",
    .params = "[{'name':'from','in':'query','required':true,'schema':{'type':'string','format':'date'}},"
              "{'name':'to','in':'query','required':true,'schema':{'type':'string','format':'date'},'description':'at most 366 days after from'},"
              "{'name':'kind','in':'query','schema':{'type':'string','enum':['birthday','lunar_birthday','first_purchase','key_date','festival']}},"
              "{'name':'segment','in':'query','schema':{'type':'string'},'description':'only the parties of this party-list query, e.g. tier=platinum'},"
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':5000,'default':1000}}]",
    .response = "{'type':'object','required':['from','to','items','truncated'],'additionalProperties':false,'properties':{"
                "'from':{'type':'string','format':'date'},'to':{'type':'string','format':'date'},'truncated':{'type':'boolean'},"
                "'items':{'type':'array','items':{'type':'object','required':['date','kind','sub','party_id','party_name','title','key_date_id','years'],"
                "'additionalProperties':false,'properties':{'date':{'type':'string','format':'date'},"
                "'kind':{'type':'string','enum':['birthday','lunar_birthday','first_purchase','key_date','festival']},"
                "'sub':{'type':'string','nullable':true,'description':'the festival id, or the key date kind'},"
                "'party_id':{'type':'integer','format':'int64','nullable':true},'party_name':{'type':'string','nullable':true},"
                "'title':{'type':'string','nullable':true},'key_date_id':{'type':'integer','format':'int64','nullable':true},"
                "'years':{'type':'integer','nullable':true,'description':'the anniversary number (solar dates)'}}}}}}",
    .response_name = "OccasionList",
};

static const struct route occasion_routes[] = {
    {"GET", "/api/v1/occasions", 0, "parties", "read", occasions_list,
     "Occasion dates in a range with their parties: birthdays (solar and lunar), first-purchase anniversaries, key dates, festivals",
     NULL, &occasions_doc},
    {"POST", "/api/v1/occasion-rules/{id}/run", 0, "occasion-rules", "update", rule_run,
     "Make the rule's tasks now, as a job (202; ?wait=true answers 200 when done)", NULL, &rule_run_doc},
};

void occasions_register(void)
{
    occasion_rules_jobs_register();
    routes_register(occasion_routes, sizeof occasion_routes / sizeof occasion_routes[0]);
}
