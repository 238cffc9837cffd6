/*
 * scoring.c — per-party facts, the population step of a run and the labels
 * of one party (see scoring.h; rules in docs/ANALYTICS.md). Their
 * explanations are built in scoring_explain.c.
 */
#include "analytics/scoring.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/orderstat.h"
#include "analytics/parfor.h"
#include "lib/money.h"

void sc_config_default(sc_config *c)
{
    memset(c, 0, sizeof *c);
    c->model = SC_MODEL_BGNBD;
    c->amount_scale = 100;
    c->margin = 0.30;
    clv_config_default(&c->clv);
    c->expected_weeks = 52;
    tier_config_default(&c->tier);
    lifecycle_config_default(&c->life);
    c->window_weeks = 26;
    loyalty_config_default(&c->loyalty);
    c->behaviour_repeat = 2;
    c->matrix_quantile = 0.5;
    c->ka_quantile = 0.8;
    /* D4's bank example: 200k / 1M / 3M / 10M (major units). */
    static const double thr[] = {20000000, 100000000, 300000000, 1000000000};
    c->nservice = 4;
    memcpy(c->service, thr, sizeof thr);
}

static const char *const service_names[] = {"standard", "ordinary", "personal_wealth", "vip", "private_banking",
                                            "tier_5", "tier_6", "tier_7", "tier_8"};

const char *sc_service_tier_name(int tier)
{
    return tier >= 0 && tier <= SC_MAX_SERVICE ? service_names[tier] : "unknown";
}

/* ---- facts ---- */

void sc_facts_crm_clear(sc_facts *f)
{
    f->cost_to_serve = 0;
    f->cts_saturated = false;
    f->satisfaction = f->nps = -1;
    f->assets = -1;
    f->prospect = -1;
}

int64_t sc_profit(const sc_facts *f, bool *saturated)
{
    return money_sub_sat(f->revenue, f->cost, saturated);
}

int64_t sc_net_profit(const sc_facts *f, bool *saturated)
{
    return money_sub_sat(sc_profit(f, saturated), f->cost_to_serve, saturated);
}

bool sc_facts_saturated(const sc_facts *f)
{
    bool sat = f->rows_saturated || f->cts_saturated;
    (void)sc_net_profit(f, &sat);
    return sat;
}

/* The cost estimated for a row without one: amount × (1 − margin), which
 * lies between 0 and the amount (margin is 0..1); rounded in double, whose
 * rounding could step just past the int64 range at its ends, so the result
 * is held within [min(0, a), max(0, a)]. */
static int64_t estimated_cost(int64_t a, double margin)
{
    double v = round((double)a * (1 - margin));
    if (a >= 0) return v <= 0 ? 0 : v >= (double)a ? a : (int64_t)v;
    return v >= 0 ? 0 : v <= (double)a ? a : (int64_t)v;
}

/* The day thresholds of sc_facts_rows, computed once per recompute rather
 * than per party (three lround a party showed in the profile). */
typedef struct {
    int32_t recent_from, prior_from, current_from;
    double margin;
} facts_bounds;

static facts_bounds facts_bounds_of(int32_t today, const sc_config *c)
{
    int32_t w = (int32_t)lround(7 * c->window_weeks);
    return (facts_bounds){today - w, today - 2 * w, today - (int32_t)lround(7 * c->clv.current_weeks), c->margin};
}

/* The pass over one party's rows. Inlined twice with wide constant (narrow
 * columns / an overlay's int64 rows) so that the row decoding's branches
 * leave the loop: this loop is half of the store's recompute (issue 16). */
