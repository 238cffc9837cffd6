/* import_dup: finding the record a row duplicates (external id, e-mail,
 * phone; a transaction's external id; a product's sku), and the keys of
 * the records a bulk (COPY) batch created, which the database cannot see
 * yet. */
#include "domain/import_internal.h"
#include "lib/textcheck.h"
#include <stdio.h>
#include <string.h>

int64_t imp_lookup_id(db *w, const char *sql, const char *value)
{
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    db_bind_text(s, 1, value);
    int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return id;
}

/* The party of this batch with key kind:value (see struct imp), or 0. */
int64_t imp_batch_key(struct imp *m, char kind, const char *value)
{
    if (!m->bulk || !value) return 0;
    char key[600];
    snprintf(key, sizeof key, "%c:%s", kind, value);
    return json_integer_value(json_object_get(m->batch_keys, key));
}

void imp_batch_key_add(struct imp *m, char kind, const char *value, int64_t id)
{
    if (!m->bulk || !value) return;
    char key[600];
    snprintf(key, sizeof key, "%c:%s", kind, value);
    if (!json_object_get(m->batch_keys, key)) json_object_set_new(m->batch_keys, key, json_integer(id));
}

/* A party created by this batch: its keys, as find_duplicate looks them up. */
void imp_batch_keys_of(struct imp *m, const struct resource *r, const json_t *rec, int64_t id)
{
    if (r == &transaction_resource)   /* "t:" a transaction's external id */
        imp_batch_key_add(m, 't', json_string_value(json_object_get(rec, "external_id")), id);
    if (!m->bulk || r != &party_resource || m->r != &party_resource) return;
    imp_batch_key_add(m, 'x', json_string_value(json_object_get(rec, "external_id")), id);
    size_t i; json_t *x;
    json_array_foreach(json_object_get(rec, "emails"), i, x) imp_batch_key_add(m, 'e', json_string_value(x), id);
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (phone_normalize(json_string_value(x), norm, sizeof norm)) imp_batch_key_add(m, 'p', norm, id);
    }
}

/* A look-up of stored parties that need not see the rows this batch holds
 * for COPY: batch_key answers for those. */
void imp_stored_only(struct imp *m, db *w) { if (m->bulk) db_bulk_pass(w); }

/* find_duplicate of a party in a bulk batch: the external id, up to two
 * e-mails and two phones looked up in one round trip instead of one each
 * (the look-ups were most of what a row still cost once its writes went
 * with COPY), the batch's own parties in memory; the first match in the
 * order of the row-by-row look-ups wins. -2 when the row has more keys
 * (the caller looks them up one by one). */
static int64_t party_duplicate_bulk(struct imp *m, db *w, const json_t *rec, char *how, size_t cap, const char **field)
{
    static const char sql[] =
        "SELECT r, id FROM (SELECT 0 AS r, id FROM party WHERE external_id = ? AND deleted_at IS NULL"
        " UNION ALL SELECT 1, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'email' AND c.normalized = ? AND p.deleted_at IS NULL"
        " UNION ALL SELECT 2, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'email' AND c.normalized = ? AND p.deleted_at IS NULL"
        " UNION ALL SELECT 3, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'phone' AND c.normalized = ? AND p.deleted_at IS NULL"
        " UNION ALL SELECT 4, c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
        " WHERE c.kind = 'phone' AND c.normalized = ? AND p.deleted_at IS NULL) k ORDER BY r LIMIT 1";
    const json_t *emails = json_object_get(rec, "emails");
    if (json_array_size(emails) > 2) return -2;
    const char *key[5] = {json_string_value(json_object_get(rec, "external_id")), NULL, NULL, NULL, NULL};
    char phone[2][32];
    size_t i; json_t *x;
    json_array_foreach(emails, i, x) key[1 + i] = json_string_value(x);
    int nphones = 0;
    json_array_foreach(json_object_get(rec, "phones"), i, x) {
        char norm[32];
        if (!phone_normalize(json_string_value(x), norm, sizeof norm)) continue;
        if (nphones == 2) return -2;
        memcpy(phone[nphones], norm, sizeof norm);
        key[3 + nphones] = phone[nphones];
        nphones++;
    }
    static const char kinds[] = "xeepp";
    int64_t id = 0;
    int rank = -1;
    for (int k = 0; k < 5 && !id; k++)
        if ((id = imp_batch_key(m, kinds[k], key[k])) != 0) rank = k;
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    for (int k = 0; k < 5; k++) {
        if (key[k]) db_bind_text(s, k + 1, key[k]);
        else db_bind_null(s, k + 1);
    }
    imp_stored_only(m, w);
    if (db_step(s) == DB_ROW && (rank < 0 || db_column_int64(s, 0) < rank)) {
        rank = (int)db_column_int64(s, 0);
        id = db_column_int64(s, 1);
    }
    db_done(s);
    if (rank < 0) return 0;
    static const char *const fields[] = {"external_id", "emails", "emails", "phones", "phones"};
    static const char *const hows[] = {"external_id", "e-mail", "e-mail", "phone", "phone"};
    snprintf(how, cap, "%s %s", hows[rank], key[rank]);
    *field = fields[rank];
    return id;
}

