/* import_row: the cells of a row. Owns reading a cell (CSV or JSON
 * Lines), converting it for its field (numbers, dates, amounts, lists,
 * JSON), leaving out a bad value a record can do without, and building a
 * row's record from the mapped fields. */
#include "domain/import_internal.h"
#include "domain/import_values.h"
#include "lib/timeutil.h"
#include <stdlib.h>
#include <string.h>

const char *imp_cell(struct imp *m, int col, json_t **jv)
{
    *jv = NULL;
    if (col < 0) return NULL;
    const char *s;
    if (m->jsonl) {
        json_t *v = json_object_get(m->jrow, m->cols[col]);
        if (!v || json_is_null(v)) return NULL;
        if (!json_is_string(v)) { *jv = v; return ""; }
        s = json_string_value(v);
    } else {
        if (col >= csv_nfields(m->csv)) return NULL;
        s = csv_field(m->csv, col);
    }
    if (!s[0]) return NULL;
    if (m->o->null_text && !strcmp(s, m->o->null_text)) return NULL;
    /* Undo the formula escape of our own exports. */
    if (s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1])) s++;
    return s;
}

const char *imp_xcell(struct imp *m, enum xtarget x, json_t **jv)
{
    *jv = NULL;
    return m->tx[x] < 0 ? NULL : imp_cell(m, m->t[m->tx[x]].col, jv);
}

const char *imp_col_name(struct imp *m, const char *field)
{
    struct target *t = field && field[0] ? imp_target_find(m, field) : NULL;
    if (t && t->col >= 0) return m->cols[t->col];
    return field ? field : "";
}

static json_t *split_list(const char *s, bool commas)
{
    json_t *a = json_array();
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, commas ? ";,\n" : ";\n");
        char *item = imp_trimdup(p, n);
        if (item[0]) json_array_append_new(a, json_string(item));
        free(item);
        p += n;
        if (*p) p++;
    }
    return a;
}

/* Converts one cell for field f; NULL with why set when it does not parse. */
static json_t *convert(struct imp *m, const struct field *f, const char *s, json_t *jv, char *why, size_t cap)
{
    if (jv) return json_incref(jv);
    int64_t v;
    switch (f->type) {
    case FT_TEXT:
        return json_string(s);
    case FT_ENUM: {
        char *t = imp_trimdup(s, strlen(s));
        json_t *out = json_string(t);
        free(t);
        return out;
    }
    case FT_INT: case FT_REF:
        if (parse_int(s, &v)) { snprintf(why, cap, "'%.80s' is not a whole number", s); return NULL; }
        return json_integer(v);
    case FT_REAL: {
        char *end;
        double d = strtod(s, &end);
        if (end == s || *end) { snprintf(why, cap, "'%.80s' is not a number", s); return NULL; }
        return json_real(d);
    }
    case FT_BOOL: {
        bool b;
        if (parse_bool(s, &b)) { snprintf(why, cap, "'%.80s' is not yes/no (true/false)", s); return NULL; }
        return json_boolean(b);
    }
    case FT_DATE: case FT_TIME: {
        if (parse_when(s, m->o->date_format, &v)) {
            snprintf(why, cap, "'%.80s' is not a date%s%s", s, m->o->date_format ? " in the format " : " (use --date-format, e.g. %d/%m/%Y)",
                     m->o->date_format ? m->o->date_format : "");
            return NULL;
        }
        char out[24];
        if (f->type == FT_DATE) date_format(v, out); else time_format(v, out);
        return json_string(out);
    }
    case FT_MONEY: {
        char cur[4];
        if (parse_amount_micro(s, &v, cur)) { snprintf(why, cap, "'%.80s' is not an amount", s); return NULL; }
        if (!cur[0]) {
            json_t *cj = NULL;
            const char *c2 = NULL;
            for (int i = 0; i < m->nt; i++)
                if (m->t[i].x == X_CURRENCY2 && m->t[i].f == f) c2 = imp_cell(m, m->t[i].col, &cj);
            if (!c2 && f->column2 && strcmp(f->column2, "currency") != 0) {
                /* cost without a currency of its own: the transaction's */
                struct target *t = imp_target_find(m, "currency");
                if (t) c2 = imp_cell(m, t->col, &cj);
            }
            snprintf(cur, sizeof cur, "%s", c2 && strlen(c2) == 3 ? c2 : m->cur);
        }
        return json_pack("{s:I, s:s}", "amount", (json_int_t)micro_to_minor(v, cur), "currency", cur);
    }
    case FT_LIST:
        if (s[0] == '[') {
            json_t *a = json_loads(s, 0, NULL);
            if (!json_is_array(a)) { json_decref(a); snprintf(why, cap, "not a JSON array"); return NULL; }
            return a;
        }
        return split_list(s, f->elem == E_EMAIL || f->elem == E_PHONE);
    case FT_OBJECT: case FT_OBJLIST: {
        json_error_t je;
        json_t *o = json_loads(s, JSON_REJECT_DUPLICATES, &je);
        if (!o) { snprintf(why, cap, "not JSON: %s", je.text); return NULL; }
        return o;
    }
    }
    return NULL;
}

