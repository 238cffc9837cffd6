/*
 * bench_fit.c — timing of the model fits and predictions (bench/analytics).
 *
 * Simulates N customers from the published CDNOW parameters (BG/NBD
 * r=0.243 alpha=4.414 a=0.793 b=2.426; Gamma-Gamma p=6.25 q=3.74
 * gamma=15.44) with day-resolution dates like a real transaction log: first
 * purchases spread over 12 weeks, calibration ending on day 272, several
 * purchases on one day merged. Then times bgnbd_fit, gg_fit, pnbd_fit and
 * the batch predictions, and the same on the CDNOW sample if it is found.
 *
 * usage: bench_fit [N] [cdnow_rfm_calibration.csv]
 *        bench_fit --write-summary FILE N day|continuous
 * The second form writes the simulated customers as a summary CSV
 * (customer_id,frequency,recency,T,monetary_value) for the whole-command
 * benchmark of `rapport model fit` (run.sh): "day" rounds purchase times
 * to days as a transaction log does; "continuous" keeps them as lifetimes'
 * simulations and summaries write them, so hardly two customers share a
 * row (issue 16).
 */
#include "analytics/btyd.h"
#include "analytics/spend.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_s[4] = {0x9e3779b97f4a7c15ULL, 0xbf58476d1ce4e5b9ULL, 0x94d049bb133111ebULL, 12345};

static uint64_t rng_next(void) /* xoshiro256** */
{
    uint64_t *s = rng_s, r = s[1] * 5, t = s[1] << 17;
    r = ((r << 7) | (r >> 57)) * 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return r;
}

