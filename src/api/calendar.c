/* calendar: each user's planned interactions (tasks) as an iCalendar feed
 * (RFC 5545, written with libical) at a secret URL that calendar programs
 * subscribe to without logging in (issue 18).
 *   POST   /api/v1/calendar-feeds   a new secret URL for the caller {"url"};
 *                                   the previous one stops working
 *   GET    /api/v1/calendar-feeds   whether the caller has one, and since when
 *   DELETE /api/v1/calendar-feeds   stops the caller's feed
 *   GET    /calendar/{secret}.ics   the feed (no login; rate-limited)
 * Only a hash of the secret is stored (migration 017), so the database does
 * not hold a working URL. The feed shows the tasks the user is responsible
 * for whose party they may still read, as the API would. */
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include "http/ratelimit.h"
#include "lib/timeutil.h"
#include "lib/lazy_ical.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_SECRET_BYTES 32
#define FEED_MAX_EVENTS 5000
/* Tasks due this long ago or later are in the feed. */
#define FEED_PAST_SECONDS (90 * 86400)

static void secret_hash(const char *secret, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

struct feed_new {
    int64_t user_id;
    unsigned char hash[32];
    bool remove;
};

static int job_feed(db *w, void *arg)
{
    struct feed_new *c = arg;
    db_stmt *s = db_prepare(w, c->remove ? "DELETE FROM calendar_feed WHERE user_id = ?"
                                         : "INSERT INTO calendar_feed(user_id, secret_hash, created_at) VALUES (?, ?, ?)"
                                           " ON CONFLICT(user_id) DO UPDATE SET secret_hash = excluded.secret_hash,"
                                           " created_at = excluded.created_at");
    if (!s) return 1;
    db_bind_int64(s, 1, c->user_id);
    if (!c->remove) {
        char now[21];
        now_text(now);
        db_bind_blob(s, 2, c->hash, 32);
        db_bind_text(s, 3, now);
    }
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE) return 1;
    return audit_record(w, NULL, "calendar", "calendar_feed", c->user_id, c->remove ? "delete" : "regenerate", NULL, 0) ? 1 : 0;
}

