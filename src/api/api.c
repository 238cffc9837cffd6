/* api: the list of resources the server offers (see api.h). */
#include "api/api.h"

void api_init(void)
{
    system_register();
    session_register();
    parties_register();
    links_register();
    interactions_register();
    transactions_register();
    products_register();
    notes_register();
    analytics_register();
    users_register();
    permissions_register();
    sharing_register();
    audit_register();
    imports_register();
    exports_register();
    schedules_register();
    feed_register();
    aggregates_register();
}
