/* api: registers every resource's route table with the router. Each
 * src/api/<resource>.c exports one <resource>_register(). */
#ifndef RAPPORT_API_H
#define RAPPORT_API_H
#include "api/resource.h"

void api_init(void);
void parties_register(void);
void cases_register(void);       /* service (issue 19) */
void surveys_register(void);     /* service (issue 19) */
void service_measures_register(void); /* service (issue 19) */
void session_register(void);
void system_register(void);
void analytics_register(void);
/* The inputs of analytics figures (analytics/lineage.h, AN_IN_*) hidden
 * from u: fields field security hides, and parties outside u's read scope. */
unsigned analytics_hidden_inputs(const struct auth_user *u);
void audit_register(void);
void imports_register(void);
void exports_register(void);
void users_register(void);
void permissions_register(void);
void sharing_register(void);
void schedules_register(void);
void feed_register(void);
void aggregates_register(void);
void sales_register(void);         /* issue 18: board, forecast, reports, company currency (sales*.c) */
/* Issue 18: leads, web-to-lead forms, calendar feeds. */
void leads_register(void);
void lead_forms_register(void);
void calendar_register(void);
/* issue 18: GET /api/v1/products/{id}/price (price_lists.c); the quote
 * routes beyond CRUD and the letterhead settings (quotes.c). */
void price_lists_register(void);
void quotes_register(void);
void next_actions_register(void);
/* issue 20: e-mail marketing (mail.c) and campaign measures (campaign_measures.c). */
void mail_register(void);
void campaign_measures_register(void);
/* issue 21: loyalty */
void points_register(void);
void referrals_register(void);
void relationship_register(void);
/* Answers a request that queued job id (job_answer.c): Location, and the
 * job as JSON — 202 while it runs; with wait, polled until it ends (200
 * done, 500 run_failed naming `what` otherwise) for at most wait_seconds. */
void resp_job(struct resp *rs, int64_t id, bool wait, int wait_seconds, const char *what);
/* The audit trail (audit.c): verify the hash chain; 0 when intact. */
int audit_verify(db *c, int64_t *rows, char *problem, size_t cap);

extern struct resource party_resource;
/* The other descriptors (their files in src/api/; listed by records/registry.c). */
extern struct resource link_resource, interaction_resource, transaction_resource, product_resource, note_resource, team_resource;
/* Rebuilds the party's search and contact-point indexes (after a write). */
int party_reindex(db *w, int64_t id, const json_t *rec);
/* Removes the party from the search and contact-point indexes. */
int party_unindex(db *w, int64_t id);

#endif
