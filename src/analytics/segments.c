/*
 * segments.c — segmentation rules (see segments.h; thresholds and their
 * reasons are in docs/ANALYTICS.md).
 */
#include "analytics/segments.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Explanation writer: a NULL buf means the caller does not want one. The
 * test is a macro so that a batch caller (NULL, a million times per run)
 * does not pay for a variadic call (issue 16 recompute profile). */
static void seg_explain_v(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define seg_explain(buf, len, ...)                                                                                     \
    do {                                                                                                               \
        if ((buf) && (len))                                                                                            \
            seg_explain_v((buf), (len), __VA_ARGS__);                                                                  \
    } while (0)
static void seg_explain_v(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* ---- ranking helpers ---- */

typedef struct {
    double v;
    size_t i;
} seg_item;

static int seg_item_desc(const void *pa, const void *pb)
{
    const seg_item *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v > b->v ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static int seg_double_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double seg_quantile(size_t n, const double *v, double q)
{
    if (n == 0)
        return NAN;
    double *t = malloc(n * sizeof *t);
    if (!t)
        return NAN;
    memcpy(t, v, n * sizeof *t);
    qsort(t, n, sizeof *t, seg_double_cmp);
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos), hi = lo + 1 < n ? lo + 1 : lo;
    double r = t[lo] + (pos - (double)lo) * (t[hi] - t[lo]);
    free(t);
    return r;
}

/* ---- RFM ---- */

an_rc rfm_quintiles(size_t n, const double *v, int higher_is_better, uint8_t *score)
{
    if (n == 0)
        return AN_OK;
    seg_item *it = malloc(n * sizeof *it);
    if (!it)
        return AN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        it[i].v = higher_is_better ? v[i] : -v[i];
        it[i].i = i;
    }
    qsort(it, n, sizeof *it, seg_item_desc);
    /* Rank from the best; ties share the score of the first of them. */
    uint8_t s = 5;
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || it[k].v != it[k - 1].v)
            s = (uint8_t)(5 - (k * 5) / n);
        score[it[k].i] = s;
    }
    free(it);
    return AN_OK;
}

static const char *const rfm_names[RFM_SEGMENT_COUNT] = {
    "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
    "about_to_sleep", "cannot_lose", "at_risk", "hibernating", "lost"};

const char *rfm_segment_name(rfm_segment s)
{
    return (unsigned)s < RFM_SEGMENT_COUNT ? rfm_names[s] : "unknown";
}

/* First matching rule wins; the table covers every (r, f) combination. */
static const struct {
    rfm_segment seg;
    int rmin, rmax, fmin, fmax, mmin;
    const char *rule;
} rfm_rules[] = {
    {RFM_CHAMPIONS, 4, 5, 4, 5, 4, "R>=4, F>=4, M>=4"},
    {RFM_CANNOT_LOSE, 1, 2, 4, 5, 4, "R<=2, F>=4, M>=4"},
    {RFM_LOYAL, 3, 5, 4, 5, 1, "R>=3, F>=4"},
    {RFM_AT_RISK, 1, 2, 3, 5, 1, "R<=2, F>=3"},
    {RFM_NEW, 5, 5, 1, 1, 1, "R=5, F=1"},
    {RFM_PROMISING, 4, 4, 1, 1, 1, "R=4, F=1"},
    {RFM_POTENTIAL_LOYALIST, 4, 5, 2, 3, 1, "R>=4, F=2..3"},
    {RFM_NEED_ATTENTION, 3, 3, 3, 3, 1, "R=3, F=3"},
    {RFM_ABOUT_TO_SLEEP, 3, 3, 1, 2, 1, "R=3, F<=2"},
    {RFM_HIBERNATING, 2, 2, 1, 2, 1, "R=2, F<=2"},
    {RFM_LOST, 1, 1, 1, 2, 1, "R=1, F<=2"},
};

rfm_segment rfm_segment_of(int r, int f, int m, char *buf, size_t len)
{
    for (size_t k = 0; k < sizeof rfm_rules / sizeof rfm_rules[0]; k++) {
        if (r >= rfm_rules[k].rmin && r <= rfm_rules[k].rmax && f >= rfm_rules[k].fmin && f <= rfm_rules[k].fmax &&
            m >= rfm_rules[k].mmin) {
            seg_explain(buf, len, "RFM %d%d%d: %s (rule %s)", r, f, m, rfm_names[rfm_rules[k].seg], rfm_rules[k].rule);
            return rfm_rules[k].seg;
        }
    }
    seg_explain(buf, len, "RFM %d%d%d: scores outside 1..5, lost", r, f, m);
    return RFM_LOST;
}

