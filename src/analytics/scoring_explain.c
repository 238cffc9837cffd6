/*
 * scoring_explain.c — the explanations of one party's labels (sc_explain,
 * see scoring.h; message ids in docs/ANALYTICS.md, "Explanations"): one
 * builder per reason, each emitting one structured explanation with its
 * English text, run in order from a table that says which parties each
 * applies to.
 */
#include "analytics/scoring.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/money.h"

static const char *day_text(int32_t day, char out[16])
{
    /* civil_from_days (Hinnant) */
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, 16, "%04d-%02u-%02u", (int)y % 10000, m % 100, d % 100);
    return out;
}

/* Builders of a structured explanation (sc_explanation): ex_begin names
 * the message, ex_* add its arguments in the order of the English text. */
static void ex_begin(sc_explanation *e, const char *key, const char *message)
{
    e->key = key;
    e->message = message;
    e->text = NULL;
    e->nargs = 0;
}

static sc_arg *ex_arg(sc_explanation *e, const char *name, sc_arg_kind kind)
{
    assert(e->nargs < SC_MAX_ARGS);
    sc_arg *a = &e->args[e->nargs < SC_MAX_ARGS ? e->nargs++ : SC_MAX_ARGS - 1];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->kind = kind;
    return a;
}

static void ex_int(sc_explanation *e, const char *name, int64_t v) { ex_arg(e, name, SC_ARG_INT)->i = v; }
static void ex_date(sc_explanation *e, const char *name, int32_t day) { ex_arg(e, name, SC_ARG_DATE)->i = day; }
static void ex_text(sc_explanation *e, const char *name, const char *v) { ex_arg(e, name, SC_ARG_TEXT)->s = v; }

/* Rounded to `digits` decimals as the English text shows it; NAN stays. */
static void ex_real(sc_explanation *e, const char *name, double v, int digits)
{
    double p = pow(10, digits);
    ex_arg(e, name, SC_ARG_REAL)->d = isfinite(v) ? round(v * p) / p : NAN;
}

/* Money from a double of minor units (model values, cut-offs). */
static void ex_money(sc_explanation *e, const char *name, double minor)
{
    ex_arg(e, name, SC_ARG_MONEY)->i = isfinite(minor) ? money_from_double(minor, NULL) : 0;
}

static void ex_label(sc_explanation *e, const char *name, const char *vocab, const char *value)
{
    sc_arg *a = ex_arg(e, name, SC_ARG_LABEL);
    a->vocab = vocab;
    a->s = value;
}

static void ex_emit(sc_explanation *e, const char *text, void (*emit)(void *, const sc_explanation *), void *ctx)
{
    e->text = text;
    emit(ctx, e);
}

/* The model_boundary label of a purchase-model fit: which pairs of its
 * parameters ran to infinity (an_fit_info.at_boundary: bits 0, 1 are r,
 * alpha; bits 2, 3 are a, b or s, beta). */
static const char *model_boundary_label(int model, unsigned bits)
{
    int rate = (bits & 3u) != 0, drop = (bits & 12u) != 0;
    if (model == SC_MODEL_PNBD)
        return rate && drop ? "purchase_rate_dropout_rate" : rate ? "purchase_rate" : drop ? "dropout_rate" : "none";
    return rate && drop ? "purchase_rate_dropout_probability" : rate ? "purchase_rate" : drop ? "dropout_probability" : "none";
}

/* The English clause of a model_boundary label, "" for none (the same
 * words as web/js/i18n/en.js enum.model_boundary.*). */
static void model_boundary_text(const char *label, char *out, size_t n)
{
    const char *rate = strstr(label, "purchase_rate") ? "r, alpha" : NULL;
    const char *drop = strstr(label, "dropout_probability") ? "a, b" : strstr(label, "dropout_rate") ? "s, beta" : NULL;
    const char *what = strstr(label, "dropout_probability") ? "drop-out probability" : "drop-out rate";
    if (rate && drop)
        snprintf(out, n, "; %s and %s at the boundary: every customer has the same purchase rate and the same %s",
                 rate, drop, what);
    else if (rate)
        snprintf(out, n, "; %s at the boundary: every customer has the same purchase rate", rate);
    else if (drop)
        snprintf(out, n, "; %s at the boundary: every customer has the same %s", drop, what);
    else
        snprintf(out, n, "%s", "");
}

