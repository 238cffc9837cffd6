/*
 * store.c — columnar transaction store (see store.h).
 */
#include "analytics/store.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct an_late_row {
    int64_t party, amount, cost;
    int32_t day;
};

struct an_overlay {
    size_t n;
    bool wide; /* some value needs 64 bits: never folded into the columns */
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

static void free_late(an_store *s)
{
    free(s->late);
    s->late = NULL;
    s->nlate = s->latecap = 0;
}

static void free_overlays(an_store *s)
{
    for (size_t i = 0; i < s->noslots; i++)
        overlay_free(s->oval[i]);
    free(s->okey);
    free(s->oval);
    s->okey = NULL;
    s->oval = NULL;
    s->noslots = s->novl = s->novl_rows = s->nwide = 0;
}

void an_store_free(an_store *s)
{
    free_overlays(s);
    free_late(s);
    free(s->party);
    free(s->day);
    free(s->amount);
    free(s->cost);
    free(s->party_id);
    free(s->big);
    free(s->pstart);
    free(s->slots);
    an_store_init(s);
}

static bool fits_day(int32_t d) { return d >= AN_DAY0 && d <= AN_DAY0 + UINT16_MAX; }

static bool fits_amount(int64_t v) { return v >= AN_NARROW_MIN && v <= INT32_MAX; }

static bool fits_cost(int64_t v)
{
    return v == AN_COST_COMPETITOR || v == AN_COST_UNKNOWN || fits_amount(v);
}

static int32_t narrow_cost(int64_t v)
{
    return v == AN_COST_COMPETITOR ? AN_COST32_COMPETITOR : v == AN_COST_UNKNOWN ? AN_COST32_UNKNOWN : (int32_t)v;
}

static size_t hash_id(int64_t id, size_t nslots)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 17) & (nslots - 1);
}

/* ---- party index ---- */

