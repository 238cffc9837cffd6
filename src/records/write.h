/* write: the one write path of records. Every create, change and delete of
 * a record — from HTTP, imports, merges, transfers, the demo generator,
 * jobs and the scheduler — goes through record_create / record_update /
 * record_delete, inside the caller's write transaction (db_write). Each:
 *  - sees the old and the new record, and applies the type's rule
 *    (resource.rule: a plain function of actor, old, new) and workflow
 *    (records/workflow.h) whoever the writer is;
 *  - checks the references, and for a user the record scopes (a system job
 *    is not limited by scopes, only by the rules);
 *  - changes a row only at the version it read, and counts the rows the
 *    statement changed: none means someone else changed it first (409);
 *  - runs the type's hooks in the transaction (search index, stored
 *    documents, money totals);
 *  - writes the audit row and the event of the feed (records/events.h) in
 *    the same transaction, so both exist exactly when the change does.
 * Nothing here knows HTTP: no struct req. Results: 0, or -1 with the
 * verdict in e (status, code, field, message). */
#ifndef RAPPORT_WRITE_H
#define RAPPORT_WRITE_H
#include "api/resource.h"
#include "db/db.h"
#include "http/http.h"
#include "records/events.h"
#include <jansson.h>

/* Who writes. */
struct writer {
    struct actor actor;             /* the user (with role) or the named system job */
    const struct auth_user *user;   /* whose scopes limit the write; NULL for a system job */
    const char *addr;               /* the audit row's address: the client's, or the job's name */
};
/* A writer for user u at addr / for system job name (u may be NULL). */
struct writer writer_user(const struct auth_user *u, const char *addr);
struct writer writer_system(const char *name);

/* Options of a change or delete. */
struct write_opts {
    int64_t expect_version;         /* the version the writer read, or 0: the current one */
    int conflict_status;            /* answer when it differs: 412 (If-Match) or 409 */
    const char *action;             /* the audit / event action, default "update" / "delete" */
    const char *created_at;         /* create: the record's time, default now (imports keep a file's) */
    int64_t want_id;                /* create: the id to give it, or 0 (imports undo by id) */
    bool batch_audited;             /* create: the caller audits a batch at once (imports); the event is still written */
    /* create, a system writer (no user): a party id the caller found (not
     * deleted) or created in this transaction. A party reference with this
     * value is not looked up again: an import's customer, resolved the
     * moment before (on PostgreSQL the look-up of a party the batch holds
     * for COPY would send the batch's rows for every transaction). */
    int64_t party_known;
    const json_t *log_extra;        /* update: more {"name": [old, new]} for the audit row (a merge's source) */
    /* create: one list field's value as compact JSON text, bound as it is
     * instead of the record's value (an import's gathered invoice lines:
     * the importer built the text from values it validated, and parsing
     * it only to print it again cost an import half its time). The rules
     * do not see it. */
    const char *json_field, *json_text;
    /* delete: remove the row even where deletes are soft (an import's undo:
     * the record never existed). A row others still refer to is refused,
     * 409 in_use, and nothing is changed. */
    bool purge;
};

/* Creates a record of r from rec (validated by res_validate; not changed).
 * On success *out (may be NULL) is the stored record, the caller's to free,
 * and *id_out its id. */
int record_create(db *w, const struct writer *wr, const struct resource *r, const json_t *rec, const struct write_opts *o,
                  int64_t *id_out, json_t **out, struct verr *e);
/* Changes record id of r by patch (validated; a merge: null clears). *out
 * as above; an unchanged record writes nothing and is still returned. */
int record_update(db *w, const struct writer *wr, const struct resource *r, int64_t id, const json_t *patch,
                  const struct write_opts *o, json_t **out, struct verr *e);
/* Deletes record id of r (soft for parties). */
int record_delete(db *w, const struct writer *wr, const struct resource *r, int64_t id, const struct write_opts *o,
                  struct verr *e);
/* The audit row and the event of a change made outside the three above
 * (a merge's bulk moves, a share): changes ({"field": [old, new]}, may be
 * NULL) is stolen. 0 or -1. */
int record_log(db *w, const struct writer *wr, const char *type, int64_t id, const char *action, json_t *changes,
               int64_t party_id);
#endif
