/* router: the route registry and the dispatcher that applies the generic
 * checks — route match, authentication, CSRF, authorisation, content type
 * and JSON parsing — before any handler runs (Redis-style command table). */
#include "db/db.h"
#include "db/ryw.h"
#include "db/snapshot.h"
#include "db/writer.h"
#include "http/auth.h"
#include "http/authz.h"
#include "http/http.h"
#include "lib/textcheck.h"
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Every route of the server; registering more is a programming error
 * (an assertion), never a silently missing endpoint. */
#define MAX_ROUTES 1024

static const struct route *g_routes[MAX_ROUTES];
static size_t g_nroutes;

/* The routes are tried in order, but only those whose first segment after
 * /api/v1/ (or first segment, elsewhere) is the request's: a hash of it per
 * route, ANY_SEGMENT when the pattern starts with a parameter there. */
#define ANY_SEGMENT 0u
static uint32_t g_route_segment[MAX_ROUTES];

static uint32_t segment_hash(const char *path)
{
    if (!strncmp(path, "/api/v1/", 8)) path += 8;
    else if (*path == '/') path++;
    if (*path == '{') return ANY_SEGMENT;
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *path && *path != '/'; path++) h = (h ^ (unsigned char)*path) * 16777619u;
    return h ? h : 1;
}

void routes_register(const struct route *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert(g_nroutes < MAX_ROUTES);   /* raise MAX_ROUTES */
        g_route_segment[g_nroutes] = segment_hash(table[i].pattern);
        g_routes[g_nroutes++] = &table[i];
    }
}

size_t routes_count(void) { return g_nroutes; }
const struct route *routes_get(size_t i) { return i < g_nroutes ? g_routes[i] : NULL; }

/* Matches "/api/v1/parties/{id}" against a path; fills path parameters.
 * Numeric parameters ({id}, {…_id}) must be positive integers; any other
 * ({name}) is text, copied into the request (at most one, 127 bytes). */
static bool pattern_match(const char *pat, const char *path, struct req *rq, bool *bad_id)
{
    int np = 0;
    bool have_text = false;
    while (*pat && *path) {
        if (*pat == '{') {
            const char *end = strchr(path, '/'), *close = strchr(pat, '}');
            if (!close) return false;
            size_t n = end ? (size_t)(end - path) : strlen(path);
            if (n == 0 || np >= MAX_PATH_PARAMS) return false;
            size_t pn = (size_t)(close - pat - 1);
            bool wants_id = (pn == 2 && !strncmp(pat + 1, "id", 2)) || (pn > 3 && !strncmp(close - 3, "_id", 3));
            if (!wants_id) {
                if (have_text || n >= sizeof rq->text_param) return false;
                memcpy(rq->text_param, path, n);
                rq->text_param[n] = '\0';
                rq->path_params[np] = rq->text_param;
                rq->path_ids[np++] = 0;
                have_text = true;
                pat = close + 1;
                path += n;
                continue;
            }
            char buf[24];
            int64_t id = 0;
            bool numeric = n < sizeof buf;
            if (numeric) {
                memcpy(buf, path, n);
                buf[n] = '\0';
                char *e;
                long long v = strtoll(buf, &e, 10);
                numeric = *e == '\0' && v > 0 && buf[0] != '+' && buf[0] != '0';
                id = v;
            }
            if (!numeric) *bad_id = true;
            rq->path_params[np] = NULL;
            rq->path_ids[np++] = numeric ? id : 0;
            pat = close + 1;
            path += n;
            continue;
        }
        if (*pat != *path) return false;
        pat++;
        path++;
    }
    if (*pat || *path) return false;
    rq->nparams = np;
    return true;
}

unsigned route_flags(const char *method, const char *path)
{
    for (size_t i = 0; i < g_nroutes; i++) {
        struct req scratch = {0};
        bool bad = false;
        if (strcmp(g_routes[i]->method, method) == 0 && pattern_match(g_routes[i]->pattern, path, &scratch, &bad)) return g_routes[i]->flags;
    }
    return 0;
}

void resp_header(struct resp *rs, const char *name, const char *value)
{
    if (rs->nheaders >= MAX_RESP_HEADERS) return;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) { /* out of memory: the header is dropped, never stored as NULL */
        free(n);
        free(v);
        return;
    }
    rs->header_names[rs->nheaders] = n;
    rs->header_values[rs->nheaders] = v;
    rs->nheaders++;
}

void resp_json(struct resp *rs, int status, json_t *body)
{
    rs->status = status;
    json_decref(rs->json);
    rs->json = body;
}

/* Replaces every byte that does not start a well-formed UTF-8 sequence by
 * '?': messages quote the client's input and are cut at a fixed size, and
 * jansson refuses invalid UTF-8 (the error body would be lost). */
