/* Tests of coordinator/metrics.c: mean, sd, min and max against a direct computation in
 * long double; the exactness that makes them placement-free (moments added in one go and
 * moments merged from arbitrary splits, in any order, finish to bit-identical metrics);
 * the cluster count on hand-made sets, at the edges of the gap and share rules; and the
 * empty set. Data come from nunchi's own generator, so failures reproduce. Each test has
 * a fresh set of moments, freed by the teardown. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "nunchi/rng.h"

#define SEED    0x6d657472696373ULL
#define N_PARTS 8

typedef struct t_fix {
    nn_moments_t all;
    nn_moments_t part[N_PARTS];
    nn_moments_t merged;
    double *x;
    size_t n;
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    nn_moments_clear(&f->all);
    nn_moments_clear(&f->merged);
    for (int i = 0; i < N_PARTS; i++)
        nn_moments_clear(&f->part[i]);
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    free(f->x);
    free(f);
    return 0;
}

/* cmocka 1.1.5 has no assert_double_equal */
#define t_near(a, b, tol) t_near_at((a), (b), (tol), __FILE__, __LINE__)
static void t_near_at(double a, double b, double tol, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        fprintf(stderr, "%s:%d: %.17g and %.17g differ by more than %g\n", file, line, a, b, tol);
        fail();
    }
}

/* f->x gets n values uniform in [0, 1), drawn with stream `stream`. */
static double *t_data(t_fix_t *f, size_t n, uint64_t stream)
{
    free(f->x);
    f->x = malloc((n ? n : 1) * sizeof *f->x);
    assert_non_null(f->x);
    f->n = n;
    nn_rng_t r;
    nn_rng_init(&r, SEED, NN_STREAM_USER + stream, 0, 0);
    for (size_t i = 0; i < n; i++)
        f->x[i] = nn_rng_unit(&r);
    return f->x;
}

static nn_round_metrics_t t_metrics_of(const double *x, size_t n)
{
    nn_moments_t m;
    nn_moments_clear(&m);
    nn_moments_add(&m, x, n);
    nn_round_metrics_t out;
    nn_moments_finish(&m, &out);
    return out;
}

static uint32_t t_clusters(const double *x, size_t n)
{
    return t_metrics_of(x, n).clusters;
}

/* ---- mean, sd, min, max ----------------------------------------------------------- */

static void t_direct(const double *x, size_t n, double tol)
{
    long double s = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        s += x[i];
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    long double mean = s / n, ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = (double)sqrtl(ss / n);
    nn_round_metrics_t m = t_metrics_of(x, n);
    t_near(m.mean, (double)mean, tol);
    /* rounding each value to 2^-32 moves the mean by at most 2^-33 */
    t_near(m.mean, (double)mean, 0x1p-33 + 1e-15);
    t_near(m.sd, sd, tol);
    assert_true(m.min == lo);
    assert_true(m.max == hi);
}

static void test_against_direct(void **state)
{
    t_fix_t *f = *state;
    static const size_t sizes[] = {1, 2, 3, 10, 1000, 100003};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double *x = t_data(f, sizes[s], s);
        t_direct(x, sizes[s], 1e-9);
    }
    /* squeezed data (small sd) and the endpoints */
    double *x = t_data(f, 5000, 99);
    for (size_t i = 0; i < f->n; i++)
        x[i] = 0.4 + 0.001 * x[i];
    t_direct(x, f->n, 1e-9);
    x[0] = 0.0;
    x[1] = 1.0;
    t_direct(x, f->n, 1e-9);
}