int64_t an_store_party_id(const an_store *s, size_t p)
{
    uint32_t v = s->party_id[p];
    if (v != AN_BIG_ID)
        return v;
    size_t lo = 0, hi = s->nbig; /* big is in index order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->big[mid].p < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nbig && s->big[lo].p == p ? s->big[lo].id : -1;
}

/* An array of n elements with room for *cap, made to hold one more: the same
 * array, or a reallocation to twice the room (first when empty). NULL when
 * the memory runs out; the array is then unchanged. */
static void *room_for_one(void *items, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return items;
    size_t want = *cap ? 2 * *cap : first;
    void *grown = realloc(items, want * elem);
    if (grown)
        *cap = want;
    return grown;
}

static int set_party_id(an_store *s, size_t p, int64_t id)
{
    if (id >= 0 && id < AN_BIG_ID) {
        s->party_id[p] = (uint32_t)id;
        return 0;
    }
    struct an_big_id *b = room_for_one(s->big, s->nbig, &s->bigcap, sizeof *b, 16);
    if (!b)
        return -1;
    s->big = b;
    s->big[s->nbig++] = (struct an_big_id){(uint32_t)p, id};
    s->party_id[p] = AN_BIG_ID;
    return 0;
}

static int rehash(an_store *s, size_t nslots)
{
    uint32_t *sl = calloc(nslots, sizeof *sl);
    if (!sl)
        return -1;
    for (size_t p = 0; p < s->nparties; p++) {
        size_t h = hash_id(an_store_party_id(s, p), nslots);
        while (sl[h])
            h = (h + 1) & (nslots - 1);
        sl[h] = (uint32_t)(p + 1);
    }
    free(s->slots);
    s->slots = sl;
    s->nslots = nslots;
    return 0;
}

/* Gives the party arrays cap parties of room (pstart one more). */
static int resize_parties(an_store *s, size_t cap)
{
    uint32_t *id = realloc(s->party_id, cap * sizeof *id);
    if (id)
        s->party_id = id;
    uint32_t *st = realloc(s->pstart, (cap + 1) * sizeof *st);
    if (st)
        s->pstart = st;
    if (!id || !st)
        return -1;
    s->pcap = cap;
    return 0;
}

int64_t an_store_party(an_store *s, int64_t party_id, int create)
{
    if (s->nslots) {
        size_t h = hash_id(party_id, s->nslots);
        while (s->slots[h]) {
            uint32_t p = s->slots[h] - 1;
            if (an_store_party_id(s, p) == party_id)
                return p;
            h = (h + 1) & (s->nslots - 1);
        }
    }
    if (!create || s->nparties >= UINT32_MAX - 1)
        return -1;
    if (s->nparties == s->pcap) {
        if (resize_parties(s, s->pcap ? 2 * s->pcap : 1024))
            return -1;
    }
    size_t p = s->nparties;
    if (set_party_id(s, p, party_id))
        return -1;
    s->pstart[p] = s->pstart[p + 1] = (uint32_t)s->n;
    /* Grow at a load of 3/4: linear probing stays short, and the table
     * costs 5–11 bytes a party instead of 8–16 at 1/2. */
    if (4 * (s->nparties + 1) > 3 * s->nslots) {
        s->nparties++;
        if (rehash(s, s->nslots ? 2 * s->nslots : 2048)) {
            s->nparties--;
            if (s->party_id[p] == AN_BIG_ID)
                s->nbig--; /* the index will be given again */
            return -1;
        }
    } else {
        size_t h = hash_id(party_id, s->nslots);
        while (s->slots[h])
            h = (h + 1) & (s->nslots - 1);
        s->slots[h] = (uint32_t)(p + 1);
        s->nparties++;
    }
    return (int64_t)p;
}

/* ---- overlays ---- */

static an_overlay **overlay_slot(const an_store *s, size_t p)
{
    if (!s->noslots)
        return NULL;
    size_t h = hash_id((int64_t)p, s->noslots);
    while (s->okey[h]) {
        if (s->okey[h] == p + 1)
            return &s->oval[h];
        h = (h + 1) & (s->noslots - 1);
    }
    return NULL;
}

static int overlay_put(an_store *s, size_t p, an_overlay *o);

static int overlay_grow(an_store *s)
{
    size_t n = s->noslots ? 2 * s->noslots : 64;
    uint32_t *oldk = s->okey;
    an_overlay **oldv = s->oval;
    size_t oldn = s->noslots;
    s->okey = calloc(n, sizeof *s->okey);
    s->oval = calloc(n, sizeof *s->oval);
    if (!s->okey || !s->oval) {
        free(s->okey);
        free(s->oval);
        s->okey = oldk;
        s->oval = oldv;
        return -1;
    }
    s->noslots = n;
    for (size_t i = 0; i < oldn; i++)
        if (oldk[i]) {
            size_t h = hash_id((int64_t)(oldk[i] - 1), n);
            while (s->okey[h])
                h = (h + 1) & (n - 1);
            s->okey[h] = oldk[i];
            s->oval[h] = oldv[i];
        }
    free(oldk);
    free(oldv);
    return 0;
}

/* Sets party p's overlay (replacing and freeing any earlier one). */
static int overlay_put(an_store *s, size_t p, an_overlay *o)
{
    an_overlay **slot = overlay_slot(s, p);
    if (slot) {
        s->novl_rows -= (*slot)->n;
        s->nwide -= (*slot)->wide;
        overlay_free(*slot);
        *slot = o;
    } else {
        if (2 * (s->novl + 1) > s->noslots && overlay_grow(s))
            return -1;
        size_t h = hash_id((int64_t)p, s->noslots);
        while (s->okey[h])
            h = (h + 1) & (s->noslots - 1);
        s->okey[h] = (uint32_t)(p + 1);
        s->oval[h] = o;
        s->novl++;
    }
    s->novl_rows += o->n;
    s->nwide += o->wide;
    return 0;
}

/* Insertion sort of rows [lo, hi) by day, stable (a party has few rows),
 * for the narrow columns and for an overlay's full rows. */
#define DEFINE_SORT_BY_DAY(name, day_t, money_t)                                                                       \
    static void name(day_t *day, money_t *amount, money_t *cost, size_t lo, size_t hi)                                \
    {                                                                                                                  \
        for (size_t i = lo + 1; i < hi; i++) {                                                                         \
            day_t d = day[i];                                                                                          \
            money_t a = amount[i], c = cost[i];                                                                        \
            size_t j = i;                                                                                              \
            for (; j > lo && day[j - 1] > d; j--) {                                                                    \
                day[j] = day[j - 1];                                                                                   \
                amount[j] = amount[j - 1];                                                                             \
                cost[j] = cost[j - 1];                                                                                 \
            }                                                                                                          \
            day[j] = d;                                                                                                \
            amount[j] = a;                                                                                             \
            cost[j] = c;                                                                                               \
        }                                                                                                              \
    }
DEFINE_SORT_BY_DAY(sort_days, uint16_t, int32_t)
DEFINE_SORT_BY_DAY(sort_days64, int32_t, int64_t)

static an_overlay *overlay_new(size_t n)
{
    an_overlay *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    size_t cap = n ? n : 1;
    o->day = malloc(cap * sizeof *o->day);
    o->amount = malloc(cap * sizeof *o->amount);
    o->cost = malloc(cap * sizeof *o->cost);
    if (!o->day || !o->amount || !o->cost) {
        overlay_free(o);
        return NULL;
    }
    o->n = n;
    return o;
}

/* Sorts the overlay's rows and notes whether they fit the columns. */
static void overlay_seal(an_overlay *o)
{
    sort_days64(o->day, o->amount, o->cost, 0, o->n);
    o->wide = false;
    for (size_t i = 0; i < o->n && !o->wide; i++)
        o->wide = !fits_day(o->day[i]) || !fits_amount(o->amount[i]) || !fits_cost(o->cost[i]);
}

/* ---- bulk load ---- */

/* Gives the columns (and the party column while it exists) cap rows of
 * room; on failure the store is as it was, but for arrays already resized. */
static int resize_columns(an_store *s, size_t cap)
{
    uint32_t *pa = s->party ? realloc(s->party, cap * sizeof *pa) : NULL;
    if (pa)
        s->party = pa;
    uint16_t *d = realloc(s->day, cap * sizeof *d);
    if (d)
        s->day = d;
    int32_t *a = realloc(s->amount, cap * sizeof *a);
    if (a)
        s->amount = a;
    int32_t *c = realloc(s->cost, cap * sizeof *c);
    if (c)
        s->cost = c;
    if ((s->party && !pa) || !d || !a || !c)
        return -1;
    s->cap = cap;
    return 0;
}

static int reserve(an_store *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    if (want > UINT32_MAX)
        return -1;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < want)
        cap *= 2;
    return resize_columns(s, cap);
}

