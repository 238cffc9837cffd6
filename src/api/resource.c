/* resource: the table-driven record engine (see resource.h). */
#include "api/resource.h"
#include "analytics/lineage.h"
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include <sodium.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST_LIMIT 500
#define DEFAULT_LIST_LIMIT 50
#define MAX_OBJECT_BYTES 16384
#define MAX_MONEY 1000000000000000LL   /* 10^15 minor units */

void now_text(char out[21]) { time_format(time_now(), out); }

void verr_set(struct verr *e, int status, const char *code, const char *field, const char *fmt, ...)
{
    e->status = status;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

void resp_verr(struct resp *rs, const struct verr *e)
{
    resp_error(rs, e->status ? e->status : 500, e->code ? e->code : "internal", e->field[0] ? e->field : NULL, "%s", e->message);
}

/* ---- SQL assembly (start-up only, from descriptor constants) ---- */

static void append_columns(strbuf *sb, const struct resource *r)
{
    sb_puts(sb, "id");
    for (int i = 0; i < r->nfields; i++) {
        sb_printf(sb, ", %s", r->fields[i].column);
        if (r->fields[i].type == FT_MONEY) sb_printf(sb, ", %s", r->fields[i].column2);
    }
    sb_puts(sb, ", created_at, updated_at, version");
}

void resource_init(struct resource *r)
{
    strbuf sb;
    sb_init(&sb, 0);
    append_columns(&sb, r);
    r->sql_cols = sb_take(&sb);

    sb_printf(&sb, "SELECT %s FROM %s WHERE id = ?%s", r->sql_cols, r->table,
              r->soft_delete ? " AND deleted_at IS NULL" : "");
    r->sql_get = sb_take(&sb);
    if (r->has_doc) {
        /* A deleted row has no document (the trigger removed it with the
         * row's last change), so the document table alone answers. */
        sb_printf(&sb, "SELECT doc, version FROM %s_doc WHERE %s_id = ?", r->table, r->table);
        r->sql_get_doc = sb_take(&sb);
        sb_printf(&sb, "INSERT INTO %s_doc(%s_id, version, doc) VALUES (?, ?, ?)"
                       " ON CONFLICT(%s_id) DO UPDATE SET version = excluded.version, doc = excluded.doc",
                  r->table, r->table, r->table);
        r->sql_store_doc = sb_take(&sb);
    }

    r->json_keys = calloc((size_t)r->nfields, sizeof *r->json_keys);
    r->json_key_lens = calloc((size_t)r->nfields, sizeof *r->json_key_lens);
    for (int i = 0; r->json_keys && r->json_key_lens && i < r->nfields; i++) {
        jw_key(&sb, r->fields[i].name, 0);
        r->json_key_lens[i] = sb.len;
        r->json_keys[i] = sb_take(&sb);
    }

    sb_printf(&sb, "INSERT INTO %s (", r->table);
    int n = 0;
    for (int i = 0; i < r->nfields; i++) {
        sb_printf(&sb, "%s%s", n++ ? ", " : "", r->fields[i].column);
        if (r->fields[i].type == FT_MONEY) { sb_printf(&sb, ", %s", r->fields[i].column2); n++; }
    }
    /* Sort keys are computed in the statement from the field's text, bound
     * again after the fields (res_bind_fields; the triggers of the key
     * column would otherwise update the row just written). */
    for (const struct sort_key *k = r->sort_keys; k && k->field; k++) sb_printf(&sb, ", %s", k->column);
    sb_puts(&sb, ", created_at, updated_at) VALUES (");
    for (int i = 0; i < n; i++) sb_puts(&sb, i ? ", ?" : "?");
    for (const struct sort_key *k = r->sort_keys; k && k->field; k++) { sb_puts(&sb, ", "); db_sql_sort_key_param(&sb); }
    sb_puts(&sb, ", ?, ?)");
    r->sql_insert = sb_take(&sb);

    sb_printf(&sb, "UPDATE %s SET ", r->table);
    for (int i = 0; i < r->nfields; i++) {
        sb_printf(&sb, "%s = ?, ", r->fields[i].column);
        if (r->fields[i].type == FT_MONEY) sb_printf(&sb, "%s = ?, ", r->fields[i].column2);
    }
    for (const struct sort_key *k = r->sort_keys; k && k->field; k++) {
        sb_printf(&sb, "%s = ", k->column);
        db_sql_sort_key_param(&sb);
        sb_puts(&sb, ", ");
    }
    sb_puts(&sb, "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?");
    r->sql_update = sb_take(&sb);

    if (r->soft_delete) sb_printf(&sb, "UPDATE %s SET deleted_at = ?, version = version + 1 WHERE id = ?", r->table);
    else sb_printf(&sb, "DELETE FROM %s WHERE id = ? AND ? IS NOT NULL", r->table);
    r->sql_delete = sb_take(&sb);
}

/* ---- values ---- */

static const struct field *field_find(const struct resource *r, const char *name)
{
    for (int i = 0; i < r->nfields; i++)
        if (strcmp(r->fields[i].name, name) == 0) return &r->fields[i];
    return NULL;
}

static bool in_values(const char *const *values, const char *s)
{
    for (int i = 0; values && values[i]; i++)
        if (strcmp(values[i], s) == 0) return true;
    return false;
}

static int check_text(const struct field *f, const char *s, const char *what, struct verr *e)
{
    size_t n = strlen(s);
    if (!utf8_valid(s, n)) { verr_set(e, 422, "invalid_value", f->name, "%s must be valid UTF-8 text without control characters", what); return -1; }
    /* f->max is characters for FT_TEXT; for FT_OBJLIST it counts items (an
     * address line was cut at 10 characters), so its strings get 1000. */
    unsigned max = f->type == FT_TEXT && f->max ? f->max : 1000;
    if (utf8_length(s) > max) { verr_set(e, 422, "too_long", f->name, "%s has more than %u characters", what, max); return -1; }
    return 0;
}

/* True when s (valid UTF-8) has no visible character: empty, or only
 * spaces of any kind (ASCII, no-break, ideographic U+3000, the U+2000 block,
 * zero-width). A required name or body like that names nothing. */
static bool text_blank(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p == ' ' || (*p >= '\t' && *p <= '\r')) { p++; continue; }
        unsigned cp = 0;
        int len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
        cp = len == 1 ? *p : *p & (0xff >> (len + 1));
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        bool space = cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200d) || cp == 0x2028 || cp == 0x2029 ||
                     cp == 0x202f || cp == 0x205f || cp == 0x2060 || cp == 0x3000 || cp == 0xfeff;
        if (!space) return false;
        p += len;
    }
    return true;
}

static int json_depth(const json_t *v)
{
    int d = 0;
    if (json_is_object(v)) {
        const char *k; json_t *x;
        json_object_foreach((json_t *)v, k, x) { int c = json_depth(x); if (c > d) d = c; }
        return d + 1;
    }
    if (json_is_array(v)) {
        size_t i; json_t *x;
        json_array_foreach(v, i, x) { int c = json_depth(x); if (c > d) d = c; }
        return d + 1;
    }
    return 0;
}

