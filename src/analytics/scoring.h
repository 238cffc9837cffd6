/*
 * scoring.h — from a party's transactions to its scores and labels.
 *
 * Owns the per-party facts computed in one pass over the columnar store
 * (sc_facts), the population step of a run (model fits, RFM quintile cuts,
 * pyramid cuts, quantile cuts of the matrices: sc_state) and the labels of
 * one party against a state (sc_result), with explanations. It combines the
 * models of btyd.h / spend.h and the rules of segments.h; the rules and
 * their defaults are documented in docs/ANALYTICS.md ("Scores in the
 * server"). Pure computation: no I/O, reentrant; the batch functions use
 * parfor.
 *
 * Money is int64 minor units everywhere here (amount_scale converts to the
 * major units the Gamma-Gamma model is fitted in). Days are days since
 * 1970-01-01; model times are weeks (days / 7).
 */
#ifndef RAPPORT_ANALYTICS_SCORING_H
#define RAPPORT_ANALYTICS_SCORING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/btyd.h"
#include "analytics/segments.h"
#include "analytics/spend.h"
#include "analytics/store.h"

enum { SC_MODEL_BGNBD = 0, SC_MODEL_PNBD = 1 };
#define SC_MAX_SERVICE 8

typedef struct {
    int model;                /* SC_MODEL_BGNBD or SC_MODEL_PNBD */
    double amount_scale;      /* minor units per major unit: 100 */
    double margin;            /* estimates a missing cost (amount * (1 - margin)) */
    clv_config clv;           /* margin, discount, current / potential horizons */
    double expected_weeks;    /* horizon of "expected purchases": 52 */
    tier_config tier;
    lifecycle_config life;
    double window_weeks;      /* lifecycle trend: recent window and the one before: 26 */
    loyalty_config loyalty;
    double behaviour_repeat;  /* repeat purchases that count as "high repeat": 2 */
    double matrix_quantile;   /* cut of the value quadrant and the matrices: 0.5 (median) */
    double ka_quantile;       /* cut of the key-account priority: 0.8 */
    size_t nservice;          /* asset thresholds, ascending, minor units */
    double service[SC_MAX_SERVICE];
} sc_config;

void sc_config_default(sc_config *c);

/* Facts of one party. The transaction part comes from sc_facts_rows; the
 * CRM part (cost to serve, survey answers, assets, prospect worksheet) is
 * filled by the caller (defaults from sc_facts_crm_clear). */
typedef struct {
    int32_t first_day, last_day;   /* own purchases (amount > 0); INT32_MIN when none */
    int32_t transactions;          /* own rows, refunds included */
    int32_t purchase_days;         /* distinct days with a purchase */
    int32_t recent_days, prior_days; /* purchase days in the recent window / the one before */
    int64_t revenue, cost;         /* own rows; a missing cost is estimated from the margin */
    int64_t repeat_amount;         /* amount on purchase days after the first */
    int64_t recent_revenue;        /* revenue in the last clv.current_weeks */
    int64_t competitor_amount;     /* bought from competitors */
    int64_t cost_to_serve;         /* interactions and cases */
    /* A money total above did not fit in int64 and is held at INT64_MAX or
     * INT64_MIN (lib/money.h): the figure is a bound, not the value.
     * rows_saturated is set by sc_facts_rows, cts_saturated by whoever
     * fills cost_to_serve (cleared by sc_facts_crm_clear). */
    bool rows_saturated, cts_saturated;
    double satisfaction, nps;      /* latest answers; < 0 when unknown */
    double assets;                 /* minor units; < 0 when unknown */
    int prospect;                  /* worksheet score 0..7; < 0 when unknown */
} sc_facts;

void sc_facts_crm_clear(sc_facts *f);
/* profit = revenue - cost and net profit = profit - cost to serve, with
 * checked arithmetic: saturated at the int64 bounds, *saturated (may be
 * NULL) set to true when they had to be. */
int64_t sc_profit(const sc_facts *f, bool *saturated);
int64_t sc_net_profit(const sc_facts *f, bool *saturated);
/* Whether any money figure of f, given or derived, is saturated. */
bool sc_facts_saturated(const sc_facts *f);
/* Transaction facts of one party's rows (sorted by day) as of today. */
void sc_facts_rows(const an_rows *r, int32_t today, const sc_config *c, sc_facts *f);
/* Same for every party of the store (index order); out[s->nparties].
 * Clears the CRM part. Runs on parfor threads. */
void sc_facts_store(const an_store *s, int32_t today, const sc_config *c, sc_facts *out);

