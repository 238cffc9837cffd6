/* export: writes the records of a resource (filtered like its list
 * endpoint) as CSV, JSON Lines or XLSX. The columns are id, every field of
 * the resource (an amount as a decimal in major units plus its currency
 * column; lists joined with "; "; objects as JSON) and created_at,
 * updated_at — the same names the importer maps automatically, so an export
 * imports back into an empty database as the same records. JSON Lines
 * holds the records exactly as the API returns them. */
#ifndef RAPPORT_IO_EXPORT_H
#define RAPPORT_IO_EXPORT_H
#include "api/resource.h"
#include "io/out.h"

/* The resource for parties | transactions | interactions | products. */
struct resource *export_resource(const char *kind);
/* Writes to path, or to fp when path is NULL (not XLSX). rq (may be NULL)
 * supplies the filters. Returns 0 or -1 with e set. */
int export_records(struct req *rq, const struct resource *r, enum out_format f, const char *path, FILE *fp,
                   long *count, struct verr *e);
#endif
