/* export: records → CSV / JSON Lines / XLSX (see export.h). */
#include "records/registry.h"
#include "io/export.h"
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
    /* An export kind is a record type the registry marks RT_EXPORT. */
    const struct rtype *t = registry_by_name(kind);
    return t && (t->flags & RT_EXPORT) ? t->res : NULL;
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
        case FT_REAL: {
            char num[32];
            snprintf(num, sizeof num, "%.17g", null ? 0.0 : json_number_value(v));
            x->numeric[c] = !null;
            x->cells[c++] = strdup(null ? "" : num);
            continue;
        }
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

/* ---- the records: the list endpoint's query, in id order ---- */

/* Calls cb for every record the export covers: with rq, the records that
 * the list endpoint returns for the same filters (res_query_build, the
 * list's own builder) within the caller's export scope; without rq (the
 * CLI), every record. */
static int each_record(struct req *rq, const struct resource *r, int (*cb)(void *, json_t *), void *ctx, struct verr *e)
{
    struct res_query q;
    strbuf sql;
    sb_init(&sql, 32768);
    int rc = -1;
    if (!rq) {
        memset(&q, 0, sizeof q);
        sb_init(&q.where, 0);
    } else {
        if (res_query_build(&q, rq, r, RQ_EXPORT, "export")) { *e = q.e; goto out; }
        enum scope sc = authz_scope(&rq->user, r->name, "export");
        if ((sc & ~SCOPE_WRITE) == SCOPE_NONE) {
            verr_set(e, 403, "forbidden", NULL, "your role may not export %s", r->name);
            goto out;
        }
    }
    sb_printf(&sql, "SELECT t.id FROM %s t WHERE 1 = 1%s%s ORDER BY t.id", r->table, r->soft_delete ? " AND t.deleted_at IS NULL" : "",
              sb_str(&q.where));
    db *c = db_reader();
    db_stmt *s = c ? db_prepare_once(c, sb_str(&sql)) : NULL;
    if (!s) { verr_set(e, 500, "internal", NULL, "the export query failed"); goto out; }
    res_query_bind(&q, s, 1);
    rc = 0;
    int step = DB_DONE;
    while (rc == 0 && (step = db_step(s)) == DB_ROW) {
        json_t *rec = res_load(c, r, db_column_int64(s, 0));
        if (!rec) continue;
        if (rq) res_redact(r, &rq->user, rec);
        rc = cb(ctx, rec);
        json_decref(rec);
    }
    db_done(s);
    if (rc == 0 && step != DB_DONE) { verr_set(e, 400, "invalid_parameter", q.q ? "q" : NULL, "the query could not be run"); rc = -1; }
    else if (rc) { verr_set(e, 500, "export_failed", NULL, "the export could not be written"); rc = -1; }
out:
    res_query_free(&q);
    sb_free(&sql);
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
