/* contact_plan_run: generating a contact plan's planned contacts (see
 * contact_plan.h), and the job kinds that run it (POST
 * /api/v1/contact-plans/{id}/run and the daily schedule contact_plans.daily).
 *
 * Time is cut into slots of every_days days from the plan's starts_on; on a
 * day D each party of the segment gets the contact of the slot D falls in,
 * due at the slot's end. Inside the writer's transaction, which holds the
 * database's write lock, the slot rows (plan, party, slot) of a chunk of
 * parties are read; for a party without one the interaction is created and
 * then its slot row inserted in the same transaction, so a re-run or a
 * second process (both see the rows once the first commits: the write lock
 * serialises them) makes nothing twice, and the slot's unique key still
 * fails a batch that would. The interactions are written through the one
 * write path as the system actor, with one audit row per batch on the plan
 * and an event per contact. A party that left the segment (its tier
 * changed) has its open planned contacts of the plan cancelled the same way,
 * so it "moves" to the plan of its new tier at that plan's next run. */
#include "domain/contact_plan.h"
#include "api/api.h"
#include "db/writer.h"
#include "http/authz.h"
#include "domain/segment.h"
#include "jobs/jobs.h"
#include "jobs/scheduler.h"
#include "lib/zonetime.h"
#include "lib/timeutil.h"
#include "records/write.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern struct resource interaction_resource;

/* Contacts created per write transaction: each commit is an fsync, and a
 * batch holds the writer for about a tenth of a second. */
#define GEN_BATCH 8000

int64_t contact_plan_slot(const char *anchor, const char *day, int every_days, char due[11])
{
    int64_t a, d;
    if (!anchor || !day || every_days < 1 || date_parse(anchor, &a) || date_parse(day, &d)) return -1;
    int64_t da = a / 86400, dd = d / 86400;
    if (dd < da) return -1;
    int64_t slot = (dd - da) / every_days;
    date_format((da + (slot + 1) * every_days) * 86400, due);
    return slot;
}

const char *contact_plan_slot_activity(const json_t *plan, int64_t slot)
{
    const json_t *list = json_object_get(plan, "activities");
    size_t n = json_array_size(list);
    if (n && slot >= 0) {
        const char *s = json_string_value(json_array_get(list, (size_t)(slot % (int64_t)n)));
        if (s) return s;
    }
    const char *one = json_string_value(json_object_get(plan, "activity"));
    return one ? one : "call";
}

/* One plan's run. */
struct gen {
    json_t *plan;
    int64_t plan_id, slot, plan_owner, *ids, *owners, *members;
    size_t nids, pos, nmembers;
    long rr;                      /* round-robin position */
    const char *rule, *channel, *name;
    char due_at[21], subject[260];
    struct writer wr;
    struct plan_run_result *res;
    struct verr e;
    /* Cancellation: the open contacts of parties that left. */
    int64_t *cancel_ids;
    size_t ncancel, cancel_pos;
    bool *live;                   /* GEN_BATCH marks of mark_live */
};

/* The owners of the segment's parties (ids[i] → owners[i], 0 for none),
 * read in one ordered pass instead of one look-up per contact. They are
 * read before the batches: a party handed to someone else meanwhile gets
 * this run's contact for its former owner, like any task made a moment
 * before the hand-over. */
static int load_owners(struct gen *g)
{
    g->owners = calloc(g->nids ? g->nids : 1, sizeof *g->owners);
    if (!g->owners) return -1;
    db_stmt *s = db_prepare(db_reader(), "SELECT id, owner_id FROM party WHERE owner_id IS NOT NULL AND deleted_at IS NULL ORDER BY id");
    if (!s) return -1;
    size_t k = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW && k < g->nids) {
        int64_t id = db_column_int64(s, 0);
        while (k < g->nids && g->ids[k] < id) k++;
        if (k < g->nids && g->ids[k] == id) g->owners[k++] = db_column_int64(s, 1);
    }
    db_done(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : -1;
}

static int64_t pick_owner(struct gen *g, size_t i)
{
    int64_t owner = g->owners[i];
    if (!strcmp(g->rule, "customer_owner") || !g->nmembers) return owner ? owner : g->plan_owner;
    if (!strcmp(g->rule, "team") && owner)
        for (size_t m = 0; m < g->nmembers; m++)
            if (g->members[m] == owner) return owner;
    return g->members[(size_t)(g->rr++ + g->slot) % g->nmembers];
}

