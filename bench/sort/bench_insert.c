/* bench_insert: what migration 005 costs a write. Inserts N parties (names
 * mixing Chinese and Latin) into two databases in the same process, in
 * batches of 1,000 per transaction, alternating: "keys" has the schema of
 * migration 005 (name_key filled by the trigger, index (name_key, id)),
 * "peer" the same database with the triggers and the key index dropped and
 * the old index (name, id) back — the write path before; "inline" writes
 * the key in the INSERT itself (collation_key(?1)), as the record engine's
 * statements do, so the trigger only checks it. Prints the thread CPU time
 * per 1,000 inserts of each (CPU time: the machine is shared). */
#include "db/db.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static db *make(const char *path, int peer)
{
    char err[256] = "";
    unlink(path);
    db *d = db_open(path, true, err, sizeof err);
    if (!d || db_migrate(d, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); exit(1); }
    if (peer && db_exec(d, "DROP TRIGGER party_name_key_insert; DROP TRIGGER party_name_key_update; "
                           "DROP INDEX party_name_key; CREATE INDEX party_name ON party(name, id)") != 0) {
        fprintf(stderr, "%s\n", db_errmsg(d));
        exit(1);
    }
    return d;
}

static const char *const sur[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "Smith ", "García ", "Müller "};
static const char *const giv[] = {"伟", "芳", "娜", "秀英", "敏", "静", "强", "磊", "Anna", "bob", "Zoë", "李明"};

static double batch(db *d, int first, int n, int inline_key)
{
    double t = cpu_now();
    db_begin_write(d);
    for (int i = first; i < first + n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s%d", sur[(unsigned)i * 7919u % 13], giv[(unsigned)i * 104729u % 12], i % 97);
        db_stmt *s = inline_key ? db_prepare(d, "INSERT INTO party(kind, name, created_at, updated_at, name_key) "
                                                "VALUES ('person', ?1, ?, ?, collation_key(?1))")
                                : db_prepare(d, "INSERT INTO party(kind, name, created_at, updated_at) VALUES ('person', ?, ?, ?)");
        db_bind_text(s, 1, name);
        db_bind_text(s, 2, "2026-01-01T00:00:00Z");
        db_bind_text(s, 3, "2026-01-01T00:00:00Z");
        if (db_step(s) != DB_DONE) { fprintf(stderr, "%s\n", db_errmsg(d)); exit(1); }
        db_done(s);
    }
    db_commit(d);
    return cpu_now() - t;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/bench_keys.db", dir);
    snprintf(b, sizeof b, "%s/bench_peer.db", dir);
    char c[512];
    snprintf(c, sizeof c, "%s/bench_inline.db", dir);
    db *keys = make(a, 0), *peer = make(b, 1), *inl = make(c, 0);
    db_exec(keys, "PRAGMA synchronous=OFF");
    db_exec(peer, "PRAGMA synchronous=OFF");
    db_exec(inl, "PRAGMA synchronous=OFF");
    double tk = 0, tp = 0, ti = 0;
    for (int i = 0; i < n; i += 1000) {
        tp += batch(peer, i, 1000, 0);
        tk += batch(keys, i, 1000, 0);
        ti += batch(inl, i, 1000, 1);
    }
    double per = 1000.0 / (n / 1000);
    printf("  %d inserts, CPU ms per 1,000: peer (before 005) %.1f; key made by the trigger %.1f (%.2fx); "
           "key in the INSERT as the record engine writes it %.1f (%.2fx)\n",
           n, tp * per, tk * per, tk / tp, ti * per, ti / tp);
    db_close(keys);
    db_close(peer);
    db_close(inl);
    unlink(a); unlink(b); unlink(c);
    return 0;
}
