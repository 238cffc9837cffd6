/* resource: table-driven records. Each API resource (parties, interactions,
 * transactions, …) is described once by a table of fields — JSON name,
 * column, type, limits, flags — and this engine derives from it the request
 * validation, the row ↔ JSON mapping, the SQL (assembled once at start-up
 * from the descriptor's constant fragments, values always bound), the
 * generic create / get / patch / delete / list handlers with optimistic
 * concurrency, idempotency keys and the audit trail, and the OpenAPI schema.
 * A resource file holds its descriptor and only the rules that are its own. */
#ifndef RAPPORT_RESOURCE_H
#define RAPPORT_RESOURCE_H
#include "db/db.h"
#include "http/http.h"
#include "lib/strbuf.h"
#include "records/events.h"
#include <jansson.h>
#include <stdbool.h>

enum ftype {
    FT_TEXT,      /* string ≤ max characters */
    FT_ENUM,      /* one of values[] */
    FT_INT,       /* integer */
    FT_BOOL,
    FT_REF,       /* id of a record of the type named by ref */
    FT_DATE,      /* "YYYY-MM-DD" */
    FT_TIME,      /* ISO 8601, stored as UTC "YYYY-MM-DDTHH:MM:SSZ" */
    FT_MONEY,     /* {"amount": minor units, "currency": "CNY"} in column + column2 */
    FT_LIST,      /* array of strings (elem says which), stored as JSON */
    FT_OBJECT,    /* free JSON object (custom fields), stored as JSON */
    FT_OBJLIST,   /* array of objects with keys from subkeys[], stored as JSON */
    FT_REAL,      /* finite number (a share, a rate); ranges are the type's rule */
};
struct rtype;
struct writer;
enum elem_kind { E_TEXT, E_EMAIL, E_PHONE, E_ENUM };
enum {
    F_REQUIRED = 1,     /* must be present (non-null) on create */
    F_FILTER = 2,       /* ?name=value filter in lists */
    F_SORT = 4,         /* ?sort=name / -name */
    F_SERVER = 8,       /* set by the server; refused in request bodies */
    F_CREATE_ONLY = 16, /* may not change after create */
};

struct verr {
    int status;
    const char *code;
    char field[64];
    char message[256];
    /* A refused workflow move (409 invalid_transition): the states, or "". */
    char from[32], to[32];
};

struct field {
    const char *name;
    const char *column;
    const char *column2;          /* currency column of FT_MONEY */
    enum ftype type;
    unsigned flags;
    unsigned max;                 /* characters (text) or items (lists) */
    const char *const *values;    /* FT_ENUM and E_ENUM elements */
    enum elem_kind elem;
    /* FT_REF: the type it points at, by the registry's type name ("party",
     * "pipeline") or a reference target beside the registry ("user"; see
     * registry_ref_known). Checked at start-up: an unknown name stops it. */
    const char *ref;
    const char *const *subkeys;   /* FT_OBJLIST keys */
    const char *doc;              /* one line for the OpenAPI description */
};

/* An F_SORT text field that lists order by a collation key instead of the
 * text's bytes: column holds collation_key(<the field's column>) (the
 * pinyin-aware key of src/db/collate.c), kept right by triggers. */
struct sort_key {
    const char *field;            /* "name" */
    const char *column;           /* "name_key" */
};

/* A list filter that is not a column of the resource (e.g. a party's
 * computed tier, stored in another table): `?name=value` adds `sql`, a
 * constant fragment with exactly one `?`, bound to the value parsed as
 * kind (LF_TEXT, LF_INT, or LF_REAL). */
enum list_filter_kind { LF_TEXT, LF_INT, LF_REAL };
struct list_filter {
    const char *name;
    const char *sql;              /* e.g. "t.id IN (SELECT party_id FROM score WHERE tier = ?)" */
    enum list_filter_kind kind;
    const char *doc;
    /* The analytics figure the filter tests ("tier", "clv.total"), or NULL:
     * a user from whom that figure is hidden (analytics/lineage.h) may not
     * filter by it either (400 forbidden_field). */
    const char *figure;
};

