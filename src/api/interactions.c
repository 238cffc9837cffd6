/* interactions: every touchpoint with a party, done or planned (D1, D8):
 * visits, calls, e-mail, SMS, WeChat, events, seminars, gifts, cards. The
 * company's action and the customer's response are both recorded; a planned
 * interaction is a task with a due time. */
#include "api/api.h"
#include "domain/vocab.h"
#include <string.h>

static const struct field interaction_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the party"},
    {"channel", "channel", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, interaction_channels, 0, 0, NULL, "channel"},
    {"direction", "direction", NULL, FT_ENUM, F_FILTER, 0, interaction_directions, 0, 0, NULL, "inbound or outbound"},
    {"subject", "subject", NULL, FT_TEXT, 0, 300, NULL, 0, 0, NULL, "subject"},
    {"notes", "notes", NULL, FT_TEXT, 0, 20000, NULL, 0, 0, NULL, "what happened"},
    {"outcome", "outcome", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "outcome for the company"},
    {"response", "response", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "the customer's response"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, interaction_statuses, 0, 0, NULL, "planned, done or cancelled"},
    {"due_at", "due_at", NULL, FT_TIME, F_FILTER, 0, NULL, 0, 0, NULL, "when a planned interaction is due"},
    {"occurred_at", "occurred_at", NULL, FT_TIME, F_FILTER, 0, NULL, 0, 0, NULL, "when it happened"},
    {"user_id", "user_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "the user responsible"},
    {"campaign", "campaign", NULL, FT_TEXT, F_FILTER, 200, NULL, 0, 0, NULL, "the campaign it belongs to"},
    {"cost", "cost_amount", "cost_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "cost to serve"},
};

static int interaction_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    json_t *status = json_object_get(rec, "status");
    if (!status || json_is_null(status)) json_object_set_new(rec, "status", json_string("done"));
    const char *st = json_string_value(json_object_get(rec, "status"));
    if (!old && !json_is_integer(json_object_get(rec, "user_id")) && a->user_id)
        json_object_set_new(rec, "user_id", json_integer(a->user_id));
    if (!strcmp(st, "planned") && !json_is_string(json_object_get(rec, "due_at"))) {
        verr_set(e, 422, "required", "due_at", "a planned interaction needs due_at");
        return -1;
    }
    if (!strcmp(st, "done") && !json_is_string(json_object_get(rec, "occurred_at"))) {
        char now[21];
        now_text(now);
        json_object_set_new(rec, "occurred_at", json_string(now));
    }
    return 0;
}

struct resource interaction_resource = {
    .name = "interactions", .table = "interaction", .entity = "interaction",
    .fields = interaction_fields, .nfields = sizeof interaction_fields / sizeof interaction_fields[0],
    .party_field = "party_id", .rule = interaction_rule,
};


