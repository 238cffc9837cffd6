/* referral_tree: the members of a referral programme (DOMAIN D9) — first-
 * level enrolment with a complete personal file, cards issued within the
 * quota and the budget, redemption one level down with its benefit, the
 * ordinary members referred from the open level on, the fraud checks, and
 * the aggregates that make a subtree's counts and the per-level report a
 * few indexed rows. Every function here runs in the caller's write
 * transaction (BEGIN IMMEDIATE through db_write), so a card is redeemed
 * once and the quota and the budget hold under concurrent requests from
 * any number of processes; a refusal returns before anything is written. */
#include "domain/referral.h"
#include "domain/refund.h"
#include "lib/money.h"
#include "lib/timeutil.h"
#include "records/events.h"
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct prog {
    int64_t id, cap, growth_every, growth_cards, growth_up_to, open_from;
    char currency[8], status[16];
    json_t *rec, *levels;
    int nlevels;
};

static void prog_free(struct prog *p) { json_decref(p->rec); }

static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static const json_t *level_of(const struct prog *p, int level)
{
    return level >= 1 && level <= p->nlevels ? json_array_get(p->levels, (size_t)level - 1) : NULL;
}
static int64_t level_cost(const struct prog *p, int level) { return jint(json_object_get(level_of(p, level), "benefit_cost"), "amount"); }

/* Loads the programme; active: refuse unless it is active and today lies
 * within its dates. */
static int prog_load(db *w, int64_t id, struct prog *p, bool active, struct verr *e)
{
    memset(p, 0, sizeof *p);
    p->rec = res_load(w, &referral_program_resource, id);
    if (!p->rec) { verr_set(e, 404, "not_found", "id", "no referral programme %lld", (long long)id); return -1; }
    p->id = id;
    p->levels = json_object_get(p->rec, "levels");
    p->nlevels = (int)json_array_size(p->levels);
    json_t *cap = json_object_get(p->rec, "budget_cap");
    p->cap = jint(cap, "amount");
    snprintf(p->currency, sizeof p->currency, "%s", json_string_value(json_object_get(cap, "currency")));
    snprintf(p->status, sizeof p->status, "%s", json_string_value(json_object_get(p->rec, "status")));
    p->growth_every = jint(p->rec, "growth_every");
    p->growth_cards = jint(p->rec, "growth_cards");
    p->growth_up_to = jint(p->rec, "growth_up_to_level");
    p->open_from = jint(p->rec, "open_from_level");
    if (!active) return 0;
    char today[11];
    date_format(time_now(), today);
    const char *from = json_string_value(json_object_get(p->rec, "starts_on")), *to = json_string_value(json_object_get(p->rec, "ends_on"));
    if (strcmp(p->status, "active") || (from && strcmp(today, from) < 0) || (to && strcmp(today, to) > 0)) {
        verr_set(e, 409, "program_not_active", "status", "the programme is %s%s", p->status,
                 !strcmp(p->status, "active") ? " but outside its dates" : ": nothing is enrolled, issued or redeemed");
        prog_free(p);
        return -1;
    }
    return 0;
}

/* What the benefits cost: granted, and committed (granted plus the cards
 * out, each at the cost of the level it gives). */
