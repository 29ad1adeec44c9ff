/* Tests of coordinator/scenario.c: the embedded default, every network model and opinion
 * init, every class of error with its place and key, --set overrides, the write/load
 * round trip, the corpus of broken scenarios in tests/data/bad (each names where its error
 * must point on its first line), the ready scenarios in scenarios/, and inputs meant to
 * crash a parser. Each test starts from a fresh nn_scenario_t and nn_diag_t. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nunchi/error.h"
#include "scenario.h"

#define MINIMAL                                                                                    \
    "agents: 1000\n"                                                                               \
    "network: {model: ring, k: 4}\n"                                                               \
    "populations: [{behaviour: voter, share: 1}]\n"

typedef struct t_fix {
    nn_scenario_t s;
    nn_diag_t d;
} t_fix_t;

static int t_setup(void **state)
{
    t_fix_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    nn_diag_init(&f->d);
    *state = f;
    return 0;
}

static int t_teardown(void **state)
{
    t_fix_t *f = *state;
    nn_diag_release(&f->d);
    free(f);
    return 0;
}

static int t_load(t_fix_t *f, const char *text, const char *const *sets, size_t n_sets)
{
    nn_diag_release(&f->d);
    nn_diag_init(&f->d);
    return nn_scenario_load_text(&f->s, text, strlen(text), "t.yaml", "/base", sets, n_sets, &f->d);
}

/* Whether the diag holds needle, printing the diag when it does not. */
static int t_has(const t_fix_t *f, const char *needle)
{
    if (f->d.text && strstr(f->d.text, needle))
        return 1;
    fprintf(stderr, "expected '%s' in:\n%s\n", needle, f->d.text ? f->d.text : "(empty)");
    return 0;
}

static void t_ok(t_fix_t *f, const char *text)
{
    int rc = t_load(f, text, NULL, 0);
    if (rc != NN_OK)
        fprintf(stderr, "unexpected errors for:\n%s---\n%s", text, f->d.text ? f->d.text : "");
    assert_int_equal(rc, NN_OK);
    assert_int_equal(f->d.count, 0);
}

/* ---- loading good scenarios ---------------------------------------------------------- */

static void test_embedded_default(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(nn_scenario_load(&f->s, NULL, NULL, 0, &f->d), NN_OK);
    assert_int_equal(f->d.count, 0);
    const nn_scenario_t *s = &f->s;
    assert_string_equal(s->source, "<embedded default>");
    assert_string_equal(s->name, "default");
    assert_int_equal(s->seed, 42);
    assert_int_equal(s->rounds, 200);
    assert_int_equal(s->agents, 20000);
    assert_int_equal(s->network.model, NN_NET_WATTS_STROGATZ);
    assert_int_equal(s->network.k, 16);
    assert_true(s->network.p == 0.05);
    assert_int_equal(s->opinions.init, NN_INIT_UNIFORM);
    assert_int_equal(s->n_populations, 2);
    assert_string_equal(s->populations[0].ops->name, "deffuant");
    assert_int_equal(s->populations[0].by_count, 0);
    assert_true(s->populations[0].share == 0.98);
    assert_true(s->populations[0].params[0] == 0.2);
    assert_true(s->populations[0].params[1] == 0.5);
    assert_string_equal(s->populations[1].ops->name, "stubborn");
    assert_true(s->populations[1].share == 0.02);
    assert_int_equal(s->nodes, 4);
    assert_int_equal(s->transport, NN_TRANSPORT_INPROC);
    assert_string_equal(s->output_dir, "runs");
    assert_true(s->deadline_s == 30.0);
    assert_int_equal(s->max_message_bytes, UINT64_C(1) << 30);
}

static void test_defaults(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, MINIMAL);
    const nn_scenario_t *s = &f->s;
    assert_string_equal(s->name, "t"); /* the basename of "t.yaml" */
    assert_string_equal(s->source, "t.yaml");
    assert_int_equal(s->seed, 1);
    assert_int_equal(s->rounds, 100);
    assert_int_equal(s->nodes, 4);
    assert_int_equal(s->transport, NN_TRANSPORT_INPROC);
    assert_string_equal(s->output_dir, "runs");
    assert_true(s->deadline_s == 30.0);
    assert_int_equal(s->max_message_bytes, UINT64_C(1) << 30);
    assert_int_equal(s->opinions.init, NN_INIT_UNIFORM);

    nn_diag_release(&f->d);
    assert_int_equal(
        nn_scenario_load_text(&f->s, MINIMAL, strlen(MINIMAL), "<stdin>", NULL, NULL, 0, &f->d),
        NN_OK);
    assert_string_equal(f->s.name, "default");
    nn_diag_release(&f->d);
    assert_int_equal(nn_scenario_load_text(&f->s, MINIMAL, strlen(MINIMAL), "a/b.c/run.v2.yaml",
                                           NULL, NULL, 0, &f->d),
                     NN_OK);
    assert_string_equal(f->s.name, "run.v2");
}

static void test_every_key(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, "name: 'my run'\n"
            "seed: 18446744073709551615\n"
            "rounds: 0\n"
            "agents: 2147483647\n"
            "network: {model: complete}\n"
            "opinions: {init: uniform}\n"
            "populations: [{behaviour: degroot, share: 1, params: {self_weight: 1}}]\n"
            "nodes: 1024\n"
            "transport: tcp\n"
            "output: {dir: /tmp/out}\n"
            "limits: {deadline_s: 0.5, max_message_bytes: 2147483648}\n");
    const nn_scenario_t *s = &f->s;
    assert_string_equal(s->name, "my run");
    assert_true(s->seed == UINT64_MAX);
    assert_int_equal(s->rounds, 0);
    assert_int_equal(s->agents, 2147483647u);
    assert_int_equal(s->network.model, NN_NET_COMPLETE);
    assert_true(s->populations[0].params[0] == 1.0);
    assert_int_equal(s->nodes, 1024);
    assert_int_equal(s->transport, NN_TRANSPORT_TCP);
    assert_string_equal(s->output_dir, "/tmp/out");
    assert_true(s->deadline_s == 0.5);
    assert_int_equal(s->max_message_bytes, UINT64_C(1) << 31);
    t_ok(f, "agents: 2\nnetwork: {model: complete}\npopulations: [{behaviour: voter, count: 2}]\n"
            "transport: ipc\nlimits: {max_message_bytes: 1024}\n");
    assert_int_equal(f->s.transport, NN_TRANSPORT_IPC);
    assert_int_equal(f->s.max_message_bytes, 1024);
}

static void test_models(void **state)
{
    t_fix_t *f = *state;
    const char *pop = "populations: [{behaviour: voter, share: 1}]\n";
    char buf[512];
    nn_network_config_t *n = &f->s.network;

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: complete}\n%s", pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_COMPLETE);

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: ring, k: 98}\n%s", pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_RING);
    assert_int_equal(n->k, 98);

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: erdos_renyi, p: 0.1}\n%s", pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_ERDOS_RENYI);
    assert_true(n->p == 0.1);
    assert_true(n->mean_degree == 0.0);

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: erdos_renyi, mean_degree: 8.5}\n%s",
             pop);
    t_ok(f, buf);
    assert_true(n->mean_degree == 8.5);
    assert_true(n->p == 0.0);

    snprintf(buf, sizeof buf, "agents: 100\nnetwork:\n  model: watts_strogatz\n  k: 2\n  p: 0\n%s",
             pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_WATTS_STROGATZ);
    assert_int_equal(n->k, 2);
    assert_true(n->p == 0.0);

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: barabasi_albert, m: 3}\n%s", pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_BARABASI_ALBERT);
    assert_int_equal(n->m, 3);

    snprintf(buf, sizeof buf,
             "agents: 100\nnetwork: {model: sbm, blocks: [50, 30, 20], p_in: 0.5, p_out: 1e-2}\n%s",
             pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_SBM);
    assert_int_equal(n->n_blocks, 3);
    assert_int_equal(n->blocks[0], 50);
    assert_int_equal(n->blocks[2], 20);
    assert_true(n->p_in == 0.5);
    assert_true(n->p_out == 0.01);

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: file, path: nets/edges.csv}\n%s", pop);
    t_ok(f, buf);
    assert_int_equal(n->model, NN_NET_FILE);
    assert_string_equal(n->path, "nets/edges.csv");
    assert_string_equal(n->resolved_path, "/base/nets/edges.csv");

    snprintf(buf, sizeof buf, "agents: 100\nnetwork: {model: file, path: /abs/e.txt}\n%s", pop);
    t_ok(f, buf);
    assert_string_equal(n->resolved_path, "/abs/e.txt");
}

