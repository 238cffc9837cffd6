/* occasion: the occasions of a date range and the key-dates type (see
 * occasion.h). Lunar dates are converted once per (lunar year, month, day,
 * leap) of the range, not once per party. */
#include "domain/occasion.h"
#include "api/api.h"
#include "domain/segment.h"
#include "http/authz.h"
#include "lib/lunar.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const key_date_kinds[] = {"anniversary", "membership", "maturity", "custom", "company_anniversary",
                                      "new_product", "award", "charity", "company_event", NULL};
const char *const occasion_kinds[] = {"birthday", "lunar_birthday", "first_purchase", "key_date", "festival", NULL};

static const struct field key_date_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "party", NULL, "the customer; null for the company's own dates"},
    {"kind", "kind", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, key_date_kinds, 0, 0, NULL,
     "membership and other anniversaries, a maturity (deposit, policy payment), custom, or a company event"},
    {"title", "title", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "what it is"},
    {"date", "date", NULL, FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "the date (the first one of a yearly date)"},
    {"yearly", "yearly", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "comes back every year on the same day (default: true but for maturities)"},
    {"notes", "notes", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "notes"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
};

static int key_date_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    (void)e;
    if (!json_is_boolean(json_object_get(rec, "yearly"))) {
        const char *k = json_string_value(json_object_get(rec, "kind"));
        json_object_set_new(rec, "yearly", json_boolean(!k || strcmp(k, "maturity") != 0));
    }
    return 0;
}

struct resource key_date_resource = {
    .name = "key-dates", .table = "key_date", .entity = "key_date",
    .fields = key_date_fields, .nfields = sizeof key_date_fields / sizeof key_date_fields[0],
    .party_field = "party_id", .rule = key_date_rule,
};

int occasion_check_lunar_birthday(const json_t *party, struct verr *e)
{
    const json_t *v = json_object_get(party, "lunar_birthday");
    if (!v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0)) return 0;
    const json_t *m = json_object_get(v, "month"), *d = json_object_get(v, "day"), *l = json_object_get(v, "leap");
    size_t known = (m != NULL) + (d != NULL) + (l != NULL);
    if (!json_is_object(v) || !json_is_integer(m) || !json_is_integer(d) || (l && !json_is_boolean(l)) ||
        known != json_object_size(v) || json_integer_value(m) < 1 || json_integer_value(m) > 12 || json_integer_value(d) < 1 ||
        json_integer_value(d) > 30) {
        verr_set(e, 422, "invalid_value", "lunar_birthday",
                 "lunar_birthday is {\"month\": 1 to 12, \"day\": 1 to 30, \"leap\": true or false}");
        return -1;
    }
    return 0;
}

/* ---- the occasions of a range ---- */

struct range {
    int64_t from, to;            /* days since 1970 */
    int y0, y1;                  /* solar years of from and to */
    /* Lunar anniversaries: [lunar year - y0 + 1][month][day][leap] → day, -1 none, 0 unknown. */
    int64_t lunar_cache[4][13][31][2];
};

static int64_t day_of(int y, int m, int d) { return days_from_civil(y, (unsigned)m, (unsigned)d); }

static void day_text(int64_t day, char out[11]) { date_format(day * 86400, out); }

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* The yearly solar occasions of month-day md since year since (exclusive
 * when after_only) in the range. */
static int solar_yearly(struct range *r, int since, int m, int d, bool after_only, struct occasion *o,
                        int (*cb)(void *, const struct occasion *), void *ctx)
{
    for (int y = r->y0; y <= r->y1; y++) {
        if (y < since || (after_only && y == since)) continue;
        int dd = d;
        if (m == 2 && d == 29 && !is_leap(y)) dd = 28;
        int64_t day = day_of(y, m, dd);
        if (day < r->from || day > r->to) continue;
        day_text(day, o->date);
        o->years = y - since;
        if (cb(ctx, o)) return 1;
    }
    return 0;
}