/* Checks one value; returns a new normalised value, or NULL with e set. */
static json_t *check_value(const struct field *f, json_t *v, struct verr *e)
{
    if (json_is_null(v)) return json_null();
    switch (f->type) {
    case FT_TEXT: case FT_ENUM: case FT_DATE: case FT_TIME: {
        if (!json_is_string(v)) { verr_set(e, 422, "invalid_type", f->name, "%s must be a string", f->name); return NULL; }
        const char *s = json_string_value(v);
        if (check_text(f, s, f->name, e)) return NULL;
        if (f->type == FT_ENUM && !in_values(f->values, s)) {
            strbuf sb; sb_init(&sb, 0);
            for (int i = 0; f->values[i]; i++) sb_printf(&sb, "%s%s", i ? ", " : "", f->values[i]);
            verr_set(e, 422, "invalid_value", f->name, "%s must be one of: %s", f->name, sb_str(&sb));
            sb_free(&sb);
            return NULL;
        }
        int64_t t;
        if (f->type == FT_DATE) {
            if (date_parse(s, &t)) { verr_set(e, 422, "invalid_date", f->name, "%s must be a date YYYY-MM-DD between 1900 and 2200", f->name); return NULL; }
        }
        if (f->type == FT_TIME) {
            if (time_parse(s, &t)) { verr_set(e, 422, "invalid_time", f->name, "%s must be an ISO 8601 time between 1900 and 2200, e.g. 2026-01-31T09:30:00Z", f->name); return NULL; }
            char out[21];
            time_format(t, out);
            return json_string(out);
        }
        if (f->type == FT_TEXT && (f->flags & F_REQUIRED) && text_blank(s)) {
            verr_set(e, 422, "required", f->name, "%s must not be empty or only spaces", f->name);
            return NULL;
        }
        return json_string(s);
    }
    case FT_INT: case FT_REF:
        if (!json_is_integer(v)) { verr_set(e, 422, "invalid_type", f->name, "%s must be an integer", f->name); return NULL; }
        if (f->type == FT_REF && json_integer_value(v) <= 0) { verr_set(e, 422, "invalid_reference", f->name, "%s must be a positive id", f->name); return NULL; }
        return json_integer(json_integer_value(v));
    case FT_BOOL:
        if (!json_is_boolean(v)) { verr_set(e, 422, "invalid_type", f->name, "%s must be true or false", f->name); return NULL; }
        return json_boolean(json_is_true(v));
    case FT_MONEY: {
        json_t *amount = json_object_get(v, "amount"), *cur = json_object_get(v, "currency");
        if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_integer(amount) || !json_is_string(cur)) {
            verr_set(e, 422, "invalid_type", f->name, "%s must be {\"amount\": integer minor units, \"currency\": \"CNY\"}", f->name);
            return NULL;
        }
        json_int_t a = json_integer_value(amount);
        if (a > MAX_MONEY || a < -MAX_MONEY) { verr_set(e, 422, "out_of_range", f->name, "%s.amount is out of range", f->name); return NULL; }
        if (!currency_valid(json_string_value(cur))) { verr_set(e, 422, "invalid_currency", f->name, "%s.currency must be an ISO 4217 code such as CNY", f->name); return NULL; }
        return json_pack("{s:I, s:s}", "amount", (json_int_t)a, "currency", json_string_value(cur));
    }
    case FT_LIST: {
        if (!json_is_array(v)) { verr_set(e, 422, "invalid_type", f->name, "%s must be an array of strings", f->name); return NULL; }
        unsigned max = f->max ? f->max : 50;
        if (json_array_size(v) > max) { verr_set(e, 422, "too_many", f->name, "%s has more than %u items", f->name, max); return NULL; }
        json_t *out = json_array();
        size_t i; json_t *x;
        json_array_foreach(v, i, x) {
            if (!json_is_string(x)) { verr_set(e, 422, "invalid_type", f->name, "%s[%zu] must be a string", f->name, i); json_decref(out); return NULL; }
            const char *s = json_string_value(x);
            char norm[300];
            if (strlen(s) > 254 || !utf8_valid(s, strlen(s)) || s[0] == '\0') {
                verr_set(e, 422, "invalid_value", f->name, "%s[%zu] must be non-empty UTF-8 text of at most 254 bytes", f->name, i);
                json_decref(out); return NULL;
            }
            if (f->elem == E_EMAIL) {
                if (!email_valid(s)) { verr_set(e, 422, "invalid_email", f->name, "%s[%zu] is not an e-mail address", f->name, i); json_decref(out); return NULL; }
                email_normalize(s, norm, sizeof norm);
                s = norm;
            } else if (f->elem == E_PHONE) {
                if (!phone_normalize(s, norm, sizeof norm)) { verr_set(e, 422, "invalid_phone", f->name, "%s[%zu] is not a phone number", f->name, i); json_decref(out); return NULL; }
            } else if (f->elem == E_ENUM && !in_values(f->values, s)) {
                verr_set(e, 422, "invalid_value", f->name, "%s[%zu] is not an allowed value", f->name, i);
                json_decref(out); return NULL;
            }
            bool dup = false;
            size_t k; json_t *y;
            json_array_foreach(out, k, y) if (strcmp(json_string_value(y), s) == 0) dup = true;
            if (!dup) json_array_append_new(out, json_string(s));
        }
        return out;
    }
    case FT_OBJECT: {
        if (!json_is_object(v)) { verr_set(e, 422, "invalid_type", f->name, "%s must be a JSON object", f->name); return NULL; }
        char *text = json_dumps(v, JSON_COMPACT);
        size_t n = text ? strlen(text) : 0;
        free(text);
        if (n > MAX_OBJECT_BYTES || json_depth(v) > 4) { verr_set(e, 422, "too_large", f->name, "%s is larger than %d bytes or nested deeper than 4", f->name, MAX_OBJECT_BYTES); return NULL; }
        return json_deep_copy(v);
    }
    case FT_OBJLIST: {
        unsigned max = f->max ? f->max : 20;
        if (!json_is_array(v) || json_array_size(v) > max) { verr_set(e, 422, "invalid_type", f->name, "%s must be an array of at most %u objects", f->name, max); return NULL; }
        size_t i; json_t *item;
        json_array_foreach(v, i, item) {
            if (!json_is_object(item)) { verr_set(e, 422, "invalid_type", f->name, "%s[%zu] must be an object", f->name, i); return NULL; }
            const char *k; json_t *x;
            json_object_foreach(item, k, x) {
                if (!in_values(f->subkeys, k)) { verr_set(e, 422, "unknown_field", f->name, "%s[%zu].%s is not a known field", f->name, i, k); return NULL; }
                if (json_is_string(x)) {
                    if (check_text(f, json_string_value(x), f->name, e)) return NULL;
                } else if (!json_is_integer(x) && !json_is_null(x) && !json_is_object(x)) {
                    verr_set(e, 422, "invalid_type", f->name, "%s[%zu].%s has the wrong type", f->name, i, k);
                    return NULL;
                }
            }
        }
        char *text = json_dumps(v, JSON_COMPACT);
        size_t n = text ? strlen(text) : 0;
        free(text);
        if (n > MAX_OBJECT_BYTES * 4 || json_depth(v) > 4) { verr_set(e, 422, "too_large", f->name, "%s is too large", f->name); return NULL; }
        return json_deep_copy(v);
    }
    }
    return NULL;
}

json_t *res_validate(const struct resource *r, json_t *in, bool create, struct verr *e)
{
    json_t *out = json_object();
    const char *key; json_t *v;
    json_object_foreach(in, key, v) {
        if (!create && strcmp(key, "version") == 0) continue;
        const struct field *f = field_find(r, key);
        if (!f) {
            bool server = !strcmp(key, "id") || !strcmp(key, "created_at") || !strcmp(key, "updated_at") || !strcmp(key, "version");
            verr_set(e, 422, server ? "read_only" : "unknown_field", key, server ? "%s is set by the server" : "%s is not a field of %s", key, r->name);
            json_decref(out);
            return NULL;
        }
        if (f->flags & F_SERVER) {
            verr_set(e, 422, "read_only", key, "%s is set by the server", key);
            json_decref(out);
            return NULL;
        }
        json_t *nv = check_value(f, v, e);
        if (!nv) { json_decref(out); return NULL; }
        json_object_set_new(out, key, nv);
    }
    return out;
}

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

int res_bind_fields(const struct resource *r, db_stmt *s, const json_t *rec, int idx)
{
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        json_t *v = json_object_get(rec, f->name);
        bool null = !v || json_is_null(v);
        switch (f->type) {
        case FT_MONEY:
            if (null) { db_bind_null(s, idx++); db_bind_null(s, idx++); break; }
            db_bind_int64(s, idx++, json_integer_value(json_object_get(v, "amount")));
            db_bind_text(s, idx++, json_string_value(json_object_get(v, "currency")));
            break;
        case FT_LIST: case FT_OBJECT: case FT_OBJLIST: {
            if (null) { db_bind_text(s, idx++, f->type == FT_OBJECT ? "{}" : "[]"); break; }
            char *text = json_dumps(v, JSON_COMPACT);
            db_bind_text(s, idx++, text);
            free(text);
            break;
        }
        case FT_INT: case FT_REF:
            if (null) db_bind_null(s, idx++); else db_bind_int64(s, idx++, json_integer_value(v));
            break;
        case FT_BOOL:
            if (null) db_bind_null(s, idx++); else db_bind_int64(s, idx++, json_is_true(v));
            break;
        default:
            db_bind_text(s, idx++, null ? NULL : json_string_value(v));
        }
    }
    /* The sort keys' parameters follow the fields (resource_init). */
    for (const struct sort_key *k = r->sort_keys; k && k->field; k++)
        db_bind_text(s, idx++, json_string_value(json_object_get(rec, k->field)));
    return idx;
}

