/* server: libmicrohttpd glue. Accumulates each request (with a hard body
 * cap), turns it into struct req, runs the router or serves an embedded
 * asset, and queues the answer with the security headers.
 *
 * The answer is queued on a later access-handler call, never the first: a
 * response queued on the first call makes libmicrohttpd 0.9.75 close
 * keep-alive connections, which costs about 4x in throughput. */
#include "db/db.h"
#include "db/snapshot.h"
#include "http/addrbudget.h"
#include "http/assets.h"
#include "http/http.h"
#include "lib/jsonw.h"
#include "lib/log.h"
#include "lib/memtrim.h"
#include "lib/strbuf.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

unsigned long long http_requests_total, http_responses_5xx;

/* A request from its first byte to its answer. Writes are handed to the
 * worker pool (below) with the connection suspended, so that an MHD thread
 * never blocks on a commit; the answer is queued when MHD calls us again
 * after the worker resumed the connection. */
enum phase { RECEIVING, DISPATCHED, READY };

struct pending {
    strbuf body;
    bool started;             /* the access handler has seen the head */
    bool bad_path;            /* %00 or a control character in the path */
    bool uri_refused;         /* answered 414 from uri_check: close, answer nothing */
    bool refused;             /* refused on the head (rs is filled): the body is thrown away */
    bool answered;            /* answered on the head */
    bool anonymous;           /* a public route: the body counts against the address's budget */
    bool metrics_listener;
    size_t anon_bytes;        /* reserved in addrbudget for this request */
    char anon_addr[64];
    bool too_large;
    FILE *upload;             /* R_UPLOAD: the body goes to upload_path */
    char *upload_path;        /* allocated for uploads only: a request record stays small */
    uint64_t upload_len;
    enum phase phase;
    struct MHD_Connection *conn;
    struct req rq;
    struct resp rs;
    struct pending *next;
};

/* The worker pool: blocking work (writes wait for their group commit,
 * logins for argon2id) runs here, many at a time, which is what lets the
 * writer batch many requests into one fsync. */
#define WORKERS 32
static pthread_t g_workers[WORKERS];
static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_pool_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_pool_idle = PTHREAD_COND_INITIALIZER;
static struct pending *g_queue_head, *g_queue_tail;
static int g_busy;
static bool g_pool_stop;

static void *worker_main(void *arg)
{
    db_reader_shared();
    pthread_mutex_lock(&g_pool_mu);
    for (;;) {
        while (!g_queue_head && !g_pool_stop) pthread_cond_wait(&g_pool_cv, &g_pool_mu);
        if (!g_queue_head) break;
        struct pending *p = g_queue_head;
        g_queue_head = p->next;
        if (!g_queue_head) g_queue_tail = NULL;
        g_busy++;
        pthread_mutex_unlock(&g_pool_mu);
        router_dispatch(&p->rq, &p->rs);
        db_reader_yield(true);
        p->phase = READY;
        MHD_resume_connection(p->conn);
        pthread_mutex_lock(&g_pool_mu);
        if (--g_busy == 0 && !g_queue_head) pthread_cond_broadcast(&g_pool_idle);
    }
    pthread_mutex_unlock(&g_pool_mu);
    db_reader_release();
    return NULL;
}

/* A request record is 1.1 KB, above what glibc's per-thread cache keeps
 * (1,032 bytes): allocated per request, it went through the arena and its
 * consolidation every time. Each event-loop thread keeps a few for reuse. */
#define PENDING_SPARE 16
static _Thread_local struct pending *t_spare[PENDING_SPARE];
static _Thread_local int t_nspare;
static _Thread_local bool t_spare_key_set;
static pthread_key_t g_spare_key;
static pthread_once_t g_spare_once = PTHREAD_ONCE_INIT;

static void spares_free(void *unused)
{
    while (t_nspare) free(t_spare[--t_nspare]);
}

static void spare_key_create(void) { pthread_key_create(&g_spare_key, spares_free); }

