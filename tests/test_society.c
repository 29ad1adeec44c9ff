/* Tests of coordinator/society.c: population sizes by count and by largest remainder, the
 * seeded assignment of populations to ids (it covers every agent with the right counts,
 * depends on the seed and on nothing else), every opinion init (uniform, normal clamped,
 * bimodal, seeds by count and by share, files with their errors naming file and line).
 * Scenarios are built by hand, field by field, with behaviours from the registry, so
 * that these tests do not depend on the scenario parser. Each test has a fresh scenario,
 * society, diag and scratch directory, which the teardown frees and removes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "society.h"

typedef struct t_fix {
    nn_scenario_t sc;
    nn_society_t s;
    nn_diag_t d;
    char dir[64];
    char files[16][256];
    size_t n_files;
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    nn_diag_init(&f->d);
    snprintf(f->dir, sizeof f->dir, "/tmp/nn-test-society-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->sc.seed = 1;
    f->sc.rounds = 100;
    f->sc.nodes = 4;
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_society_release(&f->s);
    nn_diag_release(&f->d);
    for (size_t i = 0; i < f->n_files; i++)
        unlink(f->files[i]);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Appends a population with the behaviour's default parameters. */
static nn_population_t *t_pop(t_fix_t *f, const char *behaviour, int by_count, uint64_t count,
                              double share)
{
    assert_true(f->sc.n_populations < NN_MAX_POPULATIONS);
    nn_population_t *p = &f->sc.populations[f->sc.n_populations++];
    memset(p, 0, sizeof *p);
    p->ops = nn_behaviour_find(behaviour);
    assert_non_null(p->ops);
    p->by_count = by_count;
    p->count = count;
    p->share = share;
    for (size_t k = 0; k < p->ops->n_params; k++)
        p->params[k] = p->ops->params[k].def;
    return p;
}

static int t_init(t_fix_t *f)
{
    nn_society_release(&f->s);
    nn_diag_release(&f->d);
    nn_diag_init(&f->d);
    return nn_society_init(&f->s, &f->sc, &f->d);
}

static void t_ok(t_fix_t *f)
{
    int rc = t_init(f);
    if (rc != NN_OK)
        fprintf(stderr, "society: %s\n%s", nn_strerror(rc), f->d.text ? f->d.text : "");
    assert_int_equal(rc, NN_OK);
    assert_int_equal(f->d.count, 0);
    assert_int_equal(f->s.n, f->sc.agents);
}

/* The assignment covers every agent, with pop_count[p] agents in population p. */
static void t_check_assignment(const t_fix_t *f)
{
    uint64_t seen[NN_MAX_POPULATIONS] = {0};
    uint64_t total = 0;
    assert_int_equal(f->s.n_pops, f->sc.n_populations);
    for (uint32_t i = 0; i < f->s.n; i++) {
        assert_true(f->s.pop[i] < f->s.n_pops);
        seen[f->s.pop[i]]++;
    }
    for (size_t p = 0; p < f->s.n_pops; p++) {
        assert_int_equal(seen[p], f->s.pop_count[p]);
        total += f->s.pop_count[p];
    }
    assert_int_equal(total, f->s.n);
}

/* ---- population sizes and assignment ----------------------------------------------- */