static json_t *row_to_json(const struct resource *r, db_stmt *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_column_int64(s, 0)));
    int col = 1;
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        bool null = db_column_type(s, col) == DB_NULL;
        json_t *v;
        switch (f->type) {
        case FT_MONEY:
            v = null ? json_null() : json_pack("{s:I, s:s}", "amount", (json_int_t)db_column_int64(s, col),
                                                "currency", db_column_text(s, col + 1) ? db_column_text(s, col + 1) : "");
            col += 2;
            break;
        case FT_LIST: case FT_OBJECT: case FT_OBJLIST:
            v = null ? NULL : json_loads(db_column_text(s, col), 0, NULL);
            if (!v) v = f->type == FT_OBJECT ? json_object() : json_array();
            col++;
            break;
        case FT_INT: case FT_REF:
            v = null ? json_null() : json_integer(db_column_int64(s, col));
            col++;
            break;
        case FT_BOOL:
            v = null ? json_null() : json_boolean(db_column_int64(s, col));
            col++;
            break;
        default:
            v = null ? json_null() : json_string(db_column_text(s, col));
            col++;
        }
        json_object_set_new(o, f->name, v);
    }
    json_object_set_new(o, "created_at", json_string(db_column_text(s, col)));
    json_object_set_new(o, "updated_at", json_string(db_column_text(s, col + 1)));
    json_object_set_new(o, "version", json_integer(db_column_int64(s, col + 2)));
    return o;
}

/* The same record as row_to_json + res_redact + json_dumps(JSON_COMPACT),
 * written straight into out: the read hot path. JSON columns are stored as
 * compact JSON by our own writers and are copied as they are. */
static void column_json_text(strbuf *out, db_stmt *s, int col)
{
    size_t n;
    const char *t = db_column_bytes(s, col, &n);
    jw_string_n(out, t, n);
}

static void row_write(const struct resource *r, db_stmt *s, const struct auth_user *u, strbuf *out)
{
    sb_append(out, "{\"id\":", 6);
    jw_int(out, db_column_int64(s, 0));
    int col = 1;
    bool restricted = u && authz_fields_restricted(u, r->name);
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        int width = f->type == FT_MONEY ? 2 : 1;
        if (restricted && authz_field(u, r->name, f->name) == FA_HIDDEN) { col += width; continue; }
        sb_append(out, r->json_keys[i], r->json_key_lens[i]);
        switch (f->type) {
        case FT_MONEY:
            if (db_column_type(s, col) == DB_NULL) { sb_append(out, "null", 4); break; }
            sb_append(out, "{\"amount\":", 10);
            jw_int(out, db_column_int64(s, col));
            sb_append(out, ",\"currency\":", 12);
            if (db_column_type(s, col + 1) == DB_NULL) sb_append(out, "\"\"", 2);
            else column_json_text(out, s, col + 1);
            sb_append(out, "}", 1);
            break;
        case FT_LIST: case FT_OBJECT: case FT_OBJLIST: {
            size_t n;
            const char *text = db_column_bytes(s, col, &n);
            if (n) sb_append(out, text, n);
            else sb_append(out, f->type == FT_OBJECT ? "{}" : "[]", 2);
            break;
        }
        case FT_INT: case FT_REF:
            if (db_column_type(s, col) == DB_NULL) sb_append(out, "null", 4); else jw_int(out, db_column_int64(s, col));
            break;
        case FT_BOOL:
            if (db_column_type(s, col) == DB_NULL) sb_append(out, "null", 4);
            else if (db_column_int64(s, col)) sb_append(out, "true", 4);
            else sb_append(out, "false", 5);
            break;
        default:
            column_json_text(out, s, col);   /* NULL → null */
        }
        col += width;
    }
    sb_append(out, ",\"created_at\":", 14);
    column_json_text(out, s, col);
    sb_append(out, ",\"updated_at\":", 14);
    column_json_text(out, s, col + 1);
    sb_append(out, ",\"version\":", 11);
    jw_int(out, db_column_int64(s, col + 2));
    sb_append(out, "}", 1);
}

int res_store_doc(db *w, const struct resource *r, int64_t id)
{
    if (!r->has_doc) return 0;
    db_stmt *s = db_prepare(w, r->sql_get);
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    strbuf doc;
    sb_init(&doc, 0);
    int rc = db_step(s);
    int64_t version = 0;
    if (rc == DB_ROW) {
        row_write(r, s, NULL, &doc);   /* every field: a restricted reader never gets it */
        version = db_column_int64(s, db_column_count(s) - 1);
    }
    db_done(s);
    if (rc != DB_ROW) { sb_free(&doc); return rc == DB_DONE ? 0 : -1; }   /* deleted: nothing to keep */
    if (doc.failed) { sb_free(&doc); return -1; }
    s = db_prepare(w, r->sql_store_doc);
    if (!s) { sb_free(&doc); return -1; }
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, version);
    db_bind_textn(s, 3, sb_str(&doc), doc.len);
    rc = db_step(s);
    db_done(s);
    sb_free(&doc);
    return rc == DB_DONE ? 0 : -1;
}

json_t *res_load(db *c, const struct resource *r, int64_t id)
{
    db_stmt *s = db_prepare(c, r->sql_get);
    if (!s) return NULL;
    db_bind_int64(s, 1, id);
    json_t *o = db_step(s) == DB_ROW ? row_to_json(r, s) : NULL;
    db_done(s);
    return o;
}

static const char *ref_sql(enum ref_kind k)
{
    switch (k) {
    case REF_PARTY: return "SELECT 1 FROM party WHERE id = ? AND deleted_at IS NULL";
    case REF_USER: return "SELECT 1 FROM app_user WHERE id = ?";
    case REF_PRODUCT: return "SELECT 1 FROM product WHERE id = ?";
    case REF_TEAM: return "SELECT 1 FROM team WHERE id = ?";
    default: return NULL;
    }
}

/* Referenced rows must exist: a clear 422 naming the field rather than a
 * foreign-key failure that names nothing. A party or user outside the
 * caller's read scope is referenced exactly like a missing one (same 422,
 * same text), so ids cannot be probed or linked to from outside. */
static int check_refs(db *w, const struct resource *r, const struct auth_user *u, const json_t *rec, const json_t *old,
                      struct verr *e)
{
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if (f->type != FT_REF) continue;
        json_t *v = json_object_get(rec, f->name);
        if (!json_is_integer(v)) continue;
        if (old && json_equal(v, json_object_get(old, f->name))) continue;
        int found;
        if (f->ref == REF_PARTY) {
            found = authz_party_in_scope(w, u, json_integer_value(v), authz_scope(u, "parties", "read"));
        } else if (f->ref == REF_USER) {
            found = authz_user_in_scope(w, u, json_integer_value(v), authz_scope(u, "users", "read"));
        } else {
            db_stmt *s = db_prepare(w, ref_sql(f->ref));
            if (!s) { verr_set(e, 500, "internal", NULL, "reference check failed"); return -1; }
            db_bind_int64(s, 1, json_integer_value(v));
            found = db_step(s) == DB_ROW;
            db_done(s);
        }
        if (!found) { verr_set(e, 422, "invalid_reference", f->name, "%s %lld does not exist", f->name, (long long)json_integer_value(v)); return -1; }
    }
    return 0;
}

void verr_from_db(struct verr *e, db *w, const struct resource *r)
{
    struct db_error de;
    enum db_errclass kind = db_error(w, &de);
    if (kind == DB_ERR_UNIQUE) {
        char field[64];
        snprintf(field, sizeof field, "%s", de.column);
        /* Report the JSON name of the column when it differs. */
        for (int i = 0; r && i < r->nfields; i++)
            if (strcmp(r->fields[i].column, field) == 0) snprintf(field, sizeof field, "%s", r->fields[i].name);
        verr_set(e, 409, "conflict", field[0] ? field : NULL, "another record already has this %s", field[0] ? field : "value");
    } else if (kind == DB_ERR_FOREIGN_KEY) {
        /* References are checked before a write, so this is a delete of a
         * record that others still refer to (a team with members, …). */
        verr_set(e, 409, "in_use", NULL, "other records still refer to this %s; nothing was changed", r ? r->entity : "record");
    } else if (kind == DB_ERR_FULL) {
        verr_set(e, 507, "storage_full", NULL, "the database disk is full; nothing was written");
    } else {
        verr_set(e, 503, "storage_error", NULL, "the write failed; nothing was written");
    }
}