/* ---- Pyramid ---- */

void tier_config_default(tier_config *c)
{
    c->basis = TIER_BASIS_CUSTOMERS;
    c->platinum = 0.05;
    c->gold = 0.15;
}

static const char *const tier_names[] = {"platinum", "gold", "iron", "lead"};

const char *tier_name(tier_t t)
{
    return (unsigned)t <= TIER_LEAD ? tier_names[t] : "unknown";
}

an_rc tier_assign(size_t n, const double *profit, const tier_config *c, uint8_t *tier, tier_cuts *cuts)
{
    tier_cuts cu = {INFINITY, INFINITY};
    seg_item *it = malloc((n ? n : 1) * sizeof *it);
    if (!it)
        return AN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        it[i].v = profit[i];
        it[i].i = i;
    }
    qsort(it, n, sizeof *it, seg_item_desc);
    size_t npos = 0;
    double total = 0;
    while (npos < n && it[npos].v > 0)
        total += it[npos++].v;
    /* Walk down the ranking; a tier ends when its share is used up, and a
     * customer tied with the last one in a tier joins that tier. */
    double run = 0;
    for (size_t k = 0; k < npos; k++) {
        double before = c->basis == TIER_BASIS_CUSTOMERS ? (double)k / (double)n : run / total;
        int tied = k > 0 && it[k].v == it[k - 1].v;
        tier_t t;
        if (tied)
            t = (tier_t)tier[it[k - 1].i];
        else if (before < c->platinum)
            t = TIER_PLATINUM;
        else if (before < c->platinum + c->gold)
            t = TIER_GOLD;
        else
            t = TIER_IRON;
        tier[it[k].i] = (uint8_t)t;
        if (t == TIER_PLATINUM)
            cu.platinum_min = it[k].v;
        else if (t == TIER_GOLD)
            cu.gold_min = it[k].v;
        run += it[k].v;
    }
    for (size_t k = npos; k < n; k++)
        tier[it[k].i] = TIER_LEAD;
    if (cu.gold_min == INFINITY) /* no gold customer: the gold cut is the platinum one */
        cu.gold_min = cu.platinum_min;
    free(it);
    if (cuts)
        *cuts = cu;
    return AN_OK;
}

tier_t tier_of(double profit, const tier_cuts *cuts, char *buf, size_t len)
{
    tier_t t;
    if (!(profit > 0))
        t = TIER_LEAD;
    else if (profit >= cuts->platinum_min)
        t = TIER_PLATINUM;
    else if (profit >= cuts->gold_min)
        t = TIER_GOLD;
    else
        t = TIER_IRON;
    seg_explain(buf, len, "profit %.2f: %s (platinum >= %.2f, gold >= %.2f, iron > 0, lead <= 0)", profit,
                tier_names[t], cuts->platinum_min, cuts->gold_min);
    return t;
}

/* ---- CLV ---- */

void clv_config_default(clv_config *c)
{
    c->margin = 0.30;
    c->annual_discount = 0.10;
    c->current_weeks = 52;
    c->horizon_weeks = 156;
    c->step_weeks = 13;
}

clv_value clv_from_cumulative(const clv_config *c, double historical, double spend, const double *cum,
                              size_t nsteps, char *buf, size_t len)
{
    clv_value v = {historical, 0, 0, 0};
    double prev = 0;
    double wk_rate = log1p(c->annual_discount) / 52.0; /* per-week continuous rate */
    for (size_t k = 0; k < nsteps; k++) {
        double t_end = (double)(k + 1) * c->step_weeks, t_mid = t_end - 0.5 * c->step_weeks;
        double inc = (cum[k] - prev) * spend * c->margin * exp(-wk_rate * t_mid);
        prev = cum[k];
        if (t_end <= c->current_weeks + 1e-9)
            v.current += inc;
        else
            v.potential += inc;
    }
    v.total = v.historical + v.current + v.potential;
    seg_explain(buf, len,
                "CLV %.2f = historical %.2f + current %.2f (next %.0f weeks) + potential %.2f (to week %.0f); "
                "spend %.2f x margin %.2f, discount %.0f%%/year",
                v.total, v.historical, v.current, c->current_weeks, v.potential, (double)nsteps * c->step_weeks,
                spend, c->margin, 100 * c->annual_discount);
    return v;
}

