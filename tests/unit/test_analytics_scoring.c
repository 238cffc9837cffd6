/*
 * test_analytics_scoring.c — the columnar store (grouping, overlays,
 * compaction), per-party facts (competitor rows, missing costs, refunds,
 * trend windows), the population cuts of a run against brute force (RFM
 * quintiles with ties, the pyramid against tier_assign), and one party
 * scored alone against the same party in the batch.
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

#include "analytics/hyp2f1.h"
#include "analytics/scoring.h"
#include "analytics/store.h"

static void test_store(void **state)
{
    (void)state;
    an_store s;
    an_store_init(&s);
    /* Parties 30, 10, 20 interleaved and out of day order. */
    int64_t pid[] = {30, 10, 30, 20, 10, 30};
    int32_t day[] = {5, 9, 1, 4, 2, 3};
    for (int i = 0; i < 6; i++)
        assert_int_equal(an_store_append(&s, pid[i], day[i], 100 * (i + 1), i == 1 ? AN_COST_COMPETITOR : 10), 0);
    assert_non_null(s.party); /* out of order: sorted at the finish */
    assert_int_equal(an_store_finish(&s), 0);
    assert_int_equal(s.nparties, 3);
    assert_int_equal(an_store_count(&s), 6);
    int64_t p30 = an_store_party(&s, 30, 0), p10 = an_store_party(&s, 10, 0);
    assert_true(p30 >= 0 && p10 >= 0);
    assert_int_equal(an_store_party(&s, 99, 0), -1);
    an_rows r = an_store_rows(&s, (size_t)p30);
    assert_int_equal(r.n, 3);
    assert_int_equal(an_row_day(&r, 0), 1);
    assert_int_equal(an_row_day(&r, 1), 3);
    assert_int_equal(an_row_day(&r, 2), 5);
    assert_int_equal(an_row_amount(&r, 0), 300);
    r = an_store_rows(&s, (size_t)p10);
    assert_int_equal(r.n, 2);
    assert_int_equal(an_row_day(&r, 0), 2);
    assert_true(an_row_cost(&r, 1) == AN_COST_COMPETITOR);
    assert_true(r.cost[1] == AN_COST32_COMPETITOR); /* narrow, from the columns */
    /* Replace party 10, add a new party 40. */
    int32_t d2[] = {8, 7};
    int64_t a2[] = {1, 2}, c2[] = {0, AN_COST_UNKNOWN};
    assert_int_equal(an_store_replace(&s, 10, 2, d2, a2, c2), 0);
    assert_int_equal(an_store_replace(&s, 40, 1, d2, a2, c2), 0);
    r = an_store_rows(&s, (size_t)p10);
    assert_int_equal(an_row_day(&r, 0), 7);
    assert_int_equal(an_row_amount(&r, 0), 2);
    assert_true(an_row_cost(&r, 0) == AN_COST_UNKNOWN);
    assert_int_equal(an_store_count(&s), 7);
    assert_int_equal(an_store_compact(&s), 0);
    assert_int_equal(an_store_count(&s), 7);
    assert_int_equal(s.n, 7);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 40, 0));
    assert_int_equal(r.n, 1);
    assert_int_equal(an_row_day(&r, 0), 8);
    r = an_store_rows(&s, (size_t)p30);
    assert_int_equal(r.n, 3);
    assert_int_equal(an_row_day(&r, 2), 5);
    r = an_store_rows(&s, (size_t)p10);
    assert_int_equal(r.n, 2);
    assert_true(an_row_cost(&r, 0) == AN_COST_UNKNOWN); /* day 7 */
    assert_int_equal(an_row_cost(&r, 1), 0);
    assert_null(r.amount64); /* folded back into the 32-bit columns */
    assert_int_equal(an_store_row_bytes(&s) / s.cap, 10);
    assert_null(s.party); /* no party column once grouped */
    an_store_free(&s);
    /* Many parties: the hash grows. */
    an_store_init(&s);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(an_store_append(&s, 1000000 - 7 * i, i % 365, 1, 0), 0);
    assert_null(s.party); /* arrived grouped: no party column, nothing to sort */
    assert_int_equal(an_store_finish(&s), 0);
    assert_int_equal(s.nparties, 100000);
    assert_int_equal(an_store_party(&s, 1000000 - 7 * 4242, 0), 4242);
    an_store_free(&s);
}

/* Values that need 64 bits keep their party's rows whole, through the load,
 * replacement and compaction; the edges of the 32-bit range stay narrow. */
/* Party ids take 4 bytes; ids outside 0..2^32-2 (none in a real database)
 * still work, through the rehashes of a growing index. */
