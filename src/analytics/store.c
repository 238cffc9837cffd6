/*
 * store.c — columnar transaction store (see store.h).
 */
#include "analytics/store.h"

#include <stdlib.h>
#include <string.h>

struct an_overlay {
    size_t n;
    int32_t *day;
    int64_t *amount, *cost;
};

void an_store_init(an_store *s)
{
    memset(s, 0, sizeof *s);
    s->sorted = 1;
}

static void overlay_free(an_overlay *o)
{
    if (!o)
        return;
    free(o->day);
    free(o->amount);
    free(o->cost);
    free(o);
}

void an_store_free(an_store *s)
{
    for (size_t p = 0; s->ovl && p < s->nparties; p++)
        overlay_free(s->ovl[p]);
    free(s->ovl);
    free(s->party);
    free(s->day);
    free(s->amount);
    free(s->cost);
    free(s->party_id);
    free(s->pstart);
    free(s->pcount);
    free(s->slots);
    an_store_init(s);
}

static size_t hash_id(int64_t id, size_t nslots)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 17) & (nslots - 1);
}

static int rehash(an_store *s, size_t nslots)
{
    uint32_t *sl = calloc(nslots, sizeof *sl);
    if (!sl)
        return -1;
    for (size_t p = 0; p < s->nparties; p++) {
        size_t h = hash_id(s->party_id[p], nslots);
        while (sl[h])
            h = (h + 1) & (nslots - 1);
        sl[h] = (uint32_t)(p + 1);
    }
    free(s->slots);
    s->slots = sl;
    s->nslots = nslots;
    return 0;
}

int64_t an_store_party(an_store *s, int64_t party_id, int create)
{
    if (s->nslots) {
        size_t h = hash_id(party_id, s->nslots);
        while (s->slots[h]) {
            uint32_t p = s->slots[h] - 1;
            if (s->party_id[p] == party_id)
                return p;
            h = (h + 1) & (s->nslots - 1);
        }
    }
    if (!create || s->nparties >= UINT32_MAX - 1)
        return -1;
    if (s->nparties == s->pcap) {
        size_t cap = s->pcap ? 2 * s->pcap : 1024;
        int64_t *id = realloc(s->party_id, cap * sizeof *id);
        if (id)
            s->party_id = id;
        size_t *st = realloc(s->pstart, cap * sizeof *st);
        if (st)
            s->pstart = st;
        uint32_t *ct = realloc(s->pcount, cap * sizeof *ct);
        if (ct)
            s->pcount = ct;
        an_overlay **ov = realloc(s->ovl, cap * sizeof *ov);
        if (ov)
            s->ovl = ov;
        if (!id || !st || !ct || !ov)
            return -1;
        s->pcap = cap;
    }
    size_t p = s->nparties++;
    s->party_id[p] = party_id;
    s->pstart[p] = s->n;
    s->pcount[p] = 0;
    s->ovl[p] = NULL;
    if (2 * s->nparties > s->nslots) {
        if (rehash(s, s->nslots ? 2 * s->nslots : 2048)) {
            s->nparties--;
            return -1;
        }
    } else {
        size_t h = hash_id(party_id, s->nslots);
        while (s->slots[h])
            h = (h + 1) & (s->nslots - 1);
        s->slots[h] = (uint32_t)(p + 1);
    }
    return (int64_t)p;
}

static int reserve(an_store *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < want)
        cap *= 2;
    uint32_t *pa = realloc(s->party, cap * sizeof *pa);
    if (pa)
        s->party = pa;
    int32_t *d = realloc(s->day, cap * sizeof *d);
    if (d)
        s->day = d;
    int64_t *a = realloc(s->amount, cap * sizeof *a);
    if (a)
        s->amount = a;
    int64_t *c = realloc(s->cost, cap * sizeof *c);
    if (c)
        s->cost = c;
    if (!pa || !d || !a || !c)
        return -1;
    s->cap = cap;
    return 0;
}

int an_store_append(an_store *s, int64_t party_id, int32_t day, int64_t amount, int64_t cost)
{
    int64_t p = an_store_party(s, party_id, 1);
    if (p < 0 || reserve(s, s->n + 1))
        return -1;
    size_t i = s->n++;
    if (i > 0 && (s->party[i - 1] > (uint32_t)p || (s->party[i - 1] == (uint32_t)p && s->day[i - 1] > day)))
        s->sorted = 0;
    s->party[i] = (uint32_t)p;
    s->day[i] = day;
    s->amount[i] = amount;
    s->cost[i] = cost;
    return 0;
}

/* Insertion sort of rows [lo, hi) by day: a party has few rows. */
static void sort_days(int32_t *day, int64_t *amount, int64_t *cost, size_t lo, size_t hi)
{
    for (size_t i = lo + 1; i < hi; i++) {
        int32_t d = day[i];
        int64_t a = amount[i], c = cost[i];
        size_t j = i;
        while (j > lo && day[j - 1] > d) {
            day[j] = day[j - 1];
            amount[j] = amount[j - 1];
            cost[j] = cost[j - 1];
            j--;
        }
        day[j] = d;
        amount[j] = a;
        cost[j] = c;
    }
}

