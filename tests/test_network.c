/* Tests of coordinator/network.c: each model's size and degrees against what the model
 * promises (exactly where it is deterministic, within 5 standard deviations where it is
 * random, with fixed seeds so that the suite itself is deterministic), the CSR
 * invariants on every network built, determinism under the seed, the average local
 * clustering on graphs whose value is known, the edge-list reader's tolerance and its
 * errors, write_edges, and that a build leaves igraph's global RNG and error handler as
 * it found them. Every test builds its own networks. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <igraph.h>

#include "network.h"
#include "nunchi/error.h"

#define DATA   NUNCHI_SOURCE_DIR "/tests/data/networks/"
#define ERRLEN 512
#define SEED   20240501ULL

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                                             \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, (double)(eps));           \
    } while (0)

/* --- helpers ------------------------------------------------------------------------- */

static nn_network_config_t s_cfg(nn_net_model_t model)
{
    nn_network_config_t c;
    memset(&c, 0, sizeof c);
    c.model = model;
    return c;
}

static int s_row_has(const nn_network_t *net, uint32_t i, uint32_t v)
{
    const uint32_t *lo = net->adj + net->off[i], *hi = net->adj + net->off[i + 1];
    while (lo < hi) {
        const uint32_t *mid = lo + (hi - lo) / 2;
        if (*mid == v)
            return 1;
        if (*mid < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Rows sorted strictly ascending (so no repeats), ids in range, no self-loops, every
 * edge in both rows, and the counts consistent. */
static void s_check_csr(const nn_network_t *net)
{
    assert_non_null(net);
    assert_non_null(net->off);
    assert_non_null(net->adj);
    assert_int_equal(net->off[0], 0);
    assert_int_equal(net->off[net->n], 2 * net->n_edges);
    for (uint32_t i = 0; i < net->n; i++) {
        assert_true(net->off[i] <= net->off[i + 1]);
        for (uint64_t a = net->off[i]; a < net->off[i + 1]; a++) {
            uint32_t v = net->adj[a];
            assert_true(v < net->n);
            assert_int_not_equal(v, i);
            if (a > net->off[i])
                assert_true(net->adj[a - 1] < v);
            assert_true(s_row_has(net, v, i));
        }
    }
}

static nn_network_t *s_build_ok(const nn_network_config_t *cfg, uint32_t n, uint64_t seed)
{
    nn_network_t *net = NULL;
    char err[ERRLEN];
    uint64_t dropped = 99;
    int rc = nn_network_build(&net, cfg, n, seed, &dropped, err, sizeof err);
    if (rc != NN_OK)
        fail_msg("build of '%s' failed: %s: %s", nn_network_model_name(cfg->model), nn_strerror(rc),
                 err);
    assert_int_equal(dropped, 0);
    assert_int_equal(net->n, n);
    s_check_csr(net);
    return net;
}

/* The build fails with `code`, leaves *out NULL and says something containing `part`. */
static void s_build_fails(const nn_network_config_t *cfg, uint32_t n, int code, const char *part)
{
    nn_network_t *net = (nn_network_t *)(uintptr_t)1;
    char err[ERRLEN];
    int rc = nn_network_build(&net, cfg, n, SEED, NULL, err, sizeof err);
    if (rc != code)
        fail_msg("expected %s, got %s (%s)", nn_strerror(code), nn_strerror(rc), err);
    assert_null(net);
    if (!strstr(err, part))
        fail_msg("message '%s' lacks '%s'", err, part);
}

static int s_same(const nn_network_t *a, const nn_network_t *b)
{
    return a->n == b->n && a->n_edges == b->n_edges &&
           !memcmp(a->off, b->off, ((size_t)a->n + 1) * sizeof *a->off) &&
           !memcmp(a->adj, b->adj, (size_t)(2 * a->n_edges) * sizeof *a->adj);
}

static void s_degrees_all(const nn_network_t *net, uint64_t d)
{
    for (uint32_t i = 0; i < net->n; i++)
        assert_int_equal(nn_network_degree(net, i), d);
}

/* A file holding `text`; the path is written to `path` (at least 64 bytes). */
static void s_temp_file(char *path, const char *text)
{
    strcpy(path, "/tmp/nunchi-test-network-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static int s_build_text(const char *text, uint32_t n, nn_network_t **net, uint64_t *dropped,
                        char *err, size_t errlen)
{
    char path[64];
    s_temp_file(path, text);
    nn_network_config_t c = s_cfg(NN_NET_FILE);
    strcpy(c.path, "edges.txt");
    strcpy(c.resolved_path, path);
    int rc = nn_network_build(net, &c, n, SEED, dropped, err, errlen);
    unlink(path);
    return rc;
}

/* --- names --------------------------------------------------------------------------- */

static void test_model_names(void **state)
{
    (void)state;
    assert_string_equal(nn_network_model_name(NN_NET_COMPLETE), "complete");
    assert_string_equal(nn_network_model_name(NN_NET_RING), "ring");
    assert_string_equal(nn_network_model_name(NN_NET_ERDOS_RENYI), "erdos_renyi");
    assert_string_equal(nn_network_model_name(NN_NET_WATTS_STROGATZ), "watts_strogatz");
    assert_string_equal(nn_network_model_name(NN_NET_BARABASI_ALBERT), "barabasi_albert");
    assert_string_equal(nn_network_model_name(NN_NET_SBM), "sbm");
    assert_string_equal(nn_network_model_name(NN_NET_FILE), "file");
    assert_string_equal(nn_network_model_name((nn_net_model_t)77), "?");
}

/* --- deterministic models ------------------------------------------------------------ */

static void test_complete(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_COMPLETE);
    nn_network_t *net = s_build_ok(&c, 50, SEED);
    assert_int_equal(net->n_edges, 50 * 49 / 2);
    s_degrees_all(net, 49);
    assert_near(net->clustering, 1.0, 1e-12);
    nn_network_destroy(&net);
    assert_null(net);

    net = s_build_ok(&c, 2, SEED);
    assert_int_equal(net->n_edges, 1);
    assert_near(net->clustering, 0.0, 0.0);
    nn_network_destroy(&net);
}

static void test_ring(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_RING);
    c.k = 4;
    nn_network_t *net = s_build_ok(&c, 100, SEED);
    assert_int_equal(net->n_edges, 100 * 4 / 2);
    s_degrees_all(net, 4);
    /* k / 2 on each side, wrapping around */
    const uint32_t row0[] = {1, 2, 98, 99};
    assert_memory_equal(net->adj + net->off[0], row0, sizeof row0);
    const uint32_t row50[] = {48, 49, 51, 52};
    assert_memory_equal(net->adj + net->off[50], row50, sizeof row50);
    /* a ring lattice has C = 3 (k - 2) / (4 (k - 1)) */
    assert_near(net->clustering, 0.5, 1e-12);
    nn_network_destroy(&net);

    c.k = 2;
    net = s_build_ok(&c, 30, SEED);
    assert_int_equal(net->n_edges, 30);
    s_degrees_all(net, 2);
    assert_near(net->clustering, 0.0, 0.0);
    nn_network_destroy(&net);

    c.k = 10;
    net = s_build_ok(&c, 1000, SEED);
    assert_int_equal(net->n_edges, 5000);
    s_degrees_all(net, 10);
    assert_near(net->clustering, 3.0 * 8 / (4.0 * 9), 1e-12);
    nn_network_destroy(&net);

    /* the widest ring: k = n - 1 on an odd n is the complete graph */
    c.k = 10;
    net = s_build_ok(&c, 11, SEED);
    assert_int_equal(net->n_edges, 55);
    s_degrees_all(net, 10);
    nn_network_destroy(&net);
}

/* --- random models ------------------------------------------------------------------- */

static void test_watts_strogatz(void **state)
{
    (void)state;
    nn_network_config_t ring = s_cfg(NN_NET_RING);
    ring.k = 6;
    nn_network_t *lattice = s_build_ok(&ring, 500, SEED);

    nn_network_config_t c = s_cfg(NN_NET_WATTS_STROGATZ);
    c.k = 6;
    c.p = 0.0;
    nn_network_t *net = s_build_ok(&c, 500, SEED);
    assert_true(s_same(net, lattice));
    assert_near(net->clustering, lattice->clustering, 0.0);
    nn_network_destroy(&net);

    c.p = 0.1;
    net = s_build_ok(&c, 500, SEED);
    assert_int_equal(net->n_edges, 500 * 6 / 2); /* rewiring moves edges, never adds */
    assert_false(s_same(net, lattice));
    /* some 10% of the ends moved: clustering drops from 0.6 but stays far above an
     * equally dense random graph's 6 / 499 */
    assert_true(net->clustering < lattice->clustering);
    assert_true(net->clustering > 0.3);
    nn_network_destroy(&net);

    c.p = 1.0;
    net = s_build_ok(&c, 500, SEED);
    assert_int_equal(net->n_edges, 1500);
    nn_network_destroy(&net);
    nn_network_destroy(&lattice);
}

static void test_erdos_renyi_p(void **state)
{
    (void)state;
    const uint32_t n = 2000;
    const double p = 0.01;
    nn_network_config_t c = s_cfg(NN_NET_ERDOS_RENYI);
    c.p = p;
    nn_network_t *net = s_build_ok(&c, n, SEED);
    double pairs = (double)n * (n - 1) / 2.0;
    double mean = pairs * p, sd = sqrt(pairs * p * (1.0 - p));
    assert_true(fabs((double)net->n_edges - mean) < 5.0 * sd);
    /* clustering of G(n, p) is about p */
    assert_true(fabs(net->clustering - p) < 0.005);
    nn_network_destroy(&net);

    c.p = 0.0;
    net = s_build_ok(&c, n, SEED);
    assert_int_equal(net->n_edges, 0);
    nn_network_destroy(&net);

    c.p = 1.0;
    net = s_build_ok(&c, 40, SEED);
    assert_int_equal(net->n_edges, 40 * 39 / 2);
    nn_network_destroy(&net);
}

static void test_erdos_renyi_mean_degree(void **state)
{
    (void)state;
    const uint32_t n = 2000;
    nn_network_config_t c = s_cfg(NN_NET_ERDOS_RENYI);
    c.p = 0.5; /* ignored: mean_degree wins */
    c.mean_degree = 10.0;
    nn_network_t *net = s_build_ok(&c, n, SEED);
    double mean_degree = 2.0 * (double)net->n_edges / n;
    assert_true(fabs(mean_degree - 10.0) < 0.05 * 10.0);
    nn_network_destroy(&net);

    /* more than n - 1 is capped at the complete graph */
    c.mean_degree = 1000.0;
    net = s_build_ok(&c, 30, SEED);
    assert_int_equal(net->n_edges, 30 * 29 / 2);
    nn_network_destroy(&net);
}

static void test_barabasi_albert(void **state)
{
    (void)state;
    const uint32_t n = 1000;
    nn_network_config_t c = s_cfg(NN_NET_BARABASI_ALBERT);
    for (uint32_t m = 1; m <= 5; m++) {
        c.m = m;
        nn_network_t *net = s_build_ok(&c, n, SEED);
        /* igraph's psumtree game: vertex i joins with min(m, i) edges, so the first m
         * vertices form a complete seed of m (m - 1) / 2 edges and every later one adds
         * m: m (n - m) + m (m - 1) / 2 edges in all */
        assert_int_equal(net->n_edges, (uint64_t)m * (n - m) + (uint64_t)m * (m - 1) / 2);
        uint64_t min = UINT64_MAX, max = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t d = nn_network_degree(net, i);
            min = d < min ? d : min;
            max = d > max ? d : max;
        }
        assert_true(min >= m);
        assert_true(max > 4 * m); /* preferential attachment grows hubs */
        if (m == 1)
            assert_near(net->clustering, 0.0, 0.0); /* a tree */
        nn_network_destroy(&net);
    }
}

static void test_sbm(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_SBM);
    c.n_blocks = 3;
    c.blocks[0] = 300;
    c.blocks[1] = 300;
    c.blocks[2] = 400;
    c.p_in = 0.1;
    c.p_out = 0.01;
    const uint32_t n = 1000;
    nn_network_t *net = s_build_ok(&c, n, SEED);

    uint32_t block[1000];
    for (uint32_t i = 0; i < n; i++)
        block[i] = i < 300 ? 0 : i < 600 ? 1 : 2;
    uint64_t in = 0, out = 0;
    for (uint32_t u = 0; u < n; u++)
        for (uint64_t a = net->off[u]; a < net->off[u + 1]; a++)
            if (net->adj[a] > u) {
                if (block[u] == block[net->adj[a]])
                    in++;
                else
                    out++;
            }
    double pairs_in = 300.0 * 299 / 2 + 300.0 * 299 / 2 + 400.0 * 399 / 2;
    double pairs_out = 300.0 * 300 + 300.0 * 400 + 300.0 * 400;
    double sd_in = sqrt(pairs_in * 0.1 * 0.9), sd_out = sqrt(pairs_out * 0.01 * 0.99);
    assert_true(fabs((double)in - pairs_in * 0.1) < 5.0 * sd_in);
    assert_true(fabs((double)out - pairs_out * 0.01) < 5.0 * sd_out);
    assert_int_equal(in + out, net->n_edges);
    nn_network_destroy(&net);

    /* one block is G(n, p_in) */
    c.n_blocks = 1;
    c.blocks[0] = 50;
    c.p_in = 1.0;
    net = s_build_ok(&c, 50, SEED);
    assert_int_equal(net->n_edges, 50 * 49 / 2);
    nn_network_destroy(&net);
}

