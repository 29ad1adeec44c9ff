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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

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
    nn_scenario_release(&f->s);
    nn_diag_release(&f->d);
    free(f);
    return 0;
}

static int t_load(t_fix_t *f, const char *text, const char *const *sets, size_t n_sets)
{
    nn_scenario_release(&f->s);
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
    assert_int_equal(s->partition, NN_PARTITION_METIS);
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
    assert_int_equal(s->partition, NN_PARTITION_METIS);
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
            "partition: block\n"
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
    assert_int_equal(s->partition, NN_PARTITION_BLOCK);
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
         "'deffuant'? known: degroot, deffuant, hk, voter, threshold, stubborn"},
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
        {"agents: 1000\nnetwork: {model: ring, k: 4}\n"
         "populations: [{behaviour: voter, share: 1}]\npartition: kway\n",
         "'partition' must be one of metis, block, hash, got 'kway' at t.yaml:4:12\n"},
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
         "'structure.status.from' must be one of constant, degree, betweenness, population, got "
         "'betweenes' "
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

/* ---- norms, game, cases, decisions, trends, distributions ---------------------------- */

/* MINIMAL with a mediator and an arbiter: what the default complaint chain needs */
#define SOCIETY                                                                                    \
    MINIMAL "structure:\n"                                                                         \
            "  roles: [{role: mediator, count: 10}, {role: arbiter, count: 5}]\n"

static void t_default_norm(const nn_norm_config_t *nm)
{
    assert_int_equal(nm->on, 0);
    assert_int_equal(nm->limit, 5);
    assert_int_equal(nm->scope, NN_ADDRESS_NEIGHBOURS);
    assert_true(nm->threshold == 0.7);
    assert_true(nm->detect == 1.0);
    assert_int_equal(nm->forgive, 0);
    assert_int_equal(nm->n_ladder, 1);
    assert_int_equal(nm->ladder[0].kind, NN_SANCTION_WARN);
}

static void t_default_protocols(const nn_cases_config_t *cc)
{
    assert_int_equal(cc->jury, 5);
    assert_int_equal(cc->max_open, 1);
    assert_true(cc->turnout == 0.5);
    assert_int_equal(cc->mediation_rounds, 5);
    assert_true(cc->mediation_step == 0.25);
    assert_int_equal(cc->negotiation_rounds, 6);
    assert_int_equal(cc->arbiter_by, NN_ARBITER_ROLE);
    assert_int_equal(cc->deliberation_rounds, 10);
    assert_true(cc->deliberation_confidence == 0.3);
    assert_true(cc->deliberation_epsilon == 0.05);
}

static void test_society_defaults(void **state)
{
    t_fix_t *f = *state;
    const nn_scenario_t *s = &f->s;
    t_ok(f, MINIMAL);
    for (int k = 0; k < NN_NORM_KINDS; k++)
        t_default_norm(&s->norms.norm[k]);
    assert_true(s->norms.recovery == 0.0);
    assert_int_equal(s->game.on, 0);
    assert_true(s->game.benefit == 3.0 && s->game.cost == 1.0);
    const nn_cases_config_t *cc = &s->cases;
    assert_int_equal(cc->complaints, 0);
    assert_int_equal(cc->n_chain[NN_CASE_COMPLAINT], 3);
    assert_int_equal(cc->chain[NN_CASE_COMPLAINT][0], NN_PROTO_MEDIATION);
    assert_int_equal(cc->chain[NN_CASE_COMPLAINT][1], NN_PROTO_ARBITRATION);
    assert_int_equal(cc->chain[NN_CASE_COMPLAINT][2], NN_PROTO_TOLERANCE);
    assert_int_equal(cc->n_chain[NN_CASE_DECISION], 1);
    assert_int_equal(cc->chain[NN_CASE_DECISION][0], NN_PROTO_MAJORITY);
    assert_int_equal(cc->decisions_every, 0);
    assert_int_equal(cc->decisions_scope, NN_SCOPE_GROUP);
    assert_int_equal(cc->options, 5);
    t_default_protocols(cc);
    assert_int_equal(s->trends.every, 0);
    assert_int_equal(s->trends.seeds, 5);
    assert_int_equal(s->trends.max, 64);
    for (size_t j = 0; j < NN_MAX_PARAMS; j++) {
        assert_int_equal(s->populations[0].dist[j], NN_DIST_CONSTANT);
        assert_true(s->populations[0].param_b[j] == 0.0);
    }
    /* present but empty: on, with the same defaults; an empty norms list is all off */
    t_ok(f, SOCIETY "norms: []\ngame: {}\ncases: {}\n");
    assert_int_equal(s->game.on, 1);
    assert_true(s->game.benefit == 3.0 && s->game.cost == 1.0);
    assert_int_equal(cc->complaints, 1);
    assert_int_equal(cc->n_chain[NN_CASE_COMPLAINT], 3);
    assert_int_equal(cc->decisions_every, 0);
    t_default_protocols(cc);
    for (int k = 0; k < NN_NORM_KINDS; k++)
        t_default_norm(&s->norms.norm[k]);
    /* decisions alone: the complaint defaults stay, complaints stay off */
    t_ok(f, MINIMAL "decisions: {every: 7}\ntrends: {every: 1}\n");
    assert_int_equal(cc->complaints, 0);
    assert_int_equal(cc->decisions_every, 7);
    assert_int_equal(cc->decisions_scope, NN_SCOPE_GROUP);
    assert_int_equal(cc->n_chain[NN_CASE_DECISION], 1);
    assert_int_equal(cc->chain[NN_CASE_DECISION][0], NN_PROTO_MAJORITY);
    assert_int_equal(cc->options, 5);
    assert_int_equal(s->trends.every, 1);
    assert_int_equal(s->trends.seeds, 5);
    assert_int_equal(s->trends.max, 64);
}

static void test_norms(void **state)
{
    t_fix_t *f = *state;
    const nn_norms_config_t *nc = &f->s.norms;
    t_ok(f, MINIMAL "game: {benefit: 2, cost: 0}\n"
                    "decisions: {every: 10}\n"
                    "structure: {hierarchy: {model: tree}, reputation: {recovery: 0.02}}\n"
                    "norms:\n"
                    "  - norm: rate\n"
                    "    limit: 0\n"
                    "    detect: 0.5\n"
                    "    forgive: 7\n"
                    "    sanctions:\n"
                    "      - warn\n"
                    "      - {reputation: 0.1}\n"
                    "      - {mute: 3}\n"
                    "      - {exclude: 10}\n"
                    "      - {exclude: forever}\n"
                    "  - {norm: address, scope: hierarchy}\n"
                    "  - {norm: aggression, threshold: 0.9, sanctions: [{mute: 4294967295}]}\n"
                    "  - {norm: defection}\n"
                    "  - {norm: noncompliance, detect: 0, sanctions: [{reputation: 1}]}\n");
    const nn_norm_config_t *r = &nc->norm[NN_NORM_RATE];
    assert_int_equal(r->on, 1);
    assert_int_equal(r->limit, 0);
    assert_true(r->detect == 0.5);
    assert_int_equal(r->forgive, 7);
    assert_int_equal(r->n_ladder, 5);
    assert_int_equal(r->ladder[0].kind, NN_SANCTION_WARN);
    assert_int_equal(r->ladder[1].kind, NN_SANCTION_REPUTATION);
    assert_true(r->ladder[1].amount == 0.1);
    assert_int_equal(r->ladder[2].kind, NN_SANCTION_MUTE);
    assert_int_equal(r->ladder[2].rounds, 3);
    assert_int_equal(r->ladder[3].kind, NN_SANCTION_EXCLUDE);
    assert_int_equal(r->ladder[3].rounds, 10);
    assert_int_equal(r->ladder[4].kind, NN_SANCTION_EXCLUDE);
    assert_int_equal(r->ladder[4].rounds, 0); /* forever */
    /* the keys of other norms keep their defaults */
    assert_true(r->threshold == 0.7);
    assert_int_equal(r->scope, NN_ADDRESS_NEIGHBOURS);
    const nn_norm_config_t *a = &nc->norm[NN_NORM_ADDRESS];
    assert_int_equal(a->on, 1);
    assert_int_equal(a->scope, NN_ADDRESS_HIERARCHY);
    assert_int_equal(a->limit, 5);
    assert_int_equal(a->n_ladder, 1); /* no sanctions: [warn] */
    assert_int_equal(a->ladder[0].kind, NN_SANCTION_WARN);
    const nn_norm_config_t *g = &nc->norm[NN_NORM_AGGRESSION];
    assert_true(g->threshold == 0.9);
    assert_int_equal(g->n_ladder, 1);
    assert_int_equal(g->ladder[0].kind, NN_SANCTION_MUTE);
    assert_int_equal(g->ladder[0].rounds, UINT32_MAX);
    assert_int_equal(nc->norm[NN_NORM_DEFECTION].on, 1);
    const nn_norm_config_t *n = &nc->norm[NN_NORM_NONCOMPLIANCE];
    assert_int_equal(n->on, 1);
    assert_true(n->detect == 0.0);
    assert_true(n->ladder[0].amount == 1.0);
    assert_true(nc->recovery == 0.02);
    assert_int_equal(f->s.game.on, 1);
    assert_true(f->s.game.benefit == 2.0 && f->s.game.cost == 0.0);
    /* one norm listed: the others stay off; noncompliance is happy with cases alone */
    t_ok(f, SOCIETY "cases: {}\nnorms: [{norm: noncompliance}]\n");
    assert_int_equal(nc->norm[NN_NORM_NONCOMPLIANCE].on, 1);
    assert_int_equal(nc->norm[NN_NORM_RATE].on, 0);
    assert_int_equal(nc->norm[NN_NORM_DEFECTION].on, 0);
    /* address with 'either' needs no hierarchy; aggression is allowed anywhere */
    t_ok(f, MINIMAL "norms: [{norm: address, scope: either}, {norm: aggression}]\n");
    assert_int_equal(nc->norm[NN_NORM_ADDRESS].scope, NN_ADDRESS_EITHER);
    /* a cost just below the benefit */
    t_ok(f, MINIMAL "game: {benefit: 0.5, cost: 0.4999999}\n");
    assert_true(f->s.game.cost == 0.4999999);
}

static void test_cases(void **state)
{
    t_fix_t *f = *state;
    const nn_cases_config_t *cc = &f->s.cases;
    t_ok(f, MINIMAL "structure:\n"
                    "  roles: [{role: mediator, share: 0.01}, {role: arbiter, count: 1}]\n"
                    "  hierarchy: {model: tree, branching: 2}\n"
                    "cases:\n"
                    "  chain: [weighted, negotiation, arbitration, deliberation, tolerance, "
                    "majority, mediation, tolerance]\n"
                    "  jury: 1000\n"
                    "  max_open: 3\n"
                    "  turnout: 1\n"
                    "  mediation: {rounds: 2, step: 1}\n"
                    "  negotiation: {rounds: 1}\n"
                    "  arbitration: {by: superior}\n"
                    "  deliberation: {rounds: 4, confidence: 1, epsilon: 0.5}\n"
                    "decisions: {every: 1, scope: society, chain: [deliberation, majority], "
                    "options: 101}\n"
                    "trends: {every: 3, seeds: 1000, max: 1}\n");
    assert_int_equal(cc->complaints, 1);
    static const nn_protocol_t want[] = {
        NN_PROTO_WEIGHTED,  NN_PROTO_NEGOTIATION, NN_PROTO_ARBITRATION, NN_PROTO_DELIBERATION,
        NN_PROTO_TOLERANCE, NN_PROTO_MAJORITY,    NN_PROTO_MEDIATION,   NN_PROTO_TOLERANCE};
    assert_int_equal(cc->n_chain[NN_CASE_COMPLAINT], 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(cc->chain[NN_CASE_COMPLAINT][i], want[i]);
    assert_int_equal(cc->jury, 1000);
    assert_int_equal(cc->max_open, 3);
    assert_true(cc->turnout == 1.0);
    assert_int_equal(cc->mediation_rounds, 2);
    assert_true(cc->mediation_step == 1.0);
    assert_int_equal(cc->negotiation_rounds, 1);
    assert_int_equal(cc->arbiter_by, NN_ARBITER_SUPERIOR);
    assert_int_equal(cc->deliberation_rounds, 4);
    assert_true(cc->deliberation_confidence == 1.0);
    assert_true(cc->deliberation_epsilon == 0.5);
    assert_int_equal(cc->decisions_every, 1);
    assert_int_equal(cc->decisions_scope, NN_SCOPE_SOCIETY);
    assert_int_equal(cc->n_chain[NN_CASE_DECISION], 2);
    assert_int_equal(cc->chain[NN_CASE_DECISION][0], NN_PROTO_DELIBERATION);
    assert_int_equal(cc->chain[NN_CASE_DECISION][1], NN_PROTO_MAJORITY);
    assert_int_equal(cc->options, 101);
    assert_int_equal(f->s.trends.every, 3);
    assert_int_equal(f->s.trends.seeds, 1000);
    assert_int_equal(f->s.trends.max, 1);
    /* a chain given replaces the default whole: nothing of it is left behind */
    t_ok(f, MINIMAL "cases: {chain: [tolerance], jury: 0}\n");
    assert_int_equal(cc->n_chain[NN_CASE_COMPLAINT], 1);
    assert_int_equal(cc->chain[NN_CASE_COMPLAINT][0], NN_PROTO_TOLERANCE);
    for (size_t i = 1; i < NN_MAX_CHAIN; i++)
        assert_int_equal(cc->chain[NN_CASE_COMPLAINT][i], 0);
    assert_int_equal(cc->jury, 0);
    /* arbitration by superior under group leaders needs no arbiter */
    t_ok(f, MINIMAL "structure: {roles: [{role: leader, count: 10}], hierarchy: {model: "
                    "group_leader}}\n"
                    "cases: {chain: [arbitration], arbitration: {by: superior}}\n");
    /* a share of mediators that rounds to one agent is enough (0.0006 x 1000 -> 1) */
    t_ok(f,
         MINIMAL "structure: {roles: [{role: mediator, share: 0.0006}], groups: {from: louvain}}\n"
                 "decisions: {every: 2, chain: [mediation]}\n");
    /* protocols nobody uses need no third party */
    t_ok(f, MINIMAL "cases: {chain: [majority, deliberation], arbitration: {by: superior}}\n");
}

static void test_distributions(void **state)
{
    t_fix_t *f = *state;
    const nn_population_t *p = f->s.populations;
    t_ok(f, "agents: 100\nnetwork: {model: complete}\n"
            "populations:\n"
            "  - behaviour: deffuant\n"
            "    share: 0.5\n"
            "    params: {d: {normal: [0.2, 0.05]}, mu: {uniform: [0.1, 0.5]}}\n"
            "  - {behaviour: hk, share: 0.25, params: {epsilon: {uniform: [0.3, 0.3]}}}\n"
            "  - {behaviour: degroot, share: 0.25, params: {self_weight: {normal: [1, 0]}}}\n");
    /* deffuant's parameters in order: d, mu */
    assert_int_equal(p[0].dist[0], NN_DIST_NORMAL);
    assert_true(p[0].params[0] == 0.2 && p[0].param_b[0] == 0.05);
    assert_int_equal(p[0].dist[1], NN_DIST_UNIFORM);
    assert_true(p[0].params[1] == 0.1 && p[0].param_b[1] == 0.5);
    assert_int_equal(p[1].dist[0], NN_DIST_UNIFORM); /* low == high is allowed */
    assert_true(p[1].params[0] == 0.3 && p[1].param_b[0] == 0.3);
    assert_int_equal(p[2].dist[0], NN_DIST_NORMAL); /* sd 0, mean at the range's end */
    assert_true(p[2].params[0] == 1.0 && p[2].param_b[0] == 0.0);
    /* a plain number next to a distribution stays constant */
    t_ok(f, "agents: 100\nnetwork: {model: complete}\n"
            "populations: [{behaviour: deffuant, share: 1, params: {d: 0.3, mu: {uniform: [0, "
            "1]}}}]\n");
    assert_int_equal(p[0].dist[0], NN_DIST_CONSTANT);
    assert_true(p[0].params[0] == 0.3 && p[0].param_b[0] == 0.0);
    assert_int_equal(p[0].dist[1], NN_DIST_UNIFORM);
    assert_true(p[0].params[1] == 0.0 && p[0].param_b[1] == 1.0);
}

static void t_one_error(t_fix_t *f, const t_bad_t *cases, size_t n);

/* complaints: false keeps the protocols' parameters for decisions and opens no complaint
 * cases; the default complaint chain (mediation) then needs no mediators */
static void test_cases_without_complaints(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, MINIMAL "cases: {complaints: false, turnout: 0.9, mediation: {rounds: 2}}\n"
                    "decisions: {every: 5, chain: [weighted]}\n");
    assert_int_equal(f->s.cases.complaints, 0);
    assert_true(f->s.cases.turnout == 0.9);
    assert_int_equal(f->s.cases.mediation_rounds, 2);
    assert_int_equal(f->s.cases.decisions_every, 5);
    t_ok(f,
         MINIMAL "cases: {complaints: true}\n"
                 "structure: {roles: [{role: mediator, count: 3}, {role: arbiter, count: 1}]}\n");
    assert_int_equal(f->s.cases.complaints, 1);
    static const t_bad_t cases[] = {
        {MINIMAL "cases: {complaints: maybe, chain: [tolerance]}\n",
         "'cases.complaints' must be one of false, true, got 'maybe'"},
    };
    t_one_error(f, cases, 1);
}

static void test_status_from_population(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, "agents: 100\nnetwork: {model: complete}\n"
            "populations:\n  - {behaviour: voter, share: 0.5, status: 0.8}\n"
            "  - {behaviour: voter, share: 0.25, status: {uniform: [0.1, 0.3]}}\n"
            "  - {behaviour: voter, share: 0.25}\n"
            "structure: {status: {from: population}}\n");
    const nn_structure_config_t *st = &f->s.structure;
    assert_int_equal(st->status, NN_STATUS_POPULATION);
    assert_int_equal(st->pop_status_dist[0], NN_DIST_CONSTANT);
    assert_true(st->pop_status[0] == 0.8);
    assert_int_equal(st->pop_status_dist[1], NN_DIST_UNIFORM);
    assert_true(st->pop_status[1] == 0.1 && st->pop_status_b[1] == 0.3);
    assert_int_equal(st->pop_status_dist[2], NN_DIST_CONSTANT);
    assert_true(st->pop_status[2] == 1.0); /* a population that says nothing has status 1 */
    static const t_bad_t cases[] = {
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, share: 1, status: 0.5}]\n",
         "'populations[0].status' is read only when the structure takes its status from the "
         "populations at t.yaml:3:52 (add structure: {status: {from: population}}, or leave the "
         "status out)"},
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, share: 1, status: 1.5}]\n"
         "structure: {status: {from: population}}\n",
         "'populations[0].status' must be a number in [0, 1] or a distribution, got 1.5"},
        {"agents: 100\nnetwork: {model: complete}\n"
         "populations: [{behaviour: voter, share: 1, status: {uniform: [0.5, 2]}}]\n"
         "structure: {status: {from: population}}\n",
         "'populations[0].status.uniform[1]' must be a number in [0, 1], got 2"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
}

static void t_one_error(t_fix_t *f, const t_bad_t *cases, size_t n)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
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
}

