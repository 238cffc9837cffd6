/* bizcal: business time on a business calendar (see bizcal.h).
 *
 * The zone's offset is constant between its transitions, so within such a
 * segment a UTC instant u is business time exactly when the naive local
 * time u + offset lies in a working interval of its local day: the working
 * intervals of each local day, shifted by the segment's offset and clipped
 * to the segment, are the business time. Walking them in order answers both
 * questions in steps of one interval, not one minute. */
#include "domain/bizcal.h"
#include "lib/timeutil.h"
#include "lib/zonetime.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bizcal_extra {
    int32_t day;
    struct bizcal_day hours;
};

struct bizcal {
    struct bizcal_day week[7];      /* 0 = Monday */
    int32_t *holidays;              /* sorted */
    size_t nholidays;
    struct bizcal_extra *extra;     /* sorted by day */
    size_t nextra;
    struct zone_clock *clock;
};

/* How far ahead a calendar with no working time is searched. */
#define HORIZON_SECONDS (4LL * 366 * 86400)

static const char *const day_keys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int bizcal_weekday(int32_t day) { return (int)(((int64_t)day % 7 + 7 + 3) % 7); }

static void set_err(struct bizcal_err *e, const char *field, const char *msg, const char *what)
{
    snprintf(e->field, sizeof e->field, "%s", field);
    snprintf(e->message, sizeof e->message, "%s: %s", field, msg);
    if (what) snprintf(e->message, sizeof e->message, "%s: %s (%.40s)", field, msg, what);
}

static int parse_day_text(const char *s, int32_t *day)
{
    int64_t t;
    if (!s || date_parse(s, &t)) return -1;
    *day = (int32_t)floor_div(t, 86400);
    return 0;
}

/* "HH:MM", or "24:00" as the end of the day. */
static int parse_minute(const char *s, bool end, int *out)
{
    int h, m;
    if (end && s && !strcmp(s, "24:00")) { *out = 1440; return 0; }
    if (zone_parse_hhmm(s, &h, &m)) return -1;
    *out = h * 60 + m;
    return 0;
}

