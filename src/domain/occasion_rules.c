/* occasion_rules: the occasion-rules type (DOMAIN D8: each occasion rule
 * creates a task N days ahead for the parties it selects) and its
 * generation (the scheduler's job occasion_rules_run, daily; the job
 * occasion_rule_run of POST /api/v1/occasion-rules/{id}/run, api/occasions.c).
 *
 * A run on day D makes the task of every occasion of the rule's kind from D
 * to D + days_ahead (so a missed day is caught up), once per (rule, party,
 * occasion day): the primary key of occasion_rule_hit, inserted before the
 * task in the same transaction, as for contact plans. A festival or a
 * company event (a key date without a party) is every party of the
 * segment's occasion. Tasks are planned interactions for the customer's
 * owner (else the rule's), due on the day, written through the write path
 * as the system actor "occasion_rules".
 *
 * A rule whose action is "email" sends a message from its template instead
 * (occasion_mail.c): the run queues one per party, occasion and year, then
 * sends the rule's pending ones in the same job. The run kinds are
 * resumable (jobs.h): a run killed mid-send is run again and sends only
 * what is still pending. */
#include "domain/occasion.h"
#include "api/api.h"
#include "db/writer.h"
#include "domain/contact_plan.h"
#include "domain/occasion_mail.h"
#include "domain/segment.h"
#include "domain/vocab.h"
#include "http/authz.h"
#include "jobs/jobs.h"
#include "lib/lunar.h"
#include "lib/timeutil.h"
#include "records/registry.h"
#include "records/write.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern struct resource interaction_resource;

static const char *const festival_ids[] = {"spring_festival", "lantern", "dragon_boat", "qixi", "mid_autumn", "double_ninth",
                                           "new_year", "womens_day", "labour_day", "childrens_day", "teachers_day",
                                           "national_day", "christmas", NULL};

static const char *const occasion_actions[] = {"task", "email", NULL};

