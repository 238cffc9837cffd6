/*
 * bench_store.c — the server's analytics run at scale (bench/analytics).
 *
 * Simulates N_TX transactions of N_CUST customers (default 10,000,000 over
 * 1,000,000; about 5% bought from competitors, 3% without a cost), keeps
 * them in the columnar store (store.h, 24 bytes per transaction) and times:
 *   - recompute: per-party summaries (sc_facts_store) + RFM quintiles,
 *     pyramid and lifecycle with P(alive) (sc_segments), best of 3 — the
 *     figure compared with DuckDB's per-customer count, sum and last date;
 *   - fit: BG/NBD + Gamma-Gamma on all customers (sc_fit), then the values
 *     (sc_values: expected purchases, spend, CLV steps, matrices); the
 *     Pareto/NBD fit is timed by bench_fit;
 *   - with DB_PATH (a database made by `rapport init`): inserts the rows
 *     into its txn table, then times the server's cold load of the store.
 * With CSV_OUT it writes party,day,amount for the DuckDB peer.
 *
 * usage: bench_store [N_TX] [N_CUST] [CSV_OUT|-] [DB_PATH]
 * Output: one "name value unit" line per figure.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/scoring.h"
#include "analytics/service.h"
#include "analytics/store.h"
#include "db/db.h"
#include "lib/timeutil.h"

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* CPU time of the whole process (all threads): what a loaded machine
 * cannot inflate, unlike the wall clock (issue 16 figures). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    size_t n;
    int64_t *party;
    int32_t *day;
    int64_t *amount, *cost;
} rows_t;

/* Customers buy k = 1..2m-1 times (mean m = n_tx / n_cust) while they are
 * active: from a first day in the last three years for an exponential
 * lifetime (mean 300 days, cut at today), like the buy-till-you-die models
 * assume; several purchases may fall on one day. */
static void simulate(size_t n_tx, size_t n_cust, int32_t today, rows_t *r)
{
    r->party = malloc(n_tx * sizeof *r->party);
    r->day = malloc(n_tx * sizeof *r->day);
    r->amount = malloc(n_tx * sizeof *r->amount);
    r->cost = malloc(n_tx * sizeof *r->cost);
    size_t m = n_tx / n_cust, k = 0;
    for (size_t c = 0; c < n_cust && k < n_tx; c++) {
        size_t cnt = c + 1 == n_cust ? n_tx - k : 1 + rnd() % (2 * m - 1);
        if (cnt > n_tx - k)
            cnt = n_tx - k;
        int32_t first = today - 1095 + (int32_t)(rnd() % 1066);
        double life = -300.0 * log(((rnd() >> 11) + 0.5) * 0x1.0p-53);
        int32_t end = first + (int32_t)life;
        if (end > today)
            end = today;
        int64_t level = 2000 + (int64_t)(rnd() % 50000);
        for (size_t j = 0; j < cnt; j++) {
            r->party[k] = (int64_t)c + 1;
            /* first purchase on the first day, the others spread over the lifetime, in order */
            r->day[k] = j == 0 ? first : first + (int32_t)((double)(end - first) * (double)j / (double)cnt);
            r->amount[k] = level / 2 + (int64_t)(rnd() % (uint64_t)level);
            uint64_t u = rnd() % 100;
            r->cost[k] = u < 5 ? AN_COST_COMPETITOR : u < 8 ? AN_COST_UNKNOWN : r->amount[k] * 6 / 10;
            k++;
        }
    }
    r->n = k;
}

static void write_csv(const rows_t *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs("party,day,amount\n", f);
    for (size_t i = 0; i < r->n; i++)
        if (r->cost[i] != AN_COST_COMPETITOR)
            fprintf(f, "%lld,%d,%lld\n", (long long)r->party[i], r->day[i], (long long)r->amount[i]);
    fclose(f);
}