static int parse_intervals(const json_t *list, struct bizcal_day *d, const char *field, struct bizcal_err *e)
{
    memset(d, 0, sizeof *d);
    if (!json_is_array(list)) { set_err(e, field, "each day is a list of [\"HH:MM\", \"HH:MM\"] intervals", NULL); return -1; }
    if (json_array_size(list) > BIZCAL_MAX_INTERVALS) { set_err(e, field, "at most 8 intervals a day", NULL); return -1; }
    size_t i;
    json_t *iv;
    json_array_foreach(list, i, iv) {
        int s, t;
        if (!json_is_array(iv) || json_array_size(iv) != 2 ||
            parse_minute(json_string_value(json_array_get(iv, 0)), false, &s) ||
            parse_minute(json_string_value(json_array_get(iv, 1)), true, &t)) {
            set_err(e, field, "an interval is [\"HH:MM\", \"HH:MM\"] (the end may be \"24:00\")", NULL);
            return -1;
        }
        if (t <= s) { set_err(e, field, "an interval ends after it starts", NULL); return -1; }
        if (d->n && s < d->iv[d->n - 1][1]) {
            set_err(e, field, "intervals are in order and do not overlap", NULL);
            return -1;
        }
        d->iv[d->n][0] = (int16_t)s;
        d->iv[d->n][1] = (int16_t)t;
        d->n++;
    }
    return 0;
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_extra(const void *a, const void *b) { return cmp_i32(&((const struct bizcal_extra *)a)->day, &((const struct bizcal_extra *)b)->day); }

static bool has_day(const int32_t *days, size_t n, int32_t d) { return n && bsearch(&d, days, n, sizeof *days, cmp_i32); }

struct bizcal *bizcal_parse(const json_t *rec, struct bizcal_err *e)
{
    memset(e, 0, sizeof *e);
    struct bizcal *c = calloc(1, sizeof *c);
    if (!c) { set_err(e, "hours", "out of memory", NULL); return NULL; }
    const char *zone = json_string_value(json_object_get(rec, "time_zone"));
    if (!zone || !(c->clock = zone_clock_open(zone))) {
        set_err(e, "time_zone", "not a time zone name (an IANA name such as \"Asia/Shanghai\")", zone);
        goto fail;
    }
    json_t *hours = json_object_get(rec, "hours");
    if (hours && !json_is_null(hours)) {
        if (!json_is_object(hours)) { set_err(e, "hours", "an object keyed mon … sun", NULL); goto fail; }
        const char *key;
        json_t *v;
        json_object_foreach(hours, key, v) {
            int k = 0;
            while (k < 7 && strcmp(day_keys[k], key)) k++;
            if (k == 7) { set_err(e, "hours", "the keys are mon, tue, wed, thu, fri, sat, sun", key); goto fail; }
            if (parse_intervals(v, &c->week[k], "hours", e)) goto fail;
        }
    }
    json_t *hol = json_object_get(rec, "holidays");
    size_t n = json_array_size(hol), i;
    json_t *v;
    if (n) {
        c->holidays = calloc(n, sizeof *c->holidays);
        if (!c->holidays) goto fail;
        json_array_foreach(hol, i, v) {
            if (parse_day_text(json_string_value(v), &c->holidays[i])) {
                set_err(e, "holidays", "dates are YYYY-MM-DD", json_string_value(v));
                goto fail;
            }
        }
        c->nholidays = n;
        qsort(c->holidays, n, sizeof *c->holidays, cmp_i32);
    }
    json_t *wd = json_object_get(rec, "working_days"), *wdh = json_object_get(rec, "working_day_hours");
    if (wdh && !json_is_null(wdh) && !json_is_object(wdh)) {
        set_err(e, "working_day_hours", "an object keyed by working day", NULL);
        goto fail;
    }
    n = json_array_size(wd);
    if (n) {
        c->extra = calloc(n, sizeof *c->extra);
        if (!c->extra) goto fail;
        json_array_foreach(wd, i, v) {
            const char *s = json_string_value(v);
            if (parse_day_text(s, &c->extra[i].day)) { set_err(e, "working_days", "dates are YYYY-MM-DD", s); goto fail; }
            if (has_day(c->holidays, c->nholidays, c->extra[i].day)) {
                set_err(e, "working_days", "a day cannot be both a holiday and a working day", s);
                goto fail;
            }
            json_t *own = wdh ? json_object_get(wdh, s) : NULL;
            if (own) {
                if (parse_intervals(own, &c->extra[i].hours, "working_day_hours", e)) goto fail;
            } else {
                c->extra[i].hours = c->week[0];
            }
        }
        c->nextra = n;
        qsort(c->extra, n, sizeof *c->extra, cmp_extra);
    }
    if (json_is_object(wdh)) {
        const char *key;
        json_object_foreach(wdh, key, v) {
            bool found = false;
            json_array_foreach(wd, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), key)) found = true;
            if (!found) { set_err(e, "working_day_hours", "each key is one of working_days", key); goto fail; }
        }
    }
    return c;
fail:
    bizcal_free(c);
    return NULL;
}

void bizcal_free(struct bizcal *c)
{
    if (!c) return;
    zone_clock_close(c->clock);
    free(c->holidays);
    free(c->extra);
    free(c);
}

static const struct bizcal_day no_hours = {0};

const struct bizcal_day *bizcal_hours_of(const struct bizcal *c, int32_t day)
{
    if (has_day(c->holidays, c->nholidays, day)) return &no_hours;
    if (c->nextra) {
        struct bizcal_extra key = {.day = day};
        const struct bizcal_extra *x = bsearch(&key, c->extra, c->nextra, sizeof *c->extra, cmp_extra);
        if (x) return &x->hours;
    }
    return &c->week[bizcal_weekday(day)];
}

/* A stretch of constant offset: [start, end). */
struct seg {
    int64_t start, end;
    int32_t off;
};

static int seg_at(struct bizcal *c, struct seg *sg, int64_t t)
{
    if (sg->end > sg->start && t >= sg->start && t < sg->end) return 0;
    int32_t off;
    int64_t next;
    if (zone_clock_offset(c->clock, t, &off, &next)) return -1;
    sg->start = t;
    sg->end = next > t ? next : t + 1;
    sg->off = off;
    return 0;
}

