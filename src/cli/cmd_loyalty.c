/* cmd_loyalty: `rapport loyalty check [--repair] [--json]` — the points
 * ledger check of domain/points.h from the operator's shell, beside a
 * running server or not: every balance rebuilt from the append-only ledger
 * and compared with the stored running balances and lot rests. --repair
 * rewrites the lot cache (points_lot) from the ledger in one write
 * transaction and checks again; the ledger itself is never changed. Exit 0
 * when the ledger and the balances agree, 1 when they do not (or storage
 * failed), 2 on a usage error. */
#include "cli/cli.h"
#include "db/db.h"
#include "db/writer.h"
#include "domain/points.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int repair_job(db *w, void *arg)
{
    json_t **out = arg;
    *out = points_check(w, true);
    return *out ? 0 : 1;
}

static void print_text(const json_t *r, bool repaired)
{
    int64_t problems = json_integer_value(json_object_get(r, "problems"));
    printf("points ledger %s: %lld postings, %lld parties, %lld problem%s%s\n",
           problems ? "MISMATCH" : "consistent", (long long)json_integer_value(json_object_get(r, "postings")),
           (long long)json_integer_value(json_object_get(r, "parties")), (long long)problems, problems == 1 ? "" : "s",
           repaired ? " (after repair)" : "");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r, "mismatches"), i, m)
        printf("  party %lld: %s expected %lld, stored %lld (posting/lot %lld)\n",
               (long long)json_integer_value(json_object_get(m, "party_id")), json_string_value(json_object_get(m, "what")),
               (long long)json_integer_value(json_object_get(m, "expected")),
               (long long)json_integer_value(json_object_get(m, "stored")),
               (long long)json_integer_value(json_object_get(m, "posting_id")));
}

int cmd_loyalty(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    bool repair = opt_flag(argc, argv, "--repair"), as_json = opt_flag(argc, argv, "--json");
    const char *sub = cli_positional(argc, argv, 0);
    if (!sub || strcmp(sub, "check") || cli_positional(argc, argv, 1)) {
        fprintf(stderr, "usage: rapport loyalty check [--repair] [--json] [--db PATH]\n");
        return 2;
    }
    if (cli_open_db(path, false) != 0) return 1;
    json_t *r = NULL;
    if (repair) {
        json_t *first = NULL;
        if (db_write(repair_job, &first) == 0) {
            json_decref(first);
            r = points_check(db_reader(), false);   /* what the repair left, read back */
        } else {
            json_decref(first);
        }
    } else {
        r = points_check(db_reader(), false);
    }
    db_global_close();
    if (!r) { fprintf(stderr, "rapport loyalty check: the ledger could not be read\n"); return 1; }
    if (as_json) {
        char *s = json_dumps(r, JSON_COMPACT);
        if (s) puts(s);
        free(s);
    } else {
        print_text(r, repair);
    }
    int rc = json_is_true(json_object_get(r, "ok")) ? 0 : 1;
    json_decref(r);
    return rc;
}