static const struct field occasion_rule_fields[] = {
    {"name", "name", NULL, FT_TEXT, F_REQUIRED | F_SORT, 200, NULL, 0, 0, NULL, "rule name"},
    {"occasion", "occasion", NULL, FT_ENUM, F_REQUIRED | F_FILTER, 0, occasion_kinds, 0, 0, NULL,
     "birthday, lunar_birthday, first_purchase (anniversary), key_date, festival"},
    {"festival", "festival", NULL, FT_ENUM, F_FILTER, 0, festival_ids, 0, 0, NULL, "the festival (occasion festival)"},
    {"key_kind", "key_kind", NULL, FT_ENUM, 0, 0, key_date_kinds, 0, 0, NULL, "only key dates of this kind (occasion key_date)"},
    {"segment", "segment", NULL, FT_TEXT, 0, 2000, NULL, 0, 0, NULL, "the parties it selects: a party-list query string (null: every party)"},
    {"days_ahead", "days_ahead", NULL, FT_INT, F_REQUIRED, 0, NULL, 0, 0, NULL, "the task is made this many days before the occasion (0 to 90)"},
    {"channel", "channel", NULL, FT_ENUM, 0, 0, interaction_channels, 0, 0, NULL, "the task's channel (default card)"},
    {"activity", "activity", NULL, FT_ENUM, 0, 0, contact_plan_activities, 0, 0, NULL, "the task's activity (default birthday_card or holiday_greeting)"},
    {"active", "active", NULL, FT_BOOL, F_FILTER, 0, NULL, 0, 0, NULL, "runs: makes its tasks or sends its e-mail (default true)"},
    {"owner_id", "owner_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "user", NULL, "responsible user; the segment is resolved in their scope"},
    {"team_id", "team_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "team", NULL, "team"},
    {"action", "action", NULL, FT_ENUM, F_FILTER, 0, occasion_actions, 0, 0, NULL,
     "task (a planned interaction, the default) or email (a message from template_id, once per party, occasion and year)"},
    {"template_id", "template_id", NULL, FT_REF, F_FILTER, 0, NULL, 0, "email_template", NULL, "the e-mail template (action email)"},
};

static int occasion_rule_rule(const struct actor *a, const json_t *old, json_t *rec, struct verr *e)
{
    (void)a;
    (void)old;
    json_t *n = json_object_get(rec, "days_ahead");
    if (json_is_integer(n) && (json_integer_value(n) < 0 || json_integer_value(n) > 90)) {
        verr_set(e, 422, "invalid_value", "days_ahead", "days_ahead must be from 0 to 90");
        return -1;
    }
    const char *occ = json_string_value(json_object_get(rec, "occasion"));
    if (occ && !strcmp(occ, "festival") && !json_is_string(json_object_get(rec, "festival"))) {
        verr_set(e, 422, "required", "festival", "a festival rule names its festival");
        return -1;
    }
    if (segment_check(json_string_value(json_object_get(rec, "segment")), "segment", a ? a->role : NULL, e)) return -1;
    if (!json_is_string(json_object_get(rec, "action"))) json_object_set_new(rec, "action", json_string("task"));
    if (!strcmp(json_string_value(json_object_get(rec, "action")), "email") && !json_is_integer(json_object_get(rec, "template_id"))) {
        verr_set(e, 422, "required", "template_id", "an e-mail rule names its template");
        return -1;
    }
    if (!json_is_boolean(json_object_get(rec, "active"))) json_object_set_new(rec, "active", json_true());
    if (!json_is_string(json_object_get(rec, "channel"))) json_object_set_new(rec, "channel", json_string("card"));
    if (!json_is_string(json_object_get(rec, "activity")))
        json_object_set_new(rec, "activity", json_string(occ && (!strcmp(occ, "festival") || !strcmp(occ, "key_date")) ? "holiday_greeting" : "birthday_card"));
    return 0;
}

struct resource occasion_rule_resource = {
    .name = "occasion-rules", .table = "occasion_rule", .entity = "occasion_rule",
    .fields = occasion_rule_fields, .nfields = sizeof occasion_rule_fields / sizeof occasion_rule_fields[0],
    .rule = occasion_rule_rule,
};

/* ---- generation ---- */

struct hit { int64_t party; char date[11]; const char *label; int64_t key_date; };
struct hits { struct hit *v; size_t n, cap; bool failed; };

static int add_hit(struct hits *h, int64_t party, const char *date, const char *label, int64_t key_date)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        struct hit *v = realloc(h->v, cap * sizeof *v);
        if (!v) { h->failed = true; return 1; }
        h->v = v;
        h->cap = cap;
    }
    struct hit *x = &h->v[h->n++];
    x->party = party;
    snprintf(x->date, sizeof x->date, "%s", date);
    x->label = label;
    x->key_date = key_date;
    return 0;
}

struct collect { struct hits *h; const char *festival, *key_kind; int64_t *ids; size_t nids; };

static int collect_cb(void *ctx, const struct occasion *o)
{
    struct collect *c = ctx;
    if (!strcmp(o->kind, "festival") && (!c->festival || strcmp(o->sub, c->festival))) return 0;
    if (!strcmp(o->kind, "key_date") && c->key_kind && (!o->sub || strcmp(o->sub, c->key_kind))) return 0;
    const char *label = o->sub ? o->sub : o->kind;
    if (o->party_id) return add_hit(c->h, o->party_id, o->date, label, o->key_date_id);
    /* Everyone's occasion: every party of the segment. */
    for (size_t i = 0; i < c->nids; i++)
        if (add_hit(c->h, c->ids[i], o->date, label, o->key_date_id)) return 1;
    return 0;
}

struct gen {
    json_t *rule;
    int64_t rule_id, rule_owner;
    struct hits h;
    size_t pos;
    long created, existing;
    bool email;
    const char *occasion;        /* the rule's occasion kind */
    struct writer wr;
    struct verr e;
};

