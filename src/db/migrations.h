/* migrations.h: the embedded schema migrations, one set per SQL dialect.
 * The texts are src/db/migrations/DIALECT/NNN_name.sql, embedded at build
 * time by tools/embed.c (build/gen/migrations.c). Every dialect numbers the
 * same changes the same way: migration N of one dialect is migration N of
 * every other, so schema_version means the same whatever the database. */
#ifndef RAPPORT_DB_MIGRATIONS_H
#define RAPPORT_DB_MIGRATIONS_H
struct migration { const char *name; const char *sql; };
struct migration_set {
    const char *dialect;                  /* the directory name: "sqlite" */
    const struct migration *migrations;   /* in NNN_ order */
    int count;
};
/* Ends with an entry whose dialect is NULL. */
extern const struct migration_set migration_sets[];
#endif
