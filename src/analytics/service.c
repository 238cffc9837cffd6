/*
 * service.c — analytics in the server and the CLI (see service.h): the
 * store's cold load and refreshes, runs, stored scores, settings and the
 * JSON answers of the analytics API.
 */
#include "analytics/service.h"
#include "analytics/validate.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "analytics/scoring.h"
#include "analytics/store.h"
#include "api/resource.h"
#include "db/writer.h"
#include "lib/log.h"
#include "lib/money.h"
#include "lib/timeutil.h"

#define AN_WRITE_CHUNK 2000
#define AN_REFRESH_DELAY_US 20000 /* gather the parties of a burst of writes */
#define AN_REPLICA_WAIT_MS 2000 /* how long a load waits for the read replica to catch up */

/* ---- settings ---- */

enum { S_NUM, S_ENUM, S_CURRENCY, S_LIST };

static const struct an_setting {
    const char *key;
    int kind;
    const char *def;
    double min, max;
    const char *values; /* S_ENUM: "a|b" */
    const char *doc;
} an_settings[] = {
    {"model", S_ENUM, "bgnbd", 0, 0, "bgnbd|pnbd", "purchase model: BG/NBD or Pareto/NBD"},
    {"currency", S_CURRENCY, "CNY", 0, 0, NULL, "transactions in this currency are analysed"},
    {"amount_scale", S_NUM, "100", 1, 1e6, NULL, "minor units per major unit of the currency"},
    {"margin", S_NUM, "0.3", 0, 1, NULL, "profit share of revenue for future value and for missing costs"},
    {"annual_discount", S_NUM, "0.1", 0, 1, NULL, "discount rate per year of future value"},
    {"current_weeks", S_NUM, "52", 1, 520, NULL, "horizon of current value (and of current revenue)"},
    {"horizon_weeks", S_NUM, "156", 1, 1040, NULL, "end of potential value"},
    {"step_weeks", S_NUM, "13", 1, 52, NULL, "discounting step of CLV"},
    {"expected_weeks", S_NUM, "52", 1, 520, NULL, "horizon of expected purchases"},
    {"tier_basis", S_ENUM, "customers", 0, 0, "customers|profit", "pyramid cut-offs as shares of customers or of profit"},
    {"tier_platinum", S_NUM, "0.05", 0, 1, NULL, "share at the top that is platinum"},
    {"tier_gold", S_NUM, "0.15", 0, 1, NULL, "next share that is gold"},
    {"window_weeks", S_NUM, "26", 1, 260, NULL, "lifecycle: length of the recent window and of the one before"},
    {"exploration_weeks", S_NUM, "13", 0, 520, NULL, "lifecycle: tenure below this is exploration"},
    {"decline_p_alive", S_NUM, "0.5", 0, 1, NULL, "lifecycle: P(alive) below this is decline"},
    {"growth", S_NUM, "0.25", 0, 1, NULL, "lifecycle: trend at or above this is formation"},
    {"drop", S_NUM, "0.5", 0, 1, NULL, "lifecycle: trend at or below minus this is decline"},
    {"new_weeks", S_NUM, "26", 0, 520, NULL, "loyalty: first purchase within this is new"},
    {"loyal_repeat", S_NUM, "3", 0, 1e6, NULL, "loyalty: repeat purchases needed for loyal"},
    {"loyal_p_alive", S_NUM, "0.7", 0, 1, NULL, "loyalty: P(alive) needed for loyal"},
    {"behaviour_repeat", S_NUM, "2", 0, 1e6, NULL, "behaviour quadrant: repeat purchases that count as high"},
    {"matrix_quantile", S_NUM, "0.5", 0, 1, NULL, "cut of the value quadrant and the matrices (0.5 = median)"},
    {"ka_quantile", S_NUM, "0.8", 0, 1, NULL, "cut of key-account priority"},
    {"service_tiers", S_LIST, "20000000,100000000,300000000,1000000000", 0, 0, NULL,
     "asset thresholds (minor units, ascending) of the service tiers"},
    {"holdout_weeks", S_NUM, "0", 0, 260, NULL,
     "validation: each run also fits the model without the last N weeks and compares its forecast with them (0 = off)"},
};
#define N_SETTINGS (sizeof an_settings / sizeof an_settings[0])
#define SETTING_LEN 200

typedef char setting_vals[N_SETTINGS][SETTING_LEN];

static int setting_index(const char *key)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (!strcmp(an_settings[i].key, key))
            return (int)i;
    return -1;
}

/* Checks a value's text; 0 or -1 with a message. */
static int setting_check(const struct an_setting *s, const char *v, char *err, size_t errlen)
{
    if (strlen(v) >= SETTING_LEN) {
        snprintf(err, errlen, "%s is too long", s->key);
        return -1;
    }
    if (s->kind == S_NUM) {
        char *end;
        double d = strtod(v, &end);
        if (!v[0] || *end || !isfinite(d) || d < s->min || d > s->max) {
            snprintf(err, errlen, "%s must be a number from %g to %g", s->key, s->min, s->max);
            return -1;
        }
    } else if (s->kind == S_ENUM) {
        const char *p = s->values;
        size_t n = strlen(v);
        while (p) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            if (n && len == n && !strncmp(p, v, n))
                return 0;
            p = bar ? bar + 1 : NULL;
        }
        snprintf(err, errlen, "%s must be one of %s", s->key, s->values);
        return -1;
    } else if (s->kind == S_CURRENCY) {
        if (strlen(v) != 3 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' || v[2] < 'A' || v[2] > 'Z') {
            snprintf(err, errlen, "%s must be a three-letter currency code such as CNY", s->key);
            return -1;
        }
    } else {
        double prev = -1;
        int n = 0;
        const char *p = v;
        while (*p) {
            char *end;
            double d = strtod(p, &end);
            if (end == p || d < 0 || d <= prev || !isfinite(d) || ++n > SC_MAX_SERVICE || (*end && *end != ',')) {
                snprintf(err, errlen, "%s must be up to %d ascending non-negative amounts separated by commas",
                         s->key, SC_MAX_SERVICE);
                return -1;
            }
            prev = d;
            p = *end ? end + 1 : end;
        }
    }
    return 0;
}

static void settings_load(db *c, setting_vals vals)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        snprintf(vals[i], SETTING_LEN, "%s", an_settings[i].def);
    db_stmt *s = c ? db_prepare(c, "SELECT key, value FROM setting WHERE key LIKE 'analytics.%'") : NULL;
    if (!s)
        return;
    while (db_step(s) == DB_ROW) {
        const char *k = db_column_text(s, 0), *v = db_column_text(s, 1);
        int i = k && v ? setting_index(k + strlen("analytics.")) : -1;
        char err[160];
        if (i >= 0 && setting_check(&an_settings[i], v, err, sizeof err) == 0)
            snprintf(vals[i], SETTING_LEN, "%s", v);
    }
    db_done(s);
}

static double num(setting_vals vals, const char *key)
{
    return strtod(vals[setting_index(key)], NULL);
}

static void config_from(setting_vals vals, sc_config *c, char currency[8])
{
    sc_config_default(c);
    c->model = !strcmp(vals[setting_index("model")], "pnbd") ? SC_MODEL_PNBD : SC_MODEL_BGNBD;
    snprintf(currency, 8, "%s", vals[setting_index("currency")]);
    c->amount_scale = num(vals, "amount_scale");
    c->margin = c->clv.margin = num(vals, "margin");
    c->clv.annual_discount = num(vals, "annual_discount");
    c->clv.current_weeks = num(vals, "current_weeks");
    c->clv.horizon_weeks = num(vals, "horizon_weeks");
    c->clv.step_weeks = num(vals, "step_weeks");
    if (c->clv.horizon_weeks < c->clv.current_weeks)
        c->clv.horizon_weeks = c->clv.current_weeks;
    c->expected_weeks = num(vals, "expected_weeks");
    c->tier.basis = !strcmp(vals[setting_index("tier_basis")], "profit") ? TIER_BASIS_PROFIT : TIER_BASIS_CUSTOMERS;
    c->tier.platinum = num(vals, "tier_platinum");
    c->tier.gold = num(vals, "tier_gold");
    c->window_weeks = num(vals, "window_weeks");
    c->life.exploration_weeks = num(vals, "exploration_weeks");
    c->life.decline_p_alive = num(vals, "decline_p_alive");
    c->life.growth = num(vals, "growth");
    c->life.drop = num(vals, "drop");
    c->loyalty.new_weeks = num(vals, "new_weeks");
    c->loyalty.loyal_repeat = num(vals, "loyal_repeat");
    c->loyalty.loyal_p_alive = num(vals, "loyal_p_alive");
    c->behaviour_repeat = num(vals, "behaviour_repeat");
    c->matrix_quantile = num(vals, "matrix_quantile");
    c->ka_quantile = num(vals, "ka_quantile");
    c->nservice = 0;
    const char *p = vals[setting_index("service_tiers")];
    while (*p && c->nservice < SC_MAX_SERVICE) {
        char *end;
        c->service[c->nservice++] = strtod(p, &end);
        p = *end ? end + 1 : end;
    }
}

json_t *an_settings_get(db *c)
{
    setting_vals vals;
    settings_load(c, vals);
    json_t *out = json_object();
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const struct an_setting *s = &an_settings[i];
        json_t *v = s->kind == S_NUM ? json_real(strtod(vals[i], NULL)) : json_string(vals[i]);
        json_t *d = s->kind == S_NUM ? json_real(strtod(s->def, NULL)) : json_string(s->def);
        json_object_set_new(out, s->key, json_pack("{s:o, s:o, s:s}", "value", v, "default", d, "doc", s->doc));
    }
    return out;
}

struct put_ctx {
    char keys[N_SETTINGS][64];
    char vals[N_SETTINGS][SETTING_LEN];
    int n;
};

