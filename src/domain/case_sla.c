/* case_sla: a case's SLA clocks (issue 19), run by the write path for
 * every writer as the case type's derive hook:
 *  - the clocks stop while the case waits on the customer or is resolved
 *    or closed: each such stretch is kept in sla_pauses ({from, to}), the
 *    last without a `to` while it lasts;
 *  - a resolved or closed case moved back to open is a reopen: counted,
 *    and its resolution is open again;
 *  - the policy is the most specific active SLA policy that fits the
 *    case's priority, category and its party's value tier (chosen again
 *    when one of those changes), and its targets are business minutes of
 *    the policy's calendar from opened_at, minus the pauses that ended;
 *  - first_response_met / resolution_met say whether each happened by its
 *    due time (null until it happened).
 * The arithmetic is domain/bizcal.c. */
#include "domain/bizcal.h"
#include "domain/service.h"
#include "lib/timeutil.h"
#include <stdlib.h>
#include <string.h>

bool case_status_paused(const char *s)
{
    return s && (!strcmp(s, "waiting_on_customer") || !strcmp(s, "resolved") || !strcmp(s, "closed"));
}

const char *case_priority_up(const char *p)
{
    for (int i = 0; p && case_priorities[i]; i++)
        if (!strcmp(case_priorities[i], p)) return case_priorities[i + 1] ? case_priorities[i + 1] : case_priorities[i];
    return NULL;
}

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static bool changed(const json_t *old, const json_t *rec, const char *k)
{
    return !old || !json_equal(json_object_get(old, k), json_object_get(rec, k));
}

/* Whether list (stored JSON text) is empty or holds want. */
static bool list_fits(const char *text, const char *want)
{
    json_t *l = text ? json_loads(text, 0, NULL) : NULL;
    bool fits = !json_array_size(l);
    size_t i;
    json_t *v;
    json_array_foreach(l, i, v) if (want && json_is_string(v) && !strcmp(json_string_value(v), want)) fits = true;
    json_decref(l);
    return fits;
}

static bool list_empty(const char *text) { return !text || !strcmp(text, "[]"); }

struct policy {
    int64_t id, calendar_id, fr_minutes, res_minutes;
};

/* The most specific active policy that fits (more of priority, category
 * and tier named wins; then the lowest id): 1, 0 when none, -1. */
