/* nn_node_main: the command line of a node process, shared by nunchi-node and the nodes
 * that users build with the C SDK (include/nunchi/sdk.h). It reads the options, loads
 * the CURVE keys, connects a DEALER to the coordinator and runs nn_node_session() on it
 * until the coordinator says bye. The coordinator starts nunchi-node itself for
 * `--transport ipc|tcp`; `nunchi serve` and external populations wait for nodes started
 * by hand, on this machine or another. */
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
#include "nunchi/sdk.h"

#ifndef NUNCHI_VERSION
#error "NUNCHI_VERSION must be defined (CMakeLists.txt sets it for node/cli.c)"
#endif

const char *nn_version(void)
{
    return NUNCHI_VERSION;
}

static void s_usage(FILE *f, const nn_node_main_config_t *mc)
{
    const char *name = mc->implementation;
    int pad = (int)strlen("usage: ") + (int)strlen(name) + 1;
    fprintf(
        f,
        "usage: %s --connect ENDPOINT [--timeout S] [--max-message-bytes N] [--verbose]\n"
        "%*s[--parent PID] [--server-key FILE --key FILE]\n"
        "%*s[--claim POPULATION=BEHAVIOUR ...] [--max-agents N]\n"
        "  --connect ENDPOINT       the coordinator, e.g. tcp://host:5555 or ipc:///tmp/x.sock\n"
        "  --timeout S              give up when no coordinator answers within S seconds "
        "(30)\n"
        "  --max-message-bytes N    largest message accepted (1073741824)\n"
        "  --verbose                say on stderr what happens\n"
        "  --parent PID             leave when process PID ends (set by a coordinator)\n"
        "  --server-key FILE        the coordinator's public key (its NAME.key): CURVE over "
        "tcp\n"
        "  --key FILE               this node's key pair (NAME.key_secret of nunchi keygen)\n"
        "  --claim POP=BEHAVIOUR    host the external population POP with BEHAVIOUR\n"
        "                           (repeatable; POP alone: the behaviour of that name)\n"
        "  --max-agents N           host at most N agents (0: no limit)\n",
        name, pad, "", pad, "");
    if (mc->n_claims) {
        fprintf(f, "without --claim it claims");
        for (size_t i = 0; i < mc->n_claims; i++)
            fprintf(f, " %s=%s", mc->claims[i].population, mc->claims[i].behaviour);
        fprintf(f, "\n");
    }
}

