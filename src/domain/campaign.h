/* campaign: the campaign descriptor, rule and workflow (see campaign.c). */
#ifndef RAPPORT_CAMPAIGN_H
#define RAPPORT_CAMPAIGN_H
#include "api/resource.h"
#include "records/workflow.h"

extern struct resource campaign_resource;
extern const struct workflow campaign_workflow;
/* ends_on is not before starts_on: 0, or -1 with e (422, ends_on). */
int campaign_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
/* Registers the job kind "campaigns_close" (campaign_jobs.c). */
void campaign_jobs_register(void);
/* Registers the job kind "campaign_send" (campaign_send.c): params
 * {"campaign_id"}; sends the campaign's e-mail to its members. */
void campaign_send_register(void);
#endif
