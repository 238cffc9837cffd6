/* links: the customer's network (D1 人际网络) — a person works at an
 * organisation (with a decision-unit role), was referred by someone, knows,
 * is family of, or an organisation is a subsidiary of another. */
#include "api/api.h"
#include "domain/vocab.h"
#include <string.h>

static const struct field link_fields[] = {
    {"from_id", "from_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the party the link starts at"},
    {"to_id", "to_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the party it points to"},
    {"kind", "kind", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, link_kinds, 0, 0, NULL, "works_at, referred_by, knows, family, subsidiary_of"},
    {"decision_role", "decision_role", NULL, FT_ENUM, F_FILTER, 0, decision_roles, 0, 0, NULL, "role in the decision unit (works_at only)"},
    {"title", "title", NULL, FT_TEXT, 0, 200, NULL, 0, 0, NULL, "job title at the organisation"},
    {"notes", "notes", NULL, FT_TEXT, 0, 5000, NULL, 0, 0, NULL, "notes"},
    {"since", "since", NULL, FT_DATE, 0, 0, NULL, 0, 0, NULL, "since when"},
};

static int link_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    if (json_equal(json_object_get(rec, "from_id"), json_object_get(rec, "to_id"))) {
        verr_set(e, 422, "invalid_value", "to_id", "a party cannot be linked to itself");
        return -1;
    }
    json_t *role = json_object_get(rec, "decision_role");
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    if (role && !json_is_null(role) && kind && strcmp(kind, "works_at") != 0) {
        verr_set(e, 422, "invalid_value", "decision_role", "decision_role applies to works_at links only");
        return -1;
    }
    return 0;
}

struct resource link_resource = {
    .name = "links", .table = "party_link", .entity = "link",
    .fields = link_fields, .nfields = sizeof link_fields / sizeof link_fields[0],
    .party_field = "from_id", .peer_field = "to_id", .rule = link_rule,
};


