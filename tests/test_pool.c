/* Tests of coordinator/pool.c: every task of a job runs exactly once, on any number of
 * threads, job after job; a NULL pool or a pool of one runs them on the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "pool.h"

#define N_TASKS 1000

typedef struct t_job {
    atomic_int runs[N_TASKS];
    uint64_t sum[N_TASKS];
} t_job_t;

static void t_task(void *arg, size_t t)
{
    t_job_t *j = arg;
    atomic_fetch_add(&j->runs[t], 1);
    uint64_t s = 0;
    for (uint64_t i = 0; i <= t * 10; i++)
        s += i;
    j->sum[t] = s;
}

static void t_check(nn_pool_t *p, size_t n_tasks)
{
    t_job_t *j = calloc(1, sizeof *j);
    assert_non_null(j);
    for (int rep = 0; rep < 20; rep++) {
        memset(j, 0, sizeof *j);
        nn_pool_run(p, n_tasks, t_task, j);
        for (size_t t = 0; t < N_TASKS; t++) {
            assert_int_equal(atomic_load(&j->runs[t]), t < n_tasks ? 1 : 0);
            if (t < n_tasks)
                assert_true(j->sum[t] == (uint64_t)(t * 10) * (t * 10 + 1) / 2);
        }
    }
    free(j);
}

static void test_null_pool(void **state)
{
    (void)state;
    assert_int_equal(nn_pool_threads(NULL), 1);
    t_check(NULL, N_TASKS);
    t_check(NULL, 0);
}

static void test_sizes(void **state)
{
    (void)state;
    static const size_t threads[] = {1, 2, 3, 8};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        nn_pool_t *p = NULL;
        assert_int_equal(nn_pool_new(&p, threads[i]), NN_OK);
        assert_int_equal(nn_pool_threads(p), threads[i]);
        t_check(p, N_TASKS);
        t_check(p, 1);
        t_check(p, threads[i]);
        t_check(p, 0);
        nn_pool_destroy(&p);
        assert_null(p);
    }
    nn_pool_t *none = NULL;
    nn_pool_destroy(&none); /* NULL-safe */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_pool),
        cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
