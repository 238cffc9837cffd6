/* openapi: the OpenAPI 3.0 description of the API (GET /api/v1/openapi.json),
 * generated from the route table and the resource descriptors so it cannot
 * drift from what the server really answers.
 *
 * A record route (the handler is one of the record engine's res_*) is
 * described from its struct resource alone: four schemas per resource —
 * <Entity> (an answer), <Entity>Create, <Entity>Patch (all optional, null
 * clears, version writable) and <Entity>List — its list parameters, its
 * status (201 + Location, 204 …) and headers. Every other route carries a
 * struct route_doc beside its handler (src/api/<resource>.c) with the shapes
 * of its body and answer. Generic parts (error answers, If-Match,
 * Idempotency-Key, X-CSRF-Token, operationIds, tags) follow from the method,
 * the flags and the handler, so they are the same for every route.
 *
 * tests/openapi/lint.test.mjs lints the served description with two
 * third-party linters; tests/api/harness.mjs validates every answer of the
 * API suite against it. */
#include "api/api.h"
#include "api/openapi.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_PREFIX "#/components/schemas/"

/* A route_doc schema text: JSON with ' for ". NULL when it does not parse
 * (a programming error: the description then answers 500 naming it). */
static json_t *doc_json(const char *text)
{
    size_t n = strlen(text);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i <= n; i++) s[i] = text[i] == '\'' ? '"' : text[i];
    json_error_t err;
    json_t *v = json_loads(s, JSON_REJECT_DUPLICATES, &err);
    free(s);
    return v;
}

static json_t *ref(const char *name)
{
    char r[128];
    snprintf(r, sizeof r, REF_PREFIX "%s", name);
    return json_pack("{s:s}", "$ref", r);
}

/* "party" → "Party", "party_doc" → "PartyDoc" into out. */
static void camel(char *out, size_t cap, const char *name)
{
    size_t k = 0;
    bool up = true;
    for (const char *p = name; *p && k + 1 < cap; p++) {
        if (*p == '_' || *p == '-' || *p == '.') { up = true; continue; }
        out[k++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    out[k] = '\0';
}

static json_t *enum_values(const char *const *values)
{
    json_t *e = json_array();
    for (int i = 0; values[i]; i++) json_array_append_new(e, json_string(values[i]));
    return e;
}

/* The schema of one field's value. Fields a record may leave unset come back
 * null, and a PATCH clears them with null: nullable says so. Money is spelt
 * out (not a $ref) where it is nullable: OpenAPI 3.0 ignores siblings of a
 * $ref, so a nullable reference cannot be written. */
static json_t *field_schema(const struct field *f, bool nullable)
{
    json_t *p;
    switch (f->type) {
    case FT_ENUM: p = json_pack("{s:s, s:o}", "type", "string", "enum", enum_values(f->values)); break;
    case FT_TEXT: p = json_pack("{s:s, s:i}", "type", "string", "maxLength", f->max ? f->max : 1000); break;
    case FT_DATE: p = json_pack("{s:s, s:s}", "type", "string", "format", "date"); break;
    case FT_TIME: p = json_pack("{s:s, s:s}", "type", "string", "format", "date-time"); break;
    case FT_INT: case FT_REF: p = json_pack("{s:s, s:s}", "type", "integer", "format", "int64"); break;
    case FT_BOOL: p = json_pack("{s:s}", "type", "boolean"); break;
    case FT_REAL: p = json_pack("{s:s, s:s}", "type", "number", "format", "double"); break;
    case FT_MONEY:
        if (!nullable) return ref("Money");
        p = json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:[ss], s:b}", "type", "object", "properties", "amount", "type", "integer",
                      "format", "int64", "currency", "type", "string", "pattern", "^[A-Z]{3}$", "required", "amount", "currency",
                      "additionalProperties", 0);
        break;
    case FT_LIST: {
        json_t *items = json_pack("{s:s}", "type", "string");
        if (f->elem == E_EMAIL) json_object_set_new(items, "format", json_string("email"));
        if (f->elem == E_ENUM) json_object_set_new(items, "enum", enum_values(f->values));
        p = json_pack("{s:s, s:o, s:i}", "type", "array", "items", items, "maxItems", f->max ? f->max : 50);
        break;
    }
    case FT_OBJLIST: {
        /* Each key holds text, a number, an object or null. */
        json_t *props = json_object();
        for (int i = 0; f->subkeys && f->subkeys[i]; i++) json_object_set_new(props, f->subkeys[i], json_object());
        p = json_pack("{s:s, s:{s:s, s:o, s:b}}", "type", "array", "items", "type", "object", "properties", props,
                      "additionalProperties", 0);
        break;
    }
    default: p = json_pack("{s:s}", "type", "object");
    }
    if (nullable) json_object_set_new(p, "nullable", json_true());
    /* OpenAPI 3.0.3: an enum lists null itself when null is allowed. */
    if (nullable && f->type == FT_ENUM) json_array_append_new(json_object_get(p, "enum"), json_null());
    if (f->type == FT_REF) {
        /* A client learns what the id points at: the registry's type name. */
        char d[512];
        snprintf(d, sizeof d, "%s%sreferences %s", f->doc ? f->doc : "", f->doc ? "; " : "", f->ref);
        json_object_set_new(p, "description", json_string(d));
    } else if (f->doc) {
        json_object_set_new(p, "description", json_string(f->doc));
    }
    return p;
}