static void test_store_big_ids(void **state)
{
    (void)state;
    an_store s;
    an_store_init(&s);
    const int64_t odd[] = {5000000000LL, -3, 0, (int64_t)UINT32_MAX - 1, UINT32_MAX, INT64_MAX};
    for (int i = 0; i < 5000; i++) {
        int64_t id = i % 1000 == 7 ? odd[(i / 1000) % 6] + (i / 6000) : 10 * i + 1;
        assert_int_equal(an_store_append(&s, id, i % 50, i, 0), 0);
    }
    assert_int_equal(an_store_finish(&s), 0);
    assert_int_equal(s.nparties, 5000);
    assert_int_equal(s.nbig, 3); /* 5e9, -3 and 2^32-1; 2^32-2 still fits */
    for (int k = 0; k < 5; k++) {
        int64_t p = an_store_party(&s, odd[k], 0);
        assert_true(p >= 0);
        assert_true(an_store_party_id(&s, (size_t)p) == odd[k]);
        an_rows r = an_store_rows(&s, (size_t)p);
        assert_int_equal(r.n, 1);
        assert_int_equal(an_row_amount(&r, 0), 1000 * k + 7);
    }
    assert_int_equal(an_store_party(&s, INT64_MAX, 0), -1);
    assert_int_equal(an_store_party_id(&s, (size_t)an_store_party(&s, 10 * 4242 + 1, 0)), 10 * 4242 + 1);
    /* A new big id after the load, replaced and compacted. */
    int32_t d[] = {3};
    int64_t a[] = {9}, c[] = {0};
    assert_int_equal(an_store_replace(&s, -77, 1, d, a, c), 0);
    assert_int_equal(an_store_compact(&s), 0);
    int64_t p = an_store_party(&s, -77, 0);
    assert_true(p >= 0 && an_store_party_id(&s, (size_t)p) == -77);
    an_rows r = an_store_rows(&s, (size_t)p);
    assert_int_equal(an_row_amount(&r, 0), 9);
    assert_int_equal(s.nbig, 4);
    an_store_free(&s);
}

/* Grouped rows, then a row of an earlier party: the party column is made
 * from the ranges and the finish sorts every row into place. */
static void test_store_regroup(void **state)
{
    (void)state;
    an_store s;
    an_store_init(&s);
    int64_t pid[] = {5, 5, 5, 6, 6, 7, 5, 7, 6};
    int32_t day[] = {1, 2, 2, 1, 9, 4, 0, 3, 5};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(an_store_append(&s, pid[i], day[i], i + 1, 0), 0);
        if (i == 5)
            assert_null(s.party);
    }
    assert_non_null(s.party);
    assert_int_equal(an_store_finish(&s), 0);
    assert_null(s.party);
    an_rows r = an_store_rows(&s, (size_t)an_store_party(&s, 5, 0));
    assert_int_equal(r.n, 4);
    assert_int_equal(an_row_day(&r, 0), 0);
    assert_int_equal(an_row_amount(&r, 0), 7);
    assert_int_equal(an_row_day(&r, 3), 2);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 6, 0));
    assert_int_equal(r.n, 3);
    assert_int_equal(an_row_day(&r, 1), 5);
    assert_int_equal(an_row_amount(&r, 2), 5);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 7, 0));
    assert_int_equal(r.n, 2);
    assert_int_equal(an_row_day(&r, 0), 3);
    assert_int_equal(an_row_day(&r, 1), 4);
    /* Appending after the finish keeps the grouping rule. */
    assert_int_equal(an_store_append(&s, 8, 1, 100, 0), 0);
    assert_null(s.party);
    assert_int_equal(an_store_append(&s, 5, 3, 200, 0), 0);
    assert_non_null(s.party);
    assert_int_equal(an_store_finish(&s), 0);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 5, 0));
    assert_int_equal(r.n, 5);
    assert_int_equal(an_row_amount(&r, 4), 200);
    assert_int_equal(an_store_count(&s), 11);
    an_store_free(&s);
}

