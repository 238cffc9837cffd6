/* assign: rules, round robin and capacity (see assign.h). */
#include "domain/assign.h"
#include "domain/vocab.h"
#include "jobs/scheduler.h"
#include "lib/timeutil.h"
#include "lib/zonetime.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const assign_subjects[] = {"lead", "case", NULL};
static const char *const assign_priorities[] = {"low", "normal", "high", "urgent", NULL};
static const char *const assign_tiers[] = {"platinum", "gold", "iron", "lead", NULL};
static const char *const assign_periods[] = {"day", "week", "month", NULL};

static const struct field rule_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "what the rule is for"},
    {"subject", "subject", NULL, FT_ENUM, F_FILTER | F_CREATE_ONLY, 0, assign_subjects, 0, 0, NULL, "what it assigns: lead (default) or case"},
    {"position", "position", NULL, FT_INT, F_SORT, 0, NULL, 0, 0, NULL, "order of evaluation: the first matching rule wins (then by id)"},
    {"territory", "territory", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "matches records of this territory (null: any)"},
    {"industry", "industry", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "matches records of this industry (null: any)"},
    {"source", "source", NULL, FT_ENUM, F_FILTER, 0, info_sources, 0, 0, NULL, "matches records of this information source (null: any)"},
    {"category", "category", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "case rules: matches cases of this category (null: any)"},
    {"priority", "priority", NULL, FT_ENUM, F_FILTER, 0, assign_priorities, 0, 0, NULL, "case rules: matches cases of this priority (null: any)"},
    {"tier", "tier", NULL, FT_ENUM, F_FILTER, 0, assign_tiers, 0, 0, NULL,
     "case rules: matches cases whose party is in this value tier (null: any)"},
    {"product_id", "product_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "product", NULL, "case rules: matches cases about this product (null: any)"},
    {"team_id", "team_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "team", NULL, "the team whose members take turns"},
    {"capacity", "capacity", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "at most this many records per member per period (null: no limit)"},
    {"period", "period", NULL, FT_ENUM, 0, 0, assign_periods, 0, 0, NULL, "the capacity's period: day, week (from Monday) or month, in the company's time zone"},
    {"enabled", "enabled", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "a disabled rule is skipped"},
};

static int rule_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    json_t *cap = json_object_get(rec, "capacity"), *pos = json_object_get(rec, "position");
    if (json_is_integer(cap) && (json_integer_value(cap) < 1 || json_integer_value(cap) > 1000000)) {
        verr_set(e, 422, "invalid_value", "capacity", "capacity must be from 1 to 1000000, or null for no limit");
        return -1;
    }
    if (json_is_integer(pos) && (json_integer_value(pos) < 0 || json_integer_value(pos) > 1000000)) {
        verr_set(e, 422, "invalid_value", "position", "position must be from 0 to 1000000");
        return -1;
    }
    if (!json_is_string(json_object_get(rec, "subject"))) json_object_set_new(rec, "subject", json_string("lead"));
    /* A criterion of the other subject would never match: refused. */
    bool lead = !strcmp(json_string_value(json_object_get(rec, "subject")), "lead");
    static const char *const of_lead[] = {"territory", "industry", "source", NULL};
    static const char *const of_case[] = {"category", "priority", "tier", "product_id", NULL};
    for (const char *const *k = lead ? of_case : of_lead; *k; k++) {
        json_t *v = json_object_get(rec, *k);
        if (v && !json_is_null(v)) {
            verr_set(e, 422, "invalid_value", *k, "%s is not a criterion of a %s rule", *k, lead ? "lead" : "case");
            return -1;
        }
    }
    if (!json_is_string(json_object_get(rec, "period"))) json_object_set_new(rec, "period", json_string("day"));
    if (!json_is_integer(pos)) json_object_set_new(rec, "position", json_integer(0));
    if (!json_is_boolean(json_object_get(rec, "enabled"))) json_object_set_new(rec, "enabled", json_true());
    return 0;
}

struct resource assignment_rule_resource = {
    .name = "assignment-rules", .table = "assignment_rule", .entity = "assignment_rule",
    .fields = rule_fields, .nfields = sizeof rule_fields / sizeof rule_fields[0],
    .rule = rule_rule,
};

/* The last period found per thread and period name, with its end: the
 * next lead of the same period needs no ICU calendar (a bulk import asks
 * four times a lead). */