/* Marks in live[] (live[i - from] for ids[i]) the parties of ids[from, end)
 * that exist, not deleted, read in this transaction: one ordered range read
 * when the ids are dense enough (a tier of most customers), so each
 * contact's party reference need not be looked up again (write_opts
 * .party_known). Sparse ids are left unmarked: record_create looks each up
 * itself. 0 or -1. */
static int mark_live(db *w, const int64_t *ids, size_t from, size_t end, bool *live)
{
    memset(live, 0, (end - from) * sizeof *live);
    if (end <= from) return 0;
    int64_t lo = ids[from], hi = ids[end - 1];
    if ((uint64_t)(hi - lo) > 4 * (uint64_t)(end - from)) return 0;
    db_stmt *s = db_prepare(w, "SELECT id FROM party WHERE id >= ? AND id <= ? AND deleted_at IS NULL ORDER BY id");
    if (!s) return -1;
    db_bind_int64(s, 1, lo);
    db_bind_int64(s, 2, hi);
    size_t k = from;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        while (k < end && ids[k] < id) k++;
        if (k < end && ids[k] == id) live[k++ - from] = true;
    }
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* The slot rows are read and written SLOT_ROWS at a time: one statement
 * for many rows costs a fraction of as many statements (they are not
 * records: the contacts made for them go through record_create one by
 * one). A shorter remainder uses the one-row statements, so the statement
 * cache holds two texts of each. */
#define SLOT_ROWS 64

static char g_taken_sql[160 + SLOT_ROWS * 3], g_insert_sql[160 + SLOT_ROWS * 18];
static pthread_once_t g_sql_once = PTHREAD_ONCE_INIT;

static void build_sql(void)
{
    size_t n = (size_t)snprintf(g_taken_sql, sizeof g_taken_sql,
                                "SELECT party_id FROM contact_plan_slot WHERE plan_id = ? AND slot = ? AND party_id IN (?");
    for (int i = 1; i < SLOT_ROWS; i++) n += (size_t)snprintf(g_taken_sql + n, sizeof g_taken_sql - n, ", ?");
    snprintf(g_taken_sql + n, sizeof g_taken_sql - n, ")");
    n = (size_t)snprintf(g_insert_sql, sizeof g_insert_sql,
                         "INSERT INTO contact_plan_slot(plan_id, party_id, slot, due_at, interaction_id) VALUES (?, ?, ?, ?, ?)");
    for (int i = 1; i < SLOT_ROWS; i++) n += (size_t)snprintf(g_insert_sql + n, sizeof g_insert_sql - n, ", (?, ?, ?, ?, ?)");
    snprintf(g_insert_sql + n, sizeof g_insert_sql - n, " ON CONFLICT DO NOTHING");
}

/* Which of the parties ids[0, n) (n <= SLOT_ROWS, ascending) already have
 * their row of this slot: taken[k] for ids[k]. The writer's transaction
 * holds the database's write lock (BEGIN IMMEDIATE; on PostgreSQL the
 * writer's advisory lock), so no other process can add one between this
 * read and the insert below. 0 or -1. */
static int slots_taken(db *w, const struct gen *g, const int64_t *ids, size_t n, bool *taken)
{
    memset(taken, 0, n * sizeof *taken);
    if (!n) return 0;
    db_stmt *s = db_prepare(w, g_taken_sql);
    if (!s) return -1;
    db_bind_int64(s, 1, g->plan_id);
    db_bind_int64(s, 2, g->slot);
    for (size_t k = 0; k < SLOT_ROWS; k++) db_bind_int64(s, (int)k + 3, ids[k < n ? k : 0]);   /* padded with a repeat */
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t id = db_column_int64(s, 0);
        for (size_t k = 0; k < n; k++)
            if (ids[k] == id) { taken[k] = true; break; }
    }
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* The slot rows of the contacts just made (party[k] → interaction[k]). The
 * unique key stays the guard: an insert that changes fewer rows than it
 * was given (it cannot, see slots_taken) fails the batch, which rolls the
 * contacts back rather than make any twice. 0 or -1. */
