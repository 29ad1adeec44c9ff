/* Tests of coordinator/router.c. Every routed round is checked against a naive reference
 * that builds each inbox by walking the senders in id order and numbering each sender's
 * messages by position: canonical order, sequence numbers, empty inboxes, drops by named
 * rule with balanced counts, tick slices per node, and the reuse of the delivery array
 * from round to round. Messages are drawn from nunchi's own generator, so a failure is
 * reproducible. Each test has a fresh router, which the teardown releases even when the
 * test fails. In MPI mode (nn_router_set_ranks), routers of two or three ranks, each
 * given its own senders' messages and the others' exported records, must give together
 * exactly what one router gives, inbox by inbox, however the agents are spread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "nunchi/rng.h"
#include "pool.h"
#include "router.h"

#define SEED     0x726f75746572ULL
#define N_AGENTS 12u
#define N_NODES  3u

/* the three nodes host contiguous ranges: 0..3, 4..7, 8..11 */
static const uint32_t s_lo[N_NODES] = {0, 4, 8};
static const uint32_t s_hi[N_NODES] = {4, 8, 12};

typedef struct t_fix {
    nn_router_t r;
    int inited;
} t_fix_t;

/* The suite runs twice: sorting on the caller's thread alone (NULL), then split over a
 * pool of three threads, which must give the same deliveries. Set by main only. */
static nn_pool_t *s_pool;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    if (f->inited)
        nn_router_release(&f->r);
    free(f);
    return 0;
}

static void t_init(t_fix_t *f, uint32_t n_agents, size_t n_nodes)
{
    assert_int_equal(nn_router_init(&f->r, n_agents, n_nodes, s_pool), NN_OK);
    f->inited = 1;
}

/* ---- the reference ------------------------------------------------------------------- */

/* A round as the nodes sent it: batch k holds node k's messages, sorted by sender. */
typedef struct t_round {
    size_t n[N_NODES];
    nn_msg_t *msgs[N_NODES];
} t_round_t;

static void t_round_free(t_round_t *rd)
{
    for (size_t k = 0; k < N_NODES; k++)
        free(rd->msgs[k]);
    memset(rd, 0, sizeof *rd);
}

/* Each sender of node k sends 0..max_per messages to random receivers below n_to (so
 * receivers >= N_AGENTS are possible when n_to > N_AGENTS); `skip` is never a receiver.
 * The value names the message uniquely: tag + 1000 * from + position. */
static void t_round_make(t_round_t *rd, uint64_t round, unsigned max_per, uint32_t n_to,
                         uint32_t skip, double tag)
{
    memset(rd, 0, sizeof *rd);
    for (size_t k = 0; k < N_NODES; k++) {
        size_t cap = (size_t)(s_hi[k] - s_lo[k]) * max_per + 1;
        rd->msgs[k] = calloc(cap, sizeof(nn_msg_t));
        assert_non_null(rd->msgs[k]);
        for (uint32_t a = s_lo[k]; a < s_hi[k]; a++) {
            nn_rng_t g;
            nn_rng_init(&g, SEED, NN_STREAM_USER, a, round);
            unsigned cnt = (unsigned)nn_rng_below(&g, max_per + 1);
            for (unsigned j = 0; j < cnt; j++) {
                uint32_t to;
                do
                    to = (uint32_t)nn_rng_below(&g, n_to);
                while (to == skip);
                nn_msg_t *m = &rd->msgs[k][rd->n[k]++];
                m->from = a;
                m->to = to;
                m->value = tag + 1000.0 * a + j;
            }
        }
    }
}

/* The expected deliveries in canonical order: receivers ascending, each inbox by sender id
 * then by the sender's sequence (its position among all its messages of the round,
 * dropped ones included). Messages failing a rule are left out. Returns the count; off
 * gets n_agents + 1 offsets. */
static size_t t_expect(const t_round_t *rd, uint32_t n_agents, uint64_t *off, nn_delivery_t *out)
{
    size_t total = 0;
    for (uint32_t to = 0; to < n_agents; to++) {
        off[to] = total;
        for (uint32_t from = 0; from < n_agents; from++)
            for (size_t k = 0; k < N_NODES; k++) {
                uint32_t seq = 0;
                for (size_t i = 0; i < rd->n[k]; i++) {
                    const nn_msg_t *m = &rd->msgs[k][i];
                    if (m->from != from)
                        continue;
                    if (m->to == to && from >= s_lo[k] && from < s_hi[k]) {
                        out[total].from = from;
                        out[total].seq = seq;
                        out[total].value = m->value;
                        total++;
                    }
                    seq++;
                }
            }
    }
    off[n_agents] = total;
    return total;
}

static size_t t_sent(const t_round_t *rd)
{
    size_t s = 0;
    for (size_t k = 0; k < N_NODES; k++)
        s += rd->n[k];
    return s;
}

static void t_route(nn_router_t *r, const t_round_t *rd, const size_t order[N_NODES])
{
    nn_router_begin(r);
    for (size_t i = 0; i < N_NODES; i++) {
        size_t k = order[i];
        nn_router_add(r, k, s_lo[k], s_hi[k], rd->msgs[k], rd->n[k]);
    }
    assert_int_equal(nn_router_finish(r), NN_OK);
}

static void t_same_delivery(const nn_delivery_t *got, const nn_delivery_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i].from, want[i].from);
        assert_int_equal(got[i].seq, want[i].seq);
        assert_true(got[i].value == want[i].value);
    }
}

