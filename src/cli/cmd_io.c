/* cmd_io: `rapport import` and `rapport export`. The engines arrive with the
 * import/export issue; until then the commands say so plainly. */
#include "cli/cli.h"
#include <stdio.h>

int cmd_import(int argc, char **argv)
{
    fprintf(stderr, "rapport import: not available in this version (use the API: POST /api/v1/parties, /transactions …)\n");
    return 2;
}

int cmd_export(int argc, char **argv)
{
    fprintf(stderr, "rapport export: not available in this version (use the API: GET /api/v1/parties …)\n");
    return 2;
}
