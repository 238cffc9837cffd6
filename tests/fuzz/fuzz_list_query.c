/* fuzz_list_query: the list query language — filters (name=value,
 * name_from / name_to ranges), sort (name / -name), keyset cursors (after)
 * and full-text q — through the real res_list handler and SQLite, for every
 * resource. The first byte picks the resource; the rest is the query
 * string. The answer must be 200 with {"items", "next"} or a 4xx error
 * body; never 5xx, a crash or a leak. A "next" cursor must work as "after". */
#include "fuzz_common.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct resource *g_res[32];
static int g_nres;

static int64_t g_uid;

static void set_user(struct req *rq)
{
    rq->user.id = g_uid;
    snprintf(rq->user.role, sizeof rq->user.role, "admin");
    snprintf(rq->user.email, sizeof rq->user.email, "fuzz@example.com");
}

static int post(const struct resource *r, const char *body)
{
    struct route route = {.method = "POST", .schema = r};
    struct fake_conn c = {0};
    struct req rq = {.route = &route, .method = M_POST, .method_name = "POST", .path = "/", .conn = &c,
                     .client_addr = "127.0.0.1"};
    set_user(&rq);
    rq.json = json_loads(body, 0, NULL);
    struct resp rs = {0};
    res_create(&rq, &rs);
    int status = rs.status;
    if (status != 201) {
        char *t = json_dumps(rs.json, 0);
        fprintf(stderr, "seed %s: %d %s\n", body, status, t);
        free(t);
    }
    json_decref(rq.json);
    resp_free(&rs);
    return status;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_db_setup();
    g_nres = fuzz_resources(g_res, 32);
    g_uid = fuzz_seed_auth();
    extern struct resource party_resource, interaction_resource, transaction_resource;
    static const char *const names[] = {"张伟", "张伟明", "Zhang Wei", "O'Brien", "李娜", "ACME 有限公司", "x", "Émile"};
    char body[512];
    for (int i = 0; i < 40; i++) {
        snprintf(body, sizeof body,
                 "{\"kind\":\"%s\",\"name\":\"%s %d\",\"emails\":[\"p%d@example.com\"],\"phones\":[\"+86 138 0000 %04d\"],"
                 "\"tags\":[\"t%d\"],\"city\":\"%s\"}",
                 i % 3 ? "person" : "organization", names[i % 8], i, i, i, i % 4, i % 2 ? "北京" : "Shanghai");
        if (post(&party_resource, body) != 201) abort();
    }
    for (int i = 0; i < 40; i++) {
        snprintf(body, sizeof body, "{\"party_id\":%d,\"channel\":\"call\",\"subject\":\"s%d\",\"occurred_at\":\"2025-0%d-1%dT10:00:00Z\"}",
                 i % 40 + 1, i, i % 9 + 1, i % 10);
        if (post(&interaction_resource, body) != 201) abort();
        snprintf(body, sizeof body, "{\"party_id\":%d,\"occurred_at\":\"2024-1%d-0%dT00:00:00+08:00\",\"amount\":{\"amount\":%d,\"currency\":\"CNY\"}}",
                 i % 40 + 1, i % 3, i % 9 + 1, i * 1000 - 5000);
        if (post(&transaction_resource, body) != 201) abort();
    }
    return 0;
}

static json_t *list(const struct resource *r, const char *query, size_t n)
{
    struct route route = {.method = "GET", .schema = r};
    struct fake_conn c = {0};
    fake_conn_parse_query(&c, query, n);
    struct req rq = {.route = &route, .method = M_GET, .method_name = "GET", .path = "/", .conn = &c,
                     .client_addr = "127.0.0.1"};
    set_user(&rq);
    struct resp rs = {0};
    res_list(&rq, &rs);
    fake_conn_free(&c);
    /* Lists answer with JSON text written straight from the rows; it must parse. */
    if (!rs.json && rs.body) {
        rs.json = json_loadb(rs.body, rs.body_len, 0, NULL);
        if (!rs.json) { fprintf(stderr, "%s ?%.*s → unparsable JSON: %s\n", r->name, (int)n, query, rs.body); abort(); }
    }
    if (rs.status >= 500 || rs.status < 200 || !rs.json) {
        char *t = rs.json ? json_dumps(rs.json, 0) : NULL;
        fprintf(stderr, "%s ?%.*s → %d %s\n", r->name, (int)n, query, rs.status, t ? t : "");
        abort();
    }
    if (rs.status != 200) {
        if (rs.status < 400 || !json_is_object(json_object_get(rs.json, "error"))) abort();
        resp_free(&rs);
        return NULL;
    }
    json_t *out = json_incref(rs.json);
    resp_free(&rs);
    if (!json_is_array(json_object_get(out, "items"))) abort();
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096 || !g_nres) return 0;
    const struct resource *r = g_res[data[0] % g_nres];
    json_t *page = list(r, (const char *)data + 1, size - 1);
    json_t *next = page ? json_object_get(page, "next") : NULL;
    if (json_is_string(next)) {
        /* Follow the cursor with the same query. */
        size_t n = size - 1;
        char *q = malloc(n + 700);
        memcpy(q, data + 1, n);
        int k = snprintf(q + n, 700, "&after=%s", json_string_value(next));
        json_t *page2 = list(r, q, n + (size_t)k);
        /* The query worked, so its next page must work too. */
        if (!page2) { fprintf(stderr, "next page of %s ?%.*s failed\n", r->name, (int)(n + (size_t)k), q); abort(); }
        json_decref(page2);
        free(q);
    }
    json_decref(page);
    return 0;
}
