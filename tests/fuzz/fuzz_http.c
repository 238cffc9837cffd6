/* fuzz_http: raw bytes on a connection to a real libmicrohttpd daemon that
 * runs the server's own request handler (src/http/server.c is included so
 * its static on_request/on_completed are used as they are in `rapport
 * serve`): request line, headers, query strings, path parameters, cookies,
 * bodies, pipelining — then the router, authentication, CSRF, the handlers
 * and the database. Each input is written to one end of a socketpair whose
 * other end is handed to the daemon with MHD_add_connection; the write side
 * is then shut down and the answer read until the daemon closes or falls
 * silent. A bearer
 * token "rpt_fuzz" and a session cookie "fuzzsession" (CSRF "fuzzcsrf") are
 * valid, so authenticated paths are reachable from the dictionary. */
#include "../../src/http/server.c"
#include "db/writer.h"
#include "fuzz_common.h"
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

static struct MHD_Daemon *g_daemon;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    signal(SIGPIPE, SIG_IGN);
    fuzz_db_setup();
    char err[256];
    if (writer_start(err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); abort(); }
    fuzz_seed_auth();
    g_daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, uri_check, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)1,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)400,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_END);
    if (!g_daemon) abort();
    /* The worker pool that http_serve starts: writes run there with the
     * connection suspended. */
    for (int i = 0; i < WORKERS; i++) pthread_create(&g_workers[i], NULL, worker_main, NULL);
    log_quiet = 1;   /* libmicrohttpd warns about every malformed request */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 17)) return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) abort();
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(40000), .sin_addr.s_addr = htonl(0x7f000001)};
    if (MHD_add_connection(g_daemon, sv[1], (struct sockaddr *)&peer, sizeof peer) != MHD_YES) {
        close(sv[0]);
        return 0;
    }
    size_t off = 0;
    char buf[65536];
    while (off < size) {
        ssize_t n = send(sv[0], data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) { off += (size_t)n; continue; }
        if (n < 0 && errno != EAGAIN) break;      /* the daemon closed early (413, bad request) */
        struct pollfd p = {sv[0], POLLIN | POLLOUT, 0};
        poll(&p, 1, 100);
        if (p.revents & POLLIN) { if (recv(sv[0], buf, sizeof buf, 0) <= 0) break; }
    }
    shutdown(sv[0], SHUT_WR);
    /* libmicrohttpd does not close a connection whose client half-closed in
     * the middle of a request (it waits for its time-out), so the answer is
     * read until the daemon closes or nothing more arrives for a moment; the
     * daemon's own 1 s time-out then reaps the connection. */
    for (int idle_ms = 60;;) {
        struct pollfd p = {sv[0], POLLIN, 0};
        if (poll(&p, 1, idle_ms) <= 0) break;
        if (recv(sv[0], buf, sizeof buf, 0) <= 0) break;
        idle_ms = 30;
    }
    close(sv[0]);
    return 0;
}
