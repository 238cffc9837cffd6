/* system: health, metrics and the OpenAPI description, which is generated
 * from the route table and the resource descriptors so it cannot drift
 * from what the server really answers. */
#include "api/api.h"
#include "api/party_docs.h"
#include "lib/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAPPORT_VERSION_TEXT "0.1.0"

static void health(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int v = c ? db_schema_version(c) : 0;
    if (!v) { resp_error(rs, 503, "unavailable", NULL, "the database is not reachable"); return; }
    resp_json(rs, 200, json_pack("{s:s, s:i, s:s}", "status", "ok", "schema_version", v, "version", RAPPORT_VERSION_TEXT));
}

extern unsigned long long http_requests_total, http_responses_5xx;

static void metrics(struct req *rq, struct resp *rs)
{
    strbuf sb;
    sb_init(&sb, 0);
    int64_t parties = 0;
    db_stmt *s = db_prepare(db_reader(), "SELECT count(*) FROM party WHERE deleted_at IS NULL");
    if (s && db_step(s) == DB_ROW) parties = db_column_int64(s, 0);
    db_done(s);

    /* Resident memory (pages × page size) from /proc/self/statm, for the memory budget. */
    long long rss = -1, pages;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm && fscanf(statm, "%*d %lld", &pages) == 1) rss = pages * sysconf(_SC_PAGESIZE);
    if (statm) fclose(statm);
    unsigned long ckpt_background, ckpt_in_commit;
    db_checkpoint_counts(&ckpt_background, &ckpt_in_commit);
    sb_printf(&sb, "# TYPE rapport_http_requests_total counter\nrapport_http_requests_total %llu\n"
                   "# TYPE rapport_http_responses_5xx_total counter\nrapport_http_responses_5xx_total %llu\n"
                   "# TYPE rapport_parties gauge\nrapport_parties %lld\n"
                   "# TYPE rapport_process_resident_memory_bytes gauge\nrapport_process_resident_memory_bytes %lld\n"
                   "# TYPE rapport_party_docs_filling gauge\nrapport_party_docs_filling %d\n"
                   "# TYPE rapport_party_docs_filled_total counter\nrapport_party_docs_filled_total %ld\n"
                   "# TYPE rapport_wal_checkpoints_total counter\n"
                   "rapport_wal_checkpoints_total{thread=\"checkpointer\"} %lu\n"
                   "rapport_wal_checkpoints_total{thread=\"writer\"} %lu\n",
              __atomic_load_n(&http_requests_total, __ATOMIC_RELAXED), __atomic_load_n(&http_responses_5xx, __ATOMIC_RELAXED),
              (long long)parties, rss, party_docs_filling() ? 1 : 0, party_docs_filled(), ckpt_background, ckpt_in_commit);
    rs->status = 200;
    rs->body_len = sb.len;
    rs->body = sb_take(&sb);
    rs->content_type = "text/plain; version=0.0.4";
}

static json_t *field_schema(const struct field *f)
{
    json_t *p;
    switch (f->type) {
    case FT_ENUM: {
        json_t *e = json_array();
        for (int i = 0; f->values[i]; i++) json_array_append_new(e, json_string(f->values[i]));
        p = json_pack("{s:s, s:o}", "type", "string", "enum", e);
        break;
    }
    case FT_TEXT: p = json_pack("{s:s, s:i}", "type", "string", "maxLength", f->max ? f->max : 1000); break;
    case FT_DATE: p = json_pack("{s:s, s:s}", "type", "string", "format", "date"); break;
    case FT_TIME: p = json_pack("{s:s, s:s}", "type", "string", "format", "date-time"); break;
    case FT_INT: case FT_REF: p = json_pack("{s:s, s:s}", "type", "integer", "format", "int64"); break;
    case FT_BOOL: p = json_pack("{s:s}", "type", "boolean"); break;
    case FT_MONEY: p = json_pack("{s:s}", "$ref", "#/components/schemas/Money"); break;
    case FT_LIST: {
        json_t *items = json_pack("{s:s}", "type", "string");
        if (f->elem == E_EMAIL) json_object_set_new(items, "format", json_string("email"));
        if (f->elem == E_ENUM) {
            json_t *e = json_array();
            for (int i = 0; f->values[i]; i++) json_array_append_new(e, json_string(f->values[i]));
            json_object_set_new(items, "enum", e);
        }
        p = json_pack("{s:s, s:o, s:i}", "type", "array", "items", items, "maxItems", f->max ? f->max : 50);
        break;
    }
    case FT_OBJLIST: p = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "object"); break;
    default: p = json_pack("{s:s}", "type", "object");
    }
    if (f->doc) json_object_set_new(p, "description", json_string(f->doc));
    if (f->flags & F_SERVER) json_object_set_new(p, "readOnly", json_true());
    return p;
}

