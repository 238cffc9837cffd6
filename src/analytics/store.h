/*
 * store.h — the in-memory columnar copy of the transaction log.
 *
 * Owns three parallel columns, 10 bytes per transaction: day (uint16, days
 * since 1900-01-01, so up to 2079), amount and cost (int32 minor units). Rows are kept
 * grouped by party and by day within a party, so every per-party pass is
 * one sequential sweep, and a party's rows are found from its start offset
 * alone (no party column: rows [pstart[p], pstart[p + 1]) are party p's).
 * Two cost sentinels carry what else a row needs: AN_COST_COMPETITOR marks a
 * purchase the party made from a competitor (it counts toward the
 * competitors' share, not toward our revenue) and AN_COST_UNKNOWN a purchase
 * without a recorded cost.
 *
 * 32-bit money is enough for nearly every row (±21 million in a currency
 * with cents); a party with any amount or cost outside it, or a day outside
 * 1900–2079, keeps all its rows in full form (int32 days since 1970, int64
 * money) in an overlay (below) instead, so no value is ever cut.
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

/* A party's rows: narrow (int32, from the main columns) or wide (int64, from
 * an overlay); read them with an_row_amount / an_row_cost. */
typedef struct {
    size_t n;
    const uint16_t *day16;            /* narrow rows: days since AN_DAY0 */
    const int32_t *amount, *cost;     /* narrow rows, or NULL */
    const int32_t *day;               /* wide rows: days since 1970-01-01 */
    const int64_t *amount64, *cost64; /* wide rows, or NULL */
} an_rows;

/* Day 0 of the narrow day column: 1900-01-01, in days since 1970-01-01. */
#define AN_DAY0 (-25567)

/* Narrow encodings of the two cost sentinels; narrow values lie above them. */
#define AN_COST32_COMPETITOR INT32_MIN
#define AN_COST32_UNKNOWN (INT32_MIN + 1)
#define AN_NARROW_MIN (INT32_MIN + 2)

static inline int32_t an_row_day(const an_rows *r, size_t i)
{
    return r->day ? r->day[i] : AN_DAY0 + (int32_t)r->day16[i];
}

static inline int64_t an_row_amount(const an_rows *r, size_t i)
{
    return r->amount64 ? r->amount64[i] : r->amount[i];
}

static inline int64_t an_row_cost(const an_rows *r, size_t i)
{
    if (r->cost64)
        return r->cost64[i];
    int32_t c = r->cost[i];
    return c == AN_COST32_COMPETITOR ? AN_COST_COMPETITOR : c == AN_COST32_UNKNOWN ? AN_COST_UNKNOWN : c;
}

typedef struct an_overlay an_overlay;
struct an_late_row;
struct an_big_id { uint32_t p; int64_t id; };
#define AN_BIG_ID UINT32_MAX

typedef struct {
    /* main columns, grouped by party and by day within a party */
    size_t n, cap;
    uint16_t *day;
    int32_t *amount, *cost;
    uint32_t *party;   /* only while bulk loading (before an_store_finish) */
    /* parties */
    size_t nparties, pcap;
    uint32_t *party_id; /* [nparties] index -> database id, or AN_BIG_ID: look in big */
    struct an_big_id *big; /* ids outside 0..2^32-2, in index order */
    size_t nbig, bigcap;
    uint32_t *pstart;  /* [nparties + 1] first main row of each party */
    /* id -> index hash (open addressing, slot holds index + 1) */
    uint32_t *slots;
    size_t nslots;
    /* overlays: party index -> 64-bit rows (hash, slot key holds index + 1) */
    uint32_t *okey;
    an_overlay **oval;
    size_t noslots, novl, novl_rows;
    size_t nwide;      /* overlays kept because a value needs 64 bits */
    /* rows of the bulk load that need 64 bits, until an_store_finish */
    struct an_late_row *late;
    size_t nlate, latecap;
    int sorted;        /* main columns grouped by party, by day within */
} an_store;

void an_store_init(an_store *s);
void an_store_free(an_store *s);

/* Index of party id; with create, a new index is assigned when the party
 * is unknown. Returns -1 when unknown (or out of memory). */
int64_t an_store_party(an_store *s, int64_t party_id, int create);

/* The database id of party index p (p < nparties). Ids fit 32 bits in any
 * real database (they are SQLite row ids); a larger or negative one is kept
 * aside, so every id works, at 4 bytes a party. */
int64_t an_store_party_id(const an_store *s, size_t p);

/* Bulk load: append rows in any order, then an_store_finish groups them by
 * party and day (counting sort, O(n)). Returns 0 or -1 (out of memory). */
int an_store_append(an_store *s, int64_t party_id, int32_t day, int64_t amount, int64_t cost);
int an_store_finish(an_store *s);

/* Replaces all rows of a party (sorted here by day). Returns 0 or -1. */
int an_store_replace(an_store *s, int64_t party_id, size_t n, const int32_t *day, const int64_t *amount,
                     const int64_t *cost);

/* The rows of party index p (overlay if any, else its main range). */
an_rows an_store_rows(const an_store *s, size_t p);

/* Folds the overlays into the main columns (all but those that need 64-bit
 * values). Returns 0 or -1. */
int an_store_compact(an_store *s);

/* Transactions held (main + overlays), bytes used by the row columns and
 * overlays, and bytes used by the per-party index. */
size_t an_store_count(const an_store *s);
size_t an_store_row_bytes(const an_store *s);
size_t an_store_party_bytes(const an_store *s);

/* Bytes of one row in the main columns. */
#define AN_STORE_ROW_BYTES (sizeof(uint16_t) + 2 * sizeof(int32_t))

#endif
