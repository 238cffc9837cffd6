/* sqlite_pcache: SQLite's page cache (SQLITE_CONFIG_PCACHE2), a segmented LRU.
 *
 * SQLite's own cache keeps one LRU list. A read by id in a large table
 * brings in a leaf page that is seldom read again, and under LRU those
 * leaves push out the table's interior pages, which every read walks
 * through. With 1,000,000 parties the party_doc table has 505 interior
 * pages, a request thread's 2 MB cache holds 483 pages, and a GET read
 * 1.58 pages from the file where about one would do (each read is a
 * pread() and a 4 KB copy). Here a page comes in on probation and moves to
 * the protected segment when it is found in the cache again; eviction takes
 * the oldest page on probation first, so pages read once leave before pages
 * read often. The protected segment may fill all of the cache but a
 * sixteenth (at least PROBATION_MIN pages); when it is over, its oldest page
 * goes back on probation.
 *
 * Everything else follows the contract in sqlite3.h and what SQLite's own
 * cache does: a new page's extra bytes start zeroed (SQLite's page header
 * lives there and is recognised as new by a null pointer), a fetch that may
 * fail (createFlag 1) does fail when nothing can be recycled or nine tenths
 * of the cache is pinned, so that SQLite spills dirty pages instead of
 * growing without bound, and a fetch that must not fail (createFlag 2)
 * allocates past the limit.
 *
 * A cache belongs to one connection, which one thread uses at a time, so a
 * cache needs no lock, and nothing here is shared between caches. */
#include "db/db_sqlite.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define PROBATION_MIN 16
#define FIRST_BUCKETS 64

enum where { PINNED, PROBATION, PROTECTED };

struct page {
    sqlite3_pcache_page base;   /* first: SQLite's handle is a pointer to it */
    struct page *hash_next;
    struct page *prev, *next;   /* in its segment's list while unpinned */
    unsigned key;
    unsigned char where;
    bool reused;                /* found in the cache since it came in */
};

/* A segment: a circular list through a sentinel, oldest first. */
struct segment {
    struct page head;
    unsigned n;
};

struct cache {
    size_t sz_page, sz_extra, sz_header;
    bool purgeable;
    unsigned max;               /* PRAGMA cache_size, in pages */
    unsigned npage;             /* pinned or not */
    unsigned npinned;
    unsigned nbucket;           /* a power of two */
    struct page **bucket;
    struct segment probation, protected_;
};

static void segment_init(struct segment *s)
{
    s->head.prev = s->head.next = &s->head;
    s->n = 0;
}

static struct segment *segment_of(struct cache *c, struct page *p)
{
    return p->where == PROTECTED ? &c->protected_ : &c->probation;
}

static void segment_remove(struct cache *c, struct page *p)
{
    struct segment *s = segment_of(c, p);
    p->prev->next = p->next;
    p->next->prev = p->prev;
    s->n--;
}

static void segment_push_newest(struct cache *c, struct page *p, enum where where)
{
    p->where = (unsigned char)where;
    struct segment *s = segment_of(c, p);
    p->prev = s->head.prev;
    p->next = &s->head;
    s->head.prev->next = p;
    s->head.prev = p;
    s->n++;
}

static struct page *segment_oldest(struct segment *s)
{
    return s->n ? s->head.next : NULL;
}

static struct page **slot_of(struct cache *c, unsigned key)
{
    return &c->bucket[key & (c->nbucket - 1)];
}

static struct page *hash_find(struct cache *c, unsigned key)
{
    struct page *p = *slot_of(c, key);
    while (p && p->key != key) p = p->hash_next;
    return p;
}

static void hash_insert(struct cache *c, struct page *p)
{
    struct page **slot = slot_of(c, p->key);
    p->hash_next = *slot;
    *slot = p;
}

static void hash_remove(struct cache *c, struct page *p)
{
    struct page **pp = slot_of(c, p->key);
    while (*pp != p) pp = &(*pp)->hash_next;
    *pp = p->hash_next;
}

/* Doubles the table once it holds more pages than buckets; when the
 * allocation fails the chains just grow longer. */
static void hash_grow(struct cache *c)
{
    if (c->npage < c->nbucket) return;
    unsigned n = c->nbucket * 2;
    struct page **b = calloc(n, sizeof *b);
    if (!b) return;
    for (unsigned i = 0; i < c->nbucket; i++) {
        struct page *p = c->bucket[i];
        while (p) {
            struct page *next = p->hash_next;
            p->hash_next = b[p->key & (n - 1)];
            b[p->key & (n - 1)] = p;
            p = next;
        }
    }
    free(c->bucket);
    c->bucket = b;
    c->nbucket = n;
}

/* Takes a page out of the cache, pinned or not (its memory stays the caller's). */
static void take_out(struct cache *c, struct page *p)
{
    if (p->where == PINNED) c->npinned--;
    else segment_remove(c, p);
    hash_remove(c, p);
    c->npage--;
}

static struct page *oldest_unpinned(struct cache *c)
{
    struct page *p = segment_oldest(&c->probation);
    return p ? p : segment_oldest(&c->protected_);
}

static void evict_to(struct cache *c, unsigned limit)
{
    struct page *p;
    while (c->npage > limit && (p = oldest_unpinned(c))) {
        take_out(c, p);
        sqlite3_free(p);
    }
}

static unsigned protected_limit(const struct cache *c)
{
    unsigned reserve = c->max / 16 > PROBATION_MIN ? c->max / 16 : PROBATION_MIN;
    return c->max > reserve ? c->max - reserve : 0;
}

