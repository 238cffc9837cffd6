/* audit: the append-only trail of every change, login, permission change
 * and export. Each row is hash-chained to the one before it (BLAKE2b over
 * the previous hash and the row's own values) and the newest hash is kept
 * as the chain's head, so an edited, inserted or deleted row is detected by
 * `rapport audit verify`. Rows are written in the same transaction as the
 * change they describe; the event of a record's change is written beside
 * it by the write path (records/write.c), not here. Owns GET /api/v1/audit. */
#include "api/api.h"
#include "analytics/lineage.h"
#include "http/authz.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "records/registry.h"
#include "db/setting.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The descriptor of an audited record type, from the registry. */
const struct resource *audit_entity_resource(const char *entity)
{
    const struct rtype *t = registry_by_type(entity);
    return t && (t->flags & RT_AUDIT) ? t->res : NULL;
}

void audit_redact(const struct auth_user *u, const char *entity, json_t *changes)
{
    const struct resource *r = audit_entity_resource(entity);
    if (!r || !json_is_object(changes)) return;
    for (int i = 0; i < r->nfields; i++)
        if (authz_field(u, r->name, r->fields[i].name) == FA_HIDDEN) json_object_del(changes, r->fields[i].name);
    if (r->view) {
        /* The trimming of a record, on each side of the change. */
        for (size_t side = 0; side < 2; side++) {
            json_t *rec = json_object(), *v;
            const char *key;
            json_object_foreach(changes, key, v)
                if (json_is_array(v) && json_array_size(v) == 2) json_object_set(rec, key, json_array_get(v, side));
            r->view(db_reader(), u, rec);
            json_object_foreach(rec, key, v) json_array_set(json_object_get(changes, key), side, v);
            json_decref(rec);
        }
    }
    if (r != &party_resource) return;
    /* A party's other keys are its analytics labels (segment moves): a
     * label computed from a hidden field (the tier, ranked by net profit)
     * is hidden with it, as in GET /parties/{id}/scores. */
    unsigned hidden = analytics_hidden_inputs(u);
    if (!hidden) return;
    const char *key;
    void *tmp;
    json_t *v;
    json_object_foreach_safe(changes, tmp, key, v) {
        bool is_field = false;
        for (int i = 0; i < r->nfields && !is_field; i++) is_field = !strcmp(r->fields[i].name, key);
        if (is_field) continue;
        char path[96];
        snprintf(path, sizeof path, "history.%s", key);
        if (an_lineage("scores", path) & hidden) json_object_del(changes, key);
    }
}

/* The canonical text of a row that the hash covers. */
static void row_digest(const unsigned char prev[32], int64_t id, const char *at, int64_t user_id, const char *address,
                       const char *entity, int64_t entity_id, const char *action, const char *changes, int64_t party_id,
                       unsigned char out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, prev, 32);
    char head[256];
    int n = snprintf(head, sizeof head, "%lld\n%s\n%lld\n%lld\n%lld\n", (long long)id, at ? at : "", (long long)user_id,
                     (long long)entity_id, (long long)party_id);
    crypto_generichash_update(&st, (const unsigned char *)head, (unsigned long long)n);
    const char *parts[] = {address, entity, action, changes};
    for (size_t i = 0; i < 4; i++) {
        const char *p = parts[i] ? parts[i] : "";
        crypto_generichash_update(&st, (const unsigned char *)p, strlen(p) + 1);   /* the NUL separates */
    }
    crypto_generichash_final(&st, out, 32);
}

static int set_head(db *w, int64_t id, const unsigned char hash[32])
{
    char hex[65], value[96];
    sodium_bin2hex(hex, sizeof hex, hash, 32);
    snprintf(value, sizeof value, "%lld:%s", (long long)id, hex);
    return setting_put(w, "audit.head", value);
}

