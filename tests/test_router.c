/* Tests of coordinator/router.c. Every routed round is checked against a naive reference
 * that builds each inbox by walking the senders in id order and numbering each sender's
 * messages by position: canonical order, sequence numbers, empty inboxes, drops by named
 * rule with balanced counts, tick slices per node, and the reuse of the delivery array
 * from round to round. Messages are drawn from nunchi's own generator, so a failure is
 * reproducible. Each test has a fresh router, which the teardown releases even when the
 * test fails. */
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
    };
    int failed = cmocka_run_group_tests_name("router, one thread", tests, NULL, NULL);
    if (nn_pool_new(&s_pool, 3) != NN_OK)
        return 1;
    failed += cmocka_run_group_tests_name("router, three threads", tests, NULL, NULL);
    nn_pool_destroy(&s_pool);
    return failed;
}