/* Whether a bad value of f may be left out of its row instead of refusing
 * the row: one mistyped e-mail must not lose the customer. Not for what
 * the record cannot do without, nor in all-or-nothing mode, where the
 * user asked for every value or nothing. */
static bool value_droppable(const struct imp *m, const struct field *f)
{
    if (m->o->all_or_nothing || !f || (f->flags & F_REQUIRED)) return false;
    return !(m->r == &party_resource && !strcmp(f->name, "kind"));
}

/* res_validate of a row, leaving out (reported, counted) the values that
 * value_droppable allows to go; a list keeps its good elements. */
json_t *imp_validate_row(struct imp *m, const struct resource *r, json_t *in, long line, struct verr *e)
{
    for (int tries = 0; tries <= r->nfields; tries++) {
        json_t *rec = res_validate(r, in, true, e);
        if (rec || e->status != 422 || !e->field[0]) return rec;
        const struct field *f = res_field_find(r, e->field);
        json_t *v = f ? json_object_get(in, f->name) : NULL;
        if (!v || r != m->r || !value_droppable(m, f)) return NULL;
        if (f->type == FT_LIST && json_is_array(v)) {
            json_t *keep = json_array();
            size_t i; json_t *x;
            json_array_foreach(v, i, x) {
                json_t *probe = json_pack("{s:[O]}", f->name, x);
                struct verr pe = {0};
                json_t *ok = res_validate(r, probe, false, &pe);
                if (ok) json_array_append(keep, x);
                else {
                    imp_report(m, line, imp_col_name(m, f->name), "value_dropped", "%s: '%.80s' left out (%s); the row is imported without it",
                           f->name, json_is_string(x) ? json_string_value(x) : "?", pe.message);
                    m->res->values_dropped++;
                }
                json_decref(ok);
                json_decref(probe);
            }
            if (json_array_size(keep) < json_array_size(v)) { json_object_set_new(in, f->name, keep); continue; }
            json_decref(keep);
        }
        imp_report(m, line, imp_col_name(m, f->name), "value_dropped", "%s; the row is imported without it", e->message);
        m->res->values_dropped++;
        json_object_del(in, f->name);
    }
    return NULL;
}

/* Builds the record of the current row from the mapped fields. Returns NULL
 * (and reports) when a cell does not convert. skip names fields left out. */
json_t *imp_row_record(struct imp *m, long line, const char *const *skip)
{
    json_t *rec = json_object();
    for (int i = 0; i < m->nt; i++) {
        struct target *t = &m->t[i];
        if (t->x != X_FIELD || t->col < 0) continue;
        bool skipped = false;
        for (int k = 0; skip && skip[k]; k++) if (!strcmp(skip[k], t->name)) skipped = true;
        if (skipped) continue;
        json_t *jv;
        const char *s = imp_cell(m, t->col, &jv);
        if (!s) continue;
        char why[300];
        json_t *v = convert(m, t->f, s, jv, why, sizeof why);
        if (!v && value_droppable(m, t->f)) {
            imp_report(m, line, m->cols[t->col], "value_dropped", "%s: %s; the row is imported without it", t->name, why);
            m->res->values_dropped++;
            continue;
        }
        if (!v) {
            imp_report(m, line, m->cols[t->col], "error", "%s: %s", t->name, why);
            json_decref(rec);
            return NULL;
        }
        json_object_set_new(rec, t->name, v);
    }
    return rec;
}
