/* lead: a prospect who is not yet a customer (issue 18) — captured through
 * the API, imports and the public web-to-lead form. This file holds what
 * is the lead's own: the fields, the status workflow
 *   new → working → converted | disqualified (with a reason),
 *   new → converted | disqualified, disqualified → working (reopened),
 * where converted is reached only through the conversion (which sets the
 * party it became), and the write hooks: duplicate detection against
 * parties and other leads, assignment by the rules (domain/assign.c) when
 * a lead is created, and the lead's contact index. */
#include "domain/lead.h"
#include "domain/assign.h"
#include "domain/vocab.h"
#include "http/authz.h"
#include "records/registry.h"
#include "lib/textcheck.h"
#include <stdio.h>
#include <string.h>

static const char *const lead_statuses[] = {"new", "working", "converted", "disqualified", NULL};
static const char *const duplicate_keys[] = {"type", "id", "name", "matched_on", NULL};

static const struct field lead_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "the person's name"},
    {"company", "company", NULL, FT_TEXT, F_FILTER | F_SORT, 200, NULL, 0, 0, NULL, "their organisation"},
    {"title", "title", NULL, FT_TEXT, 0, 200, NULL, 0, 0, NULL, "job title"},
    {"emails", "emails", NULL, FT_LIST, 0, 20, NULL, E_EMAIL, 0, NULL, "e-mail addresses"},
    {"phones", "phones", NULL, FT_LIST, 0, 20, NULL, E_PHONE, 0, NULL, "phone numbers"},
    {"source", "source", NULL, FT_ENUM, F_FILTER, 0, info_sources, 0, 0, NULL, "information source (D1)"},
    {"territory", "territory", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "sales territory (assignment rules match it)"},
    {"industry", "industry", NULL, FT_TEXT, F_FILTER, 100, NULL, 0, 0, NULL, "industry (assignment rules match it)"},
    {"notes", "notes", NULL, FT_TEXT, 0, 20000, NULL, 0, 0, NULL, "free notes, e.g. the form's message"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, lead_statuses, 0, 0, NULL,
     "new → working → converted | disqualified (with disqualify_reason); converted only through POST /leads/{id}/convert"},
    {"disqualify_reason", "disqualify_reason", NULL, FT_TEXT, 0, 500, NULL, 0, 0, NULL, "why it was disqualified (required for that move)"},
    {"consent_text", "consent_text", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "the consent the person gave, word for word"},
    {"consent_at", "consent_at", NULL, FT_TIME, 0, 0, NULL, 0, 0, NULL, "when they gave it"},
    {"form_id", "form_id", NULL, FT_INT, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL, "the web-to-lead form it came through (server-set)"},
    {"duplicates", "duplicates", NULL, FT_OBJLIST, F_SERVER, 20, NULL, 0, 0, duplicate_keys,
     "possible duplicates when last written, those within the reader's scope: {type: party|lead, id, name, matched_on: email|phone|name_company}"},
    {"assignment_rule_id", "assignment_rule_id", NULL, FT_INT, F_SERVER | F_FILTER, 0, NULL, 0, 0, NULL, "the rule that assigned it (server-set)"},
    {"assigned_at", "assigned_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when a rule assigned it (server-set)"},
    {"worked_at", "worked_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when work on it began (server-set)"},
    {"disqualified_at", "disqualified_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was disqualified (server-set)"},
    {"converted_at", "converted_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was converted (server-set)"},
    {"converted_by", "converted_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who converted it (server-set)"},
    {"converted_party_id", "converted_party_id", NULL, FT_REF, F_SERVER | F_FILTER, 0, NULL, 0, "party", NULL, "the party it became (server-set)"},
    {"converted_opportunity_id", "converted_opportunity_id", NULL, FT_INT, F_SERVER, 0, NULL, 0, 0, NULL, "the opportunity made from it (server-set)"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user (an assignment rule's pick, else the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
};

static int needs_reason(const struct actor *a, const json_t *old, const json_t *neu, struct verr *e)
{
    (void)a;
    (void)old;
    const char *r = json_string_value(json_object_get(neu, "disqualify_reason"));
    if (!r || !*r) {
        verr_set(e, 422, "required", "disqualify_reason", "say why the lead is disqualified (disqualify_reason)");
        return -1;
    }
    return 0;
}

/* The conversion sets the party before it moves the status; a PATCH cannot
 * (converted_party_id is the server's). */
static int needs_party(const struct actor *a, const json_t *old, const json_t *neu, struct verr *e)
{
    (void)a;
    (void)old;
    if (!json_is_integer(json_object_get(neu, "converted_party_id"))) {
        verr_set(e, 409, "invalid_transition", "status", "a lead is converted with POST /api/v1/leads/{id}/convert");
        snprintf(e->from, sizeof e->from, "%s", json_string_value(json_object_get(old, "status")) ? json_string_value(json_object_get(old, "status")) : "");
        snprintf(e->to, sizeof e->to, "converted");
        return -1;
    }
    return 0;
}

static const struct wf_transition lead_moves[] = {
    {"new", "working", NULL, NULL, "worked_at", NULL},
    {"new", "disqualified", NULL, needs_reason, "disqualified_at", NULL},
    {"working", "disqualified", NULL, needs_reason, "disqualified_at", NULL},
    {"disqualified", "working", NULL, NULL, "worked_at", NULL},
    {"new", "converted", NULL, needs_party, "converted_at", "converted_by"},
    {"working", "converted", NULL, needs_party, "converted_at", "converted_by"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const lead_initials[] = {"new", "working", NULL};

const struct workflow lead_workflow = {
    .field = "status", .initial = "new", .initials = lead_initials, .transitions = lead_moves,
};

/* ---- duplicates ---- */

static bool seen(json_t *out, const char *type, int64_t id)
{
    size_t i;
    json_t *d;
    json_array_foreach(out, i, d)
        if (!strcmp(json_string_value(json_object_get(d, "type")), type) && json_integer_value(json_object_get(d, "id")) == id)
            return true;
    return false;
}

/* Adds each row (id, name) of s, bound already, as a duplicate. */
static int collect(db_stmt *s, json_t *out, const char *type, const char *matched_on, int64_t exclude_id)
{
    int step;
    while ((step = db_step(s)) == DB_ROW && json_array_size(out) < 20) {
        int64_t id = db_column_int64(s, 0);
        if ((!strcmp(type, "lead") && id == exclude_id) || seen(out, type, id)) continue;
        json_array_append_new(out, json_pack("{s:s, s:I, s:s, s:s}", "type", type, "id", (json_int_t)id, "name",
                                             db_column_text(s, 1) ? db_column_text(s, 1) : "", "matched_on", matched_on));
    }
    db_done(s);
    return step == DB_ROW || step == DB_DONE ? 0 : -1;
}

static int by_contact(db *c, json_t *out, const char *kind, const char *norm, int64_t exclude_id)
{
    db_stmt *s = db_prepare(c, "SELECT p.id, p.name FROM contact_point cp JOIN party p ON p.id = cp.party_id"
                               " WHERE cp.kind = ? AND cp.normalized = ? AND p.deleted_at IS NULL ORDER BY p.id LIMIT 20");
    if (!s) return -1;
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, norm);
    if (collect(s, out, "party", kind, exclude_id)) return -1;
    s = db_prepare(c, "SELECT l.id, l.name FROM lead_contact lc JOIN lead l ON l.id = lc.lead_id"
                      " WHERE lc.kind = ? AND lc.normalized = ? ORDER BY l.id LIMIT 21");
    if (!s) return -1;
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, norm);
    return collect(s, out, "lead", kind, exclude_id);
}

json_t *lead_duplicates(db *c, const json_t *rec, int64_t exclude_id)
{
    json_t *out = json_array(), *x;
    size_t i;
    json_array_foreach(json_object_get(rec, "emails"), i, x) {
        char norm[256];
        email_normalize(json_string_value(x), norm, sizeof norm);
        if (by_contact(c, out, "email", norm, exclude_id)) goto fail;
    }
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (phone_normalize(json_string_value(x), norm, sizeof norm) && by_contact(c, out, "phone", norm, exclude_id)) goto fail;
    }
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *company = json_string_value(json_object_get(rec, "company"));
    if (name && company && *company) {
        /* A person of that name working at an organisation of that name. */
        db_stmt *s = db_prepare(c, "SELECT p.id, p.name FROM party p WHERE LOWER(p.name) = LOWER(?) AND p.kind = 'person'"
                                   " AND p.deleted_at IS NULL AND EXISTS (SELECT 1 FROM party_link k JOIN party o ON o.id = k.to_id"
                                   " WHERE k.from_id = p.id AND k.kind = 'works_at' AND LOWER(o.name) = LOWER(?)) ORDER BY p.id LIMIT 20");
        if (!s) goto fail;
        db_bind_text(s, 1, name);
        db_bind_text(s, 2, company);
        if (collect(s, out, "party", "name_company", exclude_id)) goto fail;
        s = db_prepare(c, "SELECT id, name FROM lead WHERE LOWER(name) = LOWER(?) AND LOWER(company) = LOWER(?) ORDER BY id LIMIT 21");
        if (!s) goto fail;
        db_bind_text(s, 1, name);
        db_bind_text(s, 2, company);
        if (collect(s, out, "lead", "name_company", exclude_id)) goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

/* ---- what a reader sees ---- */

json_t *lead_duplicates_visible(db *c, const struct auth_user *u, const json_t *dups)
{
    json_t *seen = json_array(), *x;
    size_t i;
    const struct rtype *lt = registry_of(&lead_resource);
    enum scope ps = authz_scope(u, "parties", "read"), ls = authz_scope(u, "leads", "read");
    json_array_foreach(dups, i, x) {
        int64_t rid = json_integer_value(json_object_get(x, "id"));
        const char *type = json_string_value(json_object_get(x, "type"));
        bool party = type && !strcmp(type, "party");
        if (party ? authz_party_in_scope(c, u, rid, ps) : lt && authz_record_in_scope(c, u, lt, rid, ls)) json_array_append(seen, x);
    }
    return seen;
}

/* The stored duplicates were found with every record in view (the write
 * path has no reader): each reader is told only of those in their scope,
 * as the live GET /leads/{id}/duplicates does. */
static void lead_view(db *c, const struct auth_user *u, json_t *rec)
{
    json_t *d = json_object_get(rec, "duplicates");
    if (!json_is_array(d) || !json_array_size(d)) return;
    if (authz_scope(u, "parties", "read") == SCOPE_ALL && authz_scope(u, "leads", "read") == SCOPE_ALL) return;
    json_object_set_new(rec, "duplicates", lead_duplicates_visible(c, u, d));
}

/* ---- write hooks ---- */

/* Before the row is written, with the complete new record: the duplicates
 * (on every write: the contacts may have changed) and, on a create, the
 * assignment. The write path hands its own working copy of the record,
 * which it then binds, so what is set here is what is stored. */
static int lead_check_stored(db *w, int64_t id, const json_t *crec, struct verr *e)
{
    json_t *rec = (json_t *)crec;
    json_t *dups = lead_duplicates(w, rec, id);
    if (!dups) { verr_set(e, 500, "internal", NULL, "the duplicate check failed"); return -1; }
    json_object_set_new(rec, "duplicates", dups);
    if (id != 0) return 0;
    char now[21];
    now_text(now);
    struct assign_input in = {.territory = json_string_value(json_object_get(rec, "territory")),
                              .industry = json_string_value(json_object_get(rec, "industry")),
                              .source = json_string_value(json_object_get(rec, "source"))};
    struct assign_result res;
    int rc = assign_pick(w, "lead", &in, now, &res);
    if (rc < 0) { verr_set(e, 500, "internal", NULL, "the assignment failed"); return -1; }
    if (rc == 1) {
        json_object_set_new(rec, "owner_id", json_integer(res.user_id));
        json_object_set_new(rec, "team_id", json_integer(res.team_id));
        json_object_set_new(rec, "assignment_rule_id", json_integer(res.rule_id));
        json_object_set_new(rec, "assigned_at", json_string(now));
    }
    return 0;
}

static int add_contact(db *w, int64_t id, const char *kind, const char *norm)
{
    db_stmt *s = db_prepare(w, "INSERT INTO lead_contact(kind, normalized, lead_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, kind);
    db_bind_text(s, 2, norm);
    db_bind_int64(s, 3, id);
    int step = db_step(s);
    db_done(s);
    return step == DB_DONE ? 0 : -1;
}

/* After the row is written: the contact index, and the assignment's log
 * row gets the new lead's id. */
static int lead_after_write(db *w, int64_t id, const json_t *rec)
{
    if (db_run(w, "DELETE FROM lead_contact WHERE lead_id = ?", "i", id)) return -1;
    json_t *x;
    size_t i;
    json_array_foreach(json_object_get(rec, "emails"), i, x) {
        char norm[256];
        email_normalize(json_string_value(x), norm, sizeof norm);
        if (add_contact(w, id, "email", norm)) return -1;
    }
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (phone_normalize(json_string_value(x), norm, sizeof norm) && add_contact(w, id, "phone", norm)) return -1;
    }
    return json_is_string(json_object_get(rec, "assigned_at")) ? assign_link(w, "lead", id) : 0;
}

static int lead_before_delete(db *w, int64_t id, struct verr *e)
{
    /* The assignment log keeps its row: the capacity it used was used. */
    if (db_run(w, "DELETE FROM lead_contact WHERE lead_id = ?", "i", id)) {
        verr_set(e, 500, "internal", NULL, "the lead's indexes could not be removed");
        return -1;
    }
    return 0;
}

struct resource lead_resource = {
    .name = "leads", .table = "lead", .entity = "lead",
    .fields = lead_fields, .nfields = sizeof lead_fields / sizeof lead_fields[0],
    .check_stored = lead_check_stored, .after_write = lead_after_write, .before_delete = lead_before_delete,
    .view = lead_view,
};
