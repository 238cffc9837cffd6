/* resource: the table-driven record engine (see resource.h) — the SQL
 * assembled from a descriptor, value validation and the row codec (row ↔
 * JSON, the GET's direct writer, stored documents). The HTTP handlers are
 * res_http.c, the list query language res_query.c, and writes go through
 * records/write.c. */
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
    e->from[0] = e->to[0] = '\0';
}

void resp_verr(struct resp *rs, const struct verr *e)
{
    resp_error(rs, e->status ? e->status : 500, e->code ? e->code : "internal", e->field[0] ? e->field : NULL, "%s", e->message);
    /* A refused workflow move names both states. */
    json_t *err = json_object_get(rs->json, "error");
    if (err && e->from[0]) json_object_set_new(err, "from", json_string(e->from));
    if (err && e->to[0]) json_object_set_new(err, "to", json_string(e->to));
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
    if (r->sql_cols) return;   /* once: the registry and a resource's file may both ask */
    strbuf sb;
    sb_init(&sb, 0);
    append_columns(&sb, r);
    r->sql_cols = sb_take(&sb);

    sb_printf(&sb, "SELECT 1 FROM %s WHERE id = ?", r->table);
    r->sql_exists = sb_take(&sb);
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
    /* The same with the writer's id first (imports keep a file's ids). */
    const char *values = strstr(r->sql_insert, ") VALUES (");
    size_t head_len = (size_t)(strchr(r->sql_insert, '(') - r->sql_insert) + 1;
    sb_append(&sb, r->sql_insert, head_len);
    sb_puts(&sb, "id, ");
    sb_append(&sb, r->sql_insert + head_len, (size_t)(values - r->sql_insert) - head_len);
    sb_puts(&sb, ") VALUES (?, ");
    sb_puts(&sb, values + strlen(") VALUES ("));
    r->sql_insert_id = sb_take(&sb);

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

    /* Both name the version the writer read (records/write.c counts the
     * rows changed). */
    if (r->soft_delete) sb_printf(&sb, "UPDATE %s SET deleted_at = ?, version = version + 1 WHERE id = ? AND version = ?", r->table);
    else sb_printf(&sb, "DELETE FROM %s WHERE id = ? AND version = ?", r->table);
    r->sql_delete = sb_take(&sb);
    /* The row itself, even where deletes are soft (an import's undo). */
    sb_printf(&sb, "DELETE FROM %s WHERE id = ? AND version = ?", r->table);
    r->sql_purge = sb_take(&sb);
}

/* ---- values ---- */

const struct field *res_field_find(const struct resource *r, const char *name)
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
    case FT_REAL:
        if (!json_is_number(v) || !isfinite(json_number_value(v))) { verr_set(e, 422, "invalid_type", f->name, "%s must be a number", f->name); return NULL; }
        return json_real(json_number_value(v));
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
        const struct field *f = res_field_find(r, key);
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

int res_param_offset(const struct resource *r, const char *name)
{
    int off = 0;
    for (int i = 0; i < r->nfields; i++) {
        if (!strcmp(r->fields[i].name, name)) return off;
        off += r->fields[i].type == FT_MONEY ? 2 : 1;
    }
    return -1;
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
        case FT_REAL:
            if (null) db_bind_null(s, idx++); else db_bind_double(s, idx++, json_number_value(v));
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
        case FT_REAL:
            v = null ? json_null() : json_real(db_column_double(s, col));
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

void res_row_write(const struct resource *r, db_stmt *s, const struct auth_user *u, strbuf *out)
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
        case FT_REAL:
            if (db_column_type(s, col) == DB_NULL) sb_append(out, "null", 4);
            else sb_printf(out, "%.17g", db_column_double(s, col));
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
        res_row_write(r, s, NULL, &doc);   /* every field: a restricted reader never gets it */
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


json_t *res_redact(const struct resource *r, const struct auth_user *u, json_t *rec)
{
    if (!rec) return NULL;
    for (int i = 0; i < r->nfields; i++)
        if (authz_field(u, r->name, r->fields[i].name) == FA_HIDDEN) json_object_del(rec, r->fields[i].name);
    return rec;
}