static int lunar_yearly(struct range *r, int m, int d, bool leap, struct occasion *o,
                        int (*cb)(void *, const struct occasion *), void *ctx)
{
    /* A lunar year starts in January or February: lunar years y0 - 1 … y1 cover the range. */
    for (int ly = r->y0 - 1; ly <= r->y1; ly++) {
        int64_t *slot = &r->lunar_cache[ly - r->y0 + 1][m][d][leap];
        if (!*slot) {
            int y, mm, dd;
            *slot = lunar_anniversary(ly, m, d, leap, &y, &mm, &dd) ? -1 : day_of(y, mm, dd);
        }
        if (*slot < 0 || *slot < r->from || *slot > r->to) continue;
        day_text(*slot, o->date);
        o->years = 0;
        if (cb(ctx, o)) return 1;
    }
    return 0;
}

static bool want(const char *kind, const char *k) { return !kind || !strcmp(kind, k); }

static int parse_md(const char *date, int *y, int *m, int *d)
{
    return date && strlen(date) >= 10 && sscanf(date, "%4d-%2d-%2d", y, m, d) == 3 ? 0 : -1;
}

int occasions_each(db *c, const struct auth_user *u, const char *segment, const char *from, const char *to,
                   const char *kind, int (*cb)(void *ctx, const struct occasion *o), void *ctx, struct verr *e)
{
    int64_t tf, tt;
    if (!from || strlen(from) != 10 || date_parse(from, &tf)) { verr_set(e, 400, "invalid_parameter", "from", "from must be a date YYYY-MM-DD"); return -1; }
    if (!to || strlen(to) != 10 || date_parse(to, &tt)) { verr_set(e, 400, "invalid_parameter", "to", "to must be a date YYYY-MM-DD"); return -1; }
    if (tt < tf || tt - tf > 366 * 86400) { verr_set(e, 400, "invalid_parameter", "to", "to must be from `from` to 366 days after it"); return -1; }
    struct range *r = calloc(1, sizeof *r);
    if (!r) { verr_set(e, 500, "internal", NULL, "out of memory"); return -1; }
    r->from = tf / 86400;
    r->to = tt / 86400;
    int m_, d_;
    parse_md(from, &r->y0, &m_, &d_);
    parse_md(to, &r->y1, &m_, &d_);
    int rc = -1;
    struct occasion o;
    /* Festivals. */
    if (want(kind, "festival"))
        for (const struct festival *f = lunar_festivals; f->id; f++)
            for (int y = r->y0; y <= r->y1; y++) {
                int m, d;
                if (festival_date(f, y, &m, &d)) continue;
                int64_t day = day_of(y, m, d);
                if (day < r->from || day > r->to) continue;
                memset(&o, 0, sizeof o);
                o.kind = "festival";
                o.sub = f->id;
                day_text(day, o.date);
                if (cb(ctx, &o)) { rc = 0; goto done; }
            }
    /* The parties of the segment within the scope (sorted ids), then one
     * pass over the parties that have a date. */
    int64_t *ids = NULL;
    size_t n = 0;
    if (segment_resolve(c, segment, u, &ids, &n, e)) {
        if (!strcmp(e->code, "unknown_parameter") || !strcmp(e->code, "invalid_parameter") || !strcmp(e->code, "forbidden_field"))
            snprintf(e->field, sizeof e->field, "segment");
        goto done;
    }
    if (want(kind, "birthday") || want(kind, "lunar_birthday") || want(kind, "first_purchase")) {
        db_stmt *s = db_prepare(c, "SELECT t.id, t.name, t.birthday, t.lunar_birthday, sc.first_purchase FROM party t "
                                   "LEFT JOIN score sc ON sc.party_id = t.id WHERE t.deleted_at IS NULL AND "
                                   "(t.birthday IS NOT NULL OR t.lunar_birthday LIKE '{\"%' OR sc.first_purchase IS NOT NULL) ORDER BY t.id");
        if (!s) { free(ids); verr_set(e, 503, "storage_error", NULL, "the parties could not be read"); goto done; }
        int step, stop = 0;
        while (!stop && (step = db_step(s)) == DB_ROW) {
            memset(&o, 0, sizeof o);
            o.party_id = db_column_int64(s, 0);
            if (!segment_has(ids, n, o.party_id)) continue;
            snprintf(o.party_name, sizeof o.party_name, "%s", db_column_text(s, 1) ? db_column_text(s, 1) : "");
            int y, m, d;
            if (want(kind, "birthday") && parse_md(db_column_text(s, 2), &y, &m, &d) == 0) {
                o.kind = "birthday";
                stop = solar_yearly(r, y, m, d, false, &o, cb, ctx);
            }
            const char *lb = db_column_text(s, 3);
            if (!stop && want(kind, "lunar_birthday") && lb && lb[0] == '{' && lb[1]) {
                json_t *j = json_loads(lb, 0, NULL);
                int lm = (int)json_integer_value(json_object_get(j, "month")), ld = (int)json_integer_value(json_object_get(j, "day"));
                bool leap = json_is_true(json_object_get(j, "leap"));
                json_decref(j);
                if (lm >= 1 && lm <= 12 && ld >= 1 && ld <= 30) {
                    o.kind = "lunar_birthday";
                    stop = lunar_yearly(r, lm, ld, leap, &o, cb, ctx);
                }
            }
            if (!stop && want(kind, "first_purchase") && parse_md(db_column_text(s, 4), &y, &m, &d) == 0) {
                o.kind = "first_purchase";
                stop = solar_yearly(r, y, m, d, true, &o, cb, ctx);
            }
        }
        db_done(s);
        if (!stop && step != DB_DONE) { free(ids); verr_set(e, 503, "storage_error", NULL, "the parties could not be read"); goto done; }
        if (stop) { free(ids); rc = 0; goto done; }
    }
    /* Key dates: the company's (no party) and those of the segment's
     * parties, each within the user's read scope of key dates. */
    if (want(kind, "key_date")) {
        const struct rtype *kt = registry_by_name("key-dates");
        enum scope ks = authz_scope(u, "key-dates", "read");
        db_stmt *s = ks == SCOPE_NONE ? NULL
                   : db_prepare(c, "SELECT t.id, t.party_id, t.kind, t.title, t.date, t.yearly, p.name FROM key_date t "
                                   "LEFT JOIN party p ON p.id = t.party_id ORDER BY t.id");
        int step = DB_DONE, stop = 0;
        while (s && !stop && (step = db_step(s)) == DB_ROW) {
            memset(&o, 0, sizeof o);
            o.kind = "key_date";
            o.key_date_id = db_column_int64(s, 0);
            o.party_id = db_column_type(s, 1) == DB_NULL ? 0 : db_column_int64(s, 1);
            if (o.party_id && !segment_has(ids, n, o.party_id)) continue;
            if (!authz_record_in_scope(c, u, kt, o.key_date_id, ks)) continue;
            for (int i = 0; key_date_kinds[i]; i++)
                if (db_column_text(s, 2) && !strcmp(key_date_kinds[i], db_column_text(s, 2))) o.sub = key_date_kinds[i];
            snprintf(o.title, sizeof o.title, "%s", db_column_text(s, 3) ? db_column_text(s, 3) : "");
            snprintf(o.party_name, sizeof o.party_name, "%s", db_column_text(s, 6) ? db_column_text(s, 6) : "");
            int y, m, d;
            if (parse_md(db_column_text(s, 4), &y, &m, &d)) continue;
            if (db_column_int64(s, 5)) stop = solar_yearly(r, y, m, d, false, &o, cb, ctx);
            else {
                int64_t day = day_of(y, m, d);
                if (day >= r->from && day <= r->to) { day_text(day, o.date); stop = cb(ctx, &o); }
            }
        }
        if (s) db_done(s);
        if (s && !stop && step != DB_DONE) { free(ids); verr_set(e, 503, "storage_error", NULL, "the key dates could not be read"); goto done; }
    }
    free(ids);
    rc = 0;
done:
    free(r);
    return rc;
}
