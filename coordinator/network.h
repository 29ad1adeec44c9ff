/* The society's network: generated through igraph (seeded from the scenario seed via
 * nunchi's own counter-based generator plugged in as igraph's RNG) or read from an edge
 * list, then kept in CSR form: for agent i, its neighbours are adj[off[i]] ..
 * adj[off[i + 1] - 1], ascending, without self-loops or repeats. All networks are
 * undirected: each edge appears in both rows. */
#ifndef NUNCHI_COORDINATOR_NETWORK_H
#define NUNCHI_COORDINATOR_NETWORK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <igraph.h>

typedef enum nn_net_model {
    NN_NET_COMPLETE = 0,
    NN_NET_RING,
    NN_NET_ERDOS_RENYI,
    NN_NET_WATTS_STROGATZ,
    NN_NET_BARABASI_ALBERT,
    NN_NET_SBM,
    NN_NET_FILE
} nn_net_model_t;

#define NN_NET_MAX_BLOCKS 256

typedef struct nn_network_config {
    nn_net_model_t model;
    uint32_t k;         /* ring, watts_strogatz: degree (even: k / 2 on each side) */
    double p;           /* erdos_renyi: edge probability; watts_strogatz: rewiring */
    double mean_degree; /* erdos_renyi: used when > 0 instead of p */
    uint32_t m;         /* barabasi_albert: edges per new vertex */
    size_t n_blocks;    /* sbm */
    uint32_t blocks[NN_NET_MAX_BLOCKS]; /* sbm block sizes, summing to the agent count */
    double p_in;                        /* sbm */
    double p_out;                       /* sbm */
    char path[4096];                    /* file: as written in the scenario */
    char resolved_path[4096];           /* file: relative to the scenario's directory */
    char path_where[4200];              /* file: "'network.path' at s.yaml:3:20", for messages */
} nn_network_config_t;

typedef struct nn_network {
    uint32_t n;       /* vertices (agents) */
    uint64_t n_edges; /* undirected edges; adj holds 2 * n_edges entries */
    uint64_t *off;    /* n + 1 */
    uint32_t *adj;
    double clustering; /* average local clustering coefficient over all n agents, an
                          agent of degree < 2 counting as 0 */
} nn_network_t;

/* The model's name as written in scenarios ("watts_strogatz"), or "?" */
const char *nn_network_model_name(nn_net_model_t m);

/* Builds the network of n agents (n >= 2). Every random draw is keyed by seed: the
 * same (cfg, n, seed) gives the same network byte for byte. On failure *out is NULL,
 * the return is NN_EINVAL (out or cfg NULL), NN_EGRAPH, NN_EIO (file), NN_ESCENARIO (a
 * file with a bad line or an id out of range, parameters out of range for the model or
 * n, or parameters igraph refuses) or NN_ENOMEM, and err (if not NULL) holds a message
 * naming the file and line where there is one, such as
 * "edges.txt:7: agent id 20000 is out of range (the scenario has 20000 agents: 0..19999)".
 * A file is opened at cfg->resolved_path (cfg->path when that is empty) and named in
 * messages by cfg->path, as the scenario's author wrote it. Its lines are "u v" or
 * "u,v" with any spaces or tabs around, '#' starts a comment, blank lines are skipped.
 * A file's duplicate edges (either orientation) and self-loops are dropped and counted
 * in *dropped (if not NULL; always 0 for generated models).
 * Generated models run igraph with nunchi's generator installed as igraph's default RNG
 * and a non-aborting error handler; both are put back before returning. Debian's igraph
 * keeps those in process-wide globals, so two builds must not run at the same time in
 * different threads (and nothing else may use igraph meanwhile). */
int nn_network_build(nn_network_t **out, const nn_network_config_t *cfg, uint32_t n, uint64_t seed,
                     uint64_t *dropped, char *err, size_t errlen);

/* The expected number of directed edge entries (twice the edges) of the network that
 * nn_network_build would make for n agents, without building it: exact for complete,
 * ring, watts_strogatz and barabasi_albert, the expectation for erdos_renyi and sbm, 0
 * for a file (unknown before reading it). As a double, so that it cannot overflow. */
double nn_network_expected_entries(const nn_network_config_t *cfg, uint32_t n);

/* Peak bytes igraph holds per undirected edge while it generates one (measured on
 * watts_strogatz, its most demanding generator here), for memory estimates. */
#define NN_NETWORK_BUILD_BYTES_PER_EDGE 112.0

/* NULL-safe; sets *net to NULL. */
void nn_network_destroy(nn_network_t **net);

/* Writes each edge once as "u,v\n" with u < v, ascending by u then v (a file that
 * reads back as the same network). NN_OK, NN_EIO or NN_EINVAL (net or f NULL). */
int nn_network_write_edges(const nn_network_t *net, FILE *f);

/* --- igraph for other modules (structure.c) ------------------------------------------ */

/* A callback run by nn_network_with_igraph: returns an nn_err_t code and writes a message
 * to err (if not NULL) on failure. */
typedef int nn_network_igraph_fn(void *arg, char *err, size_t errlen);

/* Runs fn(arg, err, errlen) with nunchi's generator keyed by (seed, stream, agent, round)
 * installed as igraph's default RNG (a network build uses (seed, NN_STREAM_NETWORK, 0,
 * 0)) and igraph's non-aborting error handler, so that every igraph call inside fn
 * returns its error code instead of aborting; both are put back before returning. The
 * same one-thread rule as nn_network_build applies. Returns fn's code, or NN_ENOMEM
 * (with a message) when the generator cannot be set up, in which case fn is not run. */
int nn_network_with_igraph(uint64_t seed, uint64_t stream, uint64_t agent, uint64_t round,
                           nn_network_igraph_fn *fn, void *arg, char *err, size_t errlen);

/* Copies net into *g as an undirected igraph graph on vertices 0 .. n - 1, each edge
 * once. NN_OK (the caller then owns *g and calls igraph_destroy), NN_ENOMEM or NN_EGRAPH
 * with a message; on failure nothing is left to destroy. Call it inside
 * nn_network_with_igraph, where igraph's errors do not abort. */
int nn_network_to_igraph(const nn_network_t *net, igraph_t *g, char *err, size_t errlen);

/* igraph's error code as nunchi's: NN_OK, NN_ENOMEM, NN_ESCENARIO (IGRAPH_EINVAL:
 * parameters igraph refuses are the scenario's fault) or NN_EGRAPH. */
int nn_network_igraph_code(igraph_error_t ierr);

static inline uint64_t nn_network_degree(const nn_network_t *net, uint32_t i)
{
    return net->off[i + 1] - net->off[i];
}

#endif
