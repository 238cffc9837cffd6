/* assign: the assignment engine — rules by territory / industry / source
 * give a new record to a team, and within the team a round robin hands it
 * to the next enabled member who has capacity left in the rule's period.
 * Reusable by any subject ("lead" today; cases later). The rotation cursor,
 * the per-user counts the capacity is checked against and the log of what
 * was assigned are rows (migration 016), read
 * and moved inside the caller's write transaction: a restart continues the
 * rotation, and two processes cannot both hand out the same turn (SQLite's
 * write lock serialises them). Also owns the assignment-rule descriptor
 * (admin CRUD at /api/v1/assignment-rules through the record kernel). */
#ifndef RAPPORT_ASSIGN_H
#define RAPPORT_ASSIGN_H
#include "api/resource.h"
#include "db/db.h"
#include <stdint.h>

extern struct resource assignment_rule_resource;

/* What a record is matched on (NULL: not set). */
struct assign_input {
    const char *territory, *industry, *source;
};

struct assign_result {
    int64_t rule_id, team_id, user_id;
};

/* Picks the owner of a new record of subject at time now (ISO 8601 UTC):
 * the first enabled rule (position, then id) matching in, then the next
 * member of its team after the cursor who is enabled, not read_only, and
 * below the rule's capacity for the period that contains now. Moves the
 * cursor, counts the assignment in the user's day, week and month, and
 * appends the log row (record_id left null: assign_link fills it once the
 * record has its id). 1 when assigned (*out set), 0 when no
 * rule matched or nobody had capacity (*out has the matched rule and team,
 * user 0), -1 on a storage error. In the caller's write transaction. */
int assign_pick(db *w, const char *subject, const struct assign_input *in, const char *now, struct assign_result *out);
/* Names the record of the log row assign_pick left unlinked. 0 or -1. */
int assign_link(db *w, const char *subject, int64_t record_id);
/* The first instant of the period ("day", "week" — from Monday — or
 * "month") that contains now, as ISO 8601 UTC into out. 0, or -1 for an
 * unknown period or a malformed now. Pure; unit-tested. */
int assign_period_start(const char *period, const char *now, char out[21]);
#endif
