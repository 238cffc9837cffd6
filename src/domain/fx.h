/* fx: currency conversion with the dated exchange rates (issue 18), used
 * by every sales total (board, forecast, reports). A rate is the one of
 * the document's date: the latest row of the pair valid on or before it
 * (or the inverse pair's, inverted). A total is kept per currency and
 * converted to the company currency (setting company.currency, CNY by
 * default); a currency without a rate is reported as missing and the
 * converted amount is then null — never a guess, never a raw sum of
 * different currencies. */
#ifndef RAPPORT_FX_H
#define RAPPORT_FX_H
#include "db/db.h"
#include "lib/money.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define FX_MAX_CURRENCIES 16

/* The company currency into out (setting company.currency, default CNY). */
void fx_company_currency(db *c, char out[4]);
/* Sets it (in the caller's write transaction); 0 or -1. */
int fx_set_company_currency(db *w, const char *cur);

/* minor units of from × rate → minor units of to, each in its currency's
 * exponent (JPY 0, CNY 2, …), rounded half away from zero. False when the
 * result does not fit (then *out is untouched). Pure. */
bool fx_convert(int64_t minor, const char *from, const char *to, double rate, int64_t *out);

/* A converter for one request: remembers the rates it looked up. */
struct fx {
    db *c;
    char to[4];
    int n;
    struct fx_seen { char cur[4]; char date[11]; bool found; double rate; char rate_text[32]; char valid_on[11]; } seen[64];
    int dropped;                    /* look-ups beyond seen[], not remembered */
};
void fx_init(struct fx *f, db *c, const char *to);
/* The rate of cur → f->to on date (YYYY-MM-DD): true with *rate (and the
 * row's text and day, may be NULL) or false when there is none. */
bool fx_rate(struct fx *f, const char *cur, const char *date, double *rate, const char **rate_text, const char **valid_on);

/* The rates f looked up, in the order asked: [{"currency", "to", "on",
 * "rate" (text or null), "rate_on" (the rate row's day or null),
 * "missing"}] (a new array); complete unless f->dropped. */
json_t *fx_rates_json(const struct fx *f);
#define FX_RATES_SCHEMA                                                                                                      \
    "{'type':'array','description':'the exchange rates the converted figures used: each currency and day converted, "    \
    "the rate entry used (the latest on or before that day) or null when there is none',"                                \
    "'items':{'type':'object','required':['currency','to','on','rate','rate_on','missing'],'additionalProperties':false," \
    "'properties':{'currency':{'type':'string'},'to':{'type':'string'},'on':{'type':'string','format':'date'},"          \
    "'rate':{'type':'string','nullable':true},'rate_on':{'type':'string','format':'date','nullable':true},"             \
    "'missing':{'type':'boolean'}}}}"

/* A money total per currency, and converted. Zero-initialise. */
struct fx_total {
    int n;
    char cur[FX_MAX_CURRENCIES][4];
    money_sum sum[FX_MAX_CURRENCIES];
    int64_t count[FX_MAX_CURRENCIES];
    money_sum conv;                 /* converted so far */
    int nmissing;
    char missing[FX_MAX_CURRENCIES][4];
    bool too_many;                  /* more currencies than FX_MAX_CURRENCIES */
    bool overflow;                  /* a conversion did not fit */
};
/* Adds amount in cur (no conversion yet). */
void fx_total_add(struct fx_total *t, const char *cur, int64_t amount, int64_t count);
/* Adds amount in cur and its conversion at the rate of date. */
void fx_total_add_at(struct fx_total *t, struct fx *f, const char *cur, int64_t amount, int64_t count, const char *date);
/* Adds src's sums, counts, conversions and missing currencies to dst. */
void fx_total_merge(struct fx_total *dst, const struct fx_total *src);
/* Converts what fx_total_add gathered, every currency at the rate of date. */
void fx_total_convert_at(struct fx_total *t, struct fx *f, const char *date);
/* {"by_currency": [{"currency", "amount", "count"}], "converted": {"currency", "amount" (null when a rate is
 * missing), "missing": [codes]}} (a new object). */
json_t *fx_total_json(const struct fx_total *t, const struct fx *f);
/* The OpenAPI schema of fx_total_json, for route docs. */
#define FX_TOTAL_SCHEMA "{'type':'object'," FX_TOTAL_PROPS
#define FX_TOTAL_SCHEMA_OR_NULL "{'type':'object','nullable':true," FX_TOTAL_PROPS
#define FX_TOTAL_PROPS                                                                                                       \
    "'required':['by_currency','converted'],'additionalProperties':false,'properties':{"                                   \
    "'by_currency':{'type':'array','items':{'type':'object','required':['currency','amount','count'],"                     \
    "'additionalProperties':false,'properties':{'currency':{'type':'string'},'amount':{'type':'integer','format':'int64'}," \
    "'count':{'type':'integer'}}}},"                                                                                        \
    "'converted':{'type':'object','required':['currency','amount','missing'],'additionalProperties':false,'properties':{"  \
    "'currency':{'type':'string'},'amount':{'type':'integer','format':'int64','nullable':true,"                            \
    "'description':'null when a rate is missing or the total does not fit'},"                                              \
    "'missing':{'type':'array','items':{'type':'string'},'description':'currencies without a rate on the date'}}}}}"
#endif
