/* case_assign: cases routed by the assignment engine (issue 19) — the
 * rules of subject "case" in /api/v1/assignment-rules match a new case on
 * its category, priority, its party's value tier (the analytics' pyramid,
 * table score) and its product; the first matching rule's team takes
 * turns (round robin, capacity per day / week / month), exactly as for
 * leads (domain/assign.c keeps the cursor, the load and the log in the
 * caller's write transaction). A case created with a team_id was routed
 * by hand and is left as it is; when no rule matches or nobody has
 * capacity, the case keeps its owner (the creator unless given) and goes
 * to the owner's team. */
#include "domain/assign.h"
#include "domain/service.h"
#include "lib/timeutil.h"
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

int case_assign_check(db *w, int64_t id, const json_t *crec, struct verr *e)
{
    /* The write path's own working copy: what is set here is stored. */
    json_t *rec = (json_t *)crec;
    if (id != 0 || json_is_integer(json_object_get(rec, "team_id"))) return 0;
    char *tier = NULL;
    json_t *party = json_object_get(rec, "party_id"), *product = json_object_get(rec, "product_id");
    if (json_is_integer(party)) {
        db_stmt *s = db_prepare(w, "SELECT tier FROM score WHERE party_id = ?");
        if (!s) { verr_set(e, 500, "internal", NULL, "the party's tier could not be read"); return -1; }
        db_bind_int64(s, 1, json_integer_value(party));
        if (db_step(s) == DB_ROW && db_column_text(s, 0)) tier = strdup(db_column_text(s, 0));
        db_done(s);
    }
    char now[21];
    now_text(now);
    struct assign_input in = {.category = str(rec, "category"), .priority = str(rec, "priority"), .tier = tier,
                              .product_id = json_is_integer(product) ? json_integer_value(product) : 0};
    struct assign_result res;
    int rc = assign_pick(w, "case", &in, now, &res);
    free(tier);
    if (rc < 0) { verr_set(e, 500, "internal", NULL, "the assignment failed"); return -1; }
    if (rc == 1) {
        json_object_set_new(rec, "owner_id", json_integer(res.user_id));
        json_object_set_new(rec, "team_id", json_integer(res.team_id));
        json_object_set_new(rec, "assignment_rule_id", json_integer(res.rule_id));
        json_object_set_new(rec, "assigned_at", json_string(now));
    } else if (json_is_integer(json_object_get(rec, "owner_id"))) {
        db_stmt *s = db_prepare(w, "SELECT team_id FROM app_user WHERE id = ?");
        if (!s) { verr_set(e, 500, "internal", NULL, "the owner's team could not be read"); return -1; }
        db_bind_int64(s, 1, json_integer_value(json_object_get(rec, "owner_id")));
        if (db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL) json_object_set_new(rec, "team_id", json_integer(db_column_int64(s, 0)));
        db_done(s);
    }
    return 0;
}

int case_assign_link(db *w, int64_t id, const json_t *rec)
{
    return json_is_string(json_object_get(rec, "assigned_at")) ? assign_link(w, "case", id) : 0;
}
