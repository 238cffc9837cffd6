/* schedules: timed work as seen and set by an admin —
 *   GET    /api/v1/schedules          every schedule with its next and last run
 *   PUT    /api/v1/schedules/{name}   create or replace one (kind, every_seconds | at_time, params, enabled)
 *   DELETE /api/v1/schedules/{name}
 *   GET/PUT /api/v1/settings/time-zone  the company's time zone (at_time is wall-clock time there)
 * The ticker that fires them is src/jobs/scheduler.c; the jobs they queue are
 * ordinary jobs (GET /api/v1/jobs/{id}, params.schedule names the schedule). */
#include "api/api.h"
#include "db/writer.h"
#include "db/setting.h"
#include "jobs/jobs.h"
#include "jobs/scheduler.h"
#include "lib/timeutil.h"
#include "lib/zonetime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_OR_NULL(s, i) (db_column_text(s, i) ? json_string(db_column_text(s, i)) : json_null())

static json_t *schedule_row(db_stmt *s, const char *zone)
{
    json_t *params = json_loads(db_column_text(s, 2) ? db_column_text(s, 2) : "{}", 0, NULL);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:I, s:s}",
                     "name", db_column_text(s, 0), "kind", db_column_text(s, 1), "params", params ? params : json_object(),
                     "every_seconds", db_column_type(s, 3) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 3)),
                     "at_time", TEXT_OR_NULL(s, 4), "time_zone", zone, "enabled", (int)db_column_int64(s, 5),
                     "next_run_at", TEXT_OR_NULL(s, 6), "last_run_at", TEXT_OR_NULL(s, 7),
                     "last_job_id", db_column_type(s, 8) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 8)),
                     "version", (json_int_t)db_column_int64(s, 9), "updated_at", db_column_text(s, 10));
}

#define SCHEDULE_COLUMNS "name, kind, params, every_seconds, at_time, enabled, next_run_at, last_run_at, last_job_id, version, updated_at"

static void schedules_list(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    char zone[80];
    company_time_zone(c, zone, sizeof zone);
    db_stmt *s = db_prepare(c, "SELECT " SCHEDULE_COLUMNS " FROM schedule ORDER BY name");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the schedules could not be read"); return; }
    json_t *items = json_array();
    while (db_step(s) == DB_ROW) json_array_append_new(items, schedule_row(s, zone));
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o}", "items", items));
}

static json_t *schedule_load(db *c, const char *name)
{
    char zone[80];
    company_time_zone(c, zone, sizeof zone);
    db_stmt *s = db_prepare(c, "SELECT " SCHEDULE_COLUMNS " FROM schedule WHERE name = ?");
    if (!s) return NULL;
    db_bind_text(s, 1, name);
    json_t *o = db_step(s) == DB_ROW ? schedule_row(s, zone) : NULL;
    db_done(s);
    return o;
}

static bool valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len < 1 || len > 64) return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-')) return false;
    return true;
}

struct put_ctx {
    const char *name, *kind, *at_time;
    char *params, next[21], now[21];
    int64_t every;
    int enabled;
    bool created;
};

static int put_schedule(db *w, void *arg)
{
    struct put_ctx *c = arg;
    db_stmt *s = db_prepare(w, "SELECT 1 FROM schedule WHERE name = ?");
    if (!s) return 1;
    db_bind_text(s, 1, c->name);
    c->created = db_step(s) != DB_ROW;
    db_done(s);
    s = db_prepare(w, "INSERT INTO schedule(name, kind, params, every_seconds, at_time, enabled, next_run_at, updated_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, params = excluded.params,"
                      " every_seconds = excluded.every_seconds, at_time = excluded.at_time, enabled = excluded.enabled,"
                      " next_run_at = excluded.next_run_at, updated_at = excluded.updated_at, version = schedule.version + 1");
    if (!s) return 1;
    db_bind_text(s, 1, c->name);
    db_bind_text(s, 2, c->kind);
    db_bind_text(s, 3, c->params);
    if (c->every) db_bind_int64(s, 4, c->every); else db_bind_null(s, 4);
    if (c->at_time) db_bind_text(s, 5, c->at_time); else db_bind_null(s, 5);
    db_bind_int64(s, 6, c->enabled);
    if (c->enabled) db_bind_text(s, 7, c->next); else db_bind_null(s, 7);
    db_bind_text(s, 8, c->now);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : 1;
}

static const char *const put_fields[] = {"kind", "params", "every_seconds", "at_time", "enabled", NULL};