static void feed_create(struct req *rq, struct resp *rs)
{
    unsigned char raw[FEED_SECRET_BYTES];
    char secret[sodium_base64_ENCODED_LEN(FEED_SECRET_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(secret, sizeof secret, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    struct feed_new c = {.user_id = rq->user.id};
    secret_hash(secret, c.hash);
    if (db_write(job_feed, &c) != 0) { resp_error(rs, 503, "storage_error", NULL, "the feed could not be stored"); return; }
    /* An absolute URL: a calendar program is given it as it is. */
    char path[128], origin[300], url[512];
    snprintf(path, sizeof path, "/calendar/%s.ics", secret);
    req_origin(rq, origin, sizeof origin);
    snprintf(url, sizeof url, "%s%s", origin, path);
    sodium_memzero(secret, sizeof secret);
    resp_json(rs, 201, json_pack("{s:s, s:s}", "url", url, "path", path));
}

static void feed_status(struct req *rq, struct resp *rs)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT created_at FROM calendar_feed WHERE user_id = ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the feed could not be read"); return; }
    db_bind_int64(s, 1, rq->user.id);
    json_t *at = db_step(s) == DB_ROW ? json_string(db_column_text(s, 0)) : json_null();
    db_done(s);
    resp_json(rs, 200, json_pack("{s:b, s:o}", "active", !json_is_null(at), "created_at", at));
}

static void feed_delete(struct req *rq, struct resp *rs)
{
    struct feed_new c = {.user_id = rq->user.id, .remove = true};
    if (db_write(job_feed, &c) != 0) { resp_error(rs, 503, "storage_error", NULL, "the feed could not be removed"); return; }
    rs->status = 204;
}

static struct icaltimetype utc_time(int64_t t)
{
    return lz_ical.icaltime_from_timet_with_zone((time_t)t, 0, lz_ical.icaltimezone_get_utc_timezone());
}

static void add_text(icalcomponent *ev, icalproperty *p) { if (p) lz_ical.icalcomponent_add_property(ev, p); }

/* The calendar of user u (a new string, the caller's to free), or NULL. */
static char *feed_ics(db *c, const struct auth_user *u)
{
    if (lazy_ical_load(NULL, 0) != 0) return NULL;   /* the reason is logged once */
    icalcomponent *cal = lz_ical.icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, lz_ical.icalproperty_new_version("2.0"),
                                                     lz_ical.icalproperty_new_prodid("-//Rapport//CRM tasks//EN"),
                                                     lz_ical.icalproperty_new_calscale("GREGORIAN"),
                                                     lz_ical.icalproperty_new_method(ICAL_METHOD_PUBLISH), (void *)0);
    icalproperty *name = lz_ical.icalproperty_new_x("Rapport");
    lz_ical.icalproperty_set_x_name(name, "X-WR-CALNAME");
    lz_ical.icalcomponent_add_property(cal, name);
    char since[21];
    time_format(time_now() - FEED_PAST_SECONDS, since);
    db_stmt *s = db_prepare(c, "SELECT i.id, i.party_id, i.channel, i.subject, i.notes, i.due_at, i.updated_at, p.name"
                               " FROM interaction i JOIN party p ON p.id = i.party_id"
                               " WHERE i.user_id = ? AND i.status = 'planned' AND i.due_at >= ? AND p.deleted_at IS NULL"
                               " ORDER BY i.due_at, i.id LIMIT ?");
    if (!s) { lz_ical.icalcomponent_free(cal); return NULL; }
    db_bind_int64(s, 1, u->id);
    db_bind_text(s, 2, since);
    db_bind_int64(s, 3, FEED_MAX_EVENTS);
    enum scope sc = authz_scope(u, "interactions", "read");
    while (db_step(s) == DB_ROW) {
        int64_t due = 0, stamp = 0;
        if (time_parse(db_column_text(s, 5), &due) || time_parse(db_column_text(s, 6), &stamp)) continue;
        if (!authz_party_in_scope(c, u, db_column_int64(s, 1), sc)) continue;
        char uid[64], summary[600];
        snprintf(uid, sizeof uid, "interaction-%lld@rapport", (long long)db_column_int64(s, 0));
        const char *subject = db_column_text(s, 3), *party = db_column_text(s, 7);
        snprintf(summary, sizeof summary, "%s · %s", subject && *subject ? subject : db_column_text(s, 2), party ? party : "");
        icalcomponent *ev = lz_ical.icalcomponent_new_vevent();
        lz_ical.icalcomponent_add_property(ev, lz_ical.icalproperty_new_uid(uid));
        lz_ical.icalcomponent_add_property(ev, lz_ical.icalproperty_new_dtstamp(utc_time(stamp)));
        lz_ical.icalcomponent_add_property(ev, lz_ical.icalproperty_new_dtstart(utc_time(due)));
        lz_ical.icalcomponent_add_property(ev, lz_ical.icalproperty_new_duration(lz_ical.icaldurationtype_from_int(30 * 60)));
        add_text(ev, lz_ical.icalproperty_new_summary(summary));
        lz_ical.icalcomponent_add_property(ev, lz_ical.icalproperty_new_categories(db_column_text(s, 2)));
        if (db_column_text(s, 4) && *db_column_text(s, 4)) add_text(ev, lz_ical.icalproperty_new_description(db_column_text(s, 4)));
        lz_ical.icalcomponent_add_component(cal, ev);
    }
    db_done(s);
    char *text = lz_ical.icalcomponent_as_ical_string_r(cal);
    lz_ical.icalcomponent_free(cal);
    return text;
}

static void feed_get(struct req *rq, struct resp *rs)
{
    /* A calendar program polls a feed every few minutes; RAPPORT_FEED_RATE for an office behind one address. */
    if (!ratelimit_admit(rq, rs, "calendar", ratelimit_rate("RAPPORT_FEED_RATE", 60), "requests")) return;
    char secret[128];
    snprintf(secret, sizeof secret, "%s", rq->path_params[0]);
    size_t n = strlen(secret);
    if (n > 4 && !strcmp(secret + n - 4, ".ics")) secret[n - 4] = '\0';
    unsigned char hash[32];
    secret_hash(secret, hash);
    db *c = db_reader();
    db_stmt *s = db_prepare(c, "SELECT u.id, u.email, u.role, u.team_id FROM calendar_feed f JOIN app_user u ON u.id = f.user_id"
                               " WHERE f.secret_hash = ? AND u.disabled = 0");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the feed could not be read"); return; }
    db_bind_blob(s, 1, hash, 32);
    struct auth_user u = {0};
    bool found = db_step(s) == DB_ROW;
    if (found) {
        u.id = db_column_int64(s, 0);
        snprintf(u.email, sizeof u.email, "%s", db_column_text(s, 1));
        snprintf(u.role, sizeof u.role, "%s", db_column_text(s, 2));
        u.team_id = db_column_type(s, 3) == DB_NULL ? 0 : db_column_int64(s, 3);
    }
    db_done(s);
    if (!found) { resp_error(rs, 404, "not_found", NULL, "no such calendar feed"); return; }
    char *ics = feed_ics(c, &u);
    if (!ics) { resp_error(rs, 500, "internal", NULL, "the calendar could not be written"); return; }
    rs->status = 200;
    rs->body_len = strlen(ics);
    rs->body = ics;
    rs->content_type = "text/calendar; charset=utf-8";
    /* The URL is the secret and the feed personal: kept by no cache (the
     * calendar client polls it anyway). */
    resp_header(rs, "Cache-Control", "no-store");
}

static const struct route_doc create_doc = {
    .id = "createCalendarFeed", .tag = "calendar", .status = 201,
    .request = "{'type':'object','additionalProperties':false,'properties':{},'description':'empty: {}'}",
    .response = "{'type':'object','required':['url','path'],'additionalProperties':false,'properties':{"
                "'url':{'type':'string','description':'the secret feed URL to subscribe to (shown once)'},"
                "'path':{'type':'string'}}}",
    .response_name = "CalendarFeedCreated",
};
static const struct route_doc status_doc = {
    .id = "getCalendarFeed", .tag = "calendar",
    .response = "{'type':'object','required':['active','created_at'],'additionalProperties':false,'properties':{"
                "'active':{'type':'boolean'},'created_at':{'type':'string','format':'date-time','nullable':true}}}",
    .response_name = "CalendarFeedStatus",
};
static const struct route_doc delete_doc = {.id = "deleteCalendarFeed", .tag = "calendar", .status = 204};
static const struct route_doc ics_doc = {
    .id = "getCalendarFeedIcs", .tag = "calendar", .response_type = "text/calendar",
    .errors = "404 429",
};

static const struct route calendar_routes[] = {
    {"POST", "/api/v1/calendar-feeds", 0, NULL, "create", feed_create,
     "A new secret iCalendar feed URL of your tasks; the previous URL stops working", NULL, &create_doc},
    {"GET", "/api/v1/calendar-feeds", 0, NULL, "read", feed_status, "Whether you have a calendar feed, and since when", NULL, &status_doc},
    {"DELETE", "/api/v1/calendar-feeds", 0, NULL, "delete", feed_delete, "Stop your calendar feed", NULL, &delete_doc},
    {"GET", "/calendar/{feed}", R_PUBLIC, NULL, "read", feed_get,
     "A user's planned interactions as iCalendar (RFC 5545), at the secret URL (no login)", NULL, &ics_doc},
};

void calendar_register(void)
{
    routes_register(calendar_routes, sizeof calendar_routes / sizeof calendar_routes[0]);
}
