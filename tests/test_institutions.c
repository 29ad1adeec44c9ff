/* Tests of the institutions inside a whole run (coordinator/coordinator.c with norms.c,
 * cases.c and trends.c): real inproc runs through nn_coord_run, with message counts that
 * can be worked out by hand. DeGroot agents on a ring of degree 4 send four messages a
 * round each, so a rate limit of 1 blocks exactly three of them; a mute ladder silences
 * an agent for exactly its rounds; an address norm blocks exactly the messages that the
 * hierarchy does not allow, counted against the structure the test builds itself; the
 * message balance and the game's move count hold with every institution on; seeds of a
 * trend are exactly the agents told so; and the digest does not depend on the number of
 * nodes with citizens, cases and sanctions on. */
#define _GNU_SOURCE /* nftw, mkdtemp */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "coordinator.h"
#include "network.h"
#include "nunchi/error.h"
#include "scenario.h"
#include "structure.h"

#define N_RING 60

static const char *const RING = "name: ring\n"
                                "seed: 3\n"
                                "rounds: 6\n"
                                "agents: 60\n"
                                "network: {model: ring, k: 4}\n"
                                "opinions: {init: uniform}\n"
                                "populations:\n"
                                "  - {behaviour: degroot, share: 1}\n"
                                "nodes: 3\n";

typedef struct t_fix {
    char dir[256];
    nn_scenario_t sc;
    nn_diag_t diag;
    nn_run_result_t res;
} t_fix_t;

static int t_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/nunchi-inst-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nftw(f->dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
    nn_diag_release(&f->diag);
    free(f);
    return 0;
}

/* Loads text plus extra YAML appended (sections of the scenario) and overrides. */
static void t_load(t_fix_t *f, const char *text, const char *extra, const char *const *sets,
                   size_t n_sets)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "%s%s", text, extra ? extra : "");
    nn_diag_release(&f->diag);
    int rc = nn_scenario_load_text(&f->sc, buf, strlen(buf), "inst-test.yaml", NULL, sets, n_sets,
                                   &f->diag);
    if (rc != NN_OK)
        nn_diag_print(&f->diag, stderr);
    assert_int_equal(rc, NN_OK);
}

/* Runs the loaded scenario inproc into its own directory under the fixture's. */
static void t_run(t_fix_t *f, const char *sub)
{
    char out[512];
    snprintf(out, sizeof out, "%s/%s", f->dir, sub);
    nn_run_options_t opt = NN_RUN_OPTIONS_INIT;
    opt.out_dir = out;
    opt.quiet = 1;
    int rc = nn_coord_run(&f->sc, &opt, &f->res);
    if (rc != NN_OK)
        fprintf(stderr, "# run: %s\n", f->res.error);
    assert_int_equal(rc, NN_OK);
}

static uint64_t t_dropped(const nn_run_result_t *r)
{
    uint64_t d = 0;
    for (int k = 0; k < NN_DROP_RULES; k++)
        d += r->dropped[k];
    return d;
}

static void t_balance(const nn_run_result_t *r)
{
    assert_int_equal(r->sent, r->delivered + t_dropped(r) + r->in_flight);
}

static void test_rate_blocks_exactly(void **state)
{
    t_fix_t *f = *state;
    t_load(f, RING, "norms:\n  - {norm: rate, limit: 1}\n", NULL, 0);
    t_run(f, "rate");
    const uint64_t rounds = 6;
    assert_int_equal(f->res.sent, 4 * N_RING * rounds);
    assert_int_equal(f->res.dropped[NN_DROP_RATE], 3 * N_RING * rounds);
    assert_int_equal(t_dropped(&f->res), 3 * N_RING * rounds);
    assert_int_equal(f->res.violations[NN_NORM_RATE], 3 * N_RING * rounds);
    /* the default ladder is [warn]: one warning an agent a round */
    assert_int_equal(f->res.sanctions[NN_SANCTION_WARN], N_RING * rounds);
    assert_int_equal(f->res.sanctions[NN_SANCTION_MUTE], 0);
    t_balance(&f->res);
}

