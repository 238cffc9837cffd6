/* export: records → CSV / JSON Lines / XLSX (see export.h). */
#include "io/export.h"
#include "http/authz.h"
#include "api/api.h"
#include "http/authz.h"
#include "domain/import_values.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include <stdlib.h>
#include <string.h>

extern struct resource interaction_resource, transaction_resource, product_resource;

struct resource *export_resource(const char *kind)
{
    struct resource *r = NULL;
    if (!strcmp(kind, "parties")) r = &party_resource;
    else if (!strcmp(kind, "transactions")) r = &transaction_resource;
    else if (!strcmp(kind, "interactions")) r = &interaction_resource;
    else if (!strcmp(kind, "products")) r = &product_resource;
    if (r && !r->sql_cols) resource_init(r);
    return r;
}

struct ex {
    const struct resource *r;
    const struct auth_user *u;   /* API exports: the caller (field security); NULL from the CLI */
    out_writer *w;
    enum out_format f;
    int ncols;
    char **cells;
    bool *numeric;
    long count;
};

static char *list_text(const json_t *a)
{
    strbuf sb;
    sb_init(&sb, 0);
    size_t i; json_t *x;
    bool plain = true;
    json_array_foreach(a, i, x) if (!json_is_string(x) || strchr(json_string_value(x), ';')) plain = false;
    if (!plain) { sb_free(&sb); return json_dumps(a, JSON_COMPACT); }
    json_array_foreach(a, i, x) sb_printf(&sb, "%s%s", i ? "; " : "", json_string_value(x));
    return sb_take(&sb);
}

static char *int_text(json_int_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return strdup(buf);
}

static int put_row(void *ctx, json_t *rec)
{
    struct ex *x = ctx;
    x->count++;
    if (x->f == OUT_JSONL) return out_json(x->w, rec);
    int c = 0;
    x->cells[c] = int_text(json_integer_value(json_object_get(rec, "id")));
    x->numeric[c++] = true;
    for (int i = 0; i < x->r->nfields; i++) {
        const struct field *f = &x->r->fields[i];
        if (x->u && authz_field(x->u, x->r->name, f->name) == FA_HIDDEN) continue;
        json_t *v = json_object_get(rec, f->name);
        bool null = !v || json_is_null(v);
        x->numeric[c] = false;
        switch (f->type) {
        case FT_MONEY: {
            const char *cur = json_string_value(json_object_get(v, "currency"));
            char amount[48] = "";
            if (!null) minor_to_text(json_integer_value(json_object_get(v, "amount")), cur, amount, sizeof amount);
            x->numeric[c] = true;
            x->cells[c++] = strdup(amount);
            x->numeric[c] = false;
            x->cells[c++] = strdup(!null && cur ? cur : "");
            continue;
        }
        case FT_INT: case FT_REF:
            x->numeric[c] = true;
            x->cells[c++] = null ? strdup("") : int_text(json_integer_value(v));
            continue;
        case FT_BOOL:
            x->cells[c++] = strdup(null ? "" : json_is_true(v) ? "true" : "false");
            continue;
        case FT_LIST:
            x->cells[c++] = null || json_array_size(v) == 0 ? strdup("") : list_text(v);
            continue;
        case FT_OBJECT: case FT_OBJLIST:
            x->cells[c++] = null || json_object_size(v) + json_array_size(v) == 0 ? strdup("") : json_dumps(v, JSON_COMPACT);
            continue;
        default:
            x->cells[c++] = strdup(null ? "" : json_string_value(v));
        }
    }
    x->cells[c] = strdup(json_string_value(json_object_get(rec, "created_at")));
    x->numeric[c++] = false;
    x->cells[c] = strdup(json_string_value(json_object_get(rec, "updated_at")));
    x->numeric[c++] = false;
    int rc = out_row(x->w, (const char *const *)x->cells, x->numeric, c);
    for (int i = 0; i < c; i++) { free(x->cells[i]); x->cells[i] = NULL; }
    return rc;
}

/* ---- the records: the list endpoint's filters, in id order ---- */

enum { EB_INT, EB_TEXT };
struct ebind { int kind; int64_t i; char *t; };
struct equery { const struct resource *r; const struct auth_user *u; strbuf where; struct ebind b[40]; int n; struct verr *e; int failed; };

static const struct field *efield(const struct resource *r, const char *name)
{
    for (int i = 0; i < r->nfields; i++)
        if (!strcmp(r->fields[i].name, name)) return &r->fields[i];
    return NULL;
}

static int efail(struct equery *q, const char *key, const char *msg)
{
    verr_set(q->e, 400, "invalid_parameter", key, "%s %s", key, msg);
    return q->failed = 1;
}