/* --- determinism --------------------------------------------------------------------- */

static void test_seed_determines_network(void **state)
{
    (void)state;
    nn_network_config_t cfgs[4];
    cfgs[0] = s_cfg(NN_NET_ERDOS_RENYI);
    cfgs[0].p = 0.01;
    cfgs[1] = s_cfg(NN_NET_WATTS_STROGATZ);
    cfgs[1].k = 6;
    cfgs[1].p = 0.05;
    cfgs[2] = s_cfg(NN_NET_BARABASI_ALBERT);
    cfgs[2].m = 3;
    cfgs[3] = s_cfg(NN_NET_SBM);
    cfgs[3].n_blocks = 2;
    cfgs[3].blocks[0] = 400;
    cfgs[3].blocks[1] = 600;
    cfgs[3].p_in = 0.02;
    cfgs[3].p_out = 0.002;
    for (size_t i = 0; i < 4; i++) {
        nn_network_t *a = s_build_ok(&cfgs[i], 1000, 7);
        nn_network_t *b = s_build_ok(&cfgs[i], 1000, 7);
        nn_network_t *c = s_build_ok(&cfgs[i], 1000, 8);
        if (!s_same(a, b))
            fail_msg("'%s': the same seed gave different networks",
                     nn_network_model_name(cfgs[i].model));
        assert_near(a->clustering, b->clustering, 0.0);
        if (s_same(a, c))
            fail_msg("'%s': different seeds gave the same network",
                     nn_network_model_name(cfgs[i].model));
        nn_network_destroy(&a);
        nn_network_destroy(&b);
        nn_network_destroy(&c);
    }
}