static json_t *stamp(const char *doc)
{
    return json_pack("{s:s, s:s, s:b, s:s}", "type", "string", "format", "date-time", "readOnly", 1, "description", doc);
}

/* Adds <Entity>, <Entity>Create, <Entity>Patch and <Entity>List of r. */
static void resource_schemas(json_t *schemas, const struct resource *r)
{
    char name[64], n2[80];
    camel(name, sizeof name, r->entity);
    if (json_object_get(schemas, name)) return;
    json_t *rec = json_object(), *create = json_object(), *patch = json_object(), *required = json_array();
    json_object_set_new(rec, "id", json_pack("{s:s, s:s, s:b}", "type", "integer", "format", "int64", "readOnly", 1));
    for (int i = 0; i < r->nfields; i++) {
        const struct field *f = &r->fields[i];
        bool req = f->flags & F_REQUIRED;
        json_t *s = field_schema(f, !req);
        if (f->flags & F_SERVER) json_object_set_new(s, "readOnly", json_true());
        json_object_set_new(rec, f->name, s);
        if (f->flags & F_SERVER) continue;
        json_object_set_new(create, f->name, field_schema(f, !req));
        if (req) json_array_append_new(required, json_string(f->name));
        if (!(f->flags & F_CREATE_ONLY)) json_object_set_new(patch, f->name, field_schema(f, !req));
    }
    if (r->view_props) {
        /* What the view computes on reading (not stored, never sent). A
         * text that does not parse is left out and fails the OpenAPI test. */
        json_t *extra = doc_json(r->view_props);
        if (json_is_object(extra)) json_object_update(rec, extra);
        json_decref(extra);
    }
    json_object_set_new(rec, "created_at", stamp("set by the server"));
    json_object_set_new(rec, "updated_at", stamp("set by the server"));
    json_object_set_new(rec, "version", json_pack("{s:s, s:s, s:b, s:s}", "type", "integer", "format", "int64", "readOnly", 1,
                                                  "description", "changes with every update; send it back in If-Match or a PATCH body"));
    json_object_set_new(patch, "version", json_pack("{s:s, s:s, s:i, s:s}", "type", "integer", "format", "int64", "minimum", 1,
                                                    "description", "the version you are changing (409 when it is not the current one); "
                                                                   "or send If-Match instead"));
    /* Fields hidden from the caller's role (field security) are left out of
     * an answer, so only the server's own keys are always there. */
    json_object_set_new(schemas, name, json_pack("{s:s, s:o, s:[ssss], s:b}", "type", "object", "properties", rec, "required", "id",
                                                 "version", "created_at", "updated_at", "additionalProperties", 0));
    snprintf(n2, sizeof n2, "%sCreate", name);
    json_t *c = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", create, "additionalProperties", 0);
    if (json_array_size(required)) json_object_set(c, "required", required);
    json_decref(required);
    json_object_set_new(schemas, n2, c);
    snprintf(n2, sizeof n2, "%sPatch", name);
    json_object_set_new(schemas, n2, json_pack("{s:s, s:s, s:o, s:b}", "type", "object", "description",
                                               "a merge: only the fields sent change, null clears one; fixed-at-create fields are left out",
                                               "properties", patch, "additionalProperties", 0));
    snprintf(n2, sizeof n2, "%sList", name);
    json_object_set_new(schemas, n2, json_pack("{s:s, s:{s:{s:s, s:o}, s:{s:s, s:b, s:s}, s:{s:s, s:s}, s:{s:s}}, s:[ss], s:b}",
                                               "type", "object", "properties",
                                               "items", "type", "array", "items", ref(name),
                                               "next", "type", "string", "nullable", 1, "description", "cursor of the next page (after=), null on the last",
                                               "count", "type", "integer", "description", "with count=true: matches within your read scope, up to count_limit",
                                               "count_capped", "type", "boolean",
                                               "required", "items", "next", "additionalProperties", 0));
}