static void test_by_hand(void **state)
{
    (void)state;
    const double x[] = {0.0, 0.25, 0.5, 0.75, 1.0};
    nn_round_metrics_t m = t_metrics_of(x, 5);
    assert_true(m.mean == 0.5);
    /* population variance: (0.25 + 0.0625 + 0 + 0.0625 + 0.25) / 5 = 0.125 */
    t_near(m.sd, sqrt(0.125), 1e-15);
    assert_true(m.min == 0.0);
    assert_true(m.max == 1.0);
    const double same[] = {0.3, 0.3, 0.3, 0.3};
    m = t_metrics_of(same, 4);
    assert_true(m.sd == 0.0);
    assert_true(m.min == 0.3 && m.max == 0.3);
    /* sums are of round(x * 2^32): the mean is within half a step (2^-33) */
    t_near(m.mean, 0.3, 0x1p-33);
    const double third[] = {2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0};
    m = t_metrics_of(third, 3);
    t_near(m.mean, 2.0 / 3.0, 0x1p-33);
}

/* ---- exactness and order-freedom ---------------------------------------------------- */

static void test_merge_exact(void **state)
{
    t_fix_t *f = *state;
    const size_t n = 20011;
    double *x = t_data(f, n, 7);
    /* a few exact endpoints and repeats */
    x[5] = 0.0;
    x[6] = 1.0;
    x[7] = x[8] = x[9];
    nn_moments_add(&f->all, x, n);
    nn_round_metrics_t want;
    nn_moments_finish(&f->all, &want);
    nn_rng_t r;
    nn_rng_init(&r, SEED, NN_STREAM_USER + 100, 0, 0);
    for (int trial = 0; trial < 50; trial++) {
        /* N_PARTS - 1 random cut points (parts may be empty), each part added in one or
         * several calls, then merged in a random order */
        size_t cut[N_PARTS + 1];
        cut[0] = 0;
        cut[N_PARTS] = n;
        for (int i = 1; i < N_PARTS; i++)
            cut[i] = (size_t)nn_rng_below(&r, n + 1);
        for (int i = 1; i < N_PARTS; i++)
            for (int j = i; j > 1 && cut[j - 1] > cut[j]; j--) {
                size_t t = cut[j];
                cut[j] = cut[j - 1];
                cut[j - 1] = t;
            }
        for (int p = 0; p < N_PARTS; p++) {
            nn_moments_clear(&f->part[p]);
            size_t at = cut[p];
            while (at < cut[p + 1]) {
                size_t len = 1 + (size_t)nn_rng_below(&r, cut[p + 1] - at);
                nn_moments_add(&f->part[p], x + at, len);
                at += len;
            }
        }
        int order[N_PARTS];
        for (int p = 0; p < N_PARTS; p++)
            order[p] = p;
        for (int p = N_PARTS; p > 1; p--) {
            int j = (int)nn_rng_below(&r, (uint64_t)p);
            int t = order[p - 1];
            order[p - 1] = order[j];
            order[j] = t;
        }
        nn_moments_clear(&f->merged);
        /* merging a tree: pairs first, then into the total */
        for (int p = 0; p + 1 < N_PARTS; p += 2)
            nn_moments_merge(&f->part[order[p]], &f->part[order[p + 1]]);
        for (int p = N_PARTS - 2; p >= 0; p -= 2)
            nn_moments_merge(&f->merged, &f->part[order[p]]);
        nn_round_metrics_t got;
        nn_moments_finish(&f->merged, &got);
        assert_memory_equal(&got, &want, sizeof got);
        assert_int_equal(f->merged.n, f->all.n);
        assert_true(f->merged.sum == f->all.sum);
        assert_true(f->merged.sumsq == f->all.sumsq);
        assert_memory_equal(f->merged.count, f->all.count, sizeof f->all.count);
        assert_memory_equal(f->merged.bmin, f->all.bmin, sizeof f->all.bmin);
        assert_memory_equal(f->merged.bmax, f->all.bmax, sizeof f->all.bmax);
    }
}

