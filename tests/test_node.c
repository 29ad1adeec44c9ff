/* Tests of the node runtime (node/node.c) and of its protocol loop (node/session.c over
 * node/link.c). nn_node_new is fed hand-made Welcomes, contiguous and with an agent list,
 * and refuses unknown behaviours, unknown parameters and bad population indices.
 * nn_node_step is checked against a reference written here from the behaviours'
 * definitions (deffuant and degroot), on the same deliveries given in the coordinator's
 * form (receiver NULL, one run per agent of a range, offsets above 0 into a shared array)
 * and in the decoded form (receiver[] naming only agents that got something): actions,
 * states and digest must be identical, and a delivery to an agent the node does not host
 * must be refused. The session tests play the coordinator on a real ZeroMQ ROUTER
 * socket, by pointer on inproc and by protobuf on inproc, ipc and tcp on 127.0.0.1,
 * with the node's session in a thread: Hello, Welcome, three Ticks, three Actions, Bye;
 * then Reject, the hello timeout, the liveness timeout, garbage and oversized frames.
 * Each test has a fresh fixture (context, sockets, thread) that the teardown takes down
 * even when the test fails. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "node/link.h"
#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/node.h"

#define SEED    0x6e6f6465ULL
#define N_TOTAL 20u
#define NODE_ID 3u
#define WAIT_MS 5000

/* ---- the hand-made assignments ------------------------------------------------------- */

/* Node A hosts agents 5..9 (contiguous). Its neighbour rows start at offset 3 of the
 * array (the first entries belong to someone else); agent 7 has no neighbour. */
static const uint32_t s_a_nbr[] = {99, 98, 97, 4, 6, 12, 5, 9, 0, 9, 17, 6, 8};
static const uint64_t s_a_nbr_off[] = {3, 6, 8, 8, 11, 13};
static const uint8_t s_a_pop[] = {0, 1, 0, 0, 1};
static const double s_a_state[] = {0.1, 0.3, 0.5, 0.7, 0.9};

/* Node B hosts agents 2, 7, 11, 15 (listed); 11 has no neighbour. */
static const uint32_t s_b_agent[] = {2, 7, 11, 15};
static const uint32_t s_b_nbr[] = {1, 3, 8, 14, 16};
static const uint64_t s_b_nbr_off[] = {0, 2, 3, 3, 5};
static const uint8_t s_b_pop[] = {1, 0, 0, 1};
static const double s_b_state[] = {0.2, 0.4, 0.6, 0.8};

/* One delivery in a flat list sorted by receiver, then (from, seq). */
typedef struct t_dl {
    uint32_t to, from, seq;
    double value;
} t_dl_t;

static const t_dl_t s_a_dl[] = {
    {5, 1, 0, 0.2},   {5, 12, 0, 0.35}, {7, 3, 0, 0.55}, {7, 3, 1, 0.9},
    {8, 19, 0, 0.65}, {9, 0, 0, 0.8},   {9, 2, 0, 0.95},
};
static const t_dl_t s_b_dl[] = {
    {2, 4, 0, 0.4}, {11, 10, 0, 0.6}, {11, 12, 0, 0.65}, {15, 0, 0, 0.2}, {15, 0, 1, 0.25},
};

#define MAX_DL   64
#define MAX_RUNS 32

/* A tick with its own arrays. */
typedef struct t_tick {
    nn_tick_t t;
    uint32_t receiver[MAX_RUNS];
    uint64_t off[MAX_RUNS + 1];
    nn_delivery_t d[MAX_DL];
} t_tick_t;

/* The coordinator's form: one run per agent of lo .. hi - 1, receiver NULL, offsets
 * starting at `pad` (the first pad deliveries belong to other nodes). */
static void t_tick_range(t_tick_t *tt, const t_dl_t *dl, size_t n, uint32_t lo, uint32_t hi,
                         size_t pad, double shift)
{
    memset(tt, 0, sizeof *tt);
    assert_true(hi - lo <= MAX_RUNS && n + pad <= MAX_DL);
    size_t k = 0;
    for (; k < pad; k++) {
        tt->d[k].from = 1000 + (uint32_t)k;
        tt->d[k].value = -1.0;
    }
    size_t j = 0;
    for (uint32_t a = lo; a < hi; a++) {
        tt->off[a - lo] = k;
        for (; j < n && dl[j].to < a; j++)
            ;
        for (; j < n && dl[j].to == a; j++, k++) {
            tt->d[k].from = dl[j].from;
            tt->d[k].seq = dl[j].seq;
            tt->d[k].value = dl[j].value + shift;
        }
    }
    tt->off[hi - lo] = k;
    tt->t.n_runs = hi - lo;
    tt->t.first_agent = lo;
    tt->t.receiver = NULL;
    tt->t.inbox_off = tt->off;
    tt->t.deliveries = tt->d;
}

/* The decoded form: one run per receiver that got something, offsets from 0. */
static void t_tick_sparse(t_tick_t *tt, const t_dl_t *dl, size_t n, double shift)
{
    memset(tt, 0, sizeof *tt);
    assert_true(n <= MAX_DL);
    size_t runs = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == 0 || dl[j].to != dl[j - 1].to) {
            assert_true(runs < MAX_RUNS);
            tt->receiver[runs] = dl[j].to;
            tt->off[runs] = j;
            runs++;
        }
        tt->d[j].from = dl[j].from;
        tt->d[j].seq = dl[j].seq;
        tt->d[j].value = dl[j].value + shift;
    }
    tt->off[runs] = n;
    tt->t.n_runs = runs;
    tt->t.first_agent = 0;
    tt->t.receiver = tt->receiver;
    tt->t.inbox_off = tt->off;
    tt->t.deliveries = tt->d;
}

/* ---- fixture -------------------------------------------------------------------------- */

typedef struct t_fix {
    nn_population_desc_t desc[2];
    nn_welcome_t wa, wb;
    nn_node_t *node[4];
    char err[NN_TEXT_MAX];

    /* the session: a ROUTER played by the test, the node in a thread */
    void *ctx;
    void *router;
    nn_link_t link;
    int link_ok;
    char endpoint[256];
    char ipc_path[128]; /* the socket file of an ipc endpoint, removed by the teardown */
    pthread_t th;
    int started, joined;
    nn_session_config_t cfg;
    nn_wire_t error_slot;
    int rc;
    char serr[NN_TEXT_MAX];
    double t0, t1;
    nn_wire_t out[8]; /* messages sent by pointer: alive until the node has answered */
} t_fix_t;

static void t_desc(nn_population_desc_t *d, const char *behaviour)
{
    memset(d, 0, sizeof *d);
    snprintf(d->behaviour, sizeof d->behaviour, "%s", behaviour);
}

static void t_param(nn_population_desc_t *d, const char *name, double v)
{
    snprintf(d->param_name[d->n_params], NN_NAME_MAX, "%s", name);
    d->param_value[d->n_params++] = v;
}

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    /* population 0: deffuant with d = 0.3 (mu left at its default 0.5); 1: degroot */
    t_desc(&f->desc[0], "deffuant");
    t_param(&f->desc[0], "d", 0.3);
    t_desc(&f->desc[1], "degroot");
    t_param(&f->desc[1], "self_weight", 0.25);

    nn_welcome_t *w = &f->wa;
    w->node = NODE_ID;
    w->session = 77;
    w->seed = SEED;
    w->rounds = 3;
    w->agents_total = N_TOTAL;
    w->dim = 1;
    w->n_populations = 2;
    w->populations = f->desc;
    w->n_agents = 5;
    w->first_agent = 5;
    w->agent = NULL;
    w->population = s_a_pop;
    w->state = s_a_state;
    w->nbr_off = s_a_nbr_off;
    w->nbr = s_a_nbr;
    w->deadline_s = 5.0;
    w->liveness_s = 5.0;

    f->wb = f->wa;
    w = &f->wb;
    w->n_agents = 4;
    w->first_agent = 0;
    w->agent = s_b_agent;
    w->population = s_b_pop;
    w->state = s_b_state;
    w->nbr_off = s_b_nbr_off;
    w->nbr = s_b_nbr;

    nn_session_config_t cfg = NN_SESSION_CONFIG_INIT;
    f->cfg = cfg;
    f->cfg.implementation = "nunchi-test";
    f->cfg.hello_timeout_s = 5.0;
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    if (f->started && !f->joined) {
        /* a failed test left the node waiting: end its blocking calls */
        zmq_ctx_shutdown(f->ctx);
        pthread_join(f->th, NULL);
    }
    if (f->link_ok)
        nn_link_release(&f->link);
    if (f->router)
        zmq_close(f->router);
    if (f->ctx)
        zmq_ctx_term(f->ctx);
    if (f->ipc_path[0])
        unlink(f->ipc_path);
    for (size_t i = 0; i < sizeof f->node / sizeof f->node[0]; i++)
        nn_node_destroy(&f->node[i]);
    free(f);
    return 0;
}