typedef void (*ex_emit_fn)(void *ctx, const sc_explanation *e);

/* ---- buyers and others: what they bought ---- */

static void reason_summary_no_purchase(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                                       ex_emit_fn emit, void *ctx)
{
    char b[1024];
    double sc = c->amount_scale;
    sc_explanation e;
    snprintf(b, sizeof b, "no purchase of our own yet (%d transactions); bought %.2f from competitors",
             (int)f->transactions, (double)f->competitor_amount / sc);
    ex_begin(&e, "summary", "summary.no_purchase");
    ex_int(&e, "transactions", f->transactions);
    ex_money(&e, "competitor_amount", (double)f->competitor_amount);
    ex_emit(&e, b, emit, ctx);
}

static void reason_summary_purchases(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                                     ex_emit_fn emit, void *ctx)
{
    char b[1024];
    double sc = c->amount_scale;
    sc_explanation e;
    char d1[16], d2[16];
    /* in double: the two int64 totals may add up beyond int64 */
    double share = (double)f->competitor_amount + (double)f->revenue > 0
                       ? 100.0 * (double)f->competitor_amount / ((double)f->competitor_amount + (double)f->revenue)
                       : 0;
    snprintf(b, sizeof b,
             "%d transactions on %d purchase days from %s to %s (%d repeat); revenue %.2f, cost %.2f, profit "
             "%.2f, cost to serve %.2f, net profit %.2f; competitors' share %.1f%%",
             (int)f->transactions, (int)f->purchase_days, day_text(f->first_day, d1), day_text(f->last_day, d2),
             (int)r->x, (double)f->revenue / sc, (double)f->cost / sc, (double)sc_profit(f, NULL) / sc,
             (double)f->cost_to_serve / sc, (double)sc_net_profit(f, NULL) / sc, share);
    ex_begin(&e, "summary", "summary.purchases");
    ex_int(&e, "transactions", f->transactions);
    ex_int(&e, "purchase_days", f->purchase_days);
    ex_date(&e, "first_purchase", f->first_day);
    ex_date(&e, "last_purchase", f->last_day);
    ex_int(&e, "repeat", (int64_t)r->x);
    ex_money(&e, "revenue", (double)f->revenue);
    ex_money(&e, "cost", (double)f->cost);
    ex_money(&e, "profit", (double)sc_profit(f, NULL));
    ex_money(&e, "cost_to_serve", (double)f->cost_to_serve);
    ex_money(&e, "net_profit", (double)sc_net_profit(f, NULL));
    ex_real(&e, "competitor_share_pct", share, 1);
    ex_emit(&e, b, emit, ctx);
}

/* ---- buyers: segments, model, values ---- */

static void reason_rfm(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r, ex_emit_fn emit,
                       void *ctx)
{
    char b[1024], t[400];
    double sc = c->amount_scale;
    sc_explanation e;
    rfm_segment seg = rfm_segment_of(r->r, r->f, r->m, t, sizeof t);
    int32_t rec = st->today - f->last_day;
    double mean = (double)f->revenue / (f->purchase_days ? f->purchase_days : 1);
    snprintf(b, sizeof b,
             "last purchase %d days ago: R %u; %d purchase days: F %u; mean spend %.2f: M %u (quintiles of %zu "
             "buyers, 5 = best fifth); %s",
             rec > 0 ? rec : 0, r->r, (int)f->purchase_days, r->f, mean / sc, r->m, st->buyers, t);
    ex_begin(&e, "rfm", "rfm.quintiles");
    ex_int(&e, "recency_days", rec > 0 ? rec : 0);
    ex_int(&e, "r", r->r);
    ex_int(&e, "purchase_days", f->purchase_days);
    ex_int(&e, "f", r->f);
    ex_money(&e, "mean_spend", mean);
    ex_int(&e, "m", r->m);
    ex_int(&e, "buyers", (int64_t)st->buyers);
    ex_label(&e, "segment", "rfm", rfm_segment_name(seg));
    ex_emit(&e, b, emit, ctx);
}