static void test_norms_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "norms: [{norm: rat}]\n",
         "'norms[0].norm' must be one of rate, address, aggression, defection, noncompliance, "
         "got 'rat' at t.yaml:4:16 (did you mean 'rate'?)"},
        {MINIMAL "norms:\n  - {norm: rate}\n  - {norm: rate, limit: 2}\n",
         "norm 'rate' is given twice in 'norms' at t.yaml:6:12 (first at t.yaml:5:12; each norm "
         "takes one entry)"},
        {MINIMAL "norms: [{norm: address, limit: 2}]\n",
         "key 'limit' does not apply to norm 'address' at t.yaml:4:25 (it takes: scope, detect, "
         "forgive, sanctions)"},
        {MINIMAL "norms: [{norm: defection, threshold: 0.5}]\ngame: {}\n",
         "key 'threshold' does not apply to norm 'defection' at t.yaml:4:27 (it takes: detect, "
         "forgive, sanctions)"},
        {MINIMAL "norms: [{limit: 2}]\n",
         "missing key 'norms[0].norm' at t.yaml:4:9 (required: one of rate, address, "
         "aggression, defection, noncompliance)"},
        {MINIMAL "norms: [{norm: rate, detetc: 1}]\n",
         "unknown key 'detetc' in 'norms[0]' at t.yaml:4:22 (did you mean 'detect'?)"},
        {MINIMAL "norms: [{norm: rate, limit: -1}]\n",
         "'norms[0].limit' must be an integer >= 0 (messages per agent per round), got -1 at "
         "t.yaml:4:29"},
        {MINIMAL "norms: [{norm: address, scope: neighbors}]\n",
         "'norms[0].scope' must be one of neighbours, hierarchy, either, got 'neighbors' at "
         "t.yaml:4:32 (did you mean 'neighbours'?)"},
        {MINIMAL "norms: [{norm: aggression, threshold: 1.5}]\n",
         "'norms[0].threshold' must be a number in [0, 1], got 1.5 at t.yaml:4:39"},
        {MINIMAL "norms: [{norm: rate, detect: 2}]\n",
         "'norms[0].detect' must be a number in [0, 1], got 2 at t.yaml:4:30"},
        {MINIMAL "norms: [{norm: rate, forgive: 0.5}]\n",
         "'norms[0].forgive' must be an integer >= 0 (rounds; 0: never), got 0.5 at t.yaml:4:31"},
        {MINIMAL "norms: [{norm: rate, sanctions: []}]\n",
         "'norms[0].sanctions' must have 1..8 entries, got 0 at t.yaml:4:33"},
        {MINIMAL "norms: [{norm: rate, sanctions: [warn, warn, warn, warn, warn, warn, warn, warn, "
                 "warn]}]\n",
         "'norms[0].sanctions' must have 1..8 entries, got 9 at t.yaml:4:33"},
        {MINIMAL "norms: [{norm: rate, sanctions: warn}]\n",
         "'norms[0].sanctions' must be a sequence, got 'warn' at t.yaml:4:33"},
        {MINIMAL "norms: [{norm: rate, sanctions: [warn, mutee]}]\n",
         "'norms[0].sanctions[1]' must be a sanction, got 'mutee' at t.yaml:4:40 (did you mean "
         "{mute: 3}?)"},
        {MINIMAL "norms: [{norm: rate, sanctions: [mute]}]\n",
         "'norms[0].sanctions[0]' is 'mute', which needs a number of rounds at t.yaml:4:34 (write "
         "it as {mute: 3})"},
        {MINIMAL "norms: [{norm: rate, sanctions: [reputation]}]\n",
         "'norms[0].sanctions[0]' is 'reputation', which needs an amount at t.yaml:4:34 (write it "
         "as {reputation: 0.1})"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{reputation: 0}]}]\n",
         "'norms[0].sanctions[0].reputation' must be a number in (0, 1] (the reputation taken), "
         "got 0 at t.yaml:4:47"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{mute: 0}]}]\n",
         "'norms[0].sanctions[0].mute' must be an integer >= 1 (rounds), got 0 at t.yaml:4:41"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{exclude: 0}]}]\n",
         "'norms[0].sanctions[0].exclude' must be an integer >= 1 (rounds), or the word forever, "
         "got 0 at t.yaml:4:44"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{exclude: 'forever'}]}]\n",
         "got the string 'forever' at t.yaml:4:44"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{mut: 3}]}]\n",
         "unknown sanction 'mut' in 'norms[0].sanctions[0]' at t.yaml:4:35 (did you mean "
         "'mute'?)"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{mute: 3, exclude: 2}]}]\n",
         "'norms[0].sanctions[0]' must be one sanction, got a mapping of several keys at "
         "t.yaml:4:34"},
        {MINIMAL "norms: [{norm: rate, sanctions: [{warn: 1}]}]\n",
         "sanction 'warn' in 'norms[0].sanctions[0]' takes no value at t.yaml:4:35 (write it as "
         "the word warn)"},
        {MINIMAL "norms: [{norm: defection}]\n",
         "norm 'defection' needs 'game' at t.yaml:4:16 (without the cooperation game there is "
         "nothing to defect in"},
        {MINIMAL "norms: [{norm: noncompliance}]\n",
         "norm 'noncompliance' needs 'cases' or 'decisions' at t.yaml:4:16"},
        {MINIMAL "norms: [{norm: address, scope: hierarchy}]\n",
         "'norms[0].scope' is 'hierarchy' but structure.hierarchy is 'none' at t.yaml:4:32"},
        {MINIMAL "norms: {norm: rate}\n",
         "'norms' must be a sequence, got a mapping at t.yaml:4:8"},
        {MINIMAL "norms: [rate]\n", "'norms[0]' must be a mapping, got 'rate' at t.yaml:4:9"},
        {MINIMAL "game: {benefit: 0}\n",
         "'game.benefit' must be a number in (0, 1000], got 0 at t.yaml:4:17"},
        {MINIMAL "game: {benefit: 1e13, cost: 0}\n",
         "'game.benefit' must be a number in (0, 1000], got 1e13 at t.yaml:4:17"},
        {MINIMAL "game: {benefit: 3, cost: 3}\n",
         "'game.cost' must be a number >= 0 and < game.benefit (3), got 3 at t.yaml:4:26"},
        {MINIMAL "game: {cost: -1}\n",
         "'game.cost' must be a number >= 0 and < game.benefit (3), got -1 at t.yaml:4:14"},
        {MINIMAL "game: {benefit: 0.5, cost: 2}\n",
         "'game.cost' must be a number >= 0 and < game.benefit (0.5), got 2 at t.yaml:4:28"},
        {MINIMAL "game: {benfit: 2}\n",
         "unknown key 'benfit' in 'game' at t.yaml:4:8 (did you mean 'benefit'?)"},
        {MINIMAL "game: on\n", "'game' must be a mapping, got 'on' at t.yaml:4:7"},
        {MINIMAL "structure: {reputation: {recovery: 1.5}}\n",
         "'structure.reputation.recovery' must be a number in [0, 1], got 1.5 at t.yaml:4:36"},
        {MINIMAL "structure: {reputation: {recover: 0.1}}\n",
         "unknown key 'recover' in 'structure.reputation' at t.yaml:4:26 (did you mean "
         "'recovery'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* one mistake, one message: a bad game still counts as a game for defection, a bad
     * hierarchy does not also fail scope hierarchy */
    assert_int_equal(
        t_load(f, MINIMAL "game: {benefit: -1}\nnorms: [{norm: defection}]\n", NULL, 0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_int_equal(t_load(f,
                            MINIMAL "structure: {hierarchy: {model: tre}}\n"
                                    "norms: [{norm: address, scope: hierarchy}]\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    /* every wrong entry of a ladder is reported */
    assert_int_equal(
        t_load(f, MINIMAL "norms: [{norm: rate, sanctions: [{mute: 0}, {exclude: -1}]}]\n", NULL,
               0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
}

static void test_cases_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {SOCIETY "cases: {chain: [mediation, vote]}\n",
         "'cases.chain[1]' must be one of majority, weighted, mediation, negotiation, "
         "arbitration, deliberation, tolerance, got 'vote' at t.yaml:6:28"},
        {SOCIETY "cases: {chain: [mediaton]}\n",
         "got 'mediaton' at t.yaml:6:17 (did you mean 'mediation'?)"},
        {SOCIETY "cases: {chain: []}\n",
         "'cases.chain' must have 1..8 entries, got 0 at t.yaml:6:16"},
        {SOCIETY "cases: {chain: [tolerance, tolerance, tolerance, tolerance, tolerance, "
                 "tolerance, tolerance, tolerance, tolerance]}\n",
         "'cases.chain' must have 1..8 entries, got 9 at t.yaml:6:16"},
        {SOCIETY "cases: {chain: mediation}\n",
         "'cases.chain' must be a sequence, got 'mediation' at t.yaml:6:16"},
        {SOCIETY "cases: {jury: 1001}\n",
         "'cases.jury' must be an integer in 0..1000, got 1001 at t.yaml:6:15"},
        {SOCIETY "cases: {max_open: 0}\n",
         "'cases.max_open' must be an integer >= 1, got 0 at t.yaml:6:19"},
        {SOCIETY "cases: {turnout: 0}\n",
         "'cases.turnout' must be a number in (0, 1], got 0 at t.yaml:6:18"},
        {SOCIETY "cases: {mediation: {rounds: 0}}\n",
         "'cases.mediation.rounds' must be an integer >= 1, got 0 at t.yaml:6:29"},
        {SOCIETY "cases: {mediation: {step: 1.5}}\n",
         "'cases.mediation.step' must be a number in (0, 1], got 1.5 at t.yaml:6:27"},
        {SOCIETY "cases: {negotiation: {rounds: -2}}\n",
         "'cases.negotiation.rounds' must be an integer >= 1, got -2 at t.yaml:6:31"},
        {SOCIETY "cases: {arbitration: {by: judge}}\n",
         "'cases.arbitration.by' must be one of arbiter, superior, got 'judge' at t.yaml:6:27"},
        {SOCIETY "cases: {deliberation: {confidence: 0}}\n",
         "'cases.deliberation.confidence' must be a number in (0, 1], got 0 at t.yaml:6:36"},
        {SOCIETY "cases: {deliberation: {epsilon: 2}}\n",
         "'cases.deliberation.epsilon' must be a number in (0, 1], got 2 at t.yaml:6:33"},
        {SOCIETY "cases: {deliberation: {rounds: 0}}\n",
         "'cases.deliberation.rounds' must be an integer >= 1, got 0 at t.yaml:6:32"},
        {SOCIETY "cases: {deliberation: {round: 3}}\n",
         "unknown key 'round' in 'cases.deliberation' at t.yaml:6:24 (did you mean 'rounds'?)"},
        {SOCIETY "cases: {juri: 5}\n",
         "unknown key 'juri' in 'cases' at t.yaml:6:9 (did you mean 'jury'?)"},
        {SOCIETY "cases: [mediation]\n", "'cases' must be a mapping, got a sequence at t.yaml:6:8"},
        {MINIMAL "cases: {chain: [mediation]}\n",
         "'cases.chain[0]' is 'mediation', which needs mediators: no rule in 'structure.roles' "
         "gives the role mediator at t.yaml:4:17 (add a rule such as {role: mediator, share: "
         "0.01})"},
        {MINIMAL "structure: {roles: [{role: mediator, count: 1}]}\n"
                 "cases: {chain: [mediation, arbitration]}\n",
         "'cases.chain[1]' is 'arbitration' by arbiter, which needs arbiters: no rule in "
         "'structure.roles' gives the role arbiter at t.yaml:5:28 (add a rule such as {role: "
         "arbiter, count: 5}, or use cases.arbitration.by: superior)"},
        {MINIMAL "structure: {roles: [{role: mediator, count: 0}]}\n"
                 "cases: {chain: [mediation]}\n",
         "'cases.chain[0]' is 'mediation', which needs mediators, but the mediator rule in "
         "'structure.roles' picks no agents at t.yaml:5:17 (give the rule a count or share of at "
         "least one agent)"},
        {MINIMAL "structure: {roles: [{role: mediator, share: 0.0004}]}\n"
                 "cases: {chain: [mediation]}\n",
         "but the mediator rule in 'structure.roles' picks no agents at t.yaml:5:17"},
        {MINIMAL "structure: {roles: [{role: arbiter, count: 1}]}\ncases: {}\n",
         "'cases.chain' is [mediation, arbitration, tolerance] by default, and its 'mediation' "
         "needs mediators: no rule in 'structure.roles' gives the role mediator at "
         "t.yaml:5:8 (add a rule such as {role: mediator, share: 0.01}; or give the chain "
         "without mediation)"},
        {SOCIETY "cases: {chain: [arbitration], arbitration: {by: superior}}\n",
         "'cases.arbitration.by' is 'superior' but structure.hierarchy is 'none' at t.yaml:6:49 "
         "(arbitration by superior takes a case to a party's superior, and nobody has one"},
        {SOCIETY "cases: {arbitration: {by: superior}}\n",
         "'cases.arbitration.by' is 'superior' but structure.hierarchy is 'none' at t.yaml:6:27"},
        {SOCIETY "decisions: {every: 5, chain: [negotiation]}\n",
         "'decisions.chain[0]' cannot be 'negotiation' at t.yaml:6:31 (negotiation is between "
         "exactly two parties"},
        {SOCIETY "decisions: {scope: group}\n",
         "missing key 'decisions.every' at t.yaml:6:12 (required: a decision is taken every "
         "this many rounds, an integer >= 1)"},
        {SOCIETY "decisions: {every: 0}\n",
         "'decisions.every' must be an integer >= 1 (rounds), got 0 at t.yaml:6:20"},
        {SOCIETY "decisions: {every: 5, scope: world}\n",
         "'decisions.scope' must be one of group, society, got 'world' at t.yaml:6:30"},
        {SOCIETY "decisions: {every: 5, options: 1}\n",
         "'decisions.options' must be an integer in 2..101, got 1 at t.yaml:6:32"},
        {SOCIETY "decisions: {every: 5, options: 102}\n",
         "'decisions.options' must be an integer in 2..101, got 102 at t.yaml:6:32"},
        {MINIMAL "decisions: {every: 5, chain: [majority, mediation]}\n",
         "'decisions.chain[1]' is 'mediation', which needs mediators: no rule in "
         "'structure.roles' gives the role mediator at t.yaml:4:41"},
        {MINIMAL "trends: {seeds: 5}\n",
         "missing key 'trends.every' at t.yaml:4:9 (required: a trend appears every this many "
         "rounds, an integer >= 1)"},
        {MINIMAL "trends: {every: 0}\n",
         "'trends.every' must be an integer >= 1 (rounds), got 0 at t.yaml:4:17"},
        {MINIMAL "trends: {every: 5, seeds: 1001}\n",
         "'trends.seeds' must be an integer in 1..1000 (agents), got 1001 at t.yaml:4:27"},
        {MINIMAL "trends: {every: 5, seeds: 0}\n",
         "'trends.seeds' must be an integer in 1..1000 (agents), got 0 at t.yaml:4:27"},
        {MINIMAL "trends: {every: 5, max: 65}\n",
         "'trends.max' must be an integer in 1..64, got 65 at t.yaml:4:25"},
        {MINIMAL "trends: {every: 5, maximum: 6}\n",
         "unknown key 'maximum' in 'trends' at t.yaml:4:20 (did you mean 'max'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* one mistake, one message: a wrong role rule, a wrong hierarchy or a wrong 'by' does
     * not also fail the chain */
    static const char *const one[] = {
        MINIMAL "structure: {roles: [{role: mediatr, count: 1}]}\ncases: {chain: [mediation]}\n",
        SOCIETY "  hierarchy: {model: tre}\ncases: {arbitration: {by: superior}}\n",
        MINIMAL "cases: {chain: [arbitration], arbitration: {by: judge}}\n",
        MINIMAL "cases: {chain: [arbitration], arbitration: judge}\n",
    };
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
        assert_int_equal(t_load(f, one[i], NULL, 0), NN_ESCENARIO);
        if (f->d.count != 1)
            fail_msg("case %zu: %zu errors:\n%s", i, (size_t)f->d.count, f->d.text);
    }
    /* both chains short of mediators: one message at each */
    assert_int_equal(t_load(f,
                            MINIMAL "cases: {chain: [mediation]}\n"
                                    "decisions: {every: 3, chain: [mediation]}\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "at t.yaml:4:17"));
    assert_true(t_has(f, "at t.yaml:5:31"));
}

static void test_distribution_errors(void **state)
{
    t_fix_t *f = *state;
#define T_DIST(x)                                                                                  \
    "agents: 1000\nnetwork: {model: ring, k: 4}\n"                                                 \
    "populations: [{behaviour: deffuant, share: 1, params: {mu: " x "}}]\n"
    static const t_bad_t cases[] = {
        {T_DIST("{uniform: [0.5, 0.1]}"),
         "'populations[0].params.mu.uniform' has its low 0.5 above its high 0.1 at t.yaml:3:70 "
         "(write [low, high])"},
        {T_DIST("{uniform: [0.5, 1.5]}"),
         "'populations[0].params.mu.uniform[1]' must be a number in [0, 1], got 1.5 at "
         "t.yaml:3:76"},
        {T_DIST("{uniform: [-0.1, 0.5]}"),
         "'populations[0].params.mu.uniform[0]' must be a number in [0, 1], got -0.1 at "
         "t.yaml:3:71"},
        {T_DIST("{normal: [1.2, 0.1]}"),
         "'populations[0].params.mu.normal[0]' must be a number in [0, 1], got 1.2 at "
         "t.yaml:3:70"},
        {T_DIST("{normal: [0.5, -0.1]}"),
         "'populations[0].params.mu.normal[1]' must be a number >= 0 (the sd), got -0.1 at "
         "t.yaml:3:75"},
        {T_DIST("{normal: [0.5, x]}"),
         "'populations[0].params.mu.normal[1]' must be a number >= 0 (the sd), got 'x' at "
         "t.yaml:3:75"},
        {T_DIST("{unifrom: [0.1, 0.2]}"),
         "unknown distribution 'unifrom' in 'populations[0].params.mu' at t.yaml:3:61 (did you "
         "mean 'uniform'?)"},
        {T_DIST("{beta: [0.1, 0.2]}"),
         "unknown distribution 'beta' in 'populations[0].params.mu' at t.yaml:3:61 (valid: "
         "uniform [low, high], normal [mean, sd])"},
        {T_DIST("{uniform: [0.1]}"),
         "'populations[0].params.mu.uniform' must be a sequence of two numbers [low, high], got "
         "1 entry at t.yaml:3:70"},
        {T_DIST("{normal: 0.1}"),
         "'populations[0].params.mu.normal' must be a sequence of two numbers [mean, sd], got "
         "0.1 at t.yaml:3:69"},
        {T_DIST("{uniform: [0.1, 0.2], normal: [0.1, 0.1]}"),
         "'populations[0].params.mu' must be a number in [0, 1] or one distribution, got a "
         "mapping of several keys at t.yaml:3:60 (such as {uniform: [low, high]} or {normal: "
         "[mean, sd]})"},
        {T_DIST("{}"), "'populations[0].params.mu' must be a number in [0, 1] or one "
                       "distribution, got an empty mapping at t.yaml:3:60"},
        {T_DIST("[0.1, 0.5]"),
         "'populations[0].params.mu' must be a number in [0, 1] or a distribution, got a "
         "sequence at t.yaml:3:60 (a range of values is written {uniform: [low, high]})"},
    };
#undef T_DIST
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
}

/* ---- faults ------------------------------------------------------------------------- */

static void test_faults(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    t_ok(f, MINIMAL "rounds: 30\n"
                    "structure: {groups: {from: louvain}}\n"
                    "faults:\n"
                    "  - {fault: loss, p: 0.1, rounds: [10, 50]}\n"
                    "  - {fault: partition, between: halves, rounds: [20, 40]}\n"
                    "  - {fault: loss, p: 0.05}\n"
                    "  - fault: partition\n"
                    "    between: groups\n"
                    "    rounds: [7, 7]\n"
                    "  - {fault: partition}\n"
                    "  - {fault: loss, p: 1, rounds: [1, 18446744073709551615]}\n");
    assert_int_equal(fs->n, 6);
    const nn_fault_config_t *x = fs->f;
    assert_int_equal(x[0].kind, NN_FAULT_LOSS);
    assert_true(x[0].p == 0.1);
    assert_true(x[0].from_round == 10 && x[0].to_round == 50); /* past rounds: kept */
    assert_int_equal(x[0].between, NN_BETWEEN_HALVES);
    assert_int_equal(x[1].kind, NN_FAULT_PARTITION);
    assert_true(x[1].p == 0.0);
    assert_true(x[1].from_round == 20 && x[1].to_round == 40);
    assert_int_equal(x[1].between, NN_BETWEEN_HALVES);
    /* rounds left out: from round 1 to the end */
    assert_int_equal(x[2].kind, NN_FAULT_LOSS);
    assert_true(x[2].p == 0.05);
    assert_true(x[2].from_round == 1 && x[2].to_round == UINT64_MAX);
    assert_int_equal(x[3].kind, NN_FAULT_PARTITION);
    assert_int_equal(x[3].between, NN_BETWEEN_GROUPS);
    assert_true(x[3].from_round == 7 && x[3].to_round == 7);
    /* between left out: halves */
    assert_int_equal(x[4].kind, NN_FAULT_PARTITION);
    assert_int_equal(x[4].between, NN_BETWEEN_HALVES);
    assert_true(x[4].from_round == 1 && x[4].to_round == UINT64_MAX);
    assert_true(x[5].p == 1.0);
    assert_true(x[5].from_round == 1 && x[5].to_round == UINT64_MAX);
    /* absent, [] : none */
    t_ok(f, MINIMAL);
    assert_int_equal(fs->n, 0);
    t_ok(f, MINIMAL "faults: []\n");
    assert_int_equal(fs->n, 0);
    /* exactly NN_MAX_FAULTS entries load */
    char text[4096];
    int w = snprintf(text, sizeof text, MINIMAL "faults:\n");
    for (int i = 0; i < NN_MAX_FAULTS; i++)
        w += snprintf(text + w, sizeof text - (size_t)w,
                      "  - {fault: loss, p: 0.01, rounds: [%d, %d]}\n", i + 1, i + 1);
    t_ok(f, text);
    assert_int_equal(fs->n, NN_MAX_FAULTS);
    assert_true(fs->f[NN_MAX_FAULTS - 1].from_round == NN_MAX_FAULTS);
    /* a second load into the same struct starts from no faults */
    t_ok(f, MINIMAL);
    assert_int_equal(fs->n, 0);
}

static void test_faults_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "faults: [{p: 0.1}]\n",
         "missing key 'faults[0].fault' at t.yaml:4:10 (required: one of loss, partition, silent, "
         "byzantine, delay, duplicate, kill)"},
        {MINIMAL "faults: [{fault: los, p: 0.1}]\n",
         "'faults[0].fault' must be one of loss, partition, silent, byzantine, delay, duplicate, "
         "kill, "
         "got 'los' at "
         "t.yaml:4:18 (did you "
         "mean 'loss'?)"},
        {MINIMAL "faults: [{fault: earthquake}]\n",
         "'faults[0].fault' must be one of loss, partition, silent, byzantine, delay, duplicate, "
         "kill, "
         "got 'earthquake' at t.yaml:4:18"},
        {MINIMAL "faults:\n  - {fault: partition}\n  - {fault: loss}\n",
         "missing key 'faults[1].p' at t.yaml:6:5 (required with fault 'loss': the chance a "
         "message is lost, a number in (0, 1])"},
        {MINIMAL "faults: [{fault: loss, p: 0}]\n",
         "'faults[0].p' must be a number in (0, 1] (the chance a message is lost), got 0 at "
         "t.yaml:4:27"},
        {MINIMAL "faults: [{fault: loss, p: 1.5}]\n",
         "'faults[0].p' must be a number in (0, 1] (the chance a message is lost), got 1.5 at "
         "t.yaml:4:27"},
        {MINIMAL "faults: [{fault: loss, p: high}]\n",
         "'faults[0].p' must be a number in (0, 1] (the chance a message is lost), got 'high'"},
        {MINIMAL "faults: [{fault: partition, p: 0.5}]\n",
         "key 'p' does not apply to fault 'partition' at t.yaml:4:29 (a partition loses every "
         "message between its sides"},
        {MINIMAL "faults: [{fault: loss, p: 0.5, between: halves}]\n",
         "key 'between' does not apply to fault 'loss' at t.yaml:4:32 (a loss takes any message "
         "with chance p"},
        {MINIMAL "faults: [{fault: partition, between: thirds}]\n",
         "'faults[0].between' must be one of halves, groups, random, got 'thirds' at t.yaml:4:38"},
        {MINIMAL "faults: [{fault: partition, between: group}]\n",
         "got 'group' at t.yaml:4:38 (did you mean 'groups'?)"},
        {MINIMAL "faults: [{fault: partition, between: groups}]\n",
         "'faults[0].between' is 'groups' but the structure has no groups at t.yaml:4:38 (add "
         "structure.groups, such as structure: {groups: {from: louvain}}, or use between: "
         "halves)"},
        {MINIMAL "structure: {groups: {from: none}}\n"
                 "faults: [{fault: partition, between: groups}]\n",
         "'faults[0].between' is 'groups' but the structure has no groups at t.yaml:5:38"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds: [0, 3]}]\n",
         "'faults[0].rounds[0]' must be an integer >= 1 (a round), got 0 at t.yaml:4:41"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds: [5, 2]}]\n",
         "'faults[0].rounds' ends (round 2) before it starts (round 5) at t.yaml:4:44 "
         "(give [first, last] with first <= last, such as [2, 5])"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds: [1]}]\n",
         "'faults[0].rounds' must be two rounds [first, last], got 1 entry at t.yaml:4:40"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds: [1, 2, 3]}]\n",
         "'faults[0].rounds' must be two rounds [first, last], got 3 entries at t.yaml:4:40"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds: 5}]\n",
         "'faults[0].rounds' must be a sequence, got 5 at t.yaml:4:40"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds: [1, 2.5]}]\n",
         "'faults[0].rounds[1]' must be an integer >= 1 (a round), got 2.5 at t.yaml:4:44"},
        {MINIMAL "faults: {fault: loss, p: 0.1}\n",
         "'faults' must be a sequence, got a mapping at t.yaml:4:9 (such as [{fault: loss, p: "
         "0.1, rounds: [10, 50]}])"},
        {MINIMAL "faults: [loss]\n", "'faults[0]' must be a mapping, got 'loss' at t.yaml:4:10"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, round: [1, 2]}]\n",
         "key 'round' does not apply to fault 'loss' at t.yaml:4:32 (round is the one round a "
         "kill acts in; for the rounds this fault acts in write rounds: [first, last])"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, roundz: [1, 2]}]\n",
         "unknown key 'roundz' in 'faults[0]' at t.yaml:4:32 (did you mean 'rounds'?)"},
        {MINIMAL "fault: [{fault: loss, p: 0.1}]\n",
         "unknown key 'fault' at t.yaml:4:1 (did you mean 'faults'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* 33 entries: one error, at the list */
    char text[4096];
    int w = snprintf(text, sizeof text, MINIMAL "faults:\n");
    for (int i = 0; i <= NN_MAX_FAULTS; i++)
        w += snprintf(text + w, sizeof text - (size_t)w, "  - {fault: loss, p: 0.01}\n");
    assert_int_equal(t_load(f, text, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'faults' has 33 entries, more than 32 at t.yaml:5:3"));
    assert_int_equal(f->d.count, 1);
    /* the errors of several entries are all reported, each at its place */
    assert_int_equal(t_load(f,
                            MINIMAL "faults:\n  - {fault: loss}\n  - {fault: partition, p: 1}\n"
                                    "  - {fault: loss, p: 2, rounds: [3, 1]}\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 4);
    assert_true(t_has(f, "missing key 'faults[0].p' at t.yaml:5:5"));
    assert_true(t_has(f, "key 'p' does not apply to fault 'partition' at t.yaml:6:24"));
    assert_true(t_has(f, "'faults[2].p' must be a number in (0, 1]"));
    assert_true(
        t_has(f, "'faults[2].rounds' ends (round 1) before it starts (round 3) at t.yaml:7:37"));
    /* a broken structure.groups is its own error, not also one at between: groups */
    assert_int_equal(t_load(f,
                            MINIMAL "structure: {groups: {from: lovain}}\n"
                                    "faults: [{fault: partition, between: groups}]\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "'structure.groups.from'"));
}

/* silent and byzantine: their agents by share or by id, and byzantine's mode */
static void test_faults_agents(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    t_ok(f, MINIMAL "faults:\n"
                    "  - {fault: silent, agents: {share: 0.05}, rounds: [10, 20]}\n"
                    "  - {fault: silent, agents: [42, 3, 17]}\n"
                    "  - {fault: byzantine, agents: {share: 0.1}, mode: adversarial}\n"
                    "  - {fault: byzantine, agents: [999, 0]}\n"
                    "  - {fault: silent, agents: {share: 1}}\n"
                    "  - {fault: loss, p: 0.5}\n");
    assert_int_equal(fs->n, 6);
    const nn_fault_config_t *x = fs->f;
    assert_int_equal(x[0].kind, NN_FAULT_SILENT);
    assert_true(x[0].share == 0.05);
    assert_int_equal(x[0].n_agents, 0);
    assert_true(x[0].from_round == 10 && x[0].to_round == 20);
    assert_true(x[0].p == 0.0);
    /* listed: share 0, kept ascending whatever the order written */
    assert_int_equal(x[1].kind, NN_FAULT_SILENT);
    assert_true(x[1].share == 0.0);
    assert_int_equal(x[1].n_agents, 3);
    assert_int_equal(x[1].agents[0], 3);
    assert_int_equal(x[1].agents[1], 17);
    assert_int_equal(x[1].agents[2], 42);
    assert_true(x[1].from_round == 1 && x[1].to_round == UINT64_MAX);
    assert_int_equal(x[2].kind, NN_FAULT_BYZANTINE);
    assert_true(x[2].share == 0.1);
    assert_int_equal(x[2].n_agents, 0);
    assert_int_equal(x[2].mode, NN_BYZANTINE_ADVERSARIAL);
    /* mode left out: random; the last agent id is agents - 1 */
    assert_int_equal(x[3].kind, NN_FAULT_BYZANTINE);
    assert_int_equal(x[3].mode, NN_BYZANTINE_RANDOM);
    assert_int_equal(x[3].n_agents, 2);
    assert_int_equal(x[3].agents[0], 0);
    assert_int_equal(x[3].agents[1], 999);
    assert_true(x[4].share == 1.0);
    /* a loss after them carries none of their fields */
    assert_int_equal(x[5].kind, NN_FAULT_LOSS);
    assert_true(x[5].share == 0.0);
    assert_int_equal(x[5].n_agents, 0);
    /* exactly NN_FAULT_MAX_AGENTS ids load, given in descending order */
    char text[8192];
    int w = snprintf(text, sizeof text, MINIMAL "faults:\n  - fault: silent\n    agents: [");
    for (int i = NN_FAULT_MAX_AGENTS - 1; i >= 0; i--)
        w += snprintf(text + w, sizeof text - (size_t)w, "%s%d",
                      i == NN_FAULT_MAX_AGENTS - 1 ? "" : ", ", 2 * i + 1);
    snprintf(text + w, sizeof text - (size_t)w, "]\n");
    t_ok(f, text);
    assert_int_equal(fs->f[0].n_agents, NN_FAULT_MAX_AGENTS);
    for (uint32_t i = 0; i < NN_FAULT_MAX_AGENTS; i++)
        assert_int_equal(fs->f[0].agents[i], 2 * i + 1);
    /* the ids are checked against the agent count, whatever the order of the sections */
    t_ok(f, "faults: [{fault: silent, agents: [9]}]\n"
            "network: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n"
            "agents: 10\n");
    assert_int_equal(fs->f[0].agents[0], 9);
    static const t_bad_t cases[] = {
        {"faults: [{fault: silent, agents: [10]}]\n"
         "network: {model: ring, k: 4}\npopulations: [{behaviour: voter, share: 1}]\n"
         "agents: 10\n",
         "'faults[0].agents[0]' is 10, not below agents (10) at t.yaml:1:35 (agent ids run from "
         "0 to 9)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
}

static void test_faults_agents_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "faults: [{fault: silent, rounds: [10, 20]}]\n",
         "missing key 'faults[0].agents' at t.yaml:4:10 (required with fault 'silent': its "
         "agents, a share such as {share: 0.05} or a list of ids such as [3, 17, 42])"},
        {MINIMAL "faults: [{fault: byzantine, mode: adversarial}]\n",
         "missing key 'faults[0].agents' at t.yaml:4:10 (required with fault 'byzantine'"},
        {MINIMAL "faults: [{fault: silent, agents: {share: 0}}]\n",
         "'faults[0].agents.share' must be a number in (0, 1] (the chance each agent is taken), "
         "got 0 at t.yaml:4:42"},
        {MINIMAL "faults: [{fault: byzantine, agents: {share: 1.5}}]\n",
         "'faults[0].agents.share' must be a number in (0, 1] (the chance each agent is taken), "
         "got 1.5 at t.yaml:4:45"},
        {MINIMAL "faults: [{fault: silent, agents: {}}]\n",
         "missing key 'faults[0].agents.share' at t.yaml:4:34 (give the chance each agent is "
         "taken, such as {share: 0.05}, or list the agents, such as [3, 17, 42])"},
        {MINIMAL "faults: [{fault: silent, agents: {shar: 0.1}}]\n",
         "unknown key 'shar' in 'faults[0].agents' at t.yaml:4:35 (did you mean 'share'?)"},
        {MINIMAL "faults: [{fault: silent, agents: all}]\n",
         "'faults[0].agents' must be a mapping {share: S} or a list of agent ids, got 'all' at "
         "t.yaml:4:34 (such as {share: 0.05} or [3, 17, 42])"},
        {MINIMAL "faults: [{fault: silent, agents: []}]\n",
         "'faults[0].agents' lists no agents at t.yaml:4:34 (list 1..256 agent ids, such as "
         "[3, 17, 42], or give a share, such as {share: 0.05})"},
        {MINIMAL "faults: [{fault: silent, agents: [3, 17, 3]}]\n",
         "'faults[0].agents' lists agent 3 twice at t.yaml:4:42 (first at t.yaml:4:35; list "
         "each once)"},
        {MINIMAL "faults: [{fault: silent, agents: [3, 1000]}]\n",
         "'faults[0].agents[1]' is 1000, not below agents (1000) at t.yaml:4:38 (agent ids run "
         "from 0 to 999)"},
        {MINIMAL "faults: [{fault: silent, agents: [-1]}]\n",
         "'faults[0].agents[0]' must be an integer >= 0 (an agent id), got -1 at t.yaml:4:35"},
        {MINIMAL "faults: [{fault: silent, agents: [1], mode: random}]\n",
         "key 'mode' does not apply to fault 'silent' at t.yaml:4:39 (mode says what byzantine "
         "agents say instead of the truth; write {fault: byzantine, agents: {share: 0.1}, mode: "
         "adversarial})"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, mode: random}]\n",
         "key 'mode' does not apply to fault 'loss' at t.yaml:4:32"},
        {MINIMAL "faults: [{fault: byzantine, agents: [1], mode: adversrial}]\n",
         "'faults[0].mode' must be one of random, adversarial, got 'adversrial' at t.yaml:4:48 "
         "(did you mean 'adversarial'?)"},
        {MINIMAL "faults: [{fault: byzantine, agents: [1], mode: liar}]\n",
         "'faults[0].mode' must be one of random, adversarial, got 'liar' at t.yaml:4:48"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, agents: {share: 0}}]\n",
         "'faults[0].agents.share' must be a number in (0, 1] (the chance each agent is taken), "
         "got 0 at t.yaml:4:48"},
        {MINIMAL "faults: [{fault: partition, agents: {share: 0.5}}]\n",
         "key 'agents' does not apply to fault 'partition' at t.yaml:4:29 (a partition cuts the "
         "society along 'between'; to silence some agents add {fault: silent, agents: [3, 17]})"},
        {MINIMAL "faults: [{fault: silent, agents: [1], p: 0.5}]\n",
         "key 'p' does not apply to fault 'silent' at t.yaml:4:39 (a silent fault loses every "
         "message from or to its agents, not some; for a chance of loss add {fault: loss, p: "
         "0.1})"},
        {MINIMAL "faults: [{fault: byzantine, agents: [1], p: 0.5}]\n",
         "key 'p' does not apply to fault 'byzantine' at t.yaml:4:42 (a byzantine agent's "
         "messages all arrive, with other values"},
        {MINIMAL "faults: [{fault: byzantine, agents: [1], between: halves}]\n",
         "key 'between' does not apply to fault 'byzantine' at t.yaml:4:42 (it acts on the "
         "agents given by 'agents'; to cut the society in two add {fault: partition, between: "
         "halves})"},
        {MINIMAL "faults: [{fault: crash}]\n", "'faults[0].fault' must be one of loss, partition, "
                                               "silent, byzantine, delay, duplicate, kill, "
                                               "got 'crash' at t.yaml:4:18"},
        {MINIMAL "faults: [{fault: silnt, agents: [1]}]\n", "(did you mean 'silent'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* 257 ids: one error, at the list */
    char text[8192];
    int w = snprintf(text, sizeof text, MINIMAL "faults:\n  - fault: silent\n    agents: [0");
    for (int i = 1; i <= NN_FAULT_MAX_AGENTS; i++)
        w += snprintf(text + w, sizeof text - (size_t)w, ", %d", i);
    snprintf(text + w, sizeof text - (size_t)w, "]\n");
    assert_int_equal(t_load(f, text, NULL, 0), NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "'faults[0].agents' lists 257 agents, more than 256 at t.yaml:6:13 "
                         "(list at most 256 ids, or give a share, such as {share: 0.05})"));
    /* every bad id of a list is reported */
    assert_int_equal(
        t_load(f, MINIMAL "faults: [{fault: silent, agents: [5, 5, 2000, x, 5]}]\n", NULL, 0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 4);
    assert_true(t_has(f, "'faults[0].agents' lists agent 5 twice at t.yaml:4:38"));
    assert_true(t_has(f, "'faults[0].agents[2]' is 2000, not below agents (1000) at t.yaml:4:41"));
    assert_true(t_has(f, "'faults[0].agents[3]' must be an integer >= 0 (an agent id), got 'x'"));
    assert_true(t_has(f, "'faults[0].agents' lists agent 5 twice at t.yaml:4:50"));
    /* a bad agent count gives its own error only */
    assert_int_equal(t_load(f,
                            "agents: 1\nnetwork: {model: complete}\n"
                            "populations: [{behaviour: voter, share: 1}]\n"
                            "faults: [{fault: silent, agents: [5]}]\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "'agents' must be an integer in 2..2147483647, got 1"));
}

/* delay and duplicate: each message taken with chance p, a delay by rounds_late rounds */
static void test_faults_delay(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    t_ok(f, MINIMAL "faults:\n"
                    "  - {fault: delay, p: 0.1, rounds_late: 2, rounds: [5, 30]}\n"
                    "  - {fault: duplicate, p: 0.05}\n"
                    "  - {fault: delay, p: 1}\n"
                    "  - {rounds_late: 1000, fault: delay, p: 0.5}\n"
                    "  - {fault: loss, p: 0.2}\n");
    assert_int_equal(fs->n, 5);
    const nn_fault_config_t *x = fs->f;
    assert_int_equal(x[0].kind, NN_FAULT_DELAY);
    assert_true(x[0].p == 0.1);
    assert_int_equal(x[0].delay, 2);
    assert_true(x[0].from_round == 5 && x[0].to_round == 30);
    assert_int_equal(x[1].kind, NN_FAULT_DUPLICATE);
    assert_true(x[1].p == 0.05);
    assert_int_equal(x[1].delay, 0);
    assert_true(x[1].from_round == 1 && x[1].to_round == UINT64_MAX);
    assert_int_equal(x[1].n_agents, 0);
    assert_true(x[1].share == 0.0);
    /* rounds_late left out is 1 */
    assert_int_equal(x[2].kind, NN_FAULT_DELAY);
    assert_true(x[2].p == 1.0);
    assert_int_equal(x[2].delay, 1);
    assert_int_equal(x[3].delay, 1000);
    /* a loss after them carries no delay */
    assert_int_equal(x[4].kind, NN_FAULT_LOSS);
    assert_int_equal(x[4].delay, 0);
}

static void test_faults_delay_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "faults: [{fault: delay}]\n",
         "missing key 'faults[0].p' at t.yaml:4:10 (required with fault 'delay': the chance a "
         "message is delayed, a number in (0, 1])"},
        {MINIMAL "faults: [{fault: duplicate}]\n",
         "missing key 'faults[0].p' at t.yaml:4:10 (required with fault 'duplicate': the chance "
         "a message is delivered twice, a number in (0, 1])"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, rounds_late: 0}]\n",
         "'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds late a message "
         "arrives), got 0 at t.yaml:4:46"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, rounds_late: 1001}]\n",
         "'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds late a message "
         "arrives), got 1001 at t.yaml:4:46"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, rounds_late: 1.5}]\n",
         "'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds late a message "
         "arrives), got 1.5 at t.yaml:4:46"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, rounds_late: soon}]\n",
         "'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds late a message "
         "arrives), got 'soon' at t.yaml:4:46"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, rounds_late: 2}]\n",
         "key 'rounds_late' does not apply to fault 'loss' at t.yaml:4:32 (rounds_late says how "
         "many rounds late a delayed message arrives; for late messages add {fault: delay, p: "
         "0.1, rounds_late: 2})"},
        {MINIMAL "faults: [{fault: duplicate, p: 0.1, rounds_late: 2}]\n",
         "key 'rounds_late' does not apply to fault 'duplicate' at t.yaml:4:37 (rounds_late says "
         "how many rounds late a delayed message arrives"},
        {MINIMAL "faults: [{fault: partition, rounds_late: 2}]\n",
         "key 'rounds_late' does not apply to fault 'partition' at t.yaml:4:29"},
        {MINIMAL "faults: [{fault: silent, agents: [1], rounds_late: 2}]\n",
         "key 'rounds_late' does not apply to fault 'silent' at t.yaml:4:39"},
        {MINIMAL "faults: [{fault: duplicate, p: 0.1, agents: [3, 3]}]\n",
         "'faults[0].agents' lists agent 3 twice at t.yaml:4:49 (first at t.yaml:4:46; list each "
         "once)"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, between: halves}]\n",
         "key 'between' does not apply to fault 'delay' at t.yaml:4:33 (a delay holds back any "
         "message with chance p, wherever it goes; to cut the society in two add {fault: "
         "partition, between: halves})"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, mode: random}]\n",
         "key 'mode' does not apply to fault 'delay' at t.yaml:4:33 (mode says what byzantine "
         "agents say instead of the truth; write {fault: byzantine, agents: {share: 0.1}, mode: "
         "adversarial})"},
        {MINIMAL "faults: [{fault: duplicate, p: 0}]\n",
         "'faults[0].p' must be a number in (0, 1] (the chance a message is delivered twice), got "
         "0 at t.yaml:4:32"},
        {MINIMAL "faults: [{fault: delya, p: 0.1}]\n",
         "'faults[0].fault' must be one of loss, partition, silent, byzantine, delay, duplicate, "
         "kill, "
         "got 'delya' at t.yaml:4:18 (did you mean 'delay'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* a missing p and a bad rounds_late are both reported */
    assert_int_equal(t_load(f, MINIMAL "faults: [{fault: delay, rounds_late: 0}]\n", NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "missing key 'faults[0].p' at t.yaml:4:10"));
    assert_true(t_has(f, "'faults[0].rounds_late' must be an integer in 1..1000"));
    /* no "not yet" note is left */
    assert_int_equal(t_load(f, MINIMAL "faults: [{fault: crash}]\n", NULL, 0), NN_ESCENARIO);
    assert_non_null(f->d.text);
    assert_null(strstr(f->d.text, "not yet"));
}

