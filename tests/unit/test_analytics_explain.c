/*
 * test_analytics_explain.c — pins the whole output of sc_explain (every
 * key, message id, English text and argument, in order) for a few fixed
 * parties and states: a buyer against an unfitted model, one against a
 * fitted BG/NBD, one against a Pareto/NBD at its boundaries with pyramid
 * shares of profit, a young buyer, a lapsed one, and a party that bought
 * only from competitors. Written before sc_explain was split into one
 * builder per reason (issue 17) so that the split provably changes no byte;
 * test_analytics_scoring.c checks what the values mean.
 *
 * To print the current output (after a deliberate change of wording):
 * RAPPORT_EXPLAIN_PRINT=1 build/unit/test_analytics_explain
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/scoring.h"
#include "analytics/store.h"

#define TODAY 20000

typedef struct {
    char buf[16384];
    size_t used;
} dump;

static void put(dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(dump *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->buf + d->used, sizeof d->buf - d->used, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof d->buf - d->used);
    d->used += (size_t)n;
}

/* One line per explanation, then one per argument: kind, name and value
 * (reals with 10 significant digits: they are rounded to a few decimals). */
static void emit_dump(void *ctx, const sc_explanation *e)
{
    dump *d = ctx;
    put(d, "%s|%s|%s\n", e->key, e->message, e->text);
    for (size_t i = 0; i < e->nargs; i++) {
        const sc_arg *a = &e->args[i];
        switch (a->kind) {
        case SC_ARG_INT: put(d, " int %s=%lld\n", a->name, (long long)a->i); break;
        case SC_ARG_MONEY: put(d, " money %s=%lld\n", a->name, (long long)a->i); break;
        case SC_ARG_DATE: put(d, " date %s=%lld\n", a->name, (long long)a->i); break;
        case SC_ARG_REAL:
            if (isnan(a->d))
                put(d, " real %s=nan\n", a->name);
            else
                put(d, " real %s=%.10g\n", a->name, a->d);
            break;
        case SC_ARG_LABEL: put(d, " label %s=%s:%s\n", a->name, a->vocab, a->s ? a->s : "(null)"); break;
        case SC_ARG_TEXT: put(d, " text %s=%s\n", a->name, a->s ? a->s : "(null)"); break;
        }
    }
}

static void check(const char *name, const sc_config *c, const sc_state *st, const sc_facts *f, const char *want)
{
    sc_result r;
    sc_score_one(c, st, f, &r);
    static dump d;
    d.used = 0;
    d.buf[0] = '\0';
    sc_explain(c, st, f, &r, emit_dump, &d);
    if (getenv("RAPPORT_EXPLAIN_PRINT"))
        printf("---- %s\n%s", name, d.buf);
    else
        assert_string_equal(d.buf, want);
}

/* The rows of test_analytics_scoring.c's fixture: a return, an unknown
 * cost and a purchase from a competitor. */
static void fixture_facts(const sc_config *c, sc_facts *f)
{
    static int32_t day[] = {TODAY - 300, TODAY - 300, TODAY - 250, TODAY - 100, TODAY - 100, TODAY - 10, TODAY - 5};
    static int64_t amount[] = {1000, 500, 2000, 3000, -3000, 4000, 9999};
    static int64_t cost[] = {600, AN_COST_UNKNOWN, 1000, 1500, -1500, 2000, AN_COST_COMPETITOR};
    an_rows rows = {.n = 7, .day = day, .amount64 = amount, .cost64 = cost};
    sc_facts_rows(&rows, TODAY, c, f);
    sc_facts_crm_clear(f);
}

static void base_state(sc_state *st)
{
    memset(st, 0, sizeof *st);
    st->today = TODAY;
    st->buyers = 3;
    st->tier.platinum_min = 100000;
    st->tier.gold_min = 2000;
    st->cut_current = st->cut_potential = st->cut_history = st->cut_future = 1000;
    st->cut_profit = 5000;
    st->cut_cost = 500;
    st->cut_revenue = st->cut_ka_potential = 100;
    for (int k = 0; k < 3; k++)
        for (int s = 0; s < 4; s++)
            st->rfm_cut[k][s] = k == 0 ? -200 + 40 * s : k == 1 ? 1 + s : 500 + 500 * s;
}

static void fitted_bgnbd(sc_state *st)
{
    st->model = SC_MODEL_BGNBD;
    st->fitted = true;
    st->bg = (bgnbd_params){0.243, 4.414, 0.793, 2.426};
    st->gg_fitted = true;
    st->gg = (gg_params){6.25, 3.74, 15.44};
}

#include "test_analytics_explain_want.h"

