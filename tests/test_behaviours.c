/* Tests of the built-in behaviours (node/behaviours/; the citizen has test_citizen.c) and their
 * registry. Each test builds one nn_agent_t by hand, as a node would hand it over for one step, and
 * checks the exact new state and the exact outbox against values worked out here from the model's
 * definition: fold the inbox (canonical order) into the state, then send. Where a behaviour draws,
 * the expected draw is replayed on a copy of the agent's generator, so the tests also pin which
 * draws a step makes and in which order. Values are chosen with short binary expansions where
 * possible, so that "exact" means bit-exact.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nunchi/behaviour.h"
#include "nunchi/rng.h"

#define SEED     20240607ULL
#define N_ROUNDS 400
#define N_BIG    5000

/* Bit-exact comparison of doubles, printing both on failure. */
#define ASSERT_EXACT(got, want)                                                                    \
    do {                                                                                           \
        double got_ = (got), want_ = (want);                                                       \
        if (!(got_ == want_)) {                                                                    \
            print_error("%s = %.17g, expected %.17g\n", #got, got_, want_);                        \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Each test gets a fresh outbox that the teardown releases even when the test fails. */
typedef struct s_fix {
    nn_outbox_t ob;
} s_fix_t;

static int s_setup(void **state)
{
    s_fix_t *f = (s_fix_t *)calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->ob = (nn_outbox_t)NN_OUTBOX_INIT;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    nn_outbox_release(&f->ob);
    free(f);
    return 0;
}

static nn_agent_t s_agent(nn_outbox_t *ob, uint32_t id, uint64_t round, double x,
                          const nn_delivery_t *inbox, size_t n_inbox, const uint32_t *nbrs,
                          size_t n_nbrs, const double *params)
{
    nn_agent_t a;
    memset(&a, 0, sizeof a);
    a.id = id;
    a.round = round;
    a.x = x;
    a.inbox = inbox;
    a.n_inbox = n_inbox;
    a.nbrs = nbrs;
    a.n_nbrs = n_nbrs;
    a.params = params;
    nn_rng_init(&a.rng, SEED, NN_STREAM_BEHAVIOUR, id, round);
    a.out = ob;
    return a;
}

static const nn_behaviour_ops_t *s_ops(const char *name)
{
    const nn_behaviour_ops_t *ops = nn_behaviour_find(name);
    assert_non_null(ops);
    assert_non_null(ops->step);
    return ops;
}

static void s_assert_msg(const nn_outbox_t *ob, size_t i, uint32_t from, uint32_t to, double value)
{
    assert_true(i < ob->len);
    assert_int_equal(ob->msgs[i].from, from);
    assert_int_equal(ob->msgs[i].to, to);
    ASSERT_EXACT(ob->msgs[i].value, value);
}

/* The outbox holds exactly one message to every neighbour, ascending, with `value`. */
static void s_assert_sent_all(const nn_outbox_t *ob, uint32_t from, const uint32_t *nbrs, size_t n,
                              double value)
{
    assert_int_equal(ob->len, n);
    for (size_t i = 0; i < n; i++)
        s_assert_msg(ob, i, from, nbrs[i], value);
    assert_int_equal(ob->failed, 0);
}

#define N_OF(arr) (sizeof(arr) / sizeof((arr)[0]))

/* --- registry ------------------------------------------------------------------------ */

static const char *const s_names[] = {"degroot",   "deffuant", "hk",      "voter",
                                      "threshold", "stubborn", "citizen", "llm"};

static void test_registry_finds_all_built_ins(void **state)
{
    (void)state;
    assert_int_equal(nn_behaviour_count(), N_OF(s_names));
    for (size_t i = 0; i < N_OF(s_names); i++) {
        const nn_behaviour_ops_t *ops = nn_behaviour_find(s_names[i]);
        assert_non_null(ops);
        assert_string_equal(ops->name, s_names[i]);
        assert_non_null(ops->step);
        assert_non_null(ops->doc);
        assert_true(ops->doc[0] != '\0');
    }
    assert_null(nn_behaviour_find("unknown"));
    assert_null(nn_behaviour_find(""));
    assert_null(nn_behaviour_find("deg"));      /* no prefix match */
    assert_null(nn_behaviour_find("degroot2")); /* no match on a prefix of the query */
    assert_null(nn_behaviour_find("DeGroot"));
}

static void test_registry_at(void **state)
{
    (void)state;
    int seen[N_OF(s_names)] = {0};
    for (size_t i = 0; i < nn_behaviour_count(); i++) {
        const nn_behaviour_ops_t *ops = nn_behaviour_at(i);
        assert_non_null(ops);
        assert_ptr_equal(nn_behaviour_find(ops->name), ops);
        for (size_t k = 0; k < N_OF(s_names); k++)
            if (strcmp(ops->name, s_names[k]) == 0)
                seen[k]++;
    }
    for (size_t k = 0; k < N_OF(s_names); k++)
        assert_int_equal(seen[k], 1);
    assert_null(nn_behaviour_at(nn_behaviour_count()));
    assert_null(nn_behaviour_at(nn_behaviour_count() + 1));
    assert_null(nn_behaviour_at(SIZE_MAX));
}

static void test_param_index(void **state)
{
    (void)state;
    assert_int_equal(nn_behaviour_param_index(s_ops("degroot"), "self_weight"), 0);
    assert_int_equal(nn_behaviour_param_index(s_ops("deffuant"), "d"), 0);
    assert_int_equal(nn_behaviour_param_index(s_ops("deffuant"), "mu"), 1);
    assert_int_equal(nn_behaviour_param_index(s_ops("hk"), "epsilon"), 0);
    assert_int_equal(nn_behaviour_param_index(s_ops("threshold"), "phi"), 0);

    assert_int_equal(nn_behaviour_param_index(s_ops("deffuant"), "m"), -1);
    assert_int_equal(nn_behaviour_param_index(s_ops("deffuant"), "mu "), -1);
    assert_int_equal(nn_behaviour_param_index(s_ops("deffuant"), ""), -1);
    assert_int_equal(nn_behaviour_param_index(s_ops("hk"), "d"), -1);
    assert_int_equal(nn_behaviour_param_index(s_ops("voter"), "d"), -1);
    assert_int_equal(nn_behaviour_param_index(s_ops("stubborn"), "phi"), -1);
}

/* Which parameters each behaviour takes, and which is binary. */
static void test_param_lists(void **state)
{
    (void)state;
    assert_int_equal(s_ops("degroot")->n_params, 1);
    assert_int_equal(s_ops("deffuant")->n_params, 2);
    assert_int_equal(s_ops("hk")->n_params, 1);
    assert_int_equal(s_ops("voter")->n_params, 0);
    assert_int_equal(s_ops("threshold")->n_params, 1);
    assert_int_equal(s_ops("stubborn")->n_params, 0);
    for (size_t i = 0; i < N_OF(s_names); i++)
        assert_int_equal(s_ops(s_names[i])->binary_state, strcmp(s_names[i], "threshold") == 0);
}

static void test_param_specs_sane(void **state)
{
    (void)state;
    for (size_t b = 0; b < nn_behaviour_count(); b++) {
        const nn_behaviour_ops_t *ops = nn_behaviour_at(b);
        assert_true(ops->n_params <= NN_MAX_PARAMS);
        if (ops->n_params)
            assert_non_null(ops->params);
        for (size_t i = 0; i < ops->n_params; i++) {
            const nn_param_spec_t *p = &ops->params[i];
            assert_non_null(p->name);
            assert_true(p->name[0] != '\0');
            assert_non_null(p->doc);
            assert_true(isfinite(p->min) && isfinite(p->max) && isfinite(p->def));
            assert_true(p->min <= p->def);
            assert_true(p->def <= p->max);
            /* names are unique: the index of each is its own position */
            assert_int_equal(nn_behaviour_param_index(ops, p->name), (int)i);
        }
    }
}

/* --- degroot ---------------------------------------------------------------------- */

static void test_degroot_averages(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.5};
    const nn_delivery_t inbox[] = {{3, 0, 0.5}, {8, 0, 1.0}};
    const uint32_t nbrs[] = {2, 5, 9};
    nn_agent_t a = s_agent(&f->ob, 4, 1, 0.25, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("degroot")->step(&a);
    /* 0.5 * 0.25 + 0.5 * mean(0.5, 1.0) = 0.125 + 0.375 */
    ASSERT_EXACT(a.x, 0.5);
    s_assert_sent_all(&f->ob, 4, nbrs, N_OF(nbrs), 0.5);
}

static void test_degroot_general_weight(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.3};
    const nn_delivery_t inbox[] = {{0, 0, 0.7}, {1, 0, 0.4}, {1, 1, 0.1}};
    const uint32_t nbrs[] = {0, 1};
    nn_agent_t a = s_agent(&f->ob, 2, 5, 0.2, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("degroot")->step(&a);
    /* 0.3 * 0.2 + 0.7 * 0.4 = 0.34 (decimal values: equal up to rounding) */
    assert_true(fabs(a.x - 0.34) < 1e-15);
    s_assert_sent_all(&f->ob, 2, nbrs, N_OF(nbrs), a.x);
}

static void test_degroot_w0_takes_mean(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.0};
    const nn_delivery_t inbox[] = {{1, 0, 0.25}, {2, 0, 0.5}, {7, 0, 0.75}};
    const uint32_t nbrs[] = {1, 2, 7};
    nn_agent_t a = s_agent(&f->ob, 3, 2, 0.9, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("degroot")->step(&a);
    ASSERT_EXACT(a.x, 0.5);
    s_assert_sent_all(&f->ob, 3, nbrs, N_OF(nbrs), 0.5);
}

static void test_degroot_w1_keeps_own(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {1.0};
    const nn_delivery_t inbox[] = {{1, 0, 0.9}, {2, 0, 0.1}};
    const uint32_t nbrs[] = {1, 2};
    nn_agent_t a = s_agent(&f->ob, 0, 2, 0.3, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("degroot")->step(&a);
    ASSERT_EXACT(a.x, 0.3);
    s_assert_sent_all(&f->ob, 0, nbrs, N_OF(nbrs), 0.3);
}

static void test_degroot_empty_inbox(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.5};
    const uint32_t nbrs[] = {6, 10, 11, 40};
    nn_agent_t a = s_agent(&f->ob, 7, 1, 0.3, NULL, 0, nbrs, N_OF(nbrs), params);
    s_ops("degroot")->step(&a);
    ASSERT_EXACT(a.x, 0.3);
    s_assert_sent_all(&f->ob, 7, nbrs, N_OF(nbrs), 0.3);
}

static void test_degroot_no_neighbours(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.5};
    const nn_delivery_t inbox[] = {{1, 0, 1.0}};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.0, inbox, N_OF(inbox), NULL, 0, params);
    s_ops("degroot")->step(&a);
    ASSERT_EXACT(a.x, 0.5);
    assert_int_equal(f->ob.len, 0);
}

/* Two agents step into one outbox as on a node: the second one's 5000 messages go past
 * the first allocation, and the first agent's messages survive the growth. */
static void test_degroot_outbox_growth(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.5};
    static uint32_t nbrs[N_BIG];
    for (uint32_t i = 0; i < N_BIG; i++)
        nbrs[i] = 2 * i + 1;
    const uint32_t few[] = {3, 4};

    nn_agent_t first = s_agent(&f->ob, 0, 1, 0.75, NULL, 0, few, N_OF(few), params);
    s_ops("degroot")->step(&first);
    assert_int_equal(f->ob.len, 2);
    size_t first_cap = f->ob.cap;
    assert_true(first_cap < 2 + N_BIG);

    nn_agent_t a = s_agent(&f->ob, 10000, 1, 0.25, NULL, 0, nbrs, N_BIG, params);
    s_ops("degroot")->step(&a);
    assert_int_equal(f->ob.failed, 0);
    assert_int_equal(f->ob.len, 2 + N_BIG);
    assert_true(f->ob.cap >= f->ob.len);
    assert_true(f->ob.cap > first_cap);
    s_assert_msg(&f->ob, 0, 0, 3, 0.75);
    s_assert_msg(&f->ob, 1, 0, 4, 0.75);
    for (size_t i = 0; i < N_BIG; i++) {
        s_assert_msg(&f->ob, 2 + i, 10000, nbrs[i], 0.25);
        if (i)
            assert_true(f->ob.msgs[2 + i].to > f->ob.msgs[1 + i].to);
    }
}

