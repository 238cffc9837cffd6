/* write: the one write path of records (see write.h). */
#include "records/write.h"
#include "api/api.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/workflow.h"
#include <stdio.h>
#include <string.h>

struct writer writer_user(const struct auth_user *u, const char *addr)
{
    struct writer w = {ACTOR_USER(u ? u->id : 0), u, addr};
    if (u) w.actor.role = u->role;
    if (!u || !u->id) w.actor = ACTOR_SYSTEM(addr ? addr : "unknown");
    return w;
}

struct writer writer_system(const char *name)
{
    return (struct writer){ACTOR_SYSTEM(name), NULL, name};
}

int record_log(db *w, const struct writer *wr, const char *type, int64_t id, const char *action, json_t *changes,
               int64_t party_id)
{
    /* The event names the fields the audit row changes. */
    json_t *fields = NULL;
    if (json_is_object(changes)) {
        fields = json_array();
        const char *key;
        json_t *v;
        json_object_foreach(changes, key, v) json_array_append_new(fields, json_string(key));
    }
    char now[21], actor[80];
    now_text(now);
    actor_text(&wr->actor, actor, sizeof actor);
    struct auth_user none = {0};
    const struct auth_user *u = wr->user ? wr->user : wr->actor.user_id ? &(struct auth_user){.id = wr->actor.user_id} : &none;
    int rc = audit_record(w, u, wr->addr, type, id, action, changes, party_id);
    if (rc == 0) {
        struct rec_event ev = {.at = now, .type = type, .record_id = id, .action = action, .fields = fields,
                               .actor = actor, .party_id = party_id};
        rc = events_append(w, &ev);
    }
    json_decref(fields);
    return rc;
}

/* Every check that may refuse a write runs before its statement (the
 * rule, the workflow, references, scopes, check_stored), so a refusal
 * leaves nothing behind and a writer of many records (an import) goes on
 * with the next. Only a storage failure comes after, and it fails the
 * caller's whole transaction. No savepoint per record: SQLite's FTS5 index
 * flushes its pending terms at every savepoint, which made an import of
 * parties several times slower. */

/* ---- checks ---- */

static int check_required(const struct resource *r, const json_t *rec, struct verr *e)
{
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if (!(f->flags & F_REQUIRED)) continue;
        json_t *v = json_object_get(rec, f->name);
        if (!v || json_is_null(v)) { verr_set(e, 422, "required", f->name, "%s is required", f->name); return -1; }
    }
    return 0;
}

/* Referenced rows must exist: a clear 422 naming the field rather than a
 * foreign-key failure that names nothing. For a user, a party or user
 * outside their read scope is referenced exactly like a missing one (same
 * 422, same text), so ids cannot be probed or linked to from outside. */
static int check_refs(db *w, const struct writer *wr, const struct resource *r, const json_t *rec, const json_t *old,
                      int64_t party_known, struct verr *e)
{
    static const struct auth_user anyone = {0};
    const struct auth_user *u = wr->user ? wr->user : &anyone;
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if (f->type != FT_REF) continue;
        json_t *v = json_object_get(rec, f->name);
        if (!json_is_integer(v)) continue;
        if (old && json_equal(v, json_object_get(old, f->name))) continue;
        int64_t id = json_integer_value(v);
        bool found;
        bool party = !strcmp(f->ref, "party");
        if (party && party_known && id == party_known && !wr->user) {
            found = true;   /* the caller's own look-up in this transaction (write_opts) */
        } else if (party) {
            found = authz_party_in_scope(w, u, id, wr->user ? authz_scope(u, "parties", "read") : SCOPE_ALL);
        } else if (!strcmp(f->ref, "user")) {
            found = authz_user_in_scope(w, u, id, wr->user ? authz_scope(u, "users", "read") : SCOPE_ALL);
        } else {
            /* Any other target is a registry type, by the name it is
             * declared with (registry_init checked every name). */
            const struct rtype *t = registry_by_type(f->ref);
            db_stmt *s = t ? db_prepare(w, t->res->sql_get) : NULL;
            if (!s) { verr_set(e, 500, "internal", NULL, "reference check failed"); return -1; }
            db_bind_int64(s, 1, id);
            found = db_step(s) == DB_ROW;
            db_done(s);
        }
        if (!found) { verr_set(e, 422, "invalid_reference", f->name, "%s %lld does not exist", f->name, (long long)id); return -1; }
    }
    return 0;
}

