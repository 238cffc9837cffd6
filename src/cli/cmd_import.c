/* cmd_import: `rapport import KIND FILE [options]` and `rapport import undo
 * JOB`. The engine is src/domain/import.c; this file parses options, shows
 * a progress bar on a terminal and prints the summary. */
#include "api/party_docs.h"
#include "cli/cli.h"
#include "db/db.h"
#include "db/writer.h"
#include "domain/import.h"
#include "domain/vocab.h"
#include "jobs/jobs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: rapport import parties|transactions|interactions|products FILE [--db PATH]\n"
    "         [--map field=Column,...] [--mapping NAME] [--save-mapping NAME] [--null TEXT]\n"
    "         [--date-format FMT] [--currency CODE] [--encoding auto|utf-8|gb18030]\n"
    "         [--delimiter C|tab|whitespace] [--no-header] [--format csv|jsonl]\n"
    "         [--on-duplicate update|skip|error] [--cancel-prefix TEXT] [--errors REPORT.csv]\n"
    "         [--default-role ROLE] [--default-source SOURCE] (parties: for rows that give none)\n"
    "         [--dry-run] [--all-or-nothing] [--max-bytes N] [--max-decompressed-bytes N] [--max-rows N]\n"
    "       rapport import undo JOB [--db PATH]\n";

static void show_progress(void *ctx, long rows, long total, double secs)
{
    static double last;
    if (rows < total && secs - last < 0.2) return;
    last = secs;
    cli_progress("importing", rows, total, secs);
}

static int cmd_undo(int argc, char **argv)
{
    const char *id_s = cli_positional(argc, argv, 1);
    const char *extra = cli_positional(argc, argv, 2);
    char *end = NULL;
    long long id = id_s ? strtoll(id_s, &end, 10) : 0;
    if (!id_s || *end || id <= 0 || extra) { fputs(usage, stderr); return 2; }
    if (cli_open_db(cli_db_path(argc, argv), false) != 0) return 1;
    if (party_docs_check_format() != 0) { fprintf(stderr, "rapport import: cannot check the stored party documents\n"); return 1; }
    char msg[600];
    long removed = 0, restored = 0;
    int rc = import_undo(id, &removed, &restored, msg, sizeof msg);
    fprintf(rc ? stderr : stdout, "%s%s\n", rc ? "rapport import undo: " : "undone: ", msg);
    db_reader_release();
    writer_stop();
    db_global_close();
    return rc ? 1 : 0;
}