/* ---- generic parts ---- */

static json_t *error_responses(void)
{
    static const struct { const char *code, *text; } e[] = {
        {"400", "malformed request: bad JSON, parameter or header"},
        {"401", "not authenticated"},
        {"403", "not allowed for your role (or missing CSRF token)"},
        {"404", "no such record within your read scope"},
        {"409", "conflict: version mismatch in the body, or a state that forbids the change"},
        {"410", "gone: the link has expired"},
        {"412", "If-Match does not name the current version"},
        {"413", "body too large"},
        {"415", "wrong Content-Type"},
        {"422", "invalid value; error.field names it"},
        {"428", "a PATCH must name the version it changes"},
        {"429", "too many attempts; see Retry-After"},
        {"500", "internal error"},
        {"503", "storage unavailable; nothing was written"},
        {"507", "disk full; nothing was written"},
    };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "E%s", e[i].code);
        json_t *r = json_pack("{s:s, s:{s:{s:o}}}", "description", e[i].text, "content", "application/json", "schema", ref("Error"));
        if (!strcmp(e[i].code, "429"))
            json_object_set_new(r, "headers", json_pack("{s:{s:s}}", "Retry-After", "$ref", "#/components/headers/RetryAfter"));
        json_object_set_new(o, name, r);
    }
    return o;
}

static void add_error(json_t *responses, const char *code)
{
    if (json_object_get(responses, code)) return;
    char r[64];
    snprintf(r, sizeof r, "#/components/responses/E%s", code);
    json_object_set_new(responses, code, json_pack("{s:s}", "$ref", r));
}

/* A page for people (text/html) answers its own errors as a page too; an
 * API client may still get the JSON error. */
static void add_page_error(json_t *responses, const char *code)
{
    json_object_set_new(responses, code,
                        json_pack("{s:s, s:{s:{s:{s:s}}, s:{s:{s:s}}}}", "description", "an error, as a page or as JSON", "content",
                                  "text/html", "schema", "type", "string", "application/json", "schema", "$ref",
                                  "#/components/schemas/Error"));
}

static json_t *param_ref(const char *name)
{
    char r[96];
    snprintf(r, sizeof r, "#/components/parameters/%s", name);
    return json_pack("{s:s}", "$ref", r);
}

/* The success answer: content of the given media types (the schema for
 * JSON, else text or bytes), and headers. Steals schema. */
static json_t *success(const char *text, const char *type, json_t *schema, const char *headers)
{
    json_t *r = json_pack("{s:s}", "description", text);
    if (schema || (type && strcmp(type, "application/json"))) {
        /* type may list several media types, space-separated (exports). */
        json_t *content = json_object();
        const char *t = type ? type : "application/json";
        while (*t) {
            size_t n = strcspn(t, " ");
            char mt[128];
            snprintf(mt, sizeof mt, "%.*s", (int)n, t);
            bool json = !strcmp(mt, "application/json");
            json_t *media = json_pack("{s:o}", "schema", json && schema ? json_incref(schema)
                                                         : json_pack("{s:s, s:s}", "type", "string", "format", "binary"));
            json_object_set_new(content, mt, media);
            t += n;
            t += strspn(t, " ");
        }
        json_decref(schema);
        json_object_set_new(r, "content", content);
    }
    if (headers && *headers) {
        json_t *h = json_object();
        static const char *const known[][2] = {{"Location", "Location"}, {"ETag", "ETag"}, {"Retry-After", "RetryAfter"},
                                               {"Set-Cookie", "SetCookie"}, {"Content-Disposition", "ContentDisposition"},
                                               {"X-Record-Count", "RecordCount"}};
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strstr(headers, known[i][0])) {
                char hr[96];
                snprintf(hr, sizeof hr, "#/components/headers/%s", known[i][1]);
                json_object_set_new(h, known[i][0], json_pack("{s:s}", "$ref", hr));
            }
        json_object_set_new(r, "headers", h);
    }
    return r;
}

