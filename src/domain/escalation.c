/* escalation: the escalation-rule record type and the sweep that applies
 * the rules (issue 19). A rule says: when a case's first-response or
 * resolution target is near (within minutes_before) or breached, notify,
 * reassign up the team's manager chain and/or raise the priority. The
 * sweep is the job kind "case_escalation", queued every minute by the
 * kernel's scheduler (the schedule "service.escalation" appears with the
 * first rule). Each step is written in one transaction with its row in
 * escalation_step, whose unique key (case, rule, target, cycle) makes it
 * happen once per breach: a second process or a restarted one finds the
 * row and does nothing. Each step is a change of the case through the
 * write path (action "escalate"), so it is on the case's timeline and in
 * the event feed, which is the notification. Only cases whose clocks run
 * (new, open) are looked at, through the partial indexes on the due
 * times, so a sweep reads the cases that are due, not all open ones. */
#include "domain/service.h"
#include "db/writer.h"
#include "jobs/jobs.h"
#include "lib/timeutil.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const targets[] = {"first_response", "resolution", NULL};
static const char *const moments[] = {"near", "breached", NULL};

static const struct field escalation_rule_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "rule name"},
    {"target", "target", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, targets, 0, 0, NULL, "first_response or resolution"},
    {"moment", "moment", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, moments, 0, 0, NULL,
     "near (within minutes_before of the due time) or breached (past it)"},
    {"minutes_before", "minutes_before", NULL, FT_INT, 0, 0, NULL, 0, 0, NULL, "for near: how many minutes before the due time"},
    {"priorities", "priorities", NULL, FT_LIST, 0, 4, case_priorities, E_ENUM, 0, NULL, "case priorities it applies to (empty: any)"},
    {"notify", "notify", NULL, FT_BOOL, 0, 0, NULL, 0, 0, NULL, "notify the owner and the team's manager (default true)"},
    {"reassign", "reassign", NULL, FT_BOOL, 0, 0, NULL, 0, 0, NULL, "hand the case to the next manager up the team chain"},
    {"raise_priority", "raise_priority", NULL, FT_BOOL, 0, 0, NULL, 0, 0, NULL, "raise the priority one step"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "whether the sweep applies it (default true)"},
};

int escalation_rule_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    static const char *const flags[] = {"notify", "active"};
    for (size_t i = 0; i < 2; i++)
        if (!json_is_boolean(json_object_get(rec, flags[i]))) json_object_set_new(rec, flags[i], json_true());
    static const char *const offs[] = {"reassign", "raise_priority"};
    for (size_t i = 0; i < 2; i++)
        if (!json_is_boolean(json_object_get(rec, offs[i]))) json_object_set_new(rec, offs[i], json_false());
    json_t *mb = json_object_get(rec, "minutes_before");
    if (!json_is_integer(mb)) json_object_set_new(rec, "minutes_before", json_integer(0));
    json_int_t m = json_integer_value(json_object_get(rec, "minutes_before"));
    const char *moment = json_string_value(json_object_get(rec, "moment"));
    if (m < 0 || m > 100000 || (moment && !strcmp(moment, "near") && m == 0)) {
        verr_set(e, 422, "invalid_value", "minutes_before", "minutes_before is from 1 to 100000 for a near rule (0 for breached)");
        return -1;
    }
    return 0;
}

/* The schedule that runs the sweep exists once there is a rule (or a
 * calendar or policy changed under open cases). */
static int ensure_schedule(db *w)
{
    char now[21];
    now_text(now);
    db_stmt *s = db_prepare(w, "INSERT INTO schedule(name, kind, every_seconds, enabled, next_run_at, updated_at)"
                               " VALUES ('service.escalation', 'case_escalation', 60, 1, ?, ?) ON CONFLICT(name) DO NOTHING");
    if (!s) return -1;
    db_bind_text(s, 1, now);
    db_bind_text(s, 2, now);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    return rc;
}

static int escalation_rule_after_write(db *w, int64_t id, const json_t *rec)
{
    (void)id;
    (void)rec;
    return ensure_schedule(w);
}

