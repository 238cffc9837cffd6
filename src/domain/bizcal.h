/* bizcal: business time on a business calendar (DOMAIN D10, issue 19) —
 * working hours per weekday (several intervals a day, e.g. a lunch break),
 * public holidays and extra working days (调休: a weekend day worked to make
 * a long holiday, with Monday's hours unless the calendar says otherwise),
 * all in the calendar's time zone. Two questions, both with pauses (the
 * clock stops while a case waits on the customer):
 *   - the instant at which N business seconds have passed since a start;
 *   - the business seconds between two instants.
 * Pure arithmetic over a parsed calendar; the zone's offsets come from
 * lib/zonetime.h, so DST days have the hours their wall clock reads.
 * A minute counts exactly when its local wall time lies in one of its local
 * day's intervals and it is not paused (tests/unit/test_bizcal.c checks this
 * against a minute-by-minute walk over random calendars). */
#ifndef RAPPORT_BIZCAL_H
#define RAPPORT_BIZCAL_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define BIZCAL_MAX_INTERVALS 8

struct bizcal_day {
    int n;
    int16_t iv[BIZCAL_MAX_INTERVALS][2];   /* [start, end) in minutes of the local day, 0 … 1440, ascending */
};

struct bizcal;

/* A stopped clock over [from, to); to INT64_MAX while it is still stopped. */
struct bizcal_pause {
    int64_t from, to;
};

/* Why a calendar was refused: the field and a sentence. */
struct bizcal_err {
    char field[32];
    char message[200];
};

/* Parses a calendar record {"time_zone", "hours", "holidays", "working_days",
 * "working_day_hours"} (see docs/API.md). Returns a new calendar (the
 * caller's, bizcal_free), or NULL with e set. */
struct bizcal *bizcal_parse(const json_t *rec, struct bizcal_err *e);
void bizcal_free(struct bizcal *c);

/* The hours worked on local day `day` (days since 1970-01-01). */
const struct bizcal_day *bizcal_hours_of(const struct bizcal *c, int32_t day);

/* The instant at which `seconds` business seconds not within a pause have
 * passed since start (start itself when seconds ≤ 0). pauses: any order,
 * may overlap. 0, or -1 when the calendar has no working time within four
 * years of start (or the zone failed). */
int bizcal_add(struct bizcal *c, int64_t start, int64_t seconds, const struct bizcal_pause *pauses, size_t npauses,
               int64_t *out);
/* The business seconds in [from, to) not within a pause (0 when to ≤ from);
 * -1 on a zone failure. */
int64_t bizcal_between(struct bizcal *c, int64_t from, int64_t to, const struct bizcal_pause *pauses, size_t npauses);

/* The weekday of a day (days since 1970-01-01), 0 = Monday. */
int bizcal_weekday(int32_t day);
#endif
