/*
 * service_refresh.c — the background refresh of changed parties: the queue
 * an_touch_party fills, the thread that reloads each queued party's rows
 * into the store and recomputes its scores against the last run's state,
 * and an_flush.
 */
#include "analytics/service.h"
#include "analytics/service_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/resource.h"
#include "db/writer.h"
#include "lib/log.h"

#define AN_REFRESH_DELAY_US 20000 /* gather the parties of a burst of writes */

struct refresh {
    int64_t *ids;
    size_t n;
};

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Reloads one party's rows through the writer connection (it sees the
 * committed state) into the store; returns the number of rows or -1. */
static long reload_party(db *w, int64_t id, const char *currency)
{
    size_t n = 0, cap = 16;
    int32_t *day = malloc(cap * sizeof *day);
    int64_t *amount = malloc(cap * sizeof *amount), *cost = malloc(cap * sizeof *cost);
    long out = -1;
    db_stmt *s = db_prepare(w, "SELECT occurred_at, amount, cost, competitor_id FROM txn WHERE party_id = ? AND currency = ?");
    if (!s || !day || !amount || !cost)
        goto done;
    db_bind_int64(s, 1, id);
    db_bind_text(s, 2, currency);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int32_t d;
        if (svc_day_of(db_column_text(s, 0), &d))
            continue;
        if (n == cap) {
            cap *= 2;
            int32_t *d2 = realloc(day, cap * sizeof *d2);
            if (d2) day = d2;
            int64_t *a2 = realloc(amount, cap * sizeof *a2);
            if (a2) amount = a2;
            int64_t *c2 = realloc(cost, cap * sizeof *c2);
            if (c2) cost = c2;
            if (!d2 || !a2 || !c2) { rc = DB_ERROR; break; }
        }
        day[n] = d;
        amount[n] = db_column_int64(s, 1);
        cost[n] = svc_row_cost(s, 2, 3);
        n++;
    }
    db_done(s);
    if (rc != DB_DONE)
        goto done;
    pthread_mutex_lock(&svc_g.mu);
    int r = an_store_replace(&svc_g.store, id, n, day, amount, cost);
    pthread_mutex_unlock(&svc_g.mu);
    if (r == 0)
        out = (long)n;
done:
    free(day);
    free(amount);
    free(cost);
    return out;
}

static int job_refresh(db *w, void *arg)
{
    struct refresh *rf = arg;
    char now[21];
    now_text(now);
    pthread_mutex_lock(&svc_g.mu);
    sc_config cfg = svc_g.cfg;
    sc_state st = svc_g.st;
    bool have = svc_g.have_state;
    char currency[8];
    snprintf(currency, sizeof currency, "%s", svc_g.store_currency);
    pthread_mutex_unlock(&svc_g.mu);
    st.today = svc_today_day();
    for (size_t i = 0; i < rf->n; i++) {
        int64_t id = rf->ids[i];
        if (i > 0 && id == rf->ids[i - 1])
            continue;
        long rows = reload_party(w, id, currency);
        if (rows < 0)
            return 1;
        if (!have)
            continue;
        sc_facts f;
        int gone = svc_crm_one(w, id, &f);
        if (gone < 0)
            return 1;
        if (gone || rows == 0) {
            if (svc_score_delete(w, id))
                return 1;
            continue;
        }
        pthread_mutex_lock(&svc_g.mu);
        int64_t p = an_store_party(&svc_g.store, id, 0);
        an_rows r = an_store_rows(&svc_g.store, (size_t)p);
        sc_facts_rows(&r, st.today, &cfg, &f);
        pthread_mutex_unlock(&svc_g.mu);
        sc_result res;
        sc_score_one(&cfg, &st, &f, &res);
        if (svc_score_store(w, 0, now, &cfg, &st, id, &f, &res))
            return 1;
    }
    return 0;
}

void *svc_refresh_main(void *arg)
{
    pthread_mutex_lock(&svc_g.mu);
    for (;;) {
        while ((svc_g.npending == 0 || svc_g.running) && !svc_g.stopping)
            pthread_cond_wait(&svc_g.work, &svc_g.mu);
        if (svc_g.npending == 0 && svc_g.stopping)
            break;
        svc_g.busy = true;
        pthread_mutex_unlock(&svc_g.mu);
        usleep(AN_REFRESH_DELAY_US);
        pthread_mutex_lock(&svc_g.mu);
        struct refresh rf = {svc_g.pending, svc_g.npending};
        svc_g.pending = NULL;
        svc_g.npending = svc_g.cap = 0;
        pthread_mutex_unlock(&svc_g.mu);
        qsort(rf.ids, rf.n, sizeof *rf.ids, cmp_id);
        int rc = db_write(job_refresh, &rf);
        if (rc)
            log_warn("analytics: refreshing %zu parties failed (%d); the next run recomputes them", rf.n, rc);
        free(rf.ids);
        pthread_mutex_lock(&svc_g.mu);
        svc_g.busy = false;
        pthread_cond_broadcast(&svc_g.idle);
    }
    pthread_mutex_unlock(&svc_g.mu);
    return NULL;
}

void an_touch_party(int64_t party_id)
{
    pthread_mutex_lock(&svc_g.mu);
    if (svc_g.thread_on && !svc_g.stopping) {
        if (svc_g.npending == svc_g.cap) {
            size_t cap = svc_g.cap ? 2 * svc_g.cap : 64;
            int64_t *p = realloc(svc_g.pending, cap * sizeof *p);
            if (p) {
                svc_g.pending = p;
                svc_g.cap = cap;
            }
        }
        if (svc_g.npending < svc_g.cap)
            svc_g.pending[svc_g.npending++] = party_id;
        pthread_cond_signal(&svc_g.work);
    }
    pthread_mutex_unlock(&svc_g.mu);
}

void an_flush(void)
{
    pthread_mutex_lock(&svc_g.mu);
    while (svc_g.thread_on && (svc_g.npending || svc_g.busy) && !svc_g.running)
        pthread_cond_wait(&svc_g.idle, &svc_g.mu);
    pthread_mutex_unlock(&svc_g.mu);
}