static void utf8_scrub(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p;) {
        int n = *p < 0x80 ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2 : *p >= 0xe0 && *p <= 0xef ? 3 : *p >= 0xf0 && *p <= 0xf4 ? 4 : 0;
        bool ok = n > 0;
        for (int i = 1; ok && i < n; i++) ok = (p[i] & 0xc0) == 0x80;
        if (ok && n > 1 && !utf8_valid((const char *)p, (size_t)n)) ok = false;
        if (!ok) { *p++ = '?'; continue; }
        p += n;
    }
}

void resp_error(struct resp *rs, int status, const char *code, const char *field, const char *fmt, ...)
{
    char msg[512], fieldbuf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_scrub(msg);
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (field) {
        snprintf(fieldbuf, sizeof fieldbuf, "%s", field);
        utf8_scrub(fieldbuf);
        json_object_set_new(err, "field", json_string(fieldbuf));
    }
    resp_json(rs, status, json_pack("{s:o}", "error", err));
}

bool body_keys_known(const json_t *body, const char *const *known, const char *noun, struct resp *rs)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        bool ok = false;
        for (int i = 0; known[i] && !ok; i++) ok = !strcmp(known[i], key);
        if (!ok) { resp_error(rs, 422, "unknown_field", key, "%s is not a field of %s", key, noun); return false; }
    }
    return true;
}

void resp_free(struct resp *rs)
{
    json_decref(rs->json);
    free(rs->body);
    if (rs->file_fd > 0) close(rs->file_fd);
    for (int i = 0; i < rs->nheaders; i++) { free(rs->header_names[i]); free(rs->header_values[i]); }
    memset(rs, 0, sizeof *rs);
}

static bool is_state_changing(enum http_method m) { return m != M_GET && m != M_HEAD && m != M_OPTIONS; }

static void parse_body(struct req *rq, struct resp *rs, const struct route *found)
{
    const char *ct = req_header(rq, "Content-Type");
    /* A route that takes forms (an HTML form, an RFC 8058 one-click POST,
     * whose content type clients vary) reads any body but JSON itself. */
    if ((found->flags & R_FORM) && !(ct && !strncasecmp(ct, "application/json", 16))) return;
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        resp_error(rs, 415, "unsupported_media_type", NULL, "send the body as application/json");
        return;
    }
    json_error_t jerr;
    rq->json = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!rq->json) {
        resp_error(rs, 400, "invalid_json", NULL, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
        return;
    }
    if (!json_is_object(rq->json)) resp_error(rs, 400, "invalid_json", NULL, "the body must be a JSON object");
}

static void dispatch(struct req *rq, struct resp *rs);

void router_dispatch(struct req *rq, struct resp *rs)
{
    /* A read is one read transaction from authentication to answer: one
     * consistent snapshot, and one round of SQLite file locks instead of
     * one per statement; the snapshot is kept for the thread's next read
     * while nothing is committed (db/snapshot.h). */
    db *reader = NULL;
    if (rq->method == M_GET || rq->method == M_HEAD) {
        reader = db_reader();
        if (reader && snap_begin(reader) != 0) reader = NULL;
    }
    dispatch(rq, rs);
    if (reader) snap_end(reader);
}

/* The checks that need only the request head: route match, authentication,
 * CSRF and authorisation. Returns the route, or NULL with rs filled. *bad_id
 * tells a numeric path parameter was not a positive integer (a 404 the
 * caller gives after these checks, so it tells nothing to a stranger). */
static const struct route *route_check(struct req *rq, struct resp *rs, bool *bad_id)
{
    const struct route *found = NULL;
    char allow[128] = "";
    uint32_t segment = segment_hash(rq->path);
    for (size_t i = 0; i < g_nroutes; i++) {
        bool bad = false;
        if (g_route_segment[i] != segment && g_route_segment[i] != ANY_SEGMENT) continue;
        if (!pattern_match(g_routes[i]->pattern, rq->path, rq, &bad)) continue;
        if (strcmp(g_routes[i]->method, rq->method_name) == 0 ||
            (rq->method == M_HEAD && strcmp(g_routes[i]->method, "GET") == 0)) {
            found = g_routes[i];
            *bad_id = bad;
            break;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof allow - used, "%s%s", used ? ", " : "", g_routes[i]->method);
    }
    if (!found) {
        if (allow[0]) {
            resp_error(rs, 405, "method_not_allowed", NULL, "%s is not allowed here", rq->method_name);
            resp_header(rs, "Allow", allow);
        } else {
            resp_error(rs, 404, "no_route", NULL, "no such endpoint");
        }
        return NULL;
    }
    /* The metrics listener (http_serve's metrics_listen) answers its one
     * route without credentials: it is reachable from this host only. */
    if ((found->flags & R_METRICS) && rq->metrics_listener) return found;
    if (!(found->flags & R_PUBLIC)) {
        char csrf[SECRET_TEXT_LEN] = "";
        enum auth_result ar = auth_authenticate(rq, csrf);
        if (ar != AUTH_OK) {
            resp_error(rs, 401, ar == AUTH_NONE ? "unauthenticated" : "invalid_credentials", NULL,
                       ar == AUTH_NONE ? "log in or send an API token" : "the session or token is not valid");
            return NULL;
        }
        rq->authenticated = true;
        if (rq->user.via_cookie && is_state_changing(rq->method)) {
            const char *sent = req_header(rq, "X-CSRF-Token");
            if (!sent || !secret_equal(sent, csrf)) {
                resp_error(rs, 403, "csrf_failed", NULL, "missing or wrong X-CSRF-Token header");
                return NULL;
            }
        }
        if (!authz_allowed(&rq->user, found)) {
            resp_error(rs, 403, "forbidden", NULL, "your role may not %s %s", found->action ? found->action : "use",
                       found->resource ? found->resource : "this");
            return NULL;
        }
    }
    return found;
}

