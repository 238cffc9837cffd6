/* http: the request and response objects every handler sees, the route
 * table entry, and the helpers that build JSON answers and errors.
 *
 * A handler reads struct req (method, path parameters, query, parsed JSON
 * body, the authenticated user) and fills struct resp. It never talks to
 * libmicrohttpd directly, so handlers can be unit-tested without sockets. */
#ifndef RAPPORT_HTTP_H
#define RAPPORT_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_method { M_GET, M_POST, M_PUT, M_PATCH, M_DELETE, M_HEAD, M_OPTIONS, M_OTHER };

#define MAX_PATH_PARAMS 4
#define MAX_RESP_HEADERS 8
#define MAX_BODY_BYTES (1u << 20)        /* API request body cap */
#define MAX_UPLOAD_BYTES (256ull << 20)  /* R_UPLOAD routes: body streamed to a file */

struct auth_user {
    int64_t id;
    char email[256];
    char name[256];
    char role[32];
    int64_t team_id;
    bool via_cookie;          /* session cookie (CSRF applies) vs bearer token */
    int64_t token_id;
    bool ryw_known;           /* with --db-replica, authentication read ryw_writes: */
    int64_t ryw_writes;       /* the user's count of writes on the primary (db/ryw.h) */
};

struct route;

struct req {
    const struct route *route;  /* set by the router */
    enum http_method method;
    const char *method_name;
    const char *path;
    const char *path_params[MAX_PATH_PARAMS];  /* text parameters ({name}); NULL for numeric ones */
    int64_t path_ids[MAX_PATH_PARAMS];
    char text_param[128];     /* storage of the one text path parameter */
    int nparams;
    void *conn;               /* struct MHD_Connection*, opaque to handlers */
    const char *body;
    size_t body_len;
    json_t *json;             /* parsed body (owned by the request), NULL if none */
    const char *upload_path;  /* R_UPLOAD routes: the body as a file (removed after the answer unless renamed) */
    uint64_t upload_len;
    const char *client_addr;  /* use req_client_addr(): filled on first use (a GET seldom needs it) */
    char client_addr_buf[64];
    struct auth_user user;
    bool authenticated;
    bool metrics_listener;    /* arrived on the loopback-only metrics listener */
};

struct resp {
    int status;
    json_t *json;             /* body as JSON (owned), or: */
    char *body;               /* raw body (owned, free()d) */
    const void *static_body;  /* raw body not owned (embedded assets) */
    int file_fd;              /* raw body from this open file (> 0; body_len bytes), closed after sending */
    size_t body_len;
    const char *content_type;
    int nheaders;
    char *header_names[MAX_RESP_HEADERS];
    char *header_values[MAX_RESP_HEADERS];
};

typedef void (*handler_fn)(struct req *rq, struct resp *rs);

/* Route flags. */
enum {
    R_PUBLIC = 1,             /* no authentication required */
    R_ADMIN = 2,              /* admin role only */
    R_UPLOAD = 4,             /* body up to MAX_UPLOAD_BYTES, streamed to a file (req.upload_path) */
    R_METRICS = 8,            /* admin only, or anyone on the loopback-only metrics listener */
    R_FORM = 16,              /* the body may be application/x-www-form-urlencoded: left unparsed in req.body */
    R_FOUND = 1u << 31,       /* router_precheck: a route matched (never in a table) */
};

/* What the OpenAPI description (src/api/openapi.c) says about a route
 * beyond its resource descriptor: the shapes of its body and answers, for
 * the handlers that are not the record engine's. Kept beside each handler in
 * its src/api/<resource>.c, so a change of a handler's answer is one screen
 * away from the description of it. Schemas are OpenAPI 3.0 schema objects as
 * JSON text written with ' for " (they stay readable inside C strings; so no
 * ' inside them); they may "$ref" any '#/components/schemas/<Name>' that the
 * description holds: the record schemas (Party, PartyCreate, PartyPatch,
 * PartyList, … from each resource's entity), Error, Money, and every schema a
 * route_doc names. tests/api/harness.mjs validates every answer of the API
 * suite against them. */
