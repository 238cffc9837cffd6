/* lunar: lunar ↔ solar dates through liblunar-date (see lunar.h). The
 * library answers in text (lunar_date_strftime); the numeric formats
 * %(year)-%(month)-%(day) (solar) and %(nian)-%(yue)-%(ri) (lunar, the
 * month starred when it is a leap month) are parsed back here. */
#include "lib/lunar.h"
#include "lib/lazy_lunar.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct festival lunar_festivals[] = {
    {"spring_festival", true, 1, 1}, {"lantern", true, 1, 15}, {"dragon_boat", true, 5, 5},
    {"qixi", true, 7, 7}, {"mid_autumn", true, 8, 15}, {"double_ninth", true, 9, 9},
    {"new_year", false, 1, 1}, {"womens_day", false, 3, 8}, {"labour_day", false, 5, 1},
    {"childrens_day", false, 6, 1}, {"teachers_day", false, 9, 10}, {"national_day", false, 10, 1},
    {"christmas", false, 12, 25}, {NULL, false, 0, 0},
};

/* One LunarDate for the process, kept and used under a lock: the
 * library's finalizer leaks the dates it holds, and a conversion takes
 * microseconds, so objects are neither made per call nor per thread. */
static LunarDate *g_date;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* NULL (unlocked) when liblunar-date cannot be loaded (logged once). */
static LunarDate *date_obj(void)
{
    if (lazy_lunar_load(NULL, 0) != 0) return NULL;
    pthread_mutex_lock(&g_lock);
    if (!g_date) g_date = lz_lunar.lunar_date_new();
    return g_date;
}

static void date_done(void) { pthread_mutex_unlock(&g_lock); }

static int read3(const char *s, int *a, int *b, int *c, bool *star)
{
    char *end;
    *a = (int)strtol(s, &end, 10);
    if (*end != '-') return -1;
    s = end + 1;
    if (star) *star = *s == '*';
    if (*s == '*') s++;
    *b = (int)strtol(s, &end, 10);
    if (*end != '-') return -1;
    *c = (int)strtol(end + 1, &end, 10);
    return *end ? -1 : 0;
}

int lunar_from_solar(int y, int m, int d, struct lunar_day *out)
{
    LunarDate *ld = date_obj();
    if (!ld) return -1;
    GError *err = NULL;
    lz_lunar.lunar_date_set_solar_date(ld, (GDateYear)y, (GDateMonth)m, (GDateDay)d, 0, &err);
    int rc = -1;
    if (!err) {
        char *s = lz_lunar.lunar_date_strftime(ld, "%(nian)-%(yue)-%(ri)");
        rc = s ? read3(s, &out->year, &out->month, &out->day, &out->leap) : -1;
        lz_lunar.g_free(s);
    }
    if (err) lz_lunar.g_error_free(err);
    date_done();
    return rc;
}

int lunar_to_solar(const struct lunar_day *l, int *y, int *m, int *d)
{
    if (l->month < 1 || l->month > 12 || l->day < 1 || l->day > 30) return -1;
    LunarDate *ld = date_obj();
    if (!ld) return -1;
    GError *err = NULL;
    lz_lunar.lunar_date_set_lunar_date(ld, (GDateYear)l->year, (GDateMonth)l->month, (GDateDay)l->day, 0, l->leap, &err);
    int rc = -1;
    if (!err) {
        char *s = lz_lunar.lunar_date_strftime(ld, "%(year)-%(month)-%(day)");
        rc = s ? read3(s, y, m, d, NULL) : -1;
        lz_lunar.g_free(s);
    }
    if (err) lz_lunar.g_error_free(err);
    date_done();
    if (rc == 0) {
        /* The library accepts a day 30 that a 29-day month lacks (it rolls
         * into the next month): check the round trip. */
        struct lunar_day back;
        if (lunar_from_solar(*y, *m, *d, &back) || back.month != l->month || back.day != l->day || back.leap != l->leap) rc = -1;
    }
    return rc;
}

int lunar_anniversary(int lyear, int month, int day, bool leap, int *y, int *m, int *d)
{
    for (int tries = 0; tries < 4; tries++) {
        struct lunar_day l = {lyear, month, tries >= 2 && day == 30 ? 29 : day, tries % 2 == 0 ? leap : false};
        if (tries % 2 == 1 && !leap) continue;
        if (lunar_to_solar(&l, y, m, d) == 0) return 0;
    }
    return -1;
}

int festival_date(const struct festival *f, int y, int *m, int *d)
{
    if (!f->lunar) { *m = f->month; *d = f->day; return 0; }
    /* A lunar festival of month ≥ 1 falls in solar year y in lunar year y
     * (Spring Festival is in January or February of y, the others later);
     * the day may still land in y + 1 for none of these. */
    int yy;
    struct lunar_day l = {y, f->month, f->day, false};
    if (lunar_to_solar(&l, &yy, m, d) || yy != y) return -1;
    return 0;
}

const struct festival *festival_find(const char *id)
{
    for (const struct festival *f = lunar_festivals; id && f->id; f++)
        if (!strcmp(f->id, id)) return f;
    return NULL;
}
