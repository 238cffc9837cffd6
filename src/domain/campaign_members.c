/* campaign_members: resolving and freezing a campaign's members (see
 * campaign_members.h). One INSERT … SELECT over the party list's WHERE
 * clause: a million parties become members in one statement, without a
 * round trip per row. */
#include "domain/campaign_members.h"
#include "api/api.h"
#include "lib/strbuf.h"
#include <stdio.h>
#include <string.h>

/* The resolver sees every party (as an admin would): a segment is the
 * company's audience, not the scope of whoever activates the campaign. */
static const struct auth_user g_resolver = {.role = "admin", .name = "campaign segment"};

#define P31 "2147483647"
/* Portable integer arithmetic (SQLite and PostgreSQL): x = (id·7919 +
 * seed) mod p, y = x² mod p, h = (y·48271 + x) mod p — every product stays
 * below 2^63, and the square makes it non-linear in the id, so the
 * held-out parties do not fall on a regular stride. */
int64_t campaign_control_hash(int64_t id, int64_t party_id)
{
    const int64_t p = 2147483647;
    int64_t seed = (id * 104729 + 12345) % p;
    int64_t x = (party_id * 7919 + seed) % p;
    int64_t y = x * x % p;
    return (y * 48271 + x) % p;
}

int campaign_segment_check(const char *seg, struct verr *e)
{
    struct res_query l;
    int rc = res_query_build_text(&l, &g_resolver, seg, &party_resource, RQ_EXPORT, "read");
    if (rc) verr_set(e, 422, "invalid_value", "segment", "segment: %s", l.e.message);
    res_query_free(&l);
    return rc;
}

int campaign_members_freeze(db *w, int64_t id, const char *seg, double share, struct campaign_freeze *out)
{
    memset(out, 0, sizeof *out);
    struct res_query l;
    if (res_query_build_text(&l, &g_resolver, seg, &party_resource, RQ_EXPORT, "read")) { res_query_free(&l); return -1; }
    strbuf sql;
    sb_init(&sql, 32768);
    sb_printf(&sql,
              "INSERT INTO campaign_member(campaign_id, party_id, control)"
              " SELECT ?, g.id, CASE WHEN (g.y * 48271 + g.x) %% " P31 " < ? THEN 1 ELSE 0 END FROM"
              " (SELECT f.id, f.x, (f.x * f.x) %% " P31 " AS y FROM"
              " (SELECT t.id, (t.id * 7919 + ?) %% " P31 " AS x FROM party t WHERE t.deleted_at IS NULL%s) f) g",
              sb_str(&l.where));
    db_stmt *s = sql.failed ? NULL : db_prepare_once(w, sb_str(&sql));
    sb_free(&sql);
    int rc = -1;
    if (!s) goto done;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, (int64_t)(share * 2147483647.0));
    db_bind_int64(s, 3, (id * 104729 + 12345) % 2147483647);
    res_query_bind(&l, s, 4);
    int st = db_step(s);
    db_done(s);
    if (st != DB_DONE) goto done;
    s = db_prepare(w, "SELECT count(*), COALESCE(sum(control), 0) FROM campaign_member WHERE campaign_id = ?");
    if (!s) goto done;
    db_bind_int64(s, 1, id);
    if (db_step(s) == DB_ROW) { out->members = (long)db_column_int64(s, 0); out->controls = (long)db_column_int64(s, 1); }
    db_done(s);
    now_text(out->at);
    s = db_prepare(w, "UPDATE campaign SET members_frozen_at = ?, member_count = ?, control_count = ? WHERE id = ?");
    if (!s) goto done;
    db_bind_text(s, 1, out->at);
    db_bind_int64(s, 2, out->members);
    db_bind_int64(s, 3, out->controls);
    db_bind_int64(s, 4, id);
    rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
done:
    res_query_free(&l);
    return rc;
}
