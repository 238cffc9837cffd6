/* import_undo: taking an import back through its import_item rows and
 * the write path (`rapport import undo`, and all-or-nothing's undo of
 * what its writing pass committed). */
#include "domain/import_internal.h"
#include "db/writer.h"
#include "jobs/jobs.h"
#include "records/registry.h"
#include <stdlib.h>
#include <string.h>

struct undo_ctx {
    int64_t job;
    long removed, restored, kept;
    bool more;
    char msg[300];
};

static const struct resource *resource_of_entity(const char *entity)
{
    /* What an import writes: its kinds, and the works_at links of a company column. */
    const struct rtype *t = registry_by_type(entity);
    return t && ((t->flags & RT_IMPORT) || !strcmp(entity, "link")) ? t->res : NULL;
}

static bool record_exists(db *w, const struct resource *r, int64_t id)
{
    db_stmt *s = db_prepare(w, r->sql_exists);
    if (!s) return false;
    db_bind_int64(s, 1, id);
    bool found = db_step(s) == DB_ROW;
    db_done(s);
    return found;
}

/* The write path's verdict on one undo step: a refusal (the record changed
 * since in a way its rules no longer allow) keeps the record as it is and
 * is counted; a storage failure fails the batch. */
static int undo_refused(struct undo_ctx *c, const struct verr *e)
{
    if (e->status >= 500) return -1;
    c->kept++;
    return 0;
}

/* Undoes one import_item through the write path (audit row and event as
 * "import-undo"): a created record is removed outright — it never existed —
 * unless records made since refer to it (a party with later purchases),
 * which is then deleted the ordinary way, its external id freed for a new
 * import; an updated one gets its values from before the import back. */
static int undo_one(db *w, struct undo_ctx *c, const char *entity, int64_t id, const char *action, const char *before)
{
    const struct resource *r = resource_of_entity(entity);
    if (!r) return 0;
    struct writer wr = writer_system("import-undo");
    struct verr e = {0};
    if (!strcmp(action, "created")) {
        if (!record_exists(w, r, id)) return 0;
        if (db_savepoint(w)) return -1;
        struct write_opts purge = {.purge = true};
        if (record_delete(w, &wr, r, id, &purge, &e) == 0) {
            c->removed++;
            return db_savepoint_release(w);
        }
        if (db_savepoint_rollback(w) || db_savepoint_release(w)) return -1;
        if (e.status != 409 || strcmp(e.code, "in_use") != 0 || !r->soft_delete) return undo_refused(c, &e);
        json_t *unlink = json_pack("{s:n}", "external_id");
        e = (struct verr){0};
        int rc = record_update(w, &wr, r, id, unlink, NULL, NULL, &e);
        json_decref(unlink);
        if (rc == 0) rc = record_delete(w, &wr, r, id, NULL, &e);
        if (rc) return undo_refused(c, &e);
        c->kept++;
        c->removed++;
        return 0;
    }
    json_t *old = before ? json_loads(before, 0, NULL) : NULL;
    if (!old || !record_exists(w, r, id)) { json_decref(old); return 0; }
    static const char *const server[] = {"id", "version", "created_at", "updated_at"};
    for (size_t i = 0; i < 4; i++) json_object_del(old, server[i]);
    /* Fields the record had no value for before come back empty. */
    for (int i = 0; i < r->nfields; i++)
        if (!(r->fields[i].flags & F_SERVER) && !json_object_get(old, r->fields[i].name))
            json_object_set_new(old, r->fields[i].name, json_null());
    int rc = record_update(w, &wr, r, id, old, NULL, NULL, &e);
    json_decref(old);
    if (rc) return undo_refused(c, &e);
    c->restored++;
    return 0;
}

