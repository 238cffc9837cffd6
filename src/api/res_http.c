/* res_http: the generic record handlers — create, get, patch, delete — for
 * every type the registry gives routes: the request's checks (body, field
 * security of what was sent, If-Match, Idempotency-Key), the write through
 * records/write.c in one writer job, and the answer (ETag, Location). */
#include "api/resource.h"
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include "records/write.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fields the caller sent must be writable for their role; giving a record
 * to someone else needs the assign permission. */
static int check_field_writes(const struct resource *r, const struct auth_user *u, const json_t *body, struct verr *e)
{
    const char *key; json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        if (!strcmp(key, "version")) continue;
        if (authz_field(u, r->name, key) != FA_WRITE) {
            verr_set(e, 403, "forbidden", key, "your role may not change %s", key);
            return -1;
        }
        bool other_owner = !strcmp(key, "owner_id") && !(json_is_integer(v) && json_integer_value(v) == u->id);
        if ((other_owner || !strcmp(key, "team_id")) && authz_scope(u, r->name, "assign") == SCOPE_NONE) {
            verr_set(e, 403, "forbidden", key, "your role may not assign %s to others", r->name);
            return -1;
        }
    }
    return 0;
}

/* ---- write jobs: the HTTP side of records/write.c ---- */

struct wctx {
    const struct resource *r;
    struct req *rq;
    struct writer wr;
    json_t *rec;              /* create: full record; patch: the patch */
    int64_t id;
    struct write_opts o;      /* the version expected and the status when it differs */
    const char *idem_key;
    unsigned char idem_hash[32];
    int status;
    json_t *out;
    struct verr e;
};

static int idem_lookup(db *w, struct wctx *c)
{
    db_stmt *s = db_prepare(w, "SELECT request_hash, status, body FROM idempotency WHERE user_id = ? AND key = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, c->rq->user.id);
    db_bind_text(s, 2, c->idem_key);
    int found = 0;
    if (db_step(s) == DB_ROW) {
        size_t n;
        const void *h = db_column_blob(s, 0, &n);
        if (n != 32 || memcmp(h, c->idem_hash, 32) != 0) {
            verr_set(&c->e, 422, "idempotency_key_reused", "Idempotency-Key", "this Idempotency-Key was used with a different request");
            found = -1;
        } else {
            c->status = (int)db_column_int64(s, 1);
            c->out = json_loads(db_column_text(s, 2), 0, NULL);
            found = 1;
        }
    }
    db_done(s);
    return found;
}

static int idem_store(db *w, struct wctx *c)
{
    db_stmt *s = db_prepare(w, "INSERT INTO idempotency(user_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    char *text = json_dumps(c->out, JSON_COMPACT);
    db_bind_int64(s, 1, c->rq->user.id);
    db_bind_text(s, 2, c->idem_key);
    db_bind_blob(s, 3, c->idem_hash, 32);
    db_bind_int64(s, 4, c->status);
    db_bind_text(s, 5, text);
    db_bind_int64(s, 6, time_now());
    int rc = db_step(s);
    db_done(s);
    free(text);
    return rc == DB_DONE ? 0 : -1;
}

static int job_create(db *w, void *arg)
{
    struct wctx *c = arg;
    const struct resource *r = c->r;
    if (c->idem_key) {
        int found = idem_lookup(w, c);
        if (found != 0) return found > 0 ? 0 : 1;
    }
    if (record_create(w, &c->wr, r, c->rec, NULL, &c->id, &c->out, &c->e)) return 1;
    res_redact(r, &c->rq->user, c->out);
    c->status = 201;
    if (c->idem_key && idem_store(w, c)) { verr_from_db(&c->e, w, r); return 1; }
    return 0;
}

static void finish_write(struct resp *rs, struct wctx *c, int rc)
{
    if (rc == WRITE_DISK_FULL) verr_set(&c->e, 507, "storage_full", NULL, "the database disk is full; nothing was written");
    else if (rc < 0) verr_set(&c->e, 503, "storage_error", NULL, "the write could not be made durable; nothing was written");
    if (rc != 0) {
        json_decref(c->out);
        resp_verr(rs, &c->e);
        return;
    }
    if (c->status == 204 || !c->out) { rs->status = c->status ? c->status : 204; json_decref(c->out); return; }
    json_t *v = json_object_get(c->out, "version");
    if (json_is_integer(v)) {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(v));
        resp_header(rs, "ETag", etag);
    }
    if (c->status == 201) {
        char loc[128];
        snprintf(loc, sizeof loc, "/api/v1/%s/%lld", c->r->name, (long long)json_integer_value(json_object_get(c->out, "id")));
        resp_header(rs, "Location", loc);
    }
    resp_json(rs, c->status, c->out);
}

static const struct resource *route_resource(struct req *rq) { return rq->route->schema; }

static bool need_body(struct req *rq, struct resp *rs)
{
    if (rq->json) return true;
    resp_error(rs, 400, "missing_body", NULL, "send a JSON object as the request body");
    return false;
}

void res_create(struct req *rq, struct resp *rs)
{
    const struct resource *r = route_resource(rq);
    if (!need_body(rq, rs)) return;
    struct wctx c = {.r = r, .rq = rq, .wr = writer_user(&rq->user, req_client_addr(rq))};
    c.rec = check_field_writes(r, &rq->user, rq->json, &c.e) ? NULL : res_validate(r, rq->json, true, &c.e);
    if (!c.rec) {
        json_decref(c.rec);
        resp_verr(rs, &c.e);
        return;
    }
    const char *key = req_header(rq, "Idempotency-Key");
    if (key) {
        if (strlen(key) == 0 || strlen(key) > 200) {
            json_decref(c.rec);
            resp_error(rs, 400, "invalid_header", "Idempotency-Key", "Idempotency-Key must have 1 to 200 characters");
            return;
        }
        c.idem_key = key;
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, 32);
        crypto_generichash_update(&st, (const unsigned char *)rq->path, strlen(rq->path));
        crypto_generichash_update(&st, (const unsigned char *)rq->body, rq->body_len);
        crypto_generichash_final(&st, c.idem_hash, 32);
    }
    int rc = db_write(job_create, &c);
    json_decref(c.rec);
    finish_write(rs, &c, rc);
}

