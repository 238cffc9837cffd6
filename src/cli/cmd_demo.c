/* cmd_demo: `rapport demo` — fill the database with the demo dataset. */
#include "api/party_docs.h"
#include "cli/cli.h"
#include "domain/demo.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static struct timespec g_start;

static void show(long done, long total)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    cli_progress("demo", done, total, (double)(now.tv_sec - g_start.tv_sec) + (now.tv_nsec - g_start.tv_nsec) / 1e9);
}

int cmd_demo(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *ns = opt_value(argc, argv, "--parties"), *ss = opt_value(argc, argv, "--seed");
    const char *extra = cli_leftover(argc, argv, 1);
    if (extra) { fprintf(stderr, "rapport demo: unexpected argument '%s'\n", extra); return 2; }
    char *end = NULL;
    long n = ns ? strtol(ns, &end, 10) : 1000;
    if ((ns && *end) || n < 1 || n > 10000000) { fprintf(stderr, "rapport demo: --parties must be 1 … 10000000\n"); return 2; }
    unsigned long long seed = ss ? strtoull(ss, &end, 10) : 1;
    if (ss && *end) { fprintf(stderr, "rapport demo: --seed must be a number\n"); return 2; }
    if (cli_open_db(path, true) != 0) return 1;
    if (party_docs_check_format() != 0) { fprintf(stderr, "rapport demo: cannot check the stored party documents\n"); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &g_start);
    struct demo_stats st;
    if (demo_generate(n, seed, show, &st) != 0) { fprintf(stderr, "rapport demo: generation failed\n"); return 1; }
    printf("demo data: %ld parties, %ld links, %ld interactions, %ld transactions, %ld products, %ld staff users\n",
           st.parties, st.links, st.interactions, st.transactions, st.products, st.users);
    return 0;
}
