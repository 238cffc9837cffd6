/* fx: conversions and totals (see fx.h). */
#include "domain/fx.h"
#include "domain/import_values.h"
#include "lib/textcheck.h"
#include "db/setting.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fx_company_currency(db *c, char out[4])
{
    char v[8];
    setting_get(c, "company.currency", v, sizeof v);
    snprintf(out, 4, "%.3s", currency_valid(v) ? v : "CNY");
}

int fx_set_company_currency(db *w, const char *cur)
{
    return setting_put(w, "company.currency", cur);
}

bool fx_convert(int64_t minor, const char *from, const char *to, double rate, int64_t *out)
{
    int shift = currency_exponent(to) - currency_exponent(from);
    double v = (double)minor * rate * pow(10.0, shift);
    if (!isfinite(v) || fabs(v) >= 9.2e18) return false;
    bool sat = false;
    int64_t r = money_from_double(v, &sat);
    if (sat) return false;
    *out = r;
    return true;
}

void fx_init(struct fx *f, db *c, const char *to)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    snprintf(f->to, sizeof f->to, "%s", to);
}

/* The latest row of from → to on or before date. */
static bool lookup(db *c, const char *from, const char *to, const char *date, struct fx_seen *out)
{
    db_stmt *s = db_prepare(c, "SELECT rate, valid_on FROM exchange_rate WHERE currency = ? AND to_currency = ? AND valid_on <= ?"
                               " ORDER BY valid_on DESC LIMIT 1");
    if (!s) return false;
    db_bind_text(s, 1, from);
    db_bind_text(s, 2, to);
    db_bind_text(s, 3, date);
    bool found = db_step(s) == DB_ROW && db_column_text(s, 0);
    if (found) {
        snprintf(out->rate_text, sizeof out->rate_text, "%s", db_column_text(s, 0));
        snprintf(out->valid_on, sizeof out->valid_on, "%s", db_column_text(s, 1));
    }
    db_done(s);
    return found;
}

bool fx_rate(struct fx *f, const char *cur, const char *date, double *rate, const char **rate_text, const char **valid_on)
{
    if (!strcmp(cur, f->to)) {
        *rate = 1.0;
        if (rate_text) *rate_text = "1";
        if (valid_on) *valid_on = date;
        return true;
    }
    for (int i = 0; i < f->n; i++) {
        struct fx_seen *e = &f->seen[i];
        if (!strcmp(e->cur, cur) && !strcmp(e->date, date)) {
            *rate = e->rate;
            if (rate_text) *rate_text = e->rate_text;
            if (valid_on) *valid_on = e->valid_on;
            return e->found;
        }
    }
    if (f->n == 64) f->dropped++;
    struct fx_seen tmp = {0}, *e = f->n < 64 ? &f->seen[f->n++] : &tmp;
    memset(e, 0, sizeof *e);
    snprintf(e->cur, sizeof e->cur, "%s", cur);
    snprintf(e->date, sizeof e->date, "%s", date);
    struct fx_seen inv = {0};
    if (lookup(f->c, cur, f->to, date, e)) {
        e->found = true;
        e->rate = strtod(e->rate_text, NULL);
    } else if (lookup(f->c, f->to, cur, date, &inv)) {
        /* Only the inverse pair was entered (e.g. CNY → USD). */
        e->found = true;
        e->rate = 1.0 / strtod(inv.rate_text, NULL);
        snprintf(e->rate_text, sizeof e->rate_text, "1/%.28s", inv.rate_text);
        snprintf(e->valid_on, sizeof e->valid_on, "%s", inv.valid_on);
    }
    *rate = e->rate;
    if (rate_text) *rate_text = e == &tmp ? NULL : e->rate_text;
    if (valid_on) *valid_on = e == &tmp ? NULL : e->valid_on;
    return e->found;
}

json_t *fx_rates_json(const struct fx *f)
{
    json_t *a = json_array();
    for (int i = 0; i < f->n; i++) {
        const struct fx_seen *e = &f->seen[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "currency", e->cur, "to", f->to, "on", e->date, "rate",
                                           e->found ? json_string(e->rate_text) : json_null(), "rate_on",
                                           e->found ? json_string(e->valid_on) : json_null(), "missing", !e->found));
    }
    return a;
}

static int slot(struct fx_total *t, const char *cur)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->cur[i], cur)) return i;
    if (t->n == FX_MAX_CURRENCIES) { t->too_many = true; return -1; }
    snprintf(t->cur[t->n], 4, "%s", cur);
    return t->n++;
}

static void note_missing(struct fx_total *t, const char *cur)
{
    for (int i = 0; i < t->nmissing; i++)
        if (!strcmp(t->missing[i], cur)) return;
    if (t->nmissing < FX_MAX_CURRENCIES) snprintf(t->missing[t->nmissing++], 4, "%s", cur);
}

void fx_total_add(struct fx_total *t, const char *cur, int64_t amount, int64_t count)
{
    int i = slot(t, cur ? cur : "");
    if (i < 0) return;
    money_sum_add(&t->sum[i], amount);
    t->count[i] += count;
}

static void convert_into(struct fx_total *t, struct fx *f, const char *cur, int64_t amount, const char *date)
{
    double rate;
    int64_t v;
    if (!cur || !*cur || !fx_rate(f, cur, date, &rate, NULL, NULL)) { note_missing(t, cur ? cur : ""); return; }
    if (!fx_convert(amount, cur, f->to, rate, &v)) { t->overflow = true; return; }
    money_sum_add(&t->conv, v);
}

void fx_total_add_at(struct fx_total *t, struct fx *f, const char *cur, int64_t amount, int64_t count, const char *date)
{
    fx_total_add(t, cur, amount, count);
    convert_into(t, f, cur, amount, date);
}

void fx_total_merge(struct fx_total *dst, const struct fx_total *src)
{
    for (int i = 0; i < src->n; i++) {
        int k = slot(dst, src->cur[i]);
        if (k < 0) continue;
        money_sum_merge(&dst->sum[k], &src->sum[i]);
        dst->count[k] += src->count[i];
    }
    money_sum_merge(&dst->conv, &src->conv);
    for (int i = 0; i < src->nmissing; i++) note_missing(dst, src->missing[i]);
    dst->too_many |= src->too_many;
    dst->overflow |= src->overflow;
}

void fx_total_convert_at(struct fx_total *t, struct fx *f, const char *date)
{
    for (int i = 0; i < t->n; i++) {
        bool sat = false;
        int64_t v = money_sum_value(&t->sum[i], &sat);
        if (sat) { t->overflow = true; continue; }
        convert_into(t, f, t->cur[i], v, date);
    }
}

json_t *fx_total_json(const struct fx_total *t, const struct fx *f)
{
    json_t *by = json_array(), *missing = json_array();
    bool overflow = t->overflow || t->too_many;
    for (int i = 0; i < t->n; i++) {
        bool sat = false;
        int64_t v = money_sum_value(&t->sum[i], &sat);
        overflow |= sat;
        json_array_append_new(by, json_pack("{s:s, s:I, s:I}", "currency", t->cur[i], "amount", (json_int_t)v, "count",
                                            (json_int_t)t->count[i]));
    }
    for (int i = 0; i < t->nmissing; i++) json_array_append_new(missing, json_string(t->missing[i]));
    bool sat = false;
    int64_t conv = money_sum_value(&t->conv, &sat);
    json_t *amount = overflow || sat || t->nmissing ? json_null() : json_integer(conv);
    return json_pack("{s:o, s:{s:s, s:o, s:o}}", "by_currency", by, "converted", "currency", f->to, "amount", amount,
                     "missing", missing);
}