static int choose_policy(db *w, const json_t *rec, struct policy *out)
{
    const char *priority = str(rec, "priority"), *category = str(rec, "category");
    char *tier = NULL;
    json_t *party = json_object_get(rec, "party_id");
    if (json_is_integer(party)) {
        db_stmt *s = db_prepare(w, "SELECT tier FROM score WHERE party_id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, json_integer_value(party));
        if (db_step(s) == DB_ROW && db_column_text(s, 0)) tier = strdup(db_column_text(s, 0));
        db_done(s);
    }
    db_stmt *s = db_prepare(w, "SELECT id, calendar_id, priorities, categories, tiers, first_response_minutes, resolution_minutes"
                               " FROM sla_policy WHERE active = 1 ORDER BY id");
    if (!s) { free(tier); return -1; }
    int best = -1, found = 0;
    while (db_step(s) == DB_ROW) {
        const char *pr = db_column_text(s, 2), *ca = db_column_text(s, 3), *ti = db_column_text(s, 4);
        if (!list_fits(pr, priority) || !list_fits(ca, category) || !list_fits(ti, tier)) continue;
        int specific = !list_empty(pr) + !list_empty(ca) + !list_empty(ti);
        if (specific <= best) continue;
        best = specific;
        found = 1;
        *out = (struct policy){db_column_int64(s, 0), db_column_int64(s, 1), db_column_int64(s, 5), db_column_int64(s, 6)};
    }
    db_done(s);
    free(tier);
    return found;
}

static int load_policy(db *w, int64_t id, struct policy *out)
{
    db_stmt *s = db_prepare(w, "SELECT id, calendar_id, first_response_minutes, resolution_minutes FROM sla_policy WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int found = db_step(s) == DB_ROW;
    if (found) *out = (struct policy){db_column_int64(s, 0), db_column_int64(s, 1), db_column_int64(s, 2), db_column_int64(s, 3)};
    db_done(s);
    return found;
}

static void set_time(json_t *rec, const char *k, int64_t t, bool ok)
{
    char buf[21];
    if (!ok) { json_object_set_new(rec, k, json_null()); return; }
    time_format(t, buf);
    json_object_set_new(rec, k, json_string(buf));
}

/* Whether event k happened by due: true, false, or null when it has not
 * happened or there is no due time. */
static void set_met(json_t *rec, const char *met, const char *k, const char *due)
{
    int64_t at, by;
    if (!str(rec, k) || !str(rec, due) || time_parse(str(rec, k), &at) || time_parse(str(rec, due), &by))
        json_object_set_new(rec, met, json_null());
    else
        json_object_set_new(rec, met, json_boolean(at <= by));
}

int case_derive(db *w, int64_t id, const json_t *old, json_t *rec, const char *now, struct verr *e)
{
    (void)id;
    const char *st = str(rec, "status"), *ost = old ? str(old, "status") : NULL;
    /* The pauses. */
    json_t *pauses = json_array();
    json_t *had = json_object_get(rec, "sla_pauses");
    size_t i;
    json_t *p;
    json_array_foreach(had, i, p) json_array_append_new(pauses, json_deep_copy(p));
    bool was = old && case_status_paused(ost), is = case_status_paused(st);
    if (!was && is) json_array_append_new(pauses, json_pack("{s:s}", "from", now));
    if (was && !is && json_array_size(pauses)) {
        json_t *last = json_array_get(pauses, json_array_size(pauses) - 1);
        if (!json_is_string(json_object_get(last, "to"))) json_object_set_new(last, "to", json_string(now));
    }
    json_object_set_new(rec, "sla_pauses", pauses);
    /* A reopen. */
    if (old && ost && st && (!strcmp(ost, "resolved") || !strcmp(ost, "closed")) && !strcmp(st, "open")) {
        json_object_set_new(rec, "reopen_count", json_integer(json_integer_value(json_object_get(rec, "reopen_count")) + 1));
        json_object_set_new(rec, "resolved_at", json_null());
        json_object_set_new(rec, "resolved_by", json_null());
        json_object_set_new(rec, "closed_at", json_null());
    }
    if (!json_is_integer(json_object_get(rec, "reopen_count"))) json_object_set_new(rec, "reopen_count", json_integer(0));
    if (!json_is_integer(json_object_get(rec, "escalation_level"))) json_object_set_new(rec, "escalation_level", json_integer(0));
    /* The policy. */
    struct policy pol = {0};
    int have;
    if (changed(old, rec, "priority") || changed(old, rec, "category") || changed(old, rec, "party_id")) {
        have = choose_policy(w, rec, &pol);
        json_object_set_new(rec, "sla_policy_id", have == 1 ? json_integer(pol.id) : json_null());
    } else {
        json_t *pid = json_object_get(rec, "sla_policy_id");
        have = json_is_integer(pid) ? load_policy(w, json_integer_value(pid), &pol) : 0;
    }
    if (have < 0) { verr_set(e, 500, "internal", NULL, "the SLA policy could not be read"); return -1; }
    /* The due times: business minutes of the calendar from opened_at, the
     * ended pauses left out (a pause still running moves them when it ends). */
    bool fr_ok = false, res_ok = false;
    int64_t fr_due = 0, res_due = 0, opened;
    if (have == 1 && str(rec, "opened_at") && time_parse(str(rec, "opened_at"), &opened) == 0) {
        json_t *cal = NULL;
        db_stmt *s = db_prepare(w, "SELECT time_zone, hours, holidays, working_days, working_day_hours FROM business_calendar WHERE id = ?");
        if (!s) { verr_set(e, 500, "internal", NULL, "the business calendar could not be read"); return -1; }
        db_bind_int64(s, 1, pol.calendar_id);
        if (db_step(s) == DB_ROW) {
            cal = json_pack("{s:s, s:o, s:o, s:o, s:o}", "time_zone", db_column_text(s, 0),
                            "hours", json_loads(db_column_text(s, 1), 0, NULL), "holidays", json_loads(db_column_text(s, 2), 0, NULL),
                            "working_days", json_loads(db_column_text(s, 3), 0, NULL),
                            "working_day_hours", json_loads(db_column_text(s, 4), 0, NULL));
        }
        db_done(s);
        struct bizcal_err be;
        struct bizcal *c = cal ? bizcal_parse(cal, &be) : NULL;
        json_decref(cal);
        if (c) {
            /* The first response's clock counts only the pauses before
             * the response: a later wait cannot make a late answer timely. */
            int64_t answered = INT64_MAX;
            if (str(rec, "first_response_at")) time_parse(str(rec, "first_response_at"), &answered);
            size_t n = json_array_size(pauses), k = 0, kf = 0;
            struct bizcal_pause *ps = calloc(n ? n : 1, sizeof *ps), *pf = calloc(n ? n : 1, sizeof *pf);
            json_array_foreach(pauses, i, p) {
                int64_t a, b;
                if (!ps || !pf || !str(p, "from") || !str(p, "to") || time_parse(str(p, "from"), &a) || time_parse(str(p, "to"), &b))
                    continue;
                ps[k++] = (struct bizcal_pause){a, b};
                if (a < answered) pf[kf++] = (struct bizcal_pause){a, b < answered ? b : answered};
            }
            fr_ok = ps && pf && bizcal_add(c, opened, pol.fr_minutes * 60, pf, kf, &fr_due) == 0;
            res_ok = ps && pf && bizcal_add(c, opened, pol.res_minutes * 60, ps, k, &res_due) == 0;
            free(ps);
            free(pf);
            bizcal_free(c);
        }
    }
    set_time(rec, "first_response_due_at", fr_due, fr_ok);
    set_time(rec, "resolution_due_at", res_due, res_ok);
    set_met(rec, "first_response_met", "first_response_at", "first_response_due_at");
    set_met(rec, "resolution_met", "resolved_at", "resolution_due_at");
    return 0;
}
