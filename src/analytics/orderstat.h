/*
 * orderstat.h — exact order statistics of an array of doubles.
 *
 * Owns the selection behind the recompute's cut-offs (RFM mean spend,
 * pyramid net profit) and the value matrices' quantiles: a few ranks of a
 * large array, found by one histogram pass and a selection among the few
 * values that share the wanted ranks' buckets, instead of partitioning the
 * whole array (issue 16: the recompute against DuckDB). The answers are the
 * exact order statistics, equal to those of a sort.
 */
#ifndef RAPPORT_ANALYTICS_ORDERSTAT_H
#define RAPPORT_ANALYTICS_ORDERSTAT_H

#include <stddef.h>

/* k-th smallest (0-based) of a[0..n-1], n > k; reorders a (Hoare). */
double os_select(double *a, size_t n, size_t k);

#define OS_MAX_RANKS 16

/* out[i] = the rank[i]-th smallest (0-based, rank[i] < n) of a[0..n-1],
 * for i < nk (at most OS_MAX_RANKS; ranks in any order, repeats allowed).
 * a is not changed; no value may be NaN. Returns 0, or -1 when out of
 * memory (out unchanged). */
int os_ranks(const double *a, size_t n, size_t nk, const size_t *rank, double *out);

/* Quantile q (0..1) with linear interpolation between the order
 * statistics around q (n - 1); NAN for n == 0 or when out of memory. */
double os_quantile(const double *a, size_t n, double q);

#endif
