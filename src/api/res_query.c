/* res_query: the list query language of records (one builder for lists and
 * exports, see resource.h), the list handler, and the query parameters in
 * the OpenAPI description. */
#include "api/resource.h"
#include "analytics/lineage.h"
#include "api/api.h"
#include "http/authz.h"
#include "lib/jsonw.h"
#include "lib/strbuf.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <sodium.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define MAX_LIST_LIMIT 500
#define DEFAULT_LIST_LIMIT 50

static const struct resource *route_resource(struct req *rq) { return rq->route->schema; }

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

/* Adds one of authz's constant predicates and the ids it binds. 0, or -1
 * when the binds are full (l->e set by add_bind). */
static int add_access_predicate(struct res_query *l, const char *pred, const struct authz_binds *ab)
{
    sb_printf(&l->where, " AND %s", pred);
    for (int i = 0; i < ab->n; i++) {
        struct res_qbind *b = add_bind(l);
        if (!b) return -1;
        b->kind = QB_INT;
        b->i = ab->v[i];
    }
    return 0;
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
        f = res_field_find(l->r, name);
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
    const struct field *f = res_field_find(l->r, name);
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

static int build_rest(struct res_query *l, const struct resource *r, int mode, const char *action);

static void build_start(struct res_query *l, const struct auth_user *u, const struct resource *r, int mode)
{
    memset(l, 0, sizeof *l);
    l->r = r;
    l->u = u;
    l->mode = mode;
    l->limit = DEFAULT_LIST_LIMIT;
    l->count_limit = DEFAULT_COUNT_LIMIT;
    sb_init(&l->where, 16384);
}

int res_query_build(struct res_query *l, struct req *rq, const struct resource *r, int mode, const char *action)
{
    build_start(l, &rq->user, r, mode);
    req_query_each(rq, list_arg, l);
    if (l->failed) return -1;
    return build_rest(l, r, mode, action);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes a form-encoded component in place ('+' is a space, %XX a byte);
 * -1 on a bad escape. */
static int form_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') *o++ = ' ';
        else if (*p == '%') {
            int h = hexval(p[1]), lo = h < 0 ? -1 : hexval(p[2]);
            if (h < 0 || lo < 0) return -1;
            *o++ = (char)(h * 16 + lo);
            p += 2;
        } else *o++ = *p;
    }
    *o = '\0';
    return 0;
}

int res_query_build_text(struct res_query *l, const struct auth_user *u, const char *query, const struct resource *r,
                         int mode, const char *action)
{
    build_start(l, u, r, mode);
    if (query && query[0] == '?') query++;
    l->text = strdup(query ? query : "");
    if (!l->text) { verr_set(&l->e, 500, "internal", NULL, "out of memory"); return -1; }
    for (char *p = l->text, *next; p && *p; p = next) {
        next = strchr(p, '&');
        if (next) *next++ = '\0';
        if (!*p) continue;
        char *eq = strchr(p, '=');
        char *value = eq ? eq + 1 : p + strlen(p);
        if (eq) *eq = '\0';
        if (form_decode(p) || form_decode(value)) {
            verr_set(&l->e, 400, "invalid_parameter", NULL, "%s is not form-encoded", p);
            return -1;
        }
        if (list_arg(l, p, value) || l->failed) return -1;
    }
    return build_rest(l, r, mode, action);
}

static int build_rest(struct res_query *l, const struct resource *r, int mode, const char *action)
{
    if (mode == RQ_LIST) {
        /* Sort key from the allow-list: id, created_at, updated_at or an F_SORT field. */
        const char *sort = l->sort ? l->sort : "id";
        l->desc = sort[0] == '-';
        if (l->desc) sort++;
        if (!strcmp(sort, "id")) l->sort_col = "id";
        else if (!strcmp(sort, "created_at")) l->sort_col = "created_at";
        else if (!strcmp(sort, "updated_at")) l->sort_col = "updated_at";
        else {
            const struct field *f = res_field_find(r, sort);
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
    const struct rtype *type = registry_of(r);
    if (type && type->own != OWN_NONE) {
        /* Only records within the user's scope for the action, on every
         * list, search and export: by their own owner or their party's. */
        struct authz_binds ab;
        const char *pred = authz_type_predicate(type, authz_scope(l->u, r->name, action), l->u, &ab);
        if (pred && add_access_predicate(l, pred, &ab) != 0) return -1;
        /* A link to a party the user cannot see does not exist for them
         * either (else ?to_id= would tell which ids exist). */
        pred = r->peer_field ? authz_party_predicate(authz_scope(l->u, "parties", "read"), r->peer_field, l->u, &ab) : NULL;
        if (pred && add_access_predicate(l, pred, &ab) != 0) return -1;
    }
    if (l->where.failed) { verr_set(&l->e, 400, "invalid_parameter", NULL, "the query is too long"); return -1; }
    return 0;
}

db_stmt *res_query_ids(struct res_query *l, db *c, struct verr *e)
{
    strbuf sql;
    sb_init(&sql, 16384);
    sb_printf(&sql, "SELECT t.id FROM %s t WHERE 1 = 1%s%s ORDER BY t.id", l->r->table,
              l->r->soft_delete ? " AND t.deleted_at IS NULL" : "", sb_str(&l->where));
    db_stmt *s = NULL;
    if (sql.failed || l->where.failed) verr_set(e, 400, "invalid_parameter", NULL, "the query is too long");
    else if (!(s = db_prepare_once(c, sb_str(&sql)))) verr_set(e, 500, "internal", NULL, "the query failed");
    else res_query_bind(l, s, 1);
    sb_free(&sql);
    return s;
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
    free(l->text);
    l->text = NULL;
    sb_free(&l->where);
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
        sb_printf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s t WHERE 1 = 1%s%s LIMIT ?) AS page", r->table,
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
        res_row_write(r, s, &rq->user, &out);
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

/* res_group_counts: the number of r's records within the caller's read
 * scope (the list's access predicate, no other filter), grouped by the
 * value of field name — a list of a vocabulary by each of its values —,
 * largest first, at most top groups (0: every group); with name NULL the
 * one total. Adds {value: n} (or {"total": n}) to out. Exact at any size:
 * the counting is the database's, over every row in scope (GET
 * /api/v1/aggregates/parties). Returns 0, or -1 with e set. */
int res_group_counts(struct req *rq, const struct resource *r, const char *name, int top, json_t *out, struct verr *e)
{
    const struct field *f = name ? res_field_find(r, name) : NULL;
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
        else if (f) db_bind_int64(s, idx, top > 0 ? top : INT64_MAX);   /* no limit: -1 is SQLite's only */
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
