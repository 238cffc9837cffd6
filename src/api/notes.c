/* notes: free-text notes on a party, written by a user; they appear in the
 * party's timeline so the next colleague sees them (D1 资讯分享). */
#include "api/api.h"

static const struct field note_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "party", NULL, "the party"},
    {"body", "body", NULL, FT_TEXT, F_REQUIRED, 20000, NULL, 0, 0, NULL, "text"},
    {"user_id", "user_id", NULL, FT_REF, F_FILTER | F_SERVER, 0, NULL, 0, "user", NULL, "author"},
};

static int note_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    if (!old && a->user_id) json_object_set_new(rec, "user_id", json_integer(a->user_id));
    return 0;
}

struct resource note_resource = {
    .name = "notes", .table = "note", .entity = "note",
    .fields = note_fields, .nfields = sizeof note_fields / sizeof note_fields[0],
    .party_field = "party_id", .rule = note_rule,
};


