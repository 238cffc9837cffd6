/* leads: what a lead has beyond the record kernel's CRUD (issue 18) —
 *   POST /api/v1/leads/{id}/convert   the lead becomes a person party (new,
 *       or {"party_id": N}: an existing one, which takes the lead's e-mail
 *       addresses and phone numbers), with its organisation (an existing
 *       one of the company's name, or a new one) and the works_at link, and
 *       an opportunity when that record type exists; the lead's history
 *       (its audit rows) is linked to the party, so the party's timeline
 *       shows it. Everything goes through the one write path in one
 *       transaction: all of it happens, or none.
 *   GET /api/v1/leads/{id}/duplicates  the duplicates as of now, among the
 *       records the caller may read (the lead's stored "duplicates" are
 *       those of its last write, trimmed to the reader's scope the same
 *       way by the type's view hook). */
#include "api/api.h"
#include "db/writer.h"
#include "domain/lead.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <string.h>

extern struct resource link_resource;

struct conv {
    struct req *rq;
    struct writer wr;
    int64_t lead_id, party_id, org_id, opp_id;
    bool want_opportunity;
    const json_t *opportunity;     /* the body's "opportunity" object, or NULL */
    struct verr e;
};

/* A list field of rec with the elements of add it lacks; NULL when none. */
static json_t *union_list(const json_t *have, const json_t *add)
{
    json_t *out = json_is_array(have) ? json_deep_copy(have) : json_array();
    bool grew = false;
    size_t i, k;
    json_t *x, *y;
    json_array_foreach(add, i, x) {
        bool found = false;
        json_array_foreach(out, k, y) found |= json_equal(x, y);
        if (!found && json_array_size(out) < 20) { json_array_append(out, x); grew = true; }
    }
    if (!grew) { json_decref(out); return NULL; }
    return out;
}

static void set_if(json_t *o, const char *key, json_t *v)
{
    if (v && !json_is_null(v)) json_object_set(o, key, v);
}

static int64_t org_by_name(db *w, const char *name)
{
    db_stmt *s = db_prepare(w, "SELECT id FROM party WHERE kind = 'organization' AND LOWER(name) = LOWER(?)"
                               " AND deleted_at IS NULL ORDER BY id LIMIT 1");
    if (!s) return -1;
    db_bind_text(s, 1, name);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return id;
}