int an_store_finish(an_store *s)
{
    size_t np = s->nparties;
    if (np) memset(s->pcount, 0, np * sizeof *s->pcount);
    for (size_t i = 0; i < s->n; i++)
        s->pcount[s->party[i]]++;
    size_t off = 0;
    for (size_t p = 0; p < np; p++) {
        s->pstart[p] = off;
        off += s->pcount[p];
    }
    if (!s->sorted) {
        /* Stable counting sort by party into new columns. */
        size_t cap = s->n ? s->n : 1;
        uint32_t *pa = malloc(cap * sizeof *pa);
        int32_t *d = malloc(cap * sizeof *d);
        int64_t *a = malloc(cap * sizeof *a), *c = malloc(cap * sizeof *c);
        size_t *pos = malloc((np ? np : 1) * sizeof *pos);
        if (!pa || !d || !a || !c || !pos) {
            free(pa);
            free(d);
            free(a);
            free(c);
            free(pos);
            return -1;
        }
        memcpy(pos, s->pstart, np * sizeof *pos);
        for (size_t i = 0; i < s->n; i++) {
            size_t k = pos[s->party[i]]++;
            pa[k] = s->party[i];
            d[k] = s->day[i];
            a[k] = s->amount[i];
            c[k] = s->cost[i];
        }
        free(pos);
        free(s->party);
        free(s->day);
        free(s->amount);
        free(s->cost);
        s->party = pa;
        s->day = d;
        s->amount = a;
        s->cost = c;
        s->cap = cap;
        for (size_t p = 0; p < np; p++)
            sort_days(s->day, s->amount, s->cost, s->pstart[p], s->pstart[p] + s->pcount[p]);
        s->sorted = 1;
    }
    return 0;
}

int an_store_replace(an_store *s, int64_t party_id, size_t n, const int32_t *day, const int64_t *amount,
                     const int64_t *cost)
{
    int64_t p = an_store_party(s, party_id, 1);
    if (p < 0)
        return -1;
    an_overlay *o = calloc(1, sizeof *o);
    if (!o)
        return -1;
    size_t cap = n ? n : 1;
    o->day = malloc(cap * sizeof *o->day);
    o->amount = malloc(cap * sizeof *o->amount);
    o->cost = malloc(cap * sizeof *o->cost);
    if (!o->day || !o->amount || !o->cost) {
        overlay_free(o);
        return -1;
    }
    o->n = n;
    if (n) {
        memcpy(o->day, day, n * sizeof *day);
        memcpy(o->amount, amount, n * sizeof *amount);
        memcpy(o->cost, cost, n * sizeof *cost);
    }
    sort_days(o->day, o->amount, o->cost, 0, n);
    if (s->ovl[p]) {
        s->novl_rows -= s->ovl[p]->n;
        overlay_free(s->ovl[p]);
    } else {
        s->novl++;
    }
    s->ovl[p] = o;
    s->novl_rows += n;
    return 0;
}

an_rows an_store_rows(const an_store *s, size_t p)
{
    an_rows r = {0, NULL, NULL, NULL};
    if (p >= s->nparties)
        return r;
    const an_overlay *o = s->ovl[p];
    if (o) {
        r.n = o->n;
        r.day = o->day;
        r.amount = o->amount;
        r.cost = o->cost;
    } else {
        r.n = s->pcount[p];
        r.day = s->day + s->pstart[p];
        r.amount = s->amount + s->pstart[p];
        r.cost = s->cost + s->pstart[p];
    }
    return r;
}

int an_store_compact(an_store *s)
{
    if (s->novl == 0 && s->sorted)
        return 0;
    if (!s->sorted && an_store_finish(s))
        return -1;
    if (s->novl == 0)
        return 0;
    size_t total = an_store_count(s), cap = total ? total : 1;
    uint32_t *pa = malloc(cap * sizeof *pa);
    int32_t *d = malloc(cap * sizeof *d);
    int64_t *a = malloc(cap * sizeof *a), *c = malloc(cap * sizeof *c);
    if (!pa || !d || !a || !c) {
        free(pa);
        free(d);
        free(a);
        free(c);
        return -1;
    }
    size_t k = 0;
    for (size_t p = 0; p < s->nparties; p++) {
        an_rows r = an_store_rows(s, p);
        s->pstart[p] = k;
        s->pcount[p] = (uint32_t)r.n;
        if (r.n == 0)
            continue;
        for (size_t i = 0; i < r.n; i++)
            pa[k + i] = (uint32_t)p;
        memcpy(d + k, r.day, r.n * sizeof *d);
        memcpy(a + k, r.amount, r.n * sizeof *a);
        memcpy(c + k, r.cost, r.n * sizeof *c);
        k += r.n;
    }
    for (size_t p = 0; p < s->nparties; p++) {
        overlay_free(s->ovl[p]);
        s->ovl[p] = NULL;
    }
    free(s->party);
    free(s->day);
    free(s->amount);
    free(s->cost);
    s->party = pa;
    s->day = d;
    s->amount = a;
    s->cost = c;
    s->n = k;
    s->cap = cap;
    s->novl = s->novl_rows = 0;
    return 0;
}

size_t an_store_count(const an_store *s)
{
    size_t n = s->n;
    for (size_t p = 0; s->novl && p < s->nparties; p++)
        if (s->ovl[p])
            n = n - s->pcount[p] + s->ovl[p]->n;
    return n;
}

size_t an_store_row_bytes(const an_store *s)
{
    return s->cap * (sizeof *s->party + sizeof *s->day + sizeof *s->amount + sizeof *s->cost) +
           s->novl_rows * (sizeof(int32_t) + 2 * sizeof(int64_t));
}
