/* fuzz_fakereq: the request accessors that src/http/server.c implements over
 * libmicrohttpd, read from a struct fake_conn instead, so handler-level
 * targets link without a daemon (the http target includes server.c). */
#include "fuzz_common.h"
#include <string.h>
#include <strings.h>

unsigned long long http_requests_total, http_responses_5xx;

const char *req_query(struct req *rq, const char *name)
{
    struct fake_conn *c = rq->conn;
    for (int i = 0; c && i < c->nquery; i++)
        if (strcmp(c->query[i].key, name) == 0) return c->query[i].value;
    return NULL;
}

int req_query_each(struct req *rq, int (*cb)(void *, const char *, const char *), void *ctx)
{
    struct fake_conn *c = rq->conn;
    for (int i = 0; c && i < c->nquery; i++) {
        int rc = cb(ctx, c->query[i].key, c->query[i].value);
        if (rc) return rc;
    }
    return 0;
}

const char *req_header(struct req *rq, const char *name)
{
    struct fake_conn *c = rq->conn;
    for (int i = 0; c && i < c->nheaders; i++)
        if (strcasecmp(c->headers[i].key, name) == 0) return c->headers[i].value;
    return NULL;
}

const char *req_cookie(struct req *rq, const char *name) { return NULL; }


const char *req_client_addr(struct req *rq) { return rq->client_addr ? rq->client_addr : "127.0.0.1"; }