static void test_store_wide(void **state)
{
    (void)state;
    an_store s;
    an_store_init(&s);
    const int64_t big = 5000000000LL, lo = INT32_MIN + 2;
    assert_int_equal(an_store_append(&s, 1, 10, 100, 50), 0);
    assert_int_equal(an_store_append(&s, 2, 11, INT32_MAX, lo), 0);
    assert_int_equal(an_store_append(&s, 1, 5, big, AN_COST_UNKNOWN), 0);
    assert_int_equal(an_store_append(&s, 3, 7, -big, INT64_MAX), 0);
    assert_int_equal(an_store_append(&s, 1, 20, 300, AN_COST_COMPETITOR), 0);
    assert_int_equal(an_store_append(&s, 2, 12, INT32_MIN + 1, 0), 0); /* amount below the narrow range */
    assert_int_equal(an_store_finish(&s), 0);
    assert_int_equal(an_store_count(&s), 6);
    assert_int_equal(s.nwide, 3);
    an_rows r = an_store_rows(&s, (size_t)an_store_party(&s, 1, 0));
    assert_int_equal(r.n, 3);
    assert_non_null(r.amount64);
    assert_int_equal(an_row_day(&r, 0), 5);
    assert_true(an_row_amount(&r, 0) == big);
    assert_true(an_row_cost(&r, 0) == AN_COST_UNKNOWN);
    assert_int_equal(an_row_amount(&r, 1), 100);
    assert_int_equal(an_row_cost(&r, 1), 50);
    assert_true(an_row_cost(&r, 2) == AN_COST_COMPETITOR);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 2, 0));
    assert_int_equal(r.n, 2);
    assert_true(an_row_amount(&r, 0) == INT32_MAX);
    assert_true(an_row_cost(&r, 0) == lo);
    assert_true(an_row_amount(&r, 1) == INT32_MIN + 1);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 3, 0));
    assert_true(an_row_amount(&r, 0) == -big && an_row_cost(&r, 0) == INT64_MAX);
    /* Party 1 becomes narrow, party 4 arrives wide; compaction keeps 2, 3, 4. */
    int32_t d[] = {30, 31};
    int64_t a[] = {7, 8}, c[] = {1, AN_COST_COMPETITOR}, aw[] = {9, big};
    assert_int_equal(an_store_replace(&s, 1, 2, d, a, c), 0);
    assert_int_equal(an_store_replace(&s, 4, 2, d, aw, c), 0);
    assert_int_equal(an_store_compact(&s), 0);
    assert_int_equal(an_store_count(&s), 2 + 2 + 1 + 2);
    assert_int_equal(s.nwide, 3);
    assert_int_equal(s.novl, 3);
    assert_int_equal(s.n, 2);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 1, 0));
    assert_null(r.amount64);
    assert_int_equal(an_row_amount(&r, 1), 8);
    assert_true(an_row_cost(&r, 1) == AN_COST_COMPETITOR);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 4, 0));
    assert_true(an_row_amount(&r, 1) == big);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 2, 0));
    assert_true(an_row_amount(&r, 0) == INT32_MAX);
    /* A replacement that makes party 2 narrow folds it in at the next compaction. */
    int64_t c0[] = {0, 0};
    assert_int_equal(an_store_replace(&s, 2, 2, d, a, c0), 0);
    assert_int_equal(an_store_compact(&s), 0);
    assert_int_equal(s.nwide, 2);
    assert_int_equal(s.n, 4);
    assert_int_equal(an_store_count(&s), 2 + 2 + 1 + 2);
    an_store_free(&s);
    /* Days: 1900-01-01 to 2079-06-06 fit the 16-bit column; 1899 and later are wide. */
    an_store_init(&s);
    assert_int_equal(an_store_append(&s, 7, AN_DAY0, 1, 1), 0);
    assert_int_equal(an_store_append(&s, 7, AN_DAY0 + UINT16_MAX, 2, 2), 0);
    assert_int_equal(an_store_append(&s, 8, AN_DAY0 + UINT16_MAX + 1, 3, 3), 0);
    assert_int_equal(an_store_append(&s, 9, AN_DAY0 - 1, 4, 4), 0);
    assert_int_equal(an_store_finish(&s), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.nwide, 2);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 7, 0));
    assert_non_null(r.day16);
    assert_int_equal(an_row_day(&r, 0), AN_DAY0);
    assert_int_equal(an_row_day(&r, 1), AN_DAY0 + UINT16_MAX);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 8, 0));
    assert_int_equal(an_row_day(&r, 0), AN_DAY0 + UINT16_MAX + 1);
    r = an_store_rows(&s, (size_t)an_store_party(&s, 9, 0));
    assert_int_equal(an_row_day(&r, 0), AN_DAY0 - 1);
    assert_int_equal(an_row_amount(&r, 0), 4);
    an_store_free(&s);
}

/* One party's transactions, shared by test_facts and test_explain_structured:
 * days relative to FIXTURE_TODAY (the window of 26 weeks is 182 days), a
 * return (-3000), an unknown cost and a purchase from a competitor. */
#define FIXTURE_TODAY 20000
static an_rows fixture_rows(void)
{
    static int32_t day[] = {FIXTURE_TODAY - 300, FIXTURE_TODAY - 300, FIXTURE_TODAY - 250, FIXTURE_TODAY - 100,
                            FIXTURE_TODAY - 100, FIXTURE_TODAY - 10, FIXTURE_TODAY - 5};
    static int64_t amount[] = {1000, 500, 2000, 3000, -3000, 4000, 9999};
    static int64_t cost[] = {600, AN_COST_UNKNOWN, 1000, 1500, -1500, 2000, AN_COST_COMPETITOR};
    return (an_rows){.n = 7, .day = day, .amount64 = amount, .cost64 = cost};
}

static void test_facts(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    int32_t today = FIXTURE_TODAY;
    an_rows r = fixture_rows();
    sc_facts f;
    sc_facts_rows(&r, today, &c, &f);
    assert_int_equal(f.transactions, 6);
    assert_int_equal(f.purchase_days, 4);          /* -300, -250, -100, -10 */
    assert_int_equal(f.first_day, today - 300);
    assert_int_equal(f.last_day, today - 10);
    assert_int_equal(f.revenue, 1000 + 500 + 2000 + 3000 - 3000 + 4000);
    assert_int_equal(f.cost, 600 + 350 + 1000 + 1500 - 1500 + 2000); /* 500 x (1 - 0.3) */
    assert_int_equal(f.repeat_amount, 2000 + 3000 + 4000);
    assert_int_equal(f.competitor_amount, 9999);
    assert_int_equal(f.recent_days, 2);            /* -100, -10 */
    assert_int_equal(f.prior_days, 2);             /* -300, -250 */
    assert_int_equal(f.recent_revenue, 7500);      /* all own rows lie within 52 weeks */
}