/* The routed round equals the reference: offsets, deliveries and counts. */
static void t_check(const nn_router_t *r, const t_round_t *rd)
{
    uint64_t off[N_AGENTS + 1];
    size_t cap = t_sent(rd) + 1;
    nn_delivery_t *want = calloc(cap, sizeof *want);
    assert_non_null(want);
    size_t n = t_expect(rd, r->n_agents, off, want);
    assert_int_equal(r->routed, n);
    assert_int_equal(r->sent, t_sent(rd));
    for (uint32_t i = 0; i <= r->n_agents; i++)
        assert_int_equal(r->off[i], off[i]);
    if (n)
        t_same_delivery(r->deliv, want, n);
    free(want);
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_canonical_order(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    t_round_t rd;
    t_round_make(&rd, 1, 5, N_AGENTS, UINT32_MAX, 0.0);
    /* several senders on each node send more than one message to the same receiver */
    assert_true(t_sent(&rd) > 20);
    static const size_t order[N_NODES] = {0, 1, 2};
    t_route(&f->r, &rd, order);
    t_check(&f->r, &rd);
    assert_int_equal(f->r.dropped[NN_DROP_FOREIGN_SENDER], 0);
    assert_int_equal(f->r.dropped[NN_DROP_UNKNOWN_RECEIVER], 0);
    /* spelled out: every inbox ascends by (from, seq), and seq numbers of one sender to
     * all receivers together are exactly 0 .. count - 1 */
    for (uint32_t i = 0; i < N_AGENTS; i++)
        for (uint64_t j = f->r.off[i] + 1; j < f->r.off[i + 1]; j++) {
            const nn_delivery_t *a = &f->r.deliv[j - 1], *b = &f->r.deliv[j];
            assert_true(a->from < b->from || (a->from == b->from && a->seq < b->seq));
        }
    for (uint32_t s = 0; s < N_AGENTS; s++) {
        unsigned seen[64] = {0};
        unsigned count = 0;
        for (size_t k = 0; k < N_NODES; k++)
            for (size_t i = 0; i < rd.n[k]; i++)
                count += rd.msgs[k][i].from == s;
        for (uint64_t j = 0; j < f->r.routed; j++)
            if (f->r.deliv[j].from == s) {
                assert_true(f->r.deliv[j].seq < count);
                seen[f->r.deliv[j].seq]++;
            }
        for (unsigned q = 0; q < count; q++)
            assert_int_equal(seen[q], 1);
    }
    t_round_free(&rd);
}

/* Worked by hand: agent 9 sends three messages, to 1, 0, 1; agent 2 sends one to 1. */
static void test_by_hand(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    const nn_msg_t b0[] = {{2, 1, 0.25}};
    const nn_msg_t b2[] = {{9, 1, 0.5}, {9, 0, 0.75}, {9, 1, 1.0}};
    nn_router_begin(&f->r);
    nn_router_add(&f->r, 2, 8, 12, b2, 3);
    nn_router_add(&f->r, 1, 4, 8, NULL, 0);
    nn_router_add(&f->r, 0, 0, 4, b0, 1);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    assert_int_equal(f->r.routed, 4);
    assert_int_equal(f->r.off[0], 0);
    assert_int_equal(f->r.off[1], 1);
    assert_int_equal(f->r.off[2], 4);
    for (uint32_t i = 2; i <= N_AGENTS; i++)
        assert_int_equal(f->r.off[i], 4);
    const nn_delivery_t want[] = {{9, 1, 0.75}, {2, 0, 0.25}, {9, 0, 0.5}, {9, 2, 1.0}};
    t_same_delivery(f->r.deliv, want, 4);
}

/* nn_router_reshape's fate for test_reshape: 9's message of seq 0 to 1 twice, 9's seq 2
 * held, the rest as routed. */
static nn_router_fate_t t_fate(void *ctx, uint32_t to, const nn_delivery_t *d)
{
    size_t *asked = ctx;
    (*asked)++;
    if (d->from == 9 && d->seq == 0 && to == 1)
        return NN_FATE_TWICE;
    return d->from == 9 && d->seq == 2 ? NN_FATE_HOLD : NN_FATE_DELIVER;
}

static void test_reshape(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    const nn_msg_t b0[] = {{2, 1, 0.25}};
    const nn_msg_t b2[] = {{9, 1, 0.5}, {9, 0, 0.75}, {9, 1, 1.0}};
    nn_router_begin(&f->r);
    nn_router_add(&f->r, 2, 8, 12, b2, 3);
    nn_router_add(&f->r, 1, 4, 8, NULL, 0);
    nn_router_add(&f->r, 0, 0, 4, b0, 1);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    /* a late delivery for 1 from 3 and one for 5 from 0, given back this round */
    const nn_router_late_t late[] = {{1, {3, 0, 0.125, 0, 1.0f, 0}}, {5, {0, 4, 0.5, 0, 1.0f, 0}}};
    size_t asked = 0;
    assert_int_equal(nn_router_reshape(&f->r, t_fate, &asked, late, 2), NN_OK);
    assert_int_equal(asked, 4);
    assert_int_equal(f->r.routed, 6); /* 4 - 1 held + 1 twice + 2 late */
    assert_int_equal(f->r.off[0], 0);
    assert_int_equal(f->r.off[1], 1);
    assert_int_equal(f->r.off[2], 5);
    assert_int_equal(f->r.off[5], 5);
    assert_int_equal(f->r.off[6], 6);
    assert_int_equal(f->r.off[N_AGENTS], 6);
    /* 1's inbox back in canonical order: 2, 3 (late), 9 twice */
    const nn_delivery_t want[] = {{9, 1, 0.75}, {2, 0, 0.25}, {3, 0, 0.125},
                                  {9, 0, 0.5},  {9, 0, 0.5},  {0, 4, 0.5}};
    t_same_delivery(f->r.deliv, want, 6);
    /* the next round routes into the other buffer as usual */
    nn_router_begin(&f->r);
    nn_router_add(&f->r, 0, 0, 4, b0, 1);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    assert_int_equal(f->r.routed, 1);
    assert_int_equal(f->r.off[1], 0);
    assert_int_equal(f->r.off[2], 1);
    /* late deliveries out of order, or for no agent, are refused: none would be lost */
    const nn_router_late_t bad[] = {{5, {0, 0, 0.5, 0, 1.0f, 0}}, {1, {0, 1, 0.5, 0, 1.0f, 0}}};
    assert_int_equal(nn_router_reshape(&f->r, NULL, NULL, bad, 2), NN_EINVAL);
    const nn_router_late_t none[] = {{N_AGENTS, {0, 0, 0.5, 0, 1.0f, 0}}};
    assert_int_equal(nn_router_reshape(&f->r, NULL, NULL, none, 1), NN_EINVAL);
    assert_int_equal(f->r.routed, 1);
}

static void test_any_node_order(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    t_round_t rd;
    t_round_make(&rd, 2, 4, N_AGENTS, UINT32_MAX, 0.0);
    static const size_t orders[][N_NODES] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
    uint64_t off0[N_AGENTS + 1];
    nn_delivery_t *d0 = calloc(t_sent(&rd) + 1, sizeof *d0);
    assert_non_null(d0);
    size_t n0 = 0;
    for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
        t_route(&f->r, &rd, orders[o]);
        t_check(&f->r, &rd);
        if (o == 0) {
            n0 = f->r.routed;
            memcpy(off0, f->r.off, sizeof off0);
            memcpy(d0, f->r.deliv, n0 * sizeof *d0);
        } else {
            assert_int_equal(f->r.routed, n0);
            assert_memory_equal(f->r.off, off0, sizeof off0);
            assert_memory_equal(f->r.deliv, d0, n0 * sizeof *d0);
        }
    }
    free(d0);
    t_round_free(&rd);
}

static void test_empty_round(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    /* nothing added at all */
    nn_router_begin(&f->r);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    assert_int_equal(f->r.routed, 0);
    assert_int_equal(f->r.sent, 0);
    for (uint32_t i = 0; i <= N_AGENTS; i++)
        assert_int_equal(f->r.off[i], 0);
    /* a full round, then every node adds an empty batch: nothing of the full one stays */
    t_round_t rd;
    t_round_make(&rd, 3, 3, N_AGENTS, UINT32_MAX, 0.0);
    static const size_t order[N_NODES] = {0, 1, 2};
    t_route(&f->r, &rd, order);
    assert_true(f->r.routed > 0);
    nn_router_begin(&f->r);
    for (size_t k = 0; k < N_NODES; k++)
        nn_router_add(&f->r, k, s_lo[k], s_hi[k], rd.msgs[k], 0);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    assert_int_equal(f->r.routed, 0);
    assert_int_equal(f->r.sent, 0);
    for (uint32_t i = 0; i <= N_AGENTS; i++)
        assert_int_equal(f->r.off[i], 0);
    nn_tick_t t;
    nn_router_tick(&f->r, 4, 8, &t);
    assert_int_equal(t.n_runs, 4);
    for (size_t i = 0; i <= t.n_runs; i++)
        assert_int_equal(t.inbox_off[i], 0);
    t_round_free(&rd);
}

