/* consent: a party's consent to marketing on a channel (issue 20, D10;
 * China's PIPL asks for the source, the time and the wording agreed to).
 * A consent is a fact of a moment: it is never changed, a withdrawal is a
 * new row with granted false, and the latest per party and channel
 * decides — at the moment each message is sent, so a withdrawal is
 * immediate. */
#include "domain/mail_types.h"
#include "domain/vocab.h"
#include <string.h>

static const struct field consent_fields[] = {
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, "party", NULL, "the party"},
    {"channel", "channel", NULL, FT_ENUM, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, interaction_channels, 0, 0, NULL, "the channel (email, sms, call, …)"},
    {"granted", "granted", NULL, FT_BOOL, F_REQUIRED | F_FILTER | F_CREATE_ONLY, 0, NULL, 0, 0, NULL, "true: consent given; false: withdrawn"},
    {"source", "source", NULL, FT_TEXT, F_CREATE_ONLY, 200, NULL, 0, 0, NULL, "where it was given (web form, paper, call, unsubscribe link)"},
    {"wording", "wording", NULL, FT_TEXT, F_CREATE_ONLY, 2000, NULL, 0, 0, NULL, "the text the party agreed to"},
    {"given_at", "given_at", NULL, FT_TIME, F_FILTER | F_SORT | F_CREATE_ONLY, 0, NULL, 0, 0, NULL, "when (default: now)"},
    {"notes", "notes", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "staff notes (how it was verified); the only field that may change"},
};

static int consent_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    if (old) return 0;   /* every field but notes is create-only */
    if (!json_is_string(json_object_get(rec, "given_at"))) {
        char now[21];
        now_text(now);
        json_object_set_new(rec, "given_at", json_string(now));
    }
    return 0;
}

struct resource consent_resource = {
    .name = "consents", .table = "consent", .entity = "consent",
    .fields = consent_fields, .nfields = sizeof consent_fields / sizeof consent_fields[0],
    .party_field = "party_id", .rule = consent_rule,
};

json_t *consent_optional_channels(db *c)
{
    json_t *out = json_array();
    db_stmt *s = db_prepare(c, "SELECT value FROM setting WHERE key = 'marketing.consent_optional'");
    if (!s) return out;
    json_t *v = db_step(s) == DB_ROW ? json_loads(db_column_text(s, 0), 0, NULL) : NULL;
    db_done(s);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
        if (json_is_string(x) && strcmp(json_string_value(x), "email")) json_array_append(out, x);
    json_decref(v);
    return out;
}

bool consent_allows(db *c, int64_t party, const char *channel)
{
    db_stmt *s = db_prepare(c, "SELECT granted FROM consent WHERE party_id = ? AND channel = ? ORDER BY given_at DESC, id DESC LIMIT 1");
    if (!s) return false;
    db_bind_int64(s, 1, party);
    db_bind_text(s, 2, channel);
    int st = db_step(s);
    bool found = st == DB_ROW, granted = found && db_column_int64(s, 0) == 1;
    db_done(s);
    if (found || !strcmp(channel, "email")) return granted;
    json_t *opt = consent_optional_channels(c);
    size_t i;
    json_t *x;
    bool ok = false;
    json_array_foreach(opt, i, x) ok = ok || !strcmp(json_string_value(x), channel);
    json_decref(opt);
    return ok;
}
