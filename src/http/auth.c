/* auth: passwords, sessions, API tokens, login throttling (see auth.h). */
#include "http/auth.h"
#include "db/snapshot.h"
#include "lib/log.h"
#include "lib/textcheck.h"
#include "lib/timeutil.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* argon2id cost: one of OWASP's equivalent settings (9 MiB, 4 passes; as
 * strong as 12 MiB with 3 or 19 MiB with 2, at the same memory-time cost).
 * The memory is what a login briefly adds to the server's, so the
 * smaller-memory setting keeps a login inside the 64 MB budget. Hashes made
 * with other settings still verify: the parameters travel in the hash. */
#define PW_OPSLIMIT 4
#define PW_MEMLIMIT (9u << 20)
#define SESSION_SECONDS (12 * 3600)

int auth_init(void)
{
    if (sodium_init() < 0) return -1;
    return 0;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_LEN])
{
    return crypto_pwhash_str_alg(out, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

bool password_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT, PW_MEMLIMIT) != 0;
}

bool password_verify(const char *hash, const char *pw)
{
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

const char *password_problem(const char *pw)
{
    if (!utf8_valid(pw, strlen(pw))) return "password must be valid UTF-8 text";
    size_t n = utf8_length(pw);
    if (n < 8) return "password must have at least 8 characters";
    if (n > 128) return "password must have at most 128 characters";
    return NULL;
}

bool secret_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na != nb) return false;
    return sodium_memcmp(a, b, na) == 0;
}

