/* Unit tests of src/domain/bizcal.c: business time on business calendars.
 * Worked examples (a Shanghai calendar with a lunch break, the 2026
 * National Day holiday with its 调休 working days, a DST day in New York),
 * then a property test: over random calendars (time zones with and without
 * DST, including half-hour DST and 45-minute offsets, weekends, holidays,
 * extra working days with their own hours, lunch breaks) and random pauses,
 * bizcal_add and bizcal_between must agree with a walk that looks at one
 * minute at a time, using its own reading of the calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "domain/bizcal.h"
#include "lib/timeutil.h"
#include "lib/zonetime.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t T(const char *s)
{
    int64_t t = 0;
    assert_int_equal(time_parse(s, &t), 0);
    return t;
}

static struct bizcal *cal_of(const char *json)
{
    json_error_t je;
    json_t *j = json_loads(json, 0, &je);
    assert_non_null(j);
    struct bizcal_err e;
    struct bizcal *c = bizcal_parse(j, &e);
    if (!c) fail_msg("%s", e.message);
    json_decref(j);
    return c;
}

#define SHANGHAI                                                                                                   \
    "{\"time_zone\":\"Asia/Shanghai\",\"hours\":{"                                                                 \
    "\"mon\":[[\"09:00\",\"12:00\"],[\"13:30\",\"18:00\"]],\"tue\":[[\"09:00\",\"12:00\"],[\"13:30\",\"18:00\"]],"  \
    "\"wed\":[[\"09:00\",\"12:00\"],[\"13:30\",\"18:00\"]],\"thu\":[[\"09:00\",\"12:00\"],[\"13:30\",\"18:00\"]],"  \
    "\"fri\":[[\"09:00\",\"12:00\"],[\"13:30\",\"18:00\"]]},"                                                       \
    "\"holidays\":[\"2026-10-01\",\"2026-10-02\",\"2026-10-03\",\"2026-10-04\",\"2026-10-05\",\"2026-10-06\",\"2026-10-07\"]," \
    "\"working_days\":[\"2026-09-27\",\"2026-10-10\"],\"working_day_hours\":{\"2026-10-10\":[[\"10:00\",\"16:00\"]]}}"

static void test_lunch_and_weekend(void **state)
{
    (void)state;
    struct bizcal *c = cal_of(SHANGHAI);
    int64_t out;
    /* Monday 2026-09-14 09:00 +08 plus 4 h: 3 h before lunch, 1 h after. */
    assert_int_equal(bizcal_add(c, T("2026-09-14T01:00:00Z"), 4 * 3600, NULL, 0, &out), 0);
    assert_true(out == T("2026-09-14T06:30:00Z"));
    /* Friday 17:00 plus 2 h: one hour on Friday, one on Monday. */
    assert_int_equal(bizcal_add(c, T("2026-09-18T09:00:00Z"), 2 * 3600, NULL, 0, &out), 0);
    assert_true(out == T("2026-09-21T02:00:00Z"));
    /* A start at lunch begins at 13:30. */
    assert_int_equal(bizcal_add(c, T("2026-09-14T04:10:00Z"), 60, NULL, 0, &out), 0);
    assert_true(out == T("2026-09-14T05:31:00Z"));
    /* Exactly a whole morning ends at 12:00, not after lunch. */
    assert_int_equal(bizcal_add(c, T("2026-09-14T01:00:00Z"), 3 * 3600, NULL, 0, &out), 0);
    assert_true(out == T("2026-09-14T04:00:00Z"));
    assert_true(bizcal_between(c, T("2026-09-14T00:00:00Z"), T("2026-09-15T00:00:00Z"), NULL, 0) == 450 * 60);
    bizcal_free(c);
}

static void test_national_day(void **state)
{
    (void)state;
    struct bizcal *c = cal_of(SHANGHAI);
    int64_t out;
    /* Saturday 2026-09-26 10:00: the next working time is Sunday the 27th
     * (调休), worked with Monday's hours. */
    assert_int_equal(bizcal_add(c, T("2026-09-26T02:00:00Z"), 3600, NULL, 0, &out), 0);
    assert_true(out == T("2026-09-27T02:00:00Z"));
    /* Wednesday 30 September 17:00 plus 2 h: one hour that day, then the
     * holiday week, the weekend of the 8th? No: Thursday 8th is worked. */
    assert_int_equal(bizcal_add(c, T("2026-09-30T09:00:00Z"), 2 * 3600, NULL, 0, &out), 0);
    assert_true(out == T("2026-10-08T02:00:00Z"));
    /* Saturday 10 October is worked 10:00–16:00 (its own hours). */
    assert_true(bizcal_between(c, T("2026-10-09T16:00:00Z"), T("2026-10-10T16:00:00Z"), NULL, 0) == 6 * 3600);
    /* The holiday week has no business time at all. */
    assert_true(bizcal_between(c, T("2026-09-30T16:00:00Z"), T("2026-10-07T16:00:00Z"), NULL, 0) == 0);
    bizcal_free(c);
}