/* Drawing from igraph's default RNG between builds must not change what a build gives:
 * every build starts its own generator from the seed. */
static void test_build_ignores_outside_rng_use(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_WATTS_STROGATZ);
    c.k = 4;
    c.p = 0.2;
    nn_network_t *a = s_build_ok(&c, 300, 11);
    for (int i = 0; i < 100; i++)
        (void)igraph_rng_get_integer(igraph_rng_default(), 0, 1000);
    nn_network_t *b = s_build_ok(&c, 300, 11);
    assert_true(s_same(a, b));
    nn_network_destroy(&a);
    nn_network_destroy(&b);
}

static void test_igraph_state_restored(void **state)
{
    (void)state;
    /* A default RNG and a handler of our own, so that "restored" cannot pass by chance. */
    igraph_rng_t outer = *igraph_rng_default();
    igraph_rng_t mine;
    assert_int_equal(igraph_rng_init(&mine, &igraph_rngtype_pcg32), IGRAPH_SUCCESS);
    igraph_rng_seed(&mine, 5);
    igraph_rng_set_default(&mine);
    igraph_error_handler_t *old = igraph_set_error_handler(igraph_error_handler_printignore);

    nn_network_config_t c = s_cfg(NN_NET_ERDOS_RENYI);
    c.p = 0.05;
    nn_network_t *net = s_build_ok(&c, 200, SEED);
    nn_network_destroy(&net);
    assert_ptr_equal(igraph_rng_default()->type, &igraph_rngtype_pcg32);
    assert_ptr_equal(igraph_rng_default()->state, mine.state);
    /* and after a failing igraph call too */
    nn_network_config_t full = s_cfg(NN_NET_COMPLETE);
    char err[ERRLEN];
    assert_int_equal(nn_network_build(&net, &full, UINT32_MAX, SEED, NULL, err, sizeof err),
                     NN_EGRAPH);
    assert_ptr_equal(igraph_rng_default()->type, &igraph_rngtype_pcg32);
    assert_ptr_equal(igraph_rng_default()->state, mine.state);
    /* the build drew nothing from the caller's generator */
    igraph_rng_t fresh;
    assert_int_equal(igraph_rng_init(&fresh, &igraph_rngtype_pcg32), IGRAPH_SUCCESS);
    igraph_rng_seed(&fresh, 5);
    assert_int_equal(igraph_rng_get_integer(&mine, 0, 1 << 30),
                     igraph_rng_get_integer(&fresh, 0, 1 << 30));
    igraph_rng_destroy(&fresh);

    assert_ptr_equal(igraph_set_error_handler(old), igraph_error_handler_printignore);
    igraph_rng_set_default(&outer);
    igraph_rng_destroy(&mine);
}