static int t_has(const char *text, const char *needle)
{
    if (strstr(text, needle))
        return 1;
    fprintf(stderr, "expected '%s' in '%s'\n", needle, text);
    return 0;
}

/* ---- the reference step ------------------------------------------------------------- */

#define MAX_MSGS 64

typedef struct t_ref {
    double x[8];
    size_t n_msgs;
    nn_msg_t msgs[MAX_MSGS];
    uint64_t digest;
} t_ref_t;

static double t_param_of(const nn_population_desc_t *d, const char *name)
{
    const nn_behaviour_ops_t *ops = nn_behaviour_find(d->behaviour);
    assert_non_null(ops);
    for (size_t k = 0; k < d->n_params; k++)
        if (strcmp(d->param_name[k], name) == 0)
            return d->param_value[k];
    int i = nn_behaviour_param_index(ops, name);
    assert_true(i >= 0);
    return ops->params[i].def;
}

static void t_ref_init(t_ref_t *r, const nn_welcome_t *w)
{
    memset(r, 0, sizeof *r);
    memcpy(r->x, w->state, w->n_agents * sizeof *w->state);
}

/* One round of the welcome's agents on the flat deliveries, from the behaviours' papers:
 * deffuant moves mu of the way to each received opinion closer than d, then sends to one
 * neighbour drawn with nn_rng_below; degroot moves to w x + (1 - w) mean and sends to all. */
static void t_ref_step(t_ref_t *r, const nn_welcome_t *w, uint64_t round, const t_dl_t *dl,
                       size_t n_dl, double shift)
{
    r->n_msgs = 0;
    r->digest = 0;
    for (size_t i = 0; i < w->n_agents; i++) {
        uint32_t id = w->agent ? w->agent[i] : w->first_agent + (uint32_t)i;
        const nn_population_desc_t *d = &w->populations[w->population[i]];
        const uint32_t *nbrs = w->nbr + w->nbr_off[i];
        size_t n_nbrs = (size_t)(w->nbr_off[i + 1] - w->nbr_off[i]);
        double x = r->x[i];
        if (strcmp(d->behaviour, "deffuant") == 0) {
            double bound = t_param_of(d, "d"), mu = t_param_of(d, "mu");
            for (size_t j = 0; j < n_dl; j++)
                if (dl[j].to == id) {
                    double diff = (dl[j].value + shift) - x;
                    if (fabs(diff) < bound)
                        x += mu * diff;
                }
            if (n_nbrs) {
                nn_rng_t g;
                nn_rng_init(&g, w->seed, NN_STREAM_BEHAVIOUR, id, round);
                uint32_t to = nbrs[nn_rng_below(&g, n_nbrs)];
                assert_true(r->n_msgs < MAX_MSGS);
                r->msgs[r->n_msgs++] = (nn_msg_t){id, to, x};
            }
        } else if (strcmp(d->behaviour, "degroot") == 0) {
            double sum = 0.0, wt = t_param_of(d, "self_weight");
            size_t cnt = 0;
            for (size_t j = 0; j < n_dl; j++)
                if (dl[j].to == id) {
                    sum += dl[j].value + shift;
                    cnt++;
                }
            if (cnt)
                x = wt * x + (1.0 - wt) * (sum / (double)cnt);
            for (size_t k = 0; k < n_nbrs; k++) {
                assert_true(r->n_msgs < MAX_MSGS);
                r->msgs[r->n_msgs++] = (nn_msg_t){id, nbrs[k], x};
            }
        } else {
            fail_msg("no reference for behaviour '%s'", d->behaviour);
        }
        r->x[i] = x;
        /* the node computes its digest from the run's last round on, 0 before */
        if (round >= w->rounds)
            r->digest += nn_digest_agent(id, x);
    }
}

static void t_same_actions(const nn_actions_t *a, const nn_actions_t *b)
{
    assert_int_equal(a->n_msgs, b->n_msgs);
    for (size_t i = 0; i < a->n_msgs; i++) {
        assert_int_equal(a->msgs[i].from, b->msgs[i].from);
        assert_int_equal(a->msgs[i].to, b->msgs[i].to);
        assert_memory_equal(&a->msgs[i].value, &b->msgs[i].value, sizeof(double));
    }
    assert_int_equal(a->n_state, b->n_state);
    if (a->n_state)
        assert_memory_equal(a->state, b->state, a->n_state * sizeof *a->state);
    assert_true(a->digest == b->digest);
}

static void t_matches_ref(const nn_actions_t *a, const t_ref_t *r, size_t n_agents)
{
    nn_actions_t want = {.n_msgs = r->n_msgs,
                         .msgs = r->msgs,
                         .n_state = n_agents,
                         .state = r->x,
                         .digest = r->digest};
    t_same_actions(a, &want);
}

/* ---- nn_node_new ---------------------------------------------------------------------- */

static void test_new_contiguous(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    assert_non_null(f->node[0]);
    assert_int_equal(nn_node_agent_count(f->node[0]), 5);
    /* the node copied the states: stepping does not write into the welcome */
    nn_actions_t a;
    assert_int_equal(nn_node_step(f->node[0], 1, NULL, &a, f->err, sizeof f->err), NN_OK);
    assert_int_equal(a.n_state, 5);
    assert_true(s_a_state[0] == 0.1 && s_a_state[4] == 0.9);
    nn_node_destroy(&f->node[0]);
    assert_null(f->node[0]);
    nn_node_destroy(&f->node[0]);
}

static void test_new_list(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(nn_node_new(&f->node[0], &f->wb, f->err, sizeof f->err), NN_OK);
    assert_int_equal(nn_node_agent_count(f->node[0]), 4);
    nn_actions_t a;
    assert_int_equal(nn_node_step(f->node[0], 1, NULL, &a, f->err, sizeof f->err), NN_OK);
    assert_int_equal(a.n_state, 4);
    t_ref_t r;
    t_ref_init(&r, &f->wb);
    t_ref_step(&r, &f->wb, 1, NULL, 0, 0.0);
    t_matches_ref(&a, &r, 4);
    /* an empty node */
    nn_welcome_t w = f->wa;
    w.n_agents = 0;
    assert_int_equal(nn_node_new(&f->node[1], &w, f->err, sizeof f->err), NN_OK);
    assert_int_equal(nn_node_agent_count(f->node[1]), 0);
    assert_int_equal(nn_node_step(f->node[1], 1, NULL, &a, f->err, sizeof f->err), NN_OK);
    assert_int_equal(a.n_msgs, 0);
    assert_int_equal(a.n_state, 0);
    assert_true(a.digest == 0);
}

static void t_refused(t_fix_t *f, const nn_welcome_t *w, const char *needle)
{
    nn_node_t *n = (nn_node_t *)f; /* anything but NULL: it must come back NULL */
    f->err[0] = '\0';
    assert_int_equal(nn_node_new(&n, w, f->err, sizeof f->err), NN_EPROTO);
    assert_null(n);
    assert_true(f->err[0] != '\0');
    assert_true(t_has(f->err, needle));
}