static inline __attribute__((always_inline)) void facts_pass(const an_rows *r, const facts_bounds *b, sc_facts *f,
                                                             const int wide)
{
    f->first_day = f->last_day = INT32_MIN;
    f->transactions = f->purchase_days = f->recent_days = f->prior_days = 0;
    /* Checked sums (lib/money.h): a party's rows may add up beyond int64
     * (imports are not limited like API writes); such a total is held at
     * the bound and flagged, never wrapped into a wrong number. */
    money_sum revenue = MONEY_SUM_INIT, cost = MONEY_SUM_INIT, repeat = MONEY_SUM_INIT, recent = MONEY_SUM_INIT,
              competitor = MONEY_SUM_INIT;
    int32_t first = INT32_MIN, last = INT32_MIN, days = 0, rdays = 0, pdays = 0, ntx = 0;
    for (size_t i = 0; i < r->n; i++) {
        int32_t d;
        int64_t a, k;
        if (wide) {
            d = r->day[i];
            a = r->amount64[i];
            k = r->cost64[i];
        } else {
            d = AN_DAY0 + (int32_t)r->day16[i];
            a = r->amount[i];
            int32_t k32 = r->cost[i];
            k = k32 == AN_COST32_COMPETITOR ? AN_COST_COMPETITOR : k32 == AN_COST32_UNKNOWN ? AN_COST_UNKNOWN : k32;
        }
        if (k == AN_COST_COMPETITOR) {
            money_sum_add(&competitor, a);
            continue;
        }
        ntx++;
        money_sum_add(&revenue, a);
        money_sum_add(&cost, k == AN_COST_UNKNOWN ? estimated_cost(a, b->margin) : k);
        if (d > b->current_from)
            money_sum_add(&recent, a);
        if (a <= 0)
            continue; /* refunds change money, not purchase days */
        if (days == 0 || d != last) {
            if (days == 0)
                first = d;
            days++;
            last = d;
            if (d > b->recent_from)
                rdays++;
            else if (d > b->prior_from)
                pdays++;
        }
        if (d != first)
            money_sum_add(&repeat, a);
    }
    f->first_day = first;
    f->last_day = last;
    f->transactions = ntx;
    f->purchase_days = days;
    f->recent_days = rdays;
    f->prior_days = pdays;
    bool sat = false;
    f->revenue = money_sum_value(&revenue, &sat);
    f->cost = money_sum_value(&cost, &sat);
    f->repeat_amount = money_sum_value(&repeat, &sat);
    f->recent_revenue = money_sum_value(&recent, &sat);
    f->competitor_amount = money_sum_value(&competitor, &sat);
    f->rows_saturated = sat;
}

/* Narrow rows (the main columns): amounts and costs are int32, so fewer
 * than 2^32 of them cannot take an int64 sum out of range — plain sums,
 * no overflow checks (the estimated cost lies between 0 and the amount).
 * The day thresholds are compared in the column's own units. */
static void facts_narrow(const an_rows *r, const facts_bounds *b, sc_facts *f)
{
    const uint16_t *day = r->day16;
    const int32_t *amount = r->amount, *costc = r->cost;
    int32_t cur = b->current_from - AN_DAY0, rec_from = b->recent_from - AN_DAY0, pri_from = b->prior_from - AN_DAY0;
    int64_t revenue = 0, cost = 0, repeat = 0, recent = 0, competitor = 0;
    int32_t first = INT32_MIN, last = INT32_MIN, days = 0, rdays = 0, pdays = 0, ntx = 0;
    for (size_t i = 0; i < r->n; i++) {
        int32_t d = day[i], a = amount[i], k = costc[i];
        if (k == AN_COST32_COMPETITOR) {
            competitor += a;
            continue;
        }
        ntx++;
        revenue += a;
        cost += k == AN_COST32_UNKNOWN ? estimated_cost(a, b->margin) : k;
        recent += d > cur ? a : 0;
        if (a <= 0)
            continue; /* refunds change money, not purchase days */
        if (days == 0 || d != last) {
            if (days == 0)
                first = d;
            days++;
            last = d;
            rdays += d > rec_from;
            pdays += d <= rec_from && d > pri_from;
        }
        repeat += d != first ? a : 0;
    }
    f->first_day = days ? first + AN_DAY0 : INT32_MIN;
    f->last_day = days ? last + AN_DAY0 : INT32_MIN;
    f->transactions = ntx;
    f->purchase_days = days;
    f->recent_days = rdays;
    f->prior_days = pdays;
    f->revenue = revenue;
    f->cost = cost;
    f->repeat_amount = repeat;
    f->recent_revenue = recent;
    f->competitor_amount = competitor;
    f->rows_saturated = false;
}

static void facts_rows_b(const an_rows *r, const facts_bounds *b, sc_facts *f)
{
    if (r->day)
        facts_pass(r, b, f, 1);
    else if (r->n < ((size_t)1 << 31))
        facts_narrow(r, b, f);
    else
        facts_pass(r, b, f, 0);
}

void sc_facts_rows(const an_rows *r, int32_t today, const sc_config *c, sc_facts *f)
{
    facts_bounds b = facts_bounds_of(today, c);
    facts_rows_b(r, &b, f);
}

typedef struct {
    const an_store *s;
    facts_bounds b;
    sc_facts *out;
} facts_job;

static void facts_chunk(void *ctx, size_t lo, size_t hi, double *acc)
{
    facts_job *j = ctx;
    for (size_t p = lo; p < hi; p++) {
        an_rows r = an_store_rows(j->s, p);
        facts_rows_b(&r, &j->b, &j->out[p]);
        sc_facts_crm_clear(&j->out[p]);
    }
}

void sc_facts_store(const an_store *s, int32_t today, const sc_config *c, sc_facts *out)
{
    facts_job j = {s, facts_bounds_of(today, c), out};
    double acc[1];
    parfor_sum(s->nparties, 20000, facts_chunk, &j, acc, 0);
}

