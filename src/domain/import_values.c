/* import_values: turning spreadsheet cells into field values — integers,
 * booleans, dates and times in the common forms or a --date-format, amounts
 * with thousands separators, currency symbols or codes and parentheses for
 * negatives, lists split on ';' — and the minor-unit exponent of a currency. */
#include "domain/import_values.h"
#include "lib/timeutil.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* A three-letter code as one number: every money cell of an import asks,
 * and 23 string comparisons a cell were a visible share of an import. */
#define C3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))

int currency_exponent(const char *cur)
{
    static const uint32_t zero[] = {C3('J', 'P', 'Y'), C3('K', 'R', 'W'), C3('V', 'N', 'D'), C3('C', 'L', 'P'), C3('I', 'S', 'K'),
                                    C3('P', 'Y', 'G'), C3('U', 'G', 'X'), C3('X', 'A', 'F'), C3('X', 'O', 'F'), C3('X', 'P', 'F'),
                                    C3('R', 'W', 'F'), C3('K', 'M', 'F'), C3('G', 'N', 'F'), C3('D', 'J', 'F'), C3('B', 'I', 'F'),
                                    C3('V', 'U', 'V')};
    static const uint32_t three[] = {C3('B', 'H', 'D'), C3('K', 'W', 'D'), C3('O', 'M', 'R'), C3('J', 'O', 'D'), C3('T', 'N', 'D'),
                                     C3('L', 'Y', 'D'), C3('I', 'Q', 'D')};
    if (!cur || !cur[0] || !cur[1] || !cur[2] || cur[3]) return 2;
    uint32_t c = C3((unsigned char)cur[0], (unsigned char)cur[1], (unsigned char)cur[2]);
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) if (c == zero[i]) return 0;
    for (size_t i = 0; i < sizeof three / sizeof three[0]; i++) if (c == three[i]) return 3;
    return 2;
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

int parse_int(const char *s, int64_t *out)
{
    s = skip_ws(s);
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s) return -1;
    end = (char *)skip_ws(end);
    /* "6.0" from a spreadsheet is still 6. */
    if (*end == '.') {
        end++;
        while (*end == '0') end++;
        end = (char *)skip_ws(end);
    }
    if (*end) return -1;
    *out = v;
    return 0;
}

int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "y", "1", "t", "on", "是", "x", NULL};
    static const char *const no[] = {"false", "no", "n", "0", "f", "off", "否", NULL};
    s = skip_ws(s);
    for (int i = 0; yes[i]; i++) if (!strcasecmp(s, yes[i])) { *out = true; return 0; }
    for (int i = 0; no[i]; i++) if (!strcasecmp(s, no[i])) { *out = false; return 0; }
    return -1;
}

/* Decimal with up to 6 fraction digits, optional thousands separators,
 * currency symbols or a three-letter code around it, a sign or parentheses. */
int parse_amount_micro(const char *s, int64_t *micro, char cur[4])
{
    const char *p = skip_ws(s);
    bool neg = false, paren = false, digits = false;
    cur[0] = '\0';
    /* Prefix: sign, parenthesis, symbols, a code. */
    for (int guard = 0; *p && guard < 16; guard++) {
        if (*p == '-') { neg = !neg; p++; }
        else if (*p == '+') p++;
        else if (*p == '(') { paren = true; p++; }
        else if (*p == ' ' || *p == '\t') p++;
        else if (isupper((unsigned char)p[0]) && isupper((unsigned char)p[1]) && isupper((unsigned char)p[2])) {
            memcpy(cur, p, 3); cur[3] = '\0'; p += 3;
            if (!strcmp(cur, "RMB")) memcpy(cur, "CNY", 4);
        }
        else if (!strncmp(p, "$", 1)) p += 1;
        else if (!strncmp(p, "£", 2)) { if (!cur[0]) memcpy(cur, "GBP", 4); p += 2; }
        else if (!strncmp(p, "€", 3)) { if (!cur[0]) memcpy(cur, "EUR", 4); p += 3; }
        else if (!strncmp(p, "¥", 2) || !strncmp(p, "￥", 3)) { p += p[0] == '\xef' ? 3 : 2; }
        else break;
    }
    int64_t whole = 0, frac = 0;
    int fd = 0;
    while (*p) {
        if (*p >= '0' && *p <= '9') {
            if (whole > 900000000000LL) return -1;   /* ×10 and ×10^6 must fit in 64 bits */
            whole = whole * 10 + (*p - '0');
            digits = true;
            p++;
        } else if (*p == ',' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
                   !isdigit((unsigned char)p[4])) {
            p++;
        } else if ((*p == '\'' || *p == ' ') && digits && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3])) {
            p++;
        } else break;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (fd < 6) { frac = frac * 10 + (*p - '0'); fd++; }
            else if (fd == 6 && *p != '0') return -1;   /* more precision than we keep */
            digits = true;
            p++;
        }
    }
    if (!digits) return -1;
    for (; fd < 6; fd++) frac *= 10;
    /* Suffix: a code, symbols, a trailing minus, a closing parenthesis. */
    for (int guard = 0; *p && guard < 16; guard++) {
        if (*p == ' ' || *p == '\t') p++;
        else if (*p == ')' && paren) { paren = false; neg = !neg; p++; }
        else if (*p == '-') { neg = !neg; p++; }
        else if (isupper((unsigned char)p[0]) && isupper((unsigned char)p[1]) && isupper((unsigned char)p[2]) && !isalpha((unsigned char)p[3])) {
            memcpy(cur, p, 3); cur[3] = '\0'; p += 3;
            if (!strcmp(cur, "RMB")) memcpy(cur, "CNY", 4);
        }
        else if (!strncmp(p, "元", 3)) { if (!cur[0]) memcpy(cur, "CNY", 4); p += 3; }
        else if (!strncmp(p, "€", 3)) { if (!cur[0]) memcpy(cur, "EUR", 4); p += 3; }
        else break;
    }
    if (*p || paren) return -1;
    int64_t v = whole * 1000000 + frac;
    *micro = neg ? -v : v;
    return 0;
}