static void test_new_errors(void **state)
{
    t_fix_t *f = *state;
    nn_population_desc_t desc[2];
    memcpy(desc, f->desc, sizeof desc);
    nn_welcome_t w = f->wa;
    w.populations = desc;

    t_desc(&desc[1], "nosuch");
    t_refused(f, &w, "'nosuch'");

    memcpy(desc, f->desc, sizeof desc);
    t_param(&desc[0], "dd", 0.1);
    t_refused(f, &w, "'dd'");

    /* a population index past the populations */
    memcpy(desc, f->desc, sizeof desc);
    uint8_t pop[5] = {0, 1, 2, 0, 1};
    w.population = pop;
    t_refused(f, &w, "population 2");

    /* no population at all for five agents, and more than allowed */
    w = f->wa;
    w.n_populations = 0;
    t_refused(f, &w, "populations");
    w.n_populations = NN_MAX_POPULATIONS + 1;
    t_refused(f, &w, "populations");

    /* listed agents that do not ascend */
    w = f->wb;
    const uint32_t agent[] = {2, 11, 7, 15};
    w.agent = agent;
    t_refused(f, &w, "ascend");
}

/* ---- nn_node_step --------------------------------------------------------------------- */

/* Node A on the same deliveries in three forms, over three rounds: exact range, a wider
 * range with empty runs for others, and the decoded form; each matches the reference. */
static void test_step_forms(void **state)
{
    t_fix_t *f = *state;
    for (int k = 0; k < 3; k++)
        assert_int_equal(nn_node_new(&f->node[k], &f->wa, f->err, sizeof f->err), NN_OK);
    t_ref_t ref;
    t_ref_init(&ref, &f->wa);
    const size_t n = sizeof s_a_dl / sizeof s_a_dl[0];
    for (uint64_t round = 1; round <= 3; round++) {
        double shift = 0.01 * (double)round;
        t_tick_t exact, wide, sparse;
        t_tick_range(&exact, s_a_dl, n, 5, 10, 3, shift);
        t_tick_range(&wide, s_a_dl, n, 2, 14, 4, shift);
        t_tick_sparse(&sparse, s_a_dl, n, shift);
        assert_int_equal(exact.off[0], 3);
        assert_int_equal(sparse.t.n_runs, 4); /* agent 6 gets nothing */
        nn_actions_t a[3];
        assert_int_equal(nn_node_step(f->node[0], round, &exact.t, &a[0], f->err, sizeof f->err),
                         NN_OK);
        assert_int_equal(nn_node_step(f->node[1], round, &wide.t, &a[1], f->err, sizeof f->err),
                         NN_OK);
        assert_int_equal(nn_node_step(f->node[2], round, &sparse.t, &a[2], f->err, sizeof f->err),
                         NN_OK);
        t_ref_step(&ref, &f->wa, round, s_a_dl, n, shift);
        t_matches_ref(&a[0], &ref, 5);
        t_same_actions(&a[1], &a[0]);
        t_same_actions(&a[2], &a[0]);
    }
    /* the reference moved: agent 5 (deffuant, 0.1) took both messages in round 1 */
    assert_true(ref.x[0] != s_a_state[0]);
}

static void test_step_forms_list(void **state)
{
    t_fix_t *f = *state;
    for (int k = 0; k < 3; k++)
        assert_int_equal(nn_node_new(&f->node[k], &f->wb, f->err, sizeof f->err), NN_OK);
    t_ref_t ref;
    t_ref_init(&ref, &f->wb);
    const size_t n = sizeof s_b_dl / sizeof s_b_dl[0];
    for (uint64_t round = 1; round <= 3; round++) {
        double shift = -0.02 * (double)round;
        t_tick_t range, wide, sparse;
        t_tick_range(&range, s_b_dl, n, 2, 16, 2, shift);
        t_tick_range(&wide, s_b_dl, n, 0, 20, 5, shift);
        t_tick_sparse(&sparse, s_b_dl, n, shift);
        nn_actions_t a[3];
        assert_int_equal(nn_node_step(f->node[0], round, &range.t, &a[0], f->err, sizeof f->err),
                         NN_OK);
        assert_int_equal(nn_node_step(f->node[1], round, &wide.t, &a[1], f->err, sizeof f->err),
                         NN_OK);
        assert_int_equal(nn_node_step(f->node[2], round, &sparse.t, &a[2], f->err, sizeof f->err),
                         NN_OK);
        t_ref_step(&ref, &f->wb, round, s_b_dl, n, shift);
        t_matches_ref(&a[0], &ref, 4);
        t_same_actions(&a[1], &a[0]);
        t_same_actions(&a[2], &a[0]);
    }
}

static void t_step_refused(t_fix_t *f, nn_node_t *n, const nn_tick_t *t, const char *needle)
{
    nn_actions_t a;
    f->err[0] = '\0';
    assert_int_equal(nn_node_step(n, 1, t, &a, f->err, sizeof f->err), NN_EPROTO);
    assert_true(t_has(f->err, needle));
}

static void test_step_foreign(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    assert_int_equal(nn_node_new(&f->node[1], &f->wb, f->err, sizeof f->err), NN_OK);
    t_tick_t tt;
    /* node A hosts 5..9 */
    const t_dl_t below[] = {{4, 0, 0, 0.5}, {5, 1, 0, 0.5}};
    t_tick_sparse(&tt, below, 2, 0.0);
    t_step_refused(f, f->node[0], &tt.t, "agent 4");
    const t_dl_t above[] = {{6, 0, 0, 0.5}, {10, 1, 0, 0.5}};
    t_tick_sparse(&tt, above, 2, 0.0);
    t_step_refused(f, f->node[0], &tt.t, "agent 10");
    t_tick_range(&tt, below, 2, 4, 10, 1, 0.0);
    t_step_refused(f, f->node[0], &tt.t, "agent 4");
    t_tick_range(&tt, above, 2, 5, 11, 0, 0.0);
    t_step_refused(f, f->node[0], &tt.t, "agent 10");
    /* node B hosts 2, 7, 11, 15: 8 lies between two hosted agents */
    const t_dl_t between[] = {{7, 0, 0, 0.5}, {8, 1, 0, 0.5}, {11, 1, 0, 0.5}};
    t_tick_sparse(&tt, between, 3, 0.0);
    t_step_refused(f, f->node[1], &tt.t, "agent 8");
    t_tick_range(&tt, between, 3, 0, 20, 2, 0.0);
    t_step_refused(f, f->node[1], &tt.t, "agent 8");
    const t_dl_t first[] = {{0, 1, 0, 0.5}};
    t_tick_sparse(&tt, first, 1, 0.0);
    t_step_refused(f, f->node[1], &tt.t, "agent 0");
    /* runs that do not ascend */
    const t_dl_t desc[] = {{7, 0, 0, 0.5}, {6, 1, 0, 0.5}};
    t_tick_sparse(&tt, desc, 2, 0.0);
    t_step_refused(f, f->node[0], &tt.t, "ascend");
    /* and the node still steps afterwards */
    nn_actions_t a;
    t_tick_sparse(&tt, s_a_dl, sizeof s_a_dl / sizeof s_a_dl[0], 0.0);
    assert_int_equal(nn_node_step(f->node[0], 1, &tt.t, &a, f->err, sizeof f->err), NN_OK);
}