static int64_t party_of(const struct resource *r, int64_t id, const json_t *rec)
{
    if (!r->party_field) return strcmp(r->entity, "party") == 0 ? id : 0;
    json_t *v = json_object_get(rec, r->party_field);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Whether record id (rec) of r lies within u's scope for action: through
 * its own owner, or its party's. Types without ownership: the role's scope
 * (the router checked it is not none). */
static bool in_scope(db *c, const struct resource *r, const struct auth_user *u, int64_t id, const json_t *rec,
                     const char *action)
{
    const struct rtype *t = registry_of(r);
    enum scope s = authz_scope(u, r->name, action);
    if (!t || t->own == OWN_NONE) return s != SCOPE_NONE;
    if (t->own == OWN_SELF) return authz_record_in_scope(c, u, t, id, s);
    return authz_party_in_scope(c, u, party_of(r, id, rec), s);
}

/* A record outside the user's read scope does not exist for them (404); one
 * they can see but not change in this way is a 403. */
static int check_record_scope(db *c, const struct resource *r, const struct auth_user *u, int64_t id, const json_t *rec,
                              const char *action, struct verr *e)
{
    if (!u) return 0;
    if (!in_scope(c, r, u, id, rec, "read")) {
        verr_set(e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)id);
        return -1;
    }
    json_t *peer = r->peer_field ? json_object_get(rec, r->peer_field) : NULL;
    if (json_is_integer(peer) && !authz_party_in_scope(c, u, json_integer_value(peer), authz_scope(u, "parties", "read"))) {
        verr_set(e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)id);
        return -1;
    }
    if (strcmp(action, "read") != 0 && !in_scope(c, r, u, id, rec, action)) {
        verr_set(e, 403, "forbidden", NULL, "your role may not %s this %s", action, r->entity);
        return -1;
    }
    return 0;
}

/* The party a new or moved child record points at must be one the user may
 * work on; one they cannot see is reported exactly like a missing one. */
static int check_parent_scope(db *c, const struct resource *r, const struct auth_user *u, const json_t *rec,
                              const char *action, struct verr *e)
{
    if (!u || !r->party_field) return 0;
    json_t *v = json_object_get(rec, r->party_field);
    if (!json_is_integer(v)) return 0;
    int64_t pid = json_integer_value(v);
    if (!authz_party_in_scope(c, u, pid, authz_scope(u, r->name, "read"))) {
        verr_set(e, 422, "invalid_reference", r->party_field, "%s %lld does not exist", r->party_field, (long long)pid);
        return -1;
    }
    if (!authz_party_in_scope(c, u, pid, authz_scope(u, r->name, action))) {
        verr_set(e, 403, "forbidden", r->party_field, "your role may not %s records of party %lld", action, (long long)pid);
        return -1;
    }
    return 0;
}

/* The type's rule and workflow, then the required fields: the same for
 * every writer. */
static int apply_rules(const struct writer *wr, const struct resource *r, const json_t *old, json_t *rec, const char *now,
                       struct verr *e)
{
    const struct rtype *t = registry_of(r);
    if (r->rule && r->rule(&wr->actor, old, rec, e)) return -1;
    if (t && t->workflow && workflow_apply(t->workflow, &wr->actor, old, rec, now, e)) return -1;
    return check_required(r, rec, e);
}

/* ---- create / update / delete ---- */

static int create_in(db *w, const struct writer *wr, const struct resource *r, const json_t *in, const struct write_opts *o,
                     int64_t *id_out, json_t **out, struct verr *e);

int record_create(db *w, const struct writer *wr, const struct resource *r, const json_t *in, const struct write_opts *o,
                  int64_t *id_out, json_t **out, struct verr *e)
{
    if (out) *out = NULL;
    return create_in(w, wr, r, in, o, id_out, out, e);
}

