/* vocab: the vocabularies themselves (see vocab.h). Adding a value here is
 * a compatible change; removing one is not. */
#include "domain/vocab.h"
#include <string.h>
#include <stddef.h>

const char *const party_kinds[] = {"person", "organization", NULL};
const char *const party_roles[] = {"customer", "prospect", "supplier", "channel_partner", "competitor",
                                   "influencer", "employee", NULL};
const char *const info_sources[] = {"press", "trade_association", "statistics", "acquaintance", "referral",
                                    "customer_staff", "visit", "exhibition", "website", "advertising", "import",
                                    "other", NULL};
const char *const relation_to_company[] = {"consumer", "b2b", "channel", "internal", NULL};
const char *const importance_levels[] = {"vip", "important", "ordinary", NULL};
const char *const loyalty_classes[] = {"loyal", "old", "new", "potential", NULL};
const char *const value_classes[] = {"lighthouse", "follower", "rational", "profit_seeking", NULL};
const char *const customer_types[] = {"retail", "enterprise", "dealer", "internal", NULL};
const char *const relationship_levels[] = {"basic", "passive", "responsible", "proactive", "partner", NULL};
const char *const link_kinds[] = {"works_at", "referred_by", "knows", "family", "subsidiary_of", NULL};
const char *const decision_roles[] = {"decision_maker", "influencer", "user", "buyer", "gatekeeper", NULL};
const char *const interaction_channels[] = {"visit", "call", "email", "sms", "wechat", "meeting", "event",
                                            "seminar", "gift", "card", "letter", "web", "other", NULL};
const char *const interaction_directions[] = {"inbound", "outbound", NULL};
const char *const interaction_statuses[] = {"planned", "done", "cancelled", NULL};
const char *const address_keys[] = {"label", "line1", "line2", "city", "region", "postcode", "country", NULL};
const char *const item_keys[] = {"product_id", "sku", "name", "quantity", "unit_price", "amount", NULL};

bool vocab_has(const char *const *list, const char *s)
{
    for (int i = 0; s && list[i]; i++)
        if (!strcmp(list[i], s)) return true;
    return false;
}
