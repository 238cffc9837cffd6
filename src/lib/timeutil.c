/* timeutil: UTC time parsing and formatting without the C library's
 * locale- and TZ-dependent functions (see timeutil.h). */
#include "lib/timeutil.h"
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now(void) { return (int64_t)time(NULL); }

/* Howard Hinnant's civil-date algorithms, public-domain arithmetic. */
int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void split(int64_t t, int *y, unsigned *mo, unsigned *d, int *h, int *mi, int *s)
{
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) { rem += 86400; days--; }
    civil_from_days(days, y, mo, d);
    *h = (int)(rem / 3600);
    *mi = (int)(rem % 3600 / 60);
    *s = (int)(rem % 60);
}

void time_format(int64_t t, char out[static 21])
{
    /* The last second formatted, per thread: a writer stamps thousands of
     * rows (record, event) within one second, and snprintf was 2% of a
     * contact plan's run. */
    static _Thread_local int64_t last_t = INT64_MIN;
    static _Thread_local char last[21];
    if (t == last_t) { memcpy(out, last, 21); return; }
    int y, h, mi, s; unsigned mo, d;
    split(t, &y, &mo, &d, &h, &mi, &s);
    char buf[80];
    snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", y % 10000, mo, d, h, mi, s);
    memcpy(out, buf, 20);
    out[20] = '\0';
    memcpy(last, out, 21);
    last_t = t;
}

void date_format(int64_t t, char out[static 11])
{
    int y, h, mi, s; unsigned mo, d;
    split(t, &y, &mo, &d, &h, &mi, &s);
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02u-%02u", y % 10000, mo, d);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : dm[m - 1];
}

static int parse_date_part(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-') return -1;
    if (digits(s, 4, y) || digits(s + 5, 2, m) || digits(s + 8, 2, d)) return -1;
    if (*y < 1900 || *y > 2200 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return -1;
    return 0;
}

int date_parse(const char *s, int64_t *out)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || parse_date_part(s, &y, &m, &d)) return -1;
    *out = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
    return 0;
}

int time_parse(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!s || parse_date_part(s, &y, &mo, &d)) return -1;
    const char *p = s + 10;
    int offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (strlen(p) < 5 || digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi)) return -1;
        p += 5;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec)) return -1;
            p += 3;
            if (*p == '.') { p++; if (!isdigit((unsigned char)*p)) return -1; while (isdigit((unsigned char)*p)) p++; }
        }
        if (h > 23 || mi > 59 || sec > 59) return -1;
        if (*p == 'Z' || *p == 'z') p++;
        else if (*p == '+' || *p == '-') {
            int oh, om, sign = *p == '-' ? -1 : 1;
            if (strlen(p) != 6 || digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 14 || om > 59) return -1;
            offset = sign * (oh * 3600 + om * 60);
            p += 6;
        } else return -1;
    }
    if (*p) return -1;
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    /* The range holds for the UTC instant too: 1900-01-01T01:00+02:00 is
     * 1899 in UTC and would not parse back from its own formatted text. */
    if (t < days_from_civil(1900, 1, 1) * 86400 || t >= days_from_civil(2201, 1, 1) * 86400) return -1;
    *out = t;
    return 0;
}

struct timespec deadline_after_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
    return t;
}