static int prog_costs(db *w, const struct prog *p, int64_t *granted, int64_t *committed)
{
    db_stmt *s = db_prepare(w, "SELECT level, cost, cards_issued - cards_redeemed FROM referral_level_agg WHERE program_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, p->id);
    bool sat = false;
    *granted = *committed = 0;
    while (db_step(s) == DB_ROW) {
        int64_t out = 0;
        *granted = money_add_sat(*granted, db_column_int64(s, 1), &sat);
        if (!money_mul(db_column_int64(s, 2), level_cost(p, (int)db_column_int64(s, 0)), &out)) sat = true;
        *committed = money_add_sat(*committed, money_add_sat(db_column_int64(s, 1), out, &sat), &sat);
    }
    db_done(s);
    return 0;
}

struct member {
    int64_t id, program, party, parent, card;
    int level, ordinary;
    char card_no[REFERRAL_CODE_MAX];
};

static int member_load(db *w, int64_t id, struct member *m)
{
    db_stmt *s = db_prepare(w, "SELECT id, program_id, party_id, COALESCE(parent_id, 0), COALESCE(card_id, 0), level, ordinary, member_card"
                               " FROM referral_member WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, id);
    int rc = -1;
    if (db_step(s) == DB_ROW) {
        *m = (struct member){db_column_int64(s, 0), db_column_int64(s, 1), db_column_int64(s, 2), db_column_int64(s, 3),
                             db_column_int64(s, 4), (int)db_column_int64(s, 5), (int)db_column_int64(s, 6), ""};
        snprintf(m->card_no, sizeof m->card_no, "%s", db_column_text(s, 7));
        rc = 0;
    }
    db_done(s);
    return rc;
}

/* Adds to the aggregates of node and every ancestor, and to the programme's
 * per-level totals: the member's level and kind. */
static int agg_add(db *w, int64_t program, int64_t node, int level, int ordinary, int64_t members, int64_t cost, int64_t revenue)
{
    for (int guard = 0; node && guard < 1000; guard++) {
        if (db_run(w, "INSERT INTO referral_agg(member_id, level, ordinary, members, cost, revenue) VALUES (?, ?, ?, ?, ?, ?)"
                      " ON CONFLICT(member_id, level, ordinary) DO UPDATE SET members = referral_agg.members + excluded.members,"
                      " cost = referral_agg.cost + excluded.cost, revenue = referral_agg.revenue + excluded.revenue",
                   "iiiiii", node, (int64_t)level, (int64_t)ordinary, members, cost, revenue))
            return -1;
        db_stmt *s = db_prepare(w, "SELECT COALESCE(parent_id, 0) FROM referral_member WHERE id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, node);
        node = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_done(s);
    }
    return db_run(w, "INSERT INTO referral_level_agg(program_id, level, ordinary, members, cost, revenue) VALUES (?, ?, ?, ?, ?, ?)"
                     " ON CONFLICT(program_id, level, ordinary) DO UPDATE SET members = referral_level_agg.members + excluded.members,"
                     " cost = referral_level_agg.cost + excluded.cost, revenue = referral_level_agg.revenue + excluded.revenue",
                  "iiiiii", program, (int64_t)level, (int64_t)ordinary, members, cost, revenue);
}

static int cards_count(db *w, int64_t program, int level, const char *column, int64_t n)
{
    /* column is one of two constants. */
    db_stmt *s = db_prepare(w, !strcmp(column, "cards_issued")
        ? "INSERT INTO referral_level_agg(program_id, level, ordinary, cards_issued) VALUES (?, ?, 0, ?)"
          " ON CONFLICT(program_id, level, ordinary) DO UPDATE SET cards_issued = referral_level_agg.cards_issued + excluded.cards_issued"
        : "INSERT INTO referral_level_agg(program_id, level, ordinary, cards_redeemed) VALUES (?, ?, 0, ?)"
          " ON CONFLICT(program_id, level, ordinary) DO UPDATE SET cards_redeemed = referral_level_agg.cards_redeemed + excluded.cards_redeemed");
    if (!s) return -1;
    db_bind_int64(s, 1, program);
    db_bind_int64(s, 2, level);
    db_bind_int64(s, 3, n);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

/* ---- identity ---- */

struct ident_list { int n; const char *kind[48]; char value[48][256]; };

static void ident_add(struct ident_list *l, const char *kind, const char *raw)
{
    if (!raw || !*raw || l->n >= 48) return;
    char v[256];
    size_t k = 0;
    for (const char *p = raw; *p && k + 1 < sizeof v; p++) {
        unsigned char c = (unsigned char)*p;
        if (!strcmp(kind, "phone")) { if (isdigit(c)) v[k++] = (char)c; }
        else if (!strcmp(kind, "email")) { if (!isspace(c)) v[k++] = (char)tolower(c); }
        else if (isalnum(c)) v[k++] = (char)toupper(c);
    }
    v[k] = 0;
    if (!k) return;
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->kind[i], kind) && !strcmp(l->value[i], v)) return;
    l->kind[l->n] = kind;
    snprintf(l->value[l->n++], 256, "%s", v);
}

struct party_file { char name[256]; bool exists, has_address; json_t *phones, *emails; };

static int party_file_load(db *w, int64_t party, struct party_file *f)
{
    memset(f, 0, sizeof *f);
    db_stmt *s = db_prepare(w, "SELECT name, phones, emails, addresses FROM party WHERE id = ? AND deleted_at IS NULL AND merged_into IS NULL");
    if (!s) return -1;
    db_bind_int64(s, 1, party);
    if (db_step(s) == DB_ROW) {
        f->exists = true;
        snprintf(f->name, sizeof f->name, "%s", db_column_text(s, 0));
        f->phones = json_loads(db_column_text(s, 1) ? db_column_text(s, 1) : "[]", 0, NULL);
        f->emails = json_loads(db_column_text(s, 2) ? db_column_text(s, 2) : "[]", 0, NULL);
        json_t *a = json_loads(db_column_text(s, 3) ? db_column_text(s, 3) : "[]", 0, NULL);
        f->has_address = json_array_size(a) > 0;
        json_decref(a);
    }
    db_done(s);
    return 0;
}
static void party_file_free(struct party_file *f) { json_decref(f->phones); json_decref(f->emails); }

/* The identities of a new member: the ones given and every phone and
 * e-mail of the party. */
static void identities(const struct referral_identity *id, const struct party_file *f, struct ident_list *l)
{
    l->n = 0;
    if (id) {
        ident_add(l, "id_number", id->id_number);
        ident_add(l, "phone", id->phone);
        ident_add(l, "email", id->email);
    }
    size_t i;
    json_t *v;
    json_array_foreach(f->phones, i, v) ident_add(l, "phone", json_string_value(v));
    json_array_foreach(f->emails, i, v) ident_add(l, "email", json_string_value(v));
}

/* The fraud checks of a new member under parent (0: first level): the
 * party is not the referrer nor above them (a cycle), is not a member yet,
 * and none of its identities is enrolled. */
static int fraud_checks(db *w, int64_t program, int64_t party, int64_t parent, const struct ident_list *l, struct verr *e)
{
    for (int64_t node = parent, guard = 0; node && guard < 1000; guard++) {
        struct member m;
        if (member_load(w, node, &m)) return -1;
        if (m.party == party) {
            if (node == parent) verr_set(e, 409, "self_referral", "party_id", "a member cannot use their own card");
            else verr_set(e, 409, "referral_cycle", "party_id", "party %lld is above the card's issuer in the tree: a cycle", (long long)party);
            return 1;
        }
        node = m.parent;
    }
    db_stmt *s = db_prepare(w, "SELECT id FROM referral_member WHERE program_id = ? AND party_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, program);
    db_bind_int64(s, 2, party);
    int64_t already = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    if (already) {
        verr_set(e, 409, "already_member", "party_id", "party %lld is already member %lld of this programme", (long long)party, (long long)already);
        return 1;
    }
    for (int i = 0; i < l->n; i++) {
        s = db_prepare(w, "SELECT member_id FROM referral_identity WHERE program_id = ? AND kind = ? AND value = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, program);
        db_bind_text(s, 2, l->kind[i]);
        db_bind_text(s, 3, l->value[i]);
        int64_t other = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
        db_done(s);
        if (other) {
            verr_set(e, 409, "duplicate_identity", l->kind[i], "this %s is already enrolled (member %lld)", l->kind[i], (long long)other);
            return 1;
        }
    }
    return 0;
}

static void new_code(int64_t issuer, int level, char out[REFERRAL_CODE_MAX])
{
    unsigned char rnd[10];
    randombytes_buf(rnd, sizeof rnd);
    referral_code_make(issuer, level, rnd, out);
}

/* Writes the member, its identities and its aggregates. */
static int add_member(db *w, const struct prog *p, int64_t party, int level, int ordinary, int64_t parent, int64_t card,
                      int64_t cost, const char *benefit, int64_t order_id, const char *actor, const struct ident_list *l,
                      int64_t *out)
{
    char now[21], mcard[REFERRAL_CODE_MAX];
    json_t *memo = db_bulk_memo(w);
    if (memo) json_object_del(memo, "referral.members");   /* purchase_members_of asks again */
    time_format(time_now(), now);
    new_code(party, 0, mcard);
    db_stmt *s = db_prepare(w, "INSERT INTO referral_member(program_id, party_id, level, ordinary, parent_id, card_id, member_card,"
                               " benefit, benefit_cost, order_id, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_int64(s, 1, p->id);
    db_bind_int64(s, 2, party);
    db_bind_int64(s, 3, level);
    db_bind_int64(s, 4, ordinary);
    if (parent) db_bind_int64(s, 5, parent); else db_bind_null(s, 5);
    if (card) db_bind_int64(s, 6, card); else db_bind_null(s, 6);
    db_bind_text(s, 7, mcard);
    db_bind_text(s, 8, benefit);
    db_bind_int64(s, 9, cost);
    if (order_id) db_bind_int64(s, 10, order_id); else db_bind_null(s, 10);
    db_bind_text(s, 11, now);
    db_bind_text(s, 12, actor);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return -1;
    int64_t id = db_last_insert_id(w);
    for (int i = 0; i < l->n; i++) {
        s = db_prepare(w, "INSERT INTO referral_identity(program_id, kind, value, member_id) VALUES (?, ?, ?, ?)");
        if (!s) return -1;
        db_bind_int64(s, 1, p->id);
        db_bind_text(s, 2, l->kind[i]);
        db_bind_text(s, 3, l->value[i]);
        db_bind_int64(s, 4, id);
        rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE) return -1;
    }
    if (agg_add(w, p->id, id, level, ordinary, 1, cost, 0)) return -1;
    *out = id;
    return 0;
}

static const char *benefit_text(const struct prog *p, int level)
{
    return json_string_value(json_object_get(level_of(p, level), "benefit"));
}

static int budget_check(db *w, const struct prog *p, int64_t more, bool committed, const char *field, struct verr *e)
{
    int64_t granted, comm;
    if (prog_costs(w, p, &granted, &comm)) return -1;
    int64_t have = committed ? comm : granted, total;
    if (!money_add(have, more, &total) || total > p->cap) {
        verr_set(e, 409, "budget_exceeded", field, "the budget cap is %lld %s; %lld is %s and this needs %lld more",
                 (long long)p->cap, p->currency, (long long)have, committed ? "granted or promised by cards out" : "granted",
                 (long long)more);
        return 1;
    }
    return 0;
}

#define FAIL(rc) do { int r_ = (rc); prog_free(&p); party_file_free(&f); return r_; } while (0)

int referral_enrol(db *w, int64_t program, int64_t party, const struct referral_identity *id, int64_t order_id,
                   const char *actor, int64_t *member_out, struct verr *e)
{
    struct prog p;
    struct party_file f = {0};
    if (prog_load(w, program, &p, true, e)) return 1;
    if (p.nlevels < 1) { verr_set(e, 409, "no_levels", "levels", "the programme has no levels"); FAIL(1); }
    if (party_file_load(w, party, &f)) FAIL(-1);
    if (!f.exists) { verr_set(e, 422, "invalid_reference", "party_id", "no party with id %lld", (long long)party); FAIL(1); }
    /* A first-level member gives a complete personal file. */
    if (!id->id_number[0]) { verr_set(e, 422, "incomplete_file", "id_number", "a first-level member's file needs an ID number"); FAIL(1); }
    if (!id->phone[0] && json_array_size(f.phones) == 0) { verr_set(e, 422, "incomplete_file", "phone", "a first-level member's file needs a phone"); FAIL(1); }
    if (!id->email[0] && json_array_size(f.emails) == 0) { verr_set(e, 422, "incomplete_file", "email", "a first-level member's file needs an e-mail"); FAIL(1); }
    if (!f.has_address) { verr_set(e, 422, "incomplete_file", "address", "a first-level member's file needs an address (the party's addresses)"); FAIL(1); }
    struct ident_list l;
    identities(id, &f, &l);
    int rc = fraud_checks(w, program, party, 0, &l, e);
    if (rc) FAIL(rc);
    int64_t cost = level_cost(&p, 1);
    if ((rc = budget_check(w, &p, cost, true, "budget_cap", e))) FAIL(rc);
    if (add_member(w, &p, party, 1, 0, 0, 0, cost, benefit_text(&p, 1), order_id, actor, &l, member_out)) FAIL(-1);
    FAIL(0);
}

/* How many cards member m may hand out in all: the level's quota, grown by
 * the rule as its subtree of discounted members grows. */
static int64_t member_quota(db *w, const struct prog *p, const struct member *m)
{
    if (m->ordinary || m->level >= p->nlevels) return 0;
    int64_t q = jint(level_of(p, m->level), "card_quota");
    if (p->growth_every > 0 && (!p->growth_up_to || m->level <= p->growth_up_to)) {
        db_stmt *s = db_prepare(w, "SELECT COALESCE(sum(members), 0) FROM referral_agg WHERE member_id = ? AND ordinary = 0");
        if (!s) return q;
        db_bind_int64(s, 1, m->id);
        int64_t below = db_step(s) == DB_ROW ? db_column_int64(s, 0) - 1 : 0;
        db_done(s);
        q += below / p->growth_every * p->growth_cards;
    }
    return q;
}

static int64_t cards_of(db *w, int64_t member, bool redeemed_only)
{
    db_stmt *s = db_prepare(w, redeemed_only ? "SELECT count(*) FROM referral_card WHERE issuer_id = ? AND status = 'redeemed'"
                                             : "SELECT count(*) FROM referral_card WHERE issuer_id = ?");
    if (!s) return 0;
    db_bind_int64(s, 1, member);
    int64_t n = db_step(s) == DB_ROW ? db_column_int64(s, 0) : 0;
    db_done(s);
    return n;
}

int referral_issue(db *w, int64_t program, int64_t member, int count, json_t **cards, struct verr *e)
{
    struct prog p;
    struct party_file f = {0};
    struct member m;
    if (prog_load(w, program, &p, true, e)) return 1;
    if (member_load(w, member, &m) || m.program != program) {
        verr_set(e, 404, "not_found", "member_id", "no member %lld in this programme", (long long)member);
        FAIL(1);
    }
    int64_t quota = member_quota(w, &p, &m), issued = cards_of(w, member, false);
    if (issued + count > quota) {
        verr_set(e, 409, "quota_exceeded", "count", "member %lld may hand out %lld cards and has %lld; %d more is over the quota",
                 (long long)member, (long long)quota, (long long)issued, count);
        FAIL(1);
    }
    int64_t each = level_cost(&p, m.level + 1), more;
    if (!money_mul(each, count, &more)) more = INT64_MAX;
    int rc = budget_check(w, &p, more, true, "count", e);
    if (rc) FAIL(rc);
    char now[21];
    time_format(time_now(), now);
    *cards = json_array();
    for (int i = 0; i < count; i++) {
        char code[REFERRAL_CODE_MAX], key[REFERRAL_CODE_MAX];
        new_code(member, m.level + 1, code);
        referral_code_key(code, key);
        db_stmt *s = db_prepare(w, "INSERT INTO referral_card(program_id, issuer_id, level, code, code_key, issued_at) VALUES (?, ?, ?, ?, ?, ?)");
        if (!s) FAIL(-1);
        db_bind_int64(s, 1, program);
        db_bind_int64(s, 2, member);
        db_bind_int64(s, 3, m.level + 1);
        db_bind_text(s, 4, code);
        db_bind_text(s, 5, key);
        db_bind_text(s, 6, now);
        int r = db_step(s);
        db_done(s);
        if (r != DB_DONE) FAIL(-1);
        json_array_append_new(*cards, json_pack("{s:I, s:s, s:I, s:i, s:s, s:s, s:o}", "id", (json_int_t)db_last_insert_id(w), "code", code,
                                                "issuer_id", (json_int_t)member, "level", m.level + 1, "status", "issued",
                                                "issued_at", now, "benefit", benefit_text(&p, m.level + 1)
                                                    ? json_string(benefit_text(&p, m.level + 1)) : json_null()));
    }
    if (cards_count(w, program, m.level + 1, "cards_issued", count)) FAIL(-1);
    FAIL(0);
}

int referral_redeem(db *w, const char *code, int64_t party, const struct referral_identity *id, int64_t order_id,
                    const char *actor, int64_t *member_out, struct verr *e)
{
    char key[REFERRAL_CODE_MAX];
    referral_code_key(code, key);
    db_stmt *s = db_prepare(w, "SELECT id, program_id, issuer_id, level, status FROM referral_card WHERE code_key = ?");
    if (!s) return -1;
    db_bind_text(s, 1, key);
    int64_t card = 0, program = 0, issuer = 0;
    int level = 0;
    bool used = false;
    if (db_step(s) == DB_ROW) {
        card = db_column_int64(s, 0);
        program = db_column_int64(s, 1);
        issuer = db_column_int64(s, 2);
        level = (int)db_column_int64(s, 3);
        used = !strcmp(db_column_text(s, 4), "redeemed");
    }
    db_done(s);
    if (!card || !referral_code_valid(key, issuer, level)) {
        verr_set(e, 404, "not_found", "code", "no referral card %s (check the code)", code);
        return 1;
    }
    if (used) { verr_set(e, 409, "card_used", "code", "card %s has been redeemed already", code); return 1; }
    struct prog p;
    struct party_file f = {0};
    if (prog_load(w, program, &p, true, e)) return 1;
    if (party_file_load(w, party, &f)) FAIL(-1);
    if (!f.exists) { verr_set(e, 422, "invalid_reference", "party_id", "no party with id %lld", (long long)party); FAIL(1); }
    struct ident_list l;
    identities(id, &f, &l);
    int rc = fraud_checks(w, program, party, issuer, &l, e);
    if (rc) FAIL(rc);
    int64_t cost = level_cost(&p, level);
    /* The card promised this benefit when it was issued; it is granted now
     * only while the granted total stays within the cap. */
    if ((rc = budget_check(w, &p, cost, false, "code", e))) FAIL(rc);
    if (add_member(w, &p, party, level, 0, issuer, card, cost, benefit_text(&p, level), order_id, actor, &l, member_out)) FAIL(-1);
    char now[21];
    time_format(time_now(), now);
    s = db_prepare(w, "UPDATE referral_card SET status = 'redeemed', redeemed_at = ?, redeemed_by = ? WHERE id = ? AND status = 'issued'");
    if (!s) FAIL(-1);
    db_bind_text(s, 1, now);
    db_bind_int64(s, 2, *member_out);
    db_bind_int64(s, 3, card);
    rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE || db_changes(w) != 1) FAIL(-1);
    if (cards_count(w, program, level, "cards_redeemed", 1)) FAIL(-1);
    FAIL(0);
}

int referral_refer(db *w, int64_t program, const char *member_card, const char *referrer_name, int64_t party,
                   const struct referral_identity *id, const char *actor, int64_t *member_out, struct verr *e)
{
    struct prog p;
    struct party_file f = {0};
    if (prog_load(w, program, &p, true, e)) return 1;
    char key[REFERRAL_CODE_MAX], shown[REFERRAL_CODE_MAX];
    referral_code_key(member_card, key);
    /* Member card numbers are stored as shown: L0-XXXX-XXXX-XXXX-XXXX-C. */
    if (strlen(key) == 19) snprintf(shown, sizeof shown, "%.2s-%.4s-%.4s-%.4s-%.4s-%c", key, key + 2, key + 6, key + 10, key + 14, key[18]);
    else shown[0] = 0;
    db_stmt *s = db_prepare(w, "SELECT m.id, pa.name FROM referral_member m JOIN party pa ON pa.id = m.party_id"
                               " WHERE m.member_card = ? AND m.program_id = ?");
    if (!s) FAIL(-1);
    db_bind_text(s, 1, shown);
    db_bind_int64(s, 2, program);
    int64_t referrer = 0;
    bool name_ok = false;
    if (db_step(s) == DB_ROW) {
        referrer = db_column_int64(s, 0);
        name_ok = referrer_name && !strcmp(db_column_text(s, 1), referrer_name);
    }
    db_done(s);
    if (!referrer) { verr_set(e, 404, "not_found", "member_card", "no member card %s in this programme", member_card); FAIL(1); }
    if (!name_ok) { verr_set(e, 422, "name_mismatch", "referrer_name", "the name is not the name of member card %s", member_card); FAIL(1); }
    struct member m;
    if (member_load(w, referrer, &m)) FAIL(-1);
    if (!p.open_from || m.level < p.open_from || m.ordinary) {
        verr_set(e, 409, "not_open", "member_card", "members refer ordinary members from level %lld on%s",
                 (long long)p.open_from, m.ordinary ? "; an ordinary member does not refer" : "");
        FAIL(1);
    }
    if (party_file_load(w, party, &f)) FAIL(-1);
    if (!f.exists) { verr_set(e, 422, "invalid_reference", "party_id", "no party with id %lld", (long long)party); FAIL(1); }
    struct ident_list l;
    identities(id, &f, &l);
    int rc = fraud_checks(w, program, party, referrer, &l, e);
    if (rc) FAIL(rc);
    if (add_member(w, &p, party, m.level + 1, 1, referrer, 0, 0, NULL, 0, actor, &l, member_out)) FAIL(-1);
    FAIL(0);
}

/* ---- reading ---- */

#define MEMBER_COLS "m.id, m.program_id, m.party_id, pa.name, m.level, m.ordinary, m.parent_id, m.member_card, c.code, m.benefit," \
                    " m.benefit_cost, m.order_id, m.own_revenue, m.enrolled_at, p.budget_cap_currency"
#define MEMBER_FROM " FROM referral_member m JOIN party pa ON pa.id = m.party_id JOIN referral_program p ON p.id = m.program_id" \
                    " LEFT JOIN referral_card c ON c.id = m.card_id"

static json_t *money_json(int64_t amount, const char *cur) { return json_pack("{s:I, s:s}", "amount", (json_int_t)amount, "currency", cur); }
static json_t *opt_int(db_stmt *s, int i) { return db_column_type(s, i) == DB_NULL ? json_null() : json_integer(db_column_int64(s, i)); }
static json_t *opt_text(db_stmt *s, int i) { return db_column_text(s, i) ? json_string(db_column_text(s, i)) : json_null(); }

static json_t *member_row(db_stmt *s)
{
    const char *cur = db_column_text(s, 14);
    return json_pack("{s:I, s:I, s:I, s:s, s:I, s:b, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:s}",
                     "id", (json_int_t)db_column_int64(s, 0), "program_id", (json_int_t)db_column_int64(s, 1),
                     "party_id", (json_int_t)db_column_int64(s, 2), "name", db_column_text(s, 3),
                     "level", (json_int_t)db_column_int64(s, 4), "ordinary", (int)db_column_int64(s, 5),
                     "parent_id", opt_int(s, 6), "member_card", db_column_text(s, 7), "card_code", opt_text(s, 8),
                     "benefit", opt_text(s, 9), "benefit_cost", money_json(db_column_int64(s, 10), cur),
                     "order_id", opt_int(s, 11), "revenue", money_json(db_column_int64(s, 12), cur),
                     "enrolled_at", db_column_text(s, 13));
}

/* The subtree of member (itself included): totals and per level and kind. */
static json_t *subtree_json(db *c, int64_t member, const char *cur)
{
    db_stmt *s = db_prepare(c, "SELECT level, ordinary, members, cost, revenue FROM referral_agg WHERE member_id = ? ORDER BY level, ordinary");
    if (!s) return json_null();
    db_bind_int64(s, 1, member);
    json_t *levels = json_array();
    int64_t members = 0, ordinary = 0;
    money_sum cost = {0}, rev = {0};
    while (db_step(s) == DB_ROW) {
        int64_t n = db_column_int64(s, 2);
        members += n;
        if (db_column_int64(s, 1)) ordinary += n;
        money_sum_add(&cost, db_column_int64(s, 3));
        money_sum_add(&rev, db_column_int64(s, 4));
        json_array_append_new(levels, json_pack("{s:I, s:b, s:I, s:o, s:o}", "level", (json_int_t)db_column_int64(s, 0),
                                                "ordinary", (int)db_column_int64(s, 1), "members", (json_int_t)n,
                                                "cost", money_json(db_column_int64(s, 3), cur), "revenue", money_json(db_column_int64(s, 4), cur)));
    }
    db_done(s);
    bool sat = false;
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o}", "members", (json_int_t)members, "discounted", (json_int_t)(members - ordinary),
                     "ordinary", (json_int_t)ordinary, "cost", money_json(money_sum_value(&cost, &sat), cur),
                     "revenue", money_json(money_sum_value(&rev, &sat), cur), "levels", levels);
}

json_t *referral_member_json(db *c, int64_t member)
{
    db_stmt *s = db_prepare(c, "SELECT " MEMBER_COLS MEMBER_FROM " WHERE m.id = ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, member);
    json_t *o = db_step(s) == DB_ROW ? member_row(s) : NULL;
    db_done(s);
    if (!o) return NULL;
    struct prog p;
    struct verr e;
    struct member m;
    if (prog_load(c, json_integer_value(json_object_get(o, "program_id")), &p, false, &e) == 0 && member_load(c, member, &m) == 0) {
        json_object_set_new(o, "card_quota", json_integer(member_quota(c, &p, &m)));
        prog_free(&p);
    }
    json_object_set_new(o, "cards_issued", json_integer(cards_of(c, member, false)));
    json_object_set_new(o, "cards_redeemed", json_integer(cards_of(c, member, true)));
    return o;
}

json_t *referral_tree(db *c, int64_t program, int64_t member, int64_t after, int limit)
{
    json_t *m = referral_member_json(c, member);
    if (!m || json_integer_value(json_object_get(m, "program_id")) != program) { json_decref(m); return NULL; }
    const char *cur = json_string_value(json_object_get(json_object_get(m, "revenue"), "currency"));
    json_t *sub = subtree_json(c, member, cur);
    /* Each child's totals from its own few aggregate rows (the primary key's prefix). */
    db_stmt *s = db_prepare(c, "SELECT m.id, pa.name, m.level, m.ordinary,"
                               " COALESCE((SELECT sum(a.members) FROM referral_agg a WHERE a.member_id = m.id), 0),"
                               " COALESCE((SELECT sum(a.cost) FROM referral_agg a WHERE a.member_id = m.id), 0),"
                               " COALESCE((SELECT sum(a.revenue) FROM referral_agg a WHERE a.member_id = m.id), 0)"
                               " FROM referral_member m JOIN party pa ON pa.id = m.party_id"
                               " WHERE m.parent_id = ? AND m.id > ? ORDER BY m.id LIMIT ?");
    json_t *children = json_array();
    int64_t next = 0;
    if (s) {
        db_bind_int64(s, 1, member);
        db_bind_int64(s, 2, after);
        db_bind_int64(s, 3, limit + 1);
        int n = 0;
        while (db_step(s) == DB_ROW) {
            if (n++ == limit) { next = json_integer_value(json_object_get(json_array_get(children, (size_t)limit - 1), "id")); break; }
            json_array_append_new(children, json_pack("{s:I, s:s, s:I, s:b, s:I, s:o, s:o}", "id", (json_int_t)db_column_int64(s, 0),
                "name", db_column_text(s, 1), "level", (json_int_t)db_column_int64(s, 2), "ordinary", (int)db_column_int64(s, 3),
                "subtree_members", (json_int_t)db_column_int64(s, 4), "subtree_cost", money_json(db_column_int64(s, 5), cur),
                "subtree_revenue", money_json(db_column_int64(s, 6), cur)));
        }
        db_done(s);
    }
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%lld", (long long)next);
    return json_pack("{s:o, s:o, s:o, s:o}", "member", m, "subtree", sub, "children", children,
                     "next", next ? json_string(cursor) : json_null());
}

json_t *referral_roots(db *c, int64_t program, int64_t after, int limit)
{
    db_stmt *s = db_prepare(c, "SELECT " MEMBER_COLS MEMBER_FROM " WHERE m.program_id = ? AND m.level = 1 AND m.ordinary = 0 AND m.id > ?"
                               " ORDER BY m.id LIMIT ?");
    if (!s) return NULL;
    db_bind_int64(s, 1, program);
    db_bind_int64(s, 2, after);
    db_bind_int64(s, 3, limit + 1);
    json_t *items = json_array();
    int64_t next = 0;
    int n = 0;
    while (db_step(s) == DB_ROW) {
        if (n++ == limit) { next = json_integer_value(json_object_get(json_array_get(items, (size_t)limit - 1), "id")); break; }
        json_array_append_new(items, member_row(s));
    }
    db_done(s);
    /* The counts the ReferralMember schema requires, as on one member (after the
     * page's statement is done: one statement at a time on the connection). */
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m) {
        int64_t id = json_integer_value(json_object_get(m, "id"));
        json_object_set_new(m, "cards_issued", json_integer(cards_of(c, id, false)));
        json_object_set_new(m, "cards_redeemed", json_integer(cards_of(c, id, true)));
    }
    char cursor[24];
    snprintf(cursor, sizeof cursor, "%lld", (long long)next);
    return json_pack("{s:o, s:o}", "items", items, "next", next ? json_string(cursor) : json_null());
}

json_t *referral_report(db *c, int64_t program)
{
    struct prog p;
    struct verr e;
    if (prog_load(c, program, &p, false, &e)) return NULL;
    int n = p.nlevels;
    struct row { int64_t members, ordinary, cost, revenue, issued, redeemed; } *rows = calloc((size_t)n + 2, sizeof *rows);
    int64_t extra_ordinary = 0, extra_rev = 0;
    db_stmt *s = db_prepare(c, "SELECT level, ordinary, members, cost, revenue, cards_issued, cards_redeemed FROM referral_level_agg WHERE program_id = ?");
    if (!s || !rows) { free(rows); prog_free(&p); return NULL; }
    db_bind_int64(s, 1, program);
    while (db_step(s) == DB_ROW) {
        int lv = (int)db_column_int64(s, 0);
        bool ord = db_column_int64(s, 1) != 0;
        if (lv < 1 || lv > n) {   /* ordinary members below the last level */
            extra_ordinary += db_column_int64(s, 2);
            extra_rev += db_column_int64(s, 4);
            continue;
        }
        struct row *r = &rows[lv];
        if (ord) r->ordinary += db_column_int64(s, 2); else r->members += db_column_int64(s, 2);
        r->cost += db_column_int64(s, 3);
        r->revenue += db_column_int64(s, 4);
        r->issued += db_column_int64(s, 5);
        r->redeemed += db_column_int64(s, 6);
    }
    db_done(s);
    int64_t first = rows[n >= 1 ? 1 : 0].members;
    json_t *levels = json_array();
    int64_t reach = 1;     /* members of a level per first-level member at most: the quotas above multiplied */
    int64_t plan_cost_per = 0, plan_rev_per = 0, granted = 0, revenue = 0, committed = 0;
    bool sat = false;
    for (int lv = 1; lv <= n; lv++) {
        const json_t *L = level_of(&p, lv);
        int64_t bc = level_cost(&p, lv), es = jint(json_object_get(L, "expected_spend"), "amount"), pc, pr, tm, tc, tr;
        if (!money_mul(reach, bc, &pc)) { pc = INT64_MAX; sat = true; }
        if (!money_mul(reach, es, &pr)) { pr = INT64_MAX; sat = true; }
        if (!money_mul(first, reach, &tm)) tm = INT64_MAX;
        if (!money_mul(first, pc, &tc)) tc = INT64_MAX;
        if (!money_mul(first, pr, &tr)) tr = INT64_MAX;
        plan_cost_per = money_add_sat(plan_cost_per, pc, &sat);
        plan_rev_per = money_add_sat(plan_rev_per, pr, &sat);
        granted = money_add_sat(granted, rows[lv].cost, &sat);
        revenue = money_add_sat(revenue, rows[lv].revenue, &sat);
        int64_t out, outc;
        out = rows[lv].issued - rows[lv].redeemed;
        if (!money_mul(out, bc, &outc)) outc = INT64_MAX;
        committed = money_add_sat(committed, money_add_sat(rows[lv].cost, outc, &sat), &sat);
        json_array_append_new(levels, json_pack(
            "{s:i, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
            "level", lv, "card_quota", (json_int_t)jint(L, "card_quota"),
            "benefit", json_object_get(L, "benefit") ? json_incref(json_object_get(L, "benefit")) : json_null(),
            "benefit_cost", money_json(bc, p.currency), "expected_spend", money_json(es, p.currency),
            "members", (json_int_t)rows[lv].members, "ordinary_members", (json_int_t)rows[lv].ordinary,
            "benefits_granted", (json_int_t)rows[lv].members, "cards_issued", (json_int_t)rows[lv].issued,
            "cards_redeemed", (json_int_t)rows[lv].redeemed,
            "cost", money_json(rows[lv].cost, p.currency), "revenue", money_json(rows[lv].revenue, p.currency),
            "planned", json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "members_per_first_level", (json_int_t)reach, "members", (json_int_t)tm,
                                 "cost_per_first_level", money_json(pc, p.currency), "revenue_per_first_level", money_json(pr, p.currency),
                                 "cost", money_json(tc, p.currency), "revenue", money_json(tr, p.currency))));
        if (!money_mul(reach, jint(L, "card_quota"), &reach)) reach = INT64_MAX;
    }
    revenue = money_add_sat(revenue, extra_rev, &sat);
    json_t *o = json_pack("{s:I, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
                          "program_id", (json_int_t)program, "currency", p.currency, "budget_cap", money_json(p.cap, p.currency),
                          "first_level_members", (json_int_t)first, "cost", money_json(granted, p.currency),
                          "committed", money_json(committed, p.currency), "revenue", money_json(revenue, p.currency),
                          "planned_per_first_level", json_pack("{s:o, s:o}", "cost", money_json(plan_cost_per, p.currency),
                                                               "revenue", money_json(plan_rev_per, p.currency)),
                          "levels", levels, "ordinary_beyond_last_level", (json_int_t)extra_ordinary,
                          "budget_left", money_json(p.cap - committed, p.currency));
    free(rows);
    prog_free(&p);
    return o;
}