static void test_pauses(void **state)
{
    (void)state;
    struct bizcal *c = cal_of(SHANGHAI);
    int64_t out;
    /* Monday 09:00 + 4 h, paused 10:00–11:00 and 14:00–15:00 (overlapping
     * pauses given out of order merge). */
    struct bizcal_pause p[] = {{T("2026-09-14T06:00:00Z"), T("2026-09-14T07:00:00Z")},
                               {T("2026-09-14T02:00:00Z"), T("2026-09-14T02:30:00Z")},
                               {T("2026-09-14T02:15:00Z"), T("2026-09-14T03:00:00Z")}};
    assert_int_equal(bizcal_add(c, T("2026-09-14T01:00:00Z"), 4 * 3600, p, 3, &out), 0);
    assert_true(out == T("2026-09-14T08:30:00Z"));
    assert_true(bizcal_between(c, T("2026-09-14T01:00:00Z"), out, p, 3) == 4 * 3600);
    /* A pause still running stops the clock for good. */
    struct bizcal_pause open = {T("2026-09-14T02:00:00Z"), INT64_MAX};
    assert_int_equal(bizcal_add(c, T("2026-09-14T01:00:00Z"), 2 * 3600, &open, 1, &out), -1);
    assert_true(bizcal_between(c, T("2026-09-14T01:00:00Z"), T("2026-09-20T00:00:00Z"), &open, 1) == 3600);
    bizcal_free(c);
}

static void test_dst_day(void **state)
{
    (void)state;
    struct bizcal *c = cal_of("{\"time_zone\":\"America/New_York\",\"hours\":{\"sat\":[[\"00:00\",\"24:00\"]],"
                              "\"sun\":[[\"00:00\",\"24:00\"]],\"mon\":[[\"01:00\",\"03:00\"]]}}");
    /* Sunday 8 March 2026 has 23 hours; Sunday 1 November has 25. */
    assert_true(bizcal_between(c, T("2026-03-07T05:00:00Z"), T("2026-03-09T04:00:00Z"), NULL, 0) == 47 * 3600);
    assert_true(bizcal_between(c, T("2026-10-31T04:00:00Z"), T("2026-11-02T05:00:00Z"), NULL, 0) == 49 * 3600);
    bizcal_free(c);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct { const char *json, *field; } bad[] = {
        {"{\"time_zone\":\"Mars/Olympus\"}", "time_zone"},
        {"{\"time_zone\":\"UTC\",\"hours\":{\"monday\":[]}}", "hours"},
        {"{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"10:00\",\"09:00\"]]}}", "hours"},
        {"{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"12:00\"],[\"11:00\",\"13:00\"]]}}", "hours"},
        {"{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"9:00\",\"12:00\"]]}}", "hours"},
        {"{\"time_zone\":\"UTC\",\"holidays\":[\"2026-02-30\"]}", "holidays"},
        {"{\"time_zone\":\"UTC\",\"holidays\":[\"2026-10-10\"],\"working_days\":[\"2026-10-10\"]}", "working_days"},
        {"{\"time_zone\":\"UTC\",\"working_day_hours\":{\"2026-10-10\":[]}}", "working_day_hours"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i].json, 0, NULL);
        assert_non_null(j);
        struct bizcal_err e;
        struct bizcal *c = bizcal_parse(j, &e);
        if (c) fail_msg("accepted %s", bad[i].json);
        assert_string_equal(e.field, bad[i].field);
        json_decref(j);
    }
    /* A calendar without any working time never reaches a target. */
    struct bizcal *c = cal_of("{\"time_zone\":\"UTC\"}");
    int64_t out;
    assert_int_equal(bizcal_add(c, T("2026-01-01T00:00:00Z"), 60, NULL, 0, &out), -1);
    assert_true(bizcal_add(c, T("2026-01-01T00:00:00Z"), 0, NULL, 0, &out) == 0 && out == T("2026-01-01T00:00:00Z"));
    bizcal_free(c);
}