/* --- deffuant -------------------------------------------------------------------- */

static const uint32_t s_five[] = {1, 6, 8, 12, 20};

/* The one message of a random-target behaviour: to nbrs[below(n)] on a replay of the
 * agent's generator, with the same number of draws consumed. */
static void s_assert_sent_random(const nn_outbox_t *ob, const nn_agent_t *a, nn_rng_t replay,
                                 double value)
{
    uint32_t want = a->nbrs[nn_rng_below(&replay, a->n_nbrs)];
    assert_int_equal(ob->len, 1);
    s_assert_msg(ob, 0, a->id, want, value);
    assert_int_equal(a->rng.draw, replay.draw);
    assert_int_equal(a->rng.key, replay.key);
}

static void test_deffuant_example(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.2, 0.5};
    const nn_delivery_t inbox[] = {{3, 0, 0.6}, {11, 0, 0.9}, {11, 1, 0.45}};
    nn_agent_t a = s_agent(&f->ob, 10, 3, 0.5, inbox, N_OF(inbox), s_five, N_OF(s_five), params);
    nn_rng_t replay = a.rng;
    s_ops("deffuant")->step(&a);
    /* 0.5 -> 0.55 (0.6 is 0.1 away); 0.9 is 0.35 away: unchanged; 0.45 is 0.1 away:
     * 0.55 + 0.5 * (0.45 - 0.55) = 0.5. The same arithmetic, step by step: */
    double x = 0.5;
    x = x + 0.5 * (0.6 - x);
    x = x + 0.5 * (0.45 - x);
    ASSERT_EXACT(a.x, x);
    assert_true(fabs(a.x - 0.5) < 1e-15);
    s_assert_sent_random(&f->ob, &a, replay, a.x);
}

