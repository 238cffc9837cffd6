/* aggregates: counts of the parties a user may read, for the dashboard
 * (issue 15): the total and the breakdowns by kind, role, importance,
 * relationship level, source, customer type and city (the 10 largest), in
 * one answer. Counted by SQLite over every row within the user's read
 * scope — the list's access predicate, built by res_query_build — so the
 * numbers are exact at any size and equal `GET /parties?<field>=<value>
 * &count=true` for the same user. A field hidden from the user's role
 * (field security) is left out. */
#include "api/api.h"
#include "http/authz.h"

extern struct resource party_resource;

static const struct { const char *field; int top; } party_groups[] = {
    {"kind", 0}, {"roles", 0}, {"importance", 0}, {"relationship_level", 0},
    {"source", 0}, {"customer_type", 0}, {"city", 10},
};

/* GET /api/v1/aggregates/parties → {"total": n, "by": {field: {value: n}}} */
static void aggregates_parties(struct req *rq, struct resp *rs)
{
    struct verr e = {0};
    json_t *total = json_object(), *by = json_object();
    if (res_group_counts(rq, &party_resource, NULL, 0, total, &e)) goto fail;
    for (size_t i = 0; i < sizeof party_groups / sizeof party_groups[0]; i++) {
        if (authz_field(&rq->user, "parties", party_groups[i].field) == FA_HIDDEN) continue;
        json_t *g = json_object();
        json_object_set_new(by, party_groups[i].field, g);
        if (res_group_counts(rq, &party_resource, party_groups[i].field, party_groups[i].top, g, &e)) goto fail;
    }
    resp_json(rs, 200, json_pack("{s:O, s:o}", "total", json_object_get(total, "total"), "by", by));
    json_decref(total);
    return;
fail:
    json_decref(total);
    json_decref(by);
    resp_verr(rs, &e);
}

#define COUNTS_SCHEMA "{'type':'object','additionalProperties':{'type':'integer','minimum':0}}"
static const struct route_doc aggregates_parties_doc = {
    .id = "getPartyAggregates", .tag = "parties", .response_name = "PartyAggregates",
    .response = "{'type':'object','required':['total','by'],'additionalProperties':false,'properties':{"
                "'total':{'type':'integer','minimum':0,'description':'parties within your read scope'},"
                "'by':{'type':'object','description':'counts per value of each field you may read (city: the 10 largest)',"
                "'additionalProperties':false,'properties':{"
                "'kind':" COUNTS_SCHEMA ",'roles':" COUNTS_SCHEMA ",'importance':" COUNTS_SCHEMA ","
                "'relationship_level':" COUNTS_SCHEMA ",'source':" COUNTS_SCHEMA ",'customer_type':" COUNTS_SCHEMA ","
                "'city':" COUNTS_SCHEMA "}}}}"};

static const struct route aggregate_routes[] = {
    {"GET", "/api/v1/aggregates/parties", 0, "parties", "read", aggregates_parties,
     "Counts of the parties you may read: total and by kind, role, importance, relationship level, source, customer type, city (top 10)",
     NULL, &aggregates_parties_doc},
};

void aggregates_register(void)
{
    routes_register(aggregate_routes, sizeof aggregate_routes / sizeof aggregate_routes[0]);
}
