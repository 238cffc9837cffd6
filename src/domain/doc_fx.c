/* doc_fx: a sales document's company-currency total (see doc_fx.h). */
#include "domain/doc_fx.h"
#include "domain/fx.h"
#include "jobs/scheduler.h"
#include "lib/timeutil.h"
#include "lib/zonetime.h"
#include <stdio.h>
#include <string.h>

/* The document's day: its own date field, else the day it was made in the
 * company's time zone (UTC when the zone is unknown). False when neither
 * is there. */
static bool doc_day(db *c, const json_t *rec, const char *date_field, char out[11])
{
    const char *d = date_field ? json_string_value(json_object_get(rec, date_field)) : NULL;
    if (d && strlen(d) == 10) { snprintf(out, 11, "%s", d); return true; }
    const char *made = json_string_value(json_object_get(rec, "created_at"));
    int64_t at;
    if (!made || time_parse(made, &at)) return false;
    char zone[64];
    company_time_zone(c, zone, sizeof zone);
    if (zone_local_date(zone, at, out)) snprintf(out, 11, "%.10s", made);
    return true;
}

void doc_fx_add(db *c, json_t *rec, const char *date_field)
{
    json_t *total = json_object_get(rec, "total");
    const char *cur = json_string_value(json_object_get(total, "currency"));
    json_t *amount = json_object_get(total, "amount");
    char day[11];
    /* An audit row's partial record, or a total the reader may not see. */
    if (!c || !json_is_integer(json_object_get(rec, "id")) || !cur || !json_is_integer(amount)) return;
    if (!doc_day(c, rec, date_field, day)) return;
    char company[4];
    fx_company_currency(c, company);
    struct fx f;
    fx_init(&f, c, company);
    double rate = 0;
    const char *rate_text = NULL, *rate_on = NULL;
    bool found = fx_rate(&f, cur, day, &rate, &rate_text, &rate_on);
    int64_t v = 0;
    /* The same currency is the total itself, not a round trip through a double. */
    bool fits = found && (!strcmp(cur, company) ? (v = json_integer_value(amount), true)
                                                : fx_convert(json_integer_value(amount), cur, company, rate, &v));
    json_object_set_new(rec, "company_total", fits ? json_pack("{s:I, s:s}", "amount", (json_int_t)v, "currency", company) : json_null());
    json_object_set_new(rec, "fx", json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "from", cur, "to", company, "on", day, "rate",
                                             found && rate_text ? json_string(rate_text) : json_null(), "rate_on",
                                             found && rate_on ? json_string(rate_on) : json_null(), "missing", !found));
}