/* The stored document of the record, when the resource keeps them and the
 * user may see every field: one column instead of forty, sent as it is.
 * False when there is none: the record is then written from its columns
 * (or is not there). */
static bool get_stored_doc(db *c, const struct resource *r, struct req *rq, strbuf *out, int64_t *version)
{
    if (!r->has_doc || r->party_field || authz_fields_restricted(&rq->user, r->name)) return false;
    db_stmt *s = db_prepare(c, r->sql_get_doc);
    if (!s) return false;
    db_bind_int64(s, 1, rq->path_ids[0]);
    size_t n = 0;
    const char *doc = db_step(s) == DB_ROW ? db_column_bytes(s, 0, &n) : NULL;
    bool found = doc && n;
    if (found) {
        sb_append(out, doc, n);
        *version = db_column_int64(s, 1);
    }
    db_done(s);
    return found;
}

/* The integer value of field name in a row of r->sql_get / sql_cols. */
static int64_t row_int(const struct resource *r, db_stmt *s, const char *name)
{
    int col = 1;
    for (int i = 0; i < r->nfields; i++) {
        if (!strcmp(r->fields[i].name, name)) return db_column_int64(s, col);
        col += r->fields[i].type == FT_MONEY ? 2 : 1;
    }
    return 0;
}

void res_get(struct req *rq, struct resp *rs)
{
    const struct resource *r = route_resource(rq);
    db *c = db_reader();
    int64_t pid = 0, peer = 0, version = 0;
    strbuf out;
    sb_init(&out, 0);
    bool found = get_stored_doc(c, r, rq, &out, &version);
    if (found) pid = rq->path_ids[0];   /* has_doc: the party itself */
    db_stmt *s = NULL;
    if (!found) {
        s = db_prepare(c, r->sql_get);
        if (!s) { sb_free(&out); resp_error(rs, 500, "internal", NULL, "query failed"); return; }
        db_bind_int64(s, 1, rq->path_ids[0]);
        found = db_step(s) == DB_ROW;
    }
    if (s && found) {
        int last = db_column_count(s) - 1;
        version = db_column_int64(s, last);
        res_row_write(r, s, &rq->user, &out);
        /* The owning party, for the scope check, without a second parse. */
        pid = r->party_field ? row_int(r, s, r->party_field) : rq->path_ids[0];
        if (r->peer_field) peer = row_int(r, s, r->peer_field);
    }
    if (s) db_done(s);
    const struct rtype *type = registry_of(r);
    enum own_kind own = type ? type->own : OWN_NONE;
    enum scope scope = own != OWN_NONE ? authz_scope(&rq->user, r->name, "read") : SCOPE_ALL;
    /* A record read by a user who sees all of its type: the row just read
     * (the query leaves deleted ones out) is the whole scope check. */
    bool own_row_enough = scope == SCOPE_ALL && own == OWN_SELF;
    bool visible = found && (own == OWN_NONE || own_row_enough ||
                             (own == OWN_SELF && strcmp(type->type, "party") ? authz_record_in_scope(c, &rq->user, type, rq->path_ids[0], scope)
                                                                             : authz_party_in_scope(c, &rq->user, pid, scope)));
    if (visible && peer) visible = authz_party_in_scope(c, &rq->user, peer, authz_scope(&rq->user, "parties", "read"));
    if (!visible) {
        sb_free(&out);
        resp_error(rs, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)rq->path_ids[0]);
        return;
    }
    /* "version", without printf: every GET writes one */
    char digits[JW_INT_CHARS], etag[JW_INT_CHARS + 2];
    const char *v = jw_int_text(version, digits);
    size_t n = strlen(v);
    etag[0] = '"';
    memcpy(etag + 1, v, n);
    etag[n + 1] = '"';
    etag[n + 2] = '\0';
    resp_header(rs, "ETag", etag);
    rs->status = 200;
    rs->body_len = out.len;
    rs->body = sb_take(&out);
    rs->content_type = "application/json; charset=utf-8";
}

