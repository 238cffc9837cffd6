/* parties: every person and organisation the company deals with (D1, D2):
 * customers and prospects, suppliers, channel partners, competitors,
 * influencers, staff. Owns the party descriptor, the search and
 * contact-point indexes, the timeline and the merge of duplicates. */
#include "api/api.h"
#include "api/party_docs.h"
#include "db/writer.h"
#include "domain/occasion.h"
#include "domain/vocab.h"
#include "http/authz.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "records/registry.h"
#include "records/write.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field party_fields[] = {
    {"kind", "kind", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, party_kinds, 0, 0, NULL, "person or organization"},
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "full name or organisation name (sorted in pinyin order)"},
    {"roles", "roles", NULL, FT_LIST, F_FILTER, 7, party_roles, E_ENUM, 0, NULL, "six-market roles (D2)"},
    {"external_id", "external_id", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "id in another system"},
    {"emails", "emails", NULL, FT_LIST, 0, 20, NULL, E_EMAIL, 0, NULL, "e-mail addresses"},
    {"phones", "phones", NULL, FT_LIST, 0, 20, NULL, E_PHONE, 0, NULL, "phone numbers"},
    {"addresses", "addresses", NULL, FT_OBJLIST, 0, 10, NULL, 0, 0, address_keys, "postal addresses"},
    {"website", "website", NULL, FT_TEXT, 0, 500, NULL, 0, 0, NULL, "web site"},
    {"title", "title", NULL, FT_TEXT, 0, 200, NULL, 0, 0, NULL, "job title of a person"},
    {"industry", "industry", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "industry type (D1)"},
    {"source", "source", NULL, FT_ENUM, F_FILTER, 0, info_sources, 0, 0, NULL, "information source (D1)"},
    {"city", "city", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "city"},
    {"country", "country", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "country"},
    {"birthday", "birthday", NULL, FT_DATE, 0, 0, NULL, 0, 0, NULL, "birthday or founding date (D8 occasions)"},
    {"lunar_birthday", "lunar_birthday", NULL, FT_OBJECT, 0, 0, NULL, 0, 0, NULL,
     "birthday by the lunar calendar, for customers who celebrate it so: {\"month\": 1-12, \"day\": 1-30, \"leap\": bool} (D8 occasions)"},
    {"needs", "needs", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "needs (D1)"},
    {"characteristics", "characteristics", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "characteristics (D1)"},
    {"communication", "communication", NULL, FT_OBJECT, 0, 0, NULL, 0, 0, NULL, "communication preferences: channels, language, do_not_contact"},
    {"contact_plan", "contact_plan", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "communication plan (D1)"},
    {"relationship_to_company", "relationship_to_company", NULL, FT_ENUM, F_FILTER, 0, relation_to_company, 0, 0, NULL, "D3.1"},
    {"importance", "importance", NULL, FT_ENUM, F_FILTER, 0, importance_levels, 0, 0, NULL, "D3.2 VIP / important / ordinary"},
    {"loyalty_class", "loyalty_class", NULL, FT_ENUM, F_FILTER, 0, loyalty_classes, 0, 0, NULL, "D3.3"},
    {"value_class", "value_class", NULL, FT_ENUM, F_FILTER, 0, value_classes, 0, 0, NULL, "D3.4"},
    {"customer_type", "customer_type", NULL, FT_ENUM, F_FILTER, 0, customer_types, 0, 0, NULL, "D3.5"},
    {"relationship_level", "relationship_level", NULL, FT_ENUM, F_FILTER, 0, relationship_levels, 0, 0, NULL, "D3.6 basic … partner"},
    {"tags", "tags", NULL, FT_LIST, F_FILTER, 50, NULL, E_TEXT, 0, NULL, "free tags"},
    {"custom", "custom", NULL, FT_OBJECT, F_FILTER, 0, NULL, 0, 0, NULL, "custom fields; filter with custom.<name>=value"},
    {"notes", "notes", NULL, FT_TEXT, 0, 20000, NULL, 0, 0, NULL, "free notes"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team / business unit"},
};

static void append_list(strbuf *sb, const json_t *list)
{
    size_t i; json_t *x;
    json_array_foreach(list, i, x) sb_printf(sb, " %s", json_string_value(x));
}