static int job_settings(db *w, void *arg)
{
    struct put_ctx *p = arg;
    for (int i = 0; i < p->n; i++) {
        db_stmt *s = db_prepare(w, "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        if (!s)
            return 1;
        char key[80];
        snprintf(key, sizeof key, "analytics.%s", p->keys[i]);
        db_bind_text(s, 1, key);
        db_bind_text(s, 2, p->vals[i]);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE)
            return 1;
    }
    return 0;
}

int an_settings_put(const json_t *changes, char *field, char *err, size_t errlen)
{
    struct put_ctx p;
    p.n = 0;
    field[0] = '\0';
    if (!json_is_object(changes) || json_object_size(changes) == 0) {
        snprintf(err, errlen, "send an object of settings, e.g. {\"margin\": 0.25}");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)changes, key, v) {
        int i = setting_index(key);
        if (i < 0 || p.n >= (int)N_SETTINGS) {
            snprintf(field, 64, "%.63s", key);
            snprintf(err, errlen, "%.63s is not an analytics setting", key);
            return -1;
        }
        char text[SETTING_LEN];
        if (json_is_string(v))
            snprintf(text, sizeof text, "%s", json_string_value(v));
        else if (json_is_integer(v))
            snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            snprintf(text, sizeof text, "%.10g", json_real_value(v));
        else if (json_is_array(v)) {
            size_t k, used = 0;
            json_t *x;
            text[0] = '\0';
            json_array_foreach(v, k, x) {
                if (!json_is_integer(x) || used > SETTING_LEN - 24) {
                    used = SETTING_LEN;
                    break;
                }
                used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", k ? "," : "",
                                         (long long)json_integer_value(x));
            }
            if (used >= SETTING_LEN)
                snprintf(text, sizeof text, "x");
        } else
            snprintf(text, sizeof text, "x");
        if (setting_check(&an_settings[i], text, err, errlen)) {
            snprintf(field, 64, "%s", key);
            return -1;
        }
        snprintf(p.keys[p.n], sizeof p.keys[p.n], "%s", key);
        snprintf(p.vals[p.n], sizeof p.vals[p.n], "%s", text);
        p.n++;
    }
    if (db_write(job_settings, &p) != 0) {
        snprintf(err, errlen, "the settings could not be stored");
        return -2;
    }
    return 0;
}

/* ---- process state ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    an_store store;
    char store_currency[8];
    sc_config cfg;
    char currency[8];
    sc_state st;
    bool have_state, started, thread_on, stopping, running, busy;
    pthread_t thread;
    int64_t *pending;
    size_t npending, cap;
    double load_seconds;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int32_t today_day(void)
{
    return (int32_t)(time_now() / 86400);
}

/* Day of an ISO text "YYYY-MM-DD..." (UTC). */
static int day_of(const char *s, int32_t *day)
{
    if (!s)
        return -1;
    int v[8];
    static const int pos[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++) {
        char ch = s[pos[i]];
        if (ch < '0' || ch > '9')
            return -1;
        v[i] = ch - '0';
        if (i < 7 && !s[pos[i] + 1])
            return -1;
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    *day = (int32_t)days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

static const char *day_text(int32_t day, char out[11])
{
    date_format((int64_t)day * 86400, out);
    return out;
}

static int64_t row_cost(db_stmt *s, int cost_col, int comp_col)
{
    if (db_column_type(s, comp_col) != DB_NULL)
        return AN_COST_COMPETITOR;
    if (db_column_type(s, cost_col) == DB_NULL)
        return AN_COST_UNKNOWN;
    return db_column_int64(s, cost_col);
}

static int store_load(db *c, const char *currency)
{
    double t0 = now_seconds();
    an_store_free(&g.store);
    /* Streamed: millions of rows, each appended once and not kept. */
    db_stmt *s = db_prepare_stream(c, "SELECT party_id, occurred_at, amount, cost, competitor_id FROM txn WHERE currency = ?");
    if (!s)
        return -1;
    db_bind_text(s, 1, currency);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int32_t day;
        if (day_of(db_column_text(s, 1), &day))
            continue;
        if (an_store_append(&g.store, db_column_int64(s, 0), day, db_column_int64(s, 2), row_cost(s, 3, 4))) {
            rc = DB_ERROR;
            break;
        }
    }
    db_done(s);
    if (rc != DB_DONE || an_store_finish(&g.store))
        return -1;
    snprintf(g.store_currency, sizeof g.store_currency, "%s", currency);
    g.load_seconds = now_seconds() - t0;
    return 0;
}

/* ---- state as JSON (analytics_run.state) ---- */

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static double jget(const json_t *o, const char *k, double def)
{
    json_t *v = json_object_get(o, k);
    if (json_is_number(v))
        return json_number_value(v);
    return json_is_null(v) ? INFINITY : def;
}

/* names[k] is parameter k of the model (an_fit_info.at_boundary bits). */
static json_t *fit_json(const an_fit_info *f, const char *const *names, int np)
{
    json_t *o = json_pack("{s:o, s:I, s:I, s:i, s:i}", "log_likelihood", jnum(f->log_likelihood), "n",
                          (json_int_t)f->n, "groups", (json_int_t)f->groups, "evaluations", f->evaluations,
                          "nlopt_status", f->nlopt_status);
    /* Parameters that ran to infinity (issue 16): the fit is the finite
     * point within 0.01 of the likelihood's supremum. */
    json_t *b = json_array();
    for (int k = 0; k < np; k++)
        if (f->at_boundary & 1u << k)
            json_array_append_new(b, json_string(names[k]));
    json_object_set_new(o, "at_boundary", b);
    return o;
}

static unsigned fit_boundary_from_json(const json_t *f, const char *const *names, int np)
{
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(f, "at_boundary"), i, v)
        for (int k = 0; k < np; k++)
            if (json_is_string(v) && strcmp(json_string_value(v), names[k]) == 0)
                bits |= 1u << k;
    return bits;
}

static const char *const bg_names[] = {"r", "alpha", "a", "b"}, *const pn_names[] = {"r", "alpha", "s", "beta"},
                         *const gg_names[] = {"p", "q", "gamma"};

/* The holdout validation of a run (issue 16 part 3, validate.h): the
 * model is fitted on the store's purchases up to today - 7 holdout_weeks
 * and its forecast compared with the purchases since. Rows are the party's
 * own purchases (positive amounts; competitors' excluded), as the purchase
 * days of sc_facts. Returns the JSON of the answer (an "error" member when
 * it could not be computed). Called with g.mu held (reads the store). */
static json_t *validation_json(const an_store *store, const unsigned char *dead, double amount_scale,
                               int model, int holdout_weeks, int32_t today)
{
    size_t n = 0;
    for (size_t p = 0; p < store->nparties; p++)
        if (!dead[p])
            n += an_store_rows(store, p).n;
    int64_t *cust = malloc((n ? n : 1) * sizeof *cust), *amt = malloc((n ? n : 1) * sizeof *amt);
    int32_t *day = malloc((n ? n : 1) * sizeof *day);
    json_t *o = json_pack("{s:i, s:s}", "holdout_weeks", holdout_weeks, "model",
                          model == SC_MODEL_PNBD ? "pnbd" : "bgnbd");
    if (!cust || !amt || !day) {
        json_object_set_new(o, "error", json_string("out of memory"));
        goto done;
    }
    size_t k = 0;
    for (size_t p = 0; p < store->nparties; p++) {
        if (dead[p])
            continue;
        an_rows r = an_store_rows(store, p);
        for (size_t i = 0; i < r.n; i++) {
            int64_t a = an_row_amount(&r, i);
            if (an_row_cost(&r, i) == AN_COST_COMPETITOR || a <= 0 || an_row_day(&r, i) > today)
                continue;
            cust[k] = (int64_t)p;
            day[k] = an_row_day(&r, i);
            amt[k] = a;
            k++;
        }
    }
    int32_t cal_end = today - 7 * holdout_weeks;
    char d1[11], d2[11];
    json_object_set_new(o, "calibration_end", json_string(day_text(cal_end, d1)));
    json_object_set_new(o, "holdout_end", json_string(day_text(today, d2)));
    val_result v;
    an_rc rc = val_run(k, cust, day, amt, amount_scale, cal_end, today, model == SC_MODEL_PNBD ? VAL_PNBD : VAL_BGNBD,
                       &v);
    if (rc != AN_OK) {
        json_object_set_new(o, "error", json_string(rc == AN_EINVAL    ? "no purchase before the holdout period"
                                                    : rc == AN_ENOFIT ? (v.fit.message ? v.fit.message : "the model could not be fitted")
                                                                      : "out of memory"));
        goto done;
    }
    if (model == SC_MODEL_PNBD)
        json_object_set_new(o, "params", json_pack("{s:o, s:o, s:o, s:o}", "r", jnum(v.pn.r), "alpha", jnum(v.pn.alpha),
                                                   "s", jnum(v.pn.s), "beta", jnum(v.pn.beta)));
    else
        json_object_set_new(o, "params", json_pack("{s:o, s:o, s:o, s:o}", "r", jnum(v.bg.r), "alpha", jnum(v.bg.alpha),
                                                   "a", jnum(v.bg.a), "b", jnum(v.bg.b)));
    json_object_set_new(o, "fit", fit_json(&v.fit, model == SC_MODEL_PNBD ? pn_names : bg_names, 4));
    json_object_set_new(o, "customers", json_integer((json_int_t)v.customers));
    json_object_set_new(o, "first_day", json_string(day_text(v.start_day, d1)));
    json_object_set_new(o, "calibration_weeks", json_integer((json_int_t)v.calibration_weeks));
    json_t *bf = json_array();
    for (int b = 0; b < VAL_FREQ_BINS; b++) {
        char lab[8];
        snprintf(lab, sizeof lab, b == VAL_FREQ_BINS - 1 ? "%d+" : "%d", b);
        json_array_append_new(bf, json_pack("{s:s, s:I, s:o, s:o}", "frequency", lab, "customers",
                                            (json_int_t)v.freq_n[b], "actual", jnum(v.freq_actual[b]), "predicted",
                                            jnum(v.freq_predicted[b])));
    }
    json_object_set_new(o, "by_frequency", bf);
    json_t *cum = json_array();
    for (size_t w = 0; w < v.weeks; w++)
        json_array_append_new(cum, json_pack("{s:I, s:o, s:o}", "week", (json_int_t)(w + 1), "actual",
                                             jnum(v.cum_actual[w]), "predicted", jnum(v.cum_predicted[w])));
    json_object_set_new(o, "cumulative", cum);
    json_object_set_new(o, "holdout_actual", jnum(v.holdout_actual));
    json_object_set_new(o, "holdout_predicted", jnum(v.holdout_predicted));
    json_object_set_new(o, "mae", jnum(v.mae));
    json_object_set_new(o, "error_pct", jnum(v.error_pct));
    val_free(&v);
done:
    free(cust);
    free(amt);
    free(day);
    return o;
}

