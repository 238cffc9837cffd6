/* workflow: a record's state field declared with its states, the allowed
 * transitions, who may make each (guards) and what each stamps (who and
 * when). The write path (records/write.c) applies it to every create and
 * change, whoever writes: a wrong move is 409 invalid_transition naming
 * from and to, and changes nothing. Plain functions, no I/O: unit-tested
 * in tests/unit/test_records_rules.c. */
#ifndef RAPPORT_WORKFLOW_H
#define RAPPORT_WORKFLOW_H
#include "api/resource.h"
#include "records/events.h"
#include <jansson.h>

struct wf_transition {
    const char *from, *to;
    /* Roles that may make the move (NULL-terminated), or NULL for anyone
     * who may change the record. A system actor is never refused here. */
    const char *const *roles;
    /* Further conditions on the new record, or NULL; 0, or -1 with e set. */
    int (*guard)(const struct actor *a, const json_t *old, const json_t *neu, struct verr *e);
    /* Fields stamped when the move is made: the time (FT_TIME) and the
     * acting user (FT_REF, null for a system actor); NULL when none. */
    const char *stamp_at, *stamp_by;
};

struct workflow {
    const char *field;             /* the state field, an FT_ENUM of the type */
    const char *initial;           /* the state of a new record when none is given */
    const char *const *initials;   /* states a record may be created in (NULL-terminated) */
    const struct wf_transition *transitions;   /* NULL-from terminated */
};

/* Applies wf to a create (old NULL) or a change from old to neu: fills the
 * initial state, refuses a move that is not a transition (409
 * invalid_transition, e->from / e->to set) or whose guard refuses (403
 * forbidden or the guard's verdict), and stamps the move's fields into neu.
 * now is the write's time. 0, or -1 with e set. */
int workflow_apply(const struct workflow *wf, const struct actor *a, const json_t *old, json_t *neu, const char *now,
                   struct verr *e);
/* The workflow as JSON (states from the field's vocabulary, transitions
 * with their roles and stamps), for GET /api/v1/record-types. */
json_t *workflow_json(const struct workflow *wf);
#endif
