/* quote: proposals (issue 18, D10 proposal automation) — the descriptor,
 * its totals, revisions, workflow draft → sent → accepted | declined |
 * expired, and the order an accepted quote becomes (quote.c); the PDF of a
 * quote is quote_pdf.c. */
#ifndef RAPPORT_QUOTE_H
#define RAPPORT_QUOTE_H
#include "api/resource.h"
#include "records/workflow.h"
#include <stdint.h>

extern struct resource quote_resource;
extern const struct workflow quote_workflow;
/* The keys of a quote's (and an order's) lines, NULL-terminated. */
extern const char *const quote_line_keys[];

/* round_half_up(amount × bp / 10000) for amount ≥ 0 and 0 ≤ bp ≤ 10000,
 * computed without overflow; false when the result does not fit. */
bool quote_share(int64_t amount, int64_t bp, int64_t *out);
/* The totals of a quote or order record (pure; see docs/API.md "Quotes"):
 * each line's net = quantity × unit_price − round(that × discount_bp),
 * subtotal = Σ nets, discount = round(subtotal × discount_bp), tax =
 * round((subtotal − discount) × tax_bp), total = subtotal − discount +
 * tax; every rounding half up to the minor unit, every sum checked. Writes
 * each line's net and subtotal / discount / tax / total ({"amount",
 * "currency"}) into rec. 0, or -1 with e (422 naming the field). */
int quote_compute(json_t *rec, struct verr *e);
int quote_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
/* "Today" (YYYY-MM-DD) in the company's time zone (UTC when it is unknown). */
void quote_today(db *c, char out[11]);
/* Registers the job kind "quotes_expire" (quote_jobs.c). */
void quote_jobs_register(void);
/* quote_pdf.c: the letterhead's keys (settings letterhead.<key>),
 * NULL-terminated, and its values as {"name": …, …} (a new object; an
 * absent key is ""). */
extern const char *const letterhead_keys[];
json_t *letterhead_get(db *c);
/* 0 when url is a data: URL of a PNG or JPEG image libhpdf can draw, else -1. */
int letterhead_logo_check(const char *url);
/* quote_pdf.c: draws quote q (a stored record) for the party named party
 * with letterhead head into a new PDF: *out (malloc'd, the caller's to
 * free) and *len; 0, or -1 when the font is missing or drawing failed. */
int quote_render(const json_t *q, const char *party, const json_t *head, char **out, size_t *len);
#endif
