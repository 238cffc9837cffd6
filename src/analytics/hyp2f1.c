/*
 * hyp2f1.c — Gauss hypergeometric function (see hyp2f1.h for the method).
 *
 * Values travel as a pair (log|v|, sign) so that products of gamma
 * functions and large series never overflow on the way.
 */
#include "analytics/hyp2f1.h"
#include "analytics/specfun.h"

#include <stddef.h>
#include <math.h>

#define H2F1_EPS 1e-16
#define H2F1_MAX_TERMS 200000
#define H2F1_DIRECT_BUDGET 4000 /* terms the power series may take near z = 1 */
#define H2F1_NEAR_INT 1e-3      /* c-a-b closer than this to an integer: interpolate */
#define H2F1_SCALE 1e280

/* A signed logarithm: value = sign * exp(l). sign 0 means exactly zero. */
typedef struct {
    double l;
    int s;
} slog;

static slog slog_make(double v)
{
    slog r;
    r.s = (v > 0) - (v < 0);
    r.l = r.s ? log(fabs(v)) : -INFINITY;
    return r;
}

static slog slog_add(slog x, slog y)
{
    if (x.s == 0)
        return y;
    if (y.s == 0)
        return x;
    if (x.l < y.l) {
        slog t = x;
        x = y;
        y = t;
    }
    slog r;
    double d = exp(y.l - x.l);
    if (x.s == y.s) {
        r.s = x.s;
        r.l = x.l + log1p(d);
    } else {
        if (d >= 1.0) { /* exact cancellation */
            r.s = 0;
            r.l = -INFINITY;
            return r;
        }
        r.s = x.s;
        r.l = x.l + log1p(-d);
    }
    return r;
}

static int h2f1_is_nonpos_int(double x)
{
    return x <= 0.0 && x == floor(x);
}

/* log|1/Gamma(x)| with sign; poles give sign 0 (1/Gamma is zero there). */
static slog h2f1_rgamma(double x)
{
    slog r;
    if (h2f1_is_nonpos_int(x)) {
        r.s = 0;
        r.l = -INFINITY;
        return r;
    }
    int sg;
    r.l = -sf_lgamma(x, &sg);
    r.s = sg;
    return r;
}

static slog h2f1_gamma(double x)
{
    slog r;
    int sg;
    r.l = sf_lgamma(x, &sg);
    r.s = sg;
    return r;
}

static slog slog_mul(slog x, slog y)
{
    slog r;
    r.s = x.s * y.s;
    r.l = r.s ? x.l + y.l : -INFINITY;
    return r;
}

/*
 * The power series, summed until the remaining tail is below eps relative.
 * Returns 0 on success, -1 when max_terms were not enough (or c hits a pole).
 */
static int h2f1_series(double a, double b, double c, double z, int max_terms, slog *out)
{
    double term = 1.0, sum = 1.0, scale = 0.0;
    for (int n = 0;; n++) {
        if (n >= max_terms)
            return -1;
        double num = (a + n) * (b + n);
        if (num == 0.0)
            break; /* terminating series */
        double den = (c + n) * (n + 1.0);
        if (den == 0.0)
            return -1;
        double ratio = num / den * z;
        term *= ratio;
        sum += term;
        if (fabs(sum) > H2F1_SCALE) {
            sum /= H2F1_SCALE;
            term /= H2F1_SCALE;
            scale += log(H2F1_SCALE);
        }
        double ar = fabs(ratio);
        /* Once the terms shrink, the tail is bounded by a geometric series
         * with the larger of the current ratio and the limit |z|. */
        if (ar < 1.0 && (double)n > fabs(a) + fabs(b)) {
            double q = ar > fabs(z) ? ar : fabs(z);
            if (fabs(term) * q / (1.0 - q) <= H2F1_EPS * fabs(sum))
                break;
        } else if (ar < 1.0 && fabs(term) <= 1e-3 * H2F1_EPS * fabs(sum) && fabs(z) < 0.5) {
            break;
        }
    }
    *out = slog_make(sum);
    if (out->s)
        out->l += scale;
    return 0;
}