/* Issue 14: 9,312 rows of 10^15 wrapped a party's revenue to a negative
 * number. The totals are checked sums now: held at the bound and flagged
 * when they do not fit, exact when only partial sums leave int64. */
static void test_facts_money_overflow(void **state)
{
    (void)state;
    enum { N = 9312, M = 2 * 9300 + 1 };
    static int32_t day[M];
    static int64_t amount[M], cost[M];
    for (int i = 0; i < M; i++) {
        day[i] = FIXTURE_TODAY - 600 + i / 40;
        amount[i] = 1000000000000000LL;
        cost[i] = AN_COST_UNKNOWN;
    }
    sc_config c;
    sc_config_default(&c);
    sc_facts f;
    an_rows r = {.n = N, .day = day, .amount64 = amount, .cost64 = cost};
    sc_facts_rows(&r, FIXTURE_TODAY, &c, &f);
    sc_facts_crm_clear(&f);
    assert_true(f.revenue == INT64_MAX);
    assert_true(f.rows_saturated);
    assert_true(sc_facts_saturated(&f));
    assert_true(f.cost == (int64_t)N * 700000000000000LL); /* 70% estimated, fits */
    /* Partial sums beyond int64, a revenue that fits: exact. (The repeat
     * amount, the positive rows after the first day, is still beyond.) */
    for (int i = 9300; i < 2 * 9300; i++) amount[i] = -1000000000000000LL;
    amount[M - 1] = 7;
    r.n = M;
    sc_facts_rows(&r, FIXTURE_TODAY, &c, &f);
    sc_facts_crm_clear(&f);
    assert_true(f.revenue == 7);
    assert_true(f.repeat_amount == INT64_MAX && f.rows_saturated);
    /* A derived figure that does not fit is held too: profit of a maximal
     * revenue with a negative cost. */
    f.revenue = INT64_MAX - 5;
    f.cost = -100;
    f.rows_saturated = false;
    bool sat = false;
    assert_true(sc_profit(&f, &sat) == INT64_MAX);
    assert_true(sat);
    assert_true(sc_facts_saturated(&f));
    f.cost = 0;
    f.cost_to_serve = INT64_MIN + 1;
    assert_true(sc_net_profit(&f, NULL) == INT64_MAX);
    assert_true(sc_facts_saturated(&f));
    f.cost_to_serve = 1;
    assert_false(sc_facts_saturated(&f));
}

/* Brute force: ties share the lower score, 1 + floor(5 k / n) for k
 * customers strictly worse. */
static int brute_score(size_t n, const double *g, size_t i)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        k += g[j] < g[i];
    return 1 + (int)(5 * k / n);
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* brute_score by binary search in a sorted copy (for the large rounds). */
static int sorted_score(size_t n, const double *sorted, double v)
{
    size_t lo = 0, hi = n; /* first index with sorted[i] >= v */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 1 + (int)(5 * lo / n);
}

/* Rounds 4 and 5 are large enough for sc_segments to run on two threads
 * (compacting each chunk's buyers) and mix in parties without a purchase;
 * round 5 also has recencies and purchase days beyond the counted range
 * (RFM_COUNT_MAX), where R and F fall back to selections. */
