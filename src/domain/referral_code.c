/* referral_code: referral card codes with a check character (see
 * referral.h). Crockford's base 32 leaves out I, L, O and U, so a code
 * read aloud or copied by hand has no look-alike letters; the check is
 * Luhn mod 32, which catches every single wrong character and every swap
 * of two neighbours. */
#include "domain/referral.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char B32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int b32_index(char c)
{
    const char *p = c ? strchr(B32, c) : NULL;
    return p ? (int)(p - B32) : -1;
}

/* The check character over issuer, level and the 16 random characters. */
static char check_char(int64_t issuer, int level, const char *random16)
{
    char text[64];
    int n = 0;
    /* The issuer's id in base 32, then the level, then the random part. */
    char rev[16];
    int k = 0;
    uint64_t v = (uint64_t)issuer;
    do { rev[k++] = B32[v % 32]; v /= 32; } while (v && k < 16);
    while (k) text[n++] = rev[--k];
    text[n++] = B32[(unsigned)level % 32];
    memcpy(text + n, random16, 16);
    n += 16;
    int factor = 2, sum = 0;
    for (int i = n - 1; i >= 0; i--) {
        int addend = factor * b32_index(text[i]);
        factor = factor == 2 ? 1 : 2;
        sum += addend / 32 + addend % 32;
    }
    return B32[(32 - sum % 32) % 32];
}

void referral_code_make(int64_t issuer, int level, const unsigned char rnd[10], char out[REFERRAL_CODE_MAX])
{
    char r[17];
    /* 80 bits → 16 characters of 5 bits. */
    for (int i = 0; i < 16; i++) {
        int bit = i * 5, byte = bit / 8, off = bit % 8;
        unsigned w = (unsigned)rnd[byte] << 8 | (byte + 1 < 10 ? rnd[byte + 1] : 0);
        r[i] = B32[(w >> (11 - off)) & 31];
    }
    r[16] = 0;
    snprintf(out, REFERRAL_CODE_MAX, "L%d-%.4s-%.4s-%.4s-%.4s-%c", level, r, r + 4, r + 8, r + 12, check_char(issuer, level, r));
}

void referral_code_key(const char *code, char out[REFERRAL_CODE_MAX])
{
    size_t n = 0;
    for (const char *p = code; p && *p; p++) {
        if (*p == '-' || *p == ' ') continue;
        if (!isalnum((unsigned char)*p) || n + 1 >= REFERRAL_CODE_MAX) { out[0] = 0; return; }
        out[n++] = (char)toupper((unsigned char)*p);
    }
    out[n] = 0;
}

bool referral_code_valid(const char *key, int64_t issuer, int level)
{
    char prefix[8];
    int plen = snprintf(prefix, sizeof prefix, "L%d", level);
    size_t n = strlen(key);
    if (n != (size_t)plen + 17 || strncmp(key, prefix, (size_t)plen)) return false;
    for (size_t i = (size_t)plen; i < n; i++)
        if (b32_index(key[i]) < 0) return false;
    return check_char(issuer, level, key + plen) == key[n - 1];
}