an_rc clv_batch_bgnbd(const clv_config *c, const bgnbd_params *bg, const gg_params *gg, size_t n,
                      const double *x, const double *t_x, const double *T, const double *monetary,
                      const double *historical, clv_value *out)
{
    size_t nsteps = (size_t)ceil(c->horizon_weeks / c->step_weeks - 1e-9);
    if (nsteps == 0 || nsteps > 1000)
        return AN_EINVAL;
    double *cum = malloc((n ? n : 1) * (nsteps + 1) * sizeof *cum);
    if (!cum)
        return AN_ENOMEM;
    double *spend = cum + n * nsteps;
    an_rc rc = AN_OK;
    for (size_t k = 0; k < nsteps && rc == AN_OK; k++)
        rc = bgnbd_predict(bg, (double)(k + 1) * c->step_weeks, n, x, t_x, T, NULL, cum + k * n);
    if (rc == AN_OK) {
        gg_predict(gg, n, x, monetary, spend);
        double row[1000];
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < nsteps; k++)
                row[k] = cum[k * n + i];
            out[i] = clv_from_cumulative(c, historical ? historical[i] : 0.0, spend[i], row, nsteps, NULL, 0);
        }
    }
    free(cum);
    return rc;
}

static const char *const value_names[] = {"platinum", "gold", "iron", "lead"};
static const char *const value_strategies[] = {"pursue", "target", "maintain", "abandon"};

value_quadrant clv_quadrant(double current, double potential, double current_cut, double potential_cut,
                            char *buf, size_t len)
{
    int hc = current >= current_cut, hp = potential >= potential_cut;
    /* Textbook value matrix: platinum high/high, gold high current / low
     * potential, iron low current / high potential, lead low/low. */
    value_quadrant q = hc ? (hp ? VALUE_PLATINUM : VALUE_GOLD) : (hp ? VALUE_IRON : VALUE_LEAD);
    seg_explain(buf, len, "current %.2f %s %.2f, potential %.2f %s %.2f: %s (%s)", current, hc ? ">=" : "<",
                current_cut, potential, hp ? ">=" : "<", potential_cut, value_names[q], value_strategies[q]);
    return q;
}

const char *clv_quadrant_name(value_quadrant q)
{
    return (unsigned)q <= VALUE_LEAD ? value_names[q] : "unknown";
}

const char *clv_quadrant_strategy(value_quadrant q)
{
    return (unsigned)q <= VALUE_LEAD ? value_strategies[q] : "unknown";
}

/* ---- Matrices ---- */

static const char *const profit_cell_names[] = {"most_profitable", "profitable_high_cost", "profitable_low",
                                                "unprofitable"};

profit_cell matrix_profit_cost(double profit, double cost_to_serve, double profit_cut, double cost_cut, char *buf,
                               size_t len)
{
    int hp = profit >= profit_cut, hc = cost_to_serve >= cost_cut;
    profit_cell c = hp ? (hc ? PROFIT_PROFITABLE_HIGH_COST : PROFIT_MOST)
                       : (hc ? PROFIT_UNPROFITABLE : PROFIT_PROFITABLE_LOW);
    seg_explain(buf, len, "profit %.2f %s %.2f, cost to serve %.2f %s %.2f: %s", profit, hp ? ">=" : "<", profit_cut,
                cost_to_serve, hc ? ">=" : "<", cost_cut, profit_cell_names[c]);
    return c;
}

const char *matrix_profit_cost_name(profit_cell c)
{
    return (unsigned)c <= PROFIT_UNPROFITABLE ? profit_cell_names[c] : "unknown";
}

static const char *const future_names[] = {"best", "must_invest", "retain", "worst"};

future_cell matrix_current_future(double current, double future, double current_cut, double future_cut,
                                  char *buf, size_t len)
{
    int hc = current >= current_cut, hf = future >= future_cut;
    future_cell c = hc ? (hf ? FUTURE_BEST : FUTURE_RETAIN) : (hf ? FUTURE_MUST_INVEST : FUTURE_WORST);
    seg_explain(buf, len, "current %.2f %s %.2f, future %.2f %s %.2f: %s", current, hc ? ">=" : "<", current_cut,
                future, hf ? ">=" : "<", future_cut, future_names[c]);
    return c;
}

