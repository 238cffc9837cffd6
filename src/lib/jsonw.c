/* jsonw: JSON text writer (see jsonw.h). */
#include "lib/jsonw.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* 1 for the bytes a JSON string must escape (as jansson does, plus DEL). */
static const unsigned char NEEDS_ESCAPE[256] = {
    [0x00] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x10] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

void jw_string_n(strbuf *sb, const char *s, size_t n)
{
    if (!s) { sb_append(sb, "null", 4); return; }
    sb_reserve(sb, n + 2);   /* one allocation check for the common case: nothing to escape */
    sb_append(sb, "\"", 1);
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    for (; p < end; p++) {
        if (!NEEDS_ESCAPE[*p]) continue;
        sb_append(sb, (const char *)run, (size_t)(p - run));
        char esc[8];
        switch (*p) {
        case '"': sb_append(sb, "\\\"", 2); break;
        case '\\': sb_append(sb, "\\\\", 2); break;
        case '\n': sb_append(sb, "\\n", 2); break;
        case '\r': sb_append(sb, "\\r", 2); break;
        case '\t': sb_append(sb, "\\t", 2); break;
        case '\b': sb_append(sb, "\\b", 2); break;
        case '\f': sb_append(sb, "\\f", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            sb_append(sb, esc, 6);
        }
        run = p + 1;
    }
    sb_append(sb, (const char *)run, (size_t)(end - run));
    sb_append(sb, "\"", 1);
}

void jw_string(strbuf *sb, const char *s) { jw_string_n(sb, s, s ? strlen(s) : 0); }

void jw_key(strbuf *sb, const char *key, int first)
{
    if (!first) sb_append(sb, ",", 1);
    jw_string(sb, key);
    sb_append(sb, ":", 1);
}

char *jw_int_text(int64_t v, char buf[JW_INT_CHARS])
{
    /* Digits from the end (no printf: a record has dozens of numbers). */
    char *p = buf + JW_INT_CHARS;
    *--p = '\0';
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return p;
}

void jw_int(strbuf *sb, int64_t v)
{
    char buf[JW_INT_CHARS];
    const char *p = jw_int_text(v, buf);
    sb_append(sb, p, (size_t)(buf + JW_INT_CHARS - 1 - p));
}