static json_t *resource_schema(const struct resource *r)
{
    json_t *props = json_object(), *required = json_array();
    json_object_set_new(props, "id", json_pack("{s:s, s:b}", "type", "integer", "readOnly", 1));
    for (int i = 0; i < r->nfields; i++) {
        json_object_set_new(props, r->fields[i].name, field_schema(&r->fields[i]));
        if (r->fields[i].flags & F_REQUIRED) json_array_append_new(required, json_string(r->fields[i].name));
    }
    json_object_set_new(props, "created_at", json_pack("{s:s, s:s, s:b}", "type", "string", "format", "date-time", "readOnly", 1));
    json_object_set_new(props, "updated_at", json_pack("{s:s, s:s, s:b}", "type", "string", "format", "date-time", "readOnly", 1));
    json_object_set_new(props, "version", json_pack("{s:s, s:b}", "type", "integer", "readOnly", 1));
    return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", required, "additionalProperties", 0);
}

static void openapi(struct req *rq, struct resp *rs)
{
    json_t *paths = json_object(), *schemas = json_object();
    json_object_set_new(schemas, "Money", json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:[ss]}", "type", "object", "properties",
                                                    "amount", "type", "integer", "description", "minor units (fen, cents)",
                                                    "currency", "type", "string", "pattern", "^[A-Z]{3}$", "required", "amount", "currency"));
    json_object_set_new(schemas, "Error", json_pack("{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}}}}", "type", "object", "properties", "error",
                                                    "type", "object", "properties", "code", "type", "string", "message", "type", "string",
                                                    "field", "type", "string"));
    for (size_t i = 0; i < routes_count(); i++) {
        const struct route *r = routes_get(i);
        json_t *item = json_object_get(paths, r->pattern);
        if (!item) { item = json_object(); json_object_set_new(paths, r->pattern, item); }
        char method[16];
        size_t k = 0;
        for (; r->method[k] && k < sizeof method - 1; k++) method[k] = (char)(r->method[k] | 0x20);
        method[k] = '\0';
        json_t *op = json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:{s:{s:{s:s}}}}}}", "summary", r->summary ? r->summary : "",
                               "responses", "200", "description", "success", "default", "description", "error", "content",
                               "application/json", "schema", "$ref", "#/components/schemas/Error");
        const struct resource *res = r->schema;
        if (res) {
            char ref[128];
            snprintf(ref, sizeof ref, "#/components/schemas/%s", res->entity);
            if (!json_object_get(schemas, res->entity)) json_object_set_new(schemas, res->entity, resource_schema(res));
            if (!strcmp(r->method, "POST") || !strcmp(r->method, "PATCH"))
                json_object_set_new(op, "requestBody", json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content", "application/json", "schema", "$ref", ref));
        }
        json_t *params = json_array();
        for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
            const char *end = strchr(p, '}');
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
            json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in", "path", "required", 1, "schema", "type", "integer"));
        }
        /* Lists and exports: their query language, from the same descriptor. */
        if (res && !strcmp(r->method, "GET") && (r->handler == res_list || !strncmp(r->pattern, "/api/v1/exports/", 16))) {
            json_t *q = res_query_parameters(res, r->handler == res_list ? RQ_LIST : RQ_EXPORT);
            json_array_extend(params, q);
            json_decref(q);
        }
        if (json_array_size(params)) json_object_set_new(op, "parameters", params); else json_decref(params);
        if (r->flags & R_PUBLIC) json_object_set_new(op, "security", json_array());
        json_object_set_new(item, method, op);
    }
    json_t *doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:o, s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}}, s:[{s:[]}, {s:[]}]}",
                            "openapi", "3.0.3", "info", "title", "Rapport CRM API", "version", RAPPORT_VERSION_TEXT,
                            "description", "Customer database, segmentation and relationship marketing. Errors are {\"error\": {\"code\", \"message\", \"field\"}}.",
                            "servers", "url", "/", "paths", paths, "components", "schemas", schemas, "securitySchemes",
                            "bearer", "type", "http", "scheme", "bearer",
                            "cookie", "type", "apiKey", "in", "cookie", "name", "rapport_session",
                            "security", "bearer", "cookie");
    resp_json(rs, 200, doc);
}

static const struct route system_routes[] = {
    {"GET", "/healthz", R_PUBLIC, NULL, "read", health, "Health check", NULL},
    {"GET", "/metrics", R_ADMIN | R_METRICS, NULL, "read", metrics, "Prometheus metrics (an admin, or anyone on --metrics-listen)", NULL},
    {"GET", "/api/v1/openapi.json", R_PUBLIC, NULL, "read", openapi, "This OpenAPI description", NULL},
};

void system_register(void)
{
    routes_register(system_routes, sizeof system_routes / sizeof system_routes[0]);
}