/* ---- helpers ---- */

static void derive(const sc_config *c, int32_t today, const sc_facts *f, sc_result *r)
{
    memset(r, 0, sizeof *r);
    r->p_alive = r->expected = NAN;
    r->attitude = r->behaviour = r->service_tier = -1;
    r->tier = TIER_LEAD;
    r->buyer = f->purchase_days > 0;
    if (!r->buyer)
        return;
    int32_t end = today > f->last_day ? today : f->last_day;
    r->x = f->purchase_days - 1;
    r->t_x = (f->last_day - f->first_day) / 7.0;
    r->T = (end - f->first_day) / 7.0;
    r->monetary = r->x > 0 ? (double)f->repeat_amount / r->x / c->amount_scale : 0;
}

static double p_alive_of(const sc_state *st, const sc_result *r)
{
    if (!st->fitted)
        return NAN;
    return st->model == SC_MODEL_PNBD ? pnbd_p_alive(&st->pn, r->x, r->t_x, r->T)
                                      : bgnbd_p_alive(&st->bg, r->x, r->t_x, r->T);
}

static int64_t net_profit(const sc_facts *f)
{
    return sc_net_profit(f, NULL);
}

/* RFM "goodness": higher is better in each dimension. */
static void rfm_values(int32_t today, const sc_facts *f, double g[3])
{
    int32_t rec = today - f->last_day;
    g[0] = -(double)(rec > 0 ? rec : 0);
    g[1] = f->purchase_days;
    g[2] = f->purchase_days ? (double)f->revenue / f->purchase_days : 0;
}

/* Largest k with k / n < share (ties at a boundary join the upper class,
 * as in rfm_quintiles and tier_assign); -1 when none. */
static long last_rank_below(double share, size_t n)
{
    long k = (long)ceil(share * (double)n) - 1;
    while (k + 1 < (long)n && (double)(k + 1) / (double)n < share)
        k++;
    while (k >= 0 && !((double)k / (double)n < share))
        k--;
    return k;
}

static uint8_t rfm_score_of(const double cut[4], double g)
{
    uint8_t s = 1;
    for (int k = 0; k < 4; k++)
        s += g > cut[k];
    return s;
}

/* RFM scores, segment, tier and lifecycle of a party whose x, t_x, T and
 * p_alive are set. */
/* seg (may be NULL): rfm_segment_of tabulated over the 125 score triples. */
static void label_core(const sc_config *c, const sc_state *st, const sc_facts *f, sc_result *r, const uint8_t *seg)
{
    if (!r->buyer)
        return;
    double g[3];
    rfm_values(st->today, f, g);
    r->r = rfm_score_of(st->rfm_cut[0], g[0]);
    r->f = rfm_score_of(st->rfm_cut[1], g[1]);
    r->m = rfm_score_of(st->rfm_cut[2], g[2]);
    r->segment = seg && r->r >= 1 && r->r <= 5 && r->f >= 1 && r->f <= 5 && r->m >= 1 && r->m <= 5
                     ? (rfm_segment)seg[(r->r - 1) * 25 + (r->f - 1) * 5 + r->m - 1]
                     : rfm_segment_of(r->r, r->f, r->m, NULL, 0);
    r->tier = tier_of((double)net_profit(f), &st->tier, NULL, 0);
    lifecycle_input in = sc_lifecycle_input(c, f, r);
    r->lifecycle = lifecycle_of(&in, &c->life, NULL, 0);
}

static int attitude_of(const sc_facts *f)
{
    if (f->satisfaction < 0 && f->nps < 0)
        return -1;
    return f->satisfaction >= 4 || f->nps >= 9;
}

/* Every label that needs the values (CLV, expected purchases). */
static void label_rest(const sc_config *c, const sc_state *st, const sc_facts *f, sc_result *r)
{
    r->loyalty = loyalty_of(f->purchase_days, r->T, r->x, r->p_alive, &c->loyalty, NULL, 0);
    r->attitude = attitude_of(f);
    if (r->attitude >= 0)
        r->behaviour = (int)loyalty_behaviour(f->satisfaction, f->nps, r->x, c->behaviour_repeat, NULL, 0);
    if (f->assets >= 0)
        r->service_tier = service_tier_of(f->assets, c->service, c->nservice, NULL, 0);
    if (!r->buyer)
        return;
    r->quadrant = clv_quadrant(r->clv.current, r->clv.potential, st->cut_current, st->cut_potential, NULL, 0);
    r->future = matrix_current_future(r->clv.historical, r->clv.current + r->clv.potential, st->cut_history,
                                      st->cut_future, NULL, 0);
    r->profit = matrix_profit_cost((double)sc_profit(f, NULL), (double)f->cost_to_serve, st->cut_profit,
                                   st->cut_cost, NULL, 0);
    r->strategy = strategy_of(r->tier, NULL, 0);
    r->priority = ka_priority_of((double)f->recent_revenue, r->clv.potential, st->cut_revenue, st->cut_ka_potential,
                                 NULL, 0);
}

