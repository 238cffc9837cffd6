/* strbuf: growable, capped byte buffer (see strbuf.h). */
#include "lib/strbuf.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_DEFAULT_MAX ((size_t)64 << 20)

void sb_init(strbuf *sb, size_t max)
{
    memset(sb, 0, sizeof *sb);
    sb->max = max ? max : SB_DEFAULT_MAX;
}

static int sb_grow(strbuf *sb, size_t need)
{
    if (sb->failed) return -1;
    if (need > sb->max) { sb->failed = 1; return -1; }
    if (need + 1 <= sb->cap) return 0;
    size_t cap = sb->cap ? sb->cap : 1024; /* a record's JSON fits without regrowing */
    while (cap < need + 1) cap *= 2;
    if (cap > sb->max + 1) cap = sb->max + 1;   /* sb_append's fast path relies on it */
    char *p = realloc(sb->data, cap);
    if (!p) { sb->failed = 1; return -1; }
    sb->data = p;
    sb->cap = cap;
    return 0;
}

int sb_reserve(strbuf *sb, size_t n)
{
    if (n > SIZE_MAX - sb->len - 1) { sb->failed = 1; return -1; }
    return sb_grow(sb, sb->len + n);
}

int sb_puts(strbuf *sb, const char *s) { return sb_append(sb, s, strlen(s)); }

int sb_put_html(strbuf *sb, const char *s)
{
    for (; s && *s; s++) {
        const char *entity = NULL;
        switch (*s) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&#39;"; break;
        default: break;
        }
        if (entity ? sb_puts(sb, entity) : sb_append(sb, s, 1)) return -1;
    }
    return 0;
}

int sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(sb, sb->len + (size_t)n) != 0) return -1;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return 0;
}

const char *sb_str(strbuf *sb) { return sb->data ? sb->data : ""; }

char *sb_take(strbuf *sb)
{
    char *p = sb->data;
    if (!p) p = calloc(1, 1);
    size_t max = sb->max;
    sb_init(sb, max);
    return p;
}

void sb_reset(strbuf *sb) { sb->len = 0; sb->failed = 0; if (sb->data) sb->data[0] = '\0'; }

void sb_free(strbuf *sb) { free(sb->data); sb_init(sb, sb->max); }