static void test_opinions(void **state)
{
    t_fix_t *f = *state;
    const char *head = "agents: 100\nnetwork: {model: complete}\n"
                       "populations: [{behaviour: threshold, share: 1}]\n";
    char buf[512];
    nn_opinions_config_t *o = &f->s.opinions;

    snprintf(buf, sizeof buf, "%sopinions: {init: normal}\n", head);
    assert_int_equal(t_load(f, buf, NULL, 0), NN_ESCENARIO); /* threshold needs seeds */
    assert_true(t_has(f, "behaviour 'threshold' needs opinions.init 'seeds' or 'file', not "
                         "'normal' at t.yaml:3:27"));

    const char *vhead = "agents: 100\nnetwork: {model: complete}\n"
                        "populations: [{behaviour: voter, share: 1}]\n";
    snprintf(buf, sizeof buf, "%sopinions: {init: normal}\n", vhead);
    t_ok(f, buf);
    assert_int_equal(o->init, NN_INIT_NORMAL);
    assert_true(o->mean == 0.5 && o->sd == 0.15);
    snprintf(buf, sizeof buf, "%sopinions: {init: normal, mean: 0.25, sd: 2}\n", vhead);
    t_ok(f, buf);
    assert_true(o->mean == 0.25 && o->sd == 2.0);

    snprintf(buf, sizeof buf, "%sopinions: {init: bimodal}\n", vhead);
    t_ok(f, buf);
    assert_int_equal(o->init, NN_INIT_BIMODAL);
    assert_true(o->modes[0] == 0.25 && o->modes[1] == 0.75 && o->sd == 0.1);
    snprintf(buf, sizeof buf, "%sopinions: {init: bimodal, modes: [0, 1], sd: 0.05}\n", vhead);
    t_ok(f, buf);
    assert_true(o->modes[0] == 0.0 && o->modes[1] == 1.0 && o->sd == 0.05);

    snprintf(buf, sizeof buf, "%sopinions: {init: seeds, seeds: 10}\n", head);
    t_ok(f, buf);
    assert_int_equal(o->init, NN_INIT_SEEDS);
    assert_int_equal(o->seeds_by_count, 1);
    assert_int_equal(o->seeds_count, 10);
    snprintf(buf, sizeof buf, "%sopinions: {init: seeds, seeds: 0.1}\n", head);
    t_ok(f, buf);
    assert_int_equal(o->seeds_by_count, 0);
    assert_true(o->seeds_share == 0.1);
    snprintf(buf, sizeof buf, "%sopinions: {init: seeds, seeds: 1.0}\n", head);
    t_ok(f, buf);
    assert_int_equal(o->seeds_by_count, 0); /* a decimal: the share 1, not one agent */
    assert_true(o->seeds_share == 1.0);
    snprintf(buf, sizeof buf, "%sopinions: {init: seeds, seeds: 5e-2}\n", head);
    t_ok(f, buf);
    assert_int_equal(o->seeds_by_count, 0);
    assert_true(o->seeds_share == 0.05);
    snprintf(buf, sizeof buf, "%sopinions: {init: seeds, seeds: 100}\n", head);
    t_ok(f, buf);
    assert_int_equal(o->seeds_count, 100);

    snprintf(buf, sizeof buf, "%sopinions: {init: file, path: x0.csv}\n", head);
    t_ok(f, buf);
    assert_int_equal(o->init, NN_INIT_FILE);
    assert_string_equal(o->path, "x0.csv");
    assert_string_equal(o->resolved_path, "/base/x0.csv");

    snprintf(buf, sizeof buf, "%sopinions: {}\n", vhead);
    t_ok(f, buf);
    assert_int_equal(o->init, NN_INIT_UNIFORM);
}

static void test_populations(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, "agents: 100\nnetwork: {model: complete}\n"
            "populations:\n"
            "  - {behaviour: stubborn, count: 10}\n"
            "  - {behaviour: hk, share: 0.25, params: {epsilon: 0.1}}\n"
            "  - {behaviour: deffuant, share: 0.75, params: {mu: 0.3}}\n"
            "  - {behaviour: voter, count: 0}\n");
    const nn_scenario_t *s = &f->s;
    assert_int_equal(s->n_populations, 4);
    assert_int_equal(s->populations[0].by_count, 1);
    assert_int_equal(s->populations[0].count, 10);
    assert_true(s->populations[1].params[0] == 0.1);
    assert_true(s->populations[2].params[0] == 0.2); /* d: the default */
    assert_true(s->populations[2].params[1] == 0.3);
    assert_int_equal(s->populations[3].count, 0);
    /* counts alone must add up to agents */
    t_ok(f, "agents: 10\nnetwork: {model: complete}\n"
            "populations: [{behaviour: voter, count: 4}, {behaviour: hk, count: 6}]\n");
    /* shares within 1e-6 of 1 */
    t_ok(f, "agents: 10\nnetwork: {model: complete}\n"
            "populations: [{behaviour: voter, share: 0.3333333}, {behaviour: hk, share: "
            "0.6666667}]\n");
}

