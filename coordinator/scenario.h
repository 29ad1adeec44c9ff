/* Scenarios: a YAML file (read with libyaml) or the embedded default, plus --set
 * overrides, checked against the schema and resolved into an nn_scenario_t in which
 * every default is filled in. Every error names the file, line, column and key and says
 * what would be right; unknown keys are errors with the nearest valid key suggested.
 * docs/scenario.md is the reference of every key. */
#ifndef NUNCHI_COORDINATOR_SCENARIO_H
#define NUNCHI_COORDINATOR_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "nunchi/behaviour.h"
#include "nunchi/wire.h"

#include "cases.h"
#include "diag.h"
#include "faults.h"
#include "network.h"
#include "norms.h"
#include "partition.h"
#include "structure.h"
#include "trends.h"

typedef enum nn_transport {
    NN_TRANSPORT_INPROC = 0,
    NN_TRANSPORT_IPC,
    NN_TRANSPORT_TCP
} nn_transport_t;

typedef enum nn_init {
    NN_INIT_UNIFORM = 0,
    NN_INIT_NORMAL,
    NN_INIT_BIMODAL,
    NN_INIT_SEEDS,
    NN_INIT_FILE
} nn_init_t;

typedef struct nn_opinions_config {
    nn_init_t init;
    double mean;          /* normal: default 0.5 */
    double sd;            /* normal: default 0.15; bimodal: default 0.1 */
    double modes[2];      /* bimodal: default 0.25 and 0.75 (half the agents each) */
    int seeds_by_count;   /* seeds: 1 when written as an integer (a count) */
    uint64_t seeds_count; /* seeds: agents starting at 1 */
    double seeds_share;   /* seeds: share of agents starting at 1 */
    char path[4096];      /* file: as written; lines "id,opinion" or one opinion a line */
    char resolved_path[4096];
    char path_where[4200]; /* file: "'opinions.path' at s.yaml:3:20", for messages */
} nn_opinions_config_t;

typedef struct nn_population {
    const nn_behaviour_ops_t *ops; /* from the behaviour registry; NULL when external */
    int external;                  /* behaviour: external, hosted by nodes that claim name */
    char name[NN_NAME_MAX];        /* external: the name a node claims in its Hello */
    uint32_t ext_nodes;            /* external: how many nodes share it (nodes:, default 1) */
    size_t n_ext_params;           /* external: its parameters, in the order written */
    char ext_param[NN_MAX_PARAMS][NN_NAME_MAX];
    int by_count; /* 1: count is set; 0: share is set */
    uint64_t count;
    double share;                  /* of the agents left after the counted populations */
    double params[NN_MAX_PARAMS];  /* ops->params order (external: ext_param order), defaults
                                      filled in; a distribution's
                                      first number (uniform: low, normal: mean) */
    uint8_t dist[NN_MAX_PARAMS];   /* nn_dist_t: constant unless written {uniform: [lo, hi]}
                                      or {normal: [mean, sd]} */
    double param_b[NN_MAX_PARAMS]; /* a distribution's second number (high, sd), else 0 */
} nn_population_t;

/* security.curve: CURVE authentication of tcp nodes. The key file's contents are not read
 * here (the link layer does that at run time); the loader checks only that secret_key is
 * a readable regular file and authorized_keys an existing directory. Each path is kept as
 * written (*_given, what nn_scenario_write puts back) and resolved against the scenario's
 * directory (the bare name, what to open), as network.path / resolved_path are. */
typedef struct nn_curve_config {
    int on;                      /* 1 when security.curve is given; default 0 */
    char secret_key[4096];       /* resolved: the coordinator's NAME.key_secret */
    char authorized_keys[4096];  /* resolved: a directory of the nodes' NAME.key files */
    char secret_key_given[4096]; /* as written in the scenario or --set */
    char authorized_keys_given[4096];
    char secret_key_where[4200]; /* "'security.curve.secret_key' at s.yaml:3:20", for
                                    messages about the file found at run time */
    char authorized_keys_where[4200];
} nn_curve_config_t;

typedef struct nn_security_config {
    nn_curve_config_t curve; /* security: {curve: {secret_key, authorized_keys}} */
} nn_security_config_t;