typedef struct {
    int32_t today;
    int model;
    int fitted;             /* purchase model fitted (else P(alive) etc. are unknown) */
    int gg_fitted;
    bgnbd_params bg;
    pnbd_params pn;
    gg_params gg;
    an_fit_info fit, gg_fit;
    size_t buyers;
    double rfm_cut[3][4];   /* R, F, M: "goodness" a value must exceed for scores 2, 3, 4, 5 */
    tier_cuts tier;
    double cut_current, cut_potential;      /* value quadrant */
    double cut_history, cut_future;         /* current x future profitability */
    double cut_profit, cut_cost;            /* profitability x cost to serve */
    double cut_revenue, cut_ka_potential;   /* key-account priority */
} sc_state;

typedef struct {
    int buyer;                 /* at least one own purchase */
    double x, t_x, T;          /* weeks */
    double monetary;           /* mean repeat-day value, major units */
    uint8_t r, f, m;
    rfm_segment segment;
    tier_t tier;
    double p_alive, expected;  /* NAN without a fitted model */
    double spend;              /* expected spend per purchase, minor units */
    clv_value clv;             /* minor units */
    value_quadrant quadrant;
    future_cell future;
    profit_cell profit;
    lifecycle_stage lifecycle;
    loyalty_class loyalty;
    int attitude;              /* 1 high, 0 low, -1 unknown */
    int behaviour;             /* behaviour_quadrant, -1 unknown */
    strategy_t strategy;
    ka_priority priority;
    int service_tier;          /* 0..nservice, -1 without assets */
} sc_result;

/* The lifecycle rule's input for a buyer (the labels and the explanation
 * both read it): purchase days in the last window_weeks of the customer's
 * age and in the window before, with the windows cut to that age. */
static inline lifecycle_input sc_lifecycle_input(const sc_config *c, const sc_facts *f, const sc_result *r)
{
    lifecycle_input in = {r->T, r->x, f->recent_days, 0, f->prior_days, 0, r->p_alive};
    in.recent_weeks = r->T < c->window_weeks ? r->T : c->window_weeks;
    double before = r->T - c->window_weeks;
    in.prior_weeks = before <= 0 ? 0 : before < c->window_weeks ? before : c->window_weeks;
    if (in.recent_weeks <= 0)
        in.recent_weeks = 1.0 / 7;
    return in;
}

/* Fits the purchase model of c->model and Gamma-Gamma over the buyers of
 * facts[0..n-1]; st->today must be set. A fit that fails (too few buyers)
 * leaves st->fitted / gg_fitted 0. */
an_rc sc_fit(const sc_config *c, size_t n, const sc_facts *facts, sc_state *st);

/* The fast part of a run: RFM cuts and scores, pyramid cuts and tiers,
 * P(alive) (closed form) and lifecycle stage for all parties; fills those
 * fields of out[n] and the cuts of st. */
an_rc sc_segments(const sc_config *c, size_t n, const sc_facts *facts, sc_state *st, sc_result *out);

/* The rest of a run after sc_segments: expected purchases and spend, CLV,
 * the quantile cuts and every remaining label. */
an_rc sc_values(const sc_config *c, size_t n, const sc_facts *facts, sc_state *st, sc_result *out);

/* Every label of one party against a known state (a new transaction). */
void sc_score_one(const sc_config *c, const sc_state *st, const sc_facts *f, sc_result *out);

/* A parameter of a structured explanation: what a translated message needs
 * to say the same as the English text. Money is minor units of the
 * analytics currency (the caller adds the currency); a label is a value of
 * a vocabulary the UI translates (vocab "tier", value "gold"). */
typedef enum {
    SC_ARG_INT,   /* i */
    SC_ARG_REAL,  /* d, NAN when unknown */
    SC_ARG_MONEY, /* i, minor units */
    SC_ARG_DATE,  /* i, days since 1970-01-01 */
    SC_ARG_LABEL, /* vocab, s */
    SC_ARG_TEXT   /* s, language-neutral (model parameters, priority class) */
} sc_arg_kind;

typedef struct {
    const char *name;
    sc_arg_kind kind;
    int64_t i;
    double d;
    const char *vocab, *s;
} sc_arg;

#define SC_MAX_ARGS 16

/* One explanation: key (summary, rfm, ...), message id ("rfm.quintiles",
 * the catalogue key the UI looks up as "expl.<message>"), its arguments and
 * the English text. Every pointer is valid only during the emit call. */
typedef struct {
    const char *key, *message, *text;
    size_t nargs;
    sc_arg args[SC_MAX_ARGS];
} sc_explanation;

/* Explanations: calls emit(ctx, e) for each label of a party, keys
 * summary, rfm, tier, model, clv, value_quadrant, future_matrix,
 * profit_matrix, lifecycle, strategy, priority (buyers only), loyalty,
 * behaviour, service_tier (with assets), prospect (with a worksheet).
 * Message ids and their arguments are listed in docs/ANALYTICS.md
 * ("Explanations"). */
void sc_explain(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r,
                void (*emit)(void *ctx, const sc_explanation *e), void *ctx);

/* Names of the labels (stable API strings). */
const char *sc_service_tier_name(int tier); /* "standard", "ordinary", "personal_wealth", "vip", "private_banking" */

#endif
