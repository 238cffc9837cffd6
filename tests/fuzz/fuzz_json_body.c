/* fuzz_json_body: request bodies as the router parses them (jansson,
 * JSON_REJECT_DUPLICATES) through res_validate for every resource
 * descriptor, create and patch, then the type's rule and the diff
 * and serialisation of what was accepted. Properties: a validated record
 * validates again unchanged (normalisation is idempotent), and every
 * rejection names a status and code. */
#include "fuzz_common.h"
#include <stdio.h>
#include <stdlib.h>

static const struct resource *g_res[32];
static int g_nres;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_db_setup();
    g_nres = fuzz_resources(g_res, 32);
    if (g_nres < 5) abort();
    return 0;
}

static void one(const struct resource *r, json_t *in, bool create)
{
    struct verr e = {0};
    json_t *rec = res_validate(r, in, create, &e);
    if (!rec) {
        if (!e.status || !e.code) abort();
        return;
    }
    struct verr e2 = {0};
    json_t *again = res_validate(r, rec, create, &e2);
    if (!again || !json_equal(again, rec)) {
        char *a = json_dumps(rec, JSON_COMPACT), *b = again ? json_dumps(again, JSON_COMPACT) : NULL;
        fprintf(stderr, "%s: not idempotent:\n  %s\n  %s (%s)\n", r->name, a, b ? b : "rejected", e2.message);
        abort();
    }
    json_decref(again);
    /* The type's rule, as the write path runs it: a function of (actor,
     * old, new); a create has no old record. */
    struct actor a = ACTOR_USER(1);
    a.role = "admin";
    struct verr e3 = {0};
    if (r->rule && r->rule(&a, create ? NULL : rec, rec, &e3) && (!e3.status || !e3.code)) abort();
    json_t *d1 = res_diff(r, NULL, rec), *d2 = res_diff(r, rec, rec);
    if (json_object_size(d2) != 0) abort();
    char *text = json_dumps(d1, JSON_COMPACT);
    free(text);
    json_decref(d1);
    json_decref(d2);
    json_decref(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16)) return 0;
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(in)) { json_decref(in); return 0; }
    for (int i = 0; i < g_nres; i++) {
        one(g_res[i], in, true);
        one(g_res[i], in, false);
    }
    json_decref(in);
    return 0;
}