/* ---- fits ---- */

an_rc sc_fit(const sc_config *c, size_t n, const sc_facts *facts, sc_state *st)
{
    st->model = c->model;
    st->fitted = st->gg_fitted = 0;
    double *x = malloc((n ? n : 1) * 4 * sizeof *x);
    if (!x)
        return AN_ENOMEM;
    double *t_x = x + n, *T = t_x + n, *m = T + n;
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        sc_result r;
        derive(c, st->today, &facts[i], &r);
        if (!r.buyer)
            continue;
        x[nb] = r.x;
        t_x[nb] = r.t_x;
        T[nb] = r.T;
        m[nb] = r.monetary;
        nb++;
    }
    st->buyers = nb;
    an_rc rc = AN_OK;
    if (nb >= 10) {
        memset(&st->fit, 0, sizeof st->fit);
        if (c->model == SC_MODEL_PNBD)
            rc = pnbd_fit(nb, x, t_x, T, &st->pn, &st->fit);
        else
            rc = bgnbd_fit(nb, x, t_x, T, &st->bg, &st->fit);
        /* An optimiser that stops at a bound (e.g. no drop-out
         * heterogeneity) still leaves a usable, finite estimate; its status
         * is reported with the fit (an_fit_info.nlopt_status). */
        int finite = c->model == SC_MODEL_PNBD
                         ? isfinite(st->pn.r) && isfinite(st->pn.alpha) && isfinite(st->pn.s) && isfinite(st->pn.beta)
                         : isfinite(st->bg.r) && isfinite(st->bg.alpha) && isfinite(st->bg.a) && isfinite(st->bg.b);
        st->fitted = rc == AN_OK || (rc == AN_ENOFIT && finite && isfinite(st->fit.log_likelihood));
        if (rc == AN_ENOFIT)
            rc = AN_OK;
        size_t repeat = 0;
        for (size_t i = 0; i < nb; i++)
            repeat += x[i] >= 1 && m[i] > 0;
        if (repeat >= 10) {
            memset(&st->gg_fit, 0, sizeof st->gg_fit);
            an_rc g = gg_fit(nb, x, m, &st->gg, &st->gg_fit);
            /* A mean spend needs q > 1. */
            st->gg_fitted = (g == AN_OK || (g == AN_ENOFIT && isfinite(st->gg.p) && isfinite(st->gg.gamma) &&
                                            isfinite(st->gg_fit.log_likelihood))) &&
                            st->gg.q > 1 && isfinite(st->gg.q);
        }
    }
    free(x);
    return rc == AN_ENOMEM ? rc : AN_OK;
}

/* ---- batch ---- */

typedef struct {
    const sc_config *c;
    sc_state *st;
    const sc_facts *facts;
    sc_result *out;
    uint8_t seg[125]; /* rfm_segment_of for scores 1..5, (r-1)*25 + (f-1)*5 + m-1 */
    const double *lt; /* BG/NBD: ln(alpha + k / 7) for k up to every buyer's T in days; NULL: none */
} seg_job;

/* Everything sc_segments writes of a party once the cut-offs are known:
 * x, t_x, T, P(alive), RFM, segment, tier, lifecycle, in one pass that
 * writes each result once (issue 16: the result lines were written, then
 * read and written again by a second labelling pass). */
static void label_chunk(void *ctx, size_t lo, size_t hi, double *acc)
{
    seg_job *j = ctx;
    /* BG/NBD: ln a and ln(b+x-1) once per chunk, not per customer. */
    int lab_ok = j->st->fitted && j->st->model != SC_MODEL_PNBD;
    double lab[BGNBD_LAB];
    if (lab_ok)
        bgnbd_lab(&j->st->bg, lab);
    for (size_t i = lo; i < hi; i++) {
        sc_result *r = &j->out[i];
        derive(j->c, j->st->today, &j->facts[i], r);
        if (!r->buyer)
            continue;
        const sc_facts *f = &j->facts[i];
        if (lab_ok && j->lt) {
            int32_t end = j->st->today > f->last_day ? j->st->today : f->last_day; /* as derive */
            r->p_alive = bgnbd_p_alive_days(&j->st->bg, lab, j->lt, r->x, f->last_day - f->first_day, end - f->first_day);
        } else {
            r->p_alive = lab_ok ? bgnbd_p_alive_lab(&j->st->bg, lab, r->x, r->t_x, r->T) : p_alive_of(j->st, r);
        }
        label_core(j->c, j->st, &j->facts[i], r, j->seg);
    }
}

