/* imports: POST /api/v1/imports (the file as the request body, options in
 * the query string) queues an import job; GET /api/v1/imports/{id} shows
 * its progress, counts and first report lines; …/errors is the full per-row
 * report as CSV; …/undo removes what it created and restores what it
 * updated; …/cancel stops it. GET /api/v1/jobs/{id} shows any job. The
 * engine is src/domain/import.c, run by the job runner (src/jobs). */
#include "records/registry.h"
#include "api/api.h"
#include "db/writer.h"
#include "domain/import.h"
#include "domain/vocab.h"
#include "http/authz.h"
#include "jobs/jobs.h"
#include "lib/textcheck.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files of import jobs live in a directory beside the database. */
static void import_dir(char *out, size_t cap)
{
    snprintf(out, cap, "%s.imports", db_files_base());
    mkdir(out, 0700);
}

static void report_path(int64_t id, char *out, size_t cap)
{
    char dir[4096];
    import_dir(dir, sizeof dir);
    snprintf(out, cap, "%s/job-%lld-report.csv", dir, (long long)id);
}

static const char *pstr(const json_t *p, const char *k) { return json_string_value(json_object_get(p, k)); }

static int run_import_job(int64_t id, const json_t *p, volatile int *cancel, json_t **result, char *error, size_t cap)
{
    struct import_opts o = {0};
    o.kind = pstr(p, "kind");
    o.path = pstr(p, "file");
    o.format = pstr(p, "format");
    o.map = pstr(p, "map");
    o.null_text = pstr(p, "null");
    o.date_format = pstr(p, "date_format");
    o.currency = pstr(p, "currency");
    o.cancel_prefix = pstr(p, "cancel_prefix");
    o.default_role = pstr(p, "default_role");
    o.default_source = pstr(p, "default_source");
    if (pstr(p, "encoding")) csv_encoding_parse(pstr(p, "encoding"), &o.encoding);
    if (pstr(p, "delimiter")) {
        const char *d = pstr(p, "delimiter");
        if (!strcmp(d, "whitespace")) o.whitespace = true;
        else if (!strcmp(d, "tab")) o.delimiter = '\t';
        else o.delimiter = (unsigned char)d[0];
    }
    o.on_dup = DUP_UPDATE;
    if (pstr(p, "on_duplicate")) dup_policy_parse(pstr(p, "on_duplicate"), &o.on_dup);
    o.no_header = json_is_true(json_object_get(p, "no_header"));
    o.dry_run = json_is_true(json_object_get(p, "dry_run"));
    o.all_or_nothing = json_is_true(json_object_get(p, "all_or_nothing"));
    o.max_file = MAX_UPLOAD_BYTES;
    o.job_id = id;
    o.user_id = json_integer_value(json_object_get(p, "user_id"));
    o.cancel = cancel;
    char report[4200];
    report_path(id, report, sizeof report);
    o.errors_path = report;
    if (!o.kind || !o.path) { snprintf(error, cap, "the job has no kind or file"); return -1; }
    struct import_result res;
    int rc = import_run(&o, &res);
    *result = import_result_json(&res);
    json_decref(res.sample);
    unlink(o.path);   /* the upload is not needed any more */
    if (rc) { snprintf(error, cap, "%s", res.fatal); return -1; }
    if (o.all_or_nothing && !o.dry_run && !res.written && !res.cancelled) {
        snprintf(error, cap, "%ld rows were refused (%ld without a customer); nothing was written (all-or-nothing)", res.errors,
                 res.no_customer);
        return -1;
    }
    return 0;
}

static bool is_import(json_t *job) { return job && !strcmp(json_string_value(json_object_get(job, "kind")), "import"); }