static json_t *state_json(const sc_state *st)
{
    json_t *o = json_object();
    char d[11];
    json_object_set_new(o, "as_of", json_string(day_text(st->today, d)));
    json_object_set_new(o, "today", json_integer(st->today));
    json_object_set_new(o, "model", json_string(st->model == SC_MODEL_PNBD ? "pnbd" : "bgnbd"));
    json_object_set_new(o, "fitted", json_boolean(st->fitted));
    if (st->fitted) {
        if (st->model == SC_MODEL_PNBD)
            json_object_set_new(o, "params", json_pack("{s:o, s:o, s:o, s:o}", "r", jnum(st->pn.r), "alpha",
                                                       jnum(st->pn.alpha), "s", jnum(st->pn.s), "beta", jnum(st->pn.beta)));
        else
            json_object_set_new(o, "params", json_pack("{s:o, s:o, s:o, s:o}", "r", jnum(st->bg.r), "alpha",
                                                       jnum(st->bg.alpha), "a", jnum(st->bg.a), "b", jnum(st->bg.b)));
        json_object_set_new(o, "fit", fit_json(&st->fit, st->model == SC_MODEL_PNBD ? pn_names : bg_names, 4));
    }
    json_object_set_new(o, "gg_fitted", json_boolean(st->gg_fitted));
    if (st->gg_fitted) {
        json_object_set_new(o, "gg", json_pack("{s:o, s:o, s:o}", "p", jnum(st->gg.p), "q", jnum(st->gg.q), "gamma",
                                               jnum(st->gg.gamma)));
        json_object_set_new(o, "gg_fit", fit_json(&st->gg_fit, gg_names, 3));
    }
    json_object_set_new(o, "buyers", json_integer((json_int_t)st->buyers));
    json_t *rfm = json_array();
    for (int k = 0; k < 3; k++)
        json_array_append_new(rfm, json_pack("[oooo]", jnum(st->rfm_cut[k][0]), jnum(st->rfm_cut[k][1]),
                                             jnum(st->rfm_cut[k][2]), jnum(st->rfm_cut[k][3])));
    json_object_set_new(o, "rfm_cuts", rfm);
    json_object_set_new(o, "tier_cuts", json_pack("{s:o, s:o}", "platinum_min", jnum(st->tier.platinum_min),
                                                  "gold_min", jnum(st->tier.gold_min)));
    json_object_set_new(o, "cuts", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "current", jnum(st->cut_current),
                                             "potential", jnum(st->cut_potential), "history", jnum(st->cut_history),
                                             "future", jnum(st->cut_future), "profit", jnum(st->cut_profit), "cost",
                                             jnum(st->cut_cost), "revenue", jnum(st->cut_revenue), "ka_potential",
                                             jnum(st->cut_ka_potential)));
    return o;
}

static void state_from_json(const json_t *o, sc_state *st)
{
    memset(st, 0, sizeof *st);
    st->today = (int32_t)json_integer_value(json_object_get(o, "today"));
    st->model = !strcmp(json_string_value(json_object_get(o, "model")) ? json_string_value(json_object_get(o, "model")) : "", "pnbd")
                    ? SC_MODEL_PNBD : SC_MODEL_BGNBD;
    st->fitted = json_is_true(json_object_get(o, "fitted"));
    json_t *p = json_object_get(o, "params");
    if (st->model == SC_MODEL_PNBD)
        st->pn = (pnbd_params){jget(p, "r", 1), jget(p, "alpha", 1), jget(p, "s", 1), jget(p, "beta", 1)};
    else
        st->bg = (bgnbd_params){jget(p, "r", 1), jget(p, "alpha", 1), jget(p, "a", 1), jget(p, "b", 1)};
    json_t *f = json_object_get(o, "fit");
    st->fit.log_likelihood = jget(f, "log_likelihood", 0);
    st->fit.n = (size_t)jget(f, "n", 0);
    st->fit.at_boundary = fit_boundary_from_json(f, st->model == SC_MODEL_PNBD ? pn_names : bg_names, 4);
    st->gg_fit.at_boundary = fit_boundary_from_json(json_object_get(o, "gg_fit"), gg_names, 3);
    st->gg_fitted = json_is_true(json_object_get(o, "gg_fitted"));
    json_t *gg = json_object_get(o, "gg");
    st->gg = (gg_params){jget(gg, "p", 1), jget(gg, "q", 2), jget(gg, "gamma", 1)};
    st->buyers = (size_t)json_integer_value(json_object_get(o, "buyers"));
    json_t *rfm = json_object_get(o, "rfm_cuts");
    for (int k = 0; k < 3; k++)
        for (int s = 0; s < 4; s++) {
            json_t *v = json_array_get(json_array_get(rfm, (size_t)k), (size_t)s);
            st->rfm_cut[k][s] = json_is_number(v) ? json_number_value(v) : INFINITY;
        }
    json_t *tc = json_object_get(o, "tier_cuts");
    st->tier.platinum_min = jget(tc, "platinum_min", INFINITY);
    st->tier.gold_min = jget(tc, "gold_min", INFINITY);
    json_t *c = json_object_get(o, "cuts");
    st->cut_current = jget(c, "current", 0);
    st->cut_potential = jget(c, "potential", 0);
    st->cut_history = jget(c, "history", 0);
    st->cut_future = jget(c, "future", 0);
    st->cut_profit = jget(c, "profit", 0);
    st->cut_cost = jget(c, "cost", 0);
    st->cut_revenue = jget(c, "revenue", 0);
    st->cut_ka_potential = jget(c, "ka_potential", 0);
}

static void state_load(db *c)
{
    db_stmt *s = db_prepare(c, "SELECT state FROM analytics_run WHERE status = 'done' AND state IS NOT NULL"
                               " ORDER BY id DESC LIMIT 1");
    if (!s)
        return;
    if (db_step(s) == DB_ROW) {
        json_t *o = json_loads(db_column_text(s, 0), 0, NULL);
        if (o) {
            state_from_json(o, &g.st);
            g.have_state = true;
            json_decref(o);
        }
    }
    db_done(s);
}

/* ---- CRM facts: cost to serve, survey answers, assets, prospect score ---- */

/* Satisfaction / NPS signal of an interaction's response text. The rule
 * (documented in docs/ANALYTICS.md): a dissatisfied word (不满, unhappy,
 * dissatisf) is satisfaction 2; otherwise 满意 / satisf is satisfaction 5;
 * a referral (转介绍, referred) is an NPS answer of 10. */
static void response_signal(const char *s, double *sat, double *nps)
{
    if (!s)
        return;
    if (strstr(s, "不满") || strstr(s, "unhappy") || strstr(s, "dissatisf") || strstr(s, "Unhappy"))
        *sat = 2;
    else if (strstr(s, "满意") || strstr(s, "satisf"))
        *sat = 5;
    if (strstr(s, "转介绍") || strstr(s, "referred"))
        *nps = 10;
}

/* The facts a party's custom fields may carry (satisfaction, nps, assets,
 * prospect_score), read from the stored JSON object here rather than with
 * the database's JSON functions, whose spelling differs between engines. A
 * number counts; anything else (text, true) is no fact. */
static void custom_facts(db_stmt *s, int col, sc_facts *f)
{
    size_t n;
    const char *text = db_column_bytes(s, col, &n);
    json_t *o = text && n > 2 ? json_loadb(text, n, 0, NULL) : NULL;
    if (!json_is_object(o)) { json_decref(o); return; }
    json_t *v;
    if (json_is_number(v = json_object_get(o, "satisfaction"))) f->satisfaction = json_number_value(v);
    if (json_is_number(v = json_object_get(o, "nps"))) f->nps = json_number_value(v);
    if (json_is_number(v = json_object_get(o, "assets"))) f->assets = json_number_value(v);
    if (json_is_integer(v = json_object_get(o, "prospect_score"))) {
        json_int_t p = json_integer_value(v);
        f->prospect = p < 0 ? -1 : p > 7 ? 7 : (int)p;
    }
    json_decref(o);
}

#define SQL_CUSTOM_COLS "custom"

