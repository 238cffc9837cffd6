/*
 * parfor.h — split a summation over [0, n) across worker threads.
 *
 * Owns the only threading in the analytics engine: likelihood passes and
 * batch predictions call parfor_sum, which runs fn on contiguous chunks in
 * up to parfor_threads() pthreads and adds the per-chunk accumulators in a
 * fixed order (so results do not depend on scheduling).
 */
#ifndef RAPPORT_ANALYTICS_PARFOR_H
#define RAPPORT_ANALYTICS_PARFOR_H

#include <stddef.h>

#define PARFOR_MAX_ACC 16
/* Chunks (threads) of one call at most. */
#define PARFOR_MAX_THREADS 8

/* fn adds its contribution for rows [lo, hi) into acc[0..nacc-1] (zeroed). */
typedef void (*parfor_fn)(void *ctx, size_t lo, size_t hi, double *acc);

/* Runs fn over [0, n); acc receives the sum of all chunks. Work below
 * min_parallel rows runs on the calling thread. */
void parfor_sum(size_t n, size_t min_parallel, parfor_fn fn, void *ctx, double *acc, int nacc);

/* Worker threads used (online CPUs, at most 8; RAPPORT_THREADS overrides). */
int parfor_threads(void);

#endif