static void rest_chunk(void *ctx, size_t lo, size_t hi, double *acc)
{
    seg_job *j = ctx;
    for (size_t i = lo; i < hi; i++)
        label_rest(j->c, j->st, &j->facts[i], &j->out[i]);
}

/* The population's cut-offs: four independent selections (R, F, M and
 * net profit), run on parfor threads. */
typedef struct {
    const sc_config *c;
    sc_state *st;
    size_t nb;
    double *v[4];
    size_t first; /* dimension of chunk index 0 (R, F may be counted instead) */
} cut_job;

/* The cut-offs of dimension d from its buyers' values (orderstat.h: the
 * values stay in place). */
static int cuts_of(cut_job *j, size_t d)
{
    size_t nb = j->nb;
    const double *v = j->v[d];
    if (d < 3) {
        /* RFM quintiles where ties share the lower score: score s (2..5)
         * needs at least ceil((s - 1) n / 5) buyers strictly worse, i.e. a
         * value above the ascending order statistic m_s - 1. */
        size_t rank[4];
        for (int s = 2; s <= 5; s++) {
            size_t m = (size_t)ceil((double)(s - 1) * (double)nb / 5.0 - 1e-9);
            rank[s - 2] = m ? m - 1 : 0;
            j->st->rfm_cut[d][s - 2] = INFINITY;
        }
        return nb ? os_ranks(v, nb, 4, rank, j->st->rfm_cut[d]) : 0;
    }
    if (j->c->tier.basis != TIER_BASIS_CUSTOMERS)
        return 0;
    /* Pyramid by net profit: the platinum and gold shares' last ranks,
     * counted from the top (descending rank k is ascending n - 1 - k). */
    long kp = last_rank_below(j->c->tier.platinum, nb), kg = last_rank_below(j->c->tier.platinum + j->c->tier.gold, nb);
    double g = INFINITY, p = INFINITY;
    if (nb && kg >= 0) {
        size_t rank[2] = {kg >= (long)nb ? 0 : nb - 1 - (size_t)kg, kp >= (long)nb ? 0 : kp >= 0 ? nb - 1 - (size_t)kp : 0};
        double out[2];
        if (os_ranks(v, nb, kp >= 0 ? 2 : 1, rank, out))
            return -1;
        g = out[0];
        p = kp >= 0 ? out[1] : INFINITY;
    } else if (nb && kp >= 0) {
        size_t rank = kp >= (long)nb ? 0 : nb - 1 - (size_t)kp;
        if (os_ranks(v, nb, 1, &rank, &p))
            return -1;
    }
    j->st->tier.platinum_min = p;
    j->st->tier.gold_min = g > p ? p : g;
    return 0;
}

static void cut_chunk(void *ctx, size_t lo, size_t hi, double *acc)
{
    cut_job *j = ctx;
    for (size_t d = lo + j->first; d < hi + j->first; d++)
        if (cuts_of(j, d))
            acc[0] += 1; /* out of memory */
}

/* Recency (-days) and purchase days are whole numbers in a small range:
 * their quintile cut-offs come from counts, which leaves two selections
 * (M, net profit) for the two cores instead of four (issue 16: the
 * recompute against DuckDB). Same cut-offs as cuts_of: the order statistic
 * m_s - 1 for s = 2..5. */
typedef struct {
    int64_t lo; /* value of count[0] */
    uint32_t *count;
} rfm_hist;

static void hist_cuts(const rfm_hist *h, size_t nb, double cut[4])
{
    size_t cum = 0;
    int64_t v = h->lo;
    for (int s = 2; s <= 5; s++) {
        size_t m = (size_t)ceil((double)(s - 1) * (double)nb / 5.0 - 1e-9), k = m ? m - 1 : 0;
        if (!nb) {
            cut[s - 2] = INFINITY;
            continue;
        }
        /* smallest v with more than k values <= v */
        while (cum + h->count[v - h->lo] <= k) {
            cum += h->count[v - h->lo];
            v++;
        }
        cut[s - 2] = (double)v;
    }
}

/* The gathering pass over the buyers' facts, one part per parfor chunk:
 * recency days and purchase days counted below RFM_COUNT_MAX (calloc'd
 * counts touch pages only up to the largest value met), mean spend and net
 * profit written from the chunk's first index on (compacted afterwards). */
#define RFM_COUNT_MAX (1 << 16)