static void test_deffuant_exact(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.25, 0.5};
    const nn_delivery_t inbox[] = {{1, 0, 0.625}, {6, 0, 0.875}, {8, 0, 0.5}};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.5, inbox, N_OF(inbox), s_five, N_OF(s_five), params);
    nn_rng_t replay = a.rng;
    s_ops("deffuant")->step(&a);
    /* 0.5 -> 0.5625; 0.875 is 0.3125 away: unchanged; 0.5 is 0.0625 away -> 0.53125 */
    ASSERT_EXACT(a.x, 0.53125);
    s_assert_sent_random(&f->ob, &a, replay, 0.53125);
}

/* The same two opinions in the two canonical orders give different results: the first
 * pulls x close enough for the second to count only when 0.75 comes first. */
static void test_deffuant_order_matters(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.3, 0.5};
    const nn_delivery_t near_first[] = {{2, 0, 0.75}, {5, 0, 0.875}};
    const nn_delivery_t far_first[] = {{2, 0, 0.875}, {5, 0, 0.75}};

    nn_agent_t a = s_agent(&f->ob, 9, 4, 0.5, near_first, 2, s_five, N_OF(s_five), params);
    s_ops("deffuant")->step(&a);
    /* 0.5 -> 0.625 (0.25 < 0.3), then 0.875 is 0.25 away -> 0.75 */
    ASSERT_EXACT(a.x, 0.75);

    nn_agent_t b = s_agent(&f->ob, 9, 4, 0.5, far_first, 2, s_five, N_OF(s_five), params);
    s_ops("deffuant")->step(&b);
    /* 0.875 is 0.375 away: ignored; then 0.75 -> 0.625 */
    ASSERT_EXACT(b.x, 0.625);

    assert_int_equal(f->ob.len, 2);
    ASSERT_EXACT(f->ob.msgs[0].value, 0.75);
    ASSERT_EXACT(f->ob.msgs[1].value, 0.625);
}

