/* textcheck: input validation helpers (see textcheck.h). */
#include "lib/textcheck.h"
#include <ctype.h>
#include <string.h>

bool utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
            i++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > n) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
        if (cp >= 0xd800 && cp <= 0xdfff) return false;
        i += len;
    }
    return true;
}

size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) n++;
    return n;
}

bool email_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 254) return false;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return false;
    if (at - s > 64) return false;
    const char *dom = at + 1;
    const char *dot = strrchr(dom, '.');
    if (!dot || dot == dom || dot[1] == '\0' || strlen(dot + 1) < 2) return false;
    if (dom[0] == '.' || strstr(dom, "..")) return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '\\')
            return false;
    }
    return true;
}

void email_normalize(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

bool phone_normalize(const char *s, char *out, size_t cap)
{
    char digits[32];
    size_t nd = 0;
    bool plus = false;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (nd >= 20) return false;
            digits[nd++] = *p;
        } else if (*p == '+' && nd == 0 && !plus && p == s) {
            plus = true;
        } else if (*p != ' ' && *p != '-' && *p != '.' && *p != '(' && *p != ')') {
            return false;
        }
    }
    if (nd < 5) return false;
    digits[nd] = '\0';
    const char *d = digits;
    /* 86 is China's country code: "+86 138…" and "0086138…" and "138…" are one number. */
    if (plus && strncmp(d, "86", 2) == 0 && nd > 10) d += 2;
    else if (!plus && strncmp(d, "0086", 4) == 0 && nd > 12) d += 4;
    else if (!plus && nd == 13 && strncmp(d, "861", 3) == 0) d += 2;
    size_t len = strlen(d);
    if (len + 1 > cap) return false;
    memcpy(out, d, len + 1);
    return true;
}

bool currency_valid(const char *s)
{
    return strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) && isupper((unsigned char)s[2]);
}