/* Same allow-list and forms as the list endpoints: field=value for F_FILTER
 * fields, name_from / name_to ranges on times, dates and numbers,
 * created_at_from / updated_at_to, list membership, q (search). */
static int equery_arg(void *ctx, const char *key, const char *value)
{
    struct equery *q = ctx;
    if (!strcmp(key, "format") || !strcmp(key, "limit") || !strcmp(key, "after") || !strcmp(key, "sort")) return 0;
    if (q->n >= 39) return efail(q, key, "is one filter too many");
    if (strlen(value) > 1000 || !utf8_valid(value, strlen(value))) return efail(q, key, "must be UTF-8 text of at most 1000 bytes");
    struct ebind *b = &q->b[q->n];
    if (!strcmp(key, "q")) {
        char match[2048];
        if (!q->r->fts_table) return efail(q, key, "is not a filter here");
        if (!fts_query_build(value, match, sizeof match)) return efail(q, key, "has no searchable words");
        sb_printf(&q->where, " AND t.id IN (SELECT rowid FROM %s WHERE %s MATCH ?)", q->r->fts_table, q->r->fts_table);
        *b = (struct ebind){EB_TEXT, 0, strdup(match)};
        q->n++;
        return 0;
    }
    char name[64];
    snprintf(name, sizeof name, "%s", key);
    const char *op = "=";
    size_t n = strlen(name);
    if (n > 5 && !strcmp(name + n - 5, "_from")) { name[n - 5] = '\0'; op = ">="; }
    else if (n > 3 && !strcmp(name + n - 3, "_to")) { name[n - 3] = '\0'; op = "<="; }
    const struct field *f = efield(q->r, name);
    bool builtin = !strcmp(name, "created_at") || !strcmp(name, "updated_at");
    if ((!f || !(f->flags & F_FILTER)) && !(builtin && op[0] != '=')) {
        verr_set(q->e, 400, "unknown_parameter", key, "%s is not a filter of %s", key, q->r->name);
        return q->failed = 1;
    }
    if (f && q->u && authz_field(q->u, q->r->name, f->name) == FA_HIDDEN) {
        verr_set(q->e, 400, "forbidden_field", key, "your role may not filter by %s", f->name);
        return q->failed = 1;
    }
    if (op[0] != '=' && f && f->type != FT_TIME && f->type != FT_DATE && f->type != FT_INT && f->type != FT_MONEY)
        return efail(q, key, "takes no range");
    if (f && q->u && authz_field(q->u, q->r->name, f->name) == FA_HIDDEN) {
        verr_set(q->e, 400, "forbidden_field", key, "your role may not filter by %s", f->name);
        return q->failed = 1;
    }
    const char *column = f ? f->column : builtin && !strcmp(name, "created_at") ? "created_at" : "updated_at";
    if (f && f->type == FT_LIST) {
        sb_printf(&q->where, " AND EXISTS (SELECT 1 FROM json_each(t.%s) WHERE value = ?)", column);
        *b = (struct ebind){EB_TEXT, 0, strdup(value)};
    } else if (f && (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL || f->type == FT_MONEY)) {
        char *end;
        long long v = strtoll(value, &end, 10);
        if (f->type == FT_BOOL) { v = !strcmp(value, "true") ? 1 : !strcmp(value, "false") ? 0 : -1; end = v < 0 ? (char *)"x" : (char *)""; }
        if (*end || !value[0]) return efail(q, key, f->type == FT_BOOL ? "must be true or false" : "must be an integer");
        sb_printf(&q->where, " AND t.%s %s ?", column, op);
        *b = (struct ebind){EB_INT, v, NULL};
    } else {
        int64_t t;
        char buf[24];
        const char *v = value;
        if ((builtin || (f && f->type == FT_TIME)) && op[0] != '=') {
            if (time_parse(value, &t)) return efail(q, key, "must be an ISO 8601 time");
            time_format(t, buf);
            v = buf;
        }
        sb_printf(&q->where, " AND t.%s %s ?", column, op);
        *b = (struct ebind){EB_TEXT, 0, strdup(v)};
    }
    q->n++;
    return 0;
}