unsigned router_precheck(struct req *rq, struct resp *rs)
{
    db *reader = db_reader();
    if (reader && snap_begin(reader) != 0) reader = NULL;
    bool bad_id = false;
    const struct route *found = route_check(rq, rs, &bad_id);
    if (reader) snap_end(reader);
    /* router_dispatch checks everything again once the body is in: a
     * credential revoked during a long upload still ends it. */
    memset(&rq->user, 0, sizeof rq->user);
    rq->authenticated = false;
    rq->nparams = 0;
    return found ? found->flags | R_FOUND : 0;
}

/* ---- read replica routing (--db-replica) ----
 * A GET may read from the replica when the replica holds every write the
 * user had committed, through any server on the database, when the request
 * came: the writer counts each user's writes in the write transaction and a
 * GET compares the primary's count with the replica's (db/ryw.h). That is
 * exact across servers. The window is a shortcut on top: a user who wrote
 * through this server within it reads from the primary without asking (a
 * read right after one's own write is the common case, and the replica is
 * then seldom caught up anyway). One slot per user id modulo the table (any
 * write in the slot counts): two users sharing a slot only send each other
 * to the primary. --replica-window-ms 0: every GET asks. */
#define RYW_SLOTS 4096
static struct { int64_t user; int64_t until_ms; } g_ryw[RYW_SLOTS];
static pthread_mutex_t g_ryw_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t g_ryw_window_ms = 10000;

void router_replica_window(int64_t ms) { g_ryw_window_ms = ms; }

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool ryw_recent(int64_t user)
{
    pthread_mutex_lock(&g_ryw_mu);
    size_t k = (size_t)((uint64_t)user % RYW_SLOTS);
    bool recent = g_ryw[k].user != 0 && g_ryw[k].until_ms > mono_ms();
    pthread_mutex_unlock(&g_ryw_mu);
    return recent;
}

static void ryw_note(int64_t user)
{
    pthread_mutex_lock(&g_ryw_mu);
    size_t k = (size_t)((uint64_t)user % RYW_SLOTS);
    g_ryw[k].user = user;
    g_ryw[k].until_ms = mono_ms() + g_ryw_window_ms;
    pthread_mutex_unlock(&g_ryw_mu);
}

static void dispatch(struct req *rq, struct resp *rs)
{
    bool bad_id = false;
    const struct route *found = route_check(rq, rs, &bad_id);
    if (!found) return;
    if (bad_id) {
        resp_error(rs, 404, "not_found", "id", "no record with that id");
        return;
    }
    if (rq->body_len > 0 && (rq->method == M_POST || rq->method == M_PATCH || rq->method == M_PUT)) {
        parse_body(rq, rs, found);
        if (rs->status) return;
    }
    rq->route = found;
    bool replica = rq->method == M_GET && rq->authenticated && rq->user.id > 0 && db_replica_configured() &&
                   !ryw_recent(rq->user.id) && ryw_route_to_replica(rq->user.id, rq->user.ryw_known ? rq->user.ryw_writes : -1);
    bool writes = rq->authenticated && rq->user.id > 0 && rq->method != M_GET && rq->method != M_HEAD;
    if (writes) writer_actor(rq->user.id);
    found->handler(rq, rs);
    if (writes) writer_actor(0);
    if (replica) db_reader_replica(false);
    if (rq->authenticated && rq->user.id > 0 && rq->method != M_GET && rq->method != M_HEAD && db_replica_configured())
        ryw_note(rq->user.id);
    if (!rs->status) resp_error(rs, 500, "internal", NULL, "the handler produced no answer");
}
