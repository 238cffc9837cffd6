/* Unit tests of src/http/authz.c, the authorisation choke point: every
 * decision branch — role and scope lookups, field security, route checks,
 * the record-scope predicates (own / team / all, read and write, self and
 * child records) and the audit predicate — on a real database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db/db.h"
#include "http/authz.h"

static char g_dir[] = "/tmp/rapport-authz-XXXXXX";

static struct auth_user user(int64_t id, const char *role, int64_t team)
{
    struct auth_user u = {0};
    u.id = id;
    u.team_id = team;
    snprintf(u.role, sizeof u.role, "%s", role);
    return u;
}

/* Teams 1 (managed by user 3) ⊃ 2 ⊃ 4; team 3 apart. Users: 1 sales/t1, 2 sales/t1, 3 manager/t1,
 * 4 sales/t2, 5 sales/t3 (no shares), 6 sales with no team, 7 sales/t4. Parties: 10 owned by 1,
 * 11 by 2, 12 by 4 (sub-team), 13 by 5, 14 owned by 5 but assigned to team 1, 15 shared with
 * user 6, 16 shared with team 3, 17 deleted, 18 owned by 7 (the sub-team's sub-team). */
static int setup(void **state)
{
    if (!mkdtemp(g_dir)) return -1;
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/authz.db", g_dir);
    if (db_global_open(path, true, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return -1; }
    db *w = db_open(path, true, err, sizeof err);
    if (!w) return -1;
    int rc = db_exec(w,
        "INSERT INTO app_user(id, email, name, role, password_hash, created_at, updated_at) VALUES"
        " (1,'a@x.cn','','sales','x','t','t'),(2,'b@x.cn','','sales','x','t','t'),(3,'c@x.cn','','manager','x','t','t'),"
        " (4,'d@x.cn','','sales','x','t','t'),(5,'e@x.cn','','sales','x','t','t'),(6,'f@x.cn','','sales','x','t','t'),"
        " (7,'g@x.cn','','sales','x','t','t');"
        "INSERT INTO team(id, name, parent_id, manager_id, created_at, updated_at) VALUES"
        " (1,'t1',NULL,3,'t','t'),(2,'t2',1,NULL,'t','t'),(3,'t3',NULL,NULL,'t','t'),(4,'t4',2,NULL,'t','t');"
        "UPDATE app_user SET team_id = 1 WHERE id IN (1,2,3); UPDATE app_user SET team_id = 2 WHERE id = 4;"
        "UPDATE app_user SET team_id = 3 WHERE id = 5; UPDATE app_user SET team_id = 4 WHERE id = 7;"
        "INSERT INTO party(id, kind, name, owner_id, team_id, deleted_at, created_at, updated_at) VALUES"
        " (10,'person','p10',1,NULL,NULL,'t','t'),(11,'person','p11',2,NULL,NULL,'t','t'),(12,'person','p12',4,NULL,NULL,'t','t'),"
        " (13,'person','p13',5,NULL,NULL,'t','t'),(14,'person','p14',5,1,NULL,'t','t'),(15,'person','p15',5,NULL,NULL,'t','t'),"
        " (16,'person','p16',1,NULL,NULL,'t','t'),(17,'person','p17',1,NULL,'gone','t','t'),(18,'person','p18',7,NULL,NULL,'t','t');"
        "INSERT INTO record_share(entity, record_id, user_id, team_id, created_at) VALUES ('party',15,6,NULL,'t'),('party',16,NULL,3,'t');"
        "INSERT INTO role_permission(role, entity, action, scope) VALUES ('nosuchrole','parties','read','all'),"
        " ('sales','nosuchentity','read','all'),('sales','parties','nosuchaction','all')"
        " ON CONFLICT DO NOTHING;"
        "INSERT INTO field_permission(role, entity, field, access) VALUES ('sales','parties','notes','read'),"
        " ('sales','parties','custom','write'),('nosuchrole','parties','name','hidden');");
    db_close(w);
    return rc;   /* the tables load on first use (ensure_loaded) */
}

static int teardown(void **state)
{
    db_global_close();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_names(void **state)
{
    assert_true(role_valid("read_only"));
    assert_false(role_valid("wizard"));
    assert_int_equal(scope_parse("team"), SCOPE_TEAM);
    assert_int_equal(scope_parse("most"), -1);
}

static void test_scopes(void **state)
{
    struct auth_user s = user(1, "sales", 1), a = user(9, "admin", 0), x = user(9, "wizard", 0), m = user(3, "manager", 1);
    assert_int_equal(authz_scope(&a, "nothing", "nothing"), SCOPE_ALL);
    assert_int_equal(authz_scope(&x, "parties", "read"), SCOPE_NONE);
    assert_int_equal(authz_scope(&s, "nosuchentity", "read"), SCOPE_NONE);
    assert_int_equal(authz_scope(&s, "parties", "nosuchaction"), SCOPE_NONE);
    assert_int_equal(authz_scope(&s, NULL, NULL), SCOPE_NONE);
    assert_int_equal(authz_scope(&s, "parties", "read"), SCOPE_TEAM);
    assert_int_equal(authz_scope(&s, "parties", "export"), SCOPE_OWN);
    assert_int_equal(authz_scope(&s, "parties", "update"), SCOPE_OWN | SCOPE_WRITE);
    assert_int_equal(authz_scope(&s, "parties", "assign"), SCOPE_NONE);
    assert_int_equal(authz_scope(&m, "parties", "delete"), SCOPE_TEAM | SCOPE_WRITE);
}

static void test_fields(void **state)
{
    struct auth_user s = user(1, "sales", 1), a = user(9, "admin", 0), x = user(9, "wizard", 0);
    assert_int_equal(authz_field(&a, "transactions", "cost"), FA_WRITE);
    assert_int_equal(authz_field(&x, "parties", "name"), FA_HIDDEN);
    assert_int_equal(authz_field(&s, "transactions", "cost"), FA_HIDDEN);
    assert_int_equal(authz_field(&s, "parties", "notes"), FA_READ);
    assert_int_equal(authz_field(&s, "parties", "custom"), FA_WRITE);
    assert_int_equal(authz_field(&s, "parties", "name"), FA_WRITE);
}

static void test_routes(void **state)
{
    struct auth_user s = user(1, "sales", 1), a = user(9, "admin", 0), r = user(7, "read_only", 0);
    struct route pub = {.flags = R_PUBLIC}, adm = {.flags = R_ADMIN, .resource = "permissions", .action = "update"};
    struct route none = {0}, sess = {.resource = "session", .action = "delete"}, tok = {.resource = "tokens", .action = "create"};
    struct route write = {.resource = "parties", .action = "create"}, noaction = {.resource = "parties"};
    assert_true(authz_allowed(&r, &pub));
    assert_true(authz_allowed(&a, &adm));
    assert_false(authz_allowed(&s, &adm));
    assert_true(authz_allowed(&r, &none));
    assert_true(authz_allowed(&r, &sess));
    assert_true(authz_allowed(&r, &tok));
    assert_true(authz_allowed(&s, &write));
    assert_false(authz_allowed(&r, &write));
    assert_true(authz_allowed(&r, &noaction));
}

static bool in(const struct auth_user *u, int64_t party, enum scope s) { return authz_party_in_scope(db_reader(), u, party, s); }

static void test_party_scope(void **state)
{
    struct auth_user s1 = user(1, "sales", 1), mgr = user(3, "manager", 1), s4 = user(4, "sales", 2);
    struct auth_user s6 = user(6, "sales", 0), s5 = user(5, "sales", 3);
    assert_false(in(&s1, 10, SCOPE_NONE));
    assert_true(in(&s1, 13, SCOPE_ALL));
    assert_false(in(&s1, 17, SCOPE_ALL));                    /* deleted */
    assert_true(in(&s1, 10, SCOPE_OWN));
    assert_false(in(&s1, 11, SCOPE_OWN));
    assert_true(in(&s1, 11, SCOPE_TEAM));                    /* team-mate's */
    assert_true(in(&s1, 12, SCOPE_TEAM));                    /* sub-team */
    assert_false(in(&s1, 13, SCOPE_TEAM));
    assert_true(in(&s1, 14, SCOPE_TEAM));                    /* assigned to my team */
    assert_true(in(&mgr, 12, SCOPE_TEAM));                   /* managed team's sub-team */
    assert_false(in(&s4, 10, SCOPE_TEAM));                   /* the sub-team does not see its parent */
    struct auth_user s7 = user(7, "sales", 4);
    assert_true(in(&s1, 18, SCOPE_TEAM));                    /* the sub-team's sub-team, at any depth */
    assert_true(in(&mgr, 18, SCOPE_TEAM));
    assert_true(in(&s4, 18, SCOPE_TEAM));
    assert_false(in(&s5, 18, SCOPE_TEAM));
    assert_false(in(&s7, 12, SCOPE_TEAM));                   /* nor the one above it */
    assert_true(in(&s6, 15, SCOPE_OWN));                     /* shared with me: read */
    assert_false(in(&s6, 15, SCOPE_OWN | SCOPE_WRITE));      /* … not write */
    assert_true(in(&s5, 16, SCOPE_TEAM));                    /* shared with my team */
    assert_false(in(&s5, 16, SCOPE_TEAM | SCOPE_WRITE));
    assert_true(in(&s6, 15, SCOPE_TEAM));
}

static int count_where(const char *table, const char *pred, const struct authz_binds *b)
{
    char sql[4096];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s t WHERE %s", table, pred);
    db_stmt *s = db_prepare_once(db_reader(), sql);
    if (!s) return -1;
    for (int i = 0; i < b->n; i++) db_bind_int64(s, i + 1, b->v[i]);
    int n = db_step(s) == DB_ROW ? (int)db_column_int64(s, 0) : -1;
    db_done(s);
    return n;
}

static void test_predicates(void **state)
{
    struct auth_user s1 = user(1, "sales", 1), s6 = user(6, "sales", 0);
    struct authz_binds b;
    assert_null(authz_party_predicate(SCOPE_ALL, NULL, &s1, &b));
    assert_int_equal(b.n, 0);
    assert_string_equal(authz_party_predicate(SCOPE_NONE, "party_id", &s1, &b), "1 = 0");
    /* Parties 10, 16, 17 are s1's own (17 deleted: the list adds deleted_at itself). */
    assert_int_equal(count_where("party", authz_party_predicate(SCOPE_OWN, NULL, &s1, &b), &b), 3);
    assert_int_equal(count_where("party", authz_party_predicate(SCOPE_TEAM, NULL, &s1, &b), &b), 7);
    assert_int_equal(count_where("party", authz_party_predicate(SCOPE_OWN, NULL, &s6, &b), &b), 1);
    assert_int_equal(count_where("party", authz_party_predicate(SCOPE_OWN | SCOPE_WRITE, NULL, &s6, &b), &b), 0);
    assert_int_equal(count_where("party", authz_party_predicate(SCOPE_TEAM | SCOPE_WRITE, NULL, &s6, &b), &b), 0);
    db *c = db_reader();
    assert_int_equal(db_exec(c, "CREATE TEMP TABLE child(id INTEGER PRIMARY KEY, party_id INT, from_id INT);"
                                "INSERT INTO child VALUES (1, 10, 11), (2, 11, 13), (3, 13, 10)"), 0);
    assert_int_equal(count_where("child", authz_party_predicate(SCOPE_OWN, "party_id", &s1, &b), &b), 1);
    assert_int_equal(count_where("child", authz_party_predicate(SCOPE_TEAM, "party_id", &s1, &b), &b), 2);
    assert_int_equal(count_where("child", authz_party_predicate(SCOPE_OWN, "from_id", &s1, &b), &b), 1);
    assert_int_equal(count_where("child", authz_party_predicate(SCOPE_TEAM, "from_id", &s1, &b), &b), 2);
}

static void test_audit_predicate(void **state)
{
    struct auth_user m = user(3, "manager", 1), s6 = user(6, "sales", 0);
    struct authz_binds b;
    assert_null(authz_audit_predicate(SCOPE_ALL, &m, &b));
    assert_string_equal(authz_audit_predicate(SCOPE_NONE, &m, &b), "1 = 0");
    db *c = db_reader();
    assert_int_equal(db_exec(c, "CREATE TEMP TABLE a(id INTEGER PRIMARY KEY, user_id INT);"
                                "INSERT INTO a(user_id) VALUES (1), (2), (3), (4), (5), (NULL)"), 0);
    assert_int_equal(count_where("a", authz_audit_predicate(SCOPE_OWN, &m, &b), &b), 1);
    assert_int_equal(count_where("a", authz_audit_predicate(SCOPE_TEAM | SCOPE_WRITE, &m, &b), &b), 4);
    assert_int_equal(count_where("a", authz_audit_predicate(SCOPE_TEAM, &s6, &b), &b), 0);
}

/* The defensive paths: permission tables that cannot be read, rows a
 * hand-edited database could hold, more field rules than the cache takes. */
static void test_broken_tables(void **state)
{
    char path[300], err[256];
    snprintf(path, sizeof path, "%s/broken.db", g_dir);
    db *c = db_open(path, true, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(authz_load(c), -1);                       /* no tables at all */
    struct auth_user s1 = user(1, "sales", 1);
    assert_false(authz_party_in_scope(c, &s1, 10, SCOPE_OWN));  /* no party table: denied */
    assert_int_equal(db_exec(c, "CREATE TABLE role_permission(role, entity, action, scope)"), 0);
    assert_int_equal(authz_load(c), -1);                       /* no field table */
    assert_int_equal(db_exec(c, "CREATE TABLE field_permission(role, entity, field, access);"
                                "INSERT INTO role_permission VALUES ('sales', 'parties', 'read', 'bogus'),"
                                " ('sales', 'parties', 'update', 'all');"
                                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
                                " INSERT INTO field_permission SELECT 'sales', 'parties', 'f' || i, 'read' FROM n;"), 0);
    assert_int_equal(authz_load(c), 0);
    assert_int_equal(authz_scope(&s1, "parties", "read"), SCOPE_NONE);   /* the unknown scope was ignored */
    assert_int_equal(authz_scope(&s1, "parties", "update"), SCOPE_ALL | SCOPE_WRITE);
    assert_int_equal(authz_field(&s1, "parties", "f256"), FA_READ);      /* the first 256 rules are kept */
    assert_int_equal(authz_field(&s1, "parties", "f300"), FA_WRITE);
    db_close(c);
    assert_int_equal(authz_load(db_reader()), 0);              /* back to the real tables */
    assert_int_equal(authz_scope(&s1, "parties", "read"), SCOPE_TEAM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names), cmocka_unit_test(test_scopes), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_routes), cmocka_unit_test(test_party_scope), cmocka_unit_test(test_predicates),
        cmocka_unit_test(test_audit_predicate), cmocka_unit_test(test_broken_tables),
    };
    /* Before any database is open the tables cannot load: everything is denied. */
    struct auth_user early = user(1, "sales", 1);
    if (authz_scope(&early, "parties", "read") != SCOPE_NONE) return 1;
    db_reader_release();
    return cmocka_run_group_tests(tests, setup, teardown);
}