/* For all parties of the store; deleted parties get dead[p] = 1. */
static int crm_all(db *c, sc_facts *facts, unsigned char *dead)
{
    size_t n = g.store.nparties;
    db_stmt *s = db_prepare(c, "SELECT party_id, response FROM interaction WHERE response IS NOT NULL"
                               " AND status = 'done' ORDER BY party_id, COALESCE(occurred_at, created_at), id");
    if (!s)
        return -1;
    while (db_step(s) == DB_ROW) {
        int64_t p = an_store_party(&g.store, db_column_int64(s, 0), 0);
        if (p >= 0)
            response_signal(db_column_text(s, 1), &facts[p].satisfaction, &facts[p].nps);
    }
    db_done(s);
    /* Summed here with checked sums, not SUM(): SQLite's SUM fails the
     * whole query with "integer overflow" where a total does not fit. */
    /* Cost to serve: what the interactions cost and the remedies of the
     * party's complaints (service cases, issue 19). */
    s = db_prepare(c, "SELECT party_id, cost_amount FROM interaction WHERE cost_amount IS NOT NULL"
                      " UNION ALL SELECT party_id, remedy_cost_amount FROM service_case WHERE remedy_cost_amount IS NOT NULL"
                      " ORDER BY 1");
    if (!s)
        return -1;
    int64_t cur = -1;
    money_sum cts = MONEY_SUM_INIT;
    for (int more = db_step(s) == DB_ROW;; more = db_step(s) == DB_ROW) {
        int64_t party = more ? db_column_int64(s, 0) : -1;
        if (cur >= 0 && (!more || party != cur)) {
            int64_t p = an_store_party(&g.store, cur, 0);
            if (p >= 0) {
                bool sat = false;
                facts[p].cost_to_serve = money_sum_value(&cts, &sat);
                facts[p].cts_saturated = sat;
            }
            cts = (money_sum)MONEY_SUM_INIT;
        }
        if (!more)
            break;
        cur = party;
        money_sum_add(&cts, db_column_int64(s, 1));
    }
    db_done(s);
    s = db_prepare(c, "SELECT id, " SQL_CUSTOM_COLS " FROM party WHERE custom <> '{}' AND deleted_at IS NULL");
    if (!s)
        return -1;
    while (db_step(s) == DB_ROW) {
        int64_t p = an_store_party(&g.store, db_column_int64(s, 0), 0);
        if (p >= 0)
            custom_facts(s, 1, &facts[p]);
    }
    db_done(s);
    s = db_prepare(c, "SELECT id FROM party WHERE deleted_at IS NOT NULL");
    if (!s)
        return -1;
    while (db_step(s) == DB_ROW) {
        int64_t p = an_store_party(&g.store, db_column_int64(s, 0), 0);
        if (p >= 0 && (size_t)p < n)
            dead[p] = 1;
    }
    db_done(s);
    return 0;
}

/* For one party; returns 1 when the party is deleted or absent. */
static int crm_one(db *c, int64_t id, sc_facts *f)
{
    sc_facts_crm_clear(f);
    db_stmt *s = db_prepare(c, "SELECT deleted_at, " SQL_CUSTOM_COLS " FROM party WHERE id = ?");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    int gone = 1;
    if (db_step(s) == DB_ROW && db_column_type(s, 0) == DB_NULL) {
        gone = 0;
        sc_facts tmp;
        sc_facts_crm_clear(&tmp);
        custom_facts(s, 1, &tmp);
        f->assets = tmp.assets;
        f->prospect = tmp.prospect;
        /* survey answers in custom fields win over response texts */
        f->satisfaction = tmp.satisfaction;
        f->nps = tmp.nps;
    }
    db_done(s);
    if (gone)
        return 1;
    double sat = -1, nps = -1;
    s = db_prepare(c, "SELECT response FROM interaction WHERE party_id = ? AND response IS NOT NULL AND status = 'done'"
                      " ORDER BY COALESCE(occurred_at, created_at), id");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    while (db_step(s) == DB_ROW)
        response_signal(db_column_text(s, 0), &sat, &nps);
    db_done(s);
    if (f->satisfaction < 0)
        f->satisfaction = sat;
    if (f->nps < 0)
        f->nps = nps;
    /* checked sum, as in crm_all */
    s = db_prepare(c, "SELECT cost_amount FROM interaction WHERE party_id = ? AND cost_amount IS NOT NULL"
                      " UNION ALL SELECT remedy_cost_amount FROM service_case WHERE party_id = ? AND remedy_cost_amount IS NOT NULL");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, id);
    money_sum cts = MONEY_SUM_INIT;
    while (db_step(s) == DB_ROW)
        money_sum_add(&cts, db_column_int64(s, 0));
    db_done(s);
    bool held = false;
    f->cost_to_serve = money_sum_value(&cts, &held);
    f->cts_saturated = held;
    return 0;
}

/* Custom-field answers override the response texts (crm_all applies the
 * responses first, then the custom fields). */

/* ---- storing one party's scores ---- */

/* The explanation column is stored deflated (zlib, fastest level): the
 * texts and messages of a party are 4–5 KB of JSON whose keys repeat in
 * every row, which would add gigabytes to a database of a million scored
 * customers; deflated they take about a quarter. The blob starts with the
 * text's length (4 bytes, little-endian). Rows written as plain text (older
 * versions) are read as they are. */
static void explanation_bind(db_stmt *s, int idx, const char *text)
{
    size_t n = strlen(text);
    uLongf cap = compressBound((uLong)n);
    unsigned char *z = n <= UINT32_MAX ? malloc(4 + cap) : NULL;
    if (z && compress2(z + 4, &cap, (const Bytef *)text, (uLong)n, Z_BEST_SPEED) == Z_OK) {
        for (int i = 0; i < 4; i++)
            z[i] = (unsigned char)(n >> (8 * i));
        db_bind_blob(s, idx, z, 4 + cap);
    } else {
        db_bind_text(s, idx, text);
    }
    free(z);
}

static json_t *explanation_load(db_stmt *s, int col)
{
    json_t *ex = NULL;
    if (db_column_type(s, col) == DB_BLOB) {
        size_t zn;
        const unsigned char *z = db_column_blob(s, col, &zn);
        uLongf n = 0;
        for (int i = 0; zn >= 4 && i < 4; i++)
            n |= (uLongf)z[i] << (8 * i);
        char *text = zn >= 4 && n < (64u << 20) ? malloc(n + 1) : NULL;
        if (text && uncompress((Bytef *)text, &n, z + 4, (uLong)(zn - 4)) == Z_OK)
            ex = json_loadb(text, n, 0, NULL);
        free(text);
    } else if (db_column_text(s, col)) {
        ex = json_loads(db_column_text(s, col), 0, NULL);
    }
    return ex ? ex : json_object();
}

/* The explanation column holds {key: English text, ..., "messages": {key:
 * {"message": id, "params": {...}}}}. Rows of versions before the
 * structured form have the texts only; an_party_scores answers null for
 * their messages and the UI shows the text. Money params are {"amount":
 * minor units} here; the answer adds the currency. */
static json_t *explain_param(const sc_arg *a)
{
    char d[11];
    switch (a->kind) {
    case SC_ARG_INT: return json_integer(a->i);
    case SC_ARG_REAL: return isfinite(a->d) ? json_real(a->d) : json_null();
    case SC_ARG_MONEY: return json_pack("{s:I}", "amount", (json_int_t)a->i);
    case SC_ARG_DATE: return json_pack("{s:s}", "date", day_text((int32_t)a->i, d));
    case SC_ARG_LABEL: return json_pack("{s:s, s:s}", "vocab", a->vocab, "value", a->s ? a->s : "unknown");
    case SC_ARG_TEXT: return json_string(a->s ? a->s : "");
    }
    return json_null();
}

static void explain_emit(void *ctx, const sc_explanation *e)
{
    json_t *ex = ctx, *msgs = json_object_get(ex, "messages");
    json_object_set_new(ex, e->key, json_string(e->text));
    if (!msgs) {
        msgs = json_object();
        json_object_set_new(ex, "messages", msgs);
    }
    json_t *params = json_object();
    for (size_t i = 0; i < e->nargs; i++)
        json_object_set_new(params, e->args[i].name, explain_param(&e->args[i]));
    json_object_set_new(msgs, e->key, json_pack("{s:s, s:o}", "message", e->message, "params", params));
}

static void bind_real(db_stmt *s, int i, double v)
{
    if (isfinite(v))
        db_bind_double(s, i, v);
    else
        db_bind_null(s, i);
}

static void bind_money(db_stmt *s, int i, double v)
{
    if (isfinite(v))
        db_bind_int64(s, i, money_from_double(v, NULL));
    else
        db_bind_null(s, i);
}

enum { L_TIER, L_LIFECYCLE, L_RFM, L_QUADRANT, L_STRATEGY, L_PRIORITY, L_LOYALTY, L_BEHAVIOUR, L_COUNT };
static const char *const label_fields[L_COUNT] = {"tier", "lifecycle", "rfm_segment", "value_quadrant",
                                                  "strategy", "priority", "loyalty", "behaviour"};

static int history_add(db *w, int64_t id, const char *now, const char *field, const char *old, const char *neu)
{
    db_stmt *s = db_prepare(w, "INSERT INTO score_history(party_id, at, field, old, new) VALUES (?, ?, ?, ?, ?)");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, now);
    db_bind_text(s, 3, field);
    db_bind_text(s, 4, old);
    db_bind_text(s, 5, neu);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Upserts the score row of a party, records label changes in
 * score_history and tier / lifecycle moves as audit rows. */
