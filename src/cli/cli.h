/* cli: the operator commands. Each src/cli/cmd_<name>.c owns one command;
 * main.c dispatches on argv[1]. Exit codes: 0 success, 1 failure, 2 usage. */
#ifndef RAPPORT_CLI_H
#define RAPPORT_CLI_H
#include <stdbool.h>

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_analytics(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_loyalty(int argc, char **argv);
int cmd_copy(int argc, char **argv);

/* Option parsing shared by the commands: "--name value" or "--name=value".
 * opt_value returns the value or NULL; opt_flag tells whether --name is
 * present. Both mark what they consumed; cli_leftover reports the first
 * argument nobody asked for (a typo) so commands can refuse it. */
const char *opt_value(int argc, char **argv, const char *name);
bool opt_flag(int argc, char **argv, const char *name);
const char *cli_leftover(int argc, char **argv, int first);
/* The n-th (from 0) argument not consumed by opt_value/opt_flag. */
const char *cli_positional(int argc, char **argv, int n);
/* The database path: --db, else $RAPPORT_DB, else data/rapport.db. */
const char *cli_db_path(int argc, char **argv);
/* Opens (and with create, makes and migrates) the database; prints errors. */
int cli_open_db(const char *path, bool create);
/* Reads one line (a password) from standard input without the newline. */
int read_stdin_line(char *out, unsigned cap);
/* True when standard error is a terminal (progress bars are shown). */
bool cli_interactive(void);
/* Draws "label [=====     ] 42% 1234/s ETA 3s" on a terminal; quiet otherwise. */
void cli_progress(const char *label, long done, long total, double elapsed);
#endif
