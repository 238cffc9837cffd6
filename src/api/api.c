/* api: the list of resources the server offers (see api.h). The record
 * types' CRUD routes come from the registry (records/registry.c). */
#include "api/api.h"
#include "domain/campaign.h"
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
    aggregates_register();
    points_register();
    referrals_register();
    relationship_register();
}
