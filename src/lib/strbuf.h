/* strbuf: a growable byte buffer with a hard size cap. Every buffer that holds
 * outside input (request bodies, CSV lines, SQL fragments) is a strbuf so that
 * no input can grow memory without bound. */
#ifndef RAPPORT_STRBUF_H
#define RAPPORT_STRBUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct strbuf {
    char *data;     /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;     /* allocated bytes */
    size_t max;     /* hard cap on len; 0 = 64 MiB */
    int failed;     /* sticky: an append hit the cap or malloc failed */
} strbuf;

void sb_init(strbuf *sb, size_t max);
/* Appends; returns 0 on success, -1 (and sets failed) when the cap is hit. */
int sb_append(strbuf *sb, const char *data, size_t n);
int sb_puts(strbuf *sb, const char *s);
int sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated contents ("" when empty); the buffer keeps ownership. */
const char *sb_str(strbuf *sb);
/* Hands the contents to the caller (free() it) and resets the buffer. */
char *sb_take(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_free(strbuf *sb);
#endif