/* --- igraph failures ----------------------------------------------------------------- */

/* A complete graph on 2^32 - 1 agents has more edge ends than igraph can count: igraph
 * refuses (IGRAPH_EOVERFLOW), and its refusal must come back as an error, not as
 * igraph's default abort. */
static void test_igraph_error_is_returned(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_COMPLETE);
    nn_network_t *net = NULL;
    char err[ERRLEN];
    int rc = nn_network_build(&net, &c, UINT32_MAX, SEED, NULL, err, sizeof err);
    assert_int_equal(rc, NN_EGRAPH); /* igraph's overflow check, before any allocation */
    assert_null(net);
    assert_non_null(strstr(err, "igraph could not generate the 'complete' network"));
}

/* --- parameter errors ---------------------------------------------------------------- */

static void test_bad_parameters(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_COMPLETE);
    s_build_fails(&c, 0, NN_ESCENARIO, "needs at least 2 agents (the scenario has 0)");
    s_build_fails(&c, 1, NN_ESCENARIO, "needs at least 2 agents (the scenario has 1)");

    c = s_cfg(NN_NET_RING);
    c.k = 3;
    s_build_fails(&c, 10, NN_ESCENARIO, "got k = 3");
    c.k = 0;
    s_build_fails(&c, 10, NN_ESCENARIO, "got k = 0");
    c.k = 10;
    s_build_fails(&c, 10, NN_ESCENARIO, "2 <= k < 10");
    c.k = 12;
    s_build_fails(&c, 10, NN_ESCENARIO, "'ring'");

    c = s_cfg(NN_NET_WATTS_STROGATZ);
    c.k = 4;
    c.p = 1.5;
    s_build_fails(&c, 10, NN_ESCENARIO, "rewiring probability p in [0, 1], got 1.5");
    c.p = NAN;
    s_build_fails(&c, 10, NN_ESCENARIO, "'watts_strogatz'");
    c.p = 0.1;
    c.k = 20;
    s_build_fails(&c, 10, NN_ESCENARIO, "got k = 20");

    c = s_cfg(NN_NET_ERDOS_RENYI);
    c.p = -0.1;
    s_build_fails(&c, 10, NN_ESCENARIO, "edge probability p in [0, 1]");
    c.p = 0.1;
    c.mean_degree = -2.0;
    s_build_fails(&c, 10, NN_ESCENARIO, "mean_degree > 0");
    c.mean_degree = INFINITY;
    s_build_fails(&c, 10, NN_ESCENARIO, "finite mean_degree");

    c = s_cfg(NN_NET_BARABASI_ALBERT);
    c.m = 0;
    s_build_fails(&c, 10, NN_ESCENARIO, "got m = 0");
    c.m = 10;
    s_build_fails(&c, 10, NN_ESCENARIO, "1 <= m < 10");

    c = s_cfg(NN_NET_SBM);
    c.p_in = 0.5;
    c.p_out = 0.1;
    s_build_fails(&c, 10, NN_ESCENARIO, "needs 1 to 256 blocks, got 0");
    c.n_blocks = NN_NET_MAX_BLOCKS + 1;
    s_build_fails(&c, 10, NN_ESCENARIO, "got 257");
    c.n_blocks = 2;
    c.blocks[0] = 4;
    c.blocks[1] = 5;
    s_build_fails(&c, 10, NN_ESCENARIO, "block sizes sum to 9 but the scenario has 10");
    c.blocks[1] = 0;
    s_build_fails(&c, 4, NN_ESCENARIO, "block 1 is empty");
    c.blocks[1] = 6;
    c.p_out = 2.0;
    s_build_fails(&c, 10, NN_ESCENARIO, "p_in and p_out in [0, 1]");

    c = s_cfg(NN_NET_FILE);
    s_build_fails(&c, 10, NN_ESCENARIO, "needs a path");

    c = s_cfg((nn_net_model_t)42);
    s_build_fails(&c, 10, NN_ESCENARIO, "unknown network model 42");
}

