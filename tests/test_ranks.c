/* Tests of coordinator/ranks.c in one process, where the world is NULL (as it is for a run
 * without mpirun): rank 0 of 1; the collectives leave each value as it is, or copy it,
 * which is what one rank of a world would get; the gather of variable pieces grows its
 * buffer; and the launcher's environment (Open MPI's OMPI_COMM_WORLD_*, else PMI_*)
 * gives the number of ranks and this process's rank before MPI starts. The real
 * collectives are tested under mpirun (tests/integration/mpirun.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "ranks.h"

/* ---- the launcher's environment ------------------------------------------------------ */

static const char *const s_vars[] = {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE",
                                     "PMI_RANK"};
#define N_VARS (sizeof s_vars / sizeof s_vars[0])

/* What the environment had before a test, put back by the teardown even when it fails. */
typedef struct t_env {
    char *saved[N_VARS]; /* NULL: unset */
} t_env_t;

static int t_env_setup(void **state)
{
    t_env_t *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    for (size_t i = 0; i < N_VARS; i++) {
        const char *v = getenv(s_vars[i]);
        if (v && !(e->saved[i] = strdup(v)))
            return -1;
        unsetenv(s_vars[i]);
    }
    *state = e;
    return 0;
}

static int t_env_teardown(void **state)
{
    t_env_t *e = *state;
    for (size_t i = 0; i < N_VARS; i++) {
        if (e->saved[i])
            setenv(s_vars[i], e->saved[i], 1);
        else
            unsetenv(s_vars[i]);
        free(e->saved[i]);
    }
    free(e);
    return 0;
}

/* launched() with the four variables as given (NULL: unset); *rank its rank. */
static long t_launched(const char *ompi_size, const char *ompi_rank, const char *pmi_size,
                       const char *pmi_rank, long *rank)
{
    const char *v[N_VARS] = {ompi_size, ompi_rank, pmi_size, pmi_rank};
    for (size_t i = 0; i < N_VARS; i++) {
        if (v[i])
            assert_int_equal(setenv(s_vars[i], v[i], 1), 0);
        else
            assert_int_equal(unsetenv(s_vars[i]), 0);
    }
    *rank = -99;
    return nn_ranks_launched(rank);
}

static void test_launched(void **state)
{
    (void)state;
    long rank;
    /* not started by a launcher */
    assert_int_equal(t_launched(NULL, NULL, NULL, NULL, &rank), 1);
    assert_int_equal(rank, 0);
    /* Open MPI */
    assert_int_equal(t_launched("4", "3", NULL, NULL, &rank), 4);
    assert_int_equal(rank, 3);
    assert_int_equal(t_launched("2", "0", NULL, NULL, &rank), 2);
    assert_int_equal(rank, 0);
    /* PMI (MPICH, Slurm's srun) */
    assert_int_equal(t_launched(NULL, NULL, "3", "2", &rank), 3);
    assert_int_equal(rank, 2);
    /* both: Open MPI's own variables win */
    assert_int_equal(t_launched("5", "4", "3", "1", &rank), 5);
    assert_int_equal(rank, 4);
    /* one rank, or a size that is no number: one process */
    assert_int_equal(t_launched("1", "0", NULL, NULL, &rank), 1);
    assert_int_equal(rank, 0);
    assert_int_equal(t_launched("0", NULL, NULL, NULL, &rank), 1);
    assert_int_equal(rank, 0);
    assert_int_equal(t_launched("many", NULL, NULL, NULL, &rank), 1);
    assert_int_equal(rank, 0);
    /* and after all that, with them unset again, 1 and 0 */
    assert_int_equal(t_launched(NULL, NULL, NULL, NULL, &rank), 1);
    assert_int_equal(rank, 0);
}

/* ---- one rank: the world NULL -------------------------------------------------------- */

static void test_available(void **state)
{
    (void)state;
#ifdef NUNCHI_HAVE_MPI
    assert_int_equal(nn_ranks_available(), 1);
#else
    assert_int_equal(nn_ranks_available(), 0);
    /* without MPI, the world is never made, and why is said */
    nn_ranks_t *w = (nn_ranks_t *)&w;
    char err[256] = "";
    assert_int_equal(nn_ranks_init(&w, NULL, NULL, err, sizeof err), NN_EMPI);
    assert_null(w);
    assert_non_null(strstr(err, "built without MPI"));
#endif
}

