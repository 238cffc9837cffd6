/* main: the rapport command dispatcher. One binary is the server, the
 * operator's command-line tool and the analyst's model fitter. */
#include "cli/cli.h"
#include <stdio.h>
#include <string.h>

#define RAPPORT_VERSION "0.1.0"

static int cmd_version(int argc, char **argv)
{
    printf("rapport %s\n", RAPPORT_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} commands[] = {
    {"serve", cmd_serve, "serve [--db PATH] [--listen 127.0.0.1:8080] [--threads N] [--metrics-listen 127.0.0.1:9100]\n                [--import-max-rows N] [--import-max-decompressed-bytes N]\n                [--db-replica postgres://…] [--replica-window-ms 10000]   run the HTTP server"},
    {"init", cmd_init, "init [--db PATH]                        create an empty database"},
    {"migrate", cmd_migrate, "migrate [--db PATH]                     apply pending schema migrations"},
    {"demo", cmd_demo, "demo [--db PATH] [--parties N] [--seed S]  load a realistic bilingual demo dataset"},
    {"user", cmd_user, "user add EMAIL --role ROLE [--name NAME] --password-stdin | passwd EMAIL --password-stdin | disable EMAIL | list"},
    {"import", cmd_import, "import KIND FILE [options]              import records (see docs)"},
    {"export", cmd_export, "export KIND --format csv|jsonl|xlsx     export records"},
    {"backup", cmd_backup, "backup FILE [--db PATH]                 online backup of a running database"},
    {"copy", cmd_copy, "copy --from SRC --to DST [--batch N]      copy a database to another (SQLite to postgres://…), verified"},
    {"restore", cmd_restore, "restore FILE [--db PATH]                replace the database with a backup"},
    {"model", cmd_model, "model fit|summary ...                   fit BG/NBD, Pareto/NBD, Gamma-Gamma models"},
    {"analyze", cmd_analyze, "analyze [--db PATH]                     recompute every party's scores (RFM, tier, CLV, stage...)"},
    {"analytics", cmd_analytics, "analytics settings get [KEY] | set KEY VALUE   analytics thresholds and model settings"},
    {"db", cmd_db, "db query SQL [PARAM...] [--json] | exec SQL [PARAM...] | check | dump | checkpoint [--db PATH]\n"
                   "                                        the operator's console: read-only queries, changes, integrity check, dump, WAL checkpoint"},
    {"loyalty", cmd_loyalty, "loyalty check [--repair] [--json] [--db PATH]   rebuild every points balance from the ledger and compare"},
    {"audit", cmd_audit, "audit verify [--db PATH]                check the audit trail's hash chain"},
    {"version", cmd_version, "version                                 print the version"},
    {"help", cmd_help, "help                                    this text"},
};

static int cmd_help(int argc, char **argv)
{
    printf("usage: rapport COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) printf("  %s\n", commands[i].usage);
    printf("\nThe database is --db PATH, else $RAPPORT_DB, else data/rapport.db.\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { cmd_help(argc, argv); return 2; }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h")) return cmd_help(argc, argv);
    if (!strcmp(name, "--version")) return cmd_version(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "rapport: unknown command '%s' (try `rapport help`)\n", name);
    return 2;
}