struct route_doc {
    const char *id;            /* operationId; NULL: derived from the handler or the path */
    const char *tag;           /* NULL: the route's resource, else "system" */
    const char *request;       /* request body schema; NULL: the route takes no body */
    const char *request_name;  /* component name the request schema is stored as, or NULL (inline) */
    const char *request_type;  /* NULL: application/json */
    int status;                /* success status; 0: 200 */
    int status2;               /* another success status with the same body, or 0 */
    const char *response;      /* success body schema; NULL: no body (or response_type's text) */
    const char *response_name; /* component name the response schema is stored as, or NULL */
    const char *response_type; /* NULL: application/json */
    const char *params;        /* JSON array (' for ") of further parameter objects, or NULL */
    const char *errors;        /* error statuses beyond the generic ones, e.g. "409 429" */
    const char *headers;       /* success headers: any of "Location", "ETag", "Retry-After" */
    const char *const *schemas; /* further named component schemas: name, schema, name, schema, …, NULL */
};

struct route {
    const char *method;       /* "GET", "POST", ... */
    const char *pattern;      /* "/api/v1/parties/{id}" */
    unsigned flags;
    const char *resource;     /* permission subject, e.g. "parties" */
    const char *action;       /* "read", "create", "update", "delete" */
    handler_fn handler;
    const char *summary;      /* one line for the OpenAPI description */
    const void *schema;       /* const struct resource* for body/response, or NULL */
    const struct route_doc *doc; /* OpenAPI shapes beyond the resource's, or NULL */
};

/* Query-string value or NULL. */
const char *req_query(struct req *rq, const char *name);
/* Calls cb for every query-string argument, in order; stops when cb
 * returns non-zero and returns that value. */
int req_query_each(struct req *rq, int (*cb)(void *ctx, const char *key, const char *value), void *ctx);
/* Request header or NULL. */
const char *req_header(struct req *rq, const char *name);
/* The client's IP address as text ("" when unknown), worked out on first use. */
const char *req_client_addr(struct req *rq);
/* The address the request came to, as "scheme://host" (https when a proxy
 * says X-Forwarded-Proto: https; "localhost" without a Host header), into
 * out: for an absolute link a caller hands on as it is. */
void req_origin(struct req *rq, char *out, size_t cap);
/* Request cookie or NULL. */
const char *req_cookie(struct req *rq, const char *name);

/* Sets a JSON body (steals the reference). */
void resp_json(struct resp *rs, int status, json_t *body);
/* Sets {"error":{"code","message","field"?}}; field may be NULL. */
void resp_error(struct resp *rs, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* True when every key of body is one of known[] (NULL-terminated); else
 * answers 422 unknown_field naming the first other key ("<key> is not a
 * field of <noun>") and returns false. A body that is not an object passes:
 * its caller answers that. */
bool body_keys_known(const json_t *body, const char *const *known, const char *noun, struct resp *rs);
/* Adds a header (copied). */
void resp_header(struct resp *rs, const char *name, const char *value);
void resp_free(struct resp *rs);

/* Registry of all routes (router.c). */
void routes_register(const struct route *table, size_t n);
size_t routes_count(void);
const struct route *routes_get(size_t i);
/* Flags of the route matching method and path (0 when none). */
unsigned route_flags(const char *method, const char *path);
/* The checks that need only the request head (route, authentication, CSRF,
 * authorisation), run before a body is read: 0 with rs filled when the
 * request is refused, else the route's flags | R_FOUND. rq->user is left
 * empty: router_dispatch checks again with the body in. */
unsigned router_precheck(struct req *rq, struct resp *rs);
/* Finds the route and runs authentication, authorisation, CSRF and body
 * checks, then the handler. Fills rs in every case. */
void router_dispatch(struct req *rq, struct resp *rs);
/* With a read replica (db_replica_set): how long after a user's write the
 * user's reads stay on the primary, in ms (default 10,000). */
void router_replica_window(int64_t ms);

/* Starts the server; blocks until SIGINT/SIGTERM. metrics_listen (may be
 * NULL) is a loopback address:port where GET /metrics is answered without
 * credentials (everywhere else it needs an admin). */
int http_serve(const char *listen_addr, int threads, const char *metrics_listen);
#endif