static bool link_exists(db *w, int64_t from, int64_t to)
{
    db_stmt *s = db_prepare(w, "SELECT 1 FROM party_link WHERE from_id = ? AND to_id = ? AND kind = 'works_at'");
    if (!s) return false;
    db_bind_int64(s, 1, from);
    db_bind_int64(s, 2, to);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

/* The default pipeline: the first active one (the pipelines type of
 * issue 18 part A, table pipeline), or 0 when there is none. */
static int64_t default_pipeline(db *w)
{
    const struct rtype *p = registry_by_name("pipelines");
    if (!p || strcmp(p->res->table, "pipeline") != 0 || !res_field_find(p->res, "active")) return 0;
    db_stmt *s = db_prepare(w, "SELECT id FROM pipeline WHERE active = 1 ORDER BY id LIMIT 1");
    if (!s) return 0;
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return id;
}

static int create_opportunity(db *w, struct conv *c, const json_t *lead)
{
    const struct rtype *t = registry_by_name("opportunities");
    if (!t || !c->want_opportunity) return 0;
    json_t *in = json_object();
    const json_t *o = c->opportunity;
    const char *key;
    json_t *v;
    if (json_is_object(o)) json_object_foreach((json_t *)o, key, v) json_object_set(in, key, v);
    /* No pipeline given: the default one, whose first stage the
     * opportunity's own rule fills in; none at all: no opportunity. */
    if (!json_is_integer(json_object_get(in, "pipeline_id")) && res_field_find(t->res, "pipeline_id")) {
        int64_t pid = default_pipeline(w);
        if (!pid) { json_decref(in); return 0; }
        json_object_set_new(in, "pipeline_id", json_integer(pid));
    }
    json_object_set_new(in, "party_id", json_integer(c->party_id));
    if (!json_object_get(in, "owner_id")) set_if(in, "owner_id", json_object_get(lead, "owner_id"));
    if (!json_object_get(in, "name") && res_field_find(t->res, "name")) {
        const char *company = json_string_value(json_object_get(lead, "company"));
        json_object_set_new(in, "name", json_string(company ? company : json_string_value(json_object_get(lead, "name"))));
    }
    /* The body's fields are checked as a create body of the type would be. */
    json_t *rec = res_validate(t->res, in, true, &c->e);
    json_decref(in);
    if (!rec) {
        char f[sizeof c->e.field];
        memcpy(f, c->e.field, sizeof f);
        snprintf(c->e.field, sizeof c->e.field, "opportunity.%.50s", f);
        return -1;
    }
    int rc = record_create(w, &c->wr, t->res, rec, NULL, &c->opp_id, NULL, &c->e);
    json_decref(rec);
    return rc;
}

static int job_convert(db *w, void *arg)
{
    struct conv *c = arg;
    const struct auth_user *u = &c->rq->user;
    json_t *lead = res_load(w, &lead_resource, c->lead_id);
    const struct rtype *lt = registry_of(&lead_resource);
    if (!lead || !authz_record_in_scope(w, u, lt, c->lead_id, authz_scope(u, "leads", "read"))) {
        verr_set(&c->e, 404, "not_found", "id", "no lead with id %lld", (long long)c->lead_id);
        json_decref(lead);
        return 1;
    }
    int rc = 1;
    const char *status = json_string_value(json_object_get(lead, "status"));
    if (status && (!strcmp(status, "converted") || !strcmp(status, "disqualified"))) {
        verr_set(&c->e, 409, "invalid_transition", "status", "a %s lead cannot be converted", status);
        snprintf(c->e.from, sizeof c->e.from, "%s", status);
        snprintf(c->e.to, sizeof c->e.to, "converted");
        goto done;
    }
    json_t *emails = json_object_get(lead, "emails"), *phones = json_object_get(lead, "phones");
    if (c->party_id) {
        json_t *party = res_load(w, &party_resource, c->party_id);
        bool visible = party && authz_party_in_scope(w, u, c->party_id, authz_scope(u, "parties", "read"));
        if (!visible || strcmp(json_string_value(json_object_get(party, "kind")), "person")) {
            json_decref(party);
            verr_set(&c->e, 422, "invalid_reference", "party_id", "party_id %lld is not a person you can see", (long long)c->party_id);
            goto done;
        }
        /* The lead's contacts join the party's. */
        json_t *patch = json_object();
        json_t *e2 = union_list(json_object_get(party, "emails"), emails), *p2 = union_list(json_object_get(party, "phones"), phones);
        if (e2) json_object_set_new(patch, "emails", e2);
        if (p2) json_object_set_new(patch, "phones", p2);
        if (!json_is_string(json_object_get(party, "title"))) set_if(patch, "title", json_object_get(lead, "title"));
        json_decref(party);
        int r = json_object_size(patch) ? record_update(w, &c->wr, &party_resource, c->party_id, patch, NULL, NULL, &c->e) : 0;
        json_decref(patch);
        if (r) goto done;
    } else {
        json_t *p = json_pack("{s:s, s:O}", "kind", "person", "name", json_object_get(lead, "name"));
        set_if(p, "title", json_object_get(lead, "title"));
        set_if(p, "emails", emails);
        set_if(p, "phones", phones);
        set_if(p, "source", json_object_get(lead, "source"));
        set_if(p, "industry", json_object_get(lead, "industry"));
        set_if(p, "owner_id", json_object_get(lead, "owner_id"));
        set_if(p, "team_id", json_object_get(lead, "team_id"));
        int r = record_create(w, &c->wr, &party_resource, p, NULL, &c->party_id, NULL, &c->e);
        json_decref(p);
        if (r) goto done;
    }
    const char *company = json_string_value(json_object_get(lead, "company"));
    if (company && *company) {
        c->org_id = org_by_name(w, company);
        if (c->org_id < 0) { verr_from_db(&c->e, w, &party_resource); goto done; }
        if (!c->org_id) {
            json_t *o = json_pack("{s:s, s:s}", "kind", "organization", "name", company);
            set_if(o, "industry", json_object_get(lead, "industry"));
            set_if(o, "source", json_object_get(lead, "source"));
            set_if(o, "owner_id", json_object_get(lead, "owner_id"));
            set_if(o, "team_id", json_object_get(lead, "team_id"));
            int r = record_create(w, &c->wr, &party_resource, o, NULL, &c->org_id, NULL, &c->e);
            json_decref(o);
            if (r) goto done;
        }
        if (!link_exists(w, c->party_id, c->org_id)) {
            json_t *l = json_pack("{s:I, s:I, s:s}", "from_id", (json_int_t)c->party_id, "to_id", (json_int_t)c->org_id, "kind", "works_at");
            set_if(l, "title", json_object_get(lead, "title"));
            int r = record_create(w, &c->wr, &link_resource, l, NULL, NULL, NULL, &c->e);
            json_decref(l);
            if (r) goto done;
        }
    }
    if (create_opportunity(w, c, lead)) goto done;
    /* The lead's history shows in the party's timeline from now on. */
    db_stmt *s = db_prepare(w, "UPDATE audit SET party_id = ? WHERE entity = 'lead' AND entity_id = ? AND party_id IS NULL");
    if (!s) { verr_from_db(&c->e, w, &lead_resource); goto done; }
    db_bind_int64(s, 1, c->party_id);
    db_bind_int64(s, 2, c->lead_id);
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE) { verr_from_db(&c->e, w, &lead_resource); goto done; }
    json_t *patch = json_pack("{s:s, s:I, s:o}", "status", "converted", "converted_party_id", (json_int_t)c->party_id,
                              "converted_opportunity_id", c->opp_id ? json_integer(c->opp_id) : json_null());
    struct write_opts o = {.action = "convert"};
    int r = record_update(w, &c->wr, &lead_resource, c->lead_id, patch, &o, NULL, &c->e);
    json_decref(patch);
    if (r) goto done;
    rc = 0;
done:
    json_decref(lead);
    return rc;
}