/* loss, delay and duplicate scoped: to some senders (agents) and to some links (links) */
static void test_faults_scoped(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    t_ok(f, MINIMAL "structure: {groups: {from: louvain}}\n"
                    "faults:\n"
                    "  - {fault: loss, p: 0.2, links: between_groups}\n"
                    "  - {fault: delay, p: 0.1, rounds_late: 2, agents: {share: 0.1}}\n"
                    "  - {fault: duplicate, p: 0.05, agents: [3, 1, 2], links: within_groups}\n"
                    "  - {fault: loss, p: 0.3, links: all, agents: [999]}\n"
                    "  - {fault: silent, agents: [7]}\n"
                    "  - {fault: delay, p: 0.4}\n");
    assert_int_equal(fs->n, 6);
    const nn_fault_config_t *x = fs->f;
    assert_int_equal(x[0].kind, NN_FAULT_LOSS);
    assert_int_equal(x[0].links, NN_LINKS_BETWEEN_GROUPS);
    assert_true(x[0].share == 0.0);
    assert_int_equal(x[0].n_agents, 0);
    assert_int_equal(x[1].kind, NN_FAULT_DELAY);
    assert_int_equal(x[1].delay, 2);
    assert_true(x[1].share == 0.1);
    assert_int_equal(x[1].n_agents, 0);
    assert_int_equal(x[1].links, NN_LINKS_ALL);
    assert_int_equal(x[2].kind, NN_FAULT_DUPLICATE);
    assert_int_equal(x[2].links, NN_LINKS_WITHIN_GROUPS);
    assert_int_equal(x[2].n_agents, 3);
    assert_int_equal(x[2].agents[0], 1);
    assert_int_equal(x[2].agents[1], 2);
    assert_int_equal(x[2].agents[2], 3);
    assert_true(x[2].share == 0.0);
    assert_int_equal(x[3].links, NN_LINKS_ALL);
    assert_int_equal(x[3].n_agents, 1);
    assert_int_equal(x[3].agents[0], 999);
    /* a silent fault carries no links, and one listed after a scoped one no senders */
    assert_int_equal(x[4].links, NN_LINKS_ALL);
    assert_int_equal(x[5].links, NN_LINKS_ALL);
    assert_int_equal(x[5].n_agents, 0);
    assert_true(x[5].share == 0.0);
    /* links: all needs no groups */
    t_ok(f, MINIMAL "faults: [{fault: duplicate, p: 0.1, links: all}]\n");
    assert_int_equal(fs->f[0].links, NN_LINKS_ALL);
    /* a reload without links goes back to all */
    t_ok(f, MINIMAL "faults: [{fault: loss, p: 0.1}]\n");
    assert_int_equal(fs->f[0].links, NN_LINKS_ALL);
    assert_int_equal(fs->f[0].n_agents, 0);
}