static void import_create(struct req *rq, struct resp *rs)
{
    const char *kind = req_query(rq, "kind");
    const struct rtype *type = kind ? registry_by_name(kind) : NULL;
    if (!type || !(type->flags & RT_IMPORT)) {
        resp_error(rs, 400, "invalid_parameter", "kind",
                   "kind must be an importable type: parties, transactions, interactions, products, opportunities, exchange-rates,"
                   " leads or business-calendars");
        return;
    }
    if (!rq->upload_path || rq->upload_len == 0) {
        resp_error(rs, 400, "missing_body", NULL, "send the file (CSV or JSON Lines) as the request body");
        return;
    }
    json_t *params = json_pack("{s:s, s:I}", "kind", kind, "user_id", (json_int_t)rq->user.id);
    static const char *const text_opts[] = {"format", "map", "null", "date_format", "currency", "encoding", "delimiter",
                                            "on_duplicate", "cancel_prefix", "mapping", "default_role",
                                            "default_source", NULL};
    for (int i = 0; text_opts[i]; i++) {
        const char *v = req_query(rq, text_opts[i]);
        if (!v) continue;
        if (strlen(v) > 4000 || !utf8_valid(v, strlen(v))) {
            resp_error(rs, 400, "invalid_parameter", text_opts[i], "%s must be UTF-8 text of at most 4000 bytes", text_opts[i]);
            json_decref(params);
            return;
        }
        json_object_set_new(params, text_opts[i], json_string(v));
    }
    static const char *const flag_opts[] = {"dry_run", "all_or_nothing", "no_header", NULL};
    for (int i = 0; flag_opts[i]; i++) {
        const char *v = req_query(rq, flag_opts[i]);
        if (v) json_object_set_new(params, flag_opts[i], json_boolean(!strcmp(v, "true") || !strcmp(v, "1") || !v[0]));
    }
    enum csv_encoding enc;
    enum dup_policy dp;
    const char *bad = NULL, *why = NULL;
    if (pstr(params, "encoding") && csv_encoding_parse(pstr(params, "encoding"), &enc)) { bad = "encoding"; why = "must be auto, utf-8 or gb18030"; }
    if (pstr(params, "on_duplicate") && dup_policy_parse(pstr(params, "on_duplicate"), &dp)) { bad = "on_duplicate"; why = "must be update, skip or error"; }
    const char *d = pstr(params, "delimiter");
    if (d && strlen(d) != 1 && strcmp(d, "tab") && strcmp(d, "whitespace")) { bad = "delimiter"; why = "must be one character, tab or whitespace"; }
    const char *f = pstr(params, "format");
    if (f && strcmp(f, "csv") && strcmp(f, "jsonl")) { bad = "format"; why = "must be csv or jsonl"; }
    const char *dr = pstr(params, "default_role"), *ds = pstr(params, "default_source");
    if (dr && !vocab_has(party_roles, dr)) { bad = "default_role"; why = "must be one of the party roles (customer, prospect, …)"; }
    if (ds && !vocab_has(info_sources, ds)) { bad = "default_source"; why = "must be one of the information sources (import, referral, …)"; }
    if ((dr || ds) && strcmp(kind, "parties") != 0) { bad = dr ? "default_role" : "default_source"; why = "applies to parties only"; }
    if (bad) { resp_error(rs, 400, "invalid_parameter", bad, "%s %s", bad, why); json_decref(params); return; }
    const char *mapping = pstr(params, "mapping");
    if (mapping) {
        char *spec = import_mapping_load(mapping, kind);
        if (!spec) { resp_error(rs, 422, "invalid_parameter", "mapping", "no saved mapping '%s' for %s", mapping, kind); json_decref(params); return; }
        const char *extra = pstr(params, "map");
        char *both = NULL;
        if (extra && asprintf(&both, "%s,%s", spec, extra) > 0) { free(spec); spec = both; }
        json_object_set_new(params, "map", json_string(spec));
        free(spec);
    }
    const char *save = req_query(rq, "save_mapping");
    if (save && pstr(params, "map") && import_mapping_save(save, kind, pstr(params, "map")) != 0) {
        resp_error(rs, 503, "storage_error", NULL, "the mapping could not be saved");
        json_decref(params);
        return;
    }
    /* Keep the upload: move it into the imports directory. */
    char dir[4096], path[4200];
    import_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/upload-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0 || rename(rq->upload_path, path) != 0) {
        if (fd >= 0) { close(fd); unlink(path); }
        resp_error(rs, 503, "storage_error", NULL, "the upload could not be stored");
        json_decref(params);
        return;
    }
    close(fd);
    json_object_set_new(params, "file", json_string(path));
    json_object_set_new(params, "bytes", json_integer((json_int_t)rq->upload_len));
    int64_t id = job_create("import", params, rq->user.id, "queued");
    json_decref(params);
    if (!id) { unlink(path); resp_error(rs, 503, "storage_error", NULL, "the import job could not be recorded"); return; }
    jobs_kick();
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/imports/%lld", (long long)id);
    resp_header(rs, "Location", loc);
    json_t *job = job_load(db_reader(), id);
    if (job) json_object_del(json_object_get(job, "params"), "file");
    resp_json(rs, 202, job ? job : json_pack("{s:I}", "id", (json_int_t)id));
}