int case_sla_mark_stale(db *w, const char *sql, int64_t id)
{
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s) == DB_DONE ? 0 : -1;
    db_done(s);
    return rc ? rc : db_changes(w) ? ensure_schedule(w) : 0;
}

struct resource escalation_rule_resource = {
    .name = "escalation-rules", .table = "escalation_rule", .entity = "escalation_rule",
    .fields = escalation_rule_fields, .nfields = sizeof escalation_rule_fields / sizeof escalation_rule_fields[0],
    .rule = escalation_rule_rule, .after_write = escalation_rule_after_write,
};

/* ---- the sweep ---- */

struct rule {
    int64_t id, minutes_before;
    bool fr, near, notify, reassign, raise;
    char *priorities;   /* stored JSON list */
};

#define STEP_BATCH 200

struct hit {
    int64_t case_id, owner, team, cycle;
    char due[21], priority[16];
};

/* The manager above the case's owner: the team's manager, or when the
 * owner is that manager, the manager of the team above (and so on). The
 * team the case moves to in *team. 0 when there is none. */
static int64_t manager_up(db *w, int64_t owner, int64_t *team)
{
    for (int depth = 0; *team && depth < 16; depth++) {
        db_stmt *s = db_prepare(w, "SELECT manager_id, parent_id FROM team WHERE id = ?");
        if (!s) return 0;
        db_bind_int64(s, 1, *team);
        int64_t mgr = 0, parent = 0;
        if (db_step(s) == DB_ROW) {
            mgr = db_column_type(s, 0) == DB_NULL ? 0 : db_column_int64(s, 0);
            parent = db_column_type(s, 1) == DB_NULL ? 0 : db_column_int64(s, 1);
        }
        db_done(s);
        if (mgr && mgr != owner) return mgr;
        if (!parent) return 0;
        *team = parent;
    }
    return 0;
}

/* One step: the row that makes it unique, then the change of the case. 1
 * when taken, 0 when it was taken before, -1. */
static int take_step(db *w, const struct rule *r, const struct hit *h, const char *now, struct verr *e)
{
    json_t *actions = json_array();
    json_t *patch = json_pack("{s:I}", "escalation_level", (json_int_t)0);
    if (r->notify) json_array_append_new(actions, json_string("notify"));
    if (r->raise) {
        const char *up = case_priority_up(h->priority);
        if (up && strcmp(up, h->priority)) {
            json_object_set_new(patch, "priority", json_string(up));
            json_array_append_new(actions, json_string("raise_priority"));
        }
    }
    int64_t notify_manager = 0;
    if (r->reassign || r->notify) {
        int64_t team = h->team;
        int64_t mgr = manager_up(w, h->owner, &team);
        notify_manager = mgr;
        if (r->reassign && mgr) {
            json_object_set_new(patch, "owner_id", json_integer(mgr));
            if (team != h->team) json_object_set_new(patch, "team_id", json_integer(team));
            json_array_append_new(actions, json_string("reassign"));
        }
    }
    char *acts = json_dumps(actions, JSON_COMPACT);
    db_stmt *s = db_prepare(w, "INSERT INTO escalation_step(case_id, rule_id, target, cycle, due_at, at, actions)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(case_id, rule_id, target, cycle) DO NOTHING");
    int rc = -1;
    if (!s) goto done;
    db_bind_int64(s, 1, h->case_id);
    db_bind_int64(s, 2, r->id);
    db_bind_text(s, 3, r->fr ? "first_response" : "resolution");
    db_bind_int64(s, 4, h->cycle);
    db_bind_text(s, 5, h->due);
    db_bind_text(s, 6, now);
    db_bind_text(s, 7, acts);
    int step = db_step(s);
    db_done(s);
    if (step != DB_DONE) goto done;
    if (db_changes(w) == 0) { rc = 0; goto done; }
    /* The level is the count of steps taken, read in this transaction. */
    s = db_prepare(w, "SELECT count(*) FROM escalation_step WHERE case_id = ?");
    if (!s) goto done;
    db_bind_int64(s, 1, h->case_id);
    if (db_step(s) == DB_ROW) json_object_set_new(patch, "escalation_level", json_integer(db_column_int64(s, 0)));
    db_done(s);
    json_t *extra = json_pack("{s:[n, {s:I, s:s, s:s, s:s, s:O, s:o}]}", "escalation", "rule_id", (json_int_t)r->id, "target",
                              r->fr ? "first_response" : "resolution", "moment", r->near ? "near" : "breached", "due_at", h->due,
                              "actions", actions, "notify", json_pack("[I, I]", (json_int_t)h->owner, (json_int_t)notify_manager));
    struct writer wr = writer_system("escalation");
    struct write_opts o = {.action = "escalate", .log_extra = extra};
    rc = record_update(w, &wr, &case_resource, h->case_id, patch, &o, NULL, e) ? -1 : 1;
    json_decref(extra);
done:
    free(acts);
    json_decref(actions);
    json_decref(patch);
    return rc;
}