static struct pending *pending_new(void)
{
    if (!t_nspare) return calloc(1, sizeof(struct pending));
    struct pending *p = t_spare[--t_nspare];
    memset(p, 0, sizeof *p);
    return p;
}

static void pending_free(struct pending *p)
{
    if (t_nspare == PENDING_SPARE) { free(p); return; }
    if (!t_spare_key_set) {
        /* the key's destructor frees the spares when the thread ends */
        pthread_once(&g_spare_once, spare_key_create);
        pthread_setspecific(g_spare_key, t_spare);
        t_spare_key_set = true;
    }
    t_spare[t_nspare++] = p;
}

static void pool_submit(struct pending *p)
{
    pthread_mutex_lock(&g_pool_mu);
    p->next = NULL;
    if (g_queue_tail) g_queue_tail->next = p; else g_queue_head = p;
    g_queue_tail = p;
    pthread_cond_signal(&g_pool_cv);
    pthread_mutex_unlock(&g_pool_mu);
}

/* Waits until every dispatched request has been answered, then stops. */
static void pool_stop(void)
{
    pthread_mutex_lock(&g_pool_mu);
    while (g_busy || g_queue_head) pthread_cond_wait(&g_pool_idle, &g_pool_mu);
    g_pool_stop = true;
    pthread_cond_broadcast(&g_pool_cv);
    pthread_mutex_unlock(&g_pool_mu);
    for (int i = 0; i < WORKERS; i++) pthread_join(g_workers[i], NULL);
}

/* Paths the router answers rather than the web assets: the API, the probes,
 * and the public lead forms and calendar feeds (issue 18). */
static bool routed_path(const char *url)
{
    return strncmp(url, "/api/", 5) == 0 || strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0 ||
           strncmp(url, "/forms/", 7) == 0 || strncmp(url, "/calendar/", 10) == 0 || strncmp(url, "/survey/", 8) == 0;
}

static const char CSP_JSON[] = "default-src 'none'; frame-ancestors 'none'";
static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const char *req_query(struct req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter { int (*cb)(void *, const char *, const char *); void *ctx; int rc; };

static enum MHD_Result query_iter_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct query_iter *it = cls;
    it->rc = it->cb(it->ctx, key, value ? value : "");
    return it->rc ? MHD_NO : MHD_YES;
}

int req_query_each(struct req *rq, int (*cb)(void *ctx, const char *key, const char *value), void *ctx)
{
    struct query_iter it = {cb, ctx, 0};
    if (rq->conn) MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, query_iter_cb, &it);
    return it.rc;
}

const char *req_header(struct req *rq, const char *name)
{
    return rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *req_cookie(struct req *rq, const char *name)
{
    return rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name) : NULL;
}

