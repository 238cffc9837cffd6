/* setting: the key–value rows of the setting table — company settings (time
 * zone, currency, letterhead), the mail relay, the analytics settings, the
 * relationship grid, the audit chain's head … — read and written here for
 * every module that keeps a value there. */
#ifndef RAPPORT_SETTING_H
#define RAPPORT_SETTING_H
#include "db/db.h"
#include <stddef.h>

/* The stored value of key into out; "" when absent (or unreadable). */
void setting_get(db *c, const char *key, char *out, size_t cap);
/* Sets key to value (inserted or replaced). 0, or -1. */
int setting_put(db *w, const char *key, const char *value);
#endif
