/*
 * specfun.c — special functions for the analytics models (see specfun.h).
 *
 * Digamma uses the upward recurrence to x >= 10 followed by the standard
 * asymptotic (Stirling) series; the truncation error there is below 1e-16.
 */
#include "analytics/specfun.h"

#include <math.h>
#include <stddef.h>

double sf_lgamma(double x, int *sign)
{
    int s = 1;
    double v = lgamma_r(x, &s);
    if (sign)
        *sign = s;
    return v;
}

double sf_lgamma_diff(double b, double x)
{
    if (x == 0)
        return 0.0;
    /* Below 1e3 the plain difference loses at most ~1e-13 relative to x ln b. */
    if (b < 1e3)
        return sf_lgamma(b + x, NULL) - sf_lgamma(b, NULL);
    /* Stirling: lnG(z) = (z-1/2) ln z - z + ln(2 pi)/2 + 1/(12z) - 1/(360z^3) + ...;
     * the difference written so that nothing of size b ln b is subtracted:
     * (b+x-1/2) ln(b+x) - (b-1/2) ln b - x = x ln b + (b+x-1/2) log1p(x/b) - x.
     * The next series term is below 1/(1260 b^5) < 1e-18. */
    double z = b + x;
    double corr = (1.0 / z - 1.0 / b) / 12.0 - (1.0 / (z * z * z) - 1.0 / (b * b * b)) / 360.0;
    return x * log(b) + (z - 0.5) * log1p(x / b) - x + corr;
}

double sf_digamma(double x)
{
    double acc = 0.0;
    if (x <= 0.0) {
        if (x == floor(x))
            return NAN;
        /* Reflection: psi(1-x) - psi(x) = pi cot(pi x). */
        return sf_digamma(1.0 - x) - M_PI / tan(M_PI * x);
    }
    while (x < 10.0) {
        acc -= 1.0 / x;
        x += 1.0;
    }
    double inv = 1.0 / x, inv2 = inv * inv;
    /* Bernoulli-number coefficients B_2k / (2k). */
    double series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 - inv2 / 12.0))))));
    return acc + log(x) - 0.5 * inv - series;
}

double sf_digamma_diff(double b, double x)
{
    if (x == 0)
        return 0.0;
    /* Whole x (purchase counts): psi(b+x) - psi(b) = sum 1/(b+k), exact. */
    if (x == floor(x) && x <= 64) {
        double s = 0;
        for (int k = (int)x - 1; k >= 0; k--)
            s += 1.0 / (b + k);
        return s;
    }
    if (b < 1e3)
        return sf_digamma(b + x) - sf_digamma(b);
    /* psi(z) ~ ln z - 1/(2z) - 1/(12 z^2) + 1/(120 z^4): each difference
     * written without subtracting equal large numbers. */
    double z = b + x;
    double d1 = x / (2 * b * z);                         /* 1/(2b) - 1/(2z) */
    double d2 = x * (b + z) / (12 * b * b * z * z);      /* 1/(12b^2) - 1/(12z^2) */
    double d4 = (1.0 / (z * z * z * z) - 1.0 / (b * b * b * b)) / 120.0;
    return log1p(x / b) + d1 + d2 + d4;
}

double sf_logaddexp(double a, double b)
{
    if (a < b) {
        double t = a;
        a = b;
        b = t;
    }
    if (isinf(a) && a < 0)
        return a;
    return a + log1p(exp(b - a));
}

double sf_logsubexp(double a, double b)
{
    if (b == -INFINITY)
        return a;
    if (a <= b)
        return -INFINITY;
    return a + log1p(-exp(b - a));
}
