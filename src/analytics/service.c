/*
 * service.c — the analytics service's process state (see service_int.h):
 * the columnar store and the last run's state under one mutex, the day
 * helpers of the service's files, the store's cold load, and start / stop
 * (service.h). The service's other concerns are in service_*.c.
 */
#include "analytics/service.h"
#include "analytics/service_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/timeutil.h"

/* ---- process state ---- */

struct svc_process svc_g = {
    .mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

double svc_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int32_t svc_today_day(void)
{
    return (int32_t)(time_now() / 86400);
}

/* Day of an ISO text "YYYY-MM-DD..." (UTC). */
int svc_day_of(const char *s, int32_t *day)
{
    if (!s)
        return -1;
    int v[8];
    static const int pos[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++) {
        char ch = s[pos[i]];
        if (ch < '0' || ch > '9')
            return -1;
        v[i] = ch - '0';
        if (i < 7 && !s[pos[i] + 1])
            return -1;
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    *day = (int32_t)days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

const char *svc_day_text(int32_t day, char out[11])
{
    date_format((int64_t)day * 86400, out);
    return out;
}

int64_t svc_row_cost(db_stmt *s, int cost_col, int comp_col)
{
    if (db_column_type(s, comp_col) != DB_NULL)
        return AN_COST_COMPETITOR;
    if (db_column_type(s, cost_col) == DB_NULL)
        return AN_COST_UNKNOWN;
    return db_column_int64(s, cost_col);
}

int svc_store_load(db *c, const char *currency)
{
    double t0 = svc_now_seconds();
    an_store_free(&svc_g.store);
    /* Streamed: millions of rows, each appended once and not kept. */
    db_stmt *s = db_prepare_stream(c, "SELECT party_id, occurred_at, amount, cost, competitor_id FROM txn WHERE currency = ?");
    if (!s)
        return -1;
    db_bind_text(s, 1, currency);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int32_t day;
        if (svc_day_of(db_column_text(s, 1), &day))
            continue;
        if (an_store_append(&svc_g.store, db_column_int64(s, 0), day, db_column_int64(s, 2), svc_row_cost(s, 3, 4))) {
            rc = DB_ERROR;
            break;
        }
    }
    db_done(s);
    if (rc != DB_DONE || an_store_finish(&svc_g.store))
        return -1;
    snprintf(svc_g.store_currency, sizeof svc_g.store_currency, "%s", currency);
    svc_g.load_seconds = svc_now_seconds() - t0;
    return 0;
}

/* ---- start / stop ---- */

int an_service_start(bool background)
{
    /* The cold load reads every transaction: from the read replica when
     * there is one and it has replayed every commit made before now (the
     * store then follows the feed from the primary's newest event, as it
     * does after a load from the primary). */
    bool replica = db_reader_replica_synced(AN_REPLICA_WAIT_MS);
    db *c = db_reader();
    if (!c)
        return -1;
    svc_config_load(c, &svc_g.cfg, svc_g.currency, NULL);
    int rc = svc_store_load(c, svc_g.currency);
    if (rc && replica) {
        /* a standby may cancel a long read that conflicts with its replay
         * (max_standby_streaming_delay): the primary loads it then */
        log_warn("analytics: loading from the read replica failed (%s); loading from the primary", db_errmsg(c));
        db_reader_replica(false);
        replica = false;
        c = db_reader();
        rc = c ? svc_store_load(c, svc_g.currency) : -1;
    }
    if (rc) {
        log_error("analytics: cannot load the transactions: %s", db_errmsg(c));
        return -1;
    }
    svc_state_load(c);
    if (replica) {
        db_reader_replica(false);
        log_info("analytics: the transactions were loaded from the read replica");
    }
    svc_g.started = true;
    if (background) {
        log_info("analytics: %zu transactions of %zu parties loaded in %.3f s (%zu bytes of rows, %zu of index)",
                 an_store_count(&svc_g.store), svc_g.store.nparties, svc_g.load_seconds, an_store_row_bytes(&svc_g.store),
                 an_store_party_bytes(&svc_g.store));
        svc_g.stopping = false;
        if (pthread_create(&svc_g.thread, NULL, svc_refresh_main, NULL) != 0)
            return -1;
        svc_g.thread_on = true;
    }
    return 0;
}

void an_service_stop(void)
{
    if (svc_g.thread_on) {
        pthread_mutex_lock(&svc_g.mu);
        svc_g.stopping = true;
        pthread_cond_broadcast(&svc_g.work);
        pthread_mutex_unlock(&svc_g.mu);
        pthread_join(svc_g.thread, NULL);
        svc_g.thread_on = false;
    }
    free(svc_g.pending);
    svc_g.pending = NULL;
    svc_g.npending = svc_g.cap = 0;
    an_store_free(&svc_g.store);
    svc_g.started = false;
    svc_g.have_state = false;
}

json_t *an_store_info(void)
{
    pthread_mutex_lock(&svc_g.mu);
    size_t n = an_store_count(&svc_g.store);
    json_t *o = json_pack("{s:I, s:I, s:f, s:I, s:I, s:s}", "transactions", (json_int_t)n, "parties",
                          (json_int_t)svc_g.store.nparties, "load_seconds", svc_g.load_seconds, "bytes_per_transaction",
                          (json_int_t)AN_STORE_ROW_BYTES, "memory_bytes",
                          (json_int_t)(an_store_row_bytes(&svc_g.store) + an_store_party_bytes(&svc_g.store)), "currency",
                          svc_g.store_currency);
    pthread_mutex_unlock(&svc_g.mu);
    return o;
}