struct resource {
    const char *name;             /* "parties" (URL segment) */
    const char *table;            /* "party" */
    const char *entity;           /* "party" (audit, timeline) */
    const struct field *fields;
    int nfields;
    bool soft_delete;             /* deleted_at / merged_into instead of DELETE */
    const char *party_field;      /* field naming the owning party, or NULL (the party itself) */
    /* A second party the record joins (a link's to_id): the record exists
     * for a user only when both parties are within their read scope. */
    const char *peer_field;
    const char *fts_table;        /* "party_fts" enables ?q= search */
    /* The fields the search index holds, one FTS column each named as the
     * field (NULL-terminated): a user from whom one is hidden searches the
     * others only. */
    const char *const *fts_columns;
    const struct list_filter *extra_filters;  /* NULL-name terminated, or NULL */
    const struct sort_key *sort_keys;         /* NULL-field terminated, or NULL */
    /* The type's rule: a plain function of (actor, old, new) on the complete
     * record (old is NULL on create; new is the merged record on a change)
     * that may fill defaults into new and returns 0, or -1 with the
     * verdict (status, code, field) in e. Run by the write path for every
     * writer (records/write.c); unit-tested without a server. */
    int (*rule)(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
    /* Runs in the write transaction before the row is written, with the
     * complete new record and its id (0 on a create); may refuse with e
     * set (0 or -1): rules that need the stored rows, such as a party's
     * money totals. Before, so that a refusal leaves nothing to undo. */
    int (*check_stored)(db *w, int64_t id, const json_t *rec, struct verr *e);
    /* Runs in the write transaction after the rule and the workflow and
     * before the references are checked: fills fields derived from stored
     * rows into rec (a case's SLA due times from its policy and calendar).
     * id and old are 0 / NULL on a create; now is the write's time. 0, or
     * -1 with e set. */
    int (*derive)(db *w, int64_t id, const json_t *old, json_t *rec, const char *now, struct verr *e);
    /* Runs in the write transaction after the row is written (indexes). */
    int (*after_write)(db *w, int64_t id, const json_t *rec);
    /* after_write for a record just created, when there is nothing of it
     * to remove first (NULL: after_write). An import on PostgreSQL holds
     * its new rows for COPY, and a DELETE of the new id from an index
     * would send them before every row. */
    int (*after_create)(db *w, int64_t id, const json_t *rec);
    /* Runs in the write transaction before a delete; may refuse. */
    int (*before_delete)(db *w, int64_t id, struct verr *e);
    /* Runs in the write transaction before the rule, with the old record
     * (NULL on a create) and the new one, which it may fill from stored
     * rows (a quote's line prices from the price list of its date) so the
     * rule stays a plain function. 0, or -1 with e set. */
    int (*prepare)(db *w, const json_t *old, json_t *rec, struct verr *e);
    /* Runs in the write transaction after the row is written and before it
     * is read back, with the writer: writes that follow from the change go
     * through the write path as that writer (an order's payment creates its
     * transaction). 0, or -1 with e set (the whole write is undone). */
    int (*follow)(db *w, const struct writer *wr, int64_t id, const json_t *old, const json_t *rec, struct verr *e);
    /* Trims, for reader u, what inside a record they may not see beyond
     * the field permissions (a lead's stored duplicates name only the
     * parties and leads within u's read scope). Changes rec in place and
     * leaves keys it does not find alone, so it also trims the old and new
     * values of an audit row. c is a read connection. NULL: nothing. */
    void (*view)(db *c, const struct auth_user *u, json_t *rec);
    /* The OpenAPI properties (route-doc text, ' for ") of keys the view
     * adds to a record as it is read (a quote's company_total); they are
     * server-set and optional in <Entity>. NULL: none. */
    const char *view_props;
    /* Each record's JSON is kept in <table>_doc (migration 007): a GET by a
     * user who may see every field sends it as it is. */
    bool has_doc;
    /* Its record type (records/registry.h), set by registry_init. */
    const struct rtype *type;
    /* Generated at start-up by resource_init. */
    char *sql_get, *sql_exists, *sql_insert, *sql_insert_id, *sql_update, *sql_delete, *sql_purge, *sql_cols;
    char *sql_get_doc, *sql_store_doc;
    char **json_keys;             /* ,"<field name>": for each field, written as is by a GET */
    size_t *json_key_lens;
};

/* Builds the SQL of each resource; call once before serving. */
void resource_init(struct resource *r);

/* Writes the stored JSON document of record id (has_doc resources) from
 * its row as it now is, inside the caller's write transaction: every write
 * of the row calls it after writing (the trigger of migration 007 clears a
 * document that a write left behind). 0 or -1. */
int res_store_doc(db *w, const struct resource *r, int64_t id);

/* Generic handlers: the route's schema is the resource. */
void res_create(struct req *rq, struct resp *rs);
void res_get(struct req *rq, struct resp *rs);
void res_patch(struct req *rq, struct resp *rs);
void res_delete(struct req *rq, struct resp *rs);
void res_list(struct req *rq, struct resp *rs);

/* ---- the list query language (one builder for lists and exports) ----
 * A list request's parameters compiled to SQL: a WHERE fragment over the
 * alias `t` made only of constant descriptor text, and the values it binds.
 * Filters: F_FILTER fields (equality; list fields match an element; time,
 * date, integer and money fields also take name_from / name_to),
 * created_at_from / updated_at_to …, the resource's extra_filters, custom
 * fields (`custom.key=value` on an F_FILTER object field), `q` (search),
 * and the caller's access-control predicate for the action. Hidden fields
 * (field security) are refused as filters and sort keys. */
enum { RQ_LIST, RQ_EXPORT };
enum { QB_INT, QB_TEXT, QB_REAL, QB_NULL };
struct res_qbind { int kind; int64_t i; double d; const char *t; char buf[64]; char *owned; };
struct res_query {
    const struct resource *r;
    const struct auth_user *u;
    int mode;                     /* RQ_LIST: limit / after / sort / count; RQ_EXPORT: ignores them and format */
    strbuf where;                 /* " AND …" fragments */
    struct res_qbind binds[64];
    int nbinds;
    struct verr e;
    int failed;
    /* RQ_LIST only: the page and the total asked for. */
    long limit, count_limit;
    bool count;
    const char *sort, *after, *q;
    const char *sort_col;         /* validated column of the sort key */
    const char *sort_key;         /* the column rows are ordered by when not sort_col (resource.sort_keys) */
    bool desc;
    char *text;                   /* res_query_build_text: the decoded query the binds point into */
};
/* Compiles rq's query parameters for r in mode, with the access predicate of
 * action ("read" for lists, "export" for exports). Returns 0, or -1 with
 * l->e set (a 4xx naming the parameter). Call res_query_free either way. */
int res_query_build(struct res_query *l, struct req *rq, const struct resource *r, int mode, const char *action);
/* The same from a query string ("tier=platinum&tags=vip", form-encoded, a
 * leading '?' allowed) instead of a request, with the scope of user u (a
 * segment: domain/segment.h). The decoded text is l's, freed by
 * res_query_free. */
int res_query_build_text(struct res_query *l, const struct auth_user *u, const char *query, const struct resource *r,
                         int mode, const char *action);
/* The ids of l's matching records (not deleted), ascending: a prepared,
 * bound statement the caller steps and db_done()s, or NULL with e set. */
db_stmt *res_query_ids(struct res_query *l, db *c, struct verr *e);
/* Binds l's values from parameter first on; returns the next index. */
int res_query_bind(const struct res_query *l, db_stmt *s, int first);
void res_query_free(struct res_query *l);
/* Counts r's records within the caller's read scope grouped by field name
 * (each element of a list field), largest first, at most top groups (0:
 * all); name NULL: the total as {"total": n}. Adds to out; 0 or -1 with e. */
int res_group_counts(struct req *rq, const struct resource *r, const char *name, int top, json_t *out, struct verr *e);
/* The query parameters of r's list (mode RQ_LIST) or export (RQ_EXPORT)
 * as OpenAPI parameter objects (a new array). */
json_t *res_query_parameters(const struct resource *r, int mode);

/* The field of r named name, or NULL. */
const struct field *res_field_find(const struct resource *r, const char *name);
/* Writes the row of r->sql_get / sql_cols at s as JSON into out, leaving
 * out the fields hidden from u (u NULL: every field). */
void res_row_write(const struct resource *r, db_stmt *s, const struct auth_user *u, strbuf *out);
/* Loads one record as JSON (NULL when absent or deleted). */
json_t *res_load(db *c, const struct resource *r, int64_t id);
/* Removes the fields the user's role may not see (field security); returns rec. */
json_t *res_redact(const struct resource *r, const struct auth_user *u, json_t *rec);
/* Applies r->view for u (when both are set) with the thread's reader;
 * returns rec. After res_redact wherever a record leaves for a user. */
json_t *res_view(const struct resource *r, const struct auth_user *u, json_t *rec);
/* Removes from an audit row's {"field": [old, new]} the fields of entity
 * (singular audit name, e.g. "transaction") the user may not see. */
void audit_redact(const struct auth_user *u, const char *entity, json_t *changes);
/* The resource of an audit entity name ("party" → parties), or NULL. */
const struct resource *audit_entity_resource(const char *entity);
/* Writes e as the error answer. */
void resp_verr(struct resp *rs, const struct verr *e);
void verr_set(struct verr *e, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Validates one request body against r; create or patch. On success returns
 * a new object holding normalised values. */
json_t *res_validate(const struct resource *r, json_t *in, bool create, struct verr *e);
/* Binds rec's values for every non-server field in descriptor order,
 * starting at parameter first; returns the next parameter index. */
int res_bind_fields(const struct resource *r, db_stmt *s, const json_t *rec, int first);
/* The offset of field name's parameter from res_bind_fields' first (a money
 * field takes two), or -1 when r has no such field. */
int res_param_offset(const struct resource *r, const char *name);
/* Records an audit row (in the write transaction). changes (may be NULL)
 * is stolen: the call owns it afterwards. */
int audit_record(db *w, const struct auth_user *u, const char *addr, const char *entity, int64_t entity_id,
                 const char *action, json_t *changes, int64_t party_id);
/* Field-by-field difference {"field": [old, new]} between two records. */
json_t *res_diff(const struct resource *r, const json_t *old, const json_t *neu);
/* The current UTC time as ISO 8601 text. */
void now_text(char out[21]);
/* Maps a failed write (constraint, disk) to an error. */
void verr_from_db(struct verr *e, db *w, const struct resource *r);
#endif