static void test_states_digest(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    t_tick_t tt;
    t_tick_sparse(&tt, s_a_dl, sizeof s_a_dl / sizeof s_a_dl[0], 0.0);
    nn_actions_t a;
    /* stepped as the run's last round (the welcome says 3), so the digest is computed */
    assert_int_equal(nn_node_step(f->node[0], 3, &tt.t, &a, f->err, sizeof f->err), NN_OK);
    /* by hand: 5 (deffuant, d 0.3, mu 0.5) 0.1 -> 0.15 -> 0.25; 6 (degroot) keeps 0.3 with
     * an empty inbox; 7 (deffuant) 0.5 -> 0.525, then 0.9 is too far; 8 0.7 -> 0.675;
     * 9 (degroot, w 0.25) 0.25 * 0.9 + 0.75 * 0.875 */
    assert_int_equal(a.n_state, 5);
    assert_true(fabs(a.state[0] - 0.25) < 1e-15);
    assert_true(a.state[1] == 0.3);
    assert_true(fabs(a.state[2] - 0.525) < 1e-15);
    assert_true(fabs(a.state[3] - 0.675) < 1e-15);
    assert_true(fabs(a.state[4] - (0.25 * 0.9 + 0.75 * 0.875)) < 1e-15);
    uint64_t d = 0;
    for (uint32_t i = 0; i < 5; i++)
        d += nn_digest_agent(5 + i, a.state[i]);
    assert_true(a.digest == d);
    /* messages sorted by sender; 7 has no neighbour and sends nothing; degroot agents
     * write to all their neighbours with the new opinion */
    assert_int_equal(a.n_msgs, 1 + 2 + 0 + 1 + 2);
    for (size_t i = 1; i < a.n_msgs; i++)
        assert_true(a.msgs[i - 1].from <= a.msgs[i].from);
    for (size_t i = 0; i < a.n_msgs; i++) {
        assert_true(a.msgs[i].from != 7);
        assert_true(a.msgs[i].value == a.state[a.msgs[i].from - 5]);
    }
    assert_int_equal(a.msgs[1].from, 6);
    assert_int_equal(a.msgs[1].to, 5);
    assert_int_equal(a.msgs[2].to, 9);
}

/* Deffuant agents with many neighbours, many rounds: each message goes to the neighbour
 * that nn_rng (seed, behaviour stream, id, round) picks, and the picks vary. */
static void test_deffuant_neighbours(void **state)
{
    t_fix_t *f = *state;
    enum { N = 6, DEG = 9 };
    uint32_t nbr[N * DEG];
    uint64_t off[N + 1];
    uint8_t pop[N];
    double x[N];
    for (uint32_t i = 0; i < N; i++) {
        off[i] = (uint64_t)i * DEG;
        pop[i] = 0;
        x[i] = 0.1 * i;
        for (uint32_t k = 0; k < DEG; k++)
            nbr[i * DEG + k] = 2 * k + (i & 1); /* ascending, self-loops irrelevant here */
    }
    off[N] = (uint64_t)N * DEG;
    nn_welcome_t w = f->wa;
    w.n_agents = N;
    w.first_agent = 10;
    w.n_populations = 1;
    w.population = pop;
    w.state = x;
    w.nbr_off = off;
    w.nbr = nbr;
    assert_int_equal(nn_node_new(&f->node[0], &w, f->err, sizeof f->err), NN_OK);
    unsigned hits[DEG] = {0};
    for (uint64_t round = 1; round <= 40; round++) {
        nn_actions_t a;
        nn_tick_t empty = {0, 10, NULL, NULL, NULL};
        const nn_tick_t *t = round % 2 ? NULL : &empty;
        assert_int_equal(nn_node_step(f->node[0], round, t, &a, f->err, sizeof f->err), NN_OK);
        assert_int_equal(a.n_msgs, N);
        for (uint32_t i = 0; i < N; i++) {
            nn_rng_t g;
            nn_rng_init(&g, SEED, NN_STREAM_BEHAVIOUR, 10 + i, round);
            uint64_t k = nn_rng_below(&g, DEG);
            assert_int_equal(a.msgs[i].from, 10 + i);
            assert_int_equal(a.msgs[i].to, nbr[i * DEG + k]);
            assert_true(a.msgs[i].value == x[i]); /* nothing received: unchanged */
            hits[k]++;
        }
    }
    for (int k = 0; k < DEG; k++)
        assert_true(hits[k] > 0);
}

/* ---- the session ------------------------------------------------------------------------ */

typedef enum t_transport { T_INPROC, T_IPC, T_TCP } t_transport_t;

