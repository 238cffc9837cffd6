/* cli_common: option parsing, database opening and progress display shared
 * by the commands (see cli.h). */
#include "cli/cli.h"
#include "db/db.h"
#include "http/auth.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARGS 64
static bool g_used[MAX_ARGS];

const char *opt_value(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc && i < MAX_ARGS; i++) {
        if (strncmp(argv[i], name, n) != 0) continue;
        if (argv[i][n] == '=') { g_used[i] = true; return argv[i] + n + 1; }
        if (argv[i][n] == '\0' && i + 1 < argc) { g_used[i] = g_used[i + 1] = true; return argv[i + 1]; }
    }
    return NULL;
}

bool opt_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc && i < MAX_ARGS; i++)
        if (strcmp(argv[i], name) == 0) { g_used[i] = true; return true; }
    return false;
}

const char *cli_leftover(int argc, char **argv, int first)
{
    for (int i = first; i < argc && i < MAX_ARGS; i++)
        if (!g_used[i]) return argv[i];
    return NULL;
}

const char *cli_positional(int argc, char **argv, int n)
{
    for (int i = 1; i < argc && i < MAX_ARGS; i++)
        if (!g_used[i] && n-- == 0) return argv[i];
    return NULL;
}

const char *cli_db_path(int argc, char **argv)
{
    const char *p = opt_value(argc, argv, "--db");
    if (!p) p = getenv("RAPPORT_DB");
    return p ? p : "data/rapport.db";
}

int cli_open_db(const char *path, bool create)
{
    if (create) {
        /* Make the parent directory, as `make run` expects data/ to appear. */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) { *slash = '\0'; mkdir(dir, 0700); }
    }
    char err[512] = "";
    if (auth_init() != 0) { fprintf(stderr, "rapport: cannot initialise libsodium\n"); return -1; }
    if (db_global_open(path, create, err, sizeof err) != 0) {
        fprintf(stderr, "rapport: %s\n", err);
        return -1;
    }
    return 0;
}

int read_stdin_line(char *out, unsigned cap)
{
    if (!fgets(out, (int)cap, stdin)) return -1;
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r')) out[--n] = '\0';
    return 0;
}

bool cli_interactive(void) { return isatty(STDERR_FILENO); }

void cli_progress(const char *label, long done, long total, double elapsed)
{
    if (!cli_interactive()) return;
    double frac = total > 0 ? (double)done / (double)total : 0;
    if (frac > 1) frac = 1;
    int width = 30, filled = (int)(frac * width);
    double rate = elapsed > 0 ? done / elapsed : 0;
    double eta = rate > 0 && total > done ? (total - done) / rate : 0;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '=' : ' ';
    bar[width] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%% %ld/%ld %.0f/s ETA %.0fs ", label, bar, (int)(frac * 100), done, total, rate, eta);
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
}
