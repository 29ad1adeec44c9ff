/* Tests of the counter-based generator in include/nunchi/rng.h: that its key really
 * depends on each of (seed, stream, agent, round), that a draw can be recomputed from
 * (key, index) alone, that the derived distributions (unit, below, normal) have the
 * range, the moments and the draw counts the header promises, and known-answer values
 * that pin the generator: every digest of every run depends on it, so a change to it
 * must show up here and be made on purpose. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nunchi/rng.h"

#define N_MOMENT_DRAWS 1000000
#define N_CHI_DRAWS    1000000

/* Upper 0.1% points of the chi-square distribution, by degrees of freedom. With fixed
 * seeds these tests are deterministic; the bound is what a sound generator passes. */
#define CHI2_DF1_P001  10.828
#define CHI2_DF6_P001  22.458
#define CHI2_DF9_P001  27.877
#define CHI2_DF15_P001 37.697

static double s_chi_square(const uint64_t *counts, size_t bins, uint64_t total)
{
    double expect = (double)total / (double)bins, chi = 0.0;
    for (size_t i = 0; i < bins; i++) {
        double d = (double)counts[i] - expect;
        chi += d * d / expect;
    }
    return chi;
}

/* --- keying ----------------------------------------------------------------------- */

static void test_same_key_same_sequence(void **state)
{
    (void)state;
    nn_rng_t a, b;
    nn_rng_init(&a, 42, NN_STREAM_BEHAVIOUR, 7, 3);
    nn_rng_init(&b, 42, NN_STREAM_BEHAVIOUR, 7, 3);
    assert_int_equal(a.key, b.key);
    assert_int_equal(a.draw, 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(nn_rng_u64(&a), nn_rng_u64(&b));
    assert_int_equal(a.draw, 1000);
}

/* The first `n` draws of two generators differ everywhere (a collision of one 64-bit
 * draw between unrelated keys has probability 2^-64 per pair). */
static void s_assert_sequences_differ(nn_rng_t a, nn_rng_t b)
{
    assert_int_not_equal(a.key, b.key);
    for (int i = 0; i < 16; i++)
        assert_int_not_equal(nn_rng_u64(&a), nn_rng_u64(&b));
}

static void test_each_key_word_changes_sequence(void **state)
{
    (void)state;
    nn_rng_t base, other;
    nn_rng_init(&base, 42, NN_STREAM_BEHAVIOUR, 7, 3);

    nn_rng_init(&other, 43, NN_STREAM_BEHAVIOUR, 7, 3);
    s_assert_sequences_differ(base, other);
    nn_rng_init(&other, 42, NN_STREAM_OPINION, 7, 3);
    s_assert_sequences_differ(base, other);
    nn_rng_init(&other, 42, NN_STREAM_BEHAVIOUR, 8, 3);
    s_assert_sequences_differ(base, other);
    nn_rng_init(&other, 42, NN_STREAM_BEHAVIOUR, 7, 4);
    s_assert_sequences_differ(base, other);
}

/* Swapping two key words must not give the same key: a key built by a symmetric
 * combination (xor or sum of the words) would make agent 3 in round 7 replay agent 7
 * in round 3. */
static void test_key_words_are_not_interchangeable(void **state)
{
    (void)state;
    nn_rng_t a, b;
    nn_rng_init(&a, 1, NN_STREAM_BEHAVIOUR, 3, 7);
    nn_rng_init(&b, 1, NN_STREAM_BEHAVIOUR, 7, 3);
    s_assert_sequences_differ(a, b);
    nn_rng_init(&a, 4, NN_STREAM_BEHAVIOUR, 0, 0);
    nn_rng_init(&b, 0, 4, 4, 0);
    s_assert_sequences_differ(a, b);
    nn_rng_init(&a, 5, NN_STREAM_POPULATION, 9, 1);
    nn_rng_init(&b, 5, NN_STREAM_POPULATION, 1, 9);
    s_assert_sequences_differ(a, b);
}

/* Every (seed, stream, agent, round) in a small grid gets its own key. */
static void test_keys_distinct_over_grid(void **state)
{
    (void)state;
    enum { S = 4, T = 4, A = 8, R = 8, N = S * T * A * R };
    static uint64_t keys[N];
    size_t n = 0;
    for (uint64_t s = 0; s < S; s++)
        for (uint64_t t = 0; t < T; t++)
            for (uint64_t a = 0; a < A; a++)
                for (uint64_t r = 0; r < R; r++) {
                    nn_rng_t g;
                    nn_rng_init(&g, s, t, a, r);
                    keys[n++] = g.key;
                }
    for (size_t i = 0; i < N; i++)
        for (size_t j = i + 1; j < N; j++)
            assert_int_not_equal(keys[i], keys[j]);
}

static void test_at_equals_sequence(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 2024, NN_STREAM_NETWORK, 11, 0);
    uint64_t key = r.key;
    for (uint64_t i = 0; i < 4096; i++) {
        assert_int_equal(r.draw, i);
        assert_int_equal(nn_rng_u64(&r), nn_rng_at(key, i));
    }
    /* Positioning the counter anywhere continues the same sequence: this is what lets
     * a draw be recomputed on another node. */
    r.draw = 123456789;
    assert_int_equal(nn_rng_u64(&r), nn_rng_at(key, 123456789));
    assert_int_equal(r.draw, 123456790);
}