static int slots_insert(db *w, const struct gen *g, const int64_t *party, const int64_t *interaction, size_t n)
{
    size_t k = 0;
    while (k < n) {
        size_t m = n - k >= SLOT_ROWS ? SLOT_ROWS : 1;
        db_stmt *s = db_prepare(w, m == SLOT_ROWS ? g_insert_sql
                                                  : "INSERT INTO contact_plan_slot(plan_id, party_id, slot, due_at, interaction_id) "
                                                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
        if (!s) return -1;
        for (size_t j = 0; j < m; j++) {
            int b = (int)j * 5;
            db_bind_int64(s, b + 1, g->plan_id);
            db_bind_int64(s, b + 2, party[k + j]);
            db_bind_int64(s, b + 3, g->slot);
            db_bind_text(s, b + 4, g->due_at);
            db_bind_int64(s, b + 5, interaction[k + j]);
        }
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE || db_changes(w) != (int)m) return -1;
        k += m;
    }
    return 0;
}

static int gen_batch(db *w, void *arg)
{
    struct gen *g = arg;
    size_t end = g->pos + GEN_BATCH < g->nids ? g->pos + GEN_BATCH : g->nids;
    long created = 0, existing = 0;
    long rr0 = g->rr;
    bool taken[SLOT_ROWS];
    int64_t made_party[SLOT_ROWS], made_iid[SLOT_ROWS];
    pthread_once(&g_sql_once, build_sql);
    if (mark_live(w, g->ids, g->pos, end, g->live)) goto fail;
    /* One record for the batch, changed per contact: record_create copies
     * what it is given. */
    json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "party_id", (json_int_t)0, "channel", g->channel,
                            "direction", "outbound", "subject", g->subject, "status", "planned", "due_at", g->due_at);
    if (!rec) goto fail;
    for (size_t c = g->pos; c < end; c += SLOT_ROWS) {
        size_t n = end - c < SLOT_ROWS ? end - c : SLOT_ROWS, made = 0;
        if (slots_taken(w, g, g->ids + c, n, taken)) { json_decref(rec); goto fail; }
        for (size_t k = 0; k < n; k++) {
            size_t i = c + k;
            int64_t party = g->ids[i];
            if (taken[k]) { existing++; continue; }
            int64_t owner = pick_owner(g, i);
            json_object_set_new(rec, "party_id", json_integer(party));
            if (owner) json_object_set_new(rec, "user_id", json_integer(owner));
            else json_object_del(rec, "user_id");
            struct write_opts o = {.batch_audited = true, .party_known = g->live[i - g->pos] ? party : 0};
            int64_t iid = 0;
            if (record_create(w, &g->wr, &interaction_resource, rec, &o, &iid, NULL, &g->e)) {
                json_decref(rec);
                g->rr = rr0;
                return 1;
            }
            made_party[made] = party;
            made_iid[made++] = iid;
        }
        if (slots_insert(w, g, made_party, made_iid, made)) { json_decref(rec); goto fail; }
        created += (long)made;
    }
    json_decref(rec);
    if (created && record_log(w, &g->wr, "contact_plan", g->plan_id, "generate",
                              json_pack("{s:[n,I]}", "contacts_created", (json_int_t)created), 0))
        goto fail;
    g->res->created += created;
    g->res->existing += existing;
    g->pos = end;
    return 0;
fail:
    g->rr = rr0;
    verr_set(&g->e, 503, "storage_error", NULL, "the contacts could not be written");
    return 1;
}

static int cancel_batch(db *w, void *arg)
{
    struct gen *g = arg;
    size_t end = g->cancel_pos + GEN_BATCH < g->ncancel ? g->cancel_pos + GEN_BATCH : g->ncancel;
    json_t *patch = json_pack("{s:s}", "status", "cancelled");
    long n = 0;
    for (size_t i = g->cancel_pos; i < end; i++) {
        /* Still planned? (someone may have done it since it was read) */
        db_stmt *s = db_prepare(w, "SELECT 1 FROM interaction WHERE id = ? AND status = 'planned'");
        if (!s) { json_decref(patch); return 1; }
        db_bind_int64(s, 1, g->cancel_ids[i]);
        bool open = db_step(s) == DB_ROW;
        db_done(s);
        if (!open) continue;
        if (record_update(w, &g->wr, &interaction_resource, g->cancel_ids[i], patch, NULL, NULL, &g->e)) {
            json_decref(patch);
            return 1;
        }
        n++;
    }
    json_decref(patch);
    g->res->cancelled += n;
    g->cancel_pos = end;
    return 0;
}