/* A doc schema as a $ref when it is stored as a component under name, else
 * inline. -1 when the text does not parse. */
static int doc_schema(json_t *schemas, const char *text, const char *name, json_t **out)
{
    json_t *s = doc_json(text);
    if (!s) return -1;
    if (!name) { *out = s; return 0; }
    if (!json_object_get(schemas, name)) json_object_set(schemas, name, s);
    json_decref(s);
    *out = ref(name);
    return 0;
}

static bool is_record_handler(handler_fn h)
{
    return h == res_list || h == res_create || h == res_get || h == res_patch || h == res_delete;
}

/* operationId: the record verbs for the record engine's routes (listParties,
 * createParty …), the doc's id, else the method and the path's fixed
 * segments (postImportsUndo). */
static void operation_id(char *out, size_t cap, const struct route *r)
{
    const struct resource *res = r->schema;
    char name[64];
    if (r->doc && r->doc->id) { snprintf(out, cap, "%s", r->doc->id); return; }
    if (res && is_record_handler(r->handler)) {
        camel(name, sizeof name, r->handler == res_list ? res->name : res->entity);
        const char *verb = r->handler == res_list ? "list" : r->handler == res_create ? "create" : r->handler == res_get ? "get"
                         : r->handler == res_patch ? "update" : "delete";
        snprintf(out, cap, "%s%s", verb, name);
        return;
    }
    size_t k = 0;
    for (const char *m = r->method; *m && k + 1 < cap; m++) out[k++] = (char)tolower((unsigned char)*m);
    const char *p = r->pattern;
    if (!strncmp(p, "/api/v1", 7)) p += 7;
    char seg[64];
    while (*p) {
        while (*p == '/') p++;
        size_t n = strcspn(p, "/");
        if (n && *p != '{' && n < sizeof seg) {
            memcpy(seg, p, n);
            seg[n] = '\0';
            camel(name, sizeof name, seg);
            for (const char *c = name; *c && k + 1 < cap; c++) out[k++] = *c;
        }
        p += n;
    }
    out[k] = '\0';
}

/* The parameters of route r: its path's, its list language's (lists and
 * exports), its doc's, then the headers its kind takes. NULL when the doc's
 * text does not parse. */
static json_t *op_parameters(const struct route *r)
{
    const struct resource *res = r->schema;
    json_t *params = json_array();
    for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char pn[32];
        snprintf(pn, sizeof pn, "%.*s", (int)(end - p - 1), p + 1);
        /* {name} is the one text parameter of the router; the others are ids. */
        bool text = !strcmp(pn, "name");
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:o}", "name", pn, "in", "path", "required", 1, "schema",
                                                text ? json_pack("{s:s, s:i}", "type", "string", "maxLength", 100)
                                                     : json_pack("{s:s, s:s, s:i}", "type", "integer", "format", "int64", "minimum", 1)));
    }
    if (res && !strcmp(r->method, "GET") && (r->handler == res_list || !strncmp(r->pattern, "/api/v1/exports/", 16))) {
        json_t *q = res_query_parameters(res, r->handler == res_list ? RQ_LIST : RQ_EXPORT);
        json_array_extend(params, q);
        json_decref(q);
    }
    if (r->doc && r->doc->params) {
        json_t *q = doc_json(r->doc->params);
        if (!json_is_array(q)) { json_decref(q); json_decref(params); return NULL; }
        json_array_extend(params, q);
        json_decref(q);
    }
    if (r->handler == res_create) json_array_append_new(params, param_ref("IdempotencyKey"));
    if (r->handler == res_patch || r->handler == res_delete) json_array_append_new(params, param_ref("IfMatch"));
    if (strcmp(r->method, "GET") && !(r->flags & R_PUBLIC)) json_array_append_new(params, param_ref("CsrfToken"));
    return params;
}

