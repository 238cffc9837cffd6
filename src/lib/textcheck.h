/* textcheck: validation and normalisation of text from outside — UTF-8,
 * e-mail addresses, phone numbers (Chinese mobile numbers with or without
 * +86 and spaces), currency codes. */
#ifndef RAPPORT_TEXTCHECK_H
#define RAPPORT_TEXTCHECK_H
#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 without NUL or C0 controls other
 * than tab, LF and CR. */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s);
/* True for a plausible address: local@domain.tld, no spaces, ≤ 254 bytes. */
bool email_valid(const char *s);
/* Writes the lower-cased address to out (cap bytes). */
void email_normalize(const char *s, char *out, size_t cap);
/* Accepts digits, spaces, '-', '.', '(', ')' and a leading '+'; 5–20 digits.
 * Writes the canonical digits-only form used for matching (a leading
 * country code 86 / 0086 of a Chinese number is dropped) into out. Returns
 * false when s is not a phone number. */
bool phone_normalize(const char *s, char *out, size_t cap);
/* Three upper-case ASCII letters. */
bool currency_valid(const char *s);
#endif
