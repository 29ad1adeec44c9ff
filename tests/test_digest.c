/* Tests of the state digest in include/nunchi/digest.h: the per-agent hash must depend
 * on both the id and the state (but not on the sign of a zero), the sum of hashes must
 * not depend on the order the agents are visited in (which is what lets nodes, threads
 * and ranks each sum a part), and the hex form is fixed. Known answers pin the hash,
 * since every recorded digest of every run is built from it. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nunchi/digest.h"
#include "nunchi/rng.h"

#define N_AGENTS 10000

typedef struct s_agent {
    uint32_t id;
    double x;
} s_agent_t;

static uint64_t s_sum(const s_agent_t *ag, size_t n)
{
    uint64_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += nn_digest_agent(ag[i].id, ag[i].x);
    return d;
}

static void test_order_free(void **state)
{
    (void)state;
    static s_agent_t ag[N_AGENTS];
    nn_rng_t r;
    nn_rng_init(&r, 1, NN_STREAM_USER, 0, 0);
    for (uint32_t i = 0; i < N_AGENTS; i++) {
        ag[i].id = i;
        ag[i].x = nn_rng_unit(&r);
    }
    uint64_t in_order = s_sum(ag, N_AGENTS);

    /* Fisher-Yates shuffle, then sums of two parts as two nodes would make them */
    for (size_t i = N_AGENTS - 1; i > 0; i--) {
        size_t j = (size_t)nn_rng_below(&r, i + 1);
        s_agent_t t = ag[i];
        ag[i] = ag[j];
        ag[j] = t;
    }
    assert_int_equal(s_sum(ag, N_AGENTS), in_order);
    uint64_t part1 = s_sum(ag, 3333), part2 = s_sum(ag + 3333, N_AGENTS - 3333);
    assert_int_equal(part1 + part2, in_order);

    /* and it is a function of the set: changing one state changes the sum */
    ag[17].x = ag[17].x / 2.0;
    assert_int_not_equal(s_sum(ag, N_AGENTS), in_order);
}

static void test_negative_zero_is_zero(void **state)
{
    (void)state;
    for (uint32_t id = 0; id < 100; id++)
        assert_int_equal(nn_digest_agent(id, -0.0), nn_digest_agent(id, 0.0));
    assert_int_equal(nn_digest_agent(UINT32_MAX, -0.0), nn_digest_agent(UINT32_MAX, 0.0));
    /* a negative zero made by arithmetic, not only by the literal */
    volatile double tiny = -1e-300;
    double neg_zero = tiny * 1e-300;
    assert_true(neg_zero == 0.0);
    assert_int_equal(nn_digest_agent(5, neg_zero), nn_digest_agent(5, 0.0));
}

static void test_id_changes_hash(void **state)
{
    (void)state;
    const double xs[] = {0.0, 0.5, 1.0, 0.123456789};
    for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++)
        for (uint32_t id = 0; id < 1000; id++) {
            assert_int_not_equal(nn_digest_agent(id, xs[k]), nn_digest_agent(id + 1, xs[k]));
            assert_int_not_equal(nn_digest_agent(id, xs[k]),
                                 nn_digest_agent(id ^ 0x80000000u, xs[k]));
        }
}

static void test_state_changes_hash(void **state)
{
    (void)state;
    for (uint32_t id = 0; id < 100; id++) {
        assert_int_not_equal(nn_digest_agent(id, 0.0), nn_digest_agent(id, 1.0));
        assert_int_not_equal(nn_digest_agent(id, 0.5), nn_digest_agent(id, -0.5));
        /* the smallest change of a double: one unit in the last place */
        assert_int_not_equal(nn_digest_agent(id, 0.3), nn_digest_agent(id, nextafter(0.3, 1.0)));
        assert_int_not_equal(nn_digest_agent(id, 0.0), nn_digest_agent(id, 4.9e-324));
    }
}

/* Swapping the states of two agents changes the digest: the hash binds each id to its
 * state, so a sum over (id, state) pairs is not a sum over ids plus a sum over states. */
static void test_swapped_states_change_sum(void **state)
{
    (void)state;
    uint64_t a = nn_digest_agent(1, 0.25) + nn_digest_agent(2, 0.75);
    uint64_t b = nn_digest_agent(1, 0.75) + nn_digest_agent(2, 0.25);
    assert_int_not_equal(a, b);
}

static void test_format(void **state)
{
    (void)state;
    char buf[17];
    nn_digest_format(0, buf);
    assert_string_equal(buf, "0000000000000000");
    nn_digest_format(0x0123456789abcdefULL, buf);
    assert_string_equal(buf, "0123456789abcdef");
    nn_digest_format(UINT64_MAX, buf);
    assert_string_equal(buf, "ffffffffffffffff");
    nn_digest_format(0xfedcba9876543210ULL, buf);
    assert_string_equal(buf, "fedcba9876543210");
    nn_digest_format(1, buf);
    assert_string_equal(buf, "0000000000000001");

    /* always 16 lower-case hex digits and a NUL, never more */
    nn_rng_t r;
    nn_rng_init(&r, 3, NN_STREAM_USER, 0, 0);
    for (int i = 0; i < 1000; i++) {
        char big[32];
        memset(big, 'Z', sizeof big);
        nn_digest_format(nn_rng_u64(&r), big);
        assert_int_equal(big[16], '\0');
        assert_int_equal(big[17], 'Z');
        for (int k = 0; k < 16; k++)
            assert_true((big[k] >= '0' && big[k] <= '9') || (big[k] >= 'a' && big[k] <= 'f'));
    }
}

/* --- known answers ---------------------------------------------------------------------
 * These pin the per-agent hash. Every digest a run reports (and every digest recorded
 * in a test or a paper) is a sum of these hashes, so if one fails the change to the
 * hash must be deliberate and announced, never a side effect. */
static void test_known_answers(void **state)
{
    (void)state;
    assert_int_equal(nn_digest_agent(0, 0.0), 0x58016df76f315627ULL);
    assert_int_equal(nn_digest_agent(1, 0.5), 0xa42e339c4d75f7d5ULL);
    assert_int_equal(nn_digest_agent(UINT32_MAX, 1.0), 0xff71f119ff8dfb2aULL);

    char buf[17];
    nn_digest_format(nn_digest_agent(0, 0.0) + nn_digest_agent(1, 0.5), buf);
    assert_string_equal(buf, "fc2fa193bca74dfc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_free),
        cmocka_unit_test(test_negative_zero_is_zero),
        cmocka_unit_test(test_id_changes_hash),
        cmocka_unit_test(test_state_changes_hash),
        cmocka_unit_test(test_swapped_states_change_sum),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