static void test_faults_scoped_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "structure: {groups: {from: louvain}}\n"
                 "faults: [{fault: loss, p: 0.2, links: betwen_groups}]\n",
         "'faults[0].links' must be one of all, within_groups, between_groups, got "
         "'betwen_groups' at t.yaml:5:39 (did you mean 'between_groups'?)"},
        {MINIMAL "faults: [{fault: loss, p: 0.2, links: sideways}]\n",
         "'faults[0].links' must be one of all, within_groups, between_groups, got 'sideways' at "
         "t.yaml:4:39"},
        {MINIMAL "faults: [{fault: silent, agents: [1], links: all}]\n",
         "key 'links' does not apply to fault 'silent' at t.yaml:4:39 (a silent fault loses every "
         "message from or to its agents, on every link; for losses on some links add {fault: "
         "loss, p: 0.1, links: between_groups})"},
        {MINIMAL "faults: [{fault: byzantine, agents: [1], links: all}]\n",
         "key 'links' does not apply to fault 'byzantine' at t.yaml:4:42 (a byzantine agent lies "
         "on every link; for losses on some links add {fault: loss, p: 0.1, links: "
         "between_groups})"},
        {MINIMAL "structure: {groups: {from: louvain}}\n"
                 "faults: [{fault: partition, links: between_groups}]\n",
         "key 'links' does not apply to fault 'partition' at t.yaml:5:29 (a partition's sides are "
         "given by 'between'; to cut every link between groups write between: groups)"},
        {MINIMAL "faults: [{fault: loss, p: 0.2, links: between_groups}]\n",
         "'faults[0].links' is 'between_groups' but the structure has no groups at t.yaml:4:39 "
         "(add structure.groups, such as structure: {groups: {from: louvain}}, or use links: "
         "all)"},
        {MINIMAL "structure: {groups: {from: none}}\n"
                 "faults: [{fault: duplicate, p: 0.2, links: within_groups}]\n",
         "'faults[0].links' is 'within_groups' but the structure has no groups at t.yaml:5:44"},
        {MINIMAL "faults: [{fault: partition, agents: [1, 2]}]\n",
         "key 'agents' does not apply to fault 'partition' at t.yaml:4:29 (a partition cuts the "
         "society along 'between'; to silence some agents add {fault: silent, agents: [3, 17]})"},
        {MINIMAL "faults: [{fault: delay, p: 0.1, agents: [1000]}]\n",
         "'faults[0].agents[0]' is 1000, not below agents (1000) at t.yaml:4:42 (agent ids run "
         "from 0 to 999)"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, agents: []}]\n",
         "'faults[0].agents' lists no agents at t.yaml:4:40"},
        {MINIMAL "faults: [{fault: duplicate, p: 0.1, agents: all}]\n",
         "'faults[0].agents' must be a mapping {share: S} or a list of agent ids, got 'all' at "
         "t.yaml:4:45"},
        {MINIMAL "faults: [{fault: loss, p: 0.1, link: all}]\n",
         "unknown key 'link' in 'faults[0]' at t.yaml:4:32 (did you mean 'links'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* agents is still required on a silent fault, and links refused: both reported */
    assert_int_equal(
        t_load(f, MINIMAL "faults: [{fault: silent, links: within_groups}]\n", NULL, 0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "missing key 'faults[0].agents' at t.yaml:4:10"));
    assert_true(t_has(f, "key 'links' does not apply to fault 'silent' at t.yaml:4:26"));
    /* a broken structure.groups is its own error, not also one at links */
    assert_int_equal(t_load(f,
                            MINIMAL "structure: {groups: {from: lovain}}\n"
                                    "faults: [{fault: loss, p: 0.1, links: within_groups}]\n",
                            NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "'structure.groups.from'"));
}

static void test_faults_set(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    const char *base = MINIMAL "faults: [{fault: loss, p: 0.1, rounds: [10, 50]}]\n";
    const char *sets[] = {"faults.0.p=0.2", "faults.1={fault: partition, between: halves}",
                          "faults[2]={fault: loss, p: 0.3}", "faults.2.rounds=[4, 9]"};
    assert_int_equal(t_load(f, base, sets, sizeof sets / sizeof sets[0]), NN_OK);
    assert_int_equal(fs->n, 3);
    assert_true(fs->f[0].p == 0.2);
    assert_true(fs->f[0].from_round == 10 && fs->f[0].to_round == 50);
    assert_int_equal(fs->f[1].kind, NN_FAULT_PARTITION);
    assert_int_equal(fs->f[1].between, NN_BETWEEN_HALVES);
    assert_true(fs->f[1].from_round == 1 && fs->f[1].to_round == UINT64_MAX);
    assert_int_equal(fs->f[2].kind, NN_FAULT_LOSS);
    assert_true(fs->f[2].p == 0.3);
    assert_true(fs->f[2].from_round == 4 && fs->f[2].to_round == 9);
    /* --set makes the list when the file has none */
    const char *mk[] = {"faults=[{fault: partition}]"};
    assert_int_equal(t_load(f, MINIMAL, mk, 1), NN_OK);
    assert_int_equal(fs->n, 1);
    assert_int_equal(fs->f[0].kind, NN_FAULT_PARTITION);
    /* silent and byzantine through --set: a share, a list, an appended entry */
    const char *ag = MINIMAL "faults: [{fault: silent, agents: {share: 0.05}}]\n";
    const char *sa[] = {"faults.0.agents.share=0.2", "faults.1={fault: silent, agents: [2, 1]}",
                        "faults[2]={fault: byzantine, agents: [7]}", "faults.2.mode=adversarial"};
    assert_int_equal(t_load(f, ag, sa, sizeof sa / sizeof sa[0]), NN_OK);
    assert_int_equal(fs->n, 3);
    assert_true(fs->f[0].share == 0.2);
    assert_int_equal(fs->f[1].n_agents, 2);
    assert_int_equal(fs->f[1].agents[0], 1);
    assert_int_equal(fs->f[1].agents[1], 2);
    assert_int_equal(fs->f[2].kind, NN_FAULT_BYZANTINE);
    assert_int_equal(fs->f[2].mode, NN_BYZANTINE_ADVERSARIAL);
    /* a share replaced by a list, and the agent count changed under a list */
    const char *sl[] = {"faults.0.agents=[4, 0]"};
    assert_int_equal(t_load(f, ag, sl, 1), NN_OK);
    assert_true(fs->f[0].share == 0.0);
    assert_int_equal(fs->f[0].n_agents, 2);
    assert_int_equal(fs->f[0].agents[0], 0);
    const char *few[] = {"faults.0.agents=[4, 0]", "agents=4"};
    assert_int_equal(t_load(f, ag, few, 2), NN_ESCENARIO);
    assert_true(t_has(f, "'faults[0].agents[0]' is 4, not below agents (4) at --set "
                         "'faults.0.agents=[4, 0]'"));
    /* delay and duplicate through --set: rounds_late set, an entry appended */
    const char *dl = MINIMAL "faults: [{fault: delay, p: 0.1}]\n";
    const char *sd[] = {"faults.0.rounds_late=3", "faults.0.p=0.4",
                        "faults.1={fault: duplicate, p: 0.5, rounds: [2, 3]}"};
    assert_int_equal(t_load(f, dl, sd, sizeof sd / sizeof sd[0]), NN_OK);
    assert_int_equal(fs->n, 2);
    assert_int_equal(fs->f[0].kind, NN_FAULT_DELAY);
    assert_int_equal(fs->f[0].delay, 3);
    assert_true(fs->f[0].p == 0.4);
    assert_int_equal(fs->f[1].kind, NN_FAULT_DUPLICATE);
    assert_true(fs->f[1].p == 0.5);
    assert_true(fs->f[1].from_round == 2 && fs->f[1].to_round == 3);
    const char *d0[] = {"faults.0.rounds_late=0"};
    assert_int_equal(t_load(f, dl, d0, 1), NN_ESCENARIO);
    assert_true(t_has(f, "'faults[0].rounds_late' must be an integer in 1..1000 (how many rounds "
                         "late a message arrives), got 0 at --set 'faults.0.rounds_late=0'"));
    /* a loss turned into a delay through --set takes rounds_late */
    const char *tl[] = {"faults.0.fault=delay", "faults.0.rounds_late=7"};
    assert_int_equal(t_load(f, base, tl, 2), NN_OK);
    assert_int_equal(fs->f[0].kind, NN_FAULT_DELAY);
    assert_int_equal(fs->f[0].delay, 7);
    /* links and senders through --set, on a loss and on an appended delay */
    const char *gr = MINIMAL "structure: {groups: {from: louvain}}\n"
                             "faults: [{fault: loss, p: 0.1}]\n";
    const char *sg[] = {"faults.0.links=between_groups", "faults.0.agents=[5, 4]",
                        "faults.1={fault: delay, p: 0.1, agents: {share: 0.1}}",
                        "faults.1.links=within_groups"};
    assert_int_equal(t_load(f, gr, sg, sizeof sg / sizeof sg[0]), NN_OK);
    assert_int_equal(fs->n, 2);
    assert_int_equal(fs->f[0].links, NN_LINKS_BETWEEN_GROUPS);
    assert_int_equal(fs->f[0].n_agents, 2);
    assert_int_equal(fs->f[0].agents[0], 4);
    assert_int_equal(fs->f[0].agents[1], 5);
    assert_int_equal(fs->f[1].kind, NN_FAULT_DELAY);
    assert_true(fs->f[1].share == 0.1);
    assert_int_equal(fs->f[1].n_agents, 0);
    assert_int_equal(fs->f[1].links, NN_LINKS_WITHIN_GROUPS);
    /* and back to every link */
    const char *sall[] = {"faults.0.links=between_groups", "faults.0.links=all"};
    assert_int_equal(t_load(f, gr, sall, 2), NN_OK);
    assert_int_equal(fs->f[0].links, NN_LINKS_ALL);
    /* and clears it */
    const char *clear[] = {"faults=[]"};
    assert_int_equal(t_load(f, base, clear, 1), NN_OK);
    assert_int_equal(fs->n, 0);
    static const struct {
        const char *set;
        const char *want;
    } bad[] = {
        {"faults.0.p=0", "'faults[0].p' must be a number in (0, 1] (the chance a message is "
                         "lost), got 0 at --set 'faults.0.p=0'"},
        {"faults.1={fault: partition, between: groups}",
         "'faults[1].between' is 'groups' but the structure has no groups at --set "
         "'faults.1={fault: partition, between: groups}'"},
        {"faults.0.between=halves", "key 'between' does not apply to fault 'loss' at --set "
                                    "'faults.0.between=halves'"},
        {"faults.0.agents={share: 0}", "'faults[0].agents.share' must be a number in (0, 1] (the "
                                       "chance each agent is taken), got 0 at --set "
                                       "'faults.0.agents={share: 0}'"},
        {"faults.1={fault: partition, agents: [1]}",
         "key 'agents' does not apply to fault 'partition' at --set 'faults.1={fault: partition, "
         "agents: [1]}'"},
        {"faults.0.links=within_groups",
         "'faults[0].links' is 'within_groups' but the structure has no groups at --set "
         "'faults.0.links=within_groups' (add structure.groups"},
        {"faults.0.links=sideways", "'faults[0].links' must be one of all, within_groups, "
                                    "between_groups, got 'sideways' at --set "
                                    "'faults.0.links=sideways'"},
        {"faults.1={fault: silent, agents: [1], links: all}",
         "key 'links' does not apply to fault 'silent' at --set 'faults.1={fault: silent, agents: "
         "[1], links: all}'"},
        {"faults.1={fault: silent, agents: [1, 1]}",
         "'faults[1].agents' lists agent 1 twice at --set 'faults.1={fault: silent, agents: "
         "[1, 1]}' (first at --set 'faults.1={fault: silent, agents: [1, 1]}'"},
        {"faults.1={fault: byzantine, agents: {share: 0.1}, mode: honest}",
         "'faults[1].mode' must be one of random, adversarial, got 'honest' at --set"},
        {"faults.2={fault: loss, p: 0.1}", "cannot set 'faults.2': 'faults' has 1 entries"},
        {"faults.0.rounds_late=3", "key 'rounds_late' does not apply to fault 'loss' at --set "
                                   "'faults.0.rounds_late=3'"},
        {"faults.1={fault: duplicate, agents: [1000], p: 0.1}",
         "'faults[1].agents[0]' is 1000, not below agents (1000) at --set 'faults.1={fault: "
         "duplicate, agents: [1000], p: 0.1}'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = {bad[i].set};
        int rc = t_load(f, base, one, 1);
        if (rc != NN_ESCENARIO || !t_has(f, bad[i].want))
            fail_msg("case %zu: rc %d for --set '%s'", i, rc, bad[i].set);
    }
}

/* kills: {fault: kill, node, round} go to faults.kill[] in list order, not to f[] */
static void test_faults_kill(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    t_ok(f, MINIMAL "rounds: 20\nnodes: 3\n"
                    "faults:\n"
                    "  - {fault: loss, p: 0.1}\n"
                    "  - {fault: kill, node: 2, round: 5}\n"
                    "  - {fault: partition, rounds: [3, 4]}\n"
                    "  - {round: 20, node: 0, fault: kill}\n"
                    "  - {fault: kill, node: 2, round: 1}\n");
    assert_int_equal(fs->n, 2);
    assert_int_equal(fs->f[0].kind, NN_FAULT_LOSS);
    assert_true(fs->f[0].p == 0.1);
    assert_int_equal(fs->f[1].kind, NN_FAULT_PARTITION);
    assert_true(fs->f[1].from_round == 3 && fs->f[1].to_round == 4);
    assert_int_equal(fs->n_kills, 3);
    assert_int_equal(fs->kill[0].node, 2);
    assert_true(fs->kill[0].round == 5);
    assert_int_equal(fs->kill[1].node, 0);
    assert_true(fs->kill[1].round == 20); /* the last round */
    assert_int_equal(fs->kill[2].node, 2);
    assert_true(fs->kill[2].round == 1);
    /* nodes written after the faults still bounds the node; the default nodes is 4 */
    t_ok(f, MINIMAL "faults: [{fault: kill, node: 3, round: 1}]\n");
    assert_int_equal(fs->n, 0);
    assert_int_equal(fs->n_kills, 1);
    assert_int_equal(fs->kill[0].node, 3);
    t_ok(f, MINIMAL "faults: [{fault: kill, node: 6, round: 1}]\nnodes: 7\n");
    assert_int_equal(fs->kill[0].node, 6);
    /* kills and other faults share the 32 entries */
    char text[4096];
    int w = snprintf(text, sizeof text, MINIMAL "nodes: 2\nfaults:\n");
    for (int i = 0; i < NN_MAX_FAULTS; i++)
        w += snprintf(text + w, sizeof text - (size_t)w,
                      i % 2 ? "  - {fault: kill, node: 1, round: %d}\n"
                            : "  - {fault: loss, p: 0.01, rounds: [%d, %d]}\n",
                      i + 1, i + 1);
    t_ok(f, text);
    assert_int_equal(fs->n, NN_MAX_FAULTS / 2);
    assert_int_equal(fs->n_kills, NN_MAX_FAULTS / 2);
    assert_true(fs->kill[NN_MAX_FAULTS / 2 - 1].round == NN_MAX_FAULTS);
    snprintf(text + w, sizeof text - (size_t)w, "  - {fault: kill, node: 0, round: 1}\n");
    assert_int_equal(t_load(f, text, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'faults' has 33 entries, more than 32 at t.yaml:6:3"));
    assert_int_equal(f->d.count, 1);
    /* rank: whose node under mpirun (default 0); refused on the other kinds */
    t_ok(f, MINIMAL "faults: [{fault: kill, node: 1, round: 2, rank: 3}, "
                    "{fault: kill, node: 0, round: 2}]\n");
    assert_int_equal(fs->kill[0].rank, 3);
    assert_int_equal(fs->kill[1].rank, 0);
    assert_int_equal(t_load(f, MINIMAL "faults: [{fault: loss, p: 0.1, rank: 1}]\n", NULL, 0),
                     NN_ESCENARIO);
    assert_true(t_has(f, "rank says whose node process a kill stops under mpirun"));
    assert_int_equal(
        t_load(f, MINIMAL "faults: [{fault: kill, node: 0, round: 1, rank: -1}]\n", NULL, 0),
        NN_ESCENARIO);
    assert_true(t_has(f, "an integer in 0..65535 (an MPI rank)"));
    /* a reload starts from no kills, and recovery from its defaults */
    t_ok(f, MINIMAL);
    assert_int_equal(fs->n_kills, 0);
    assert_int_equal(fs->recovery, NN_RECOVERY_FAIL);
    assert_int_equal(fs->restarts, 3);
}

static void test_faults_kill_errors(void **state)
{
    t_fix_t *f = *state;
    static const t_bad_t cases[] = {
        {MINIMAL "faults: [{fault: kill, round: 5}]\n",
         "missing key 'faults[0].node' at t.yaml:4:10 (required with fault 'kill': the node "
         "whose process is killed, an integer from 0 to nodes - 1, or coordinator)"},
        {MINIMAL "faults: [{fault: kill, node: 1}]\n",
         "missing key 'faults[0].round' at t.yaml:4:10 (required with fault 'kill': the round "
         "at whose start the node is killed, an integer in 1..rounds)"},
        {MINIMAL "nodes: 4\nfaults:\n  - {fault: loss, p: 0.1}\n"
                 "  - {fault: kill, node: 4, round: 5}\n",
         "'faults[1].node' is 4, not below nodes (4) at t.yaml:7:25 (nodes run from 0 to 3; "
         "kill one of them, or raise nodes)"},
        {MINIMAL "faults: [{fault: kill, node: 2, round: 5}]\nnodes: 2\n",
         "'faults[0].node' is 2, not below nodes (2) at t.yaml:4:30"},
        {MINIMAL "faults: [{fault: kill, node: -1, round: 5}]\n",
         "'faults[0].node' must be an integer >= 0 (a node, from 0 to nodes - 1) or coordinator, "
         "got -1 at t.yaml:4:30"},
        {MINIMAL "faults: [{fault: kill, node: coordinator, round: 5}]\n",
         "'faults[0]' kills the coordinator, but the run writes no checkpoint to go on from at "
         "t.yaml:4:30 (add recovery: {checkpoint_every: 10}, and continue the run with nunchi "
         "run --resume RUN_DIR)"},
        {MINIMAL "recovery: {checkpoint_every: 5}\n"
                 "faults: [{fault: kill, node: coordinator, round: 5}]\n",
         "'faults[0]' kills the coordinator in round 5, before the first checkpoint (after round "
         "5) at t.yaml:5:30 (kill it after round 5, or write checkpoints more often)"},
        {MINIMAL "faults: [{fault: kill, node: controller, round: 5}]\n",
         "'faults[0].node' must be an integer >= 0 (a node, from 0 to nodes - 1) or coordinator, "
         "got 'controller' at t.yaml:4:30"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 0}]\n",
         "'faults[0].round' must be an integer >= 1 (a round), got 0 at t.yaml:4:40"},
        {MINIMAL "rounds: 10\nfaults: [{fault: kill, node: 1, round: 11}]\n",
         "'faults[0].round' is 11, after the last round (rounds: 10) at t.yaml:5:40 (a kill "
         "after the last round would never happen; give a round in 1..10)"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 101}]\n",
         "'faults[0].round' is 101, after the last round (rounds: 100) at t.yaml:4:40"},
        {MINIMAL "rounds: 0\nfaults: [{fault: kill, node: 1, round: 1}]\n",
         "'faults[0].round' is 1, but the run has no rounds (rounds: 0) at t.yaml:5:40 (a kill "
         "after the last round would never happen; raise rounds)"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, p: 0.5}]\n",
         "key 'p' does not apply to fault 'kill' at t.yaml:4:43 (a kill stops its node's "
         "process for certain, once; for a chance of loss add {fault: loss, p: 0.1})"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, rounds: [5, 6]}]\n",
         "key 'rounds' does not apply to fault 'kill' at t.yaml:4:43 (a kill acts once, in the "
         "round given by 'round', such as round: 5)"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, agents: [3]}]\n",
         "key 'agents' does not apply to fault 'kill' at t.yaml:4:43 (a kill stops a whole "
         "node process, given by 'node', with all its agents"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, links: all}]\n",
         "key 'links' does not apply to fault 'kill' at t.yaml:4:43"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, between: halves}]\n",
         "key 'between' does not apply to fault 'kill' at t.yaml:4:43"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, mode: random}]\n",
         "key 'mode' does not apply to fault 'kill' at t.yaml:4:43"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, rounds_late: 2}]\n",
         "key 'rounds_late' does not apply to fault 'kill' at t.yaml:4:43"},
        {MINIMAL "faults: [{fault: kill, node: 1, round: 5, nod: 2}]\n",
         "unknown key 'nod' in 'faults[0]' at t.yaml:4:43 (did you mean 'node'?)"},
        {MINIMAL "faults: [{fault: kil, node: 1, round: 5}]\n",
         "got 'kil' at t.yaml:4:18 (did you mean 'kill'?)"},
        {MINIMAL "faults: [{fault: partition, node: 1}]\n",
         "key 'node' does not apply to fault 'partition' at t.yaml:4:29 (node says which node "
         "process a kill stops; write {fault: kill, node: 0, round: 5})"},
        /* recovery */
        {MINIMAL "recovery: {policy: retry}\n",
         "'recovery.policy' must be one of fail, restart, drop, got 'retry' at t.yaml:4:20"},
        {MINIMAL "recovery: {policy: restar}\n",
         "got 'restar' at t.yaml:4:20 (did you mean 'restart'?)"},
        {MINIMAL "recovery: {policy: restart, restarts: -1}\n",
         "'recovery.restarts' must be an integer in 0..1000 (the most restarts in a run), got -1 "
         "at t.yaml:4:39"},
        {MINIMAL "recovery: {restarts: 1001}\n",
         "'recovery.restarts' must be an integer in 0..1000 (the most restarts in a run), got "
         "1001 at t.yaml:4:22"},
        {MINIMAL "recovery: {policy: restart, retries: 2}\n",
         "unknown key 'retries' in 'recovery' at t.yaml:4:29 (valid keys: policy, restarts, "
         "checkpoint_every)"},
        {MINIMAL "recovery: {policy: restart, restart: 2}\n",
         "unknown key 'restart' in 'recovery' at t.yaml:4:29 (did you mean 'restarts'?)"},
        {MINIMAL "recovery: {polcy: restart}\n",
         "unknown key 'polcy' in 'recovery' at t.yaml:4:12 (did you mean 'policy'?)"},
        {MINIMAL "recovery: restart\n",
         "'recovery' must be a mapping, got 'restart' at t.yaml:4:11 (such as {policy: restart, "
         "restarts: 3})"},
        {MINIMAL "recover: {policy: restart}\n",
         "unknown key 'recover' at t.yaml:4:1 (did you mean 'recovery'?)"},
    };
    t_one_error(f, cases, sizeof cases / sizeof cases[0]);
    /* a kill with neither node nor round: both missing, and a bad nodes gives no node error */
    assert_int_equal(t_load(f, MINIMAL "faults: [{fault: kill}]\n", NULL, 0), NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "missing key 'faults[0].node' at t.yaml:4:10"));
    assert_true(t_has(f, "missing key 'faults[0].round' at t.yaml:4:10"));
    assert_int_equal(
        t_load(f, MINIMAL "nodes: 0\nfaults: [{fault: kill, node: 9, round: 1}]\n", NULL, 0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "'nodes' must be an integer in 1..1024"));
    /* so does a bad rounds for the round */
    assert_int_equal(
        t_load(f, MINIMAL "rounds: x\nfaults: [{fault: kill, node: 0, round: 500}]\n", NULL, 0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "'rounds' must be an integer >= 0"));
}

