/* exports: GET /api/v1/exports/<every type the registry exports>
 * ?format=csv|jsonl|xlsx&<the list endpoint's filters> — the matching
 * records as a file download. The file is written to a temporary file
 * beside the database (unlinked at once) and sent from there, so a large
 * export does not sit in memory. */
#include "api/api.h"
#include "db/writer.h"
#include "io/export.h"
#include "records/registry.h"
#include <fcntl.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct export_audit { struct req *rq; const char *kind; long n; };

/* Exports are audited: who took which records out, with which filters. */
static int job_export_audit(db *w, void *arg)
{
    struct export_audit *a = arg;
    const char *q = strchr(a->rq->path, '?');
    json_t *d = json_pack("{s:s, s:I}", "kind", a->kind, "records", (json_int_t)a->n);
    if (q) json_object_set_new(d, "query", json_string(q + 1));
    return audit_record(w, &a->rq->user, req_client_addr(a->rq), "export", 0, "export", d, 0) ? 1 : 0;
}

static void export_kind(struct req *rq, struct resp *rs, const char *kind)
{
    const char *fs = req_query(rq, "format");
    enum out_format f = OUT_CSV;
    if (fs && out_format_parse(fs, &f)) { resp_error(rs, 400, "invalid_parameter", "format", "format must be csv, jsonl or xlsx"); return; }
    struct resource *r = export_resource(kind);
    char path[4200];
    snprintf(path, sizeof path, "%s.export-XXXXXX", db_files_base());
    int fd = mkstemp(path);
    if (fd < 0) { resp_error(rs, 503, "storage_error", NULL, "no room for the export file"); return; }
    close(fd);
    struct verr e = {0};
    long n = 0;
    int rc = export_records(rq, r, f, path, NULL, &n, &e);
    fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    unlink(path);
    struct stat st;
    if (rc != 0 || fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        if (rc == 0) verr_set(&e, 503, "storage_error", NULL, "the export file could not be read");
        resp_verr(rs, &e);
        return;
    }
    struct export_audit audit = {rq, kind, n};
    if (db_write(job_export_audit, &audit) != 0) {
        close(fd);
        resp_error(rs, 503, "storage_error", NULL, "the export could not be recorded in the audit trail");
        return;
    }
    rs->status = 200;
    rs->file_fd = fd;
    rs->body_len = (size_t)st.st_size;
    rs->content_type = out_content_type(f);
    char disp[96], count[24];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"", kind, f == OUT_CSV ? "csv" : f == OUT_JSONL ? "jsonl" : "xlsx");
    resp_header(rs, "Content-Disposition", disp);
    snprintf(count, sizeof count, "%ld", n);
    resp_header(rs, "X-Record-Count", count);
}

/* GET /api/v1/exports/<name>: the route's resource is the kind. */
static void export_route(struct req *rq, struct resp *rs) { export_kind(rq, rs, rq->route->resource); }

/* One route per type the registry marks RT_EXPORT; the schema of each is
 * the exported resource, so the OpenAPI description lists its filters
 * (res_query_parameters). */
/* One export route per exportable type; the registry holds a few dozen. */
#define MAX_EXPORT_ROUTES 64
static struct route export_routes[MAX_EXPORT_ROUTES];
static struct route_doc export_docs[MAX_EXPORT_ROUTES];
static size_t n_export_routes;

void exports_register(void)
{
    for (const struct rtype *const *t = registry_types(); *t; t++) {
        if (!((*t)->flags & RT_EXPORT)) continue;
        assert(n_export_routes < MAX_EXPORT_ROUTES);   /* raise MAX_EXPORT_ROUTES */
        char path[128], summary[160];
        snprintf(path, sizeof path, "/api/v1/exports/%s", (*t)->res->name);
        snprintf(summary, sizeof summary, "Export %s (format=csv|jsonl|xlsx, list filters)", (*t)->res->name);
        /* OpenAPI shapes (src/api/openapi.c): the filters come from the resource. */
        /* exportPriceLists for price-lists: a word after '-' starts upper-case. */
        char id[64] = "export";
        size_t k = strlen(id);
        bool up = true;
        for (const char *c = (*t)->res->name; *c && k + 1 < sizeof id; c++) {
            if (*c == '-' || *c == '_') { up = true; continue; }
            id[k++] = up && *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
            up = false;
        }
        id[k] = 0;
        export_docs[n_export_routes] = (struct route_doc){
            .id = strdup(id), .tag = "exports", .headers = "Content-Disposition X-Record-Count",
            .response_type = "text/csv application/x-ndjson application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            .params = "[{'name':'format','in':'query','schema':{'type':'string','enum':['csv','jsonl','xlsx'],'default':'csv'}}]"};
        export_routes[n_export_routes] = (struct route){"GET", strdup(path), 0, (*t)->res->name, "export", export_route,
                                                        strdup(summary), (*t)->res, &export_docs[n_export_routes]};
        n_export_routes++;
    }
    routes_register(export_routes, n_export_routes);
}