json_t *res_diff(const struct resource *r, const json_t *old, const json_t *neu)
{
    json_t *d = json_object();
    for (int i = 0; i < r->nfields; i++) {
        const char *k = r->fields[i].name;
        json_t *a = old ? json_object_get(old, k) : NULL, *b = neu ? json_object_get(neu, k) : NULL;
        bool an = !a || json_is_null(a), bn = !b || json_is_null(b);
        if (an && bn) continue;
        if (!an && !bn && json_equal(a, b)) continue;
        if (!old && bn) continue;
        json_object_set_new(d, k, json_pack("[OO]", an ? json_null() : a, bn ? json_null() : b));
    }
    return d;
}

static int64_t party_of(const struct resource *r, int64_t id, const json_t *rec)
{
    if (!r->party_field) return strcmp(r->entity, "party") == 0 ? id : 0;
    json_t *v = json_object_get(rec, r->party_field);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* ---- access (every decision is authz's; this only applies it) ---- */

static bool party_scoped(const struct resource *r) { return r->party_field || !strcmp(r->entity, "party"); }

/* A record outside the user's read scope does not exist for them (404); one
 * they can see but not change in this way is a 403. */
static int check_record_scope(db *c, const struct resource *r, const struct auth_user *u, int64_t id,
                              const json_t *rec, const char *action, struct verr *e)
{
    if (!party_scoped(r)) return 0;
    int64_t pid = party_of(r, id, rec);
    if (!authz_party_in_scope(c, u, pid, authz_scope(u, r->name, "read"))) {
        verr_set(e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)id);
        return -1;
    }
    json_t *peer = r->peer_field ? json_object_get(rec, r->peer_field) : NULL;
    if (json_is_integer(peer) && !authz_party_in_scope(c, u, json_integer_value(peer), authz_scope(u, "parties", "read"))) {
        verr_set(e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)id);
        return -1;
    }
    if (strcmp(action, "read") != 0 && !authz_party_in_scope(c, u, pid, authz_scope(u, r->name, action))) {
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
    if (!r->party_field) return 0;
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

json_t *res_redact(const struct resource *r, const struct auth_user *u, json_t *rec)
{
    if (!rec) return NULL;
    for (int i = 0; i < r->nfields; i++)
        if (authz_field(u, r->name, r->fields[i].name) == FA_HIDDEN) json_object_del(rec, r->fields[i].name);
    return rec;
}

/* ---- write jobs ---- */

struct wctx {
    const struct resource *r;
    struct req *rq;
    json_t *rec;              /* create: full record; patch: the patch */
    int64_t id;
    int64_t expect_version;   /* 0 = none */
    int conflict_status;      /* 412 (If-Match) or 409 (body version) */
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
    if (check_parent_scope(w, r, &c->rq->user, c->rec, "create", &c->e)) return 1;
    if (check_refs(w, r, &c->rq->user, c->rec, NULL, &c->e)) return 1;
    db_stmt *s = db_prepare(w, r->sql_insert);
    if (!s) { verr_from_db(&c->e, w, r); return 1; }
    char now[21];
    now_text(now);
    int idx = res_bind_fields(r, s, c->rec, 1);
    db_bind_text(s, idx++, now);
    db_bind_text(s, idx, now);
    int rc = db_step(s);
    if (rc != DB_DONE) { verr_from_db(&c->e, w, r); db_done(s); return 1; }
    db_done(s);
    c->id = db_last_insert_id(w);
    c->out = res_load(w, r, c->id);
    if (!c->out) { verr_set(&c->e, 500, "internal", NULL, "the new record could not be read back"); return 1; }
    if (r->check_written && r->check_written(w, c->id, c->out, &c->e)) return 1;
    if (r->after_write && r->after_write(w, c->id, c->out)) { verr_from_db(&c->e, w, r); return 1; }
    if (audit_record(w, &c->rq->user, req_client_addr(c->rq), r->entity, c->id, "create", res_diff(r, NULL, c->out) , party_of(r, c->id, c->out))) {
        verr_from_db(&c->e, w, r);
        return 1;
    }
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
    struct wctx c = {.r = r, .rq = rq};
    c.rec = check_field_writes(r, &rq->user, rq->json, &c.e) ? NULL : res_validate(r, rq->json, true, &c.e);
    if (!c.rec || (r->check && r->check(c.rec, true, rq, &c.e)) || check_required(r, c.rec, &c.e)) {
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
        row_write(r, s, &rq->user, &out);
        /* The owning party, for the scope check, without a second parse. */
        pid = r->party_field ? row_int(r, s, r->party_field) : rq->path_ids[0];
        if (r->peer_field) peer = row_int(r, s, r->peer_field);
    }
    if (s) db_done(s);
    enum scope scope = party_scoped(r) ? authz_scope(&rq->user, r->name, "read") : SCOPE_ALL;
    /* A party read by a user who sees all parties: the row just read (the
     * query leaves deleted ones out) is the whole scope check. */
    bool own_row_enough = scope == SCOPE_ALL && !r->party_field && r->soft_delete;
    bool visible = found && (!party_scoped(r) || own_row_enough || authz_party_in_scope(c, &rq->user, pid, scope));
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
        c->expect_version = v;
        c->conflict_status = 412;
        return 0;
    }
    json_t *v = rq->json ? json_object_get(rq->json, "version") : NULL;
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) { resp_error(rs, 422, "invalid_type", "version", "version must be a positive integer"); return -1; }
        c->expect_version = json_integer_value(v);
        c->conflict_status = 409;
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
    const struct resource *r = c->r;
    json_t *old = res_load(w, r, c->id);
    if (!old) { verr_set(&c->e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)c->id); return 1; }
    if (check_record_scope(w, r, &c->rq->user, c->id, old, "update", &c->e)) { json_decref(old); return 1; }
    int64_t have = json_integer_value(json_object_get(old, "version"));
    if (c->expect_version && have != c->expect_version) {
        verr_set(&c->e, c->conflict_status, "version_conflict", "version",
                 "the record changed since you read it (your version %lld, now %lld); reload and try again",
                 (long long)c->expect_version, (long long)have);
        json_decref(old);
        return 1;
    }
    json_t *rec = json_deep_copy(old);
    json_object_update(rec, c->rec);
    int rc = 1;
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if ((f->flags & F_CREATE_ONLY) && json_object_get(c->rec, f->name) &&
            !json_equal(json_object_get(old, f->name), json_object_get(c->rec, f->name))) {
            verr_set(&c->e, 422, "read_only", f->name, "%s cannot be changed after the record is created", f->name);
            goto done;
        }
    }
    if (r->party_field && !json_equal(json_object_get(rec, r->party_field), json_object_get(old, r->party_field)) &&
        check_parent_scope(w, r, &c->rq->user, rec, "update", &c->e))
        goto done;
    if ((r->check && r->check(rec, false, c->rq, &c->e)) || check_required(r, rec, &c->e) || check_refs(w, r, &c->rq->user, rec, old, &c->e))
        goto done;
    db_stmt *s = db_prepare(w, r->sql_update);
    if (!s) { verr_from_db(&c->e, w, r); goto done; }
    char now[21];
    now_text(now);
    int idx = res_bind_fields(r, s, rec, 1);
    db_bind_text(s, idx++, now);
    db_bind_int64(s, idx++, c->id);
    db_bind_int64(s, idx, have);
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE) { verr_from_db(&c->e, w, r); goto done; }
    c->out = res_load(w, r, c->id);
    if (!c->out) { verr_from_db(&c->e, w, r); goto done; }
    if (r->check_written && r->check_written(w, c->id, c->out, &c->e)) goto done;
    if (r->after_write && r->after_write(w, c->id, c->out)) { verr_from_db(&c->e, w, r); goto done; }
    json_t *diff = res_diff(r, old, c->out);
    if (!json_object_size(diff)) json_decref(diff);
    else if (audit_record(w, &c->rq->user, req_client_addr(c->rq), r->entity, c->id, "update", diff, party_of(r, c->id, c->out))) {
        verr_from_db(&c->e, w, r);
        goto done;
    }
    c->status = 200;
    res_redact(r, &c->rq->user, c->out);
    rc = 0;
done:
    json_decref(old);
    json_decref(rec);
    return rc;
}

