/*
 * parfor.c — fork/join summation over pthreads (see parfor.h). Threads are
 * created per call: a likelihood pass over a million rows takes
 * milliseconds, the ~50 us of thread creation is noise next to that.
 */
#include "analytics/parfor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    parfor_fn fn;
    void *ctx;
    size_t lo, hi;
    int nacc;
    double acc[PARFOR_MAX_ACC];
} parfor_job;

static void *parfor_run(void *arg)
{
    parfor_job *j = arg;
    j->fn(j->ctx, j->lo, j->hi, j->acc);
    return NULL;
}

int parfor_threads(void)
{
    const char *env = getenv("RAPPORT_THREADS");
    long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > PARFOR_MAX_THREADS)
        n = PARFOR_MAX_THREADS;
    return (int)n;
}

void parfor_sum(size_t n, size_t min_parallel, parfor_fn fn, void *ctx, double *acc, int nacc)
{
    int nt = parfor_threads();
    if ((size_t)nt > n / (min_parallel ? min_parallel : 1))
        nt = (int)(n / (min_parallel ? min_parallel : 1));
    if (nt < 1)
        nt = 1;
    memset(acc, 0, (size_t)nacc * sizeof *acc);
    if (nt == 1) {
        fn(ctx, 0, n, acc);
        return;
    }
    parfor_job jobs[PARFOR_MAX_THREADS];
    pthread_t tid[PARFOR_MAX_THREADS];
    int started[PARFOR_MAX_THREADS] = {0};
    for (int t = 0; t < nt; t++) {
        jobs[t].fn = fn;
        jobs[t].ctx = ctx;
        jobs[t].lo = n * (size_t)t / (size_t)nt;
        jobs[t].hi = n * (size_t)(t + 1) / (size_t)nt;
        jobs[t].nacc = nacc;
        memset(jobs[t].acc, 0, sizeof jobs[t].acc);
        /* Chunk 0 runs on this thread; the others get their own. */
        if (t > 0)
            started[t] = pthread_create(&tid[t], NULL, parfor_run, &jobs[t]) == 0;
    }
    parfor_run(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            parfor_run(&jobs[t]); /* could not start a thread: do it here */
    }
    for (int t = 0; t < nt; t++)
        for (int k = 0; k < nacc; k++)
            acc[k] += jobs[t].acc[k];
}