/* ---- revenue from purchases ---- */

/* Up to 16 rows of (amount, member id, level, ordinary, programme id) for
 * one purchase, from sql with the purchase's id bound. n, or -1. */
static int purchase_members(db *w, const char *sql, int64_t txn, int64_t rows[16][5])
{
    db_stmt *s = db_prepare(w, sql);
    if (!s) return -1;
    db_bind_int64(s, 1, txn);
    int n = 0;
    while (n < 16 && db_step(s) == DB_ROW) {
        for (int k = 0; k < 5; k++) rows[n][k] = db_column_int64(s, k);
        n++;
    }
    db_done(s);
    return n;
}

/* purchase_members of a new purchase from its record (a create event's,
 * see events.h) instead of its row: the same rows, without reading the
 * txn table (an import's batch holds its rows for COPY, and a read of
 * them would send them for every purchase). The batch asks once whether
 * there is any member at all (db_bulk_memo): an import enrols no one. */
static int purchase_members_of(db *w, const json_t *rec, int64_t rows[16][5])
{
    const json_t *amount = json_object_get(rec, "amount");
    int64_t a = json_integer_value(json_object_get(amount, "amount"));
    const char *currency = json_string_value(json_object_get(amount, "currency"));
    if (a <= 0 || !currency) return 0;
    json_t *memo = db_bulk_memo(w);
    if (memo) {
        json_t *any = json_object_get(memo, "referral.members");
        if (!any) {
            db_stmt *s = db_prepare(w, "SELECT 1 FROM referral_member LIMIT 1");
            if (!s) return -1;
            int rc = db_step(s);
            db_done(s);
            if (rc != DB_ROW && rc != DB_DONE) return -1;
            json_object_set_new(memo, "referral.members", any = json_boolean(rc == DB_ROW));
        }
        if (json_is_false(any)) return 0;
    }
    db_stmt *s = db_prepare(w, "SELECT m.id, m.level, m.ordinary, m.program_id FROM referral_member m"
                               " JOIN referral_program p ON p.id = m.program_id AND p.budget_cap_currency = ?"
                               " WHERE m.party_id = ?");
    if (!s) return -1;
    db_bind_text(s, 1, currency);
    db_bind_int64(s, 2, json_integer_value(json_object_get(rec, "party_id")));
    int n = 0;
    while (n < 16 && db_step(s) == DB_ROW) {
        rows[n][0] = a;
        for (int k = 0; k < 4; k++) rows[n][k + 1] = db_column_int64(s, k);
        n++;
    }
    db_done(s);
    return n;
}

