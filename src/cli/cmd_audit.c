/* cmd_audit: `rapport audit verify` — walks the audit trail's hash chain and
 * reports the first row that was edited, inserted or deleted. */
#include "api/api.h"
#include "cli/cli.h"
#include <stdio.h>
#include <string.h>

int cmd_audit(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *sub = cli_positional(argc, argv, 0);
    if (!sub || strcmp(sub, "verify") != 0 || cli_positional(argc, argv, 1)) {
        fprintf(stderr, "usage: rapport audit verify [--db PATH]\n");
        return 2;
    }
    if (cli_open_db(path, false) != 0) return 1;
    int64_t rows = 0;
    char problem[256];
    int rc = audit_verify(db_reader(), &rows, problem, sizeof problem);
    db_global_close();
    if (rc != 0) {
        printf("audit trail BROKEN: %s\n", problem);
        return 1;
    }
    printf("audit trail intact: %lld rows\n", (long long)rows);
    return 0;
}