/* POST /api/v1/imports/preview: the file's header and first rows (a CSV,
 * or an .xlsx's first sheet), nothing stored; the wizard matches columns
 * from it when the browser cannot read the file itself. */
static void import_preview_route(struct req *rq, struct resp *rs)
{
    if (!rq->upload_path || rq->upload_len == 0) {
        resp_error(rs, 400, "missing_body", NULL, "send the file (CSV or .xlsx) as the request body");
        return;
    }
    enum csv_encoding enc = CSV_ENC_AUTO;
    const char *e = req_query(rq, "encoding");
    if (e && csv_encoding_parse(e, &enc)) { resp_error(rs, 400, "invalid_parameter", "encoding", "encoding must be auto, utf-8 or gb18030"); return; }
    char err[400];
    json_t *out = import_preview(rq->upload_path, enc, 5, err, sizeof err);
    if (!out) { resp_error(rs, 422, "unreadable_file", "file", "%s", err); return; }
    resp_json(rs, 200, out);
}

static json_t *load_import(struct req *rq, struct resp *rs)
{
    json_t *job = job_load(db_reader(), rq->path_ids[0]);
    if (!is_import(job)) {
        json_decref(job);
        resp_error(rs, 404, "not_found", "id", "no import with id %lld", (long long)rq->path_ids[0]);
        return NULL;
    }
    /* The stored file name is the server's business. */
    json_object_del(json_object_get(job, "params"), "file");
    return job;
}

static void import_get(struct req *rq, struct resp *rs)
{
    json_t *job = load_import(rq, rs);
    if (job) resp_json(rs, 200, job);
}

/* A job is visible within the jobs.read scope of whoever started it (own by
 * default); one started by no user (the CLI) only to scope all. Outside it,
 * a job does not exist for the caller. */
static void job_get(struct req *rq, struct resp *rs)
{
    json_t *job = job_load(db_reader(), rq->path_ids[0]);
    enum scope scope = authz_scope(&rq->user, "jobs", "read") & ~SCOPE_WRITE;
    json_t *by = json_object_get(job, "created_by");
    if (job && scope != SCOPE_ALL && !(json_is_integer(by) && authz_user_in_scope(db_reader(), &rq->user, json_integer_value(by), scope))) {
        json_decref(job);
        job = NULL;
    }
    if (!job) { resp_error(rs, 404, "not_found", "id", "no job with id %lld", (long long)rq->path_ids[0]); return; }
    json_object_del(json_object_get(job, "params"), "file");
    resp_json(rs, 200, job);
}

static void import_list(struct req *rq, struct resp *rs)
{
    db_stmt *s = db_prepare(db_reader(), "SELECT id FROM job WHERE kind = 'import' ORDER BY id DESC LIMIT 100");
    if (!s) { resp_error(rs, 500, "internal", NULL, "the list query failed"); return; }
    json_t *items = json_array();
    int64_t ids[100];
    int n = 0;
    while (n < 100 && db_step(s) == DB_ROW) ids[n++] = db_column_int64(s, 0);
    db_done(s);
    for (int i = 0; i < n; i++) {
        json_t *job = job_load(db_reader(), ids[i]);
        if (!job) continue;
        json_object_del(json_object_get(job, "params"), "file");
        json_object_del(json_object_get(job, "result"), "report");
        json_array_append_new(items, job);
    }
    resp_json(rs, 200, json_pack("{s:o, s:n}", "items", items, "next"));
}

static void import_errors(struct req *rq, struct resp *rs)
{
    json_t *job = load_import(rq, rs);
    if (!job) return;
    json_decref(job);
    char path[4200];
    report_path(rq->path_ids[0], path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        resp_error(rs, 404, "not_found", "id", "import %lld has no report (yet)", (long long)rq->path_ids[0]);
        return;
    }
    rs->status = 200;
    rs->file_fd = fd;
    rs->body_len = (size_t)st.st_size;
    rs->content_type = "text/csv; charset=utf-8";
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"import-%lld-report.csv\"", (long long)rq->path_ids[0]);
    resp_header(rs, "Content-Disposition", disp);
}

