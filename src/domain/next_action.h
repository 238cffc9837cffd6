/* next_action: the next best action for a customer (issue 20, DOMAIN D4,
 * D8) — the one thing to do now and why, decided from what is known of
 * the customer: the strategy of its segment (D4: please and lock in /
 * care and follow up / adapt / spend nothing), its lifecycle stage, its
 * contact plan (an overdue contact, the days since the last contact
 * against the plan's rhythm), a fall of P(alive) since the last purchase,
 * an open case, an upcoming occasion (a birthday, a key date: an
 * anniversary is a greeting, a maturity a notice). The decision (next_action_decide) is
 * a pure function, unit-tested; next_action_facts reads the facts of a
 * party (next_action.c). The reasons are message ids with params
 * ("nba.reason.<id>") that the UI renders in either language. */
#ifndef RAPPORT_NEXT_ACTION_H
#define RAPPORT_NEXT_ACTION_H
#include "db/db.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct nba_facts {
    int64_t party_id;
    char name[201];
    char tier[16], strategy[16], lifecycle[16];  /* "" when not scored */
    double p_alive;                              /* < 0 when unknown */
    double p_alive_at_purchase;                  /* just after the last purchase; < 0 when unknown */
    int64_t repeat_purchases;                    /* -1 when not scored */
    int64_t clv;                                 /* minor units; 0 when unknown */
    char currency[8];
    char last_purchase[11];                      /* "" when none */
    int days_since_contact;                      /* -1: never contacted */
    /* The earliest open planned contact of a contact plan, if any. */
    bool planned;
    bool planned_overdue;
    int64_t planned_id;
    char planned_due[21], planned_channel[16], plan_name[201];
    int plan_every_days;
    int open_cases;                              /* open service cases (new, open, waiting) */
    int64_t open_case_id;                        /* the oldest of them, or 0 */
    /* The next occasion of the party within the look-ahead, if any: its
     * birthday (solar or lunar) or one of its key dates (an anniversary,
     * a maturity …), the earliest. */
    char occasion_date[11];                      /* "" when none */
    const char *occasion_kind;                   /* "birthday" / "lunar_birthday" / "key_date" */
    int occasion_in_days;
    char occasion_title[201];                    /* a key date's title */
    bool occasion_maturity;                      /* a key date of kind maturity */
};

/* The decision: {"party_id", "party_name", "action", "channel", "when",
 * "message": {"message", "params"}, "reasons": [{"message", "params"}],
 * "value_at_stake", "currency", "interaction_id"} (a new object). */
json_t *next_action_decide(const struct nba_facts *f);
/* Reads the facts of party id as of today ("YYYY-MM-DD") as user u may see
 * them (its key dates within u's read scope of key dates; NULL: all). 0, or
 * -1 when the party does not exist (or on a storage error). */
struct auth_user;
int next_action_facts(db *c, const struct auth_user *u, int64_t id, const char *today, struct nba_facts *f);
#endif