static void test_recovery(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    t_ok(f, MINIMAL);
    assert_int_equal(fs->recovery, NN_RECOVERY_FAIL);
    assert_int_equal(fs->restarts, 3);
    t_ok(f, MINIMAL "recovery: {policy: restart}\n");
    assert_int_equal(fs->recovery, NN_RECOVERY_RESTART);
    assert_int_equal(fs->restarts, 3);
    t_ok(f, MINIMAL "recovery:\n  policy: restart\n  restarts: 1000\n");
    assert_int_equal(fs->restarts, 1000);
    t_ok(f, MINIMAL "recovery: {restarts: 0}\n");
    assert_int_equal(fs->recovery, NN_RECOVERY_FAIL);
    assert_int_equal(fs->restarts, 0);
    /* restarts with policy fail is kept (and not used) */
    t_ok(f, MINIMAL "recovery: {policy: fail, restarts: 7}\n");
    assert_int_equal(fs->recovery, NN_RECOVERY_FAIL);
    assert_int_equal(fs->restarts, 7);
    t_ok(f, MINIMAL "recovery: {}\n");
    assert_int_equal(fs->recovery, NN_RECOVERY_FAIL);
    assert_int_equal(fs->restarts, 3);
}

/* kills and recovery through --set */
static void test_faults_kill_set(void **state)
{
    t_fix_t *f = *state;
    const nn_faults_config_t *fs = &f->s.faults;
    const char *base =
        MINIMAL "rounds: 10\n"
                "faults: [{fault: loss, p: 0.1}, {fault: kill, node: 1, round: 3}]\n";
    const char *sets[] = {"faults.2={fault: kill, node: 0, round: 5}", "faults.1.round=4",
                          "recovery.policy=restart", "recovery.restarts=9"};
    assert_int_equal(t_load(f, base, sets, sizeof sets / sizeof sets[0]), NN_OK);
    assert_int_equal(fs->n, 1);
    assert_int_equal(fs->n_kills, 2);
    assert_int_equal(fs->kill[0].node, 1);
    assert_true(fs->kill[0].round == 4);
    assert_int_equal(fs->kill[1].node, 0);
    assert_true(fs->kill[1].round == 5);
    assert_int_equal(fs->recovery, NN_RECOVERY_RESTART);
    assert_int_equal(fs->restarts, 9);
    /* a loss turned into a kill, and a kill into a loss */
    const char *tk[] = {"faults.0={fault: kill, node: 3, round: 10}",
                        "faults.1={fault: silent, agents: [1]}"};
    assert_int_equal(t_load(f, base, tk, 2), NN_OK);
    assert_int_equal(fs->n, 1);
    assert_int_equal(fs->f[0].kind, NN_FAULT_SILENT);
    assert_int_equal(fs->n_kills, 1);
    assert_int_equal(fs->kill[0].node, 3);
    /* the nodes a kill is checked against, and the rounds, set too */
    const char *nd[] = {"nodes=1"};
    assert_int_equal(t_load(f, base, nd, 1), NN_ESCENARIO);
    assert_true(t_has(f, "'faults[1].node' is 1, not below nodes (1) at t.yaml:5:53"));
    const char *rd[] = {"rounds=2"};
    assert_int_equal(t_load(f, base, rd, 1), NN_ESCENARIO);
    assert_true(
        t_has(f, "'faults[1].round' is 3, after the last round (rounds: 2) at t.yaml:5:63"));
    static const struct {
        const char *set;
        const char *want;
    } bad[] = {
        {"faults.1.node=4", "'faults[1].node' is 4, not below nodes (4) at --set "
                            "'faults.1.node=4'"},
        {"faults.1.round=11", "'faults[1].round' is 11, after the last round (rounds: 10) at "
                              "--set 'faults.1.round=11'"},
        {"faults.1.p=0.5", "key 'p' does not apply to fault 'kill' at --set 'faults.1.p=0.5'"},
        {"faults.2={fault: kill, node: 0}",
         "missing key 'faults[2].round' at --set 'faults.2={fault: kill, node: 0}'"},
        {"recovery.policy=again",
         "'recovery.policy' must be one of fail, restart, drop, got 'again' at "
         "--set 'recovery.policy=again'"},
        {"recovery.restarts=-1", "'recovery.restarts' must be an integer in 0..1000 (the most "
                                 "restarts in a run), got -1 at --set 'recovery.restarts=-1'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = {bad[i].set};
        int rc = t_load(f, base, one, 1);
        if (rc != NN_ESCENARIO || !t_has(f, bad[i].want))
            fail_msg("case %zu: rc %d for --set '%s'", i, rc, bad[i].set);
    }
}

static void test_set_society(void **state)
{
    t_fix_t *f = *state;
    const nn_scenario_t *s = &f->s;
    const char *base = "agents: 1000\nnetwork: {model: ring, k: 4}\n"
                       "populations: [{behaviour: deffuant, share: 1}]\n"
                       "norms: [{norm: rate, limit: 9}]\n";
    const char *sets[] = {"game.benefit=4",
                          "norms.0.limit=3",
                          "norms[1]={norm: aggression, sanctions: [warn, {exclude: forever}]}",
                          "cases.chain=[majority]",
                          "cases.jury=7",
                          "decisions.every=2",
                          "decisions.chain=[weighted, tolerance]",
                          "trends={every: 5}",
                          "trends.max=8",
                          "structure.reputation.recovery=0.25",
                          "populations.0.params.mu={normal: [0.3, 0.1]}"};
    assert_int_equal(t_load(f, base, sets, sizeof sets / sizeof sets[0]), NN_OK);
    assert_int_equal(s->game.on, 1);
    assert_true(s->game.benefit == 4.0 && s->game.cost == 1.0);
    assert_int_equal(s->norms.norm[NN_NORM_RATE].limit, 3);
    const nn_norm_config_t *g = &s->norms.norm[NN_NORM_AGGRESSION];
    assert_int_equal(g->on, 1);
    assert_int_equal(g->n_ladder, 2);
    assert_int_equal(g->ladder[1].kind, NN_SANCTION_EXCLUDE);
    assert_int_equal(g->ladder[1].rounds, 0);
    assert_int_equal(s->cases.complaints, 1);
    assert_int_equal(s->cases.n_chain[NN_CASE_COMPLAINT], 1);
    assert_int_equal(s->cases.chain[NN_CASE_COMPLAINT][0], NN_PROTO_MAJORITY);
    assert_int_equal(s->cases.jury, 7);
    assert_int_equal(s->cases.decisions_every, 2);
    assert_int_equal(s->cases.n_chain[NN_CASE_DECISION], 2);
    assert_int_equal(s->cases.chain[NN_CASE_DECISION][0], NN_PROTO_WEIGHTED);
    assert_int_equal(s->trends.every, 5);
    assert_int_equal(s->trends.seeds, 5);
    assert_int_equal(s->trends.max, 8);
    assert_true(s->norms.recovery == 0.25);
    assert_int_equal(s->populations[0].dist[1], NN_DIST_NORMAL);
    assert_true(s->populations[0].params[1] == 0.3 && s->populations[0].param_b[1] == 0.1);
    /* --set errors name the --set */
    static const struct {
        const char *set;
        const char *want;
    } bad[] = {
        {"game.cost=5", "'game.cost' must be a number >= 0 and < game.benefit (3), got 5 at "
                        "--set 'game.cost=5'"},
        {"cases.chain=[mediation]", "'cases.chain[0]' is 'mediation', which needs mediators: "
                                    "no rule in 'structure.roles' gives the role mediator at "
                                    "--set 'cases.chain=[mediation]'"},
        {"norms.0.norm=defection", "norm 'defection' needs 'game' at --set "
                                   "'norms.0.norm=defection'"},
        {"norms.1={norm: rate}", "norm 'rate' is given twice in 'norms' at --set 'norms.1={norm: "
                                 "rate}' (first at t.yaml:4:16"},
        {"norms.0.sanctions=[{mute: x}]", "'norms[0].sanctions[0].mute' must be an integer >= 1 "
                                          "(rounds), got 'x' at --set"},
        {"trends.every=0", "'trends.every' must be an integer >= 1 (rounds), got 0 at --set"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *one[] = {bad[i].set};
        int rc = t_load(f, base, one, 1);
        if (rc != NN_ESCENARIO || !t_has(f, bad[i].want))
            fail_msg("case %zu: rc %d for --set '%s'", i, rc, bad[i].set);
    }
}

/* ---- the round trip ------------------------------------------------------------------ */

static void t_same(const nn_scenario_t *a, const nn_scenario_t *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->source, b->source);
    assert_true(a->seed == b->seed);
    assert_true(a->rounds == b->rounds);
    assert_int_equal(a->agents, b->agents);
    assert_int_equal(a->lean_events, b->lean_events);
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
    const nn_curve_config_t *ca = &a->security.curve, *cb = &b->security.curve;
    assert_int_equal(ca->on, cb->on);
    assert_string_equal(ca->secret_key, cb->secret_key);
    assert_string_equal(ca->authorized_keys, cb->authorized_keys);
    assert_string_equal(ca->secret_key_given, cb->secret_key_given);
    assert_string_equal(ca->authorized_keys_given, cb->authorized_keys_given);
    assert_int_equal(a->n_populations, b->n_populations);
    for (size_t i = 0; i < a->n_populations; i++) {
        const nn_population_t *p = &a->populations[i], *r = &b->populations[i];
        assert_ptr_equal(p->ops, r->ops);
        assert_int_equal(p->by_count, r->by_count);
        assert_true(p->count == r->count);
        assert_true(p->share == r->share);
        for (size_t j = 0; j < NN_MAX_PARAMS; j++) {
            assert_true(p->params[j] == r->params[j]);
            assert_int_equal(p->dist[j], r->dist[j]);
            assert_true(p->param_b[j] == r->param_b[j]);
        }
    }
    assert_int_equal(a->nodes, b->nodes);
    assert_int_equal(a->transport, b->transport);
    assert_int_equal(a->partition, b->partition);
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
    assert_memory_equal(s->pop_status_dist, t->pop_status_dist, sizeof s->pop_status_dist);
    assert_memory_equal(s->pop_status, t->pop_status, sizeof s->pop_status);
    assert_memory_equal(s->pop_status_b, t->pop_status_b, sizeof s->pop_status_b);
    for (int k = 0; k < NN_NORM_KINDS; k++) {
        const nn_norm_config_t *m = &a->norms.norm[k], *n = &b->norms.norm[k];
        assert_int_equal(m->on, n->on);
        assert_int_equal(m->limit, n->limit);
        assert_int_equal(m->scope, n->scope);
        assert_true(m->threshold == n->threshold);
        assert_true(m->detect == n->detect);
        assert_int_equal(m->forgive, n->forgive);
        assert_int_equal(m->n_ladder, n->n_ladder);
        for (size_t i = 0; i < NN_MAX_LADDER; i++) {
            assert_int_equal(m->ladder[i].kind, n->ladder[i].kind);
            assert_true(m->ladder[i].amount == n->ladder[i].amount);
            assert_int_equal(m->ladder[i].rounds, n->ladder[i].rounds);
        }
    }
    assert_true(a->norms.recovery == b->norms.recovery);
    assert_int_equal(a->game.on, b->game.on);
    assert_true(a->game.benefit == b->game.benefit);
    assert_true(a->game.cost == b->game.cost);
    const nn_cases_config_t *c = &a->cases, *d = &b->cases;
    assert_int_equal(c->complaints, d->complaints);
    for (int t = 0; t < NN_CASE_TYPES; t++) {
        assert_int_equal(c->n_chain[t], d->n_chain[t]);
        for (size_t i = 0; i < NN_MAX_CHAIN; i++)
            assert_int_equal(c->chain[t][i], d->chain[t][i]);
    }
    assert_int_equal(c->jury, d->jury);
    assert_int_equal(c->max_open, d->max_open);
    assert_int_equal(c->decisions_every, d->decisions_every);
    assert_int_equal(c->decisions_scope, d->decisions_scope);
    assert_int_equal(c->options, d->options);
    assert_true(c->turnout == d->turnout);
    assert_int_equal(c->mediation_rounds, d->mediation_rounds);
    assert_true(c->mediation_step == d->mediation_step);
    assert_int_equal(c->negotiation_rounds, d->negotiation_rounds);
    assert_int_equal(c->arbiter_by, d->arbiter_by);
    assert_int_equal(c->deliberation_rounds, d->deliberation_rounds);
    assert_true(c->deliberation_confidence == d->deliberation_confidence);
    assert_true(c->deliberation_epsilon == d->deliberation_epsilon);
    assert_int_equal(a->trends.every, b->trends.every);
    assert_int_equal(a->trends.seeds, b->trends.seeds);
    assert_int_equal(a->trends.max, b->trends.max);
    assert_true((a->llm == NULL) == (b->llm == NULL));
    if (a->llm && !json_equal(a->llm, b->llm)) {
        char *x = json_dumps(a->llm, JSON_COMPACT), *y = json_dumps(b->llm, JSON_COMPACT);
        fail_msg("the llm sections differ:\n%s\n%s", x, y);
    }
    assert_true(a->llm_budget_tokens == b->llm_budget_tokens);
    assert_int_equal(a->faults.n, b->faults.n);
    for (size_t i = 0; i < a->faults.n; i++) {
        const nn_fault_config_t *u = &a->faults.f[i], *v = &b->faults.f[i];
        assert_int_equal(u->kind, v->kind);
        assert_true(u->p == v->p);
        assert_int_equal(u->delay, v->delay);
        assert_true(u->from_round == v->from_round);
        assert_true(u->to_round == v->to_round);
        assert_int_equal(u->between, v->between);
        assert_true(u->share == v->share);
        assert_int_equal(u->n_agents, v->n_agents);
        assert_memory_equal(u->agents, v->agents, sizeof u->agents);
        assert_int_equal(u->mode, v->mode);
        assert_int_equal(u->links, v->links);
    }
    assert_int_equal(a->faults.n_kills, b->faults.n_kills);
    for (size_t i = 0; i < a->faults.n_kills; i++) {
        assert_int_equal(a->faults.kill[i].node, b->faults.kill[i].node);
        assert_true(a->faults.kill[i].round == b->faults.kill[i].round);
    }
    assert_int_equal(a->faults.recovery, b->faults.recovery);
    assert_int_equal(a->faults.restarts, b->faults.restarts);
    assert_string_equal(a->llm_record_given, b->llm_record_given);
    assert_string_equal(a->llm_replay_given, b->llm_replay_given);
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
    nn_scenario_release(back);
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
                    "nodes: 7\ntransport: ipc\npartition: block\noutput: {dir: 'out dir'}\n"
                    "limits: {deadline_s: 1e-3, max_message_bytes: 4096}\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: erdos_renyi, mean_degree: 3}\n"
                    "opinions: {init: seeds, seeds: 1.0}\n"
                    "populations: [{behaviour: threshold, share: 1, params: {phi: 1}}]\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: erdos_renyi, p: 0}\n"
                    "opinions: {init: seeds, seeds: 7}\n"
                    "populations: [{behaviour: threshold, count: 100}]\n");
    t_round_trip(f, "agents: 100\nnetwork: {model: barabasi_albert, m: 2}\n"
                    "opinions: {init: normal, mean: 0.1, sd: 1e300}\n"
                    "populations: [{behaviour: degroot, share: 1}]\ntransport: tcp\n"
                    "partition: hash\n");
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
    /* every new section with values other than the defaults */
    t_round_trip(f, "agents: 1000\nnetwork: {model: ring, k: 4}\n"
                    "populations:\n"
                    "  - {behaviour: deffuant, share: 0.5, params: {d: {normal: [0.2, "
                    "0.0333333333333333]}, mu: {uniform: [0.1, 0.5]}}}\n"
                    "  - {behaviour: hk, share: 0.5, params: {epsilon: {uniform: [0, 0]}}}\n"
                    "structure:\n"
                    "  roles: [{role: mediator, count: 10}, {role: arbiter, share: 0.01}]\n"
                    "  hierarchy: {model: tree, branching: 2}\n"
                    "  reputation: {recovery: 0.015}\n"
                    "norms:\n"
                    "  - norm: noncompliance\n"
                    "    detect: 0.3\n"
                    "    sanctions: [{reputation: 0.1}, {exclude: forever}]\n"
                    "  - {norm: rate, limit: 4294967295, forgive: 12, sanctions: [warn, {mute: 2}, "
                    "{exclude: 9}]}\n"
                    "  - {norm: address, scope: hierarchy}\n"
                    "  - {norm: aggression, threshold: 0.123456789}\n"
                    "  - {norm: defection, detect: 0}\n"
                    "game: {benefit: 0.3, cost: 0.1}\n"
                    "cases:\n"
                    "  chain: [negotiation, mediation, arbitration, weighted]\n"
                    "  jury: 0\n  max_open: 4\n  turnout: 0.75\n"
                    "  mediation: {rounds: 9, step: 0.1}\n"
                    "  negotiation: {rounds: 2}\n"
                    "  arbitration: {by: superior}\n"
                    "  deliberation: {rounds: 3, confidence: 0.2, epsilon: 1e-3}\n"
                    "decisions: {every: 4294967295, scope: society, chain: [deliberation, "
                    "majority, tolerance], options: 2}\n"
                    "trends: {every: 7, seeds: 1000, max: 1}\n");
    /* status from the populations, a number and a distribution */
    t_round_trip(f, "agents: 100\nnetwork: {model: ring, k: 4}\n"
                    "populations:\n  - {behaviour: voter, share: 0.5, status: 0.8}\n"
                    "  - {behaviour: deffuant, share: 0.5, status: {normal: [0.4, 0.1]}}\n"
                    "structure: {status: {from: population}}\n");
    t_round_trip(f, MINIMAL "output: {dir: elsewhere, events: lean}\n");
    t_round_trip(f, MINIMAL "rounds: 30\nstructure: {groups: {from: louvain}}\n"
                            "faults:\n"
                            "  - {fault: loss, p: 0.1, rounds: [10, 50]}\n"
                            "  - {fault: partition, between: halves, rounds: [20, 40]}\n"
                            "  - {fault: loss, p: 0.3333333333333333}\n"
                            "  - {fault: partition, between: groups, rounds: [1, 1]}\n"
                            "  - {fault: partition}\n"
                            "  - {fault: loss, p: 1, rounds: [2, 18446744073709551615]}\n");
    t_round_trip(f, MINIMAL "faults: []\n");
    t_round_trip(f, MINIMAL "faults:\n"
                            "  - {fault: silent, agents: {share: 0.05}, rounds: [10, 20]}\n"
                            "  - {fault: silent, agents: [42, 3, 17]}\n"
                            "  - {fault: byzantine, agents: {share: 0.1}, mode: adversarial}\n"
                            "  - {fault: byzantine, agents: [999], rounds: [5, 5]}\n"
                            "  - {fault: silent, agents: {share: 0.3333333333333333}}\n"
                            "  - {fault: loss, p: 0.1}\n");
    t_round_trip(f, MINIMAL "faults:\n"
                            "  - {fault: delay, p: 0.1, rounds_late: 2, rounds: [5, 30]}\n"
                            "  - {fault: duplicate, p: 0.05}\n"
                            "  - {fault: delay, p: 1}\n"
                            "  - {fault: delay, p: 0.3333333333333333, rounds_late: 1000}\n"
                            "  - {fault: duplicate, p: 1, rounds: [7, 7]}\n"
                            "  - {fault: loss, p: 0.1}\n");
    t_round_trip(f, MINIMAL "structure: {groups: {from: louvain}}\n"
                            "faults:\n"
                            "  - {fault: loss, p: 0.2, links: between_groups}\n"
                            "  - {fault: delay, p: 0.1, rounds_late: 2, agents: {share: 0.1}}\n"
                            "  - {fault: duplicate, p: 0.05, agents: [3, 1, 2], links: "
                            "within_groups}\n"
                            "  - {fault: loss, p: 0.5, links: all, agents: [999], rounds: [4, 8]}\n"
                            "  - {fault: delay, p: 1, links: within_groups, agents: {share: 1}}\n"
                            "  - {fault: silent, agents: [7]}\n");
    /* kills among the other faults (written after them: the arrays are apart), recovery */
    t_round_trip(f, MINIMAL "rounds: 50\nnodes: 8\n"
                            "faults:\n"
                            "  - {fault: kill, node: 7, round: 50}\n"
                            "  - {fault: loss, p: 0.1}\n"
                            "  - {fault: kill, node: 0, round: 1}\n"
                            "  - {fault: partition, rounds: [3, 4]}\n"
                            "  - {fault: kill, node: 7, round: 2}\n"
                            "recovery: {policy: restart, restarts: 1000}\n");
    t_round_trip(f, MINIMAL "faults: [{fault: kill, node: 1, round: 9}]\n"
                            "recovery: {policy: fail, restarts: 0}\n");
    /* decisions with tuned protocols and no complaints */
    t_round_trip(f, MINIMAL "cases: {complaints: false, turnout: 0.9}\n"
                            "decisions: {every: 3, chain: [weighted]}\n");
    /* decisions without cases, and cases with their defaults only */
    t_round_trip(f, MINIMAL "decisions: {every: 3}\n");
    t_round_trip(f, SOCIETY "cases: {}\ngame: {}\nnorms: [{norm: noncompliance}]\n");
    /* llm: every key off its default, odd strings and trait names; and the defaults */
    t_round_trip(f, "agents: 100\nnetwork: {model: ring, k: 4}\n"
                    "populations: [{behaviour: llm, share: 0.5}, {behaviour: hk, share: 0.5}]\n"
                    "llm:\n"
                    "  endpoints:\n"
                    "    - {url: http://127.0.0.1:8089/v1, model: scripted, api_key_env: K_1, "
                    "max_concurrency: 4096}\n"
                    "    - {url: 'https://a/v1?x=\"y\"', model: \"m: \\\\ 'q'\"}\n"
                    "  temperature: 0.1234567890123\n  max_tokens: 1\n  timeout_s: 1e-3\n"
                    "  connect_timeout_s: 0.3333333333333333\n  retries: 20\n"
                    "  backoff_s: 2\n  backoff_max_s: 2\n  retry_after_max_s: 0\n"
                    "  memory: 0\n  seed: false\n"
                    "  fallback: {behaviour: deffuant, params: {d: 0.05}}\n"
                    "  personas:\n"
                    "    names: [Minji, 'Jun, Jr.', \"\\\"q\\\"\", '\u00e9']\n"
                    "    stances: [\"cautious: about change\", '- not a list']\n"
                    "    traits:\n"
                    "      'a: b': {uniform: [0, 1]}\n"
                    "      \"#c\": {normal: [0.5, 0]}\n"
                    "      d: 0.999\n"
                    "  budget_tokens: 9223372036854775807\n"
                    "  record: 'rec dir/llm.jsonl'\n");
    t_round_trip(f, MINIMAL "llm: {endpoints: [{url: http://h/v1, model: m}], record: /r.jsonl}\n");
    /* replay reads a file that must exist: an absolute one */
    char dir[] = "/tmp/nunchi-scenario-XXXXXX", p[256], text[1024];
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/rec.jsonl", dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(text, sizeof text,
             MINIMAL "llm: {endpoints: [{url: http://h/v1, model: m}], replay: '%s', "
                     "personas: {traits: {x: 0}}}\n",
             p);
    t_round_trip(f, text);
    unlink(p);
    rmdir(dir);
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
    assert_non_null(strstr(buf, "\ntransport: inproc\npartition: metis\n"));
    assert_non_null(strstr(buf, "deadline_s: 30.0\n"));
    assert_non_null(strstr(buf, "max_message_bytes: 1073741824\n"));
    assert_non_null(strstr(buf, "      mu: 0.5\n"));
    assert_null(strstr(buf, "mean_degree"));
    assert_null(strstr(buf, "blocks"));
    /* the structure block is always written, defaults included */
    assert_non_null(strstr(buf, "structure:\n  roles: []\n  groups:\n    from: none\n"
                                "  hierarchy:\n    model: none\n  status:\n    from: constant\n"
                                "    value: 1.0\n  reputation:\n    recovery: 0.0\n"));
    /* the sections that are off when absent are not written; the norms list is */
    assert_non_null(strstr(buf, "\nnorms: []\n"));
    assert_null(strstr(buf, "game:"));
    assert_null(strstr(buf, "cases:"));
    assert_null(strstr(buf, "decisions:"));
    assert_null(strstr(buf, "trends:"));
    assert_non_null(strstr(buf, "\nfaults: []\nrecovery:\n  policy: fail\n  restarts: 3\n"));
    free(buf);
    buf = NULL;
    t_ok(f, "agents: 1000\nnetwork: {model: ring, k: 4}\n"
            "populations: [{behaviour: deffuant, share: 1, params: {mu: {uniform: [0.1, 0.5]}}}]\n"
            "structure: {roles: [{role: mediator, count: 10}, {role: arbiter, count: 5}]}\n"
            "norms: [{norm: rate, sanctions: [warn, {exclude: forever}]}]\n"
            "cases: {}\ngame: {}\ntrends: {every: 2}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "      d: 0.2\n      mu: {uniform: [0.1, 0.5]}\n"));
    assert_non_null(strstr(buf, "norms:\n  - norm: rate\n    limit: 5\n    detect: 1.0\n"
                                "    forgive: 0\n    sanctions:\n      - warn\n"
                                "      - {exclude: forever}\n"));
    assert_non_null(strstr(buf, "game:\n  benefit: 3.0\n  cost: 1.0\n"));
    assert_non_null(
        strstr(buf, "cases:\n  complaints: true\n  chain: [mediation, arbitration, tolerance]\n"
                    "  jury: 5\n  max_open: 1\n  turnout: 0.5\n"
                    "  mediation:\n    rounds: 5\n    step: 0.25\n"
                    "  negotiation:\n    rounds: 6\n  arbitration:\n    by: arbiter\n"
                    "  deliberation:\n    rounds: 10\n    confidence: 0.3\n"
                    "    epsilon: 0.05\n"));
    assert_non_null(strstr(buf, "trends:\n  every: 2\n  seeds: 5\n  max: 64\n"));
    free(buf);
    buf = NULL;
    /* faults: one flow mapping an entry, defaults written, rounds only when not every round */
    t_ok(f,
         MINIMAL "faults:\n  - {fault: partition, rounds: [3, 200]}\n  - {p: 0.25, fault: loss}\n"
                 "  - {fault: loss, p: 1, rounds: [1, 18446744073709551615]}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "\nfaults:\n  - {fault: partition, between: halves, rounds: "
                                "[3, 200]}\n  - {fault: loss, p: 0.25}\n"
                                "  - {fault: loss, p: 1.0}\n"));
    free(buf);
    buf = NULL;
    /* silent and byzantine: agents as a share or ascending ids; byzantine's mode always */
    t_ok(f, MINIMAL "faults:\n  - {fault: silent, agents: [42, 3, 17], rounds: [2, 9]}\n"
                    "  - {agents: {share: 0.05}, fault: byzantine}\n"
                    "  - {fault: byzantine, mode: adversarial, agents: [8]}\n"
                    "  - {fault: silent, agents: {share: 1}}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "\nfaults:\n"
                                "  - {fault: silent, agents: [3, 17, 42], rounds: [2, 9]}\n"
                                "  - {fault: byzantine, agents: {share: 0.05}, mode: random}\n"
                                "  - {fault: byzantine, agents: [8], mode: adversarial}\n"
                                "  - {fault: silent, agents: {share: 1.0}}\n"));
    free(buf);
    buf = NULL;
    /* delay and duplicate: p always, rounds_late always on a delay */
    t_ok(f, MINIMAL "faults:\n  - {fault: delay, p: 0.1}\n"
                    "  - {rounds: [5, 30], rounds_late: 2, p: 0.25, fault: delay}\n"
                    "  - {fault: duplicate, p: 1}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "\nfaults:\n"
                                "  - {fault: delay, p: 0.1, rounds_late: 1}\n"
                                "  - {fault: delay, p: 0.25, rounds_late: 2, rounds: [5, 30]}\n"
                                "  - {fault: duplicate, p: 1.0}\n"));
    free(buf);
    buf = NULL;
    /* senders written when given, links only when not all, in a fixed order */
    t_ok(f, MINIMAL "structure: {groups: {from: louvain}}\n"
                    "faults:\n  - {links: between_groups, fault: loss, p: 0.2}\n"
                    "  - {agents: {share: 0.1}, fault: delay, p: 0.1, rounds_late: 2}\n"
                    "  - {fault: duplicate, rounds: [2, 9], links: within_groups, agents: [3, 1, "
                    "2], p: 0.05}\n"
                    "  - {fault: loss, p: 0.5, links: all}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "\nfaults:\n"
                                "  - {fault: loss, p: 0.2, links: between_groups}\n"
                                "  - {fault: delay, p: 0.1, rounds_late: 2, agents: {share: 0.1}}\n"
                                "  - {fault: duplicate, p: 0.05, agents: [1, 2, 3], links: "
                                "within_groups, rounds: [2, 9]}\n"
                                "  - {fault: loss, p: 0.5}\n"));
    free(buf);
    buf = NULL;
    /* kills after the other faults, in their own order; recovery always, restarts with fail */
    t_ok(f, MINIMAL "faults:\n  - {round: 9, fault: kill, node: 3}\n  - {fault: loss, p: 0.5}\n"
                    "  - {fault: kill, node: 0, round: 2}\n"
                    "recovery: {restarts: 5}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "\nfaults:\n"
                                "  - {fault: loss, p: 0.5}\n"
                                "  - {fault: kill, node: 3, round: 9}\n"
                                "  - {fault: kill, node: 0, round: 2}\n"
                                "recovery:\n  policy: fail\n  restarts: 5\n"));
    free(buf);
    buf = NULL;
    /* kills only: the list is not empty */
    t_ok(f, MINIMAL "faults: [{fault: kill, node: 1, round: 1}]\nrecovery: {policy: restart}\n");
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "\nfaults:\n  - {fault: kill, node: 1, round: 1}\n"
                                "recovery:\n  policy: restart\n  restarts: 3\n"));
    free(buf);
    nn_scenario_t bad;
    memset(&bad, 0, sizeof bad);
    bad.n_populations = 1; /* without ops */
    assert_int_equal(nn_scenario_write(&bad, stdout), NN_EINVAL);
}