/* The first piece [*a, *b) of business time ending after `from` and
 * starting before `limit`, clipped to [from, …): 1; 0 when none; -1. */
static int next_interval(struct bizcal *c, struct seg *sg, int64_t from, int64_t limit, int64_t *a, int64_t *b)
{
    int64_t t = from;
    while (t < limit) {
        if (seg_at(c, sg, t)) return -1;
        int64_t day = floor_div(t + sg->off, 86400);
        for (;; day++) {
            int64_t day_utc = day * 86400 - sg->off;
            if (day_utc >= sg->end || day_utc >= limit) break;
            const struct bizcal_day *h = bizcal_hours_of(c, (int32_t)day);
            for (int i = 0; i < h->n; i++) {
                int64_t ua = day_utc + h->iv[i][0] * 60LL, ub = day_utc + h->iv[i][1] * 60LL;
                if (ub <= t) continue;
                if (ua >= sg->end || ua >= limit) goto next_segment;
                *a = ua > t ? ua : t;
                *b = ub < sg->end ? ub : sg->end;
                return 1;
            }
        }
    next_segment:
        if (sg->end == INT64_MAX) return 0;
        t = sg->end;
    }
    return 0;
}

static int cmp_pause(const void *a, const void *b)
{
    const struct bizcal_pause *x = a, *y = b;
    return (x->from > y->from) - (x->from < y->from);
}

/* The pauses sorted and merged into a new array (NULL when none). */
static struct bizcal_pause *merged(const struct bizcal_pause *p, size_t n, size_t *out_n)
{
    *out_n = 0;
    if (!n) return NULL;
    struct bizcal_pause *m = malloc(n * sizeof *m);
    if (!m) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i].to > p[i].from) m[k++] = p[i];
    qsort(m, k, sizeof *m, cmp_pause);
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (w && m[i].from <= m[w - 1].to) {
            if (m[i].to > m[w - 1].to) m[w - 1].to = m[i].to;
        } else {
            m[w++] = m[i];
        }
    }
    *out_n = w;
    return m;
}

int bizcal_add(struct bizcal *c, int64_t start, int64_t seconds, const struct bizcal_pause *pauses, size_t npauses,
               int64_t *out)
{
    if (seconds <= 0) { *out = start; return 0; }
    size_t np;
    struct bizcal_pause *p = merged(pauses, npauses, &np);
    if (npauses && !p) return -1;
    struct seg sg = {0, 0, 0};
    int64_t t = start, limit = start + HORIZON_SECONDS, a, b, left = seconds;
    size_t pi = 0;
    int rc = -1;
    while (t < limit && next_interval(c, &sg, t, limit, &a, &b) == 1) {
        /* Within [a, b), the pieces between the pauses. */
        int64_t x = a;
        while (x < b) {
            while (pi < np && p[pi].to <= x) pi++;
            if (pi < np && p[pi].from <= x) { x = p[pi].to; continue; }
            int64_t end = pi < np && p[pi].from < b ? p[pi].from : b;
            if (end - x >= left) { *out = x + left; rc = 0; goto done; }
            left -= end - x;
            x = end;
        }
        t = x; /* b, or the end of a pause beyond it (INT64_MAX: stopped for good) */
    }
done:
    free(p);
    return rc;
}

int64_t bizcal_between(struct bizcal *c, int64_t from, int64_t to, const struct bizcal_pause *pauses, size_t npauses)
{
    if (to <= from) return 0;
    size_t np;
    struct bizcal_pause *p = merged(pauses, npauses, &np);
    struct seg sg = {0, 0, 0};
    int64_t t = from, a, b, sum = 0;
    int r;
    while ((r = next_interval(c, &sg, t, to, &a, &b)) == 1) {
        if (b > to) b = to;
        int64_t len = b - a;
        for (size_t k = 0; k < np; k++) {
            int64_t lo = p[k].from > a ? p[k].from : a, hi = p[k].to < b ? p[k].to : b;
            if (hi > lo) len -= hi - lo;
        }
        sum += len;
        t = b;
    }
    free(p);
    return r < 0 ? -1 : sum;
}