/* --- nn_rng_unit -------------------------------------------------------------------- */

static void test_unit_range_and_moments(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 7, NN_STREAM_OPINION, 0, 0);
    double sum = 0.0, sum_sq = 0.0;
    for (int i = 0; i < N_MOMENT_DRAWS; i++) {
        double u = nn_rng_unit(&r);
        assert_true(u >= 0.0);
        assert_true(u < 1.0);
        sum += u;
        sum_sq += (u - 0.5) * (u - 0.5);
    }
    assert_int_equal(r.draw, N_MOMENT_DRAWS);
    double n = N_MOMENT_DRAWS;
    /* U(0,1): mean 1/2 with sd sqrt(1/12 / n); E[(U-1/2)^2] = 1/12 with
     * Var[(U-1/2)^2] = 1/80 - 1/144 = 1/180. */
    double mean = sum / n, var = sum_sq / n;
    assert_true(fabs(mean - 0.5) < 5.0 * sqrt(1.0 / 12.0 / n));
    assert_true(fabs(var - 1.0 / 12.0) < 5.0 * sqrt(1.0 / 180.0 / n));
}

/* The unit is the top 53 bits of one draw, scaled exactly. */
static void test_unit_is_top_53_bits(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 99, NN_STREAM_USER, 1, 1);
    uint64_t key = r.key;
    for (uint64_t i = 0; i < 64; i++)
        assert_true(nn_rng_unit(&r) == ldexp((double)(nn_rng_at(key, i) >> 11), -53));
}

/* --- nn_rng_below ------------------------------------------------------------------- */

static void s_chi_below_small(uint64_t n, uint64_t seed, double bound)
{
    uint64_t counts[16] = {0};
    assert_true(n <= 16);
    nn_rng_t r;
    nn_rng_init(&r, seed, NN_STREAM_USER, n, 0);
    for (int i = 0; i < N_CHI_DRAWS; i++) {
        uint64_t v = nn_rng_below(&r, n);
        assert_true(v < n);
        counts[v]++;
    }
    for (uint64_t i = 0; i < n; i++)
        assert_true(counts[i] > 0);
    double chi = s_chi_square(counts, n, N_CHI_DRAWS);
    assert_true(chi < bound);
}

static void test_below_10_uniform(void **state)
{
    (void)state;
    s_chi_below_small(10, 1, CHI2_DF9_P001);
}

static void test_below_7_uniform(void **state)
{
    (void)state;
    s_chi_below_small(7, 2, CHI2_DF6_P001);
}

static void test_below_2_uniform(void **state)
{
    (void)state;
    s_chi_below_small(2, 3, CHI2_DF1_P001);
}

static void test_below_1_always_0(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 5, NN_STREAM_USER, 0, 0);
    for (uint64_t i = 0; i < 10000; i++) {
        assert_int_equal(nn_rng_below(&r, 1), 0);
        assert_int_equal(r.draw, i + 1); /* never rejects: one draw each */
    }
}

/* n = 2^63 + 1 is the worst case for the rejection step: just under half of all draws
 * are rejected. The values must still be in range and uniform over the whole range
 * (16 equal bins, and the parity of the value), and the rejection must cost about two
 * draws a call. */
