/* money: checked money arithmetic (see money.h). */
#include "lib/money.h"
#include <math.h>

bool money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

bool money_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) return false;
    *out = r;
    return true;
}

bool money_mul(int64_t a, int64_t n, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(a, n, &r)) return false;
    *out = r;
    return true;
}

int64_t money_add_sat(int64_t a, int64_t b, bool *saturated)
{
    int64_t r;
    if (!__builtin_add_overflow(a, b, &r)) return r;
    if (saturated) *saturated = true;
    /* Both operands have the sign of the overflow. */
    return b > 0 ? INT64_MAX : INT64_MIN;
}

int64_t money_sub_sat(int64_t a, int64_t b, bool *saturated)
{
    int64_t r;
    if (!__builtin_sub_overflow(a, b, &r)) return r;
    if (saturated) *saturated = true;
    return b < 0 ? INT64_MAX : INT64_MIN;
}

void money_sum_sub(money_sum *s, int64_t v)
{
    if (v == INT64_MIN) {
        /* -INT64_MIN does not exist: subtract it as two halves. */
        money_sum_add(s, INT64_MAX);
        money_sum_add(s, 1);
        return;
    }
    money_sum_add(s, -v);
}

void money_sum_merge(money_sum *s, const money_sum *other)
{
    money_sum_add(s, other->lo);
    s->wraps += other->wraps;
}

bool money_sum_get(const money_sum *s, int64_t *out)
{
    /* lo + wraps * 2^64 fits in int64 only when wraps is 0. */
    if (s->wraps == 0) { *out = s->lo; return true; }
    *out = s->wraps > 0 ? INT64_MAX : INT64_MIN;
    return false;
}

int64_t money_sum_value(const money_sum *s, bool *saturated)
{
    int64_t v;
    if (!money_sum_get(s, &v) && saturated) *saturated = true;
    return v;
}

bool money_sum_within(const money_sum *s, int64_t limit)
{
    int64_t v;
    return money_sum_get(s, &v) && v <= limit && v >= -limit;
}

int64_t money_from_double(double v, bool *saturated)
{
    if (v != v) return 0;
    double r = round(v); /* halves away from zero, as llround */
    /* 2^63 is exactly representable; INT64_MAX is not (it rounds to 2^63). */
    if (r >= 9223372036854775808.0) { if (saturated) *saturated = true; return INT64_MAX; }
    if (r < -9223372036854775808.0) { if (saturated) *saturated = true; return INT64_MIN; }
    return (int64_t)r;
}

double money_sum_double(const money_sum *s)
{
    return (double)s->lo + (double)s->wraps * 18446744073709551616.0; /* 2^64 */
}