static void *t_node_main(void *arg)
{
    t_fix_t *f = arg;
    void *sock = zmq_socket(f->ctx, ZMQ_DEALER);
    if (!sock) {
        f->rc = -1;
        snprintf(f->serr, sizeof f->serr, "socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, f->endpoint) != 0) {
        f->rc = -1;
        snprintf(f->serr, sizeof f->serr, "connect: %s", zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    f->t0 = nn_now();
    f->rc = nn_node_session(sock, &f->cfg, f->serr, sizeof f->serr);
    f->t1 = nn_now();
    zmq_close(sock);
    return NULL;
}

/* Binds the coordinator's ROUTER and starts the node's session in a thread. */
static void t_start(t_fix_t *f, t_transport_t tr, int local)
{
    f->ctx = zmq_ctx_new();
    assert_non_null(f->ctx);
    f->router = zmq_socket(f->ctx, ZMQ_ROUTER);
    assert_non_null(f->router);
    int linger = 0, one = 1;
    zmq_setsockopt(f->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(f->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    const char *bind;
    char ipc[160];
    switch (tr) {
    case T_INPROC: bind = "inproc://nn-test-node"; break;
    case T_IPC:
        snprintf(f->ipc_path, sizeof f->ipc_path, "/tmp/nn-test-node-%d.ipc", (int)getpid());
        snprintf(ipc, sizeof ipc, "ipc://%s", f->ipc_path);
        bind = ipc;
        break;
    default: bind = "tcp://127.0.0.1:*"; break;
    }
    assert_int_equal(zmq_bind(f->router, bind), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(f->router, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
    if (tr == T_INPROC)
        snprintf(f->endpoint, sizeof f->endpoint, "%s", bind);
    assert_int_equal(nn_link_init(&f->link, f->router, local, 1, NULL), NN_OK);
    f->link_ok = 1;
    f->cfg.local = local;
    f->cfg.error_slot = local ? &f->error_slot : NULL;
    f->started = 1;
    assert_int_equal(pthread_create(&f->th, NULL, t_node_main, f), 0);
}

static void t_join(t_fix_t *f)
{
    assert_int_equal(pthread_join(f->th, NULL), 0);
    f->joined = 1;
}

static void t_recv(t_fix_t *f, nn_peer_id_t *from, nn_wire_t *w, nn_wire_kind_t kind)
{
    char err[NN_TEXT_MAX] = "";
    int rc = nn_link_recv(&f->link, WAIT_MS, from, w, err, sizeof err);
    if (rc != NN_OK)
        fprintf(stderr, "recv: %s: %s\n", nn_strerror(rc), err);
    assert_int_equal(rc, NN_OK);
    assert_int_equal(w->kind, kind);
}

static void t_send(t_fix_t *f, const nn_peer_id_t *to, nn_wire_t *w)
{
    char err[NN_TEXT_MAX] = "";
    w->version = NN_PROTOCOL_VERSION;
    int rc = nn_link_send(&f->link, to, w, err, sizeof err);
    if (rc != NN_OK)
        fprintf(stderr, "send: %s: %s\n", nn_strerror(rc), err);
    assert_int_equal(rc, NN_OK);
}

/* Receives the Hello and checks it. */
static void t_hello(t_fix_t *f, nn_peer_id_t *peer)
{
    nn_wire_t in;
    t_recv(f, peer, &in, NN_WIRE_HELLO);
    assert_string_equal(in.u.hello.implementation, "nunchi-test");
    assert_string_equal(in.u.hello.language, "c");
    assert_int_equal(in.u.hello.n_behaviours, nn_behaviour_count());
    int deffuant = 0;
    for (size_t i = 0; i < in.u.hello.n_behaviours; i++)
        deffuant |= strcmp(in.u.hello.behaviours[i], "deffuant") == 0;
    assert_true(deffuant);
    assert_int_equal(in.u.hello.pid, (uint32_t)getpid());
}

static void t_welcome(t_fix_t *f, const nn_peer_id_t *peer, nn_wire_t *w, double liveness_s)
{
    memset(w, 0, sizeof *w);
    w->kind = NN_WIRE_WELCOME;
    w->node = NODE_ID;
    w->u.welcome = f->wa;
    w->u.welcome.liveness_s = liveness_s;
    t_send(f, peer, w);
}

/* The whole life of a node: Hello, Welcome, three Ticks answered by three Actions that
 * match nn_node_step on the same ticks, Bye. */
static void t_full_session(t_fix_t *f, t_transport_t tr, int local)
{
    t_start(f, tr, local);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 5.0);
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    const size_t n = sizeof s_a_dl / sizeof s_a_dl[0];
    t_tick_t tt[3];
    for (int r = 0; r < 3; r++) {
        uint64_t round = (uint64_t)r + 1;
        t_tick_range(&tt[r], s_a_dl, n, 5, 10, (size_t)r + 1, 0.02 * r);
        nn_wire_t *w = &f->out[1 + r];
        memset(w, 0, sizeof *w);
        w->kind = NN_WIRE_TICK;
        w->round = round;
        w->node = NODE_ID;
        w->u.tick = tt[r].t;
        t_send(f, &peer, w);
        nn_wire_t in;
        nn_peer_id_t from;
        t_recv(f, &from, &in, NN_WIRE_ACTIONS);
        assert_int_equal(from.len, peer.len);
        assert_memory_equal(from.id, peer.id, peer.len);
        assert_int_equal(in.round, round);
        assert_int_equal(in.node, NODE_ID);
        nn_actions_t want;
        assert_int_equal(nn_node_step(f->node[0], round, &tt[r].t, &want, f->err, sizeof f->err),
                         NN_OK);
        assert_true(want.n_msgs > 0);
        t_same_actions(&in.u.actions, &want);
    }
    nn_wire_t *bye = &f->out[4];
    memset(bye, 0, sizeof *bye);
    bye->kind = NN_WIRE_BYE;
    bye->node = NODE_ID;
    snprintf(bye->u.bye.reason, sizeof bye->u.bye.reason, "done");
    t_send(f, &peer, bye);
    t_join(f);
    if (f->rc != NN_OK)
        fprintf(stderr, "session: %s: %s\n", nn_strerror(f->rc), f->serr);
    assert_int_equal(f->rc, NN_OK);
}

static void test_session_inproc_local(void **state)
{
    t_full_session(*state, T_INPROC, 1);
}

static void test_session_inproc_proto(void **state)
{
    t_full_session(*state, T_INPROC, 0);
}

static void test_session_ipc(void **state)
{
    t_full_session(*state, T_IPC, 0);
}

static void test_session_tcp(void **state)
{
    t_full_session(*state, T_TCP, 0);
}

static void t_reject(t_fix_t *f, t_transport_t tr, int local)
{
    t_start(f, tr, local);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    nn_wire_t *w = &f->out[0];
    memset(w, 0, sizeof *w);
    w->kind = NN_WIRE_REJECT;
    snprintf(w->u.reject.reason, sizeof w->u.reject.reason, "full");
    snprintf(w->u.reject.detail, sizeof w->u.reject.detail, "no room for a fifth node");
    t_send(f, &peer, w);
    t_join(f);
    assert_int_equal(f->rc, NN_EPEER);
    assert_true(t_has(f->serr, "full"));
    assert_true(t_has(f->serr, "no room for a fifth node"));
}

static void test_session_reject_local(void **state)
{
    t_reject(*state, T_INPROC, 1);
}

static void test_session_reject_tcp(void **state)
{
    t_reject(*state, T_TCP, 0);
}

/* A coordinator that takes the Hello and never answers. */
static void t_hello_timeout(t_fix_t *f, t_transport_t tr, int local)
{
    f->cfg.hello_timeout_s = 0.2;
    t_start(f, tr, local);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_join(f);
    assert_int_equal(f->rc, NN_ETIMEOUT);
    assert_true(t_has(f->serr, "within 0.2 s"));
    double took = f->t1 - f->t0;
    assert_true(took >= 0.19);
    assert_true(took < 1.5);
}

/* Nobody at the endpoint at all: the Hello is queued, no Welcome comes, and the session
 * still ends on time instead of hanging. */
static void t_no_coordinator(t_fix_t *f, t_transport_t tr, int local)
{
    f->ctx = zmq_ctx_new();
    assert_non_null(f->ctx);
    if (tr == T_TCP) {
        /* a port that was free a moment ago */
        void *tmp = zmq_socket(f->ctx, ZMQ_ROUTER);
        assert_non_null(tmp);
        assert_int_equal(zmq_bind(tmp, "tcp://127.0.0.1:*"), 0);
        size_t len = sizeof f->endpoint;
        assert_int_equal(zmq_getsockopt(tmp, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
        int linger = 0;
        zmq_setsockopt(tmp, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(tmp);
    } else {
        snprintf(f->endpoint, sizeof f->endpoint, "inproc://nn-test-nobody");
    }
    f->cfg.hello_timeout_s = 0.2;
    f->cfg.local = local;
    f->cfg.error_slot = local ? &f->error_slot : NULL;
    f->started = 1;
    assert_int_equal(pthread_create(&f->th, NULL, t_node_main, f), 0);
    t_join(f);
    assert_int_equal(f->rc, NN_ETIMEOUT);
    assert_true(f->t1 - f->t0 < 1.5);
}

static void test_session_no_coordinator_local(void **state)
{
    t_no_coordinator(*state, T_INPROC, 1);
}

static void test_session_no_coordinator_tcp(void **state)
{
    t_no_coordinator(*state, T_TCP, 0);
}

static void test_session_hello_timeout_local(void **state)
{
    t_hello_timeout(*state, T_INPROC, 1);
}

static void test_session_hello_timeout_tcp(void **state)
{
    t_hello_timeout(*state, T_TCP, 0);
}

/* After the Welcome (liveness 0.3 s) the coordinator goes silent. */
static void t_liveness(t_fix_t *f, t_transport_t tr, int local)
{
    t_start(f, tr, local);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 0.3);
    double sent = nn_now();
    t_join(f);
    double took = f->t1 - sent;
    assert_int_equal(f->rc, NN_ETIMEOUT);
    assert_true(t_has(f->serr, "node 3"));
    assert_true(t_has(f->serr, "0.3 s"));
    assert_true(took >= 0.25);
    assert_true(took < 2.0);
}

static void test_session_liveness_local(void **state)
{
    t_liveness(*state, T_INPROC, 1);
}

static void test_session_liveness_tcp(void **state)
{
    t_liveness(*state, T_TCP, 0);
}

/* Sends one raw frame to the node through the ROUTER. */
static void t_send_raw(t_fix_t *f, const nn_peer_id_t *peer, const void *data, size_t len)
{
    assert_int_equal(zmq_send(f->router, peer->id, peer->len, ZMQ_SNDMORE), (int)peer->len);
    assert_int_equal(zmq_send(f->router, data, len, 0), (int)len);
}

/* The node answers a bad frame with an Error naming it and stops with `code`. */
static void t_node_refuses(t_fix_t *f, int code)
{
    nn_wire_t in;
    nn_peer_id_t from;
    t_recv(f, &from, &in, NN_WIRE_ERROR);
    assert_int_equal(in.node, NODE_ID);
    assert_int_equal(in.u.error.code, (uint32_t)code);
    assert_true(t_has(in.u.error.message, "node 3"));
    t_join(f);
    assert_int_equal(f->rc, code);
    assert_true(t_has(f->serr, "node 3"));
}

static void test_session_garbage_tcp(void **state)
{
    t_fix_t *f = *state;
    t_start(f, T_TCP, 0);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 5.0);
    /* wire type 7 does not exist: no protobuf parser takes this */
    static const unsigned char garbage[] = {0x0f, 0xff, 0xff, 0xff, 0x07, 0x42, 0x00, 0x99};
    t_send_raw(f, &peer, garbage, sizeof garbage);
    t_node_refuses(f, NN_EPROTO);
}

static void test_session_two_frames_tcp(void **state)
{
    t_fix_t *f = *state;
    t_start(f, T_TCP, 0);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 5.0);
    assert_int_equal(zmq_send(f->router, peer.id, peer.len, ZMQ_SNDMORE), (int)peer.len);
    assert_int_equal(zmq_send(f->router, "ab", 2, ZMQ_SNDMORE), 2);
    assert_int_equal(zmq_send(f->router, "cd", 2, 0), 2);
    t_node_refuses(f, NN_EPROTO);
}

static void test_session_toobig_tcp(void **state)
{
    t_fix_t *f = *state;
    f->cfg.max_message_bytes = 4096;
    t_start(f, T_TCP, 0);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 5.0);
    static unsigned char big[8192];
    memset(big, 0x11, sizeof big);
    t_send_raw(f, &peer, big, sizeof big);
    t_node_refuses(f, NN_ETOOBIG);
}

/* A well-formed Tick that delivers to an agent the node does not host: the node says so
 * in an Error (by pointer: into the error slot) and stops. */
static void test_session_foreign_tick_local(void **state)
{
    t_fix_t *f = *state;
    t_start(f, T_INPROC, 1);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 5.0);
    static const t_dl_t dl[] = {{5, 1, 0, 0.5}, {12, 1, 1, 0.5}};
    t_tick_t tt;
    t_tick_sparse(&tt, dl, 2, 0.0);
    nn_wire_t *w = &f->out[1];
    memset(w, 0, sizeof *w);
    w->kind = NN_WIRE_TICK;
    w->round = 1;
    w->node = NODE_ID;
    w->u.tick = tt.t;
    t_send(f, &peer, w);
    nn_wire_t in;
    nn_peer_id_t from;
    t_recv(f, &from, &in, NN_WIRE_ERROR);
    t_join(f);
    assert_int_equal(in.u.error.code, NN_EPROTO);
    assert_int_equal(in.round, 1);
    assert_true(t_has(in.u.error.message, "agent 12"));
    assert_int_equal(f->rc, NN_EPROTO);
    assert_true(t_has(f->serr, "agent 12"));
}

/* A second Welcome in the middle of the rounds is out of protocol. */
static void test_session_unexpected_tcp(void **state)
{
    t_fix_t *f = *state;
    t_start(f, T_TCP, 0);
    nn_peer_id_t peer;
    t_hello(f, &peer);
    t_welcome(f, &peer, &f->out[0], 5.0);
    t_welcome(f, &peer, &f->out[1], 5.0);
    nn_wire_t in;
    nn_peer_id_t from;
    t_recv(f, &from, &in, NN_WIRE_ERROR);
    assert_int_equal(in.u.error.code, NN_EPROTO);
    t_join(f);
    assert_int_equal(f->rc, NN_EPROTO);
}

/* ---- notices, acts, trends, memory and drawn parameters --------------------------------- */

/* Population 0 becomes citizens (agents 5, 7 and 8 of node A); 1 stays degroot. */
static void t_citizens(t_fix_t *f)
{
    t_desc(&f->desc[0], "citizen");
}

static void test_step_notices_and_acts(void **state)
{
    t_fix_t *f = *state;
    t_citizens(f);
    f->wa.rounds = 2;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    t_tick_t tt;
    t_tick_range(&tt, NULL, 0, 5, 10, 0, 0.0);
    const uint32_t to[] = {5, 6, 8, 8};
    const nn_notice_t no[] = {
        {NN_NOTICE_VOTE, 0, 3, NN_NO_AGENT, 5, 0.0, 1.0},
        {NN_NOTICE_TREND, 0, 0, NN_NO_AGENT, 2, 0.0, 0.0}, /* degroot: the node sets it */
        {NN_NOTICE_TREND, 0, 0, NN_NO_AGENT, 5, 0.0, 0.0},
        {NN_NOTICE_VOTE, 0, 4, NN_NO_AGENT, 5, 0.0, 1.0},
    };
    tt.t.n_notices = 4;
    tt.t.notice_to = to;
    tt.t.notices = no;
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node[0], 1, &tt.t, &out, f->err, sizeof f->err), NN_OK);
    /* each citizen told to vote votes its opinion before its inbox (empty here) */
    assert_int_equal(out.n_acts, 2);
    assert_int_equal(out.acts[0].agent, 5);
    assert_int_equal(out.acts[0].kind, NN_ACT_VOTE);
    assert_int_equal(out.acts[0].case_id, 3);
    assert_true(out.acts[0].value == 0.1);
    assert_int_equal(out.acts[1].agent, 8);
    assert_int_equal(out.acts[1].case_id, 4);
    assert_true(out.acts[1].value == 0.7);
    assert_non_null(out.trends);
    const uint64_t want[] = {0, 1u << 2, 0, 1u << 5, 0};
    assert_memory_equal(out.trends, want, sizeof want);
    /* the next round without notices keeps the bits, and the digest covers them */
    assert_int_equal(nn_node_step(f->node[0], 2, NULL, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.n_acts, 0);
    assert_memory_equal(out.trends, want, sizeof want);
    uint64_t d = 0;
    for (uint32_t i = 0; i < 5; i++)
        d += nn_digest_agent_full(5 + i, out.state[i], out.trends[i],
                                  out.memory ? out.memory[i] : 0);
    assert_true(out.digest == d);
    assert_true(d != nn_digest_agent(5, out.state[0]) + nn_digest_agent(6, out.state[1]) +
                         nn_digest_agent(7, out.state[2]) + nn_digest_agent(8, out.state[3]) +
                         nn_digest_agent(9, out.state[4]));
}

static void test_step_notice_foreign(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    const nn_notice_t no = {NN_NOTICE_TREND, 0, 0, NN_NO_AGENT, 1, 0.0, 0.0};
    const uint32_t outside[] = {3, 12};
    for (size_t k = 0; k < 2; k++) {
        t_tick_t tt;
        t_tick_range(&tt, NULL, 0, 5, 10, 0, 0.0);
        tt.t.n_notices = 1;
        tt.t.notice_to = &outside[k];
        tt.t.notices = &no;
        nn_actions_t out;
        f->err[0] = '\0';
        assert_int_equal(nn_node_step(f->node[0], 1, &tt.t, &out, f->err, sizeof f->err),
                         NN_EPROTO);
        assert_non_null(strstr(f->err, outside[k] == 3 ? "agent 3" : "agent 12"));
    }
}

/* A behaviour's output that the protocol cannot carry fails the step, naming the agent:
 * a deffuant agent whose opinion is NaN sends NaN. */
static void test_step_refuses_bad_output(void **state)
{
    t_fix_t *f = *state;
    double bad[5];
    memcpy(bad, s_a_state, sizeof bad);
    bad[0] = NAN; /* agent 5, deffuant, three neighbours */
    f->wa.state = bad;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node[0], 1, NULL, &out, f->err, sizeof f->err), NN_EPROTO);
    assert_non_null(strstr(f->err, "agent 5 sent a message in round 1"));
}

static void test_params_drawn_per_agent(void **state)
{
    t_fix_t *f = *state;
    t_citizens(f);
    /* sociability (the citizen's fourth parameter) uniform on [0, 8]: each citizen sends
     * to min(floor(draw), neighbours) neighbours */
    snprintf(f->desc[0].param_name[0], NN_NAME_MAX, "sociability");
    f->desc[0].param_value[0] = 0.0;
    f->desc[0].param_dist[0] = NN_DIST_UNIFORM;
    f->desc[0].param_b[0] = 8.0;
    f->desc[0].n_params = 1;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_OK);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node[0], 1, NULL, &out, f->err, sizeof f->err), NN_OK);
    const uint32_t citizens[] = {5, 7, 8};
    const size_t degree[] = {3, 0, 3};
    for (size_t c = 0; c < 3; c++) {
        nn_rng_t g;
        nn_rng_init(&g, SEED, NN_STREAM_TRAITS, citizens[c], 3);
        double v = 8.0 * nn_rng_unit(&g);
        size_t want = (size_t)v < degree[c] ? (size_t)v : degree[c];
        size_t got = 0;
        for (size_t i = 0; i < out.n_msgs; i++)
            got += out.msgs[i].from == citizens[c];
        assert_int_equal(got, want);
    }
    /* an unknown distribution is refused */
    nn_node_destroy(&f->node[0]);
    f->desc[0].param_dist[0] = 3;
    assert_int_equal(nn_node_new(&f->node[0], &f->wa, f->err, sizeof f->err), NN_EPROTO);
    assert_non_null(strstr(f->err, "sociability"));
}