static void reason_tier(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r, ex_emit_fn emit,
                        void *ctx)
{
    char b[1024], t[400];
    double sc = c->amount_scale;
    sc_explanation e;
    tier_cuts cu = {st->tier.platinum_min / sc, st->tier.gold_min / sc};
    tier_t tier = tier_of((double)sc_net_profit(f, NULL) / sc, &cu, t, sizeof t);
    int by_customers = c->tier.basis == TIER_BASIS_CUSTOMERS;
    snprintf(b, sizeof b, "net profit (revenue - cost - cost to serve) %s; %s of %s", t,
             by_customers ? "shares" : "profit shares", by_customers ? "customers" : "total profit");
    ex_begin(&e, "tier", by_customers ? "tier.customers" : "tier.profit");
    ex_money(&e, "net_profit", (double)sc_net_profit(f, NULL));
    ex_money(&e, "platinum_min", st->tier.platinum_min);
    ex_money(&e, "gold_min", st->tier.gold_min);
    ex_label(&e, "tier", "tier", tier_name(tier));
    ex_emit(&e, b, emit, ctx);
}

static void reason_model(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r, ex_emit_fn emit,
                         void *ctx)
{
    char b[1024], mp[240];
    double sc = c->amount_scale;
    sc_explanation e;
    if (st->fitted) {
        if (st->model == SC_MODEL_PNBD)
            snprintf(mp, sizeof mp, "r %.4g, alpha %.4g, s %.4g, beta %.4g", st->pn.r, st->pn.alpha, st->pn.s,
                     st->pn.beta);
        else
            snprintf(mp, sizeof mp, "r %.4g, alpha %.4g, a %.4g, b %.4g", st->bg.r, st->bg.alpha, st->bg.a,
                     st->bg.b);
        /* A fit at the boundary (issue 16) says so where its numbers are
         * quoted: a, b (s, beta) "at infinity" is a finding about the
         * customers, not a failure. The clause is a label of its own
         * (vocabularies model_boundary, spend_boundary) so that the UI
         * says it in the user's language; params keeps only numbers. */
        const char *bnd = model_boundary_label(st->model, st->fit.at_boundary);
        const char *sbnd = st->gg_fitted && st->gg_fit.at_boundary ? "spend_rate" : "none";
        char mb[200];
        model_boundary_text(bnd, mb, sizeof mb);
        const char *name = st->model == SC_MODEL_PNBD ? "Pareto/NBD" : "BG/NBD";
        snprintf(b, sizeof b,
                 "%s %s%s with x %.0f repeat purchases, t_x %.2f, T %.2f weeks: P(alive) %.3f, %.2f expected "
                 "purchases in %.0f weeks; expected spend %.2f per purchase (%s)",
                 name, mp, mb, r->x, r->t_x, r->T, r->p_alive, r->expected, c->expected_weeks, r->spend / sc,
                 st->gg_fitted ? (st->gg_fit.at_boundary ? "Gamma-Gamma with q, gamma at the boundary: the same spend rate for every customer"
                                                         : "Gamma-Gamma")
                               : "own mean spend, no Gamma-Gamma fit");
        ex_begin(&e, "model", st->gg_fitted ? "model.gamma_gamma" : "model.own_spend");
        ex_text(&e, "model", name);
        ex_text(&e, "params", mp);
        ex_label(&e, "boundary", "model_boundary", bnd);
        ex_label(&e, "spend_boundary", "spend_boundary", sbnd);
        ex_real(&e, "repeat", r->x, 0);
        ex_real(&e, "t_x", r->t_x, 2);
        ex_real(&e, "T", r->T, 2);
        ex_real(&e, "p_alive", r->p_alive, 3);
        ex_real(&e, "expected", r->expected, 2);
        ex_real(&e, "weeks", c->expected_weeks, 0);
        ex_money(&e, "spend", r->spend);
    } else {
        snprintf(b, sizeof b, "no purchase model fitted yet (too few buyers): P(alive) and expectations unknown");
        ex_begin(&e, "model", "model.unfitted");
    }
    ex_emit(&e, b, emit, ctx);
}

