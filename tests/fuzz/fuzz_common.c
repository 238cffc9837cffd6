/* fuzz_common: see fuzz_common.h. */
#include "fuzz_common.h"
#include "db/db.h"
#include "db/writer.h"
#include "http/auth.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Decodes %XX in place (as MHD_http_unescape does); returns the length. */
static size_t unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        int h, l;
        if (*r == '%' && (h = hexval(r[1])) >= 0 && (l = hexval(r[2])) >= 0) { *w++ = (char)(h * 16 + l); r += 2; }
        else *w++ = *r;
    }
    *w = '\0';
    return (size_t)(w - s);
}

void fake_conn_parse_query(struct fake_conn *c, const char *data, size_t n)
{
    char *text = malloc(n + 1);
    memcpy(text, data, n);
    text[n] = '\0';
    char *save = NULL;
    for (char *part = strtok_r(text, "&", &save); part && c->nquery < FAKE_MAX_KV; part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        const char *value = "";
        if (eq) { *eq = '\0'; value = eq + 1; }
        struct fake_kv *kv = &c->query[c->nquery++];
        kv->key = strdup(part);
        kv->value = strdup(value);
        unescape(kv->key);
        unescape(kv->value);
    }
    free(text);
}

void fake_conn_add_header(struct fake_conn *c, const char *name, const char *value)
{
    if (c->nheaders >= (int)(sizeof c->headers / sizeof c->headers[0])) return;
    c->headers[c->nheaders].key = strdup(name);
    c->headers[c->nheaders].value = strdup(value);
    c->nheaders++;
}

void fake_conn_free(struct fake_conn *c)
{
    for (int i = 0; i < c->nquery; i++) { free(c->query[i].key); free(c->query[i].value); }
    for (int i = 0; i < c->nheaders; i++) { free(c->headers[i].key); free(c->headers[i].value); }
    c->nquery = c->nheaders = 0;
}

static char g_dir[64];

static void remove_db(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[128];
    db_global_close();
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(path, sizeof path, "%s/fuzz.db%s", g_dir, suffixes[i]);
        unlink(path);
    }
    rmdir(g_dir);
}

void fuzz_db_setup(void)
{
    snprintf(g_dir, sizeof g_dir, "/dev/shm/rapport-fuzz-XXXXXX");
    if (!mkdtemp(g_dir)) { snprintf(g_dir, sizeof g_dir, "/tmp/rapport-fuzz-XXXXXX"); if (!mkdtemp(g_dir)) abort(); }
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/fuzz.db", g_dir);
    if (db_global_open(path, true, err, sizeof err) != 0) { fprintf(stderr, "fuzz: %s\n", err); abort(); }
    atexit(remove_db);
    auth_init();
    api_init();
}

int fuzz_resources(const struct resource **out, int cap)
{
    int n = 0;
    for (size_t i = 0; i < routes_count(); i++) {
        const struct resource *r = routes_get(i)->schema;
        if (!r) continue;
        bool seen = false;
        for (int k = 0; k < n; k++) seen |= out[k] == r;
        if (!seen && n < cap) out[n++] = r;
    }
    return n;
}

static int job_seed(db *w, void *arg)
{
    unsigned char tok[32], sess[32];
    crypto_generichash(tok, 32, (const unsigned char *)"rpt_fuzz", 8, NULL, 0);
    crypto_generichash(sess, 32, (const unsigned char *)"fuzzsession", 11, NULL, 0);
    db_stmt *s = db_prepare(w, "INSERT INTO app_user(email, name, role, password_hash, created_at, updated_at) VALUES ('fuzz@example.com', 'Fuzz', 'admin', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
    if (!s || db_step(s) != DB_DONE) { fprintf(stderr, "seed user: %s\n", db_errmsg(w)); return 1; }
    db_done(s);
    int64_t uid = db_last_insert_id(w);
    s = db_prepare(w, "INSERT INTO api_token(user_id, name, token_hash, created_at) VALUES (?, 'fuzz', ?, '2026-01-01T00:00:00Z')");
    db_bind_int64(s, 1, uid);
    db_bind_blob(s, 2, tok, 32);
    if (db_step(s) != DB_DONE) { fprintf(stderr, "seed token: %s\n", db_errmsg(w)); return 1; }
    db_done(s);
    s = db_prepare(w, "INSERT INTO session(id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, 'fuzzcsrf', 0, 9999999999)");
    db_bind_blob(s, 1, sess, 32);
    db_bind_int64(s, 2, uid);
    if (db_step(s) != DB_DONE) { fprintf(stderr, "seed session: %s\n", db_errmsg(w)); return 1; }
    db_done(s);
    s = db_prepare(w, "INSERT INTO party(kind, name, created_at, updated_at) VALUES ('person', '张伟', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
    if (!s || db_step(s) != DB_DONE) { fprintf(stderr, "seed party: %s\n", db_errmsg(w)); return 1; }
    db_done(s);
    *(int64_t *)arg = uid;
    return 0;
}

int64_t fuzz_seed_auth(void)
{
    int64_t uid = 0;
    if (db_write(job_seed, &uid) != 0) abort();
    return uid;
}