static void test_bad_arguments(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_COMPLETE);
    nn_network_t *net = (nn_network_t *)(uintptr_t)1;
    char err[ERRLEN];
    assert_int_equal(nn_network_build(&net, NULL, 10, SEED, NULL, err, sizeof err), NN_EINVAL);
    assert_null(net);
    assert_int_equal(nn_network_build(NULL, &c, 10, SEED, NULL, err, sizeof err), NN_EINVAL);
    /* err and dropped are optional */
    assert_int_equal(nn_network_build(&net, &c, 10, SEED, NULL, NULL, 0), NN_OK);
    nn_network_destroy(&net);
    assert_int_equal(nn_network_build(&net, &c, 1, SEED, NULL, NULL, 0), NN_ESCENARIO);
    /* a short err buffer is truncated, not overrun */
    char tiny[8];
    assert_int_equal(nn_network_build(&net, &c, 0, SEED, NULL, tiny, sizeof tiny), NN_ESCENARIO);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);

    nn_network_destroy(NULL);
    nn_network_destroy(&net);
    assert_null(net);
    assert_int_equal(nn_network_write_edges(NULL, stdout), NN_EINVAL);
}

/* --- edge-list files ----------------------------------------------------------------- */

static void test_file(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_FILE);
    strcpy(c.path, "networks/small.txt");
    strcpy(c.resolved_path, DATA "small.txt");
    nn_network_t *net = NULL;
    char err[ERRLEN];
    uint64_t dropped = 0;
    int rc = nn_network_build(&net, &c, 6, SEED, &dropped, err, sizeof err);
    if (rc != NN_OK)
        fail_msg("%s", err);
    s_check_csr(net);
    assert_int_equal(dropped, 2); /* "1 0" repeats "0 1"; "3 3" is a loop */
    assert_int_equal(net->n_edges, 8);
    const uint64_t off[] = {0, 3, 6, 8, 12, 14, 16};
    const uint32_t adj[] = {1, 3, 5, 0, 2, 3, 1, 3, 0, 1, 2, 4, 3, 5, 0, 4};
    assert_memory_equal(net->off, off, sizeof off);
    assert_memory_equal(net->adj, adj, sizeof adj);
    /* local: 1/3, 2/3, 1, 1/3, 0, 0 */
    assert_near(net->clustering, 7.0 / 18.0, 1e-12);
    nn_network_destroy(&net);

    /* the agent count may exceed the ids used: the rest are isolated */
    rc = nn_network_build(&net, &c, 9, SEED, &dropped, err, sizeof err);
    assert_int_equal(rc, NN_OK);
    s_check_csr(net);
    assert_int_equal(nn_network_degree(net, 8), 0);
    assert_near(net->clustering, 7.0 / 27.0, 1e-12);
    nn_network_destroy(&net);
}

