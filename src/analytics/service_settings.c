/*
 * service_settings.c — the settings "analytics.*" of table `setting`: their
 * table (key, kind, default, range, doc), validation, the answer and the
 * update of the settings API (an_settings_get / an_settings_put), and the
 * scoring config they give (svc_config_load).
 */
#include "analytics/service.h"
#include "analytics/service_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/setting.h"
#include "db/writer.h"

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

void svc_config_load(db *c, sc_config *cfg, char currency[8], int *holdout_weeks)
{
    setting_vals vals;
    settings_load(c, vals);
    config_from(vals, cfg, currency);
    if (holdout_weeks)
        *holdout_weeks = (int)num(vals, "holdout_weeks");
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
        char key[80];
        snprintf(key, sizeof key, "analytics.%s", p->keys[i]);
        if (setting_put(w, key, p->vals[i]))
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