const char *matrix_current_future_name(future_cell c)
{
    return (unsigned)c <= FUTURE_WORST ? future_names[c] : "unknown";
}

/* ---- Lifecycle ---- */

void lifecycle_config_default(lifecycle_config *c)
{
    c->exploration_weeks = 13;
    c->decline_p_alive = 0.5;
    c->growth = 0.25;
    c->drop = 0.5;
}

static const char *const lifecycle_names[] = {"exploration", "formation", "stability", "decline"};

const char *lifecycle_name(lifecycle_stage s)
{
    return (unsigned)s <= LIFECYCLE_DECLINE ? lifecycle_names[s] : "unknown";
}

lifecycle_stage lifecycle_of(const lifecycle_input *in, const lifecycle_config *c, char *buf, size_t len)
{
    if (in->p_alive < c->decline_p_alive) {
        seg_explain(buf, len, "P(alive) %.3f < %.2f: decline", in->p_alive, c->decline_p_alive);
        return LIFECYCLE_DECLINE;
    }
    if (in->tenure_weeks < c->exploration_weeks || in->repeat < 1) {
        seg_explain(buf, len, "tenure %.1f weeks (exploration below %.0f), %.0f repeat purchases: exploration",
                    in->tenure_weeks, c->exploration_weeks, in->repeat);
        return LIFECYCLE_EXPLORATION;
    }
    double rr = in->recent_weeks > 0 ? in->recent_count / in->recent_weeks : 0;
    double rp = in->prior_weeks > 0 ? in->prior_count / in->prior_weeks : 0;
    double top = rr > rp ? rr : rp;
    /* Trend in [-1, 1]: relative change of the weekly purchase rate between
     * the prior and the recent window. A customer with no prior window is
     * growing into the relationship. */
    double trend = in->prior_weeks <= 0 ? 1.0 : (top > 0 ? (rr - rp) / top : 0.0);
    lifecycle_stage s;
    if (trend <= -c->drop)
        s = LIFECYCLE_DECLINE;
    else if (trend >= c->growth)
        s = LIFECYCLE_FORMATION;
    else
        s = LIFECYCLE_STABILITY;
    seg_explain(buf, len,
                "rate %.3f/week recent vs %.3f/week before (trend %+.2f; formation >= %+.2f, decline <= %+.2f), "
                "P(alive) %.3f, tenure %.1f weeks: %s",
                rr, rp, trend, c->growth, -c->drop, in->p_alive, in->tenure_weeks, lifecycle_names[s]);
    return s;
}

/* ---- Loyalty ---- */

void loyalty_config_default(loyalty_config *c)
{
    c->new_weeks = 26;
    c->loyal_repeat = 3;
    c->loyal_p_alive = 0.7;
}

static const char *const loyalty_names[] = {"loyal", "old", "new", "potential"};

const char *loyalty_name(loyalty_class l)
{
    return (unsigned)l <= LOYALTY_POTENTIAL ? loyalty_names[l] : "unknown";
}

loyalty_class loyalty_of(double purchases, double tenure_weeks, double repeat, double p_alive,
                         const loyalty_config *c, char *buf, size_t len)
{
    loyalty_class l;
    if (purchases <= 0)
        l = LOYALTY_POTENTIAL;
    else if (tenure_weeks < c->new_weeks)
        l = LOYALTY_NEW;
    else if (repeat >= c->loyal_repeat && p_alive >= c->loyal_p_alive)
        l = LOYALTY_LOYAL;
    else
        l = LOYALTY_OLD;
    seg_explain(buf, len,
                "%.0f purchases, tenure %.1f weeks (new below %.0f), %.0f repeat (loyal from %.0f), P(alive) %.3f "
                "(loyal from %.2f): %s",
                purchases, tenure_weeks, c->new_weeks, repeat, c->loyal_repeat, p_alive, c->loyal_p_alive,
                loyalty_names[l]);
    return l;
}

static const char *const behaviour_names[] = {"loyal", "latent", "inertia", "disloyal"};
static const char *const behaviour_programmes[] = {"loyalty programme", "attraction programme",
                                                   "retention programme", "abandonment"};