static int each_record(struct req *rq, const struct resource *r, int (*cb)(void *, json_t *), void *ctx, struct verr *e)
{
    struct equery q = {.r = r, .u = rq ? &rq->user : NULL, .e = e};
    sb_init(&q.where, 16384);
    strbuf sql;
    sb_init(&sql, 32768);
    int rc = -1;
    if (rq) {
        q.u = &rq->user;
        req_query_each(rq, equery_arg, &q);
        if (q.failed) goto out;
        /* The same scope as every other read path, for the export action. */
        enum scope sc = authz_scope(q.u, r->name, "export");
        if ((sc & ~SCOPE_WRITE) == SCOPE_NONE) {
            verr_set(e, 403, "forbidden", NULL, "your role may not export %s", r->name);
            goto out;
        }
        if (r->party_field || r == export_resource("parties")) {
            struct authz_binds ab;
            const char *pred = authz_party_predicate(sc, r->party_field, q.u, &ab);
            if (pred) {
                sb_printf(&q.where, " AND %s", pred);
                for (int i = 0; i < ab.n && q.n < 40; i++) q.b[q.n++] = (struct ebind){EB_INT, ab.v[i], NULL};
            }
        }
    }
    if (q.failed) goto out;
    if (rq && (r->party_field || !strcmp(r->entity, "party"))) {
        /* Exactly the records in the caller's export scope (authz decides). */
        struct authz_binds ab;
        const char *pred = authz_party_predicate(authz_scope(&rq->user, r->name, "export"),
                                                 strcmp(r->entity, "party") ? r->party_field : NULL, &rq->user, &ab);
        if (pred) {
            if (q.n + ab.n > 40) { verr_set(e, 400, "too_many_filters", NULL, "too many filters"); goto out; }
            sb_printf(&q.where, " AND %s", pred);
            for (int i = 0; i < ab.n; i++) q.b[q.n++] = (struct ebind){EB_INT, ab.v[i], NULL};
        }
    }
    if (q.where.failed) { verr_set(e, 400, "invalid_parameter", NULL, "the query is too long"); goto out; }
    sb_printf(&sql, "SELECT t.id FROM %s t WHERE 1 = 1%s%s ORDER BY t.id", r->table, r->soft_delete ? " AND t.deleted_at IS NULL" : "",
              sb_str(&q.where));
    db *c = db_reader();
    db_stmt *s = c ? db_prepare_once(c, sb_str(&sql)) : NULL;
    if (!s) { verr_set(e, 500, "internal", NULL, "the export query failed"); goto out; }
    for (int i = 0; i < q.n; i++) {
        if (q.b[i].kind == EB_INT) db_bind_int64(s, i + 1, q.b[i].i);
        else db_bind_text(s, i + 1, q.b[i].t);
    }
    rc = 0;
    int step;
    while (rc == 0 && (step = db_step(s)) == DB_ROW) {
        json_t *rec = res_load(c, r, db_column_int64(s, 0));
        if (!rec) continue;
        if (q.u) res_redact(r, q.u, rec);
        if (rq) res_redact(r, &rq->user, rec);
        rc = cb(ctx, rec);
        json_decref(rec);
    }
    db_done(s);
    if (rc) { verr_set(e, 500, "export_failed", NULL, "the export could not be written"); rc = -1; }
out:
    for (int i = 0; i < q.n; i++) free(q.b[i].t);
    sb_free(&sql);
    sb_free(&q.where);
    return rc;
}

int export_records(struct req *rq, const struct resource *r, enum out_format f, const char *path, FILE *fp,
                   long *count, struct verr *e)
{
    char err[300];
    struct ex x = {.r = r, .u = rq ? &rq->user : NULL, .f = f};
    x.w = out_open(f, path, fp, err, sizeof err);
    if (!x.w) { verr_set(e, 500, "export_failed", NULL, "%s", err); return -1; }
    int n = 3;
    for (int i = 0; i < r->nfields; i++) n += r->fields[i].type == FT_MONEY ? 2 : 1;
    x.ncols = n;
    x.cells = calloc((size_t)n, sizeof *x.cells);
    x.numeric = calloc((size_t)n, sizeof *x.numeric);
    const char **names = calloc((size_t)n, sizeof *names);
    int c = 0;
    names[c++] = "id";
    for (int i = 0; i < r->nfields; i++) {
        if (x.u && authz_field(x.u, r->name, r->fields[i].name) == FA_HIDDEN) continue;
        names[c++] = r->fields[i].name;
        if (r->fields[i].type == FT_MONEY) names[c++] = r->fields[i].column2;
    }
    names[c++] = "created_at";
    names[c++] = "updated_at";
    int rc = f == OUT_JSONL ? 0 : out_header(x.w, names, c);
    if (rc == 0) rc = each_record(rq, r, put_row, &x, e);
    else verr_set(e, 500, "export_failed", NULL, "the export could not be written");
    if (out_close(x.w) != 0 && rc == 0) { verr_set(e, 500, "export_failed", NULL, "the export could not be written"); rc = -1; }
    free(names);
    free(x.cells);
    free(x.numeric);
    if (count) *count = x.count;
    return rc;
}
