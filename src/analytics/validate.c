/*
 * validate.c — holdout validation of BG/NBD or Pareto/NBD (see validate.h).
 *
 * One sort of the rows by (customer, day) gives every customer's distinct
 * purchase days; the first is the customer's first purchase, every later
 * one a repeat transaction — counted in the calibration summary, the
 * holdout and the weekly cumulative curve. The model's weekly curve needs
 * E[X(t)] per customer and week; customers who started on the same day
 * share it, so it is computed per distinct first day.
 */
#include "analytics/validate.h"
#include "analytics/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t c;
    int32_t d;
} val_row;

static int val_cmp(const void *a, const void *b)
{
    const val_row *x = a, *y = b;
    if (x->c != y->c)
        return x->c < y->c ? -1 : 1;
    return (x->d > y->d) - (x->d < y->d);
}

static int val_cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

void val_free(val_result *r)
{
    free(r->cum_actual);
    r->cum_actual = r->cum_predicted = NULL;
}

static double val_expected_new(const val_result *r, double t)
{
    return r->model == VAL_PNBD ? pnbd_expected_new(&r->pn, t) : bgnbd_expected_new(&r->bg, t);
}

an_rc val_run(size_t n, const int64_t *customer, const int32_t *day, const int64_t *amount, double amount_scale,
              int32_t cal_end, int32_t holdout_end, val_model model, val_result *out)
{
    memset(out, 0, sizeof *out);
    out->model = model;
    if (holdout_end <= cal_end)
        return AN_EINVAL;
    an_rc rc = AN_OK;
    summary_rfm_t s;
    memset(&s, 0, sizeof s);
    val_row *rows = malloc((n ? n : 1) * sizeof *rows);
    double *hold = NULL, *pred = NULL;
    int32_t *firsts = NULL;
    if (!rows)
        return AN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        rows[i] = (val_row){customer[i], day[i]};
    qsort(rows, n, sizeof *rows, val_cmp);
    rc = summary_rfm(n, customer, day, amount, amount_scale, cal_end, &s);
    if (rc != AN_OK)
        goto done;
    if (s.n == 0) {
        rc = AN_EINVAL;
        goto done;
    }
    out->customers = s.n;
    rc = model == VAL_PNBD ? pnbd_fit(s.n, s.x, s.t_x, s.T, &out->pn, &out->fit)
                           : bgnbd_fit(s.n, s.x, s.t_x, s.T, &out->bg, &out->fit);
    if (rc != AN_OK)
        goto done;

    int32_t start = s.first_day[0];
    for (size_t i = 1; i < s.n; i++)
        if (s.first_day[i] < start)
            start = s.first_day[i];
    out->start_day = start;
    out->holdout_weeks = (double)(holdout_end - cal_end) / 7.0;
    out->weeks = (size_t)(holdout_end - start + 7) / 7; /* last week may be partial */
    out->calibration_weeks = (size_t)(cal_end - start + 7) / 7;
    out->cum_actual = calloc(2 * out->weeks, sizeof(double));
    hold = calloc(2 * s.n, sizeof *hold);
    firsts = malloc(s.n * sizeof *firsts);
    if (!out->cum_actual || !hold || !firsts) {
        rc = AN_ENOMEM;
        goto done;
    }
    out->cum_predicted = out->cum_actual + out->weeks;
    pred = hold + s.n;

    /* Actual: walk the sorted rows; summary customers are in ascending id
     * order, as the sorted rows are. */
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && rows[j].c == rows[i].c)
            j++;
        int32_t first = rows[i].d;
        if (first <= cal_end) {
            while (k < s.n && s.customer[k] < rows[i].c)
                k++;
            int32_t prev = first;
            for (size_t q = i + 1; q < j; q++) {
                int32_t d = rows[q].d;
                if (d == prev || d > holdout_end)
                    continue; /* same day = same transaction */
                prev = d;
                out->cum_actual[(d - start) / 7] += 1;
                if (d > cal_end && k < s.n && s.customer[k] == rows[i].c)
                    hold[k] += 1;
            }
        }
        i = j;
    }
    for (size_t w = 1; w < out->weeks; w++)
        out->cum_actual[w] += out->cum_actual[w - 1];

    /* Predicted per customer for the holdout. */
    rc = model == VAL_PNBD ? pnbd_predict(&out->pn, out->holdout_weeks, s.n, s.x, s.t_x, s.T, NULL, pred)
                           : bgnbd_predict(&out->bg, out->holdout_weeks, s.n, s.x, s.t_x, s.T, NULL, pred);
    if (rc != AN_OK)
        goto done;
    double abs_err = 0;
    for (size_t i = 0; i < s.n; i++) {
        int b = s.x[i] >= VAL_FREQ_BINS - 1 ? VAL_FREQ_BINS - 1 : (int)s.x[i];
        out->freq_n[b]++;
        out->freq_actual[b] += hold[i];
        out->freq_predicted[b] += pred[i];
        out->holdout_actual += hold[i];
        out->holdout_predicted += pred[i];
        abs_err += fabs(pred[i] - hold[i]);
    }
    for (int b = 0; b < VAL_FREQ_BINS; b++)
        if (out->freq_n[b]) {
            out->freq_actual[b] /= (double)out->freq_n[b];
            out->freq_predicted[b] /= (double)out->freq_n[b];
        }
    out->mae = abs_err / (double)s.n;
    out->error_pct = out->holdout_actual > 0
                         ? 100.0 * (out->holdout_predicted - out->holdout_actual) / out->holdout_actual
                         : NAN;

    /* Model's cumulative curve: sum over customers of E[X(t)] of a new
     * customer, t from the first purchase to the end of the week; grouped
     * by first day. */
    memcpy(firsts, s.first_day, s.n * sizeof *firsts);
    qsort(firsts, s.n, sizeof *firsts, val_cmp_i32);
    for (size_t i = 0; i < s.n;) {
        size_t j = i;
        while (j < s.n && firsts[j] == firsts[i])
            j++;
        for (size_t w = 0; w < out->weeks; w++) {
            int32_t end = start + 7 * (int32_t)(w + 1);
            if (end > holdout_end + 1)
                end = holdout_end + 1;
            double t = (double)(end - firsts[i]) / 7.0;
            if (t > 0)
                out->cum_predicted[w] += (double)(j - i) * val_expected_new(out, t);
        }
        i = j;
    }
done:
    if (rc != AN_OK)
        val_free(out);
    free(firsts);
    free(hold);
    free(rows);
    summary_rfm_free(&s);
    return rc;
}