/* ---- partition ----------------------------------------------------------------------- */

/* partition: each name parses, is written out and reads back; a wrong value is an error at
 * its place; --set reaches it; a struct reused for another load goes back to metis. */
static void test_partition(void **state)
{
    t_fix_t *f = *state;
    static const struct {
        const char *name;
        nn_partition_method_t m;
    } ok[] = {
        {"metis", NN_PARTITION_METIS}, {"block", NN_PARTITION_BLOCK}, {"hash", NN_PARTITION_HASH}};
    nn_scenario_t *back = calloc(1, sizeof *back);
    assert_non_null(back);
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char text[256], want[64];
        snprintf(text, sizeof text, MINIMAL "partition: %s\n", ok[i].name);
        t_ok(f, text);
        assert_int_equal(f->s.partition, ok[i].m);
        assert_string_equal(nn_partition_method_name(f->s.partition), ok[i].name);
        /* written out, and read back to the same method */
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        assert_non_null(m);
        assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
        fclose(m);
        snprintf(want, sizeof want, "\npartition: %s\n", ok[i].name);
        if (!strstr(buf, want))
            fail_msg("no '%s' in the written scenario:\n%s", want + 1, buf);
        nn_diag_t d = NN_DIAG_INIT;
        assert_int_equal(nn_scenario_load_text(back, buf, len, "w.yaml", "/base", NULL, 0, &d),
                         NN_OK);
        assert_int_equal(back->partition, ok[i].m);
        nn_diag_release(&d);
        free(buf);
    }
    free(back);
    /* the last load set hash: a load without the key is metis again */
    assert_int_equal(f->s.partition, NN_PARTITION_HASH);
    t_ok(f, MINIMAL);
    assert_int_equal(f->s.partition, NN_PARTITION_METIS);

    /* --set: creates the key, and wins over the file's */
    const char *s1[] = {"partition=hash"};
    assert_int_equal(t_load(f, MINIMAL, s1, 1), NN_OK);
    assert_int_equal(f->s.partition, NN_PARTITION_HASH);
    const char *s2[] = {"partition=block"};
    assert_int_equal(t_load(f, MINIMAL "partition: hash\n", s2, 1), NN_OK);
    assert_int_equal(f->s.partition, NN_PARTITION_BLOCK);

    /* wrong values: the key, the place and the allowed names; a failed load is metis */
    static const t_bad_t bad[] = {
        {MINIMAL "partition: kway\n",
         "'partition' must be one of metis, block, hash, got 'kway' at t.yaml:4:12"},
        {MINIMAL "partition: blok\n", "'partition' must be one of metis, block, hash, got "
                                      "'blok' at t.yaml:4:12 (did you mean 'block'?)"},
        {MINIMAL "partition: METIS\n",
         "'partition' must be one of metis, block, hash, got 'METIS' at t.yaml:4:12"},
        {MINIMAL "partition: [metis]\n",
         "'partition' must be one of metis, block, hash, got a sequence at t.yaml:4:12"},
        {MINIMAL "partition:\n",
         "'partition' must be one of metis, block, hash, got an empty value at t.yaml:4:"},
        {MINIMAL "partitions: block\n",
         "unknown key 'partitions' at t.yaml:4:1 (did you mean 'partition'?)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f->s.partition = NN_PARTITION_HASH;
        int rc = t_load(f, bad[i].text, NULL, 0);
        if (rc != NN_ESCENARIO || !t_has(f, bad[i].want))
            fail_msg("case %zu: rc %d", i, rc);
        assert_int_equal(f->d.count, 1);
        assert_int_equal(f->s.partition, NN_PARTITION_METIS);
    }
    const char *s3[] = {"partition=random"};
    assert_int_equal(t_load(f, MINIMAL, s3, 1), NN_ESCENARIO);
    assert_true(t_has(f, "'partition' must be one of metis, block, hash, got 'random' at --set "
                         "'partition=random'"));
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
        nn_scenario_release(&f->s);
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
        nn_scenario_release(&f->s);
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

/* ---- security.curve ------------------------------------------------------------------ */

/* A scenario directory holding keys/server.key_secret and keys/authorized/. */
static void t_key_dir(char *dir)
{
    char p[512];
    assert_non_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/keys", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/keys/authorized", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/keys/server.key_secret", dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("not parsed by the loader\n", fp);
    fclose(fp);
}

static void t_key_dir_remove(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/keys/server.key_secret", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/keys/authorized", dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/keys", dir);
    rmdir(p);
    rmdir(dir);
}

static int t_load_in(t_fix_t *f, const char *dir, const char *text, const char *const *sets,
                     size_t n_sets)
{
    nn_scenario_release(&f->s);
    nn_diag_release(&f->d);
    nn_diag_init(&f->d);
    return nn_scenario_load_text(&f->s, text, strlen(text), "t.yaml", dir, sets, n_sets, &f->d);
}

#define CURVE_OK                                                                                   \
    MINIMAL "security:\n"                                                                          \
            "  curve:\n"                                                                           \
            "    secret_key: keys/server.key_secret\n"                                             \
            "    authorized_keys: keys/authorized\n"

static void test_security(void **state)
{
    t_fix_t *f = *state;
    char dir[] = "/tmp/nunchi-scenario-XXXXXX", want[600];
    t_key_dir(dir);
    const nn_curve_config_t *cu = &f->s.security.curve;

    /* off by default, and off in the embedded default */
    t_ok(f, MINIMAL);
    assert_int_equal(cu->on, 0);
    assert_string_equal(cu->secret_key, "");
    assert_int_equal(nn_scenario_load(&f->s, NULL, NULL, 0, &f->d), NN_OK);
    assert_int_equal(cu->on, 0);

    /* both keys, relative to the scenario's directory */
    assert_int_equal(t_load_in(f, dir, CURVE_OK, NULL, 0), NN_OK);
    assert_int_equal(cu->on, 1);
    assert_string_equal(cu->secret_key_given, "keys/server.key_secret");
    assert_string_equal(cu->authorized_keys_given, "keys/authorized");
    snprintf(want, sizeof want, "%s/keys/server.key_secret", dir);
    assert_string_equal(cu->secret_key, want);
    snprintf(want, sizeof want, "%s/keys/authorized", dir);
    assert_string_equal(cu->authorized_keys, want);
    assert_string_equal(cu->secret_key_where, "'security.curve.secret_key' at t.yaml:6:17");
    assert_string_equal(cu->authorized_keys_where,
                        "'security.curve.authorized_keys' at t.yaml:7:22");

    /* absolute paths stay as they are; flow style works */
    char text[2048];
    snprintf(text, sizeof text,
             MINIMAL "security: {curve: {secret_key: '%s/keys/server.key_secret', "
                     "authorized_keys: '%s/keys/authorized'}}\n",
             dir, dir);
    assert_int_equal(t_load_in(f, "/elsewhere", text, NULL, 0), NN_OK);
    snprintf(want, sizeof want, "%s/keys/server.key_secret", dir);
    assert_string_equal(cu->secret_key, want);
    assert_string_equal(cu->secret_key_given, want);

    /* --set, as any other key: creating the section and replacing one path */
    const char *sets[] = {"security.curve.secret_key=keys/server.key_secret",
                          "security.curve.authorized_keys=keys/authorized"};
    assert_int_equal(t_load_in(f, dir, MINIMAL, sets, 2), NN_OK);
    assert_int_equal(cu->on, 1);
    snprintf(want, sizeof want, "%s/keys/authorized", dir);
    assert_string_equal(cu->authorized_keys, want);
    const char *other[] = {"security.curve.authorized_keys=keys"};
    assert_int_equal(t_load_in(f, dir, CURVE_OK, other, 1), NN_OK);
    assert_string_equal(cu->authorized_keys_given, "keys");
    const char *bad_set[] = {"security.curve.secret_key=keys/nobody.key_secret"};
    assert_int_equal(t_load_in(f, dir, CURVE_OK, bad_set, 1), NN_ESCENARIO);
    assert_true(t_has(f, "'security.curve.secret_key': cannot read 'keys/nobody.key_secret'"));
    assert_true(t_has(f, "at --set 'security.curve.secret_key=keys/nobody.key_secret'"));
    snprintf(want, sizeof want, "write one with: nunchi keygen %s/keys/nobody)", dir);
    assert_true(t_has(f, want));

    /* a missing key, each way round */
    assert_int_equal(
        t_load_in(f, dir, MINIMAL "security:\n  curve:\n    secret_key: keys/server.key_secret\n",
                  NULL, 0),
        NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "missing key 'security.curve.authorized_keys' at t.yaml:6:5 "
                         "(required with secret_key"));
    assert_int_equal(t_load_in(f, dir,
                               MINIMAL "security: {curve: {authorized_keys: keys/authorized}}\n",
                               NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "missing key 'security.curve.secret_key' at t.yaml:4:19"));
    assert_int_equal(t_load_in(f, dir, MINIMAL "security: {}\n", NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "missing key 'security.curve' at t.yaml:4:11"));

    /* unknown keys, with the nearest valid one */
    assert_int_equal(t_load_in(f, dir, CURVE_OK "    authorised_keys: keys/authorized\n", NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 1);
    assert_true(t_has(f, "unknown key 'authorised_keys' in 'security.curve' at t.yaml:8:5 "
                         "(did you mean 'authorized_keys'?)"));
    assert_int_equal(t_load_in(f, dir, MINIMAL "security: {curv: {}}\n", NULL, 0), NN_ESCENARIO);
    assert_true(
        t_has(f, "unknown key 'curv' in 'security' at t.yaml:4:12 (did you mean 'curve'?)"));
    assert_int_equal(t_load_in(f, dir, MINIMAL "securty: {}\n", NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "unknown key 'securty' at t.yaml:4:1 (did you mean 'security'?)"));

    /* not strings, not mappings */
    assert_int_equal(t_load_in(f, dir,
                               MINIMAL "security:\n  curve:\n    secret_key: [a, b]\n"
                                       "    authorized_keys: {a: 1}\n",
                               NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "'security.curve.secret_key' must be a file path (a non-empty string), "
                         "got a sequence at t.yaml:6:17"));
    assert_true(t_has(f, "'security.curve.authorized_keys' must be a directory path (a non-empty "
                         "string), got a mapping at t.yaml:7:22"));
    assert_int_equal(t_load_in(f, dir, MINIMAL "security: {curve: on}\n", NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'security.curve' must be a mapping, got 'on' at t.yaml:4:19"));
    assert_int_equal(t_load_in(f, dir, MINIMAL "security: tcp\n", NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'security' must be a mapping, got 'tcp' at t.yaml:4:11"));

    /* a missing file, a directory as the file, a missing directory, a file as the
     * directory */
    assert_int_equal(t_load_in(f, dir,
                               MINIMAL "security:\n  curve:\n    secret_key: keys/x.key_secret\n"
                                       "    authorized_keys: keys/nobody\n",
                               NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "'security.curve.secret_key': cannot read 'keys/x.key_secret': No such "
                         "file or directory"));
    assert_true(t_has(f, "at t.yaml:6:17 (write one with: nunchi keygen "));
    assert_true(t_has(f, "'security.curve.authorized_keys': no directory 'keys/nobody'"));
    assert_true(t_has(f, "at t.yaml:7:22 (make it and put in it each authorized node's public "
                         "key"));
    assert_int_equal(t_load_in(f, dir,
                               MINIMAL "security:\n  curve:\n    secret_key: keys\n"
                                       "    authorized_keys: keys/server.key_secret\n",
                               NULL, 0),
                     NN_ESCENARIO);
    assert_int_equal(f->d.count, 2);
    assert_true(t_has(f, "'security.curve.secret_key': 'keys' is a directory, not a key file"));
    assert_true(t_has(f, "'security.curve.authorized_keys': 'keys/server.key_secret' is not a "
                         "directory"));
    /* a file without the .key_secret ending: the hint names the form, not a command */
    assert_int_equal(t_load_in(f, dir,
                               MINIMAL "security:\n  curve:\n    secret_key: keys/server\n"
                                       "    authorized_keys: keys/authorized\n",
                               NULL, 0),
                     NN_ESCENARIO);
    assert_true(t_has(f, "(name the coordinator's secret key, NAME.key_secret, written by: "
                         "nunchi keygen NAME)"));

    /* the writer puts the section back as given; reloading gives the same */
    assert_int_equal(t_load_in(f, dir, CURVE_OK, NULL, 0), NN_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_non_null(strstr(buf, "security:\n  curve:\n    secret_key: \"keys/server.key_secret\"\n"
                                "    authorized_keys: \"keys/authorized\"\n"));
    nn_scenario_t *back = calloc(1, sizeof *back);
    assert_non_null(back);
    nn_diag_t d = NN_DIAG_INIT;
    int rc = nn_scenario_load_text(back, buf, len, "t.yaml", dir, NULL, 0, &d);
    if (rc != NN_OK)
        fail_msg("written scenario does not load:\n%s---\n%s", buf, d.text ? d.text : "");
    t_same(&f->s, back);
    assert_int_equal(back->security.curve.on, 1);
    free(buf);
    nn_diag_release(&d);
    free(back);
    /* and leaves it out when off */
    t_ok(f, MINIMAL);
    buf = NULL;
    m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(nn_scenario_write(&f->s, m), NN_OK);
    fclose(m);
    assert_null(strstr(buf, "security"));
    free(buf);
    t_key_dir_remove(dir);
}

/* ---- llm ----------------------------------------------------------------------------- */

#define LLM_POP                                                                                    \
    "agents: 100\n"                                                                                \
    "network: {model: ring, k: 4}\n"                                                               \
    "populations: [{behaviour: llm, share: 1}]\n"

#define LLM_MIN LLM_POP "llm: {endpoints: [{url: http://127.0.0.1:8089/v1, model: scripted}]}\n"

/* The section as the nodes get it: compact, reals to 15 digits. */
static char *t_llm_json(const t_fix_t *f)
{
    assert_non_null(f->s.llm);
    char *j = json_dumps(f->s.llm, JSON_COMPACT | JSON_REAL_PRECISION(15));
    assert_non_null(j);
    return j;
}

/* Every key, each at a value other than its default; a key-for-key check of the JSON. */
static void test_llm(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, LLM_POP "llm:\n"
                    "  endpoints:\n"
                    "    - url: http://127.0.0.1:8089/v1\n"
                    "      model: scripted\n"
                    "      api_key_env: OPENAI_API_KEY\n"
                    "      max_concurrency: 3\n"
                    "    - {url: 'https://api.example.com/v1', model: gpt-4o-mini}\n"
                    "  temperature: 0.25\n"
                    "  max_tokens: 65536\n"
                    "  timeout_s: 12.5\n"
                    "  connect_timeout_s: 2\n"
                    "  retries: 0\n"
                    "  backoff_s: 1.5\n"
                    "  backoff_max_s: 1.5\n"
                    "  retry_after_max_s: 0\n"
                    "  memory: 256\n"
                    "  seed: false\n"
                    "  fallback:\n"
                    "    behaviour: deffuant\n"
                    "    params: {mu: 0.1}\n"
                    "  personas:\n"
                    "    names: [Minji, Jun]\n"
                    "    stances: [\"cautious about change\"]\n"
                    "    traits:\n"
                    "      agreeableness: {uniform: [0.2, 0.9]}\n"
                    "      openness: {normal: [0.5, 0.1]}\n"
                    "      warmth: 1\n"
                    "  budget_tokens: 1000000\n"
                    "  record: runs/llm-record.jsonl\n");
    const json_t *o = f->s.llm;
    assert_non_null(o);
    /* exactly these keys, in this order */
    static const char *const keys[] = {
        "endpoints",         "temperature",   "max_tokens", "timeout_s",
        "connect_timeout_s", "retries",       "backoff_s",  "backoff_max_s",
        "retry_after_max_s", "memory",        "seed",       "fallback",
        "personas",          "budget_tokens", "record",     "replay"};
    assert_int_equal(json_object_size(o), sizeof keys / sizeof keys[0]);
    size_t i = 0;
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)o, k, x) assert_string_equal(k, keys[i++]);
    const json_t *eps = json_object_get(o, "endpoints");
    assert_int_equal(json_array_size(eps), 2);
    const json_t *e0 = json_array_get(eps, 0), *e1 = json_array_get(eps, 1);
    assert_string_equal(json_string_value(json_object_get(e0, "url")), "http://127.0.0.1:8089/v1");
    assert_string_equal(json_string_value(json_object_get(e0, "model")), "scripted");
    assert_string_equal(json_string_value(json_object_get(e0, "api_key_env")), "OPENAI_API_KEY");
    assert_int_equal(json_integer_value(json_object_get(e0, "max_concurrency")), 3);
    assert_string_equal(json_string_value(json_object_get(e1, "url")),
                        "https://api.example.com/v1");
    assert_string_equal(json_string_value(json_object_get(e1, "api_key_env")), "");
    assert_int_equal(json_integer_value(json_object_get(e1, "max_concurrency")), 8);
    assert_true(json_real_value(json_object_get(o, "temperature")) == 0.25);
    assert_true(json_is_integer(json_object_get(o, "max_tokens")));
    assert_int_equal(json_integer_value(json_object_get(o, "max_tokens")), 65536);
    /* written as integers, the durations are reals all the same */
    assert_true(json_is_real(json_object_get(o, "connect_timeout_s")));
    assert_true(json_real_value(json_object_get(o, "connect_timeout_s")) == 2.0);
    assert_true(json_real_value(json_object_get(o, "timeout_s")) == 12.5);
    assert_int_equal(json_integer_value(json_object_get(o, "retries")), 0);
    assert_true(json_real_value(json_object_get(o, "backoff_s")) == 1.5);
    assert_true(json_real_value(json_object_get(o, "backoff_max_s")) == 1.5);
    assert_true(json_is_real(json_object_get(o, "retry_after_max_s")));
    assert_true(json_real_value(json_object_get(o, "retry_after_max_s")) == 0.0);
    assert_int_equal(json_integer_value(json_object_get(o, "memory")), 256);
    assert_true(json_is_false(json_object_get(o, "seed")));
    assert_int_equal(json_integer_value(json_object_get(o, "budget_tokens")), 1000000);
    assert_int_equal(f->s.llm_budget_tokens, 1000000);
    /* the fallback's parameters with the defaults filled in */
    char *j = json_dumps(json_object_get(o, "fallback"), JSON_COMPACT | JSON_REAL_PRECISION(15));
    assert_string_equal(j, "{\"behaviour\":\"deffuant\",\"params\":{\"d\":0.2,\"mu\":0.1}}");
    free(j);
    j = json_dumps(json_object_get(o, "personas"), JSON_COMPACT | JSON_REAL_PRECISION(15));
    assert_string_equal(j, "{\"names\":[\"Minji\",\"Jun\"],\"stances\":[\"cautious about change\"],"
                           "\"traits\":[{\"name\":\"agreeableness\",\"dist\":\"uniform\",\"a\":0.2,"
                           "\"b\":0.9},{\"name\":\"openness\",\"dist\":\"normal\",\"a\":0.5,"
                           "\"b\":0.1},{\"name\":\"warmth\",\"dist\":\"constant\",\"a\":1.0,"
                           "\"b\":0.0}]}");
    free(j);
    /* record resolved against the scenario's directory, kept as written for writing */
    assert_string_equal(json_string_value(json_object_get(o, "record")),
                        "/base/runs/llm-record.jsonl");
    assert_string_equal(f->s.llm_record_given, "runs/llm-record.jsonl");
    assert_true(json_is_null(json_object_get(o, "replay")));
    assert_string_equal(f->s.llm_replay_given, "");

    /* an llm section with no llm population is allowed, and says nothing */
    t_ok(f, MINIMAL "llm: {endpoints: [{url: http://h/v1, model: m}]}\n");
    assert_non_null(f->s.llm);
    /* no section: NULL, no budget */
    t_ok(f, MINIMAL);
    assert_null(f->s.llm);
    assert_int_equal(f->s.llm_budget_tokens, 0);
}

static void test_llm_defaults(void **state)
{
    t_fix_t *f = *state;
    t_ok(f, LLM_MIN);
    char *j = t_llm_json(f);
    assert_string_equal(
        j, "{\"endpoints\":[{\"url\":\"http://127.0.0.1:8089/v1\",\"model\":\"scripted\","
           "\"api_key_env\":\"\",\"max_concurrency\":8}],"
           "\"temperature\":0.7,\"max_tokens\":256,\"timeout_s\":60.0,\"connect_timeout_s\":5.0,"
           "\"retries\":4,\"backoff_s\":0.5,\"backoff_max_s\":30.0,\"retry_after_max_s\":120.0,"
           "\"memory\":8,\"seed\":true,"
           "\"fallback\":{\"behaviour\":\"stubborn\",\"params\":{}},"
           "\"personas\":{\"names\":[],\"stances\":[],\"traits\":[]},"
           "\"budget_tokens\":0,\"record\":null,\"replay\":null}");
    free(j);
    assert_int_equal(f->s.llm_budget_tokens, 0);
    /* a fallback named alone takes its behaviour's defaults */
    t_ok(f, LLM_POP "llm:\n  endpoints: [{url: http://h/v1, model: m}]\n"
                    "  fallback: {behaviour: hk}\n  personas: {names: [A]}\n");
    j = t_llm_json(f);
    assert_non_null(strstr(j, "\"fallback\":{\"behaviour\":\"hk\",\"params\":{\"epsilon\":0.2}}"));
    assert_non_null(strstr(j, "\"personas\":{\"names\":[\"A\"],\"stances\":[],\"traits\":[]}"));
    free(j);
    /* a relative path with a relative base is made absolute against the current
     * directory */
    char cwd[4096], want[4200];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char *real = realpath(cwd, NULL);
    assert_non_null(real);
    snprintf(want, sizeof want, "%s/llm-record.jsonl", real);
    free(real);
    const char *text = LLM_MIN "# the section again, by --set\n";
    const char *sets[] = {"llm.record=llm-record.jsonl"};
    nn_scenario_release(&f->s);
    nn_diag_release(&f->d);
    assert_int_equal(
        nn_scenario_load_text(&f->s, text, strlen(text), "t.yaml", ".", sets, 1, &f->d), NN_OK);
    assert_string_equal(json_string_value(json_object_get(f->s.llm, "record")), want);
    assert_string_equal(f->s.llm_record_given, "llm-record.jsonl");
}

static void test_llm_errors(void **state)
{
    t_fix_t *f = *state;
#define LLM_EP "llm:\n  endpoints:\n"
#define LLM_OK "llm:\n  endpoints: [{url: http://h/v1, model: m}]\n"
    static const t_bad_t cases[] = {
        /* the cross-section check: at the population */
        {LLM_POP, "population 0 has behaviour 'llm' but the scenario has no llm section at "
                  "t.yaml:3:15 (add llm: {endpoints: [{url, model}]})"},
        {"agents: 100\nnetwork: {model: ring, k: 4}\npopulations:\n"
         "  - {behaviour: voter, share: 0.5}\n  - {behaviour: llm, share: 0.5}\n",
         "population 1 has behaviour 'llm' but the scenario has no llm section at t.yaml:5:5"},
        {LLM_POP "llm: yes\n", "'llm' must be a mapping, got 'yes' at t.yaml:4:6"},
        {LLM_POP "llm: {}\n", "missing key 'llm.endpoints' at t.yaml:4:6 (required: 1..64 "
                              "endpoints"},
        {LLM_POP "llm: {endpoints: []}\n",
         "'llm.endpoints' must have 1..64 entries, got 0 at t.yaml:4:18"},
        {LLM_POP "llm: {endpoints: {url: http://h}}\n",
         "'llm.endpoints' must be a sequence, got a mapping at t.yaml:4:18"},
        {LLM_POP LLM_EP "    - {model: m}\n",
         "missing key 'llm.endpoints[0].url' at t.yaml:6:7 (required: the base URL"},
        {LLM_POP LLM_EP "    - {url: ftp://h/v1, model: m}\n",
         "'llm.endpoints[0].url' is 'ftp://h/v1', not an http:// or https:// URL at t.yaml:6:13"},
        {LLM_POP LLM_EP "    - {url: 'http://', model: m}\n",
         "'llm.endpoints[0].url' is 'http://', which names no host at t.yaml:6:13"},
        {LLM_POP LLM_EP "    - {url: 'http://h/a b', model: m}\n",
         "'llm.endpoints[0].url' has a space or a control character at t.yaml:6:13"},
        {LLM_POP LLM_EP "    - {url: '', model: m}\n",
         "'llm.endpoints[0].url' must be a URL such as http://127.0.0.1:8089/v1, got an empty "
         "string at t.yaml:6:13"},
        {LLM_POP LLM_EP "    - {url: http://h/v1}\n",
         "missing key 'llm.endpoints[0].model' at t.yaml:6:7"},
        {LLM_POP LLM_EP "    - {url: http://h/v1, model: [a]}\n",
         "'llm.endpoints[0].model' must be a model name such as gpt-4o-mini, got a sequence at "
         "t.yaml:6:33"},
        {LLM_POP LLM_EP "    - {url: http://h, model: m, api_key_env: sk-proj-abc123}\n",
         "'llm.endpoints[0].api_key_env' must be the name of an environment variable (letters, "
         "digits and '_', at most 63 bytes), not a key at t.yaml:6:46"},
        {LLM_POP LLM_EP "    - {url: http://h, model: m, max_concurrency: 0}\n",
         "'llm.endpoints[0].max_concurrency' must be an integer in 1..4096, got 0 at t.yaml:6:50"},
        {LLM_POP LLM_EP "    - {url: http://h, model: m, max_concurrency: 4097}\n",
         "'llm.endpoints[0].max_concurrency' must be an integer in 1..4096, got 4097"},
        {LLM_POP LLM_EP "    - {url: http://h, model: m, modl: x}\n",
         "unknown key 'modl' in 'llm.endpoints[0]' at t.yaml:6:33 (did you mean 'model'?)"},
        {LLM_POP LLM_EP "    - url\n",
         "'llm.endpoints[0]' must be a mapping, got 'url' at t.yaml:6:7"},
        {LLM_POP LLM_OK "  temprature: 1\n",
         "unknown key 'temprature' in 'llm' at t.yaml:6:3 (did you mean 'temperature'?)"},
        {LLM_POP LLM_OK "  temperature: 1\n  temperature: 2\n",
         "duplicate key 'llm.temperature' at t.yaml:7:3 (first at t.yaml:6:3)"},
        {LLM_POP LLM_OK "  temperature: 2.5\n",
         "'llm.temperature' must be a number in [0, 2], got 2.5 at t.yaml:6:16"},
        {LLM_POP LLM_OK "  temperature: -0.1\n",
         "'llm.temperature' must be a number in [0, 2], got -0.1 at t.yaml:6:16"},
        {LLM_POP LLM_OK "  temperature: .nan\n",
         "'llm.temperature' must be a number in [0, 2], got '.nan' at t.yaml:6:16 (numbers must "
         "be finite)"},
        {LLM_POP LLM_OK "  max_tokens: 0\n",
         "'llm.max_tokens' must be an integer in 1..65536, got 0 at t.yaml:6:15"},
        {LLM_POP LLM_OK "  max_tokens: 65537\n",
         "'llm.max_tokens' must be an integer in 1..65536, got 65537 at t.yaml:6:15"},
        {LLM_POP LLM_OK "  max_tokens: 1.5\n",
         "'llm.max_tokens' must be an integer in 1..65536, got 1.5 at t.yaml:6:15"},
        {LLM_POP LLM_OK "  timeout_s: 0\n",
         "'llm.timeout_s' must be a number > 0, got 0 at t.yaml:6:14"},
        {LLM_POP LLM_OK "  connect_timeout_s: -1\n",
         "'llm.connect_timeout_s' must be a number > 0, got -1 at t.yaml:6:22"},
        {LLM_POP LLM_OK "  retries: 21\n",
         "'llm.retries' must be an integer in 0..20, got 21 at t.yaml:6:12"},
        {LLM_POP LLM_OK "  backoff_s: 0\n",
         "'llm.backoff_s' must be a number > 0, got 0 at t.yaml:6:14"},
        {LLM_POP LLM_OK "  backoff_max_s: 0.1\n",
         "'llm.backoff_max_s' is 0.1, below 'llm.backoff_s' (0.5) at t.yaml:6:18 (the wait "
         "between retries doubles from backoff_s up to backoff_max_s: give a backoff_max_s >= "
         "0.5)"},
        {LLM_POP LLM_OK "  backoff_s: 40\n",
         "'llm.backoff_s' is 40.0, above 'llm.backoff_max_s' (30.0, its default) at t.yaml:6:14"},
        {LLM_POP LLM_OK "  backoff_s: 4\n  backoff_max_s: 2\n",
         "'llm.backoff_max_s' is 2.0, below 'llm.backoff_s' (4.0) at t.yaml:7:18"},
        {LLM_POP LLM_OK "  retry_after_max_s: -1\n",
         "'llm.retry_after_max_s' must be a number >= 0, got -1 at t.yaml:6:22"},
        {LLM_POP LLM_OK "  memory: 257\n",
         "'llm.memory' must be an integer in 0..256, got 257 at t.yaml:6:11"},
        {LLM_POP LLM_OK "  seed: yes\n",
         "'llm.seed' must be one of false, true, got 'yes' at t.yaml:6:9"},
        {LLM_POP LLM_OK "  fallback: stubborn\n",
         "'llm.fallback' must be a mapping, got 'stubborn' at t.yaml:6:13"},
        {LLM_POP LLM_OK "  fallback: {params: {}}\n",
         "missing key 'llm.fallback.behaviour' at t.yaml:6:13"},
        {LLM_POP LLM_OK "  fallback: {behaviour: llm}\n",
         "'llm.fallback.behaviour' cannot be 'llm' at t.yaml:6:25 (the fallback decides when "
         "the language model does not"},
        {LLM_POP LLM_OK "  fallback: {behaviour: external}\n",
         "'llm.fallback.behaviour' cannot be 'external' at t.yaml:6:25"},
        {LLM_POP LLM_OK "  fallback: {behaviour: defuant}\n",
         "unknown behaviour 'defuant' in 'llm.fallback.behaviour' at t.yaml:6:25 (did you mean "
         "'deffuant'?"},
        {LLM_POP LLM_OK "  fallback: {behaviour: deffuant, params: {d: {uniform: [0.1, 0.3]}}}\n",
         "'llm.fallback.params.d' must be a number in [0, 1], got a distribution at t.yaml:6:47 "
         "(a fallback's parameters are constants"},
        {LLM_POP LLM_OK "  fallback: {behaviour: deffuant, params: {d: 2}}\n",
         "'llm.fallback.params.d' must be a number in [0, 1], got 2 at t.yaml:6:47"},
        {LLM_POP LLM_OK "  fallback: {behaviour: hk, params: {eps: 0.1}}\n",
         "unknown parameter 'eps' for behaviour 'hk' at t.yaml:6:38 (did you mean 'epsilon'?"},
        {LLM_POP LLM_OK "  fallback: {behaviour: voter, params: {d: 0.1}}\n",
         "unknown parameter 'd' for behaviour 'voter' at t.yaml:6:41 (it takes no parameters)"},
        {LLM_POP LLM_OK "  fallback: {behaviour: hk, params: {epsilon: 0.1, epsilon: 0.2}}\n",
         "duplicate key 'llm.fallback.params.epsilon' at t.yaml:6:52 (first at t.yaml:6:38)"},
        {LLM_POP LLM_OK "  fallback: {behaviour: hk, params: [0.1]}\n",
         "'llm.fallback.params' must be a mapping, got a sequence at t.yaml:6:37"},
        {LLM_POP LLM_OK "  personas: [Minji]\n",
         "'llm.personas' must be a mapping, got a sequence at t.yaml:6:13"},
        {LLM_POP LLM_OK "  personas: {nams: [Minji]}\n",
         "unknown key 'nams' in 'llm.personas' at t.yaml:6:14 (did you mean 'names'?)"},
        {LLM_POP LLM_OK "  personas: {names: Minji}\n",
         "'llm.personas.names' must be a sequence, got 'Minji' at t.yaml:6:21"},
        {LLM_POP LLM_OK "  personas: {names: [Minji, abcdefghijabcdefghijabcdefghijab]}\n",
         "'llm.personas.names[1]' is longer than 31 bytes at t.yaml:6:29"},
        {LLM_POP LLM_OK "  personas: {names: [Minji, '']}\n",
         "'llm.personas.names[1]' must be a non-empty string, got an empty string at t.yaml:6:29"},
        {LLM_POP LLM_OK "  personas: {stances: [{a: 1}]}\n",
         "'llm.personas.stances[0]' must be a non-empty string, got a mapping at t.yaml:6:24"},
        {LLM_POP LLM_OK "  personas: {traits: [warmth]}\n",
         "'llm.personas.traits' must be a mapping, got a sequence at t.yaml:6:22"},
        {LLM_POP LLM_OK "  personas: {traits: {warmth: 1.5}}\n",
         "'llm.personas.traits.warmth' must be a number in [0, 1] or a distribution, got 1.5 at "
         "t.yaml:6:31"},
        {LLM_POP LLM_OK "  personas: {traits: {warmth: {uniform: [0.9, 0.2]}}}\n",
         "'llm.personas.traits.warmth.uniform' has its low 0.9 above its high 0.2 at t.yaml:6:41"},
        {LLM_POP LLM_OK "  personas: {traits: {warmth: {poisson: [1, 2]}}}\n",
         "unknown distribution 'poisson' in 'llm.personas.traits.warmth' at t.yaml:6:32"},
        {LLM_POP LLM_OK "  personas: {traits: {warmth: {normal: [0.5, -1]}}}\n",
         "'llm.personas.traits.warmth.normal[1]' must be a number >= 0 (the sd), got -1"},
        {LLM_POP LLM_OK "  personas: {traits: {warmth: 0.1, warmth: 0.2}}\n",
         "duplicate key 'llm.personas.traits.warmth' at t.yaml:6:36 (first at t.yaml:6:23)"},
        {LLM_POP LLM_OK "  personas: {traits: {abcdefghijabcdefghijabcdefghijab: 0.2}}\n",
         "a key in 'llm.personas.traits' must be a trait name of 1..31 bytes, got "
         "'abcdefghijabcdefghijabcdefghijab' at t.yaml:6:23"},
        {LLM_POP LLM_OK "  personas: {traits: {a: 0, b: 0, c: 0, d: 0, e: 0, f: 0, g: 0, h: 0, "
                        "i: 0}}\n",
         "'llm.personas.traits' has 9 traits, more than 8 at t.yaml:6:22"},
        {LLM_POP LLM_OK "  budget_tokens: -1\n",
         "'llm.budget_tokens' must be an integer in 0..9223372036854775807 (0: no budget), got "
         "-1 at t.yaml:6:18"},
        {LLM_POP LLM_OK "  budget_tokens: 9223372036854775808\n",
         "'llm.budget_tokens' must be an integer in 0..9223372036854775807 (0: no budget), got "
         "9223372036854775808"},
        {LLM_POP LLM_OK "  record: ''\n",
         "'llm.record' must be a file path (a non-empty string), got an empty string at "
         "t.yaml:6:11"},
        {LLM_POP LLM_OK "  record: out/\n",
         "'llm.record': 'out/' is a directory (resolved against the scenario's directory: "
         "'/base/out/') at t.yaml:6:11"},
        {LLM_POP LLM_OK "  replay: nope.jsonl\n",
         "'llm.replay': cannot read 'nope.jsonl': No such file or directory (resolved against "
         "the scenario's directory: '/base/nope.jsonl') at t.yaml:6:11"},
        {LLM_POP LLM_OK "  replay: [a]\n",
         "'llm.replay' must be a file path (a non-empty string), got a sequence at t.yaml:6:11"},
    };
#undef LLM_EP
#undef LLM_OK
    size_t failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = t_load(f, cases[i].text, NULL, 0);
        if (rc != NN_ESCENARIO || !t_has(f, cases[i].want)) {
            print_error("case %zu: rc %d for:\n%s\n", i, rc, cases[i].text);
            failed++;
        }
        /* a scenario that does not load holds no llm section */
        if (f->s.llm) {
            print_error("case %zu: llm left after a failed load\n", i);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
    /* a key pasted where its variable's name goes is not quoted back */
    assert_int_equal(
        t_load(f, LLM_POP "llm: {endpoints: [{url: http://h, model: m, api_key_env: sk-12345}]}\n",
               NULL, 0),
        NN_ESCENARIO);
    assert_null(strstr(f->d.text, "sk-12345"));
    /* nor one too long for a name */
    char text[1024], key[200];
    memset(key, 'A', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    snprintf(text, sizeof text,
             LLM_POP "llm: {endpoints: [{url: http://h, model: m, api_key_env: %s}]}\n", key);
    assert_int_equal(t_load(f, text, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "not a key at t.yaml:4:58"));
    assert_null(
        strstr(f->d.text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    /* the name at its longest (63 bytes) loads */
    key[63] = '\0';
    snprintf(text, sizeof text,
             LLM_POP "llm: {endpoints: [{url: http://h, model: m, api_key_env: %s}]}\n", key);
    t_ok(f, text);

    /* lengths: url < 512, model < 128, stance < 96 */
    char big[2048], url[600], model[200], stance[200];
    snprintf(url, sizeof url, "http://h/");
    memset(url + 9, 'u', 502);
    url[511] = '\0'; /* 511 bytes: the longest */
    snprintf(big, sizeof big, LLM_POP "llm: {endpoints: [{url: '%s', model: m}]}\n", url);
    t_ok(f, big);
    strcat(url, "u");
    snprintf(big, sizeof big, LLM_POP "llm: {endpoints: [{url: '%s', model: m}]}\n", url);
    assert_int_equal(t_load(f, big, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.endpoints[0].url' is longer than 511 bytes at t.yaml:4:25"));
    memset(model, 'm', 128);
    model[128] = '\0';
    snprintf(big, sizeof big, LLM_POP "llm: {endpoints: [{url: http://h, model: %s}]}\n", model);
    assert_int_equal(t_load(f, big, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.endpoints[0].model' is longer than 127 bytes at t.yaml:4:42"));
    model[127] = '\0';
    snprintf(big, sizeof big, LLM_POP "llm: {endpoints: [{url: http://h, model: %s}]}\n", model);
    t_ok(f, big);
    memset(stance, 's', 96);
    stance[96] = '\0';
    snprintf(big, sizeof big,
             LLM_POP "llm:\n  endpoints: [{url: http://h, model: m}]\n"
                     "  personas: {stances: [ok, %s]}\n",
             stance);
    assert_int_equal(t_load(f, big, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.personas.stances[1]' is longer than 95 bytes at t.yaml:6:28"));

    /* counts: 65 endpoints, 4097 names */
    size_t cap = 1 << 16, n;
    char *t = malloc(cap);
    assert_non_null(t);
    n = (size_t)snprintf(t, cap, LLM_POP "llm:\n  endpoints:\n");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(t + n, cap - n, "    - {url: http://h%d, model: m}\n", i);
    assert_int_equal(t_load(f, t, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.endpoints' must have 1..64 entries, got 65 at t.yaml:6:5"));
    /* 64 are fine */
    t[strlen(t) - strlen("    - {url: http://h64, model: m}\n")] = '\0';
    t_ok(f, t);
    assert_int_equal(json_array_size(json_object_get(f->s.llm, "endpoints")), 64);
    n = (size_t)snprintf(t, cap,
                         LLM_POP "llm:\n  endpoints: [{url: http://h, model: m}]\n"
                                 "  personas: {names: [");
    for (int i = 0; i < 4097; i++)
        n += (size_t)snprintf(t + n, cap - n, "%sn%d", i ? ", " : "", i);
    snprintf(t + n, cap - n, "]}\n");
    assert_int_equal(t_load(f, t, NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.personas.names' has 4097 entries, more than 4096 at t.yaml:6:21"));
    free(t);
}

/* replay must exist; record and replay may not be one file, however written */
static void test_llm_files(void **state)
{
    t_fix_t *f = *state;
    char dir[] = "/tmp/nunchi-scenario-XXXXXX", p[512], q[512], want[4200], text[2048];
    assert_non_null(mkdtemp(dir));
    char *real = realpath(dir, NULL);
    assert_non_null(real);
    snprintf(p, sizeof p, "%s/rec.jsonl", dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs("{}\n", fp);
    fclose(fp);
    snprintf(q, sizeof q, "%s/link.jsonl", dir);
    assert_int_equal(symlink("rec.jsonl", q), 0);
    snprintf(q, sizeof q, "%s/sub", dir);
    assert_int_equal(mkdir(q, 0700), 0);
#define LLM_FILES(r, p)                                                                            \
    LLM_POP "llm:\n  endpoints: [{url: http://h, model: m}]\n  record: " r "\n  replay: " p "\n"

    assert_int_equal(t_load_in(f, dir, LLM_FILES("new.jsonl", "rec.jsonl"), NULL, 0), NN_OK);
    snprintf(want, sizeof want, "%s/new.jsonl", real);
    assert_string_equal(json_string_value(json_object_get(f->s.llm, "record")), want);
    snprintf(want, sizeof want, "%s/rec.jsonl", real);
    assert_string_equal(json_string_value(json_object_get(f->s.llm, "replay")), want);
    assert_string_equal(f->s.llm_replay_given, "rec.jsonl");
    /* a subdirectory's '..' comes out canonical */
    assert_int_equal(t_load_in(f, dir, LLM_FILES("new.jsonl", "sub/../rec.jsonl"), NULL, 0), NN_OK);
    assert_string_equal(json_string_value(json_object_get(f->s.llm, "replay")), want);

    static const char *const same[][2] = {
        {"rec.jsonl", "rec.jsonl"},
        {"./rec.jsonl", "rec.jsonl"},
        {"sub/../rec.jsonl", "rec.jsonl"},
        {"link.jsonl", "rec.jsonl"}, /* the same file by inode */
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        snprintf(text, sizeof text,
                 LLM_POP "llm:\n  endpoints: [{url: http://h, model: m}]\n  record: %s\n"
                         "  replay: %s\n",
                 same[i][0], same[i][1]);
        if (t_load_in(f, dir, text, NULL, 0) != NN_ESCENARIO ||
            !t_has(f, "'llm.record' and 'llm.replay' are the same file '") ||
            !t_has(f, "' at t.yaml:7:11 (recording would overwrite the recording being replayed"))
            fail_msg("record %s, replay %s", same[i][0], same[i][1]);
    }
    assert_int_equal(t_load_in(f, dir, LLM_FILES("x.jsonl", "sub"), NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.replay': 'sub' is a directory, not a recording"));
    assert_int_equal(t_load_in(f, dir, LLM_FILES("sub", "rec.jsonl"), NULL, 0), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.record': 'sub' is a directory"));
    /* an absolute path is taken as it is */
    snprintf(text, sizeof text,
             LLM_POP "llm: {endpoints: [{url: http://h, model: m}], replay: %s}\n", p);
    assert_int_equal(t_load_in(f, "/elsewhere", text, NULL, 0), NN_OK);
    snprintf(want, sizeof want, "%s/rec.jsonl", real);
    assert_string_equal(json_string_value(json_object_get(f->s.llm, "replay")), want);
#undef LLM_FILES
    free(real);
    unlink(p);
    snprintf(q, sizeof q, "%s/link.jsonl", dir);
    unlink(q);
    snprintf(q, sizeof q, "%s/sub", dir);
    rmdir(q);
    rmdir(dir);
}

static void test_llm_set(void **state)
{
    t_fix_t *f = *state;
    const char *sets[] = {"llm.endpoints.0.url=http://10.0.0.9:9000/v1",
                          "llm.endpoints.1={url: 'https://b/v1', model: other}",
                          "llm.temperature=0", "llm.personas.traits.warmth={normal: [0.4, 0.2]}"};
    assert_int_equal(t_load(f, LLM_MIN, sets, 4), NN_OK);
    const json_t *eps = json_object_get(f->s.llm, "endpoints");
    assert_int_equal(json_array_size(eps), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(eps, 0), "url")),
                        "http://10.0.0.9:9000/v1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(eps, 0), "model")),
                        "scripted");
    assert_string_equal(json_string_value(json_object_get(json_array_get(eps, 1), "model")),
                        "other");
    assert_true(json_real_value(json_object_get(f->s.llm, "temperature")) == 0.0);
    char *j = t_llm_json(f);
    assert_non_null(
        strstr(j, "\"traits\":[{\"name\":\"warmth\",\"dist\":\"normal\",\"a\":0.4,\"b\":0.2}]"));
    free(j);
    /* the section made from nothing, and an override's error at the override */
    const char *make[] = {"llm={endpoints: [{url: http://h/v1, model: m}]}"};
    assert_int_equal(t_load(f, LLM_POP, make, 1), NN_OK);
    assert_non_null(f->s.llm);
    const char *bad[] = {"llm.endpoints.0.url=ftp://h"};
    assert_int_equal(t_load(f, LLM_MIN, bad, 1), NN_ESCENARIO);
    assert_true(t_has(f, "'llm.endpoints[0].url' is 'ftp://h', not an http:// or https:// URL "
                         "at --set 'llm.endpoints.0.url=ftp://h'"));
    const char *past[] = {"llm.endpoints.3.url=http://h"};
    assert_int_equal(t_load(f, LLM_MIN, past, 1), NN_ESCENARIO);
    assert_true(t_has(f, "cannot set 'llm.endpoints.3': 'llm.endpoints' has 1 entries"));
}

/* ---- hostile input ------------------------------------------------------------------- */

/* Every prefix of text, and every third byte replaced by a few troublemakers, loads or
 * fails cleanly. */
static void t_mangle(t_fix_t *f, const char *base)
{
    size_t n = strlen(base);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
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
}

static void test_no_crash(void **state)
{
    t_fix_t *f = *state;
    t_mangle(f, nn_embedded_default_yaml);
    static const char society[] =
        "agents: 100\nnetwork: {model: ring, k: 4}\n"
        "populations: [{behaviour: deffuant, share: 1, params: {d: {normal: [0.2, 0.1]}, "
        "mu: {uniform: [0, 1]}}}]\n"
        "structure: {roles: [{role: mediator, count: 3}, {role: arbiter, count: 2}], "
        "hierarchy: {model: tree}, reputation: {recovery: 0.1}}\n"
        "norms: [{norm: rate, limit: 2, sanctions: [warn, {mute: 2}, {exclude: forever}]}, "
        "{norm: address, scope: either}, {norm: defection}, {norm: noncompliance}]\n"
        "game: {benefit: 3, cost: 1}\n"
        "cases: {chain: [mediation, arbitration], arbitration: {by: superior}, "
        "deliberation: {rounds: 3}}\n"
        "decisions: {every: 5, chain: [weighted], options: 3}\n"
        "trends: {every: 4, seeds: 2}\n";
    t_ok(f, society); /* a good text to spoil */
    t_mangle(f, society);

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
        MINIMAL "norms: [[]]\ncases: {chain: [[]], mediation: [], arbitration: {by: []}}\n",
        MINIMAL "norms: [{norm: rate, sanctions: [{}, [], {[a]: 1}, {mute: []}, ~]}]\n",
        MINIMAL "norms: [{norm: [rate]}, {norm: {}}]\ngame: []\ntrends: {every: []}\n",
        MINIMAL "decisions: {every: {}, chain: {}}\nstructure: {reputation: 1}\n",
        "agents: 10\nnetwork: {model: ring, k: 4}\n"
        "populations: [{behaviour: deffuant, share: 1, params: {d: {[a]: 1}, mu: {uniform: "
        "{a: 1}}}}]\n",
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
        cmocka_unit_test_setup_teardown(test_society_defaults, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_norms, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_cases, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_distributions, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_norms_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_cases_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_distribution_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_set_society, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_agents, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_agents_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_delay, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_delay_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_scoped, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_scoped_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_set, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_kill, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_kill_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_recovery, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_faults_kill_set, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_status_from_population, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_cases_without_complaints, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_write_text, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_partition, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_bad_corpus, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_good_scenarios, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_files, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_security, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_llm, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_llm_defaults, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_llm_errors, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_llm_files, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_llm_set, t_setup, t_teardown),
        cmocka_unit_test_setup_teardown(test_no_crash, t_setup, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