static int create_in(db *w, const struct writer *wr, const struct resource *r, const json_t *in, const struct write_opts *o,
                     int64_t *id_out, json_t **out, struct verr *e)
{
    static const struct write_opts none = {0};
    if (!o) o = &none;
    if (out) *out = NULL;
    const struct rtype *t = registry_of(r);
    json_t *rec = json_deep_copy(in), *stored = NULL;
    int rc = -1;
    char now[21];
    now_text(now);
    /* A record that owns itself belongs to its creator unless it says whom. */
    if (t && t->own == OWN_SELF && wr->actor.user_id && !json_is_integer(json_object_get(rec, "owner_id")))
        json_object_set_new(rec, "owner_id", json_integer(wr->actor.user_id));
    if ((r->prepare && r->prepare(w, NULL, rec, e)) || apply_rules(wr, r, NULL, rec, now, e) ||
        (r->derive && r->derive(w, 0, NULL, rec, now, e)) || check_parent_scope(w, r, wr->user, rec, "create", e) ||
        check_refs(w, wr, r, rec, NULL, o->party_known, e) || (r->check_stored && r->check_stored(w, 0, rec, e)))
        goto done;
    db_stmt *s = db_prepare(w, o->want_id ? r->sql_insert_id : r->sql_insert);
    if (!s) { verr_from_db(e, w, r); goto done; }
    int idx = 1;
    if (o->want_id) db_bind_int64(s, idx++, o->want_id);
    int first = idx;
    idx = res_bind_fields(r, s, rec, idx);
    if (o->json_field && o->json_text) {
        int off = res_param_offset(r, o->json_field);
        if (off >= 0) db_bind_text(s, first + off, o->json_text);
    }
    db_bind_text(s, idx++, o->created_at ? o->created_at : now);
    db_bind_text(s, idx, now);
    int step = db_step(s);
    if (step != DB_DONE) verr_from_db(e, w, r);
    db_done(s);
    if (step != DB_DONE) goto done;
    int64_t id = db_last_insert_id(w);
    if (r->follow && r->follow(w, wr, id, NULL, rec, e)) goto done;
    /* The stored record, as the hooks and the caller see it. A batch
     * writer (an import) does not want it back, and what it wrote is what
     * the hooks need: one read a row saved. */
    stored = o->batch_audited && !out ? json_incref(rec) : res_load(w, r, id);
    if (!stored) { verr_set(e, 500, "internal", NULL, "the new record could not be read back"); goto done; }
    int (*hook)(db *, int64_t, const json_t *) = r->after_create ? r->after_create : r->after_write;
    if (hook && hook(w, id, stored)) { verr_from_db(e, w, r); goto done; }
    if (o->batch_audited) {
        char actor[80];
        actor_text(&wr->actor, actor, sizeof actor);
        struct rec_event ev = {.at = now, .type = r->entity, .record_id = id, .action = "create", .actor = actor,
                               .party_id = party_of(r, id, stored), .record = stored};
        if (events_append(w, &ev)) { verr_from_db(e, w, r); goto done; }
    } else if (record_log(w, wr, r->entity, id, "create", res_diff(r, NULL, stored), party_of(r, id, stored))) {
        verr_from_db(e, w, r);
        goto done;
    }
    if (id_out) *id_out = id;
    if (out) { *out = stored; stored = NULL; }
    rc = 0;
done:
    json_decref(rec);
    json_decref(stored);
    return rc;
}

static int version_conflict(const struct write_opts *o, int64_t have, struct verr *e)
{
    verr_set(e, o->conflict_status ? o->conflict_status : 409, "version_conflict", "version",
             "the record changed since you read it (your version %lld, now %lld); reload and try again",
             (long long)(o->expect_version ? o->expect_version : have), (long long)have);
    return -1;
}

static int update_in(db *w, const struct writer *wr, const struct resource *r, int64_t id, const json_t *patch,
                     const struct write_opts *o, json_t **out, struct verr *e);

int record_update(db *w, const struct writer *wr, const struct resource *r, int64_t id, const json_t *patch,
                  const struct write_opts *o, json_t **out, struct verr *e)
{
    if (out) *out = NULL;
    return update_in(w, wr, r, id, patch, o, out, e);
}

