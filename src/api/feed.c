/* feed: the event feed over HTTP, for integrations and operators —
 *   GET /api/v1/events?after=ID&limit=N&type=T   (admin)
 * the events committed after id ID, oldest first: {"items": [{"id", "at",
 * "type", "record_id", "action", "fields", "actor", "party_id"}], "next":
 * the last id, to pass as `after` next time}. The table and its writers are
 * src/records/events.c. */
#include "api/api.h"
#include "records/events.h"
#include <stdlib.h>
#include <string.h>

static bool parse_id(const char *s, int64_t *out, int64_t max)
{
    if (!s || !*s) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0 || v > max) return false;
    *out = v;
    return true;
}

static void events_list(struct req *rq, struct resp *rs)
{
    int64_t after = 0, limit = 100;
    const char *a = req_query(rq, "after"), *l = req_query(rq, "limit"), *type = req_query(rq, "type");
    if (a && !parse_id(a, &after, INT64_MAX)) { resp_error(rs, 400, "invalid_parameter", "after", "after is an event id (0 or more)"); return; }
    if (l && (!parse_id(l, &limit, 1000) || limit < 1)) { resp_error(rs, 400, "invalid_parameter", "limit", "limit is 1 to 1000"); return; }
    db_stmt *s = db_prepare(db_reader(), "SELECT id, at, type, record_id, action, fields, actor, party_id FROM event"
                                         " WHERE id > ? AND (? IS NULL OR type = ?) ORDER BY id LIMIT ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the event feed could not be read"); return; }
    db_bind_int64(s, 1, after);
    db_bind_text(s, 2, type);
    db_bind_text(s, 3, type);
    db_bind_int64(s, 4, limit);
    json_t *items = json_array();
    int64_t next = after;
    while (db_step(s) == DB_ROW) {
        json_t *fields = db_column_text(s, 5) ? json_loads(db_column_text(s, 5), 0, NULL) : NULL;
        next = db_column_int64(s, 0);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:s, s:o}",
            "id", (json_int_t)next, "at", db_column_text(s, 1), "type", db_column_text(s, 2),
            "record_id", db_column_type(s, 3) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 3)),
            "action", db_column_text(s, 4), "fields", fields ? fields : json_null(), "actor", db_column_text(s, 6),
            "party_id", db_column_type(s, 7) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 7))));
    }
    db_done(s);
    resp_json(rs, 200, json_pack("{s:o, s:I}", "items", items, "next", (json_int_t)next));
}

static const struct route_doc events_list_doc = {
    .id = "listEvents", .tag = "events",
    .params = "[{'name':'after','in':'query','schema':{'type':'integer','minimum':0},'description':'the last event id seen (0: from the start)'},"
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':1000}},"
              "{'name':'type','in':'query','schema':{'type':'string'},'description':'one record type, e.g. party'}]",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'type':'object','additionalProperties':false,"
                "'required':['id','at','type','record_id','action','fields','actor','party_id'],'properties':{"
                "'id':{'type':'integer'},'at':{'type':'string','format':'date-time'},'type':{'type':'string'},"
                "'record_id':{'type':'integer','nullable':true},'action':{'type':'string'},"
                "'fields':{'type':'array','items':{'type':'string'},'nullable':true},"
                "'actor':{'type':'string','description':'user:ID or system:NAME'},'party_id':{'type':'integer','nullable':true}}}},"
                "'next':{'type':'integer','description':'pass as after to go on'}}}",
    .response_name = "EventList",
};

static const struct route feed_routes[] = {
    {"GET", "/api/v1/events", R_ADMIN, "users", "read", events_list,
     "The event feed: every committed record change after an id, oldest first (admin)", NULL, &events_list_doc},
};

void feed_register(void)
{
    routes_register(feed_routes, sizeof feed_routes / sizeof feed_routes[0]);
}
