/* sqlite_alloc: SQLite's memory allocator (SQLITE_CONFIG_MALLOC).
 *
 * Debian builds SQLite without its lookaside allocator (SQLITE_OMIT_LOOKASIDE),
 * so every text a query returns is copied into a fresh malloc and freed when
 * the statement is reset: twenty of each for one party read, and their sizes
 * overflow glibc's per-thread cache (seven blocks a size), so most of them
 * went through the arena. Here a block of up to SMALL_MAX bytes comes from a
 * per-thread list of its 16-byte size class instead, and goes back to the
 * freeing thread's list; each thread keeps at most SPARE_BYTES this way (the
 * rest is free()d), so the lists cost the server well under a megabyte. Every
 * block starts with a 16-byte header holding its usable size, which keeps
 * blocks 16-byte aligned and answers SQLite's xSize. */
#include "db/db_sqlite.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 16
#define CLASS_BYTES 16
#define SMALL_MAX 512
#define NCLASS (SMALL_MAX / CLASS_BYTES + 1)
#define SPARE_BYTES (16 * 1024)

struct spare { struct spare *next; };

static _Thread_local struct spare *t_lists[NCLASS];
static _Thread_local size_t t_spare_bytes;
static pthread_key_t g_key;
static long g_blocks;   /* blocks held from malloc, spares included (for the tests) */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static size_t *header_of(void *p) { return (size_t *)((char *)p - HEADER); }

static int alloc_roundup(int n)
{
    if (n <= 0) return CLASS_BYTES;
    if (n <= SMALL_MAX) return (n + CLASS_BYTES - 1) / CLASS_BYTES * CLASS_BYTES;
    return (n + 7) / 8 * 8;
}

static void release(void *p)
{
    __atomic_sub_fetch(&g_blocks, 1, __ATOMIC_RELAXED);
    free(header_of(p));
}

static void *alloc_malloc(int n)
{
    size_t size = (size_t)alloc_roundup(n);
    if (size <= SMALL_MAX) {
        struct spare **list = &t_lists[size / CLASS_BYTES];
        if (*list) {
            struct spare *s = *list;
            *list = s->next;
            t_spare_bytes -= size;
            return s;
        }
    }
    size_t *h = malloc(HEADER + size);
    if (!h) return NULL;
    __atomic_add_fetch(&g_blocks, 1, __ATOMIC_RELAXED);
    *h = size;
    return (char *)h + HEADER;
}

/* Frees a thread's spares when it ends (the key's destructor). */
static void lists_free(void *unused)
{
    for (int c = 0; c < NCLASS; c++)
        while (t_lists[c]) {
            struct spare *s = t_lists[c];
            t_lists[c] = s->next;
            release(s);
        }
    t_spare_bytes = 0;
}

static void key_create(void) { pthread_key_create(&g_key, lists_free); }

static void alloc_free(void *p)
{
    if (!p) return;
    size_t size = *header_of(p);
    if (size > SMALL_MAX || t_spare_bytes + size > SPARE_BYTES) { release(p); return; }
    if (t_spare_bytes == 0) {
        pthread_once(&g_once, key_create);
        pthread_setspecific(g_key, t_lists);   /* non-NULL, so the destructor runs */
    }
    struct spare *s = p;
    s->next = t_lists[size / CLASS_BYTES];
    t_lists[size / CLASS_BYTES] = s;
    t_spare_bytes += size;
}

static int alloc_size(void *p) { return p ? (int)*header_of(p) : 0; }

static void *alloc_realloc(void *p, int n)
{
    if (!p) return alloc_malloc(n);
    size_t have = *header_of(p);
    if ((size_t)alloc_roundup(n) <= have && (have <= SMALL_MAX || (size_t)n > have / 2)) return p;
    void *q = alloc_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, have < (size_t)n ? have : (size_t)n);
    alloc_free(p);
    return q;
}

static int alloc_init(void *unused) { return SQLITE_OK; }
static void alloc_shutdown(void *unused) {}

long sqlite_alloc_blocks(void) { return __atomic_load_n(&g_blocks, __ATOMIC_RELAXED); }

void sqlite_alloc_install(void)
{
    static const sqlite3_mem_methods methods = {
        alloc_malloc, alloc_free, alloc_realloc, alloc_size, alloc_roundup, alloc_init, alloc_shutdown, NULL,
    };
    /* Refused (harmlessly) once SQLite has initialised: then its own stays. */
    sqlite3_config(SQLITE_CONFIG_MALLOC, &methods);
}
