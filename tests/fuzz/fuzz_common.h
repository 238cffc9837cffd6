/* fuzz_common: shared set-up for the libFuzzer targets — a throw-away
 * database on tmpfs with the schema and the routes registered, and a fake
 * request (query string and headers without libmicrohttpd) for targets that
 * call handlers directly. */
#ifndef RAPPORT_FUZZ_COMMON_H
#define RAPPORT_FUZZ_COMMON_H
#include "api/api.h"
#include "http/http.h"
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_KV 64

struct fake_kv { char *key, *value; };
struct fake_conn {
    struct fake_kv query[FAKE_MAX_KV];
    int nquery;
    struct fake_kv headers[16];
    int nheaders;
};

/* Opens a fresh database under /dev/shm (removed at exit), runs the
 * migrations and registers every route (api_init). Call once. */
void fuzz_db_setup(void);
/* Adds an admin user fuzz@example.com with the bearer token "rpt_fuzz" and
 * the session cookie "fuzzsession" (CSRF token "fuzzcsrf"), and one party;
 * returns the user's id. */
int64_t fuzz_seed_auth(void);
/* Splits "a=b&c=d" (percent-decoded like libmicrohttpd) into c's query. */
void fake_conn_parse_query(struct fake_conn *c, const char *data, size_t n);
void fake_conn_add_header(struct fake_conn *c, const char *name, const char *value);
void fake_conn_free(struct fake_conn *c);
/* Distinct resource descriptors of the registered routes. */
int fuzz_resources(const struct resource **out, int cap);
#endif