int audit_record(db *w, const struct auth_user *u, const char *addr, const char *entity, int64_t entity_id,
                 const char *action, json_t *changes, int64_t party_id)
{
    char now[21];
    now_text(now);
    /* The changes in the order the caller built them (a record's: its
     * fields' order); the hash covers the stored text, whatever its order. */
    char *text = NULL;
    if (changes) {
        strbuf sb;
        sb_init(&sb, 0);
        jw_json(&sb, changes);
        text = sb.failed ? NULL : sb_take(&sb);
        sb_free(&sb);
        if (!text) { json_decref(changes); return -1; }
    }
    json_decref(changes);
    unsigned char prev[32] = {0}, hash[32];
    int rc = -1;
    /* The row's id is known before it is written (the last plus one, as
     * SQLite would choose), so its hash goes in with it: one write of the
     * row, not an insert and then an update. */
    int64_t id = 1;
    db_stmt *s = db_prepare(w, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (!s) goto done;
    if (db_step(s) == DB_ROW) {
        id = db_column_int64(s, 0) + 1;
        size_t n;
        const void *h = db_column_blob(s, 1, &n);
        if (h && n == 32) memcpy(prev, h, 32);
    }
    db_done(s);
    int64_t user_id = u && u->id ? u->id : 0;
    row_digest(prev, id, now, user_id, addr, entity, entity_id, action, text, party_id, hash);
    s = db_prepare(w, "INSERT INTO audit(id, at, user_id, address, entity, entity_id, action, changes, party_id, prev_hash, hash)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) goto done;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, now);
    if (user_id) db_bind_int64(s, 3, user_id); else db_bind_null(s, 3);
    db_bind_text(s, 4, addr);
    db_bind_text(s, 5, entity);
    db_bind_int64(s, 6, entity_id);
    db_bind_text(s, 7, action);
    db_bind_text(s, 8, text);
    if (party_id) db_bind_int64(s, 9, party_id); else db_bind_null(s, 9);
    db_bind_blob(s, 10, prev, 32);
    db_bind_blob(s, 11, hash, 32);
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE || set_head(w, id, hash)) goto done;
    rc = 0;
done:
    free(text);
    return rc;
}

int audit_verify(db *c, int64_t *rows, char *problem, size_t cap)
{
    unsigned char prev[32] = {0};
    int64_t n = 0, last_id = 0;
    problem[0] = '\0';
    db_stmt *s = db_prepare_once(c, "SELECT id, at, user_id, address, entity, entity_id, action, changes, party_id,"
                                    " prev_hash, hash FROM audit ORDER BY id");
    if (!s) { snprintf(problem, cap, "cannot read the audit table"); return -1; }
    int rc = 0;
    while (db_step(s) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        size_t np, nh;
        const void *ph = db_column_blob(s, 9, &np);
        const void *hh = db_column_blob(s, 10, &nh);
        if (np != 32 || memcmp(ph, prev, 32) != 0) {
            snprintf(problem, cap, "row %lld does not follow row %lld: a row was deleted or inserted", (long long)id, (long long)last_id);
            rc = -1;
            break;
        }
        unsigned char want[32];
        row_digest(prev, id, db_column_text(s, 1), db_column_int64(s, 2), db_column_text(s, 3), db_column_text(s, 4),
                   db_column_int64(s, 5), db_column_text(s, 6), db_column_text(s, 7), db_column_int64(s, 8), want);
        if (nh != 32 || memcmp(hh, want, 32) != 0) {
            snprintf(problem, cap, "row %lld was changed after it was written", (long long)id);
            rc = -1;
            break;
        }
        memcpy(prev, want, 32);
        last_id = id;
        n++;
    }
    db_done(s);
    if (rc == 0) {
        db_stmt *h = db_prepare_once(c, "SELECT value FROM setting WHERE key = 'audit.head'");
        char expect[96] = "";
        if (h && db_step(h) == DB_ROW) snprintf(expect, sizeof expect, "%s", db_column_text(h, 0));
        db_done(h);
        char hex[65], have[96];
        sodium_bin2hex(hex, sizeof hex, prev, 32);
        snprintf(have, sizeof have, "%lld:%s", (long long)last_id, hex);
        if (n > 0 && strcmp(expect, have) != 0) {
            snprintf(problem, cap, "the newest rows after %lld were deleted (head is %.24s…)", (long long)last_id, expect);
            rc = -1;
        }
    }
    *rows = n;
    return rc;
}

/* Which read scope decides whether an audit row's record is visible, for
 * each record type of the registry: rows of a record attached to a party
 * (party_id set) take that type's scope over the party, like the record
 * itself; every other row with a party (the party's own, shares, transfers,
 * segment moves) the parties scope; a type that owns itself its own
 * scope over the row's record; rows about a user account the users scope.
 * Entity names and tables are the registry's constants. */
struct audit_bind { int is_int; int64_t i; const char *t; };
/* A few binds per record type of the registry (about forty types). */
struct audit_binds { struct audit_bind v[1024]; int n; };

static void bind_int(struct audit_binds *b, int64_t v)
{
    if (b->n < (int)(sizeof b->v / sizeof b->v[0])) { b->v[b->n].is_int = 1; b->v[b->n++].i = v; }
}

static void bind_text(struct audit_binds *b, const char *v)
{
    if (b->n < (int)(sizeof b->v / sizeof b->v[0])) { b->v[b->n].is_int = 0; b->v[b->n++].t = v; }
}

/* Entity names are bound, like every value; the predicates are authz's
 * constant text (with their values), the tables the registry's. */
static void record_scope_clauses(const struct auth_user *u, strbuf *where, struct audit_binds *b)
{
    struct authz_binds ab;
    for (const struct rtype *const *tp = registry_types(); *tp; tp++) {
        const struct rtype *t = *tp;
        if (t->own == OWN_NONE) continue;
        enum scope sc = authz_scope(u, t->res->name, "read");
        /* Rows of the party and of its children carry its id in party_id. */
        bool by_party = t->own == OWN_PARENT || !strcmp(t->type, "party");
        const char *pred = by_party ? authz_party_predicate(sc, "party_id", u, &ab) : authz_type_predicate(t, sc, u, &ab);
        if (!pred) continue;
        if (t->own == OWN_PARENT) {
            sb_printf(where, " AND (t.entity <> ? OR t.party_id IS NULL OR %s)", pred);
            bind_text(b, t->type);
        } else if (!strcmp(t->type, "party")) {
            /* The party's scope covers its own rows and the rows with a
             * party of every other entity but its children's (their own
             * clauses above). */
            sb_puts(where, " AND (t.entity IN (");
            int n = 0;
            for (const struct rtype *const *c = registry_types(); *c; c++)
                if ((*c)->own == OWN_PARENT) { sb_puts(where, n++ ? ", ?" : "?"); bind_text(b, (*c)->type); }
            sb_printf(where, ") OR t.party_id IS NULL OR %s)", pred);
        } else {
            sb_printf(where, " AND (t.entity <> ? OR t.entity_id IN (SELECT t.id FROM %s t WHERE %s))", t->res->table, pred);
            bind_text(b, t->type);
        }
        for (int k = 0; k < ab.n; k++) bind_int(b, ab.v[k]);
    }
    const char *pred = authz_user_predicate(authz_scope(u, "users", "read"), "t.entity_id", u, &ab);
    if (pred) {
        sb_printf(where, " AND (t.entity <> ? OR %s)", pred);
        bind_text(b, "user");
        for (int k = 0; k < ab.n; k++) bind_int(b, ab.v[k]);
    }
}

/* GET /api/v1/audit?entity=&entity_id=&user_id=&party_id=&action=&at_from=&at_to=&limit=&before= */
static void audit_list(struct req *rq, struct resp *rs)
{
    static const char *const text_filters[] = {"entity", "action", NULL};
    static const char *const int_filters[] = {"entity_id", "user_id", "party_id", NULL};
    strbuf where;
    /* A record scope per registry type (about forty), each of a manager a
     * recursive team query of some 500 bytes: room for many times that. */
    sb_init(&where, 1u << 20);
    /* Filters, the audit scope and a record scope per entity (up to 11 each). */
    struct audit_binds all = {.n = 0};
    struct audit_bind *binds = all.v;
    int nb = 0;
    long limit = 50;
    int64_t before = 0;
    const char *bad = NULL;
    for (int i = 0; text_filters[i]; i++) {
        const char *v = req_query(rq, text_filters[i]);
        if (!v) continue;
        const char *column = text_filters[i];
        sb_printf(&where, " AND t.%s = ?", column);
        binds[nb].is_int = 0; binds[nb++].t = v;
    }
    for (int i = 0; int_filters[i]; i++) {
        const char *v = req_query(rq, int_filters[i]);
        if (!v) continue;
        char *end;
        long long x = strtoll(v, &end, 10);
        if (*end || !*v) { bad = int_filters[i]; break; }
        const char *column = int_filters[i];
        sb_printf(&where, " AND t.%s = ?", column);
        binds[nb].is_int = 1; binds[nb++].i = x;
    }
    const char *from = req_query(rq, "at_from"), *to = req_query(rq, "at_to"), *ls = req_query(rq, "limit"), *bs = req_query(rq, "before");
    if (from) { sb_puts(&where, " AND t.at >= ?"); binds[nb].is_int = 0; binds[nb++].t = from; }
    if (to) { sb_puts(&where, " AND t.at <= ?"); binds[nb].is_int = 0; binds[nb++].t = to; }
    if (ls) { char *e; limit = strtol(ls, &e, 10); if (*e || limit < 1 || limit > 500) bad = "limit"; }
    if (bs) { char *e; before = strtoll(bs, &e, 10); if (*e || before < 1) bad = "before"; }
    if (bad) { sb_free(&where); resp_error(rs, 400, "invalid_parameter", bad, "%s has an invalid value", bad); return; }
    if (before) { sb_puts(&where, " AND t.id < ?"); binds[nb].is_int = 1; binds[nb++].i = before; }
    struct authz_binds ab;
    const char *pred = authz_audit_predicate(authz_scope(&rq->user, "audit", "read"), &rq->user, &ab);
    if (pred) {
        sb_printf(&where, " AND %s", pred);
        for (int i = 0; i < ab.n; i++) { binds[nb].is_int = 1; binds[nb++].i = ab.v[i]; }
    }
    /* A row is shown only when its record is: the audit scope says whose
     * actions the caller may review, and this, what they may see at all. */
    all.n = nb;
    record_scope_clauses(&rq->user, &where, &all);
    nb = all.n;
    /* A clause cut off by a full buffer would leave its values to bind to
     * the wrong places (and a record scope unchecked): refuse instead. */
    if (where.failed || all.n >= (int)(sizeof all.v / sizeof all.v[0])) {
        sb_free(&where);
        resp_error(rs, 500, "internal", NULL, "audit query too large");
        return;
    }
    strbuf sql;
    sb_init(&sql, 65536);
    sb_printf(&sql, "SELECT t.id, t.at, t.user_id, t.address, t.entity, t.entity_id, t.action, t.changes, t.party_id"
                    " FROM audit t WHERE 1 = 1%s ORDER BY t.id DESC LIMIT ?", sb_str(&where));
    /* A scope clause that did not fit must fail the query, never leave it
     * out (the rows would no longer be limited to the caller's scope). */
    db_stmt *s = where.failed || sql.failed ? NULL : db_prepare_once(db_reader(), sb_str(&sql));
    sb_free(&sql);
    sb_free(&where);
    if (!s) { resp_error(rs, 500, "internal", NULL, "audit query failed"); return; }
    for (int i = 0; i < nb; i++) {
        if (binds[i].is_int) db_bind_int64(s, i + 1, binds[i].i);
        else db_bind_text(s, i + 1, binds[i].t);
    }
    db_bind_int64(s, nb + 1, limit + 1);
    json_t *items = json_array();
    int64_t last = 0;
    int n = 0;
    bool more = false;
    while (db_step(s) == DB_ROW) {
        if (n++ == limit) { more = true; break; }
        json_t *changes = db_column_text(s, 7) ? json_loads(db_column_text(s, 7), 0, NULL) : NULL;
        audit_redact(&rq->user, db_column_text(s, 4), changes);
        last = db_column_int64(s, 0);
        json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:o, s:s, s:I, s:s, s:o, s:o}",
            "id", (json_int_t)last, "at", db_column_text(s, 1),
            "user_id", db_column_type(s, 2) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 2)),
            "address", db_column_text(s, 3) ? json_string(db_column_text(s, 3)) : json_null(),
            "entity", db_column_text(s, 4), "entity_id", (json_int_t)db_column_int64(s, 5), "action", db_column_text(s, 6),
            "changes", changes ? changes : json_null(),
            "party_id", db_column_type(s, 8) == DB_NULL ? json_null() : json_integer(db_column_int64(s, 8))));
    }
    db_done(s);
    char cur[24];
    snprintf(cur, sizeof cur, "%lld", (long long)last);
    resp_json(rs, 200, json_pack("{s:o, s:o}", "items", items, "next", more ? json_string(cur) : json_null()));
}

