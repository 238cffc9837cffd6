/* assets: lookup in the embedded web UI table (see assets.h). */
#include "http/assets.h"
#include <string.h>

const struct asset *asset_find(const char *path)
{
    if (strcmp(path, "/") == 0) path = "/index.html";
    for (const struct asset *a = asset_table; a->path; a++)
        if (strcmp(a->path, path) == 0) return a;
    return NULL;
}