static void test_agent_without_messages(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    t_round_t rd;
    /* nobody writes to agent 5 (or to agent 0, the first inbox, in the second round) */
    t_round_make(&rd, 4, 5, N_AGENTS, 5, 0.0);
    static const size_t order[N_NODES] = {1, 0, 2};
    t_route(&f->r, &rd, order);
    t_check(&f->r, &rd);
    assert_true(f->r.routed > 0);
    assert_int_equal(f->r.off[5], f->r.off[6]);
    t_round_free(&rd);
    t_round_make(&rd, 5, 5, N_AGENTS, 0, 0.0);
    t_route(&f->r, &rd, order);
    t_check(&f->r, &rd);
    assert_int_equal(f->r.off[0], 0);
    assert_int_equal(f->r.off[1], 0);
    t_round_free(&rd);
}

static void test_drops(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    /* node 1 (agents 4..7) sends: one message claiming to be from agent 2 and one from
     * agent 9 (foreign senders), and agent 5 writes to 12 and 4000 (unknown receivers)
     * between two good messages; the seq of 5's second good message counts the dropped
     * ones, as they were sent */
    const nn_msg_t b0[] = {{1, 6, 0.1}};
    const nn_msg_t b1[] = {{2, 6, 0.2},    {4, 6, 0.3}, {5, 6, 0.4}, {5, 12, 0.5},
                           {5, 4000, 0.6}, {5, 6, 0.7}, {9, 6, 0.8}};
    const nn_msg_t b2[] = {{8, 12, 0.9}, {11, 6, 1.0}};
    nn_router_begin(&f->r);
    nn_router_add(&f->r, 1, 4, 8, b1, 7);
    nn_router_add(&f->r, 0, 0, 4, b0, 1);
    nn_router_add(&f->r, 2, 8, 12, b2, 2);
    assert_false(f->r.batch[1].clean);
    assert_true(f->r.batch[0].clean);
    assert_false(f->r.batch[2].clean);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    assert_int_equal(f->r.sent, 10);
    assert_int_equal(f->r.dropped[NN_DROP_FOREIGN_SENDER], 2);
    assert_int_equal(f->r.dropped[NN_DROP_UNKNOWN_RECEIVER], 3);
    assert_int_equal(f->r.routed, 5);
    assert_int_equal(f->r.sent, f->r.routed + f->r.dropped[NN_DROP_FOREIGN_SENDER] +
                                    f->r.dropped[NN_DROP_UNKNOWN_RECEIVER]);
    assert_int_equal(f->r.off[6], 0);
    assert_int_equal(f->r.off[7], 5);
    assert_int_equal(f->r.off[N_AGENTS], 5);
    const nn_delivery_t want[] = {{1, 0, 0.1}, {4, 0, 0.3}, {5, 0, 0.4}, {5, 3, 0.7}, {11, 0, 1.0}};
    t_same_delivery(f->r.deliv, want, 5);
    for (uint64_t j = 0; j < f->r.routed; j++) {
        double v = f->r.deliv[j].value;
        assert_true(v != 0.2 && v != 0.5 && v != 0.6 && v != 0.8 && v != 0.9);
    }
    assert_string_equal(nn_drop_rule_name(NN_DROP_FOREIGN_SENDER), "foreign_sender");
    assert_string_equal(nn_drop_rule_name(NN_DROP_UNKNOWN_RECEIVER), "unknown_receiver");
    /* the next round forgets the counts */
    nn_router_begin(&f->r);
    nn_router_add(&f->r, 0, 0, 4, b0, 1);
    assert_int_equal(nn_router_finish(&f->r), NN_OK);
    assert_int_equal(f->r.sent, 1);
    assert_int_equal(f->r.routed, 1);
    assert_int_equal(f->r.dropped[NN_DROP_FOREIGN_SENDER], 0);
    assert_int_equal(f->r.dropped[NN_DROP_UNKNOWN_RECEIVER], 0);
}

/* Random rounds with receivers up to 15 (some unknown): the counts balance and the
 * deliveries are the reference's. */
static void test_drops_random(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    static const size_t order[N_NODES] = {2, 0, 1};
    for (uint64_t round = 10; round < 30; round++) {
        t_round_t rd;
        t_round_make(&rd, round, 6, N_AGENTS + 4, UINT32_MAX, 0.0);
        t_route(&f->r, &rd, order);
        t_check(&f->r, &rd);
        uint64_t unknown = 0;
        for (size_t k = 0; k < N_NODES; k++)
            for (size_t i = 0; i < rd.n[k]; i++)
                unknown += rd.msgs[k][i].to >= N_AGENTS;
        assert_int_equal(f->r.dropped[NN_DROP_UNKNOWN_RECEIVER], unknown);
        assert_int_equal(f->r.dropped[NN_DROP_FOREIGN_SENDER], 0);
        assert_int_equal(f->r.sent, f->r.routed + unknown);
        t_round_free(&rd);
    }
}

static void test_tick_slices(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    t_round_t rd;
    t_round_make(&rd, 6, 4, N_AGENTS, UINT32_MAX, 0.0);
    static const size_t order[N_NODES] = {0, 2, 1};
    t_route(&f->r, &rd, order);
    uint64_t off[N_AGENTS + 1];
    nn_delivery_t *want = calloc(t_sent(&rd) + 1, sizeof *want);
    assert_non_null(want);
    t_expect(&rd, N_AGENTS, off, want);
    size_t covered = 0;
    for (size_t k = 0; k < N_NODES; k++) {
        nn_tick_t t;
        memset(&t, 0xa5, sizeof t);
        nn_router_tick(&f->r, s_lo[k], s_hi[k], &t);
        assert_int_equal(t.n_runs, s_hi[k] - s_lo[k]);
        assert_int_equal(t.first_agent, s_lo[k]);
        assert_null(t.receiver);
        for (size_t i = 0; i < t.n_runs; i++) {
            uint32_t a = s_lo[k] + (uint32_t)i;
            uint64_t n = t.inbox_off[i + 1] - t.inbox_off[i];
            assert_int_equal(n, off[a + 1] - off[a]);
            if (n)
                t_same_delivery(t.deliveries + t.inbox_off[i], want + off[a], n);
            covered += n;
        }
    }
    assert_int_equal(covered, f->r.routed);
    /* a slice that is not a node's: agents 3..9 */
    nn_tick_t t;
    nn_router_tick(&f->r, 3, 10, &t);
    assert_int_equal(t.n_runs, 7);
    for (size_t i = 0; i <= t.n_runs; i++)
        assert_int_equal(t.inbox_off[i], off[3 + i]);
    free(want);
    t_round_free(&rd);
}

