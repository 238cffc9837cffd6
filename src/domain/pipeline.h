/* pipeline: sales pipelines and their ordered stages (issue 18, DOMAIN
 * D6/D10) — the descriptor, its rule, and the stage look-ups the
 * opportunity rules, the deal board and the forecast use. */
#ifndef RAPPORT_PIPELINE_H
#define RAPPORT_PIPELINE_H
#include "api/resource.h"
#include "db/db.h"
#include <jansson.h>

extern struct resource pipeline_resource;
/* Stages are a non-empty list of {key, name_en, name_zh, probability,
 * rotting_days} with unique keys: 0, or -1 with e (422, stages). */
int pipeline_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e);
/* The stages of pipeline id as stored (a new reference, the caller's to
 * decref), or NULL when there is no such pipeline. */
json_t *pipeline_stages(db *c, int64_t id);
/* The stage of stages with key, or NULL (borrowed from stages). */
const json_t *pipeline_stage(const json_t *stages, const char *key);
/* The stage's default probability (0–100) and rotting limit in days
 * (0: none). */
int pipeline_stage_probability(const json_t *stage);
int pipeline_stage_rotting_days(const json_t *stage);
#endif
