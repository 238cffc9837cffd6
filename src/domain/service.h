/* service: the record types of customer service (DOMAIN D8, D10, D11;
 * issue 19) — business calendars (calendar.c), SLA policies
 * (sla_policy.c), cases with their SLA clocks (case.c, case_sla.c) and
 * escalation rules (escalation.c). Declared in the registry
 * (records/registry.c); the routes beyond CRUD are in api/cases.c and
 * api/surveys.c. */
#ifndef RAPPORT_SERVICE_H
#define RAPPORT_SERVICE_H
#include "api/resource.h"
#include "records/workflow.h"

extern struct resource calendar_resource, sla_policy_resource, case_resource, escalation_rule_resource;
extern const struct workflow case_workflow;
extern const char *const case_kinds[], *const case_priorities[], *const case_statuses[];

/* The rules (plain functions, unit-tested): a calendar parses
 * (domain/bizcal.h); a policy's targets are positive and first response
 * comes no later than resolution; a case gets its defaults (priority
 * normal, opened_at now) and only a complaint or grievance has a remedy. */
int calendar_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
int sla_policy_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
int case_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
int escalation_rule_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);

/* case_sla.c: the clocks. Keeps the pauses (waiting on the customer,
 * resolved, closed), the reopen count, the policy (chosen by priority,
 * category and the party's tier) and the due times and whether each was
 * met. The case type's derive hook. */
int case_derive(db *w, int64_t id, const json_t *old, json_t *rec, const char *now, struct verr *e);
/* Whether a status stops the clocks. */
bool case_status_paused(const char *status);
/* The next priority up (urgent stays urgent); NULL for an unknown one. */
const char *case_priority_up(const char *p);

/* The D11 satisfaction level of a survey answer (api/surveys.c): csat 1–2
 * dissatisfied, 3 not dissatisfied, 4–5 satisfied, and loyal when the
 * answer also recommends us (nps 9–10; -1: not given). */
const char *satisfaction_level(int csat, int nps);

/* escalation.c: registers the scheduled job "case_escalation" (every
 * minute) and offers one sweep for the bench and tests: the number of
 * steps taken, or -1. */
void escalation_jobs_register(void);
/* Marks the open cases that follow a changed calendar or policy for the
 * sweep to recompute (sql: an UPDATE … SET sla_stale = 1 with one ?, the
 * id) and makes sure the sweep is scheduled. 0 or -1. */
int case_sla_mark_stale(db *w, const char *sql, int64_t id);
long escalation_sweep(db *w, const char *now);
#endif
