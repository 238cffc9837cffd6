/* cmd_db: database lifecycle commands — init, migrate, backup, restore. */
#include "cli/cli.h"
#include "db/db.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_init(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *extra = cli_leftover(argc, argv, 1);
    if (extra) { fprintf(stderr, "rapport init: unexpected argument '%s'\n", extra); return 2; }
    if (cli_open_db(path, true) != 0) return 1;
    printf("database ready: %s\n", path);
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    if (cli_open_db(path, false) != 0) return 1;
    db *c = db_reader();
    printf("schema version %d: %s\n", c ? db_schema_version(c) : 0, path);
    db_global_close();
    return 0;
}

int cmd_backup(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *dest = cli_leftover(argc, argv, 1);
    if (!dest) { fprintf(stderr, "usage: rapport backup FILE [--db PATH]\n"); return 2; }
    if (access(dest, F_OK) == 0) { fprintf(stderr, "rapport backup: %s exists; choose a new file\n", dest); return 1; }
    char err[512];
    if (db_backup_to(path, dest, err, sizeof err) != 0) { fprintf(stderr, "rapport backup: %s\n", err); return 1; }
    printf("backed up %s to %s\n", path, dest);
    return 0;
}

int cmd_restore(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *src = cli_leftover(argc, argv, 1);
    if (!src) { fprintf(stderr, "usage: rapport restore FILE [--db PATH]\n"); return 2; }
    if (access(src, R_OK) != 0) { fprintf(stderr, "rapport restore: cannot read %s\n", src); return 1; }
    /* The backup API copies page by page into the live file, WAL included,
     * so a restored database is consistent even if a reader is open. */
    char err[512];
    if (db_backup_to(src, path, err, sizeof err) != 0) { fprintf(stderr, "rapport restore: %s\n", err); return 1; }
    printf("restored %s from %s\n", path, src);
    return 0;
}