static void test_file_errors(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_FILE);
    strcpy(c.path, "networks/bad_line.txt");
    strcpy(c.resolved_path, DATA "bad_line.txt");
    s_build_fails(&c, 6, NN_ESCENARIO,
                  "networks/bad_line.txt:3: expected an edge as 'u v' or 'u,v', got '1 two'");

    strcpy(c.path, "networks/out_of_range.txt");
    strcpy(c.resolved_path, DATA "out_of_range.txt");
    s_build_fails(&c, 6, NN_ESCENARIO,
                  "networks/out_of_range.txt:4: agent id 6 is out of range (the scenario "
                  "has 6 agents: 0..5)");

    strcpy(c.path, "networks/missing.txt");
    strcpy(c.resolved_path, DATA "missing.txt");
    s_build_fails(&c, 6, NN_EIO, "cannot open the network edge list 'networks/missing.txt'");

    /* without resolved_path, path is opened as it is */
    c.resolved_path[0] = '\0';
    strcpy(c.path, DATA "out_of_range.txt");
    s_build_fails(&c, 6, NN_ESCENARIO, "out_of_range.txt:4:");
}

static void test_file_syntax(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int rc;
        const char *part;
    } cases[] = {
        {"0 1 2\n", NN_ESCENARIO, "edges.txt:1: expected an edge"},
        {"0\n", NN_ESCENARIO, "edges.txt:1: expected"},
        {"0,\n", NN_ESCENARIO, "edges.txt:1: expected"},
        {"0,,1\n", NN_ESCENARIO, "edges.txt:1: expected"},
        {"0x1\n", NN_ESCENARIO, "edges.txt:1: expected"},
        {"0 1.5\n", NN_ESCENARIO, "edges.txt:1: expected"},
        {"+0 1\n", NN_ESCENARIO, "edges.txt:1: expected"},
        {"0 1\n\n# c\n0 ; 1\n", NN_ESCENARIO,
         "edges.txt:4: expected an edge as 'u v' or "
         "'u,v', got '0 ; 1'"},
        {"-1 2\n", NN_ESCENARIO, "edges.txt:1: agent id -1 is out of range"},
        {"1 99999999999999999999999\n", NN_ESCENARIO,
         "edges.txt:1: agent id 99999999999999999999999 is out of range"},
        {"4294967296 1\n", NN_ESCENARIO, "agent id 4294967296 is out of range"},
        {"0 1", NN_OK, ""},             /* no final newline */
        {"", NN_OK, ""},                /* empty: no edges */
        {"\t0\t,\t1\t\r\n", NN_OK, ""}, /* tabs and CRLF */
        {"0 1#comment\n", NN_OK, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_network_t *net = NULL;
        char err[ERRLEN] = "";
        int rc = s_build_text(cases[i].text, 10, &net, NULL, err, sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].part))
            fail_msg("case %zu: got %s '%s'", i, nn_strerror(rc), err);
        if (rc == NN_OK)
            s_check_csr(net);
        else
            assert_null(net);
        nn_network_destroy(&net);
    }

    /* a long bad line is quoted shortened */
    char text[300];
    memset(text, 'x', sizeof text - 2);
    text[sizeof text - 2] = '\n';
    text[sizeof text - 1] = '\0';
    nn_network_t *net = NULL;
    char err[ERRLEN];
    assert_int_equal(s_build_text(text, 10, &net, NULL, err, sizeof err), NN_ESCENARIO);
    assert_non_null(strstr(err, "...'"));
    assert_true(strlen(err) < 150);
}