static void test_structure(void **state)
{
    t_fix_t *f = *state;
    const nn_structure_config_t *st = &f->s.structure;
    /* left out: no roles, one group, no hierarchy, status constant 1 */
    t_ok(f, MINIMAL);
    assert_int_equal(st->n_roles, 0);
    assert_int_equal(st->groups, NN_GROUPS_NONE);
    assert_int_equal(st->hierarchy, NN_HIERARCHY_NONE);
    assert_int_equal(st->branching, 3);
    assert_int_equal(st->status, NN_STATUS_CONSTANT);
    assert_true(st->status_value == 1.0);
    assert_string_equal(st->path, "");
    /* empty mappings take the defaults too */
    t_ok(f, MINIMAL "structure: {roles: [], groups: {}, hierarchy: {}, status: {}}\n");
    assert_int_equal(st->n_roles, 0);
    assert_int_equal(st->groups, NN_GROUPS_NONE);
    assert_int_equal(st->hierarchy, NN_HIERARCHY_NONE);
    assert_int_equal(st->status, NN_STATUS_CONSTANT);
    assert_true(st->status_value == 1.0);
    t_ok(f, MINIMAL "structure: {}\n");

    t_ok(f, "agents: 1000\n"
            "network: {model: sbm, blocks: [600, 400], p_in: 0.1, p_out: 0.01}\n"
            "populations: [{behaviour: voter, share: 1}]\n"
            "structure:\n"
            "  roles:\n"
            "    - {role: leader, count: 10, by: degree}\n"
            "    - {role: mediator, share: 0.02}\n"
            "    - {role: arbiter, count: 5, by: betweenness}\n"
            "  groups: {from: sbm}\n"
            "  hierarchy: {model: group_leader}\n"
            "  status: {from: degree}\n");
    assert_int_equal(st->n_roles, 3);
    assert_int_equal(st->roles[0].role, NN_ROLE_LEADER);
    assert_int_equal(st->roles[0].by_count, 1);
    assert_int_equal(st->roles[0].count, 10);
    assert_int_equal(st->roles[0].by, NN_BY_DEGREE);
    assert_int_equal(st->roles[1].role, NN_ROLE_MEDIATOR);
    assert_int_equal(st->roles[1].by_count, 0);
    assert_true(st->roles[1].share == 0.02);
    assert_int_equal(st->roles[1].by, NN_BY_RANDOM);
    assert_int_equal(st->roles[2].role, NN_ROLE_ARBITER);
    assert_int_equal(st->roles[2].by, NN_BY_BETWEENNESS);
    assert_int_equal(st->groups, NN_GROUPS_SBM);
    assert_int_equal(st->hierarchy, NN_HIERARCHY_GROUP_LEADER);
    assert_int_equal(st->branching, 3);
    assert_int_equal(st->status, NN_STATUS_DEGREE);
    assert_true(st->status_value == 1.0);

    t_ok(f, MINIMAL "structure:\n"
                    "  groups: {from: file, path: groups/g.csv}\n"
                    "  hierarchy: {model: tree, branching: 1}\n"
                    "  status: {from: constant, value: 0.25}\n");
    assert_int_equal(st->groups, NN_GROUPS_FILE);
    assert_string_equal(st->path, "groups/g.csv");
    assert_string_equal(st->resolved_path, "/base/groups/g.csv");
    assert_string_equal(st->path_where, "'structure.groups.path' at t.yaml:5:30");
    assert_int_equal(st->hierarchy, NN_HIERARCHY_TREE);
    assert_int_equal(st->branching, 1);
    assert_true(st->status_value == 0.25);

    t_ok(f, MINIMAL "structure:\n"
                    "  roles: [{role: leader, share: 1}]\n"
                    "  groups: {from: louvain}\n"
                    "  hierarchy: {model: tree}\n"
                    "  status: {from: betweenness}\n");
    assert_true(st->roles[0].share == 1.0);
    assert_int_equal(st->groups, NN_GROUPS_LOUVAIN);
    assert_int_equal(st->branching, 3);
    assert_int_equal(st->status, NN_STATUS_BETWEENNESS);
    /* the counts may take every agent; shares round to the nearest agent */
    t_ok(f, MINIMAL "structure: {roles: [{role: leader, count: 500}, {role: arbiter, share: "
                    "0.4995}, {role: mediator, count: 0}]}\n");
    /* betweenness at exactly 200000 agents is allowed */
    t_ok(f, "agents: 200000\nnetwork: {model: ring, k: 4}\n"
            "populations: [{behaviour: voter, share: 1}]\n"
            "structure: {roles: [{role: leader, count: 3, by: betweenness}], status: {from: "
            "betweenness}}\n");
    /* with leaders, group_leader works on any groups */
    t_ok(f, MINIMAL "structure: {roles: [{role: leader, count: 1}], hierarchy: {model: "
                    "group_leader}}\n");
}

/* ---- errors -------------------------------------------------------------------------- */

typedef struct t_bad {
    const char *text;
    const char *want; /* a substring of the diag */
} t_bad_t;

