/*
 * dedup.c — open-addressing hash grouping of double tuples (see dedup.h).
 * Keys compare by bit pattern after folding -0.0 into 0.0.
 */
#include "analytics/dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t dedup_bits(double v)
{
    uint64_t u;
    if (v == 0.0)
        v = 0.0; /* fold -0.0 */
    memcpy(&u, &v, sizeof u);
    return u;
}

static uint64_t dedup_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t dedup_hash(const double *k0, const double *k1, const double *k2, size_t i)
{
    uint64_t a = dedup_bits(k0[i]), b = k1 ? dedup_bits(k1[i]) : 0, c = k2 ? dedup_bits(k2[i]) : 0;
    return dedup_mix(a ^ dedup_mix(b + 0x9e3779b97f4a7c15ULL * c));
}

/* Slot layout: high 32 bits a hash fingerprint, low 32 bits group + 1 (0 =
 * empty). The fingerprint avoids touching the key array on most probes; the
 * table grows with the number of groups, not rows, so it stays in cache. */
static int dedup_grow(uint64_t **slot, size_t *cap, const uint64_t *hashes)
{
    size_t ncap = *cap * 2;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < *cap; i++) {
        uint64_t v = (*slot)[i];
        if (!v)
            continue;
        size_t pos = (size_t)hashes[(uint32_t)v - 1] & (ncap - 1);
        while (ns[pos])
            pos = (pos + 1) & (ncap - 1);
        ns[pos] = v;
    }
    free(*slot);
    *slot = ns;
    *cap = ncap;
    return 0;
}

int dedup_build_masked(dedup_t *d, size_t n, const double *k0, const double *k1, const double *k2,
                       const unsigned char *mask)
{
    int width = 1 + (k1 != NULL) + (k2 != NULL);
    size_t cap = 1u << 16;
    uint64_t *slot = NULL;
    uint64_t *hashes = NULL; /* per group, for regrowth */
    memset(d, 0, sizeof *d);
    d->width = width;
    d->index = malloc((n ? n : 1) * sizeof *d->index);
    d->keys = malloc((n ? n : 1) * (size_t)width * sizeof *d->keys);
    d->weight = malloc((n ? n : 1) * sizeof *d->weight);
    hashes = malloc((n ? n : 1) * sizeof *hashes);
    slot = calloc(cap, sizeof *slot);
    if (!d->index || !d->keys || !d->weight || !slot || !hashes || n >= UINT32_MAX) {
        free(slot);
        free(hashes);
        dedup_free(d);
        return -1;
    }
    size_t ng = 0;
    /* Hashes are computed DEDUP_AHEAD rows early and their slots
     * prefetched: the probes are cache misses, and overlapping them is
     * most of the speed. */
    enum { DEDUP_AHEAD = 16 };
    uint64_t ring[DEDUP_AHEAD];
    for (size_t i = 0; i < n && i < DEDUP_AHEAD; i++) {
        ring[i] = dedup_hash(k0, k1, k2, i);
        __builtin_prefetch(&slot[(size_t)ring[i] & (cap - 1)]);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t h = ring[i % DEDUP_AHEAD];
        if (i + DEDUP_AHEAD < n) {
            uint64_t h2 = dedup_hash(k0, k1, k2, i + DEDUP_AHEAD);
            ring[i % DEDUP_AHEAD] = h2;
            __builtin_prefetch(&slot[(size_t)h2 & (cap - 1)]);
        }
        if (mask && !mask[i]) {
            d->index[i] = SIZE_MAX;
            continue;
        }
        double key[3] = {k0[i], k1 ? k1[i] : 0.0, k2 ? k2[i] : 0.0};
        if (key[0] == 0.0)
            key[0] = 0.0;
        if (key[1] == 0.0)
            key[1] = 0.0;
        if (key[2] == 0.0)
            key[2] = 0.0;
        uint64_t fp = h >> 32;
        size_t pos = (size_t)h & (cap - 1);
        for (;;) {
            uint64_t v = slot[pos];
            if (v == 0) {
                slot[pos] = (fp << 32) | (uint64_t)(ng + 1);
                memcpy(d->keys + ng * (size_t)width, key, (size_t)width * sizeof(double));
                d->weight[ng] = 1.0;
                hashes[ng] = h;
                d->index[i] = ng++;
                if (2 * ng > cap && dedup_grow(&slot, &cap, hashes) != 0) {
                    free(slot);
                    free(hashes);
                    dedup_free(d);
                    return -1;
                }
                break;
            }
            if ((v >> 32) == fp) {
                size_t g = (uint32_t)v - 1;
                const double *kk = d->keys + g * (size_t)width;
                if (memcmp(kk, key, (size_t)width * sizeof(double)) == 0) {
                    d->weight[g] += 1.0;
                    d->index[i] = g;
                    break;
                }
            }
            pos = (pos + 1) & (cap - 1);
        }
    }
    free(slot);
    free(hashes);
    d->n_groups = ng;
    return 0;
}

int dedup_build(dedup_t *d, size_t n, const double *k0, const double *k1, const double *k2)
{
    return dedup_build_masked(d, n, k0, k1, k2, NULL);
}

void dedup_free(dedup_t *d)
{
    free(d->index);
    free(d->keys);
    free(d->weight);
    memset(d, 0, sizeof *d);
}