static void test_rank_size(void **state)
{
    (void)state;
    assert_int_equal(nn_ranks_rank(NULL), 0);
    assert_int_equal(nn_ranks_size(NULL), 1);
    nn_ranks_t *w = NULL;
    nn_ranks_finalize(&w); /* NULL-safe */
    assert_null(w);
    nn_ranks_finalize(NULL);
    nn_ranks_graph_t *g = NULL;
    nn_ranks_graph_destroy(&g);
    assert_null(g);
    assert_int_equal(nn_ranks_graph_degree(NULL), 0);
    assert_null(nn_ranks_graph_ranks(NULL));
}

static void test_collectives_leave_values(void **state)
{
    (void)state;
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7 + 1);
    unsigned char copy[sizeof buf];
    memcpy(copy, buf, sizeof buf);
    assert_int_equal(nn_ranks_bcast(NULL, buf, sizeof buf, 0), NN_OK);
    assert_memory_equal(buf, copy, sizeof buf);
    assert_int_equal(nn_ranks_bcast(NULL, buf, 0, 0), NN_OK);

    uint64_t v[5] = {0, 1, UINT64_MAX, 0x8000000000000000ULL, 12345};
    const uint64_t v0[5] = {0, 1, UINT64_MAX, 0x8000000000000000ULL, 12345};
    assert_int_equal(nn_ranks_sum_u64(NULL, v, 5), NN_OK);
    assert_memory_equal(v, v0, sizeof v);
    assert_int_equal(nn_ranks_sum_u64(NULL, v, 0), NN_OK);
    assert_memory_equal(v, v0, sizeof v);

    int m = -17;
    assert_int_equal(nn_ranks_max_int(NULL, &m), NN_OK);
    assert_int_equal(m, -17);
    m = 2147483647;
    assert_int_equal(nn_ranks_max_int(NULL, &m), NN_OK);
    assert_int_equal(m, 2147483647);
}

static void test_gather(void **state)
{
    (void)state;
    const uint32_t mine[4] = {7, 8, 9, 0xffffffffu};
    uint32_t all[4] = {0};
    assert_int_equal(nn_ranks_gather(NULL, mine, sizeof mine, all, 0), NN_OK);
    assert_memory_equal(all, mine, sizeof mine);
    /* zero bytes: nothing written */
    uint32_t untouched = 42;
    assert_int_equal(nn_ranks_gather(NULL, mine, 0, &untouched, 0), NN_OK);
    assert_int_equal(untouched, 42);
}

static void test_allgatherv(void **state)
{
    (void)state;
    void *all = NULL;
    size_t cap = 0, counts[1] = {99};
    char small[10];
    for (size_t i = 0; i < sizeof small; i++)
        small[i] = (char)('a' + i);
    assert_int_equal(nn_ranks_allgatherv(NULL, small, sizeof small, &all, &cap, counts), NN_OK);
    assert_non_null(all);
    assert_true(cap >= sizeof small);
    assert_int_equal(counts[0], sizeof small);
    assert_memory_equal(all, small, sizeof small);
    size_t cap1 = cap;

    /* larger than the buffer: it grows, and holds the whole piece */
    size_t big_n = cap1 * 3 + 5;
    unsigned char *big = malloc(big_n);
    assert_non_null(big);
    for (size_t i = 0; i < big_n; i++)
        big[i] = (unsigned char)(i % 251);
    assert_int_equal(nn_ranks_allgatherv(NULL, big, big_n, &all, &cap, counts), NN_OK);
    assert_true(cap >= big_n);
    assert_true(cap > cap1);
    assert_int_equal(counts[0], big_n);
    assert_memory_equal(all, big, big_n);

    /* smaller again: the same buffer, no shrinking */
    void *at = all;
    size_t cap2 = cap;
    assert_int_equal(nn_ranks_allgatherv(NULL, small, 3, &all, &cap, NULL), NN_OK);
    assert_ptr_equal(all, at);
    assert_int_equal(cap, cap2);
    assert_memory_equal(all, small, 3);

    /* nothing from this rank: a count of 0, still a buffer */
    counts[0] = 99;
    assert_int_equal(nn_ranks_allgatherv(NULL, NULL, 0, &all, &cap, counts), NN_OK);
    assert_int_equal(counts[0], 0);
    assert_non_null(all);
    free(big);
    free(all);

    /* from no buffer at all, nothing to copy */
    all = NULL;
    cap = 0;
    assert_int_equal(nn_ranks_allgatherv(NULL, NULL, 0, &all, &cap, counts), NN_OK);
    assert_non_null(all);
    assert_true(cap >= 1);
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_launched, t_env_setup, t_env_teardown),
        cmocka_unit_test(test_available),
        cmocka_unit_test(test_rank_size),
        cmocka_unit_test(test_collectives_leave_values),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_allgatherv),
    };
    return cmocka_run_group_tests_name("ranks, one process", tests, NULL, NULL);
}