static int gen_batch(db *w, void *arg)
{
    struct gen *g = arg;
    size_t end = g->pos + 2000 < g->h.n ? g->pos + 2000 : g->h.n;
    static const struct write_opts batch = {.batch_audited = true};
    long created = 0, existing = 0;
    const char *name = json_string_value(json_object_get(g->rule, "name"));
    const char *channel = json_string_value(json_object_get(g->rule, "channel"));
    const char *activity = json_string_value(json_object_get(g->rule, "activity"));
    for (size_t i = g->pos; i < end; i++) {
        struct hit *x = &g->h.v[i];
        if (g->email) {
            /* The occasion's key: a key date by its id (a party may have
             * two maturities), a festival by its id, else the kind. */
            char key[64];
            if (x->key_date) snprintf(key, sizeof key, "key_date:%lld", (long long)x->key_date);
            else if (!strcmp(g->occasion, "festival")) snprintf(key, sizeof key, "festival:%s", x->label);
            else snprintf(key, sizeof key, "%s", g->occasion);
            int q = occasion_mail_queue(w, g->rule_id, x->party, key, x->date);
            if (q < 0) goto fail;
            if (q) created++;
            else existing++;
            continue;
        }
        db_stmt *s = db_prepare(w, "INSERT INTO occasion_rule_hit(rule_id, party_id, occasion_on) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
        if (!s) goto fail;
        db_bind_int64(s, 1, g->rule_id);
        db_bind_int64(s, 2, x->party);
        db_bind_text(s, 3, x->date);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) goto fail;
        if (db_changes(w) == 0) { existing++; continue; }
        int64_t owner = 0;
        s = db_prepare(w, "SELECT owner_id FROM party WHERE id = ?");
        if (!s) goto fail;
        db_bind_int64(s, 1, x->party);
        if (db_step(s) == DB_ROW && db_column_type(s, 0) != DB_NULL) owner = db_column_int64(s, 0);
        db_done(s);
        if (!owner) owner = g->rule_owner;
        char due[21], subject[300];
        snprintf(due, sizeof due, "%sT00:00:00Z", x->date);
        snprintf(subject, sizeof subject, "%.200s: %s %s (%s)", name ? name : "", activity ? activity : "", x->label, x->date);
        json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "party_id", (json_int_t)x->party, "channel", channel ? channel : "card",
                                "direction", "outbound", "subject", subject, "status", "planned", "due_at", due);
        if (owner) json_object_set_new(rec, "user_id", json_integer(owner));
        int64_t iid = 0;
        int crc = record_create(w, &g->wr, &interaction_resource, rec, &batch, &iid, NULL, &g->e);
        json_decref(rec);
        if (crc) return 1;
        s = db_prepare(w, "UPDATE occasion_rule_hit SET interaction_id = ? WHERE rule_id = ? AND party_id = ? AND occasion_on = ?");
        if (!s) goto fail;
        db_bind_int64(s, 1, iid);
        db_bind_int64(s, 2, g->rule_id);
        db_bind_int64(s, 3, x->party);
        db_bind_text(s, 4, x->date);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) goto fail;
        created++;
    }
    if (created && record_log(w, &g->wr, "occasion_rule", g->rule_id, "generate",
                              json_pack("{s:[n,I]}", g->email ? "emails_queued" : "tasks_created", (json_int_t)created), 0))
        goto fail;
    g->created += created;
    g->existing += existing;
    g->pos = end;
    return 0;
fail:
    verr_set(&g->e, 503, "storage_error", NULL, "the tasks could not be written");
    return 1;
}