/* Adds amount (negative: takes it back) to a member's own revenue and to
 * the aggregates of the tree above it. */
static int member_revenue(db *w, const int64_t row[5], int64_t amount)
{
    db_stmt *s = db_prepare(w, "UPDATE referral_member SET own_revenue = own_revenue + ? WHERE id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, amount);
    db_bind_int64(s, 2, row[1]);
    int rc = db_step(s);
    db_done(s);
    return rc != DB_DONE || agg_add(w, row[4], row[1], (int)row[2], (int)row[3], 0, 0, amount) ? -1 : 0;
}

/* A linked refund (domain/refund.h) takes back its share of what its
 * purchase credited each member, as a negative referral_revenue row of its
 * own: deleting the refund then gives it back by the delete branch below. */
static int refund_revenue(db *w, const struct rec_event *ev)
{
    int64_t refund = ev->record_id;
    struct refund_share sh;
    int k = refund_share_of_event(w, ev, &sh);
    if (k <= 0) return k;
    int64_t rows[16][5];
    int n = purchase_members(w, "SELECT r.amount, m.id, m.level, m.ordinary, m.program_id FROM referral_revenue r"
                                " JOIN referral_member m ON m.id = r.member_id WHERE r.txn_id = ?", sh.purchase, rows);
    for (int i = 0; i < n; i++) {
        int64_t back = refund_part(rows[i][0], &sh);
        if (back <= 0) continue;
        db_stmt *s = db_prepare(w, "INSERT INTO referral_revenue(txn_id, member_id, amount) VALUES (?, ?, ?)");
        if (!s) return -1;
        db_bind_int64(s, 1, refund);
        db_bind_int64(s, 2, rows[i][1]);
        db_bind_int64(s, 3, -back);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE || member_revenue(w, rows[i], -back)) return -1;
    }
    return n < 0 ? -1 : 0;
}