static void test_reuse(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    static const size_t order[N_NODES] = {0, 1, 2};
    t_round_t r1, r2;
    t_round_make(&r1, 7, 6, N_AGENTS, UINT32_MAX, 0.0);
    t_route(&f->r, &r1, order);
    t_check(&f->r, &r1);
    const nn_delivery_t *deliv = f->r.deliv;
    size_t cap = f->r.deliv_cap;
    assert_non_null(deliv);
    assert_true(cap >= f->r.routed);
    /* a second round of other messages (values tagged apart), no larger than the first's
     * capacity: the same array, the same capacity, and only the second round's content */
    t_round_make(&r2, 8, 6, N_AGENTS, UINT32_MAX, 1.0e6);
    assert_true(t_sent(&r2) <= cap);
    t_round_free(&r1);
    t_route(&f->r, &r2, order);
    t_check(&f->r, &r2);
    assert_ptr_equal(f->r.deliv, deliv);
    assert_int_equal(f->r.deliv_cap, cap);
    for (uint64_t j = 0; j < f->r.routed; j++)
        assert_true(f->r.deliv[j].value >= 1.0e6);
    /* the same round again: still no growth */
    t_route(&f->r, &r2, order);
    t_check(&f->r, &r2);
    assert_ptr_equal(f->r.deliv, deliv);
    assert_int_equal(f->r.deliv_cap, cap);
    t_round_free(&r2);
}

/* A round larger than the capacity grows the array, and routes right. */
static void test_grows(void **state)
{
    t_fix_t *f = *state;
    t_init(f, N_AGENTS, N_NODES);
    static const size_t order[N_NODES] = {1, 2, 0};
    t_round_t small, big;
    t_round_make(&small, 9, 2, N_AGENTS, UINT32_MAX, 0.0);
    t_route(&f->r, &small, order);
    t_check(&f->r, &small);
    size_t cap = f->r.deliv_cap;
    t_round_make(&big, 10, (unsigned)(cap / 2), N_AGENTS, UINT32_MAX, 0.0);
    assert_true(t_sent(&big) > cap);
    t_route(&f->r, &big, order);
    t_check(&f->r, &big);
    assert_true(f->r.deliv_cap > cap);
    assert_true(f->r.deliv_cap >= f->r.routed);
    assert_true(f->r.routed > cap);
    /* and back to a small round within the grown array */
    cap = f->r.deliv_cap;
    const nn_delivery_t *deliv = f->r.deliv;
    t_route(&f->r, &small, order);
    t_check(&f->r, &small);
    assert_ptr_equal(f->r.deliv, deliv);
    assert_int_equal(f->r.deliv_cap, cap);
    t_round_free(&small);
    t_round_free(&big);
}

/* ---- ranks (MPI mode) ---------------------------------------------------------------- */

/* A society of X_AGENTS agents on three nodes, split over up to X_MAX_RANKS ranks by an
 * owner array. Every rank's router gets, for each node, the messages of that node's
 * senders that it owns (each rank checks only its own senders, as under mpirun), exports
 * what goes to other ranks and imports what the others export to it; the reference is
 * one router with no ranks that gets every message. */
#define X_AGENTS    30u
#define X_NODES     3u
#define X_MAX_RANKS 3u
#define X_UNKNOWN   3u /* receivers X_AGENTS .. X_AGENTS + 2 are nobody */
#define X_POISON_T  0xdeaddeaddeaddeadULL

static const uint32_t s_xlo[X_NODES] = {0, 9, 20};
static const uint32_t s_xhi[X_NODES] = {9, 20, 30};

typedef struct t_xround {
    size_t n[X_NODES];
    nn_msg_t *msgs[X_NODES];
    /* the same messages, rank by rank: only the senders that rank q owns */
    size_t qn[X_MAX_RANKS][X_NODES];
    nn_msg_t *qmsgs[X_MAX_RANKS][X_NODES];
} t_xround_t;

typedef struct t_xfix {
    nn_router_t ref;
    nn_router_t rk[X_MAX_RANKS];
    int ref_inited;
    int rk_inited[X_MAX_RANKS];
    uint32_t n_ranks;
    uint32_t owner[X_AGENTS];
    /* the stamps as the whole society has them, and as each rank has them: right for
     * its own agents, poison for the others' (which it must never stamp) */
    float standing[X_AGENTS];
    uint64_t trends[X_AGENTS];
    float qstanding[X_MAX_RANKS][X_AGENTS];
    uint64_t qtrends[X_MAX_RANKS][X_AGENTS];
    t_xround_t rd;
    nn_pool_t *pool; /* made by the test (or NULL: s_pool) */
} t_xfix_t;

