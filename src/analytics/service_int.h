/*
 * service_int.h — private to the analytics service (service*.c): the
 * process state its files share and the functions one of them calls in
 * another. Nothing outside src/analytics/service*.c includes it; the
 * service's interface is service.h.
 *
 * The files and what each owns:
 *   service.c          the process state, day helpers, the cold load of the
 *                      store, start / stop
 *   service_settings.c the "analytics.*" settings and the config they give
 *   service_json.c     a run's state as JSON (analytics_run.state) and back,
 *                      the holdout validation's answer
 *   service_facts.c    CRM facts: cost to serve, survey answers, assets,
 *                      prospect score
 *   service_persist.c  storing one party's scores (score, score_history,
 *                      audit rows) and its deflated explanation
 *   service_refresh.c  the background refresh of changed parties
 *   service_runs.c     runs (an_run)
 *   service_answers.c  the JSON answers of the API
 */
#ifndef RAPPORT_ANALYTICS_SERVICE_INT_H
#define RAPPORT_ANALYTICS_SERVICE_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "analytics/scoring.h"
#include "analytics/store.h"
#include "db/db.h"

#define AN_REPLICA_WAIT_MS 2000 /* how long a load waits for the read replica to catch up */

/* The process state (service.c). mu guards every member; work wakes the
 * refresh thread, idle tells a run or an_flush that it has finished. */
struct svc_process {
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    an_store store;
    char store_currency[8];
    sc_config cfg;
    char currency[8];
    sc_state st;
    bool have_state, started, thread_on, stopping, running, busy;
    pthread_t thread;
    int64_t *pending;
    size_t npending, cap;
    double load_seconds;
};
extern struct svc_process svc_g;

/* service.c */
double svc_now_seconds(void);
int32_t svc_today_day(void);
/* Day of an ISO text "YYYY-MM-DD..." (UTC): 0, or -1 when it is none. */
int svc_day_of(const char *s, int32_t *day);
/* "YYYY-MM-DD" of a day into out; returns out. */
const char *svc_day_text(int32_t day, char out[11]);
/* The store's cost of a txn row: its cost, or the competitor / unknown marks. */
int64_t svc_row_cost(db_stmt *s, int cost_col, int comp_col);
/* Replaces the store with the transactions in currency; 0 or -1. Called
 * with svc_g.mu held, or before the refresh thread starts. */
int svc_store_load(db *c, const char *currency);

/* service_settings.c: the config of the stored settings (defaults where
 * unset), the currency analysed and the holdout weeks (holdout_weeks may
 * be NULL). */
void svc_config_load(db *c, sc_config *cfg, char currency[8], int *holdout_weeks);

/* service_json.c */
json_t *svc_validation_json(const an_store *store, const unsigned char *dead, double amount_scale, int model,
                            int holdout_weeks, int32_t today);
json_t *svc_state_json(const sc_state *st);
/* Sets svc_g.st and svc_g.have_state from the last finished run, if any. */
void svc_state_load(db *c);

/* service_facts.c */
int svc_crm_all(db *c, sc_facts *facts, unsigned char *dead);
int svc_crm_one(db *c, int64_t id, sc_facts *f);

/* service_persist.c */
int svc_score_store(db *w, int64_t run_id, const char *now, const sc_config *c, const sc_state *st, int64_t id,
                    const sc_facts *f, const sc_result *r);
int svc_score_delete(db *w, int64_t id);
/* The explanation object of column col (caller owns; {} when none). */
json_t *svc_explanation_load(db_stmt *s, int col);

/* service_refresh.c: the refresh thread's body. */
void *svc_refresh_main(void *arg);

#endif