static void test_file_dedup_orientations(void **state)
{
    (void)state;
    nn_network_t *net = NULL;
    char err[ERRLEN];
    uint64_t dropped = 0;
    int rc =
        s_build_text("2 1\n1 2\n1,2\n2,1\n0 0\n1 1\n0 2\n", 3, &net, &dropped, err, sizeof err);
    assert_int_equal(rc, NN_OK);
    s_check_csr(net);
    assert_int_equal(net->n_edges, 2);
    assert_int_equal(dropped, 5);
    nn_network_destroy(&net);
}

/* --- write_edges --------------------------------------------------------------------- */

static char *s_write(const nn_network_t *net)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(nn_network_write_edges(net, f), NN_OK);
    fclose(f);
    return buf;
}

static void test_write_edges(void **state)
{
    (void)state;
    nn_network_config_t c = s_cfg(NN_NET_FILE);
    strcpy(c.path, "networks/small.txt");
    strcpy(c.resolved_path, DATA "small.txt");
    nn_network_t *net = NULL;
    char err[ERRLEN];
    assert_int_equal(nn_network_build(&net, &c, 6, SEED, NULL, err, sizeof err), NN_OK);
    char *out = s_write(net);
    assert_string_equal(out, "0,1\n0,3\n0,5\n1,2\n1,3\n2,3\n3,4\n4,5\n");
    free(out);
    nn_network_destroy(&net);

    c = s_cfg(NN_NET_RING);
    c.k = 2;
    net = s_build_ok(&c, 4, SEED);
    out = s_write(net);
    assert_string_equal(out, "0,1\n0,3\n1,2\n2,3\n");
    free(out);
    nn_network_destroy(&net);

    /* an unwritable stream is NN_EIO */
    c = s_cfg(NN_NET_COMPLETE);
    net = s_build_ok(&c, 200, SEED);
    FILE *ro = fopen(DATA "small.txt", "r");
    assert_non_null(ro);
    assert_int_equal(nn_network_write_edges(net, ro), NN_EIO);
    fclose(ro);
    nn_network_destroy(&net);
}