/* |x_s - x| == d does not attract (strict inequality), on either side; just inside does. */
static void test_deffuant_boundary_excluded(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.25, 0.5};
    const nn_delivery_t at_d[] = {{1, 0, 0.75}, {2, 0, 0.25}};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.5, at_d, 2, s_five, N_OF(s_five), params);
    s_ops("deffuant")->step(&a);
    ASSERT_EXACT(a.x, 0.5);

    const nn_delivery_t inside[] = {{1, 0, 0.7421875}}; /* 0.2421875 away */
    nn_agent_t b = s_agent(&f->ob, 0, 1, 0.5, inside, 1, s_five, N_OF(s_five), params);
    s_ops("deffuant")->step(&b);
    ASSERT_EXACT(b.x, 0.62109375);
}

static void test_deffuant_mu_one_adopts(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.25, 1.0};
    const nn_delivery_t inbox[] = {{1, 0, 0.625}};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.5, inbox, 1, s_five, N_OF(s_five), params);
    s_ops("deffuant")->step(&a);
    ASSERT_EXACT(a.x, 0.625);
}

static void test_deffuant_empty_inbox(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.2, 0.5};
    nn_agent_t a = s_agent(&f->ob, 4, 2, 0.3, NULL, 0, s_five, N_OF(s_five), params);
    nn_rng_t replay = a.rng;
    s_ops("deffuant")->step(&a);
    ASSERT_EXACT(a.x, 0.3);
    s_assert_sent_random(&f->ob, &a, replay, 0.3);
}

