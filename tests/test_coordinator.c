/* Tests of the coordinator's run (coordinator/coordinator.c) in serve mode: nn_coord_run
 * runs in a thread, binds an ipc endpoint and waits for its nodes, which the test plays
 * by hand on ZeroMQ DEALER sockets (encoding and decoding with its own codec) or, where
 * a well-behaved node is wanted, runs as nn_node_session threads. The join refuses a
 * node without the society's behaviour (unknown_behaviour) and a node too many (full);
 * garbage, a frame too many and a foreign protocol version get an Error and are counted;
 * the router drops and counts a message from an agent the node does not host and one to
 * an agent that does not exist, and the message balance holds; a repeated or stale
 * answer gets an Error and the run goes on; a node that never comes, an opinion outside
 * [0, 1], a wrong number of states, a false digest, a missed deadline and a node's own
 * Error end the run with a message naming the node and the round. Each test has a fresh fixture
 * (scenario, run directory, endpoint, context) that the teardown takes down even when the test
 * fails. */
#define _GNU_SOURCE /* nftw */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zmq.h>

#include "coordinator.h"
#include "node/link.h"
#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/node.h"
#include "proto/codec.h"
#include "scenario.h"

/* 40 deffuant agents on a ring: every agent has neighbours, so each sends exactly one
 * message a round, which makes the message counts exact. */
#define SCENARIO                                                                                   \
    "name: coord-test\n"                                                                           \
    "seed: 7\n"                                                                                    \
    "agents: 40\n"                                                                                 \
    "rounds: 3\n"                                                                                  \
    "network: {model: ring, k: 4}\n"                                                               \
    "populations: [{behaviour: deffuant, share: 1}]\n"                                             \
    "limits: {deadline_s: 3}\n"
#define AGENTS     40u
#define ROUNDS     3u
#define DEADLINE_S 3.0

#define WAIT_MS      5000 /* how long the test waits for the coordinator's next message */
#define MAX_PEERS    3
#define MAX_HOSTED   64
#define MAX_SESSIONS 2

typedef struct t_fix t_fix_t;

/* A node played by the test: its socket, its codec and its assignment. */
typedef struct t_peer {
    void *sock;
    nn_codec_t *codec;
    uint32_t node, lo, n; /* from the Welcome: agents lo .. lo + n - 1 */
    double x[MAX_HOSTED];
    uint64_t digest_bias; /* added to the digest of the Actions: 0 for a true one */
} t_peer_t;

/* A well-behaved node: nn_node_session in a thread. */
typedef struct t_session {
    t_fix_t *f;
    pthread_t th;
    int started, joined;
    nn_session_config_t cfg;
    int rc;
    char err[NN_TEXT_MAX];
} t_session_t;

struct t_fix {
    nn_scenario_t sc;
    nn_diag_t diag;
    char dir[64];       /* the run directory (mkdtemp) */
    char ipc_path[128]; /* the endpoint's socket file */
    char endpoint[160];
    nn_run_options_t opt;
    nn_run_result_t res;
    pthread_t coord;
    int coord_started, coord_joined;
    int rc;
    double t_end; /* when nn_coord_run returned */
    void *ctx;    /* the nodes' context (the coordinator has its own) */
    t_peer_t peer[MAX_PEERS];
    t_session_t session[MAX_SESSIONS];
};