/* OpenAPI shape of the route (src/api/openapi.c). An audit row is also a
 * timeline's "change" item (src/api/parties.c). */
static const char *const audit_schemas[] = {
    "AuditRow",
    "{'type':'object','required':['id','at','user_id','entity','entity_id','action','changes'],'properties':{"
    "'id':{'type':'integer','format':'int64'},'at':{'type':'string','format':'date-time'},"
    "'user_id':{'type':'integer','format':'int64','nullable':true},'address':{'type':'string','nullable':true},"
    "'entity':{'type':'string'},'entity_id':{'type':'integer','format':'int64'},'action':{'type':'string'},"
    "'changes':{'type':'object','nullable':true,'description':'field → [old, new], or what the action recorded'},"
    "'party_id':{'type':'integer','format':'int64','nullable':true}}}",
    NULL,
};
static const struct route_doc audit_doc = {
    .id = "listAudit", .tag = "audit",
    .params = "[{'name':'entity','in':'query','schema':{'type':'string'},'description':'party, link, interaction, …'},"
              "{'name':'action','in':'query','schema':{'type':'string'}},"
              "{'name':'entity_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'user_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'party_id','in':'query','schema':{'type':'integer','format':'int64'}},"
              "{'name':'at_from','in':'query','schema':{'type':'string','format':'date-time'}},"
              "{'name':'at_to','in':'query','schema':{'type':'string','format':'date-time'}},"
              "{'name':'limit','in':'query','schema':{'type':'integer','minimum':1,'maximum':500,'default':50}},"
              "{'name':'before','in':'query','schema':{'type':'string'},'description':'the next of the previous page'}]",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','items':{'$ref':'#/components/schemas/AuditRow'}},'next':{'type':'string','nullable':true}}}",
    .response_name = "AuditList",
    .schemas = audit_schemas,
};

static const struct route audit_routes[] = {
    {"GET", "/api/v1/audit", 0, "audit", "read", audit_list, "The audit trail, newest first (filters: entity, entity_id, user_id, party_id, action, at_from, at_to)", NULL, &audit_doc},
};

void audit_register(void)
{
    routes_register(audit_routes, sizeof audit_routes / sizeof audit_routes[0]);
}
