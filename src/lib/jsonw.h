/* jsonw: writing JSON text straight into a strbuf, for the hot read paths
 * (a record, a page of records) where building a jansson tree first would
 * cost more than the rest of the request. Output matches jansson's
 * json_dumps(JSON_COMPACT): UTF-8 as is, control characters escaped. */
#ifndef RAPPORT_JSONW_H
#define RAPPORT_JSONW_H
#include "lib/strbuf.h"
#include <stdint.h>

void jw_string(strbuf *sb, const char *s);      /* NULL writes null */
void jw_string_n(strbuf *sb, const char *s, size_t n);  /* s holds n bytes (no NUL needed) */
void jw_key(strbuf *sb, const char *key, int first);  /* ,"key": */
void jw_int(strbuf *sb, int64_t v);
/* v in decimal, NUL-terminated, somewhere inside buf (the return value). */
#define JW_INT_CHARS 24
char *jw_int_text(int64_t v, char buf[JW_INT_CHARS]);
/* A jansson value as compact JSON text, keys in the object's own order: the
 * same text as json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) (reals are written
 * by jansson itself; DEL is escaped, as by jw_string), at a fraction of the cost, and failing only through
 * the strbuf's sticky failure flag. */
typedef struct json_t json_t;
void jw_json(strbuf *sb, const json_t *v);
#endif
