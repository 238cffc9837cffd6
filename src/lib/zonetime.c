/* zonetime: local wall-clock times in a named zone through ICU's calendar
 * (see zonetime.h). */
#include "lib/zonetime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

static UCalendar *open_zone(const char *zone)
{
    if (!zone || !*zone || strlen(zone) > 64) return NULL;
    UChar id[80];
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(id, 80, NULL, zone, -1, &st);
    if (U_FAILURE(st)) return NULL;
    /* ICU opens an unknown name as "Etc/Unknown" (GMT) without an error:
     * ask for the canonical id, which fails for names it does not know. */
    UChar canon[80];
    UBool system = 0;
    ucal_getCanonicalTimeZoneID(id, -1, canon, 80, &system, &st);
    if (U_FAILURE(st) || !system) return NULL;
    UCalendar *cal = ucal_open(id, -1, "en_US@calendar=gregorian", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st)) { if (cal) ucal_close(cal); return NULL; }
    return cal;
}

bool zone_known(const char *zone)
{
    UCalendar *cal = open_zone(zone);
    if (!cal) return false;
    ucal_close(cal);
    return true;
}

int zone_parse_hhmm(const char *s, int *hour, int *minute)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) return -1;
    *hour = h;
    *minute = m;
    return 0;
}

int zone_next_daily(const char *zone, int64_t after, int hour, int minute, int64_t *out)
{
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return -1;
    UCalendar *cal = open_zone(zone);
    if (!cal) return -1;
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)after * 1000.0, &st);
    /* Today's hour:minute there; if that has passed, the same on the next
     * local day (adding a calendar day, not 86,400 s, keeps DST days right). */
    for (int day = 0; day < 3 && U_SUCCESS(st); day++) {
        if (day > 0) ucal_add(cal, UCAL_DATE, 1, &st);
        ucal_set(cal, UCAL_HOUR_OF_DAY, hour);
        ucal_set(cal, UCAL_MINUTE, minute);
        ucal_set(cal, UCAL_SECOND, 0);
        ucal_set(cal, UCAL_MILLISECOND, 0);
        UDate t = ucal_getMillis(cal, &st);
        if (U_SUCCESS(st) && t > (UDate)after * 1000.0) {
            *out = (int64_t)(t / 1000.0);
            ucal_close(cal);
            return 0;
        }
    }
    ucal_close(cal);
    return -1;
}

int zone_local_date(const char *zone, int64_t at, char out[11])
{
    UCalendar *cal = open_zone(zone);
    if (!cal) return -1;
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)at * 1000.0, &st);
    int y = ucal_get(cal, UCAL_YEAR, &st), mo = ucal_get(cal, UCAL_MONTH, &st) + 1, d = ucal_get(cal, UCAL_DATE, &st);
    int era = ucal_get(cal, UCAL_ERA, &st);
    ucal_close(cal);
    if (U_FAILURE(st) || era != 1 || y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31) return -1;
    snprintf(out, 11, "%04d-%02d-%02d", y, mo, d);
    return 0;
}

struct zone_clock {
    UCalendar *cal;
};

struct zone_clock *zone_clock_open(const char *zone)
{
    UCalendar *cal = open_zone(zone);
    if (!cal) return NULL;
    struct zone_clock *z = malloc(sizeof *z);
    if (!z) { ucal_close(cal); return NULL; }
    z->cal = cal;
    return z;
}

void zone_clock_close(struct zone_clock *z)
{
    if (!z) return;
    ucal_close(z->cal);
    free(z);
}

int zone_clock_offset(struct zone_clock *z, int64_t t, int32_t *offset, int64_t *next_change)
{
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(z->cal, (UDate)t * 1000.0, &st);
    int32_t zo = ucal_get(z->cal, UCAL_ZONE_OFFSET, &st), dst = ucal_get(z->cal, UCAL_DST_OFFSET, &st);
    if (U_FAILURE(st)) return -1;
    *offset = (zo + dst) / 1000;
    UDate next = 0;
    /* ICU answers the next rule change even when it keeps the offset (a
     * zone renamed its abbreviation): a needless boundary, never a wrong one. */
    if (ucal_getTimeZoneTransitionDate(z->cal, UCAL_TZ_TRANSITION_NEXT, &next, &st) && U_SUCCESS(st))
        *next_change = (int64_t)(next / 1000.0);
    else
        *next_change = INT64_MAX;
    return 0;
}