static void test_population_cuts(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    for (int round = 0; round < 6; round++) {
        size_t n = round == 0 ? 7 : round == 1 ? 100 : round == 2 ? 1001 : round == 3 ? 5000 : 60000;
        int large = round >= 4, wide = round == 5;
        sc_facts *f = calloc(n, sizeof *f);
        sc_result *res = calloc(n, sizeof *res);
        double *g = malloc(3 * n * sizeof *g), *profit = malloc(n * sizeof *profit);
        double *sorted = malloc(3 * n * sizeof *sorted);
        size_t *idx = malloc(n * sizeof *idx);
        uint8_t *tier = malloc(n);
        sc_state st;
        memset(&st, 0, sizeof st);
        st.today = 20000;
        size_t nb = 0;
        for (size_t i = 0; i < n; i++) {
            sc_facts_crm_clear(&f[i]);
            if (large && next_u32() % 3 == 0) { /* no purchase */
                f[i].first_day = f[i].last_day = INT32_MIN;
                continue;
            }
            f[i].purchase_days = 1 + (int32_t)(next_u32() % 4); /* heavy ties */
            f[i].first_day = 19000;
            f[i].last_day = 20000 - (int32_t)(next_u32() % 50);
            if (wide && i % 1000 == 7) {
                f[i].purchase_days = 70000 + (int32_t)(next_u32() % 5);
                f[i].first_day = f[i].last_day = 20000 - 80000 - (int32_t)(next_u32() % 5);
            }
            f[i].transactions = f[i].purchase_days;
            f[i].revenue = (int64_t)(next_u32() % 30) * 1000 * f[i].purchase_days;
            f[i].cost = (int64_t)(next_u32() % 20) * 1000;
            f[i].cost_to_serve = i % 5 == 0 ? 5000 : 0;
            idx[nb] = i;
            g[nb] = -(double)(st.today - f[i].last_day);
            g[n + nb] = f[i].purchase_days;
            g[2 * n + nb] = (double)f[i].revenue / f[i].purchase_days;
            profit[nb] = (double)(f[i].revenue - f[i].cost - f[i].cost_to_serve);
            nb++;
        }
        for (int d = 0; d < 3; d++) {
            memcpy(sorted + d * n, g + d * n, nb * sizeof *g);
            qsort(sorted + d * n, nb, sizeof *sorted, cmp_double);
        }
        assert_int_equal(sc_segments(&c, n, f, &st, res), AN_OK);
        assert_int_equal(st.buyers, nb);
        for (size_t b = 0; b < nb; b++) {
            const sc_result *r = &res[idx[b]];
            assert_true(r->buyer);
            if (large) {
                assert_int_equal(r->r, sorted_score(nb, sorted, g[b]));
                assert_int_equal(r->f, sorted_score(nb, sorted + n, g[n + b]));
                assert_int_equal(r->m, sorted_score(nb, sorted + 2 * n, g[2 * n + b]));
            } else {
                assert_int_equal(r->r, brute_score(n, g, b));
                assert_int_equal(r->f, brute_score(n, g + n, b));
                assert_int_equal(r->m, brute_score(n, g + 2 * n, b));
            }
        }
        for (size_t i = 0; i < n; i++)
            if (f[i].purchase_days == 0)
                assert_false(res[i].buyer);
        /* The pyramid cuts reproduce tier_assign. */
        assert_int_equal(tier_assign(nb, profit, &c.tier, tier, NULL), AN_OK);
        for (size_t b = 0; b < nb; b++)
            assert_int_equal(res[idx[b]].tier, tier[b]);
        /* Profit basis too. */
        sc_config cp = c;
        cp.tier.basis = TIER_BASIS_PROFIT;
        cp.tier.platinum = 0.3;
        cp.tier.gold = 0.3;
        assert_int_equal(sc_segments(&cp, n, f, &st, res), AN_OK);
        assert_int_equal(tier_assign(nb, profit, &cp.tier, tier, NULL), AN_OK);
        for (size_t b = 0; b < nb; b++)
            assert_int_equal(res[idx[b]].tier, tier[b]);
        free(f);
        free(res);
        free(g);
        free(sorted);
        free(idx);
        free(profit);
        free(tier);
    }
}

static void emit_count(void *ctx, const sc_explanation *e)
{
    assert_true(strlen(e->text) > 10);
    assert_non_null(strchr(e->message, '.'));
    (*(int *)ctx)++;
}

/* A copy of every structured explanation sc_explain emits. */
typedef struct {
    char key[32], message[48], text[640];
    size_t nargs;
    sc_arg args[SC_MAX_ARGS];
    char s[SC_MAX_ARGS][160]; /* copies of the text / label arguments */
} captured;

typedef struct {
    size_t n;
    captured e[20];
} capture;

static void emit_capture(void *ctx, const sc_explanation *e)
{
    capture *cp = ctx;
    assert_true(cp->n < 20);
    captured *c = &cp->e[cp->n++];
    snprintf(c->key, sizeof c->key, "%s", e->key);
    snprintf(c->message, sizeof c->message, "%s", e->message);
    snprintf(c->text, sizeof c->text, "%s", e->text);
    c->nargs = e->nargs;
    for (size_t i = 0; i < e->nargs; i++) {
        c->args[i] = e->args[i];
        snprintf(c->s[i], sizeof c->s[i], "%s", e->args[i].s ? e->args[i].s : "");
        c->args[i].s = c->s[i];
    }
}

static const captured *find_key(const capture *cp, const char *key)
{
    for (size_t i = 0; i < cp->n; i++)
        if (!strcmp(cp->e[i].key, key))
            return &cp->e[i];
    return NULL;
}

static const sc_arg *find_arg(const captured *c, const char *name, sc_arg_kind kind)
{
    assert_non_null(c);
    for (size_t i = 0; i < c->nargs; i++)
        if (!strcmp(c->args[i].name, name)) {
            assert_int_equal(c->args[i].kind, kind);
            return &c->args[i];
        }
    fail_msg("%s has no argument %s", c->key, name);
    return NULL;
}

static int64_t arg_int(const captured *c, const char *name, sc_arg_kind kind)
{
    return find_arg(c, name, kind)->i;
}

static void assert_arg_label(const captured *c, const char *name, const char *vocab, const char *value)
{
    const sc_arg *a = find_arg(c, name, SC_ARG_LABEL);
    assert_string_equal(a->vocab, vocab);
    assert_string_equal(a->s, value);
}

/* The structured explanations of a constructed party (the rows of
 * test_facts, a cost to serve, a satisfaction answer, assets and a
 * prospect worksheet) against a hand-made state: every message id and the
 * numbers, amounts, dates and labels the translated text needs. */
