/* next_action: the next best action (see next_action.h). */
#include "domain/next_action.h"
#include "http/authz.h"
#include "records/registry.h"
#include "lib/lunar.h"
#include "lib/timeutil.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OCCASION_AHEAD 14        /* days: a birthday this close is worth the contact */
#define P_ALIVE_FALLEN 0.6       /* P(alive) below this since the last purchase is a warning */
#define LAPSE_FACTOR 2           /* no contact for twice the plan's rhythm */

static void reason(json_t *reasons, const char *id, json_t *params)
{
    char key[64];
    snprintf(key, sizeof key, "nba.reason.%s", id);
    json_array_append_new(reasons, json_pack("{s:s, s:o}", "message", key, "params", params ? params : json_object()));
}

static bool valuable(const struct nba_facts *f) { return !strcmp(f->tier, "platinum") || !strcmp(f->tier, "gold"); }

json_t *next_action_decide(const struct nba_facts *f)
{
    json_t *reasons = json_array();
    const char *action = NULL, *channel = NULL, *when = "this_week";
    int64_t interaction = 0;
    /* The facts that explain whatever is chosen, strongest first: an open
     * case decides (below), so it comes first. */
    if (f->open_cases) {
        json_t *p = json_pack("{s:i}", "count", f->open_cases);
        if (f->open_case_id) json_object_set_new(p, "case_id", json_integer(f->open_case_id));
        reason(reasons, "open_case", p);
    }
    if (f->tier[0]) reason(reasons, "tier", json_pack("{s:{s:s, s:s}}", "tier", "vocab", "tier", "value", f->tier));
    bool fallen = f->p_alive >= 0 && f->p_alive < P_ALIVE_FALLEN && f->last_purchase[0];
    if (fallen)
    {
        json_t *p = json_pack("{s:I, s:{s:s}}", "percent", (json_int_t)llround(f->p_alive * 100), "since", "date", f->last_purchase);
        /* "fell from 92% to 61%": where it stood right after that purchase */
        bool from = f->p_alive_at_purchase > f->p_alive;
        if (from) json_object_set_new(p, "from", json_integer((json_int_t)llround(f->p_alive_at_purchase * 100)));
        reason(reasons, from ? "p_alive_fell_from" : "p_alive_fell", p);
    }
    bool lapsed = f->plan_every_days > 0 && (f->days_since_contact < 0 || f->days_since_contact > LAPSE_FACTOR * f->plan_every_days);
    if (f->planned_overdue || lapsed) {
        json_t *p = json_pack("{s:i, s:s}", "every_days", f->plan_every_days, "plan", f->plan_name);
        if (f->days_since_contact >= 0) json_object_set_new(p, "days", json_integer(f->days_since_contact));
        reason(reasons, f->days_since_contact >= 0 ? "no_contact_against_plan" : "never_contacted", p);
    }
    if (f->occasion_date[0] && f->occasion_kind && !strcmp(f->occasion_kind, "key_date"))
        reason(reasons, f->occasion_maturity ? "maturity_soon" : "key_date_soon",
               json_pack("{s:s, s:{s:s}, s:i}", "title", f->occasion_title, "date", "date", f->occasion_date, "days", f->occasion_in_days));
    else if (f->occasion_date[0])
        reason(reasons, f->occasion_kind && !strcmp(f->occasion_kind, "lunar_birthday") ? "lunar_birthday_soon" : "birthday_soon",
               json_pack("{s:{s:s}, s:i}", "date", "date", f->occasion_date, "days", f->occasion_in_days));
    if (f->lifecycle[0]) reason(reasons, "lifecycle", json_pack("{s:{s:s, s:s}}", "stage", "vocab", "lifecycle", "value", f->lifecycle));
    if (f->strategy[0]) reason(reasons, "strategy", json_pack("{s:{s:s, s:s}}", "strategy", "vocab", "strategy", "value", f->strategy));
    /* The decision, in order of what matters most. */
    if (f->open_cases) { action = "resolve_case"; channel = "call"; when = "today"; }
    else if (!strcmp(f->strategy, "indifferent") || !strcmp(f->tier, "lead")) { action = "none"; when = "none"; }
    else if (fallen && valuable(f)) { action = "win_back"; channel = !strcmp(f->tier, "platinum") ? "visit" : "call"; when = "today"; }
    else if (f->planned_overdue) {
        action = "overdue_contact";
        channel = f->planned_channel[0] ? f->planned_channel : "call";
        when = "today";
        interaction = f->planned_id;
    } else if (f->occasion_date[0] && f->occasion_maturity) { action = "maturity_notice"; channel = "call"; when = "before_occasion"; }
    else if (f->occasion_date[0]) { action = "greet"; channel = "card"; when = "before_occasion"; }
    else if (lapsed) { action = "follow_up"; channel = "call"; }
    else if (fallen) { action = "check_in"; channel = "call"; }
    else if (!strcmp(f->lifecycle, "exploration")) { action = "impress"; channel = "call"; }
    else if (!strcmp(f->lifecycle, "formation")) { action = "introduce_product"; channel = "visit"; }
    else if (!strcmp(f->lifecycle, "decline")) { action = valuable(f) ? "retain" : "second_development"; channel = "call"; }
    else if (f->planned) {
        action = "planned_contact";
        channel = f->planned_channel[0] ? f->planned_channel : "call";
        when = "planned";
        interaction = f->planned_id;
    } else if (!strcmp(f->strategy, "submissive")) { action = "please"; channel = "visit"; }
    else if (!strcmp(f->strategy, "caring")) { action = "care"; channel = "call"; }
    else if (!strcmp(f->strategy, "adaptive")) { action = "adapt_offer"; channel = "email"; }
    else { action = "get_to_know"; channel = "call"; when = "this_month"; }
    /* What is at stake: the lifetime value, weighted by the risk of losing
     * it when P(alive) is known (a sure customer stakes less today). */
    int64_t stake = 0;
    if (strcmp(action, "none") && f->clv > 0) {
        double risk = f->p_alive >= 0 ? 1.0 - f->p_alive : 0.5;
        stake = (int64_t)llround((double)f->clv * (0.25 + 0.75 * risk));
    }
    char key[64];
    snprintf(key, sizeof key, "nba.action.%s", action);
    json_t *msg = json_pack("{s:s, s:{s:s}}", "message", key, "params", "name", f->name);
    if (channel) json_object_set_new(json_object_get(msg, "params"), "channel", json_pack("{s:s, s:s}", "vocab", "channel", "value", channel));
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:I, s:s, s:o}", "party_id", (json_int_t)f->party_id, "party_name", f->name,
                     "action", action, "channel", channel ? json_string(channel) : json_null(), "when", when, "message", msg,
                     "reasons", reasons, "value_at_stake", (json_int_t)stake, "currency", f->currency[0] ? f->currency : "CNY",
                     "interaction_id", interaction ? json_integer(interaction) : json_null());
}