static int score_store(db *w, int64_t run_id, const char *now, const sc_config *c, const sc_state *st, int64_t id,
                       const sc_facts *f, const sc_result *r)
{
    const char *lab[L_COUNT] = {0};
    if (r->buyer) {
        lab[L_TIER] = tier_name(r->tier);
        lab[L_LIFECYCLE] = lifecycle_name(r->lifecycle);
        lab[L_RFM] = rfm_segment_name(r->segment);
        lab[L_QUADRANT] = clv_quadrant_name(r->quadrant);
        lab[L_STRATEGY] = strategy_code(r->strategy);
        lab[L_PRIORITY] = ka_priority_name(r->priority);
    }
    lab[L_LOYALTY] = loyalty_name(r->loyalty);
    lab[L_BEHAVIOUR] = r->behaviour >= 0 ? loyalty_behaviour_name((behaviour_quadrant)r->behaviour) : "unknown";

    /* Old labels. */
    char old[L_COUNT][32], since[32] = "";
    bool had = false, had_lab[L_COUNT] = {0};
    db_stmt *s = db_prepare(w, "SELECT tier, lifecycle, rfm_segment, value_quadrant, strategy, priority, loyalty,"
                               " behaviour, lifecycle_since FROM score WHERE party_id = ?");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    if (db_step(s) == DB_ROW) {
        had = true;
        for (int k = 0; k < L_COUNT; k++) {
            const char *v = db_column_text(s, k);
            had_lab[k] = v != NULL;
            snprintf(old[k], sizeof old[k], "%s", v ? v : "");
        }
        const char *v = db_column_text(s, 8);
        snprintf(since, sizeof since, "%s", v ? v : "");
    }
    db_done(s);
    for (int k = 0; k < L_COUNT; k++) {
        const char *o = had && had_lab[k] ? old[k] : NULL;
        if (had && same(o, lab[k]))
            continue;
        /* A first computation starts the tier and stage histories only. */
        if (!had && (!lab[k] || (k != L_TIER && k != L_LIFECYCLE)))
            continue;
        if (history_add(w, id, now, label_fields[k], o, lab[k]))
            return -1;
        if (had && (k == L_TIER || k == L_LIFECYCLE)) {
            json_t *ch = json_pack("{s:[ss]}", label_fields[k], o ? o : "", lab[k] ? lab[k] : "");
            if (!o)
                json_array_set_new(json_object_get(ch, label_fields[k]), 0, json_null());
            if (!lab[k])
                json_array_set_new(json_object_get(ch, label_fields[k]), 1, json_null());
            if (audit_record(w, NULL, "analytics", "party", id, "segment_move", ch, id))
                return -1;
        }
    }
    const char *life_since = lab[L_LIFECYCLE] && had && had_lab[L_LIFECYCLE] && same(old[L_LIFECYCLE], lab[L_LIFECYCLE]) && since[0]
                                 ? since
                                 : lab[L_LIFECYCLE] ? now : NULL;

    json_t *ex = json_object();
    sc_explain(c, st, f, r, explain_emit, ex);
    /* A money total that did not fit in int64 is stored at the bound; the
     * answer says so (summary.saturated) rather than pass it as the value. */
    if (sc_facts_saturated(f))
        json_object_set_new(ex, "saturated", json_true());
    char *ex_text = json_dumps(ex, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(ex);

    s = db_prepare(w,
                   "INSERT INTO score(party_id, computed_at, run_id, first_purchase, last_purchase, transactions,"
                   " repeat_purchases, recency_days, tenure_days, revenue, cost, profit, cost_to_serve, net_profit,"
                   " mean_spend, competitor_amount, competitor_share, r, f, m, rfm_segment, tier, p_alive,"
                   " expected_purchases, expected_spend, clv_historical, clv_current, clv_potential, clv, value_quadrant,"
                   " value_strategy, future_matrix, profit_matrix, lifecycle, lifecycle_since, loyalty, attitude,"
                   " behaviour, strategy, priority, prospect_score, service_tier, explanation)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                   " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(party_id) DO UPDATE SET"
                   " computed_at = excluded.computed_at, run_id = excluded.run_id,"
                   " first_purchase = excluded.first_purchase, last_purchase = excluded.last_purchase,"
                   " transactions = excluded.transactions, repeat_purchases = excluded.repeat_purchases,"
                   " recency_days = excluded.recency_days, tenure_days = excluded.tenure_days, revenue = excluded.revenue,"
                   " cost = excluded.cost, profit = excluded.profit, cost_to_serve = excluded.cost_to_serve,"
                   " net_profit = excluded.net_profit, mean_spend = excluded.mean_spend,"
                   " competitor_amount = excluded.competitor_amount, competitor_share = excluded.competitor_share,"
                   " r = excluded.r, f = excluded.f, m = excluded.m, rfm_segment = excluded.rfm_segment,"
                   " tier = excluded.tier, p_alive = excluded.p_alive, expected_purchases = excluded.expected_purchases,"
                   " expected_spend = excluded.expected_spend, clv_historical = excluded.clv_historical,"
                   " clv_current = excluded.clv_current, clv_potential = excluded.clv_potential, clv = excluded.clv,"
                   " value_quadrant = excluded.value_quadrant, value_strategy = excluded.value_strategy,"
                   " future_matrix = excluded.future_matrix, profit_matrix = excluded.profit_matrix,"
                   " lifecycle = excluded.lifecycle, lifecycle_since = excluded.lifecycle_since,"
                   " loyalty = excluded.loyalty, attitude = excluded.attitude, behaviour = excluded.behaviour,"
                   " strategy = excluded.strategy, priority = excluded.priority, prospect_score = excluded.prospect_score,"
                   " service_tier = excluded.service_tier, explanation = excluded.explanation");
    if (!s) {
        free(ex_text);
        return -1;
    }
    char d1[11], d2[11];
    int64_t profit = sc_profit(f, NULL), net = sc_net_profit(f, NULL);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, now);
    if (run_id) db_bind_int64(s, 3, run_id); else db_bind_null(s, 3);
    db_bind_text(s, 4, r->buyer ? day_text(f->first_day, d1) : NULL);
    db_bind_text(s, 5, r->buyer ? day_text(f->last_day, d2) : NULL);
    db_bind_int64(s, 6, f->transactions);
    db_bind_int64(s, 7, r->buyer ? f->purchase_days - 1 : 0);
    if (r->buyer) {
        int32_t rec = st->today - f->last_day;
        db_bind_int64(s, 8, rec > 0 ? rec : 0);
        db_bind_int64(s, 9, (st->today > f->last_day ? st->today : f->last_day) - f->first_day);
    } else {
        db_bind_null(s, 8);
        db_bind_null(s, 9);
    }
    db_bind_int64(s, 10, f->revenue);
    db_bind_int64(s, 11, f->cost);
    db_bind_int64(s, 12, profit);
    db_bind_int64(s, 13, f->cost_to_serve);
    db_bind_int64(s, 14, net);
    if (f->purchase_days) db_bind_int64(s, 15, f->revenue / f->purchase_days); else db_bind_null(s, 15);
    db_bind_int64(s, 16, f->competitor_amount);
    /* in double: the two int64 totals may add up beyond int64 */
    double all = (double)f->competitor_amount + (f->revenue > 0 ? (double)f->revenue : 0);
    if (all > 0) db_bind_double(s, 17, (double)f->competitor_amount / all); else db_bind_null(s, 17);
    if (r->buyer) {
        db_bind_int64(s, 18, r->r);
        db_bind_int64(s, 19, r->f);
        db_bind_int64(s, 20, r->m);
    } else {
        db_bind_null(s, 18);
        db_bind_null(s, 19);
        db_bind_null(s, 20);
    }
    db_bind_text(s, 21, lab[L_RFM]);
    db_bind_text(s, 22, lab[L_TIER]);
    bind_real(s, 23, r->p_alive);
    bind_real(s, 24, r->expected);
    if (r->buyer) bind_money(s, 25, r->spend); else db_bind_null(s, 25);
    if (r->buyer) {
        bind_money(s, 26, r->clv.historical);
        bind_money(s, 27, r->clv.current);
        bind_money(s, 28, r->clv.potential);
        bind_money(s, 29, r->clv.total);
    } else {
        for (int k = 26; k <= 29; k++)
            db_bind_null(s, k);
    }
    db_bind_text(s, 30, lab[L_QUADRANT]);
    db_bind_text(s, 31, r->buyer ? clv_quadrant_strategy(r->quadrant) : NULL);
    db_bind_text(s, 32, r->buyer ? matrix_current_future_name(r->future) : NULL);
    db_bind_text(s, 33, r->buyer ? matrix_profit_cost_name(r->profit) : NULL);
    db_bind_text(s, 34, lab[L_LIFECYCLE]);
    db_bind_text(s, 35, life_since);
    db_bind_text(s, 36, lab[L_LOYALTY]);
    db_bind_text(s, 37, r->attitude < 0 ? "unknown" : r->attitude ? "high" : "low");
    db_bind_text(s, 38, lab[L_BEHAVIOUR]);
    db_bind_text(s, 39, lab[L_STRATEGY]);
    db_bind_text(s, 40, lab[L_PRIORITY]);
    if (f->prospect >= 0) db_bind_int64(s, 41, f->prospect); else db_bind_null(s, 41);
    if (r->service_tier >= 0) db_bind_int64(s, 42, r->service_tier); else db_bind_null(s, 42);
    explanation_bind(s, 43, ex_text ? ex_text : "{}");
    int rc = db_step(s);
    db_done(s);
    free(ex_text);
    return rc == DB_DONE ? 0 : -1;
}

static int score_delete(db *w, int64_t id)
{
    db_stmt *s = db_prepare(w, "DELETE FROM score WHERE party_id = ?");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- background refresh of changed parties ---- */

struct refresh {
    int64_t *ids;
    size_t n;
};

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Reloads one party's rows through the writer connection (it sees the
 * committed state) into the store; returns the number of rows or -1. */
static long reload_party(db *w, int64_t id, const char *currency)
{
    size_t n = 0, cap = 16;
    int32_t *day = malloc(cap * sizeof *day);
    int64_t *amount = malloc(cap * sizeof *amount), *cost = malloc(cap * sizeof *cost);
    long out = -1;
    db_stmt *s = db_prepare(w, "SELECT occurred_at, amount, cost, competitor_id FROM txn WHERE party_id = ? AND currency = ?");
    if (!s || !day || !amount || !cost)
        goto done;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, currency);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int32_t d;
        if (day_of(db_column_text(s, 0), &d))
            continue;
        if (n == cap) {
            cap *= 2;
            int32_t *d2 = realloc(day, cap * sizeof *d2);
            if (d2) day = d2;
            int64_t *a2 = realloc(amount, cap * sizeof *a2);
            if (a2) amount = a2;
            int64_t *c2 = realloc(cost, cap * sizeof *c2);
            if (c2) cost = c2;
            if (!d2 || !a2 || !c2) { rc = DB_ERROR; break; }
        }
        day[n] = d;
        amount[n] = db_column_int64(s, 1);
        cost[n] = row_cost(s, 2, 3);
        n++;
    }
    db_done(s);
    if (rc != DB_DONE)
        goto done;
    pthread_mutex_lock(&g.mu);
    int r = an_store_replace(&g.store, id, n, day, amount, cost);
    pthread_mutex_unlock(&g.mu);
    if (r == 0)
        out = (long)n;
done:
    free(day);
    free(amount);
    free(cost);
    return out;
}