static void random_secret(const char *prefix, char out[SECRET_TEXT_LEN])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    size_t np = strlen(prefix);
    memcpy(out, prefix, np);
    sodium_bin2base64(out + np, SECRET_TEXT_LEN - np, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void secret_digest(const char *secret, unsigned char out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

int session_create(db *w, int64_t user_id, char cookie[SECRET_TEXT_LEN], char csrf[SECRET_TEXT_LEN])
{
    random_secret("", cookie);
    random_secret("", csrf);
    unsigned char digest[32];
    secret_digest(cookie, digest);
    int64_t now = time_now();
    db_stmt *s = db_prepare(w, "INSERT INTO session(id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_blob(s, 1, digest, sizeof digest);
    db_bind_int64(s, 2, user_id);
    db_bind_text(s, 3, csrf);
    db_bind_int64(s, 4, now);
    db_bind_int64(s, 5, now + SESSION_SECONDS);
    int rc = db_step(s);
    db_done(s);
    /* Expired sessions are swept here rather than by a timer: logins are rare. */
    db_stmt *sweep = db_prepare(w, "DELETE FROM session WHERE expires_at < ?");
    if (sweep) { db_bind_int64(sweep, 1, now); db_step(sweep); db_done(sweep); }
    return rc == DB_DONE ? 0 : -1;
}

int session_delete(db *w, const char *cookie)
{
    unsigned char digest[32];
    secret_digest(cookie, digest);
    db_stmt *s = db_prepare(w, "DELETE FROM session WHERE id_hash = ?");
    if (!s) return -1;
    db_bind_blob(s, 1, digest, sizeof digest);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

int token_create(db *w, int64_t user_id, const char *name, char token[SECRET_TEXT_LEN], int64_t *id)
{
    random_secret("rpt_", token);
    unsigned char digest[32];
    secret_digest(token, digest);
    char now[21];
    time_format(time_now(), now);
    db_stmt *s = db_prepare(w, "INSERT INTO api_token(user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)");
    if (!s) return -1;
    db_bind_int64(s, 1, user_id);
    db_bind_text(s, 2, name ? name : "");
    db_bind_blob(s, 3, digest, sizeof digest);
    db_bind_text(s, 4, now);
    int rc = db_step(s);
    db_done(s);
    *id = db_last_insert_id(w);
    return rc == DB_DONE ? 0 : -1;
}

int credentials_end(db *w, int64_t user_id)
{
    char now[21];
    time_format(time_now(), now);
    db_stmt *s = db_prepare(w, "DELETE FROM session WHERE user_id = ?");
    if (!s) return -1;
    db_bind_int64(s, 1, user_id);
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) return -1;
    /* Revoked, not left to the user's disabled flag: re-enabling the user
     * must not bring old tokens back. */
    s = db_prepare(w, "UPDATE api_token SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL");
    if (!s) return -1;
    db_bind_text(s, 1, now);
    db_bind_int64(s, 2, user_id);
    rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

static void fill_user(db_stmt *s, int first, struct auth_user *u)
{
    u->id = db_column_int64(s, first);
    snprintf(u->email, sizeof u->email, "%s", db_column_text(s, first + 1));
    snprintf(u->name, sizeof u->name, "%s", db_column_text(s, first + 2));
    snprintf(u->role, sizeof u->role, "%s", db_column_text(s, first + 3));
    u->team_id = db_column_type(s, first + 4) == DB_NULL ? 0 : db_column_int64(s, first + 4);
}

int user_lookup(db *c, const char *email, struct auth_user *u, char hash[PASSWORD_HASH_LEN], bool *disabled)
{
    db_stmt *s = db_prepare(c, "SELECT id, email, name, role, team_id, password_hash, disabled FROM app_user WHERE email = ?");
    if (!s) return -1;
    db_bind_text(s, 1, email);
    int rc = -1;
    if (db_step(s) == DB_ROW) {
        fill_user(s, 0, u);
        snprintf(hash, PASSWORD_HASH_LEN, "%s", db_column_text(s, 5));
        *disabled = db_column_int64(s, 6) != 0;
        rc = 0;
    }
    db_done(s);
    return rc;
}

/* The last tokens a thread authenticated, with the database version they
 * were read at: while nothing has been committed since (data_version is
 * unchanged on the same connection), the token, its user and their role are
 * exactly as read, so a read-only load skips the lookup. Any commit — a
 * revocation, a disabled user, but also any other write — makes every memo
 * stale, so a revoked token never outlives the commit that revoked it. */
#define TOKEN_MEMOS 4
struct token_memo {
    char token[SECRET_TEXT_LEN];   /* the token as sent: a hit costs no hashing */
    size_t len;
    uint64_t conn; /* db_serial of the connection read */
    int64_t version;
    struct auth_user user;
};
static _Thread_local struct token_memo t_memo[TOKEN_MEMOS];
static _Thread_local unsigned t_memo_next;

static enum auth_result auth_bearer(struct req *rq, const char *token)
{
    db *c = db_reader();
    /* Only reads use the memo: they run in one read transaction, whose
     * snapshot the version names (a kept snapshot's epoch, or else SQLite's
     * data_version; the top bit keeps the two apart); a write request would
     * pay for the version query and, with commits all around it, seldom
     * find a memo. */
    uint64_t epoch = snap_epoch(c);
    int64_t version = epoch ? (int64_t)(epoch | (UINT64_C(1) << 62)) : db_in_transaction(c) ? db_data_version(c) : -1;
    size_t len = strlen(token);
    for (int i = 0; version >= 0 && len < SECRET_TEXT_LEN && i < TOKEN_MEMOS; i++) {
        struct token_memo *m = &t_memo[i];
        if (m->conn == db_serial(c) && m->version == version && m->len == len && sodium_memcmp(m->token, token, len) == 0) {
            rq->user = m->user;
            return AUTH_OK;
        }
    }
    unsigned char digest[32];
    secret_digest(token, digest);
    /* with a read replica the user's count of writes comes in the same
     * round trip (read-your-writes, db/ryw.h) */
    bool ryw = db_replica_configured();
    db_stmt *s = db_prepare(c, ryw ?
        "SELECT u.id, u.email, u.name, u.role, u.team_id, t.id, COALESCE(m.writes, 0) FROM api_token t"
        " JOIN app_user u ON u.id = t.user_id LEFT JOIN ryw_mark m ON m.user_id = u.id"
        " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0" :
        "SELECT u.id, u.email, u.name, u.role, u.team_id, t.id FROM api_token t"
        " JOIN app_user u ON u.id = t.user_id"
        " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled = 0");
    if (!s) return AUTH_INVALID;
    db_bind_blob(s, 1, digest, sizeof digest);
    enum auth_result r = AUTH_INVALID;
    if (db_step(s) == DB_ROW) {
        fill_user(s, 0, &rq->user);
        rq->user.token_id = db_column_int64(s, 5);
        rq->user.ryw_known = ryw;
        rq->user.ryw_writes = ryw ? db_column_int64(s, 6) : 0;
        rq->user.via_cookie = false;
        r = AUTH_OK;
    }
    db_done(s);
    if (r == AUTH_OK && version >= 0 && len < SECRET_TEXT_LEN) {
        struct token_memo *m = &t_memo[t_memo_next++ % TOKEN_MEMOS];
        memcpy(m->token, token, len);
        m->len = len;
        m->conn = db_serial(c);
        m->version = version;
        m->user = rq->user;
    }
    return r;
}

static enum auth_result auth_cookie(struct req *rq, const char *cookie, char csrf[SECRET_TEXT_LEN])
{
    db *c = db_reader();
    unsigned char digest[32];
    secret_digest(cookie, digest);
    bool ryw = db_replica_configured();   /* as in auth_bearer */
    db_stmt *s = db_prepare(c, ryw ?
        "SELECT u.id, u.email, u.name, u.role, u.team_id, s.csrf, COALESCE(m.writes, 0) FROM session s"
        " JOIN app_user u ON u.id = s.user_id LEFT JOIN ryw_mark m ON m.user_id = u.id"
        " WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0" :
        "SELECT u.id, u.email, u.name, u.role, u.team_id, s.csrf FROM session s"
        " JOIN app_user u ON u.id = s.user_id"
        " WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled = 0");
    if (!s) return AUTH_INVALID;
    db_bind_blob(s, 1, digest, sizeof digest);
    db_bind_int64(s, 2, time_now());
    enum auth_result r = AUTH_INVALID;
    if (db_step(s) == DB_ROW) {
        fill_user(s, 0, &rq->user);
        rq->user.ryw_known = ryw;
        rq->user.ryw_writes = ryw ? db_column_int64(s, 6) : 0;
        if (csrf) snprintf(csrf, SECRET_TEXT_LEN, "%s", db_column_text(s, 5));
        rq->user.via_cookie = true;
        r = AUTH_OK;
    }
    db_done(s);
    return r;
}

enum auth_result auth_authenticate(struct req *rq, char csrf[SECRET_TEXT_LEN])
{
    const char *h = req_header(rq, "Authorization");
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0 || strlen(h + 7) >= SECRET_TEXT_LEN) return AUTH_INVALID;
        return auth_bearer(rq, h + 7);
    }
    const char *cookie = req_cookie(rq, SESSION_COOKIE);
    if (cookie) {
        if (strlen(cookie) >= SECRET_TEXT_LEN) return AUTH_INVALID;
        return auth_cookie(rq, cookie, csrf);
    }
    return AUTH_NONE;
}

/* Throttling: recent failures keyed by account and by address, kept in
 * the table login_throttle so that every server on the database counts the
 * same failures (a second server used to allow its own five). Per
 * account+address, 5 failures in 15 minutes throttle that pair only, so an
 * attacker elsewhere cannot lock the real user out; per address, 50
 * failures throttle the address. Each key is its own row, found by the whole
 * key: no key can reset or evict another's count. A row whose window has
 * passed counts nothing and is swept at the next failure. */
#define WINDOW 900

static void throttle_keys(const char *email, const char *addr, char k1[300], char k2[300])
{
    snprintf(k1, 300, "a:%s|%s", email, addr);
    snprintf(k2, 300, "i:%s", addr);
}

bool login_throttled(db *r, const char *email, const char *addr, int *retry_after)
{
    char k1[300], k2[300];
    throttle_keys(email, addr, k1, k2);
    int64_t now = time_now(), first = 0;
    bool out = false;
    db_stmt *s = db_prepare(r, "SELECT throttle_key, fails, first_at FROM login_throttle WHERE throttle_key IN (?, ?) AND first_at >= ?");
    if (!s) {
        /* Unreadable counts: refuse rather than let an attempt through uncounted. */
        *retry_after = 60;
        return true;
    }
    db_bind_text(s, 1, k1);
    db_bind_text(s, 2, k2);
    db_bind_int64(s, 3, now - WINDOW);
    while (db_step(s) == DB_ROW) {
        const char *k = db_column_text(s, 0);
        int64_t fails = db_column_int64(s, 1), at = db_column_int64(s, 2);
        if (fails >= (k && k[0] == 'a' ? 5 : 50) && (!out || at < first)) { out = true; first = at; }
    }
    db_done(s);
    *retry_after = out ? (int)(first + WINDOW - now) : 0;
    if (*retry_after < 1) *retry_after = 1;
    return out;
}

/* One failure more for key; a spent window starts again at now. */
static int throttle_fail(db *w, const char *key, int64_t now)
{
    db_stmt *s = db_prepare(w, "INSERT INTO login_throttle(throttle_key, fails, first_at) VALUES (?, 1, ?) "
                               "ON CONFLICT (throttle_key) DO UPDATE SET "
                               "fails = CASE WHEN login_throttle.first_at < ? THEN 1 ELSE login_throttle.fails + 1 END, "
                               "first_at = CASE WHEN login_throttle.first_at < ? THEN excluded.first_at ELSE login_throttle.first_at END");
    if (!s) return -1;
    db_bind_text(s, 1, key);
    db_bind_int64(s, 2, now);
    db_bind_int64(s, 3, now - WINDOW);
    db_bind_int64(s, 4, now - WINDOW);
    int rc = db_step(s);
    db_done(s);
    return rc == DB_DONE ? 0 : -1;
}

int login_record(db *w, const char *email, const char *addr, bool success)
{
    char k1[300], k2[300];
    throttle_keys(email, addr, k1, k2);
    int64_t now = time_now();
    if (success) {
        db_stmt *s = db_prepare(w, "DELETE FROM login_throttle WHERE throttle_key = ?");
        if (!s) return -1;
        db_bind_text(s, 1, k1);
        int rc = db_step(s);
        db_done(s);
        return rc == DB_DONE ? 0 : -1;
    }
    if (throttle_fail(w, k1, now) || throttle_fail(w, k2, now)) return -1;
    /* Spent rows are swept here rather than by a timer: failures are rare. */
    db_stmt *sweep = db_prepare(w, "DELETE FROM login_throttle WHERE first_at < ?");
    if (!sweep) return -1;
    db_bind_int64(sweep, 1, now - WINDOW);
    int rc = db_step(sweep);
    db_done(sweep);
    return rc == DB_DONE ? 0 : -1;
}
