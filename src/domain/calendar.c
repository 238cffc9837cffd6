/* calendar: the business-calendar record type (issue 19): a time zone,
 * working hours per weekday, holidays and extra working days (调休). The
 * arithmetic is domain/bizcal.c; this file holds the fields and the rule
 * that a calendar parses, so a stored calendar always works. */
#include "domain/bizcal.h"
#include "domain/service.h"

static const struct field calendar_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "calendar name"},
    {"time_zone", "time_zone", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 64, NULL, 0, 0, NULL, "IANA time-zone name, e.g. Asia/Shanghai"},
    {"hours", "hours", NULL, FT_OBJECT, 0, 0, NULL, 0, 0, NULL,
     "working hours: keys mon … sun, each a list of [\"HH:MM\", \"HH:MM\"] intervals in order (the end may be \"24:00\")"},
    {"holidays", "holidays", NULL, FT_LIST, 0, 400, NULL, E_TEXT, 0, NULL, "public holidays (YYYY-MM-DD): no working time"},
    {"working_days", "working_days", NULL, FT_LIST, 0, 200, NULL, E_TEXT, 0, NULL,
     "extra working days (调休, YYYY-MM-DD), worked with Monday's hours unless working_day_hours says otherwise"},
    {"working_day_hours", "working_day_hours", NULL, FT_OBJECT, 0, 0, NULL, 0, 0, NULL,
     "hours of particular extra working days: keys from working_days, values lists of intervals"},
};

int calendar_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    struct bizcal_err be;
    struct bizcal *c = bizcal_parse(rec, &be);
    if (!c) {
        verr_set(e, 422, "invalid_value", be.field, "%s", be.message);
        return -1;
    }
    bizcal_free(c);
    return 0;
}

/* A changed calendar moves the due times of the open cases that follow it
 * (the escalation sweep recomputes them, in batches). */
static int calendar_after_write(db *w, int64_t id, const json_t *rec)
{
    (void)rec;
    return case_sla_mark_stale(w, "UPDATE service_case SET sla_stale = 1 WHERE status IN ('new', 'open', 'waiting_on_customer')"
                                  " AND sla_policy_id IN (SELECT id FROM sla_policy WHERE calendar_id = ?)", id);
}

struct resource calendar_resource = {
    .name = "business-calendars", .table = "business_calendar", .entity = "business_calendar",
    .fields = calendar_fields, .nfields = sizeof calendar_fields / sizeof calendar_fields[0],
    .rule = calendar_rule, .after_write = calendar_after_write,
};
