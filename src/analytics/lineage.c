/* lineage.c — the inputs of every figure of the analytics answers, and
 * their redaction (see lineage.h; the answers are built in service_answers.c). */
#include "analytics/lineage.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const struct an_input_field an_input_fields[] = {
    {AN_IN_AMOUNT, "transactions", "amount"},
    {AN_IN_COST, "transactions", "cost"},
    {AN_IN_SERVICE_COST, "interactions", "cost"},
    {AN_IN_SERVICE_COST, "cases", "remedy_cost"},   /* complaint remedies add to the cost to serve */
    {AN_IN_CUSTOM, "parties", "custom"},
    {AN_IN_RESPONSE, "interactions", "response"},
    {0, NULL, NULL},
};

enum { A = AN_IN_AMOUNT, C = AN_IN_COST, S = AN_IN_SERVICE_COST, CU = AN_IN_CUSTOM, R = AN_IN_RESPONSE,
       BASE = AN_IN_BASE,
       /* net profit = revenue - cost (a missing cost estimated from the
        * amount) - cost to serve */
       NET = A | C | S };

struct figure {
    const char *answer, *path;
    unsigned inputs;
};

/* Paths are dotted member names of the answers (docs/API.md). An entry
 * with members below it (summary.revenue under summary) makes its object a
 * container whose members are looked up one by one; an entry without is a
 * leaf, kept or removed whole (a label object with its explanation). */
static const struct figure figures[] = {
    /* GET /parties/{id}/scores */
    {"scores", "party_id", 0},
    {"scores", "scored", 0},
    {"scores", "computed_at", 0},
    {"scores", "run_id", 0},
    {"scores", "currency", 0},
    {"scores", "summary.first_purchase", 0},
    {"scores", "summary.last_purchase", 0},
    {"scores", "summary.transactions", 0},
    {"scores", "summary.repeat_purchases", 0},
    {"scores", "summary.recency_days", 0},
    {"scores", "summary.tenure_days", 0},
    {"scores", "summary.revenue", A},
    {"scores", "summary.cost", A | C},
    {"scores", "summary.profit", A | C},
    {"scores", "summary.cost_to_serve", S},
    {"scores", "summary.net_profit", NET},
    {"scores", "summary.mean_spend", A},
    {"scores", "summary.competitor_amount", A},
    {"scores", "summary.competitor_share", A},
    {"scores", "summary.saturated", NET},
    {"scores", "summary.explanation", NET},
    {"scores", "rfm", A},                   /* M is mean spend */
    {"scores", "tier", NET},                /* pyramid by net profit */
    {"scores", "model.p_alive", 0},
    {"scores", "model.expected_purchases", 0},
    {"scores", "model.expected_spend", A},
    {"scores", "model.horizon_weeks", 0},
    {"scores", "model.explanation", A},
    {"scores", "clv.historical", NET},      /* = net profit */
    {"scores", "clv.current", A},           /* expected purchases x spend x margin (a setting) */
    {"scores", "clv.potential", A},
    {"scores", "clv.total", NET},           /* total - current - potential = historical */
    {"scores", "clv.explanation", NET},
    {"scores", "value_quadrant", A},        /* current x potential */
    {"scores", "future_matrix", NET},       /* historical x future */
    {"scores", "profit_matrix", NET},       /* profit x cost to serve */
    {"scores", "lifecycle", 0},             /* purchase days */
    {"scores", "loyalty", 0},
    {"scores", "behaviour", CU | R},
    {"scores", "strategy", NET},            /* of the tier */
    {"scores", "priority", A},              /* recent revenue x potential */
    {"scores", "prospect_score", CU},
    {"scores", "service_tier", CU},         /* assets */
    /* history entries by the label they move (score_history.field) */
    {"scores", "history.tier", NET},
    {"scores", "history.lifecycle", 0},
    {"scores", "history.rfm_segment", A},
    {"scores", "history.value_quadrant", A},
    {"scores", "history.strategy", NET},
    {"scores", "history.priority", A},
    {"scores", "history.loyalty", 0},
    {"scores", "history.behaviour", CU | R},
    /* GET /analytics/summary: counts and totals over the user's read scope */
    {"summary", "counts.tier", NET},
    {"summary", "counts.lifecycle", 0},
    {"summary", "counts.rfm_segment", A},
    {"summary", "counts.value_quadrant", A},
    {"summary", "counts.strategy", NET},
    {"summary", "counts.priority", A},
    {"summary", "counts.loyalty", 0},
    {"summary", "counts.behaviour", CU | R},
    {"summary", "counts.future_matrix", NET},
    {"summary", "counts.profit_matrix", NET},
    {"summary", "counts.service_tier", CU},
    {"summary", "parties", 0},
    {"summary", "buyers", 0},
    {"summary", "customer_equity.total", NET},
    {"summary", "customer_equity.historical", NET},
    {"summary", "customer_equity.current", A},
    {"summary", "customer_equity.potential", A},
    {"summary", "revenue", A},
    {"summary", "net_profit", NET},
    {"summary", "mean_p_alive", 0},
    {"summary", "saturated", A},
    {"summary", "computed_at", 0},
    {"summary", "last_score_update", 0},
    {"summary", "currency", 0},
    {"summary", "scope", 0},
    /* the last run and the population model: whole-base facts */
    {"summary", "run.id", 0},
    {"summary", "run.started_at", 0},
    {"summary", "run.finished_at", 0},
    {"summary", "run.result.run_id", 0},
    {"summary", "run.result.started_at", 0},
    {"summary", "run.result.parties", BASE},
    {"summary", "run.result.buyers", BASE},
    {"summary", "run.result.transactions", BASE},
    {"summary", "run.result.seconds", 0},
    /* Holdout validation: counts of purchase days (amounts only say which
     * rows are purchases), over the whole base. */
    {"summary", "run.result.validation", A | BASE},
    {"summary", "model.as_of", 0},
    {"summary", "model.today", 0},
    {"summary", "model.model", 0},
    {"summary", "model.fitted", 0},
    {"summary", "model.params", 0},
    {"summary", "model.fit.log_likelihood", BASE},
    {"summary", "model.fit.n", BASE},
    {"summary", "model.fit.groups", BASE},
    {"summary", "model.fit.evaluations", 0},
    {"summary", "model.fit.nlopt_status", 0},
    {"summary", "model.fit.at_boundary", BASE},
    {"summary", "model.gg_fitted", 0},
    {"summary", "model.gg", A},
    {"summary", "model.gg_fit.log_likelihood", A | BASE},
    {"summary", "model.gg_fit.n", BASE},
    {"summary", "model.gg_fit.groups", BASE},
    {"summary", "model.gg_fit.evaluations", 0},
    {"summary", "model.gg_fit.nlopt_status", 0},
    {"summary", "model.gg_fit.at_boundary", A | BASE},
    {"summary", "model.buyers", BASE},
    {"summary", "model.rfm_cuts", A},
    {"summary", "model.tier_cuts", NET},
    {"summary", "model.cuts.current", A},
    {"summary", "model.cuts.potential", A},
    {"summary", "model.cuts.history", NET},
    {"summary", "model.cuts.future", A},
    {"summary", "model.cuts.profit", A | C},
    {"summary", "model.cuts.cost", S},
    {"summary", "model.cuts.revenue", A},
    {"summary", "model.cuts.ka_potential", A},
    {"summary", "store.transactions", BASE},
    {"summary", "store.parties", BASE},
    {"summary", "store.load_seconds", 0},
    {"summary", "store.bytes_per_transaction", 0},
    {"summary", "store.memory_bytes", BASE},
    {"summary", "store.currency", 0},
};
#define NFIGURES (sizeof figures / sizeof figures[0])