/* ---- texts: nn_say and what a step hears ------------------------------------------------ */

/* What a test-echo agent saw in its last step (or prepare), recorded for the test. */
typedef struct t_heard {
    int called;
    int texts_null; /* a->texts was NULL */
    size_t n_inbox;
    uint32_t from[8];
    int is_null[8];
    char text[8][NN_TEXT_BYTES + 1];
    int budget_spent; /* prepare: the batch's flag */
} t_heard_t;

static t_heard_t s_heard[N_TOTAL], s_prep[N_TOTAL];

static void t_record(t_heard_t *h, const nn_agent_t *a)
{
    memset(h, 0, sizeof *h);
    h->called = 1;
    h->texts_null = a->texts == NULL;
    h->n_inbox = a->n_inbox;
    assert_true(a->n_inbox <= 8);
    for (size_t i = 0; i < a->n_inbox; i++) {
        h->from[i] = a->inbox[i].from;
        h->is_null[i] = !a->texts || !a->texts[i];
        if (!h->is_null[i]) {
            assert_true(strlen(a->texts[i]) <= NN_TEXT_BYTES);
            strcpy(h->text[i], a->texts[i]);
        }
    }
}

/* A text of n bytes: 'a' .. 'z' repeated. */
static void t_fill(char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + i % 26);
    buf[n] = '\0';
}

