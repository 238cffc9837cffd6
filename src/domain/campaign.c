/* campaign: relationship-marketing campaigns (DOMAIN D6/D7) — the
 * descriptor, its rule and its workflow. The type is declared in the
 * registry (records/registry.c), which gives it routes, permissions,
 * audit, a timeline and an export; this file holds only what is its own:
 * the fields, "a campaign ends on or after the day it starts", and the
 * status workflow planned → active → completed, planned | active →
 * cancelled, where only a manager or an admin activates. */
#include "domain/campaign.h"
#include "domain/campaign_members.h"
#include "domain/segment.h"
#include "domain/vocab.h"
#include <string.h>

static const char *const campaign_statuses[] = {"planned", "active", "completed", "cancelled", NULL};
static const char *const attribution_models[] = {"first_touch", "last_touch", NULL};

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
    {"activated_by", "activated_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who activated it (server-set)"},
    {"completed_at", "completed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was completed (server-set)"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user (default: the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
    /* Issue 20: the segment, the message, the control group, attribution, cost and PDCA. */
    {"segment", "segment", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL,
     "the target: a party-list query string (the parameters of GET /api/v1/parties, e.g. tier=platinum&tags=vip), resolved and frozen when the campaign becomes active"},
    {"template_id", "template_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "email_template", NULL, "the e-mail template it sends"},
    {"control_share", "control_share", NULL, FT_REAL, 0, 0, NULL, 0, 0, NULL, "share of the segment held out as a control group, 0 to 0.5 (default 0)"},
    {"attribution_days", "attribution_days", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "days after sending in which a purchase is attributed (1-365, default 30)"},
    {"attribution_model", "attribution_model", NULL, FT_ENUM, 0, 0, attribution_models, 0, 0, NULL,
     "which campaign a purchase is attributed to when several touched the party: first_touch or last_touch (default)"},
    {"cost", "cost_amount", "cost_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "what it cost (for cost per response and ROI)"},
    {"pdca_plan", "pdca_plan", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "PDCA: the plan (targets, hypothesis)"},
    {"pdca_do", "pdca_do", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "PDCA: what was done"},
    {"pdca_check", "pdca_check", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "PDCA: what the measures showed"},
    {"pdca_act", "pdca_act", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "PDCA: what changes next time"},
    {"members_frozen_at", "members_frozen_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when the segment was resolved into the member list (server-set)"},
    {"member_count", "member_count", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "members frozen, control group included (server-set)"},
    {"control_count", "control_count", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "members held out as the control group (server-set)"},
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
    json_t *share = json_object_get(rec, "control_share");
    if (json_is_number(share) && (json_number_value(share) < 0 || json_number_value(share) > 0.5)) {
        verr_set(e, 422, "out_of_range", "control_share", "control_share must be from 0 to 0.5");
        return -1;
    }
    json_t *days = json_object_get(rec, "attribution_days");
    if (json_is_integer(days) && (json_integer_value(days) < 1 || json_integer_value(days) > 365)) {
        verr_set(e, 422, "out_of_range", "attribution_days", "attribution_days must be from 1 to 365");
        return -1;
    }
    /* A frozen list is the campaign's audience: its segment no longer changes. */
    json_t *seg_old = old ? json_object_get(old, "segment") : NULL;
    if (old && json_is_string(json_object_get(old, "members_frozen_at")) && !json_equal(seg_old, json_object_get(rec, "segment"))) {
        verr_set(e, 409, "frozen", "segment", "the segment was resolved into the member list when the campaign started");
        return -1;
    }
    return 0;
}

/* The segment must be a valid party-list query before it is stored, and
 * one the owner may use when it is about to be resolved in their scope (a
 * filter by a figure hidden from their role is refused, as in their list). */
static int campaign_check_stored(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    (void)id;
    const char *seg = json_string_value(json_object_get(rec, "segment"));
    if (!seg) return 0;
    if (campaign_segment_check(seg, e)) return -1;
    const char *status = json_string_value(json_object_get(rec, "status"));
    if (!status || strcmp(status, "active") || json_is_string(json_object_get(rec, "members_frozen_at"))) return 0;
    struct auth_user owner;
    if (segment_scope_user(w, json_integer_value(json_object_get(rec, "owner_id")), &owner)) return 0;
    return segment_check(seg, "segment", owner.role, e);
}

/* Becoming active freezes the member list, in the same transaction as the
 * move, so an active campaign always has its list. The stored record the
 * write path returns gets the counts too. */
static int campaign_after_write(db *w, int64_t id, const json_t *stored)
{
    const char *status = json_string_value(json_object_get(stored, "status"));
    const char *seg = json_string_value(json_object_get(stored, "segment"));
    if (!status || strcmp(status, "active") || !seg || json_is_string(json_object_get(stored, "members_frozen_at"))) return 0;
    json_t *share = json_object_get(stored, "control_share");
    struct campaign_freeze f;
    if (campaign_members_freeze(w, id, seg, json_is_number(share) ? json_number_value(share) : 0,
                                json_integer_value(json_object_get(stored, "owner_id")), &f))
        return -1;
    json_t *rec = (json_t *)stored;   /* the write path's own copy, returned to the caller */
    json_object_set_new(rec, "members_frozen_at", json_string(f.at));
    json_object_set_new(rec, "member_count", json_integer(f.members));
    json_object_set_new(rec, "control_count", json_integer(f.controls));
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

/* The member list goes with its campaign (no foreign key: see migration 014). */
static int campaign_before_delete(db *w, int64_t id, struct verr *e)
{
    db_stmt *s = db_prepare(w, "DELETE FROM campaign_member WHERE campaign_id = ?");
    if (!s) { verr_set(e, 503, "storage_error", NULL, "the members could not be deleted"); return -1; }
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) { verr_set(e, 503, "storage_error", NULL, "the members could not be deleted"); return -1; }
    return 0;
}

struct resource campaign_resource = {
    .name = "campaigns", .table = "campaign", .entity = "campaign",
    .fields = campaign_fields, .nfields = sizeof campaign_fields / sizeof campaign_fields[0],
    .rule = campaign_rule, .check_stored = campaign_check_stored, .after_write = campaign_after_write,
    .before_delete = campaign_before_delete,
};