typedef struct nn_scenario {
    char name[128];
    char source[4096]; /* the file read, or "<embedded default>" */
    uint64_t seed;     /* default 1 */
    uint64_t rounds;   /* default 100 */
    uint32_t agents;   /* required in a file; 2 .. 2^31 - 1 */
    nn_network_config_t network;
    nn_opinions_config_t opinions;
    size_t n_populations;
    nn_population_t populations[NN_MAX_POPULATIONS];
    uint32_t nodes;                  /* default 4; 1 .. 1024 */
    nn_transport_t transport;        /* default inproc */
    nn_partition_method_t partition; /* how mpirun ranks split the society: default metis */
    char output_dir[4096];           /* output.dir, default "runs" */
    int lean_events;                 /* output.events: lean (1) leaves the institutions'
                                        per-case and per-sanction events out; all (0) */
    double deadline_s;               /* limits.deadline_s, default 30: a round's deadline */
    uint64_t max_message_bytes;      /* limits.max_message_bytes, default 1 GiB */
    uint64_t max_agents_per_node;    /* limits.max_agents_per_node, default 2^27 */
    uint32_t max_messages_per_agent; /* limits.max_messages_per_agent a round, default 65536 */
    uint32_t max_nodes;              /* limits.max_nodes: nodes of one coordinator, 1024 */
    double heartbeat_s;              /* limits.heartbeat_s: an idle side's heartbeats, 1 s */
    double liveness_s;               /* limits.liveness_s: silence that loses a peer; 0 (the
                                        default): 2 deadline_s + 10 */
    char external_bind[512];         /* external.bind: where external nodes join; "" none */
    double external_wait_s;          /* external.wait_s: how long to wait for them, 60 */
    nn_structure_config_t structure; /* default: no roles, no groups, no hierarchy, status 1 */
    nn_norms_config_t norms;         /* norms: (a list) and structure.reputation.recovery */
    nn_game_config_t game;           /* game: {benefit, cost}; off when absent */
    nn_cases_config_t cases;         /* cases: and decisions: */
    nn_trends_config_t trends;       /* trends: {every, seeds, max}; off when absent */
    nn_security_config_t security;   /* security.curve; off when absent (only tcp uses it) */
    nn_faults_config_t faults;       /* faults: (a list); none when absent */
    /* llm: the language-model section, resolved with every default filled in and its
     * paths absolute (record, replay: a string or null), in the shape that docs/scenario.md
     * gives; owned (nn_scenario_release frees it), NULL without the section. It holds the
     * names of environment variables, never an API key. */
    json_t *llm;
    uint64_t llm_budget_tokens;  /* llm.budget_tokens; 0: no budget (and without llm) */
    char llm_record_given[4096]; /* llm.record as written ("" none): what
                                    nn_scenario_write puts back; the resolved one is in llm */
    char llm_replay_given[4096];
} nn_scenario_t;

/* The text of scenarios/default.yaml, compiled into the binary. */
extern const char nn_embedded_default_yaml[];

/* Loads the scenario at path (NULL: the embedded default, named "<embedded default>"),
 * applies the overrides in sets (each "key.path=value", value read as a YAML scalar or flow
 * collection, later ones win; populations.1.share or populations[1].share picks a sequence
 * entry) and checks the whole. Relative file paths in the scenario resolve against the
 * directory of path. Returns NN_OK, NN_ESCENARIO (every error found is in diag, sorted by
 * place, at most 50 and then a count of the rest), NN_EIO (the file cannot be read; diag
 * says why), NN_ENOMEM, or NN_EINVAL when out or diag is NULL. On failure *out holds the
 * defaults only. The caller owns out, path, sets and diag; nothing is kept. Any thread,
 * as long as each call has its own out and diag. A scenario that loaded holds memory
 * (out->llm): free it with nn_scenario_release, also before loading into out again (a
 * load overwrites out without freeing it). */
int nn_scenario_load(nn_scenario_t *out, const char *path, const char *const *sets, size_t n_sets,
                     nn_diag_t *diag);

/* The same from text in memory (len bytes, no NUL needed); `source` names it in messages
 * and gives the default name (NULL: "<text>"); base_dir resolves relative file paths
 * (NULL: "."). */
int nn_scenario_load_text(nn_scenario_t *out, const char *text, size_t len, const char *source,
                          const char *base_dir, const char *const *sets, size_t n_sets,
                          nn_diag_t *diag);

/* The same for the text of the file at path, read by the caller (an MPI rank that got it
 * by broadcast): named by path, its relative paths resolved against path's directory, as
 * nn_scenario_load does. */
int nn_scenario_load_file_text(nn_scenario_t *out, const char *text, size_t len, const char *path,
                               const char *const *sets, size_t n_sets, nn_diag_t *diag);

/* Writes the resolved scenario as YAML with every key, defaults included, such that
 * loading the output gives the same scenario (file paths are written as given, so load it
 * with the same base directory). NN_OK, NN_EIO, or NN_EINVAL when s has a population
 * without ops. */
int nn_scenario_write(const nn_scenario_t *s, FILE *f);

/* Frees what a load allocated in s (the llm section) and sets it NULL; the rest of s is
 * plain values and stays. NULL-safe; safe to call twice. A struct copy (*copy = *s) shares
 * the llm object: release only one of them. */
void nn_scenario_release(nn_scenario_t *s);

/* The name as written in scenarios ("inproc", "uniform"), or "?" for a value outside the
 * enum. */
const char *nn_transport_name(nn_transport_t t);
const char *nn_opinions_init_name(nn_init_t i);

#endif
