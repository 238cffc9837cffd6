/* import_values: cell conversions for imports (see import_values.c). */
#ifndef RAPPORT_IMPORT_VALUES_H
#define RAPPORT_IMPORT_VALUES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digits after the decimal point of the currency's minor unit (2 mostly). */
int currency_exponent(const char *cur);
/* "6", " 6 ", "6.0" → 6. */
int parse_int(const char *s, int64_t *out);
/* true/false, yes/no, y/n, 1/0, 是/否. */
int parse_bool(const char *s, bool *out);
/* "£1,234.56", "(12.00)", "1 234.5 CNY", "12.5元", "-3.1" → millionths of
 * the major unit; cur receives a currency named in the cell ("" if none). */
int parse_amount_micro(const char *s, int64_t *micro, char cur[4]);
/* Millionths of a major unit → minor units of cur, rounded half away from 0. */
int64_t micro_to_minor(int64_t micro, const char *cur);
/* Minor units → "1234.56" in the currency's exponent. */
void minor_to_text(int64_t minor, const char *cur, char *out, size_t cap);
/* A date or date-time: with fmt (%Y %y %m %d %H %M %S %p %b) exactly, else
 * ISO 8601, "YYYY-MM-DD HH:MM[:SS]", "YYYY/MM/DD", "YYYY.MM.DD", YYYYMMDD,
 * "YYYY年MM月DD日". Unix seconds (UTC). */
int parse_when(const char *s, const char *fmt, int64_t *t);
#endif