/* ---- the facts of a party ---- */

static void copy_col(db_stmt *s, int i, char *out, size_t cap)
{
    const char *v = db_column_text(s, i);
    snprintf(out, cap, "%s", v ? v : "");
}

static int days_between(const char *a, const char *b)
{
    int64_t ta, tb;
    if (time_parse(a, &ta) || time_parse(b, &tb)) return -1;
    return (int)((tb - ta) / 86400);
}

/* The next birthday of a solar date or a lunar {month, day, leap} within
 * OCCASION_AHEAD days of today. */
static void next_birthday(struct nba_facts *f, const char *solar, const char *lunar, const char *today)
{
    int64_t t0;
    if (date_parse(today, &t0)) return;
    int ty = atoi(today);
    int best = OCCASION_AHEAD + 1;
    for (int y = ty; y <= ty + 1; y++) {
        int by, bm, bd;
        if (solar && sscanf(solar, "%4d-%2d-%2d", &by, &bm, &bd) == 3) {
            if (bm == 2 && bd == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) bd = 28;
            int64_t day = days_from_civil(y, (unsigned)bm, (unsigned)bd) * 86400;
            int in = (int)((day - t0) / 86400);
            if (in >= 0 && in < best) { best = in; date_format(day, f->occasion_date); f->occasion_kind = "birthday"; }
        }
    }
    if (lunar && lunar[0] == '{' && lunar[1]) {
        json_t *j = json_loads(lunar, 0, NULL);
        int lm = (int)json_integer_value(json_object_get(j, "month")), ld = (int)json_integer_value(json_object_get(j, "day"));
        bool leap = json_is_true(json_object_get(j, "leap"));
        json_decref(j);
        for (int ly = ty - 1; lm && ld && ly <= ty; ly++) {
            int y, m, d;
            if (lunar_anniversary(ly, lm, ld, leap, &y, &m, &d)) continue;
            int64_t day = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
            int in = (int)((day - t0) / 86400);
            if (in >= 0 && in < best) { best = in; date_format(day, f->occasion_date); f->occasion_kind = "lunar_birthday"; }
        }
    }
    if (best <= OCCASION_AHEAD) f->occasion_in_days = best;
    else f->occasion_date[0] = '\0';
}

/* The party's key dates (a yearly one on its day of this or next year, else
 * on its date) when one comes within OCCASION_AHEAD days and sooner than
 * the birthday found; a maturity wins a tie (it has money at stake). */
