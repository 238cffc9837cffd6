/* contact_plans: the custom routes of contact plans (DOMAIN D8):
 *   POST /api/v1/contact-plans/{id}/run   generate the plan's contacts now (a job)
 *   GET  /api/v1/parties/{id}/next-contact  a customer's next planned contact,
 *        its overdue ones and its last contact
 * The plan type's CRUD routes come from the registry; the generation is
 * src/domain/contact_plan_run.c. */
#include "api/api.h"
#include "domain/contact_plan.h"
#include "http/authz.h"
#include "jobs/jobs.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* POST /api/v1/contact-plans/{id}/run[?on=DATE][&wait=true] */
static void plan_run(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    const struct rtype *t = registry_by_name("contact-plans");
    if (!authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "contact-plans", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no contact plan with id %lld", (long long)id);
        return;
    }
    if (!authz_record_in_scope(c, &rq->user, t, id, authz_scope(&rq->user, "contact-plans", "update"))) {
        resp_error(rs, 403, "forbidden", "id", "your role may not run this contact plan");
        return;
    }
    const char *wait = req_query(rq, "wait");
    bool sync = wait && !strcmp(wait, "true");
    if (wait && !sync && strcmp(wait, "false")) {
        resp_error(rs, 400, "invalid_parameter", "wait", "wait must be true or false");
        return;
    }
    const char *on = req_query(rq, "on");
    int64_t t0;
    if (on && (strlen(on) != 10 || date_parse(on, &t0))) {
        resp_error(rs, 400, "invalid_parameter", "on", "on must be a date YYYY-MM-DD");
        return;
    }
    json_t *params = json_pack("{s:I}", "plan_id", (json_int_t)id);
    if (on) json_object_set_new(params, "on", json_string(on));
    int64_t job = job_create("contact_plan_run", params, rq->user.id, "queued");
    json_decref(params);
    if (!job) { resp_error(rs, 503, "storage_error", NULL, "the run could not be queued"); return; }
    jobs_kick();
    /* A plan of a million customers takes seconds. */
    resp_job(rs, job, sync, 10 * 60, "contact plan run");
}

#define TEXT_OR_NULL(s, i) (db_column_type(s, i) == DB_NULL ? json_null() : json_string(db_column_text(s, i)))
#define INT_OR_NULL(s, i) (db_column_type(s, i) == DB_NULL ? json_null() : json_integer(db_column_int64(s, i)))

/* The party's next planned contact of any plan, or NULL. */
static json_t *contact_plan_next(db *c, int64_t party, const char *now)
{
    db_stmt *s = db_prepare(c, "SELECT i.id, i.due_at, i.channel, i.subject, i.user_id, p.id, p.name, p.every_days "
                               "FROM contact_plan_slot s JOIN interaction i ON i.id = s.interaction_id "
                               "JOIN contact_plan p ON p.id = s.plan_id "
                               "WHERE s.party_id = ? AND i.status = 'planned' ORDER BY i.due_at, i.id LIMIT 1");
    if (!s) return NULL;
    db_bind_int64(s, 1, party);
    json_t *o = NULL;
    if (db_step(s) == DB_ROW) {
        const char *due = db_column_text(s, 1);
        o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:I, s:b}", "interaction_id", (json_int_t)db_column_int64(s, 0),
                      "due_at", TEXT_OR_NULL(s, 1), "channel", TEXT_OR_NULL(s, 2), "subject", TEXT_OR_NULL(s, 3),
                      "user_id", INT_OR_NULL(s, 4), "plan_id", (json_int_t)db_column_int64(s, 5), "plan_name", TEXT_OR_NULL(s, 6),
                      "every_days", (json_int_t)db_column_int64(s, 7), "overdue", due && strcmp(due, now) < 0);
    }
    db_done(s);
    return o;
}

/* GET /api/v1/parties/{id}/next-contact */
static void party_next_contact(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!authz_party_in_scope(c, &rq->user, id, authz_scope(&rq->user, "parties", "read")) ||
        !authz_party_in_scope(c, &rq->user, id, authz_scope(&rq->user, "interactions", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)id);
        return;
    }
    char now[21];
    now_text(now);
    json_t *next = contact_plan_next(c, id, now);
    long overdue = 0;
    db_stmt *s = db_prepare(c, "SELECT count(*) FROM contact_plan_slot s JOIN interaction i ON i.id = s.interaction_id "
                               "WHERE s.party_id = ? AND i.status = 'planned' AND i.due_at < ?");
    if (s) {
        db_bind_int64(s, 1, id);
        db_bind_text(s, 2, now);
        if (db_step(s) == DB_ROW) overdue = (long)db_column_int64(s, 0);
        db_done(s);
    }
    json_t *last = json_null();
    s = db_prepare(c, "SELECT max(occurred_at) FROM interaction WHERE party_id = ? AND status = 'done'");
    if (s) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL) { json_decref(last); last = json_string(db_column_text(s, 0)); }
        db_done(s);
    }
    resp_json(rs, 200, json_pack("{s:I, s:o, s:I, s:o}", "party_id", (json_int_t)id, "next", next ? next : json_null(),
                                 "overdue", (json_int_t)overdue, "last_contact_at", last));
}

static const struct route_doc run_doc = {
    .id = "runContactPlan", .tag = "contact-plans", .status = 202, .status2 = 200, .headers = "Location",
    .params = "[{'name':'wait','in':'query','schema':{'type':'boolean'},'description':'answer 200 with the finished job instead of 202'},"
              "{'name':'on','in':'query','schema':{'type':'string','format':'date'},'description':'generate for this day (default today)'}]",
    .response = "{'$ref':'#/components/schemas/Job'}",
};
static const struct route_doc next_contact_doc = {
    .id = "getPartyNextContact", .tag = "contact-plans",
    .response = "{'type':'object','required':['party_id','next','overdue','last_contact_at'],'additionalProperties':false,'properties':{"
                "'party_id':{'type':'integer','format':'int64'},"
                "'next':{'type':'object','nullable':true,'required':['interaction_id','due_at','channel','subject','user_id','plan_id',"
                "'plan_name','every_days','overdue'],'additionalProperties':false,'properties':{"
                "'interaction_id':{'type':'integer','format':'int64'},'due_at':{'type':'string','format':'date-time'},"
                "'channel':{'type':'string','nullable':true},'subject':{'type':'string','nullable':true},"
                "'user_id':{'type':'integer','format':'int64','nullable':true},'plan_id':{'type':'integer','format':'int64'},"
                "'plan_name':{'type':'string','nullable':true},'every_days':{'type':'integer'},'overdue':{'type':'boolean'}}},"
                "'overdue':{'type':'integer','description':'planned contacts of the plans past their due time'},"
                "'last_contact_at':{'type':'string','format':'date-time','nullable':true}}}",
    .response_name = "NextContact",
};

static const struct route plan_routes[] = {
    {"POST", "/api/v1/contact-plans/{id}/run", 0, "contact-plans", "update", plan_run,
     "Generate the plan's planned contacts now, as a job (202; ?wait=true answers 200 when done)", NULL, &run_doc},
    {"GET", "/api/v1/parties/{id}/next-contact", 0, "parties", "read", party_next_contact,
     "A customer's next planned contact of the contact plans, its overdue ones and its last contact", NULL, &next_contact_doc},
};

void contact_plans_register(void)
{
    contact_plan_jobs_register();
    routes_register(plan_routes, sizeof plan_routes / sizeof plan_routes[0]);
}