/* PUT /api/v1/schedules/{name} */
static void schedules_put(struct req *rq, struct resp *rs)
{
    const char *name = rq->path_params[0];
    if (!valid_name(name)) { resp_error(rs, 422, "invalid_value", "name", "a schedule name is 1-64 of a-z, 0-9, '.', '_', '-'"); return; }
    if (!json_is_object(rq->json)) { resp_error(rs, 400, "missing_body", NULL, "send {\"kind\", \"every_seconds\" or \"at_time\", ...}"); return; }
    if (!body_keys_known(rq->json, put_fields, "a schedule", rs)) return;
    struct put_ctx c = {.name = name, .enabled = 1};
    json_t *kind = json_object_get(rq->json, "kind");
    if (!json_is_string(kind) || !jobs_kind_known(json_string_value(kind))) {
        resp_error(rs, 422, "invalid_value", "kind", "kind must name a kind of job (e.g. analytics_run)");
        return;
    }
    c.kind = json_string_value(kind);
    json_t *every = json_object_get(rq->json, "every_seconds"), *at = json_object_get(rq->json, "at_time");
    if (every && !json_is_null(every)) {
        if (!json_is_integer(every) || json_integer_value(every) < 1 || json_integer_value(every) > 366 * 86400) {
            resp_error(rs, 422, "invalid_value", "every_seconds", "every_seconds is a whole number from 1 to 31622400");
            return;
        }
        c.every = json_integer_value(every);
    }
    if (at && !json_is_null(at)) {
        int h, m;
        if (!json_is_string(at) || zone_parse_hhmm(json_string_value(at), &h, &m) != 0) {
            resp_error(rs, 422, "invalid_value", "at_time", "at_time is a wall-clock time \"HH:MM\" (00:00-23:59)");
            return;
        }
        c.at_time = json_string_value(at);
    }
    if (!c.every == !c.at_time) {
        resp_error(rs, 422, "invalid_value", c.every ? "at_time" : "every_seconds", "give exactly one of every_seconds and at_time");
        return;
    }
    json_t *params = json_object_get(rq->json, "params");
    if (params && !json_is_object(params)) { resp_error(rs, 422, "invalid_value", "params", "params is an object"); return; }
    json_t *enabled = json_object_get(rq->json, "enabled");
    if (enabled && !json_is_boolean(enabled)) { resp_error(rs, 422, "invalid_value", "enabled", "enabled is true or false"); return; }
    if (enabled) c.enabled = json_is_true(enabled);
    char zone[80];
    company_time_zone(db_reader(), zone, sizeof zone);
    int64_t now = time_now(), next;
    if (schedule_next_run(c.every, c.at_time, zone, now, &next) != 0) {
        resp_error(rs, 422, "invalid_value", "at_time", "the company time zone %s is not known", zone);
        return;
    }
    time_format(next, c.next);
    time_format(now, c.now);
    c.params = params ? json_dumps(params, JSON_COMPACT) : strdup("{}");
    int rc = db_write(put_schedule, &c);
    free(c.params);
    if (rc != 0) { resp_error(rs, 503, "storage_error", NULL, "the schedule could not be stored"); return; }
    json_t *o = schedule_load(db_reader(), name);
    resp_json(rs, c.created ? 201 : 200, o ? o : json_object());
}

static int delete_schedule(db *w, void *arg)
{
    db_stmt *s = db_prepare(w, "DELETE FROM schedule WHERE name = ?");
    if (!s) return 1;
    db_bind_text(s, 1, arg);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return 1;
    return db_changes(w) == 1 ? 0 : 2;
}

/* DELETE /api/v1/schedules/{name} */
static void schedules_delete(struct req *rq, struct resp *rs)
{
    int rc = db_write(delete_schedule, (void *)rq->path_params[0]);
    if (rc == 2) { resp_error(rs, 404, "not_found", NULL, "no schedule %s", rq->path_params[0]); return; }
    if (rc) { resp_error(rs, 503, "storage_error", NULL, "the schedule could not be deleted"); return; }
    rs->status = 204;
}

/* GET /api/v1/settings/time-zone */
static void time_zone_get(struct req *rq, struct resp *rs)
{
    char zone[80];
    company_time_zone(db_reader(), zone, sizeof zone);
    resp_json(rs, 200, json_pack("{s:s}", "time_zone", zone));
}

/* Stores the zone and plans every enabled daily schedule again in it: a
 * daily time is a wall-clock time there. */
static int put_zone(db *w, void *arg)
{
    const char *zone = arg;
    if (setting_put(w, "company.time_zone", zone)) return 1;
    if (db_exec(w, "UPDATE schedule SET next_run_at = NULL WHERE at_time IS NOT NULL AND enabled = 1")) return 1;
    return schedule_plan_unplanned(w, zone);
}