static int t_xsetup(void **state)
{
    t_xfix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static void t_xround_free(t_xround_t *rd)
{
    for (size_t k = 0; k < X_NODES; k++) {
        free(rd->msgs[k]);
        for (uint32_t q = 0; q < X_MAX_RANKS; q++)
            free(rd->qmsgs[q][k]);
    }
    memset(rd, 0, sizeof *rd);
}

static void t_xrelease(t_xfix_t *f)
{
    if (f->ref_inited)
        nn_router_release(&f->ref);
    f->ref_inited = 0;
    for (uint32_t q = 0; q < X_MAX_RANKS; q++) {
        if (f->rk_inited[q])
            nn_router_release(&f->rk[q]);
        f->rk_inited[q] = 0;
    }
}

static int t_xteardown(void **state)
{
    t_xfix_t *f = *state;
    t_xrelease(f);
    t_xround_free(&f->rd);
    nn_pool_destroy(&f->pool);
    free(f);
    return 0;
}

/* The router's check in these tests: a pure function of the message and its sequence
 * number, so that the reference and the ranks decide alike (and a dropped message still
 * takes its place in its sender's numbering). */
static nn_drop_rule_t t_xcheck(void *ctx, const nn_msg_t *m, uint32_t seq)
{
    uint64_t *asked = ctx;
    if (asked)
        (*asked)++;
    if ((m->from * 7u + seq * 3u) % 11u == 0)
        return NN_DROP_RATE;
    if (m->to == (m->from + 5u) % X_AGENTS)
        return NN_DROP_ADDRESS;
    return NN_DROP_PASS;
}

/* The routers: the reference and one per rank, the ranks spread by owner. */
static void t_xinit(t_xfix_t *f, const uint32_t *owner, uint32_t n_ranks, nn_pool_t *pool)
{
    t_xrelease(f);
    f->n_ranks = n_ranks;
    memcpy(f->owner, owner, sizeof f->owner);
    for (uint32_t i = 0; i < X_AGENTS; i++) {
        f->standing[i] = 0.25f * (float)i + 1.0f;
        f->trends[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
        for (uint32_t q = 0; q < X_MAX_RANKS; q++) {
            f->qstanding[q][i] = owner[i] == q ? f->standing[i] : -1.0f;
            f->qtrends[q][i] = owner[i] == q ? f->trends[i] : X_POISON_T;
        }
    }
    assert_int_equal(nn_router_init(&f->ref, X_AGENTS, X_NODES, pool), NN_OK);
    f->ref_inited = 1;
    nn_router_set_check(&f->ref, t_xcheck, NULL);
    nn_router_set_stamps(&f->ref, f->standing, f->trends);
    for (uint32_t q = 0; q < n_ranks; q++) {
        assert_int_equal(nn_router_init(&f->rk[q], X_AGENTS, X_NODES, pool), NN_OK);
        f->rk_inited[q] = 1;
        assert_int_equal(nn_router_set_ranks(&f->rk[q], f->owner, q, n_ranks), NN_OK);
        nn_router_set_check(&f->rk[q], t_xcheck, NULL);
        nn_router_set_stamps(&f->rk[q], f->qstanding[q], f->qtrends[q]);
    }
}

/* Each sender sends 0..max_per messages to random receivers (a few of them nobody), with
 * random flags; the value names the message: tag + 1000 * from + position. Then the
 * messages are split by the sender's rank. */
static void t_xround_make(t_xfix_t *f, uint64_t round, unsigned max_per, double tag)
{
    t_xround_t *rd = &f->rd;
    t_xround_free(rd);
    for (size_t k = 0; k < X_NODES; k++) {
        size_t cap = (size_t)(s_xhi[k] - s_xlo[k]) * max_per + 1;
        rd->msgs[k] = calloc(cap, sizeof(nn_msg_t));
        assert_non_null(rd->msgs[k]);
        for (uint32_t q = 0; q < f->n_ranks; q++) {
            rd->qmsgs[q][k] = calloc(cap, sizeof(nn_msg_t));
            assert_non_null(rd->qmsgs[q][k]);
        }
        for (uint32_t a = s_xlo[k]; a < s_xhi[k]; a++) {
            nn_rng_t g;
            nn_rng_init(&g, SEED ^ 0x72616e6b73ULL, NN_STREAM_USER, a, round);
            unsigned cnt = (unsigned)nn_rng_below(&g, max_per + 1);
            for (unsigned j = 0; j < cnt; j++) {
                nn_msg_t *m = &rd->msgs[k][rd->n[k]++];
                m->from = a;
                m->to = (uint32_t)nn_rng_below(&g, X_AGENTS + X_UNKNOWN);
                m->value = tag + 1000.0 * a + j;
                m->flags = (uint32_t)nn_rng_below(&g, 4);
                uint32_t q = f->owner[a];
                rd->qmsgs[q][k][rd->qn[q][k]++] = *m;
            }
        }
    }
}

/* One round on every router: the reference routes everything; each rank adds its own
 * senders' messages (nodes in the order given), exports, then imports the others'
 * records for it (segments ascending by rank, or descending when `reverse`). */
static void t_xroute(t_xfix_t *f, const size_t order[X_NODES], int reverse)
{
    const t_xround_t *rd = &f->rd;
    nn_router_begin(&f->ref);
    for (size_t i = 0; i < X_NODES; i++) {
        size_t k = order[i];
        nn_router_add(&f->ref, k, s_xlo[k], s_xhi[k], rd->msgs[k], rd->n[k]);
    }
    assert_int_equal(nn_router_finish(&f->ref), NN_OK);
    for (uint32_t q = 0; q < f->n_ranks; q++) {
        nn_router_begin(&f->rk[q]);
        for (size_t i = 0; i < X_NODES; i++) {
            size_t k = order[i];
            nn_router_add(&f->rk[q], k, s_xlo[k], s_xhi[k], rd->qmsgs[q][k], rd->qn[q][k]);
        }
        assert_int_equal(nn_router_exports(&f->rk[q]), NN_OK);
    }
    for (uint32_t q = 0; q < f->n_ranks; q++) {
        nn_router_import_t seg[X_MAX_RANKS];
        size_t ns = 0;
        for (uint32_t i = 0; i < f->n_ranks; i++) {
            uint32_t p = reverse ? f->n_ranks - 1 - i : i;
            if (p == q)
                continue;
            const nn_router_t *o = &f->rk[p];
            seg[ns++] = (nn_router_import_t){o->out + o->out_at[q], o->out_count[q]};
        }
        assert_int_equal(nn_router_imports(&f->rk[q], seg, ns), NN_OK);
        assert_int_equal(nn_router_finish(&f->rk[q]), NN_OK);
    }
}

/* Every field a receiver reads. */
static void t_same_full(const nn_delivery_t *got, const nn_delivery_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i].from, want[i].from);
        assert_int_equal(got[i].seq, want[i].seq);
        assert_true(got[i].value == want[i].value);
        assert_int_equal(got[i].flags, want[i].flags);
        assert_true(got[i].standing == want[i].standing);
        assert_int_equal(got[i].trends, want[i].trends);
    }
}

/* The union of the ranks' inboxes is the reference's, receiver by receiver and in order;
 * an agent's inbox is empty on every rank but its own; the counts add up over the
 * ranks to the reference's, and what each rank sent to another is what that one took
 * in. Returns how many inboxes mix senders of several ranks out of rank order (an
 * owner sequence such as 0, 1, 0), where only a merge by sender gives the order. */
static size_t t_xcheck_union(const t_xfix_t *f)
{
    const nn_router_t *ref = &f->ref;
    uint64_t routed = 0, sent = 0, dropped[NN_DROP_RULES] = {0};
    size_t interleaved = 0;
    for (uint32_t t = 0; t < X_AGENTS; t++) {
        uint32_t q = f->owner[t];
        const nn_router_t *r = &f->rk[q];
        uint64_t n = ref->off[t + 1] - ref->off[t];
        assert_int_equal(r->off[t + 1] - r->off[t], n);
        if (n)
            t_same_full(r->deliv + r->off[t], ref->deliv + ref->off[t], n);
        for (uint32_t p = 0; p < f->n_ranks; p++)
            if (p != q)
                assert_int_equal(f->rk[p].off[t + 1] - f->rk[p].off[t], 0);
        unsigned changes = 0;
        for (uint64_t j = ref->off[t] + 1; j < ref->off[t + 1]; j++)
            changes += f->owner[ref->deliv[j].from] != f->owner[ref->deliv[j - 1].from];
        interleaved += changes >= 2;
    }
    for (uint32_t q = 0; q < f->n_ranks; q++) {
        const nn_router_t *r = &f->rk[q];
        routed += r->routed;
        sent += r->sent;
        for (int k = 0; k < NN_DROP_RULES; k++)
            dropped[k] += r->dropped[k];
        assert_int_equal(r->off[X_AGENTS], r->routed);
        assert_int_equal(r->out_count[q], 0);
        uint64_t in = 0, out = 0;
        for (uint32_t p = 0; p < f->n_ranks; p++) {
            out += r->out_count[p];
            if (p != q)
                in += f->rk[p].out_count[q];
        }
        assert_int_equal(r->exported, out);
        assert_int_equal(r->imported, in);
    }
    assert_int_equal(routed, ref->routed);
    assert_int_equal(sent, ref->sent);
    for (int k = 0; k < NN_DROP_RULES; k++)
        assert_int_equal(dropped[k], ref->dropped[k]);
    assert_int_equal(ref->dropped[NN_DROP_FOREIGN_SENDER], 0);
    return interleaved;
}

/* A check that passes everything and counts what it was asked about. */
static nn_drop_rule_t t_count_check(void *ctx, const nn_msg_t *m, uint32_t seq)
{
    (void)m;
    (void)seq;
    (*(uint64_t *)ctx)++;
    return NN_DROP_PASS;
}

/* Rank 0's router of two ranks whose agents alternate 0, 1, 0, 1, ... (the owner array
 * lives in the fixture, as the router borrows it). */
static nn_router_t *t_rank0_alternating(t_xfix_t *f)
{
    for (uint32_t i = 0; i < X_AGENTS; i++)
        f->owner[i] = i % 2;
    nn_router_t *r = &f->rk[0];
    assert_int_equal(nn_router_init(r, N_AGENTS, N_NODES, s_pool), NN_OK);
    f->rk_inited[0] = 1;
    assert_int_equal(nn_router_set_ranks(r, f->owner, 0, 2), NN_OK);
    return r;
}

