/* clubs: clubs and member events (the social level of DOMAIN D7) and
 * structural services (the structural level) — descriptors, rules and the
 * invitation workflow invited → registered → attended | no_show, with
 * declined from invited or registered. Declared in records/registry.c; a
 * club member, an attendance and a structural service belong to their
 * party, so they show on its timeline. */
#include "domain/clubs.h"
#include <string.h>

static const char *const club_statuses[] = {"active", "closed", NULL};
static const char *const event_statuses[] = {"planned", "held", "cancelled", NULL};
static const char *const attendance_statuses[] = {"invited", "registered", "attended", "no_show", "declined", NULL};
static const char *const structural_kinds[] = {"stock_advice", "purchase_timing", "display_help", "training", "systems", "other", NULL};

static const struct field club_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "club or association name"},
    {"kind", "kind", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "club, association, user group …"},
    {"description", "description", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "description"},
    {"membership_levels", "membership_levels", NULL, FT_LIST, 0, 20, NULL, E_TEXT, 0, NULL, "membership levels, lowest first"},
    {"annual_fee", "annual_fee_amount", "annual_fee_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "the usual yearly fee"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, club_statuses, 0, 0, NULL, "active or closed"},
};

static const struct field club_member_fields[] = {
    {"club_id", "club_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "club", NULL, "the club"},
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "party", NULL, "the member"},
    {"level", "level", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "membership level (one of the club's)"},
    {"joined_on", "joined_on", NULL, FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "joined"},
    {"left_on", "left_on", NULL, FT_DATE, F_FILTER, 0, NULL, 0, 0, NULL, "left (none: still a member)"},
    {"fee", "fee_amount", "fee_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "fee paid"},
    {"notes", "notes", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "notes"},
};

static const struct field club_event_fields[] = {
    {"club_id", "club_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "club", NULL, "the club holding it (none: a company event)"},
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "event name"},
    {"starts_at", "starts_at", NULL, FT_TIME, F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "starts"},
    {"ends_at", "ends_at", NULL, FT_TIME, 0, 0, NULL, 0, 0, NULL, "ends"},
    {"location", "location", NULL, FT_TEXT, 0, 500, NULL, 0, 0, NULL, "where"},
    {"cost", "cost_amount", "cost_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "what it costs"},
    {"capacity", "capacity", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "places"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, event_statuses, 0, 0, NULL, "planned, held or cancelled"},
    {"description", "description", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "description"},
};

static const struct field event_attendance_fields[] = {
    {"event_id", "event_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "club_event", NULL, "the event"},
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "party", NULL, "who"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, attendance_statuses, 0, 0, NULL,
     "invited → registered → attended or no_show; invited or registered → declined"},
    {"invited_at", "invited_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when invited (server-set)"},
    {"registered_at", "registered_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when registered (server-set)"},
    {"attended_at", "attended_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when attendance was recorded (server-set)"},
    {"notes", "notes", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "notes"},
};

static const struct field structural_service_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "party", NULL, "the channel partner"},
    {"kind", "kind", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, structural_kinds, 0, 0, NULL,
     "stock-level advice, purchase timing, display help, training, shared systems, other"},
    {"delivered_on", "delivered_on", NULL, FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "when"},
    {"value", "value_amount", "value_currency", FT_MONEY, 0, 0, NULL, 0, 0, NULL, "its value to the partner"},
    {"description", "description", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "what was done"},
};

int club_member_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    const char *from = json_string_value(json_object_get(rec, "joined_on"));
    const char *to = json_string_value(json_object_get(rec, "left_on"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "left_on", "left_on (%s) must be on or after joined_on (%s)", to, from);
        return -1;
    }
    return 0;
}