static int undo_batch(db *w, void *arg)
{
    struct undo_ctx *c = arg;
    db_stmt *s = db_prepare(w, "SELECT seq, entity, entity_id, action, before FROM import_item WHERE job_id = ? ORDER BY seq DESC LIMIT 5000");
    if (!s) return 1;
    db_bind_int64(s, 1, c->job);
    struct it { int64_t seq, id; char entity[16], action[12]; char *before; } *items = calloc(5000, sizeof *items);
    int n = 0;
    while (n < 5000 && db_step(s) == DB_ROW) {
        items[n].seq = db_column_int64(s, 0);
        snprintf(items[n].entity, sizeof items[n].entity, "%s", db_column_text(s, 1));
        items[n].id = db_column_int64(s, 2);
        snprintf(items[n].action, sizeof items[n].action, "%s", db_column_text(s, 3));
        items[n].before = db_column_text(s, 4) ? strdup(db_column_text(s, 4)) : NULL;
        n++;
    }
    db_done(s);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (undo_one(w, c, items[i].entity, items[i].id, items[i].action, items[i].before)) {
            snprintf(c->msg, sizeof c->msg, "cannot undo %s %lld: %s", items[i].entity, (long long)items[i].id, db_errmsg(w));
            rc = 1;
        }
    }
    if (rc == 0 && n > 0) {
        db_stmt *d = db_prepare(w, "DELETE FROM import_item WHERE job_id = ? AND seq >= ?");
        db_bind_int64(d, 1, c->job);
        db_bind_int64(d, 2, items[n - 1].seq);
        if (db_step(d) != DB_DONE) rc = 1;
        db_done(d);
    }
    for (int i = 0; i < n; i++) free(items[i].before);
    free(items);
    c->more = n == 5000;
    return rc;
}

/* All-or-nothing: undoes what the writing pass committed before it met a
 * refused row (or a failure, or a cancel). */
void imp_compensate(struct imp *m)
{
    struct undo_ctx c = {.job = m->res->job_id};
    do {
        if (db_write(undo_batch, &c) != 0) {
            char was[sizeof m->res->fatal];
            snprintf(was, sizeof was, "%s", m->fatal ? m->res->fatal : "a row was refused");
            imp_fatal(m, "%.200s; undoing the rows already written failed (%.120s): run rapport import undo %lld", was,
                  c.msg[0] ? c.msg : "the undo could not be committed", (long long)m->res->job_id);
            return;
        }
    } while (c.more);
    m->res->written = false;
}

int import_undo(int64_t job_id, long *removed, long *restored, char *msg, size_t cap)
{
    registry_init();
    json_t *job = job_load(db_reader(), job_id);
    if (!job || strcmp(json_string_value(json_object_get(job, "kind")), "import") != 0) {
        snprintf(msg, cap, "no import job %lld", (long long)job_id);
        json_decref(job);
        return -1;
    }
    const char *st = json_string_value(json_object_get(job, "status"));
    if (!strcmp(st, "running") || !strcmp(st, "queued")) {
        snprintf(msg, cap, "import job %lld is %s; cancel it or wait for it to finish", (long long)job_id, st);
        json_decref(job);
        return -1;
    }
    if (!strcmp(st, "undone")) {
        snprintf(msg, cap, "import job %lld was already undone", (long long)job_id);
        json_decref(job);
        return -1;
    }
    json_decref(job);
    struct undo_ctx c = {.job = job_id};
    do {
        int rc = db_write(undo_batch, &c);
        if (rc) {
            if (!c.msg[0]) snprintf(c.msg, sizeof c.msg, "the undo could not be committed");
            snprintf(msg, cap, "%s (undone so far: %ld removed, %ld restored; run undo again to continue)", c.msg, c.removed, c.restored);
            return -1;
        }
    } while (c.more);
    *removed = c.removed;
    *restored = c.restored;
    json_t *res = json_pack("{s:I, s:I, s:I}", "removed", (json_int_t)c.removed, "restored", (json_int_t)c.restored,
                            "kept_referenced", (json_int_t)c.kept);
    json_t *job2 = job_load(db_reader(), job_id);
    json_t *result = json_deep_copy(json_object_get(job2, "result"));
    json_decref(job2);
    if (!json_is_object(result)) { json_decref(result); result = json_object(); }
    json_object_set_new(result, "undo", res);
    job_set_status(job_id, "undone", result, NULL);
    snprintf(msg, cap, "removed %ld, restored %ld%s", c.removed, c.restored, c.kept ? " (some parties referenced by later records were kept as deleted)" : "");
    return 0;
}