static int update_in(db *w, const struct writer *wr, const struct resource *r, int64_t id, const json_t *patch,
                     const struct write_opts *o, json_t **out, struct verr *e)
{
    static const struct write_opts none = {0};
    if (!o) o = &none;
    if (out) *out = NULL;
    json_t *old = res_load(w, r, id), *rec = NULL, *stored = NULL;
    if (!old) { verr_set(e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)id); return -1; }
    int rc = -1;
    if (check_record_scope(w, r, wr->user, id, old, "update", e)) goto done;
    int64_t have = json_integer_value(json_object_get(old, "version"));
    if (o->expect_version && have != o->expect_version) { version_conflict(o, have, e); goto done; }
    rec = json_deep_copy(old);
    json_object_update(rec, (json_t *)patch);
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if ((f->flags & F_CREATE_ONLY) && json_object_get(patch, f->name) &&
            !json_equal(json_object_get(old, f->name), json_object_get(patch, f->name))) {
            verr_set(e, 422, "read_only", f->name, "%s cannot be changed after the record is created", f->name);
            goto done;
        }
    }
    char now[21];
    now_text(now);
    if (r->party_field && !json_equal(json_object_get(rec, r->party_field), json_object_get(old, r->party_field)) &&
        check_parent_scope(w, r, wr->user, rec, "update", e))
        goto done;
    if ((r->prepare && r->prepare(w, old, rec, e)) || apply_rules(wr, r, old, rec, now, e) ||
        (r->derive && r->derive(w, id, old, rec, now, e)) ||
        check_refs(w, wr, r, rec, old, 0, e) ||
        (r->check_stored && r->check_stored(w, id, rec, e)))
        goto done;
    db_stmt *s = db_prepare(w, r->sql_update);
    if (!s) { verr_from_db(e, w, r); goto done; }
    int idx = res_bind_fields(r, s, rec, 1);
    db_bind_text(s, idx++, now);
    db_bind_int64(s, idx++, id);
    db_bind_int64(s, idx, have);
    int step = db_step(s);
    if (step != DB_DONE) verr_from_db(e, w, r);
    db_done(s);
    if (step != DB_DONE) goto done;
    /* The UPDATE names the version it read: no row changed means another
     * write got there first (or the row went), and nothing may follow. */
    if (db_changes(w) != 1) { version_conflict(o, have + 1, e); goto done; }
    if (r->follow && r->follow(w, wr, id, old, rec, e)) goto done;
    stored = res_load(w, r, id);
    if (!stored) { verr_from_db(e, w, r); goto done; }
    if (r->after_write && r->after_write(w, id, stored)) { verr_from_db(e, w, r); goto done; }
    json_t *diff = res_diff(r, old, stored);
    if (o->log_extra) json_object_update(diff, (json_t *)o->log_extra);
    if (!json_object_size(diff)) json_decref(diff);
    else if (record_log(w, wr, r->entity, id, o->action ? o->action : "update", diff, party_of(r, id, stored))) {
        verr_from_db(e, w, r);
        goto done;
    }
    if (out) { *out = stored; stored = NULL; }
    rc = 0;
done:
    json_decref(old);
    json_decref(rec);
    json_decref(stored);
    return rc;
}

static int delete_in(db *w, const struct writer *wr, const struct resource *r, int64_t id, const struct write_opts *o,
                     struct verr *e);

int record_delete(db *w, const struct writer *wr, const struct resource *r, int64_t id, const struct write_opts *o,
                  struct verr *e)
{
    return delete_in(w, wr, r, id, o, e);
}

static int delete_in(db *w, const struct writer *wr, const struct resource *r, int64_t id, const struct write_opts *o,
                     struct verr *e)
{
    static const struct write_opts none = {0};
    if (!o) o = &none;
    json_t *old = res_load(w, r, id);
    if (!old) { verr_set(e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)id); return -1; }
    int rc = -1;
    if (check_record_scope(w, r, wr->user, id, old, "delete", e)) goto done;
    int64_t have = json_integer_value(json_object_get(old, "version"));
    if (o->expect_version && have != o->expect_version) { version_conflict(o, have, e); goto done; }
    if (r->before_delete && r->before_delete(w, id, e)) goto done;
    bool soft = r->soft_delete && !o->purge;
    db_stmt *s = db_prepare(w, soft ? r->sql_delete : r->sql_purge);
    if (!s) { verr_from_db(e, w, r); goto done; }
    char now[21];
    now_text(now);
    if (soft) db_bind_text(s, 1, now);
    db_bind_int64(s, soft ? 2 : 1, id);
    db_bind_int64(s, soft ? 3 : 2, have);
    int step = db_step(s);
    if (step != DB_DONE) verr_from_db(e, w, r);
    db_done(s);
    if (step != DB_DONE) goto done;
    if (db_changes(w) != 1) { version_conflict(o, have + 1, e); goto done; }
    if (record_log(w, wr, r->entity, id, o->action ? o->action : "delete", res_diff(r, old, NULL), party_of(r, id, old))) {
        verr_from_db(e, w, r);
        goto done;
    }
    rc = 0;
done:
    json_decref(old);
    return rc;
}