typedef struct {
    size_t lo, nb;
    uint32_t *rec, *days; /* buyers by days since the last purchase / by purchase days */
    int32_t max_rec, max_days;
    int32_t max_T; /* days from the first purchase to today (derive's T in days) */
    int wide; /* a value at or above RFM_COUNT_MAX: R and F need selections */
    int oom;
} gather_part;

typedef struct {
    int32_t today;
    const sc_facts *facts;
    double *m, *np; /* [n] */
    _Atomic int nparts;
    gather_part part[PARFOR_MAX_THREADS];
} gather_job;

static void gather_chunk(void *ctx, size_t lo, size_t hi, double *acc)
{
    gather_job *g = ctx;
    int slot = atomic_fetch_add(&g->nparts, 1);
    if (slot >= PARFOR_MAX_THREADS) {
        acc[0] += 1; /* cannot happen: parfor runs at most that many chunks */
        return;
    }
    gather_part *p = &g->part[slot];
    memset(p, 0, sizeof *p);
    p->lo = lo;
    p->rec = calloc(RFM_COUNT_MAX, sizeof *p->rec);
    p->days = calloc(RFM_COUNT_MAX, sizeof *p->days);
    if (!p->rec || !p->days) {
        p->oom = 1;
        return;
    }
    size_t k = lo;
    int32_t max_rec = 0, max_days = 0, max_T = 0;
    int wide = 0;
    for (size_t i = lo; i < hi; i++) {
        const sc_facts *f = &g->facts[i];
        if (f->purchase_days <= 0) /* = !buyer (derive) */
            continue;
        int32_t T = (g->today > f->last_day ? g->today : f->last_day) - f->first_day;
        max_T = T > max_T ? T : max_T;
        double v[3];
        rfm_values(g->today, f, v);
        int32_t rec = g->today - f->last_day, days = f->purchase_days;
        rec = rec > 0 ? rec : 0;
        if (rec < RFM_COUNT_MAX && days < RFM_COUNT_MAX) {
            p->rec[rec]++;
            p->days[days]++;
            max_rec = rec > max_rec ? rec : max_rec;
            max_days = days > max_days ? days : max_days;
        } else {
            wide = 1;
        }
        g->m[k] = v[2];
        g->np[k] = (double)net_profit(f);
        k++;
    }
    p->nb = k - lo;
    p->max_rec = max_rec;
    p->max_days = max_days;
    p->max_T = max_T;
    p->wide = wide;
}

static void gather_free(gather_job *g)
{
    int np = atomic_load(&g->nparts);
    for (int t = 0; t < np && t < PARFOR_MAX_THREADS; t++) {
        free(g->part[t].rec);
        free(g->part[t].days);
    }
}

static int part_cmp(const void *a, const void *b)
{
    size_t x = ((const gather_part *)a)->lo, y = ((const gather_part *)b)->lo;
    return x < y ? -1 : x > y;
}

/* The R and F cut-offs from the parts' counts (merged in value order:
 * recency goodness is minus the days, so its counts run backwards). */
static an_rc count_cuts(const gather_job *g, int np, size_t nb, sc_state *st)
{
    int32_t max_rec = 0, max_days = 0;
    for (int t = 0; t < np; t++) {
        max_rec = g->part[t].max_rec > max_rec ? g->part[t].max_rec : max_rec;
        max_days = g->part[t].max_days > max_days ? g->part[t].max_days : max_days;
    }
    uint32_t *c = calloc((size_t)max_rec + 1 + (size_t)max_days + 1, sizeof *c);
    if (!c)
        return AN_ENOMEM;
    rfm_hist h[2] = {{-(int64_t)max_rec, c}, {0, c + max_rec + 1}};
    for (int t = 0; t < np; t++) {
        for (int32_t v = 0; v <= g->part[t].max_rec; v++)
            h[0].count[max_rec - v] += g->part[t].rec[v];
        for (int32_t v = 0; v <= g->part[t].max_days; v++)
            h[1].count[v] += g->part[t].days[v];
    }
    hist_cuts(&h[0], nb, st->rfm_cut[0]);
    hist_cuts(&h[1], nb, st->rfm_cut[1]);
    free(c);
    return AN_OK;
}