static void test_error_classes(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {"agents: 1000\nnetwrk: {}\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "unknown key 'netwrk' at t.yaml:2:1 (did you mean 'network'?)"},
        {"agents: 1000\nrounds: abc\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'rounds' must be an integer >= 0, got 'abc' at t.yaml:2:9"},
        {"agents: 1000\nnetwork: {model: watts_strogatz, k: 4, p: 1.5}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'network.p' must be a number in [0, 1], got 1.5 at t.yaml:2:43"},
        {"network: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n",
         "missing key 'agents' at t.yaml:1:1 (required: the number of agents, 2..2147483647)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4, p: 0.1}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "key 'p' does not apply to network model 'ring' at t.yaml:2:30 (it takes: k)"},
        {"agents: 1000\nnetwork: {model: complete, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "key 'k' does not apply to network model 'complete' at t.yaml:2:28 (it takes no "
         "parameters)"},
        {"agents: 1000\nnetwork: {model: ring, kk: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "unknown key 'kk' in 'network' at t.yaml:2:24 (did you mean 'k'?)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\noutput: runs\n",
         "'output' must be a mapping, got 'runs' at t.yaml:4:9"},
        {"agents: [1]\nnetwork: {model: complete}\npopulations: [{behaviour: voter, share: 1}]\n",
         "'agents' must be an integer in 2..2147483647, got a sequence at t.yaml:1:9"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\nnetwork: {model: ring, k: 6}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "duplicate key 'network' at t.yaml:3:1 (first at t.yaml:2:1)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: deffuant, share: 1, params: {d: 0.1, d: 0.2}}]\n",
         "duplicate key 'populations[0].params.d' at t.yaml:3:64 (first at t.yaml:3:56)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4\npopulations: []\n",
         "did not find expected ',' or '}' at t.yaml:3:12 (yaml syntax error"},
        {"agents: 1000\nnetwork:\n\tmodel: ring\n",
         "at t.yaml:3:1 (yaml syntax error, while scanning for the next token at t.yaml:3:1; this "
         "is a tab"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: defuant, share: 1}]\n",
         "unknown behaviour 'defuant' in 'populations[0].behaviour' at t.yaml:3:27 (did you mean "
         "'deffuant'? known: degroot, deffuant, hk, voter, threshold, stubborn)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: deffuant, share: 1, params: {dd: 0.1}}]\n",
         "unknown parameter 'dd' for behaviour 'deffuant' at t.yaml:3:56 (did you mean 'd'? it "
         "takes: d, mu)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: stubborn, share: 1, params: {d: 0.1}}]\n",
         "unknown parameter 'd' for behaviour 'stubborn' at t.yaml:3:56 (it takes no parameters)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: deffuant, share: 1, params: {mu: 1.01}}]\n",
         "'populations[0].params.mu' must be a number in [0, 1], got 1.01 at t.yaml:3:60"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 0.5}, {behaviour: hk, share: 0.4}]\n",
         "the population shares sum to 0.9, not 1 at t.yaml:3:14"},
        {"agents: 1000\nnetwork: {model: sbm, blocks: [500, 400], p_in: 0.1, p_out: 0.1}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'network.blocks' sum to 900, not the 1000 agents at t.yaml:2:31"},
        {"agents: 1000\nnetwork: {model: ring, k: 3}\npopulations: [{behaviour: voter, share: "
         "1}]\n",
         "'network.k' must be an even integer >= 2 and < agents (1000), got 3 at t.yaml:2:27"},
        {"agents: 10\nnetwork: {model: ring, k: 10}\npopulations: [{behaviour: voter, share: 1}]\n",
         "'network.k' must be an even integer >= 2 and < agents (10), got 10 at t.yaml:2:27"},
        {"agents: 10\nnetwork: {model: ring, k: 0}\npopulations: [{behaviour: voter, share: 1}]\n",
         "got 0 at t.yaml:2:27"},
        {"agents: 1000\nnetwork: {model: erdos_renyi, p: 0.1, mean_degree: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'network.p' and 'network.mean_degree' are both given at t.yaml:2:52"},
        {"agents: 1000\nnetwork: {model: erdos_renyi, mean_degree: 1000}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'network.mean_degree' must be a number > 0 and <= agents - 1 (999), got 1000"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: threshold, share: 1}]\n",
         "behaviour 'threshold' needs opinions.init 'seeds' or 'file', not 'uniform' at "
         "t.yaml:3:27 (its agents' states are 0 or 1"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\ntransport: tpc\n",
         "'transport' must be one of inproc, ipc, tcp, got 'tpc' at t.yaml:4:12 (did you mean "
         "'tcp'?)"},
        {"agents: 1000\nrounds: -1\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'rounds' must be an integer >= 0, got -1 at t.yaml:2:9"},
        {"agents: 1000\nseed: 99999999999999999999999\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'seed' must be an integer in 0..18446744073709551615, got 99999999999999999999999 at "
         "t.yaml:2:7"},
        {"agents: 1000\nseed: 18446744073709551616\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "got 18446744073709551616 at t.yaml:2:7"},
        {"agents: 1000\nnodes: 0\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'nodes' must be an integer in 1..1024, got 0 at t.yaml:2:8"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\npopulations: []\n",
         "'populations' must have 1..64 entries, got 0 at t.yaml:3:14"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n"
         "limits: {deadline_s: .inf}\n",
         "'limits.deadline_s' must be a number > 0, got '.inf' at t.yaml:4:22 (numbers must be "
         "finite)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n"
         "limits: {deadline_s: 1e999}\n",
         "'limits.deadline_s' must be a number > 0, got 1e999 at t.yaml:4:22 (numbers must be "
         "finite)"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n"
         "limits: {deadline_s: nan}\n",
         "numbers must be finite"},
        {"agents: 1000\nnetwork: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n"
         "limits: {deadline_s: 0x10}\n",
         "'limits.deadline_s' must be a number > 0, got '0x10'"},
        {"agents: \"1000\"\nnetwork: {model: complete}\npopulations: [{behaviour: voter, share: "
         "1}]\n",
         "'agents' must be an integer in 2..2147483647, got the string '1000' at t.yaml:1:9"},
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, count: 60}, {behaviour: hk, count: 50}]\n",
         "the population counts sum to 110, more than the 100 agents at t.yaml:3:14"},
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, count: 60}]\n",
         "the population counts sum to 60, not the 100 agents at t.yaml:3:14"},
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, count: 60, share: 0.5}]\n",
         "'populations[0]' has both 'share' and 'count' at t.yaml:3:34"},
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter}]\n",
         "missing key 'populations[0].share' or 'populations[0].count' at t.yaml:3:15"},
        {"agents: 100\nnetwork: {k: 4}\npopulations: [{behaviour: voter, share: 1}]\n",
         "missing key 'network.model' at t.yaml:2:10 (required: one of complete, ring, "
         "erdos_renyi, watts_strogatz, barabasi_albert, sbm, file)"},
        {"agents: 100\nnetwork: {model: ring}\npopulations: [{behaviour: voter, share: 1}]\n",
         "missing key 'network.k' at t.yaml:2:10 (network model 'ring' takes: k)"},
        {"agents: 100\nnetwork: {model: barabasi_albert, m: 100}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'network.m' must be an integer >= 1 and < agents (100), got 100 at t.yaml:2:38"},
        {"agents: 100\nnetwork: {model: complete}\nopinions: {init: seeds, seeds: 101}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'opinions.seeds' must be a count of agents in 0..100 (an integer) or a share in [0, 1]"},
        {"agents: 100\nnetwork: {model: complete}\nopinions: {init: seeds}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "missing key 'opinions.seeds' at t.yaml:3:11"},
        {"agents: 100\nnetwork: {model: complete}\nopinions: {init: normal, modes: [0.1, 0.9]}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "key 'modes' does not apply to opinions init 'normal' at t.yaml:3:26 (it takes: mean, "
         "sd)"},
        {"agents: 100\nnetwork: {model: complete}\nopinions: {init: bimodal, modes: [0.1, 1.9]}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'opinions.modes[1]' must be a number in [0, 1], got 1.9 at t.yaml:3:40"},
        {"agents: 100\nnetwork: {model: complete}\nopinions: {init: unifrm}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "got 'unifrm' at t.yaml:3:18 (did you mean 'uniform'?)"},
        {"agents: 100\nnetwork: {model: complete}\npopulations: [{behaviour: voter, share: 1}]\n"
         "---\nagents: 3\n",
         "a second yaml document at t.yaml:4:1"},
        {"- 1\n- 2\n", "a scenario must be a mapping of keys, got a sequence at t.yaml:1:1"},
        {"agents: 100\n? [a]\n: 1\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "a key must be a name, got a sequence at t.yaml:2:3"},
        {"agents: 100\nnetwork: {model: file, path: ''}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'network.path' must be a file path (a non-empty string), got an empty string at "
         "t.yaml:2:30"},
        {"agents: 100\nname:\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, share: 1}]\n",
         "'name' must be a non-empty string, got an empty value at t.yaml:2:6"},
    };
    size_t failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = t_load(f, cases[i].text, NULL, 0);
        if (rc != NN_ESCENARIO || !t_has(f, cases[i].want)) {
            print_error("case %zu: rc %d for:\n%s\n", i, rc, cases[i].text);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static void test_structure_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "structure: {roles: [{role: citizen, count: 5}]}\n",
         "'structure.roles[0].role' cannot be 'citizen' at t.yaml:4:28 (citizens are the agents "
         "that no rule picks: rules are for mediator, arbiter, leader only)"},
        {MINIMAL "structure: {roles: [{role: leadr, count: 5}]}\n",
         "'structure.roles[0].role' must be one of mediator, arbiter, leader, got 'leadr' at "
         "t.yaml:4:28 (did you mean 'leader'?)"},
        {MINIMAL "structure:\n  roles:\n    - {role: leader, count: 5}\n"
                 "    - {role: leader, share: 0.1}\n",
         "role 'leader' is given twice in 'structure.roles' at t.yaml:7:14 (first at "
         "t.yaml:6:14; each role takes one rule)"},
        {MINIMAL "structure: {roles: [{role: leader, share: 0.1, count: 5}]}\n",
         "'structure.roles[0]' has both 'share' and 'count' at t.yaml:4:48"},
        {MINIMAL "structure: {roles: [{role: leader}]}\n",
         "missing key 'structure.roles[0].share' or 'structure.roles[0].count' at t.yaml:4:21"},
        {MINIMAL "structure: {roles: [{count: 5}]}\n",
         "missing key 'structure.roles[0].role' at t.yaml:4:21 (required: one of mediator, "
         "arbiter, leader)"},
        {MINIMAL "structure: {roles: [{role: leader, count: 1001}]}\n",
         "'structure.roles[0].count' must be an integer in 0..1000 (agents), got 1001 at "
         "t.yaml:4:43"},
        {MINIMAL "structure: {roles: [{role: leader, share: 1.5}]}\n",
         "'structure.roles[0].share' must be a number in [0, 1], got 1.5 at t.yaml:4:43"},
        {MINIMAL "structure: {roles: [{role: leader, count: 600}, {role: mediator, share: "
                 "0.4}, {role: arbiter, share: 0.0005}]}\n",
         "the role counts sum to 1001, more than the 1000 agents at t.yaml:4:20 (a share counts "
         "as share x agents, rounded"},
        {MINIMAL "structure: {roles: [{role: leader, count: 1, by: degre}]}\n",
         "'structure.roles[0].by' must be one of random, degree, betweenness, got 'degre' at "
         "t.yaml:4:50 (did you mean 'degree'?)"},
        {MINIMAL "structure: {roles: [{role: leader, count: 1, rank: degree}]}\n",
         "unknown key 'rank' in 'structure.roles[0]' at t.yaml:4:46 (valid keys: role, share, "
         "count, by)"},
        {MINIMAL "structure: {roles: [{role: leader, count: 1}, {role: arbiter, count: 1}, "
                 "{role: mediator, count: 1}, {role: leader, count: 1}]}\n",
         "'structure.roles' must have 0..3 entries, got 4 at t.yaml:4:20"},
        {MINIMAL "structure: {roles: {role: leader}}\n",
         "'structure.roles' must be a sequence, got a mapping at t.yaml:4:20"},
        {MINIMAL "structure: {groups: {from: sbm}}\n",
         "'structure.groups.from' is 'sbm' but network.model is 'ring' at t.yaml:4:28 (groups "
         "from sbm are the blocks of an sbm network"},
        {MINIMAL "structure: {groups: {from: file}}\n",
         "missing key 'structure.groups.path' at t.yaml:4:21 (required with groups from 'file'"},
        {MINIMAL "structure: {groups: {from: louvain, path: g.csv}}\n",
         "key 'path' does not apply to 'structure.groups' from 'louvain' at t.yaml:4:37 (it "
         "takes no parameters)"},
        {MINIMAL "structure: {groups: {from: lovain}}\n",
         "'structure.groups.from' must be one of none, sbm, louvain, file, got 'lovain' at "
         "t.yaml:4:28 (did you mean 'louvain'?)"},
        {MINIMAL "structure: {groups: {from: file, path: ''}}\n",
         "'structure.groups.path' must be a file path (a non-empty string), got an empty string "
         "at t.yaml:4:40"},
        {MINIMAL "structure: {grups: {from: louvain}}\n",
         "unknown key 'grups' in 'structure' at t.yaml:4:13 (did you mean 'groups'?)"},
        {MINIMAL "structure: {hierarchy: {model: tree, branching: 0}}\n",
         "'structure.hierarchy.branching' must be an integer in 1..4294967295, got 0 at "
         "t.yaml:4:49"},
        {MINIMAL "structure:\n  roles: [{role: leader, count: 1}]\n"
                 "  hierarchy: {model: group_leader, branching: 2}\n",
         "key 'branching' does not apply to 'structure.hierarchy' model 'group_leader' at "
         "t.yaml:6:36 (it takes no parameters)"},
        {MINIMAL "structure: {hierarchy: {model: group_leader}}\n",
         "hierarchy model 'group_leader' needs a leader rule in 'structure.roles' at t.yaml:4:32 "
         "(each agent's superior is a leader of its group, so without leaders nobody could be a "
         "superior"},
        {MINIMAL "structure: {roles: [{role: arbiter, count: 2}], hierarchy: {model: "
                 "group_leader}}\n",
         "hierarchy model 'group_leader' needs a leader rule in 'structure.roles' at t.yaml:4:68"},
        {MINIMAL "structure: {hierarchy: {model: tre}}\n",
         "'structure.hierarchy.model' must be one of none, group_leader, tree, got 'tre' at "
         "t.yaml:4:32 (did you mean 'tree'?)"},
        {MINIMAL "structure: {status: {from: degree, value: 2}}\n",
         "key 'value' does not apply to 'structure.status' from 'degree' at t.yaml:4:36 (it "
         "takes no parameters)"},
        {MINIMAL "structure: {status: {from: constant, value: x}}\n",
         "'structure.status.value' must be a number, got 'x' at t.yaml:4:45"},
        {MINIMAL "structure: {status: {from: betweenes}}\n",
         "'structure.status.from' must be one of constant, degree, betweenness, got 'betweenes' "
         "at t.yaml:4:28 (did you mean 'betweenness'?)"},
        {MINIMAL "structure: {status: {value: 2, from: constant, form: x}}\n",
         "unknown key 'form' in 'structure.status' at t.yaml:4:48 (did you mean 'from'?)"},
        {"agents: 300000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n"
         "structure: {roles: [{role: leader, count: 3, by: betweenness}]}\n",
         "'structure.roles[0].by' is 'betweenness', which costs O(agents x edges): too slow for "
         "300000 agents at t.yaml:4:50 (betweenness takes at most 200000 agents; use 'by: "
         "degree' or 'by: random' instead)"},
        {"agents: 200001\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\n"
         "structure: {status: {from: betweenness}}\n",
         "'structure.status.from' is 'betweenness', which costs O(agents x edges): too slow for "
         "200001 agents at t.yaml:4:28 (betweenness takes at most 200000 agents; use 'from: "
         "degree' instead)"},
        {MINIMAL "structure: [roles]\n", "'structure' must be a mapping, got a sequence at "
                                         "t.yaml:4:12"},
    };
    size_t failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = t_load(f, cases[i].text, NULL, 0);
        if (rc != NN_ESCENARIO || !t_has(f, cases[i].want)) {
            print_error("case %zu: rc %d for:\n%s\n", i, rc, cases[i].text);
            failed++;
        } else if (f->d.count != 1) {
            print_error("case %zu: %zu errors, not 1:\n%s\n", i, (size_t)f->d.count, f->d.text);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
    /* one mistake, one message: a wrong role rule does not also fail group_leader, and a
     * wrong network model does not also fail groups from sbm */
    assert_int_equal(t_load(f,
                            MINIMAL "structure: {roles: [{role: leadr, count: 1}], hierarchy: "
                                    "{model: group_leader}}\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_int_equal(t_load(f,
                            "agents: 1000\nnetwork: {model: rnig, k: 4}\n"
                            "populations: [{behaviour: voter, share: 1}]\n"
                            "structure: {groups: {from: sbm}}\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
}

static void test_collects_all_errors(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(t_load(f,
                            "limits: {deadline_s: -1}\n"
                            "agents: 1000\n"
                            "rounds: x\n"
                            "network: {model: ring, k: 5}\n"
                            "populations: [{behaviour: voter, share: 2}]\n"
                            "nodes: 2000\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 5);
    /* sorted by place, whatever order the checks ran in */
    const char *a = strstr(f->d.text, "t.yaml:1:"), *b = strstr(f->d.text, "t.yaml:3:"),
               *c = strstr(f->d.text, "t.yaml:4:"), *d = strstr(f->d.text, "t.yaml:5:"),
               *e = strstr(f->d.text, "t.yaml:6:");
    assert_non_null(a);
    assert_true(a < b && b < c && c < d && d < e);
}

static void test_error_cap(void **state)
{
    t_fix_t *f = *state;
    size_t cap = 200 * 16 + 64, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(text + len, cap - len, "bogus%03d: 1\n", i);
    assert_int_equal(t_load(f, text, NULL, 0), NN_ESCENARIO);
    free(text);
    assert_int_equal(f->d.count, 51); /* 50 errors and the count of the rest */
    assert_true(t_has(f, "more not shown"));
}

static void test_suggestions(void **state)
{
    t_fix_t *f = *state;
    assert_int_equal(t_load(f,
                            MINIMAL "netwrk: 1\npopulatoins: 2\nagnets: 3\nnods: 4\nxyz: 5\n"
                                    "pop: 6\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_true(t_has(f, "unknown key 'netwrk' at t.yaml:4:1 (did you mean 'network'?)"));
    assert_true(t_has(f, "unknown key 'populatoins' at t.yaml:5:1 (did you mean 'populations'?)"));
    assert_true(t_has(f, "unknown key 'agnets' at t.yaml:6:1 (did you mean 'agents'?)"));
    assert_true(t_has(f, "unknown key 'nods' at t.yaml:7:1 (did you mean 'nodes'?)"));
    assert_true(t_has(f, "unknown key 'xyz' at t.yaml:8:1 (valid keys: name, seed, rounds"));
    assert_true(t_has(f, "unknown key 'pop' at t.yaml:9:1 (did you mean 'populations'?)"));
}

/* ---- --set --------------------------------------------------------------------------- */

static void test_set_scalar(void **state)
{
    t_fix_t *f = *state;
    const char *sets[] = {"rounds=7", "seed=9", "rounds=8", "network.k=6", "name=x y"};
    assert_int_equal(t_load(f, MINIMAL "rounds: 3\n", sets, 5), NN_OK);
    assert_int_equal(f->s.rounds, 8); /* later ones win */
    assert_int_equal(f->s.seed, 9);
    assert_int_equal(f->s.network.k, 6);
    assert_string_equal(f->s.name, "x y");
    /* the embedded default through nn_scenario_load */
    const char *s2[] = {"agents=100", "populations.1.share=0.5", "populations[0].share=0.5",
                        "populations.0.params.d=0.3"};
    nn_diag_release(&f->d);
    assert_int_equal(nn_scenario_load(&f->s, NULL, s2, 4, &f->d), NN_OK);
    assert_int_equal(f->s.agents, 100);
    assert_true(f->s.populations[0].share == 0.5 && f->s.populations[1].share == 0.5);
    assert_true(f->s.populations[0].params[0] == 0.3);
}

static void test_set_creates(void **state)
{
    t_fix_t *f = *state;
    const char *sets[] = {"output.dir=/tmp/o", "limits.deadline_s=2.5", "opinions.init=normal",
                          "opinions.sd=0.2"};
    assert_int_equal(t_load(f, MINIMAL, sets, 4), NN_OK);
    assert_string_equal(f->s.output_dir, "/tmp/o");
    assert_true(f->s.deadline_s == 2.5);
    assert_int_equal(f->s.opinions.init, NN_INIT_NORMAL);
    assert_true(f->s.opinions.sd == 0.2);
    /* an empty value becomes a mapping when something is set under it */
    const char *s2[] = {"output.dir=o2"};
    assert_int_equal(t_load(f, MINIMAL "output:\n", s2, 1), NN_OK);
    assert_string_equal(f->s.output_dir, "o2");
    /* a whole scenario from --set alone, on an empty text */
    const char *s3[] = {"agents=10", "network={model: complete}",
                        "populations=[{behaviour: voter, share: 1}]"};
    assert_int_equal(t_load(f, "", s3, 3), NN_OK);
    assert_int_equal(f->s.agents, 10);
    /* appending a sequence entry */
    const char *s4[] = {"populations.1={behaviour: stubborn, count: 10}"};
    assert_int_equal(t_load(f, MINIMAL, s4, 1), NN_OK);
    assert_int_equal(f->s.n_populations, 2);
    assert_int_equal(f->s.populations[1].count, 10);
}

static void test_set_flow(void **state)
{
    t_fix_t *f = *state;
    const char *sets[] = {"network={model: watts_strogatz, k: 8, p: 0.5}",
                          "populations=[{behaviour: hk, share: 1, params: {epsilon: 0.3}}]",
                          "opinions={init: bimodal, modes: [0.1, 0.9]}"};
    assert_int_equal(t_load(f, MINIMAL, sets, 3), NN_OK);
    assert_int_equal(f->s.network.model, NN_NET_WATTS_STROGATZ);
    assert_int_equal(f->s.network.k, 8);
    assert_true(f->s.network.p == 0.5);
    assert_string_equal(f->s.populations[0].ops->name, "hk");
    assert_true(f->s.populations[0].params[0] == 0.3);
    assert_true(f->s.opinions.modes[0] == 0.1);
}

static void test_set_errors(void **state)
{
    t_fix_t *f = *state;
    static const struct {
        const char *set;
        const char *want;
    } cases[] = {
        {"rounds", "no '=' in the override at --set 'rounds'"},
        {"=5", "empty key path in the override at --set '=5'"},
        {"a..b=1", "malformed key path 'a..b' at --set 'a..b=1'"},
        {"a.=1", "malformed key path 'a.'"},
        {".a=1", "malformed key path '.a'"},
        {"a[x]=1", "malformed key path 'a[x]'"},
        {"network.k.x=1", "cannot set 'network.k.x': 'network.k' is a scalar, not a mapping "
                          "at --set 'network.k.x=1'"},
        {"network[0]=1", "cannot set 'network[0]': 'network' is a mapping, not a sequence"},
        {"populations.x=1", "cannot set 'populations.x': 'populations' is a sequence"},
        {"populations.3.share=1", "cannot set 'populations.3': 'populations' has 1 entries"},
        {"network.k=5", "'network.k' must be an even integer >= 2 and < agents (1000), got 5 at "
                        "--set 'network.k=5'"},
        {"netwrk.k=5", "unknown key 'netwrk' at --set 'netwrk.k=5' (did you mean 'network'?)"},
        {"network={model: ring, k: 4, q: 1}", "unknown key 'q' in 'network' at --set "
                                              "'network={model: ring, k: 4, q: 1}'"},
        {"network.k=[1,", "at --set 'network.k=[1,' (yaml syntax error in the value"},
        {"rounds=", "'rounds' must be an integer >= 0, got an empty value at --set 'rounds='"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *sets[] = {cases[i].set};
        int rc = t_load(f, MINIMAL, sets, 1);
        if (rc != NN_ESCENARIO || !t_has(f, cases[i].want))
            fail_msg("case %zu: rc %d for --set '%s'", i, rc, cases[i].set);
    }
    /* a NULL entry is an error, not a crash */
    const char *sets[] = {NULL};
    assert_int_equal(t_load(f, MINIMAL, sets, 1), NN_ESCENARIO);
    /* file errors come first, then each --set's in order */
    const char *s2[] = {"nodes=0", "rounds=x"};
    assert_int_equal(t_load(f, MINIMAL "seed: x\n", s2, 2), NN_ESCENARIO);
    const char *a = strstr(f->d.text, "t.yaml:4:7"), *b = strstr(f->d.text, "--set 'nodes=0'"),
               *c = strstr(f->d.text, "--set 'rounds=x'");
    assert_non_null(a);
    assert_true(a < b && b < c);
}

static void test_set_structure(void **state)
{
    t_fix_t *f = *state;
    const nn_structure_config_t *st = &f->s.structure;
    const char *sets[] = {"structure.hierarchy.model=tree", "structure.hierarchy.branching=5",
                          "structure.roles=[{role: leader, count: 3}]",
                          "structure.status={from: degree}", "structure.groups.from=louvain"};
    assert_int_equal(t_load(f, MINIMAL, sets, 5), NN_OK);
    assert_int_equal(st->hierarchy, NN_HIERARCHY_TREE);
    assert_int_equal(st->branching, 5);
    assert_int_equal(st->n_roles, 1);
    assert_int_equal(st->roles[0].role, NN_ROLE_LEADER);
    assert_int_equal(st->roles[0].count, 3);
    assert_int_equal(st->status, NN_STATUS_DEGREE);
    assert_int_equal(st->groups, NN_GROUPS_LOUVAIN);
    /* into a file's rules: change one, append one */
    const char *s2[] = {"structure.roles.0.by=degree", "structure.roles[1]={role: mediator, "
                                                       "share: 0.5}"};
    assert_int_equal(t_load(f, MINIMAL "structure:\n  roles: [{role: leader, count: 3}]\n", s2, 2),
                     NN_OK);
    assert_int_equal(st->n_roles, 2);
    assert_int_equal(st->roles[0].by, NN_BY_DEGREE);
    assert_true(st->roles[1].share == 0.5);
    /* a --set error names the --set */
    const char *s3[] = {"structure.hierarchy.model=group_leader"};
    assert_int_equal(t_load(f, MINIMAL, s3, 1), NN_ESCENARIO);
    assert_true(t_has(f, "hierarchy model 'group_leader' needs a leader rule in "
                         "'structure.roles' at --set 'structure.hierarchy.model=group_leader'"));
    const char *s4[] = {"structure.groups={from: file, path: g.csv}"};
    assert_int_equal(t_load(f, MINIMAL, s4, 1), NN_OK);
    assert_string_equal(st->resolved_path, "/base/g.csv");
    assert_string_equal(st->path_where,
                        "'structure.groups.path' at --set 'structure.groups={from: file, path: "
                        "g.csv}'");
}

/* ---- the round trip ------------------------------------------------------------------ */

static void t_same(const nn_scenario_t *a, const nn_scenario_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->source, b->source);
    assert_true(a->seed == b->seed);
    assert_true(a->rounds == b->rounds);
    assert_int_equal(a->agents, b->agents);
    const nn_network_config_t *x = &a->network, *y = &b->network;
    assert_int_equal(x->model, y->model);
    assert_int_equal(x->k, y->k);
    assert_true(x->p == y->p);
    assert_true(x->mean_degree == y->mean_degree);
    assert_int_equal(x->m, y->m);
    assert_int_equal(x->n_blocks, y->n_blocks);
    assert_memory_equal(x->blocks, y->blocks, sizeof x->blocks);
    assert_true(x->p_in == y->p_in);
    assert_true(x->p_out == y->p_out);
    assert_string_equal(x->path, y->path);
    assert_string_equal(x->resolved_path, y->resolved_path);
    const nn_opinions_config_t *o = &a->opinions, *q = &b->opinions;
    assert_int_equal(o->init, q->init);
    assert_true(o->mean == q->mean);
    assert_true(o->sd == q->sd);
    assert_true(o->modes[0] == q->modes[0] && o->modes[1] == q->modes[1]);
    assert_int_equal(o->seeds_by_count, q->seeds_by_count);
    assert_true(o->seeds_count == q->seeds_count);
    assert_true(o->seeds_share == q->seeds_share);
    assert_string_equal(o->path, q->path);
    assert_string_equal(o->resolved_path, q->resolved_path);
    assert_int_equal(a->n_populations, b->n_populations);
    for (size_t i = 0; i < a->n_populations; i++) {
        const nn_population_t *p = &a->populations[i], *r = &b->populations[i];
        assert_ptr_equal(p->ops, r->ops);
        assert_int_equal(p->by_count, r->by_count);
        assert_true(p->count == r->count);
        assert_true(p->share == r->share);
        for (size_t j = 0; j < NN_MAX_PARAMS; j++)
            assert_true(p->params[j] == r->params[j]);
    }
    assert_int_equal(a->nodes, b->nodes);
    assert_int_equal(a->transport, b->transport);
    assert_string_equal(a->output_dir, b->output_dir);
    assert_true(a->deadline_s == b->deadline_s);
    assert_true(a->max_message_bytes == b->max_message_bytes);
    const nn_structure_config_t *s = &a->structure, *t = &b->structure;
    assert_int_equal(s->n_roles, t->n_roles);
    for (size_t i = 0; i < s->n_roles; i++) {
        assert_int_equal(s->roles[i].role, t->roles[i].role);
        assert_int_equal(s->roles[i].by_count, t->roles[i].by_count);
        assert_true(s->roles[i].count == t->roles[i].count);
        assert_true(s->roles[i].share == t->roles[i].share);
        assert_int_equal(s->roles[i].by, t->roles[i].by);
    }
    assert_int_equal(s->groups, t->groups);
    assert_string_equal(s->path, t->path);
    assert_string_equal(s->resolved_path, t->resolved_path);
    assert_int_equal(s->hierarchy, t->hierarchy);
    assert_int_equal(s->branching, t->branching);
    assert_int_equal(s->status, t->status);
    assert_true(s->status_value == t->status_value);
}

static void t_round_trip(t_fix_t *f, const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    nn_scenario_t *back = calloc(1, sizeof *back);
    assert_non_null(back);
    t_ok(f, text);
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    nn_diag_t d = NN_DIAG_INIT;
    int rc = nn_scenario_load_text(back, buf, len, "t.yaml", "/base", NULL, 0, &d);
    if (rc != NN_OK)
        fail_msg("written scenario does not load:\n%s---\n%s", buf, d.text ? d.text : "");
    t_same(&f->s, back);
    /* writing the reloaded scenario gives the same text */
    char *buf2 = NULL;
    size_t len2 = 0;
    m = open_memstream(&buf2, &len2);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(back, m), NN_OK);
    fclose(m);
    assert_string_equal(buf, buf2);
    nn_diag_release(&d);
    free(buf);
    free(buf2);
    free(back);
}

static void test_round_trip(void **state)
{
    t_fix_t *f = *state;
    t_round_trip(f, nn_embedded_default_yaml);
    t_round_trip(f, MINIMAL);
    t_round_trip(f, "name: \"odd \\\"name\\\"\\t\\\\ é\"\nseed: 18446744073709551615\nrounds: 0\n"
                    "agents: 300\n"
                    "network: {model: sbm, blocks: [100, 200], p_in: 0.3, p_out: 0.1}\n"
                    "opinions: {init: bimodal, modes: [0.1, 0.7], sd: 0.3333333333333333}\n"
                    "populations:\n"
                    "  - {behaviour: stubborn, count: 3}\n"
                    "  - {behaviour: deffuant, share: 0.1, params: {d: 0.123456789012345678}}\n"
                    "  - {behaviour: hk, share: 0.9}\n"
                    "nodes: 7\ntransport: ipc\noutput: {dir: 'out dir'}\n"
                    "limits: {deadline_s: 1e-3, max_message_bytes: 4096}\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: erdos_renyi, mean_degree: 3}\n"
                    "opinions: {init: seeds, seeds: 1.0}\n"
                    "populations: [{behaviour: threshold, share: 1, params: {phi: 1}}]\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: erdos_renyi, p: 0}\n"
                    "opinions: {init: seeds, seeds: 7}\n"
                    "populations: [{behaviour: threshold, count: 100}]\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: barabasi_albert, m: 2}\n"
                    "opinions: {init: normal, mean: 0.1, sd: 1e300}\n"
                    "populations: [{behaviour: degroot, share: 1}]\ntransport: tcp\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: file, path: e.txt}\n"
                    "opinions: {init: file, path: /o.csv}\n"
                    "populations: [{behaviour: voter, share: 1}]\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: watts_strogatz, k: 2, p: 1}\n"
                    "populations: [{behaviour: voter, share: 1}]\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: complete}\n"
                    "populations: [{behaviour: voter, share: 1}]\n");
    t_round_trip(f, "agents: 300\n"
                    "network: {model: sbm, blocks: [100, 200], p_in: 0.3, p_out: 0.1}\n"
                    "populations: [{behaviour: voter, share: 1}]\n"
                    "structure:\n"
                    "  roles:\n"
                    "    - {role: leader, count: 10, by: degree}\n"
                    "    - {role: mediator, share: 0.0233333333333333}\n"
                    "    - {role: arbiter, count: 0, by: betweenness}\n"
                    "  groups: {from: sbm}\n"
                    "  hierarchy: {model: group_leader}\n"
                    "  status: {from: betweenness}\n");
    t_round_trip(f, MINIMAL "structure:\n"
                            "  roles: [{role: arbiter, share: 0, by: random}]\n"
                            "  groups: {from: file, path: \"g dir/groups.csv\"}\n"
                            "  hierarchy: {model: tree, branching: 4294967295}\n"
                            "  status: {from: constant, value: -2.5e-7}\n");
    t_round_trip(f, MINIMAL "structure: {groups: {from: louvain}, hierarchy: {model: tree}, "
                            "status: {from: degree}}\n");
}

static void test_write_text(void **state)
{
    t_fix_t *f = *state;
    char *buf = NULL;
    size_t len = 0;
    t_ok(f, nn_embedded_default_yaml);
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    /* readable doubles, the seed and every default written out, only the model's keys */
    assert_non_null(strstr(buf, "  p: 0.05\n"));
    assert_non_null(strstr(buf, "seed: 42\n"));
    assert_non_null(strstr(buf, "deadline_s: 30.0\n"));
    assert_non_null(strstr(buf, "max_message_bytes: 1073741824\n"));
    assert_non_null(strstr(buf, "      mu: 0.5\n"));
    assert_null(strstr(buf, "mean_degree"));
    assert_null(strstr(buf, "blocks"));
    /* the structure block is always written, defaults included */
    assert_non_null(strstr(buf, "structure:\n  roles: []\n  groups:\n    from: none\n"
                                "  hierarchy:\n    model: none\n  status:\n    from: constant\n"
                                "    value: 1.0\n"));
    free(buf);
    nn_scenario_t bad;
    memset(&bad, 0, sizeof bad);
    bad.n_populations = 1; /* without ops */
    assert_int_equal(nn_scenario_write(&bad, stdout), NN_EINVAL);
}

/* ---- files --------------------------------------------------------------------------- */

static int t_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".yaml") == 0;
}

/* Whether text holds needle not followed by another digit. */
static int t_has_place(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = text; p && (p = strstr(p, needle)); p++)
        if (p[n] < '0' || p[n] > '9')
            return 1;
    return 0;
}

static void test_bad_corpus(void **state)
{
    t_fix_t *f = *state;
    const char *dir = NUNCHI_SOURCE_DIR "/tests/data/bad";
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!t_yaml_name(de->d_name))
            continue;
        char path[1024], line[256], place[64], want[1200];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *fp = fopen(path, "r");
        assert_non_null(fp);
        int got = fgets(line, sizeof line, fp) != NULL;
        fclose(fp);
        if (!got || sscanf(line, "# expect: %63[0-9:]", place) != 1)
            fail_msg("%s: the first line must be '# expect: LINE:COL' or '# expect: LINE'", path);
        nn_diag_release(&f->d);
        int rc = nn_scenario_load(&f->s, path, NULL, 0, &f->d);
        snprintf(want, sizeof want, "%s:%s%s", path, place, strchr(place, ':') ? "" : ":");
        if (rc != NN_ESCENARIO || !t_has_place(f->d.text, want))
            fail_msg("%s: rc %d, expected an error at %s, got:\n%s", de->d_name, rc, want,
                     f->d.text ? f->d.text : "(nothing)");
        n++;
    }
    closedir(dp);
    assert_true(n >= 20);
}

static void test_good_scenarios(void **state)
{
    t_fix_t *f = *state;
    const char *dir = NUNCHI_SOURCE_DIR "/scenarios";
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!t_yaml_name(de->d_name))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        nn_diag_release(&f->d);
        int rc = nn_scenario_load(&f->s, path, NULL, 0, &f->d);
        if (rc != NN_OK)
            fail_msg("%s: rc %d:\n%s", path, rc, f->d.text ? f->d.text : "");
        assert_string_equal(f->s.source, path);
        n++;
    }
    closedir(dp);
    assert_true(n >= 1);
}