/* The same values in another order, added one at a time, give the same bits. */
static void test_order_free(void **state)
{
    t_fix_t *f = *state;
    const size_t n = 5003;
    double *x = t_data(f, n, 8);
    nn_moments_add(&f->all, x, n);
    nn_round_metrics_t want;
    nn_moments_finish(&f->all, &want);
    nn_rng_t r;
    nn_rng_init(&r, SEED, NN_STREAM_USER + 101, 0, 0);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nn_rng_below(&r, i);
        double t = x[i - 1];
        x[i - 1] = x[j];
        x[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        nn_moments_add(&f->merged, x + i, 1);
    nn_round_metrics_t got;
    nn_moments_finish(&f->merged, &got);
    assert_memory_equal(&got, &want, sizeof got);
    /* merging an empty set changes nothing */
    nn_moments_t empty;
    nn_moments_clear(&empty);
    nn_moments_merge(&f->merged, &empty);
    nn_moments_add(&f->merged, x, 0);
    nn_moments_finish(&f->merged, &got);
    assert_memory_equal(&got, &want, sizeof got);
}

/* ---- clusters ----------------------------------------------------------------------- */

/* n values: n_a at a, the rest at b */
static uint32_t t_two(double a, size_t n_a, double b, size_t n)
{
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = i < n_a ? a : b;
    uint32_t c = t_clusters(x, n);
    free(x);
    return c;
}

static void test_clusters_simple(void **state)
{
    (void)state;
    assert_int_equal(t_two(0.37, 100, 0.37, 100), 1);
    assert_int_equal(t_two(0.1, 50, 0.9, 100), 2);
    assert_int_equal(t_two(0.1, 1, 0.9, 2), 2);
    const double one = 0.5;
    assert_int_equal(t_clusters(&one, 1), 1);
    /* three groups, given interleaved */
    double x[300];
    for (int i = 0; i < 300; i++)
        x[i] = i % 3 == 0 ? 0.2 : i % 3 == 1 ? 0.5 : 0.8;
    assert_int_equal(t_clusters(x, 300), 3);
}

static void test_clusters_share(void **state)
{
    (void)state;
    /* 1000 agents: a group counts from 10 agents (1%); 9 is too few */
    double x[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = i < 500 ? 0.2 : i < 991 ? 0.6 : 0.9;
    assert_int_equal(t_clusters(x, 1000), 2);
    for (int i = 0; i < 1000; i++)
        x[i] = i < 500 ? 0.2 : i < 990 ? 0.6 : 0.9;
    assert_int_equal(t_clusters(x, 1000), 3);
    /* the same in the middle of the range: 10 count, 9 do not */
    for (int i = 0; i < 1000; i++)
        x[i] = i < 500 ? 0.2 : i < 510 ? 0.5 : 0.8;
    assert_int_equal(t_clusters(x, 1000), 3);
    for (int i = 0; i < 1000; i++)
        x[i] = i < 500 ? 0.2 : i < 509 ? 0.5 : 0.8;
    assert_int_equal(t_clusters(x, 1000), 2);
    for (int i = 0; i < 1000; i++)
        x[i] = i < 10 ? 0.05 : 0.8;
    assert_int_equal(t_clusters(x, 1000), 2);
    /* a small group between two big ones is not counted, and still splits them */
    for (int i = 0; i < 1000; i++)
        x[i] = i < 500 ? 0.2 : i < 995 ? 0.6 : 0.4;
    assert_int_equal(t_clusters(x, 1000), 2);
    /* 20 lone agents 0.02 apart (0, 0.02, .., 0.38): none reaches 1% of 1000 */
    for (int i = 0; i < 1000; i++)
        x[i] = i < 980 ? 0.7 : 0.02 * (i - 980);
    assert_int_equal(t_clusters(x, 1000), 1);
}

static void test_clusters_gap(void **state)
{
    (void)state;
    /* NN_CLUSTER_GAP is the double nearest 0.01, which is not exact in binary, so a gap of
     * "exactly 0.01" means b - a == NN_CLUSTER_GAP in double arithmetic. With a = 0 that
     * holds trivially, and with a = 2^-9 it holds too: b = 2^-9 + 0.01 lies in [2^-7,
     * 2^-6), where the ulp (2^-59) is that of 0.01 itself, so the sum is exact, and so is
     * the subtraction (Sterbenz). Higher up, a + 0.01 rounds: 0.51 - 0.5 is
     * 0.0100000000000000089 in double, which is more than 0.01 and splits. */
    assert_true(0.01 - 0.0 == NN_CLUSTER_GAP);
    assert_int_equal(t_two(0.0, 50, 0.01, 100), 1);
    const double a = 0x1p-9, b = 0x1p-9 + 0.01;
    assert_true(b - a == NN_CLUSTER_GAP);
    assert_int_equal(t_two(a, 50, b, 100), 1);
    /* 0.0101 apart: split, low, in the middle and at the top */
    assert_int_equal(t_two(0.0, 50, 0.0101, 100), 2);
    assert_int_equal(t_two(0.5, 50, 0.5 + 0.0101, 100), 2);
    assert_int_equal(t_two(1.0 - 0.0101, 50, 1.0, 100), 2);
    /* and the value just above 0.01 splits (the rule is strictly "more than") */
    assert_int_equal(t_two(0.0, 50, nextafter(0.01, 1.0), 100), 2);
}

static void test_clusters_chain(void **state)
{
    (void)state;
    /* a chain from 0.1 to 0.9 in steps of 0.0099: about 80 values spread over ~200
     * buckets, most buckets in between empty, no gap above 0.01: one cluster */
    double x[200];
    size_t n = 0;
    for (double v = 0.1; v <= 0.9; v += 0.0099)
        x[n++] = v;
    assert_true(n > 70);
    assert_int_equal(t_clusters(x, n), 1);
    /* the same in steps of 0.001 (several values a bucket) */
    double y[1000];
    n = 0;
    for (int i = 0; i <= 800; i++)
        y[n++] = 0.1 + 0.001 * i;
    assert_int_equal(t_clusters(y, n), 1);
    /* gaps are measured from the highest value of a bucket to the lowest of the next
     * non-empty one: bucket 100 is [0.390625, 0.39453125) and bucket 102 [0.3984375,
     * 0.40234375). 0.3907 and 0.3945 share bucket 100; 0.4035 is 0.009 above 0.3945 (but
     * 0.0128 above 0.3907): one cluster. Then 0.3997 and 0.4020 share bucket 102, 0.009
     * above 0.3907 (the top of bucket 100), the top of 102 being 0.0113 above: one. */
    const double spread_low[] = {0.3907, 0.3945, 0.4035};
    assert_int_equal(t_clusters(spread_low, 3), 1);
    const double spread_high[] = {0.3907, 0.3997, 0.4020};
    assert_int_equal(t_clusters(spread_high, 3), 1);
    /* one larger step in the middle splits the chain in two */
    n = 0;
    for (double v = 0.1; v <= 0.9; v += 0.0099)
        x[n++] = v < 0.5 ? v : v + 0.02;
    assert_int_equal(t_clusters(x, n), 2);
}

static void test_clusters_endpoints(void **state)
{
    (void)state;
    assert_int_equal(t_two(0.0, 50, 1.0, 100), 2);
    assert_int_equal(t_two(0.0, 50, 0.0, 100), 1);
    assert_int_equal(t_two(1.0, 50, 1.0, 100), 1);
    /* 1.0 shares the top bucket; 0.995 is in it too */
    assert_int_equal(t_two(0.995, 50, 1.0, 100), 1);
    assert_int_equal(t_two(0.985, 50, 1.0, 100), 2);
    /* 0.0 and 0.005: neighbouring buckets, one cluster */
    assert_int_equal(t_two(0.0, 50, 0.005, 100), 1);
    nn_round_metrics_t m;
    const double x[] = {1.0, 0.0, 1.0, 0.0};
    m = t_metrics_of(x, 4);
    assert_true(m.min == 0.0 && m.max == 1.0 && m.mean == 0.5 && m.sd == 0.5);
    assert_int_equal(m.clusters, 2);
}

static void test_empty(void **state)
{
    t_fix_t *f = *state;
    nn_round_metrics_t m, zero;
    memset(&zero, 0, sizeof zero);
    memset(&m, 0xff, sizeof m);
    nn_moments_finish(&f->all, &m);
    assert_memory_equal(&m, &zero, sizeof m);
    nn_moments_merge(&f->all, &f->merged);
    memset(&m, 0xff, sizeof m);
    nn_moments_finish(&f->all, &m);
    assert_memory_equal(&m, &zero, sizeof m);
    assert_int_equal(f->all.n, 0);
    /* a cleared set after use is empty again */
    const double x[] = {0.25, 0.75};
    nn_moments_add(&f->all, x, 2);
    nn_moments_clear(&f->all);
    memset(&m, 0xff, sizeof m);
    nn_moments_finish(&f->all, &m);
    assert_memory_equal(&m, &zero, sizeof m);
}

/* ---- polarization and bimodality ------------------------------------------------------ */

static void test_polarization_and_bimodality(void **state)
{
    t_fix_t *f = *state;
    (void)f;
    enum { N = 1000 };
    double x[N];
    /* consensus: no polarization, and no bimodality to speak of (sd 0) */
    for (int i = 0; i < N; i++)
        x[i] = 0.5;
    nn_round_metrics_t m = t_metrics_of(x, N);
    assert_true(m.polarization == 0.0);
    assert_true(m.bimodality == 0.0);
    /* halves at the ends: the normalisation's 0.95 (bin centres 0.025 and 0.975) and a
     * coefficient of 1 (skewness 0, kurtosis 1) */
    for (int i = 0; i < N; i++)
        x[i] = i < N / 2 ? 0.0 : 1.0;
    m = t_metrics_of(x, N);
    t_near(m.polarization, 0.95, 1e-12);
    t_near(m.bimodality, 1.0, 1e-9);
    /* the same number in every bin, at its centre: the formula by hand */
    for (int i = 0; i < N; i++)
        x[i] = ((i % NN_POLAR_BINS) + 0.5) / NN_POLAR_BINS;
    m = t_metrics_of(x, N);
    double sum_d = 0;
    for (int a = 0; a < NN_POLAR_BINS; a++)
        for (int b = 0; b < NN_POLAR_BINS; b++)
            sum_d += fabs((double)(a - b)) / NN_POLAR_BINS;
    double p = 1.0 / NN_POLAR_BINS;
    double want = pow(2.0, 1.0 + NN_POLAR_ALPHA) * pow(p, 1.0 + NN_POLAR_ALPHA) * p * sum_d;
    t_near(m.polarization, want, 1e-12);
    /* a uniform spread: Sarle's coefficient of a uniform distribution is 5/9 */
    double *u = t_data(f, 200000, 11);
    m = t_metrics_of(u, 200000);
    t_near(m.bimodality, 5.0 / 9.0, 0.005);
    /* two modes apart rise above it; one bell-shaped mode (the mean of four uniforms,
     * kurtosis near 2.7) stays well below, near 1/3 */
    for (int i = 0; i < N; i++)
        x[i] = i % 2 ? 0.2 + 0.0001 * (i % 7) : 0.8 - 0.0001 * (i % 5);
    assert_true(t_metrics_of(x, N).bimodality > 5.0 / 9.0);
    for (int i = 0; i < N; i++)
        x[i] = (u[4 * i] + u[4 * i + 1] + u[4 * i + 2] + u[4 * i + 3]) / 4.0;
    double bell = t_metrics_of(x, N).bimodality;
    assert_true(bell > 0.3 && bell < 0.45);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_against_direct, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_polarization_and_bimodality, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_by_hand, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_merge_exact, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_order_free, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_clusters_simple, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_clusters_share, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_clusters_gap, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_clusters_chain, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_clusters_endpoints, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_empty, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