void res_patch(struct req *rq, struct resp *rs)
{
    const struct resource *r = route_resource(rq);
    if (!need_body(rq, rs)) return;
    struct wctx c = {.r = r, .rq = rq, .id = rq->path_ids[0]};
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
    const struct resource *r = c->r;
    json_t *old = res_load(w, r, c->id);
    if (!old) { verr_set(&c->e, 404, "not_found", "id", "no %s with id %lld", r->entity, (long long)c->id); return 1; }
    int rc = 1;
    if (check_record_scope(w, r, &c->rq->user, c->id, old, "delete", &c->e)) goto done;
    int64_t have = json_integer_value(json_object_get(old, "version"));
    if (c->expect_version && have != c->expect_version) {
        verr_set(&c->e, c->conflict_status, "version_conflict", "version", "the record changed since you read it (now version %lld)", (long long)have);
        goto done;
    }
    if (r->before_delete && r->before_delete(w, c->id, &c->e)) goto done;
    db_stmt *s = db_prepare(w, r->sql_delete);
    if (!s) { verr_from_db(&c->e, w, r); goto done; }
    char now[21];
    now_text(now);
    if (r->soft_delete) { db_bind_text(s, 1, now); db_bind_int64(s, 2, c->id); }
    else { db_bind_int64(s, 1, c->id); db_bind_text(s, 2, now); }
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE) { verr_from_db(&c->e, w, r); goto done; }
    if (audit_record(w, &c->rq->user, req_client_addr(c->rq), r->entity, c->id, "delete", res_diff(r, old, NULL), party_of(r, c->id, old))) {
        verr_from_db(&c->e, w, r);
        goto done;
    }
    c->status = 204;
    rc = 0;
done:
    json_decref(old);
    return rc;
}

void res_delete(struct req *rq, struct resp *rs)
{
    struct wctx c = {.r = route_resource(rq), .rq = rq, .id = rq->path_ids[0]};
    if (expected_version(rq, &c, rs, false)) return;
    int rc = db_write(job_delete, &c);
    finish_write(rs, &c, rc);
}

/* ---- the list query language (lists and exports; see resource.h) ---- */

#define MAX_CUSTOM_KEY 64          /* characters of a custom-field name in a filter */
#define DEFAULT_COUNT_LIMIT 10000  /* a list's count stops here unless count_limit says otherwise */
#define MAX_COUNT_LIMIT 100000

static struct res_qbind *add_bind(struct res_query *l)
{
    if (l->nbinds >= (int)(sizeof l->binds / sizeof l->binds[0])) {
        verr_set(&l->e, 400, "too_many_filters", NULL, "too many filters");
        l->failed = 1;
        return NULL;
    }
    struct res_qbind *b = &l->binds[l->nbinds++];
    memset(b, 0, sizeof *b);
    return b;
}

/* custom.key=value on an F_FILTER object field: the value stored under key
 * equals value — as text, as a number when value is one, as a boolean when
 * value is true or false. The key is checked against [A-Za-z0-9_]{1,64}
 * before it becomes a JSON path, and the path is bound like the value. */
