/* contact_plan: contact plans per tier or segment (DOMAIN D8) — the record
 * type (contact_plan.c) and the generation of its planned contacts
 * (contact_plan_run.c). */
#ifndef RAPPORT_CONTACT_PLAN_H
#define RAPPORT_CONTACT_PLAN_H
#include "api/resource.h"
#include "db/db.h"
#include <stdint.h>

extern struct resource contact_plan_resource;
/* The activity types of a plan (the seed's bank example), NULL-terminated. */
extern const char *const contact_plan_activities[];
/* The rule: every_days 1…366, a valid segment, a known owner rule (a team
 * for round robin), activities default. 0, or -1 with e. */
int contact_plan_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);

/* What one generation did. */
struct plan_run_result {
    long plans, matched, created, existing, cancelled, overdue;
};
/* Generates the planned contacts of plan plan_id (0: every plan) for the
 * day `day` ("YYYY-MM-DD", NULL: today in UTC): for each party of the
 * segment (in the plan owner's read scope) the contact of the slot that
 * day falls in, once per (plan, party, slot) — a unique key, so a re-run or
 * a second process creates nothing twice — and cancels the open planned
 * contacts of parties that left the segment (or of an inactive plan). Runs
 * as the system actor `writer_name` through the write path. cancel may be
 * NULL. 0, or -1 with error text. */
int contact_plan_generate(int64_t plan_id, const char *day, const char *writer_name, volatile int *cancel,
                          void (*progress)(void *ctx, long done, long total), void *ctx,
                          struct plan_run_result *out, char *error, size_t cap);
/* The slot of day in a plan anchored at anchor, every every_days: the slot
 * index (-1 before the anchor) and its due date (the slot's last day + 1,
 * "YYYY-MM-DD" into due). Pure; unit-tested. */
int64_t contact_plan_slot(const char *anchor, const char *day, int every_days, char due[11]);
/* The activity of slot k of a plan: activities[k % n], else activity,
 * else "call" (a borrowed string). */
const char *contact_plan_slot_activity(const json_t *plan, int64_t slot);
/* Today's date ("YYYY-MM-DD") in the company's time zone (setting
 * company.time_zone; UTC when unknown): the day the daily runs, whose
 * schedules fire at company wall-clock times, generate for. */
void company_today(char out[11]);
/* Registers the job kinds contact_plan_run ({"plan_id", "on"}) and
 * contact_plans_run (every plan; the daily schedule's). */
void contact_plan_jobs_register(void);
/* Registers POST /api/v1/contact-plans/{id}/run and
 * GET /api/v1/parties/{id}/next-contact (api/contact_plans.c). */
void contact_plans_register(void);
#endif
