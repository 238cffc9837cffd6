/* events: the event feed's table, its subscribers and the follower thread
 * (see events.h). */
#include "records/events.h"
#include "api/resource.h"
#include "db/writer.h"
#include "lib/log.h"
#include "lib/timeutil.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SUBS 32

struct tx_sub { const char *type; event_tx_fn fn; };
struct follower { const char *name, *type; event_follow_fn fn; void *ctx; };

static struct tx_sub g_tx[MAX_SUBS];
static int g_ntx;
static struct follower g_follow[MAX_SUBS];
static int g_nfollow;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_caught_cv = PTHREAD_COND_INITIALIZER;   /* the follower caught up once more */
static pthread_t g_thread;
static bool g_running, g_stop, g_kicked;
static int64_t g_after;                 /* the last event the followers saw */
static int g_appended;                  /* events appended since the last commit hook */

void actor_text(const struct actor *a, char *out, size_t cap)
{
    if (a->user_id > 0) snprintf(out, cap, "user:%lld", (long long)a->user_id);
    else snprintf(out, cap, "system:%s", a->system ? a->system : "unknown");
}

void events_subscribe_tx(const char *type, event_tx_fn fn)
{
    if (g_ntx < MAX_SUBS) g_tx[g_ntx++] = (struct tx_sub){type, fn};
    else log_warn("events: too many in-transaction subscribers; %s not added", type ? type : "(all)");
}

void events_follow(const char *name, const char *type, event_follow_fn fn, void *ctx)
{
    pthread_mutex_lock(&g_mu);
    if (g_nfollow < MAX_SUBS) g_follow[g_nfollow++] = (struct follower){name, type, fn, ctx};
    else log_warn("events: too many followers; %s not added", name);
    pthread_mutex_unlock(&g_mu);
}

int events_append(db *w, struct rec_event *ev)
{
    char now[21];
    if (!ev->at) { now_text(now); ev->at = now; }
    db_stmt *s = db_prepare(w, "INSERT INTO event(at, type, record_id, action, fields, actor, party_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!s) return -1;
    char *fields = ev->fields ? json_dumps(ev->fields, JSON_COMPACT) : NULL;
    db_bind_text(s, 1, ev->at);
    db_bind_text(s, 2, ev->type);
    if (ev->record_id) db_bind_int64(s, 3, ev->record_id); else db_bind_null(s, 3);
    db_bind_text(s, 4, ev->action);
    db_bind_text(s, 5, fields);
    db_bind_text(s, 6, ev->actor ? ev->actor : "system:unknown");
    if (ev->party_id) db_bind_int64(s, 7, ev->party_id); else db_bind_null(s, 7);
    int rc = db_step(s);
    db_done(s);
    free(fields);
    if (ev->at == now) ev->at = NULL;
    if (rc != DB_DONE) return -1;
    ev->id = db_last_insert_id(w);
    __atomic_store_n(&g_appended, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < g_ntx; i++)
        if ((!g_tx[i].type || !strcmp(g_tx[i].type, ev->type)) && g_tx[i].fn(w, ev) != 0) return -1;
    return 0;
}

int64_t events_last_id(db *c)
{
    int64_t id = 0;
    db_stmt *s = db_prepare(c, "SELECT max(id) FROM event");
    if (s && db_step(s) == DB_ROW) id = db_column_int64(s, 0);
    db_done(s);
    return id;
}

int events_deliver(db *c, int64_t *after, int limit)
{
    db_stmt *s = db_prepare(c, "SELECT id, at, type, record_id, action, fields, actor, party_id FROM event WHERE id > ? ORDER BY id LIMIT ?");
    if (!s) return -1;
    db_bind_int64(s, 1, *after);
    db_bind_int64(s, 2, limit);
    int n = 0;
    while (db_step(s) == DB_ROW) {
        json_t *fields = db_column_text(s, 5) ? json_loads(db_column_text(s, 5), 0, NULL) : NULL;
        struct rec_event ev = {
            .id = db_column_int64(s, 0), .at = db_column_text(s, 1), .type = db_column_text(s, 2),
            .record_id = db_column_int64(s, 3), .action = db_column_text(s, 4), .fields = fields,
            .actor = db_column_text(s, 6), .party_id = db_column_int64(s, 7),
        };
        pthread_mutex_lock(&g_mu);
        int nf = g_nfollow;
        pthread_mutex_unlock(&g_mu);
        for (int i = 0; i < nf; i++)
            if (!g_follow[i].type || !strcmp(g_follow[i].type, ev.type)) g_follow[i].fn(&ev, g_follow[i].ctx);
        json_decref(fields);
        *after = ev.id;
        n++;
    }
    db_done(s);
    return n;
}

static int poll_ms(void)
{
    const char *e = getenv("RAPPORT_EVENT_POLL_MS");
    long v = e ? strtol(e, NULL, 10) : 0;
    return v >= 5 && v <= 60000 ? (int)v : 200;
}

static void *follower_thread(void *arg)
{
    pthread_mutex_lock(&g_mu);
    while (!g_stop) {
        g_kicked = false;
        pthread_mutex_unlock(&g_mu);
        db *c = db_reader();
        int n;
        /* Deliver in pages until caught up; a page ends its statement, so the
         * reader never pins the WAL for long. */
        while (c && (n = events_deliver(c, &g_after, 500)) == 500) {}
        db_reader_release();
        pthread_mutex_lock(&g_mu);
        pthread_cond_broadcast(&g_caught_cv);
        if (g_stop || g_kicked) continue;
        struct timespec until = deadline_after_ms(poll_ms());
        pthread_cond_timedwait(&g_cv, &g_mu, &until);
    }
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

/* The writer committed a batch: if it held events, follow them now. (A
 * rolled-back batch wakes the followers for nothing; they find no rows.) */
static void after_commit(void)
{
    if (__atomic_exchange_n(&g_appended, 0, __ATOMIC_ACQ_REL)) events_kick();
}

int events_start(void)
{
    writer_on_commit(after_commit);
    db *c = db_reader();
    g_after = c ? events_last_id(c) : 0;
    db_reader_release();
    g_stop = false;
    if (pthread_create(&g_thread, NULL, follower_thread, NULL) != 0) return -1;
    g_running = true;
    return 0;
}

void events_stop(void)
{
    writer_on_commit(NULL);
    if (!g_running) return;
    pthread_mutex_lock(&g_mu);
    g_stop = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_running = false;
}

int events_sync(int timeout_ms)
{
    if (!g_running) return 0;
    db *c = db_reader();
    int64_t target = c ? events_last_id(c) : 0;
    db_reader_release();
    struct timespec until = deadline_after_ms(timeout_ms);
    pthread_mutex_lock(&g_mu);
    g_kicked = true;
    pthread_cond_broadcast(&g_cv);
    while (__atomic_load_n(&g_after, __ATOMIC_ACQUIRE) < target && !g_stop)
        if (pthread_cond_timedwait(&g_caught_cv, &g_mu, &until) == ETIMEDOUT) break;
    bool caught = __atomic_load_n(&g_after, __ATOMIC_ACQUIRE) >= target;
    pthread_mutex_unlock(&g_mu);
    return caught ? 0 : -1;
}

void events_kick(void)
{
    pthread_mutex_lock(&g_mu);
    g_kicked = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}
