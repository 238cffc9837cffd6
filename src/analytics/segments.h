/*
 * segments.h — value segmentation rules of DOMAIN.md D3/D4 (and D11).
 *
 * Owns the labels computed from a customer's numbers: RFM quintile scores
 * and named RFM segments, the customer pyramid by profit, customer
 * lifetime value (historical + current + potential) and the current x
 * potential quadrant, the profitability x cost-to-serve and current x
 * future matrices, lifecycle stage, loyalty class and behaviour quadrant,
 * relationship strategy, key-account priority, the seven-criteria prospect
 * score and asset-based service tiers.
 *
 * Every label function takes plain numbers (or arrays) and a config, and
 * writes a short explanation (the numbers and the rule) into buf when buf
 * is not NULL (truncated to len, always NUL-terminated). The rules and
 * default thresholds are documented in docs/ANALYTICS.md. Pure and
 * reentrant; nothing here allocates except rfm_scores / tier_assign's
 * temporary index.
 */
#ifndef RAPPORT_ANALYTICS_SEGMENTS_H
#define RAPPORT_ANALYTICS_SEGMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/an_result.h"
#include "analytics/btyd.h"
#include "analytics/spend.h"

/* ---- RFM ---- */

/* Quintile scores 1..5 of v[0..n-1]: 5 for the best fifth. higher_is_better
 * = 0 for recency measured as time since the last purchase. Equal values
 * get the same score (that of the first of them in rank order). */
an_rc rfm_quintiles(size_t n, const double *v, int higher_is_better, uint8_t *score);

typedef enum {
    RFM_CHAMPIONS, RFM_LOYAL, RFM_POTENTIAL_LOYALIST, RFM_NEW, RFM_PROMISING, RFM_NEED_ATTENTION,
    RFM_ABOUT_TO_SLEEP, RFM_CANNOT_LOSE, RFM_AT_RISK, RFM_HIBERNATING, RFM_LOST, RFM_SEGMENT_COUNT
} rfm_segment;

/* Named segment from scores r, f, m in 1..5 (first matching rule wins). */
rfm_segment rfm_segment_of(int r, int f, int m, char *buf, size_t len);
const char *rfm_segment_name(rfm_segment s); /* "champions", "at_risk", ... */

/* ---- Customer pyramid by profit ---- */

typedef enum { TIER_PLATINUM, TIER_GOLD, TIER_IRON, TIER_LEAD } tier_t;
typedef enum { TIER_BASIS_CUSTOMERS, TIER_BASIS_PROFIT } tier_basis;
typedef struct {
    tier_basis basis;
    double platinum; /* share of customers (or of total positive profit) at the top */
    double gold;     /* the next share */
} tier_config;
typedef struct {
    double platinum_min, gold_min; /* profit cut-offs that resulted */
} tier_cuts;

void tier_config_default(tier_config *c); /* customers, 0.05, 0.15 */

/* Tiers for all customers; profit <= 0 is always lead. cuts may be NULL. */
an_rc tier_assign(size_t n, const double *profit, const tier_config *c, uint8_t *tier, tier_cuts *cuts);
/* One customer against known cut-offs (e.g. after a new transaction). */
tier_t tier_of(double profit, const tier_cuts *cuts, char *buf, size_t len);
const char *tier_name(tier_t t);

/* ---- Customer lifetime value ---- */

typedef struct {
    double margin;         /* profit share of revenue used for future value, e.g. 0.30 */
    double annual_discount;/* e.g. 0.10 */
    double current_weeks;  /* "current value" horizon, e.g. 52 */
    double horizon_weeks;  /* end of "potential value", e.g. 156 */
    double step_weeks;     /* discounting step, e.g. 13 */
} clv_config;

typedef struct {
    double historical; /* realised profit to date */
    double current;    /* discounted expected profit in (0, current_weeks] */
    double potential;  /* discounted expected profit in (current_weeks, horizon_weeks] */
    double total;
} clv_value;

void clv_config_default(clv_config *c);

/* CLV from the expected cumulative repeat transactions cum[k] at times
 * (k+1) * step_weeks, k = 0..nsteps-1 (nsteps * step_weeks = horizon):
 * each step's increment is valued at spend * margin and discounted from
 * the middle of the step. */
clv_value clv_from_cumulative(const clv_config *c, double historical, double spend, const double *cum,
                              size_t nsteps, char *buf, size_t len);

/* Batch CLV under BG/NBD + Gamma-Gamma for arrays of customers.
 * historical may be NULL (taken as 0). out[n]. */
an_rc clv_batch_bgnbd(const clv_config *c, const bgnbd_params *bg, const gg_params *gg, size_t n,
                      const double *x, const double *t_x, const double *T, const double *monetary,
                      const double *historical, clv_value *out);

/* Current x potential value quadrant (high = at or above the cut). */
typedef enum { VALUE_PLATINUM, VALUE_GOLD, VALUE_IRON, VALUE_LEAD } value_quadrant;
value_quadrant clv_quadrant(double current, double potential, double current_cut, double potential_cut,
                            char *buf, size_t len);
