/* zonetime: wall-clock times in a named time zone (the company's, an IANA
 * name such as "Asia/Shanghai"), for timed work that must happen at a local
 * hour. Stored times stay UTC Unix seconds; only this module knows zones.
 * ICU's calendar does the work: thread-safe, no TZ environment juggling. */
#ifndef RAPPORT_ZONETIME_H
#define RAPPORT_ZONETIME_H
#include <stdbool.h>
#include <stdint.h>

/* True when zone is a time-zone name ICU knows ("UTC", "Asia/Shanghai"). */
bool zone_known(const char *zone);
/* The first instant strictly after `after` at which the wall clock in zone
 * reads hour:minute:00 (a local time skipped by a DST change maps to the
 * instant just after the gap). 0, or -1 for an unknown zone or bad time. */
int zone_next_daily(const char *zone, int64_t after, int hour, int minute, int64_t *out);
/* Parses "HH:MM" (00:00 … 23:59). 0, or -1 when malformed. */
int zone_parse_hhmm(const char *s, int *hour, int *minute);
/* The local date ("YYYY-MM-DD") in zone at instant `at` (Unix seconds):
 * what "today" is for the company. 0, or -1 for an unknown zone. */
int zone_local_date(const char *zone, int64_t at, char out[11]);

/* A zone opened once for many offset questions (the business calendars of
 * domain/bizcal.c ask one per working interval). Not thread-safe: one
 * user at a time. zone_clock_open returns NULL for an unknown zone; the
 * caller closes what it opened. */
struct zone_clock;
struct zone_clock *zone_clock_open(const char *zone);
void zone_clock_close(struct zone_clock *z);
/* The zone's offset east of UTC in seconds at instant t, and the next
 * instant after t at which it changes (INT64_MAX when none is known).
 * 0, or -1 on an ICU failure. */
int zone_clock_offset(struct zone_clock *z, int64_t t, int32_t *offset, int64_t *next_change);
#endif