struct sweep_ctx {
    const char *now;
    long taken, recomputed;
    bool more;
    struct verr e;
};

/* The hits of one rule: cases whose clock runs, due at or before the
 * rule's moment, without a step of this rule for this cycle. */
static int rule_hits(db *w, const struct rule *r, const char *now, struct hit *out, int cap)
{
    int64_t t;
    time_parse(now, &t);
    char limit[21], lower[21];
    time_format(r->near ? t + r->minutes_before * 60 : t, limit);
    /* A near rule is for targets not yet breached. */
    time_format(r->near ? t : 0, lower);
    const char *sql = r->fr
        ? "SELECT c.id, c.owner_id, c.team_id, c.reopen_count, c.first_response_due_at, c.priority FROM service_case c"
          " WHERE c.first_response_at IS NULL AND c.first_response_due_at <= ? AND c.first_response_due_at > ?"
          " AND c.status IN ('new', 'open') AND (? = '[]' OR ? LIKE '%\"' || c.priority || '\"%')"
          " AND NOT EXISTS (SELECT 1 FROM escalation_step s WHERE s.case_id = c.id"
          " AND s.rule_id = ? AND s.target = 'first_response' AND s.cycle = c.reopen_count) ORDER BY c.id LIMIT ?"
        : "SELECT c.id, c.owner_id, c.team_id, c.reopen_count, c.resolution_due_at, c.priority FROM service_case c"
          " WHERE c.resolved_at IS NULL AND c.resolution_due_at <= ? AND c.resolution_due_at > ?"
          " AND c.status IN ('new', 'open') AND (? = '[]' OR ? LIKE '%\"' || c.priority || '\"%')"
          " AND NOT EXISTS (SELECT 1 FROM escalation_step s WHERE s.case_id = c.id"
          " AND s.rule_id = ? AND s.target = 'resolution' AND s.cycle = c.reopen_count) ORDER BY c.id LIMIT ?";
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    db_bind_text(s, 1, limit);
    db_bind_text(s, 2, r->near ? lower : "");
    db_bind_text(s, 3, r->priorities ? r->priorities : "[]");
    db_bind_text(s, 4, r->priorities ? r->priorities : "[]");
    db_bind_int64(s, 5, r->id);
    db_bind_int64(s, 6, cap);
    int n = 0;
    while (n < cap && db_step(s) == DB_ROW) {
        struct hit *h = &out[n];
        const char *pr = db_column_text(s, 5);
        h->case_id = db_column_int64(s, 0);
        h->owner = db_column_type(s, 1) == DB_NULL ? 0 : db_column_int64(s, 1);
        h->team = db_column_type(s, 2) == DB_NULL ? 0 : db_column_int64(s, 2);
        h->cycle = db_column_int64(s, 3);
        snprintf(h->due, sizeof h->due, "%s", db_column_text(s, 4));
        snprintf(h->priority, sizeof h->priority, "%s", pr ? pr : "");
        n++;
    }
    db_done(s);
    return n;
}