static void reason_clv(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r, ex_emit_fn emit,
                       void *ctx)
{
    char b[1024];
    double sc = c->amount_scale;
    sc_explanation e;
    snprintf(b, sizeof b,
             "CLV %.2f = historical %.2f (net profit) + current %.2f (next %.0f weeks) + potential %.2f (to week "
             "%.0f); expected purchases x spend %.2f x margin %.2f, discounted %.0f%%/year",
             r->clv.total / sc, r->clv.historical / sc, r->clv.current / sc, c->clv.current_weeks,
             r->clv.potential / sc, c->clv.horizon_weeks, r->spend / sc, c->clv.margin,
             100 * c->clv.annual_discount);
    ex_begin(&e, "clv", "clv.parts");
    ex_money(&e, "total", r->clv.total);
    ex_money(&e, "historical", r->clv.historical);
    ex_money(&e, "current", r->clv.current);
    ex_real(&e, "current_weeks", c->clv.current_weeks, 0);
    ex_money(&e, "potential", r->clv.potential);
    ex_real(&e, "horizon_weeks", c->clv.horizon_weeks, 0);
    ex_money(&e, "spend", r->spend);
    ex_real(&e, "margin", c->clv.margin, 2);
    ex_real(&e, "discount_pct", 100 * c->clv.annual_discount, 0);
    ex_emit(&e, b, emit, ctx);
}

/* ---- buyers: the matrices ---- */

static void reason_value_quadrant(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                                  ex_emit_fn emit, void *ctx)
{
    char b[1024];
    double sc = c->amount_scale;
    sc_explanation e;
    value_quadrant q = clv_quadrant(r->clv.current / sc, r->clv.potential / sc, st->cut_current / sc,
                                    st->cut_potential / sc, b, sizeof b);
    ex_begin(&e, "value_quadrant", "value_quadrant.cuts");
    ex_money(&e, "current", r->clv.current);
    ex_money(&e, "current_cut", st->cut_current);
    ex_money(&e, "potential", r->clv.potential);
    ex_money(&e, "potential_cut", st->cut_potential);
    ex_label(&e, "quadrant", "tier", clv_quadrant_name(q));
    ex_label(&e, "strategy", "value_strategy", clv_quadrant_strategy(q));
    ex_emit(&e, b, emit, ctx);
}

static void reason_future_matrix(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                                 ex_emit_fn emit, void *ctx)
{
    char b[1024];
    double sc = c->amount_scale;
    sc_explanation e;
    future_cell fc = matrix_current_future(r->clv.historical / sc, (r->clv.current + r->clv.potential) / sc,
                                           st->cut_history / sc, st->cut_future / sc, b, sizeof b);
    ex_begin(&e, "future_matrix", "future_matrix.cuts");
    ex_money(&e, "historical", r->clv.historical);
    ex_money(&e, "historical_cut", st->cut_history);
    ex_money(&e, "future", r->clv.current + r->clv.potential);
    ex_money(&e, "future_cut", st->cut_future);
    ex_label(&e, "cell", "future_matrix", matrix_current_future_name(fc));
    ex_emit(&e, b, emit, ctx);
}

static void reason_profit_matrix(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                                 ex_emit_fn emit, void *ctx)
{
    char b[1024];
    double sc = c->amount_scale;
    sc_explanation e;
    profit_cell pc = matrix_profit_cost((double)sc_profit(f, NULL) / sc, (double)f->cost_to_serve / sc,
                                        st->cut_profit / sc, st->cut_cost / sc, b, sizeof b);
    ex_begin(&e, "profit_matrix", "profit_matrix.cuts");
    ex_money(&e, "profit", (double)sc_profit(f, NULL));
    ex_money(&e, "profit_cut", st->cut_profit);
    ex_money(&e, "cost_to_serve", (double)f->cost_to_serve);
    ex_money(&e, "cost_cut", st->cut_cost);
    ex_label(&e, "cell", "profit_matrix", matrix_profit_cost_name(pc));
    ex_emit(&e, b, emit, ctx);
}

/* ---- buyers: lifecycle, strategy, priority ---- */