an_rc sc_segments(const sc_config *c, size_t n, const sc_facts *facts, sc_state *st, sc_result *out)
{
    /* 1. The buyers' RFM and net-profit values (parallel). */
    gather_job g;
    memset(&g, 0, sizeof g);
    g.today = st->today;
    g.facts = facts;
    atomic_init(&g.nparts, 0);
    double *v = malloc((n ? n : 1) * 2 * sizeof *v);
    if (!v)
        return AN_ENOMEM;
    g.m = v;
    g.np = v + (n ? n : 1);
    double acc[1];
    parfor_sum(n, 20000, gather_chunk, &g, acc, 1);
    int np = atomic_load(&g.nparts);
    int failed = acc[0] > 0, wide = 0;
    for (int t = 0; t < np && t < PARFOR_MAX_THREADS; t++) {
        failed |= g.part[t].oom;
        wide |= g.part[t].wide;
    }
    if (failed) {
        gather_free(&g);
        free(v);
        return AN_ENOMEM;
    }
    qsort(g.part, (size_t)np, sizeof g.part[0], part_cmp);
    int32_t max_T = 0;
    for (int t = 0; t < np; t++)
        max_T = g.part[t].max_T > max_T ? g.part[t].max_T : max_T;
    size_t nb = 0;
    for (int t = 0; t < np; t++) {
        memmove(g.m + nb, g.m + g.part[t].lo, g.part[t].nb * sizeof *g.m);
        memmove(g.np + nb, g.np + g.part[t].lo, g.part[t].nb * sizeof *g.np);
        nb += g.part[t].nb;
    }
    st->buyers = nb;

    /* 2. The cut-offs: R and F from counts (or, with a value beyond the
     * counts, by selection like M), M and net profit by selection. */
    an_rc rc = AN_OK;
    double *rf = NULL;
    cut_job cj = {c, st, nb, {NULL, NULL, g.m, g.np}, 2};
    if (!wide) {
        rc = count_cuts(&g, np, nb, st);
    } else if ((rf = malloc((nb ? nb : 1) * 2 * sizeof *rf)) != NULL) {
        cj.v[0] = rf;
        cj.v[1] = rf + nb;
        cj.first = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (facts[i].purchase_days <= 0)
                continue;
            double gv[3];
            rfm_values(st->today, &facts[i], gv);
            cj.v[0][k] = gv[0];
            cj.v[1][k] = gv[1];
            k++;
        }
    } else {
        rc = AN_ENOMEM;
    }
    gather_free(&g);
    if (rc == AN_OK) {
        parfor_sum(4 - cj.first, 1, cut_chunk, &cj, acc, 1);
        rc = acc[0] > 0 ? AN_ENOMEM : AN_OK;
    }
    if (rc == AN_OK && c->tier.basis != TIER_BASIS_CUSTOMERS) {
        uint8_t *t = malloc(nb ? nb : 1);
        rc = t ? tier_assign(nb, cj.v[3], &c->tier, t, &st->tier) : AN_ENOMEM;
        free(t);
    }
    free(rf);
    free(v);
    if (rc != AN_OK)
        return rc;

    /* 3. Every party's derived values and labels (parallel); BG/NBD's
     * P(alive) with ln(alpha + T) from a table of whole days (btyd.h). */
    seg_job j = {c, st, facts, out, {0}, NULL};
    for (int k = 0; k < 125; k++)
        j.seg[k] = (uint8_t)rfm_segment_of(k / 25 + 1, k / 5 % 5 + 1, k % 5 + 1, NULL, 0);
    double *lt = NULL;
    if (st->fitted && st->model != SC_MODEL_PNBD && max_T < RFM_COUNT_MAX &&
        (lt = malloc(((size_t)max_T + 1) * sizeof *lt)) != NULL && bgnbd_lt(&st->bg, (size_t)max_T + 1, lt) == 0)
        j.lt = lt;
    parfor_sum(n, 20000, label_chunk, &j, acc, 0);
    free(lt);
    return AN_OK;
}

/* Expected cumulative repeat purchases at t for the buyers' arrays. */
static an_rc predict(const sc_state *st, double t, size_t nb, const double *x, const double *t_x, const double *T,
                     double *expected)
{
    return st->model == SC_MODEL_PNBD ? pnbd_predict(&st->pn, t, nb, x, t_x, T, NULL, expected)
                                      : bgnbd_predict(&st->bg, t, nb, x, t_x, T, NULL, expected);
}

static double spend_of(const sc_config *c, const sc_state *st, const sc_facts *f, const sc_result *r)
{
    if (st->gg_fitted)
        return gg_expected_spend(&st->gg, r->x, r->monetary) * c->amount_scale;
    return f->purchase_days ? (double)f->revenue / f->purchase_days : 0;
}

static size_t clv_steps(const sc_config *c)
{
    size_t k = (size_t)ceil(c->clv.horizon_weeks / c->clv.step_weeks - 1e-9);
    return k < 1 ? 1 : k > 200 ? 200 : k;
}

