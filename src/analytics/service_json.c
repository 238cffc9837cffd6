/*
 * service_json.c — a run's state (fitted parameters, fit diagnostics,
 * population cuts) as the JSON of analytics_run.state and back, the load
 * of the last finished run's state at start, and the holdout validation of
 * a run as its JSON answer.
 */
#include "analytics/service_int.h"
#include "analytics/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * it could not be computed). Called with svc_g.mu held (reads the store). */
json_t *svc_validation_json(const an_store *store, const unsigned char *dead, double amount_scale, int model,
                            int holdout_weeks, int32_t today)
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
    json_object_set_new(o, "calibration_end", json_string(svc_day_text(cal_end, d1)));
    json_object_set_new(o, "holdout_end", json_string(svc_day_text(today, d2)));
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
    json_object_set_new(o, "first_day", json_string(svc_day_text(v.start_day, d1)));
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

json_t *svc_state_json(const sc_state *st)
{
    json_t *o = json_object();
    char d[11];
    json_object_set_new(o, "as_of", json_string(svc_day_text(st->today, d)));
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

void svc_state_load(db *c)
{
    db_stmt *s = db_prepare(c, "SELECT state FROM analytics_run WHERE status = 'done' AND state IS NOT NULL"
                               " ORDER BY id DESC LIMIT 1");
    if (!s)
        return;
    if (db_step(s) == DB_ROW) {
        json_t *o = json_loads(db_column_text(s, 0), 0, NULL);
        if (o) {
            state_from_json(o, &svc_g.st);
            svc_g.have_state = true;
            json_decref(o);
        }
    }
    db_done(s);
}