static int custom_arg(struct res_query *l, const char *key, const char *dot, const char *value)
{
    char name[64];
    size_t n = (size_t)(dot - key);
    const struct field *f = NULL;
    if (n < sizeof name) {
        memcpy(name, key, n);
        name[n] = '\0';
        f = field_find(l->r, name);
    }
    if (!f || f->type != FT_OBJECT || !(f->flags & F_FILTER)) {
        verr_set(&l->e, 400, "unknown_parameter", key, "%s is not a filter of %s", key, l->r->name);
        return l->failed = 1;
    }
    if (authz_field(l->u, l->r->name, f->name) == FA_HIDDEN) {
        verr_set(&l->e, 400, "forbidden_field", key, "your role may not filter by %s", f->name);
        return l->failed = 1;
    }
    const char *sub = dot + 1;
    size_t m = strlen(sub);
    bool ok = m >= 1 && m <= MAX_CUSTOM_KEY;
    for (size_t i = 0; ok && i < m; i++) {
        char c = sub[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok) {
        verr_set(&l->e, 400, "invalid_parameter", key, "%s.<name>: a name is 1 to %d letters A-Z, a-z, digits or _", f->name, MAX_CUSTOM_KEY);
        return l->failed = 1;
    }
    if (!utf8_valid(value, strlen(value)) || strlen(value) > 1000) {
        verr_set(&l->e, 400, "invalid_parameter", key, "%s must be UTF-8 text of at most 1000 bytes", key);
        return l->failed = 1;
    }
    if (l->nbinds + 6 > (int)(sizeof l->binds / sizeof l->binds[0])) {
        verr_set(&l->e, 400, "too_many_filters", NULL, "too many filters");
        return l->failed = 1;
    }
    /* Binds: path, text, number, path, path, boolean — in the order of the fragment. */
    struct res_qbind *path = add_bind(l);
    path->kind = QB_TEXT;
    snprintf(path->buf, sizeof path->buf, "$.%s", sub);
    path->t = path->buf;
    struct res_qbind *text = add_bind(l);
    text->kind = QB_TEXT;
    text->t = value;
    /* The number candidate: only plain decimal numbers (no spaces, hex, inf). */
    struct res_qbind *num = add_bind(l);
    num->kind = QB_NULL;
    bool decimal = (value[0] == '-' || (value[0] >= '0' && value[0] <= '9')) && !strpbrk(value, "xXpP \t");
    char *end = NULL;
    errno = 0;
    long long iv = decimal ? strtoll(value, &end, 10) : 0;
    if (decimal && !*end && !errno) { num->kind = QB_INT; num->i = iv; }
    else if (decimal) {
        double dv = strtod(value, &end);
        if (!*end && isfinite(dv)) { num->kind = QB_REAL; num->d = dv; }
    }
    for (int i = 0; i < 2; i++) {
        struct res_qbind *p = add_bind(l);
        p->kind = QB_TEXT;
        p->t = path->buf;
    }
    struct res_qbind *boolean = add_bind(l);
    boolean->kind = !strcmp(value, "true") || !strcmp(value, "false") ? QB_TEXT : QB_NULL;
    boolean->t = value;
    db_sql_json_scalar_eq(&l->where, f->column);
    return 0;
}

static int list_arg(void *arg, const char *key, const char *value)
{
    struct res_query *l = arg;
    if (l->mode == RQ_EXPORT) {
        /* An export is every matching record: no page, no sort, no count. */
        if (!strcmp(key, "format") || !strcmp(key, "limit") || !strcmp(key, "after") || !strcmp(key, "sort") ||
            !strcmp(key, "count") || !strcmp(key, "count_limit"))
            return 0;
    } else {
        if (!strcmp(key, "limit")) {
            char *end;
            l->limit = strtol(value, &end, 10);
            if (*end || l->limit < 1 || l->limit > MAX_LIST_LIMIT) {
                verr_set(&l->e, 400, "invalid_parameter", "limit", "limit must be an integer from 1 to %d", MAX_LIST_LIMIT);
                return l->failed = 1;
            }
            return 0;
        }
        if (!strcmp(key, "after")) { l->after = value; return 0; }
        if (!strcmp(key, "sort")) { l->sort = value; return 0; }
        if (!strcmp(key, "count")) {
            if (strcmp(value, "true") && strcmp(value, "false")) {
                verr_set(&l->e, 400, "invalid_parameter", "count", "count must be true or false");
                return l->failed = 1;
            }
            l->count = !strcmp(value, "true");
            return 0;
        }
        if (!strcmp(key, "count_limit")) {
            char *end;
            l->count_limit = strtol(value, &end, 10);
            if (*end || !value[0] || l->count_limit < 1 || l->count_limit > MAX_COUNT_LIMIT) {
                verr_set(&l->e, 400, "invalid_parameter", "count_limit", "count_limit must be an integer from 1 to %d", MAX_COUNT_LIMIT);
                return l->failed = 1;
            }
            return 0;
        }
    }
    if (!strcmp(key, "q") && l->r->fts_table) { l->q = value; return 0; }
    for (const struct list_filter *xf = l->r->extra_filters; xf && xf->name; xf++) {
        if (strcmp(xf->name, key) != 0) continue;
        if (xf->figure && (an_lineage("scores", xf->figure) & analytics_hidden_inputs(l->u))) {
            verr_set(&l->e, 400, "forbidden_field", key, "your role may not filter by %s", key);
            return l->failed = 1;
        }
        struct res_qbind *b = add_bind(l);
        if (!b) return 1;
        char *end = NULL;
        if (xf->kind == LF_INT) { b->kind = QB_INT; b->i = strtoll(value, &end, 10); }
        else if (xf->kind == LF_REAL) { b->kind = QB_REAL; b->d = strtod(value, &end); }
        else { b->kind = QB_TEXT; b->t = value; end = (char *)""; }
        if (!value[0] || *end || strlen(value) > 1000) {
            verr_set(&l->e, 400, "invalid_parameter", key, "%s must be %s", key, xf->kind == LF_TEXT ? "text" : "a number");
            return l->failed = 1;
        }
        sb_printf(&l->where, " AND %s", xf->sql);
        return 0;
    }
    const char *dot = strchr(key, '.');
    if (dot) return custom_arg(l, key, dot, value);
    /* custom[key]=value, OpenAPI's deepObject spelling (what client generators
     * send for the description's `custom` parameter), is custom.key=value. */
    const char *br = strchr(key, '[');
    size_t klen = strlen(key);
    if (br && klen < 160 && key[klen - 1] == ']') {
        char dotted[160];
        memcpy(dotted, key, klen - 1);
        dotted[klen - 1] = '\0';
        dotted[br - key] = '.';
        return custom_arg(l, dotted, dotted + (br - key), value);
    }
    char name[64];
    snprintf(name, sizeof name, "%s", key);
    const char *op = "=";
    size_t n = strlen(name);
    if (n > 5 && !strcmp(name + n - 5, "_from")) { name[n - 5] = '\0'; op = ">="; }
    else if (n > 3 && !strcmp(name + n - 3, "_to")) { name[n - 3] = '\0'; op = "<="; }
    const struct field *f = field_find(l->r, name);
    bool builtin = !strcmp(name, "created_at") || !strcmp(name, "updated_at");
    if ((!f || !(f->flags & F_FILTER)) && !(builtin && op[0] != '=')) {
        verr_set(&l->e, 400, "unknown_parameter", key, "%s is not a filter of %s", key, l->r->name);
        return l->failed = 1;
    }
    if (f && authz_field(l->u, l->r->name, f->name) == FA_HIDDEN) {
        verr_set(&l->e, 400, "forbidden_field", key, "your role may not filter by %s", f->name);
        return l->failed = 1;
    }
    if (f && f->type == FT_OBJECT) {
        /* An object field filters by its keys only. */
        verr_set(&l->e, 400, "unknown_parameter", key, "filter by %s.<name>=value, not by the whole %s object", f->name, f->name);
        return l->failed = 1;
    }
    if (op[0] != '=' && f && f->type != FT_TIME && f->type != FT_DATE && f->type != FT_INT && f->type != FT_MONEY) {
        verr_set(&l->e, 400, "unknown_parameter", key, "%s takes no range", name);
        return l->failed = 1;
    }
    if (!utf8_valid(value, strlen(value)) || strlen(value) > 1000) {
        verr_set(&l->e, 400, "invalid_parameter", key, "%s must be UTF-8 text of at most 1000 bytes", key);
        return l->failed = 1;
    }
    struct res_qbind *b = add_bind(l);
    if (!b) return 1;
    const char *column = f ? f->column : name;
    if (f && f->type == FT_LIST) {
        db_sql_json_list_has(&l->where, column);
        b->kind = QB_TEXT; b->t = value;
    } else if (f && (f->type == FT_INT || f->type == FT_REF || f->type == FT_BOOL || f->type == FT_MONEY)) {
        char *end;
        long long v = strtoll(value, &end, 10);
        if (f->type == FT_BOOL) { v = !strcmp(value, "true") ? 1 : !strcmp(value, "false") ? 0 : -1; end = v < 0 ? (char *)"x" : (char *)""; }
        if (*end || !value[0]) {
            verr_set(&l->e, 400, "invalid_parameter", key, "%s must be %s", key, f->type == FT_BOOL ? "true or false" : "an integer");
            return l->failed = 1;
        }
        sb_printf(&l->where, " AND t.%s %s ?", column, op);
        b->kind = QB_INT; b->i = v;
    } else {
        int64_t t;
        bool is_time = builtin || (f && f->type == FT_TIME);
        if (is_time && op[0] != '=') {
            if (time_parse(value, &t)) {
                verr_set(&l->e, 400, "invalid_parameter", key, "%s must be an ISO 8601 time", key);
                return l->failed = 1;
            }
            b->kind = QB_TEXT;
            time_format(t, b->buf);
            b->t = b->buf;
        } else {
            b->kind = QB_TEXT; b->t = value;
        }
        sb_printf(&l->where, " AND t.%s %s ?", column, op);
    }
    return 0;
}

/* Field security reaches search: a hidden field's text must not be found
 * (a prefix search would read it out a letter at a time). Fills cols with
 * the search columns u may read (NULL-terminated, at most cap - 1) and
 * returns how many there are, or -1 when u may read them all, so an
 * unrestricted search stays a plain search of the whole row. */
static int search_columns(const struct resource *r, const struct auth_user *u, const char **cols, int cap)
{
    if (!r->fts_columns || !authz_fields_restricted(u, r->name)) return -1;
    int n = 0, hidden = 0;
    for (int i = 0; r->fts_columns[i]; i++) {
        if (authz_field(u, r->name, r->fts_columns[i]) == FA_HIDDEN) { hidden++; continue; }
        if (n < cap - 1) cols[n++] = r->fts_columns[i];
    }
    cols[n] = NULL;
    return hidden ? n : -1;
}

int res_query_build(struct res_query *l, struct req *rq, const struct resource *r, int mode, const char *action)
{
    memset(l, 0, sizeof *l);
    l->r = r;
    l->u = &rq->user;
    l->mode = mode;
    l->limit = DEFAULT_LIST_LIMIT;
    l->count_limit = DEFAULT_COUNT_LIMIT;
    sb_init(&l->where, 16384);
    req_query_each(rq, list_arg, l);
    if (l->failed) return -1;
    if (mode == RQ_LIST) {
        /* Sort key from the allow-list: id, created_at, updated_at or an F_SORT field. */
        const char *sort = l->sort ? l->sort : "id";
        l->desc = sort[0] == '-';
        if (l->desc) sort++;
        if (!strcmp(sort, "id")) l->sort_col = "id";
        else if (!strcmp(sort, "created_at")) l->sort_col = "created_at";
        else if (!strcmp(sort, "updated_at")) l->sort_col = "updated_at";
        else {
            const struct field *f = field_find(r, sort);
            if (f && (f->flags & F_SORT)) {
                l->sort_col = f->column;
                for (const struct sort_key *k = r->sort_keys; k && k->field; k++)
                    if (!strcmp(k->field, f->name)) l->sort_key = k->column;
            }
        }
        if (!l->sort_col) { verr_set(&l->e, 400, "invalid_parameter", "sort", "cannot sort %s by %s", r->name, sort); return -1; }
        if (authz_field(l->u, r->name, sort) == FA_HIDDEN) { verr_set(&l->e, 400, "forbidden_field", "sort", "your role may not sort by %s", sort); return -1; }
    }
    if (l->q) {
        const char *cols[64];
        int readable = search_columns(r, l->u, cols, (int)(sizeof cols / sizeof cols[0]));
        char *match = NULL;
        int src = db_search_condition(&l->where, r->fts_table, readable < 0 ? NULL : cols, l->q, &match);
        if (src > 0) { verr_set(&l->e, 400, "invalid_parameter", "q", "the search has no searchable words"); return -1; }
        if (src < 0) { free(match); verr_set(&l->e, 500, "internal", "q", "out of memory"); return -1; }
        if (match) {
            struct res_qbind *b = add_bind(l);
            if (!b) { free(match); return -1; }
            b->kind = QB_TEXT;
            b->t = b->owned = match;
        }
    }
    if (party_scoped(r)) {
        /* Only records within the user's scope for the action, on every list, search and export. */
        struct authz_binds ab;
        const char *pred = authz_party_predicate(authz_scope(l->u, r->name, action),
                                                 strcmp(r->entity, "party") ? r->party_field : NULL, l->u, &ab);
        if (pred) {
            sb_printf(&l->where, " AND %s", pred);
            for (int i = 0; i < ab.n; i++) {
                struct res_qbind *b = add_bind(l);
                if (!b) return -1;
                b->kind = QB_INT;
                b->i = ab.v[i];
            }
        }
        /* A link to a party the user cannot see does not exist for them
         * either (else ?to_id= would tell which ids exist). */
        pred = r->peer_field ? authz_party_predicate(authz_scope(l->u, "parties", "read"), r->peer_field, l->u, &ab) : NULL;
        if (pred) {
            sb_printf(&l->where, " AND %s", pred);
            for (int i = 0; i < ab.n; i++) {
                struct res_qbind *b = add_bind(l);
                if (!b) return -1;
                b->kind = QB_INT;
                b->i = ab.v[i];
            }
        }
    }
    if (l->where.failed) { verr_set(&l->e, 400, "invalid_parameter", NULL, "the query is too long"); return -1; }
    return 0;
}

int res_query_bind(const struct res_query *l, db_stmt *s, int idx)
{
    for (int i = 0; i < l->nbinds; i++) {
        const struct res_qbind *b = &l->binds[i];
        if (b->kind == QB_INT) db_bind_int64(s, idx++, b->i);
        else if (b->kind == QB_REAL) db_bind_double(s, idx++, b->d);
        else if (b->kind == QB_NULL) db_bind_null(s, idx++);
        else db_bind_text(s, idx++, b->t);
    }
    return idx;
}

void res_query_free(struct res_query *l)
{
    for (int i = 0; i < l->nbinds; i++) free(l->binds[i].owned);
    l->nbinds = 0;
    sb_free(&l->where);
}

/* res_group_counts: the number of r's records within the caller's read
 * scope (the list's access predicate, no other filter), grouped by the
 * value of field name — a list of a vocabulary by each of its values —,
 * largest first, at most top groups (0: every group); with name NULL the
 * one total. Adds {value: n} (or {"total": n}) to out. Exact at any size:
 * the counting is the database's, over every row in scope (GET
 * /api/v1/aggregates/parties). Returns 0, or -1 with e set. */
int res_group_counts(struct req *rq, const struct resource *r, const char *name, int top, json_t *out, struct verr *e)
{
    const struct field *f = name ? field_find(r, name) : NULL;
    if (name && (!f || (f->type == FT_LIST && (f->elem != E_ENUM || !f->values)))) {
        verr_set(e, 500, "internal", NULL, "cannot count %s by %s", r->name, name);
        return -1;
    }
    struct req bare = *rq;
    bare.conn = NULL;                 /* the access predicate only: the query's own parameters are not filters here */
    struct res_query l;
    strbuf sql;
    sb_init(&sql, 32768);
    int rc = -1;
    if (res_query_build(&l, &bare, r, RQ_EXPORT, "read")) { *e = l.e; goto done; }
    const char *column = f ? f->column : "id";
    /* A list field: one count per value of its vocabulary (the dialect spells "the list holds it"). */
    const char *const *values = f && f->type == FT_LIST ? f->values : NULL;
    for (int i = 0; values ? values[i] != NULL : i == 0; i++) {
        sb_reset(&sql);
        if (!f || values)
            sb_printf(&sql, "SELECT ?, count(*) FROM %s t WHERE 1 = 1%s%s", r->table,
                      r->soft_delete ? " AND t.deleted_at IS NULL" : "", sb_str(&l.where));
        else
            sb_printf(&sql, "SELECT t.%s, count(*) FROM %s t WHERE t.%s IS NOT NULL AND t.%s <> ''%s%s"
                            " GROUP BY t.%s ORDER BY 2 DESC, 1 LIMIT ?", column, r->table, column, column,
                      r->soft_delete ? " AND t.deleted_at IS NULL" : "", sb_str(&l.where), column);
        if (values) db_sql_json_list_has(&sql, column);
        if (sql.failed || l.where.failed) { verr_set(e, 500, "internal", NULL, "the count query is too long"); goto done; }
        db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
        if (!s) { verr_set(e, 500, "internal", NULL, "the count query failed"); goto done; }
        int idx = 1;
        if (!f || values) db_bind_text(s, idx++, values ? values[i] : "total");
        idx = res_query_bind(&l, s, idx);
        if (values) db_bind_text(s, idx, values[i]);
        else if (f) db_bind_int64(s, idx, top > 0 ? top : -1);
        int src;
        while ((src = db_step(s)) == DB_ROW) {
            const char *v = db_column_text(s, 0);
            int64_t n = db_column_int64(s, 1);
            if (v && (n > 0 || !f)) json_object_set_new(out, v, json_integer(n));
        }
        db_done(s);
        if (src != DB_DONE) { verr_set(e, 503, "storage_error", NULL, "the count query failed"); goto done; }
    }
    rc = 0;
done:
    res_query_free(&l);
    sb_free(&sql);
    return rc;
}

static json_t *cursor_decode(const char *s)
{
    /* Room for the longest sort value: a 200-character name is up to 800
     * bytes of UTF-8, 1,100 characters of cursor (escaped, base64). */
    unsigned char raw[2048];
    size_t n;
    if (strlen(s) > 2800 || sodium_base642bin(raw, sizeof raw - 1, s, strlen(s), NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return NULL;
    json_t *a = json_loadb((const char *)raw, n, 0, NULL);
    if (!json_is_array(a) || json_array_size(a) != 2 || !json_is_integer(json_array_get(a, 1))) { json_decref(a); return NULL; }
    return a;
}

static char *cursor_encode(json_t *value, json_int_t id)
{
    json_t *a = json_pack("[OI]", value ? value : json_null(), id);
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    size_t n = strlen(text);
    char *out = malloc(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), (unsigned char *)text, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(text);
    return out;
}

void res_list(struct req *rq, struct resp *rs)
{
    const struct resource *r = route_resource(rq);
    struct res_query l;
    json_t *cursor = NULL;
    strbuf sql;
    sb_init(&sql, 65536);
    if (res_query_build(&l, rq, r, RQ_LIST, "read")) goto fail;
    const char *sort_col = l.sort_col;
    /* Rows are ordered by the field's collation key when it has one (equal
     * names have equal keys, hence still id as the tie-breaker); the
     * cursor still carries the field's value, whose key is made again in
     * SQL (collation_key is deterministic), so it stays short and opaque. */
    const char *order_col = l.sort_key ? l.sort_key : sort_col;
    bool desc = l.desc;
    /* The total is counted before the cursor narrows the query: every match
     * of the filters, up to count_limit (so a broad filter on a million
     * parties reads at most that many rows; a narrow one costs about what
     * finding its first page costs). */
    long long total = -1;
    bool capped = false;
    if (l.count) {
        if (l.where.failed) { verr_set(&l.e, 400, "invalid_parameter", NULL, "the query is too long"); goto fail; }
        sb_printf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s t WHERE 1 = 1%s%s LIMIT ?)", r->table,
                  r->soft_delete ? " AND t.deleted_at IS NULL" : "", sb_str(&l.where));
        db_stmt *cs = db_prepare_once(db_reader(), sb_str(&sql));
        if (!cs) { verr_set(&l.e, 500, "internal", NULL, "the count query failed"); goto fail; }
        int idx = res_query_bind(&l, cs, 1);
        db_bind_int64(cs, idx, (int64_t)l.count_limit + 1);
        int crc = db_step(cs);
        if (crc == DB_ROW) total = db_column_int64(cs, 0);
        db_done(cs);
        if (crc != DB_ROW) { verr_set(&l.e, 400, "invalid_parameter", l.q ? "q" : NULL, "the query could not be run"); goto fail; }
        if (total > l.count_limit) { total = l.count_limit; capped = true; }
        sb_reset(&sql);
    }
    if (l.after) {
        cursor = cursor_decode(l.after);
        if (!cursor) { verr_set(&l.e, 400, "invalid_parameter", "after", "after must be a cursor from a previous page"); goto fail; }
        if (strcmp(sort_col, "id") == 0) sb_printf(&l.where, " AND t.id %s ?", desc ? "<" : ">");
        else if (l.sort_key) {
            sb_printf(&l.where, " AND (t.%s, t.id) %s (", order_col, desc ? "<" : ">");
            db_sql_sort_key_param(&l.where);
            sb_puts(&l.where, ", ?)");
        }
        else sb_printf(&l.where, " AND (t.%s, t.id) %s (?, ?)", sort_col, desc ? "<" : ">");
    }
    if (l.where.failed) { verr_set(&l.e, 400, "invalid_parameter", NULL, "the query is too long"); goto fail; }
    sb_printf(&sql, "SELECT %s FROM %s t WHERE 1 = 1%s%s ORDER BY t.%s%s%s LIMIT ?", r->sql_cols, r->table,
              r->soft_delete ? " AND t.deleted_at IS NULL" : "", sb_str(&l.where), order_col, desc ? " DESC" : "",
              strcmp(sort_col, "id") ? (desc ? ", t.id DESC" : ", t.id") : "");
    db_stmt *s = db_prepare_once(db_reader(), sb_str(&sql));
    if (!s) { verr_set(&l.e, 500, "internal", NULL, "the list query failed"); goto fail; }
    int idx = res_query_bind(&l, s, 1);
    if (cursor) {
        json_t *v = json_array_get(cursor, 0);
        if (strcmp(sort_col, "id") != 0) {
            if (json_is_integer(v)) db_bind_int64(s, idx++, json_integer_value(v));
            else if (json_is_string(v)) db_bind_text(s, idx++, json_string_value(v));
            else db_bind_null(s, idx++);
        }
        db_bind_int64(s, idx++, json_integer_value(json_array_get(cursor, 1)));
    }
    db_bind_int64(s, idx, l.limit + 1);
    /* Rows are written as JSON text directly; the cursor comes from the
     * last row's sort value, read before the row after it is fetched. */
    strbuf out;
    sb_init(&out, 0);
    sb_puts(&out, "{\"items\":[");
    int rc;
    long n = 0;
    json_t *last_value = NULL;
    int64_t last_id = 0;
    bool more = false;
    int sort_index = -1;   /* column of the sort key in the row */
    if (strcmp(sort_col, "id") == 0) sort_index = 0;
    else if (!strcmp(sort_col, "created_at")) sort_index = db_column_count(s) - 3;
    else if (!strcmp(sort_col, "updated_at")) sort_index = db_column_count(s) - 2;
    else {
        int col = 1;
        for (int i = 0; i < r->nfields; i++) {
            if (!strcmp(r->fields[i].column, sort_col)) { sort_index = col; break; }
            col += r->fields[i].type == FT_MONEY ? 2 : 1;
        }
    }
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == l.limit) { more = true; break; }
        if (n++) sb_append(&out, ",", 1);
        row_write(r, s, &rq->user, &out);
        last_id = db_column_int64(s, 0);
        json_decref(last_value);
        last_value = db_column_type(s, sort_index) == DB_INTEGER ? json_integer(db_column_int64(s, sort_index))
                   : db_column_type(s, sort_index) == DB_NULL ? json_null() : json_string(db_column_text(s, sort_index));
    }
    db_done(s);
    if (rc != DB_ROW && rc != DB_DONE) {
        sb_free(&out);
        json_decref(last_value);
        verr_set(&l.e, 400, "invalid_parameter", l.q ? "q" : NULL, "the query could not be run");
        goto fail;
    }
    sb_puts(&out, "],\"next\":");
    if (more) {
        char *cur = cursor_encode(last_value, last_id);
        jw_string(&out, cur);
        free(cur);
    } else {
        sb_puts(&out, "null");
    }
    if (total >= 0) {
        sb_puts(&out, ",\"count\":");
        jw_int(&out, total);
        sb_puts(&out, capped ? ",\"count_capped\":true" : ",\"count_capped\":false");
    }
    sb_puts(&out, "}");
    json_decref(last_value);
    if (out.failed) { sb_free(&out); verr_set(&l.e, 500, "internal", NULL, "out of memory"); goto fail; }
    rs->status = 200;
    rs->body_len = out.len;
    rs->body = sb_take(&out);
    rs->content_type = "application/json; charset=utf-8";
    goto done;