static void test_mute_for_its_rounds(void **state)
{
    t_fix_t *f = *state;
    t_load(f, RING, "norms:\n  - {norm: rate, limit: 1, sanctions: [{mute: 2}]}\n", NULL, 0);
    t_run(f, "mute");
    /* round 1: three of four blocked by rate, then a mute for rounds 2 and 3; round 4
     * breaks the rate again, muted in 5 and 6 */
    assert_int_equal(f->res.dropped[NN_DROP_RATE], 2 * 3 * N_RING);
    assert_int_equal(f->res.dropped[NN_DROP_MUTED], 4 * 4 * N_RING);
    assert_int_equal(f->res.sanctions[NN_SANCTION_MUTE], 2 * N_RING);
    assert_int_equal(f->res.violations[NN_NORM_RATE], 2 * 3 * N_RING);
    t_balance(&f->res);
}

static void test_exclusion_for_good(void **state)
{
    t_fix_t *f = *state;
    t_load(f, RING, "norms:\n  - {norm: rate, limit: 3, sanctions: [{exclude: forever}]}\n", NULL,
           0);
    t_run(f, "exclude");
    /* every agent breaks the rate once in round 1 and is cut off from then on */
    assert_int_equal(f->res.dropped[NN_DROP_RATE], N_RING);
    assert_int_equal(f->res.dropped[NN_DROP_EXCLUDED], 5 * 4 * N_RING);
    assert_int_equal(f->res.sanctions[NN_SANCTION_EXCLUDE], N_RING);
    assert_int_equal(f->res.delivered + f->res.in_flight, 3 * N_RING);
    t_balance(&f->res);
}

static void test_address_follows_the_hierarchy(void **state)
{
    t_fix_t *f = *state;
    t_load(f, RING,
           "structure:\n"
           "  roles: [{role: leader, count: 6, by: random}]\n"
           "  groups: {from: louvain}\n"
           "  hierarchy: {model: group_leader}\n"
           "norms:\n  - {norm: address, scope: hierarchy}\n",
           NULL, 0);
    t_run(f, "address");
    /* the same network and structure as the run's, built here to count by hand */
    nn_network_t *net = NULL;
    char err[512];
    assert_int_equal(
        nn_network_build(&net, &f->sc.network, f->sc.agents, f->sc.seed, NULL, err, sizeof err),
        NN_OK);
    nn_structure_t st;
    assert_int_equal(nn_structure_build(&st, &f->sc.structure, net, &f->sc.network, NULL,
                                        f->sc.seed, err, sizeof err),
                     NN_OK);
    uint64_t allowed = 0;
    for (uint32_t i = 0; i < net->n; i++)
        for (uint64_t e = net->off[i]; e < net->off[i + 1]; e++) {
            uint32_t j = net->adj[e];
            allowed += st.superior[i] == j || st.superior[j] == i;
        }
    uint64_t per_round = net->off[net->n];
    assert_true(allowed > 0 && allowed < per_round);
    assert_int_equal(f->res.sent, per_round * 6);
    assert_int_equal(f->res.dropped[NN_DROP_ADDRESS], (per_round - allowed) * 6);
    assert_int_equal(f->res.delivered + f->res.in_flight, allowed * 6);
    t_balance(&f->res);
    nn_structure_release(&st);
    nn_network_destroy(&net);
}

static void test_trend_seeds_are_exact(void **state)
{
    t_fix_t *f = *state;
    /* degroot never touches trends: adopters are exactly the seeds */
    t_load(f, RING, "trends: {every: 2, seeds: 7}\n", NULL, 0);
    t_run(f, "trends");
    char path[600];
    snprintf(path, sizeof path, "%s/trends/trends.csv", f->dir);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    char line[256];
    int rows = 0;
    assert_non_null(fgets(line, sizeof line, in)); /* header */
    while (fgets(line, sizeof line, in)) {
        unsigned long round, trend, adopters;
        assert_int_equal(sscanf(line, "%lu,%lu,%lu", &round, &trend, &adopters), 3);
        assert_true(round >= 2 * (trend + 1));
        assert_int_equal(adopters, 7);
        rows++;
    }
    fclose(in);
    /* trends born in rounds 2, 4, 6: rows for rounds 2..6 of the ones alive */
    assert_int_equal(rows, 5 + 3 + 1);
}

