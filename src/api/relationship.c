/* relationship: a customer's relationship level (DOMAIN D3.6) —
 *   GET /api/v1/parties/{id}/relationship   the level set on the party with its history (from the audit trail),
 *       the effective level (structural services in the last year make a partner), the level Kotler's grid
 *       recommends from the margin and the number of customers of its kind, the gap and what to do
 *   GET/PUT /api/v1/settings/relationship-grid   the grid's thresholds (PUT: admin)
 * The level itself is the party's relationship_level field, changed like any field. */
#include "api/api.h"
#include "db/writer.h"
#include "db/setting.h"
#include "domain/relationship.h"
#include "domain/vocab.h"
#include "http/authz.h"
#include "lib/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level_index(const char *l)
{
    for (int i = 0; l && relationship_levels[i]; i++)
        if (!strcmp(relationship_levels[i], l)) return i;
    return -1;
}

static json_t *grid_load(db *c, struct rel_grid *g)
{
    db_stmt *s = db_prepare(c, "SELECT value FROM setting WHERE key = 'relationship.grid'");
    json_t *o = s && db_step(s) == DB_ROW ? json_loads(db_column_text(s, 0), 0, NULL) : NULL;
    if (s) db_done(s);
    const char *bad;
    if (!o || relationship_grid_parse(o, g, &bad)) {
        json_decref(o);
        o = json_pack("{s:f, s:f, s:I, s:I}", "margin_low", 0.1, "margin_high", 0.3, "customers_few", (json_int_t)100,
                      "customers_many", (json_int_t)1000);
        relationship_grid_parse(o, g, &bad);
    }
    return o;
}

static void relationship_get(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!authz_party_in_scope(c, &rq->user, id, authz_scope(&rq->user, "parties", "read"))) {
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)id);
        return;
    }
    bool hidden = authz_field(&rq->user, "parties", "relationship_level") == FA_HIDDEN;
    db_stmt *s = db_prepare(c, "SELECT relationship_level, customer_type FROM party WHERE id = ?");
    if (!s) { resp_error(rs, 503, "storage_error", NULL, "the party could not be read"); return; }
    db_bind_int64(s, 1, id);
    char level[32] = "", kind[32] = "";
    if (db_step(s) == DB_ROW) {
        if (db_column_text(s, 0)) snprintf(level, sizeof level, "%s", db_column_text(s, 0));
        if (db_column_text(s, 1)) snprintf(kind, sizeof kind, "%s", db_column_text(s, 1));
    }
    db_done(s);
    if (hidden) level[0] = 0;
    /* History: the audit rows that changed the level. */
    json_t *history = json_array();
    if (!hidden && (s = db_prepare(c, "SELECT at, user_id, changes FROM audit WHERE entity = 'party' AND entity_id = ? ORDER BY id"))) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW) {
            json_t *ch = db_column_text(s, 2) ? json_loads(db_column_text(s, 2), 0, NULL) : NULL;
            json_t *pair = json_object_get(ch, "relationship_level");
            if (json_is_array(pair) && json_array_size(pair) == 2)
                json_array_append_new(history, json_pack("{s:s, s:o, s:O, s:O}", "at", db_column_text(s, 0),
                    "user_id", db_column_type(s, 1) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 1)),
                    "from", json_array_get(pair, 0), "to", json_array_get(pair, 1)));
            json_decref(ch);
        }
        db_done(s);
    }
    /* The margin over the purchases with a cost. */
    json_t *margin = json_null();
    double m = 0;
    if ((s = db_prepare(c, "SELECT sum(amount), sum(cost) FROM txn WHERE party_id = ? AND amount > 0 AND cost IS NOT NULL"))) {
        db_bind_int64(s, 1, id);
        if (db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL && db_column_double(s, 0) > 0) {
            m = (db_column_double(s, 0) - db_column_double(s, 1)) / db_column_double(s, 0);
            margin = json_real(m);
        }
        db_done(s);
    }
    int64_t customers = 0;
    if ((s = db_prepare(c, kind[0] ? "SELECT count(*) FROM party WHERE customer_type = ? AND deleted_at IS NULL AND merged_into IS NULL"
                                   : "SELECT count(*) FROM party WHERE deleted_at IS NULL AND merged_into IS NULL"))) {
        if (kind[0]) db_bind_text(s, 1, kind);
        if (db_step(s) == DB_ROW) customers = db_column_int64(s, 0);
        db_done(s);
    }
    /* Structural ties of the last year. */
    int64_t services = 0, value = 0;
    char since[11];
    date_format(time_now() - 365 * 86400LL, since);
    if ((s = db_prepare(c, "SELECT count(*), COALESCE(sum(value_amount), 0) FROM structural_service WHERE party_id = ? AND delivered_on >= ?"))) {
        db_bind_int64(s, 1, id);
        db_bind_text(s, 2, since);
        if (db_step(s) == DB_ROW) { services = db_column_int64(s, 0); value = db_column_int64(s, 1); }
        db_done(s);
    }
    struct rel_grid g;
    json_t *grid = grid_load(c, &g);
    int have = level_index(level), eff = services > 0 ? 4 : have;
    if (have > eff) eff = have;
    int rec = json_is_real(margin) ? relationship_recommend(&g, m, customers) : -1;
    const char *action = rec < 0 || eff < 0 ? "unknown" : rec > eff ? "raise" : rec < eff ? "lower" : "keep";
    resp_json(rs, 200, json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:s, s:{s:I, s:I}, s:o}",
        "level", level[0] ? json_string(level) : json_null(),
        "effective_level", eff >= 0 ? json_string(relationship_levels[eff]) : json_null(),
        "history", history, "margin", margin, "kind", kind[0] ? json_string(kind) : json_null(),
        "customers_of_kind", (json_int_t)customers,
        "recommended", rec >= 0 ? json_string(relationship_levels[rec]) : json_null(),
        "gap", rec >= 0 && eff >= 0 ? json_integer(rec - eff) : json_null(),
        "effective_from_structural", json_boolean(services > 0 && have < 4),
        "action", action, "structural", "services", (json_int_t)services, "value_minor", (json_int_t)value, "grid", grid));
}

