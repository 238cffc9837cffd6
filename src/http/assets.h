/* assets: the web UI files embedded into the binary by tools/embed.c. */
#ifndef RAPPORT_ASSETS_H
#define RAPPORT_ASSETS_H
#include <stddef.h>
struct asset {
    const char *path;          /* "/index.html" */
    const char *content_type;
    const unsigned char *data;
    long size;
};
extern const struct asset asset_table[];
const struct asset *asset_find(const char *path);
#endif