static int job_refresh(db *w, void *arg)
{
    struct refresh *rf = arg;
    char now[21];
    now_text(now);
    pthread_mutex_lock(&g.mu);
    sc_config cfg = g.cfg;
    sc_state st = g.st;
    bool have = g.have_state;
    char currency[8];
    snprintf(currency, sizeof currency, "%s", g.store_currency);
    pthread_mutex_unlock(&g.mu);
    st.today = today_day();
    for (size_t i = 0; i < rf->n; i++) {
        int64_t id = rf->ids[i];
        if (i > 0 && id == rf->ids[i - 1])
            continue;
        long rows = reload_party(w, id, currency);
        if (rows < 0)
            return 1;
        if (!have)
            continue;
        sc_facts f;
        int gone = crm_one(w, id, &f);
        if (gone < 0)
            return 1;
        if (gone || rows == 0) {
            if (score_delete(w, id))
                return 1;
            continue;
        }
        pthread_mutex_lock(&g.mu);
        int64_t p = an_store_party(&g.store, id, 0);
        an_rows r = an_store_rows(&g.store, (size_t)p);
        sc_facts_rows(&r, st.today, &cfg, &f);
        pthread_mutex_unlock(&g.mu);
        sc_result res;
        sc_score_one(&cfg, &st, &f, &res);
        if (score_store(w, 0, now, &cfg, &st, id, &f, &res))
            return 1;
    }
    return 0;
}