/* The level is one of the club's levels (when the club lists any). */
static int club_member_stored(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    (void)id;
    const char *level = json_string_value(json_object_get(rec, "level"));
    if (!level) return 0;
    db_stmt *s = db_prepare(w, "SELECT membership_levels FROM club WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, json_integer_value(json_object_get(rec, "club_id")));
    json_t *levels = db_step(s) == DB_ROW ? json_loads(db_column_text(s, 0), 0, NULL) : NULL;
    db_done(s);
    int rc = 0;
    if (json_array_size(levels) > 0) {
        bool found = false;
        size_t i;
        json_t *v;
        json_array_foreach(levels, i, v) found = found || (json_is_string(v) && !strcmp(json_string_value(v), level));
        if (!found) { verr_set(e, 422, "invalid_value", "level", "%s is not a membership level of this club", level); rc = -1; }
    }
    json_decref(levels);
    return rc;
}

/* A new club is active, a new event planned, unless said otherwise. */
static int club_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    (void)e;
    if (!json_is_string(json_object_get(rec, "status"))) json_object_set_new(rec, "status", json_string("active"));
    return 0;
}

static int club_event_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    const char *from = json_string_value(json_object_get(rec, "starts_at")), *to = json_string_value(json_object_get(rec, "ends_at"));
    if (from && to && strcmp(to, from) < 0) {
        verr_set(e, 422, "invalid_value", "ends_at", "ends_at must not be before starts_at");
        return -1;
    }
    json_t *cap = json_object_get(rec, "capacity");
    if (json_is_integer(cap) && json_integer_value(cap) < 0) {
        verr_set(e, 422, "invalid_value", "capacity", "capacity may not be negative");
        return -1;
    }
    if (!json_is_string(json_object_get(rec, "status"))) json_object_set_new(rec, "status", json_string("planned"));
    return 0;
}

static const struct wf_transition attendance_moves[] = {
    {"invited", "registered", NULL, NULL, "registered_at", NULL},
    {"registered", "attended", NULL, NULL, "attended_at", NULL},
    {"registered", "no_show", NULL, NULL, NULL, NULL},
    {"invited", "declined", NULL, NULL, NULL, NULL},
    {"registered", "declined", NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
static const char *const attendance_initials[] = {"invited", "registered", NULL};

const struct workflow attendance_workflow = {
    .field = "status", .initial = "invited", .initials = attendance_initials, .transitions = attendance_moves,
};

/* Stamps the invitation (and a walk-in registration) on create. */
static int attendance_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)e;
    if (old) return 0;
    char now[21];
    now_text(now);
    const char *st = json_string_value(json_object_get(rec, "status"));
    if (!st || !strcmp(st, "invited")) json_object_set_new(rec, "invited_at", json_string(now));
    else if (!strcmp(st, "registered")) json_object_set_new(rec, "registered_at", json_string(now));
    return 0;
}

struct resource club_resource = {
    .name = "clubs", .table = "club", .entity = "club",
    .fields = club_fields, .nfields = sizeof club_fields / sizeof club_fields[0], .rule = club_rule,
};
struct resource club_member_resource = {
    .name = "club-members", .table = "club_member", .entity = "club_member", .party_field = "party_id",
    .fields = club_member_fields, .nfields = sizeof club_member_fields / sizeof club_member_fields[0],
    .rule = club_member_rule, .check_stored = club_member_stored,
};
struct resource club_event_resource = {
    .name = "club-events", .table = "club_event", .entity = "club_event",
    .fields = club_event_fields, .nfields = sizeof club_event_fields / sizeof club_event_fields[0], .rule = club_event_rule,
};
struct resource event_attendance_resource = {
    .name = "event-attendances", .table = "event_attendance", .entity = "event_attendance", .party_field = "party_id",
    .fields = event_attendance_fields, .nfields = sizeof event_attendance_fields / sizeof event_attendance_fields[0],
    .rule = attendance_rule,
};
struct resource structural_service_resource = {
    .name = "structural-services", .table = "structural_service", .entity = "structural_service", .party_field = "party_id",
    .fields = structural_service_fields, .nfields = sizeof structural_service_fields / sizeof structural_service_fields[0],
};
