/* exchange_rate: see exchange_rate.h. The rate is kept as the decimal text
 * it was entered as (no binary fraction between what was typed and what
 * is shown); domain/fx.c reads it when converting. */
#include "domain/exchange_rate.h"
#include "lib/textcheck.h"
#include <stdlib.h>
#include <string.h>

static const struct field exchange_rate_fields[] = {
    {"currency", "currency", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 3, NULL, 0, 0, NULL, "the currency converted from (ISO 4217)"},
    {"to_currency", "to_currency", NULL, FT_TEXT, F_REQUIRED | F_FILTER, 3, NULL, 0, 0, NULL, "the currency converted to (ISO 4217)"},
    {"valid_on", "valid_on", NULL, FT_DATE, F_REQUIRED | F_FILTER | F_SORT, 0, NULL, 0, 0, NULL,
     "the day from which the rate applies (until a later row of the pair)"},
    {"rate", "rate", NULL, FT_TEXT, F_REQUIRED, 26, NULL, 0, 0, NULL, "units of to_currency for one unit of currency, a decimal such as \"7.1234\""},
    {"source", "source", NULL, FT_TEXT, 0, 200, NULL, 0, 0, NULL, "where the rate comes from (e.g. PBOC central parity)"},
};

static bool decimal_positive(const char *s)
{
    size_t whole = strspn(s, "0123456789");
    if (whole == 0 || whole > 12) return false;
    const char *p = s + whole;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        if (frac == 0 || frac > 12) return false;
        p += 1 + frac;
    }
    return *p == '\0' && strtod(s, NULL) > 0;
}

int exchange_rate_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    const char *from = json_string_value(json_object_get(rec, "currency"));
    const char *to = json_string_value(json_object_get(rec, "to_currency"));
    const char *rate = json_string_value(json_object_get(rec, "rate"));
    if (from && !currency_valid(from)) { verr_set(e, 422, "invalid_value", "currency", "currency must be an ISO 4217 code such as USD"); return -1; }
    if (to && !currency_valid(to)) { verr_set(e, 422, "invalid_value", "to_currency", "to_currency must be an ISO 4217 code such as CNY"); return -1; }
    if (from && to && !strcmp(from, to)) { verr_set(e, 422, "invalid_value", "to_currency", "a rate converts between two different currencies"); return -1; }
    if (rate && !decimal_positive(rate)) { verr_set(e, 422, "invalid_value", "rate", "rate must be a positive decimal such as 7.1234"); return -1; }
    return 0;
}

struct resource exchange_rate_resource = {
    .name = "exchange-rates", .table = "exchange_rate", .entity = "exchange_rate",
    .fields = exchange_rate_fields, .nfields = sizeof exchange_rate_fields / sizeof exchange_rate_fields[0],
    .rule = exchange_rate_rule,
};