an_rc sc_values(const sc_config *c, size_t n, const sc_facts *facts, sc_state *st, sc_result *out)
{
    size_t nb = st->buyers, nsteps = clv_steps(c);
    size_t *idx = malloc((nb ? nb : 1) * sizeof *idx);
    double *buf = malloc((nb ? nb : 1) * (5 + nsteps) * sizeof *buf);
    if (!idx || !buf) {
        free(idx);
        free(buf);
        return AN_ENOMEM;
    }
    double *x = buf, *t_x = x + nb, *T = t_x + nb, *e = T + nb, *tmp = e + nb, *cum = tmp + nb;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!out[i].buyer)
            continue;
        idx[k] = i;
        x[k] = out[i].x;
        t_x[k] = out[i].t_x;
        T[k] = out[i].T;
        k++;
    }
    an_rc rc = AN_OK;
    if (st->fitted && nb) {
        rc = predict(st, c->expected_weeks, nb, x, t_x, T, e);
        for (size_t s = 0; s < nsteps && rc == AN_OK; s++)
            rc = predict(st, (double)(s + 1) * c->clv.step_weeks, nb, x, t_x, T, cum + s * nb);
    }
    double row[200];
    for (size_t b = 0; b < nb && rc == AN_OK; b++) {
        sc_result *r = &out[idx[b]];
        const sc_facts *f = &facts[idx[b]];
        r->spend = spend_of(c, st, f, r);
        if (st->fitted) {
            r->expected = e[b];
            for (size_t s = 0; s < nsteps; s++)
                row[s] = cum[s * nb + b];
            r->clv = clv_from_cumulative(&c->clv, (double)net_profit(f), r->spend, row, nsteps, NULL, 0);
        } else {
            r->clv.historical = r->clv.total = (double)net_profit(f);
        }
    }
    /* Quantile cuts over the buyers. */
    struct {
        double *cut, q;
        int what;
    } cuts[] = {
        {&st->cut_current, c->matrix_quantile, 0},  {&st->cut_potential, c->matrix_quantile, 1},
        {&st->cut_history, c->matrix_quantile, 2},  {&st->cut_future, c->matrix_quantile, 3},
        {&st->cut_profit, c->matrix_quantile, 4},   {&st->cut_cost, c->matrix_quantile, 5},
        {&st->cut_revenue, c->ka_quantile, 6},      {&st->cut_ka_potential, c->ka_quantile, 1},
    };
    for (size_t q = 0; q < sizeof cuts / sizeof cuts[0] && rc == AN_OK; q++) {
        for (size_t b = 0; b < nb; b++) {
            const sc_result *r = &out[idx[b]];
            const sc_facts *f = &facts[idx[b]];
            double v = 0;
            switch (cuts[q].what) {
            case 0: v = r->clv.current; break;
            case 1: v = r->clv.potential; break;
            case 2: v = r->clv.historical; break;
            case 3: v = r->clv.current + r->clv.potential; break;
            case 4: v = (double)sc_profit(f, NULL); break;
            case 5: v = (double)f->cost_to_serve; break;
            default: v = (double)f->recent_revenue; break;
            }
            tmp[b] = isfinite(v) ? v : 0;
        }
        *cuts[q].cut = nb ? os_quantile(tmp, nb, cuts[q].q) : 0;
        if (nb && isnan(*cuts[q].cut))
            rc = AN_ENOMEM;
    }
    free(idx);
    free(buf);
    if (rc != AN_OK)
        return rc;
    seg_job j = {c, st, facts, out, {0}, NULL};
    double acc[1];
    parfor_sum(n, 20000, rest_chunk, &j, acc, 0);
    return AN_OK;
}

/* ---- one party ---- */

void sc_score_one(const sc_config *c, const sc_state *st, const sc_facts *f, sc_result *r)
{
    derive(c, st->today, f, r);
    if (r->buyer) {
        r->p_alive = p_alive_of(st, r);
        label_core(c, st, f, r, NULL);
        r->spend = spend_of(c, st, f, r);
        if (st->fitted) {
            size_t nsteps = clv_steps(c);
            double row[200];
            int pn = st->model == SC_MODEL_PNBD;
            r->expected = pn ? pnbd_expected(&st->pn, c->expected_weeks, r->x, r->t_x, r->T)
                             : bgnbd_expected(&st->bg, c->expected_weeks, r->x, r->t_x, r->T);
            for (size_t s = 0; s < nsteps; s++) {
                double t = (double)(s + 1) * c->clv.step_weeks;
                row[s] = pn ? pnbd_expected(&st->pn, t, r->x, r->t_x, r->T) : bgnbd_expected(&st->bg, t, r->x, r->t_x, r->T);
            }
            r->clv = clv_from_cumulative(&c->clv, (double)net_profit(f), r->spend, row, nsteps, NULL, 0);
        } else {
            r->clv.historical = r->clv.total = (double)net_profit(f);
        }
    }
    label_rest(c, st, f, r);
}