/* ---- the property test ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int rint_(int lo, int hi) { return lo + (int)(rnd() % (uint64_t)(hi - lo + 1)); }

/* The reference's own reading of a calendar. */
struct ref_day {
    int n;
    int iv[4][2];
};
struct ref_cal {
    const char *zone;
    struct ref_day week[7];
    int32_t holidays[12];
    int nhol;
    int32_t work[8];
    struct ref_day work_hours[8];
    int nwork;
    struct zone_clock *z;
    int64_t seg_start, seg_end;
    int32_t seg_off;
};

static const char *const zones[] = {"UTC", "Asia/Shanghai", "America/New_York", "Europe/London",
                                    "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago", "Europe/Berlin"};
static const char *const keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static void random_day(struct ref_day *d)
{
    d->n = 0;
    int kind = rint_(0, 9);
    if (kind == 0) return;
    if (kind == 1) { d->n = 1; d->iv[0][0] = 0; d->iv[0][1] = 1440; return; }
    int n = rint_(1, 3), at = rint_(0, 600);
    for (int i = 0; i < n && at < 1439; i++) {
        int step = rint_(0, 1) ? 15 : 1;
        int s = at + rint_(0, 180) / step * step, e = s + 1 + rint_(0, 300) / step * step;
        if (s >= 1439) break;
        if (e > 1440) e = 1440;
        d->iv[d->n][0] = s;
        d->iv[d->n][1] = e;
        d->n++;
        at = e + rint_(0, 120);
    }
}

static json_t *day_json(const struct ref_day *d)
{
    json_t *a = json_array();
    for (int i = 0; i < d->n; i++) {
        char s[16], e[16];
        snprintf(s, sizeof s, "%02d:%02d", d->iv[i][0] / 60, d->iv[i][0] % 60);
        snprintf(e, sizeof e, "%02d:%02d", d->iv[i][1] / 60, d->iv[i][1] % 60);
        json_array_append_new(a, json_pack("[s,s]", s, e));
    }
    return a;
}

static void day_text(int32_t day, char out[11]) { date_format((int64_t)day * 86400, out); }

static bool ref_business(struct ref_cal *r, int64_t u)
{
    if (!(u >= r->seg_start && u < r->seg_end)) {
        int64_t next;
        assert_int_equal(zone_clock_offset(r->z, u, &r->seg_off, &next), 0);
        r->seg_start = u;
        r->seg_end = next;
    }
    int64_t local = u + r->seg_off;
    int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int minute = (int)((local - day * 86400) / 60);
    const struct ref_day *h = &r->week[((day % 7) + 7 + 3) % 7];
    for (int i = 0; i < r->nhol; i++)
        if (r->holidays[i] == day) return false;
    for (int i = 0; i < r->nwork; i++)
        if (r->work[i] == day) h = &r->work_hours[i];
    for (int i = 0; i < h->n; i++)
        if (minute >= h->iv[i][0] && minute < h->iv[i][1]) return true;
    return false;
}

static bool ref_paused(const struct bizcal_pause *p, int np, int64_t u)
{
    for (int i = 0; i < np; i++)
        if (u >= p[i].from && u < p[i].to) return true;
    return false;
}