/* (a) With agents spread 0, 1, 0, 1, ... over two ranks, rank 0's router drops a message
 * from an odd agent as foreign even though the agent is in its node's lo .. hi, and never
 * asks the check about it; its even agents' messages go on. Rank 1's router, given the
 * same batches, keeps exactly the others. */
static void test_ranks_foreign_sender(void **state)
{
    t_xfix_t *f = *state;
    nn_router_t *r = t_rank0_alternating(f);
    uint64_t asked = 0;
    nn_router_set_check(r, t_count_check, &asked);
    /* node 0 hosts 0..3, node 1 4..7: 1, 3, 5 and 7 are rank 1's */
    const nn_msg_t b0[] = {{0, 2, 0.1}, {1, 2, 0.2}, {2, 4, 0.3}, {2, 3, 0.4}, {3, 0, 0.5}};
    const nn_msg_t b1[] = {{5, 4, 0.6}, {6, 6, 0.7}, {7, 6, 0.8}};
    nn_router_begin(r);
    nn_router_add(r, 0, 0, 4, b0, 5);
    nn_router_add(r, 1, 4, 8, b1, 3);
    assert_false(r->batch[0].clean);
    assert_int_equal(nn_router_exports(r), NN_OK);
    assert_int_equal(nn_router_imports(r, NULL, 0), NN_OK);
    assert_int_equal(nn_router_finish(r), NN_OK);
    assert_int_equal(r->sent, 8);
    assert_int_equal(r->dropped[NN_DROP_FOREIGN_SENDER], 4);
    assert_int_equal(r->dropped[NN_DROP_UNKNOWN_RECEIVER], 0);
    assert_int_equal(asked, 4);
    assert_int_equal(r->routed, 3);
    assert_int_equal(r->exported, 1); /* 2 -> 3 */
    assert_int_equal(r->out_count[1], 1);
    assert_int_equal(r->sent, r->routed + r->exported + r->dropped[NN_DROP_FOREIGN_SENDER]);
    assert_int_equal(r->off[2], 0);
    assert_int_equal(r->off[3], 1);
    assert_int_equal(r->off[4], 1);
    assert_int_equal(r->off[5], 2);
    assert_int_equal(r->off[6], 2);
    assert_int_equal(r->off[7], 3);
    assert_int_equal(r->off[N_AGENTS], 3);
    const nn_delivery_t want[] = {{0, 0, 0.1, 0, 1.0f}, {2, 0, 0.3, 0, 1.0f}, {6, 0, 0.7, 0, 1.0f}};
    t_same_full(r->deliv, want, 3);
    nn_router_t *r1 = &f->rk[1];
    assert_int_equal(nn_router_init(r1, N_AGENTS, N_NODES, s_pool), NN_OK);
    f->rk_inited[1] = 1;
    assert_int_equal(nn_router_set_ranks(r1, f->owner, 1, 2), NN_OK);
    nn_router_begin(r1);
    nn_router_add(r1, 0, 0, 4, b0, 5);
    nn_router_add(r1, 1, 4, 8, b1, 3);
    assert_int_equal(r1->dropped[NN_DROP_FOREIGN_SENDER], 4);
    assert_int_equal(r1->counted, 0);
    assert_int_equal(r1->exported, 4); /* every odd agent writes to an even one */
    assert_int_equal(r1->out_count[0], 4);
}

/* (b) Rank 1 of three (agents i % 3): a message to another rank's agent is not delivered
 * here but goes into that rank's segment of out, ascending by sender, with the sender's
 * sequence number over all its messages of the round (dropped ones included) and the
 * stamps of nn_router_set_stamps. */
static void test_ranks_exports(void **state)
{
    t_xfix_t *f = *state;
    uint32_t owner[X_AGENTS];
    for (uint32_t i = 0; i < X_AGENTS; i++)
        owner[i] = i % 3;
    float standing[N_AGENTS];
    uint64_t trends[N_AGENTS];
    for (uint32_t i = 0; i < N_AGENTS; i++) {
        standing[i] = 0.5f + (float)i;
        trends[i] = 0x100u + i;
    }
    nn_router_t *r = &f->rk[1];
    assert_int_equal(nn_router_init(r, N_AGENTS, N_NODES, s_pool), NN_OK);
    f->rk_inited[1] = 1;
    /* without ranks there is nothing to export */
    assert_int_equal(nn_router_exports(r), NN_OK);
    assert_null(r->out);
    assert_int_equal(nn_router_set_ranks(r, owner, 1, 3), NN_OK);
    nn_router_set_stamps(r, standing, trends);
    nn_router_set_check(r, t_xcheck, NULL);
    /* what t_xcheck and the ranks make of these, with each sender's seq:
     * agent 0 (rank 0's) is foreign;
     * 1: seq 0 to 0 (rank 0), 1 to 12 (nobody), 2 to 4 (here), 3 to 2 (rank 2), 4 to 3 (rank 0);
     * 4: seq 0 to 5 (rank 2), 1 to 9 (address: 9 = 4 + 5), 2 to 6 (rank 0);
     * 7: seq 0 to 8 (rank 2), 1 to 7 (here), 2 to 0 (rate: 7 * 7 + 3 * 2 = 55), 3 to 9
     * (rank 0). {from, to, value, hostility, flags} */
    const nn_msg_t b0[] = {{0, 1, 9.0},       {1, 0, 1.0, 0, 1}, {1, 12, 1.1},
                           {1, 4, 1.2, 0, 0}, {1, 2, 1.3, 0, 1}, {1, 3, 1.4, 0, 2}};
    const nn_msg_t b1[] = {{4, 5, 4.0, 0, 3}, {4, 9, 4.1}, {4, 6, 4.2, 0, 1}, {7, 8, 7.0},
                           {7, 7, 7.1},       {7, 0, 7.2}, {7, 9, 7.3, 0, 1}};
    nn_router_begin(r);
    nn_router_add(r, 1, 4, 8, b1, 7);
    nn_router_add(r, 0, 0, 4, b0, 6);
    assert_int_equal(nn_router_exports(r), NN_OK);
    assert_int_equal(r->dropped[NN_DROP_FOREIGN_SENDER], 1);
    assert_int_equal(r->dropped[NN_DROP_UNKNOWN_RECEIVER], 1);
    assert_int_equal(r->dropped[NN_DROP_ADDRESS], 1);
    assert_int_equal(r->dropped[NN_DROP_RATE], 1);
    assert_int_equal(r->exported, 7);
    assert_int_equal(r->out_count[0], 4);
    assert_int_equal(r->out_count[1], 0);
    assert_int_equal(r->out_count[2], 3);
    assert_int_equal(r->out_at[0], 0);
    assert_int_equal(r->out_at[1], 4);
    assert_int_equal(r->out_at[2], 4);
    assert_true(r->out_cap >= 7);
    /* {from, to, seq, flags, value} */
    const nn_xrec_t want[] = {
        {1, 0, 0, 1, 1.0}, {1, 3, 4, 2, 1.4}, {4, 6, 2, 1, 4.2}, {7, 9, 3, 1, 7.3}, /* rank 0 */
        {1, 2, 3, 1, 1.3}, {4, 5, 0, 3, 4.0}, {7, 8, 0, 0, 7.0},                    /* rank 2 */
    };
    for (size_t i = 0; i < 7; i++) {
        const nn_xrec_t *x = &r->out[i];
        assert_int_equal(x->from, want[i].from);
        assert_int_equal(x->to, want[i].to);
        assert_int_equal(x->seq, want[i].seq);
        assert_int_equal(x->flags, want[i].flags);
        assert_true(x->value == want[i].value);
        assert_true(x->standing == standing[x->from]);
        assert_int_equal(x->trends, trends[x->from]);
        assert_int_equal(x->pad, 0);
    }
    assert_int_equal(nn_router_imports(r, NULL, 0), NN_OK);
    assert_int_equal(nn_router_finish(r), NN_OK);
    /* here: 1 -> 4 (seq 2) and 7 -> 7 (seq 1) only */
    assert_int_equal(r->routed, 2);
    assert_int_equal(r->off[4], 0);
    assert_int_equal(r->off[5], 1);
    assert_int_equal(r->off[7], 1);
    assert_int_equal(r->off[8], 2);
    const nn_delivery_t here[] = {{1, 2, 1.2, trends[1], standing[1], 0},
                                  {7, 1, 7.1, trends[7], standing[7], 0}};
    t_same_full(r->deliv, here, 2);
    assert_int_equal(r->sent, r->routed + r->exported + r->dropped[NN_DROP_FOREIGN_SENDER] +
                                  r->dropped[NN_DROP_UNKNOWN_RECEIVER] +
                                  r->dropped[NN_DROP_ADDRESS] + r->dropped[NN_DROP_RATE]);
    /* the next round starts with nothing to export */
    nn_router_begin(r);
    assert_int_equal(nn_router_exports(r), NN_OK);
    assert_int_equal(r->exported, 0);
    for (uint32_t q = 0; q < 3; q++)
        assert_int_equal(r->out_count[q], 0);
}

