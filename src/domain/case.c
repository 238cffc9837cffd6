/* case: the service case record type (DOMAIN D8 the four key moments —
 * consultation, question, complaint, grievance — and D10 requests; issue
 * 19). The fields, the rule (defaults; a remedy only on a complaint or
 * grievance) and the workflow new → open → waiting_on_customer → resolved
 * → closed with reopen. The clocks are case_sla.c; the thread and surveys
 * api/cases.c and api/surveys.c. */
#include "domain/service.h"
#include "domain/vocab.h"
#include "lib/timeutil.h"
#include <string.h>

const char *const case_kinds[] = {"consultation", "question", "complaint", "grievance", "request", NULL};
const char *const case_priorities[] = {"low", "normal", "high", "urgent", NULL};
const char *const case_statuses[] = {"new", "open", "waiting_on_customer", "resolved", "closed", NULL};
static const char *const pause_keys[] = {"from", "to", NULL};

static const struct field case_fields[] = {
    {"subject", "subject", NULL, FT_TEXT, F_REQUIRED | F_SORT, 300, NULL, 0, 0, NULL, "what it is about"},
    {"kind", "kind", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, case_kinds, 0, 0, NULL,
     "consultation, question, complaint, grievance (the four key moments) or request"},
    {"priority", "priority", NULL, FT_ENUM, F_FILTER | F_SORT, 0, case_priorities, 0, 0, NULL, "low, normal (default), high, urgent"},
    {"category", "category", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "category (SLA policies and measures by category)"},
    {"channel", "channel", NULL, FT_ENUM, F_FILTER, 0, interaction_channels, 0, 0, NULL, "the channel it came in by"},
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the customer"},
    {"contact_id", "contact_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "party", NULL, "the contact person"},
    {"product_id", "product_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "product", NULL, "the product concerned"},
    {"order_id", "order_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "order", NULL, "the sales order concerned (one of the customer's)"},
    {"description", "description", NULL, FT_TEXT, 0, 10000, NULL, 0, 0, NULL, "the customer's account of it"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, case_statuses, 0, 0, NULL,
     "new → open → waiting_on_customer → resolved → closed; resolved or closed → open (reopen)"},
    {"opened_at", "opened_at", NULL, FT_TIME, F_FILTER | F_SORT | F_CREATE_ONLY, 0, NULL, 0, 0, NULL,
     "when the case was opened: the clocks start here (default now; may be given for cases brought over)"},
    {"sla_policy_id", "sla_policy_id", NULL, FT_REF, F_SERVER | F_FILTER, 0, NULL, 0, "sla_policy", NULL, "the SLA policy its clocks follow"},
    {"first_response_at", "first_response_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "our first message in its thread"},
    {"first_response_due_at", "first_response_due_at", NULL, FT_TIME, F_SERVER | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "first-response target"},
    {"first_response_met", "first_response_met", NULL, FT_BOOL, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL, "whether the first response was in time (null until answered)"},
    {"resolution_due_at", "resolution_due_at", NULL, FT_TIME, F_SERVER | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL,
     "resolution target (moves later by the business time spent waiting on the customer)"},
    {"first_response_minutes", "first_response_minutes", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL,
     "business minutes of the policy's calendar from opened_at to the first response, pauses left out (no policy: every unpaused minute)"},
    {"resolution_warn_at", "resolution_warn_at", NULL, FT_TIME, F_SERVER | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL,
     "breaching soon from here: at most 240 business minutes are left before resolution_due_at"},
    {"resolved_at", "resolved_at", NULL, FT_TIME, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL, "when it was resolved"},
    {"resolved_by", "resolved_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who resolved it"},
    {"resolution_met", "resolution_met", NULL, FT_BOOL, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL, "whether it was resolved in time (null until resolved)"},
    {"resolution_minutes", "resolution_minutes", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL,
     "business minutes from opened_at to the resolution, pauses left out (no policy: every unpaused minute)"},
    {"closed_at", "closed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was closed"},
    {"sla_pauses", "sla_pauses", NULL, FT_OBJLIST, F_SERVER, 500, NULL, 0, 0, pause_keys,
     "the stretches its clocks stood still ({from, to}; no to: still paused)"},
    {"reopen_count", "reopen_count", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "how often it was reopened"},
    {"escalation_level", "escalation_level", NULL, FT_INT, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL, "escalation steps taken"},
    {"remedy", "remedy", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "the remedy given (complaints and grievances)"},
    {"remedy_cost", "remedy_cost_amount", "remedy_cost_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL,
     "what the remedy cost (adds to the party's cost to serve)"},
    {"csat", "csat", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "satisfaction survey answer, 1–5"},
    {"nps", "nps", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "recommendation survey answer, 0–10"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user (default: the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "responsible team"},
    {"assignment_rule_id", "assignment_rule_id", NULL, FT_INT, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL,
     "the assignment rule that gave it its owner and team (server-set)"},
    {"assigned_at", "assigned_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when a rule assigned it (server-set)"},
};

int case_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    if (!json_is_string(json_object_get(rec, "priority"))) json_object_set_new(rec, "priority", json_string("normal"));
    if (!old && !json_is_string(json_object_get(rec, "opened_at"))) {
        char now[21];
        now_text(now);
        json_object_set_new(rec, "opened_at", json_string(now));
    }
    int64_t opened;
    const char *o = json_string_value(json_object_get(rec, "opened_at"));
    if (!old && o && time_parse(o, &opened) == 0 && opened > time_now() + 60) {
        verr_set(e, 422, "invalid_value", "opened_at", "opened_at (%s) is in the future", o);
        return -1;
    }
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    json_t *remedy = json_object_get(rec, "remedy"), *cost = json_object_get(rec, "remedy_cost");
    bool complaint = kind && (!strcmp(kind, "complaint") || !strcmp(kind, "grievance"));
    if (!complaint && ((remedy && !json_is_null(remedy)) || (cost && !json_is_null(cost)))) {
        verr_set(e, 422, "invalid_value", remedy && !json_is_null(remedy) ? "remedy" : "remedy_cost",
                 "only a complaint or a grievance records a remedy");
        return -1;
    }
    if (json_is_object(cost) && json_integer_value(json_object_get(cost, "amount")) < 0) {
        verr_set(e, 422, "invalid_value", "remedy_cost", "remedy_cost may not be negative");
        return -1;
    }
    return 0;
}

static const struct wf_transition case_moves[] = {
    {"new", "open", NULL, NULL, NULL, NULL},
    {"new", "waiting_on_customer", NULL, NULL, NULL, NULL},
    {"new", "resolved", NULL, NULL, "resolved_at", "resolved_by"},
    {"open", "waiting_on_customer", NULL, NULL, NULL, NULL},
    {"waiting_on_customer", "open", NULL, NULL, NULL, NULL},
    {"open", "resolved", NULL, NULL, "resolved_at", "resolved_by"},
    {"waiting_on_customer", "resolved", NULL, NULL, "resolved_at", "resolved_by"},
    {"resolved", "closed", NULL, NULL, "closed_at", NULL},
    {"resolved", "open", NULL, NULL, NULL, NULL},   /* reopen */
    {"closed", "open", NULL, NULL, NULL, NULL},     /* reopen */
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const case_initials[] = {"new", "open", NULL};

const struct workflow case_workflow = {
    .field = "status", .initial = "new", .initials = case_initials, .transitions = case_moves,
};

/* The order a case names is one of its customer's (the reference check has
 * found that it exists); then the assignment rules' own checks. */
static int case_check_stored(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    json_t *o = json_object_get(rec, "order_id");
    if (json_is_integer(o)) {
        db_stmt *s = db_prepare(w, "SELECT party_id FROM sales_order WHERE id = ?");
        if (!s) { verr_set(e, 500, "internal", NULL, "the order could not be read"); return -1; }
        db_bind_int64(s, 1, json_integer_value(o));
        int64_t party = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_done(s);
        if (party && party != json_integer_value(json_object_get(rec, "party_id"))) {
            verr_set(e, 422, "invalid_reference", "order_id", "order %lld is not an order of this case's customer",
                     (long long)json_integer_value(o));
            return -1;
        }
    }
    return case_assign_check(w, id, rec, e);
}

/* A case's thread, escalation steps and survey links go with it. */
static int case_before_delete(db *w, int64_t id, struct verr *e)
{
    static const char *const sql[] = {"DELETE FROM case_message WHERE case_id = ?", "DELETE FROM escalation_step WHERE case_id = ?",
                                      "UPDATE survey SET case_id = NULL WHERE case_id = ?"};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        db_stmt *s = db_prepare(w, sql[i]);
        if (!s) { verr_set(e, 500, "internal", NULL, "case delete failed"); return -1; }
        db_bind_int64(s, 1, id);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) { verr_set(e, 500, "internal", NULL, "case delete failed"); return -1; }
    }
    return 0;
}

struct resource case_resource = {
    .name = "cases", .table = "service_case", .entity = "case",
    .fields = case_fields, .nfields = sizeof case_fields / sizeof case_fields[0],
    .party_field = "party_id",
    .rule = case_rule, .derive = case_derive, .before_delete = case_before_delete,
    .check_stored = case_check_stored, .after_write = case_assign_link,
};