static void fill_db(const rows_t *r, const char *path)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    sqlite3_exec(db, "PRAGMA synchronous=OFF; DROP INDEX IF EXISTS txn_party; DROP INDEX IF EXISTS txn_occurred;"
                     " BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "INSERT INTO txn(party_id, occurred_at, amount, currency, cost, cost_currency, competitor_id,"
                           " created_at, updated_at) VALUES (?, ?, ?, 'CNY', ?, 'CNY', ?, ?, ?)", -1, &s, NULL);
    char ts[32];
    for (size_t i = 0; i < r->n; i++) {
        char d[16];
        date_format((int64_t)r->day[i] * 86400, d);
        snprintf(ts, sizeof ts, "%sT10:00:00Z", d);
        sqlite3_bind_int64(s, 1, r->party[i]);
        sqlite3_bind_text(s, 2, ts, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, r->amount[i]);
        if (r->cost[i] == AN_COST_COMPETITOR || r->cost[i] == AN_COST_UNKNOWN)
            sqlite3_bind_null(s, 4);
        else
            sqlite3_bind_int64(s, 4, r->cost[i]);
        if (r->cost[i] == AN_COST_COMPETITOR)
            sqlite3_bind_int64(s, 5, 1);
        else
            sqlite3_bind_null(s, 5);
        sqlite3_bind_text(s, 6, ts, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 7, ts, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) != SQLITE_DONE) {
            fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
            exit(1);
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    sqlite3_exec(db, "COMMIT; CREATE INDEX txn_party ON txn(party_id, occurred_at);"
                     " CREATE INDEX txn_occurred ON txn(occurred_at, id)", NULL, NULL, NULL);
    sqlite3_close(db);
}

int main(int argc, char **argv)
{
    size_t n_tx = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    size_t n_cust = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    const char *csv = argc > 3 && strcmp(argv[3], "-") ? argv[3] : NULL;
    const char *dbpath = argc > 4 ? argv[4] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int32_t today = (int32_t)(time_now() / 86400);
    rows_t r;
    double t0 = now_s();
    simulate(n_tx, n_cust, today, &r);
    printf("simulate %.3f s (%zu transactions, %zu customers)\n", now_s() - t0, r.n, n_cust);
    if (csv) {
        t0 = now_s();
        write_csv(&r, csv);
        printf("csv_written %.3f s\n", now_s() - t0);
    }
    an_store s;
    an_store_init(&s);
    t0 = now_s();
    for (size_t i = 0; i < r.n; i++)
        if (an_store_append(&s, r.party[i], r.day[i], r.amount[i], r.cost[i])) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
    an_store_finish(&s);
    printf("store_build %.3f s (%zu bytes per transaction)\n", now_s() - t0, an_store_row_bytes(&s) / s.cap);

    sc_config c;
    sc_config_default(&c);
    size_t np = s.nparties;
    sc_facts *facts = malloc(np * sizeof *facts);
    sc_result *res = malloc(np * sizeof *res);
    sc_state st;
    memset(&st, 0, sizeof st);
    st.today = today;
    st.fitted = 1; /* last fitted parameters (CDNOW, per week) */
    st.model = SC_MODEL_BGNBD;
    st.bg = (bgnbd_params){0.2426, 4.4137, 0.7930, 2.4262};
    double best_f = 1e9, best_s = 1e9, best_cpu = 1e9;
    for (int round = 0; round < 3; round++) {
        double c0 = cpu_s();
        t0 = now_s();
        sc_facts_store(&s, today, &c, facts);
        double t1 = now_s();
        sc_segments(&c, np, facts, &st, res);
        double t2 = now_s();
        if (cpu_s() - c0 < best_cpu)
            best_cpu = cpu_s() - c0;
        if (t1 - t0 < best_f)
            best_f = t1 - t0;
        if (t2 - t1 < best_s)
            best_s = t2 - t1;
    }
    printf("recompute_summaries %.3f s\n", best_f);
    printf("recompute_rfm_pyramid_lifecycle %.3f s\n", best_s);
    printf("recompute_total %.3f s\n", best_f + best_s);
    printf("recompute_total_cpu %.3f s (user + system, both threads)\n", best_cpu);
    size_t counts[4] = {0};
    for (size_t p = 0; p < np; p++)
        counts[res[p].tier]++;
    printf("check tiers platinum %zu gold %zu iron %zu lead %zu\n", counts[0], counts[1], counts[2], counts[3]);

    t0 = now_s();
    sc_fit(&c, np, facts, &st);
    double t1 = now_s();
    printf("fit_bgnbd_gg %.3f s (%zu buyers, fitted %d / %d, BG/NBD %d + GG %d passes)\n", t1 - t0, st.buyers, st.fitted,
           st.gg_fitted, st.fit.evaluations, st.gg_fit.evaluations);
    sc_segments(&c, np, facts, &st, res);
    t0 = now_s();
    sc_values(&c, np, facts, &st, res);
    printf("values_expected_spend_clv_matrices %.3f s (%zu CLV steps)\n", now_s() - t0,
           (size_t)ceil(c.clv.horizon_weeks / c.clv.step_weeks));
    free(facts);
    free(res);
    an_store_free(&s);

    if (dbpath) {
        t0 = now_s();
        fill_db(&r, dbpath);
        printf("db_filled %.3f s\n", now_s() - t0);
        char err[256];
        if (db_global_open(dbpath, false, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        t0 = now_s();
        if (an_service_start(false)) {
            fprintf(stderr, "cold load failed\n");
            return 1;
        }
        double wall = now_s() - t0;
        json_t *info = an_store_info();
        printf("cold_load %.3f s (%lld transactions of %lld parties; wall with settings and state %.3f s)\n",
               json_real_value(json_object_get(info, "load_seconds")),
               (long long)json_integer_value(json_object_get(info, "transactions")),
               (long long)json_integer_value(json_object_get(info, "parties")), wall);
        json_decref(info);
        an_service_stop();
        db_global_close();
    }
    free(r.party);
    free(r.day);
    free(r.amount);
    free(r.cost);
    return 0;
}
