/* cmd_export: `rapport export KIND --format csv|jsonl|xlsx [--output FILE]`
 * — every record of the kind, to standard output or a file (see
 * src/io/export.h for the columns). */
#include "cli/cli.h"
#include "db/db.h"
#include "io/export.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy_to_stdout(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (fwrite(buf, 1, n, stdout) != n) { rc = -1; break; }
    fclose(f);
    return fflush(stdout) == 0 ? rc : -1;
}

int cmd_export(int argc, char **argv)
{
    const char *fmt = opt_value(argc, argv, "--format");
    const char *output = opt_value(argc, argv, "--output");
    const char *path = cli_db_path(argc, argv);
    const char *kind = cli_positional(argc, argv, 0);
    const char *extra = cli_positional(argc, argv, 1);
    enum out_format f = OUT_CSV;
    if (!kind || extra || (fmt && out_format_parse(fmt, &f))) {
        fprintf(stderr, "usage: rapport export parties|transactions|interactions|products --format csv|jsonl|xlsx [--output FILE] [--db PATH]\n");
        return 2;
    }
    struct resource *r = export_resource(kind);
    if (!r) { fprintf(stderr, "rapport export: cannot export '%s': use parties, transactions, interactions or products\n", kind); return 2; }
    if (cli_open_db(path, false) != 0) return 1;
    char tmp[] = "/tmp/rapport-export-XXXXXX.xlsx";
    const char *target = output;
    if (f == OUT_XLSX && !output) {
        int fd = mkstemps(tmp, 5);
        if (fd < 0) { fprintf(stderr, "rapport export: cannot create a temporary file\n"); return 1; }
        close(fd);
        target = tmp;
    }
    struct verr e = {0};
    long n = 0;
    int rc = export_records(NULL, r, f, target, stdout, &n, &e);
    if (rc == 0 && f == OUT_XLSX && !output && copy_to_stdout(tmp) != 0) { rc = -1; snprintf(e.message, sizeof e.message, "cannot write to standard output"); }
    if (f == OUT_XLSX && !output) unlink(tmp);
    if (rc) fprintf(stderr, "rapport export: %s\n", e.message);
    else if (output) fprintf(stderr, "exported %ld %s to %s\n", n, kind, output);
    db_reader_release();
    db_global_close();
    return rc ? 1 : 0;
}