static double unif(void)
{
    return ((rng_next() >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(void)
{
    double u = unif(), v = unif();
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double gamma_rv(double shape, double rate) /* Marsaglia-Tsang */
{
    if (shape < 1)
        return gamma_rv(shape + 1, rate) * pow(unif(), 1.0 / shape);
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double z = normal(), v = 1 + c * z;
        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(unif()) < 0.5 * z * z + d - d * v + d * log(v))
            return d * v / rate;
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void simulate(size_t n, double *x, double *tx, double *T, double *m, int continuous)
{
    const double r = 0.2425982, al = 4.4136842, a = 0.7929899, b = 2.4261667;
    const double gp = 6.25, gq = 3.74, gg = 15.44;
    const int end_day = 272;
    for (size_t i = 0; i < n; i++) {
        if (continuous) {
            /* First purchases on whole days (acquisition dates), later ones at
             * continuous times: about 52% of 1M customers are distinct rows. */
            double u0 = (int)(unif() * 84) / 7.0, age = end_day / 7.0 - u0, last_t = 0, s_sum = 0;
            double lam_c = gamma_rv(r, al), ga_c = gamma_rv(a, 1), gb_c = gamma_rv(b, 1), p_c = ga_c / (ga_c + gb_c);
            double nu_c = gamma_rv(gq, gg), tc = 0;
            int k = 0;
            for (;;) {
                tc += -log(unif()) / lam_c;
                if (tc > age)
                    break;
                k++;
                last_t = tc;
                s_sum += gamma_rv(gp, nu_c);
                if (unif() < p_c)
                    break;
            }
            x[i] = k;
            tx[i] = k ? last_t : 0;
            T[i] = age;
            m[i] = k ? s_sum / k : 0;
            continue;
        }
        int d0 = (int)(unif() * 84);
        double lam = gamma_rv(r, al), ga = gamma_rv(a, 1), gb = gamma_rv(b, 1), p = ga / (ga + gb);
        double nu = gamma_rv(gq, gg);
        double t = 0, spend = 0;
        int last = d0, cnt = 0;
        for (;;) {
            t += -log(unif()) / lam;
            if (d0 + t * 7 >= end_day + 1)
                break;
            int day = d0 + (int)(t * 7);
            if (day != last) {
                cnt++;
                last = day;
                spend += gamma_rv(gp, nu);
            }
            if (unif() < p)
                break; /* dropped out after this purchase */
        }
        x[i] = cnt;
        tx[i] = (last - d0) / 7.0;
        T[i] = (end_day - d0) / 7.0;
        m[i] = cnt ? spend / cnt : 0;
    }
}

static void run(const char *label, size_t n, double *x, double *tx, double *T, double *m)
{
    bgnbd_params bg;
    pnbd_params pn;
    gg_params g;
    an_fit_info fi;
    double t0 = now();
    an_rc rc = bgnbd_fit(n, x, tx, T, &bg, &fi);
    double t1 = now();
    printf("%s bgnbd_fit n=%zu groups=%zu time=%.3f s rc=%d r=%.4f alpha=%.4f a=%.4f b=%.4f ll=%.2f evals=%d\n",
           label, n, fi.groups, t1 - t0, rc, bg.r, bg.alpha, bg.a, bg.b, fi.log_likelihood, fi.evaluations);
    t0 = now();
    rc = gg_fit(n, x, m, &g, &fi);
    t1 = now();
    printf("%s gg_fit n=%zu time=%.3f s rc=%d p=%.4f q=%.4f gamma=%.4f ll=%.2f evals=%d\n", label, fi.n, t1 - t0, rc,
           g.p, g.q, g.gamma, fi.log_likelihood, fi.evaluations);
    t0 = now();
    rc = pnbd_fit(n, x, tx, T, &pn, &fi);
    t1 = now();
    printf("%s pnbd_fit n=%zu time=%.3f s rc=%d r=%.4f alpha=%.4f s=%.4f beta=%.4f ll=%.2f evals=%d\n", label, n,
           t1 - t0, rc, pn.r, pn.alpha, pn.s, pn.beta, fi.log_likelihood, fi.evaluations);
    double *pa = malloc(n * sizeof *pa), *ex = malloc(n * sizeof *ex), *sp = malloc(n * sizeof *sp);
    if (!pa || !ex || !sp)
        exit(1);
    t0 = now();
    bgnbd_predict(&bg, 39.0, n, x, tx, T, pa, ex);
    gg_predict(&g, n, x, m, sp);
    t1 = now();
    double tot = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        tot += ex[i] * sp[i];
        bad += !isfinite(pa[i]) || !isfinite(ex[i]) || !isfinite(sp[i]);
    }
    printf("%s bgnbd_predict+gg_predict n=%zu time=%.3f s (p_alive, 39-week expected purchases, expected spend; "
           "sum value %.0f, non-finite %zu)\n",
           label, n, t1 - t0, tot, bad);
    t0 = now();
    pnbd_predict(&pn, 39.0, n, x, tx, T, pa, ex);
    t1 = now();
    bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !isfinite(pa[i]) || !isfinite(ex[i]);
    printf("%s pnbd_predict n=%zu time=%.3f s (non-finite %zu)\n", label, n, t1 - t0, bad);
    free(pa);
    free(ex);
    free(sp);
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--write-summary") == 0) {
        size_t nw = (size_t)strtoull(argv[3], NULL, 10);
        double *w = malloc((nw ? nw : 1) * 4 * sizeof(double));
        FILE *out = fopen(argv[2], "w");
        if (!w || !out)
            return 1;
        simulate(nw, w, w + nw, w + 2 * nw, w + 3 * nw, strcmp(argv[4], "continuous") == 0);
        fprintf(out, "customer_id,frequency,recency,T,monetary_value\n");
        for (size_t i = 0; i < nw; i++)
            fprintf(out, "%zu,%.0f,%.15g,%.15g,%.15g\n", i + 1, w[i], w[nw + i], w[2 * nw + i], w[3 * nw + i]);
        free(w);
        return fclose(out) == 0 ? 0 : 1;
    }
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    const char *cdnow = argc > 2 ? argv[2] : "../shared/data/cdnow/cdnow_rfm_calibration.csv";
    double *x = malloc(n * 4 * sizeof(double));
    if (!x)
        return 1;
    double *tx = x + n, *T = tx + n, *m = T + n;
    double t0 = now();
    simulate(n, x, tx, T, m, 0);
    printf("synthetic simulate n=%zu time=%.3f s\n", n, now() - t0);
    run("synthetic", n, x, tx, T, m);
    free(x);

    FILE *f = fopen(cdnow, "r");
    if (!f) {
        printf("cdnow sample not found at %s (skipped)\n", cdnow);
        return 0;
    }
    char line[512];
    size_t cap = 4096, k = 0;
    x = malloc(cap * 4 * sizeof(double));
    if (!x || !fgets(line, sizeof line, f))
        return 1;
    tx = x + cap;
    T = tx + cap;
    m = T + cap;
    double id, h;
    while (k < cap && fgets(line, sizeof line, f))
        if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf", &id, &x[k], &tx[k], &T[k], &m[k], &h) == 6)
            k++;
    fclose(f);
    run("cdnow", k, x, tx, T, m);
    free(x);
    return 0;
}