static void test_deffuant_no_neighbours(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.25, 0.5};
    const nn_delivery_t inbox[] = {{1, 0, 0.625}};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.5, inbox, 1, NULL, 0, params);
    s_ops("deffuant")->step(&a);
    ASSERT_EXACT(a.x, 0.5625);
    assert_int_equal(f->ob.len, 0);
}

/* Over many rounds the target is always the replayed draw, and every neighbour is hit. */
static void s_check_random_targets(s_fix_t *f, const char *name, const double *params, double x)
{
    int hit[N_OF(s_five)] = {0};
    for (uint64_t round = 1; round <= N_ROUNDS; round++) {
        f->ob.len = 0;
        nn_agent_t a = s_agent(&f->ob, 77, round, x, NULL, 0, s_five, N_OF(s_five), params);
        nn_rng_t replay = a.rng;
        s_ops(name)->step(&a);
        s_assert_sent_random(&f->ob, &a, replay, x);
        for (size_t k = 0; k < N_OF(s_five); k++)
            hit[k] += f->ob.msgs[0].to == s_five[k];
    }
    for (size_t k = 0; k < N_OF(s_five); k++) {
        /* 400 draws over 5: 80 expected, sd about 8 */
        assert_true(hit[k] > 40);
        assert_true(hit[k] < 120);
    }
}

static void test_deffuant_random_target(void **state)
{
    const double params[] = {0.2, 0.5};
    s_check_random_targets((s_fix_t *)*state, "deffuant", params, 0.4);
}

/* --- hk -------------------------------------------------------------------------- */

static void test_hk_mean_within_epsilon(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.25};
    /* 0.75 and 0.25 lie exactly epsilon away (included), 0.625 inside, 0.125 and
     * 0.7578125 outside. All are compared with the opinion before the step: with a
     * running mean 0.25 would fall out after 0.75 came in. */
    const nn_delivery_t inbox[] = {
        {1, 0, 0.75}, {2, 0, 0.125}, {3, 0, 0.25}, {4, 0, 0.7578125}, {5, 0, 0.625},
    };
    const uint32_t nbrs[] = {1, 2, 3, 4, 5};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.5, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("hk")->step(&a);
    /* mean(0.5, 0.75, 0.25, 0.625) = 2.125 / 4 */
    ASSERT_EXACT(a.x, 0.53125);
    s_assert_sent_all(&f->ob, 0, nbrs, N_OF(nbrs), 0.53125);
}

static void test_hk_decimal(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.2};
    const nn_delivery_t inbox[] = {{3, 0, 0.6}, {11, 0, 0.9}, {11, 1, 0.45}};
    const uint32_t nbrs[] = {3, 11};
    nn_agent_t a = s_agent(&f->ob, 10, 3, 0.5, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("hk")->step(&a);
    /* mean(0.5, 0.6, 0.45) = 1.55 / 3 */
    assert_true(fabs(a.x - 1.55 / 3.0) < 1e-15);
    s_assert_sent_all(&f->ob, 10, nbrs, N_OF(nbrs), a.x);
}

static void test_hk_none_within(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.125};
    const nn_delivery_t inbox[] = {{1, 0, 0.0}, {2, 0, 1.0}};
    const uint32_t nbrs[] = {1, 2};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.5, inbox, N_OF(inbox), nbrs, N_OF(nbrs), params);
    s_ops("hk")->step(&a);
    ASSERT_EXACT(a.x, 0.5);
    s_assert_sent_all(&f->ob, 0, nbrs, N_OF(nbrs), 0.5);
}

static void test_hk_empty_inbox(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.2};
    const uint32_t nbrs[] = {0, 2, 9};
    nn_agent_t a = s_agent(&f->ob, 1, 1, 0.3, NULL, 0, nbrs, N_OF(nbrs), params);
    s_ops("hk")->step(&a);
    ASSERT_EXACT(a.x, 0.3);
    s_assert_sent_all(&f->ob, 1, nbrs, N_OF(nbrs), 0.3);
}

