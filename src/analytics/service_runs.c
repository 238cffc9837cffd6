/*
 * service_runs.c — a run (an_run): the store's compaction, every party's
 * facts, the model fits, the population cuts and labels, the optional
 * holdout validation, the scores stored in chunks, and the run's row in
 * analytics_run.
 */
#include "analytics/service.h"
#include "analytics/service_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/resource.h"
#include "db/writer.h"

#define AN_WRITE_CHUNK 2000

struct write_chunk {
    int64_t run_id;
    const char *now;
    const sc_config *c;
    const sc_state *st;
    const sc_facts *facts;
    const sc_result *res;
    const unsigned char *dead;
    size_t lo, hi;
};

static int job_write_chunk(db *w, void *arg)
{
    struct write_chunk *k = arg;
    for (size_t p = k->lo; p < k->hi; p++) {
        int64_t id = an_store_party_id(&svc_g.store, p);
        int rc = k->dead[p] || k->facts[p].transactions + (k->facts[p].competitor_amount != 0) == 0
                     ? svc_score_delete(w, id)
                     : svc_score_store(w, k->run_id, k->now, k->c, k->st, id, &k->facts[p], &k->res[p]);
        if (rc)
            return 1;
    }
    return 0;
}

struct run_row {
    int64_t id;
    const char *now;
    json_t *state, *result;
    const char *status;
    long parties, transactions;
};

static int job_run_begin(db *w, void *arg)
{
    struct run_row *r = arg;
    db_stmt *s = db_prepare(w, "INSERT INTO analytics_run(started_at, status) VALUES (?, 'running')");
    if (!s)
        return 1;
    db_bind_text(s, 1, r->now);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE)
        return 1;
    r->id = db_last_insert_id(w);
    return 0;
}

static int job_run_end(db *w, void *arg)
{
    struct run_row *r = arg;
    /* Parties deleted since: their scores go. */
    if (db_exec(w, "DELETE FROM score WHERE party_id IN (SELECT id FROM party WHERE deleted_at IS NOT NULL)"))
        return 1;
    db_stmt *s = db_prepare(w, "UPDATE analytics_run SET finished_at = ?, status = ?, parties = ?, transactions = ?,"
                               " state = ?, result = ? WHERE id = ?");
    if (!s)
        return 1;
    char now[21];
    now_text(now);
    char *st = r->state ? json_dumps(r->state, JSON_COMPACT) : NULL;
    char *res = r->result ? json_dumps(r->result, JSON_COMPACT) : NULL;
    db_bind_text(s, 1, now);
    db_bind_text(s, 2, r->status);
    db_bind_int64(s, 3, r->parties);
    db_bind_int64(s, 4, r->transactions);
    db_bind_text(s, 5, st);
    db_bind_text(s, 6, res);
    db_bind_int64(s, 7, r->id);
    int rc = db_step(s);
    db_done(s);
    free(st);
    free(res);
    return rc == DB_DONE ? 0 : 1;
}

