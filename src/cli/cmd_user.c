/* cmd_user: operator management of user accounts — add, passwd, disable,
 * list. Passwords come from standard input (--password-stdin), never from
 * the command line where other users could read them. */
#include "api/resource.h"
#include "cli/cli.h"
#include "db/writer.h"
#include "http/auth.h"
#include "http/authz.h"
#include "lib/textcheck.h"
#include <stdio.h>
#include <string.h>

struct user_job {
    const char *op, *email, *name, *role;
    char hash[PASSWORD_HASH_LEN];
    int64_t id;
    int found;
    char err[256];
};

static int job_user(db *w, void *arg)
{
    struct user_job *j = arg;
    char now[21];
    now_text(now);
    db_stmt *s;
    if (!strcmp(j->op, "add")) {
        s = db_prepare(w, "INSERT INTO app_user(email, name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
        db_bind_text(s, 1, j->email);
        db_bind_text(s, 2, j->name ? j->name : "");
        db_bind_text(s, 3, j->role);
        db_bind_text(s, 4, j->hash);
        db_bind_text(s, 5, now);
        db_bind_text(s, 6, now);
    } else if (!strcmp(j->op, "passwd")) {
        s = db_prepare(w, "UPDATE app_user SET password_hash = ?, updated_at = ?, version = version + 1 WHERE email = ?");
        db_bind_text(s, 1, j->hash);
        db_bind_text(s, 2, now);
        db_bind_text(s, 3, j->email);
    } else {
        s = db_prepare(w, "UPDATE app_user SET disabled = 1, updated_at = ?, version = version + 1 WHERE email = ?");
        db_bind_text(s, 1, now);
        db_bind_text(s, 2, j->email);
    }
    int rc = db_step(s);
    db_done(s);
    if (rc != DB_DONE) {
        snprintf(j->err, sizeof j->err, "%s", db_error(w, NULL) == DB_ERR_UNIQUE ? "a user with this e-mail exists" : db_errmsg(w));
        return 1;
    }
    j->found = db_changes(w) > 0;
    if (!j->found) { snprintf(j->err, sizeof j->err, "no user %s", j->email); return 1; }
    s = db_prepare(w, "SELECT id FROM app_user WHERE email = ?");
    db_bind_text(s, 1, j->email);
    if (db_step(s) == DB_ROW) j->id = db_column_int64(s, 0);
    db_done(s);
    /* A new password or disabling ends every session and token of the user at once. */
    if (strcmp(j->op, "add") != 0 && credentials_end(w, j->id) != 0) {
        snprintf(j->err, sizeof j->err, "%s", db_errmsg(w));
        return 1;
    }
    json_t *d = json_pack("{s:s}", "email", j->email);
    if (j->role) json_object_set_new(d, "role", json_string(j->role));
    audit_record(w, NULL, "cli", "user", j->id, j->op, d, 0);
    return 0;
}

static int list_users(void)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT id, email, name, role, disabled FROM app_user ORDER BY id");
    if (!s) return 1;
    while (db_step(s) == DB_ROW)
        printf("%lld\t%s\t%s\t%s%s\n", (long long)db_column_int64(s, 0), db_column_text(s, 1), db_column_text(s, 3),
               db_column_text(s, 2), db_column_int64(s, 4) ? "\t(disabled)" : "");
    db_done(s);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    const char *usage = "usage: rapport user add EMAIL --role ROLE [--name NAME] --password-stdin [--db PATH]\n"
                        "       rapport user passwd EMAIL --password-stdin [--db PATH]\n"
                        "       rapport user disable EMAIL [--db PATH]\n"
                        "       rapport user list [--db PATH]\n";
    struct user_job j = {0};
    const char *path = cli_db_path(argc, argv);
    j.role = opt_value(argc, argv, "--role");
    j.name = opt_value(argc, argv, "--name");
    bool pw_stdin = opt_flag(argc, argv, "--password-stdin");
    j.op = cli_positional(argc, argv, 0);
    if (!j.op) { fputs(usage, stderr); return 2; }
    if (!strcmp(j.op, "list")) {
        if (cli_open_db(path, false) != 0) return 1;
        return list_users();
    }
    if (strcmp(j.op, "add") && strcmp(j.op, "passwd") && strcmp(j.op, "disable")) { fputs(usage, stderr); return 2; }
    j.email = cli_positional(argc, argv, 1);
    const char *extra = cli_positional(argc, argv, 2);
    if (extra) { fprintf(stderr, "rapport user: unexpected argument '%s'\n", extra); return 2; }
    if (!j.email || !email_valid(j.email)) { fprintf(stderr, "rapport user: give a valid e-mail address\n%s", usage); return 2; }
    char email[256];
    email_normalize(j.email, email, sizeof email);
    j.email = email;
    if (!strcmp(j.op, "add")) {
        if (!j.role || !role_valid(j.role)) {
            fprintf(stderr, "rapport user add: --role must be one of: admin, manager, sales, service, marketing, read_only\n");
            return 2;
        }
    }
    if (strcmp(j.op, "disable") != 0) {
        if (!pw_stdin) { fprintf(stderr, "rapport user %s: pass the password on standard input with --password-stdin\n", j.op); return 2; }
        char pw[1100];
        if (read_stdin_line(pw, sizeof pw) != 0) { fprintf(stderr, "rapport user: no password on standard input\n"); return 2; }
        const char *why = password_problem(pw);
        if (why) { fprintf(stderr, "rapport user: %s\n", why); return 1; }
        if (auth_init() != 0 || password_hash(pw, j.hash) != 0) { fprintf(stderr, "rapport user: cannot hash the password\n"); return 1; }
    }
    if (cli_open_db(path, true) != 0) return 1;
    int rc = db_write(job_user, &j);
    if (rc) { fprintf(stderr, "rapport user %s: %s\n", j.op, j.err[0] ? j.err : "the change could not be written"); return 1; }
    printf("%s %s (id %lld)\n", !strcmp(j.op, "add") ? "added" : !strcmp(j.op, "passwd") ? "password changed for" : "disabled", j.email, (long long)j.id);
    return 0;
}
