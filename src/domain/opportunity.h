/* opportunity: sales opportunities (issue 18, DOMAIN D1/D6/D10) — the
 * descriptor, its rule and status workflow, the stage checks against its
 * pipeline, and the stage history (opportunity_stage) kept by the write
 * path's hook. Other modules create opportunities with
 * record_create(..., &opportunity_resource, ...) (a lead's conversion). */
#ifndef RAPPORT_OPPORTUNITY_H
#define RAPPORT_OPPORTUNITY_H
#include "api/resource.h"
#include "records/workflow.h"

extern struct resource opportunity_resource;
extern const struct workflow opportunity_workflow;
/* The pure rule: probability 0–100, and the stage of a won or lost
 * opportunity does not move until it is reopened (409 invalid_transition
 * on stage). 0, or -1 with e. */
int opportunity_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
#endif
