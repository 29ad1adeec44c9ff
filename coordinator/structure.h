/* The society's structure, owned by the coordinator: each agent's role (citizen,
 * mediator, arbiter, leader), group, superior, status and reputation, from the scenario's
 * `structure:` and the network. Every choice is deterministic: ranks break ties by id,
 * random choices and community detection draw from nunchi's counter-based generator
 * (stream NN_STREAM_STRUCTURE), so the structure depends on the scenario and seed only. */
#ifndef NUNCHI_COORDINATOR_STRUCTURE_H
#define NUNCHI_COORDINATOR_STRUCTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nunchi/wire.h"

#include "network.h"

#define NN_STREAM_STRUCTURE 65 /* nunchi/rng.h: NN_STREAM_USER + 1 */
#define NN_NO_SUPERIOR      NN_NO_AGENT

typedef enum nn_role {
    NN_ROLE_CITIZEN = 0,
    NN_ROLE_MEDIATOR,
    NN_ROLE_ARBITER,
    NN_ROLE_LEADER,
    NN_ROLES
} nn_role_t;

/* How agents are ranked when a role, a status or a tree picks among them. */
typedef enum nn_rank_by {
    NN_BY_RANDOM = 0, /* a seeded permutation */
    NN_BY_DEGREE,     /* degree, highest first, ties to the lower id */
    NN_BY_BETWEENNESS /* betweenness (igraph), highest first, ties to the lower id */
} nn_rank_by_t;

typedef struct nn_role_rule {
    nn_role_t role; /* mediator, arbiter or leader: the rest are citizens */
    int by_count;   /* 1: count is set; 0: share is set */
    uint64_t count;
    double share; /* of all agents, rounded to the nearest integer */
    nn_rank_by_t by;
} nn_role_rule_t;

typedef enum nn_groups_from {
    NN_GROUPS_NONE = 0, /* one group, 0 */
    NN_GROUPS_SBM,      /* the network's SBM blocks (network.model must be sbm) */
    NN_GROUPS_LOUVAIN,  /* igraph's multilevel (Louvain) community detection */
    NN_GROUPS_FILE      /* CSV "id,group", or a header naming an id and a group column */
} nn_groups_from_t;

typedef enum nn_hierarchy {
    NN_HIERARCHY_NONE = 0,     /* nobody has a superior */
    NN_HIERARCHY_GROUP_LEADER, /* each agent's superior is a leader of its group */
    NN_HIERARCHY_TREE          /* a tree over the agents ranked by status */
} nn_hierarchy_t;

typedef enum nn_status_from {
    NN_STATUS_CONSTANT = 0, /* every agent has status `value` */
    NN_STATUS_DEGREE,       /* degree / the highest degree */
    NN_STATUS_BETWEENNESS,  /* betweenness / the highest betweenness */
    NN_STATUS_POPULATION    /* each population's `status`: a number or a distribution */
} nn_status_from_t;

typedef struct nn_structure_config {
    size_t n_roles; /* 0 .. 3 rules, applied in the order written */
    nn_role_rule_t roles[3];
    nn_groups_from_t groups;
    char path[4096];          /* groups from file: as written */
    char resolved_path[4096]; /* ... relative to the scenario's directory */
    char path_where[4200];    /* "'structure.groups.path' at s.yaml:9:20" */
    nn_hierarchy_t hierarchy;
    uint32_t branching; /* tree: subordinates per superior, >= 1 (default 3) */
    nn_status_from_t status;
    double status_value; /* constant: default 1 */
    /* population: population p's status, as a behaviour parameter is given (nn_dist_t):
     * constant pop_status[p] (default 1), uniform [pop_status, pop_status_b] or normal
     * (mean pop_status, sd pop_status_b), drawn per agent and clamped into [0, 1] */
    uint8_t pop_status_dist[NN_MAX_POPULATIONS];
    double pop_status[NN_MAX_POPULATIONS];
    double pop_status_b[NN_MAX_POPULATIONS];
} nn_structure_config_t;

typedef struct nn_structure {
    uint32_t n;
    uint8_t *role;   /* n: nn_role_t */
    uint32_t *group; /* n: 0 .. n_groups - 1, numbered by first appearance in id order */
    uint32_t n_groups;
    uint32_t *superior; /* n: an agent id, or NN_NO_SUPERIOR */
    double *status;     /* n, in [0, 1] unless constant */
    double *reputation; /* n: 1 at the start */
    double modularity;  /* of the groups on the network (igraph), 0 with one group */
    uint64_t role_count[NN_ROLES];
} nn_structure_t;

/* Names as written in scenarios ("leader", "betweenness", ...), or "?". */
const char *nn_role_name(nn_role_t r);
const char *nn_rank_by_name(nn_rank_by_t b);
const char *nn_groups_from_name(nn_groups_from_t g);
const char *nn_hierarchy_name(nn_hierarchy_t h);
const char *nn_status_from_name(nn_status_from_t s);

/* Builds the structure of the society on net (net_cfg gives the SBM blocks; pop, each
 * agent's population, is read only for status from population and may be NULL
 * otherwise). NN_OK;
 * NN_ESCENARIO (a rule that cannot be met, groups from sbm on another model, a bad
 * groups file: err names file and line, and cfg->path_where), NN_EIO, NN_EGRAPH,
 * NN_ENOMEM. *out is zeroed on failure. */
int nn_structure_build(nn_structure_t *out, const nn_structure_config_t *cfg,
                       const nn_network_t *net, const nn_network_config_t *net_cfg,
                       const uint8_t *pop, uint64_t seed, char *err, size_t errlen);

/* NULL-safe in its arrays; zeroes *s. */
void nn_structure_release(nn_structure_t *s);

/* Writes "id,role,group,superior,status,reputation" rows (superior empty when none).
 * NN_OK or NN_EIO. */
int nn_structure_write_csv(const nn_structure_t *s, FILE *f);

#endif
