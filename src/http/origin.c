/* origin: the address a request came to (req_origin, see http.h). Built
 * from the request's headers alone and kept out of server.c, so that code
 * linked without the libmicrohttpd front (the fuzz targets' fake request
 * accessors) can use it too. */
#include "http/http.h"
#include <stdio.h>
#include <string.h>

void req_origin(struct req *rq, char *out, size_t cap)
{
    const char *host = req_header(rq, "Host"), *proto = req_header(rq, "X-Forwarded-Proto");
    snprintf(out, cap, "%s://%s", proto && !strcmp(proto, "https") ? "https" : "http", host && host[0] ? host : "localhost");
}
