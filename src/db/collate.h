/* collate: pinyin-aware sort keys for names (ICU's "zh" collator), in C and
 * as the SQL function collation_key(text) → BLOB. See collate.c. */
#ifndef RAPPORT_COLLATE_H
#define RAPPORT_COLLATE_H
#include "db/db.h"
#include <stddef.h>
#include <stdint.h>

typedef struct collator collator;

/* A "zh" collator (pinyin order for Han, Latin letters interleaved, case a
 * tertiary difference). NULL when ICU cannot open it. Owned by the caller:
 * free with collator_close. Not for concurrent use from several threads. */
collator *collator_open(void);
void collator_close(collator *c);

/* Writes the sort key of the UTF-8 text z (n bytes; invalid sequences count
 * as U+FFFD) into out, at most cap bytes. Keys compare with memcmp (a
 * shorter key that is a prefix of a longer one sorts first) in the
 * collator's order; equal text gives equal keys. Returns the key's length;
 * a result ≥ cap means out was too small and holds nothing usable (call
 * again with a buffer of result + 1 bytes); 0 on error (or empty text). */
size_t collator_key(collator *c, const char *z, int n, uint8_t *out, size_t cap);

/* The collator's version, "icu-zh-<ICU collation version>", into out. Keys
 * of different versions must not be mixed. */
void collator_version(collator *c, char *out, size_t cap);

/* Registers collation_key(text) on the connection (NULL → NULL). */
int collate_register(db *c);

/* On the writer connection after the migrations: when the stored name keys
 * were made by another collator version (setting collation.name_key), makes
 * them all again in one transaction and records the version; when none is
 * recorded, records it. Returns 0, or -1 with err set. */
int collate_check(db *c, char *err, size_t errlen);
#endif