static void test_below_huge_n(void **state)
{
    (void)state;
    const uint64_t n = (1ULL << 63) + 1;
    enum { BINS = 16 };
    uint64_t counts[BINS] = {0}, parity[2] = {0};
    uint64_t top = 0;
    nn_rng_t r;
    nn_rng_init(&r, 6, NN_STREAM_USER, 63, 1);
    for (int i = 0; i < N_CHI_DRAWS; i++) {
        uint64_t v = nn_rng_below(&r, n);
        assert_true(v < n);
        counts[(uint64_t)(((__uint128_t)v * BINS) / n)]++;
        parity[v & 1]++;
        if (v > top)
            top = v;
    }
    assert_true(s_chi_square(counts, BINS, N_CHI_DRAWS) < CHI2_DF15_P001);
    assert_true(s_chi_square(parity, 2, N_CHI_DRAWS) < CHI2_DF1_P001);
    assert_true(top >= n - n / 1000); /* reaches the top of the range */
    /* Acceptance probability (2^64 - (2^63 - 1)) / 2^64, just over 1/2. */
    double draws_per_call = (double)r.draw / N_CHI_DRAWS;
    assert_true(draws_per_call > 1.95 && draws_per_call < 2.05);
}

/* n = 3 * 2^62: a plain `u64 % n` would put the values below 2^62 twice as often as the
 * others, and a multiply without rejection would favour two residues mod 3 over the
 * third. Both are visible in a million draws. */
static void test_below_no_modulo_bias(void **state)
{
    (void)state;
    const uint64_t n = 3ULL << 62;
    uint64_t third[3] = {0}, residue[3] = {0};
    nn_rng_t r;
    nn_rng_init(&r, 8, NN_STREAM_USER, 3, 62);
    for (int i = 0; i < N_CHI_DRAWS; i++) {
        uint64_t v = nn_rng_below(&r, n);
        assert_true(v < n);
        third[v >> 62]++;
        residue[v % 3]++;
    }
    /* df = 2, upper 0.1% point 13.816 */
    assert_true(s_chi_square(third, 3, N_CHI_DRAWS) < 13.816);
    assert_true(s_chi_square(residue, 3, N_CHI_DRAWS) < 13.816);
}

static void test_below_max_n_in_range(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 9, NN_STREAM_USER, 0, 0);
    uint64_t high = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = nn_rng_below(&r, UINT64_MAX);
        assert_true(v < UINT64_MAX);
        high += v >> 63;
    }
    assert_true(high > 49000 && high < 51000);
}

/* --- nn_rng_normal ------------------------------------------------------------------ */

static void test_normal_moments(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 10, NN_STREAM_OPINION, 4, 0);
    double sum = 0.0, sum_sq = 0.0;
    for (int i = 0; i < N_MOMENT_DRAWS; i++) {
        double z = nn_rng_normal(&r);
        assert_true(isfinite(z));
        sum += z;
        sum_sq += z * z;
    }
    double n = N_MOMENT_DRAWS;
    /* N(0,1): mean sd 1/sqrt(n); E[Z^2] = 1 with Var[Z^2] = 2. */
    assert_true(fabs(sum / n) < 5.0 / sqrt(n));
    assert_true(fabs(sum_sq / n - 1.0) < 5.0 * sqrt(2.0 / n));
}

static void test_normal_two_draws_per_call(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 11, NN_STREAM_BEHAVIOUR, 2, 5);
    for (uint64_t i = 1; i <= 1000; i++) {
        (void)nn_rng_normal(&r);
        assert_int_equal(r.draw, 2 * i);
    }
}

/* Box-Muller on draws k and k + 1 exactly as the header documents. */
static void test_normal_is_box_muller(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 12, NN_STREAM_BEHAVIOUR, 3, 1);
    uint64_t key = r.key;
    for (uint64_t k = 0; k < 200; k += 2) {
        double u1 = 1.0 - ldexp((double)(nn_rng_at(key, k) >> 11), -53);
        double u2 = ldexp((double)(nn_rng_at(key, k + 1) >> 11), -53);
        double want = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        assert_true(nn_rng_normal(&r) == want);
    }
}

