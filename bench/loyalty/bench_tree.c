/* bench_tree: where the time of a referral-tree read goes (issue 21). On a
 * programme built by referral_build.sql, calls referral_tree() — what GET
 * …/members/{id}/tree does, without HTTP — for N random members and the
 * JSON text of each answer, timing every call twice: wall time and the
 * thread's CPU time. CPU time is the work itself (SQL, allocation, JSON);
 * wall minus CPU is time the thread waited (preempted by other processes,
 * page faults, locks). On a machine shared with other work the wall tail is
 * the scheduler's; the CPU tail is ours.
 * Usage: bench_tree DB N */
#include "db/db.h"
#include "domain/referral.h"
#include "records/registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, long n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    printf("  %-10s median %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n", what, v[n / 2], v[n * 9 / 10],
           v[n * 99 / 100], v[n * 999 / 1000], v[n - 1]);
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_tree DB N\n"); return 2; }
    long n = atol(argv[2]);
    char err[256] = "";
    if (n < 10 || db_global_open(argv[1], false, err, sizeof err)) { fprintf(stderr, "bench_tree: %s\n", err); return 1; }
    registry_init();
    db *c = db_reader();
    db_stmt *s = db_prepare(c, "SELECT max(id) FROM referral_member");
    long total = s && db_step(s) == DB_ROW ? (long)db_column_int64(s, 0) : 0;
    db_done(s);
    if (total < 1) { fprintf(stderr, "bench_tree: no members\n"); return 1; }
    double *wall = malloc((size_t)n * sizeof *wall), *cpu = malloc((size_t)n * sizeof *cpu), *wait = malloc((size_t)n * sizeof *wait);
    srandom(7);
    for (long i = 0; i < n; i++) {
        int64_t m = 1 + random() % total;
        double w0 = ms(CLOCK_MONOTONIC), c0 = ms(CLOCK_THREAD_CPUTIME_ID);
        json_t *t = referral_tree(c, 1, m, 0, 20);
        char *text = t ? json_dumps(t, JSON_COMPACT) : NULL;
        free(text);
        json_decref(t);
        wall[i] = ms(CLOCK_MONOTONIC) - w0;
        cpu[i] = ms(CLOCK_THREAD_CPUTIME_ID) - c0;
        wait[i] = wall[i] > cpu[i] ? wall[i] - cpu[i] : 0;
        if (!t) { fprintf(stderr, "bench_tree: member %lld not found\n", (long long)m); return 1; }
    }
    printf("  %ld tree reads of random members out of %ld (referral_tree + JSON, no HTTP)\n", n, total);
    report("wall", wall, n);
    report("cpu", cpu, n);
    report("waiting", wait, n);
    free(wall);
    free(cpu);
    free(wait);
    db_global_close();
    return 0;
}