/* Rows that arrive grouped by party and by day (as a table written party by
 * party does) need no party column: each new row extends the last party's
 * range. The first row out of that order brings the column in, made from the
 * ranges, and the rows are sorted at an_store_finish. */
static int party_column(an_store *s)
{
    s->party = malloc((s->cap ? s->cap : 1) * sizeof *s->party);
    if (!s->party)
        return -1;
    for (size_t p = 0; p < s->nparties; p++)
        for (uint32_t i = s->pstart[p]; i < s->pstart[p + 1]; i++)
            s->party[i] = (uint32_t)p;
    return 0;
}

static int append_late(an_store *s, size_t p, int32_t day, int64_t amount, int64_t cost)
{
    struct an_late_row *l = room_for_one(s->late, s->nlate, &s->latecap, sizeof *l, 64);
    if (!l)
        return -1;
    s->late = l;
    s->late[s->nlate++] = (struct an_late_row){(int64_t)p, amount, cost, day};
    return 0;
}

int an_store_append(an_store *s, int64_t party_id, int32_t day, int64_t amount, int64_t cost)
{
    int64_t p = an_store_party(s, party_id, 1);
    if (p < 0)
        return -1;
    if (!fits_day(day) || !fits_amount(amount) || !fits_cost(cost))
        return append_late(s, (size_t)p, day, amount, cost);
    if (reserve(s, s->n + 1))
        return -1;
    size_t i = s->n;
    uint16_t d16 = (uint16_t)(day - AN_DAY0);
    if (!s->party && (size_t)p + 1 == s->nparties && (i == s->pstart[p] || s->day[i - 1] <= d16)) {
        s->pstart[p + 1] = (uint32_t)(i + 1); /* still grouped */
    } else {
        if (!s->party) {
            if (party_column(s))
                return -1;
            s->sorted = 0;
        } else if (i > 0 && (s->party[i - 1] > (uint32_t)p || (s->party[i - 1] == (uint32_t)p && s->day[i - 1] > d16))) {
            s->sorted = 0;
        }
        s->party[i] = (uint32_t)p;
    }
    s->n++;
    s->day[i] = d16;
    s->amount[i] = (int32_t)amount;
    s->cost[i] = narrow_cost(cost);
    return 0;
}

/* Gives the columns exactly n rows of capacity (the load doubled them). */
static void shrink_to_fit(an_store *s)
{
    size_t cap = s->n ? s->n : 1;
    if (cap < s->cap)
        resize_columns(s, cap); /* a failed shrink leaves room unused, nothing else */
}