static void test_hk_no_neighbours(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const double params[] = {0.5};
    const nn_delivery_t inbox[] = {{1, 0, 0.75}};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.25, inbox, 1, NULL, 0, params);
    s_ops("hk")->step(&a);
    ASSERT_EXACT(a.x, 0.5);
    assert_int_equal(f->ob.len, 0);
}

/* --- voter ----------------------------------------------------------------------- */

static void test_voter_adopts_random_sender(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const nn_delivery_t inbox[] = {{4, 0, 0.125}, {6, 0, 0.25}, {9, 0, 0.375}};
    int chosen[N_OF(inbox)] = {0};
    for (uint64_t round = 1; round <= N_ROUNDS; round++) {
        f->ob.len = 0;
        nn_agent_t a =
            s_agent(&f->ob, 5, round, 0.875, inbox, N_OF(inbox), s_five, N_OF(s_five), NULL);
        /* the fold comes first: one draw for the sender, then one for the target */
        nn_rng_t replay = a.rng;
        size_t k = (size_t)nn_rng_below(&replay, N_OF(inbox));
        s_ops("voter")->step(&a);
        ASSERT_EXACT(a.x, inbox[k].value);
        s_assert_sent_random(&f->ob, &a, replay, inbox[k].value);
        chosen[k]++;
    }
    for (size_t k = 0; k < N_OF(inbox); k++) {
        /* 400 over 3: 133 expected, sd about 9 */
        assert_true(chosen[k] > 80);
        assert_true(chosen[k] < 190);
    }
}

static void test_voter_single_sender(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const nn_delivery_t inbox[] = {{2, 0, 0.75}};
    nn_agent_t a = s_agent(&f->ob, 1, 3, 0.25, inbox, 1, s_five, N_OF(s_five), NULL);
    nn_rng_t replay = a.rng;
    (void)nn_rng_below(&replay, 1);
    s_ops("voter")->step(&a);
    ASSERT_EXACT(a.x, 0.75);
    s_assert_sent_random(&f->ob, &a, replay, 0.75);
}

static void test_voter_empty_inbox(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    nn_agent_t a = s_agent(&f->ob, 1, 3, 0.25, NULL, 0, s_five, N_OF(s_five), NULL);
    nn_rng_t replay = a.rng;
    s_ops("voter")->step(&a);
    ASSERT_EXACT(a.x, 0.25);
    s_assert_sent_random(&f->ob, &a, replay, 0.25);
}

static void test_voter_no_neighbours(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const nn_delivery_t inbox[] = {{2, 0, 0.75}};
    nn_agent_t a = s_agent(&f->ob, 1, 3, 0.25, inbox, 1, NULL, 0, NULL);
    s_ops("voter")->step(&a);
    ASSERT_EXACT(a.x, 0.75);
    assert_int_equal(f->ob.len, 0);
}

static void test_voter_random_target(void **state)
{
    s_check_random_targets((s_fix_t *)*state, "voter", NULL, 0.5);
}

/* --- threshold ------------------------------------------------------------------- */

static const uint32_t s_ten[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};

/* An inbox of n states from senders 10.., the first `ones` of them 1. */
static void s_states(nn_delivery_t *inbox, size_t n, size_t ones)
{
    for (size_t i = 0; i < n; i++) {
        inbox[i].from = (uint32_t)(10 + i);
        inbox[i].seq = 0;
        inbox[i].value = i < ones ? 1.0 : 0.0;
    }
}

static double s_threshold_step(s_fix_t *f, double phi, double x, size_t n, size_t ones)
{
    nn_delivery_t inbox[32];
    assert_true(n <= N_OF(inbox));
    s_states(inbox, n, ones);
    const double params[] = {phi};
    f->ob.len = 0;
    nn_agent_t a = s_agent(&f->ob, 0, 1, x, inbox, n, s_ten, N_OF(s_ten), params);
    s_ops("threshold")->step(&a);
    s_assert_sent_all(&f->ob, 0, s_ten, N_OF(s_ten), a.x);
    return a.x;
}

static void test_threshold_boundary_activates(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    ASSERT_EXACT(s_threshold_step(f, 0.3, 0.0, 10, 3), 1.0); /* 3/10 == 0.3 */
    ASSERT_EXACT(s_threshold_step(f, 0.3, 0.0, 10, 2), 0.0);
    ASSERT_EXACT(s_threshold_step(f, 0.3, 0.0, 10, 4), 1.0);
    /* the same with the ones last: it is a share, not a prefix */
    nn_delivery_t inbox[10];
    s_states(inbox, 10, 0);
    inbox[7].value = inbox[8].value = inbox[9].value = 1.0;
    const double params[] = {0.3};
    f->ob.len = 0;
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.0, inbox, 10, s_ten, N_OF(s_ten), params);
    s_ops("threshold")->step(&a);
    ASSERT_EXACT(a.x, 1.0);
    s_assert_sent_all(&f->ob, 0, s_ten, N_OF(s_ten), 1.0);
}