/* The explanation pair of an object goes with the "explanation" entry. */
static const char *canonical(const char *name)
{
    return !strcmp(name, "explanation_message") ? "explanation" : name;
}

/* -1: path is a container (declared members below it); otherwise its
 * inputs (AN_IN_ALL when undeclared). */
static long lookup(const char *answer, const char *path)
{
    size_t n = strlen(path);
    long found = AN_IN_ALL;
    for (size_t i = 0; i < NFIGURES; i++) {
        if (strcmp(figures[i].answer, answer)) continue;
        const char *p = figures[i].path;
        if (!strncmp(p, path, n) && p[n] == '.') return -1;
        if (!strcmp(p, path)) found = (long)figures[i].inputs;
    }
    return found;
}

unsigned an_lineage(const char *answer, const char *path)
{
    long v = lookup(answer, path);
    return v < 0 ? 0 : (unsigned)v;
}

static void explain_hidden(json_t *o, const char *key, unsigned hidden)
{
    bool costs = hidden & (AN_IN_COST | AN_IN_SERVICE_COST);
    json_object_set_new(o, "explanation", json_string(costs ? "hidden: needs access to transaction costs"
                                                            : "hidden: needs access to the fields it quotes"));
    json_object_set_new(o, "explanation_message", json_pack("{s:s, s:s, s:{}}", "key", key, "message",
                                                            costs ? "hidden.costs" : "hidden.fields", "params"));
}

static void redact_object(const char *answer, json_t *o, const char *prefix, unsigned hidden)
{
    const char *name;
    json_t *v;
    void *tmp;
    bool hide_explanation = false;
    json_object_foreach_safe(o, tmp, name, v) {
        char path[160];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", canonical(name));
        long inputs = lookup(answer, path);
        if (inputs < 0) {
            if (json_is_object(v)) redact_object(answer, v, path, hidden);
            continue;
        }
        if (!((unsigned)inputs & hidden)) continue;
        if (!strcmp(canonical(name), "explanation")) hide_explanation = true;
        else json_object_del(o, name);
    }
    /* An object that stays keeps an explanation, the "hidden" one: the UI
     * shows that something is withheld rather than nothing. */
    if (hide_explanation) {
        const char *dot = strrchr(prefix, '.');
        explain_hidden(o, dot ? dot + 1 : prefix, hidden);
    }
}

void an_redact(const char *answer, json_t *o, unsigned hidden)
{
    if (!hidden || !json_is_object(o)) return;
    json_t *hist = json_object_get(o, "history");
    if (!strcmp(answer, "scores") && json_is_array(hist)) {
        /* moves of a hidden label are hidden with it */
        for (size_t i = json_array_size(hist); i-- > 0;) {
            char path[96];
            const char *field = json_string_value(json_object_get(json_array_get(hist, i), "field"));
            snprintf(path, sizeof path, "history.%s", field ? field : "");
            if (an_lineage(answer, path) & hidden) json_array_remove(hist, i);
        }
        json_incref(hist);
        json_object_del(o, "history");
        redact_object(answer, o, "", hidden);
        json_object_set_new(o, "history", hist);
        return;
    }
    redact_object(answer, o, "", hidden);
}
