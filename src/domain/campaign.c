/* campaign: relationship-marketing campaigns (DOMAIN D6/D7) — the
 * descriptor, its rule and its workflow. The type is declared in the
 * registry (records/registry.c), which gives it routes, permissions,
 * audit, a timeline and an export; this file holds only what is its own:
 * the fields, "a campaign ends on or after the day it starts", and the
 * status workflow planned → active → completed, planned | active →
 * cancelled, where only a manager or an admin activates. */
#include "domain/campaign.h"
#include "domain/vocab.h"
#include <string.h>

static const char *const campaign_statuses[] = {"planned", "active", "completed", "cancelled", NULL};

static const struct field campaign_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "campaign name"},
    {"channel", "channel", NULL, FT_ENUM, F_FILTER, 0, interaction_channels, 0, 0, NULL, "the channel it runs on (the interaction channels)"},
    {"objective", "objective", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "what it is meant to achieve"},
    {"starts_on", "starts_on", NULL, FT_DATE, F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "first day"},
    {"ends_on", "ends_on", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "last day (on or after starts_on)"},
    {"budget", "budget_amount", "budget_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "budget"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, campaign_statuses, 0, 0, NULL,
     "planned → active → completed; planned or active → cancelled"},
    {"activated_at", "activated_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it became active (server-set)"},
    {"activated_by", "activated_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, REF_USER, NULL, "who activated it (server-set)"},
    {"completed_at", "completed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was completed (server-set)"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, REF_USER, NULL, "responsible user (default: the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, REF_TEAM, NULL, "team"},
};

/* Dates are checked YYYY-MM-DD text by then, so text order is day order. */
int campaign_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    const char *from = json_string_value(json_object_get(rec, "starts_on"));
    const char *to = json_string_value(json_object_get(rec, "ends_on"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "ends_on", "ends_on (%s) must be on or after starts_on (%s)", to, from);
        return -1;
    }
    return 0;
}

static const char *const activators[] = {"admin", "manager", NULL};

static const struct wf_transition campaign_moves[] = {
    {"planned", "active", activators, NULL, "activated_at", "activated_by"},
    {"active", "completed", NULL, NULL, "completed_at", NULL},
    {"planned", "cancelled", NULL, NULL, NULL, NULL},
    {"active", "cancelled", NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const campaign_initials[] = {"planned", NULL};

const struct workflow campaign_workflow = {
    .field = "status", .initial = "planned", .initials = campaign_initials, .transitions = campaign_moves,
};

struct resource campaign_resource = {
    .name = "campaigns", .table = "campaign", .entity = "campaign",
    .fields = campaign_fields, .nfields = sizeof campaign_fields / sizeof campaign_fields[0],
    .rule = campaign_rule,
};