/* The existing record rec duplicates, with how it matched. */
int64_t imp_find_duplicate(struct imp *m, db *w, const json_t *rec, char *how, size_t cap, const char **field)
{
    const char *ext = json_string_value(json_object_get(rec, "external_id"));
    int64_t id = 0;
    *field = NULL;
    if (m->r == &party_resource && m->bulk) {
        id = party_duplicate_bulk(m, w, rec, how, cap, field);
        if (id != -2) return id;
        id = 0;
    }
    if (m->r == &party_resource) {
        if (ext && (id = imp_batch_key(m, 'x', ext)) == 0) {
            imp_stored_only(m, w);
            id = imp_lookup_id(w, "SELECT id FROM party WHERE external_id = ? AND deleted_at IS NULL", ext);
        }
        if (ext && id != 0) {
            snprintf(how, cap, "external_id %s", ext);
            *field = "external_id";
            return id;
        }
        static const char sql[] = "SELECT c.party_id FROM contact_point c JOIN party p ON p.id = c.party_id"
                                  " WHERE c.kind = ? AND c.normalized = ? AND p.deleted_at IS NULL LIMIT 1";
        size_t i; json_t *x;
        json_array_foreach(json_object_get(rec, "emails"), i, x) {
            if ((id = imp_batch_key(m, 'e', json_string_value(x))) != 0) {
                snprintf(how, cap, "e-mail %s", json_string_value(x)); *field = "emails"; return id;
            }
            db_stmt *s = db_prepare(w, sql);
            if (!s) return -1;
            db_bind_text(s, 1, "email");
            db_bind_text(s, 2, json_string_value(x));
            imp_stored_only(m, w);
            id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
            db_done(s);
            if (id) { snprintf(how, cap, "e-mail %s", json_string_value(x)); *field = "emails"; return id; }
        }
        json_array_foreach(json_object_get(rec, "phones"), i, x) {
            char norm[32];
            if (!phone_normalize(json_string_value(x), norm, sizeof norm)) continue;
            if ((id = imp_batch_key(m, 'p', norm)) != 0) { snprintf(how, cap, "phone %s", norm); *field = "phones"; return id; }
            db_stmt *s = db_prepare(w, sql);
            if (!s) return -1;
            db_bind_text(s, 1, "phone");
            db_bind_text(s, 2, norm);
            imp_stored_only(m, w);
            id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
            db_done(s);
            if (id) { snprintf(how, cap, "phone %s", norm); *field = "phones"; return id; }
        }
        return 0;
    }
    if (m->r == &transaction_resource && ext) {
        if ((id = imp_batch_key(m, 't', ext)) == 0) {
            imp_stored_only(m, w);
            id = imp_lookup_id(w, "SELECT id FROM txn WHERE external_id = ?", ext);
        }
        if (id) { snprintf(how, cap, "external_id %s", ext); *field = "external_id"; }
        return id;
    }
    if (m->r == &product_resource) {
        const char *sku = json_string_value(json_object_get(rec, "sku"));
        if (sku && (id = imp_lookup_id(w, "SELECT id FROM product WHERE sku = ?", sku)) != 0) {
            snprintf(how, cap, "sku %s", sku);
            *field = "sku";
        }
        return id;
    }
    return 0;
}
