/* addrbudget: how many bytes of request bodies each client address has
 * pending in requests that carry no credentials (the login form is the only
 * public route with a body). Such a body is held in memory until it is
 * complete; the budget keeps one address from holding much of it, whatever
 * number of connections it opens. */
#ifndef RAPPORT_ADDRBUDGET_H
#define RAPPORT_ADDRBUDGET_H
#include <stdbool.h>
#include <stddef.h>

#define ANON_BODY_BYTES (16u << 10)        /* one body without credentials */
#define ANON_ADDR_BYTES (64u << 10)        /* all such bodies of one address */

/* Reserves n more bytes for addr; false (nothing reserved) when that would
 * pass ANON_ADDR_BYTES or memory is short. */
bool addrbudget_take(const char *addr, size_t n);
/* Gives back n bytes reserved for addr. */
void addrbudget_give(const char *addr, size_t n);
/* Bytes reserved for addr now (tests, metrics). */
size_t addrbudget_held(const char *addr);
#endif
