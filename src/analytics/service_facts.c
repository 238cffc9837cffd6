/*
 * service_facts.c — the CRM facts of a party that are not transactions:
 * cost to serve (interaction costs, complaint remedies), satisfaction and
 * NPS (survey custom fields, else interaction responses), assets and the
 * prospect score; for every party of the store (a run) or for one (a
 * refresh).
 */
#include "analytics/service_int.h"

#include <string.h>

#include "lib/money.h"

/* Satisfaction / NPS signal of an interaction's response text. The rule
 * (documented in docs/ANALYTICS.md): a dissatisfied word (不满, unhappy,
 * dissatisf) is satisfaction 2; otherwise 满意 / satisf is satisfaction 5;
 * a referral (转介绍, referred) is an NPS answer of 10. */
static void response_signal(const char *s, double *sat, double *nps)
{
    if (!s)
        return;
    if (strstr(s, "不满") || strstr(s, "unhappy") || strstr(s, "dissatisf") || strstr(s, "Unhappy"))
        *sat = 2;
    else if (strstr(s, "满意") || strstr(s, "satisf"))
        *sat = 5;
    if (strstr(s, "转介绍") || strstr(s, "referred"))
        *nps = 10;
}

/* The facts a party's custom fields may carry (satisfaction, nps, assets,
 * prospect_score), read from the stored JSON object here rather than with
 * the database's JSON functions, whose spelling differs between engines. A
 * number counts; anything else (text, true) is no fact. */
static void custom_facts(db_stmt *s, int col, sc_facts *f)
{
    size_t n;
    const char *text = db_column_bytes(s, col, &n);
    json_t *o = text && n > 2 ? json_loadb(text, n, 0, NULL) : NULL;
    if (!json_is_object(o)) { json_decref(o); return; }
    json_t *v;
    if (json_is_number(v = json_object_get(o, "satisfaction"))) f->satisfaction = json_number_value(v);
    if (json_is_number(v = json_object_get(o, "nps"))) f->nps = json_number_value(v);
    if (json_is_number(v = json_object_get(o, "assets"))) f->assets = json_number_value(v);
    if (json_is_integer(v = json_object_get(o, "prospect_score"))) {
        json_int_t p = json_integer_value(v);
        f->prospect = p < 0 ? -1 : p > 7 ? 7 : (int)p;
    }
    json_decref(o);
}

#define SQL_CUSTOM_COLS "custom"

/* For all parties of the store; deleted parties get dead[p] = 1. Custom-
 * field answers override the response texts (the responses are applied
 * first, then the custom fields). */
int svc_crm_all(db *c, sc_facts *facts, unsigned char *dead)
{
    size_t n = svc_g.store.nparties;
    db_stmt *s = db_prepare(c, "SELECT party_id, response FROM interaction WHERE response IS NOT NULL"
                               " AND status = 'done' ORDER BY party_id, COALESCE(occurred_at, created_at), id");
    if (!s)
        return -1;
    while (db_step(s) == DB_ROW) {
        int64_t p = an_store_party(&svc_g.store, db_column_int64(s, 0), 0);
        if (p >= 0)
            response_signal(db_column_text(s, 1), &facts[p].satisfaction, &facts[p].nps);
    }
    db_done(s);
    /* Summed here with checked sums, not SUM(): SQLite's SUM fails the
     * whole query with "integer overflow" where a total does not fit. */
    /* Cost to serve: what the interactions cost and the remedies of the
     * party's complaints (service cases, issue 19). */
    s = db_prepare(c, "SELECT party_id, cost_amount FROM interaction WHERE cost_amount IS NOT NULL"
                      " UNION ALL SELECT party_id, remedy_cost_amount FROM service_case WHERE remedy_cost_amount IS NOT NULL"
                      " ORDER BY 1");
    if (!s)
        return -1;
    int64_t cur = -1;
    money_sum cts = MONEY_SUM_INIT;
    for (int more = db_step(s) == DB_ROW;; more = db_step(s) == DB_ROW) {
        int64_t party = more ? db_column_int64(s, 0) : -1;
        if (cur >= 0 && (!more || party != cur)) {
            int64_t p = an_store_party(&svc_g.store, cur, 0);
            if (p >= 0) {
                bool sat = false;
                facts[p].cost_to_serve = money_sum_value(&cts, &sat);
                facts[p].cts_saturated = sat;
            }
            cts = (money_sum)MONEY_SUM_INIT;
        }
        if (!more)
            break;
        cur = party;
        money_sum_add(&cts, db_column_int64(s, 1));
    }
    db_done(s);
    s = db_prepare(c, "SELECT id, " SQL_CUSTOM_COLS " FROM party WHERE custom <> '{}' AND deleted_at IS NULL");
    if (!s)
        return -1;
    while (db_step(s) == DB_ROW) {
        int64_t p = an_store_party(&svc_g.store, db_column_int64(s, 0), 0);
        if (p >= 0)
            custom_facts(s, 1, &facts[p]);
    }
    db_done(s);
    s = db_prepare(c, "SELECT id FROM party WHERE deleted_at IS NOT NULL");
    if (!s)
        return -1;
    while (db_step(s) == DB_ROW) {
        int64_t p = an_store_party(&svc_g.store, db_column_int64(s, 0), 0);
        if (p >= 0 && (size_t)p < n)
            dead[p] = 1;
    }
    db_done(s);
    return 0;
}

/* For one party; returns 1 when the party is deleted or absent. */
int svc_crm_one(db *c, int64_t id, sc_facts *f)
{
    sc_facts_crm_clear(f);
    db_stmt *s = db_prepare(c, "SELECT deleted_at, " SQL_CUSTOM_COLS " FROM party WHERE id = ?");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    int gone = 1;
    if (db_step(s) == DB_ROW && db_column_type(s, 0) == DB_NULL) {
        gone = 0;
        sc_facts tmp;
        sc_facts_crm_clear(&tmp);
        custom_facts(s, 1, &tmp);
        f->assets = tmp.assets;
        f->prospect = tmp.prospect;
        /* survey answers in custom fields win over response texts */
        f->satisfaction = tmp.satisfaction;
        f->nps = tmp.nps;
    }
    db_done(s);
    if (gone)
        return 1;
    double sat = -1, nps = -1;
    s = db_prepare(c, "SELECT response FROM interaction WHERE party_id = ? AND response IS NOT NULL AND status = 'done'"
                      " ORDER BY COALESCE(occurred_at, created_at), id");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    while (db_step(s) == DB_ROW)
        response_signal(db_column_text(s, 0), &sat, &nps);
    db_done(s);
    if (f->satisfaction < 0)
        f->satisfaction = sat;
    if (f->nps < 0)
        f->nps = nps;
    /* checked sum, as in svc_crm_all */
    s = db_prepare(c, "SELECT cost_amount FROM interaction WHERE party_id = ? AND cost_amount IS NOT NULL"
                      " UNION ALL SELECT remedy_cost_amount FROM service_case WHERE party_id = ? AND remedy_cost_amount IS NOT NULL");
    if (!s)
        return -1;
    db_bind_int64(s, 1, id);
    db_bind_int64(s, 2, id);
    money_sum cts = MONEY_SUM_INIT;
    while (db_step(s) == DB_ROW)
        money_sum_add(&cts, db_column_int64(s, 0));
    db_done(s);
    bool held = false;
    f->cost_to_serve = money_sum_value(&cts, &held);
    f->cts_saturated = held;
    return 0;
}