/* The party fields the search index holds, one index column each, named as
 * the field (migration 008), so that a search can be limited to the fields
 * the user may read. */
static const char *const party_search_fields[] = {
    "name", "emails", "phones", "external_id", "website", "title", "industry", "city", "country",
    "needs", "characteristics", "notes", "tags", NULL,
};

int party_unindex(db *w, int64_t id)
{
    if (db_search_remove(w, "party_fts", party_search_fields, id)) return -1;
    db_stmt *s = db_prepare(w, "DELETE FROM contact_point WHERE party_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static int add_contact_point(db *w, int64_t id, const char *kind, const char *normalized)
{
    db_stmt *s = db_prepare(w, "INSERT INTO contact_point(kind, normalized, party_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, normalized);
    db_bind_int64(s, 3, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}


static int party_index(db *w, int64_t id, const json_t *rec);

int party_reindex(db *w, int64_t id, const json_t *rec)
{
    if (party_unindex(w, id)) return -1;
    return party_index(w, id, rec);
}

/* A new party's index rows: contact points, search terms. */
static int party_index(db *w, int64_t id, const json_t *rec)
{
    strbuf emails, phones, tags;
    sb_init(&emails, 0);
    sb_init(&phones, 0);
    sb_init(&tags, 0);
    int rc = -1;
    size_t i; json_t *x;
    json_array_foreach(json_object_get(rec, "emails"), i, x) {
        sb_printf(&emails, " %s", json_string_value(x));
        if (add_contact_point(w, id, "email", json_string_value(x))) goto done;
    }
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (!phone_normalize(json_string_value(x), norm, sizeof norm)) continue;
        /* As written and as canonical digits, so any spelling finds it. */
        sb_printf(&phones, " %s %s", json_string_value(x), norm);
        if (add_contact_point(w, id, "phone", norm)) goto done;
    }
    append_list(&tags, json_object_get(rec, "tags"));
    const char *values[sizeof party_search_fields / sizeof party_search_fields[0]];
    for (int k = 0; party_search_fields[k]; k++) {
        const char *f = party_search_fields[k];
        strbuf *list = !strcmp(f, "emails") ? &emails : !strcmp(f, "phones") ? &phones : !strcmp(f, "tags") ? &tags : NULL;
        values[k] = list ? sb_str(list) : json_string_value(json_object_get(rec, f));
    }
    rc = db_search_add(w, "party_fts", party_search_fields, id, values);
    /* The stored GET document is derived from the row like the indexes;
     * every write of a party comes through here after writing the row. */
    if (rc == 0 && !party_docs_deferred()) rc = res_store_doc(w, &party_resource, id);
done:
    sb_free(&emails);
    sb_free(&phones);
    sb_free(&tags);
    return rc;
}

static int party_before_delete(db *w, int64_t id, struct verr *e) { return party_unindex(w, id); }

/* The party's own rule: a lunar birthday is a valid lunar month and day
 * (domain/occasion.c). */
static int party_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    return occasion_check_lunar_birthday(rec, e);
}

/* Filters on the computed scores (analytics, table score); money in minor units. */
static const struct list_filter party_score_filters[] = {
    {"tier", "t.id IN (SELECT party_id FROM score WHERE tier = ?)", LF_TEXT, "pyramid tier: platinum, gold, iron, lead", "tier"},
    {"lifecycle", "t.id IN (SELECT party_id FROM score WHERE lifecycle = ?)", LF_TEXT, "exploration, formation, stability, decline", "lifecycle"},
    {"rfm_segment", "t.id IN (SELECT party_id FROM score WHERE rfm_segment = ?)", LF_TEXT, "named RFM segment, e.g. champions", "rfm"},
    {"strategy", "t.id IN (SELECT party_id FROM score WHERE strategy = ?)", LF_TEXT, "submissive, caring, adaptive, indifferent", "strategy"},
    {"priority", "t.id IN (SELECT party_id FROM score WHERE priority = ?)", LF_TEXT, "key-account priority A+, A, B, C", "priority"},
    {"clv_min", "t.id IN (SELECT party_id FROM score WHERE clv >= ?)", LF_INT, "lifetime value at least (minor units)", "clv.total"},
    {"clv_max", "t.id IN (SELECT party_id FROM score WHERE clv <= ?)", LF_INT, "lifetime value at most (minor units)", "clv.total"},
    {"p_alive_min", "t.id IN (SELECT party_id FROM score WHERE p_alive >= ?)", LF_REAL, "P(alive) at least", "model.p_alive"},
    {NULL, NULL, LF_TEXT, NULL, NULL},
};

/* Names sort by their ICU "zh" key (pinyin order; migration 005). */
static const struct sort_key party_sort_keys[] = {{"name", "name_key"}, {NULL, NULL}};

struct resource party_resource = {
    .name = "parties", .table = "party", .entity = "party",
    .fields = party_fields, .nfields = sizeof party_fields / sizeof party_fields[0],
    .soft_delete = true, .fts_table = "party_fts", .fts_columns = party_search_fields,
    .extra_filters = party_score_filters,
    .rule = party_rule,
    .after_write = party_reindex, .after_create = party_index, .before_delete = party_before_delete,
    .sort_keys = party_sort_keys, .has_doc = true,
};

/* ---- timeline ---- */


/* The timeline's query, from the registry: every type that shows in its
 * party's timeline (RT_TIMELINE, owned through a party) in declaration
 * order — its rank in the cursor is its place there — then the party's
 * changes (audit rows), ranked last. Built once from constant fragments. */
static const struct rtype *g_timeline[16];
static int g_ntimeline;
static char *g_timeline_sql;
static pthread_once_t g_timeline_once = PTHREAD_ONCE_INIT;

static void timeline_build(void)
{
    strbuf sb;
    sb_init(&sb, 0);
    sb_puts(&sb, "WITH ids(pid) AS (SELECT id FROM party WHERE id = ? OR merged_into = ?), ev(at, rank, id) AS (");
    for (const struct rtype *const *t = registry_types(); *t; t++) {
        if (!((*t)->flags & RT_TIMELINE) || (*t)->own != OWN_PARENT || g_ntimeline == 16) continue;
        g_timeline[g_ntimeline++] = *t;
        /* The registry's constants: the time expression, the rank, the
         * table and the parent column. */
        const struct rtype *rt = *t;
        const char *order_col = rt->timeline_at, *column = rt->parent_field;
        int rank = g_ntimeline;
        sb_printf(&sb, "SELECT %s, %d, id FROM %s WHERE %s IN (SELECT pid FROM ids) UNION ALL ", order_col, rank,
                  rt->res->table, column);
    }
    int rank = g_ntimeline + 1;
    sb_printf(&sb, "SELECT at, %d, id FROM audit WHERE party_id IN (SELECT pid FROM ids))"
                   " SELECT at, rank, id FROM ev WHERE (at, rank, id) < (?, ?, ?)"
                   " ORDER BY at DESC, rank DESC, id DESC LIMIT ?", rank);
    g_timeline_sql = sb_take(&sb);
}

static void timeline_init(void) { pthread_once(&g_timeline_once, timeline_build); }

/* Every interaction, transaction, note and change of the party — and of the
 * duplicates merged into it — newest first, keyset-paginated by
 * (at, kind, id). */
static void party_timeline(struct req *rq, struct resp *rs)
{
    db *c = db_reader();
    int64_t id = rq->path_ids[0];
    if (!authz_party_in_scope(c, &rq->user, id, authz_scope(&rq->user, "parties", "read"))) {   /* also: exists, not deleted */
        resp_error(rs, 404, "not_found", "id", "no party with id %lld", (long long)id);
        return;
    }
    long limit = 50;
    const char *ls = req_query(rq, "limit");
    if (ls) {
        char *end;
        limit = strtol(ls, &end, 10);
        if (*end || limit < 1 || limit > 500) { resp_error(rs, 400, "invalid_parameter", "limit", "limit must be an integer from 1 to 500"); return; }
    }
    const char *before = req_query(rq, "before");
    char b_at[32] = "9999", dummy;
    long long b_rank = 99, b_id = 0x7fffffffffffffffLL;
    if (before && (strlen(before) > 60 || sscanf(before, "%20[^,],%lld,%lld%c", b_at, &b_rank, &b_id, &dummy) != 3)) {
        resp_error(rs, 400, "invalid_parameter", "before", "before must be a cursor from a previous page");
        return;
    }
    timeline_init();
    const char *sql = g_timeline_sql;
    db_stmt *s = db_prepare(c, sql);
    if (!s) { resp_error(rs, 500, "internal", NULL, "timeline query failed"); return; }
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, id);
    db_bind_text(s, 3, b_at);
    db_bind_int64(s, 4, b_rank);
    db_bind_int64(s, 5, b_id);
    db_bind_int64(s, 6, limit + 1);
    struct ev { char at[32]; int rank; int64_t id; } *evs = calloc((size_t)limit + 1, sizeof *evs);
    int n = 0;
    while (n <= limit && db_step(s) == DB_ROW) {
        snprintf(evs[n].at, sizeof evs[n].at, "%s", db_column_text(s, 0));
        evs[n].rank = (int)db_column_int64(s, 1);
        evs[n].id = db_column_int64(s, 2);
        n++;
    }
    db_done(s);
    json_t *items = json_array();
    for (int i = 0; i < n && i < limit; i++) {
        json_t *obj = NULL;
        const struct rtype *t = evs[i].rank >= 1 && evs[i].rank <= g_ntimeline ? g_timeline[evs[i].rank - 1] : NULL;
        if (t) obj = res_view(t->res, &rq->user, res_redact(t->res, &rq->user, res_load(c, t->res, evs[i].id)));
        else {
            db_stmt *a = db_prepare(c, "SELECT id, at, user_id, entity, entity_id, action, changes FROM audit WHERE id = ?");
            db_bind_int64(a, 1, evs[i].id);
            if (db_step(a) == DB_ROW) {
                json_t *changes = db_column_text(a, 6) ? json_loads(db_column_text(a, 6), 0, NULL) : NULL;
                audit_redact(&rq->user, db_column_text(a, 3), changes);
                /* A segment move whose every label is hidden from the user
                 * is left out whole: that it happened tells too much. */
                if (!strcmp(db_column_text(a, 5), "segment_move") && json_is_object(changes) && json_object_size(changes) == 0) {
                    db_done(a);
                    json_decref(changes);
                    continue;
                }
                obj = json_pack("{s:I, s:s, s:o, s:s, s:I, s:s, s:o}", "id", (json_int_t)db_column_int64(a, 0),
                                "at", db_column_text(a, 1),
                                "user_id", db_column_type(a, 2) == DB_NULL ? json_null() : json_integer(db_column_int64(a, 2)),
                                "entity", db_column_text(a, 3), "entity_id", (json_int_t)db_column_int64(a, 4),
                                "action", db_column_text(a, 5), "changes", changes ? changes : json_null());
            }
            db_done(a);
        }
        if (!obj) continue;
        json_array_append_new(items, json_pack("{s:s, s:s, s:o}", "type", t ? t->type : "change", "at", evs[i].at, "item", obj));
    }
    json_t *next = json_null();
    if (n > limit) {
        char cur[80];
        snprintf(cur, sizeof cur, "%s,%d,%lld", evs[limit - 1].at, evs[limit - 1].rank, (long long)evs[limit - 1].id);
        next = json_string(cur);
    }
    free(evs);
    resp_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", next));
}

/* ---- merge ---- */

struct merge_ctx {
    struct req *rq;
    int64_t target, dup;
    json_t *out;
    struct verr e;
};

static json_t *merged_record(const json_t *t, const json_t *d)
{
    json_t *m = json_deep_copy(t);
    for (int i = 0; i < party_resource.nfields; i++) {
        const struct field *f = &party_resource.fields[i];
        json_t *tv = json_object_get(t, f->name), *dv = json_object_get(d, f->name);
        if (!dv || json_is_null(dv)) continue;
        if (f->type == FT_LIST || f->type == FT_OBJLIST) {
            json_t *u = json_deep_copy(tv ? tv : json_array());
            size_t k; json_t *x;
            json_array_foreach(dv, k, x) {
                bool have = false;
                size_t j; json_t *y;
                json_array_foreach(u, j, y) if (json_equal(x, y)) have = true;
                if (!have && json_array_size(u) < (f->max ? f->max : 50)) json_array_append(u, x);
            }
            json_object_set_new(m, f->name, u);
        } else if (f->type == FT_OBJECT) {
            json_t *u = json_deep_copy(dv);
            json_object_update(u, tv);    /* the surviving record wins */
            json_object_set_new(m, f->name, u);
        } else if (!strcmp(f->name, "notes") && json_is_string(tv)) {
            char *both = NULL;
            if (asprintf(&both, "%s\n\n%s", json_string_value(tv), json_string_value(dv)) > 0) {
                json_object_set_new(m, f->name, json_string(both));
                free(both);
            }
        } else if (!tv || json_is_null(tv)) {
            json_object_set(m, f->name, dv);
        }
    }
    return m;
}

/* Runs one of the merge's statements; binds says what each ? is:
 * 't' the survivor, 'd' the duplicate, 'n' the time now. */
static int exec_move(db *w, const char *sql, const char *binds, int64_t target, int64_t dup)
{
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    char now[21];
    now_text(now);
    for (int i = 0; binds[i]; i++) {
        if (binds[i] == 'n') db_bind_text(s, i + 1, now);
        else db_bind_int64(s, i + 1, binds[i] == 't' ? target : dup);
    }
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static int job_merge(db *w, void *arg)
{
    struct merge_ctx *c = arg;
    json_t *t = res_load(w, &party_resource, c->target), *d = res_load(w, &party_resource, c->dup);
    json_t *m = NULL;
    int rc = 1;
    enum scope read = authz_scope(&c->rq->user, "parties", "read"), upd = authz_scope(&c->rq->user, "parties", "update");
    if (!t || !authz_party_in_scope(w, &c->rq->user, c->target, read)) {
        verr_set(&c->e, 404, "not_found", "id", "no party with id %lld", (long long)c->target);
        goto done;
    }
    if (!d || !authz_party_in_scope(w, &c->rq->user, c->dup, read)) {
        verr_set(&c->e, 422, "invalid_reference", "duplicate_id", "no party with id %lld", (long long)c->dup);
        goto done;
    }
    if (!authz_party_in_scope(w, &c->rq->user, c->target, upd) || !authz_party_in_scope(w, &c->rq->user, c->dup, upd)) {
        verr_set(&c->e, 403, "forbidden", NULL, "your role may not change both parties");
        goto done;
    }
    m = merged_record(t, d);
    struct writer wr = writer_user(&c->rq->user, req_client_addr(c->rq));
    /* What hangs on the duplicate moves to the survivor: each type that
     * moves on a merge says how (registry). */
    for (const struct rtype *const *rt = registry_types(); *rt; rt++)
        for (const struct merge_move *mv = (*rt)->merge; ((*rt)->flags & RT_MERGE) && mv && mv->sql; mv++)
            if (exec_move(w, mv->sql, mv->binds, c->target, c->dup)) { verr_from_db(&c->e, w, &party_resource); goto done; }
    static const struct { const char *sql, *binds; } moves[] = {
        {"UPDATE party SET merged_into = ? WHERE merged_into = ?", "td"},
        /* The duplicate leaves the indexes and gives up its external id. */
        {"UPDATE party SET merged_into = ?, deleted_at = ?, external_id = NULL, version = version + 1 WHERE id = ?", "tnd"},
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (exec_move(w, moves[i].sql, moves[i].binds, c->target, c->dup)) { verr_from_db(&c->e, w, &party_resource); goto done; }
    if (party_unindex(w, c->dup)) { verr_from_db(&c->e, w, &party_resource); goto done; }
    /* The survivor changes through the write path: the filled fields are
     * its audit row and event, which also name the duplicate. */
    json_t *from = json_pack("{s:[nI]}", "merged_from", (json_int_t)c->dup);
    struct write_opts o = {.expect_version = json_integer_value(json_object_get(t, "version")), .action = "merge", .log_extra = from};
    json_t *patch = json_deep_copy(m);
    static const char *const server[] = {"id", "version", "created_at", "updated_at"};
    for (size_t i = 0; i < 4; i++) json_object_del(patch, server[i]);
    int urc = record_update(w, &wr, &party_resource, c->target, patch, &o, &c->out, &c->e);
    json_decref(patch);
    json_decref(from);
    if (urc) goto done;
    if (record_log(w, &wr, "party", c->dup, "merged_into", json_pack("{s:[nI]}", "merged_into", (json_int_t)c->target), c->dup)) {
        verr_from_db(&c->e, w, &party_resource);
        goto done;
    }
    rc = 0;
done:
    if (rc) { json_decref(c->out); c->out = NULL; }
    json_decref(t);
    json_decref(d);
    json_decref(m);
    return rc;
}

static void party_merge(struct req *rq, struct resp *rs)
{
    if (!rq->json) { resp_error(rs, 400, "missing_body", NULL, "send {\"duplicate_id\": id}"); return; }
    json_t *dup = json_object_get(rq->json, "duplicate_id");
    static const char *const known[] = {"duplicate_id", NULL};
    if (!body_keys_known(rq->json, known, "a merge", rs)) return;
    if (!json_is_integer(dup) || json_integer_value(dup) <= 0) { resp_error(rs, 422, "required", "duplicate_id", "duplicate_id must be a party id"); return; }
    if (json_integer_value(dup) == rq->path_ids[0]) { resp_error(rs, 422, "invalid_value", "duplicate_id", "a party cannot be merged into itself"); return; }
    struct merge_ctx c = {.rq = rq, .target = rq->path_ids[0], .dup = json_integer_value(dup)};
    int rc = db_write(job_merge, &c);
    if (rc < 0) verr_set(&c.e, rc == WRITE_DISK_FULL ? 507 : 503, "storage_error", NULL, "the merge could not be made durable; nothing changed");
    if (rc) { resp_verr(rs, &c.e); return; }
    resp_json(rs, 200, res_redact(&party_resource, &rq->user, c.out));
}

/* OpenAPI shapes of the party routes beyond the record engine's
 * (src/api/openapi.c). */
/* Its answer's shape is derived from the registry like its query: one
 * item type per type on the timeline, then the changes (parties_register). */
static struct route_doc timeline_doc = {
    .id = "getPartyTimeline", .tag = "parties",
    .params = "[{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}},"
              "{'name':'before','in':'query','schema':{'type':'string','maxLength':60},'description':'the next of the previous page'}]",
    .response_name = "Timeline",
};

static void timeline_doc_build(void)
{
    strbuf types, refs;
    sb_init(&types, 0);
    sb_init(&refs, 0);
    for (const struct rtype *const *t = registry_types(); *t; t++) {
        if (!((*t)->flags & RT_TIMELINE) || (*t)->own != OWN_PARENT) continue;
        char schema[64];
        size_t k = 0;
        bool up = true;
        for (const char *c = (*t)->type; *c && k + 1 < sizeof schema; c++) {
            if (*c == '_') { up = true; continue; }
            schema[k++] = up && *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
            up = false;
        }
        schema[k] = 0;
        sb_printf(&types, "'%s',", (*t)->type);
        sb_printf(&refs, "{'$ref':'#/components/schemas/%s'},", schema);
    }
    strbuf sb;
    sb_init(&sb, 0);
    sb_printf(&sb, "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                   "'items':{'type':'array','items':{'type':'object','required':['type','at','item'],'additionalProperties':false,'properties':{"
                   "'type':{'type':'string','enum':[%s'change']},'at':{'type':'string','format':'date-time'},"
                   "'item':{'description':'the record, or for a change the audit row','anyOf':[%s{'$ref':'#/components/schemas/AuditRow'}]}}}},"
                   "'next':{'type':'string','nullable':true}}}", types.data ? types.data : "", refs.data ? refs.data : "");
    timeline_doc.response = sb_take(&sb);
    sb_free(&types);
    sb_free(&refs);
}

static const struct route_doc merge_doc = {
    .id = "mergeParty", .tag = "parties", .errors = "409",
    .request = "{'type':'object','required':['duplicate_id'],'additionalProperties':false,'properties':{"
               "'duplicate_id':{'type':'integer','format':'int64','minimum':1,'description':'the party merged into this one'}}}",
    .request_name = "Merge",
    .response = "{'$ref':'#/components/schemas/Party'}",
};

static const struct route party_routes[] = {
    {"GET", "/api/v1/parties/{id}/timeline", 0, "parties", "read", party_timeline, "Timeline of a party: interactions, transactions, notes, consents and changes, newest first", NULL, &timeline_doc},
    {"POST", "/api/v1/parties/{id}/merge", 0, "parties", "update", party_merge, "Merge a duplicate party into this one, keeping all history", NULL, &merge_doc},
};

void parties_register(void)
{
    resource_init(&party_resource);
    timeline_doc_build();
    routes_register(party_routes, sizeof party_routes / sizeof party_routes[0]);
}
