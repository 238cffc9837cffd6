/* segment: a party-list query string resolved to party ids (see segment.h). */
#include "domain/segment.h"
#include "api/api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEGMENT_MAX 2000

/* The scope of scheduled work with no owner: every party, every field. */
static void system_user(struct auth_user *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->role, sizeof u->role, "admin");
    snprintf(u->name, sizeof u->name, "system");
}

int segment_check(const char *text, const char *field, const char *role, struct verr *e)
{
    if (!text) return 0;
    if (strlen(text) > SEGMENT_MAX) {
        verr_set(e, 422, "invalid_value", field, "%s is at most %d bytes", field, SEGMENT_MAX);
        return -1;
    }
    struct auth_user u;
    system_user(&u);
    if (role) snprintf(u.role, sizeof u.role, "%s", role);
    struct res_query l;
    int rc = res_query_build_text(&l, &u, text, &party_resource, RQ_EXPORT, "read");
    if (rc) {
        verr_set(e, 422, "invalid_value", field, "%s: %s", field, l.e.message);
    }
    res_query_free(&l);
    return rc ? -1 : 0;
}

int segment_scope_user(db *c, int64_t user_id, struct auth_user *out)
{
    system_user(out);
    if (user_id <= 0) return 1;
    db_stmt *s = db_prepare(c, "SELECT id, email, name, role, team_id FROM app_user WHERE id = ? AND disabled = 0");
    if (!s) return 1;
    db_bind_int64(s, 1, user_id);
    int found = db_step(s) == DB_ROW;
    if (found) {
        memset(out, 0, sizeof *out);
        out->id = db_column_int64(s, 0);
        snprintf(out->email, sizeof out->email, "%s", db_column_text(s, 1) ? db_column_text(s, 1) : "");
        snprintf(out->name, sizeof out->name, "%s", db_column_text(s, 2) ? db_column_text(s, 2) : "");
        snprintf(out->role, sizeof out->role, "%s", db_column_text(s, 3) ? db_column_text(s, 3) : "");
        out->team_id = db_column_type(s, 4) == DB_NULL ? 0 : db_column_int64(s, 4);
    }
    db_done(s);
    return found ? 0 : 1;
}

int segment_resolve(db *c, const char *text, const struct auth_user *u, int64_t **ids, size_t *n, struct verr *e)
{
    struct auth_user sys;
    if (!u) { system_user(&sys); u = &sys; }
    *ids = NULL;
    *n = 0;
    struct res_query l;
    int rc = -1;
    if (res_query_build_text(&l, u, text ? text : "", &party_resource, RQ_EXPORT, "read")) {
        *e = l.e;
        goto done;
    }
    db_stmt *s = res_query_ids(&l, c, e);
    if (!s) goto done;
    size_t cap = 1024, k = 0;
    int64_t *v = malloc(cap * sizeof *v);
    int step;
    while (v && (step = db_step(s)) == DB_ROW) {
        if (k == cap) {
            int64_t *bigger = realloc(v, cap * 2 * sizeof *v);
            if (!bigger) { free(v); v = NULL; break; }
            v = bigger;
            cap *= 2;
        }
        v[k++] = db_column_int64(s, 0);
    }
    db_done(s);
    if (!v) { verr_set(e, 500, "internal", "segment", "out of memory"); goto done; }
    if (step != DB_DONE) { free(v); verr_set(e, 503, "storage_error", "segment", "the segment could not be read"); goto done; }
    *ids = v;
    *n = k;
    rc = 0;
done:
    res_query_free(&l);
    return rc;
}

bool segment_has(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == id) return true;
        if (ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return false;
}
