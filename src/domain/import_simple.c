/* import_simple: the kinds imported one record a row (parties,
 * interactions, products): a party's defaults, an interaction's customer,
 * and a person's organisation from a company column (works_at). */
#include "domain/import_internal.h"
#include "domain/import_values.h"
#include "lib/timeutil.h"
#include <string.h>

/* What an imported party is when its row does not say: a person, with the
 * role and the information source the importer chose (D1: every party has
 * a source; a role makes it count as a customer or a prospect). */
static void party_defaults(const struct imp *m, json_t *rec)
{
    if (!json_object_get(rec, "kind")) json_object_set_new(rec, "kind", json_string("person"));
    if (m->o->default_role && !json_object_get(rec, "roles")) json_object_set_new(rec, "roles", json_pack("[s]", m->o->default_role));
    if (m->o->default_source && !json_object_get(rec, "source")) json_object_set_new(rec, "source", json_string(m->o->default_source));
}

/* Ties person to the organisation named company: the first one of that
 * name, or a new one (with the import's defaults), and a works_at link
 * unless they have one. Both are import items, so an undo takes them back.
 * 0, or -1 on a storage failure (a refusal is reported). */
static int company_link(struct imp *m, db *w, int64_t person, const char *company, long line)
{
    int64_t org = imp_lookup_id(w, "SELECT id FROM party WHERE kind = 'organization' AND name = ? AND deleted_at IS NULL ORDER BY id LIMIT 1",
                            company);
    if (org < 0) { imp_db_fail(m, w, line); return -1; }
    if (org == 0) {
        json_t *rec = json_pack("{s:s, s:s}", "kind", "organization", "name", company);
        party_defaults(m, rec);
        struct verr e = {0};
        json_t *v = res_validate(&party_resource, rec, true, &e);
        json_decref(rec);
        if (!v) {
            imp_report(m, line, imp_col_name(m, "company"), "value_dropped", "company: %s; the row is imported without it", e.message);
            m->res->values_dropped++;
            return 0;
        }
        org = imp_insert_new(m, w, &party_resource, v, 0, NULL, NULL, line);
        json_decref(v);
        if (org <= 0) return org < 0 ? -1 : 0;
        m->res->organizations_created++;
    }
    db_stmt *s = db_prepare(w, "SELECT 1 FROM party_link WHERE from_id = ? AND to_id = ? AND kind = 'works_at'");
    if (!s) { imp_db_fail(m, w, line); return -1; }
    db_bind_int64(s, 1, person);
    db_bind_int64(s, 2, org);
    bool linked = db_step(s) == DB_ROW;
    db_done(s);
    if (linked) return 0;
    json_t *link = json_pack("{s:I, s:I, s:s}", "from_id", (json_int_t)person, "to_id", (json_int_t)org, "kind", "works_at");
    int64_t id = imp_insert_new(m, w, &link_resource, link, 0, NULL, NULL, line);
    json_decref(link);
    return id < 0 ? -1 : 0;
}

int imp_simple_row(struct imp *m, db *w, long line)
{
    json_t *rec = imp_row_record(m, line, NULL);
    if (!rec) { m->res->errors++; return 0; }
    json_t *jv;
    if (m->r == &party_resource) party_defaults(m, rec);
    if (m->inter && !json_object_get(rec, "party_id")) {
        const char *pext = imp_xcell(m, X_PARTY_EXT, &jv);
        if (!pext || jv) {
            imp_report(m, line, imp_col_name(m, "party_external_id"), "no_customer", "the row has no customer; not imported");
            m->res->no_customer++;
            json_decref(rec);
            return 0;
        }
        const char *name = imp_xcell(m, X_PARTY_NAME, &jv);
        const char *country = imp_xcell(m, X_COUNTRY, &jv);
        int64_t pid = imp_party_for(m, w, pext, name, country, line);
        if (pid <= 0) { json_decref(rec); return pid < 0 ? -1 : 0; }
        json_object_set_new(rec, "party_id", json_integer(pid));
        m->party_known = pid;
    }
    int64_t want = 0, t;
    const char *s = imp_xcell(m, X_ID, &jv);
    if (jv && json_is_integer(jv)) want = json_integer_value(jv);
    else if (s && !jv) parse_int(s, &want);
    char created[24] = "";
    s = imp_xcell(m, X_CREATED_AT, &jv);
    if (s && !jv && parse_when(s, NULL, &t) == 0) time_format(t, created);
    int64_t id = imp_write_record(m, w, m->r, rec, want, created, NULL, line);
    m->party_known = 0;
    const char *company = m->r == &party_resource ? imp_xcell(m, X_COMPANY, &jv) : NULL;
    bool person = !strcmp(json_string_value(json_object_get(rec, "kind")) ? json_string_value(json_object_get(rec, "kind")) : "", "person");
    if (id > 0 && company && !jv && person && company_link(m, w, id, company, line)) id = -1;
    json_decref(rec);
    return id < 0 ? -1 : 0;
}