static void lead_convert(struct req *rq, struct resp *rs)
{
    struct conv c = {.rq = rq, .lead_id = rq->path_ids[0], .want_opportunity = true,
                     .wr = writer_user(&rq->user, req_client_addr(rq))};
    json_t *b = rq->json;
    static const char *const known[] = {"party_id", "opportunity", "create_opportunity", NULL};
    if (!body_keys_known(b, known, "a conversion", rs)) return;
    json_t *v = json_object_get(b, "party_id");
    if (v && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 1)) {
        resp_error(rs, 422, "invalid_type", "party_id", "party_id must be a positive integer");
        return;
    }
    c.party_id = json_is_integer(v) ? json_integer_value(v) : 0;
    v = json_object_get(b, "opportunity");
    if (v && !json_is_null(v) && !json_is_object(v)) { resp_error(rs, 422, "invalid_type", "opportunity", "opportunity must be an object"); return; }
    c.opportunity = json_is_object(v) ? v : NULL;
    v = json_object_get(b, "create_opportunity");
    if (v && !json_is_boolean(v)) { resp_error(rs, 422, "invalid_type", "create_opportunity", "create_opportunity must be true or false"); return; }
    if (json_is_false(v)) c.want_opportunity = false;
    if (authz_scope(&rq->user, "parties", "create") == SCOPE_NONE) {
        resp_error(rs, 403, "forbidden", NULL, "your role may not create parties");
        return;
    }
    int rc = db_write(job_convert, &c);
    if (rc > 0) { resp_verr(rs, &c.e); return; }
    if (rc < 0) { resp_error(rs, 503, "storage_error", NULL, "the conversion could not be stored; nothing was written"); return; }
    resp_json(rs, 200, json_pack("{s:I, s:o, s:o}", "party_id", (json_int_t)c.party_id,
                                 "organization_id", c.org_id ? json_integer(c.org_id) : json_null(),
                                 "opportunity_id", c.opp_id ? json_integer(c.opp_id) : json_null()));
}

static void lead_dups(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    const struct rtype *lt = registry_of(&lead_resource);
    json_t *lead = res_load(c, &lead_resource, rq->path_ids[0]);
    if (!lead || !authz_record_in_scope(c, &rq->user, lt, rq->path_ids[0], authz_scope(&rq->user, "leads", "read"))) {
        json_decref(lead);
        resp_error(rs, 404, "not_found", "id", "no lead with id %lld", (long long)rq->path_ids[0]);
        return;
    }
    json_t *d = lead_duplicates(c, lead, rq->path_ids[0]);
    json_decref(lead);
    if (!d) { resp_error(rs, 500, "internal", NULL, "the duplicate check failed"); return; }
    /* Only the records the caller may read: a duplicate outside their
     * scope is not named to them. */
    json_t *seen = lead_duplicates_visible(c, &rq->user, d);
    json_decref(d);
    resp_json(rs, 200, json_pack("{s:o}", "items", seen));
}

#define DUP_ITEM "{'type':'object','required':['type','id','name','matched_on'],'additionalProperties':false,'properties':{" \
                 "'type':{'type':'string','enum':['party','lead']},'id':{'type':'integer','format':'int64'},'name':{'type':'string'}," \
                 "'matched_on':{'type':'string','enum':['email','phone','name_company']}}}"

static const struct route_doc convert_doc = {
    .id = "convertLead", .tag = "leads",
    .request = "{'type':'object','additionalProperties':false,'properties':{"
               "'party_id':{'type':'integer','format':'int64','nullable':true,'description':'convert into this existing person (merging the contacts)'},"
               "'create_opportunity':{'type':'boolean','description':'default true'},"
               "'opportunity':{'type':'object','nullable':true,'description':'fields of the new opportunity: pipeline_id, stage, amount, expected_close_on'}}}",
    .request_name = "LeadConvert",
    .response = "{'type':'object','required':['party_id','organization_id','opportunity_id'],'additionalProperties':false,'properties':{"
                "'party_id':{'type':'integer','format':'int64'},'organization_id':{'type':'integer','format':'int64','nullable':true},"
                "'opportunity_id':{'type':'integer','format':'int64','nullable':true}}}",
    .response_name = "LeadConverted", .errors = "409",
};
static const struct route_doc dups_doc = {
    .id = "getLeadDuplicates", .tag = "leads",
    .response = "{'type':'object','required':['items'],'additionalProperties':false,'properties':{'items':{'type':'array','items':" DUP_ITEM "}}}",
    .response_name = "LeadDuplicates",
};

static const struct route lead_routes[] = {
    {"POST", "/api/v1/leads/{id}/convert", 0, "leads", "update", lead_convert,
     "Convert a lead into a person party (new or existing), its organisation with the works_at link, and an opportunity", NULL, &convert_doc},
    {"GET", "/api/v1/leads/{id}/duplicates", 0, "leads", "read", lead_dups,
     "The lead's possible duplicates among parties and leads, as of now", NULL, &dups_doc},
};

void leads_register(void)
{
    routes_register(lead_routes, sizeof lead_routes / sizeof lead_routes[0]);
}