/* phi as a scenario would write it (a decimal literal) against k of n with k/n == phi. */
static void test_threshold_decimal_boundaries(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    static const struct {
        double phi;
        size_t ones, n;
    } cases[] = {
        {0.1, 1, 10}, {0.2, 2, 10},  {0.3, 3, 10},  {0.4, 2, 5},   {0.5, 1, 2},
        {0.6, 3, 5},  {0.7, 7, 10},  {0.8, 4, 5},   {0.9, 9, 10},  {0.25, 1, 4},
        {0.75, 3, 4}, {0.35, 7, 20}, {0.15, 3, 20}, {0.45, 9, 20}, {0.05, 1, 20},
    };
    for (size_t i = 0; i < N_OF(cases); i++) {
        ASSERT_EXACT(s_threshold_step(f, cases[i].phi, 0.0, cases[i].n, cases[i].ones), 1.0);
        ASSERT_EXACT(s_threshold_step(f, cases[i].phi, 0.0, cases[i].n, cases[i].ones - 1), 0.0);
    }
}

/* Every k of n up to 20 with phi = k / n: k ones activate, k - 1 do not. */
static void test_threshold_all_shares(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    for (size_t n = 1; n <= 20; n++)
        for (size_t k = 1; k <= n; k++) {
            double phi = (double)k / (double)n;
            ASSERT_EXACT(s_threshold_step(f, phi, 0.0, n, k), 1.0);
            ASSERT_EXACT(s_threshold_step(f, phi, 0.0, n, k - 1), 0.0);
        }
}

static void test_threshold_phi_one(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    ASSERT_EXACT(s_threshold_step(f, 1.0, 0.0, 10, 10), 1.0);
    ASSERT_EXACT(s_threshold_step(f, 1.0, 0.0, 10, 9), 0.0);
}

static void test_threshold_stays_active(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    ASSERT_EXACT(s_threshold_step(f, 0.5, 1.0, 10, 0), 1.0);
    ASSERT_EXACT(s_threshold_step(f, 1.0, 1.0, 10, 9), 1.0);
    ASSERT_EXACT(s_threshold_step(f, 0.5, 1.0, 0, 0), 1.0);
}

/* An agent that heard nothing has no share to compare, so it stays at 0 even when
 * phi = 0; with something heard, phi = 0 is met by any share, all zeros included. */
static void test_threshold_empty_inbox(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    ASSERT_EXACT(s_threshold_step(f, 0.5, 0.0, 0, 0), 0.0);
    ASSERT_EXACT(s_threshold_step(f, 1.0, 0.0, 0, 0), 0.0);
    ASSERT_EXACT(s_threshold_step(f, 0.0, 0.0, 0, 0), 0.0);
    ASSERT_EXACT(s_threshold_step(f, 0.0, 0.0, 10, 0), 1.0);
}

static void test_threshold_no_neighbours(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    nn_delivery_t inbox[4];
    s_states(inbox, 4, 2);
    const double params[] = {0.5};
    nn_agent_t a = s_agent(&f->ob, 0, 1, 0.0, inbox, 4, NULL, 0, params);
    s_ops("threshold")->step(&a);
    ASSERT_EXACT(a.x, 1.0);
    assert_int_equal(f->ob.len, 0);
}

/* --- stubborn -------------------------------------------------------------------- */

static void test_stubborn_never_changes(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const nn_delivery_t inbox[] = {{1, 0, 0.65}, {6, 0, 0.1}, {8, 0, 0.7}};
    nn_agent_t a = s_agent(&f->ob, 3, 9, 0.7, inbox, N_OF(inbox), s_five, N_OF(s_five), NULL);
    nn_rng_t replay = a.rng;
    s_ops("stubborn")->step(&a);
    ASSERT_EXACT(a.x, 0.7);
    s_assert_sent_random(&f->ob, &a, replay, 0.7);
}