fail:
    resp_verr(rs, &l.e);
done:
    res_query_free(&l);
    json_decref(cursor);
    sb_free(&sql);
}

/* ---- the list query language in the OpenAPI description ---- */

static json_t *query_param(const char *name, json_t *schema, const char *doc)
{
    json_t *p = json_pack("{s:s, s:s, s:b, s:o}", "name", name, "in", "query", "required", 0, "schema", schema);
    if (doc) json_object_set_new(p, "description", json_string(doc));
    return p;
}

static json_t *filter_schema(const struct field *f)
{
    switch (f->type) {
    case FT_INT: case FT_REF: case FT_MONEY: return json_pack("{s:s, s:s}", "type", "integer", "format", "int64");
    case FT_BOOL: return json_pack("{s:s}", "type", "boolean");
    case FT_TIME: return json_pack("{s:s, s:s}", "type", "string", "format", "date-time");
    case FT_DATE: return json_pack("{s:s, s:s}", "type", "string", "format", "date");
    default: {
        const char *const *values = f->type == FT_ENUM || (f->type == FT_LIST && f->elem == E_ENUM) ? f->values : NULL;
        json_t *s = json_pack("{s:s}", "type", "string");
        if (values) {
            json_t *e = json_array();
            for (int i = 0; values[i]; i++) json_array_append_new(e, json_string(values[i]));
            json_object_set_new(s, "enum", e);
        }
        return s;
    }
    }
}