static void test_files(void **state)
{
    t_fix_t *f = *state;
    char dir[] = "/tmp/nunchi-scenario-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/my-run.yaml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("agents: 10\nnetwork: {model: file, path: edges.txt}\n"
          "populations: [{behaviour: voter, share: 1}]\n",
          fp);
    fclose(fp);
    assert_int_equal(nn_scenario_load(&f->s, path, NULL, 0, &f->d), NN_OK);
    assert_string_equal(f->s.name, "my-run");
    char want[300];
    snprintf(want, sizeof want, "%s/edges.txt", dir);
    assert_string_equal(f->s.network.resolved_path, want);
    unlink(path);

    nn_diag_release(&f->d);
    assert_int_equal(nn_scenario_load(&f->s, path, NULL, 0, &f->d), NN_EIO);
    assert_true(t_has(f, "cannot read scenario '"));
    nn_diag_release(&f->d);
    assert_int_equal(nn_scenario_load(&f->s, dir, NULL, 0, &f->d), NN_EIO);
    rmdir(dir);
    assert_int_equal(nn_scenario_load(NULL, NULL, NULL, 0, &f->d), NN_EINVAL);
    assert_int_equal(nn_scenario_load(&f->s, NULL, NULL, 0, NULL), NN_EINVAL);
    assert_string_equal(nn_transport_name(NN_TRANSPORT_IPC), "ipc");
    assert_string_equal(nn_transport_name((nn_transport_t)9), "?");
    assert_string_equal(nn_opinions_init_name(NN_INIT_SEEDS), "seeds");
}

