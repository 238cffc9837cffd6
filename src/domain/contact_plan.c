/* contact_plan: the contact-plan record type (DOMAIN D8). A plan says how
 * often the customers of a segment are contacted (every_days: 7 for the
 * seed's level 1, 14 for level 2, 30 for level 3), by which activities in
 * turn (the seed's bank example: phone calls, new products compared with
 * the competitors', maturity notices, visits with a manager, seminars,
 * birthday cards, holiday greetings, year-end gifts) and who does it (the
 * customer's owner, a team, round robin). Declared in the registry; the
 * generation of its planned contacts is contact_plan_run.c. */
#include "domain/contact_plan.h"
#include "domain/segment.h"
#include "domain/vocab.h"
#include <string.h>

const char *const contact_plan_activities[] = {
    "call", "visit", "product_introduction", "competitor_comparison", "maturity_notice", "manager_visit",
    "seminar_invitation", "birthday_card", "holiday_greeting", "year_end_gift", "small_gift", NULL};
static const char *const owner_rules[] = {"customer_owner", "team", "round_robin", NULL};

static const struct field contact_plan_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "plan name"},
    {"segment", "segment", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL,
     "the customers it covers: a party-list query string, e.g. tier=platinum&tags=vip (null: every party)"},
    {"every_days", "every_days", NULL, FT_INT, F_REQUIRED | F_SORT, 0, NULL, 0, 0, NULL, "one contact per this many days (1 to 366)"},
    {"channel", "channel", NULL, FT_ENUM, F_FILTER, 0, interaction_channels, 0, 0, NULL, "the channel of its contacts (default call)"},
    {"activity", "activity", NULL, FT_ENUM, F_FILTER, 0, contact_plan_activities, 0, 0, NULL,
     "the activity of every contact when activities is empty"},
    {"activities", "activities", NULL, FT_LIST, 0, 24, contact_plan_activities, E_ENUM, 0, NULL,
     "activities in turn, one per slot (the seed's bank example)"},
    {"owner_rule", "owner_rule", NULL, FT_ENUM, F_FILTER, 0, owner_rules, 0, 0, NULL,
     "who gets each contact: the customer's owner, a member of assignee_team_id (the owner when a member), or round robin in it"},
    {"assignee_team_id", "assignee_team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "the team of owner_rule team / round_robin"},
    {"starts_on", "starts_on", NULL, FT_DATE, 0, 0, NULL, 0, 0, NULL, "the first slot's first day (default: the day it is created)"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "generates contacts (default true); an inactive plan's open contacts are cancelled"},
    {"notes", "notes", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "notes"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user; the segment is resolved in their scope"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
};

int contact_plan_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)old;
    json_t *every = json_object_get(rec, "every_days");
    if (json_is_integer(every) && (json_integer_value(every) < 1 || json_integer_value(every) > 366)) {
        verr_set(e, 422, "invalid_value", "every_days", "every_days must be from 1 to 366");
        return -1;
    }
    if (segment_check(json_string_value(json_object_get(rec, "segment")), "segment", a ? a->role : NULL, e)) return -1;
    if (!json_is_string(json_object_get(rec, "owner_rule")))
        json_object_set_new(rec, "owner_rule", json_string("customer_owner"));
    if (!json_is_string(json_object_get(rec, "channel"))) json_object_set_new(rec, "channel", json_string("call"));
    if (!json_is_boolean(json_object_get(rec, "active"))) json_object_set_new(rec, "active", json_true());
    if (!json_is_string(json_object_get(rec, "starts_on"))) {
        char now[21];
        now_text(now);
        now[10] = '\0';
        json_object_set_new(rec, "starts_on", json_string(now));
    }
    const char *rule = json_string_value(json_object_get(rec, "owner_rule"));
    if (!strcmp(rule, "team") && !json_is_integer(json_object_get(rec, "assignee_team_id"))) {
        verr_set(e, 422, "required", "assignee_team_id", "owner_rule team needs assignee_team_id");
        return -1;
    }
    return 0;
}

struct resource contact_plan_resource = {
    .name = "contact-plans", .table = "contact_plan", .entity = "contact_plan",
    .fields = contact_plan_fields, .nfields = sizeof contact_plan_fields / sizeof contact_plan_fields[0],
    .rule = contact_plan_rule,
};
