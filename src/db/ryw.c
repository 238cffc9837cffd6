/* ryw: read-your-writes marks (ryw.h). */
#include "db/ryw.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Up to 8 users per statement, each size's text built once so that the
 * statement is prepared once per connection (db_prepare's cache is keyed by
 * the text's address): a batch of one user's write costs one round trip
 * more before its COMMIT, not a PREPARE too. */
#define MARKS_PER_STATEMENT 8
static char g_sql[MARKS_PER_STATEMENT + 1][512];
static pthread_once_t g_sql_once = PTHREAD_ONCE_INIT;

static void build_sql(void)
{
    for (size_t n = 1; n <= MARKS_PER_STATEMENT; n++) {
        strbuf sb;
        sb_init(&sb, sizeof g_sql[n]);
        sb_puts(&sb, "INSERT INTO ryw_mark (user_id, writes) VALUES ");
        for (size_t i = 0; i < n; i++) sb_puts(&sb, i ? ", (?, 1)" : "(?, 1)");
        sb_puts(&sb, " ON CONFLICT (user_id) DO UPDATE SET writes = ryw_mark.writes + 1");
        if (!sb.failed && strlen(sb_str(&sb)) < sizeof g_sql[n]) memcpy(g_sql[n], sb_str(&sb), strlen(sb_str(&sb)) + 1);
        sb_free(&sb);
    }
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int ryw_mark_writes(db *w, const int64_t *users, size_t n)
{
    if (n == 0) return 0;
    pthread_once(&g_sql_once, build_sql);
    int64_t *ids = malloc(n * sizeof *ids);
    if (!ids) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (users[i] > 0) ids[k++] = users[i];
    /* distinct: ON CONFLICT DO UPDATE may not touch a row twice in one statement */
    qsort(ids, k, sizeof *ids, cmp_id);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || ids[m - 1] != ids[i]) ids[m++] = ids[i];
    int rc = 0;
    for (size_t at = 0; at < m && rc == 0; at += MARKS_PER_STATEMENT) {
        size_t cnt = m - at < MARKS_PER_STATEMENT ? m - at : MARKS_PER_STATEMENT;
        db_stmt *s = g_sql[cnt][0] ? db_prepare(w, g_sql[cnt]) : NULL;
        if (!s) { rc = -1; break; }
        for (size_t i = 0; i < cnt; i++) db_bind_int64(s, (int)i + 1, ids[at + i]);
        if (at + cnt == m) {
            /* the last: in the COMMIT's round trip (the writer commits next) */
            rc = db_step_at_commit(s);
        } else {
            if (db_step(s) != DB_DONE) rc = -1;
            db_done(s);
        }
    }
    free(ids);
    if (rc) log_error("read-your-writes marks not written: %s (the user's reads may see the replica's lag)", db_errmsg(w));
    return rc;
}

/* The user's count of writes on c: >= 0, or -1 when it cannot be read. */
static int64_t marks_of(db *c, int64_t user)
{
    db_stmt *s = db_prepare(c, "SELECT writes FROM ryw_mark WHERE user_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, user);
    int rc = db_step(s);
    int64_t v = rc == DB_ROW ? db_column_int64(s, 0) : rc == DB_DONE ? 0 : -1;
    db_done(s);
    return v;
}

/* The count this thread last saw on its replica connection, per user (one
 * slot per user id modulo the table): that server's replay only moves on,
 * so a replica that held that many of the user's writes still does, and a
 * GET whose primary count is not above it needs no question there. Kept
 * per connection (db_serial), not per process: a reconnection may reach
 * another standby behind the same name, further behind. */
#define SEEN_SLOTS 256
static _Thread_local struct { int64_t user, writes; } t_seen[SEEN_SLOTS];
static _Thread_local uint64_t t_seen_conn;

static bool seen_at_least(db *replica, int64_t user, int64_t writes)
{
    if (t_seen_conn != db_serial(replica)) {
        memset(t_seen, 0, sizeof t_seen);
        t_seen_conn = db_serial(replica);
        return false;
    }
    size_t k = (size_t)((uint64_t)user % SEEN_SLOTS);
    return t_seen[k].user == user && t_seen[k].writes >= writes;
}

static void seen_note(int64_t user, int64_t writes)
{
    size_t k = (size_t)((uint64_t)user % SEEN_SLOTS);
    t_seen[k].user = user;
    t_seen[k].writes = writes;
}

bool ryw_route_to_replica(int64_t user, int64_t writes)
{
    /* On PostgreSQL the request's read transaction on the primary (the
     * router's, begun before authentication) has a snapshot of this
     * request's: it holds every write committed before the request came. */
    db *primary = db_reader();
    if (!primary) return false;
    int64_t need = writes >= 0 ? writes : marks_of(primary, user);
    if (need < 0) return false;
    if (!db_reader_replica(true)) return false;
    db *replica = db_reader();
    if (need == 0 || seen_at_least(replica, user, need)) return true;
    /* the first statement of the replica's read transaction: its snapshot,
     * or an older one than what the handler reads next (replay only moves on) */
    int64_t have = marks_of(replica, user);
    if (have < need) {
        db_reader_replica(false);
        return false;
    }
    seen_note(user, have);
    return true;
}
