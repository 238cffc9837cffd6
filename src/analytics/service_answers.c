/*
 * service_answers.c — the JSON answers of the analytics API: one party's
 * scores with their explanations and history, the segment counts and
 * totals over a caller's scope, and P(alive) after a purchase.
 */
#include "analytics/service.h"
#include "analytics/service_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/money.h"
#include "lib/strbuf.h"
#include "lib/timeutil.h"

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
    pthread_mutex_lock(&svc_g.mu);
    bool fitted = svc_g.have_state && svc_g.st.fitted;
    bool pnbd = svc_g.st.model == SC_MODEL_PNBD;
    bgnbd_params bg = svc_g.st.bg;
    pthread_mutex_unlock(&svc_g.mu);
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
    json_t *ex = svc_explanation_load(s, 41);
    pthread_mutex_lock(&svc_g.mu);
    sc_config cfg = svc_g.cfg;
    char currency[8];
    snprintf(currency, sizeof currency, "%s", svc_g.currency);
    pthread_mutex_unlock(&svc_g.mu);
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
    /* true when a money figure is held at the int64 bound (svc_score_store) */
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
    pthread_mutex_lock(&svc_g.mu);
    json_object_set_new(o, "currency", json_string(svc_g.currency));
    pthread_mutex_unlock(&svc_g.mu);
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