static void test_largest_remainder(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 10;
    for (int i = 0; i < 3; i++)
        t_pop(f, "voter", 0, 0, 1.0 / 3.0);
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 4);
    assert_int_equal(f->s.pop_count[1], 3);
    assert_int_equal(f->s.pop_count[2], 3);
    t_check_assignment(f);

    /* 7 agents at 0.5 / 0.3 / 0.2: 3.5, 2.1, 1.4 -> 3 + 2 + 1 and the one left goes to the
     * largest remainder (0.5) */
    f->sc.n_populations = 0;
    f->sc.agents = 7;
    t_pop(f, "voter", 0, 0, 0.5);
    t_pop(f, "voter", 0, 0, 0.3);
    t_pop(f, "voter", 0, 0, 0.2);
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 4);
    assert_int_equal(f->s.pop_count[1], 2);
    assert_int_equal(f->s.pop_count[2], 1);
    t_check_assignment(f);

    /* 10 agents at 0.14 / 0.43 / 0.43 (shares need not sum to 1): 1.4, 4.3, 4.3 -> 1 + 4 +
     * 4; the remainder 0.4 of the first beats 0.3 */
    f->sc.n_populations = 0;
    f->sc.agents = 10;
    t_pop(f, "voter", 0, 0, 0.14);
    t_pop(f, "voter", 0, 0, 0.43);
    t_pop(f, "voter", 0, 0, 0.43);
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 2);
    assert_int_equal(f->s.pop_count[1], 4);
    assert_int_equal(f->s.pop_count[2], 4);
    t_check_assignment(f);

    /* shares given as weights: 1, 1, 2 of 9 -> 2.25, 2.25, 4.5 -> 2, 2, 5 */
    f->sc.n_populations = 0;
    f->sc.agents = 9;
    t_pop(f, "voter", 0, 0, 1);
    t_pop(f, "voter", 0, 0, 1);
    t_pop(f, "voter", 0, 0, 2);
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 2);
    assert_int_equal(f->s.pop_count[1], 2);
    assert_int_equal(f->s.pop_count[2], 5);
    t_check_assignment(f);
}

static void test_counts_and_shares(void **state)
{
    t_fix_t *f = *state;
    /* 100 agents: 10 counted; the 90 others split 1 : 3, that is 22.5 and 67.5, the tie
     * going to the earlier population */
    f->sc.agents = 100;
    t_pop(f, "degroot", 0, 0, 1.0);
    t_pop(f, "stubborn", 1, 10, 0.0);
    t_pop(f, "deffuant", 0, 0, 3.0);
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 23);
    assert_int_equal(f->s.pop_count[1], 10);
    assert_int_equal(f->s.pop_count[2], 67);
    t_check_assignment(f);
    /* the descriptors for the Welcome */
    assert_string_equal(f->s.desc[0].behaviour, "degroot");
    assert_string_equal(f->s.desc[1].behaviour, "stubborn");
    assert_string_equal(f->s.desc[2].behaviour, "deffuant");
    const nn_behaviour_ops_t *ops = nn_behaviour_find("deffuant");
    assert_int_equal(f->s.desc[2].n_params, ops->n_params);
    for (size_t k = 0; k < ops->n_params; k++) {
        assert_string_equal(f->s.desc[2].param_name[k], ops->params[k].name);
        assert_true(f->s.desc[2].param_value[k] == ops->params[k].def);
    }

    /* counts only */
    f->sc.n_populations = 0;
    f->sc.agents = 50;
    t_pop(f, "voter", 1, 20, 0.0);
    t_pop(f, "voter", 1, 30, 0.0);
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 20);
    assert_int_equal(f->s.pop_count[1], 30);
    t_check_assignment(f);

    /* a parameter that is not the default reaches the descriptor */
    f->sc.n_populations = 0;
    f->sc.agents = 5;
    nn_population_t *p = t_pop(f, "deffuant", 0, 0, 1.0);
    p->params[0] = 0.125;
    t_ok(f);
    assert_int_equal(f->s.pop_count[0], 5);
    assert_true(f->s.desc[0].param_value[0] == 0.125);
}

static void test_assignment_seed(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 1000;
    t_pop(f, "voter", 0, 0, 0.5);
    t_pop(f, "degroot", 0, 0, 0.3);
    t_pop(f, "deffuant", 1, 100, 0.0);
    f->sc.seed = 11;
    t_ok(f);
    t_check_assignment(f);
    uint8_t *a = malloc(1000);
    assert_non_null(a);
    memcpy(a, f->s.pop, 1000);

    /* the same seed and everything else changed: the same assignment */
    snprintf(f->sc.name, sizeof f->sc.name, "other");
    f->sc.rounds = 7;
    f->sc.nodes = 13;
    f->sc.transport = NN_TRANSPORT_TCP;
    f->sc.network.model = NN_NET_ERDOS_RENYI;
    f->sc.network.p = 0.5;
    f->sc.opinions.init = NN_INIT_NORMAL;
    f->sc.opinions.mean = 0.3;
    f->sc.opinions.sd = 0.2;
    f->sc.deadline_s = 3;
    t_ok(f);
    assert_memory_equal(f->s.pop, a, 1000);

    /* another seed: another assignment, still with the right counts */
    f->sc.seed = 12;
    t_ok(f);
    t_check_assignment(f);
    assert_true(memcmp(f->s.pop, a, 1000) != 0);
    size_t differ = 0;
    for (int i = 0; i < 1000; i++)
        differ += f->s.pop[i] != a[i];
    assert_true(differ > 100);

    /* back to the first seed */
    f->sc.seed = 11;
    t_ok(f);
    assert_memory_equal(f->s.pop, a, 1000);
    free(a);
}