static void *refresh_main(void *arg)
{
    pthread_mutex_lock(&g.mu);
    for (;;) {
        while ((g.npending == 0 || g.running) && !g.stopping)
            pthread_cond_wait(&g.work, &g.mu);
        if (g.npending == 0 && g.stopping)
            break;
        g.busy = true;
        pthread_mutex_unlock(&g.mu);
        usleep(AN_REFRESH_DELAY_US);
        pthread_mutex_lock(&g.mu);
        struct refresh rf = {g.pending, g.npending};
        g.pending = NULL;
        g.npending = g.cap = 0;
        pthread_mutex_unlock(&g.mu);
        qsort(rf.ids, rf.n, sizeof *rf.ids, cmp_id);
        int rc = db_write(job_refresh, &rf);
        if (rc)
            log_warn("analytics: refreshing %zu parties failed (%d); the next run recomputes them", rf.n, rc);
        free(rf.ids);
        pthread_mutex_lock(&g.mu);
        g.busy = false;
        pthread_cond_broadcast(&g.idle);
    }
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

void an_touch_party(int64_t party_id)
{
    pthread_mutex_lock(&g.mu);
    if (g.thread_on && !g.stopping) {
        if (g.npending == g.cap) {
            size_t cap = g.cap ? 2 * g.cap : 64;
            int64_t *p = realloc(g.pending, cap * sizeof *p);
            if (p) {
                g.pending = p;
                g.cap = cap;
            }
        }
        if (g.npending < g.cap)
            g.pending[g.npending++] = party_id;
        pthread_cond_signal(&g.work);
    }
    pthread_mutex_unlock(&g.mu);
}

void an_flush(void)
{
    pthread_mutex_lock(&g.mu);
    while (g.thread_on && (g.npending || g.busy) && !g.running)
        pthread_cond_wait(&g.idle, &g.mu);
    pthread_mutex_unlock(&g.mu);
}

/* ---- start / stop ---- */

int an_service_start(bool background)
{
    /* The cold load reads every transaction: from the read replica when
     * there is one and it has replayed every commit made before now (the
     * store then follows the feed from the primary's newest event, as it
     * does after a load from the primary). */
    bool replica = db_reader_replica_synced(AN_REPLICA_WAIT_MS);
    db *c = db_reader();
    if (!c)
        return -1;
    setting_vals vals;
    settings_load(c, vals);
    config_from(vals, &g.cfg, g.currency);
    int rc = store_load(c, g.currency);
    if (rc && replica) {
        /* a standby may cancel a long read that conflicts with its replay
         * (max_standby_streaming_delay): the primary loads it then */
        log_warn("analytics: loading from the read replica failed (%s); loading from the primary", db_errmsg(c));
        db_reader_replica(false);
        replica = false;
        c = db_reader();
        rc = c ? store_load(c, g.currency) : -1;
    }
    if (rc) {
        log_error("analytics: cannot load the transactions: %s", db_errmsg(c));
        return -1;
    }
    state_load(c);
    if (replica) {
        db_reader_replica(false);
        log_info("analytics: the transactions were loaded from the read replica");
    }
    g.started = true;
    if (background) {
        log_info("analytics: %zu transactions of %zu parties loaded in %.3f s (%zu bytes of rows, %zu of index)",
                 an_store_count(&g.store), g.store.nparties, g.load_seconds, an_store_row_bytes(&g.store),
                 an_store_party_bytes(&g.store));
        g.stopping = false;
        if (pthread_create(&g.thread, NULL, refresh_main, NULL) != 0)
            return -1;
        g.thread_on = true;
    }
    return 0;
}

void an_service_stop(void)
{
    if (g.thread_on) {
        pthread_mutex_lock(&g.mu);
        g.stopping = true;
        pthread_cond_broadcast(&g.work);
        pthread_mutex_unlock(&g.mu);
        pthread_join(g.thread, NULL);
        g.thread_on = false;
    }
    free(g.pending);
    g.pending = NULL;
    g.npending = g.cap = 0;
    an_store_free(&g.store);
    g.started = false;
    g.have_state = false;
}

json_t *an_store_info(void)
{
    pthread_mutex_lock(&g.mu);
    size_t n = an_store_count(&g.store);
    json_t *o = json_pack("{s:I, s:I, s:f, s:I, s:I, s:s}", "transactions", (json_int_t)n, "parties",
                          (json_int_t)g.store.nparties, "load_seconds", g.load_seconds, "bytes_per_transaction",
                          (json_int_t)AN_STORE_ROW_BYTES, "memory_bytes",
                          (json_int_t)(an_store_row_bytes(&g.store) + an_store_party_bytes(&g.store)), "currency",
                          g.store_currency);
    pthread_mutex_unlock(&g.mu);
    return o;
}

/* ---- runs ---- */

struct write_chunk {
    int64_t run_id;
    const char *now;
    const sc_config *c;
    const sc_state *st;
    const sc_facts *facts;
    const sc_result *res;
    const unsigned char *dead;
    size_t lo, hi;
};

static int job_write_chunk(db *w, void *arg)
{
    struct write_chunk *k = arg;
    for (size_t p = k->lo; p < k->hi; p++) {
        int64_t id = an_store_party_id(&g.store, p);
        int rc = k->dead[p] || k->facts[p].transactions + (k->facts[p].competitor_amount != 0) == 0
                     ? score_delete(w, id)
                     : score_store(w, k->run_id, k->now, k->c, k->st, id, &k->facts[p], &k->res[p]);
        if (rc)
            return 1;
    }
    return 0;
}

struct run_row {
    int64_t id;
    const char *now;
    json_t *state, *result;
    const char *status;
    long parties, transactions;
};

static int job_run_begin(db *w, void *arg)
{
    struct run_row *r = arg;
    db_stmt *s = db_prepare(w, "INSERT INTO analytics_run(started_at, status) VALUES (?, 'running')");
    if (!s)
        return 1;
    db_bind_text(s, 1, r->now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE)
        return 1;
    r->id = db_last_insert_id(w);
    return 0;
}

static int job_run_end(db *w, void *arg)
{
    struct run_row *r = arg;
    /* Parties deleted since: their scores go. */
    if (db_exec(w, "DELETE FROM score WHERE party_id IN (SELECT id FROM party WHERE deleted_at IS NOT NULL)"))
        return 1;
    db_stmt *s = db_prepare(w, "UPDATE analytics_run SET finished_at = ?, status = ?, parties = ?, transactions = ?,"
                               " state = ?, result = ? WHERE id = ?");
    if (!s)
        return 1;
    char now[21];
    now_text(now);
    char *st = r->state ? json_dumps(r->state, JSON_COMPACT) : NULL;
    char *res = r->result ? json_dumps(r->result, JSON_COMPACT) : NULL;
    db_bind_text(s, 1, now);
    db_bind_text(s, 2, r->status);
    db_bind_int64(s, 3, r->parties);
    db_bind_int64(s, 4, r->transactions);
    db_bind_text(s, 5, st);
    db_bind_text(s, 6, res);
    db_bind_int64(s, 7, r->id);
    int rc = db_step(s);
    db_done(s);
    free(st);
    free(res);
    return rc == DB_DONE ? 0 : 1;
}

int an_run(an_progress_fn progress, void *pctx, json_t **result, char *err, size_t errlen)
{
    *result = NULL;
    pthread_mutex_lock(&g.mu);
    if (g.running) {
        pthread_mutex_unlock(&g.mu);
        snprintf(err, errlen, "a run is in progress");
        return 1;
    }
    g.running = true;
    while (g.busy)
        pthread_cond_wait(&g.idle, &g.mu);
    pthread_mutex_unlock(&g.mu);

    int ret = -1;
    sc_facts *facts = NULL;
    sc_result *res = NULL;
    unsigned char *dead = NULL;
    struct run_row row = {0};
    char now[21];
    now_text(now);
    row.now = now;
    db *c = db_reader();
    sc_config cfg;
    char currency[8];
    setting_vals vals;
    settings_load(c, vals);
    config_from(vals, &cfg, currency);
    double t0 = now_seconds(), t_load = 0;
    if (!g.started || strcmp(currency, g.store_currency) != 0) {
        /* a reload in another currency: from the replica as at the start */
        bool replica = db_reader_replica_synced(AN_REPLICA_WAIT_MS);
        pthread_mutex_lock(&g.mu);
        int rc = store_load(db_reader(), currency);
        if (replica) {
            db_reader_replica(false);
            if (rc) /* as at the start: the primary loads it */
                rc = store_load(db_reader(), currency);
        }
        pthread_mutex_unlock(&g.mu);
        if (rc) {
            snprintf(err, errlen, "cannot load the transactions");
            goto done;
        }
        t_load = g.load_seconds;
        g.started = true;
    }
    if (db_write(job_run_begin, &row)) {
        snprintf(err, errlen, "cannot record the run");
        goto done;
    }
    double t1 = now_seconds();
    pthread_mutex_lock(&g.mu);
    int crc = an_store_compact(&g.store);
    pthread_mutex_unlock(&g.mu);
    size_t n = g.store.nparties;
    facts = malloc((n ? n : 1) * sizeof *facts);
    res = malloc((n ? n : 1) * sizeof *res);
    dead = calloc(n ? n : 1, 1);
    if (crc || !facts || !res || !dead) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    sc_state st;
    memset(&st, 0, sizeof st);
    st.today = today_day();
    if (progress) progress(pctx, "summaries", 0, 1);
    sc_facts_store(&g.store, st.today, &cfg, facts);
    double t2 = now_seconds();
    if (crm_all(c, facts, dead)) {
        snprintf(err, errlen, "cannot read interactions: %s", db_errmsg(c));
        goto done;
    }
    for (size_t p = 0; p < n; p++)
        if (dead[p]) {
            memset(&facts[p], 0, sizeof facts[p]);
            facts[p].first_day = facts[p].last_day = INT32_MIN;
            sc_facts_crm_clear(&facts[p]);
        }
    double t3 = now_seconds();
    if (progress) progress(pctx, "fit", 0, 1);
    if (sc_fit(&cfg, n, facts, &st) != AN_OK) {
        snprintf(err, errlen, "out of memory in the model fit");
        goto done;
    }
    double t4 = now_seconds();
    if (progress) progress(pctx, "scores", 0, 1);
    if (sc_segments(&cfg, n, facts, &st, res) != AN_OK || sc_values(&cfg, n, facts, &st, res) != AN_OK) {
        snprintf(err, errlen, "out of memory computing the scores");
        goto done;
    }
    double t5 = now_seconds();
    json_t *validation = NULL;
    int holdout = (int)num(vals, "holdout_weeks");
    if (holdout > 0) {
        if (progress) progress(pctx, "validation", 0, 1);
        pthread_mutex_lock(&g.mu);
        validation = validation_json(&g.store, dead, cfg.amount_scale, cfg.model, holdout, st.today);
        pthread_mutex_unlock(&g.mu);
    }
    double t5v = now_seconds();
    for (size_t lo = 0; lo < n; lo += AN_WRITE_CHUNK) {
        struct write_chunk k = {row.id, now, &cfg, &st, facts, res, dead, lo, lo + AN_WRITE_CHUNK < n ? lo + AN_WRITE_CHUNK : n};
        if (db_write(job_write_chunk, &k)) {
            snprintf(err, errlen, "cannot store the scores");
            goto done;
        }
        if (progress) progress(pctx, "store", (long)k.hi, (long)n);
    }
    if (progress && n == 0) progress(pctx, "store", 0, 0);
    double t6 = now_seconds();
    size_t ntx = 0, scored = 0;
    for (size_t p = 0; p < n; p++) {
        ntx += (size_t)facts[p].transactions;
        scored += !dead[p] && facts[p].transactions + (facts[p].competitor_amount != 0) > 0;
    }
    row.parties = (long)scored;
    row.transactions = (long)ntx;
    row.state = state_json(&st);
    row.result = json_pack("{s:I, s:s, s:I, s:I, s:I, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}}", "run_id",
                           (json_int_t)row.id, "started_at", now, "parties", (json_int_t)scored, "buyers",
                           (json_int_t)st.buyers, "transactions", (json_int_t)ntx, "seconds", "load", t_load,
                           "summaries", t2 - t1, "crm", t3 - t2, "fit", t4 - t3, "scores", t5 - t4, "store", t6 - t5v,
                           "total", now_seconds() - t0);
    json_object_set_new(json_object_get(row.result, "seconds"), "validation", json_real(t5v - t5));
    /* null when holdout_weeks is 0: the answer always has the member. */
    json_object_set_new(row.result, "validation", validation ? validation : json_null());
    validation = NULL;
    row.status = "done";
    if (db_write(job_run_end, &row)) {
        snprintf(err, errlen, "cannot record the run");
        goto done;
    }
    json_object_set(row.result, "model", row.state);
    *result = json_incref(row.result);
    pthread_mutex_lock(&g.mu);
    g.cfg = cfg;
    snprintf(g.currency, sizeof g.currency, "%s", currency);
    g.st = st;
    g.have_state = true;
    pthread_mutex_unlock(&g.mu);
    ret = 0;
done:
    if (ret && row.id) {
        row.status = "failed";
        row.result = json_pack("{s:s}", "error", err);
        db_write(job_run_end, &row);
    }
    json_decref(row.state);
    json_decref(row.result);
    free(facts);
    free(res);
    free(dead);
    pthread_mutex_lock(&g.mu);
    g.running = false;
    pthread_cond_broadcast(&g.work);
    pthread_cond_broadcast(&g.idle);
    pthread_mutex_unlock(&g.mu);
    return ret;
}

/* ---- answers ---- */

static json_t *col_json(db_stmt *s, int i)
{
    switch (db_column_type(s, i)) {
    case DB_INTEGER: return json_integer(db_column_int64(s, i));
    case DB_FLOAT: return json_real(db_column_double(s, i));
    case DB_TEXT: return json_string(db_column_text(s, i));
    default: return json_null();
    }
}

/* The structured explanation of key for the answer: {key, message,
 * params} with the currency added to every amount, or null for a row
 * stored before messages existed (the text stands alone then). */
static json_t *explain_message(json_t *ex, const char *key, const char *currency)
{
    json_t *m = json_object_get(json_object_get(ex, "messages"), key);
    const char *id = json_string_value(json_object_get(m, "message"));
    if (!id)
        return json_null();
    json_t *params = json_deep_copy(json_object_get(m, "params"));
    if (!json_is_object(params)) {
        json_decref(params);
        params = json_object();
    }
    const char *name;
    json_t *v;
    json_object_foreach(params, name, v) {
        if (json_is_object(v) && json_object_get(v, "amount"))
            json_object_set_new(v, "currency", json_string(currency));
    }
    return json_pack("{s:s, s:s, s:o}", "key", key, "message", id, "params", params);
}

/* Sets explanation (the English text) and explanation_message of o. */
static void explain_set(json_t *o, json_t *ex, const char *key, const char *currency)
{
    json_t *e = json_object_get(ex, key);
    json_object_set_new(o, "explanation", json_is_string(e) ? json_incref(e) : json_null());
    json_object_set_new(o, "explanation_message", explain_message(ex, key, currency));
}

static json_t *label(db_stmt *s, int col, json_t *ex, const char *key, const char *currency)
{
    json_t *o = json_pack("{s:o}", "label", col_json(s, col));
    explain_set(o, ex, key, currency);
    return o;
}

double an_p_alive_after_purchase(int64_t repeat_purchases)
{
    pthread_mutex_lock(&g.mu);
    bool fitted = g.have_state && g.st.fitted;
    bool pnbd = g.st.model == SC_MODEL_PNBD;
    bgnbd_params bg = g.st.bg;
    pthread_mutex_unlock(&g.mu);
    if (!fitted || repeat_purchases < 0) return -1;
    if (pnbd) return 1.0;
    /* t_x = T: the moment of the last purchase */
    double p = bgnbd_p_alive(&bg, (double)repeat_purchases, 1.0, 1.0);
    return isfinite(p) ? p : -1;
}

json_t *an_party_scores(db *c, int64_t id)
{
    db_stmt *s = db_prepare(
        c, "SELECT computed_at, run_id, first_purchase, last_purchase, transactions, repeat_purchases, recency_days,"
           " tenure_days, revenue, cost, profit, cost_to_serve, net_profit, mean_spend, competitor_amount,"
           " competitor_share, r, f, m, rfm_segment, tier, p_alive, expected_purchases, expected_spend,"
           " clv_historical, clv_current, clv_potential, clv, value_quadrant, value_strategy, future_matrix,"
           " profit_matrix, lifecycle, lifecycle_since, loyalty, attitude, behaviour, strategy, priority,"
           " prospect_score, service_tier, explanation FROM score WHERE party_id = ?");
    if (!s)
        return NULL;
    db_bind_int64(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_done(s);
        return NULL;
    }
    json_t *ex = explanation_load(s, 41);
    pthread_mutex_lock(&g.mu);
    sc_config cfg = g.cfg;
    char currency[8];
    snprintf(currency, sizeof currency, "%s", g.currency);
    pthread_mutex_unlock(&g.mu);
    json_t *o = json_object();
    json_object_set_new(o, "party_id", json_integer(id));
    json_object_set_new(o, "computed_at", col_json(s, 0));
    json_object_set_new(o, "run_id", col_json(s, 1));
    json_object_set_new(o, "currency", json_string(currency));
    static const char *const sum_keys[] = {"first_purchase", "last_purchase", "transactions", "repeat_purchases",
                                           "recency_days", "tenure_days", "revenue", "cost", "profit", "cost_to_serve",
                                           "net_profit", "mean_spend", "competitor_amount", "competitor_share"};
    json_t *sum = json_object();
    for (int i = 0; i < 14; i++)
        json_object_set_new(sum, sum_keys[i], col_json(s, 2 + i));
    explain_set(sum, ex, "summary", currency);
    /* true when a money figure is held at the int64 bound (score_store) */
    json_object_set_new(sum, "saturated", json_boolean(json_is_true(json_object_get(ex, "saturated"))));
    json_object_set_new(o, "summary", sum);
    json_t *rfm = label(s, 19, ex, "rfm", currency);
    json_object_set_new(rfm, "r", col_json(s, 16));
    json_object_set_new(rfm, "f", col_json(s, 17));
    json_object_set_new(rfm, "m", col_json(s, 18));
    json_object_set_new(o, "rfm", rfm);
    json_object_set_new(o, "tier", label(s, 20, ex, "tier", currency));
    json_t *model = json_pack("{s:o, s:o, s:o, s:f}", "p_alive", col_json(s, 21), "expected_purchases",
                              col_json(s, 22), "expected_spend", col_json(s, 23), "horizon_weeks", cfg.expected_weeks);
    explain_set(model, ex, "model", currency);
    json_object_set_new(o, "model", model);
    json_t *clv = json_pack("{s:o, s:o, s:o, s:o}", "historical", col_json(s, 24), "current", col_json(s, 25),
                            "potential", col_json(s, 26), "total", col_json(s, 27));
    explain_set(clv, ex, "clv", currency);
    json_object_set_new(o, "clv", clv);
    json_t *vq = label(s, 28, ex, "value_quadrant", currency);
    json_object_set_new(vq, "strategy", col_json(s, 29));
    json_object_set_new(o, "value_quadrant", vq);
    json_object_set_new(o, "future_matrix", label(s, 30, ex, "future_matrix", currency));
    json_object_set_new(o, "profit_matrix", label(s, 31, ex, "profit_matrix", currency));
    json_t *life = label(s, 32, ex, "lifecycle", currency);
    json_object_set_new(life, "since", col_json(s, 33));
    int64_t since_t;
    if (db_column_text(s, 33) && time_parse(db_column_text(s, 33), &since_t) == 0)
        json_object_set_new(life, "weeks_in_stage", json_real(floor((double)(time_now() - since_t) / 86400.0) / 7.0));
    json_object_set_new(o, "lifecycle", life);
    json_object_set_new(o, "loyalty", label(s, 34, ex, "loyalty", currency));
    json_t *beh = label(s, 36, ex, "behaviour", currency);
    json_object_set_new(beh, "attitude", col_json(s, 35));
    json_object_set_new(o, "behaviour", beh);
    json_t *strat = label(s, 37, ex, "strategy", currency);
    const char *code = db_column_text(s, 37);
    static const char *const codes[] = {"submissive", "caring", "adaptive", "indifferent"};
    for (int k = 0; code && k < 4; k++)
        if (!strcmp(code, codes[k]))
            json_object_set_new(strat, "name_zh", json_string(strategy_name_zh((strategy_t)k)));
    json_object_set_new(o, "strategy", strat);
    json_object_set_new(o, "priority", label(s, 38, ex, "priority", currency));
    json_t *prospect = json_pack("{s:o}", "score", col_json(s, 39));
    explain_set(prospect, ex, "prospect", currency);
    json_object_set_new(o, "prospect_score", prospect);
    json_t *svc = json_pack("{s:o}", "level", col_json(s, 40));
    explain_set(svc, ex, "service_tier", currency);
    if (db_column_type(s, 40) == DB_INTEGER)
        json_object_set_new(svc, "label", json_string(sc_service_tier_name((int)db_column_int64(s, 40))));
    json_object_set_new(o, "service_tier", svc);
    db_done(s);
    json_decref(ex);
    json_t *hist = json_array();
    s = db_prepare(c, "SELECT at, field, old, new FROM score_history WHERE party_id = ? ORDER BY id DESC LIMIT 100");
    if (s) {
        db_bind_int64(s, 1, id);
        while (db_step(s) == DB_ROW)
            json_array_append_new(hist, json_pack("{s:o, s:o, s:o, s:o}", "at", col_json(s, 0), "field",
                                                  col_json(s, 1), "old", col_json(s, 2), "new", col_json(s, 3)));
        db_done(s);
    }
    json_object_set_new(o, "history", hist);
    return o;
}

/* Counts per label among live parties within the caller's scope; the same
 * population as the party list filters (t.deleted_at IS NULL and the read
 * predicate), so counts.tier.gold is what GET /parties?tier=gold counts. */
static const char *const count_cols[] = {"tier", "lifecycle", "rfm_segment", "value_quadrant", "strategy", "priority",
                                         "loyalty", "behaviour", "future_matrix", "profit_matrix", "service_tier"};

/* Prepares "<head> FROM score s JOIN party t ON t.id = s.party_id WHERE
 * t.deleted_at IS NULL[ AND <pred>]<tail>" and binds the scope's values.
 * head, tail and pred are constant texts (pred from authz), so no value is
 * ever part of the SQL. Finish it with db_done. */
static db_stmt *prepare_scoped(db *c, const char *head, const char *tail, const an_scope *sc)
{
    strbuf sql;
    sb_init(&sql, 8192);
    sb_puts(&sql, head);
    sb_puts(&sql, " FROM score s JOIN party t ON t.id = s.party_id WHERE t.deleted_at IS NULL");
    if (sc && sc->pred) { sb_puts(&sql, " AND "); sb_puts(&sql, sc->pred); }
    sb_puts(&sql, tail);
    if (sql.failed) { sb_free(&sql); return NULL; }
    /* assembled text: not for db_prepare's cache, which is keyed by the
     * text's address */
    db_stmt *s = db_prepare_once(c, sb_str(&sql));
    sb_free(&sql);
    for (int i = 0; s && sc && sc->pred && i < sc->nbinds; i++)
        db_bind_int64(s, i + 1, sc->binds[i]);
    return s;
}

json_t *an_summary(db *c, const an_scope *scope)
{
    json_t *o = json_object();
    json_t *counts = json_object();
    for (size_t k = 0; k < sizeof count_cols / sizeof count_cols[0]; k++) {
        char head[96], tail[96];
        const char *column = count_cols[k];
        snprintf(head, sizeof head, "SELECT s.%s, COUNT(*)", column);
        snprintf(tail, sizeof tail, " AND s.%s IS NOT NULL GROUP BY 1", column);
        db_stmt *s = prepare_scoped(c, head, tail, scope);
        if (!s) {
            json_decref(o);
            json_decref(counts);
            return NULL;
        }
        json_t *m = json_object();
        while (db_step(s) == DB_ROW) {
            char key[64];
            if (db_column_type(s, 0) == DB_INTEGER)
                snprintf(key, sizeof key, "%s", sc_service_tier_name((int)db_column_int64(s, 0)));
            else
                snprintf(key, sizeof key, "%s", db_column_text(s, 0));
            json_object_set_new(m, key, json_integer(db_column_int64(s, 1)));
        }
        db_done(s);
        json_object_set_new(counts, count_cols[k], m);
    }
    json_object_set_new(o, "counts", counts);
    /* The totals are summed here with checked sums (lib/money.h), not with
     * SQL SUM(), which fails the query with "integer overflow" once the
     * company's total passes int64: a total that does not fit is held at
     * the bound and named in "saturated". */
    enum { T_CLV, T_HIST, T_CUR, T_POT, T_REV, T_NET, T_N };
    static const char *const total_names[T_N] = {"customer_equity.total", "customer_equity.historical",
                                                 "customer_equity.current", "customer_equity.potential", "revenue",
                                                 "net_profit"};
    money_sum tot[T_N] = {MONEY_SUM_INIT, MONEY_SUM_INIT, MONEY_SUM_INIT, MONEY_SUM_INIT, MONEY_SUM_INIT, MONEY_SUM_INIT};
    long parties = 0, buyers = 0, nalive = 0;
    double alive = 0;
    char last[32] = "";
    db_stmt *s = prepare_scoped(c, "SELECT s.clv, s.clv_historical, s.clv_current, s.clv_potential, s.revenue, s.net_profit,"
                                   " s.tier IS NOT NULL, s.p_alive, s.computed_at", "", scope);
    if (!s) {
        json_decref(o);
        return NULL;
    }
    while (db_step(s) == DB_ROW) {
        parties++;
        buyers += db_column_int64(s, 6) != 0;
        for (int k = 0; k < T_N; k++)
            if (db_column_type(s, k) == DB_INTEGER)
                money_sum_add(&tot[k], db_column_int64(s, k));
        if (db_column_type(s, 7) != DB_NULL) {
            alive += db_column_double(s, 7);
            nalive++;
        }
        const char *at = db_column_text(s, 8);
        if (at && strcmp(at, last) > 0)
            snprintf(last, sizeof last, "%s", at);
    }
    db_done(s);
    json_t *saturated = json_array();
    int64_t v[T_N];
    for (int k = 0; k < T_N; k++)
        if (!money_sum_get(&tot[k], &v[k]))
            json_array_append_new(saturated, json_string(total_names[k]));
    json_object_set_new(o, "parties", json_integer(parties));
    json_object_set_new(o, "buyers", json_integer(buyers));
    json_object_set_new(o, "customer_equity", json_pack("{s:I, s:I, s:I, s:I}", "total", (json_int_t)v[T_CLV], "historical",
                                                        (json_int_t)v[T_HIST], "current", (json_int_t)v[T_CUR],
                                                        "potential", (json_int_t)v[T_POT]));
    json_object_set_new(o, "revenue", json_integer(v[T_REV]));
    json_object_set_new(o, "net_profit", json_integer(v[T_NET]));
    json_object_set_new(o, "saturated", saturated);
    json_object_set_new(o, "mean_p_alive", nalive ? json_real(alive / (double)nalive) : json_null());
    json_object_set_new(o, "last_score_update", last[0] ? json_string(last) : json_null());
    pthread_mutex_lock(&g.mu);
    json_object_set_new(o, "currency", json_string(g.currency));
    pthread_mutex_unlock(&g.mu);
    json_object_set_new(o, "computed_at", json_null());
    json_object_set_new(o, "run", json_null());
    s = db_prepare(c, "SELECT id, started_at, finished_at, state, result FROM analytics_run WHERE status = 'done'"
                      " ORDER BY id DESC LIMIT 1");
    if (s && db_step(s) == DB_ROW) {
        json_object_set_new(o, "computed_at", col_json(s, 2));
        json_t *st = db_column_text(s, 3) ? json_loads(db_column_text(s, 3), 0, NULL) : NULL;
        json_t *rs = db_column_text(s, 4) ? json_loads(db_column_text(s, 4), 0, NULL) : NULL;
        if (rs)
            json_object_del(rs, "model");
        json_object_set_new(o, "run", json_pack("{s:o, s:o, s:o, s:o}", "id", col_json(s, 0), "started_at",
                                                col_json(s, 1), "finished_at", col_json(s, 2), "result",
                                                rs ? rs : json_null()));
        json_object_set_new(o, "model", st ? st : json_null());
    }
    db_done(s);
    json_object_set_new(o, "store", an_store_info());
    return o;
}