/* --- known answers ---------------------------------------------------------------------
 * These values pin the generator. Every scenario digest is computed from these draws,
 * so a change to the mixer, the key derivation or the derived distributions changes
 * every recorded digest: if one of these fails, the change must be deliberate and
 * announced (and the pins updated with it), never a side effect. */

static void test_known_answers_mix_and_at(void **state)
{
    (void)state;
    /* nn_rng_at(0, i) is SplitMix64 started from state 0; these are that generator's
     * published first outputs, so they also check that the mixer is SplitMix64's. */
    assert_int_equal(nn_rng_at(0, 0), 0xe220a8397b1dcdafULL);
    assert_int_equal(nn_rng_at(0, 1), 0x6e789e6aa1b965f4ULL);
    assert_int_equal(nn_rng_at(0, 2), 0x06c45d188009454fULL);
    assert_int_equal(nn_rng_at(0, 3), 0xf88bb8a8724c81ecULL);
    assert_int_equal(nn_mix64(0), 0);
}

static void test_known_answers_keyed(void **state)
{
    (void)state;
    nn_rng_t r;
    nn_rng_init(&r, 42, NN_STREAM_BEHAVIOUR, 7, 3);
    assert_int_equal(r.key, 0x6b47aefcce854e0fULL);
    assert_int_equal(nn_rng_u64(&r), 0x2da1d39f754d87d7ULL);
    assert_int_equal(nn_rng_u64(&r), 0xd1c32ea9f50a0fa3ULL);
    assert_int_equal(nn_rng_u64(&r), 0xae1eed0604b78f56ULL);

    nn_rng_init(&r, 1, NN_STREAM_OPINION, 0, 0);
    assert_int_equal(r.key, 0xb50e82f37109ec18ULL);
    assert_true(nn_rng_unit(&r) == 0.80515451807935723);
    assert_int_equal(nn_rng_below(&r, 10), 0);
    /* log and cos come from libm; allow for its last bit */
    assert_true(fabs(nn_rng_normal(&r) - 0.95412859129756389) < 1e-12);
    assert_int_equal(r.draw, 4);
}

/* nn_rng_permutation: every id exactly once, n - 1 draws, and a different key gives a
 * different order. */
static void test_permutation(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint32_t a[N], b[N];
    unsigned char seen[N];
    nn_rng_t r, q;
    nn_rng_init(&r, 5, NN_STREAM_POPULATION, 0, 0);
    nn_rng_permutation(&r, a, N);
    assert_true(r.draw >= N - 1); /* one draw a step, more only on Lemire's rare rejection */
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        assert_true(a[i] < N);
        assert_int_equal(seen[a[i]], 0);
        seen[a[i]] = 1;
    }
    nn_rng_init(&q, 6, NN_STREAM_POPULATION, 0, 0);
    nn_rng_permutation(&q, b, N);
    assert_true(memcmp(a, b, sizeof a) != 0);
    nn_rng_init(&q, 5, NN_STREAM_POPULATION, 0, 0);
    nn_rng_permutation(&q, b, N);
    assert_memory_equal(a, b, sizeof a);
    /* the trivial sizes */
    nn_rng_permutation(&q, b, 1);
    assert_int_equal(b[0], 0);
    nn_rng_permutation(&q, b, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permutation),
        cmocka_unit_test(test_same_key_same_sequence),
        cmocka_unit_test(test_each_key_word_changes_sequence),
        cmocka_unit_test(test_key_words_are_not_interchangeable),
        cmocka_unit_test(test_keys_distinct_over_grid),
        cmocka_unit_test(test_at_equals_sequence),
        cmocka_unit_test(test_unit_range_and_moments),
        cmocka_unit_test(test_unit_is_top_53_bits),
        cmocka_unit_test(test_below_10_uniform),
        cmocka_unit_test(test_below_7_uniform),
        cmocka_unit_test(test_below_2_uniform),
        cmocka_unit_test(test_below_1_always_0),
        cmocka_unit_test(test_below_huge_n),
        cmocka_unit_test(test_below_no_modulo_bias),
        cmocka_unit_test(test_below_max_n_in_range),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_normal_two_draws_per_call),
        cmocka_unit_test(test_normal_is_box_muller),
        cmocka_unit_test(test_known_answers_mix_and_at),
        cmocka_unit_test(test_known_answers_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
