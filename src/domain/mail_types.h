/* mail_types: the record types of e-mail marketing (issue 20) — consents
 * (consent.c) and e-mail templates (email_template.c) — and the consent
 * rule the senders apply. */
#ifndef RAPPORT_MAIL_TYPES_H
#define RAPPORT_MAIL_TYPES_H
#include "api/resource.h"
#include <stdbool.h>

extern struct resource consent_resource, email_template_resource;

/* May marketing reach party on channel now? The latest consent of the
 * party on the channel (given_at, then id) decides; with none, only a
 * channel other than e-mail listed in the setting marketing.consent_optional
 * may be used. */
bool consent_allows(db *c, int64_t party, const char *channel);
/* The channels of marketing.consent_optional (a new array; never "email"). */
json_t *consent_optional_channels(db *c);
#endif
