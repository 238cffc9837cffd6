/* cmd_analyze: `rapport analyze` recomputes every party's scores (the same
 * run as POST /api/v1/analytics/runs) with a progress bar on a terminal, and
 * prints the run as one JSON object; `rapport analytics settings get [KEY]`
 * and `rapport analytics settings set KEY VALUE` read and change the
 * analytics settings (docs/ANALYTICS.md lists them). */
#include "analytics/service.h"
#include "cli/cli.h"
#include "db/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct progress {
    struct timespec t0;
};

static void analyze_progress(void *ctx, const char *stage, long done, long total)
{
    struct progress *p = ctx;
    if (strcmp(stage, "store") != 0) {
        if (cli_interactive()) fprintf(stderr, "\ranalyze: %s...          ", stage);
        return;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double el = (double)(t.tv_sec - p->t0.tv_sec) + (t.tv_nsec - p->t0.tv_nsec) * 1e-9;
    if (cli_interactive() && done == 0 && total == 0) fputc('\n', stderr);
    else cli_progress("\ranalyze: storing scores", done, total, el);
}

int cmd_analyze(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *extra = cli_leftover(argc, argv, 1);
    if (extra) { fprintf(stderr, "rapport analyze: unexpected argument '%s'\nusage: rapport analyze [--db PATH]\n", extra); return 2; }
    if (cli_open_db(path, false) != 0) return 1;
    if (an_service_start(false) != 0) { fprintf(stderr, "rapport analyze: cannot load the transactions\n"); db_global_close(); return 1; }
    struct progress p;
    clock_gettime(CLOCK_MONOTONIC, &p.t0);
    json_t *result = NULL;
    char err[256] = "";
    int rc = an_run(analyze_progress, &p, &result, err, sizeof err);
    if (rc == 0) {
        json_object_set_new(result, "store", an_store_info());
        char *text = json_dumps(result, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
    } else {
        fprintf(stderr, "rapport analyze: %s\n", err);
    }
    json_decref(result);
    an_service_stop();
    db_global_close();
    return rc == 0 ? 0 : 1;
}

static int settings_usage(void)
{
    fprintf(stderr, "usage: rapport analytics settings get [KEY] [--db PATH]\n"
                    "       rapport analytics settings set KEY VALUE [--db PATH]\n");
    return 2;
}

int cmd_analytics(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *what = cli_positional(argc, argv, 0), *verb = cli_positional(argc, argv, 1);
    const char *key = cli_positional(argc, argv, 2), *value = cli_positional(argc, argv, 3);
    if (!what || strcmp(what, "settings") != 0 || !verb) return settings_usage();
    bool get = !strcmp(verb, "get"), set = !strcmp(verb, "set");
    if ((!get && !set) || (set && (!key || !value)) || cli_positional(argc, argv, get ? 3 : 4)) return settings_usage();
    if (cli_open_db(path, false) != 0) return 1;
    int rc = 0;
    if (get) {
        json_t *all = an_settings_get(db_reader());
        json_t *out = all;
        if (key) {
            out = json_object_get(all, key);
            if (!out) { fprintf(stderr, "rapport analytics: %s is not an analytics setting\n", key); rc = 1; }
        }
        if (out) {
            char *text = json_dumps(key ? json_object_get(out, "value") : out, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_SORT_KEYS);
            printf("%s\n", text);
            free(text);
        }
        json_decref(all);
    } else {
        json_t *ch = json_object();
        json_object_set_new(ch, key, json_string(value));
        char field[64], err[256];
        if (an_settings_put(ch, field, err, sizeof err) != 0) { fprintf(stderr, "rapport analytics: %s\n", err); rc = 1; }
        else printf("%s = %s (takes effect at the next `rapport analyze` or run)\n", key, value);
        json_decref(ch);
    }
    db_global_close();
    return rc;
}