/* ---- initial opinions ---------------------------------------------------------------- */

static void t_stats(const t_fix_t *f, double *mean, double *sd)
{
    double s = 0, ss = 0;
    for (uint32_t i = 0; i < f->s.n; i++)
        s += f->s.x[i];
    *mean = s / f->s.n;
    for (uint32_t i = 0; i < f->s.n; i++)
        ss += (f->s.x[i] - *mean) * (f->s.x[i] - *mean);
    *sd = sqrt(ss / f->s.n);
}

static void test_uniform(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 20000;
    t_pop(f, "voter", 0, 0, 1.0);
    f->sc.opinions.init = NN_INIT_UNIFORM;
    t_ok(f);
    double mean, sd, lo = 1, hi = 0;
    for (uint32_t i = 0; i < f->s.n; i++) {
        assert_true(f->s.x[i] >= 0.0 && f->s.x[i] < 1.0);
        lo = f->s.x[i] < lo ? f->s.x[i] : lo;
        hi = f->s.x[i] > hi ? f->s.x[i] : hi;
    }
    t_stats(f, &mean, &sd);
    /* the mean of 20000 uniforms has sd 0.002; the sd is 1/sqrt(12) = 0.2887 */
    assert_true(fabs(mean - 0.5) < 0.01);
    assert_true(fabs(sd - 0.2887) < 0.01);
    assert_true(lo < 0.001 && hi > 0.999);
    /* seeded: the same seed the same opinions, another seed others */
    uint64_t d = nn_society_digest(&f->s);
    t_ok(f);
    assert_true(nn_society_digest(&f->s) == d);
    f->sc.seed = 2;
    t_ok(f);
    assert_true(nn_society_digest(&f->s) != d);
    /* the digest is the sum of the agents' hashes */
    uint64_t sum = 0;
    for (uint32_t i = 0; i < f->s.n; i++)
        sum += nn_digest_agent(i, f->s.x[i]);
    assert_true(nn_society_digest(&f->s) == sum);
}

static void test_normal(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 20000;
    t_pop(f, "voter", 0, 0, 1.0);
    f->sc.opinions.init = NN_INIT_NORMAL;
    f->sc.opinions.mean = 0.4;
    f->sc.opinions.sd = 0.1;
    t_ok(f);
    double mean, sd;
    for (uint32_t i = 0; i < f->s.n; i++)
        assert_true(f->s.x[i] >= 0.0 && f->s.x[i] <= 1.0);
    t_stats(f, &mean, &sd);
    assert_true(fabs(mean - 0.4) < 0.01);
    assert_true(fabs(sd - 0.1) < 0.01);
    /* wide and high: many clamped to 1 exactly (P(z > 1/3) = 0.37), a few to 0 (P(z <
     * -3) = 0.0013), none outside */
    f->sc.opinions.mean = 0.9;
    f->sc.opinions.sd = 0.3;
    t_ok(f);
    size_t ones = 0, zeros = 0;
    for (uint32_t i = 0; i < f->s.n; i++) {
        assert_true(f->s.x[i] >= 0.0 && f->s.x[i] <= 1.0);
        ones += f->s.x[i] == 1.0;
        zeros += f->s.x[i] == 0.0;
    }
    assert_true(ones > 0.33 * f->s.n && ones < 0.41 * f->s.n);
    assert_true(zeros > 0 && zeros < 0.005 * f->s.n);
}

