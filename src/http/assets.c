/* assets: lookup in the embedded web UI table and the choice of the
 * representation to send (see assets.h).
 *
 * Caching: no asset URL is content-addressed (the modules import each other
 * by plain relative paths), so every asset, index.html first, is "no-cache":
 * the browser keeps it and revalidates it with If-None-Match, and an
 * unchanged file costs a 304 with no body. A long max-age would let a
 * browser mix modules of two versions after an upgrade. */
#include "http/assets.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>

const struct asset *asset_find(const char *path)
{
    if (strcmp(path, "/") == 0) path = "/index.html";
    for (const struct asset *a = asset_table; a->path; a++)
        if (strcmp(a->path, path) == 0) return a;
    return NULL;
}

/* True when the qvalue starting at p (after "q=") is zero: 0, 0., 0.0… */
static bool qvalue_zero(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    if (p == end || *p != '0') return false;
    for (p++; p < end && *p != ' ' && *p != '\t'; p++)
        if (*p != '.' && *p != '0') return false;
    return true;
}

bool asset_accepts_gzip(const char *ae)
{
    if (!ae) return false;
    int gzip = -1, star = -1;   /* -1 not named, 0 refused, 1 accepted */
    for (const char *p = ae; *p;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        const char *tok = p;
        while (p < end && *p != ';' && *p != ' ' && *p != '\t') p++;
        size_t ntok = (size_t)(p - tok);
        bool accepted = true;
        for (const char *q = p; q < end; q++) {
            if (*q != ';') continue;
            const char *v = q + 1;
            while (v < end && (*v == ' ' || *v == '\t')) v++;
            if (v + 1 < end && tolower((unsigned char)v[0]) == 'q' && v[1] == '=') accepted = !qvalue_zero(v + 2, end);
        }
        if ((ntok == 4 && !strncasecmp(tok, "gzip", 4)) || (ntok == 6 && !strncasecmp(tok, "x-gzip", 6))) gzip = accepted;
        else if (ntok == 1 && *tok == '*') star = accepted;
        p = *end ? end + 1 : end;
    }
    return gzip == 1 || (gzip == -1 && star == 1);
}

bool asset_etag_matches(const char *inm, const char *etag)
{
    if (!inm || !etag) return false;
    size_t n = strlen(etag);
    for (const char *p = inm; *p;) {
        if (*p == ' ' || *p == '\t' || *p == ',') { p++; continue; }
        if (*p == '*') return true;
        if (p[0] == 'W' && p[1] == '/') p += 2;     /* weak comparison: the W/ does not count */
        if (*p != '"') {                            /* not an entity tag: skip to the next one */
            while (*p && *p != ',') p++;
            continue;
        }
        const char *close = strchr(p + 1, '"');
        if (!close) return false;
        if ((size_t)(close + 1 - p) == n && !memcmp(p, etag, n)) return true;
        p = close + 1;
    }
    return false;
}

void asset_choose(const struct asset *a, const char *accept_encoding, const char *if_none_match, struct asset_choice *out)
{
    const struct asset_meta *m = a->meta;
    memset(out, 0, sizeof *out);
    out->cache_control = "no-cache";
    out->varies = m && m->gz;
    out->gzip = out->varies && asset_accepts_gzip(accept_encoding);
    out->etag = m ? (out->gzip ? m->gz_etag : m->etag) : NULL;
    if (out->etag && asset_etag_matches(if_none_match, out->etag)) {
        out->status = 304;
        return;
    }
    out->status = 200;
    out->body = out->gzip ? m->gz : a->data;
    out->body_len = out->gzip ? m->gz_size : (size_t)a->size;
}