const char *clv_quadrant_name(value_quadrant q);
const char *clv_quadrant_strategy(value_quadrant q); /* pursue, target, maintain, abandon */

/* Median (or any quantile q in [0,1]) of v, for data-driven cut-offs. */
double seg_quantile(size_t n, const double *v, double q);

/* ---- Matrices of D4 ---- */
typedef enum { PROFIT_MOST, PROFIT_PROFITABLE_HIGH_COST, PROFIT_PROFITABLE_LOW, PROFIT_UNPROFITABLE } profit_cell;
profit_cell matrix_profit_cost(double profit, double cost_to_serve, double profit_cut, double cost_cut, char *buf,
                               size_t len);
const char *matrix_profit_cost_name(profit_cell c);
typedef enum { FUTURE_BEST, FUTURE_MUST_INVEST, FUTURE_RETAIN, FUTURE_WORST } future_cell;
future_cell matrix_current_future(double current, double future, double current_cut, double future_cut,
                                  char *buf, size_t len);
const char *matrix_current_future_name(future_cell c);

/* ---- Lifecycle stage ---- */
typedef enum { LIFECYCLE_EXPLORATION, LIFECYCLE_FORMATION, LIFECYCLE_STABILITY, LIFECYCLE_DECLINE } lifecycle_stage;
typedef struct {
    double exploration_weeks; /* tenure below this is exploration: 13 */
    double decline_p_alive;   /* P(alive) below this is decline: 0.5 */
    double growth;            /* trend at or above: formation: 0.25 */
    double drop;              /* trend at or below -drop: decline: 0.5 */
} lifecycle_config;
typedef struct {
    double tenure_weeks;      /* since the first purchase */
    double repeat;            /* repeat transactions x */
    double recent_count;      /* transactions in the recent window */
    double recent_weeks;      /* its length */
    double prior_count;       /* transactions in the window before it */
    double prior_weeks;       /* its length (0 if the customer is younger) */
    double p_alive;           /* from BG/NBD or Pareto/NBD */
} lifecycle_input;
void lifecycle_config_default(lifecycle_config *c);
lifecycle_stage lifecycle_of(const lifecycle_input *in, const lifecycle_config *c, char *buf, size_t len);
const char *lifecycle_name(lifecycle_stage s);

/* ---- Loyalty ---- */
typedef enum { LOYALTY_LOYAL, LOYALTY_OLD, LOYALTY_NEW, LOYALTY_POTENTIAL } loyalty_class;
typedef struct {
    double new_weeks;       /* first purchase within: new (26) */
    double loyal_repeat;    /* at least this many repeat transactions (3) */
    double loyal_p_alive;   /* and P(alive) at least (0.7) */
} loyalty_config;
void loyalty_config_default(loyalty_config *c);
/* purchases = all transactions (0 = prospect). */
loyalty_class loyalty_of(double purchases, double tenure_weeks, double repeat, double p_alive,
                         const loyalty_config *c, char *buf, size_t len);
const char *loyalty_name(loyalty_class l);

typedef enum { BEHAVIOUR_LOYAL, BEHAVIOUR_LATENT, BEHAVIOUR_INERTIA, BEHAVIOUR_DISLOYAL } behaviour_quadrant;
/* Attitude is high when satisfaction (1..5) >= 4 or NPS answer (0..10) >= 9;
 * pass a negative value for an unknown answer. Repeat purchase is high when
 * repeat >= repeat_cut. */
behaviour_quadrant loyalty_behaviour(double satisfaction, double nps, double repeat, double repeat_cut, char *buf,
                                     size_t len);
const char *loyalty_behaviour_name(behaviour_quadrant b);
const char *loyalty_behaviour_programme(behaviour_quadrant b);

/* ---- Relationship strategy (D4: 屈从 / 关怀 / 适应 / 冷漠) ---- */
typedef enum { STRATEGY_SUBMISSIVE, STRATEGY_CARING, STRATEGY_ADAPTIVE, STRATEGY_INDIFFERENT } strategy_t;
strategy_t strategy_of(tier_t tier, char *buf, size_t len);
const char *strategy_code(strategy_t s);  /* "submissive", ... */
const char *strategy_name_zh(strategy_t s); /* "屈从型", ... */

/* ---- Key-account priority (seed 003) ---- */
typedef enum { KA_A_PLUS, KA_A, KA_B, KA_C } ka_priority;
ka_priority ka_priority_of(double current_revenue, double potential, double revenue_cut, double potential_cut,
                           char *buf, size_t len);
const char *ka_priority_name(ka_priority p); /* "A+", "A", "B", "C" */

/* Seven-criteria prospect worksheet: each criterion 0 or 1, sum 0..7. */
int ka_prospect_score(const int criteria[7], char *buf, size_t len);

/* ---- Asset-based service tiers (seed 003) ---- */
/* thresholds ascending (e.g. 200000, 1000000, 3000000, 10000000 in major
 * units); returns the number of thresholds reached (0..nthr). */
int service_tier_of(double assets, const double *thresholds, size_t nthr, char *buf, size_t len);

#endif