int cmd_import(int argc, char **argv)
{
    const char *kind = cli_positional(argc, argv, 0);
    if (kind && !strcmp(kind, "undo")) {
        (void)opt_value(argc, argv, "--db");
        return cmd_undo(argc, argv);
    }
    struct import_opts o = {0};
    o.map = opt_value(argc, argv, "--map");
    o.null_text = opt_value(argc, argv, "--null");
    o.date_format = opt_value(argc, argv, "--date-format");
    o.currency = opt_value(argc, argv, "--currency");
    o.cancel_prefix = opt_value(argc, argv, "--cancel-prefix");
    o.default_role = opt_value(argc, argv, "--default-role");
    o.default_source = opt_value(argc, argv, "--default-source");
    o.errors_path = opt_value(argc, argv, "--errors");
    o.format = opt_value(argc, argv, "--format");
    const char *mapping = opt_value(argc, argv, "--mapping");
    const char *save_mapping = opt_value(argc, argv, "--save-mapping");
    const char *enc = opt_value(argc, argv, "--encoding");
    const char *delim = opt_value(argc, argv, "--delimiter");
    const char *dup = opt_value(argc, argv, "--on-duplicate");
    const char *max_bytes = opt_value(argc, argv, "--max-bytes");
    const char *batch = opt_value(argc, argv, "--batch");
    const char *max_data = opt_value(argc, argv, "--max-decompressed-bytes");
    const char *max_rows = opt_value(argc, argv, "--max-rows");
    const char *db_path = cli_db_path(argc, argv);
    o.dry_run = opt_flag(argc, argv, "--dry-run");
    o.all_or_nothing = opt_flag(argc, argv, "--all-or-nothing");
    o.no_header = opt_flag(argc, argv, "--no-header");
    kind = cli_positional(argc, argv, 0);
    o.path = cli_positional(argc, argv, 1);
    const char *extra = cli_positional(argc, argv, 2);
    if (!kind || !o.path || extra) { fputs(usage, stderr); return 2; }
    o.kind = kind;
    if (enc && csv_encoding_parse(enc, &o.encoding)) { fprintf(stderr, "rapport import: --encoding must be auto, utf-8 or gb18030\n"); return 2; }
    if (delim) {
        if (!strcmp(delim, "whitespace") || !strcmp(delim, "space")) o.whitespace = true;
        else if (!strcmp(delim, "tab") || !strcmp(delim, "\\t")) o.delimiter = '\t';
        else if (strlen(delim) == 1 && delim[0] != '"' && delim[0] != '\n') o.delimiter = (unsigned char)delim[0];
        else { fprintf(stderr, "rapport import: --delimiter must be one character, tab or whitespace\n"); return 2; }
    }
    if (o.default_role && !vocab_has(party_roles, o.default_role)) { fprintf(stderr, "rapport import: --default-role must be a party role (customer, prospect, …)\n"); return 2; }
    if (o.default_source && !vocab_has(info_sources, o.default_source)) { fprintf(stderr, "rapport import: --default-source must be an information source (import, referral, …)\n"); return 2; }
    o.on_dup = DUP_UPDATE;
    if (dup && dup_policy_parse(dup, &o.on_dup)) { fprintf(stderr, "rapport import: --on-duplicate must be update, skip or error\n"); return 2; }
    if (max_bytes) o.max_file = strtoull(max_bytes, NULL, 10);
    if (batch) o.batch = atoi(batch);
    uint64_t cap;
    if (max_data) {
        if (import_parse_cap(max_data, true, &cap)) { fprintf(stderr, "rapport import: --max-decompressed-bytes must be a number of bytes from 1 (k, M, G allowed)\n"); return 2; }
        o.max_data = cap;
    }
    if (max_rows) {
        if (import_parse_cap(max_rows, false, &cap)) { fprintf(stderr, "rapport import: --max-rows must be a whole number from 1\n"); return 2; }
        o.max_rows = (long)cap;
    }
    o.progress = show_progress;
    o.batch_seconds = 2.0;   /* no other writers wait on the command line: fewer, larger commits */
    if (cli_open_db(db_path, false) != 0) return 1;
    if (party_docs_check_format() != 0) { fprintf(stderr, "rapport import: cannot check the stored party documents\n"); return 1; }
    int ret = 1;
    char *saved = NULL;
    if (mapping) {
        saved = import_mapping_load(mapping, kind);
        if (!saved) { fprintf(stderr, "rapport import: no saved mapping '%s' for %s\n", mapping, kind); goto out; }
        if (o.map) {
            /* --map adds to (and overrides) the saved mapping. */
            char *both = NULL;
            if (asprintf(&both, "%s,%s", saved, o.map) < 0) goto out;
            free(saved);
            saved = both;
        }
        o.map = saved;
    }
    if (save_mapping && o.map && import_mapping_save(save_mapping, kind, o.map) != 0) {
        fprintf(stderr, "rapport import: cannot save the mapping\n");
        goto out;
    }
    json_t *params = json_pack("{s:s, s:s, s:b, s:b}", "kind", kind, "file", o.path, "dry_run", o.dry_run, "all_or_nothing", o.all_or_nothing);
    if (o.map) json_object_set_new(params, "map", json_string(o.map));
    if (!o.dry_run) {
        o.job_id = job_create("import", params, 0, "running");
        if (!o.job_id) { json_decref(params); fprintf(stderr, "rapport import: cannot record the job\n"); goto out; }
    }
    json_decref(params);
    struct import_result res;
    int rc = import_run(&o, &res);
    if (cli_interactive()) fputc('\n', stderr);
    json_t *result = import_result_json(&res);
    if (o.job_id)
        job_set_status(o.job_id, rc == 0 ? "done" : "failed", json_deep_copy(result), rc ? res.fatal : NULL);
    double rate = res.seconds > 0 ? res.rows / res.seconds : 0;
    const char *verb = o.dry_run ? "dry run (nothing written)" : (o.all_or_nothing && !res.written) ? "nothing written" : "imported";
    printf("%s %s: %ld rows in %.2fs (%.0f rows/s): %ld created, %ld updated, %ld skipped, %ld duplicates, %ld errors",
           verb, kind, res.rows, res.seconds, rate, res.created, res.updated, res.skipped, res.duplicates, res.errors);
    if (res.no_customer) printf(", %ld without a customer", res.no_customer);
    if (res.values_dropped) printf(", %ld bad values left out", res.values_dropped);
    if (res.organizations_created) printf(", %ld organisations created", res.organizations_created);
    if (!strcmp(kind, "transactions")) printf("; %ld customers created, %ld cancellations, %ld lines", res.parties_created, res.cancellations, res.lines);
    printf("\n");
    if (o.job_id) printf("job %lld (undo with: rapport import undo %lld)\n", (long long)o.job_id, (long long)o.job_id);
    if (rc != 0) fprintf(stderr, "rapport import: %s\n", res.fatal);
    else if (res.errors || res.no_customer) {
        size_t i; json_t *x;
        int shown = 0;
        json_array_foreach(res.sample, i, x) {
            if (strcmp(json_string_value(json_object_get(x, "kind")), "duplicate") == 0) continue;
            if (shown++ >= 5) break;
            fprintf(stderr, "  row %lld, column %s: %s\n", (long long)json_integer_value(json_object_get(x, "row")),
                    json_string_value(json_object_get(x, "column")), json_string_value(json_object_get(x, "reason")));
        }
        if (o.errors_path) fprintf(stderr, "  every refused row is listed in %s\n", o.errors_path);
        else fprintf(stderr, "  (--errors REPORT.csv lists every refused row)\n");
    }
    json_decref(result);
    json_decref(res.sample);
    ret = rc != 0 ? 1 : (o.all_or_nothing && !o.dry_run && !res.written) ? 1 : 0;
out:
    free(saved);
    db_reader_release();
    writer_stop();
    db_global_close();
    return ret;
}