/* (c) Two ranks (and three) routing their own senders, exchanging records and merging
 * them in, give together exactly what one router gives for the same messages, over
 * rounds of every size, for alternating and random ownership and either segment order. */
static void t_xmany(t_xfix_t *f, const uint32_t *owner, uint32_t n_ranks, int reverse)
{
    t_xinit(f, owner, n_ranks, s_pool);
    static const size_t orders[][X_NODES] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}};
    size_t interleaved = 0;
    for (uint64_t round = 1; round <= 12; round++) {
        /* round 6 has no messages; round 9 is large enough to grow the records' array */
        unsigned max_per = round == 6 ? 0 : round == 9 ? 600 : (unsigned)(2 + round % 7);
        t_xround_make(f, round, max_per, round * 1.0e5);
        t_xroute(f, orders[round % 3], reverse);
        interleaved += t_xcheck_union(f);
    }
    size_t most = 0;
    for (uint32_t q = 0; q < n_ranks; q++)
        most = f->rk[q].out_cap > most ? f->rk[q].out_cap : most;
    assert_true(most > 1024);
    /* the merge had work to do */
    assert_true(interleaved > 20);
}

static void t_owner_random(uint32_t *owner, uint32_t n_ranks, uint64_t seed)
{
    nn_rng_t g;
    nn_rng_init(&g, seed, NN_STREAM_USER, 0, 0);
    for (uint32_t i = 0; i < X_AGENTS; i++)
        owner[i] = (uint32_t)nn_rng_below(&g, n_ranks);
}

static void test_ranks_equal_one(void **state)
{
    t_xfix_t *f = *state;
    uint32_t owner[X_AGENTS];
    for (uint32_t i = 0; i < X_AGENTS; i++)
        owner[i] = i % 2;
    t_xmany(f, owner, 2, 0);
    t_xmany(f, owner, 2, 1);
    t_owner_random(owner, 2, 12345);
    t_xmany(f, owner, 2, 0);
    for (uint32_t i = 0; i < X_AGENTS; i++)
        owner[i] = i % 3;
    t_xmany(f, owner, 3, 0);
    t_xmany(f, owner, 3, 1);
    t_owner_random(owner, 3, 777);
    t_xmany(f, owner, 3, 1);
    /* blocks of agents: rank 1 hosts 10..19 */
    for (uint32_t i = 0; i < X_AGENTS; i++)
        owner[i] = i >= 10 && i < 20;
    t_xmany(f, owner, 2, 0);
}

/* (d) Records for an agent that is not here (another rank's, or nobody's) are dropped as
 * unknown_receiver and delivered to nobody; good segments are merged by sender with the
 * stamps they carry, not this rank's. */
static void test_ranks_imports_unknown(void **state)
{
    t_xfix_t *f = *state;
    float standing[N_AGENTS];
    for (uint32_t i = 0; i < N_AGENTS; i++)
        standing[i] = 2.0f;
    nn_router_t *r = t_rank0_alternating(f);
    nn_router_set_stamps(r, standing, NULL);
    /* {from, to, seq, flags, value, trends, standing} */
    const nn_xrec_t bad[] = {{1, 3, 0, 0, 0.5, 7, 0.25f}, {5, 9, 0, 0, 0.6, 7, 0.25f}};
    const nn_xrec_t nobody[] = {{3, 12, 0, 0, 0.7, 7, 0.25f}};
    const nn_xrec_t good[] = {{1, 2, 0, 1, 0.1, 11, 0.125f},
                              {3, 2, 4, 0, 0.3, 33, 0.375f},
                              {3, 4, 5, 1, 0.4, 33, 0.375f}};
    const nn_msg_t b0[] = {{2, 2, 0.2}, {2, 4, 0.25}};
    const nn_msg_t b1[] = {{4, 2, 0.45}};
    const nn_router_import_t seg[] = {{bad, 2}, {good, 3}, {nobody, 1}};
    nn_router_begin(r);
    nn_router_add(r, 1, 4, 8, b1, 1);
    nn_router_add(r, 0, 0, 4, b0, 2);
    assert_int_equal(nn_router_exports(r), NN_OK);
    assert_int_equal(nn_router_imports(r, seg, 3), NN_OK);
    assert_int_equal(nn_router_finish(r), NN_OK);
    assert_int_equal(r->dropped[NN_DROP_UNKNOWN_RECEIVER], 3);
    assert_int_equal(r->imported, 3);
    assert_int_equal(r->routed, 6);
    assert_int_equal(r->off[2], 0);
    assert_int_equal(r->off[3], 4);
    assert_int_equal(r->off[4], 4);
    assert_int_equal(r->off[5], 6);
    assert_int_equal(r->off[N_AGENTS], 6);
    /* inbox of 2: 1 (imported), 2 (here), 3 (imported), 4 (here); inbox of 4: 2, 3 */
    const nn_delivery_t want[] = {
        {1, 0, 0.1, 11, 0.125f, 1}, {2, 0, 0.2, 0, 2.0f, 0},  {3, 4, 0.3, 33, 0.375f, 0},
        {4, 0, 0.45, 0, 2.0f, 0},   {2, 1, 0.25, 0, 2.0f, 0}, {3, 5, 0.4, 33, 0.375f, 1},
    };
    t_same_full(r->deliv, want, 6);
    for (uint64_t j = 0; j < r->routed; j++)
        assert_true(r->deliv[j].value != 0.5 && r->deliv[j].value != 0.6 &&
                    r->deliv[j].value != 0.7);
}

