/* jsonw: JSON text writer (see jsonw.h). */
#include "lib/jsonw.h"
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
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

void jw_json(strbuf *sb, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        int first = 1;
        sb_append(sb, "{", 1);
        json_object_foreach((json_t *)v, key, item) {
            if (!first) sb_append(sb, ",", 1);
            first = 0;
            jw_string_n(sb, key, strlen(key));
            sb_append(sb, ":", 1);
            jw_json(sb, item);
        }
        sb_append(sb, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        sb_append(sb, "[", 1);
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i) sb_append(sb, ",", 1);
            jw_json(sb, json_array_get(v, i));
        }
        sb_append(sb, "]", 1);
        break;
    }
    case JSON_STRING: jw_string_n(sb, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: jw_int(sb, (int64_t)json_integer_value(v)); break;
    case JSON_REAL: {
        /* jansson's own shortest exact form (%.17g, a ".0" kept, the
         * exponent trimmed): reals are few; their text must not change. */
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!t) { sb->failed = 1; break; }
        sb_append(sb, t, strlen(t));
        free(t);
        break;
    }
    case JSON_TRUE: sb_append(sb, "true", 4); break;
    case JSON_FALSE: sb_append(sb, "false", 5); break;
    default: sb_append(sb, "null", 4);
    }
}
