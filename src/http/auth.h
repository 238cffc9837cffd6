/* auth: who is calling. Passwords (argon2id), browser sessions (random
 * 256-bit id in an HttpOnly SameSite=Strict cookie plus a CSRF token), API
 * tokens (bearer, stored hashed), and login throttling. Nothing here ever
 * logs or returns a secret other than the one it just created. */
#ifndef RAPPORT_AUTH_H
#define RAPPORT_AUTH_H
#include "db/db.h"
#include "http/http.h"
#include <stdbool.h>

#define SESSION_COOKIE "rapport_session"
#define SECRET_TEXT_LEN 64     /* room for base64url of 32 bytes + prefix + NUL */
#define PASSWORD_HASH_LEN 128

int auth_init(void);
/* argon2id hash of pw into out; 0 or -1 (out of memory). */
int password_hash(const char *pw, char out[PASSWORD_HASH_LEN]);
bool password_verify(const char *hash, const char *pw);
/* Whether a stored hash was made with other settings than password_hash's
 * (a login then stores a new one). */
bool password_needs_rehash(const char *hash);
/* NULL when acceptable, else the reason (length rules only, no composition rules). */
const char *password_problem(const char *pw);

enum auth_result { AUTH_NONE, AUTH_OK, AUTH_INVALID };
/* Reads the bearer token or session cookie, fills rq->user. For cookie
 * sessions the session's CSRF token is written to csrf (may be NULL). */
enum auth_result auth_authenticate(struct req *rq, char csrf[SECRET_TEXT_LEN]);

/* Creates a session for user_id (in the writer transaction w): writes the
 * cookie value and CSRF token. */
int session_create(db *w, int64_t user_id, char cookie[SECRET_TEXT_LEN], char csrf[SECRET_TEXT_LEN]);
int session_delete(db *w, const char *cookie);
/* Creates an API token: the clear token is written once to token. */
int token_create(db *w, int64_t user_id, const char *name, char token[SECRET_TEXT_LEN], int64_t *id);

/* Ends every credential of user_id (in the writer transaction w): deletes
 * their sessions and revokes their API tokens, for good. A password change
 * and disabling a user call it. 0 or -1. Memoised tokens (auth.c) go stale
 * with the commit. */
int credentials_end(db *w, int64_t user_id);

/* Loads a user by e-mail for login; fills u and the stored hash. Returns 0
 * when found and enabled. */
int user_lookup(db *c, const char *email, struct auth_user *u, char hash[PASSWORD_HASH_LEN], bool *disabled);

/* Login throttling per account and per client address, counted in the
 * database (shared by every server on it). A throttled attempt gets 429
 * without a password check; successes clear the account. login_throttled
 * reads through r (true also when the counts cannot be read);
 * login_record writes in w's write transaction (0, or -1 on a storage error). */
bool login_throttled(db *r, const char *email, const char *addr, int *retry_after);
int login_record(db *w, const char *email, const char *addr, bool success);

/* Constant-time string equality. */
bool secret_equal(const char *a, const char *b);
#endif
