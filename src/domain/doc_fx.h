/* doc_fx: a sales document's total in the company currency at the rate of
 * the document's date (issue 18, "the rate of the document's date is used
 * and shown", espocrm#1429). Computed when the record is read (the
 * resource view hook of quotes and orders), not stored: the rate is the
 * latest one entered on or before the document's date, so the figure is
 * the same on every read unless the rates of that date are corrected, and
 * then it follows the correction. Adds to a record that has an id and a
 * total (what the reader may see of it):
 *   "company_total": {"amount", "currency"} | null (no rate, or too large)
 *   "fx": {"from", "to", "on", "rate", "rate_on", "missing"}
 * rate is the rate row's decimal text ("1" in the same currency; "1/x"
 * when only the inverse pair was entered), rate_on the day of that row;
 * both null and missing true when no rate exists: never a guess. */
#ifndef RAPPORT_DOC_FX_H
#define RAPPORT_DOC_FX_H
#include "api/resource.h"
#include "db/db.h"
#include <jansson.h>

/* Adds company_total and fx to rec (in place) for the document's date
 * date_field (a YYYY-MM-DD field), or, when that is NULL or not set, the
 * day of its created_at in the company's time zone. c is a read
 * connection. Leaves rec alone when it has no id or no total. */
void doc_fx_add(db *c, json_t *rec, const char *date_field);

/* The OpenAPI properties doc_fx_add adds (route-doc text, ' for "). */
#define DOC_FX_PROPS                                                                                                          \
    "{'company_total':{'type':'object','nullable':true,'readOnly':true,'required':['amount','currency'],"                   \
    "'additionalProperties':false,'description':'the total in the company currency at the rate of the document date; "     \
    "null when no rate exists on or before it (fx.missing) or it does not fit',"                                            \
    "'properties':{'amount':{'type':'integer','format':'int64'},'currency':{'type':'string'}}},"                             \
    "'fx':{'type':'object','readOnly':true,'required':['from','to','on','rate','rate_on','missing'],"                       \
    "'additionalProperties':false,'description':'the exchange rate that converted the total (server-set, at read time)',"   \
    "'properties':{'from':{'type':'string','description':'the document currency'},"                                         \
    "'to':{'type':'string','description':'the company currency'},"                                                          \
    "'on':{'type':'string','format':'date','description':'the document date whose rate is used'},"                          \
    "'rate':{'type':'string','nullable':true,'description':'units of to for one unit of from, as entered: 1 in the same currency, "   \
    "1/x when only the inverse pair exists; null when none'},"                                                               \
    "'rate_on':{'type':'string','format':'date','nullable':true,'description':'the day of the rate entry used: the latest on or before on'}," \
    "'missing':{'type':'boolean','description':'true when no rate exists on or before on'}}}}"
#endif