/* A generated network written out and read back as a file is the same network, and the
 * reader's own clustering count agrees with igraph's. */
static void test_write_read_round_trip(void **state)
{
    (void)state;
    nn_network_config_t cfgs[3];
    cfgs[0] = s_cfg(NN_NET_WATTS_STROGATZ);
    cfgs[0].k = 8;
    cfgs[0].p = 0.1;
    cfgs[1] = s_cfg(NN_NET_BARABASI_ALBERT);
    cfgs[1].m = 4;
    cfgs[2] = s_cfg(NN_NET_ERDOS_RENYI);
    cfgs[2].mean_degree = 12.0;
    for (size_t i = 0; i < 3; i++) {
        nn_network_t *net = s_build_ok(&cfgs[i], 1500, SEED);
        char *text = s_write(net);
        nn_network_t *back = NULL;
        char err[ERRLEN];
        uint64_t dropped = 1;
        int rc = s_build_text(text, 1500, &back, &dropped, err, sizeof err);
        free(text);
        if (rc != NN_OK)
            fail_msg("%s", err);
        assert_int_equal(dropped, 0);
        assert_true(s_same(net, back));
        assert_near(back->clustering, net->clustering, 1e-12);
        nn_network_destroy(&back);
        nn_network_destroy(&net);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_names),
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_watts_strogatz),
        cmocka_unit_test(test_erdos_renyi_p),
        cmocka_unit_test(test_erdos_renyi_mean_degree),
        cmocka_unit_test(test_barabasi_albert),
        cmocka_unit_test(test_sbm),
        cmocka_unit_test(test_seed_determines_network),
        cmocka_unit_test(test_build_ignores_outside_rng_use),
        cmocka_unit_test(test_igraph_state_restored),
        cmocka_unit_test(test_igraph_error_is_returned),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_file_syntax),
        cmocka_unit_test(test_file_dedup_orientations),
        cmocka_unit_test(test_write_edges),
        cmocka_unit_test(test_write_read_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
