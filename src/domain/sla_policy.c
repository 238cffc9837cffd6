/* sla_policy: the SLA-policy record type (issue 19): first-response and
 * resolution targets in business minutes of a calendar, for the case
 * priorities, categories and customer tiers it lists (an empty list: any).
 * A case takes the most specific active policy that fits it (case_sla.c). */
#include "domain/service.h"

static const char *const tiers[] = {"platinum", "gold", "iron", "lead", NULL};

static const struct field sla_policy_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "policy name"},
    {"calendar_id", "calendar_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "business_calendar", NULL, "the business calendar its clocks run on"},
    {"priorities", "priorities", NULL, FT_LIST, F_FILTER, 4, case_priorities, E_ENUM, 0, NULL, "case priorities it applies to (empty: any)"},
    {"categories", "categories", NULL, FT_LIST, F_FILTER, 50, NULL, E_TEXT, 0, NULL, "case categories it applies to (empty: any)"},
    {"tiers", "tiers", NULL, FT_LIST, F_FILTER, 4, tiers, E_ENUM, 0, NULL, "customer value tiers it applies to (empty: any)"},
    {"first_response_minutes", "first_response_minutes", NULL, FT_INT, F_REQUIRED, 0, NULL, 0, 0, NULL, "first-response target, business minutes"},
    {"resolution_minutes", "resolution_minutes", NULL, FT_INT, F_REQUIRED, 0, NULL, 0, 0, NULL, "resolution target, business minutes"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "whether new and changed cases take it (default true)"},
};

int sla_policy_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    if (!json_is_boolean(json_object_get(rec, "active"))) json_object_set_new(rec, "active", json_true());
    json_t *f = json_object_get(rec, "first_response_minutes"), *r = json_object_get(rec, "resolution_minutes");
    if (!json_is_integer(f) || !json_is_integer(r)) return 0; /* required: the write path says so */
    json_int_t fr = json_integer_value(f), rs = json_integer_value(r);
    /* A year of round-the-clock minutes is far beyond any target. */
    if (fr < 1 || fr > 525600) {
        verr_set(e, 422, "invalid_value", "first_response_minutes", "first_response_minutes must be from 1 to 525600");
        return -1;
    }
    if (rs < fr || rs > 525600) {
        verr_set(e, 422, "invalid_value", "resolution_minutes",
                 "resolution_minutes must be at least first_response_minutes (%lld) and at most 525600", (long long)fr);
        return -1;
    }
    return 0;
}

/* Changed targets or calendar move the due times of its open cases. */
static int sla_policy_after_write(db *w, int64_t id, const json_t *rec)
{
    (void)rec;
    return case_sla_mark_stale(w, "UPDATE service_case SET sla_stale = 1 WHERE status IN ('new', 'open', 'waiting_on_customer')"
                                  " AND sla_policy_id = ?", id);
}

struct resource sla_policy_resource = {
    .name = "sla-policies", .table = "sla_policy", .entity = "sla_policy",
    .fields = sla_policy_fields, .nfields = sizeof sla_policy_fields / sizeof sla_policy_fields[0],
    .rule = sla_policy_rule, .after_write = sla_policy_after_write,
};
