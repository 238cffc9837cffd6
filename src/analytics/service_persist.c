/*
 * service_persist.c — storing one party's scores: the row of `score` (with
 * its explanation, deflated), label changes in `score_history`, tier and
 * lifecycle moves as audit rows; the deletion of a party's scores; and the
 * reading back of a stored explanation.
 */
#include "analytics/service_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "api/resource.h"
#include "lib/money.h"

/* The explanation column is stored deflated (zlib, fastest level): the
 * texts and messages of a party are 4–5 KB of JSON whose keys repeat in
 * every row, which would add gigabytes to a database of a million scored
 * customers; deflated they take about a quarter. The blob starts with the
 * text's length (4 bytes, little-endian). Rows written as plain text (older
 * versions) are read as they are. */
static void explanation_bind(db_stmt *s, int idx, const char *text)
{
    size_t n = strlen(text);
    uLongf cap = compressBound((uLong)n);
    unsigned char *z = n <= UINT32_MAX ? malloc(4 + cap) : NULL;
    if (z && compress2(z + 4, &cap, (const Bytef *)text, (uLong)n, Z_BEST_SPEED) == Z_OK) {
        for (int i = 0; i < 4; i++)
            z[i] = (unsigned char)(n >> (8 * i));
        db_bind_blob(s, idx, z, 4 + cap);
    } else {
        db_bind_text(s, idx, text);
    }
    free(z);
}

json_t *svc_explanation_load(db_stmt *s, int col)
{
    json_t *ex = NULL;
    if (db_column_type(s, col) == DB_BLOB) {
        size_t zn;
        const unsigned char *z = db_column_blob(s, col, &zn);
        uLongf n = 0;
        for (int i = 0; zn >= 4 && i < 4; i++)
            n |= (uLongf)z[i] << (8 * i);
        char *text = zn >= 4 && n < (64u << 20) ? malloc(n + 1) : NULL;
        if (text && uncompress((Bytef *)text, &n, z + 4, (uLong)(zn - 4)) == Z_OK)
            ex = json_loadb(text, n, 0, NULL);
        free(text);
    } else if (db_column_text(s, col)) {
        ex = json_loads(db_column_text(s, col), 0, NULL);
    }
    return ex ? ex : json_object();
}

/* The explanation column holds {key: English text, ..., "messages": {key:
 * {"message": id, "params": {...}}}}. Rows of versions before the
 * structured form have the texts only; an_party_scores answers null for
 * their messages and the UI shows the text. Money params are {"amount":
 * minor units} here; the answer adds the currency. */
static json_t *explain_param(const sc_arg *a)
{
    char d[11];
    switch (a->kind) {
    case SC_ARG_INT: return json_integer(a->i);
    case SC_ARG_REAL: return isfinite(a->d) ? json_real(a->d) : json_null();
    case SC_ARG_MONEY: return json_pack("{s:I}", "amount", (json_int_t)a->i);
    case SC_ARG_DATE: return json_pack("{s:s}", "date", svc_day_text((int32_t)a->i, d));
    case SC_ARG_LABEL: return json_pack("{s:s, s:s}", "vocab", a->vocab, "value", a->s ? a->s : "unknown");
    case SC_ARG_TEXT: return json_string(a->s ? a->s : "");
    }
    return json_null();
}

static void explain_emit(void *ctx, const sc_explanation *e)
{
    json_t *ex = ctx, *msgs = json_object_get(ex, "messages");
    json_object_set_new(ex, e->key, json_string(e->text));
    if (!msgs) {
        msgs = json_object();
        json_object_set_new(ex, "messages", msgs);
    }
    json_t *params = json_object();
    for (size_t i = 0; i < e->nargs; i++)
        json_object_set_new(params, e->args[i].name, explain_param(&e->args[i]));
    json_object_set_new(msgs, e->key, json_pack("{s:s, s:o}", "message", e->message, "params", params));
}

static void bind_real(db_stmt *s, int i, double v)
{
    if (isfinite(v))
        db_bind_double(s, i, v);
    else
        db_bind_null(s, i);
}

static void bind_money(db_stmt *s, int i, double v)
{
    if (isfinite(v))
        db_bind_int64(s, i, money_from_double(v, NULL));
    else
        db_bind_null(s, i);
}

enum { L_TIER, L_LIFECYCLE, L_RFM, L_QUADRANT, L_STRATEGY, L_PRIORITY, L_LOYALTY, L_BEHAVIOUR, L_COUNT };
static const char *const label_fields[L_COUNT] = {"tier", "lifecycle", "rfm_segment", "value_quadrant",
                                                  "strategy", "priority", "loyalty", "behaviour"};

