/* workflow: state fields, their transitions, guards and stamps (see
 * workflow.h). */
#include "records/workflow.h"
#include <stdio.h>
#include <string.h>

static bool listed(const char *const *list, const char *s)
{
    for (int i = 0; list && list[i]; i++)
        if (!strcmp(list[i], s)) return true;
    return false;
}

static int refuse(struct verr *e, const char *field, const char *from, const char *to)
{
    if (from) verr_set(e, 409, "invalid_transition", field, "%s cannot go from %s to %s", field, from, to);
    else verr_set(e, 409, "invalid_transition", field, "a new record cannot start as %s", to);
    snprintf(e->from, sizeof e->from, "%s", from ? from : "");
    snprintf(e->to, sizeof e->to, "%s", to);
    return -1;
}

int workflow_apply(const struct workflow *wf, const struct actor *a, const json_t *old, json_t *neu, const char *now,
                   struct verr *e)
{
    json_t *v = json_object_get(neu, wf->field);
    if (!json_is_string(v)) {
        /* No state given: a new record starts in the initial state; a
         * change may not clear it. */
        if (old) return refuse(e, wf->field, json_string_value(json_object_get(old, wf->field)), "null");
        json_object_set_new(neu, wf->field, json_string(wf->initial));
        return 0;
    }
    const char *to = json_string_value(v);
    const char *from = old ? json_string_value(json_object_get(old, wf->field)) : NULL;
    if (!old) return listed(wf->initials, to) ? 0 : refuse(e, wf->field, NULL, to);
    if (from && !strcmp(from, to)) return 0;             /* no move */
    const struct wf_transition *t = wf->transitions;
    while (t->from && !(from && !strcmp(t->from, from) && !strcmp(t->to, to))) t++;
    if (!t->from) return refuse(e, wf->field, from ? from : "null", to);
    if (t->roles && a->user_id && !(a->role && listed(t->roles, a->role))) {
        verr_set(e, 403, "forbidden", wf->field, "your role may not move %s from %s to %s", wf->field, from, to);
        return -1;
    }
    if (t->guard && t->guard(a, old, neu, e)) return -1;
    if (t->stamp_at) json_object_set_new(neu, t->stamp_at, json_string(now));
    if (t->stamp_by) json_object_set_new(neu, t->stamp_by, a->user_id ? json_integer(a->user_id) : json_null());
    return 0;
}

json_t *workflow_json(const struct workflow *wf)
{
    json_t *moves = json_array();
    for (const struct wf_transition *t = wf->transitions; t->from; t++) {
        json_t *roles = json_null();
        if (t->roles) {
            roles = json_array();
            for (int i = 0; t->roles[i]; i++) json_array_append_new(roles, json_string(t->roles[i]));
        }
        json_t *stamps = json_array();
        if (t->stamp_at) json_array_append_new(stamps, json_string(t->stamp_at));
        if (t->stamp_by) json_array_append_new(stamps, json_string(t->stamp_by));
        json_array_append_new(moves, json_pack("{s:s, s:s, s:o, s:o}", "from", t->from, "to", t->to, "roles", roles, "stamps", stamps));
    }
    json_t *initials = json_array();
    for (int i = 0; wf->initials && wf->initials[i]; i++) json_array_append_new(initials, json_string(wf->initials[i]));
    return json_pack("{s:s, s:s, s:o, s:o}", "field", wf->field, "initial", wf->initial, "initials", initials, "transitions", moves);
}