static void grid_get(struct req *rq, struct resp *rs)
{
    (void)rq;
    struct rel_grid g;
    resp_json(rs, 200, grid_load(db_reader(), &g));
}

static int grid_store(db *w, void *arg)
{
    return setting_put(w, "relationship.grid", arg) ? 1 : 0;
}

static void grid_put(struct req *rq, struct resp *rs)
{
    struct rel_grid g;
    const char *bad = NULL;
    if (!json_is_object(rq->json)) { resp_error(rs, 400, "missing_body", NULL, "send the grid"); return; }
    static const char *const known[] = {"margin_low", "margin_high", "customers_few", "customers_many", NULL};
    if (!body_keys_known(rq->json, known, "the grid", rs)) return;
    if (relationship_grid_parse(rq->json, &g, &bad)) {
        resp_error(rs, 422, "invalid_value", bad, "margins are fractions from -1 to 1 (low <= high); customers_few < customers_many, whole numbers");
        return;
    }
    char *text = json_dumps(rq->json, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = db_write(grid_store, text);
    free(text);
    if (rc) { resp_error(rs, 503, "storage_error", NULL, "the grid could not be stored"); return; }
    resp_json(rs, 200, grid_load(db_reader(), &g));
}

#define GRID_SCHEMA                                                                                                       \
    "{'type':'object','required':['margin_low','margin_high','customers_few','customers_many'],'additionalProperties':false,'properties':{" \
    "'margin_low':{'type':'number','minimum':-1,'maximum':1},'margin_high':{'type':'number','minimum':-1,'maximum':1},"    \
    "'customers_few':{'type':'integer','minimum':0},'customers_many':{'type':'integer','minimum':1}}}"
static const struct route_doc rel_doc = {
    .id = "getPartyRelationship", .tag = "parties",
    .response = "{'type':'object','required':['level','effective_level','history','margin','kind','customers_of_kind','recommended','gap',"
                "'effective_from_structural','action','structural','grid'],'additionalProperties':false,'properties':{"
                "'level':{'type':'string','nullable':true,'enum':['basic','passive','responsible','proactive','partner',null]},"
                "'effective_level':{'type':'string','nullable':true},"
                "'history':{'type':'array','items':{'type':'object','required':['at','user_id','from','to'],'properties':{"
                "'at':{'type':'string','format':'date-time'},'user_id':{'type':'integer','nullable':true},"
                "'from':{'type':'string','nullable':true},'to':{'type':'string','nullable':true}}}},"
                "'margin':{'type':'number','nullable':true},'kind':{'type':'string','nullable':true},'customers_of_kind':{'type':'integer'},"
                "'recommended':{'type':'string','nullable':true},'gap':{'type':'integer','nullable':true},"
                "'effective_from_structural':{'type':'boolean'},'action':{'type':'string','enum':['raise','lower','keep','unknown']},"
                "'structural':{'type':'object','required':['services','value_minor'],'properties':{'services':{'type':'integer'},'value_minor':{'type':'integer'}}},"
                "'grid':{'$ref':'#/components/schemas/RelationshipGrid'}}}",
    .response_name = "PartyRelationship",
};
static const struct route_doc grid_get_doc = {.id = "getRelationshipGrid", .tag = "settings", .response = GRID_SCHEMA,
                                              .response_name = "RelationshipGrid"};
static const struct route_doc grid_put_doc = {.id = "setRelationshipGrid", .tag = "settings", .request = GRID_SCHEMA,
                                              .response = "{'$ref':'#/components/schemas/RelationshipGrid'}"};

static const struct route relationship_routes[] = {
    {"GET", "/api/v1/parties/{id}/relationship", 0, "parties", "read", relationship_get,
     "A party's relationship level with its history, and the level Kotler's grid recommends, the gap and what to do", NULL, &rel_doc},
    {"GET", "/api/v1/settings/relationship-grid", 0, "parties", "read", grid_get, "The relationship-level grid's thresholds", NULL, &grid_get_doc},
    {"PUT", "/api/v1/settings/relationship-grid", R_ADMIN, "users", "update", grid_put, "Set the relationship-level grid (admin)", NULL, &grid_put_doc},
};

void relationship_register(void)
{
    routes_register(relationship_routes, sizeof relationship_routes / sizeof relationship_routes[0]);
}