static int late_cmp(const void *x, const void *y)
{
    const struct an_late_row *a = x, *b = y;
    return (a->party > b->party) - (a->party < b->party);
}

/* Gives the party arrays exactly nparties of capacity (they grew by doubling). */
static void shrink_parties(an_store *s)
{
    size_t cap = s->nparties ? s->nparties : 1;
    if (cap < s->pcap)
        resize_parties(s, cap);
}

/* The wide rows of the load become their parties' overlays, together with
 * those parties' narrow rows. */
static int finish_late(an_store *s)
{
    qsort(s->late, s->nlate, sizeof *s->late, late_cmp);
    for (size_t i = 0, j; i < s->nlate; i = j) {
        size_t p = (size_t)s->late[i].party;
        for (j = i; j < s->nlate && (size_t)s->late[j].party == p; j++)
            ;
        an_rows r = an_store_rows(s, p); /* its narrow rows (no overlay yet) */
        an_overlay *o = overlay_new(r.n + (j - i));
        if (!o)
            return -1;
        size_t k = 0;
        for (; k < r.n; k++) {
            o->day[k] = an_row_day(&r, k);
            o->amount[k] = an_row_amount(&r, k);
            o->cost[k] = an_row_cost(&r, k);
        }
        for (size_t m = i; m < j; m++, k++) {
            o->day[k] = s->late[m].day;
            o->amount[k] = s->late[m].amount;
            o->cost[k] = s->late[m].cost;
        }
        overlay_seal(o);
        if (overlay_put(s, p, o)) {
            overlay_free(o);
            return -1;
        }
    }
    free_late(s);
    return 0;
}

int an_store_finish(an_store *s)
{
    size_t np = s->nparties;
    if (s->party) {
        uint32_t *count = calloc(np ? np : 1, sizeof *count);
        if (!count)
            return -1;
        for (size_t i = 0; i < s->n; i++)
            count[s->party[i]]++;
        uint32_t off = 0;
        for (size_t p = 0; p < np; p++) {
            s->pstart[p] = off;
            off += count[p];
        }
        if (np)
            s->pstart[np] = off;
        free(count);
    }
    if (!s->sorted) {
        /* Stable counting sort by party into new columns. */
        size_t cap = s->n ? s->n : 1;
        uint16_t *d = malloc(cap * sizeof *d);
        int32_t *a = malloc(cap * sizeof *a), *c = malloc(cap * sizeof *c);
        uint32_t *pos = malloc((np ? np : 1) * sizeof *pos);
        if (!d || !a || !c || !pos) {
            free(d);
            free(a);
            free(c);
            free(pos);
            return -1;
        }
        if (np)
            memcpy(pos, s->pstart, np * sizeof *pos);
        for (size_t i = 0; i < s->n; i++) {
            size_t k = pos[s->party[i]]++;
            d[k] = s->day[i];
            a[k] = s->amount[i];
            c[k] = s->cost[i];
        }
        free(pos);
        free(s->day);
        free(s->amount);
        free(s->cost);
        s->day = d;
        s->amount = a;
        s->cost = c;
        s->cap = cap;
        for (size_t p = 0; p < np; p++)
            sort_days(s->day, s->amount, s->cost, s->pstart[p], s->pstart[p + 1]);
        s->sorted = 1;
    }
    free(s->party);
    s->party = NULL;
    shrink_to_fit(s);
    shrink_parties(s);
    return s->nlate ? finish_late(s) : 0;
}

int an_store_replace(an_store *s, int64_t party_id, size_t n, const int32_t *day, const int64_t *amount,
                     const int64_t *cost)
{
    int64_t p = an_store_party(s, party_id, 1);
    if (p < 0)
        return -1;
    an_overlay *o = overlay_new(n);
    if (!o)
        return -1;
    if (n) {
        memcpy(o->day, day, n * sizeof *day);
        memcpy(o->amount, amount, n * sizeof *amount);
        memcpy(o->cost, cost, n * sizeof *cost);
    }
    overlay_seal(o);
    if (overlay_put(s, (size_t)p, o)) {
        overlay_free(o);
        return -1;
    }
    return 0;
}

