/* lead: the lead descriptor, its rule, workflow and hooks (see lead.c). */
#ifndef RAPPORT_LEAD_H
#define RAPPORT_LEAD_H
#include "api/resource.h"
#include "db/db.h"
#include "records/workflow.h"
#include <jansson.h>

extern struct resource lead_resource;
extern const struct workflow lead_workflow;
/* The lead's possible duplicates among parties and other leads (not
 * exclude_id): [{type, id, name, matched_on}] by e-mail, phone (any
 * spelling: canonical digits) and name + company; at most 20, a new array
 * (NULL on a storage error). */
json_t *lead_duplicates(db *c, const json_t *rec, int64_t exclude_id);
#endif