int an_run(an_progress_fn progress, void *pctx, json_t **result, char *err, size_t errlen)
{
    *result = NULL;
    pthread_mutex_lock(&svc_g.mu);
    if (svc_g.running) {
        pthread_mutex_unlock(&svc_g.mu);
        snprintf(err, errlen, "a run is in progress");
        return 1;
    }
    svc_g.running = true;
    while (svc_g.busy)
        pthread_cond_wait(&svc_g.idle, &svc_g.mu);
    pthread_mutex_unlock(&svc_g.mu);

    int ret = -1;
    sc_facts *facts = NULL;
    sc_result *res = NULL;
    unsigned char *dead = NULL;
    struct run_row row = {0};
    char now[21];
    now_text(now);
    row.now = now;
    db *c = db_reader();
    sc_config cfg;
    char currency[8];
    int holdout;
    svc_config_load(c, &cfg, currency, &holdout);
    double t0 = svc_now_seconds(), t_load = 0;
    if (!svc_g.started || strcmp(currency, svc_g.store_currency) != 0) {
        /* a reload in another currency: from the replica as at the start */
        bool replica = db_reader_replica_synced(AN_REPLICA_WAIT_MS);
        pthread_mutex_lock(&svc_g.mu);
        int rc = svc_store_load(db_reader(), currency);
        if (replica) {
            db_reader_replica(false);
            if (rc) /* as at the start: the primary loads it */
                rc = svc_store_load(db_reader(), currency);
        }
        pthread_mutex_unlock(&svc_g.mu);
        if (rc) {
            snprintf(err, errlen, "cannot load the transactions");
            goto done;
        }
        t_load = svc_g.load_seconds;
        svc_g.started = true;
    }
    if (db_write(job_run_begin, &row)) {
        snprintf(err, errlen, "cannot record the run");
        goto done;
    }
    double t1 = svc_now_seconds();
    pthread_mutex_lock(&svc_g.mu);
    int crc = an_store_compact(&svc_g.store);
    pthread_mutex_unlock(&svc_g.mu);
    size_t n = svc_g.store.nparties;
    facts = malloc((n ? n : 1) * sizeof *facts);
    res = malloc((n ? n : 1) * sizeof *res);
    dead = calloc(n ? n : 1, 1);
    if (crc || !facts || !res || !dead) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    sc_state st;
    memset(&st, 0, sizeof st);
    st.today = svc_today_day();
    if (progress) progress(pctx, "summaries", 0, 1);
    sc_facts_store(&svc_g.store, st.today, &cfg, facts);
    double t2 = svc_now_seconds();
    if (svc_crm_all(c, facts, dead)) {
        snprintf(err, errlen, "cannot read interactions: %s", db_errmsg(c));
        goto done;
    }
    for (size_t p = 0; p < n; p++)
        if (dead[p]) {
            memset(&facts[p], 0, sizeof facts[p]);
            facts[p].first_day = facts[p].last_day = INT32_MIN;
            sc_facts_crm_clear(&facts[p]);
        }
    double t3 = svc_now_seconds();
    if (progress) progress(pctx, "fit", 0, 1);
    if (sc_fit(&cfg, n, facts, &st) != AN_OK) {
        snprintf(err, errlen, "out of memory in the model fit");
        goto done;
    }
    double t4 = svc_now_seconds();
    if (progress) progress(pctx, "scores", 0, 1);
    if (sc_segments(&cfg, n, facts, &st, res) != AN_OK || sc_values(&cfg, n, facts, &st, res) != AN_OK) {
        snprintf(err, errlen, "out of memory computing the scores");
        goto done;
    }
    double t5 = svc_now_seconds();
    json_t *validation = NULL;
    if (holdout > 0) {
        if (progress) progress(pctx, "validation", 0, 1);
        pthread_mutex_lock(&svc_g.mu);
        validation = svc_validation_json(&svc_g.store, dead, cfg.amount_scale, cfg.model, holdout, st.today);
        pthread_mutex_unlock(&svc_g.mu);
    }
    double t5v = svc_now_seconds();
    for (size_t lo = 0; lo < n; lo += AN_WRITE_CHUNK) {
        struct write_chunk k = {row.id, now, &cfg, &st, facts, res, dead, lo, lo + AN_WRITE_CHUNK < n ? lo + AN_WRITE_CHUNK : n};
        if (db_write(job_write_chunk, &k)) {
            snprintf(err, errlen, "cannot store the scores");
            goto done;
        }
        if (progress) progress(pctx, "store", (long)k.hi, (long)n);
    }
    if (progress && n == 0) progress(pctx, "store", 0, 0);
    double t6 = svc_now_seconds();
    size_t ntx = 0, scored = 0;
    for (size_t p = 0; p < n; p++) {
        ntx += (size_t)facts[p].transactions;
        scored += !dead[p] && facts[p].transactions + (facts[p].competitor_amount != 0) > 0;
    }
    row.parties = (long)scored;
    row.transactions = (long)ntx;
    row.state = svc_state_json(&st);
    row.result = json_pack("{s:I, s:s, s:I, s:I, s:I, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}}", "run_id",
                           (json_int_t)row.id, "started_at", now, "parties", (json_int_t)scored, "buyers",
                           (json_int_t)st.buyers, "transactions", (json_int_t)ntx, "seconds", "load", t_load,
                           "summaries", t2 - t1, "crm", t3 - t2, "fit", t4 - t3, "scores", t5 - t4, "store", t6 - t5v,
                           "total", svc_now_seconds() - t0);
    json_object_set_new(json_object_get(row.result, "seconds"), "validation", json_real(t5v - t5));
    /* null when holdout_weeks is 0: the answer always has the member. */
    json_object_set_new(row.result, "validation", validation ? validation : json_null());
    validation = NULL;
    row.status = "done";
    if (db_write(job_run_end, &row)) {
        snprintf(err, errlen, "cannot record the run");
        goto done;
    }
    json_object_set(row.result, "model", row.state);
    *result = json_incref(row.result);
    pthread_mutex_lock(&svc_g.mu);
    svc_g.cfg = cfg;
    snprintf(svc_g.currency, sizeof svc_g.currency, "%s", currency);
    svc_g.st = st;
    svc_g.have_state = true;
    pthread_mutex_unlock(&svc_g.mu);
    ret = 0;
done:
    if (ret && row.id) {
        row.status = "failed";
        row.result = json_pack("{s:s}", "error", err);
        db_write(job_run_end, &row);
    }
    json_decref(row.state);
    json_decref(row.result);
    free(facts);
    free(res);
    free(dead);
    pthread_mutex_lock(&svc_g.mu);
    svc_g.running = false;
    pthread_cond_broadcast(&svc_g.work);
    pthread_cond_broadcast(&svc_g.idle);
    pthread_mutex_unlock(&svc_g.mu);
    return ret;
}