static void test_bimodal(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 20000;
    t_pop(f, "voter", 0, 0, 1.0);
    f->sc.opinions.init = NN_INIT_BIMODAL;
    f->sc.opinions.modes[0] = 0.2;
    f->sc.opinions.modes[1] = 0.7;
    f->sc.opinions.sd = 0.04;
    t_ok(f);
    double s[2] = {0, 0}, ss[2] = {0, 0};
    size_t n[2] = {0, 0};
    for (uint32_t i = 0; i < f->s.n; i++) {
        double v = f->s.x[i];
        assert_true(v >= 0.0 && v <= 1.0);
        /* 0.45 is 6 sd from either mode: nothing falls there */
        assert_true(fabs(v - 0.45) > 0.05);
        int k = v > 0.45;
        s[k] += v;
        ss[k] += v * v;
        n[k]++;
    }
    for (int k = 0; k < 2; k++) {
        double m = s[k] / n[k];
        double sd = sqrt(ss[k] / n[k] - m * m);
        assert_true(n[k] > 0.47 * f->s.n && n[k] < 0.53 * f->s.n);
        assert_true(fabs(m - f->sc.opinions.modes[k]) < 0.005);
        assert_true(fabs(sd - 0.04) < 0.005);
    }
}

static void test_seeds(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 1000;
    t_pop(f, "threshold", 0, 0, 1.0);
    f->sc.opinions.init = NN_INIT_SEEDS;
    static const struct {
        int by_count;
        uint64_t count;
        double share;
        uint32_t agents;
        size_t want;
    } cases[] = {
        {1, 37, 0, 1000, 37},     {1, 0, 0, 1000, 0},     {1, 1000, 0, 1000, 1000},
        {0, 0, 0.125, 1000, 125}, {0, 0, 0.0125, 100, 1}, {0, 0, 0.0175, 100, 2},
        {0, 0, 0.333, 10, 3},     {0, 0, 0.0, 500, 0},    {0, 0, 1.0, 500, 500},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        f->sc.agents = cases[c].agents;
        f->sc.opinions.seeds_by_count = cases[c].by_count;
        f->sc.opinions.seeds_count = cases[c].count;
        f->sc.opinions.seeds_share = cases[c].share;
        t_ok(f);
        size_t ones = 0;
        for (uint32_t i = 0; i < f->s.n; i++) {
            assert_true(f->s.x[i] == 0.0 || f->s.x[i] == 1.0);
            ones += f->s.x[i] == 1.0;
        }
        if (ones != cases[c].want)
            fprintf(stderr, "case %zu: %zu ones, want %zu\n", c, ones, cases[c].want);
        assert_int_equal(ones, cases[c].want);
    }
    /* which agents are seeds depends on the seed */
    f->sc.agents = 1000;
    f->sc.opinions.seeds_by_count = 1;
    f->sc.opinions.seeds_count = 100;
    t_ok(f);
    uint64_t d = nn_society_digest(&f->s);
    t_ok(f);
    assert_true(nn_society_digest(&f->s) == d);
    f->sc.seed = 99;
    t_ok(f);
    assert_true(nn_society_digest(&f->s) != d);
}

/* ---- opinions from a file --------------------------------------------------------------- */

/* Writes text to `name` in the scratch directory and points the scenario at it: path is
 * the name as written (what messages show), resolved_path the file opened. */