/* ---- fixture -------------------------------------------------------------------------- */

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/nunchi-test-coord-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    /* the directory's random suffix keeps endpoints apart between tests and processes */
    snprintf(f->ipc_path, sizeof f->ipc_path, "/tmp/nunchi-test-coord-%d-%s.sock", (int)getpid(),
             f->dir + strlen("/tmp/nunchi-test-coord-"));
    snprintf(f->endpoint, sizeof f->endpoint, "ipc://%s", f->ipc_path);
    nn_diag_init(&f->diag);
    f->ctx = zmq_ctx_new();
    if (!f->ctx) {
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    /* a failed test may leave the coordinator waiting: every wait of the run has a limit
     * (wait_s, deadline_s), so it ends by itself */
    if (f->coord_started && !f->coord_joined)
        pthread_join(f->coord, NULL);
    int waiting = 0;
    for (int i = 0; i < MAX_SESSIONS; i++)
        waiting += f->session[i].started && !f->session[i].joined;
    if (waiting) {
        /* end the blocking calls of sessions that never got their Bye */
        zmq_ctx_shutdown(f->ctx);
        for (int i = 0; i < MAX_SESSIONS; i++)
            if (f->session[i].started && !f->session[i].joined)
                pthread_join(f->session[i].th, NULL);
    }
    for (int i = 0; i < MAX_PEERS; i++) {
        if (f->peer[i].sock)
            zmq_close(f->peer[i].sock);
        nn_codec_destroy(&f->peer[i].codec);
    }
    zmq_ctx_term(f->ctx);
    unlink(f->ipc_path);
    int rc = nftw(f->dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
    nn_diag_release(&f->diag);
    free(f);
    return rc;
}

static int t_has(const char *text, const char *needle)
{
    if (strstr(text, needle))
        return 1;
    fprintf(stderr, "expected '%s' in '%s'\n", needle, text);
    return 0;
}

/* Loads the scenario above with overrides ("rounds=200"). */
static void t_load(t_fix_t *f, const char *const *sets, size_t n_sets)
{
    int rc = nn_scenario_load_text(&f->sc, SCENARIO, strlen(SCENARIO), "coord-test.yaml", NULL,
                                   sets, n_sets, &f->diag);
    if (rc != NN_OK)
        nn_diag_print(&f->diag, stderr);
    assert_int_equal(rc, NN_OK);
}

/* ---- the coordinator ------------------------------------------------------------------ */

static void *t_coord_main(void *arg)
{
    t_fix_t *f = arg;
    f->rc = nn_coord_run(&f->sc, &f->opt, &f->res);
    f->t_end = nn_now();
    return NULL;
}

/* Starts nn_coord_run in serve mode, waiting up to wait_s for `nodes` nodes at the
 * fixture's endpoint. */
static void t_serve_wait(t_fix_t *f, uint32_t nodes, double wait_s)
{
    nn_run_options_t opt = NN_RUN_OPTIONS_INIT;
    f->opt = opt;
    f->opt.out_dir = f->dir;
    f->opt.bind = f->endpoint;
    f->opt.expect_nodes = nodes;
    f->opt.wait_s = wait_s;
    f->opt.quiet = 1;
    assert_int_equal(pthread_create(&f->coord, NULL, t_coord_main, f), 0);
    f->coord_started = 1;
}

static void t_serve(t_fix_t *f, uint32_t nodes)
{
    t_serve_wait(f, nodes, 10.0);
}

/* Waits for the run to end with code `want`; res may be read from here on. */
static void t_finish(t_fix_t *f, int want)
{
    assert_int_equal(pthread_join(f->coord, NULL), 0);
    f->coord_joined = 1;
    if (f->rc != want)
        fprintf(stderr, "# run: %s: %s\n", nn_strerror(f->rc), f->res.error);
    assert_int_equal(f->rc, want);
    assert_string_equal(f->res.run_dir, f->dir);
    assert_true((want == NN_OK) == (f->res.error[0] == '\0'));
}

static void t_balance(const nn_run_result_t *res)
{
    uint64_t dropped = 0;
    for (int d = 0; d < NN_DROP_RULES; d++)
        dropped += res->dropped[d];
    assert_true(res->sent == res->delivered + dropped + res->in_flight);
}

/* Whether events.jsonl has an event named `event` whose field `key` is the string
 * `value` (key NULL: any such event). */
static int t_event(const t_fix_t *f, const char *event, const char *key, const char *value)
{
    char path[256];
    snprintf(path, sizeof path, "%s/events.jsonl", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0;
    int found = 0;
    while (!found && getline(&line, &cap, fp) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        const char *name = json_string_value(json_object_get(o, "event"));
        assert_non_null(name);
        if (strcmp(name, event) == 0) {
            const char *v = key ? json_string_value(json_object_get(o, key)) : NULL;
            found = !key || (v && strcmp(v, value) == 0);
        }
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return found;
}

/* The messages_sent and messages_dropped of one round in metrics.csv. */
static void t_metrics_row(const t_fix_t *f, uint64_t round, uint64_t *sent, uint64_t *dropped)
{
    char path[256];
    snprintf(path, sizeof path, "%s/metrics.csv", f->dir);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[1024];
    int found = 0;
    assert_non_null(fgets(line, sizeof line, fp)); /* the header */
    while (!found && fgets(line, sizeof line, fp)) {
        unsigned long long r, s, d, dl;
        double m, sd, lo, hi;
        unsigned cl;
        if (sscanf(line, "%llu,%lf,%lf,%lf,%lf,%u,%llu,%llu,%llu", &r, &m, &sd, &lo, &hi, &cl, &s,
                   &dl, &d) == 9 &&
            r == round) {
            *sent = s;
            *dropped = d;
            found = 1;
        }
    }
    fclose(fp);
    assert_true(found);
}

/* ---- nodes played by hand ------------------------------------------------------------- */

static t_peer_t *t_peer(t_fix_t *f, int i)
{
    t_peer_t *p = &f->peer[i];
    p->sock = zmq_socket(f->ctx, ZMQ_DEALER);
    assert_non_null(p->sock);
    /* the coordinator may bind after the connect: retry soon, not after 100 ms */
    int linger = 0, ivl = 10;
    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(p->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    assert_int_equal(zmq_connect(p->sock, f->endpoint), 0);
    assert_int_equal(nn_codec_new(&p->codec, NULL), NN_OK);
    return p;
}

static void t_send_raw(t_peer_t *p, const void *data, size_t len)
{
    assert_int_equal(zmq_send(p->sock, data, len, 0), (int)len);
}

static void t_send(t_peer_t *p, const nn_wire_t *w)
{
    const void *data;
    size_t len;
    int rc = nn_codec_encode(p->codec, w, &data, &len);
    if (rc != NN_OK)
        fprintf(stderr, "encode: %s\n", nn_codec_error(p->codec));
    assert_int_equal(rc, NN_OK);
    t_send_raw(p, data, len);
}

/* The coordinator's next message that is not a heartbeat (it beats to joined nodes while
 * others join), decoded into *w; its arrays live in the peer's codec. */
static void t_expect(t_peer_t *p, nn_wire_t *w, nn_wire_kind_t kind)
{
    for (;;) {
        zmq_pollitem_t item = {p->sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, WAIT_MS);
        if (n == 0)
            fail_msg("no message of kind %d within %d ms", (int)kind, WAIT_MS);
        assert_int_equal(n, 1);
        zmq_msg_t m;
        zmq_msg_init(&m);
        assert_true(zmq_msg_recv(&m, p->sock, 0) >= 0);
        assert_false(zmq_msg_more(&m));
        char err[NN_TEXT_MAX];
        int rc = nn_codec_decode(p->codec, zmq_msg_data(&m), zmq_msg_size(&m), w, err, sizeof err);
        zmq_msg_close(&m);
        if (rc != NN_OK)
            fail_msg("decode: %s: %s", nn_strerror(rc), err);
        if (w->kind == NN_WIRE_HEARTBEAT && kind != NN_WIRE_HEARTBEAT)
            continue;
        if (w->kind != kind && w->kind == NN_WIRE_ERROR)
            fprintf(stderr, "# the coordinator said: %s\n", w->u.error.message);
        assert_int_equal(w->kind, kind);
        return;
    }
}

/* A Hello listing one behaviour (NULL: none, which means the built-in ones). */
static void t_make_hello(nn_wire_t *w, const char *behaviour)
{
    memset(w, 0, sizeof *w);
    w->kind = NN_WIRE_HELLO;
    snprintf(w->u.hello.implementation, sizeof w->u.hello.implementation, "nunchi-test-hand");
    snprintf(w->u.hello.language, sizeof w->u.hello.language, "c");
    if (behaviour) {
        w->u.hello.n_behaviours = 1;
        snprintf(w->u.hello.behaviours[0], NN_NAME_MAX, "%s", behaviour);
    }
    w->u.hello.pid = (uint32_t)getpid();
}

/* Hello, Welcome: the peer takes its assignment and checks it. */
static void t_join(const t_fix_t *f, t_peer_t *p)
{
    nn_wire_t w;
    t_make_hello(&w, "deffuant");
    t_send(p, &w);
    t_expect(p, &w, NN_WIRE_WELCOME);
    const nn_welcome_t *we = &w.u.welcome;
    assert_int_equal(we->node, w.node);
    assert_int_equal(we->agents_total, AGENTS);
    assert_int_equal(we->rounds, f->sc.rounds);
    assert_true(we->deadline_s == f->sc.deadline_s);
    assert_int_equal(we->n_populations, 1);
    assert_string_equal(we->populations[0].behaviour, "deffuant");
    assert_true(we->n_agents > 0 && we->n_agents <= MAX_HOSTED);
    p->node = we->node;
    p->lo = we->first_agent;
    p->n = (uint32_t)we->n_agents;
    for (uint32_t i = 0; i < p->n; i++) {
        assert_int_equal(we->agent[i], p->lo + i);
        assert_true(we->state[i] >= 0.0 && we->state[i] <= 1.0);
        p->x[i] = we->state[i];
    }
}

static void t_tick(t_peer_t *p, nn_wire_t *w, uint64_t round)
{
    t_expect(p, w, NN_WIRE_TICK);
    assert_int_equal(w->round, round);
    assert_int_equal(w->node, p->node);
}

/* Actions for `round`: msgs (sorted by sender) and the first n_state of the peer's
 * unchanged states, with the digest of all of them. */
static void t_answer(t_peer_t *p, uint64_t round, const nn_msg_t *msgs, size_t n_msgs,
                     size_t n_state)
{
    nn_wire_t w;
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_ACTIONS;
    w.round = round;
    w.node = p->node;
    w.u.actions.n_msgs = n_msgs;
    w.u.actions.msgs = msgs;
    w.u.actions.n_state = n_state;
    w.u.actions.state = p->x;
    uint64_t d = 0;
    for (uint32_t i = 0; i < p->n; i++)
        d += nn_digest_agent(p->lo + i, p->x[i]);
    w.u.actions.digest = d + p->digest_bias;
    t_send(p, &w);
}

/* Rounds from .. to answered with the states unchanged and no message. */
static void t_play(t_peer_t *p, uint64_t from, uint64_t to)
{
    for (uint64_t r = from; r <= to; r++) {
        nn_wire_t w;
        t_tick(p, &w, r);
        t_answer(p, r, NULL, 0, p->n);
    }
}

static void t_bye(t_peer_t *p, const char *reason)
{
    nn_wire_t w;
    t_expect(p, &w, NN_WIRE_BYE);
    assert_string_equal(w.u.bye.reason, reason);
}

/* The coordinator's Error to a message it refused. */
static void t_refused(t_peer_t *p, const char *needle)
{
    nn_wire_t w;
    t_expect(p, &w, NN_WIRE_ERROR);
    assert_int_equal(w.u.error.code, NN_EPROTO);
    assert_true(t_has(w.u.error.message, needle));
}

/* ---- well-behaved nodes --------------------------------------------------------------- */

static void *t_session_main(void *arg)
{
    t_session_t *s = arg;
    void *sock = zmq_socket(s->f->ctx, ZMQ_DEALER);
    if (!sock) {
        s->rc = -1;
        snprintf(s->err, sizeof s->err, "socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int linger = 0, ivl = 10;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    if (zmq_connect(sock, s->f->endpoint) != 0) {
        s->rc = -1;
        snprintf(s->err, sizeof s->err, "connect: %s", zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    s->rc = nn_node_session(sock, &s->cfg, s->err, sizeof s->err);
    zmq_close(sock);
    return NULL;
}

static t_session_t *t_session_start(t_fix_t *f, int i)
{
    t_session_t *s = &f->session[i];
    s->f = f;
    nn_session_config_t cfg = NN_SESSION_CONFIG_INIT;
    s->cfg = cfg;
    s->cfg.implementation = "nunchi-test-session";
    s->cfg.hello_timeout_s = 10.0;
    s->cfg.local = 0;
    assert_int_equal(pthread_create(&s->th, NULL, t_session_main, s), 0);
    s->started = 1;
    return s;
}

/* The session ended on the coordinator's Bye. */
static void t_session_done(t_session_t *s)
{
    assert_int_equal(pthread_join(s->th, NULL), 0);
    s->joined = 1;
    if (s->rc != NN_OK)
        fprintf(stderr, "# session: %s: %s\n", nn_strerror(s->rc), s->err);
    assert_int_equal(s->rc, NN_OK);
}

/* ---- the join ------------------------------------------------------------------------- */

static void test_reject_unknown_behaviour(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    nn_wire_t w;
    t_make_hello(&w, "voter");
    t_send(p, &w);
    t_expect(p, &w, NN_WIRE_REJECT);
    assert_string_equal(w.u.reject.reason, "unknown_behaviour");
    assert_true(t_has(w.u.reject.detail, "'deffuant'"));
    /* the refused node holds no place: a proper one takes it */
    t_session_t *s = t_session_start(f, 0);
    t_finish(f, NN_OK);
    t_session_done(s);
    assert_int_equal(f->res.rejected, 1);
    assert_true(t_event(f, "rejected", "reason", "unknown_behaviour"));
    assert_true(t_event(f, "node_joined", "implementation", "nunchi-test-session"));
    assert_true(t_event(f, "run_end", "status", "completed"));
    t_balance(&f->res);
}

/* A node too many, while the run is going. The joined node is played by hand and holds
 * round 1 until the Reject has come, so that the Hello meets the rounds for sure (a
 * session would finish the few rounds before the Hello arrives). */
static void test_reject_full(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *a = t_peer(f, 0);
    t_join(f, a);
    assert_int_equal(a->node, 0);
    assert_int_equal(a->lo, 0);
    assert_int_equal(a->n, AGENTS);
    nn_wire_t w;
    t_tick(a, &w, 1);
    t_peer_t *b = t_peer(f, 1);
    t_make_hello(&w, "deffuant");
    t_send(b, &w);
    t_expect(b, &w, NN_WIRE_REJECT);
    assert_string_equal(w.u.reject.reason, "full");
    assert_true(t_has(w.u.reject.detail, "all its nodes"));
    t_answer(a, 1, NULL, 0, a->n);
    t_play(a, 2, ROUNDS);
    t_bye(a, "the run is over");
    t_finish(f, NN_OK);
    assert_int_equal(f->res.rejected, 1);
    assert_true(t_event(f, "rejected", "reason", "full"));
}

/* One of two nodes joins; the other never comes. */
static void test_join_timeout(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve_wait(f, 2, 0.5);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    t_bye(p, "the run failed");
    t_finish(f, NN_ETIMEOUT);
    assert_true(t_has(f->res.error, "1 of 2 node(s) joined within"));
    assert_true(t_has(f->res.error, f->endpoint));
    assert_true(f->res.wall_s < 0.5 + 2.5); /* slack for a loaded machine */
}

/* Bytes that are no Envelope and a message of two frames, from a stranger while the
 * society waits for its node, each get an Error; a Hello of protocol version 2 gets a
 * Reject with reason "version". All three count. */
static void test_garbage_and_version(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    /* wire type 7 does not exist: no protobuf parser takes this */
    static const unsigned char garbage[] = {0x0f, 0xff, 0xff, 0xff, 0x07, 0x42, 0x00, 0x99};
    t_send_raw(p, garbage, sizeof garbage);
    nn_wire_t w;
    t_expect(p, &w, NN_WIRE_ERROR);
    assert_int_equal(w.u.error.code, NN_EPROTO);
    assert_true(w.u.error.message[0] != '\0');

    assert_int_equal(zmq_send(p->sock, "ab", 2, ZMQ_SNDMORE), 2);
    assert_int_equal(zmq_send(p->sock, "cd", 2, 0), 2);
    t_refused(p, "one frame");

    t_make_hello(&w, "deffuant");
    const void *data;
    size_t len;
    assert_int_equal(nn_codec_encode(p->codec, &w, &data, &len), NN_OK);
    unsigned char buf[1024];
    assert_true(len <= sizeof buf);
    memcpy(buf, data, len);
    /* Envelope field 1 (version), varint: 0x08 0x01 */
    assert_int_equal(buf[0], 0x08);
    assert_int_equal(buf[1], 0x01);
    buf[1] = 0x02;
    t_send_raw(p, buf, len);
    /* the stranger had not joined: a Reject, with the reason a node can act on */
    t_expect(p, &w, NN_WIRE_REJECT);
    assert_string_equal(w.u.reject.reason, "version");
    assert_true(t_has(w.u.reject.detail, "protocol 1, not 2"));
    assert_true(t_event(f, "rejected", "reason", "version"));

    t_session_t *s = t_session_start(f, 0);
    t_finish(f, NN_OK);
    t_session_done(s);
    assert_int_equal(f->res.rejected, 3);
    t_balance(&f->res);
}

/* The Welcome carries each hosted agent's role, group and superior as the coordinator
 * computed them: on the ring every degree is 2, so the two leaders picked by degree are
 * agents 0 and 1 (ties to the lower id); with constant status the tree ranks agents by
 * id, so agent r > 0 reports to agent (r - 1) / 2. */
static void test_welcome_structure(void **state)
{
    t_fix_t *f = *state;
    const char *const sets[] = {"structure={roles: [{role: leader, count: 2, by: degree}], "
                                "hierarchy: {model: tree, branching: 2}}"};
    t_load(f, sets, 1);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    nn_wire_t w;
    t_make_hello(&w, "deffuant");
    t_send(p, &w);
    t_expect(p, &w, NN_WIRE_WELCOME);
    const nn_welcome_t *we = &w.u.welcome;
    assert_int_equal(we->n_agents, AGENTS);
    assert_non_null(we->role);
    assert_non_null(we->group);
    assert_non_null(we->superior);
    for (uint32_t i = 0; i < AGENTS; i++) {
        assert_int_equal(we->agent[i], i);
        assert_int_equal(we->role[i], i < 2 ? 3 : 0);
        assert_int_equal(we->group[i], 0);
        assert_int_equal(we->superior[i], i == 0 ? NN_NO_AGENT : (i - 1) / 2);
    }
    p->node = we->node;
    p->lo = we->first_agent;
    p->n = (uint32_t)we->n_agents;
    for (uint32_t i = 0; i < p->n; i++)
        p->x[i] = we->state[i];
    t_play(p, 1, ROUNDS);
    t_bye(p, "the run is over");
    t_finish(f, NN_OK);
    assert_true(t_event(f, "structure", "hierarchy", "tree"));
}

/* ---- the rounds ----------------------------------------------------------------------- */

/* A joined node's garbage in a round: an Error, a count and an event; the node's proper
 * answer that follows is taken. */
static void test_garbage_in_round(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    nn_wire_t w;
    t_tick(p, &w, 1);
    static const unsigned char garbage[] = {0x0f, 0xff, 0xff, 0xff, 0x07, 0x42, 0x00, 0x99};
    t_send_raw(p, garbage, sizeof garbage);
    t_expect(p, &w, NN_WIRE_ERROR);
    assert_int_equal(w.round, 1);
    assert_int_equal(w.u.error.code, NN_EPROTO);
    t_answer(p, 1, NULL, 0, p->n);
    t_play(p, 2, ROUNDS);
    t_bye(p, "the run is over");
    t_finish(f, NN_OK);
    assert_int_equal(f->res.rejected, 1);
    assert_true(t_event(f, "rejected", NULL, NULL));
}

/* Node 0 (by hand, agents 0..19) sends in round 2 a valid message, one to agent 9999 and
 * one from agent 25, which node 1 (a session, agents 20..39) hosts: the two are dropped,
 * each under its rule, and the valid one arrives in round 3. */
static void test_drops(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 2);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p); /* first, so that it is node 0 */
    assert_int_equal(p->node, 0);
    assert_int_equal(p->lo, 0);
    assert_int_equal(p->n, AGENTS / 2);
    t_session_t *s = t_session_start(f, 0);
    const uint32_t foreign = p->lo + p->n + 5;
    nn_wire_t w;
    t_tick(p, &w, 1);
    t_answer(p, 1, NULL, 0, p->n);
    t_tick(p, &w, 2);
    const nn_msg_t msgs[] = {
        {p->lo, p->lo + 1, p->x[0]},
        {p->lo + 3, 9999, p->x[3]},
        {foreign, p->lo + 5, 0.5},
    };
    t_answer(p, 2, msgs, 3, p->n);
    t_tick(p, &w, 3);
    const nn_tick_t *t = &w.u.tick;
    int got = 0;
    for (size_t i = 0; i < t->n_runs; i++)
        for (uint64_t j = t->inbox_off[i]; j < t->inbox_off[i + 1]; j++) {
            const nn_delivery_t *d = &t->deliveries[j];
            assert_true(d->from != foreign);
            if (t->receiver[i] == p->lo + 1 && d->from == p->lo) {
                assert_int_equal(d->seq, 0);
                assert_true(d->value == p->x[0]);
                got++;
            }
        }
    assert_int_equal(got, 1);
    t_answer(p, 3, NULL, 0, p->n);
    t_bye(p, "the run is over");
    t_finish(f, NN_OK);
    t_session_done(s);
    const nn_run_result_t *res = &f->res;
    assert_int_equal(res->dropped[NN_DROP_FOREIGN_SENDER], 1);
    assert_int_equal(res->dropped[NN_DROP_UNKNOWN_RECEIVER], 1);
    /* node 1's 20 agents send one message a round; node 0 three in round 2 */
    assert_int_equal(res->sent, 3 * (AGENTS / 2) + 3);
    assert_int_equal(res->delivered, 2 * (AGENTS / 2) + 1);
    assert_int_equal(res->in_flight, AGENTS / 2);
    t_balance(res);
    assert_int_equal(res->rejected, 0);
    uint64_t sent, dropped;
    t_metrics_row(f, 2, &sent, &dropped);
    assert_int_equal(sent, AGENTS / 2 + 3);
    assert_int_equal(dropped, 2);
    t_metrics_row(f, 3, &sent, &dropped);
    assert_int_equal(dropped, 0);
}

/* An agent reads the norms' notices before its cases': agent 0 breaks a rate limit of 0
 * and complains about its neighbour 1 in round 1; its round 2 notices are BLOCKED and
 * SANCTION, then CASE and CLOSED (tolerance settles at once), in that order. */
static void test_notice_order(void **state)
{
    t_fix_t *f = *state;
    const char *sets[] = {"norms=[{norm: rate, limit: 0}]", "cases={chain: [tolerance]}"};
    t_load(f, sets, 2);
    t_serve(f, 2);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    assert_int_equal(p->lo, 0);
    t_session_t *s = t_session_start(f, 0);
    nn_wire_t w;
    t_tick(p, &w, 1);
    const nn_msg_t msgs[] = {{0, 1, p->x[0]}};
    const nn_act_t acts[] = {{0, NN_ACT_COMPLAIN, 0, 1, p->x[0]}};
    nn_wire_t a;
    memset(&a, 0, sizeof a);
    a.kind = NN_WIRE_ACTIONS;
    a.round = 1;
    a.node = p->node;
    a.u.actions.n_msgs = 1;
    a.u.actions.msgs = msgs;
    a.u.actions.n_acts = 1;
    a.u.actions.acts = acts;
    a.u.actions.n_state = p->n;
    a.u.actions.state = p->x;
    uint64_t d = 0;
    for (uint32_t i = 0; i < p->n; i++)
        d += nn_digest_agent(p->lo + i, p->x[i]);
    a.u.actions.digest = d;
    t_send(p, &a);
    t_tick(p, &w, 2);
    const nn_tick_t *t = &w.u.tick;
    uint32_t kinds[8];
    size_t n = 0;
    for (size_t i = 0; i < t->n_notices; i++)
        if (t->notice_to[i] == 0 && n < 8)
            kinds[n++] = t->notices[i].kind;
    const uint32_t want[] = {NN_NOTICE_BLOCKED, NN_NOTICE_SANCTION, NN_NOTICE_CASE,
                             NN_NOTICE_CLOSED};
    assert_int_equal(n, 4);
    assert_memory_equal(kinds, want, sizeof want);
    /* agent 1, the respondent, broke nothing: its case's notices only */
    n = 0;
    for (size_t i = 0; i < t->n_notices; i++)
        if (t->notice_to[i] == 1 && n < 8)
            kinds[n++] = t->notices[i].kind;
    assert_int_equal(n, 2);
    assert_int_equal(kinds[0], NN_NOTICE_CASE);
    assert_int_equal(kinds[1], NN_NOTICE_CLOSED);
    t_answer(p, 2, NULL, 0, p->n);
    t_play(p, 3, ROUNDS);
    t_bye(p, "the run is over");
    t_finish(f, NN_OK);
    t_session_done(s);
    assert_int_equal(f->res.cases_closed[NN_OUTCOME_TOLERATED], 1);
    t_balance(&f->res);
}

/* Round 1 answered twice by the only node (as a node answers a repeated tick): the
 * second answer, read in round 1 or 2, is counted and dropped, not refused, and the run
 * goes on to the digest of answers given once. */
static void test_answer_twice(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    nn_wire_t w;
    t_tick(p, &w, 1);
    t_answer(p, 1, NULL, 0, p->n);
    t_answer(p, 1, NULL, 0, p->n);
    /* the coordinator reads the second answer in round 1 or, when it arrives after round 1
     * is routed, in round 2: either way no Error, only tick 2 */
    int ticked = 0, refused = 0;
    for (int i = 0; i < 1; i++) {
        zmq_pollitem_t item = {p->sock, 0, ZMQ_POLLIN, 0};
        assert_int_equal(zmq_poll(&item, 1, WAIT_MS), 1);
        zmq_msg_t m;
        zmq_msg_init(&m);
        assert_true(zmq_msg_recv(&m, p->sock, 0) >= 0);
        char err[NN_TEXT_MAX];
        int rc = nn_codec_decode(p->codec, zmq_msg_data(&m), zmq_msg_size(&m), &w, err, sizeof err);
        zmq_msg_close(&m);
        assert_int_equal(rc, NN_OK);
        if (w.kind == NN_WIRE_HEARTBEAT) {
            i--;
            continue;
        }
        if (w.kind == NN_WIRE_TICK) {
            assert_int_equal(w.round, 2);
            ticked++;
        } else {
            assert_int_equal(w.kind, NN_WIRE_ERROR);
            assert_true(t_has(w.u.error.message, "actions for round 1 refused in round"));
            refused++;
        }
    }
    assert_int_equal(ticked, 1);
    assert_int_equal(refused, 0);
    t_answer(p, 2, NULL, 0, p->n);
    t_play(p, 3, ROUNDS);
    t_bye(p, "the run is over");
    t_finish(f, NN_OK);
    assert_int_equal(f->res.rejected, 0);
    assert_int_equal(f->res.repeated_actions, 1);
}

/* Round 1 answered twice by node 0 while node 1 has not answered yet. */
static void test_answer_twice_same_round(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 2);
    t_peer_t *a = t_peer(f, 0);
    t_join(f, a);
    t_peer_t *b = t_peer(f, 1);
    t_join(f, b);
    assert_int_equal(a->node, 0);
    assert_int_equal(b->node, 1);
    assert_int_equal(b->lo, a->n);
    nn_wire_t w;
    t_tick(a, &w, 1);
    t_tick(b, &w, 1);
    t_answer(a, 1, NULL, 0, a->n);
    t_answer(a, 1, NULL, 0, a->n); /* a repeated answer: taken once */
    t_answer(b, 1, NULL, 0, b->n);
    for (uint64_t r = 2; r <= ROUNDS; r++) {
        t_tick(a, &w, r);
        t_tick(b, &w, r);
        t_answer(a, r, NULL, 0, a->n);
        t_answer(b, r, NULL, 0, b->n);
    }
    t_bye(a, "the run is over");
    t_bye(b, "the run is over");
    t_finish(f, NN_OK);
    assert_int_equal(f->res.rejected, 0);
    assert_int_equal(f->res.repeated_actions, 1);
}

/* ---- answers that end the run --------------------------------------------------------- */

static void test_state_out_of_range(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    t_play(p, 1, 1);
    nn_wire_t w;
    t_tick(p, &w, 2);
    p->x[5] = 1.5;
    t_answer(p, 2, NULL, 0, p->n);
    t_bye(p, "the run failed");
    t_finish(f, NN_EPROTO);
    assert_true(t_has(f->res.error, "node 0"));
    assert_true(t_has(f->res.error, "round 2"));
    assert_true(t_has(f->res.error, "opinion 1.5 for agent 5"));
    assert_true(t_event(f, "error", NULL, NULL));
    assert_true(t_event(f, "run_end", "status", "failed"));
}

static void test_state_count(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    nn_wire_t w;
    t_tick(p, &w, 1);
    t_answer(p, 1, NULL, 0, p->n - 1);
    t_bye(p, "the run failed");
    t_finish(f, NN_EPROTO);
    assert_true(t_has(f->res.error, "node 0 reported 39 states in round 1 but hosts 40 agents"));
}

/* The node's digest of its last round does not match the states it reported. */
static void test_wrong_digest(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    t_play(p, 1, ROUNDS - 1);
    p->digest_bias = 1;
    t_play(p, ROUNDS, ROUNDS);
    t_bye(p, "the run failed");
    t_finish(f, NN_EPROTO);
    assert_true(t_has(f->res.error, "the nodes' digests add up to"));
}

static void test_deadline(void **state)
{
    t_fix_t *f = *state;
    const char *const sets[] = {"limits.deadline_s=1"};
    t_load(f, sets, 1);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    t_play(p, 1, 1);
    nn_wire_t w;
    t_tick(p, &w, 2);
    double t0 = nn_now();
    t_bye(p, "the run failed");
    t_finish(f, NN_ETIMEOUT);
    double took = f->t_end - t0;
    fprintf(stderr, "# the run ended %.3f s after tick 2 (deadline %g s)\n", took,
            f->sc.deadline_s);
    assert_true(took >= f->sc.deadline_s - 0.05);
    assert_true(took < f->sc.deadline_s + 2.5); /* slack for a loaded machine */
    assert_true(t_has(f->res.error, "node 0 missed the deadline of round 2"));
}

static void test_node_error(void **state)
{
    t_fix_t *f = *state;
    t_load(f, NULL, 0);
    t_serve(f, 1);
    t_peer_t *p = t_peer(f, 0);
    t_join(f, p);
    nn_wire_t w;
    t_tick(p, &w, 1);
    memset(&w, 0, sizeof w);
    w.kind = NN_WIRE_ERROR;
    w.round = 1;
    w.node = p->node;
    w.u.error.code = NN_EPROTO;
    snprintf(w.u.error.message, sizeof w.u.error.message, "the test node gives up");
    t_send(p, &w);
    t_bye(p, "the run failed");
    t_finish(f, NN_EPEER);
    assert_true(t_has(f->res.error, "node 0 failed in round 1: the test node gives up"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, t_setup, t_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_reject_unknown_behaviour),
        T(test_reject_full),
        T(test_join_timeout),
        T(test_garbage_and_version),
        T(test_welcome_structure),
        T(test_garbage_in_round),
        T(test_drops),
        T(test_notice_order),
        T(test_answer_twice),
        T(test_answer_twice_same_round),
        T(test_state_out_of_range),
        T(test_state_count),
        T(test_wrong_digest),
        T(test_deadline),
        T(test_node_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