static int s_number(const char *name, const char *opt, const char *text, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min)) {
        fprintf(stderr, "%s: '%s' needs a number >= %g, got '%s'\n", name, opt, min, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* A claim names a population that fits a Hello and a behaviour of the registry. */
static int s_claim_ok(const char *name, const char *what, const nn_claim_t *c)
{
    const char *why = NULL;
    if (!c->population || !c->population[0] || strlen(c->population) >= NN_NAME_MAX)
        why = "the population name is empty or too long";
    else if (!c->behaviour || !nn_behaviour_find(c->behaviour))
        why = "no such behaviour";
    if (!why)
        return 1;
    fprintf(stderr, "%s: '%s %s=%s': %s (behaviours: see nunchi help behaviours)\n", name, what,
            c->population ? c->population : "", c->behaviour ? c->behaviour : "", why);
    return 0;
}

int nn_node_main(int argc, char **argv, const nn_node_main_config_t *mc_or_null)
{
    const nn_node_main_config_t def = NN_NODE_MAIN_CONFIG_INIT;
    const nn_node_main_config_t *mc = mc_or_null ? mc_or_null : &def;
    const char *name =
        mc->implementation && mc->implementation[0] ? mc->implementation : def.implementation;
    const char *endpoint = NULL, *server_key = NULL, *key = NULL;
    nn_link_tune_allocator();
    nn_session_config_t cfg = NN_SESSION_CONFIG_INIT;
    cfg.implementation = name;
    cfg.builtin = mc->builtin;
    nn_claim_t claims[NN_MAX_POPULATIONS];
    char claim_text[NN_MAX_POPULATIONS][2 * NN_NAME_MAX];
    size_t n_claims = 0;
    if (mc->n_claims > NN_MAX_POPULATIONS || (mc->n_claims && !mc->claims)) {
        fprintf(stderr, "%s: the program gives %zu default claims (at most %d)\n", name,
                mc->n_claims, NN_MAX_POPULATIONS);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            s_usage(stdout, mc);
            return 0;
        } else if (!strcmp(a, "--version")) {
            if (mc->version)
                printf("%s %s (libnunchi %s, protocol %u)\n", name, mc->version, nn_version(),
                       NN_PROTOCOL_VERSION);
            else
                printf("%s %s (protocol %u)\n", name, nn_version(), NN_PROTOCOL_VERSION);
            return 0;
        } else if (!strcmp(a, "--verbose")) {
            cfg.verbose = 1;
        } else if (i + 1 < argc && !strcmp(a, "--connect")) {
            endpoint = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--timeout")) {
            if (s_number(name, a, argv[++i], 0.001, &v))
                return 2;
            cfg.hello_timeout_s = v;
        } else if (i + 1 < argc && !strcmp(a, "--parent")) {
            /* started by a coordinator: leave with it, even when it is killed */
            if (s_number(name, a, argv[++i], 1, &v))
                return 2;
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != (pid_t)v)
                return 1; /* it is gone already */
        } else if (i + 1 < argc && !strcmp(a, "--server-key")) {
            server_key = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--key")) {
            key = argv[++i];
        } else if (i + 1 < argc && !strcmp(a, "--claim")) {
            const char *c = argv[++i];
            if (n_claims == NN_MAX_POPULATIONS || strlen(c) >= sizeof claim_text[0] || !*c ||
                *c == '=') {
                fprintf(stderr,
                        "%s: '--claim' needs POPULATION=BEHAVIOUR (names below %d "
                        "bytes, at most %d claims), got '%s'\n",
                        name, NN_NAME_MAX, NN_MAX_POPULATIONS, c);
                return 2;
            }
            char *t = claim_text[n_claims];
            snprintf(t, sizeof claim_text[0], "%s", c);
            char *eq = strchr(t, '=');
            if (eq)
                *eq = '\0';
            claims[n_claims].population = t;
            claims[n_claims].behaviour = eq ? eq + 1 : t;
            if (strlen(t) >= NN_NAME_MAX || !nn_behaviour_find(claims[n_claims].behaviour)) {
                fprintf(stderr, "%s: '--claim %s': %s (behaviours: see nunchi help behaviours)\n",
                        name, c,
                        strlen(t) >= NN_NAME_MAX ? "the population name is too long"
                                                 : "no such behaviour");
                return 2;
            }
            n_claims++;
        } else if (i + 1 < argc && !strcmp(a, "--max-agents")) {
            if (s_number(name, a, argv[++i], 0, &v) || v > 4294967295.0)
                return 2;
            cfg.max_agents = (uint32_t)v;
        } else if (i + 1 < argc && !strcmp(a, "--max-message-bytes")) {
            if (s_number(name, a, argv[++i], 1024, &v))
                return 2;
            cfg.max_message_bytes = (size_t)v;
        } else {
            fprintf(stderr, "%s: unknown or incomplete option '%s'\n", name, a);
            s_usage(stderr, mc);
            return 2;
        }
    }
    if (!endpoint) {
        fprintf(stderr, "%s: '--connect ENDPOINT' is required\n", name);
        s_usage(stderr, mc);
        return 2;
    }
    /* no --claim: the program's own claims, checked as --claim's are */
    if (n_claims == 0) {
        for (size_t i = 0; i < mc->n_claims; i++)
            if (!s_claim_ok(name, "the program's default claim", &mc->claims[i]))
                return 2;
        if (mc->n_claims)
            memcpy(claims, mc->claims, mc->n_claims * sizeof claims[0]);
        n_claims = mc->n_claims;
    }
    /* CURVE: from key files, or from the environment of a coordinator that started us */
    char spub[NN_KEY_Z85_LEN + 1] = "", pub[NN_KEY_Z85_LEN + 1] = "", sec[NN_KEY_Z85_LEN + 1] = "";
    if (!server_key != !key) {
        fprintf(stderr, "%s: '--server-key' and '--key' go together\n", name);
        return 2;
    }
    if (server_key) {
        char kerr[4400];
        if (nn_keys_load(server_key, spub, NULL, kerr, sizeof kerr) != NN_OK ||
            nn_keys_load(key, pub, sec, kerr, sizeof kerr) != NN_OK) {
            fprintf(stderr, "%s: %s\n", name, kerr);
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
        fprintf(stderr, "%s: cannot create a socket: %s\n", name, zmq_strerror(zmq_errno()));
        if (ctx)
            zmq_ctx_term(ctx);
        return 1;
    }
    int64_t maxmsg = (int64_t)cfg.max_message_bytes;
    int linger = 1000;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (spub[0] && nn_keys_client(sock, spub, pub, sec) != NN_OK) {
        fprintf(stderr, "%s: cannot use the CURVE keys: %s\n", name, zmq_strerror(zmq_errno()));
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return 2;
    }
    memset(sec, 0, sizeof sec);
    /* the handshake's failures (a key the coordinator does not let in, plaintext against
     * CURVE) happen inside ZeroMQ, before any message: its socket monitor tells of them */
    void *mon = NULL;
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://nunchi-node-monitor-%d", (int)getpid());
    if (zmq_socket_monitor(sock, mon_ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0 &&
        (mon = zmq_socket(ctx, ZMQ_PAIR)) != NULL) {
        zmq_setsockopt(mon, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(mon, mon_ep) != 0) {
            zmq_close(mon);
            mon = NULL;
        }
    }
    cfg.monitor = mon;
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "%s: cannot connect to '%s': %s\n", name, endpoint,
                zmq_strerror(zmq_errno()));
        zmq_close(sock);
        zmq_ctx_term(ctx);
        return 2;
    }
    cfg.claims = claims;
    cfg.n_claims = n_claims;
    char err[512] = "";
    int rc = nn_node_session(sock, &cfg, err, sizeof err);
    zmq_socket_monitor(sock, NULL, 0);
    if (mon)
        zmq_close(mon);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    if (rc != NN_OK) {
        fprintf(stderr, "%s: %s\n", name, err[0] ? err : nn_strerror(rc));
        return 1;
    }
    return 0;
}
