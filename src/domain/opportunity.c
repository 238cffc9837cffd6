/* opportunity: see opportunity.h. The status workflow is the kernel's:
 * open → won needs an amount, open → lost needs a reason, and a won or lost
 * opportunity changes stage only after a reopen (won | lost → open), which
 * is stamped like the close. The stage must be one of its pipeline's; its
 * probability follows the stage's default unless the writer sets one
 * (100 when won, 0 when lost). Each stretch of time in a stage and status
 * is a row of opportunity_stage, written by the after_write hook so that
 * every writer (HTTP, lead conversion, imports, jobs) leaves one. */
#include "domain/opportunity.h"
#include "api/api.h"
#include "domain/pipeline.h"
#include "domain/vocab.h"
#include <stdio.h>
#include <string.h>

static const char *const opportunity_statuses[] = {"open", "won", "lost", NULL};

static const struct field opportunity_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 300, NULL, 0, 0, NULL, "what is being sold"},
    {"party_id", "party_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "party", NULL, "the customer"},
    {"pipeline_id", "pipeline_id", NULL, FT_REF, F_REQUIRED | F_FILTER, 0, NULL, 0, "pipeline", NULL, "its pipeline"},
    {"stage", "stage", NULL, FT_TEXT, F_FILTER, 40, NULL, 0, 0, NULL, "key of a stage of the pipeline (default: the first)"},
    {"amount", "amount_amount", "amount_currency", FT_MONEY, F_FILTER, 0, NULL, 0, 0, NULL, "expected value (needed to win)"},
    {"expected_close_on", "expected_close_on", NULL, FT_DATE, F_FILTER | F_SORT, 0, NULL, 0, 0, NULL, "expected close date"},
    {"probability", "probability", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL,
     "chance of winning in percent (default: the stage's; 100 when won, 0 when lost)"},
    {"status", "status", NULL, FT_ENUM, F_FILTER, 0, opportunity_statuses, 0, 0, NULL,
     "open → won (needs amount) | lost (needs lost_reason); won | lost → open reopens"},
    {"lost_reason", "lost_reason", NULL, FT_TEXT, 0, 500, NULL, 0, 0, NULL, "why it was lost"},
    {"competitor_id", "competitor_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "party", NULL, "competitor (D1) it was lost to or fought"},
    {"source", "source", NULL, FT_ENUM, F_FILTER, 0, info_sources, 0, 0, NULL, "information source (D1)"},
    {"stage_entered_at", "stage_entered_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it entered its stage (server-set)"},
    {"closed_at", "closed_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was won or lost (server-set)"},
    {"closed_by", "closed_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who won or lost it (server-set)"},
    {"reopened_at", "reopened_at", NULL, FT_TIME, F_SERVER, 0, NULL, 0, 0, NULL, "when it was last reopened (server-set)"},
    {"reopened_by", "reopened_by", NULL, FT_REF, F_SERVER, 0, NULL, 0, "user", NULL, "who reopened it (server-set)"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "salesperson (default: the creator)"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
};

static bool closed(const char *status) { return status && (!strcmp(status, "won") || !strcmp(status, "lost")); }

static const char *str(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

int opportunity_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    json_t *p = json_object_get(rec, "probability");
    if (json_is_integer(p) && (json_integer_value(p) < 0 || json_integer_value(p) > 100)) {
        verr_set(e, 422, "invalid_value", "probability", "probability must be from 0 to 100");
        return -1;
    }
    const char *was = old ? str(old, "status") : NULL;
    if (closed(was) && same(str(rec, "status"), was) && !same(str(rec, "stage"), str(old, "stage"))) {
        verr_set(e, 409, "invalid_transition", "stage", "a %s opportunity keeps its stage: reopen it (status open) first", was);
        snprintf(e->from, sizeof e->from, "%s", str(old, "stage") ? str(old, "stage") : "");
        snprintf(e->to, sizeof e->to, "%s", str(rec, "stage") ? str(rec, "stage") : "null");
        return -1;
    }
    return 0;
}

static int need_amount(const struct actor *a, const json_t *old, const json_t *neu, struct verr *e)
{
    (void)a;
    (void)old;
    json_t *m = json_object_get(neu, "amount");
    if (!json_is_object(m) || json_integer_value(json_object_get(m, "amount")) <= 0) {
        verr_set(e, 422, "required", "amount", "an opportunity is won with an amount");
        return -1;
    }
    return 0;
}

static int need_reason(const struct actor *a, const json_t *old, const json_t *neu, struct verr *e)
{
    (void)a;
    (void)old;
    const char *r = str(neu, "lost_reason");
    if (!r || !*r) {
        verr_set(e, 422, "required", "lost_reason", "an opportunity is lost with a reason");
        return -1;
    }
    return 0;
}

static const struct wf_transition opportunity_moves[] = {
    {"open", "won", NULL, need_amount, "closed_at", "closed_by"},
    {"open", "lost", NULL, need_reason, "closed_at", "closed_by"},
    {"won", "open", NULL, NULL, "reopened_at", "reopened_by"},
    {"lost", "open", NULL, NULL, "reopened_at", "reopened_by"},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const opportunity_initials[] = {"open", NULL};

const struct workflow opportunity_workflow = {
    .field = "status", .initial = "open", .initials = opportunity_initials, .transitions = opportunity_moves,
};

/* The stage against the stored pipeline, and what follows from it. The
 * write path hands this hook its own working copy of the record (const
 * only in the hook's type), so the defaults it derives from the stored
 * pipeline — the first stage, the stage's probability, when the stage
 * was entered — are filled here, before the row is written. */
static int opportunity_check_stored(db *w, int64_t id, const json_t *crec, struct verr *e)
{
    json_t *rec = (json_t *)crec;
    json_t *stages = pipeline_stages(w, json_integer_value(json_object_get(rec, "pipeline_id")));
    if (!stages) {
        verr_set(e, 422, "invalid_reference", "pipeline_id", "pipeline_id does not exist");
        return -1;
    }
    char old_stage[48] = "", old_status[8] = "";
    int64_t old_prob = -1;
    if (id) {
        db_stmt *s = db_prepare(w, "SELECT stage, status, probability FROM opportunity WHERE id = ?");
        if (s) {
            db_bind_int64(s, 1, id);
            if (db_step(s) == DB_ROW) {
                snprintf(old_stage, sizeof old_stage, "%s", db_column_text(s, 0) ? db_column_text(s, 0) : "");
                snprintf(old_status, sizeof old_status, "%s", db_column_text(s, 1) ? db_column_text(s, 1) : "");
                old_prob = db_column_type(s, 2) == DB_NULL ? -1 : db_column_int64(s, 2);
            }
            db_done(s);
        }
    }
    int rc = -1;
    const char *stage = str(rec, "stage");
    if (!stage) {
        if (id) { verr_set(e, 422, "required", "stage", "stage is required"); goto done; }
        json_object_set(rec, "stage", json_object_get(json_array_get(stages, 0), "key"));
        stage = str(rec, "stage");
    }
    const json_t *st = pipeline_stage(stages, stage);
    if (!st) {
        verr_set(e, 422, "invalid_value", "stage", "%s is not a stage of pipeline %lld", stage,
                 (long long)json_integer_value(json_object_get(rec, "pipeline_id")));
        goto done;
    }
    const char *status = str(rec, "status");
    bool moved = !id || strcmp(old_stage, stage) || strcmp(old_status, status ? status : "");
    json_t *p = json_object_get(rec, "probability");
    /* The writer's own probability stays; one carried over from the old
     * record follows the new stage or status. */
    bool given = json_is_integer(p) && !(id && moved && json_integer_value(p) == old_prob);
    if (status && !strcmp(status, "won") && moved) json_object_set_new(rec, "probability", json_integer(100));
    else if (status && !strcmp(status, "lost") && moved) json_object_set_new(rec, "probability", json_integer(0));
    else if (!given && (moved || !json_is_integer(p)))
        json_object_set_new(rec, "probability", json_integer(pipeline_stage_probability(st)));
    if (moved || !str(rec, "stage_entered_at")) {
        char now[21];
        now_text(now);
        json_object_set_new(rec, "stage_entered_at", json_string(now));
    }
    rc = 0;
done:
    json_decref(stages);
    return rc;
}

/* Closes the open stretch of stage history when the stage or status
 * differs from it, and opens the next. */
static int opportunity_after_write(db *w, int64_t id, const json_t *rec)
{
    const char *stage = str(rec, "stage"), *status = str(rec, "status");
    db_stmt *s = db_prepare(w, "SELECT id, stage, status FROM opportunity_stage WHERE opportunity_id = ? AND left_at IS NULL"
                               " ORDER BY id DESC LIMIT 1");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int64_t open_id = 0;
    bool unchanged = false;
    if (db_step(s) == DB_ROW) {
        open_id = db_column_int64(s, 0);
        unchanged = same(db_column_text(s, 1), stage) && same(db_column_text(s, 2), status);
    }
    db_done(s);
    if (unchanged) return 0;
    const char *at = str(rec, "stage_entered_at");
    char now[21];
    now_text(now);
    if (!at) at = now;
    if (open_id) {
        s = db_prepare(w, "UPDATE opportunity_stage SET left_at = ? WHERE id = ?");
        if (!s) return -1;
        db_bind_text(s, 1, at);
        db_bind_int64(s, 2, open_id);
        int r = db_step(s);
        db_done(s);
        if (r != DB_DONE) return -1;
    }
    s = db_prepare(w, "INSERT INTO opportunity_stage(opportunity_id, stage, status, entered_at) VALUES (?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, stage ? stage : "");
    db_bind_text(s, 3, status ? status : "open");
    db_bind_text(s, 4, at);
    int r = db_step(s);
    db_done(s);
    return r == DB_DONE ? 0 : -1;
}

static int opportunity_before_delete(db *w, int64_t id, struct verr *e)
{
    db_stmt *s = db_prepare(w, "DELETE FROM opportunity_stage WHERE opportunity_id = ?");
    if (!s) { verr_set(e, 500, "internal", NULL, "delete failed"); return -1; }
    db_bind_int64(s, 1, id);
    int r = db_step(s);
    db_done(s);
    if (r != DB_DONE) { verr_set(e, 500, "internal", NULL, "delete failed"); return -1; }
    return 0;
}

struct resource opportunity_resource = {
    .name = "opportunities", .table = "opportunity", .entity = "opportunity",
    .fields = opportunity_fields, .nfields = sizeof opportunity_fields / sizeof opportunity_fields[0],
    .party_field = "party_id", .rule = opportunity_rule, .check_stored = opportunity_check_stored,
    .after_write = opportunity_after_write, .before_delete = opportunity_before_delete,
};
