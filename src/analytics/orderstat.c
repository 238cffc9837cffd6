/*
 * orderstat.c — exact order statistics (see orderstat.h).
 *
 * os_ranks: the values' range is cut into OS_BUCKETS equal buckets; one
 * pass counts them, the cumulative counts name the bucket of every wanted
 * rank and its rank inside it, a second pass copies the values of those
 * few buckets out (about n / OS_BUCKETS each), and a selection there gives
 * the exact value. The bucket of v, (v - lo) * scale rounded down, never
 * decreases as v grows (each correctly rounded step is monotone), so the
 * buckets are ordered like their values. Skewed data whose wanted buckets
 * hold more than a quarter of the values, small arrays and ranges that
 * overflow fall back to a selection over a copy of everything.
 */
#include "analytics/orderstat.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OS_BUCKETS (1u << 16)
#define OS_SMALL 4096

double os_select(double *a, size_t n, size_t k)
{
    long lo = 0, hi = (long)n - 1, kk = (long)k;
    while (hi > lo) {
        double pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (kk <= j)
            hi = j;
        else if (kk >= i)
            lo = i;
        else
            return a[kk];
    }
    return a[kk];
}

/* Order of rank[] ascending (nk is small: insertion sort). */
static void rank_order(size_t nk, const size_t *rank, size_t *ord)
{
    for (size_t i = 0; i < nk; i++) {
        size_t j = i;
        while (j > 0 && rank[ord[j - 1]] > rank[i]) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = i;
    }
}

/* Selections over a copy: each later rank is searched only above the
 * previous one (the copy below it holds nothing larger). */
static int ranks_by_copy(const double *a, size_t n, size_t nk, const size_t *rank, const size_t *ord, double *out)
{
    double *t = malloc(n * sizeof *t);
    if (!t)
        return -1;
    memcpy(t, a, n * sizeof *t);
    size_t from = 0;
    for (size_t i = 0; i < nk; i++) {
        size_t k = rank[ord[i]];
        out[ord[i]] = os_select(t + from, n - from, k - from);
        from = k;
    }
    free(t);
    return 0;
}

static inline size_t bucket_of(double v, double lo, double scale)
{
    double b = (v - lo) * scale;
    return b < (double)(OS_BUCKETS - 1) ? (size_t)b : OS_BUCKETS - 1;
}

int os_ranks(const double *a, size_t n, size_t nk, const size_t *rank, double *out)
{
    size_t ord[OS_MAX_RANKS];
    if (nk == 0)
        return 0;
    if (nk > OS_MAX_RANKS)
        return -1;
    rank_order(nk, rank, ord);
    if (n < OS_SMALL)
        return ranks_by_copy(a, n, nk, rank, ord, out);
    double lo = a[0], hi = a[0];
    for (size_t i = 1; i < n; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    if (!(hi > lo)) {
        for (size_t i = 0; i < nk; i++)
            out[i] = lo;
        return 0;
    }
    double scale = (double)OS_BUCKETS / (hi - lo);
    if (!isfinite(hi - lo) || !isfinite(scale) || !(scale > 0))
        return ranks_by_copy(a, n, nk, rank, ord, out);
    uint32_t *count = calloc(OS_BUCKETS, sizeof *count);
    if (!count)
        return -1;
    for (size_t i = 0; i < n; i++)
        count[bucket_of(a[i], lo, scale)]++;
    /* The wanted buckets in ascending order, each with its first rank. */
    size_t bk[OS_MAX_RANKS], nbk = 0, cum = 0, b = 0, wanted = 0;
    size_t in_bucket[OS_MAX_RANKS], slot_of[OS_MAX_RANKS];
    for (size_t i = 0; i < nk; i++) {
        size_t k = rank[ord[i]];
        while (cum + count[b] <= k)
            cum += count[b++];
        if (nbk == 0 || bk[nbk - 1] != b) {
            bk[nbk] = b;
            wanted += count[b];
            nbk++;
        }
        slot_of[i] = nbk - 1;
        in_bucket[i] = k - cum;
    }
    if (wanted > n / 4) {
        free(count);
        return ranks_by_copy(a, n, nk, rank, ord, out);
    }
    double *v = malloc((wanted ? wanted : 1) * sizeof *v);
    if (!v) {
        free(count);
        return -1;
    }
    /* count[] becomes a map: bucket -> 1 + its slot, 0 for the others. */
    size_t fill[OS_MAX_RANKS], off[OS_MAX_RANKS], o = 0;
    for (size_t s = 0; s < nbk; s++) {
        off[s] = fill[s] = o;
        o += count[bk[s]];
    }
    memset(count, 0, OS_BUCKETS * sizeof *count);
    for (size_t s = 0; s < nbk; s++)
        count[bk[s]] = (uint32_t)(s + 1);
    for (size_t i = 0; i < n; i++) {
        uint32_t s = count[bucket_of(a[i], lo, scale)];
        if (s)
            v[fill[s - 1]++] = a[i];
    }
    for (size_t i = 0; i < nk; i++) {
        size_t s = slot_of[i];
        out[ord[i]] = os_select(v + off[s], fill[s] - off[s], in_bucket[i]);
    }
    free(v);
    free(count);
    return 0;
}

double os_quantile(const double *a, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double pos = q * (double)(n - 1);
    size_t r[2];
    r[0] = (size_t)floor(pos);
    if (r[0] >= n) /* q above 1 */
        r[0] = n - 1;
    r[1] = r[0] + 1 < n ? r[0] + 1 : r[0];
    double v[2];
    if (os_ranks(a, n, 2, r, v))
        return NAN;
    return v[0] + (pos - (double)r[0]) * (v[1] - v[0]);
}