/* The header's contract for a segment with some records for agents that are not here:
 * those are dropped as unknown_receiver, the others delivered, so that every record is
 * delivered or counted. */
static void test_ranks_imports_mixed_segment(void **state)
{
    t_xfix_t *f = *state;
    nn_router_t *r = t_rank0_alternating(f);
    const nn_xrec_t mixed[] = {{1, 2, 0, 0, 0.1, 0, 1.0f},
                               {1, 3, 1, 0, 0.2, 0, 1.0f}, /* agent 3 is rank 1's */
                               {5, 4, 0, 0, 0.3, 0, 1.0f}};
    const nn_router_import_t seg[] = {{mixed, 3}};
    nn_router_begin(r);
    assert_int_equal(nn_router_imports(r, seg, 1), NN_OK);
    assert_int_equal(nn_router_finish(r), NN_OK);
    assert_int_equal(r->dropped[NN_DROP_UNKNOWN_RECEIVER], 1);
    assert_int_equal(r->routed + r->dropped[NN_DROP_UNKNOWN_RECEIVER], 3);
    assert_int_equal(r->routed, 2);
    assert_int_equal(r->off[3] - r->off[2], 1);
    assert_int_equal(r->off[5] - r->off[4], 1);
}

/* (e) Ticks for the agents a node of a rank hosts, which are not contiguous: each run is
 * the listed receiver's inbox, the runs cover the node's deliveries, and an empty list
 * gives no runs. */
static void t_xticks(t_xfix_t *f)
{
    size_t covered[X_MAX_RANKS] = {0};
    for (uint32_t q = 0; q < f->n_ranks; q++)
        for (size_t k = 0; k < X_NODES; k++) {
            uint32_t ids[X_AGENTS];
            size_t n = 0;
            for (uint32_t a = s_xlo[k]; a < s_xhi[k]; a++)
                if (f->owner[a] == q)
                    ids[n++] = a;
            uint64_t off[X_AGENTS + 1];
            nn_tick_t t;
            memset(&t, 0xa5, sizeof t);
            nn_router_tick_ids(&f->rk[q], ids, n, off, &t);
            assert_int_equal(t.n_runs, n);
            assert_ptr_equal(t.receiver, ids);
            assert_ptr_equal(t.inbox_off, off);
            assert_ptr_equal(t.deliveries, f->rk[q].deliv);
            if (n)
                assert_int_equal(t.first_agent, ids[0]);
            for (size_t i = 0; i < n; i++) {
                uint32_t a = ids[i];
                uint64_t len = t.inbox_off[i + 1] - t.inbox_off[i];
                assert_int_equal(len, f->ref.off[a + 1] - f->ref.off[a]);
                if (len)
                    t_same_full(t.deliveries + t.inbox_off[i], f->ref.deliv + f->ref.off[a], len);
                covered[q] += len;
            }
        }
    for (uint32_t q = 0; q < f->n_ranks; q++)
        assert_int_equal(covered[q], f->rk[q].routed);
}

static void test_ranks_tick_ids(void **state)
{
    t_xfix_t *f = *state;
    uint32_t owner[X_AGENTS];
    for (uint32_t i = 0; i < X_AGENTS; i++)
        owner[i] = i % 2;
    static const size_t order[X_NODES] = {0, 1, 2};
    t_xinit(f, owner, 2, s_pool);
    t_xround_make(f, 40, 6, 0.0);
    t_xroute(f, order, 0);
    t_xcheck_union(f);
    assert_true(f->ref.routed > 50);
    t_xticks(f);
    t_owner_random(owner, 3, 99);
    t_xinit(f, owner, 3, s_pool);
    t_xround_make(f, 41, 6, 0.0);
    t_xroute(f, order, 1);
    t_xcheck_union(f);
    t_xticks(f);
    /* nobody listed */
    uint64_t off[1] = {77};
    nn_tick_t t;
    nn_router_tick_ids(&f->rk[0], NULL, 0, off, &t);
    assert_int_equal(t.n_runs, 0);
    assert_int_equal(off[0], 0);
}

/* (f) The merge gives the same deliveries, byte for byte, on one thread and on pools of
 * one, two and four threads. */
static void test_ranks_threads(void **state)
{
    t_xfix_t *f = *state;
    uint32_t owner[X_AGENTS];
    t_owner_random(owner, 3, 4242);
    static const size_t order[X_NODES] = {2, 0, 1};
    static const size_t threads[] = {0, 1, 2, 4}; /* 0: no pool */
    nn_delivery_t *first[X_MAX_RANKS] = {NULL};
    uint64_t first_off[X_MAX_RANKS][X_AGENTS + 1], first_n[X_MAX_RANKS] = {0};
    for (size_t v = 0; v < sizeof threads / sizeof threads[0]; v++) {
        t_xrelease(f);
        nn_pool_destroy(&f->pool);
        if (threads[v])
            assert_int_equal(nn_pool_new(&f->pool, threads[v]), NN_OK);
        t_xinit(f, owner, 3, f->pool);
        if (threads[v])
            assert_int_equal(f->rk[0].n_shards, threads[v]);
        t_xround_make(f, 50, 9, 0.5);
        t_xroute(f, order, 0);
        t_xcheck_union(f);
        for (uint32_t q = 0; q < 3; q++) {
            const nn_router_t *r = &f->rk[q];
            if (v == 0) {
                first_n[q] = r->routed;
                first[q] = malloc((r->routed + 1) * sizeof *first[q]);
                assert_non_null(first[q]);
                memcpy(first[q], r->deliv, r->routed * sizeof *first[q]);
                memcpy(first_off[q], r->off, sizeof first_off[q]);
                continue;
            }
            assert_int_equal(r->routed, first_n[q]);
            assert_memory_equal(r->off, first_off[q], sizeof first_off[q]);
            assert_memory_equal(r->deliv, first[q], first_n[q] * sizeof *first[q]);
        }
    }
    assert_true(first_n[0] > 0 && first_n[1] > 0 && first_n[2] > 0);
    for (uint32_t q = 0; q < 3; q++)
        free(first[q]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_canonical_order, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_by_hand, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_any_node_order, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_empty_round, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_agent_without_messages, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_drops, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_drops_random, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_tick_slices, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_reuse, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_grows, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_ranks_foreign_sender, t_xsetup, t_xteardown),
        cmocka_unit_test_setup_teardown(test_ranks_exports, t_xsetup, t_xteardown),
        cmocka_unit_test_setup_teardown(test_ranks_equal_one, t_xsetup, t_xteardown),
        cmocka_unit_test_setup_teardown(test_ranks_imports_unknown, t_xsetup, t_xteardown),
        cmocka_unit_test_setup_teardown(test_ranks_imports_mixed_segment, t_xsetup, t_xteardown),
        cmocka_unit_test_setup_teardown(test_ranks_tick_ids, t_xsetup, t_xteardown),
        cmocka_unit_test_setup_teardown(test_reshape, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_ranks_threads, t_xsetup, t_xteardown),
    };
    int failed = cmocka_run_group_tests_name("router, one thread", tests, NULL, NULL);
    if (nn_pool_new(&s_pool, 3) != NN_OK)
        return 1;
    failed += cmocka_run_group_tests_name("router, three threads", tests, NULL, NULL);
    nn_pool_destroy(&s_pool);
    return failed;
}