static int load_rules(db *w, struct rule **out)
{
    db_stmt *s = db_prepare(w, "SELECT id, target, moment, minutes_before, priorities, notify, reassign, raise_priority"
                               " FROM escalation_rule WHERE active = 1 ORDER BY id");
    if (!s) return -1;
    int n = 0, cap = 0;
    struct rule *rs = NULL;
    while (db_step(s) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            struct rule *m = realloc(rs, (size_t)cap * sizeof *rs);
            if (!m) break;
            rs = m;
        }
        rs[n++] = (struct rule){db_column_int64(s, 0), db_column_int64(s, 3), !strcmp(db_column_text(s, 1), "first_response"),
                                !strcmp(db_column_text(s, 2), "near"), db_column_int64(s, 5) != 0, db_column_int64(s, 6) != 0,
                                db_column_int64(s, 7) != 0, strdup(db_column_text(s, 4))};
    }
    db_done(s);
    *out = rs;
    return n;
}

static void free_rules(struct rule *rs, int n)
{
    for (int i = 0; i < n; i++) free(rs[i].priorities);
    free(rs);
}

/* One batch: at most STEP_BATCH steps over all rules. 0, 1 with c->e, -1. */
static int sweep_batch(db *w, void *arg)
{
    struct sweep_ctx *c = arg;
    struct rule *rules = NULL;
    int nr = load_rules(w, &rules);
    if (nr < 0) return -1;
    struct hit *hits = malloc(STEP_BATCH * sizeof *hits);
    int rc = 0, room = STEP_BATCH;
    c->more = false;
    /* First the cases whose calendar or policy changed: their due times
     * again, through the write path, before any is judged late. */
    db_stmt *st = db_prepare(w, "SELECT id FROM service_case WHERE sla_stale = 1 ORDER BY id LIMIT ?");
    if (!st) { free(hits); free_rules(rules, nr); return -1; }
    db_bind_int64(st, 1, STEP_BATCH);
    int64_t stale[STEP_BATCH];
    int ns = 0;
    while (ns < STEP_BATCH && db_step(st) == DB_ROW) stale[ns++] = db_column_int64(st, 0);
    db_done(st);
    struct writer wr = writer_system("sla");
    struct write_opts o = {.action = "sla_recompute"};
    json_t *none = json_object();
    for (int i = 0; i < ns && rc == 0; i++) {
        if (record_update(w, &wr, &case_resource, stale[i], none, &o, NULL, &c->e)) rc = 1;
        db_stmt *u = rc ? NULL : db_prepare(w, "UPDATE service_case SET sla_stale = 0 WHERE id = ?");
        if (u) { db_bind_int64(u, 1, stale[i]); if (db_step(u) != DB_DONE) rc = -1; db_done(u); }
        else if (!rc) rc = -1;
    }
    json_decref(none);
    c->recomputed += ns;
    room -= ns;
    for (int i = 0; hits && i < nr && room > 0 && rc == 0; i++) {
        int n = rule_hits(w, &rules[i], c->now, hits, room);
        if (n < 0) { rc = -1; break; }
        for (int k = 0; k < n && rc == 0; k++) {
            int t = take_step(w, &rules[i], &hits[k], c->now, &c->e);
            if (t < 0) rc = 1;
            else c->taken += t;
        }
        room -= n;
    }
    if (!hits) rc = -1;
    c->more = rc == 0 && room <= 0;
    free(hits);
    free_rules(rules, nr);
    return rc;
}

long escalation_sweep(db *w, const char *now)
{
    struct sweep_ctx c = {.now = now};
    do {
        if (sweep_batch(w, &c)) return -1;
    } while (c.more);
    return c.taken;
}

static int run_escalation(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    (void)id;
    (void)params;
    char now[21];
    now_text(now);
    struct sweep_ctx c = {.now = now};
    do {
        int rc = db_write(sweep_batch, &c);
        if (rc) {
            snprintf(error, cap, "%s", rc > 0 ? c.e.message : "the escalation steps could not be written");
            return -1;
        }
    } while (c.more && !*cancel);
    *result = json_pack("{s:I, s:I}", "steps", (json_int_t)c.taken, "recomputed", (json_int_t)c.recomputed);
    return 0;
}

void escalation_jobs_register(void) { jobs_register_kind("case_escalation", run_escalation); }