/* ---- hostile input ------------------------------------------------------------------- */

static void test_no_crash(void **state)
{
    t_fix_t *f = *state;
    const char *base = nn_embedded_default_yaml;
    size_t n = strlen(base);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    /* every prefix, and every byte replaced by a few troublemakers */
    for (size_t i = 0; i <= n; i++) {
        nn_diag_release(&f->d);
        int rc = nn_scenario_load_text(&f->s, base, i, "t.yaml", ".", NULL, 0, &f->d);
        assert_true(rc == NN_OK || rc == NN_ESCENARIO);
    }
    static const char subst[] = {'\0', '\t', ':', '[', '{', '-', '&', '*', '"', '\xff', '\n'};
    for (size_t i = 0; i < n; i += 3)
        for (size_t j = 0; j < sizeof subst; j++) {
            memcpy(buf, base, n);
            buf[i] = subst[j];
            nn_diag_release(&f->d);
            int rc = nn_scenario_load_text(&f->s, buf, n, "t.yaml", ".", NULL, 0, &f->d);
            assert_true(rc == NN_OK || rc == NN_ESCENARIO);
        }
    free(buf);

    static const char *const texts[] = {
        "a: &x [*x]\n", /* an alias inside its own anchor */
        "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
        "agents: !!binary aGVsbG8=\n",
        "agents: 1000\nnetwork: {model: [ring]}\npopulations: [{behaviour: {a: 1}}]\n",
        "agents: 1000\nnetwork: {model: sbm, blocks: {a: 1}, p_in: [], p_out: {}}\n"
        "populations: [[]]\n",
        "agents: 1000\nnetwork: {model: erdos_renyi, p: [], mean_degree: {}}\n"
        "opinions: {init: seeds, seeds: [1]}\npopulations: 1\n",
        "agents: 1000\nopinions: {init: bimodal, modes: 1}\nopinions: 2\n",
        "agents: -99999999999999999999999999\nseed: +\nrounds: -\nnodes: 1e\n",
        "agents: 10\nnetwork: {model: ring, k: 4}\n"
        "populations: [{behaviour: deffuant, share: 1, params: [1]}]\n",
        "agents: 10\nnetwork: {model: ring, k: 4}\n"
        "populations: [{behaviour: deffuant, share: 1, params: {[a]: 1, d: x}}]\n",
        "\xef\xbb\xbf"
        "agents: 10\n",
        "%YAML 1.1\n---\nagents: 10\n...\n",
        "",
        "~\n",
        "# only a comment\n",
        "agents: 'a\\x00b'\nname: \"a\\0b\"\n",
        "populations: [{behaviour: \"voter\\0x\", share: 1}]\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int rc = t_load(f, texts[i], NULL, 0);
        assert_int_equal(rc, NN_ESCENARIO);
        assert_true(f->d.count > 0);
    }
    /* nesting deeper than the parser's limit */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 16);
    assert_non_null(deep);
    memcpy(deep, "agents: ", 8);
    memset(deep + 8, '[', depth);
    memset(deep + 8 + depth, ']', depth);
    nn_diag_release(&f->d);
    assert_int_equal(
        nn_scenario_load_text(&f->s, deep, 8 + 2 * depth, "t.yaml", ".", NULL, 0, &f->d),
        NN_ESCENARIO);
    assert_true(t_has(f, "nests deeper than"));
    free(deep);
    /* an absurd --set path */
    char longset[4096];
    memset(longset, 'a', sizeof longset);
    for (size_t i = 1; i < sizeof longset - 8; i += 2)
        longset[i] = '.';
    memcpy(longset + sizeof longset - 8, "=1", 3);
    const char *sets[] = {longset};
    assert_int_equal(t_load(f, MINIMAL, sets, 1), NN_ESCENARIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_embedded_default, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_defaults, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_every_key, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_models, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_opinions, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_populations, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_structure, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_error_classes, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_structure_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_collects_all_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_error_cap, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_suggestions, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_set_scalar, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_set_creates, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_set_flow, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_set_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_set_structure, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_write_text, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_bad_corpus, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_good_scenarios, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_files, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_no_crash, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
