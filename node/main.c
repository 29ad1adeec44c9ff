/* nunchi-node: one node process. It connects a DEALER to a coordinator, says hello,
 * hosts the agents it is given and steps them until the coordinator says bye. The
 * coordinator starts these itself for `--transport ipc|tcp`; `nunchi serve` waits for
 * them to be started by hand, on this machine or another. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <zmq.h>

#include "node/keys.h"
#include "node/link.h"
#include "nunchi/error.h"
#include "nunchi/node.h"

static void s_usage(FILE *f)
{
    fprintf(
        f,
        "usage: nunchi-node --connect ENDPOINT [--timeout S] [--max-message-bytes N] [--verbose]\n"
        "                   [--parent PID] [--server-key FILE --key FILE]\n"
        "  --connect ENDPOINT       the coordinator, e.g. tcp://host:5555 or ipc:///tmp/x.sock\n"
        "  --timeout S              give up when no coordinator answers within S seconds (30)\n"
        "  --max-message-bytes N    largest message accepted (1073741824)\n"
        "  --verbose                say on stderr what happens\n"
        "  --parent PID             leave when process PID ends (set by a coordinator)\n"
        "  --server-key FILE        the coordinator's public key (its NAME.key): CURVE over tcp\n"
        "  --key FILE               this node's key pair (NAME.key_secret of nunchi keygen)\n");
}

static int s_number(const char *opt, const char *text, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min)) {
        fprintf(stderr, "nunchi-node: '%s' needs a number >= %g, got '%s'\n", opt, min, text);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *server_key = NULL, *key = NULL;
    nn_link_tune_allocator();
    nn_session_config_t cfg = NN_SESSION_CONFIG_INIT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            s_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("nunchi-node %s (protocol %u)\n", NUNCHI_VERSION, NN_PROTOCOL_VERSION);
            return 0;
        } else if (!strcmp(a, "--verbose")) {
            cfg.verbose = 1;
        } else if (i + 1 < argc && !strcmp(a, "--connect")) {
            endpoint = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--timeout")) {
            if (s_number(a, argv[++i], 0.001, &v))
                return 2;
            cfg.hello_timeout_s = v;
        } else if (i + 1 < argc && !strcmp(a, "--parent")) {
            /* started by a coordinator: leave with it, even when it is killed */
            if (s_number(a, argv[++i], 1, &v))
                return 2;
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != (pid_t)v)
                return 1; /* it is gone already */
        } else if (i + 1 < argc && !strcmp(a, "--server-key")) {
            server_key = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--key")) {
            key = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--max-message-bytes")) {
            if (s_number(a, argv[++i], 1024, &v))
                return 2;
            cfg.max_message_bytes = (size_t)v;
        } else {
            fprintf(stderr, "nunchi-node: unknown or incomplete option '%s'\n", a);
            s_usage(stderr);
            return 2;
        }
    }
    if (!endpoint) {
        fprintf(stderr, "nunchi-node: '--connect ENDPOINT' is required\n");
        s_usage(stderr);
        return 2;
    }
    /* CURVE: from key files, or from the environment of a coordinator that started us */
    char spub[NN_KEY_Z85_LEN + 1] = "", pub[NN_KEY_Z85_LEN + 1] = "", sec[NN_KEY_Z85_LEN + 1] = "";
    if (!server_key != !key) {
        fprintf(stderr, "nunchi-node: '--server-key' and '--key' go together\n");
        return 2;
    }
    if (server_key) {
        char kerr[4400];
        if (nn_keys_load(server_key, spub, NULL, kerr, sizeof kerr) != NN_OK ||
            nn_keys_load(key, pub, sec, kerr, sizeof kerr) != NN_OK) {
            fprintf(stderr, "nunchi-node: %s\n", kerr);
            return 2;
        }
    } else if (getenv(NN_KEYS_ENV_SERVER) && getenv(NN_KEYS_ENV_PUBLIC) &&
               getenv(NN_KEYS_ENV_SECRET)) {
        snprintf(spub, sizeof spub, "%s", getenv(NN_KEYS_ENV_SERVER));
        snprintf(pub, sizeof pub, "%s", getenv(NN_KEYS_ENV_PUBLIC));
        snprintf(sec, sizeof sec, "%s", getenv(NN_KEYS_ENV_SECRET));
        unsetenv(NN_KEYS_ENV_SECRET);
    }
    void *ctx = zmq_ctx_new();
    void *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    if (!sock) {
        fprintf(stderr, "nunchi-node: cannot create a socket: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    int64_t maxmsg = (int64_t)cfg.max_message_bytes;
    int linger = 1000;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (spub[0] && nn_keys_client(sock, spub, pub, sec) != NN_OK) {
        fprintf(stderr, "nunchi-node: cannot use the CURVE keys: %s\n", zmq_strerror(zmq_errno()));
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return 2;
    }
    memset(sec, 0, sizeof sec);
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "nunchi-node: cannot connect to '%s': %s\n", endpoint,
                zmq_strerror(zmq_errno()));
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return 2;
    }
    char err[512] = "";
    int rc = nn_node_session(sock, &cfg, err, sizeof err);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    if (rc != NN_OK) {
        fprintf(stderr, "nunchi-node: %s\n", err[0] ? err : nn_strerror(rc));
        return 1;
    }
    return 0;
}