static enum http_method method_of(const char *m)
{
    static const struct { const char *name; enum http_method m; } map[] = {
        {"GET", M_GET}, {"POST", M_POST}, {"PUT", M_PUT}, {"PATCH", M_PATCH},
        {"DELETE", M_DELETE}, {"HEAD", M_HEAD}, {"OPTIONS", M_OPTIONS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(m, map[i].name) == 0) return map[i].m;
    return M_OTHER;
}

static void serve_asset(struct req *rq, struct resp *rs)
{
    const struct asset *a = asset_find(rq->path);
    /* Client-side routes (/customers/12) get the application shell. */
    const char *base = strrchr(rq->path, '/');
    if (!a && rq->path[0] == '/' && !strchr(base ? base : rq->path, '.')) a = asset_find("/index.html");
    if (!a) { resp_error(rs, 404, "not_found", NULL, "no such file"); return; }
    /* gzip when the client accepts it (compressed at build time), 304 when
     * its copy is current; see assets.c for the caching policy. */
    struct asset_choice c;
    asset_choose(a, req_header(rq, "Accept-Encoding"), req_header(rq, "If-None-Match"), &c);
    rs->status = c.status;
    rs->static_body = c.body;
    rs->body_len = c.body_len;
    rs->content_type = c.status == 200 ? a->content_type : NULL;
    if (c.etag) resp_header(rs, "ETag", c.etag);
    if (c.varies) resp_header(rs, "Vary", "Accept-Encoding");
    if (c.gzip && c.status == 200) resp_header(rs, "Content-Encoding", "gzip");
    resp_header(rs, "Cache-Control", c.cache_control);
}

/* Paths the router answers (the rest are the web UI's files): the API,
 * the probes, and the public survey pages of issue 19 (/survey/{token}). */
static const char OOM_BODY[] = "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"the server ran out of memory building the answer\"}}";

static enum MHD_Result send_response(struct MHD_Connection *conn, struct req *rq, struct resp *rs)
{
    struct MHD_Response *r;
    bool api = strncmp(rq->path, "/api/", 5) == 0 || rs->json;
    if (rs->json) {
        /* Not json_dumps: when an allocation fails, jansson 2.14 skips a
         * failed object key and returns broken JSON; the strbuf's sticky
         * failure flag catches every failed write (and jw_json writes the
         * same text in about a fifth of jansson's instructions). A write already
         * committed keeps its 2xx (with no body); anything else becomes a 503. */
        strbuf sb;
        sb_init(&sb, 0);
        jw_json(&sb, rs->json);
        if (sb.failed) {
            sb_free(&sb);
            if (rs->status < 200 || rs->status >= 300) rs->status = 503;
            size_t n = rs->status == 503 ? sizeof OOM_BODY - 1 : 0;
            r = MHD_create_response_from_buffer(n, (void *)OOM_BODY, MHD_RESPMEM_PERSISTENT);
        } else {
            size_t n = sb.len;
            char *text = sb_take(&sb);
            r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
            if (!r) free(text);
        }
        if (r) MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    } else if (rs->file_fd > 0) {
        r = MHD_create_response_from_fd(rs->body_len, rs->file_fd);
        if (r) rs->file_fd = 0;
    } else if (rs->body) {
        r = MHD_create_response_from_buffer(rs->body_len, rs->body, MHD_RESPMEM_MUST_FREE);
        rs->body = NULL;
    } else {
        r = MHD_create_response_from_buffer(rs->body_len, (void *)rs->static_body, MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO;
    if (rs->content_type) MHD_add_response_header(r, "Content-Type", rs->content_type);
    /* A JSON answer is never a page: it gets the strictest policy, short,
     * and no Referrer-Policy (it links to nothing). Headers cost an
     * allocation and two copies each in libmicrohttpd, on every answer. */
    bool json_answer = rs->json || (rs->content_type && !strncmp(rs->content_type, "application/json", 16));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (!json_answer) MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    /* A handler may set its own framing policy (a quote's PDF is framed by
     * the app's own page); every other answer refuses to be framed. */
    bool cache_set = false, frame_set = false, csp_set = false;
    for (int i = 0; i < rs->nheaders; i++) {
        cache_set |= !strcasecmp(rs->header_names[i], "Cache-Control");
        frame_set |= !strcasecmp(rs->header_names[i], "X-Frame-Options");
        csp_set |= !strcasecmp(rs->header_names[i], "Content-Security-Policy");
    }
    if (!frame_set) MHD_add_response_header(r, "X-Frame-Options", "DENY");
    if (!csp_set) MHD_add_response_header(r, "Content-Security-Policy", json_answer ? CSP_JSON : CSP);
    if (!cache_set) MHD_add_response_header(r, "Cache-Control", api ? "no-store" : "no-cache");
    for (int i = 0; i < rs->nheaders; i++) MHD_add_response_header(r, rs->header_names[i], rs->header_values[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

const char *req_client_addr(struct req *rq)
{
    if (rq->client_addr) return rq->client_addr;
    char *out = rq->client_addr_buf;
    socklen_t cap = sizeof rq->client_addr_buf;
    out[0] = '\0';
    rq->client_addr = out;
    const union MHD_ConnectionInfo *ci = rq->conn ? MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (!ci || !ci->client_addr) return out;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, cap);
    else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, cap);
    return out;
}

/* Limits of the request line, checked on the raw URI before libmicrohttpd
 * parses it: 0.9.75 keeps the head and a record of every query argument and
 * header in the connection's memory pool (HEAD_POOL_BYTES), and when the
 * pool runs out while it parses the query (about 250 arguments in 16 KiB) it
 * logs a 431 but leaves the connection without an answer until the 30 s
 * time-out. Within these limits the query always fits the pool; a head too
 * large for it otherwise gets libmicrohttpd's own prompt 431. */
#define MAX_URI_BYTES 8192
#define MAX_QUERY_ARGS 100
#define HEAD_POOL_BYTES (32 * 1024)

static const char URI_TOO_LONG_BODY[] =
    "{\"error\":{\"code\":\"uri_too_long\",\"message\":\"the URI is longer than 8192 bytes or has more than 100 query arguments\"}}";

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* libmicrohttpd's URI-log callback: the raw request target, before it is
 * unescaped (a %00 would end the path early: "/parties/502%00/shares/1"
 * became "/parties/502") or its arguments parsed. Creates the request's
 * record, flags a NUL or control character in the path (400 from the access
 * handler), and answers an over-long URI here, on the socket, since the
 * connection may never reach the access handler (see MAX_QUERY_ARGS). */
static void *uri_check(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct pending *p = pending_new();
    if (!p) return NULL;
    p->metrics_listener = cls != NULL;
    size_t nargs = 0, len = 0;
    bool in_query = false;
    for (const char *c = uri; *c; c++, len++) {
        unsigned char ch = (unsigned char)*c;
        int decoded = -1;
        if (ch == '%' && hex_value(c[1]) >= 0 && hex_value(c[2]) >= 0) decoded = hex_value(c[1]) * 16 + hex_value(c[2]);
        if (ch == '?' && !in_query) { in_query = true; nargs = 1; continue; }
        if (in_query && ch == '&') nargs++;   /* libmicrohttpd splits on '&' only */
        if (decoded == 0 || (!in_query && (ch < 0x20 || ch == 0x7f || (decoded >= 0 && (decoded < 0x20 || decoded == 0x7f))))) p->bad_path = true;
    }
    if (len > MAX_URI_BYTES || nargs > MAX_QUERY_ARGS) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) {
            /* Nothing has been written on this request yet, and the answer
             * fits any socket buffer. The half-close makes the client end
             * the connection, which libmicrohttpd then sees. */
            char answer[512];
            int n = snprintf(answer, sizeof answer,
                             "HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json; charset=utf-8\r\n"
                             "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n"
                             "Content-Length: %zu\r\n\r\n%s", sizeof URI_TOO_LONG_BODY - 1, URI_TOO_LONG_BODY);
            if (send(ci->connect_fd, answer, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) { /* the client is gone */ }
            shutdown(ci->connect_fd, SHUT_WR);
        }
        log_warn("http: refused a request line of %zu bytes with %zu query arguments (414)", len, nargs);
        p->uri_refused = true;
    }
    return p;
}

/* Queues rs at once, on the call that brought the head. libmicrohttpd then
 * reads none of the body and closes the connection after the answer. */
static enum MHD_Result answer_now(struct pending *p, struct MHD_Connection *conn)
{
    p->answered = true;
    __atomic_add_fetch(&http_requests_total, 1, __ATOMIC_RELAXED);
    enum MHD_Result ret = send_response(conn, &p->rq, &p->rs);
    resp_free(&p->rs);
    return ret;
}

/* The head is in, the body (if any) not yet: refuses on the head what can
 * be refused there, so a stranger's body is never stored. A body comes to
 * a route only once its credentials and role are known good; the public
 * login route gets at most ANON_BODY_BYTES a request and ANON_ADDR_BYTES an
 * address. A refused request with a small body has it read and thrown away,
 * so the answer keeps the connection (a client that sent the body at once
 * would otherwise see a reset instead of the answer); any other is answered
 * at once. */
static enum MHD_Result on_head(struct pending *p, struct MHD_Connection *conn, const char *url, const char *method)
{
    struct req *rq = &p->rq;
    struct resp *rs = &p->rs;
    p->started = true;
    sb_init(&p->body, MAX_BODY_BYTES);
    rq->method = method_of(method);
    rq->method_name = method;
    rq->path = url;
    rq->conn = conn;
    rq->metrics_listener = p->metrics_listener;
    if (p->bad_path) {
        resp_error(rs, 400, "invalid_path", NULL, "the path holds an encoded NUL or a control character");
        return answer_now(p, conn);
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
    uint64_t declared = cl ? strtoull(cl, NULL, 10) : 0;
    if (rq->method == M_GET || rq->method == M_HEAD || (declared == 0 && !te)) return MHD_YES;
    bool api = routed_path(url);
    unsigned flags = 0;
    if (p->metrics_listener) resp_error(rs, 404, "no_route", NULL, "this listener serves GET /metrics only");
    else if (api) flags = router_precheck(rq, rs);
    else resp_error(rs, 405, "method_not_allowed", NULL, "%s is not allowed here", method);
    uint64_t cap = MAX_BODY_BYTES;
    if (!rs->status && (flags & R_PUBLIC)) {
        p->anonymous = true;
        cap = ANON_BODY_BYTES;
        snprintf(p->anon_addr, sizeof p->anon_addr, "%s", req_client_addr(rq));
        if (declared > cap) {
            resp_error(rs, 413, "payload_too_large", NULL, "a request without credentials may send at most %u bytes", ANON_BODY_BYTES);
            return answer_now(p, conn);
        }
        if (!addrbudget_take(p->anon_addr, (size_t)declared)) {
            resp_error(rs, 429, "too_many_pending", NULL, "too many unfinished requests from your address");
            resp_header(rs, "Retry-After", "1");
            return answer_now(p, conn);
        }
        p->anon_bytes = (size_t)declared;
    }
    if (rs->status) {
        if (te || declared > ANON_BODY_BYTES) return answer_now(p, conn);
        p->refused = true;   /* drained by on_request, answered when it is in */
        return MHD_YES;
    }
    if (flags & R_UPLOAD) {
        /* Uploads stream to a file beside the database, not into memory. */
        cap = MAX_UPLOAD_BYTES;
        size_t n = strlen(db_files_base()) + sizeof ".upload-XXXXXX";
        p->upload_path = malloc(n);
        int fd = -1;
        if (p->upload_path) {
            snprintf(p->upload_path, n, "%s.upload-XXXXXX", db_files_base());
            fd = mkstemp(p->upload_path);
        }
        p->upload = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!p->upload) {
            if (fd >= 0) { close(fd); unlink(p->upload_path); }
            free(p->upload_path);
            p->upload_path = NULL;
        }
    }
    if (declared > cap) p->too_large = true;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **state)
{
    struct pending *p = *state;
    if (!p) {   /* uri_check could not allocate */
        if (!(p = pending_new())) return MHD_NO;
        *state = p;
    }
    if (p->uri_refused) return MHD_NO;   /* answered by uri_check */
    if (!p->started) return on_head(p, conn, url, method);
    if (p->answered) { *upload_size = 0; return MHD_YES; }
    if (*upload_size && p->refused) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size && p->anonymous) {
        /* Chunked bodies have no Content-Length to reserve on the head. */
        size_t more = p->body.len + *upload_size > p->anon_bytes ? p->body.len + *upload_size - p->anon_bytes : 0;
        if (p->body.len + *upload_size > ANON_BODY_BYTES || (more && !addrbudget_take(p->anon_addr, more))) return MHD_NO;
        p->anon_bytes += more;
    }
    if (*upload_size && p->upload_path) {
        if (!p->too_large && (p->upload_len + *upload_size > MAX_UPLOAD_BYTES || !p->upload ||
                              fwrite(upload, 1, *upload_size, p->upload) != *upload_size)) p->too_large = true;
        p->upload_len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!p->too_large && sb_append(&p->body, upload, *upload_size) != 0) p->too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    struct req *rq = &p->rq;
    struct resp *rs = &p->rs;
    if (p->phase == DISPATCHED) return MHD_YES;   /* woken early: the worker is not done */
    if (p->phase == RECEIVING) {
        rq->method = method_of(method);
        rq->method_name = method;
        rq->path = url;
        rq->conn = conn;
        rq->body = sb_str(&p->body);
        rq->body_len = p->body.len;
        if (p->upload_path) {
            if (p->upload && fclose(p->upload) != 0) p->too_large = true;
            p->upload = NULL;
            rq->upload_path = p->upload_path;
            rq->upload_len = p->upload_len;
        }
        bool api = routed_path(url);
        if (p->refused) {
            /* rs was filled on the head */
        } else if (p->metrics_listener) {
            if (strcmp(url, "/metrics") == 0 && (rq->method == M_GET || rq->method == M_HEAD)) router_dispatch(rq, rs);
            else resp_error(rs, 404, "no_route", NULL, "this listener serves GET /metrics only");
        } else if (p->too_large) {
            if (p->upload_path) resp_error(rs, 413, "payload_too_large", NULL, "the upload is larger than %llu bytes", MAX_UPLOAD_BYTES);
            else resp_error(rs, 413, "payload_too_large", NULL, "the request body is larger than %u bytes", MAX_BODY_BYTES);
        } else if (api && rq->method != M_GET && rq->method != M_HEAD) {
            req_client_addr(rq);   /* here, not on a worker: the connection is MHD's */
            p->phase = DISPATCHED;
            p->conn = conn;
            MHD_suspend_connection(conn);
            pool_submit(p);
            return MHD_YES;
        } else if (api) {
            router_dispatch(rq, rs);
        } else if (rq->method == M_GET || rq->method == M_HEAD) {
            serve_asset(rq, rs);
        } else {
            resp_error(rs, 405, "method_not_allowed", NULL, "%s is not allowed here", method);
        }
    }
    __atomic_add_fetch(&http_requests_total, 1, __ATOMIC_RELAXED);
    if (rs->status >= 500) __atomic_add_fetch(&http_responses_5xx, 1, __ATOMIC_RELAXED);
    enum MHD_Result ret = send_response(conn, rq, rs);
    json_decref(rq->json);
    rq->json = NULL;
    resp_free(rs);
    p->phase = RECEIVING;
    p->refused = false;
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode code)
{
    struct pending *p = *state;
    if (!p) return;
    json_decref(p->rq.json);
    resp_free(&p->rs);
    sb_free(&p->body);
    if (p->upload) fclose(p->upload);
    if (p->upload_path) unlink(p->upload_path);   /* gone already when a handler kept it */
    if (p->anon_bytes) addrbudget_give(p->anon_addr, p->anon_bytes);
    free(p->upload_path);
    pending_free(p);
    *state = NULL;
}

/* Open connections of the API listener: when the last one closes, a burst
 * is over and what its connections used goes back to the system. */
static int g_open_conns;

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx, enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED) __atomic_add_fetch(&g_open_conns, 1, __ATOMIC_RELAXED);
    else if (__atomic_sub_fetch(&g_open_conns, 1, __ATOMIC_RELAXED) == 0) memtrim_after_burst();
}