static void import_undo_route(struct req *rq, struct resp *rs)
{
    json_t *job = load_import(rq, rs);
    if (!job) return;
    json_decref(job);
    char msg[600];
    long removed = 0, restored = 0;
    if (import_undo(rq->path_ids[0], &removed, &restored, msg, sizeof msg) != 0) {
        resp_error(rs, 409, "cannot_undo", NULL, "%s", msg);
        return;
    }
    job = load_import(rq, rs);
    if (job) resp_json(rs, 200, job);
}

static void import_cancel(struct req *rq, struct resp *rs)
{
    json_t *job = load_import(rq, rs);
    if (!job) return;
    json_decref(job);
    if (job_cancel(rq->path_ids[0]) != 0) {
        resp_error(rs, 409, "not_running", NULL, "import %lld is not queued or running", (long long)rq->path_ids[0]);
        return;
    }
    job = load_import(rq, rs);
    if (job) resp_json(rs, 200, job);
}

/* OpenAPI shapes of these routes (src/api/openapi.c). A job is what every
 * background work answers (imports, analytics runs, scheduled jobs). */
static const char *const job_schemas[] = {
    "Job",
    "{'type':'object','required':['id','kind','status','progress','created_by','created_at','started_at','finished_at','params',"
    "'result','error'],'additionalProperties':false,'properties':{'id':{'type':'integer','format':'int64'},"
    "'kind':{'type':'string','description':'import, analytics_run, …'},"
    "'status':{'type':'string','enum':['queued','running','done','failed','cancelled','undone']},"
    "'progress':{'type':'object','required':['done','total'],'additionalProperties':false,'properties':{"
    "'done':{'type':'integer'},'total':{'type':'integer'}}},"
    "'created_by':{'type':'integer','format':'int64','nullable':true},'created_at':{'type':'string','format':'date-time'},"
    "'started_at':{'type':'string','format':'date-time','nullable':true},'finished_at':{'type':'string','format':'date-time','nullable':true},"
    "'params':{'type':'object','description':'what the job was asked (an import: kind and its query options)'},"
    "'result':{'type':'object','nullable':true,'description':'what it did (an import: counts and the first report lines)'},"
    "'error':{'type':'string','nullable':true}}}",
    NULL,
};
static const struct route_doc import_create_doc = {
    .id = "createImport", .tag = "imports", .status = 202, .headers = "Location", .errors = "422",
    .request = "{'type':'string','format':'binary','description':'the file: CSV or JSON Lines, at most 256 MiB'}",
    .request_type = "text/csv application/x-ndjson application/octet-stream",
    .params = "[{'name':'kind','in':'query','required':true,'schema':{'type':'string','enum':['parties','transactions','interactions','products','opportunities','exchange-rates','leads','business-calendars']}},"
              "{'name':'format','in':'query','schema':{'type':'string','enum':['csv','jsonl']}},"
              "{'name':'map','in':'query','schema':{'type':'string'},'description':'column=field,… (or the columns named like fields)'},"
              "{'name':'mapping','in':'query','schema':{'type':'string'},'description':'a saved mapping'},"
              "{'name':'save_mapping','in':'query','schema':{'type':'string'},'description':'save map under this name'},"
              "{'name':'null','in':'query','schema':{'type':'string'},'description':'the text that means no value'},"
              "{'name':'date_format','in':'query','schema':{'type':'string'}},"
              "{'name':'currency','in':'query','schema':{'type':'string'}},"
              "{'name':'encoding','in':'query','schema':{'type':'string','enum':['auto','utf-8','gb18030']}},"
              "{'name':'delimiter','in':'query','schema':{'type':'string'},'description':'one character, tab or whitespace'},"
              "{'name':'on_duplicate','in':'query','schema':{'type':'string','enum':['update','skip','error']}},"
              "{'name':'cancel_prefix','in':'query','schema':{'type':'string'}},"
              "{'name':'default_role','in':'query','schema':{'type':'string'},'description':'parties: the role of a row that gives none (customer, prospect, …)'},"
              "{'name':'default_source','in':'query','schema':{'type':'string'},'description':'parties: the information source of a row that gives none (import, …)'},"
              "{'name':'dry_run','in':'query','schema':{'type':'boolean'}},"
              "{'name':'all_or_nothing','in':'query','schema':{'type':'boolean'}},"
              "{'name':'no_header','in':'query','schema':{'type':'boolean'}}]",
    .response = "{'$ref':'#/components/schemas/Job'}",
    .schemas = job_schemas,
};
static const struct route_doc import_preview_doc = {
    .id = "previewImport", .tag = "imports", .errors = "422",
    .request = "{'type':'string','format':'binary','description':'the file: CSV or an .xlsx workbook'}",
    .request_type = "text/csv application/vnd.openxmlformats-officedocument.spreadsheetml.sheet application/octet-stream",
    .params = "[{'name':'encoding','in':'query','schema':{'type':'string','enum':['auto','utf-8','gb18030']}}]",
    .response = "{'type':'object','required':['columns','rows','format'],'additionalProperties':false,'properties':{"
                "'columns':{'type':'array','items':{'type':'string'}},"
                "'rows':{'type':'array','maxItems':5,'items':{'type':'array','items':{'type':'string'}}},"
                "'format':{'type':'string','enum':['csv','xlsx']}}}",
    .response_name = "ImportPreview",
};
static const struct route_doc import_list_doc = {
    .id = "listImports", .tag = "imports",
    .response = "{'type':'object','required':['items','next'],'additionalProperties':false,'properties':{"
                "'items':{'type':'array','maxItems':100,'items':{'$ref':'#/components/schemas/Job'}},'next':{'type':'string','nullable':true}}}",
    .response_name = "JobList",
};
static const struct route_doc import_get_doc = {.id = "getImport", .tag = "imports", .response = "{'$ref':'#/components/schemas/Job'}"};
static const struct route_doc import_errors_doc = {.id = "getImportReport", .tag = "imports", .response_type = "text/csv", .headers = "Content-Disposition"};
static const struct route_doc import_undo_doc = {.id = "undoImport", .tag = "imports", .errors = "409",
                                                 .response = "{'$ref':'#/components/schemas/Job'}"};