behaviour_quadrant loyalty_behaviour(double satisfaction, double nps, double repeat, double repeat_cut, char *buf,
                                     size_t len)
{
    int att = satisfaction >= 4 || nps >= 9, rep = repeat >= repeat_cut;
    behaviour_quadrant b = att ? (rep ? BEHAVIOUR_LOYAL : BEHAVIOUR_LATENT) : (rep ? BEHAVIOUR_INERTIA : BEHAVIOUR_DISLOYAL);
    seg_explain(buf, len,
                "attitude %s (satisfaction %.1f, NPS %.0f; high: satisfaction >= 4 or NPS >= 9), repeat %.0f %s %.0f: "
                "%s (%s)",
                att ? "high" : "low", satisfaction, nps, repeat, rep ? ">=" : "<", repeat_cut, behaviour_names[b],
                behaviour_programmes[b]);
    return b;
}

const char *loyalty_behaviour_name(behaviour_quadrant b)
{
    return (unsigned)b <= BEHAVIOUR_DISLOYAL ? behaviour_names[b] : "unknown";
}

const char *loyalty_behaviour_programme(behaviour_quadrant b)
{
    return (unsigned)b <= BEHAVIOUR_DISLOYAL ? behaviour_programmes[b] : "unknown";
}

/* ---- Strategy ---- */

static const char *const strategy_codes[] = {"submissive", "caring", "adaptive", "indifferent"};
static const char *const strategy_zh[] = {"屈从型", "关怀型", "适应型", "冷漠型"};

strategy_t strategy_of(tier_t tier, char *buf, size_t len)
{
    /* D4: the most valuable get 屈从 (please, lock in), the main customers
     * 关怀 (care), ordinary customers 适应 (adapt), eliminated ones 冷漠. */
    strategy_t s = tier == TIER_PLATINUM ? STRATEGY_SUBMISSIVE
                   : tier == TIER_GOLD   ? STRATEGY_CARING
                   : tier == TIER_IRON   ? STRATEGY_ADAPTIVE
                                         : STRATEGY_INDIFFERENT;
    seg_explain(buf, len, "tier %s: %s (%s)", tier_name(tier), strategy_codes[s], strategy_zh[s]);
    return s;
}

const char *strategy_code(strategy_t s)
{
    return (unsigned)s <= STRATEGY_INDIFFERENT ? strategy_codes[s] : "unknown";
}

const char *strategy_name_zh(strategy_t s)
{
    return (unsigned)s <= STRATEGY_INDIFFERENT ? strategy_zh[s] : "unknown";
}

/* ---- Key accounts ---- */

static const char *const ka_names[] = {"A+", "A", "B", "C"};

ka_priority ka_priority_of(double current_revenue, double potential, double revenue_cut, double potential_cut,
                           char *buf, size_t len)
{
    int hr = current_revenue >= revenue_cut, hp = potential >= potential_cut;
    /* Revenue today outranks potential: A keeps the business we have, B
     * develops the business we could have. */
    ka_priority p = hr ? (hp ? KA_A_PLUS : KA_A) : (hp ? KA_B : KA_C);
    seg_explain(buf, len, "revenue %.2f %s %.2f, potential %.2f %s %.2f: %s", current_revenue, hr ? ">=" : "<",
                revenue_cut, potential, hp ? ">=" : "<", potential_cut, ka_names[p]);
    return p;
}

const char *ka_priority_name(ka_priority p)
{
    return (unsigned)p <= KA_C ? ka_names[p] : "unknown";
}

int ka_prospect_score(const int criteria[7], char *buf, size_t len)
{
    static const char *const names[7] = {"growth", "business plan", "revenue potential", "opportunities",
                                         "solution fit", "competitiveness", "relationship"};
    int s = 0;
    char met[160] = "";
    size_t used = 0;
    for (int k = 0; k < 7; k++) {
        if (criteria[k]) {
            s++;
            int w = snprintf(met + used, sizeof met - used, "%s%s", used ? ", " : "", names[k]);
            if (w > 0 && (size_t)w < sizeof met - used)
                used += (size_t)w;
        }
    }
    seg_explain(buf, len, "prospect score %d/7 (%s)", s, s ? met : "no criterion met");
    return s;
}

int service_tier_of(double assets, const double *thresholds, size_t nthr, char *buf, size_t len)
{
    int k = 0;
    while ((size_t)k < nthr && assets >= thresholds[k])
        k++;
    if (k == 0)
        seg_explain(buf, len, "assets %.2f below the first threshold %.2f: tier 0", assets, nthr ? thresholds[0] : 0.0);
    else
        seg_explain(buf, len, "assets %.2f >= %.2f: tier %d", assets, thresholds[k - 1], k);
    return k;
}