static const char *const SOCIETY = "name: society\n"
                                   "seed: 5\n"
                                   "rounds: 40\n"
                                   "agents: 300\n"
                                   "network: {model: watts_strogatz, k: 8, p: 0.1}\n"
                                   "opinions: {init: bimodal, modes: [0.2, 0.8], sd: 0.1}\n"
                                   "populations:\n"
                                   "  - behaviour: citizen\n"
                                   "    share: 1\n"
                                   "    params: {tolerance: {normal: [0.2, 0.05]}, patience: 2,\n"
                                   "             cooperativeness: {uniform: [0.3, 0.9]}}\n"
                                   "nodes: 3\n"
                                   "structure:\n"
                                   "  roles:\n"
                                   "    - {role: leader, count: 6, by: degree}\n"
                                   "    - {role: mediator, count: 10}\n"
                                   "    - {role: arbiter, count: 5}\n"
                                   "  groups: {from: louvain}\n"
                                   "  hierarchy: {model: group_leader}\n"
                                   "  status: {from: degree}\n"
                                   "norms:\n"
                                   "  - {norm: aggression, threshold: 0.5}\n"
                                   "  - {norm: defection, detect: 0.5,\n"
                                   "     sanctions: [warn, {reputation: 0.1}]}\n"
                                   "  - {norm: noncompliance, sanctions: [{mute: 2}]}\n"
                                   "game: {benefit: 3, cost: 1}\n"
                                   "cases: {chain: [negotiation, mediation, arbitration]}\n"
                                   "decisions: {every: 10, scope: group, chain: [majority]}\n"
                                   "trends: {every: 10, seeds: 5}\n";

static void test_society_balances(void **state)
{
    t_fix_t *f = *state;
    t_load(f, SOCIETY, NULL, NULL, 0);
    t_run(f, "society");
    t_balance(&f->res);
    /* every delivered message is one move of the game */
    assert_int_equal(f->res.cooperate + f->res.defect, f->res.delivered + f->res.in_flight);
    assert_true(f->res.cooperate > 0 && f->res.defect > 0);
    assert_true(f->res.cases_opened > 0);
    assert_true(f->res.violations[NN_NORM_DEFECTION] > 0);
    assert_int_equal(f->res.foreign_acts, 0);
}

static void test_society_digest_any_nodes(void **state)
{
    t_fix_t *f = *state;
    const char *one[] = {"nodes=1"}, *five[] = {"nodes=5"};
    t_load(f, SOCIETY, NULL, one, 1);
    t_run(f, "n1");
    nn_run_result_t a = f->res;
    t_load(f, SOCIETY, NULL, five, 1);
    t_run(f, "n5");
    assert_string_equal(a.digest_hex, f->res.digest_hex);
    assert_int_equal(a.cooperate, f->res.cooperate);
    assert_int_equal(a.cases_opened, f->res.cases_opened);
    assert_memory_equal(a.sanctions, f->res.sanctions, sizeof a.sanctions);
    assert_memory_equal(a.dropped, f->res.dropped, sizeof a.dropped);
}

/* Adopters of trend 0 round by round from run `sub`'s trends.csv, into got[round]. */
static void t_adopters(const t_fix_t *f, const char *sub, unsigned long *got, size_t n)
{
    char path[600], line[256];
    snprintf(path, sizeof path, "%s/%s/trends.csv", f->dir, sub);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    assert_non_null(fgets(line, sizeof line, in));
    while (fgets(line, sizeof line, in)) {
        unsigned long round, trend, adopters;
        assert_int_equal(sscanf(line, "%lu,%lu,%lu", &round, &trend, &adopters), 3);
        if (trend == 0 && round < n)
            got[round] = adopters;
    }
    fclose(in);
}

/* Citizens spread a trend by social proof: with sensitivity 1 one sender that has it is
 * enough, and the trend never loses an adopter and reaches everyone a message can reach;
 * with threshold 1 and sensitivity 0 every sender of the round must have it, and it
 * spreads more slowly or not at all. */