static void test_explain_structured(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    int32_t today = FIXTURE_TODAY;
    an_rows rows = fixture_rows();
    sc_facts f;
    sc_facts_rows(&rows, today, &c, &f);
    sc_facts_crm_clear(&f);
    f.cost_to_serve = 700;
    f.satisfaction = 5;
    f.assets = 150000000;  /* 1.5M: personal_wealth (>= 1M, < 3M) */
    f.prospect = 5;
    sc_state st;
    memset(&st, 0, sizeof st);
    st.today = today;
    st.buyers = 3;
    st.tier.platinum_min = 100000;
    st.tier.gold_min = 2000;
    st.cut_current = st.cut_potential = st.cut_history = st.cut_future = 1000;
    st.cut_profit = 5000;
    st.cut_cost = 500;
    st.cut_revenue = st.cut_ka_potential = 100;
    sc_result r;
    sc_score_one(&c, &st, &f, &r);
    capture cp = {0};
    sc_explain(&c, &st, &f, &r, emit_capture, &cp);
    /* Every key once, with its English text. */
    static const char *const keys[] = {"summary", "rfm", "tier", "model", "clv", "value_quadrant", "future_matrix",
                                       "profit_matrix", "lifecycle", "strategy", "priority", "loyalty", "behaviour",
                                       "service_tier", "prospect"};
    assert_int_equal(cp.n, sizeof keys / sizeof keys[0]);
    for (size_t i = 0; i < cp.n; i++) {
        assert_string_equal(cp.e[i].key, keys[i]);
        assert_true(strlen(cp.e[i].text) > 10);
    }

    const captured *e = find_key(&cp, "summary");
    assert_string_equal(e->message, "summary.purchases");
    assert_int_equal(arg_int(e, "transactions", SC_ARG_INT), 6);
    assert_int_equal(arg_int(e, "purchase_days", SC_ARG_INT), 4);
    assert_int_equal(arg_int(e, "first_purchase", SC_ARG_DATE), today - 300);
    assert_int_equal(arg_int(e, "last_purchase", SC_ARG_DATE), today - 10);
    assert_int_equal(arg_int(e, "repeat", SC_ARG_INT), 3);
    assert_int_equal(arg_int(e, "revenue", SC_ARG_MONEY), 7500);
    assert_int_equal(arg_int(e, "cost", SC_ARG_MONEY), 3950);
    assert_int_equal(arg_int(e, "profit", SC_ARG_MONEY), 3550);
    assert_int_equal(arg_int(e, "cost_to_serve", SC_ARG_MONEY), 700);
    assert_int_equal(arg_int(e, "net_profit", SC_ARG_MONEY), 2850);
    assert_true(fabs(find_arg(e, "competitor_share_pct", SC_ARG_REAL)->d - 57.1) < 1e-9); /* 9999 / 17499 */

    e = find_key(&cp, "rfm");
    assert_string_equal(e->message, "rfm.quintiles");
    assert_int_equal(arg_int(e, "recency_days", SC_ARG_INT), 10);
    assert_int_equal(arg_int(e, "r", SC_ARG_INT), r.r);
    assert_int_equal(arg_int(e, "purchase_days", SC_ARG_INT), 4);
    assert_int_equal(arg_int(e, "f", SC_ARG_INT), r.f);
    assert_int_equal(arg_int(e, "mean_spend", SC_ARG_MONEY), 1875);
    assert_int_equal(arg_int(e, "m", SC_ARG_INT), r.m);
    assert_int_equal(arg_int(e, "buyers", SC_ARG_INT), 3);
    assert_arg_label(e, "segment", "rfm", rfm_segment_name(r.segment));

    e = find_key(&cp, "tier");
    assert_string_equal(e->message, "tier.customers");
    assert_int_equal(r.tier, TIER_GOLD);
    assert_int_equal(arg_int(e, "net_profit", SC_ARG_MONEY), 2850);
    assert_int_equal(arg_int(e, "platinum_min", SC_ARG_MONEY), 100000);
    assert_int_equal(arg_int(e, "gold_min", SC_ARG_MONEY), 2000);
    assert_arg_label(e, "tier", "tier", "gold");

    assert_string_equal(find_key(&cp, "model")->message, "model.unfitted");
    e = find_key(&cp, "clv");
    assert_string_equal(e->message, "clv.parts");
    assert_int_equal(arg_int(e, "historical", SC_ARG_MONEY), 2850);
    assert_int_equal(arg_int(e, "total", SC_ARG_MONEY), (int64_t)llround(r.clv.total));

    e = find_key(&cp, "profit_matrix");
    assert_int_equal(arg_int(e, "profit", SC_ARG_MONEY), 3550);
    assert_int_equal(arg_int(e, "cost_cut", SC_ARG_MONEY), 500);
    assert_arg_label(e, "cell", "profit_matrix", matrix_profit_cost_name(r.profit));

    /* 2 purchase days in the last 26 weeks, 2 in the 16.9 before: the rate
     * fell by a third, above the drop of one half: stability. */
    e = find_key(&cp, "lifecycle");
    assert_string_equal(e->message, "lifecycle.trend");
    assert_int_equal(r.lifecycle, LIFECYCLE_STABILITY);
    assert_int_equal(arg_int(e, "recent_days", SC_ARG_INT), 2);
    assert_int_equal(arg_int(e, "prior_days", SC_ARG_INT), 2);
    double rr = 2.0 / 26, rp = 2.0 / (300.0 / 7 - 26);
    assert_true(fabs(find_arg(e, "trend", SC_ARG_REAL)->d - round(100 * (rr - rp) / rp) / 100) < 1e-9);
    assert_arg_label(e, "stage", "lifecycle", "stability");

    e = find_key(&cp, "strategy");
    assert_arg_label(e, "tier", "tier", "gold");
    assert_arg_label(e, "strategy", "strategy", "caring");

    /* No fitted model: P(alive) unknown, so not loyal but old. */
    e = find_key(&cp, "loyalty");
    assert_string_equal(e->message, "loyalty.class");
    assert_true(isnan(find_arg(e, "p_alive", SC_ARG_REAL)->d));
    assert_arg_label(e, "loyalty", "loyalty_class", "old");

    e = find_key(&cp, "behaviour");
    assert_string_equal(e->message, "behaviour.high_attitude");
    assert_true(find_arg(e, "satisfaction", SC_ARG_REAL)->d == 5);
    assert_true(isnan(find_arg(e, "nps", SC_ARG_REAL)->d));
    assert_arg_label(e, "behaviour", "behaviour", loyalty_behaviour_name((behaviour_quadrant)r.behaviour));

    e = find_key(&cp, "service_tier");
    assert_string_equal(e->message, "service_tier.above");
    assert_int_equal(arg_int(e, "assets", SC_ARG_MONEY), 150000000);
    assert_int_equal(arg_int(e, "threshold", SC_ARG_MONEY), 100000000);
    assert_int_equal(arg_int(e, "level", SC_ARG_INT), 2);
    assert_arg_label(e, "service_tier", "service_tier", "personal_wealth");

    assert_int_equal(arg_int(find_key(&cp, "prospect"), "score", SC_ARG_INT), 5);

    /* A party that bought only from competitors: no labels of buyers. */
    int64_t comp_cost[] = {AN_COST_COMPETITOR};
    an_rows crow = {.n = 1, .day = rows.day, .amount64 = rows.amount64, .cost64 = comp_cost};
    sc_facts_rows(&crow, today, &c, &f);
    sc_facts_crm_clear(&f);
    sc_score_one(&c, &st, &f, &r);
    memset(&cp, 0, sizeof cp);
    sc_explain(&c, &st, &f, &r, emit_capture, &cp);
    assert_int_equal(cp.n, 3); /* summary, loyalty, behaviour */
    e = find_key(&cp, "summary");
    assert_string_equal(e->message, "summary.no_purchase");
    assert_int_equal(arg_int(e, "competitor_amount", SC_ARG_MONEY), 1000);
    assert_null(find_key(&cp, "rfm"));
    e = find_key(&cp, "loyalty");
    assert_string_equal(e->message, "loyalty.no_purchase");
    assert_arg_label(e, "loyalty", "loyalty_class", "potential");
    assert_string_equal(find_key(&cp, "behaviour")->message, "behaviour.unknown");
}

