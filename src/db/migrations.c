/* migrations: applies the numbered schema changes in order, each in its own
 * transaction, recorded in schema_version. Never edit an applied migration:
 * add the next number. Times are ISO 8601 UTC text (they sort as text), money
 * is integer minor units beside a currency code. */
#include "db/db.h"
#include "db/migrations.h"
#include "db/pg_sql.h"
#include "lib/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The migration texts: src/db/migrations/DIALECT/NNN_name.sql, embedded
 * at build time by tools/embed.c into build/gen/migrations.c, one set per
 * dialect in file-name order. SQLite's set is the reference: it has every
 * number. PostgreSQL's directory holds only the migrations the mechanical
 * translation (pg_migrate.c) cannot make; every other is translated from
 * SQLite's text when it runs. */
static const struct migration_set *migrations_of(const char *dialect)
{
    for (const struct migration_set *s = migration_sets; s->dialect; s++)
        if (strcmp(s->dialect, dialect) == 0) return s;
    return NULL;
}

int db_schema_version(db *c)
{
    int v = 0;
    db_stmt *s = db_prepare_once(c, "SELECT max(version) FROM schema_version");
    if (s && db_step(s) == DB_ROW) v = (int)db_column_int64(s, 0);
    db_done(s);
    return v;
}

static const struct migration *override_of(const struct migration_set *set, int v)
{
    for (int i = 0; set && i < set->count; i++)
        if (atoi(set->migrations[i].name) == v) return &set->migrations[i];
    return NULL;
}

/* Migration v's text for dialect: *owned is set when the caller must free
 * it. NULL with the reason in err. */
static const char *migration_text(const char *dialect, const struct migration_set *reference, int v, char **owned,
                                  char *err, size_t errlen)
{
    *owned = NULL;
    const struct migration *m = &reference->migrations[v - 1];
    if (strcmp(dialect, reference->dialect) == 0) return m->sql;
    const struct migration *own = override_of(migrations_of(dialect), v);
    if (own) return own->sql;
    if (strcmp(dialect, "postgres") != 0) {
        snprintf(err, errlen, "no %s text for migration %s", dialect, m->name);
        return NULL;
    }
    char why[256];
    *owned = pg_migration_translate(m->sql, why, sizeof why);
    if (!*owned) snprintf(err, errlen, "migration %s cannot be translated for PostgreSQL: %s", m->name, why);
    return *owned;
}

int db_migrate(db *c, char *err, size_t errlen)
{
    if (db_exec(c, "CREATE TABLE IF NOT EXISTS schema_version ("
                   "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)") != 0) {
        snprintf(err, errlen, "cannot create schema_version: %s", db_errmsg(c));
        return -1;
    }
    const char *dialect = db_dialect_of(c);
    const struct migration_set *set = migrations_of("sqlite");
    if (!set) {
        snprintf(err, errlen, "this rapport has no migrations");
        return -1;
    }
    const struct migration *migration_table = set->migrations;
    int have = db_schema_version(c);
    int want = set->count;
    if (have > want) {
        snprintf(err, errlen, "database schema %d is newer than this rapport (%d)", have, want);
        return -1;
    }
    /* The file number is the version: a gap or a duplicate is a build mistake. */
    for (int v = 1; v <= want; v++) {
        if (atoi(migration_table[v - 1].name) != v) {
            snprintf(err, errlen, "migration file %s should be numbered %03d", migration_table[v - 1].name, v);
            return -1;
        }
    }
    for (int v = have + 1; v <= want; v++) {
        char *owned;
        const char *sql = migration_text(dialect, set, v, &owned, err, errlen);
        if (!sql) return -1;
        if (db_begin_write(c) != 0) { snprintf(err, errlen, "migrate: %s", db_errmsg(c)); free(owned); return -1; }
        int failed = db_exec(c, sql) != 0;
        free(owned);
        if (failed) {
            snprintf(err, errlen, "migration %d failed: %s", v, db_errmsg(c));
            db_rollback(c);
            return -1;
        }
        char now[21];
        time_format(time_now(), now);
        db_stmt *s = db_prepare_once(c, "INSERT INTO schema_version(version, applied_at) VALUES (?, ?)");
        db_bind_int64(s, 1, v);
        db_bind_text(s, 2, now);
        int rc = db_step(s);
        db_done(s);
        if (rc != DB_DONE || db_commit(c) != 0) {
            snprintf(err, errlen, "migration %d: %s", v, db_errmsg(c));
            db_rollback(c);
            return -1;
        }
    }
    return 0;
}
