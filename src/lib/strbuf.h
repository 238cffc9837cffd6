/* strbuf: a growable byte buffer with a hard size cap. Every buffer that holds
 * outside input (request bodies, CSV lines, SQL fragments) is a strbuf so that
 * no input can grow memory without bound. */
#ifndef RAPPORT_STRBUF_H
#define RAPPORT_STRBUF_H
#include <stddef.h>
#include <stdarg.h>
#include <string.h>

typedef struct strbuf {
    char *data;     /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;     /* allocated bytes */
    size_t max;     /* hard cap on len; 0 = 64 MiB */
    int failed;     /* sticky: an append hit the cap or malloc failed */
} strbuf;

void sb_init(strbuf *sb, size_t max);
/* Makes room for n more bytes (and the NUL); 0, or -1 with failed set. */
int sb_reserve(strbuf *sb, size_t n);
/* Appends; returns 0 on success, -1 (and sets failed) when the cap is hit.
 * Inline: a record's JSON is a few hundred small appends, and the call was
 * a visible share of a GET. The allocation never exceeds max + 1 bytes, so
 * an append that fits the allocation is within the cap. */
static inline int sb_append(strbuf *sb, const char *data, size_t n)
{
    if ((sb->failed || sb->cap - sb->len <= n) && sb_reserve(sb, n) != 0) return -1;
    memcpy(sb->data + sb->len, data, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}
int sb_puts(strbuf *sb, const char *s);
/* s with & < > " ' as HTML entities (text and attribute values alike); s may be NULL. */
int sb_put_html(strbuf *sb, const char *s);
int sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the NUL-terminated contents ("" when empty); the buffer keeps ownership. */
const char *sb_str(strbuf *sb);
/* Hands the contents to the caller (free() it) and resets the buffer. */
char *sb_take(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_free(strbuf *sb);
#endif
