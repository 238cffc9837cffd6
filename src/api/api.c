/* api: the list of resources the server offers (see api.h). The record
 * types' CRUD routes come from the registry (records/registry.c). */
#include "api/api.h"
#include "domain/campaign.h"
#include "domain/quote.h"
#include "domain/service.h"
#include "domain/contact_plan.h"
#include "domain/occasion.h"
#include "records/registry.h"

void api_init(void)
{
    system_register();
    session_register();
    registry_register_routes();
    parties_register();
    analytics_register();
    users_register();
    permissions_register();
    sharing_register();
    audit_register();
    imports_register();
    exports_register();
    schedules_register();
    feed_register();
    campaign_jobs_register();
    escalation_jobs_register();
    cases_register();
    surveys_register();
    service_measures_register();
    aggregates_register();
    sales_register();
    leads_register();
    lead_forms_register();
    calendar_register();
    price_lists_register();
    quotes_register();
    quote_jobs_register();
    contact_plans_register();
    occasions_register();
    next_actions_register();
    mail_register();
    campaign_measures_register();
    points_register();
    referrals_register();
    relationship_register();
}