/* test-echo: records what it hears, then says by its mode (parameter 0):
 * 0: "heard <from>: <text>" of the first delivery with a text, nothing without one;
 * 1: says twice, a long text then "second <id>" (the second must replace the first);
 * 2: agent 7 says a surrogate (not UTF-8), the others "fine";
 * 3: agent 7 says 281 bytes, the others "fine";
 * 4: everyone says 280 bytes;
 * 5: says something bad, then replaces it with "good <id>".
 * Then it sends its opinion to all its neighbours. */
static void t_echo_step(nn_agent_t *a)
{
    t_record(&s_heard[a->id], a);
    char buf[NN_TEXT_BYTES + 64];
    switch ((int)a->params[0]) {
    case 0:
        for (size_t i = 0; a->texts && i < a->n_inbox; i++)
            if (a->texts[i]) {
                snprintf(buf, sizeof buf, "heard %u: %s", a->inbox[i].from, a->texts[i]);
                nn_say(a, buf);
                break;
            }
        break;
    case 1:
        t_fill(buf, 200);
        nn_say(a, buf);
        snprintf(buf, sizeof buf, "second %u", a->id);
        nn_say(a, buf);
        break;
    case 2: nn_say(a, a->id == 7 ? "bad \xed\xa0\x80" : "fine"); break;
    case 3:
        t_fill(buf, NN_TEXT_BYTES + 1);
        nn_say(a, a->id == 7 ? buf : "fine");
        break;
    case 4:
        t_fill(buf, NN_TEXT_BYTES);
        buf[0] = (char)('A' + a->id);
        nn_say(a, buf);
        break;
    case 5:
        t_fill(buf, NN_TEXT_BYTES + 10);
        nn_say(a, buf);
        snprintf(buf, sizeof buf, "good %u", a->id);
        nn_say(a, buf);
        break;
    default: break;
    }
    nn_send_all(a, a->x);
}

static const nn_param_spec_t s_echo_params[] = {{"mode", 0.0, 0.0, 9.0, "what it says"}};
static const nn_behaviour_ops_t s_echo = {
    "test-echo", "says what it heard", s_echo_params, 1, 0, t_echo_step, NULL, NULL, NULL,
};

static int s_batch_ctx;

static int t_echo_open(void **ctx, const struct nn_welcome *w, size_t population, char *err,
                       size_t errlen)
{
    (void)w;
    (void)population;
    (void)err;
    (void)errlen;
    *ctx = &s_batch_ctx;
    return NN_OK;
}

static void t_echo_close(void *ctx)
{
    assert_ptr_equal(ctx, &s_batch_ctx);
}

static int t_echo_prepare(void *ctx, const struct nn_batch *b, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    assert_ptr_equal(ctx, &s_batch_ctx);
    for (size_t k = 0; k < b->n; k++) {
        assert_null(b->agents[k].says); /* nothing is said in prepare */
        t_record(&s_prep[b->agents[k].id], &b->agents[k]);
        s_prep[b->agents[k].id].budget_spent = b->budget_spent;
        b->slots[k] = NULL;
    }
    return NN_OK;
}

static const nn_behaviour_ops_t s_echo_batch = {
    "test-echo-batch",
    "says what it heard, prepared",
    s_echo_params,
    1,
    0,
    t_echo_step,
    t_echo_open,
    t_echo_close,
    t_echo_prepare,
};

/* Node A with population 0 (agents 5, 7, 8) running `behaviour` in `mode`; 1 stays
 * degroot (6, 9), which says nothing. */
static void t_echo_node(t_fix_t *f, size_t k, const char *behaviour, int mode)
{
    t_desc(&f->desc[0], behaviour);
    t_param(&f->desc[0], "mode", (double)mode);
    assert_int_equal(nn_node_new(&f->node[k], &f->wa, f->err, sizeof f->err), NN_OK);
}

/* The texts of the senders of s_a_dl: 12 and 2 say nothing, 4 sends nothing to node A. */
static const uint32_t s_tx_from[] = {0, 1, 3, 4, 19};
static const char *const s_tx_text[] = {"zero", "uno", "tr\xc3\xa9s", "four",
                                        "\xf0\x9f\x8e\x89 party"};

static const char *t_text_of(uint32_t from)
{
    for (size_t i = 0; i < sizeof s_tx_from / sizeof s_tx_from[0]; i++)
        if (s_tx_from[i] == from)
            return s_tx_text[i];
    return NULL;
}

/* What agent id (of 5, 7, 8) must have heard from s_a_dl with s_tx_*. */
static void t_check_heard(const t_heard_t *h, uint32_t id)
{
    assert_true(h->called);
    size_t n = 0;
    for (size_t j = 0; j < sizeof s_a_dl / sizeof s_a_dl[0]; j++)
        if (s_a_dl[j].to == id) {
            assert_true(n < h->n_inbox);
            assert_int_equal(h->from[n], s_a_dl[j].from);
            const char *want = t_text_of(s_a_dl[j].from);
            if (!want)
                assert_true(h->is_null[n]);
            else {
                assert_false(h->is_null[n]);
                assert_string_equal(h->text[n], want);
            }
            n++;
        }
    assert_int_equal(h->n_inbox, n);
    assert_false(h->texts_null);
}

static void t_check_echoed(const nn_actions_t *out)
{
    static const uint32_t want_from[] = {5, 7, 8};
    static const char *const want[] = {"heard 1: uno", "heard 3: tr\xc3\xa9s",
                                       "heard 19: \xf0\x9f\x8e\x89 party"};
    assert_int_equal(out->texts.n, 3);
    assert_non_null(out->texts.from);
    assert_non_null(out->texts.text);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out->texts.from[i], want_from[i]);
        assert_string_equal(out->texts.text[i], want[i]);
    }
}