/* Rough count of series terms for 0 < z < 1: the terms behave like
 * n^(a+b-c-1) z^n for large n. */
static double h2f1_terms_needed(double a, double b, double c, double z)
{
    double p = a + b - c - 1.0, lz = log(z);
    double n = 10.0 + fabs(a) + fabs(b);
    for (int it = 0; it < 30; it++) {
        double need = (-log(H2F1_EPS) + (p > 0 ? p * log(n) : 0.0)) / -lz;
        if (p < 0) {
            /* n^p helps: solve p ln n + n ln z = ln eps approximately */
            double alt = (-log(H2F1_EPS)) / (-lz + (-p) * log(n) / n);
            if (alt < need)
                need = alt;
        }
        need += fabs(a) + fabs(b);
        if (fabs(need - n) < 1.0)
            break;
        n = need;
    }
    return n;
}

/* The series for a, b, c > 0 and 0 <= z < 1 with a rigorous tail bound:
 * for every m >= n the term ratio is at most
 * q = max(1, (a+n)/(n+1)) max(1, (b+n)/(c+n)) z, so once q < 1 the tail is
 * below term q / (1 - q). Used when b and c are huge. */
static int h2f1_series_large(double a, double b, double c, double z, slog *out)
{
    double term = 1.0, sum = 1.0, scale = 0.0;
    for (int n = 0; n < H2F1_MAX_TERMS; n++) {
        term *= (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
        sum += term;
        if (sum > H2F1_SCALE) {
            sum /= H2F1_SCALE;
            term /= H2F1_SCALE;
            scale += log(H2F1_SCALE);
        }
        double m = n + 1.0;
        double fa = (a + m) / (m + 1.0), fb = (b + m) / (c + m);
        double q = (fa > 1 ? fa : 1) * (fb > 1 ? fb : 1) * z;
        if (q < 1 && term * q / (1 - q) <= H2F1_EPS * sum) {
            *out = slog_make(sum);
            out->l += scale;
            return 0;
        }
    }
    return -1;
}

static slog h2f1_core(double a, double b, double c, double z);

/* 1 - z connection formula, c - a - b = m not an integer. */
static slog h2f1_connect(double a, double b, double c, double z)
{
    double w = 1.0 - z, m = c - a - b;
    slog g_c = h2f1_gamma(c);
    slog t1 = slog_mul(slog_mul(g_c, h2f1_gamma(m)), slog_mul(h2f1_rgamma(c - a), h2f1_rgamma(c - b)));
    if (t1.s)
        t1 = slog_mul(t1, h2f1_core(a, b, 1.0 - m, w));
    slog t2 = slog_mul(slog_mul(g_c, h2f1_gamma(-m)), slog_mul(h2f1_rgamma(a), h2f1_rgamma(b)));
    if (t2.s) {
        t2 = slog_mul(t2, h2f1_core(c - a, c - b, 1.0 + m, w));
        t2.l += m * log(w);
    }
    return slog_add(t1, t2);
}

/* Logarithmic case: c = a + b + m with m an integer (A&S 15.3.10-12). */
static slog h2f1_connect_int(double a, double b, int m, double z)
{
    double w = 1.0 - z, lw = log(w), c = a + b + m;
    slog g_c = h2f1_gamma(c);
    slog fin = {-INFINITY, 0}, inf;
    int k = m >= 0 ? m : -m;
    /* Finite part. */
    if (k > 0) {
        double ap = m > 0 ? a : a - k, bp = m > 0 ? b : b - k;
        double term = 1.0, sum = 1.0;
        for (int n = 0; n < k - 1; n++) {
            term *= (ap + n) * (bp + n) / ((n + 1.0) * (1.0 - k + n)) * w;
            sum += term;
        }
        slog pre = slog_mul(g_c, h2f1_gamma((double)k));
        if (m > 0)
            pre = slog_mul(pre, slog_mul(h2f1_rgamma(a + m), h2f1_rgamma(b + m)));
        else {
            pre = slog_mul(pre, slog_mul(h2f1_rgamma(a), h2f1_rgamma(b)));
            pre.l -= k * lw;
        }
        fin = slog_mul(pre, slog_make(sum));
    }
    /* Infinite logarithmic part. With m >= 0 the series runs in (a+m),
     * (b+m); with m < 0 in a, b. */
    double A = m >= 0 ? a + k : a, B = m >= 0 ? b + k : b;
    double psi1 = sf_digamma(1.0), psik = sf_digamma(k + 1.0);
    double psia = sf_digamma(A), psib = sf_digamma(B);
    /* coef_n = (A)_n (B)_n / (n! (n+k)!) w^n, times k! pulled out. */
    double coef = 1.0, sum = 0.0, scale = 0.0;
    for (int n = 0; n < H2F1_MAX_TERMS; n++) {
        double bracket = lw - psi1 - psik + psia + psib;
        if (m == 0)
            bracket = -bracket; /* 15.3.10 has the opposite sign convention */
        double t = coef * bracket;
        sum += t;
        if (fabs(sum) > H2F1_SCALE) {
            sum /= H2F1_SCALE;
            coef /= H2F1_SCALE;
            scale += log(H2F1_SCALE);
        }
        if (n > 2 && fabs(t) <= H2F1_EPS * fabs(sum) && fabs(coef) * w < fabs(coef))
            break;
        double nn = n;
        coef *= (A + nn) * (B + nn) / ((nn + 1.0) * (nn + k + 1.0)) * w;
        psi1 += 1.0 / (nn + 1.0);
        psik += 1.0 / (nn + k + 1.0);
        psia += 1.0 / (A + nn);
        psib += 1.0 / (B + nn);
        if (coef == 0.0)
            break;
    }
    inf = slog_make(sum);
    if (inf.s)
        inf.l += scale - sf_lgamma(k + 1.0, NULL);
    slog pre = g_c;
    if (m >= 0)
        pre = slog_mul(pre, slog_mul(h2f1_rgamma(a), h2f1_rgamma(b)));
    else
        pre = slog_mul(pre, slog_mul(h2f1_rgamma(a - k), h2f1_rgamma(b - k)));
    if (m > 0)
        pre.l += k * lw;
    inf = slog_mul(pre, inf);
    /* 15.3.11 subtracts (z-1)^m ...; 15.3.12 subtracts (-1)^k ...; 15.3.10
     * adds (sign folded into bracket above). */
    if (m != 0) {
        int sg = (k % 2) ? -1 : 1;
        inf.s *= -sg;
    }
    return slog_add(fin, inf);
}

static slog h2f1_near1(double a, double b, double c, double z)
{
    double m = c - a - b, mi = nearbyint(m), d = m - mi;
    if (fabs(d) > H2F1_NEAR_INT)
        return h2f1_connect(a, b, c, z);
    if (fabs(mi) > 1e6) {
        slog nan_r = {NAN, 1};
        return nan_r;
    }
    slog f0 = h2f1_connect_int(a, b, (int)mi, z);
    if (d == 0.0)
        return f0;
    /* Quadratic interpolation in c through the exact integer case and two
     * non-integer points: the 1/(c-a-b) cancellation of the connection
     * formula costs at most 3 digits there, the interpolation error is
     * O(h^3). */
    double h = H2F1_NEAR_INT * 1.5;
    slog fp = h2f1_connect(a, b, a + b + mi + h, z);
    slog fm = h2f1_connect(a, b, a + b + mi - h, z);
    if (fp.s != f0.s || fm.s != f0.s) /* sign change nearby: linear blend */
        return fabs(d) < 0.5 * h ? f0 : (d > 0 ? fp : fm);
    slog r;
    r.s = f0.s;
    r.l = f0.l + d * (fp.l - fm.l) / (2 * h) + d * d * (fp.l - 2 * f0.l + fm.l) / (2 * h * h);
    return r;
}

/* 0 <= z < 1 (or any z for terminating series). */
static slog h2f1_core(double a, double b, double c, double z)
{
    slog r = {0.0, 1};
    if (z == 0.0)
        return r;
    if (h2f1_is_nonpos_int(a) || h2f1_is_nonpos_int(b)) {
        if (h2f1_series(a, b, c, z, H2F1_MAX_TERMS, &r) == 0)
            return r;
        r.l = NAN;
        return r;
    }
    if (z < 0.0) {
        /* Pfaff: 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)); use the
         * a/b-swapped form when it has the smaller numerator product. */
        double w = z / (z - 1.0);
        if (fabs(b * (c - a)) < fabs(a * (c - b)) || h2f1_is_nonpos_int(c - a)) {
            double t = a;
            a = b;
            b = t;
        }
        r = h2f1_core(a, c - b, c, w);
        r.l += -a * log1p(-z);
        return r;
    }
    /* b and c both huge next to a (BG/NBD at b ~ 1e7, a fit at its
     * bound): the terms behave like (a)_n / n! ((b / c) z)^n and the series
     * converges fast, although h2f1_terms_needed (which looks at b alone)
     * expects it not to and the connection formula would bounce between z
     * and 1 - z. */
    if (a > 0 && b > 1e4 && c > 1e4 && a < 1e3 && (b / c) * z < 0.9 && h2f1_series_large(a, b, c, z, &r) == 0)
        return r;
    if (b > 0 && a > 1e4 && c > 1e4 && b < 1e3 && (a / c) * z < 0.9 && h2f1_series_large(b, a, c, z, &r) == 0)
        return r;
    double pre = 0.0;
    if (fabs((c - a) * (c - b)) < fabs(a * b) || h2f1_is_nonpos_int(c - a) || h2f1_is_nonpos_int(c - b)) {
        /* Euler: 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z). */
        pre = (c - a - b) * log1p(-z);
        double na = c - a, nb = c - b;
        a = na;
        b = nb;
        if (h2f1_is_nonpos_int(a) || h2f1_is_nonpos_int(b)) {
            if (h2f1_series(a, b, c, z, H2F1_MAX_TERMS, &r) != 0)
                r.l = NAN;
            r.l += pre;
            return r;
        }
    }
    if (z <= 0.75 || h2f1_terms_needed(a, b, c, z) < H2F1_DIRECT_BUDGET) {
        if (h2f1_series(a, b, c, z, H2F1_MAX_TERMS, &r) == 0) {
            r.l += pre;
            return r;
        }
    }
    /* The connection formula calls back into h2f1_core at 1 - z; give up
     * (NaN) rather than recurse without end on parameters no branch
     * handles. */
    static _Thread_local int depth;
    if (depth > 3) {
        r.l = NAN;
        return r;
    }
    depth++;
    r = h2f1_near1(a, b, c, z);
    depth--;
    r.l += pre;
    return r;
}

double h2f1_log(double a, double b, double c, double z, int *sign)
{
    slog r;
    if (sign)
        *sign = 0;
    if (isnan(a) || isnan(b) || isnan(c) || isnan(z) || z > 1.0)
        return NAN;
    if (h2f1_is_nonpos_int(c)) {
        /* Defined only if the series terminates before the pole. */
        int ok = (h2f1_is_nonpos_int(a) && a > c) || (h2f1_is_nonpos_int(b) && b > c);
        if (!ok)
            return NAN;
    }
    if (z == 1.0) {
        if (h2f1_is_nonpos_int(a) || h2f1_is_nonpos_int(b)) {
            r = h2f1_core(a, b, c, z);
        } else {
            if (c - a - b <= 0)
                return INFINITY;
            /* Gauss: Gamma(c) Gamma(c-a-b) / (Gamma(c-a) Gamma(c-b)). */
            r = slog_mul(slog_mul(h2f1_gamma(c), h2f1_gamma(c - a - b)), slog_mul(h2f1_rgamma(c - a), h2f1_rgamma(c - b)));
        }
    } else {
        r = h2f1_core(a, b, c, z);
    }
    if (sign)
        *sign = r.s;
    return r.l;
}

double h2f1(double a, double b, double c, double z)
{
    int s;
    double l = h2f1_log(a, b, c, z, &s);
    if (isnan(l))
        return NAN;
    return s == 0 ? 0.0 : s * exp(l);
}