static const struct route_doc import_cancel_doc = {.id = "cancelImport", .tag = "imports", .errors = "409",
                                                   .response = "{'$ref':'#/components/schemas/Job'}"};
static const struct route_doc job_get_doc = {.id = "getJob", .tag = "jobs", .response = "{'$ref':'#/components/schemas/Job'}"};

static const struct route import_routes[] = {
    {"POST", "/api/v1/imports/preview", R_UPLOAD, "imports", "create", import_preview_route,
     "The header and first rows of a file (CSV or .xlsx) as an import would read them; nothing is stored", NULL, &import_preview_doc},
    {"POST", "/api/v1/imports", R_UPLOAD, "imports", "create", import_create,
     "Upload a file to import (CSV or JSON Lines as the body; kind, map, null, date_format, encoding, delimiter, on_duplicate, dry_run, all_or_nothing in the query); answers 202 with the job", NULL, &import_create_doc},
    {"GET", "/api/v1/imports", 0, "imports", "read", import_list, "The latest imports", NULL, &import_list_doc},
    {"GET", "/api/v1/imports/{id}", 0, "imports", "read", import_get, "An import: status, progress, counts and the first report lines", NULL, &import_get_doc},
    {"GET", "/api/v1/imports/{id}/errors", 0, "imports", "read", import_errors, "The import's per-row report as CSV (row, column, kind, reason)", NULL, &import_errors_doc},
    {"POST", "/api/v1/imports/{id}/undo", 0, "imports", "delete", import_undo_route, "Undo an import: remove what it created, restore what it updated", NULL, &import_undo_doc},
    {"POST", "/api/v1/imports/{id}/cancel", 0, "imports", "update", import_cancel, "Stop a queued or running import", NULL, &import_cancel_doc},
    {"GET", "/api/v1/jobs/{id}", 0, "jobs", "read", job_get, "A background job: status, progress, result", NULL, &job_get_doc},
};

void imports_register(void)
{
    jobs_register_kind("import", run_import_job);
    routes_register(import_routes, sizeof import_routes / sizeof import_routes[0]);
}