static void test_step_texts(void **state)
{
    t_fix_t *f = *state;
    for (size_t k = 0; k < 3; k++)
        t_echo_node(f, k, "test-echo", 0);
    const size_t n = sizeof s_a_dl / sizeof s_a_dl[0];
    t_tick_t tt[3];
    t_tick_sparse(&tt[0], s_a_dl, n, 0.0);
    t_tick_range(&tt[1], s_a_dl, n, 5, 10, 3, 0.0); /* offsets from 3 */
    t_tick_range(&tt[2], s_a_dl, n, 2, 14, 4, 0.0); /* runs of others too */
    for (size_t k = 0; k < 3; k++) {
        tt[k].t.texts.n = sizeof s_tx_from / sizeof s_tx_from[0];
        tt[k].t.texts.from = s_tx_from;
        tt[k].t.texts.text = s_tx_text;
        memset(s_heard, 0, sizeof s_heard);
        nn_actions_t out;
        assert_int_equal(nn_node_step(f->node[k], 1, &tt[k].t, &out, f->err, sizeof f->err), NN_OK);
        t_check_heard(&s_heard[5], 5);
        t_check_heard(&s_heard[7], 7);
        t_check_heard(&s_heard[8], 8);
        assert_true(s_heard[5].is_null[1]); /* agent 12 said nothing */
        assert_false(s_heard[6].called);    /* degroot */
        t_check_echoed(&out);
        assert_null(out.spend); /* no batch behaviour */
        /* messages still go out as before */
        assert_true(out.n_msgs > 0);
    }

    /* a tick without texts: a->texts NULL, nothing said */
    for (size_t k = 0; k < 3; k++) {
        tt[k].t.texts.n = 0;
        tt[k].t.texts.from = NULL;
        tt[k].t.texts.text = NULL;
        memset(s_heard, 0, sizeof s_heard);
        nn_actions_t out;
        assert_int_equal(nn_node_step(f->node[k], 2, &tt[k].t, &out, f->err, sizeof f->err), NN_OK);
        for (uint32_t id = 5; id <= 8; id += (id == 5 ? 2 : 1)) {
            assert_true(s_heard[id].called);
            assert_true(s_heard[id].texts_null);
        }
        assert_int_equal(out.texts.n, 0);
    }
    /* no tick at all */
    memset(s_heard, 0, sizeof s_heard);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node[0], 3, NULL, &out, f->err, sizeof f->err), NN_OK);
    assert_true(s_heard[5].called && s_heard[5].texts_null);
    assert_int_equal(out.texts.n, 0);

    /* texts, but only from a sender that reached none of these agents: every entry NULL */
    t_tick_sparse(&tt[0], s_a_dl, n, 0.0);
    static const uint32_t other[] = {4};
    static const char *const other_text[] = {"four"};
    tt[0].t.texts = (nn_texts_t){1, other, other_text};
    memset(s_heard, 0, sizeof s_heard);
    assert_int_equal(nn_node_step(f->node[0], 4, &tt[0].t, &out, f->err, sizeof f->err), NN_OK);
    for (uint32_t id = 5; id <= 8; id += (id == 5 ? 2 : 1))
        for (size_t i = 0; i < s_heard[id].n_inbox; i++)
            assert_true(s_heard[id].is_null[i]);
    assert_int_equal(out.texts.n, 0);

    /* and the texts come back the next round */
    tt[0].t.texts = (nn_texts_t){sizeof s_tx_from / sizeof s_tx_from[0], s_tx_from, s_tx_text};
    assert_int_equal(nn_node_step(f->node[0], 5, &tt[0].t, &out, f->err, sizeof f->err), NN_OK);
    t_check_echoed(&out);
}

static void test_say_replaces(void **state)
{
    t_fix_t *f = *state;
    t_echo_node(f, 0, "test-echo", 1);
    t_echo_node(f, 1, "test-echo", 5);
    for (uint64_t round = 1; round <= 2; round++)
        for (size_t k = 0; k < 2; k++) {
            nn_actions_t out;
            assert_int_equal(nn_node_step(f->node[k], round, NULL, &out, f->err, sizeof f->err),
                             NN_OK);
            static const uint32_t want_from[] = {5, 7, 8};
            assert_int_equal(out.texts.n, 3);
            for (size_t i = 0; i < 3; i++) {
                char want[32];
                snprintf(want, sizeof want, "%s %u", k ? "good" : "second", want_from[i]);
                assert_int_equal(out.texts.from[i], want_from[i]);
                assert_string_equal(out.texts.text[i], want);
            }
        }
}

static void test_say_refused(void **state)
{
    t_fix_t *f = *state;
    t_echo_node(f, 0, "test-echo", 2);
    t_echo_node(f, 1, "test-echo", 3);
    t_echo_node(f, 2, "test-echo", 4);
    nn_actions_t out;
    f->err[0] = '\0';
    assert_int_equal(nn_node_step(f->node[0], 1, NULL, &out, f->err, sizeof f->err), NN_EPROTO);
    assert_true(t_has(f->err, "agent 7 said a text of 7 bytes in round 1"));
    f->err[0] = '\0';
    assert_int_equal(nn_node_step(f->node[1], 2, NULL, &out, f->err, sizeof f->err), NN_EPROTO);
    assert_true(t_has(f->err, "agent 7 said a text of 281 bytes in round 2"));
    assert_true(t_has(f->err, "280"));
    /* 280 bytes are fine */
    assert_int_equal(nn_node_step(f->node[2], 1, NULL, &out, f->err, sizeof f->err), NN_OK);
    assert_int_equal(out.texts.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(strlen(out.texts.text[i]), NN_TEXT_BYTES);
        assert_int_equal(out.texts.text[i][0], 'A' + out.texts.from[i]);
    }
}

static void test_batch_views_texts(void **state)
{
    t_fix_t *f = *state;
    t_echo_node(f, 0, "test-echo-batch", 0);
    const size_t n = sizeof s_a_dl / sizeof s_a_dl[0];
    t_tick_t tt;
    t_tick_range(&tt, s_a_dl, n, 5, 10, 2, 0.0);
    tt.t.texts = (nn_texts_t){sizeof s_tx_from / sizeof s_tx_from[0], s_tx_from, s_tx_text};
    tt.t.budget_spent = 1;
    memset(s_heard, 0, sizeof s_heard);
    memset(s_prep, 0, sizeof s_prep);
    nn_actions_t out;
    assert_int_equal(nn_node_step(f->node[0], 1, &tt.t, &out, f->err, sizeof f->err), NN_OK);
    static const uint32_t ids[] = {5, 7, 8};
    for (size_t i = 0; i < 3; i++) {
        t_check_heard(&s_prep[ids[i]], ids[i]);
        assert_int_equal(s_prep[ids[i]].budget_spent, 1);
        t_check_heard(&s_heard[ids[i]], ids[i]);
    }
    assert_false(s_prep[6].called);
    t_check_echoed(&out);
    /* a batch node reports a spend, here of nothing */
    assert_non_null(out.spend);
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        assert_true(*nn_spend_counter((nn_spend_t *)out.spend, k) == 0);
    assert_int_equal(out.spend->n_latency, 0);

    /* without texts, prepare sees NULL texts too, and the budget flag follows the tick */
    tt.t.texts = (nn_texts_t){0, NULL, NULL};
    tt.t.budget_spent = 0;
    memset(s_prep, 0, sizeof s_prep);
    assert_int_equal(nn_node_step(f->node[0], 2, &tt.t, &out, f->err, sizeof f->err), NN_OK);
    assert_true(s_prep[5].called && s_prep[5].texts_null);
    assert_int_equal(s_prep[5].budget_spent, 0);
    assert_int_equal(out.texts.n, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, t_setup, t_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_new_contiguous),
        T(test_new_list),
        T(test_new_errors),
        T(test_step_forms),
        T(test_step_forms_list),
        T(test_step_foreign),
        T(test_states_digest),
        T(test_deffuant_neighbours),
        T(test_step_notices_and_acts),
        T(test_step_notice_foreign),
        T(test_params_drawn_per_agent),
        T(test_step_refuses_bad_output),
        T(test_step_texts),
        T(test_say_replaces),
        T(test_say_refused),
        T(test_batch_views_texts),
        T(test_session_inproc_local),
        T(test_session_inproc_proto),
        T(test_session_ipc),
        T(test_session_tcp),
        T(test_session_reject_local),
        T(test_session_reject_tcp),
        T(test_session_no_coordinator_local),
        T(test_session_no_coordinator_tcp),
        T(test_session_hello_timeout_local),
        T(test_session_hello_timeout_tcp),
        T(test_session_liveness_local),
        T(test_session_liveness_tcp),
        T(test_session_garbage_tcp),
        T(test_session_two_frames_tcp),
        T(test_session_toobig_tcp),
        T(test_session_foreign_tick_local),
        T(test_session_unexpected_tcp),
    };
    if (nn_behaviour_register(&s_echo) != NN_OK || nn_behaviour_register(&s_echo_batch) != NN_OK) {
        fprintf(stderr, "cannot register the test behaviours\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