static void test_stubborn_no_neighbours(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const nn_delivery_t inbox[] = {{1, 0, 0.5}};
    nn_agent_t a = s_agent(&f->ob, 3, 9, 0.2, inbox, 1, NULL, 0, NULL);
    s_ops("stubborn")->step(&a);
    ASSERT_EXACT(a.x, 0.2);
    assert_int_equal(f->ob.len, 0);
}

static void test_stubborn_random_target(void **state)
{
    s_check_random_targets((s_fix_t *)*state, "stubborn", NULL, 0.9);
}

/* --- all behaviours -------------------------------------------------------------- */

/* A step appends after what the outbox already holds and leaves it alone; and with the
 * same agent it gives the same result twice (no hidden state between steps). */
static void test_all_append_and_repeat(void **state)
{
    s_fix_t *f = (s_fix_t *)*state;
    const nn_delivery_t inbox[] = {{1, 0, 1.0}, {6, 0, 0.0}, {8, 0, 1.0}};
    for (size_t b = 0; b < nn_behaviour_count(); b++) {
        const nn_behaviour_ops_t *ops = nn_behaviour_at(b);
        double params[NN_MAX_PARAMS];
        for (size_t i = 0; i < ops->n_params; i++)
            params[i] = ops->params[i].def;
        double x0 = ops->binary_state ? 0.0 : 0.5;

        nn_msg_t runs[2][8];
        size_t lens[2];
        double xs[2];
        for (int run = 0; run < 2; run++) {
            f->ob.len = 0;
            nn_agent_t pre = s_agent(&f->ob, 99, 1, 0.0, NULL, 0, s_five, 2, NULL);
            nn_send(&pre, 1234, -1.0);
            nn_send(&pre, 5678, -2.0);
            nn_agent_t a =
                s_agent(&f->ob, 2, 7, x0, inbox, N_OF(inbox), s_five, N_OF(s_five), params);
            ops->step(&a);
            s_assert_msg(&f->ob, 0, 99, 1234, -1.0);
            s_assert_msg(&f->ob, 1, 99, 5678, -2.0);
            assert_true(f->ob.len > 2);
            assert_true(f->ob.len - 2 <= N_OF(runs[run]));
            lens[run] = f->ob.len - 2;
            memcpy(runs[run], f->ob.msgs + 2, lens[run] * sizeof(nn_msg_t));
            xs[run] = a.x;
            for (size_t i = 0; i < lens[run]; i++) {
                assert_int_equal(runs[run][i].from, 2);
                ASSERT_EXACT(runs[run][i].value, a.x);
            }
        }
        assert_int_equal(lens[0], lens[1]);
        ASSERT_EXACT(xs[0], xs[1]);
        for (size_t i = 0; i < lens[0]; i++) {
            assert_int_equal(runs[0][i].to, runs[1][i].to);
            ASSERT_EXACT(runs[0][i].value, runs[1][i].value);
        }
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_registry_finds_all_built_ins),
        T(test_registry_at),
        T(test_param_index),
        T(test_param_lists),
        T(test_param_specs_sane),
        T(test_degroot_averages),
        T(test_degroot_general_weight),
        T(test_degroot_w0_takes_mean),
        T(test_degroot_w1_keeps_own),
        T(test_degroot_empty_inbox),
        T(test_degroot_no_neighbours),
        T(test_degroot_outbox_growth),
        T(test_deffuant_example),
        T(test_deffuant_exact),
        T(test_deffuant_order_matters),
        T(test_deffuant_boundary_excluded),
        T(test_deffuant_mu_one_adopts),
        T(test_deffuant_empty_inbox),
        T(test_deffuant_no_neighbours),
        T(test_deffuant_random_target),
        T(test_hk_mean_within_epsilon),
        T(test_hk_decimal),
        T(test_hk_none_within),
        T(test_hk_empty_inbox),
        T(test_hk_no_neighbours),
        T(test_voter_adopts_random_sender),
        T(test_voter_single_sender),
        T(test_voter_empty_inbox),
        T(test_voter_no_neighbours),
        T(test_voter_random_target),
        T(test_threshold_boundary_activates),
        T(test_threshold_decimal_boundaries),
        T(test_threshold_all_shares),
        T(test_threshold_phi_one),
        T(test_threshold_stays_active),
        T(test_threshold_empty_inbox),
        T(test_threshold_no_neighbours),
        T(test_stubborn_never_changes),
        T(test_stubborn_no_neighbours),
        T(test_stubborn_random_target),
        T(test_all_append_and_repeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
