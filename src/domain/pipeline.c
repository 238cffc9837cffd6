/* pipeline: the pipelines and their stages (see pipeline.h). A pipeline's
 * stages are one JSON list on its row: they are read together (the board
 * draws every column, a stage move checks the list) and edited together,
 * and an opportunity names its stage by key, so renaming a stage or
 * changing its probability touches no opportunity. */
#include "domain/pipeline.h"
#include <string.h>

static const char *const stage_keys[] = {"key", "name_en", "name_zh", "probability", "rotting_days", NULL};

static const struct field pipeline_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "name (English)"},
    {"name_zh", "name_zh", NULL, FT_TEXT, 0, 200, NULL, 0, 0, NULL, "name (简体中文)"},
    {"description", "description", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "what the pipeline is for"},
    {"stages", "stages", NULL, FT_OBJLIST, F_REQUIRED, 30, NULL, 0, 0, stage_keys,
     "ordered stages: key (a-z, 0-9, _), name_en, name_zh, probability (0-100, the default of its opportunities), "
     "rotting_days (days without activity after which a card is marked; 0 or null: never)"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "offered for new opportunities"},
};

static bool key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 40) return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_')) return false;
    return true;
}

int pipeline_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    if (!json_is_boolean(json_object_get(rec, "active"))) json_object_set_new(rec, "active", json_true());
    json_t *stages = json_object_get(rec, "stages");
    if (!json_is_array(stages)) return 0;   /* required: the write path says so */
    if (json_array_size(stages) == 0) {
        verr_set(e, 422, "invalid_value", "stages", "a pipeline needs at least one stage");
        return -1;
    }
    size_t i;
    json_t *s;
    json_array_foreach(stages, i, s) {
        const char *key = json_string_value(json_object_get(s, "key"));
        if (!key || !key_valid(key)) {
            verr_set(e, 422, "invalid_value", "stages", "stages[%zu].key must be 1-40 of a-z, 0-9 and _", i);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(key, json_string_value(json_object_get(json_array_get(stages, j), "key")))) {
                verr_set(e, 422, "duplicate", "stages", "stage key %s appears twice", key);
                return -1;
            }
        if (!json_is_string(json_object_get(s, "name_en")) && !json_is_string(json_object_get(s, "name_zh"))) {
            verr_set(e, 422, "required", "stages", "stages[%zu] needs name_en or name_zh", i);
            return -1;
        }
        json_t *p = json_object_get(s, "probability"), *r = json_object_get(s, "rotting_days");
        if (p && !json_is_null(p) && (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > 100)) {
            verr_set(e, 422, "invalid_value", "stages", "stages[%zu].probability must be an integer from 0 to 100", i);
            return -1;
        }
        if (r && !json_is_null(r) && (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) > 3650)) {
            verr_set(e, 422, "invalid_value", "stages", "stages[%zu].rotting_days must be an integer from 0 to 3650", i);
            return -1;
        }
    }
    return 0;
}

/* A stage that open opportunities stand in may not be removed: they would
 * stand nowhere. Stored rows, so checked in the write transaction. */
static int pipeline_check_stored(db *w, int64_t id, const json_t *rec, struct verr *e)
{
    if (!id) return 0;
    db_stmt *s = db_prepare(w, "SELECT DISTINCT stage FROM opportunity WHERE pipeline_id = ? AND status = 'open'");
    if (!s) { verr_set(e, 500, "internal", NULL, "stage check failed"); return -1; }
    db_bind_int64(s, 1, id);
    const json_t *stages = json_object_get(rec, "stages");
    int rc = 0;
    while (db_step(s) == DB_ROW) {
        const char *k = db_column_text(s, 0);
        if (k && !pipeline_stage(stages, k)) {
            verr_set(e, 409, "stage_in_use", "stages", "open opportunities stand in stage %s: move them first", k);
            rc = -1;
            break;
        }
    }
    db_done(s);
    return rc;
}

static int pipeline_before_delete(db *w, int64_t id, struct verr *e)
{
    db_stmt *s = db_prepare(w, "SELECT 1 FROM opportunity WHERE pipeline_id = ? LIMIT 1");
    if (!s) { verr_set(e, 500, "internal", NULL, "delete check failed"); return -1; }
    db_bind_int64(s, 1, id);
    bool used = db_step(s) == DB_ROW;
    db_done(s);
    if (used) {
        verr_set(e, 409, "in_use", "id", "pipeline %lld has opportunities; set active to false instead", (long long)id);
        return -1;
    }
    return 0;
}

json_t *pipeline_stages(db *c, int64_t id)
{
    db_stmt *s = db_prepare(c, "SELECT stages FROM pipeline WHERE id = ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, id);
    json_t *out = NULL;
    if (db_step(s) == DB_ROW && db_column_text(s, 0)) out = json_loads(db_column_text(s, 0), 0, NULL);
    db_done(s);
    if (out && !json_is_array(out)) { json_decref(out); out = NULL; }
    return out;
}

const json_t *pipeline_stage(const json_t *stages, const char *key)
{
    size_t i;
    json_t *s;
    json_array_foreach(stages, i, s) {
        const char *k = json_string_value(json_object_get(s, "key"));
        if (k && key && !strcmp(k, key)) return s;
    }
    return NULL;
}

int pipeline_stage_probability(const json_t *stage)
{
    json_t *p = json_object_get(stage, "probability");
    return json_is_integer(p) ? (int)json_integer_value(p) : 0;
}

int pipeline_stage_rotting_days(const json_t *stage)
{
    json_t *r = json_object_get(stage, "rotting_days");
    return json_is_integer(r) ? (int)json_integer_value(r) : 0;
}

struct resource pipeline_resource = {
    .name = "pipelines", .table = "pipeline", .entity = "pipeline",
    .fields = pipeline_fields, .nfields = sizeof pipeline_fields / sizeof pipeline_fields[0],
    .rule = pipeline_rule, .check_stored = pipeline_check_stored, .before_delete = pipeline_before_delete,
};