static void test_citizens_spread_trends(void **state)
{
    t_fix_t *f = *state;
    static const char *const base = "name: spread\n"
                                    "seed: 9\n"
                                    "rounds: 40\n"
                                    "agents: 400\n"
                                    "network: {model: watts_strogatz, k: 8, p: 0.1}\n"
                                    "populations:\n"
                                    "  - behaviour: citizen\n"
                                    "    share: 1\n";
    char text[1024];
    snprintf(text, sizeof text, "%s    params: {sensitivity: 1, sociability: 4}\n", base);
    t_load(f, text, "trends: {every: 1, seeds: 4, max: 1}\n", NULL, 0);
    t_run(f, "easy");
    unsigned long easy[41] = {0}, hard[41] = {0};
    t_adopters(f, "easy", easy, 41);
    assert_int_equal(easy[1], 4);
    for (int r = 2; r <= 40; r++)
        assert_true(easy[r] >= easy[r - 1]);
    assert_true(easy[40] == 400);
    snprintf(text, sizeof text, "%s    params: {sensitivity: 0, threshold: 1, sociability: 4}\n",
             base);
    t_load(f, text, "trends: {every: 1, seeds: 4, max: 1}\n", NULL, 0);
    t_run(f, "hard");
    t_adopters(f, "hard", hard, 41);
    assert_int_equal(hard[1], 4);
    assert_true(hard[40] < easy[40]);
    for (int r = 1; r <= 40; r++)
        assert_true(hard[r] <= easy[r]);
}

/* The number of lines of run `sub`'s events.jsonl that contain `needle`. */
static int t_count_events(const t_fix_t *f, const char *sub, const char *needle)
{
    char path[600], line[4096];
    snprintf(path, sizeof path, "%s/%s/events.jsonl", f->dir, sub);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    int n = 0;
    while (fgets(line, sizeof line, in))
        n += strstr(line, needle) != NULL;
    fclose(in);
    return n;
}

/* output.events: lean leaves the sanctions and case steps out of events.jsonl and
 * changes nothing else. */
static void test_lean_events(void **state)
{
    t_fix_t *f = *state;
    t_load(f, SOCIETY, NULL, NULL, 0);
    t_run(f, "all");
    nn_run_result_t a = f->res;
    assert_true(t_count_events(f, "all", "\"event\":\"sanction\"") > 0);
    assert_true(t_count_events(f, "all", "\"event\":\"case_opened\"") > 0);
    const char *lean[] = {"output.events=lean"};
    t_load(f, SOCIETY, NULL, lean, 1);
    t_run(f, "lean");
    assert_string_equal(a.digest_hex, f->res.digest_hex);
    assert_memory_equal(a.sanctions, f->res.sanctions, sizeof a.sanctions);
    assert_int_equal(t_count_events(f, "lean", "\"event\":\"sanction\""), 0);
    assert_int_equal(t_count_events(f, "lean", "\"event\":\"case_"), 0);
    assert_int_equal(t_count_events(f, "lean", "\"event\":\"verdict\""), 0);
    assert_int_equal(t_count_events(f, "lean", "\"event\":\"run_end\""), 1);
}

/* Every case closes by the deadline its case_opened event names, and some at it. */
static void test_cases_meet_their_deadlines(void **state)
{
    t_fix_t *f = *state;
    t_load(f, SOCIETY, NULL, NULL, 0);
    t_run(f, "deadlines");
    char path[600], line[8192];
    snprintf(path, sizeof path, "%s/deadlines/events.jsonl", f->dir);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    static json_int_t deadline[1 << 16];
    int closed = 0, at = 0, opened = 0;
    while (fgets(line, sizeof line, in)) {
        json_t *e = json_loads(line, 0, NULL);
        assert_non_null(e);
        const char *ev = json_string_value(json_object_get(e, "event"));
        json_int_t id = json_integer_value(json_object_get(e, "case"));
        json_int_t round = json_integer_value(json_object_get(e, "round"));
        if (ev && !strcmp(ev, "case_opened")) {
            assert_true(id > 0 && id < (1 << 16));
            deadline[id] = json_integer_value(json_object_get(e, "deadline"));
            assert_true(deadline[id] >= round);
            opened++;
        } else if (ev && !strcmp(ev, "case_closed")) {
            assert_true(round <= deadline[id]);
            at += round == deadline[id];
            closed++;
        }
        json_decref(e);
    }
    fclose(in);
    assert_true(opened > 0 && closed > 0 && at > 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, t_setup, t_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rate_blocks_exactly),        T(test_mute_for_its_rounds),
        T(test_exclusion_for_good),         T(test_address_follows_the_hierarchy),
        T(test_trend_seeds_are_exact),      T(test_society_balances),
        T(test_society_digest_any_nodes),   T(test_lean_events),
        T(test_cases_meet_their_deadlines), T(test_citizens_spread_trends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