struct period_memo {
    char zone[64], period[8];
    int64_t from, to;
};
static _Thread_local struct period_memo g_memo[3];

int assign_period_start(const char *zone, const char *period, const char *now, char out[21])
{
    int64_t t, start, end;
    char day[11];
    struct tm tm = {0};
    if (!now || !period || time_parse(now, &t)) return -1;
    if (!zone || !*zone) zone = "UTC";
    int slot = !strcmp(period, "day") ? 0 : !strcmp(period, "week") ? 1 : !strcmp(period, "month") ? 2 : -1;
    if (slot < 0) return -1;
    struct period_memo *m = &g_memo[slot];
    if (!strcmp(m->zone, zone) && t >= m->from && t < m->to) {
        time_format(m->from, out);
        return 0;
    }
    /* The local date now, moved back to the period's first day as a plain
     * calendar date (timegm only does the day arithmetic), then the
     * instant that day began in the zone; the period ends where the next
     * one begins. */
    if (zone_local_date(zone, t, day) || sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (slot == 2) tm.tm_mday = 1;
    time_t d0 = timegm(&tm);
    if (slot == 1) {
        struct tm d;
        gmtime_r(&d0, &d);
        d0 -= (time_t)((d.tm_wday + 6) % 7) * 86400;   /* back to Monday */
    }
    gmtime_r(&d0, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    if (zone_day_start(zone, day, &start)) return -1;
    if (slot == 2) { tm.tm_mon += 1; d0 = timegm(&tm); }   /* timegm normalises month 12 */
    else d0 += slot == 1 ? 7 * 86400 : 86400;
    gmtime_r(&d0, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    if (zone_day_start(zone, day, &end)) return -1;
    snprintf(m->zone, sizeof m->zone, "%s", zone);
    snprintf(m->period, sizeof m->period, "%s", period);
    m->from = start;
    m->to = end;
    time_format(start, out);
    return 0;
}

/* A rule's criterion matches when it is unset or equal (case-insensitive). */
static const char *const match_sql =
    "SELECT id, team_id, capacity, period FROM assignment_rule WHERE subject = ? AND enabled = 1"
    " AND (territory IS NULL OR LOWER(territory) = LOWER(?))"
    " AND (industry IS NULL OR LOWER(industry) = LOWER(?))"
    " AND (source IS NULL OR source = ?)"
    " AND (category IS NULL OR LOWER(category) = LOWER(?))"
    " AND (priority IS NULL OR priority = ?)"
    " AND (tier IS NULL OR tier = ?)"
    " AND (product_id IS NULL OR product_id = ?)"
    " ORDER BY position, id LIMIT 1";

/* What user was given of subject in the period starting at since. */
static int64_t load_of(db *w, const char *subject, int64_t user, const char *period, const char *since)
{
    db_stmt *s = db_prepare(w, "SELECT assigned FROM assignment_load WHERE subject = ? AND user_id = ? AND period = ? AND period_start = ?");
    if (!s) return -1;
    db_bind_text(s, 1, subject);
    db_bind_int64(s, 2, user);
    db_bind_text(s, 3, period);
    db_bind_text(s, 4, since);
    int step = db_step(s);
    int64_t n = step == DB_ROW ? db_column_int64(s, 0) : step == DB_DONE ? 0 : -1;
    db_done(s);
    return n;
}

/* Counts one more for user in the day, the week and the month of now: a
 * rule's period may change, and each count must already be right then. */
static int load_add(db *w, const char *zone, const char *subject, int64_t user, const char *now)
{
    static const char *const periods[] = {"day", "week", "month"};
    for (int i = 0; i < 3; i++) {
        char since[21];
        if (assign_period_start(zone, periods[i], now, since)) return -1;
        db_stmt *s = db_prepare(w, "INSERT INTO assignment_load(subject, user_id, period, period_start, assigned) VALUES (?, ?, ?, ?, 1)"
                                   " ON CONFLICT(subject, user_id, period, period_start) DO UPDATE SET assigned = assignment_load.assigned + 1");
        if (!s) return -1;
        db_bind_text(s, 1, subject);
        db_bind_int64(s, 2, user);
        db_bind_text(s, 3, periods[i]);
        db_bind_text(s, 4, since);
        int step = db_step(s);
        db_done(s);
        if (step != DB_DONE) return -1;
    }
    return 0;
}

#define MAX_MEMBERS 512

int assign_pick(db *w, const char *subject, const struct assign_input *in, const char *now, struct assign_result *out)
{
    memset(out, 0, sizeof *out);
    db_stmt *s = db_prepare(w, match_sql);
    if (!s) return -1;
    db_bind_text(s, 1, subject);
    db_bind_text(s, 2, in->territory);
    db_bind_text(s, 3, in->industry);
    db_bind_text(s, 4, in->source);
    db_bind_text(s, 5, in->category);
    db_bind_text(s, 6, in->priority);
    db_bind_text(s, 7, in->tier);
    if (in->product_id) db_bind_int64(s, 8, in->product_id); else db_bind_null(s, 8);
    int step = db_step(s);
    int64_t capacity = 0;
    char period[8] = "day";
    if (step == DB_ROW) {
        out->rule_id = db_column_int64(s, 0);
        out->team_id = db_column_int64(s, 1);
        capacity = db_column_type(s, 2) == DB_NULL ? 0 : db_column_int64(s, 2);
        snprintf(period, sizeof period, "%s", db_column_text(s, 3) ? db_column_text(s, 3) : "day");
    }
    db_done(s);
    if (step != DB_ROW) return step == DB_DONE ? 0 : -1;
    /* The members in a fixed order (id); the turn goes to the first after
     * the cursor, wrapping round, so each member gets one before anyone
     * gets a second — whatever their seniority or the order they joined. */
    int64_t members[MAX_MEMBERS];
    int n = 0;
    s = db_prepare(w, "SELECT id FROM app_user WHERE team_id = ? AND disabled = 0 AND role <> 'read_only' ORDER BY id");
    if (!s) return -1;
    db_bind_int64(s, 1, out->team_id);
    while ((step = db_step(s)) == DB_ROW && n < MAX_MEMBERS) members[n++] = db_column_int64(s, 0);
    db_done(s);
    if (step != DB_ROW && step != DB_DONE) return -1;
    int64_t last = 0;
    s = db_prepare(w, "SELECT last_user_id FROM assignment_cursor WHERE subject = ? AND team_id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, subject);
    db_bind_int64(s, 2, out->team_id);
    if (db_step(s) == DB_ROW) last = db_column_int64(s, 0);
    db_done(s);
    int start = 0;
    while (start < n && members[start] <= last) start++;
    char since[21];
    /* The periods are the company's days, weeks and months: a day that
     * starts at 08:00 UTC in Shanghai is counted from there. */
    char zone[64];
    company_time_zone(w, zone, sizeof zone);
    if (capacity && assign_period_start(zone, period, now, since)) return -1;
    for (int k = 0; k < n; k++) {
        int64_t u = members[(start + k) % n];
        if (capacity) {
            int64_t have = load_of(w, subject, u, period, since);
            if (have < 0) return -1;
            if (have >= capacity) continue;
        }
        out->user_id = u;
        break;
    }
    if (!out->user_id) return 0;
    s = db_prepare(w, "INSERT INTO assignment_cursor(subject, team_id, last_user_id, rotations) VALUES (?, ?, ?, 1)"
                      " ON CONFLICT(subject, team_id) DO UPDATE SET last_user_id = excluded.last_user_id,"
                      " rotations = assignment_cursor.rotations + 1");
    if (!s) return -1;
    db_bind_text(s, 1, subject);
    db_bind_int64(s, 2, out->team_id);
    db_bind_int64(s, 3, out->user_id);
    step = db_step(s);
    db_done(s);
    if (step != DB_DONE) return -1;
    s = db_prepare(w, "INSERT INTO assignment_log(subject, record_id, user_id, team_id, rule_id, at) VALUES (?, NULL, ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_text(s, 1, subject);
    db_bind_int64(s, 2, out->user_id);
    db_bind_int64(s, 3, out->team_id);
    db_bind_int64(s, 4, out->rule_id);
    db_bind_text(s, 5, now);
    step = db_step(s);
    db_done(s);
    if (step != DB_DONE) return -1;
    return load_add(w, zone, subject, out->user_id, now) ? -1 : 1;
}

int assign_link(db *w, const char *subject, int64_t record_id)
{
    db_stmt *s = db_prepare(w, "UPDATE assignment_log SET record_id = ? WHERE subject = ? AND record_id IS NULL");
    if (!s) return -1;
    db_bind_int64(s, 1, record_id);
    db_bind_text(s, 2, subject);
    int step = db_step(s);
    db_done(s);
    return step == DB_DONE ? 0 : -1;
}
