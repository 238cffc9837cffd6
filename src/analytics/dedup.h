/*
 * dedup.h — group identical keys of up to three doubles.
 *
 * Owns the compression step of the model fits: customers with identical
 * (x, t_x, T) contribute identical likelihood terms, so a fit sums over
 * distinct tuples weighted by their counts. Real data has day-resolution
 * dates, which makes distinct tuples far fewer than customers.
 */
#ifndef RAPPORT_ANALYTICS_DEDUP_H
#define RAPPORT_ANALYTICS_DEDUP_H

#include <stddef.h>

typedef struct {
    size_t n_groups;  /* distinct keys */
    size_t *index;    /* [n] group of each input row */
    double *keys;     /* [n_groups * width] first occurrence of each key */
    double *weight;   /* [n_groups] number of rows in the group */
    int width;
} dedup_t;

/* Group rows i = 0..n-1 by (k0[i], k1[i], k2[i]); k1/k2 may be NULL for
 * narrower keys. Returns 0, or -1 on out of memory. Free with dedup_free. */
int dedup_build(dedup_t *d, size_t n, const double *k0, const double *k1, const double *k2);

/* Same, but only rows with mask[i] != 0 take part (index[i] = SIZE_MAX for
 * the others). */
int dedup_build_masked(dedup_t *d, size_t n, const double *k0, const double *k1, const double *k2,
                       const unsigned char *mask);

void dedup_free(dedup_t *d);

#endif