static void reason_lifecycle(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                             ex_emit_fn emit, void *ctx)
{
    char b[1024], t[400];
    sc_explanation e;
    lifecycle_input in = sc_lifecycle_input(c, f, r);
    lifecycle_stage stage = lifecycle_of(&in, &c->life, t, sizeof t);
    snprintf(b, sizeof b, "%d purchase days in the last %.0f weeks, %d in the %.0f weeks before; %s",
             (int)f->recent_days, c->window_weeks, (int)f->prior_days, c->window_weeks, t);
    /* The same three cases as lifecycle_of (segments.c). */
    if (in.p_alive < c->life.decline_p_alive) {
        ex_begin(&e, "lifecycle", "lifecycle.inactive");
    } else if (in.tenure_weeks < c->life.exploration_weeks || in.repeat < 1) {
        ex_begin(&e, "lifecycle", "lifecycle.young");
    } else {
        ex_begin(&e, "lifecycle", "lifecycle.trend");
    }
    ex_int(&e, "recent_days", f->recent_days);
    ex_int(&e, "prior_days", f->prior_days);
    ex_real(&e, "window_weeks", c->window_weeks, 0);
    ex_real(&e, "p_alive", r->p_alive, 3);
    ex_real(&e, "decline_p_alive", c->life.decline_p_alive, 2);
    ex_real(&e, "tenure_weeks", r->T, 1);
    ex_real(&e, "exploration_weeks", c->life.exploration_weeks, 0);
    ex_real(&e, "repeat", r->x, 0);
    if (!strcmp(e.message, "lifecycle.trend")) {
        double rr = in.recent_weeks > 0 ? in.recent_count / in.recent_weeks : 0;
        double rp = in.prior_weeks > 0 ? in.prior_count / in.prior_weeks : 0;
        double top = rr > rp ? rr : rp;
        ex_real(&e, "rate_recent", rr, 3);
        ex_real(&e, "rate_prior", rp, 3);
        ex_real(&e, "trend", in.prior_weeks <= 0 ? 1.0 : (top > 0 ? (rr - rp) / top : 0.0), 2);
        ex_real(&e, "growth", c->life.growth, 2);
        ex_real(&e, "drop", c->life.drop, 2);
    }
    ex_label(&e, "stage", "lifecycle", lifecycle_name(stage));
    ex_emit(&e, b, emit, ctx);
}

static void reason_strategy(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                            ex_emit_fn emit, void *ctx)
{
    char b[1024];
    sc_explanation e;
    strategy_t strat = strategy_of(r->tier, b, sizeof b);
    ex_begin(&e, "strategy", "strategy.of_tier");
    ex_label(&e, "tier", "tier", tier_name(r->tier));
    ex_label(&e, "strategy", "strategy", strategy_code(strat));
    ex_emit(&e, b, emit, ctx);
}

static void reason_priority(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                            ex_emit_fn emit, void *ctx)
{
    char b[1024], t[400];
    double sc = c->amount_scale;
    sc_explanation e;
    ka_priority pr = ka_priority_of((double)f->recent_revenue / sc, r->clv.potential / sc, st->cut_revenue / sc,
                                    st->cut_ka_potential / sc, t, sizeof t);
    snprintf(b, sizeof b, "revenue of the last %.0f weeks and potential value against their %.0f%% quantiles: %s",
             c->clv.current_weeks, 100 * c->ka_quantile, t);
    ex_begin(&e, "priority", "priority.cuts");
    ex_real(&e, "weeks", c->clv.current_weeks, 0);
    ex_real(&e, "quantile_pct", 100 * c->ka_quantile, 0);
    ex_money(&e, "revenue", (double)f->recent_revenue);
    ex_money(&e, "revenue_cut", st->cut_revenue);
    ex_money(&e, "potential", r->clv.potential);
    ex_money(&e, "potential_cut", st->cut_ka_potential);
    ex_text(&e, "priority", ka_priority_name(pr));
    ex_emit(&e, b, emit, ctx);
}

/* ---- every party: loyalty, behaviour, service tier, prospect ---- */

static void reason_loyalty(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                           ex_emit_fn emit, void *ctx)
{
    char b[1024];
    sc_explanation e;
    loyalty_class lc = loyalty_of(f->purchase_days, r->T, r->x, r->p_alive, &c->loyalty, b, sizeof b);
    ex_begin(&e, "loyalty", lc == LOYALTY_POTENTIAL ? "loyalty.no_purchase" : "loyalty.class");
    if (lc != LOYALTY_POTENTIAL) {
        ex_int(&e, "purchase_days", f->purchase_days);
        ex_real(&e, "tenure_weeks", r->T, 1);
        ex_real(&e, "new_weeks", c->loyalty.new_weeks, 0);
        ex_real(&e, "repeat", r->x, 0);
        ex_real(&e, "loyal_repeat", c->loyalty.loyal_repeat, 0);
        ex_real(&e, "p_alive", r->p_alive, 3);
        ex_real(&e, "loyal_p_alive", c->loyalty.loyal_p_alive, 2);
    }
    ex_label(&e, "loyalty", "loyalty_class", loyalty_name(lc));
    ex_emit(&e, b, emit, ctx);
}