static int pc_init(void *arg) { (void)arg; return SQLITE_OK; }
static void pc_shutdown(void *arg) { (void)arg; }

static sqlite3_pcache *pc_create(int sz_page, int sz_extra, int purgeable)
{
    struct cache *c = sqlite3_malloc(sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->sz_page = (size_t)sz_page;
    c->sz_extra = (size_t)sz_extra;
    c->sz_header = (sizeof(struct page) + 15) / 16 * 16;   /* keeps pBuf 16-byte aligned */
    c->purgeable = purgeable != 0;
    c->nbucket = FIRST_BUCKETS;
    c->bucket = calloc(c->nbucket, sizeof *c->bucket);
    if (!c->bucket) { sqlite3_free(c); return NULL; }
    segment_init(&c->probation);
    segment_init(&c->protected_);
    return (sqlite3_pcache *)c;
}

static void pc_cachesize(sqlite3_pcache *pc, int n)
{
    struct cache *c = (struct cache *)pc;
    c->max = n > 0 ? (unsigned)n : 0;
    if (c->purgeable) evict_to(c, c->max);
}

static int pc_pagecount(sqlite3_pcache *pc) { return (int)((struct cache *)pc)->npage; }

static sqlite3_pcache_page *pc_fetch(sqlite3_pcache *pc, unsigned key, int create)
{
    struct cache *c = (struct cache *)pc;
    struct page *p = hash_find(c, key);
    if (p) {
        if (p->where != PINNED) {
            segment_remove(c, p);
            p->where = PINNED;
            p->reused = true;
            c->npinned++;
        }
        return &p->base;
    }
    if (!create) return NULL;
    bool full = c->purgeable && c->npage >= c->max;
    if (create == 1 && c->purgeable && (c->npinned >= c->max - c->max / 10 || (full && c->npage == c->npinned)))
        return NULL;
    if (full && (p = oldest_unpinned(c))) {
        take_out(c, p);
    } else {
        p = sqlite3_malloc64(c->sz_header + c->sz_page + c->sz_extra);
        if (!p) return NULL;
        p->base.pBuf = (char *)p + c->sz_header;
        p->base.pExtra = (char *)p->base.pBuf + c->sz_page;
    }
    memset(p->base.pExtra, 0, c->sz_extra);
    p->key = key;
    p->where = PINNED;
    p->reused = false;
    p->prev = p->next = NULL;
    hash_insert(c, p);
    c->npage++;
    c->npinned++;
    hash_grow(c);
    return &p->base;
}

static void pc_unpin(sqlite3_pcache *pc, sqlite3_pcache_page *handle, int discard)
{
    struct cache *c = (struct cache *)pc;
    struct page *p = (struct page *)handle;
    if (discard) {
        take_out(c, p);
        sqlite3_free(p);
        return;
    }
    c->npinned--;
    if (!p->reused) {
        segment_push_newest(c, p, PROBATION);
    } else {
        segment_push_newest(c, p, PROTECTED);
        unsigned limit = protected_limit(c);
        struct page *old;
        while (c->protected_.n > limit && (old = segment_oldest(&c->protected_))) {
            segment_remove(c, old);
            old->reused = false;   /* back on probation: it must be found again to return */
            segment_push_newest(c, old, PROBATION);
        }
    }
    if (c->purgeable) evict_to(c, c->max);
}

static void pc_rekey(sqlite3_pcache *pc, sqlite3_pcache_page *handle, unsigned old_key, unsigned new_key)
{
    struct cache *c = (struct cache *)pc;
    struct page *p = (struct page *)handle;
    (void)old_key;
    struct page *other = hash_find(c, new_key);
    if (other && other != p) {   /* never pinned, says the contract */
        take_out(c, other);
        sqlite3_free(other);
    }
    hash_remove(c, p);
    p->key = new_key;
    hash_insert(c, p);
}

static void pc_truncate(sqlite3_pcache *pc, unsigned limit)
{
    struct cache *c = (struct cache *)pc;
    for (unsigned i = 0; i < c->nbucket; i++) {
        struct page **pp = &c->bucket[i];
        while (*pp) {
            struct page *p = *pp;
            if (p->key < limit) { pp = &p->hash_next; continue; }
            *pp = p->hash_next;
            if (p->where == PINNED) c->npinned--;   /* implicitly unpinned */
            else segment_remove(c, p);
            c->npage--;
            sqlite3_free(p);
        }
    }
}

static void pc_destroy(sqlite3_pcache *pc)
{
    struct cache *c = (struct cache *)pc;
    pc_truncate(pc, 0);
    free(c->bucket);
    sqlite3_free(c);
}

static void pc_shrink(sqlite3_pcache *pc)
{
    struct cache *c = (struct cache *)pc;
    evict_to(c, 0);
}

static const sqlite3_pcache_methods2 g_methods = {
    .iVersion = 1,
    .xInit = pc_init,
    .xShutdown = pc_shutdown,
    .xCreate = pc_create,
    .xCachesize = pc_cachesize,
    .xPagecount = pc_pagecount,
    .xFetch = pc_fetch,
    .xUnpin = pc_unpin,
    .xRekey = pc_rekey,
    .xTruncate = pc_truncate,
    .xDestroy = pc_destroy,
    .xShrink = pc_shrink,
};

const sqlite3_pcache_methods2 *sqlite_pcache_methods(void) { return &g_methods; }

void sqlite_pcache_install(void)
{
    sqlite3_config(SQLITE_CONFIG_PCACHE2, &g_methods);
}