static int history_add(db *w, int64_t id, const char *now, const char *field, const char *old, const char *neu)
{
    return db_run(w, "INSERT INTO score_history(party_id, at, field, old, new) VALUES (?, ?, ?, ?, ?)", "itttt", id, now, field, old, neu);
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Upserts the score row of a party, records label changes in
 * score_history and tier / lifecycle moves as audit rows. */
int svc_score_store(db *w, int64_t run_id, const char *now, const sc_config *c, const sc_state *st, int64_t id,
                    const sc_facts *f, const sc_result *r)
{
    const char *lab[L_COUNT] = {0};
    if (r->buyer) {
        lab[L_TIER] = tier_name(r->tier);
        lab[L_LIFECYCLE] = lifecycle_name(r->lifecycle);
        lab[L_RFM] = rfm_segment_name(r->segment);
        lab[L_QUADRANT] = clv_quadrant_name(r->quadrant);
        lab[L_STRATEGY] = strategy_code(r->strategy);
        lab[L_PRIORITY] = ka_priority_name(r->priority);
    }
    lab[L_LOYALTY] = loyalty_name(r->loyalty);
    lab[L_BEHAVIOUR] = r->behaviour >= 0 ? loyalty_behaviour_name((behaviour_quadrant)r->behaviour) : "unknown";

    /* Old labels. */
    char old[L_COUNT][32], since[32] = "";
    bool had = false, had_lab[L_COUNT] = {0};
    db_stmt *s = db_prepare(w, "SELECT tier, lifecycle, rfm_segment, value_quadrant, strategy, priority, loyalty,"
                               " behaviour, lifecycle_since FROM score WHERE party_id = ?");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    if (db_step(s) == DB_ROW) {
        had = true;
        for (int k = 0; k < L_COUNT; k++) {
            const char *v = db_column_text(s, k);
            had_lab[k] = v != NULL;
            snprintf(old[k], sizeof old[k], "%s", v ? v : "");
        }
        const char *v = db_column_text(s, 8);
        snprintf(since, sizeof since, "%s", v ? v : "");
    }
    db_done(s);
    for (int k = 0; k < L_COUNT; k++) {
        const char *o = had && had_lab[k] ? old[k] : NULL;
        if (had && same(o, lab[k]))
            continue;
        /* A first computation starts the tier and stage histories only. */
        if (!had && (!lab[k] || (k != L_TIER && k != L_LIFECYCLE)))
            continue;
        if (history_add(w, id, now, label_fields[k], o, lab[k]))
            return -1;
        if (had && (k == L_TIER || k == L_LIFECYCLE)) {
            json_t *ch = json_pack("{s:[ss]}", label_fields[k], o ? o : "", lab[k] ? lab[k] : "");
            if (!o)
                json_array_set_new(json_object_get(ch, label_fields[k]), 0, json_null());
            if (!lab[k])
                json_array_set_new(json_object_get(ch, label_fields[k]), 1, json_null());
            if (audit_record(w, NULL, "analytics", "party", id, "segment_move", ch, id))
                return -1;
        }
    }
    const char *life_since = lab[L_LIFECYCLE] && had && had_lab[L_LIFECYCLE] && same(old[L_LIFECYCLE], lab[L_LIFECYCLE]) && since[0]
                                 ? since
                                 : lab[L_LIFECYCLE] ? now : NULL;

    json_t *ex = json_object();
    sc_explain(c, st, f, r, explain_emit, ex);
    /* A money total that did not fit in int64 is stored at the bound; the
     * answer says so (summary.saturated) rather than pass it as the value. */
    if (sc_facts_saturated(f))
        json_object_set_new(ex, "saturated", json_true());
    char *ex_text = json_dumps(ex, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(ex);

    s = db_prepare(w,
                   "INSERT INTO score(party_id, computed_at, run_id, first_purchase, last_purchase, transactions,"
                   " repeat_purchases, recency_days, tenure_days, revenue, cost, profit, cost_to_serve, net_profit,"
                   " mean_spend, competitor_amount, competitor_share, r, f, m, rfm_segment, tier, p_alive,"
                   " expected_purchases, expected_spend, clv_historical, clv_current, clv_potential, clv, value_quadrant,"
                   " value_strategy, future_matrix, profit_matrix, lifecycle, lifecycle_since, loyalty, attitude,"
                   " behaviour, strategy, priority, prospect_score, service_tier, explanation)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                   " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(party_id) DO UPDATE SET"
                   " computed_at = excluded.computed_at, run_id = excluded.run_id,"
                   " first_purchase = excluded.first_purchase, last_purchase = excluded.last_purchase,"
                   " transactions = excluded.transactions, repeat_purchases = excluded.repeat_purchases,"
                   " recency_days = excluded.recency_days, tenure_days = excluded.tenure_days, revenue = excluded.revenue,"
                   " cost = excluded.cost, profit = excluded.profit, cost_to_serve = excluded.cost_to_serve,"
                   " net_profit = excluded.net_profit, mean_spend = excluded.mean_spend,"
                   " competitor_amount = excluded.competitor_amount, competitor_share = excluded.competitor_share,"
                   " r = excluded.r, f = excluded.f, m = excluded.m, rfm_segment = excluded.rfm_segment,"
                   " tier = excluded.tier, p_alive = excluded.p_alive, expected_purchases = excluded.expected_purchases,"
                   " expected_spend = excluded.expected_spend, clv_historical = excluded.clv_historical,"
                   " clv_current = excluded.clv_current, clv_potential = excluded.clv_potential, clv = excluded.clv,"
                   " value_quadrant = excluded.value_quadrant, value_strategy = excluded.value_strategy,"
                   " future_matrix = excluded.future_matrix, profit_matrix = excluded.profit_matrix,"
                   " lifecycle = excluded.lifecycle, lifecycle_since = excluded.lifecycle_since,"
                   " loyalty = excluded.loyalty, attitude = excluded.attitude, behaviour = excluded.behaviour,"
                   " strategy = excluded.strategy, priority = excluded.priority, prospect_score = excluded.prospect_score,"
                   " service_tier = excluded.service_tier, explanation = excluded.explanation");
    if (!s) {
        free(ex_text);
        return -1;
    }
    char d1[11], d2[11];
    int64_t profit = sc_profit(f, NULL), net = sc_net_profit(f, NULL);
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, now);
    if (run_id) db_bind_int64(s, 3, run_id); else db_bind_null(s, 3);
    db_bind_text(s, 4, r->buyer ? svc_day_text(f->first_day, d1) : NULL);
    db_bind_text(s, 5, r->buyer ? svc_day_text(f->last_day, d2) : NULL);
    db_bind_int64(s, 6, f->transactions);
    db_bind_int64(s, 7, r->buyer ? f->purchase_days - 1 : 0);
    if (r->buyer) {
        int32_t rec = st->today - f->last_day;
        db_bind_int64(s, 8, rec > 0 ? rec : 0);
        db_bind_int64(s, 9, (st->today > f->last_day ? st->today : f->last_day) - f->first_day);
    } else {
        db_bind_null(s, 8);
        db_bind_null(s, 9);
    }
    db_bind_int64(s, 10, f->revenue);
    db_bind_int64(s, 11, f->cost);
    db_bind_int64(s, 12, profit);
    db_bind_int64(s, 13, f->cost_to_serve);
    db_bind_int64(s, 14, net);
    if (f->purchase_days) db_bind_int64(s, 15, f->revenue / f->purchase_days); else db_bind_null(s, 15);
    db_bind_int64(s, 16, f->competitor_amount);
    /* in double: the two int64 totals may add up beyond int64 */
    double all = (double)f->competitor_amount + (f->revenue > 0 ? (double)f->revenue : 0);
    if (all > 0) db_bind_double(s, 17, (double)f->competitor_amount / all); else db_bind_null(s, 17);
    if (r->buyer) {
        db_bind_int64(s, 18, r->r);
        db_bind_int64(s, 19, r->f);
        db_bind_int64(s, 20, r->m);
    } else {
        db_bind_null(s, 18);
        db_bind_null(s, 19);
        db_bind_null(s, 20);
    }
    db_bind_text(s, 21, lab[L_RFM]);
    db_bind_text(s, 22, lab[L_TIER]);
    bind_real(s, 23, r->p_alive);
    bind_real(s, 24, r->expected);
    if (r->buyer) bind_money(s, 25, r->spend); else db_bind_null(s, 25);
    if (r->buyer) {
        bind_money(s, 26, r->clv.historical);
        bind_money(s, 27, r->clv.current);
        bind_money(s, 28, r->clv.potential);
        bind_money(s, 29, r->clv.total);
    } else {
        for (int k = 26; k <= 29; k++)
            db_bind_null(s, k);
    }
    db_bind_text(s, 30, lab[L_QUADRANT]);
    db_bind_text(s, 31, r->buyer ? clv_quadrant_strategy(r->quadrant) : NULL);
    db_bind_text(s, 32, r->buyer ? matrix_current_future_name(r->future) : NULL);
    db_bind_text(s, 33, r->buyer ? matrix_profit_cost_name(r->profit) : NULL);
    db_bind_text(s, 34, lab[L_LIFECYCLE]);
    db_bind_text(s, 35, life_since);
    db_bind_text(s, 36, lab[L_LOYALTY]);
    db_bind_text(s, 37, r->attitude < 0 ? "unknown" : r->attitude ? "high" : "low");
    db_bind_text(s, 38, lab[L_BEHAVIOUR]);
    db_bind_text(s, 39, lab[L_STRATEGY]);
    db_bind_text(s, 40, lab[L_PRIORITY]);
    if (f->prospect >= 0) db_bind_int64(s, 41, f->prospect); else db_bind_null(s, 41);
    if (r->service_tier >= 0) db_bind_int64(s, 42, r->service_tier); else db_bind_null(s, 42);
    explanation_bind(s, 43, ex_text ? ex_text : "{}");
    int rc = db_step(s);
    db_done(s);
    free(ex_text);
    return rc == DB_DONE ? 0 : -1;
}

int svc_score_delete(db *w, int64_t id)
{
    db_stmt *s = db_prepare(w, "DELETE FROM score WHERE party_id = ?");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}