/* Reads the open contacts of the plan: those of parties no longer in the
 * segment (all of them for an inactive plan) go to cancel_ids, unless the
 * party was deleted; the overdue ones of the others are counted. A party of
 * the segment is not deleted (the segment was resolved without them), so
 * only the few that left are looked up, after the scan. */
static int scan_open(struct gen *g, bool active, const char *now)
{
    db *c = db_reader();
    db_stmt *s = db_prepare(c, "SELECT s.party_id, s.interaction_id, i.due_at FROM contact_plan_slot s "
                               "JOIN interaction i ON i.id = s.interaction_id "
                               "WHERE s.plan_id = ? AND i.status = 'planned'");
    if (!s) return -1;
    db_bind_int64(s, 1, g->plan_id);
    size_t cap = 0;
    int64_t *parties = NULL;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t party = db_column_int64(s, 0);
        if (active && segment_has(g->ids, g->nids, party)) {
            const char *due = db_column_text(s, 2);
            if (due && strcmp(due, now) < 0) g->res->overdue++;
            continue;
        }
        if (g->ncancel == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *v = realloc(g->cancel_ids, cap * sizeof *v), *p = v ? realloc(parties, cap * sizeof *p) : NULL;
            if (v) g->cancel_ids = v;
            if (!p) { db_done(s); free(parties); return -1; }
            parties = p;
        }
        parties[g->ncancel] = party;
        g->cancel_ids[g->ncancel++] = db_column_int64(s, 1);
    }
    db_done(s);
    if (rc != DB_DONE) { free(parties); return -1; }
    size_t k = 0;
    for (size_t i = 0; i < g->ncancel; i++)
        if (authz_party_in_scope(c, NULL, parties[i], SCOPE_ALL)) g->cancel_ids[k++] = g->cancel_ids[i];   /* exists, not deleted */
    g->ncancel = k;
    free(parties);
    return 0;
}

/* The users of owner_rule team / round robin: the plan's assignee team's,
 * else its own team's; active users only, by id. */
static int load_members(struct gen *g)
{
    int64_t team = json_integer_value(json_object_get(g->plan, "assignee_team_id"));
    if (!team) team = json_integer_value(json_object_get(g->plan, "team_id"));
    if (!team || !strcmp(g->rule, "customer_owner")) return 0;
    db_stmt *s = db_prepare(db_reader(), "SELECT id FROM app_user WHERE team_id = ? AND disabled = 0 ORDER BY id");
    if (!s) return -1;
    db_bind_int64(s, 1, team);
    size_t cap = 0;
    while (db_step(s) == DB_ROW) {
        if (g->nmembers == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *v = realloc(g->members, cap * sizeof *v);
            if (!v) { db_done(s); return -1; }
            g->members = v;
        }
        g->members[g->nmembers++] = db_column_int64(s, 0);
    }
    db_done(s);
    return 0;
}

