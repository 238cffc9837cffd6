/*
 * summary.c — RFM and per-party summaries (see summary.h).
 */
#include "analytics/summary.h"
#include "lib/money.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t customer;
    int64_t amount;
    int32_t day;
} summary_row;

static int summary_row_cmp(const void *pa, const void *pb)
{
    const summary_row *a = pa, *b = pb;
    if (a->customer != b->customer)
        return a->customer < b->customer ? -1 : 1;
    return (a->day > b->day) - (a->day < b->day);
}

void summary_rfm_free(summary_rfm_t *s)
{
    free(s->customer);
    free(s->x);
    free(s->first_day);
    memset(s, 0, sizeof *s);
}

an_rc summary_rfm(size_t n, const int64_t *customer, const int32_t *day, const int64_t *amount,
                  double amount_scale, int32_t cal_end_day, summary_rfm_t *out)
{
    memset(out, 0, sizeof *out);
    summary_row *rows = malloc((n ? n : 1) * sizeof *rows);
    if (!rows)
        return AN_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (day[i] > cal_end_day)
            continue;
        rows[m].customer = customer[i];
        rows[m].day = day[i];
        rows[m].amount = amount[i];
        m++;
    }
    /* Sort only when needed: the columnar store keeps rows by customer. */
    for (size_t i = 1; i < m; i++) {
        if (summary_row_cmp(&rows[i - 1], &rows[i]) > 0) {
            qsort(rows, m, sizeof *rows, summary_row_cmp);
            break;
        }
    }
    size_t nc = 0;
    for (size_t i = 0; i < m; i++)
        nc += i == 0 || rows[i].customer != rows[i - 1].customer;
    size_t cap = nc ? nc : 1;
    out->customer = malloc(cap * sizeof *out->customer);
    out->x = malloc(4 * cap * sizeof *out->x);
    out->first_day = malloc(2 * cap * sizeof *out->first_day);
    if (!out->customer || !out->x || !out->first_day) {
        free(rows);
        summary_rfm_free(out);
        return AN_ENOMEM;
    }
    out->t_x = out->x + cap;
    out->T = out->t_x + cap;
    out->monetary = out->T + cap;
    out->last_day = out->first_day + cap;
    size_t c = 0;
    for (size_t i = 0; i < m;) {
        int64_t id = rows[i].customer;
        int32_t first = rows[i].day, last = first;
        money_sum repeat_sum = MONEY_SUM_INIT; /* checked: a mean of huge rows must not wrap */
        int64_t x = 0;
        size_t j = i;
        /* First purchase day: all its rows are one transaction, not repeat. */
        while (j < m && rows[j].customer == id && rows[j].day == first)
            j++;
        while (j < m && rows[j].customer == id) {
            int32_t d = rows[j].day;
            while (j < m && rows[j].customer == id && rows[j].day == d)
                money_sum_add(&repeat_sum, rows[j++].amount);
            x++;
            last = d;
        }
        out->customer[c] = id;
        out->x[c] = (double)x;
        out->t_x[c] = (double)(last - first) / 7.0;
        out->T[c] = (double)(cal_end_day - first) / 7.0;
        out->monetary[c] = x ? money_sum_double(&repeat_sum) / (double)x / amount_scale : 0.0;
        out->first_day[c] = first;
        out->last_day[c] = last;
        c++;
        i = j;
    }
    out->n = c;
    free(rows);
    return AN_OK;
}

an_rc summary_parties(size_t n, const uint32_t *party, const int32_t *day, const int64_t *amount,
                      const int64_t *cost, size_t n_parties, summary_party_t *out, size_t *bad_row)
{
    for (size_t k = 0; k < n_parties; k++) {
        out[k].first_day = out[k].last_day = INT32_MIN;
        out[k].transactions = out[k].purchase_days = 0;
        out[k].revenue = out[k].cost = out[k].profit = 0;
        out[k].saturated = false;
    }
    /* Checked sums (lib/money.h): the rows of a party are contiguous, so
     * one running total per column is stored when its party ends. */
    money_sum revenue = MONEY_SUM_INIT, costs = MONEY_SUM_INIT;
    for (size_t i = 0; i <= n; i++) {
        if (i > 0 && (i == n || party[i] != party[i - 1])) {
            summary_party_t *e = &out[party[i - 1]];
            e->revenue = money_sum_value(&revenue, &e->saturated);
            e->cost = money_sum_value(&costs, &e->saturated);
            revenue = (money_sum)MONEY_SUM_INIT;
            costs = (money_sum)MONEY_SUM_INIT;
        }
        if (i == n)
            break;
        uint32_t p = party[i];
        if (p >= n_parties || (i > 0 && p < party[i - 1])) {
            if (bad_row)
                *bad_row = i;
            return AN_EINVAL;
        }
        summary_party_t *s = &out[p];
        int32_t d = day[i];
        if (s->transactions == 0) {
            s->first_day = s->last_day = d;
            s->purchase_days = 1;
        } else {
            if (d != day[i - 1])
                s->purchase_days++;
            if (d < s->first_day)
                s->first_day = d;
            if (d > s->last_day)
                s->last_day = d;
        }
        s->transactions++;
        money_sum_add(&revenue, amount[i]);
        if (cost)
            money_sum_add(&costs, cost[i]);
    }
    for (size_t k = 0; k < n_parties; k++)
        out[k].profit = money_sub_sat(out[k].revenue, out[k].cost, &out[k].saturated);
    return AN_OK;
}

int32_t summary_days_from_civil(int y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil algorithm (public domain description). */
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

static int summary_digits(const char *s, int n, int *v)
{
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return 0;
}

int summary_parse_date(const char *s, int32_t *days)
{
    int y, m, d;
    size_t len = strlen(s);
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        if (summary_digits(s, 4, &y) || summary_digits(s + 5, 2, &m) || summary_digits(s + 8, 2, &d))
            return -1;
    } else if (len == 8) {
        if (summary_digits(s, 4, &y) || summary_digits(s + 4, 2, &m) || summary_digits(s + 6, 2, &d))
            return -1;
    } else {
        return -1;
    }
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *days = summary_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}