int64_t micro_to_minor(int64_t micro, const char *cur)
{
    static const int64_t div_of[] = {1000000, 100000, 10000, 1000};   /* by exponent 0 … 3 */
    int64_t div = div_of[currency_exponent(cur)];
    int64_t q = micro / div, r = micro % div;
    if (r * 2 >= div) q++;
    else if (r * 2 <= -div) q--;
    return q;
}

void minor_to_text(int64_t minor, const char *cur, char *out, size_t cap)
{
    int e = currency_exponent(cur ? cur : "");
    if (e == 0) { snprintf(out, cap, "%lld", (long long)minor); return; }
    int64_t div = e == 3 ? 1000 : 100;
    uint64_t a = minor < 0 ? (uint64_t)(-(minor + 1)) + 1 : (uint64_t)minor;
    snprintf(out, cap, "%s%llu.%0*llu", minor < 0 ? "-" : "", (unsigned long long)(a / (uint64_t)div), e,
             (unsigned long long)(a % (uint64_t)div));
}

static int num(const char **p, int maxd, int *out)
{
    int v = 0, n = 0;
    while (n < maxd && **p >= '0' && **p <= '9') { v = v * 10 + (**p - '0'); (*p)++; n++; }
    if (!n) return -1;
    *out = v;
    return 0;
}

static int civil_ok(int y, int mo, int d, int h, int mi, int s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return -1;
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return -1;
    return 0;
}

static int64_t to_unix(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

static int parse_with_format(const char *s, const char *fmt, int64_t *t)
{
    static const char *const mon[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    int y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0, pm = -1;
    const char *p = skip_ws(s);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            if (*f == ' ') { p = skip_ws(p); continue; }
            if (*p != *f) return -1;
            p++;
            continue;
        }
        f++;
        int rc = 0;
        switch (*f) {
        case 'Y': rc = num(&p, 4, &y); break;
        case 'y': rc = num(&p, 2, &y); y += y < 70 ? 2000 : 1900; break;
        case 'm': rc = num(&p, 2, &mo); break;
        case 'd': rc = num(&p, 2, &d); break;
        case 'H': rc = num(&p, 2, &h); break;
        case 'M': rc = num(&p, 2, &mi); break;
        case 'S': rc = num(&p, 2, &sec); break;
        case 'p':
            if (!strncasecmp(p, "AM", 2)) pm = 0; else if (!strncasecmp(p, "PM", 2)) pm = 1; else return -1;
            p += 2;
            break;
        case 'b': {
            rc = -1;
            for (int i = 0; i < 12; i++)
                if (!strncasecmp(p, mon[i], 3)) { mo = i + 1; p += 3; rc = 0; while (isalpha((unsigned char)*p)) p++; break; }
            break;
        }
        case '%': if (*p++ != '%') return -1; break;
        default: return -1;
        }
        if (rc) return -1;
    }
    if (*skip_ws(p)) return -1;
    if (pm >= 0) { if (h < 1 || h > 12) return -1; h = h % 12 + (pm ? 12 : 0); }
    if (civil_ok(y, mo, d, h, mi, sec)) return -1;
    *t = to_unix(y, mo, d, h, mi, sec);
    return 0;
}

int parse_when(const char *s, const char *fmt, int64_t *t)
{
    if (fmt) return parse_with_format(s, fmt, t);
    s = skip_ws(s);
    if (time_parse(s, t) == 0) return 0;
    static const char *const forms[] = {
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
        "%Y.%m.%d", "%Y年%m月%d日", "%Y年%m月%d日 %H:%M", "%Y-%m-%d", NULL};
    for (int i = 0; forms[i]; i++)
        if (parse_with_format(s, forms[i], t) == 0) return 0;
    /* YYYYMMDD */
    if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
        int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        int mo = (s[4] - '0') * 10 + (s[5] - '0'), d = (s[6] - '0') * 10 + (s[7] - '0');
        if (civil_ok(y, mo, d, 0, 0, 0) == 0) { *t = to_unix(y, mo, d, 0, 0, 0); return 0; }
    }
    return -1;
}
