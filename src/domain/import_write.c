/* import_write: writing an import's records through the one write path
 * (records/write.h). Owns insert, update with the file's values, the
 * --on-duplicate policy, lines appended to a transaction this import
 * created, the customer created for a transaction or interaction, and the
 * import_item rows an undo walks. */
#include "domain/import_internal.h"
#include <stdlib.h>
#include <string.h>

static int record_item(struct imp *m, db *w, const char *entity, int64_t id, const char *action, const json_t *before)
{
    if (!m->res->job_id) return 0;
    db_stmt *s = db_prepare(w, "INSERT INTO import_item(job_id, seq, entity, entity_id, action, before) VALUES (?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    char *text = before ? json_dumps(before, JSON_COMPACT) : NULL;
    db_bind_int64(s, 1, m->res->job_id);
    db_bind_int64(s, 2, ++m->seq);
    db_bind_text(s, 3, entity);
    db_bind_int64(s, 4, id);
    db_bind_text(s, 5, action);
    db_bind_text(s, 6, text);
    int rc = db_step(s);
    db_done(s);
    free(text);
    return rc == DB_DONE ? 0 : -1;
}

void imp_db_fail(struct imp *m, db *w, long line)
{
    imp_fatal(m, "row %ld: the database refused the write: %s", line, db_errmsg(w));
    m->db_failed = true;
}

/* The writer of an import: the user who started it (owner defaults,
 * workflow guards), not limited by record scopes (an import is checked by
 * its own permission), audited as "import". */
struct writer import_writer(const struct imp *m)
{
    struct writer wr = writer_user(&m->user, "import");
    wr.user = NULL;
    return wr;
}

/* The write path's verdict on a row: a refusal (4xx) is reported against
 * the row and the import goes on; a storage failure stops it. Returns 0
 * refused, -1 failed. */
static int refused_or_failed(struct imp *m, db *w, const struct verr *e, long line)
{
    if (e->status >= 500) { imp_db_fail(m, w, line); return -1; }
    imp_report(m, line, imp_col_name(m, e->field), "error", "%s", e->message);
    m->res->errors++;
    return 0;
}

/* Inserts rec (validated) through the write path. Returns the id, 0 when
 * refused (reported), -1 on a database failure. */
int64_t imp_insert_new(struct imp *m, db *w, const struct resource *r, const json_t *rec, int64_t want_id,
                   const char *created_at, const char *items, long line)
{
    /* An id the file asks for that is taken gets a new one. */
    if (want_id > 0) {
        db_stmt *s = db_prepare(w, r->sql_exists);
        if (!s) { imp_db_fail(m, w, line); return -1; }
        db_bind_int64(s, 1, want_id);
        if (db_step(s) == DB_ROW) want_id = 0;
        db_done(s);
    }
    /* Created records are audited once per batch (batch_audit): import_item
     * names each of them, with the job that says who and when; each still
     * has its event. Lines gathered from several rows of the file are
     * bound as the JSON text they were gathered into. */
    struct writer wr = import_writer(m);
    struct write_opts o = {.want_id = want_id, .created_at = created_at && created_at[0] ? created_at : NULL, .batch_audited = true,
                           .json_field = items ? "items" : NULL, .json_text = items,
                           .party_known = r == &party_resource ? 0 : m->party_known};
    struct verr e = {0};
    int64_t id = 0;
    int rc = record_create(w, &wr, r, rec, &o, &id, NULL, &e);
    if (rc) return refused_or_failed(m, w, &e, line);
    m->batch_created++;
    imp_batch_keys_of(m, r, rec, id);
    if (record_item(m, w, r->entity, id, "created", NULL)) {
        imp_db_fail(m, w, line);
        return -1;
    }
    return id;
}

static void list_union(json_t *into, const json_t *from)
{
    size_t i, k; json_t *x, *y;
    json_array_foreach(from, i, x) {
        bool have = false;
        json_array_foreach(into, k, y) if (json_equal(x, y)) have = true;
        if (!have) json_array_append(into, x);
    }
}

/* Updates record id with the non-empty values of rec. Returns 1 updated, 0
 * unchanged or refused, -1 on a database failure. */
static int update_existing(struct imp *m, db *w, const struct resource *r, int64_t id, const json_t *rec, const char *items, long line)
{
    json_t *old = res_load(w, r, id);
    if (!old) return 0;
    json_t *merged = json_deep_copy(old);
    const char *key; json_t *v;
    json_object_foreach((json_t *)rec, key, v) {
        json_t *cur = json_object_get(merged, key);
        if (json_is_array(v) && json_is_array(cur) && strcmp(key, "items") != 0) list_union(cur, v);
        else json_object_set(merged, key, v);
    }
    if (items) {
        json_t *it = json_loads(items, 0, NULL);
        json_object_set_new(merged, "items", it ? it : json_array());
    }
    int out = 0;
    json_t *diff = res_diff(r, old, merged);
    if (json_object_size(diff) == 0) goto done;
    static const char *const server[] = {"id", "version", "created_at", "updated_at"};
    for (size_t i = 0; i < 4; i++) json_object_del(merged, server[i]);
    struct writer wr = import_writer(m);
    struct write_opts o = {.expect_version = json_integer_value(json_object_get(old, "version"))};
    struct verr e = {0};
    if (record_update(w, &wr, r, id, merged, &o, NULL, &e)) { out = refused_or_failed(m, w, &e, line); goto done; }
    if (record_item(m, w, r->entity, id, "updated", old)) { imp_db_fail(m, w, line); out = -1; goto done; }
    out = 1;
done:
    json_decref(diff);
    json_decref(old);
    json_decref(merged);
    return out;
}

static bool created_by_job(struct imp *m, db *w, const char *entity, int64_t id)
{
    if (!m->res->job_id) return false;
    db_stmt *s = db_prepare(w, "SELECT 1 FROM import_item WHERE entity = ? AND entity_id = ? AND job_id = ? AND action = 'created'");
    if (!s) return false;
    db_bind_text(s, 1, entity);
    db_bind_int64(s, 2, id);
    db_bind_int64(s, 3, m->res->job_id);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

/* More lines of a transaction this import created (an invoice whose rows
 * are not together in the file). */
static int append_lines(struct imp *m, db *w, int64_t id, const json_t *rec, const char *items, long line)
{
    json_t *old = res_load(w, &transaction_resource, id);
    if (!old) return 0;
    json_t *all = json_deep_copy(json_object_get(old, "items"));
    json_t *more = items ? json_loads(items, 0, NULL) : NULL;
    if (more) json_array_extend(all, more);
    json_decref(more);
    json_t *upd = json_object();
    int64_t a = json_integer_value(json_object_get(json_object_get(old, "amount"), "amount")) +
                json_integer_value(json_object_get(json_object_get(rec, "amount"), "amount"));
    json_object_set_new(upd, "amount", json_pack("{s:I, s:O}", "amount", (json_int_t)a, "currency",
                                                 json_object_get(json_object_get(old, "amount"), "currency")));
    char *text = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    /* Not an "updated" item: undo removes the transaction as a whole. */
    int64_t job = m->res->job_id;
    m->res->job_id = 0;
    int rc = update_existing(m, w, &transaction_resource, id, upd, text, line);
    m->res->job_id = job;
    free(text);
    json_decref(upd);
    json_decref(old);
    return rc < 0 ? -1 : 0;
}

/* Validates rec and writes it: insert, or per --on-duplicate. Returns the
 * record's id, 0 when refused or skipped, -1 on a database failure. */
int64_t imp_write_record(struct imp *m, db *w, const struct resource *r, json_t *in, int64_t want_id, const char *created_at,
                     const char *items, long line)
{
    struct verr e = {0};
    struct writer wr = import_writer(m);
    /* The rule runs here too (the write path runs it again), so a refused
     * row is reported before it is matched against the database. */
    json_t *rec = imp_validate_row(m, r, in, line, &e);
    if (!rec || (r->rule && r->rule(&wr.actor, NULL, rec, &e))) goto refused;
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        json_t *v = json_object_get(rec, f->name);
        if ((f->flags & F_REQUIRED) && (!v || json_is_null(v))) { verr_set(&e, 422, "required", f->name, "%s is required", f->name); goto refused; }
    }
    char how[200];
    const char *dfield;
    int64_t dup = imp_find_duplicate(m, w, rec, how, sizeof how, &dfield);
    if (dup < 0) { imp_db_fail(m, w, line); json_decref(rec); return -1; }
    int64_t id = 0;
    if (dup > 0) {
        if (r == &transaction_resource && created_by_job(m, w, "transaction", dup)) {
            int rc = append_lines(m, w, dup, rec, items, line);
            m->appended = rc == 0;
            json_decref(rec);
            return rc < 0 ? -1 : dup;
        }
        m->res->duplicates++;
        if (m->o->on_dup == DUP_ERROR) {
            imp_report(m, line, imp_col_name(m, dfield), "error", "duplicate of %s %lld (same %s)", r->entity, (long long)dup, how);
            m->res->errors++;
        } else if (m->o->on_dup == DUP_SKIP) {
            imp_report(m, line, imp_col_name(m, dfield), "duplicate", "duplicate of %s %lld (same %s): skipped", r->entity, (long long)dup, how);
            m->res->skipped++;
        } else {
            /* Only what the file says changes the record: defaults the
             * create rules filled in (owner = the importer, status, …) must
             * not overwrite it — D1, nothing about a customer is lost. */
            json_t *given = json_object();
            const char *gk; json_t *gv;
            json_object_foreach(rec, gk, gv)
                if (json_object_get(in, gk)) json_object_set(given, gk, gv);
            int rc = update_existing(m, w, r, dup, given, items, line);
            json_decref(given);
            if (rc < 0) { json_decref(rec); return -1; }
            imp_report(m, line, imp_col_name(m, dfield), "duplicate", "duplicate of %s %lld (same %s): %s", r->entity, (long long)dup, how,
                   rc ? "updated" : "unchanged");
            if (rc) m->res->updated++; else m->res->skipped++;
            id = dup;
        }
        json_decref(rec);
        return id;
    }
    id = imp_insert_new(m, w, r, rec, want_id, created_at, items, line);
    if (id > 0 && r == m->r) m->res->created++;
    json_decref(rec);
    return id;
refused:
    imp_report(m, line, imp_col_name(m, e.field), "error", "%s", e.message);
    m->res->errors++;
    json_decref(rec);
    return 0;
}

/* The customer of a transaction or interaction: by external id, created when new. */
int64_t imp_party_for(struct imp *m, db *w, const char *ext, const char *name, const char *country, long line)
{
    /* A customer this batch met already (found or created: batch_key), or
     * a stored one looked up without sending the batch's held rows (every
     * party the batch created is in batch_keys). */
    int64_t id = imp_batch_key(m, 'x', ext);
    if (id) return id;
    imp_stored_only(m, w);
    id = imp_lookup_id(w, "SELECT id FROM party WHERE external_id = ? AND deleted_at IS NULL", ext);
    if (id > 0) imp_batch_key_add(m, 'x', ext, id);
    if (id) return id;
    char defname[160];
    snprintf(defname, sizeof defname, "Customer %.100s", ext);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "person", "name", name ? name : defname, "external_id", ext, "roles", "customer");
    if (country) json_object_set_new(rec, "country", json_string(country));
    struct verr e = {0};
    json_t *v = res_validate(&party_resource, rec, true, &e);
    json_decref(rec);
    if (!v) {
        imp_report(m, line, imp_col_name(m, "party_external_id"), "error", "the customer cannot be created: %s", e.message);
        m->res->errors++;
        json_decref(v);
        return 0;
    }
    id = imp_insert_new(m, w, &party_resource, v, 0, NULL, NULL, line);
    json_decref(v);
    if (id > 0) {
        m->res->parties_created++;
        imp_batch_key_add(m, 'x', ext, id);
    }
    return id;
}
