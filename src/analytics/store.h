/*
 * store.h — the in-memory columnar copy of the transaction log.
 *
 * Owns four parallel columns, 24 bytes per transaction: party index
 * (uint32, dense, assigned on first sight), day (int32, days since
 * 1970-01-01), amount and cost (int64 minor units). Rows are kept grouped by
 * party and by day within a party, so every per-party pass is one
 * sequential sweep. Two cost sentinels carry what else a row needs:
 * AN_COST_COMPETITOR marks a purchase the party made from a competitor (it
 * counts toward the competitors' share, not toward our revenue) and
 * AN_COST_UNKNOWN a purchase without a recorded cost.
 *
 * Changes after the bulk load (a party's transactions written through the
 * API) replace that party's rows as a whole: the new rows live in a
 * per-party overlay until an_store_compact folds them back into the
 * columns. Pure data structure: no I/O, no locking (the caller serialises).
 */
#ifndef RAPPORT_ANALYTICS_STORE_H
#define RAPPORT_ANALYTICS_STORE_H

#include <stddef.h>
#include <stdint.h>

#define AN_COST_COMPETITOR INT64_MIN
#define AN_COST_UNKNOWN (INT64_MIN + 1)

typedef struct {
    size_t n;
    const int32_t *day;
    const int64_t *amount, *cost;
} an_rows;

typedef struct an_overlay an_overlay;

typedef struct {
    /* main columns: rows [pstart[p], pstart[p] + pcount[p]) belong to party p */
    size_t n, cap;
    uint32_t *party;
    int32_t *day;
    int64_t *amount, *cost;
    /* parties */
    size_t nparties, pcap;
    int64_t *party_id; /* [nparties] index -> database id */
    size_t *pstart;
    uint32_t *pcount;
    an_overlay **ovl;  /* [pcap] replacement rows of a party, or NULL */
    size_t novl, novl_rows;
    /* id -> index hash (open addressing, slot holds index + 1) */
    uint32_t *slots;
    size_t nslots;
    int sorted;        /* main columns grouped by party, by day within */
} an_store;

void an_store_init(an_store *s);
void an_store_free(an_store *s);

/* Index of party id; with create, a new index is assigned when the party
 * is unknown. Returns -1 when unknown (or out of memory). */
int64_t an_store_party(an_store *s, int64_t party_id, int create);

/* Bulk load: append rows in any order, then an_store_finish groups them by
 * party and day (counting sort, O(n)). Returns 0 or -1 (out of memory). */
int an_store_append(an_store *s, int64_t party_id, int32_t day, int64_t amount, int64_t cost);
int an_store_finish(an_store *s);

/* Replaces all rows of a party (sorted here by day). Returns 0 or -1. */
int an_store_replace(an_store *s, int64_t party_id, size_t n, const int32_t *day, const int64_t *amount,
                     const int64_t *cost);

/* The rows of party index p (overlay if any, else its main range). */
an_rows an_store_rows(const an_store *s, size_t p);

/* Folds the overlays into the main columns. Returns 0 or -1. */
int an_store_compact(an_store *s);

/* Transactions held (main + overlays) and bytes used by the row columns. */
size_t an_store_count(const an_store *s);
size_t an_store_row_bytes(const an_store *s);

#endif