static void test_one_equals_batch(void **state)
{
    (void)state;
    sc_config c;
    sc_config_default(&c);
    size_t n = 400;
    sc_facts *f = calloc(n, sizeof *f);
    sc_result *res = calloc(n, sizeof *res);
    for (size_t i = 0; i < n; i++) {
        sc_facts_crm_clear(&f[i]);
        int days = (int)(1 + next_u32() % 12);
        f[i].purchase_days = days;
        f[i].transactions = days;
        f[i].first_day = 20000 - 400 + (int32_t)(next_u32() % 100);
        f[i].last_day = days == 1 ? f[i].first_day : f[i].first_day + (int32_t)(next_u32() % 290);
        f[i].revenue = 10000 + (int64_t)(next_u32() % 90000);
        f[i].cost = f[i].revenue / 2;
        f[i].repeat_amount = days > 1 ? f[i].revenue * (days - 1) / days : 0;
        f[i].recent_days = (int32_t)(next_u32() % (unsigned)days);
        f[i].prior_days = days - f[i].recent_days;
        f[i].recent_revenue = f[i].revenue / 3;
        if (i % 7 == 0)
            f[i].satisfaction = 5;
        if (i % 11 == 0)
            f[i].assets = 50000000;
    }
    sc_state st;
    memset(&st, 0, sizeof st);
    st.today = 20000;
    assert_int_equal(sc_fit(&c, n, f, &st), AN_OK);
    assert_true(st.fitted);
    assert_true(st.gg_fitted);
    assert_int_equal(sc_segments(&c, n, f, &st, res), AN_OK);
    assert_int_equal(sc_values(&c, n, f, &st, res), AN_OK);
    for (size_t i = 0; i < n; i++) {
        sc_result one;
        sc_score_one(&c, &st, &f[i], &one);
        assert_true(isfinite(res[i].p_alive) && res[i].p_alive >= 0 && res[i].p_alive <= 1);
        assert_true(isfinite(res[i].clv.total));
        assert_true(fabs(one.p_alive - res[i].p_alive) < 1e-9);
        assert_true(fabs(one.expected - res[i].expected) < 1e-6 * (1 + res[i].expected));
        assert_true(fabs(one.clv.total - res[i].clv.total) < 1e-6 * (1 + fabs(res[i].clv.total)));
        assert_int_equal(one.r, res[i].r);
        assert_int_equal(one.f, res[i].f);
        assert_int_equal(one.m, res[i].m);
        assert_int_equal(one.tier, res[i].tier);
        assert_int_equal(one.lifecycle, res[i].lifecycle);
        assert_int_equal(one.quadrant, res[i].quadrant);
        assert_int_equal(one.priority, res[i].priority);
        assert_int_equal(one.loyalty, res[i].loyalty);
        assert_int_equal(one.behaviour, res[i].behaviour);
        assert_int_equal(one.service_tier, res[i].service_tier);
        assert_int_equal(res[i].behaviour < 0, i % 7 != 0);
        if (i % 11 == 0)
            assert_int_equal(res[i].service_tier, 1); /* 500k >= 200k, < 1M */
    }
    int k = 0;
    sc_explain(&c, &st, &f[0], &res[0], emit_count, &k);
    assert_true(k >= 14);
    /* With a fitted model: its name, P(alive) and the Gamma-Gamma spend. */
    capture cp = {0};
    sc_explain(&c, &st, &f[0], &res[0], emit_capture, &cp);
    const captured *e = find_key(&cp, "model");
    assert_string_equal(e->message, "model.gamma_gamma");
    assert_string_equal(find_arg(e, "model", SC_ARG_TEXT)->s, "BG/NBD");
    assert_true(fabs(find_arg(e, "p_alive", SC_ARG_REAL)->d - round(1000 * res[0].p_alive) / 1000) < 1e-12);
    assert_int_equal(arg_int(e, "spend", SC_ARG_MONEY), (int64_t)llround(res[0].spend));
    assert_string_equal(find_arg(e, "boundary", SC_ARG_LABEL)->s,
                        st.fit.at_boundary ? "dropout_probability" : "none"); /* this sample: a, b */
    /* A fit at a boundary (issue 16): the clause is a label the UI
     * translates (params keeps only the numbers), and in the English text. */
    unsigned keep = st.fit.at_boundary, keep_gg = st.gg_fit.at_boundary;
    st.fit.at_boundary = 1u << 0 | 1u << 1;
    st.gg_fit.at_boundary = 1u << 1 | 1u << 2;
    capture cb = {0};
    sc_explain(&c, &st, &f[0], &res[0], emit_capture, &cb);
    e = find_key(&cb, "model");
    assert_string_equal(find_arg(e, "boundary", SC_ARG_LABEL)->s, "purchase_rate");
    assert_string_equal(find_arg(e, "boundary", SC_ARG_LABEL)->vocab, "model_boundary");
    assert_string_equal(find_arg(e, "spend_boundary", SC_ARG_LABEL)->s, "spend_rate");
    assert_null(strstr(find_arg(e, "params", SC_ARG_TEXT)->s, "boundary"));
    assert_non_null(strstr(e->text, "r, alpha at the boundary: every customer has the same purchase rate"));
    st.fit.at_boundary = 0;
    st.gg_fit.at_boundary = 0;
    capture cd = {0};
    sc_explain(&c, &st, &f[0], &res[0], emit_capture, &cd);
    assert_string_equal(find_arg(find_key(&cd, "model"), "boundary", SC_ARG_LABEL)->s, "none");
    assert_string_equal(find_arg(find_key(&cd, "model"), "spend_boundary", SC_ARG_LABEL)->s, "none");
    assert_null(strstr(find_key(&cd, "model")->text, "boundary"));
    st.fit.at_boundary = keep;
    st.gg_fit.at_boundary = keep_gg;
    /* Pareto/NBD as the purchase model. */
    c.model = SC_MODEL_PNBD;
    assert_int_equal(sc_fit(&c, n, f, &st), AN_OK);
    assert_true(st.fitted);
    assert_int_equal(sc_segments(&c, n, f, &st, res), AN_OK);
    assert_int_equal(sc_values(&c, n, f, &st, res), AN_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(isfinite(res[i].p_alive) && isfinite(res[i].expected) && isfinite(res[i].clv.total));
    free(f);
    free(res);
}

/* 2F1 with b and c huge (BG/NBD with b at its bound): reference values
 * from mpmath, and the identity 2F1(a, b; b; z) = (1 - z)^-a. */
static void test_h2f1_large(void **state)
{
    (void)state;
    double v = h2f1(9.5872057396918535, 10000009.000000007, 11572233.830006454, 0.51980778395823302);
    assert_true(fabs(v / 304.114366373385 - 1) < 1e-12);
    v = h2f1(1.5, 2e4, 2.3e4, 0.6);
    assert_true(fabs(v / 3.02349354466338 - 1) < 1e-12);
    v = h2f1(3.2, 1e7, 1e7, 0.7);
    assert_true(fabs(v / pow(0.3, -3.2) - 1) < 1e-12);
    bgnbd_params p = {0.587, 1.04, 1.57e6, 1e7};
    double e = bgnbd_expected(&p, 52, 5, 30, 50);
    assert_true(isfinite(e) && e > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_store_wide),
        cmocka_unit_test(test_store_regroup),
        cmocka_unit_test(test_store_big_ids),
        cmocka_unit_test(test_facts),
        cmocka_unit_test(test_facts_money_overflow),
        cmocka_unit_test(test_population_cuts),
        cmocka_unit_test(test_one_equals_batch),
        cmocka_unit_test(test_explain_structured),
        cmocka_unit_test(test_h2f1_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