json_t *res_query_parameters(const struct resource *r, int mode)
{
    json_t *a = json_array();
    char name[96], doc[300];
    if (mode == RQ_LIST) {
        json_array_append_new(a, query_param("limit", json_pack("{s:s, s:i, s:i, s:i}", "type", "integer", "minimum", 1, "maximum", MAX_LIST_LIMIT,
                                                                "default", DEFAULT_LIST_LIMIT), "page size"));
        json_array_append_new(a, query_param("after", json_pack("{s:s}", "type", "string"), "the cursor \"next\" of the previous page"));
        json_t *sorts = json_array();
        for (int d = 0; d < 2; d++) {
            static const char *const builtin[] = {"id", "created_at", "updated_at"};
            for (int i = 0; i < 3; i++) {
                snprintf(name, sizeof name, "%s%s", d ? "-" : "", builtin[i]);
                json_array_append_new(sorts, json_string(name));
            }
            for (int i = 0; i < r->nfields; i++) {
                if (!(r->fields[i].flags & F_SORT)) continue;
                snprintf(name, sizeof name, "%s%s", d ? "-" : "", r->fields[i].name);
                json_array_append_new(sorts, json_string(name));
            }
        }
        json_array_append_new(a, query_param("sort", json_pack("{s:s, s:o}", "type", "string", "enum", sorts), "sort key; -name sorts descending"));
        json_array_append_new(a, query_param("count", json_pack("{s:s}", "type", "boolean"),
                                             "true adds \"count\" (matches of the filters within your scope, up to count_limit) and \"count_capped\""));
        json_array_append_new(a, query_param("count_limit", json_pack("{s:s, s:i, s:i, s:i}", "type", "integer", "minimum", 1,
                                                                      "maximum", MAX_COUNT_LIMIT, "default", DEFAULT_COUNT_LIMIT),
                                             "the count stops here and reports count_capped"));
    }
    if (r->fts_table) json_array_append_new(a, query_param("q", json_pack("{s:s}", "type", "string"), "full-text search"));
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        if (!(f->flags & F_FILTER)) continue;
        if (f->type == FT_OBJECT) {
            /* One parameter per stored key: OpenAPI 3.0 says that as a
             * deepObject (custom[region]=East), which the list also takes;
             * the dotted spelling (custom.region=East) is the same filter. */
            snprintf(doc, sizeof doc, "%s[<name>]=value (or %s.<name>=value): the value stored under <name> (1 to %d of A-Z a-z 0-9 _) "
                                      "equals value, as text, as a number or as true / false", f->name, f->name, MAX_CUSTOM_KEY);
            json_t *p = query_param(f->name, json_pack("{s:s, s:{s:s}}", "type", "object", "additionalProperties", "type", "string"), doc);
            json_object_set_new(p, "style", json_string("deepObject"));
            json_object_set_new(p, "explode", json_true());
            snprintf(doc, sizeof doc, "^%s(\\.[A-Za-z0-9_]{1,%d}|\\[[A-Za-z0-9_]{1,%d}\\])$", f->name, MAX_CUSTOM_KEY, MAX_CUSTOM_KEY);
            json_object_set_new(p, "x-name-pattern", json_string(doc));
            json_array_append_new(a, p);
            continue;
        }
        json_array_append_new(a, query_param(f->name, filter_schema(f), f->type == FT_LIST ? "matches one element" : "equals"));
        if (f->type == FT_TIME || f->type == FT_DATE || f->type == FT_INT || f->type == FT_MONEY) {
            snprintf(name, sizeof name, "%s_from", f->name);
            json_array_append_new(a, query_param(name, filter_schema(f), "at least"));
            snprintf(name, sizeof name, "%s_to", f->name);
            json_array_append_new(a, query_param(name, filter_schema(f), "at most"));
        }
    }
    static const char *const stamps[] = {"created_at_from", "created_at_to", "updated_at_from", "updated_at_to"};
    for (int i = 0; i < 4; i++)
        json_array_append_new(a, query_param(stamps[i], json_pack("{s:s, s:s}", "type", "string", "format", "date-time"), NULL));
    for (const struct list_filter *xf = r->extra_filters; xf && xf->name; xf++)
        json_array_append_new(a, query_param(xf->name, xf->kind == LF_TEXT ? json_pack("{s:s}", "type", "string")
                                                      : json_pack("{s:s}", "type", xf->kind == LF_INT ? "integer" : "number"), xf->doc));
    return a;
}