static int on_purchase(db *w, const struct rec_event *ev)
{
    int64_t rows[16][5];
    if (!strcmp(ev->action, "create")) {
        if (refund_revenue(w, ev)) return -1;
        int n = ev->record ? purchase_members_of(w, ev->record, rows)
                           : purchase_members(w, "SELECT t.amount, m.id, m.level, m.ordinary, m.program_id FROM txn t"
                                                 " JOIN referral_member m ON m.party_id = t.party_id"
                                                 " JOIN referral_program p ON p.id = m.program_id AND p.budget_cap_currency = t.currency"
                                                 " WHERE t.id = ? AND t.amount > 0", ev->record_id, rows);
        for (int i = 0; i < n; i++) {
            db_stmt *s = db_prepare(w, "INSERT INTO referral_revenue(txn_id, member_id, amount) VALUES (?, ?, ?)");
            if (!s) return -1;
            db_bind_int64(s, 1, ev->record_id);
            db_bind_int64(s, 2, rows[i][1]);
            db_bind_int64(s, 3, rows[i][0]);
            int rc = db_step(s);
            db_done(s);
            if (rc != DB_DONE || member_revenue(w, rows[i], rows[i][0])) return -1;
        }
        return n < 0 ? -1 : 0;
    }
    if (!strcmp(ev->action, "delete")) {
        int n = purchase_members(w, "SELECT r.amount, m.id, m.level, m.ordinary, m.program_id FROM referral_revenue r"
                                    " JOIN referral_member m ON m.id = r.member_id WHERE r.txn_id = ?", ev->record_id, rows);
        if (n < 0) return -1;
        for (int i = 0; i < n; i++)
            if (member_revenue(w, rows[i], -rows[i][0])) return -1;
        db_stmt *s = db_prepare(w, "DELETE FROM referral_revenue WHERE txn_id = ?");
        if (!s) return -1;
        db_bind_int64(s, 1, ev->record_id);
        int rc = db_step(s);
        db_done(s);
        return rc == DB_DONE ? 0 : -1;
    }
    return 0;
}

void referral_subscribe(void) { events_subscribe_tx("transaction", on_purchase); }
