/* bare_mhd: the peer for the HTTP benchmark — libmicrohttpd in the same
 * mode as rapport (epoll thread pool, answer on the second call), answering
 * every request with a fixed JSON body the size of a party. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char BODY[] =
    "{\"id\":4242,\"kind\":\"person\",\"name\":\"\xe5\xbc\xa0\xe4\xbc\x9f\",\"roles\":[\"customer\"],\"external_id\":null,"
    "\"emails\":[\"zhang.wei@example.cn\"],\"phones\":[\"+86 138 0013 8000\"],\"addresses\":[],\"website\":null,"
    "\"title\":null,\"industry\":null,\"source\":\"referral\",\"city\":\"\xe4\xb8\x8a\xe6\xb5\xb7\",\"country\":\"CN\","
    "\"birthday\":\"1988-02-29\",\"needs\":null,\"characteristics\":null,\"communication\":{},\"contact_plan\":null,"
    "\"relationship_to_company\":\"consumer\",\"importance\":\"vip\",\"loyalty_class\":null,\"value_class\":\"follower\","
    "\"customer_type\":\"retail\",\"relationship_level\":\"partner\",\"tags\":[],\"custom\":{},\"notes\":null,"
    "\"owner_id\":1,\"team_id\":null,\"created_at\":\"2026-11-25T14:21:23Z\",\"updated_at\":\"2026-11-25T14:21:23Z\",\"version\":1}";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state)
{
    if (!*state) { *state = (void *)1; return MHD_YES; }
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 18090;
    unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, (uint16_t)port, NULL, NULL, on_request, NULL,
                                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, 2048u,
                                            MHD_OPTION_END);
    if (!d) { perror("MHD_start_daemon"); return 1; }
    pause();
    MHD_stop_daemon(d);
    return 0;
}