/* If-Match "3" → 412 on mismatch; a body "version": 3 → 409. */
static int expected_version(struct req *rq, struct wctx *c, struct resp *rs, bool required)
{
    const char *im = req_header(rq, "If-Match");
    if (im) {
        const char *p = im;
        if (strncmp(p, "W/", 2) == 0) p += 2;
        if (*p == '"') p++;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (v <= 0 || (*end && *end != '"')) { resp_error(rs, 400, "invalid_header", "If-Match", "If-Match must be the record's version, e.g. \"3\""); return -1; }
        c->o.expect_version = v;
        c->o.conflict_status = 412;
        return 0;
    }
    json_t *v = rq->json ? json_object_get(rq->json, "version") : NULL;
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) { resp_error(rs, 422, "invalid_type", "version", "version must be a positive integer"); return -1; }
        c->o.expect_version = json_integer_value(v);
        c->o.conflict_status = 409;
        return 0;
    }
    if (required) {
        resp_error(rs, 428, "precondition_required", "version", "send the version you are changing (If-Match header or \"version\" field) so no edit is lost");
        return -1;
    }
    return 0;
}

static int job_patch(db *w, void *arg)
{
    struct wctx *c = arg;
    if (record_update(w, &c->wr, c->r, c->id, c->rec, &c->o, &c->out, &c->e)) return 1;
    c->status = 200;
    res_redact(c->r, &c->rq->user, c->out);
    return 0;
}

void res_patch(struct req *rq, struct resp *rs)
{
    const struct resource *r = route_resource(rq);
    if (!need_body(rq, rs)) return;
    struct wctx c = {.r = r, .rq = rq, .id = rq->path_ids[0], .wr = writer_user(&rq->user, req_client_addr(rq))};
    if (expected_version(rq, &c, rs, true)) return;
    c.rec = check_field_writes(r, &rq->user, rq->json, &c.e) ? NULL : res_validate(r, rq->json, false, &c.e);
    if (!c.rec) { resp_verr(rs, &c.e); return; }
    int rc = db_write(job_patch, &c);
    json_decref(c.rec);
    finish_write(rs, &c, rc);
}

static int job_delete(db *w, void *arg)
{
    struct wctx *c = arg;
    if (record_delete(w, &c->wr, c->r, c->id, &c->o, &c->e)) return 1;
    c->status = 204;
    return 0;
}

void res_delete(struct req *rq, struct resp *rs)
{
    struct wctx c = {.r = route_resource(rq), .rq = rq, .id = rq->path_ids[0], .wr = writer_user(&rq->user, req_client_addr(rq))};
    if (expected_version(rq, &c, rs, false)) return;
    int rc = db_write(job_delete, &c);
    finish_write(rs, &c, rc);
}
