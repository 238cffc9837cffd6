/* fuzz_text: the validators of outside text — utf8_valid / utf8_length,
 * email_valid / email_normalize, phone_normalize, currency_valid — with
 * properties: a normalised phone is 5–20 ASCII digits and normalising it
 * again gives a valid phone; a valid e-mail normalises to a valid e-mail;
 * utf8_length never exceeds the byte length. */
#include "lib/textcheck.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);
    bool valid = utf8_valid(s, size);
    if (valid) {
        if (n != size) abort();                 /* NUL is never valid */
        if (utf8_length(s) > n) abort();
    }
    if (email_valid(s)) {
        char out[300];
        email_normalize(s, out, sizeof out);
        if (strlen(out) != n || !email_valid(out)) abort();
    }
    char small[4];
    email_normalize(s, small, sizeof small);   /* truncation stays in bounds */
    if (strlen(small) >= sizeof small) abort();
    char digits[32];
    if (phone_normalize(s, digits, sizeof digits)) {
        size_t nd = strlen(digits);
        if (nd < 5 || nd > 20) abort();
        for (size_t i = 0; i < nd; i++) if (digits[i] < '0' || digits[i] > '9') abort();
        char again[32];
        if (!phone_normalize(digits, again, sizeof again)) abort();
    }
    for (size_t cap = 0; cap < 8; cap++) {
        char tiny[8];
        memset(tiny, 'x', sizeof tiny);
        if (cap && phone_normalize(s, tiny, cap) && strlen(tiny) >= cap) abort();
    }
    (void)currency_valid(s);
    free(s);
    return 0;
}