/* Sets op's requestBody: the record's Create / Patch schema, or the doc's.
 * 0 (also when the route takes no body), -1 when the doc's text does not parse. */
static int op_body(json_t *op, const struct route *r, json_t *schemas)
{
    const struct resource *res = r->schema;
    json_t *body = NULL;
    const char *btype = "application/json";
    if (res && (r->handler == res_create || r->handler == res_patch)) {
        char ent[64], name[96];
        camel(ent, sizeof ent, res->entity);
        snprintf(name, sizeof name, "%s%s", ent, r->handler == res_create ? "Create" : "Patch");
        body = ref(name);
    } else if (r->doc && r->doc->request) {
        if (doc_schema(schemas, r->doc->request, r->doc->request_name, &body)) return -1;
        if (r->doc->request_type) btype = r->doc->request_type;
    }
    if (!body) return 0;
    /* btype may list several media types (an import takes CSV or JSON Lines). */
    json_t *content = json_object();
    for (const char *t = btype; *t;) {
        size_t n = strcspn(t, " ");
        char mt[128];
        snprintf(mt, sizeof mt, "%.*s", (int)n, t);
        json_object_set_new(content, mt, json_pack("{s:O}", "schema", body));
        t += n;
        t += strspn(t, " ");
    }
    json_decref(body);
    json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}", "required", 1, "content", content));
    return 0;
}

/* The error answers: those every route of its kind may give (by path,
 * method, flags and handler), then the doc's own. */
static void op_errors(json_t *responses, const struct route *r, bool body)
{
    bool pub = r->flags & R_PUBLIC, changes = strcmp(r->method, "GET") != 0;
    if (!strncmp(r->pattern, "/api/v1/", 8)) {
        add_error(responses, "400");
        if (!pub) { add_error(responses, "401"); add_error(responses, "403"); }
        if (strchr(r->pattern, '{')) add_error(responses, "404");
        if (body || (changes && strcmp(r->method, "DELETE"))) { add_error(responses, "413"); add_error(responses, "415"); add_error(responses, "422"); }
        /* 409: a unique field (external_id, sku) another record has, or a stale body version. */
        if (r->handler == res_create) add_error(responses, "409");
        if (r->handler == res_patch) { add_error(responses, "409"); add_error(responses, "412"); add_error(responses, "428"); }
        if (r->handler == res_delete) { add_error(responses, "409"); add_error(responses, "412"); }
        add_error(responses, "500");
        add_error(responses, "503");
        if (changes) add_error(responses, "507");
    }
    bool page = r->doc && r->doc->response_type && !strcmp(r->doc->response_type, "text/html");
    for (const char *e = r->doc && r->doc->errors ? r->doc->errors : ""; *e;) {
        char c[8];
        size_t n = strspn(e, "0123456789");
        if (n == 3) {
            snprintf(c, sizeof c, "%.3s", e);
            if (page) add_page_error(responses, c);
            else add_error(responses, c);
        }
        e += n;
        e += strspn(e, " ,");
        if (!n && *e && !isdigit((unsigned char)*e)) e++;
    }
}

/* The success answers: a record route's from its handler, another's from its
 * doc (status, status2; 200 without one). NULL when a doc text does not parse. */
static json_t *op_responses(const struct route *r, json_t *schemas)
{
    const struct resource *res = r->schema;
    const struct route_doc *d = r->doc;
    json_t *responses = json_object();
    if (res && is_record_handler(r->handler)) {
        char ent[64], name[96];
        camel(ent, sizeof ent, res->entity);
        if (r->handler == res_list) {
            snprintf(name, sizeof name, "%sList", ent);
            json_object_set_new(responses, "200", success("a page of records", NULL, ref(name), NULL));
        } else if (r->handler == res_delete) {
            json_object_set_new(responses, "204", success("deleted", NULL, NULL, NULL));
        } else if (r->handler == res_create) {
            /* A retry with the same Idempotency-Key gets this same answer. */
            json_object_set_new(responses, "201", success("created", NULL, ref(ent), "Location ETag"));
        } else {
            json_object_set_new(responses, "200", success("the record", NULL, ref(ent), "ETag"));
        }
        return responses;
    }
    int codes[2] = {d && d->status ? d->status : 200, d ? d->status2 : 0};
    for (int k = 0; k < 2; k++) {
        if (!codes[k]) continue;
        json_t *s = NULL;
        if (d && d->response && doc_schema(schemas, d->response, d->response_name, &s)) { json_decref(responses); return NULL; }
        char c[8];
        snprintf(c, sizeof c, "%d", codes[k]);
        json_object_set_new(responses, c, success(codes[k] == 202 ? "accepted: follow the job" : codes[k] == 204 ? "done" : "success",
                                                  d ? d->response_type : NULL, s, d ? d->headers : NULL));
    }
    return responses;
}