/* A buyer with a cost to serve, a satisfaction answer, assets and a
 * prospect worksheet; no model fitted yet. */
static void test_unfitted(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    sc_facts f;
    fixture_facts(&c, &f);
    f.cost_to_serve = 700;
    f.satisfaction = 5;
    f.assets = 150000000;
    f.prospect = 5;
    sc_state st;
    base_state(&st);
    check("unfitted", &c, &st, &f, WANT_UNFITTED);
}

/* The same party against a fitted BG/NBD with Gamma-Gamma spend, with an
 * NPS answer and assets below the first service tier. */
static void test_bgnbd(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    sc_facts f;
    fixture_facts(&c, &f);
    f.cost_to_serve = 250;
    f.nps = 3;
    f.assets = 5000000;
    sc_state st;
    base_state(&st);
    fitted_bgnbd(&st);
    check("bgnbd", &c, &st, &f, WANT_BGNBD);
}

/* Pareto/NBD with every parameter at the boundary, Gamma-Gamma at its
 * boundary too, pyramid cut-offs as shares of profit, the top service
 * tier. */
static void test_pnbd_boundary(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    c.model = SC_MODEL_PNBD;
    c.tier.basis = TIER_BASIS_PROFIT;
    sc_facts f;
    fixture_facts(&c, &f);
    f.satisfaction = 2;
    f.nps = 10;
    f.assets = 2000000000;
    f.prospect = 0;
    sc_state st;
    base_state(&st);
    st.model = SC_MODEL_PNBD;
    st.fitted = true;
    st.pn = (pnbd_params){0.553, 10.58, 0.606, 11.67};
    st.fit.at_boundary = 15u;
    st.gg_fitted = true;
    st.gg = (gg_params){6.25, 3.74, 15.44};
    st.gg_fit.at_boundary = 6u;
    check("pnbd_boundary", &c, &st, &f, WANT_PNBD_BOUNDARY);
}

/* A young buyer: two purchase days in the last weeks, no fitted model. */
static void test_young(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    static int32_t day[] = {TODAY - 20, TODAY - 3};
    static int64_t amount[] = {250000, 125050};
    static int64_t cost[] = {100000, AN_COST_UNKNOWN};
    an_rows rows = {.n = 2, .day = day, .amount64 = amount, .cost64 = cost};
    sc_facts f;
    sc_facts_rows(&rows, TODAY, &c, &f);
    sc_facts_crm_clear(&f);
    sc_state st;
    base_state(&st);
    fitted_bgnbd(&st);
    st.fit.at_boundary = 3u;
    st.gg_fitted = false;
    check("young", &c, &st, &f, WANT_YOUNG);
}

/* A buyer who lapsed two years ago (P(alive) low: lifecycle inactive),
 * under a BG/NBD whose drop-out parameters ran to the boundary. */
static void test_lapsed(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    static int32_t day[] = {TODAY - 1500, TODAY - 1200, TODAY - 900, TODAY - 760, TODAY - 730};
    static int64_t amount[] = {5000, 7000, 6000, 8000, 3000};
    static int64_t cost[] = {2000, 3000, 2500, 3000, 1000};
    an_rows rows = {.n = 5, .day = day, .amount64 = amount, .cost64 = cost};
    sc_facts f;
    sc_facts_rows(&rows, TODAY, &c, &f);
    sc_facts_crm_clear(&f);
    f.satisfaction = 4;
    sc_state st;
    base_state(&st);
    fitted_bgnbd(&st);
    st.fit.at_boundary = 12u; /* a, b: the drop-out probability */
    check("lapsed", &c, &st, &f, WANT_LAPSED);
}

/* Bought only from competitors: the summary, loyalty and behaviour only,
 * then with assets and a prospect worksheet. */
static void test_competitor_only(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    static int32_t day[] = {TODAY - 40};
    static int64_t amount[] = {1000};
    static int64_t cost[] = {AN_COST_COMPETITOR};
    an_rows rows = {.n = 1, .day = day, .amount64 = amount, .cost64 = cost};
    sc_facts f;
    sc_facts_rows(&rows, TODAY, &c, &f);
    sc_facts_crm_clear(&f);
    sc_state st;
    base_state(&st);
    check("competitor_only", &c, &st, &f, WANT_COMPETITOR_ONLY);
    f.assets = 20000000;
    f.prospect = 7;
    f.nps = 9;
    check("competitor_crm", &c, &st, &f, WANT_COMPETITOR_CRM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unfitted),     cmocka_unit_test(test_bgnbd),  cmocka_unit_test(test_pnbd_boundary),
        cmocka_unit_test(test_young),        cmocka_unit_test(test_lapsed), cmocka_unit_test(test_competitor_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
