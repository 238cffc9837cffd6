/* lineage.h — what every figure of the analytics answers is computed from,
 * declared once.
 *
 * Field security hides record fields from roles (transaction `cost` from
 * sales by default). A figure computed from a hidden field gives it away:
 * CLV total − current − potential is the net profit, and revenue − net
 * profit the hidden cost, exactly; a label ranked by net profit (the
 * pyramid tier) or a count over parties the user may not read tells what
 * the user may not see. So each figure of GET /parties/{id}/scores and GET
 * /analytics/summary names its inputs here, and the API removes a figure
 * (and quotes of it: explanations, history, the party list's score
 * filters) when any of its inputs is hidden from the user. The answers are
 * redacted from this table alone; a figure missing from it counts as
 * computed from everything (AN_IN_ALL), so a new figure stays hidden from
 * restricted users until it is declared.
 *
 * Pure data, no HTTP: the API maps a user to the set of hidden inputs. */
#ifndef RAPPORT_ANALYTICS_LINEAGE_H
#define RAPPORT_ANALYTICS_LINEAGE_H
#include <jansson.h>

enum an_input {
    AN_IN_AMOUNT = 1,       /* transactions.amount */
    AN_IN_COST = 2,         /* transactions.cost */
    AN_IN_SERVICE_COST = 4, /* interactions.cost and cases.remedy_cost (cost to serve) */
    AN_IN_CUSTOM = 8,       /* parties.custom (survey answers, assets, worksheet) */
    AN_IN_RESPONSE = 16,    /* interactions.response (satisfaction signals) */
    AN_IN_BASE = 32,        /* parties outside the user's read scope (whole-base counts) */
    AN_IN_ALL = 63
};

/* The record field behind each input bit (AN_IN_BASE has none): the API
 * asks field security about entity.field. */
struct an_input_field {
    unsigned bit;
    const char *entity, *field;
};
extern const struct an_input_field an_input_fields[]; /* entity NULL-terminated */

/* The inputs of the figure at path: "summary.net_profit", "tier" (a whole
 * label object), "clv.explanation", "history.tier", "counts.tier",
 * "customer_equity.total", "model.cuts.profit". The longest declared
 * prefix of path (at a dot) decides; AN_IN_ALL when none is declared. */
unsigned an_lineage(const char *answer, const char *path);

/* Removes from o (an answer of kind "scores" or "summary"; the object's
 * members at every depth are looked up as dotted paths) every figure whose
 * inputs meet hidden; an object whose explanation is removed but which is
 * kept gets the "hidden" explanation instead. The history array of the
 * scores answer loses the moves of hidden labels. */
void an_redact(const char *answer, json_t *o, unsigned hidden);
#endif