static void test_property_against_minute_walk(void **state)
{
    (void)state;
    int trials = getenv("BIZCAL_TRIALS") ? atoi(getenv("BIZCAL_TRIALS")) : 400;
    int64_t base = T("2026-01-01T00:00:00Z");
    for (int trial = 0; trial < trials; trial++) {
        struct ref_cal r;
        memset(&r, 0, sizeof r);
        r.zone = zones[rint_(0, (int)(sizeof zones / sizeof zones[0]) - 1)];
        json_t *hours = json_object();
        bool any = false;
        for (int k = 0; k < 7; k++) {
            random_day(&r.week[k]);
            if (k >= 5 && rint_(0, 2)) r.week[k].n = 0; /* mostly weekends */
            if (r.week[k].n) { json_object_set_new(hours, keys[k], day_json(&r.week[k])); any = true; }
        }
        if (!any) { r.week[2].n = 1; r.week[2].iv[0][0] = 540; r.week[2].iv[0][1] = 1080; json_object_set_new(hours, "wed", day_json(&r.week[2])); }
        /* The start, often near a DST change (March, April, October, November). */
        static const int near[] = {66, 95, 297, 304, 0};
        int64_t t0 = base + (int64_t)(near[rint_(0, 4)] ? near[rint_(0, 3)] - rint_(0, 6) : rint_(0, 360)) * 86400 + rint_(0, 1439) * 60;
        int32_t day0 = (int32_t)(t0 / 86400);
        json_t *hol = json_array(), *wd = json_array(), *wdh = json_object();
        r.nhol = rint_(0, 10);
        for (int i = 0; i < r.nhol; i++) {
            char d[11];
            r.holidays[i] = day0 + rint_(-1, 20);
            day_text(r.holidays[i], d);
            json_array_append_new(hol, json_string(d));
        }
        int want = rint_(0, 6);
        for (int i = 0; i < 60 && r.nwork < want; i++) {
            int32_t d = day0 + rint_(-1, 25);
            bool clash = bizcal_weekday(d) < 5;
            for (int k = 0; k < r.nhol; k++) clash |= r.holidays[k] == d;
            for (int k = 0; k < r.nwork; k++) clash |= r.work[k] == d;
            if (clash) continue;
            char ds[11];
            day_text(d, ds);
            r.work[r.nwork] = d;
            json_array_append_new(wd, json_string(ds));
            if (rint_(0, 2) == 0) {
                random_day(&r.work_hours[r.nwork]);
                json_object_set_new(wdh, ds, day_json(&r.work_hours[r.nwork]));
            } else {
                r.work_hours[r.nwork] = r.week[0];
            }
            r.nwork++;
        }
        json_t *rec = json_pack("{s:s, s:o, s:o, s:o, s:o}", "time_zone", r.zone, "hours", hours, "holidays", hol,
                                "working_days", wd, "working_day_hours", wdh);
        struct bizcal_err e;
        struct bizcal *c = bizcal_parse(rec, &e);
        if (!c) fail_msg("trial %d: %s", trial, e.message);
        r.z = zone_clock_open(r.zone);
        assert_non_null(r.z);
        struct bizcal_pause p[3];
        int np = rint_(0, 3);
        for (int i = 0; i < np; i++) {
            p[i].from = t0 + rint_(-600, 20000) * 60LL;
            p[i].to = rint_(0, 9) == 0 ? INT64_MAX : p[i].from + rint_(0, 6000) * 60LL;
        }
        /* add: the minute walk counts business minutes until it has n. */
        int64_t n = rint_(0, 2500), got, want_t = -1;
        if (n == 0) want_t = t0;
        for (int64_t u = t0, count = 0; n && u < t0 + 120LL * 86400; u += 60)
            if (!ref_paused(p, np, u) && ref_business(&r, u) && ++count == n) { want_t = u + 60; break; }
        int rc = bizcal_add(c, t0, n * 60, p, (size_t)np, &got);
        if (want_t < 0) {
            /* Beyond the walk's reach: only an endless pause may cause that. */
            bool endless = false;
            for (int i = 0; i < np; i++) endless |= p[i].to == INT64_MAX;
            assert_true(endless);
            assert_int_equal(rc, -1);
        } else {
            if (rc != 0 || got != want_t)
                fail_msg("trial %d (%s): add %lld min from %lld: got %lld (rc %d), walk %lld", trial, r.zone, (long long)n,
                         (long long)t0, (long long)got, rc, (long long)want_t);
            assert_true(bizcal_between(c, t0, got, p, (size_t)np) == n * 60);
        }
        /* between: the walk counts the minutes of [t0, t1). */
        int64_t t1 = t0 + rint_(0, 30 * 1440) * 60LL, count = 0;
        for (int64_t u = t0; u < t1; u += 60) count += !ref_paused(p, np, u) && ref_business(&r, u);
        int64_t b = bizcal_between(c, t0, t1, p, (size_t)np);
        if (b != count * 60)
            fail_msg("trial %d (%s): between %lld and %lld: got %lld s, walk %lld min", trial, r.zone, (long long)t0,
                     (long long)t1, (long long)b, (long long)count);
        zone_clock_close(r.z);
        bizcal_free(c);
        json_decref(rec);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lunch_and_weekend), cmocka_unit_test(test_national_day), cmocka_unit_test(test_pauses),
        cmocka_unit_test(test_dst_day), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_property_against_minute_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