/* PUT /api/v1/settings/time-zone {"time_zone": "Asia/Shanghai"} (admin) */
static void time_zone_put(struct req *rq, struct resp *rs)
{
    json_t *z = json_object_get(rq->json, "time_zone");
    if (!json_is_string(z) || !zone_known(json_string_value(z))) {
        resp_error(rs, 422, "invalid_value", "time_zone", "time_zone is an IANA time-zone name such as Asia/Shanghai");
        return;
    }
    if (db_write(put_zone, (void *)json_string_value(z)) != 0) { resp_error(rs, 503, "storage_error", NULL, "the time zone could not be stored"); return; }
    resp_json(rs, 200, json_pack("{s:s}", "time_zone", json_string_value(z)));
}

/* OpenAPI shapes of these routes (src/api/openapi.c). */
static const struct route_doc schedules_list_doc = {
    .id = "listSchedules", .tag = "schedules",
    .response = "{'type':'object','required':['items'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/Schedule'}}}}",
    .response_name = "ScheduleList",
};
static const struct route_doc schedules_put_doc = {
    .id = "putSchedule", .tag = "schedules", .status = 200, .status2 = 201,
    .request = "{'type':'object','required':['kind'],'description':'exactly one of every_seconds and at_time',"
               "'additionalProperties':false,'properties':{'kind':{'type':'string','description':'a kind of job, e.g. analytics_run'},"
               "'every_seconds':{'type':'integer','minimum':1,'maximum':31622400},"
               "'at_time':{'type':'string','pattern':'^[0-2][0-9]:[0-5][0-9]$','description':'daily, wall-clock HH:MM in the company time zone'},"
               "'params':{'type':'object'},'enabled':{'type':'boolean'}}}",
    .request_name = "SchedulePut",
    .response = "{'type':'object','required':['name','kind','params','every_seconds','at_time','time_zone','enabled','next_run_at',"
                "'last_run_at','last_job_id','version','updated_at'],'additionalProperties':false,'properties':{"
                "'name':{'type':'string'},'kind':{'type':'string'},'params':{'type':'object'},"
                "'every_seconds':{'type':'integer','nullable':true},'at_time':{'type':'string','nullable':true},"
                "'time_zone':{'type':'string'},'enabled':{'type':'boolean'},"
                "'next_run_at':{'type':'string','format':'date-time','nullable':true},"
                "'last_run_at':{'type':'string','format':'date-time','nullable':true},"
                "'last_job_id':{'type':'integer','format':'int64','nullable':true},'version':{'type':'integer'},"
                "'updated_at':{'type':'string','format':'date-time'}}}",
    .response_name = "Schedule",
};
static const struct route_doc schedules_delete_doc = {.id = "deleteSchedule", .tag = "schedules", .status = 204};
#define TIME_ZONE_SCHEMA \
    "{'type':'object','required':['time_zone'],'additionalProperties':false,'properties':{" \
    "'time_zone':{'type':'string','description':'IANA name, e.g. Asia/Shanghai'}}}"
static const struct route_doc time_zone_get_doc = {.id = "getTimeZone", .tag = "settings", .response = TIME_ZONE_SCHEMA,
                                                   .response_name = "TimeZone"};
static const struct route_doc time_zone_put_doc = {.id = "setTimeZone", .tag = "settings", .request = TIME_ZONE_SCHEMA,
                                                   .response = "{'$ref':'#/components/schemas/TimeZone'}"};

static const struct route schedule_routes[] = {
    {"GET", "/api/v1/schedules", R_ADMIN, "users", "read", schedules_list, "Timed work: every schedule with its next and last run (admin)", NULL, &schedules_list_doc},
    {"PUT", "/api/v1/schedules/{name}", R_ADMIN, "users", "update", schedules_put,
     "Create or replace a schedule: a job kind every N seconds or daily at HH:MM company time (admin)", NULL, &schedules_put_doc},
    {"DELETE", "/api/v1/schedules/{name}", R_ADMIN, "users", "update", schedules_delete, "Delete a schedule (admin)", NULL, &schedules_delete_doc},
    {"GET", "/api/v1/settings/time-zone", 0, "parties", "read", time_zone_get, "The company's time zone", NULL, &time_zone_get_doc},
    {"PUT", "/api/v1/settings/time-zone", R_ADMIN, "users", "update", time_zone_put, "Set the company's time zone (admin)", NULL, &time_zone_put_doc},
};

void schedules_register(void)
{
    routes_register(schedule_routes, sizeof schedule_routes / sizeof schedule_routes[0]);
}
