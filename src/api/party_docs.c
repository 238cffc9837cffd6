/* party_docs: fills in the stored GET documents of parties that have none
 * (table party_doc, migration 007), on a background thread of the server, a
 * batch of parties per write transaction.
 *
 * Every write of a party stores its document in the same transaction
 * (party_reindex), and the triggers of migration 007 remove the document of
 * a row changed any other way; what is left without one is a database
 * written before this version, rows changed by another process or a
 * migration, and all of them after the record's fields change. For that last case the
 * documents carry a format: a digest of the party fields' names and types
 * with PARTY_DOC_VERSION (raise it when row_write writes a field another
 * way), kept in setting 'party.doc_format'; on a mismatch every document is
 * cleared first. Until its document is back, a party is read from its
 * columns, as before: nothing waits for this pass. */
#include "api/api.h"
#include "api/party_docs.h"
#include "db/writer.h"
#include "db/setting.h"
#include "lib/log.h"
#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define PARTY_DOC_VERSION 1
#define BATCH 500

static pthread_t g_thread;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;   /* starting, kicking, stopping */
static bool g_service;           /* the server runs passes (party_docs_start .. stop) */
static bool g_running, g_filling, g_again;
static bool g_stop;
static long g_filled;
static int g_deferred;           /* imports running: they leave documents to a pass */

void party_doc_format(char out[PARTY_DOC_FORMAT_CHARS])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 16);
    for (int i = 0; i < party_resource.nfields; i++) {
        const struct field *f = &party_resource.fields[i];
        crypto_generichash_update(&st, (const unsigned char *)f->name, strlen(f->name) + 1);
        unsigned char type = (unsigned char)f->type;
        crypto_generichash_update(&st, &type, 1);
    }
    unsigned char digest[16];
    crypto_generichash_final(&st, digest, sizeof digest);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    snprintf(out, PARTY_DOC_FORMAT_CHARS, "%d:%s", PARTY_DOC_VERSION, hex);
}

static int check_format(db *w, void *arg)
{
    (void)arg;
    char want[PARTY_DOC_FORMAT_CHARS];
    party_doc_format(want);
    db_stmt *s = db_prepare(w, "SELECT value FROM setting WHERE key = 'party.doc_format'");
    if (!s) return -1;
    bool had = db_step(s) == DB_ROW && db_column_text(s, 0);
    bool same = had && strcmp(db_column_text(s, 0), want) == 0;
    db_done(s);
    if (same) return 0;
    if (had) log_info("party documents: the party fields changed (format %s), clearing the stored documents", want);
    if (db_exec(w, "DELETE FROM party_doc") != 0) return -1;
    return setting_put(w, "party.doc_format", want);
}

struct batch { int64_t ids[BATCH]; int n; };

static int fill_batch(db *w, void *arg)
{
    struct batch *b = arg;
    for (int i = 0; i < b->n; i++)
        if (res_store_doc(w, &party_resource, b->ids[i])) return -1;
    return 0;
}

static int next_batch(db *c, int64_t after, struct batch *b)
{
    if (db_begin_read(c) != 0) return -1;
    db_stmt *s = db_prepare(c, "SELECT id FROM party p WHERE id > ? AND deleted_at IS NULL"
                               " AND NOT EXISTS (SELECT 1 FROM party_doc d WHERE d.party_id = p.id) ORDER BY id LIMIT ?");
    if (!s) { db_rollback(c); return -1; }
    db_bind_int64(s, 1, after);
    db_bind_int64(s, 2, BATCH);
    b->n = 0;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) b->ids[b->n++] = db_column_int64(s, 0);
    db_done(s);
    db_rollback(c);
    return rc == DB_DONE ? 0 : -1;
}