/* The operation object of route r, adding the schemas it uses to schemas and
 * its tag to tags. NULL when one of its route_doc texts does not parse. */
static json_t *operation(const struct route *r, json_t *schemas, json_t *tags)
{
    const struct resource *res = r->schema;
    const struct route_doc *d = r->doc;
    char name[96];
    if (res) resource_schemas(schemas, res);
    operation_id(name, sizeof name, r);
    const char *tag = d && d->tag ? d->tag : res ? res->name : r->resource ? r->resource : "system";
    if (!json_object_get(tags, tag)) json_object_set_new(tags, tag, json_true());
    json_t *op = json_pack("{s:s, s:s, s:[s]}", "summary", r->summary ? r->summary : name, "operationId", name, "tags", tag);
    char desc[600];
    snprintf(desc, sizeof desc, "%s.%s", r->summary ? r->summary : name, r->flags & R_ADMIN ? " Admin only." : "");
    json_object_set_new(op, "description", json_string(desc));

    json_t *params = op_parameters(r);
    if (!params) goto bad;
    if (json_array_size(params)) json_object_set_new(op, "parameters", params); else json_decref(params);
    /* Named schemas the doc brings (referred to from several routes). */
    for (const char *const *n = d && d->schemas ? d->schemas : NULL; n && n[0] && n[1]; n += 2) {
        json_t *s = NULL;
        if (doc_schema(schemas, n[1], n[0], &s)) goto bad;
        json_decref(s);
    }
    if (op_body(op, r, schemas)) goto bad;
    json_t *responses = op_responses(r, schemas);
    if (!responses) goto bad;
    op_errors(responses, r, json_object_get(op, "requestBody") != NULL);
    json_object_set_new(op, "responses", responses);
    if (r->flags & R_PUBLIC) json_object_set_new(op, "security", json_array());
    return op;
bad:
    json_decref(op);
    return NULL;
}

