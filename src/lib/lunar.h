/* lunar: the Chinese lunisolar calendar — conversions between solar
 * (Gregorian) and lunar dates through Debian's liblunar-date (LGPL,
 * dynamically linked), and the festivals of both calendars (DOMAIN D8).
 * Pure functions of their arguments; thread-safe (each call uses its own
 * LunarDate). The library covers the lunar years 1900–2100. */
#ifndef RAPPORT_LUNAR_H
#define RAPPORT_LUNAR_H
#include <stdbool.h>

struct lunar_day { int year, month, day; bool leap; };

/* Solar y-m-d → lunar. 0, or -1 outside the covered range. */
int lunar_from_solar(int y, int m, int d, struct lunar_day *out);
/* Lunar → solar y-m-d. -1 when that lunar day does not exist (no such leap
 * month that year, day 30 of a short month) or is out of range. */
int lunar_to_solar(const struct lunar_day *l, int *y, int *m, int *d);
/* The solar date of a yearly lunar anniversary (a lunar birthday) in lunar
 * year lyear: month/day, leap month when leap — falling back to the
 * ordinary month when lyear has no such leap month, and to day 29 when the
 * month has no day 30 (the usual custom). 0 or -1. */
int lunar_anniversary(int lyear, int month, int day, bool leap, int *y, int *m, int *d);

/* A festival: lunar ones by lunar month/day, solar ones by month/day. */
struct festival { const char *id; bool lunar; int month, day; };
/* The festivals, id-terminated by NULL: spring_festival, lantern,
 * dragon_boat, qixi, mid_autumn, double_ninth (lunar); new_year,
 * womens_day, labour_day, childrens_day, teachers_day, national_day,
 * christmas (solar). */
extern const struct festival lunar_festivals[];
/* The solar date of festival f in solar year y (for a lunar festival, the
 * one that falls in y). 0 or -1. */
int festival_date(const struct festival *f, int y, int *m, int *d);
const struct festival *festival_find(const char *id);
#endif