static void reason_behaviour(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                             ex_emit_fn emit, void *ctx)
{
    char b[1024];
    sc_explanation e;
    if (r->attitude < 0) {
        snprintf(b, sizeof b, "attitude unknown: no satisfaction or NPS answer (custom fields satisfaction / nps, or "
                              "a recognised interaction response)");
        ex_begin(&e, "behaviour", "behaviour.unknown");
    } else {
        behaviour_quadrant bq = loyalty_behaviour(f->satisfaction, f->nps, r->x, c->behaviour_repeat, b, sizeof b);
        ex_begin(&e, "behaviour", r->attitude ? "behaviour.high_attitude" : "behaviour.low_attitude");
        ex_real(&e, "satisfaction", f->satisfaction >= 0 ? f->satisfaction : NAN, 1);
        ex_real(&e, "nps", f->nps >= 0 ? f->nps : NAN, 0);
        ex_real(&e, "repeat", r->x, 0);
        ex_real(&e, "repeat_cut", c->behaviour_repeat, 0);
        ex_label(&e, "behaviour", "behaviour", loyalty_behaviour_name(bq));
    }
    ex_emit(&e, b, emit, ctx);
}

/* Only for a party with assets on record. */
static void reason_service_tier(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                                ex_emit_fn emit, void *ctx)
{
    if (f->assets < 0)
        return;
    char b[1024], t[400];
    double sc = c->amount_scale;
    sc_explanation e;
    double thr[SC_MAX_SERVICE];
    for (size_t k = 0; k < c->nservice; k++)
        thr[k] = c->service[k] / sc;
    int level = service_tier_of(f->assets / sc, thr, c->nservice, t, sizeof t);
    snprintf(b, sizeof b, "%s: %s", t, sc_service_tier_name(r->service_tier));
    ex_begin(&e, "service_tier", level > 0 ? "service_tier.above" : "service_tier.below");
    ex_money(&e, "assets", f->assets);
    ex_money(&e, "threshold", level > 0 ? c->service[level - 1] : c->nservice ? c->service[0] : 0);
    ex_int(&e, "level", level);
    ex_label(&e, "service_tier", "service_tier", sc_service_tier_name(level));
    ex_emit(&e, b, emit, ctx);
}

/* Only for a party with a prospect worksheet. */
static void reason_prospect(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                            ex_emit_fn emit, void *ctx)
{
    if (f->prospect < 0)
        return;
    char b[1024];
    sc_explanation e;
    snprintf(b, sizeof b, "prospect worksheet: %d of 7 criteria met", f->prospect);
    ex_begin(&e, "prospect", "prospect.worksheet");
    ex_int(&e, "score", f->prospect);
    ex_emit(&e, b, emit, ctx);
}

/* The reasons in the order they are emitted (scoring.h lists the keys),
 * each with the parties it explains. */
enum ex_who { EX_ALL, EX_BUYERS, EX_NON_BUYERS };
static const struct {
    void (*build)(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r, ex_emit_fn emit,
                  void *ctx);
    enum ex_who who;
} reasons[] = {
    {reason_summary_no_purchase, EX_NON_BUYERS},
    {reason_summary_purchases, EX_BUYERS},
    {reason_rfm, EX_BUYERS},
    {reason_tier, EX_BUYERS},
    {reason_model, EX_BUYERS},
    {reason_clv, EX_BUYERS},
    {reason_value_quadrant, EX_BUYERS},
    {reason_future_matrix, EX_BUYERS},
    {reason_profit_matrix, EX_BUYERS},
    {reason_lifecycle, EX_BUYERS},
    {reason_strategy, EX_BUYERS},
    {reason_priority, EX_BUYERS},
    {reason_loyalty, EX_ALL},
    {reason_behaviour, EX_ALL},
    {reason_service_tier, EX_ALL},
    {reason_prospect, EX_ALL},
};

void sc_explain(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                void (*emit)(void *ctx, const sc_explanation *e), void *ctx)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].who == EX_ALL || (reasons[i].who == EX_BUYERS) == r->buyer)
            reasons[i].build(c, st, f, r, emit, ctx);
}