/* SIGTERM / SIGINT. A process-directed signal runs its handler on any
 * thread that does not block it, and pause() in the main thread returns
 * only for a signal handled there: a handler that ran on a worker left the
 * server paused forever (a test's SIGTERM once did). The handler writes a
 * byte to a pipe the main thread reads, whichever thread it runs on. */
static volatile sig_atomic_t g_stop;
static int g_stop_pipe[2] = {-1, -1};
static void on_signal(int sig)
{
    g_stop = 1;
    int saved = errno;
    if (g_stop_pipe[1] >= 0) (void)!write(g_stop_pipe[1], "x", 1);
    errno = saved;
}

static void wait_for_stop(void)
{
    char c;
    while (!g_stop)
        if (g_stop_pipe[0] < 0 || (read(g_stop_pipe[0], &c, 1) < 0 && errno != EINTR)) pause();
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n') line[--n] = '\0';
    log_warn("http: %s", line);
}

/* Parses "host:port" (or "port", host 127.0.0.1) into sa; 0 or -1. */
static int parse_listen(const char *listen_addr, struct sockaddr_in *sa)
{
    char host[256] = "127.0.0.1";
    int port;
    const char *colon = strrchr(listen_addr, ':');
    if (colon) {
        snprintf(host, sizeof host, "%.*s", (int)(colon - listen_addr), listen_addr);
        port = atoi(colon + 1);
    } else {
        port = atoi(listen_addr);
    }
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 || port < 0 || port > 65535) {
        log_error("%s is not an IPv4 address:port", listen_addr);
        return -1;
    }
    return 0;
}

