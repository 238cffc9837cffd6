/* timeutil: UTC times. Everything on the wire is ISO 8601 in UTC
 * ("2026-11-25T14:07:59Z" or a date "2026-11-25"); inside we keep Unix seconds. */
#ifndef RAPPORT_TIMEUTIL_H
#define RAPPORT_TIMEUTIL_H
#include <stdint.h>
#include <stddef.h>
#include <time.h>

int64_t time_now(void);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void time_format(int64_t t, char out[static 21]);
/* Formats the day of t as "YYYY-MM-DD" into out (at least 11 bytes). */
void date_format(int64_t t, char out[static 11]);
/* Parses an ISO 8601 date or date-time (Z or ±HH:MM offset, optional
 * fraction) into Unix seconds. Returns 0 on success, -1 when malformed or
 * outside 1900-01-01 … 2200-12-31. */
int time_parse(const char *s, int64_t *out);
/* Parses exactly "YYYY-MM-DD" (same range). */
int date_parse(const char *s, int64_t *out);
/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t days_from_civil(int y, unsigned m, unsigned d);
/* The CLOCK_REALTIME instant ms milliseconds from now, as
 * pthread_cond_timedwait wants its deadline. */
struct timespec deadline_after_ms(long ms);
#endif