static void t_file(t_fix_t *f, const char *name, const char *text)
{
    assert_true(f->n_files < sizeof f->files / sizeof f->files[0]);
    char *full = f->files[f->n_files++];
    snprintf(full, sizeof f->files[0], "%s/%s", f->dir, name);
    FILE *fp = fopen(full, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    f->sc.opinions.init = NN_INIT_FILE;
    snprintf(f->sc.opinions.path, sizeof f->sc.opinions.path, "%s", name);
    snprintf(f->sc.opinions.resolved_path, sizeof f->sc.opinions.resolved_path, "%s", full);
}

static int t_has(const t_fix_t *f, const char *needle)
{
    if (f->d.text && strstr(f->d.text, needle))
        return 1;
    fprintf(stderr, "expected '%s' in:\n%s\n", needle, f->d.text ? f->d.text : "(empty)");
    return 0;
}

/* The file is refused with a message holding `where`, and the society is left empty. */
static void t_refused(t_fix_t *f, const char *where)
{
    assert_int_equal(t_init(f), NN_ESCENARIO);
    assert_true(f->d.count >= 1);
    assert_true(t_has(f, where));
    assert_null(f->s.pop);
    assert_null(f->s.x);
}

static void test_file_good(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 4;
    t_pop(f, "voter", 0, 0, 1.0);
    t_file(f, "ops.csv",
           "id,opinion\n"
           "# a comment\n"
           "2,0.75\n"
           "\n"
           "  0 , 0.25\n"
           "   # an indented comment\n"
           "3,1\n"
           "1,0\r\n");
    t_ok(f);
    assert_true(f->s.x[0] == 0.25);
    assert_true(f->s.x[1] == 0.0);
    assert_true(f->s.x[2] == 0.75);
    assert_true(f->s.x[3] == 1.0);

    /* one value a line, with comments, no header */
    t_file(f, "plain.txt", "# opinions\n0.5\n0.125\n\n# more\n1e-1\n0.875\n");
    t_ok(f);
    assert_true(f->s.x[0] == 0.5);
    assert_true(f->s.x[1] == 0.125);
    assert_true(f->s.x[2] == 0.1);
    assert_true(f->s.x[3] == 0.875);
    /* the populations are assigned as without a file */
    t_check_assignment(f);
}

static void test_file_errors(void **state)
{
    t_fix_t *f = *state;
    f->sc.agents = 4;
    t_pop(f, "voter", 0, 0, 1.0);

    t_file(f, "bad.csv", "id,opinion\n0,0.1\nabc\n1,0.2\n2,0.3\n3,0.4\n");
    t_refused(f, "bad.csv:3");

    t_file(f, "range.csv", "id,opinion\n0,0.1\n1,0.2\n2,1.5\n3,0.4\n");
    t_refused(f, "range.csv:4");
    assert_true(t_has(f, "[0, 1]"));

    t_file(f, "negative.txt", "0.1\n-0.2\n0.3\n0.4\n");
    t_refused(f, "negative.txt:2");

    t_file(f, "nan.csv", "0,0.1\n1,nan\n2,0.3\n3,0.4\n");
    t_refused(f, "nan.csv:2");

    t_file(f, "dup.csv", "id,opinion\n0,0.1\n1,0.2\n# again\n1,0.3\n2,0.3\n3,0.4\n");
    t_refused(f, "dup.csv:5");
    assert_true(t_has(f, "agent 1"));

    t_file(f, "missing.csv", "id,opinion\n0,0.1\n1,0.2\n3,0.4\n");
    t_refused(f, "missing.csv");
    assert_true(t_has(f, "agent 2"));

    t_file(f, "short.txt", "0.1\n0.2\n0.3\n");
    t_refused(f, "short.txt");
    assert_true(t_has(f, "agent 3"));

    t_file(f, "long.txt", "0.1\n0.2\n0.3\n0.4\n0.5\n");
    t_refused(f, "long.txt:5");

    t_file(f, "id.csv", "id,opinion\n0,0.1\n1,0.2\n2,0.3\n4,0.4\n");
    t_refused(f, "id.csv:5");

    t_file(f, "frac.csv", "0,0.1\n1.5,0.2\n2,0.3\n3,0.4\n");
    t_refused(f, "frac.csv:2");

    t_file(f, "tail.csv", "0,0.1\n1,0.2 x\n2,0.3\n3,0.4\n");
    t_refused(f, "tail.csv:2");

    /* every bad line is reported, not only the first */
    t_file(f, "many.csv", "id,opinion\n0,0.1\n1,2\nzz\n3,0.4\n");
    t_refused(f, "many.csv:3");
    assert_true(t_has(f, "many.csv:4"));

    /* a file that is not there */
    f->sc.opinions.init = NN_INIT_FILE;
    snprintf(f->sc.opinions.path, sizeof f->sc.opinions.path, "absent.csv");
    snprintf(f->sc.opinions.resolved_path, sizeof f->sc.opinions.resolved_path, "%s/absent.csv",
             f->dir);
    assert_int_equal(t_init(f), NN_EIO);
    assert_true(t_has(f, "absent.csv"));
    assert_null(f->s.pop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_largest_remainder, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_counts_and_shares, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_assignment_seed, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_uniform, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_normal, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_bimodal, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_seeds, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_file_good, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