static int run_rule(int64_t job, int64_t id, const char *day, volatile int *cancel, long *created, long *existing,
                    struct occasion_mail_counts *mail, char *error, size_t cap)
{
    struct gen g = {.rule_id = id, .wr = writer_system("occasion_rules")};
    int rc = -1;
    int64_t *ids = NULL;
    size_t nids = 0;
    g.rule = res_load(db_reader(), &occasion_rule_resource, id);
    if (!g.rule) { snprintf(error, cap, "occasion rule %lld does not exist", (long long)id); return -1; }
    if (!json_is_true(json_object_get(g.rule, "active"))) { rc = 0; goto done; }
    g.rule_owner = json_integer_value(json_object_get(g.rule, "owner_id"));
    struct auth_user scope;
    segment_scope_user(db_reader(), g.rule_owner, &scope);
    const char *segment = json_string_value(json_object_get(g.rule, "segment"));
    const char *occ = json_string_value(json_object_get(g.rule, "occasion"));
    const char *action = json_string_value(json_object_get(g.rule, "action"));
    g.email = action && !strcmp(action, "email");
    g.occasion = occ;
    if ((!strcmp(occ, "festival") || !strcmp(occ, "key_date")) && segment_resolve(db_reader(), segment, &scope, &ids, &nids, &g.e)) {
        snprintf(error, cap, "%s", g.e.message);
        goto done;
    }
    int64_t t0;
    if (date_parse(day, &t0)) { snprintf(error, cap, "bad day %s", day); goto done; }
    char to[11];
    date_format(t0 + json_integer_value(json_object_get(g.rule, "days_ahead")) * 86400, to);
    struct collect c = {&g.h, json_string_value(json_object_get(g.rule, "festival")),
                        json_string_value(json_object_get(g.rule, "key_kind")), ids, nids};
    if (occasions_each(db_reader(), &scope, segment, day, to, occ, collect_cb, &c, &g.e) || g.h.failed) {
        snprintf(error, cap, "%s", g.h.failed ? "out of memory" : g.e.message);
        goto done;
    }
    while (g.pos < g.h.n) {
        int w = db_write(gen_batch, &g);
        if (w) { snprintf(error, cap, "%s", w > 0 ? g.e.message : "the tasks could not be written"); goto done; }
    }
    /* Sends whatever of the rule is pending: this run's messages and any a
     * refused or killed run left. */
    if (g.email && occasion_mail_send(job, id, cancel, mail, error, cap)) goto done;
    rc = 0;
done:
    *created += g.created;
    *existing += g.existing;
    json_decref(g.rule);
    free(g.h.v);
    free(ids);
    return rc;
}

static int run_job(int64_t id, const json_t *params, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    int64_t rule = json_integer_value(json_object_get(params, "rule_id"));
    const char *on = json_string_value(json_object_get(params, "on"));
    char today[21];
    if (!on) { company_today(today); on = today; }
    long created = 0, existing = 0, rules = 0;
    struct occasion_mail_counts mail = {0};
    if (rule) {
        if (run_rule(id, rule, on, cancel, &created, &existing, &mail, error, cap)) return -1;
        rules = 1;
    } else {
        for (int64_t last = 0;;) {
            db_stmt *s = db_prepare(db_reader(), "SELECT id FROM occasion_rule WHERE id > ? ORDER BY id LIMIT 1");
            if (!s) { snprintf(error, cap, "the rules could not be read"); return -1; }
            db_bind_int64(s, 1, last);
            int64_t next = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
            db_done(s);
            if (!next || *cancel) break;
            /* One rule's failure (an e-mail rule without a relay) does not
             * keep the others from running; the job still fails with it. */
            char why[256] = "";
            if (run_rule(id, next, on, cancel, &created, &existing, &mail, why, sizeof why) && !error[0])
                snprintf(error, cap, "occasion rule %lld: %s", (long long)next, why);
            rules++;
            last = next;
        }
        if (error[0]) return -1;
    }
    *result = json_pack("{s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}", "on", on, "rules", (json_int_t)rules, "created",
                        (json_int_t)created, "existing", (json_int_t)existing, "mail", "sent", (json_int_t)mail.sent, "bounced",
                        (json_int_t)mail.bounced, "skipped", (json_int_t)mail.skipped, "failed", (json_int_t)mail.failed, "uncertain",
                        (json_int_t)mail.uncertain);
    return 0;
}

void occasion_rules_jobs_register(void)
{
    jobs_register_kind("occasion_rule_run", run_job);
    jobs_register_kind("occasion_rules_run", run_job);
    /* A run killed mid-send is queued again: generation is idempotent and
     * only pending messages are sent. */
    jobs_register_resumable("occasion_rule_run");
    jobs_register_resumable("occasion_rules_run");
}
