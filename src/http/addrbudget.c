/* addrbudget: bytes of anonymous request bodies pending per client address
 * (see addrbudget.h). A chained hash table of exact addresses: an entry
 * exists only while its address has bytes reserved, so the table is never
 * larger than the number of connections libmicrohttpd admits, and one
 * address can never share, reset or evict another's count. */
#include "http/addrbudget.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024

struct entry {
    struct entry *next;
    size_t held;
    char addr[64];
};

static struct entry *g_bucket[BUCKETS];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static struct entry **find(const char *addr)
{
    uint32_t h = 2166136261u;   /* FNV-1a: only spreads entries; equality decides */
    for (const char *p = addr; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    struct entry **e = &g_bucket[h % BUCKETS];
    while (*e && strcmp((*e)->addr, addr) != 0) e = &(*e)->next;
    return e;
}

bool addrbudget_take(const char *addr, size_t n)
{
    if (n > ANON_ADDR_BYTES || strlen(addr) >= sizeof ((struct entry *)0)->addr) return false;
    pthread_mutex_lock(&g_mu);
    struct entry **e = find(addr);
    bool ok = false;
    if (!*e) {
        struct entry *fresh = calloc(1, sizeof *fresh);
        if (fresh) {
            memcpy(fresh->addr, addr, strlen(addr) + 1);
            *e = fresh;
        }
    }
    if (*e && (*e)->held + n <= ANON_ADDR_BYTES) {
        (*e)->held += n;
        ok = true;
    }
    if (*e && !(*e)->held) {   /* a fresh entry that could not take n */
        struct entry *gone = *e;
        *e = gone->next;
        free(gone);
    }
    pthread_mutex_unlock(&g_mu);
    return ok;
}

void addrbudget_give(const char *addr, size_t n)
{
    if (!n) return;
    pthread_mutex_lock(&g_mu);
    struct entry **e = find(addr);
    if (*e) {
        (*e)->held = (*e)->held > n ? (*e)->held - n : 0;
        if (!(*e)->held) {
            struct entry *gone = *e;
            *e = gone->next;
            free(gone);
        }
    }
    pthread_mutex_unlock(&g_mu);
}

size_t addrbudget_held(const char *addr)
{
    pthread_mutex_lock(&g_mu);
    struct entry **e = find(addr);
    size_t n = *e ? (*e)->held : 0;
    pthread_mutex_unlock(&g_mu);
    return n;
}