/* The metrics listener: one thread, a few connections, loopback only, so
 * a Prometheus scraper on this host needs no credentials while /metrics on
 * the main listener needs an admin. */
static struct MHD_Daemon *metrics_start(const char *metrics_listen)
{
    struct sockaddr_in sa;
    if (parse_listen(metrics_listen, &sa) != 0) return NULL;
    if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        log_error("--metrics-listen: %s is not a loopback address (127.x.x.x)", metrics_listen);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, ntohs(sa.sin_port), NULL, NULL,
        on_request, (void *)1,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_URI_LOG_CALLBACK, uri_check, (void *)1,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEAD_POOL_BYTES,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!d) log_error("cannot listen on %s for metrics (port in use?)", metrics_listen);
    return d;
}

int http_serve(const char *listen_addr, int threads, const char *metrics_listen)
{
    struct sockaddr_in sa;
    if (parse_listen(listen_addr, &sa) != 0) {
        log_error("--listen: %s is not an IPv4 address:port", listen_addr);
        return -1;
    }
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    int port = ntohs(sa.sin_port);
    snap_service_start();   /* before the request threads run: they read its state */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)port, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_URI_LOG_CALLBACK, uri_check, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)2048,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)512,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEAD_POOL_BYTES,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_END);
    if (!d) {
        snap_service_stop();
        log_error("cannot listen on %s (port in use?)", listen_addr);
        return -1;
    }
    struct MHD_Daemon *md = NULL;
    if (metrics_listen && !(md = metrics_start(metrics_listen))) {
        MHD_stop_daemon(d);
        snap_service_stop();
        return -1;
    }
    g_pool_stop = false;
    for (int i = 0; i < WORKERS; i++) pthread_create(&g_workers[i], NULL, worker_main, NULL);
    if (g_stop_pipe[0] < 0 && pipe2(g_stop_pipe, O_CLOEXEC) != 0) log_warn("no stop pipe: %s", strerror(errno));
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    printf("Rapport is serving on http://%s:%d/\n", host, port);
    if (md) printf("Metrics (no credentials) on http://%s/metrics\n", metrics_listen);
    fflush(stdout);
    wait_for_stop();
    log_info("shutting down");
    if (md) MHD_stop_daemon(md);
    MHD_quiesce_daemon(d);   /* no new connections; answer the ones in flight */
    pool_stop();
    MHD_stop_daemon(d);
    snap_service_stop();   /* after the request threads: it ends their snapshots */
    return 0;
}
