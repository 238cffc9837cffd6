/* cmd_serve: `rapport serve` — open (creating if needed) the database, start
 * the group-commit writer and the HTTP server. */
#include "analytics/service.h"
#include "api/api.h"
#include "api/party_docs.h"
#include "cli/cli.h"
#include "domain/import.h"
#include "db/writer.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "jobs/scheduler.h"
#include "db/writer.h"
#include "http/authz.h"
#include "records/registry.h"
#include "records/events.h"
#include "lib/memtrim.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int seed_job(db *w, void *arg) { return registry_seed(w) ? 1 : 0; }

int cmd_serve(int argc, char **argv)
{
    const char *path = cli_db_path(argc, argv);
    const char *listen = opt_value(argc, argv, "--listen");
    const char *threads_s = opt_value(argc, argv, "--threads");
    const char *metrics_listen = opt_value(argc, argv, "--metrics-listen");
    const char *imp_rows = opt_value(argc, argv, "--import-max-rows");
    const char *imp_data = opt_value(argc, argv, "--import-max-decompressed-bytes");
    const char *replica = opt_value(argc, argv, "--db-replica");
    const char *replica_window = opt_value(argc, argv, "--replica-window-ms");
    const char *extra = cli_leftover(argc, argv, 1);
    if (extra) { fprintf(stderr, "rapport serve: unexpected argument '%s'\n", extra); return 2; }
    long threads = threads_s ? strtol(threads_s, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || threads > 64) threads = 2;
    /* Caps of every import job (a small gzip can hold gigabytes, or tens of
     * millions of rows). */
    uint64_t rows = 0, data = 0;
    if (imp_rows && import_parse_cap(imp_rows, false, &rows)) { fprintf(stderr, "rapport serve: --import-max-rows must be a whole number from 1\n"); return 2; }
    if (imp_data && import_parse_cap(imp_data, true, &data)) {
        fprintf(stderr, "rapport serve: --import-max-decompressed-bytes must be a number of bytes from 1 (k, M, G allowed)\n");
        return 2;
    }
    import_set_default_caps((long)rows, data);
    memtrim_configure();   /* before any thread starts */
    if (replica_window) {
        char *end;
        long ms = strtol(replica_window, &end, 10);
        if (*end || ms < 0 || ms > 3600000) { fprintf(stderr, "rapport serve: --replica-window-ms must be 0 to 3600000\n"); return 2; }
        router_replica_window(ms);
    }
    if (cli_open_db(path, true) != 0) return 1;
    api_init();
    char err[256];
    if (replica && db_replica_set(replica, err, sizeof err) != 0) { fprintf(stderr, "rapport serve: --db-replica: %s\n", err); return 1; }
    if (party_docs_check_format() != 0) { fprintf(stderr, "rapport: cannot check the stored party documents\n"); return 1; }
    if (writer_start(err, sizeof err) != 0) { fprintf(stderr, "rapport: %s\n", err); return 1; }
    /* A record type new since the last start gets its permission rows. */
    if (db_write(seed_job, NULL) != 0 || authz_load(db_reader()) != 0) {
        fprintf(stderr, "rapport: cannot write the permission rows of the record types\n");
        writer_stop();
        return 1;
    }
    authz_follow_changes();
    if (an_service_start(true) != 0) { fprintf(stderr, "rapport: cannot load the analytics store\n"); writer_stop(); return 1; }
    if (jobs_start() != 0) { fprintf(stderr, "rapport: cannot start the job runner\n"); an_service_stop(); writer_stop(); return 1; }
    if (events_start() != 0) { fprintf(stderr, "rapport: cannot start following the event feed\n"); jobs_stop(); an_service_stop(); writer_stop(); return 1; }
    if (scheduler_start() != 0) { fprintf(stderr, "rapport: cannot start the scheduler\n"); events_stop(); jobs_stop(); an_service_stop(); writer_stop(); return 1; }
    if (party_docs_start() != 0) fprintf(stderr, "rapport: cannot start filling in party documents; parties are read from their columns\n");
    memtrim_now();   /* what migrations, checks and the store's bulk load freed */
    int rc = http_serve(listen ? listen : "127.0.0.1:8080", (int)threads, metrics_listen);
    party_docs_stop();
    scheduler_stop();
    events_stop();
    jobs_stop();
    an_service_stop();
    writer_stop();
    db_global_close();
    return rc == 0 ? 0 : 1;
}