/* One line on each tag, for the generated documentation. */
static const char *tag_text(const char *tag)
{
    static const char *const texts[][2] = {
        {"system", "health, metrics and this description"},
        {"parties", "people and organisations: records, timeline, merge, shares, transfers"},
        {"links", "relations between parties"},
        {"interactions", "visits, calls, messages and planned tasks"},
        {"transactions", "purchases and refunds in minor units"},
        {"products", "the product catalogue"},
        {"notes", "notes on a party"},
        {"session", "login and logout with the session cookie"},
        {"tokens", "API tokens for programs"},
        {"analytics", "scores, segments, customer equity and runs"},
        {"users", "staff accounts"},
        {"teams", "teams and business units"},
        {"permissions", "the role permission table and field security"},
        {"audit", "the audit trail"},
        {"imports", "file imports, their reports and undo"},
        {"jobs", "background jobs"},
        {"exports", "CSV, JSON Lines and Excel exports with the list filters"},
        {"schedules", "timed jobs"},
        {"settings", "company-wide settings"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!strcmp(texts[i][0], tag)) return texts[i][1];
    return tag;
}

json_t *openapi_describe(const char **bad)
{
    json_t *paths = json_object(), *schemas = json_object(), *tags = json_object();
    *bad = NULL;
    json_object_set_new(schemas, "Money", json_pack("{s:s, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}}, s:[ss], s:b}", "type", "object", "properties",
                                                    "amount", "type", "integer", "format", "int64", "description", "minor units (fen, cents)",
                                                    "currency", "type", "string", "pattern", "^[A-Z]{3}$", "required", "amount", "currency",
                                                    "additionalProperties", 0));
    json_object_set_new(schemas, "Error", json_pack("{s:s, s:{s:{s:s, s:{s:{s:s, s:s}, s:{s:s}, s:{s:s, s:s}}, s:[ss]}}, s:[s]}",
                                                    "type", "object", "properties", "error", "type", "object", "properties",
                                                    "code", "type", "string", "description", "stable machine-readable code, e.g. version_conflict",
                                                    "message", "type", "string",
                                                    "field", "type", "string", "description", "the field, parameter or header at fault",
                                                    "required", "code", "message", "required", "error"));
    for (size_t i = 0; i < routes_count(); i++) {
        const struct route *r = routes_get(i);
        json_t *item = json_object_get(paths, r->pattern);
        if (!item) { item = json_object(); json_object_set_new(paths, r->pattern, item); }
        char method[16];
        size_t k = 0;
        for (; r->method[k] && k < sizeof method - 1; k++) method[k] = (char)tolower((unsigned char)r->method[k]);
        method[k] = '\0';
        json_t *op = operation(r, schemas, tags);
        if (!op) { *bad = r->pattern; goto fail; }
        json_object_set_new(item, method, op);
    }
    json_t *tag_list = json_array();
    const char *tn;
    json_t *tv;
    json_object_foreach(tags, tn, tv) json_array_append_new(tag_list, json_pack("{s:s, s:s}", "name", tn, "description", tag_text(tn)));
    json_decref(tags);
    json_t *headers = json_pack("{s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}, s:{s:s, s:{s:s}}}",
                                "Location", "description", "where the new record (or the job) is", "schema", "type", "string",
                                "ETag", "description", "the record's version, quoted (\"3\"): send it back in If-Match", "schema", "type", "string",
                                "RetryAfter", "description", "seconds to wait", "schema", "type", "integer",
                                "SetCookie", "description", "rapport_session=…; HttpOnly; SameSite=Strict", "schema", "type", "string",
                                "ContentDisposition", "description", "attachment; filename=…", "schema", "type", "string",
                                "RecordCount", "description", "the number of records exported", "schema", "type", "integer");
    json_t *parameters = json_pack(
        "{s:{s:s, s:s, s:b, s:s, s:{s:s, s:i, s:i}}, s:{s:s, s:s, s:b, s:s, s:{s:s, s:s}}, s:{s:s, s:s, s:b, s:s, s:{s:s}}}",
        "IdempotencyKey", "name", "Idempotency-Key", "in", "header", "required", 0, "description",
        "a retry with the same key and body gets the stored answer; the same key with another body is 422",
        "schema", "type", "string", "minLength", 1, "maxLength", 200,
        "IfMatch", "name", "If-Match", "in", "header", "required", 0, "description",
        "the version you change, quoted (\"3\"); 412 when it is not the current one. A PATCH needs it or a body \"version\" (428)",
        "schema", "type", "string", "pattern", "^\"?[0-9]+\"?$",
        "CsrfToken", "name", "X-CSRF-Token", "in", "header", "required", 0, "description",
        "the csrf_token of the login answer: required with the session cookie, not with a bearer token", "schema", "type", "string");
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s}}, s:[{s:s}], s:o, s:o, s:{s:o, s:o, s:o, s:o, s:{s:{s:s, s:s}, s:{s:s, s:s, s:s}}}, s:[{s:[]}, {s:[]}]}",
        "openapi", "3.0.3", "info", "title", "Rapport CRM API", "version", RAPPORT_VERSION_TEXT, "description",
        "Customer database, segmentation and relationship marketing. Errors are {\"error\": {\"code\", \"message\", \"field\"}}.",
        "license", "name", "MIT", "url", "https://opensource.org/licenses/MIT", "contact", "name", "Rapport maintainers",
        "servers", "url", "/", "tags", tag_list, "paths", paths, "components", "schemas", schemas, "responses", error_responses(),
        "parameters", parameters, "headers", headers, "securitySchemes", "bearer", "type", "http", "scheme", "bearer",
        "cookie", "type", "apiKey", "in", "cookie", "name", "rapport_session", "security", "bearer", "cookie");
    return doc;
fail:
    json_decref(paths);
    json_decref(schemas);
    json_decref(tags);
    return NULL;
}