static void next_key_date(db *c, const struct auth_user *u, struct nba_facts *f, const char *today)
{
    int64_t t0;
    if (date_parse(today, &t0)) return;
    int ty = atoi(today);
    /* Key dates own themselves: the reader may see the party and not every
     * one of its key dates, and a title is not shown past its scope. */
    const struct rtype *kt = registry_by_name("key-dates");
    enum scope ks = u ? authz_scope(u, "key-dates", "read") : SCOPE_ALL;
    if (ks == SCOPE_NONE || !kt) return;
    db_stmt *s = db_prepare(c, "SELECT title, kind, date, yearly, id FROM key_date WHERE party_id = ? ORDER BY id");
    if (!s) return;
    db_bind_int64(s, 1, f->party_id);
    int best = f->occasion_date[0] ? f->occasion_in_days : OCCASION_AHEAD + 1;
    while (db_step(s) == DB_ROW) {
        if (u && ks != SCOPE_ALL && !authz_record_in_scope(c, u, kt, db_column_int64(s, 4), ks)) continue;
        const char *date = db_column_text(s, 2), *kind = db_column_text(s, 1);
        bool maturity = kind && !strcmp(kind, "maturity");
        int y0, m, d;
        if (!date || sscanf(date, "%4d-%2d-%2d", &y0, &m, &d) != 3) continue;
        bool yearly = db_column_int64(s, 3) != 0;
        for (int y = yearly ? ty : y0; y <= (yearly ? ty + 1 : y0); y++) {
            if (yearly && y < y0) continue;
            int dd = d;
            if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) dd = 28;
            int64_t day = days_from_civil(y, (unsigned)m, (unsigned)dd) * 86400;
            int in = (int)((day - t0) / 86400);
            if (in < 0 || in > OCCASION_AHEAD || in > best || (in == best && (!maturity || f->occasion_maturity))) continue;
            best = in;
            date_format(day, f->occasion_date);
            f->occasion_kind = "key_date";
            f->occasion_in_days = in;
            f->occasion_maturity = maturity;
            snprintf(f->occasion_title, sizeof f->occasion_title, "%s", db_column_text(s, 0) ? db_column_text(s, 0) : "");
        }
    }
    db_done(s);
}

int next_action_facts(db *c, const struct auth_user *u, int64_t id, const char *today, struct nba_facts *f)
{
    memset(f, 0, sizeof *f);
    f->party_id = id;
    f->p_alive = -1;
    f->p_alive_at_purchase = -1;
    f->repeat_purchases = -1;
    f->days_since_contact = -1;
    db_stmt *s = db_prepare(c, "SELECT p.name, s.tier, s.strategy, s.lifecycle, s.p_alive, s.clv, s.last_purchase, p.birthday, "
                               "p.lunar_birthday, s.repeat_purchases FROM party p LEFT JOIN score s ON s.party_id = p.id "
                               "WHERE p.id = ? AND p.deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    if (db_step(s) != DB_ROW) { db_done(s); return -1; }
    copy_col(s, 0, f->name, sizeof f->name);
    copy_col(s, 1, f->tier, sizeof f->tier);
    copy_col(s, 2, f->strategy, sizeof f->strategy);
    copy_col(s, 3, f->lifecycle, sizeof f->lifecycle);
    if (db_column_type(s, 4) != DB_NULL) f->p_alive = db_column_double(s, 4);
    if (db_column_type(s, 5) != DB_NULL) f->clv = db_column_int64(s, 5);
    copy_col(s, 6, f->last_purchase, sizeof f->last_purchase);
    f->last_purchase[10] = '\0';
    char birthday[16], lunar[128];
    copy_col(s, 7, birthday, sizeof birthday);
    copy_col(s, 8, lunar, sizeof lunar);
    if (db_column_type(s, 9) != DB_NULL) f->repeat_purchases = db_column_int64(s, 9);
    db_done(s);
    next_birthday(f, birthday[0] ? birthday : NULL, lunar, today);
    next_key_date(c, u, f, today);
    char now[24];
    snprintf(now, sizeof now, "%sT00:00:00Z", today);
    s = db_prepare(c, "SELECT max(occurred_at) FROM interaction WHERE party_id = ? AND status = 'done'");
    if (s) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL) f->days_since_contact = days_between(db_column_text(s, 0), now);
        db_done(s);
    }
    s = db_prepare(c, "SELECT i.id, i.due_at, i.channel, p.name, p.every_days FROM contact_plan_slot sl "
                      "JOIN interaction i ON i.id = sl.interaction_id JOIN contact_plan p ON p.id = sl.plan_id "
                      "WHERE sl.party_id = ? AND i.status = 'planned' ORDER BY i.due_at, i.id LIMIT 1");
    if (s) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW) {
            f->planned = true;
            f->planned_id = db_column_int64(s, 0);
            copy_col(s, 1, f->planned_due, sizeof f->planned_due);
            copy_col(s, 2, f->planned_channel, sizeof f->planned_channel);
            copy_col(s, 3, f->plan_name, sizeof f->plan_name);
            f->plan_every_days = (int)db_column_int64(s, 4);
            f->planned_overdue = strcmp(f->planned_due, now) < 0;
        }
        db_done(s);
    }
    /* Open service cases (issue 19): new, open or waiting on the customer.
     * A customer with a grievance in hand gets it resolved before anything
     * is sold to them. */
    s = db_prepare(c, "SELECT count(*), min(id) FROM service_case WHERE party_id = ? AND status IN ('new', 'open', 'waiting_on_customer')");
    if (s) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW) {
            f->open_cases = (int)db_column_int64(s, 0);
            if (f->open_cases) f->open_case_id = db_column_int64(s, 1);
        }
        db_done(s);
    }
    s = db_prepare(c, "SELECT currency FROM txn WHERE party_id = ? ORDER BY occurred_at DESC LIMIT 1");
    if (s) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW) copy_col(s, 0, f->currency, sizeof f->currency);
        db_done(s);
    }
    return 0;
}