an_rows an_store_rows(const an_store *s, size_t p)
{
    an_rows r = {0};
    if (p >= s->nparties)
        return r;
    an_overlay **slot = s->novl ? overlay_slot(s, p) : NULL;
    if (slot) {
        const an_overlay *o = *slot;
        r.n = o->n;
        r.day = o->day;
        r.amount64 = o->amount;
        r.cost64 = o->cost;
    } else {
        size_t lo = s->pstart[p];
        r.n = s->pstart[p + 1] - lo;
        r.day16 = s->day + lo;
        r.amount = s->amount + lo;
        r.cost = s->cost + lo;
    }
    return r;
}

int an_store_compact(an_store *s)
{
    if (!s->sorted || s->party || s->nlate) {
        if (an_store_finish(s))
            return -1;
    }
    if (s->novl == s->nwide)
        return 0;
    /* Rows that go to the columns: every party's but the wide overlays'. */
    size_t total = 0;
    for (size_t p = 0; p < s->nparties; p++) {
        an_overlay **slot = overlay_slot(s, p);
        total += slot ? ((*slot)->wide ? 0 : (*slot)->n) : s->pstart[p + 1] - s->pstart[p];
    }
    if (total > UINT32_MAX)
        return -1;
    size_t cap = total ? total : 1;
    uint16_t *d = malloc(cap * sizeof *d);
    int32_t *a = malloc(cap * sizeof *a), *c = malloc(cap * sizeof *c);
    uint32_t *okey = s->noslots ? calloc(s->noslots, sizeof *okey) : NULL;
    an_overlay **oval = s->noslots ? calloc(s->noslots, sizeof *oval) : NULL;
    if (!d || !a || !c || (s->noslots && (!okey || !oval))) {
        free(d);
        free(a);
        free(c);
        free(okey);
        free(oval);
        return -1;
    }
    /* New columns; overlays that stay move to a fresh table of the same size. */
    size_t k = 0, kept = 0, kept_rows = 0;
    for (size_t p = 0; p < s->nparties; p++) {
        an_overlay **slot = overlay_slot(s, p);
        uint32_t start = (uint32_t)k;
        if (slot && (*slot)->wide) {
            size_t h = hash_id((int64_t)p, s->noslots);
            while (okey[h])
                h = (h + 1) & (s->noslots - 1);
            okey[h] = (uint32_t)(p + 1);
            oval[h] = *slot;
            *slot = NULL;
            kept++;
            kept_rows += oval[h]->n;
        } else if (slot) {
            const an_overlay *o = *slot;
            for (size_t i = 0; i < o->n; i++, k++) {
                d[k] = (uint16_t)(o->day[i] - AN_DAY0);
                a[k] = (int32_t)o->amount[i];
                c[k] = narrow_cost(o->cost[i]);
            }
        } else {
            size_t lo = s->pstart[p], n = s->pstart[p + 1] - lo;
            memcpy(d + k, s->day + lo, n * sizeof *d);
            memcpy(a + k, s->amount + lo, n * sizeof *a);
            memcpy(c + k, s->cost + lo, n * sizeof *c);
            k += n;
        }
        s->pstart[p] = start;
    }
    if (s->nparties)
        s->pstart[s->nparties] = (uint32_t)k;
    size_t noslots = s->noslots;
    free_overlays(s); /* the kept ones were taken out of the old table */
    s->okey = okey;
    s->oval = oval;
    s->noslots = noslots;
    s->novl = s->nwide = kept;
    s->novl_rows = kept_rows;
    free(s->day);
    free(s->amount);
    free(s->cost);
    s->day = d;
    s->amount = a;
    s->cost = c;
    s->n = k;
    s->cap = cap;
    return 0;
}

size_t an_store_count(const an_store *s)
{
    size_t n = s->n + s->nlate;
    for (size_t i = 0; i < s->noslots; i++)
        if (s->okey[i]) {
            size_t p = s->okey[i] - 1;
            n = n - (s->pstart[p + 1] - s->pstart[p]) + s->oval[i]->n;
        }
    return n;
}

size_t an_store_row_bytes(const an_store *s)
{
    return s->cap * AN_STORE_ROW_BYTES + (s->party ? s->cap * sizeof *s->party : 0) +
           s->novl_rows * (sizeof(int32_t) + 2 * sizeof(int64_t)) + s->latecap * sizeof *s->late;
}

size_t an_store_party_bytes(const an_store *s)
{
    return s->pcap * (sizeof *s->party_id + sizeof *s->pstart) + s->bigcap * sizeof *s->big + s->nslots * sizeof *s->slots +
           s->noslots * (sizeof *s->okey + sizeof *s->oval);
}
