/* assets: the web UI files embedded into the binary by tools/embed.c, and
 * the choice of what to send for one request: the gzip representation when
 * the client accepts it, a 304 when its cached copy is current. */
#ifndef RAPPORT_ASSETS_H
#define RAPPORT_ASSETS_H
#include <stdbool.h>
#include <stddef.h>
struct asset_meta {
    const unsigned char *gz;   /* gzip of data (built by tools/embed.c), or NULL */
    size_t gz_size;
    const char *etag;          /* strong ETag of data, quoted: "\"9f…-1a2b\"" */
    const char *gz_etag;       /* strong ETag of gz */
};
struct asset {
    const char *path;          /* "/index.html" */
    const char *content_type;
    const unsigned char *data;
    long size;
    const struct asset_meta *meta;
};
extern const struct asset asset_table[];
const struct asset *asset_find(const char *path);

/* What to answer for one asset request. Pointers refer to the embedded
 * table (static storage); nothing is allocated. */
struct asset_choice {
    int status;                /* 200, or 304 when If-None-Match names this representation */
    const unsigned char *body; /* NULL for 304 */
    size_t body_len;
    bool gzip;                 /* Content-Encoding: gzip */
    bool varies;               /* the asset has a gzip representation: Vary: Accept-Encoding */
    const char *etag;
    const char *cache_control;
};

/* Chooses the representation of a for a request carrying these header
 * values (either may be NULL). */
void asset_choose(const struct asset *a, const char *accept_encoding, const char *if_none_match, struct asset_choice *out);

/* True when an Accept-Encoding value allows gzip (named with q > 0, or
 * covered by "*" with q > 0 and not refused by name). */
bool asset_accepts_gzip(const char *accept_encoding);

/* True when an If-None-Match value ("*" or a list of entity tags) matches
 * etag, by the weak comparison RFC 9110 13.1.2 prescribes for it. */
bool asset_etag_matches(const char *if_none_match, const char *etag);
#endif
