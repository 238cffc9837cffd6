/* system: health, metrics and the route of the OpenAPI description (which
 * src/api/openapi.c generates from the route table). */
#include "api/api.h"
#include "api/openapi.h"
#include "api/party_docs.h"
#include "lib/strbuf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


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

static void openapi(struct req *rq, struct resp *rs)
{
    const char *bad;
    json_t *doc = openapi_describe(&bad);
    if (!doc) { resp_error(rs, 500, "internal", NULL, "the description of %s does not parse", bad ? bad : "a route"); return; }
    resp_json(rs, 200, doc);
}

static const struct route_doc health_doc = {
    .id = "getHealth", .errors = "503",
    .response = "{'type':'object','required':['status','schema_version','version'],'additionalProperties':false,'properties':{"
                "'status':{'type':'string','enum':['ok']},'schema_version':{'type':'integer','description':'the last migration applied'},"
                "'version':{'type':'string'}}}",
};
static const struct route_doc metrics_doc = {.id = "getMetrics", .response_type = "text/plain", .errors = "401 403"};
static const struct route_doc openapi_doc = {
    .id = "getOpenApi", .errors = "500",
    .response = "{'type':'object','description':'this OpenAPI 3.0 document','required':['openapi','info','paths'],'properties':{"
                "'openapi':{'type':'string'},'info':{'type':'object'},'paths':{'type':'object'},'components':{'type':'object'}}}",
};

static const struct route system_routes[] = {
    {"GET", "/healthz", R_PUBLIC, NULL, "read", health, "Health check", NULL, &health_doc},
    {"GET", "/metrics", R_ADMIN | R_METRICS, NULL, "read", metrics, "Prometheus metrics (an admin, or anyone on --metrics-listen)", NULL, &metrics_doc},
    {"GET", "/api/v1/openapi.json", R_PUBLIC, NULL, "read", openapi, "This OpenAPI description", NULL, &openapi_doc},
};

void system_register(void)
{
    routes_register(system_routes, sizeof system_routes / sizeof system_routes[0]);
}