static void *fill_main(void *arg)
{
    (void)arg;
    static struct batch b;
    int64_t after = 0;
    /* A connection of its own with a small page cache, closed at the end:
     * the pass reads the party table once, in order, and a reader's 2 MB
     * cache would stay in the server's memory after it. */
    char err[256] = "";
    db *c = db_open(db_path(), false, err, sizeof err);
    if (!c || db_cache_size(c, 256) != 0) {
        log_warn("party documents: %s", err[0] ? err : "cannot open a connection");
        db_close(c);
        __atomic_store_n(&g_filling, false, __ATOMIC_RELEASE);
        return NULL;
    }
    long filled = 0;
    bool ended = false;   /* the pass ran out of work and said so under the lock */
    while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
        if (next_batch(c, after, &b) != 0) { log_warn("party documents: cannot read the parties to fill"); break; }
        if (b.n == 0) {
            /* A kick during the pass: parties behind it may have lost theirs.
             * The pass ends under the lock, so a kick either finds it
             * running (and it goes round again) or finds it ended (and
             * starts another, joining this thread with the lock held: from
             * here on the thread must not take the lock again). */
            pthread_mutex_lock(&g_mu);
            bool again = g_again;
            g_again = false;
            if (!again) __atomic_store_n(&g_filling, false, __ATOMIC_RELEASE);
            pthread_mutex_unlock(&g_mu);
            if (!again) { ended = true; break; }
            after = 0;
            continue;
        }
        if (db_write(fill_batch, &b) != 0) { log_warn("party documents: a batch failed; its parties are read from their columns"); break; }
        __atomic_add_fetch(&g_filled, b.n, __ATOMIC_RELAXED);
        filled += b.n;
        after = b.ids[b.n - 1];
    }
    if (!ended) {   /* stopped, or a failure: a kick meanwhile found the pass running */
        pthread_mutex_lock(&g_mu);
        __atomic_store_n(&g_filling, false, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&g_mu);
    }
    if (filled) log_info("party documents: %ld filled in", filled);
    db_close(c);
    malloc_trim(0);   /* what the pass freed goes back to the system, not to this thread's arena */
    return NULL;
}

int party_docs_check_format(void) { return db_write(check_format, NULL) == 0 ? 0 : -1; }

/* With g_mu held. */
static int start_pass(void)
{
    if (g_running && !party_docs_filling()) { pthread_join(g_thread, NULL); g_running = false; }
    if (g_running) { g_again = true; return 0; }
    __atomic_store_n(&g_stop, false, __ATOMIC_RELEASE);
    __atomic_store_n(&g_filling, true, __ATOMIC_RELEASE);
    if (pthread_create(&g_thread, NULL, fill_main, NULL) != 0) { __atomic_store_n(&g_filling, false, __ATOMIC_RELEASE); return -1; }
    g_running = true;
    return 0;
}

int party_docs_start(void)
{
    pthread_mutex_lock(&g_mu);
    g_service = true;
    g_filled = 0;
    int rc = start_pass();
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void party_docs_kick(void)
{
    pthread_mutex_lock(&g_mu);
    if (g_service && start_pass() != 0) log_warn("party documents: cannot start a pass; parties are read from their columns");
    pthread_mutex_unlock(&g_mu);
}

void party_docs_stop(void)
{
    /* Joined outside the lock: the pass takes it when it runs out of work. */
    pthread_mutex_lock(&g_mu);
    g_service = false;
    bool running = g_running;
    g_running = false;
    __atomic_store_n(&g_stop, true, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_mu);
    if (running) pthread_join(g_thread, NULL);
}

void party_docs_defer(bool on) { __atomic_add_fetch(&g_deferred, on ? 1 : -1, __ATOMIC_ACQ_REL); }
bool party_docs_deferred(void) { return __atomic_load_n(&g_deferred, __ATOMIC_ACQUIRE) > 0; }

long party_docs_filled(void) { return __atomic_load_n(&g_filled, __ATOMIC_RELAXED); }
bool party_docs_filling(void) { return __atomic_load_n(&g_filling, __ATOMIC_ACQUIRE); }