static int run_plan(int64_t plan_id, const char *day, const char *writer_name, volatile int *cancel,
                    void (*progress)(void *ctx, long done, long total), void *ctx, struct plan_run_result *res,
                    char *error, size_t cap)
{
    struct gen g = {.plan_id = plan_id, .res = res, .wr = writer_system(writer_name)};
    int rc = -1;
    g.plan = res_load(db_reader(), &contact_plan_resource, plan_id);
    if (!g.plan) { snprintf(error, cap, "contact plan %lld does not exist", (long long)plan_id); return -1; }
    res->plans++;
    bool active = json_is_true(json_object_get(g.plan, "active"));
    g.rule = json_string_value(json_object_get(g.plan, "owner_rule"));
    if (!g.rule) g.rule = "customer_owner";
    g.channel = json_string_value(json_object_get(g.plan, "channel"));
    if (!g.channel) g.channel = "call";
    g.name = json_string_value(json_object_get(g.plan, "name"));
    g.plan_owner = json_integer_value(json_object_get(g.plan, "owner_id"));
    char now[21];
    now_text(now);
    if (active) {
        struct auth_user scope;
        segment_scope_user(db_reader(), g.plan_owner, &scope);
        if (segment_resolve(db_reader(), json_string_value(json_object_get(g.plan, "segment")), &scope, &g.ids, &g.nids, &g.e)) {
            snprintf(error, cap, "contact plan %lld: %s", (long long)plan_id, g.e.message);
            goto done;
        }
        res->matched += (long)g.nids;
        g.live = malloc(GEN_BATCH * sizeof *g.live);
        if (!g.live || load_members(&g) || load_owners(&g)) { snprintf(error, cap, "the team or the owners could not be read"); goto done; }
        char due[11];
        g.slot = contact_plan_slot(json_string_value(json_object_get(g.plan, "starts_on")), day, (int)json_integer_value(json_object_get(g.plan, "every_days")), due);
        snprintf(g.due_at, sizeof g.due_at, "%sT00:00:00Z", due);
        snprintf(g.subject, sizeof g.subject, "%.200s: %s", g.name ? g.name : "", contact_plan_slot_activity(g.plan, g.slot));
        /* The run appends to interaction, event and contact_plan_slot and their
         * indexes at once: with the usual 2 MB their right-hand pages were
         * spilled to the WAL and read back many times within one batch. */
        bool big = g.slot >= 0 && g.nids > GEN_BATCH && writer_cache_size(WRITER_BULK_CACHE_KIB) == 0;
        int w = 0;
        while (g.slot >= 0 && g.pos < g.nids && !(cancel && *cancel)) {
            if ((w = db_write(gen_batch, &g)) != 0) break;
            if (progress) progress(ctx, (long)g.pos, (long)g.nids);
        }
        if (big) writer_cache_size(WRITER_CACHE_KIB);
        if (w) { snprintf(error, cap, "%s", w > 0 ? g.e.message : "the contacts could not be written"); goto done; }
    }
    if (scan_open(&g, active, now)) { snprintf(error, cap, "the open contacts could not be read"); goto done; }
    while (g.cancel_pos < g.ncancel && !(cancel && *cancel)) {
        int w = db_write(cancel_batch, &g);
        if (w) { snprintf(error, cap, "%s", w > 0 ? g.e.message : "the contacts could not be cancelled"); goto done; }
    }
    rc = 0;
done:
    json_decref(g.plan);
    free(g.ids);
    free(g.members);
    free(g.owners);
    free(g.cancel_ids);
    free(g.live);
    return rc;
}

void company_today(char out[11])
{
    char zone[80];
    company_time_zone(db_reader(), zone, sizeof zone);
    if (zone_local_date(zone, time_now(), out)) date_format(time_now(), out);
}

int contact_plan_generate(int64_t plan_id, const char *day, const char *writer_name, volatile int *cancel,
                          void (*progress)(void *ctx, long done, long total), void *ctx,
                          struct plan_run_result *out, char *error, size_t cap)
{
    memset(out, 0, sizeof *out);
    char today[21];
    if (!day) { company_today(today); day = today; }
    if (plan_id) return run_plan(plan_id, day, writer_name, cancel, progress, ctx, out, error, cap);
    /* Every plan, in id order. */
    int64_t last = 0;
    for (;;) {
        db_stmt *s = db_prepare(db_reader(), "SELECT id FROM contact_plan WHERE id > ? ORDER BY id LIMIT 1");
        if (!s) { snprintf(error, cap, "the plans could not be read"); return -1; }
        db_bind_int64(s, 1, last);
        int64_t id = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_done(s);
        if (!id || (cancel && *cancel)) return 0;
        if (run_plan(id, day, writer_name, cancel, progress, ctx, out, error, cap)) return -1;
        last = id;
    }
}

/* ---- job kinds ---- */

static void job_prog(void *ctx, long done, long total) { job_progress(*(int64_t *)ctx, done, total); }

static json_t *result_json(const struct plan_run_result *r, const char *day)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "on", day, "plans", (json_int_t)r->plans, "matched",
                     (json_int_t)r->matched, "created", (json_int_t)r->created, "existing", (json_int_t)r->existing,
                     "cancelled", (json_int_t)r->cancelled, "overdue", (json_int_t)r->overdue);
}

static int run_job(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    int64_t plan = json_integer_value(json_object_get(params, "plan_id"));
    const char *on = json_string_value(json_object_get(params, "on"));
    char today[21];
    if (!on) { company_today(today); on = today; }
    struct plan_run_result r;
    if (contact_plan_generate(plan, on, "contact_plans", cancel, job_prog, &id, &r, error, cap)) return -1;
    *result = result_json(&r, on);
    return 0;
}

void contact_plan_jobs_register(void)
{
    jobs_register_kind("contact_plan_run", run_job);
    jobs_register_kind("contact_plans_run", run_job);
}
