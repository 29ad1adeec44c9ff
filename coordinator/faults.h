/* Planned faults (the scenario's `faults:` list; docs/faults.md): what the network does to
 * messages, decided by the coordinator as a function of (seed, round, sender, sequence
 * number) only, so that a fault experiment replays exactly on any number of nodes,
 * threads or ranks. A message a fault takes is dropped under a named rule of its own and
 * counted, so the message balance holds: sent = delivered + dropped (per rule) + in
 * flight. There are message loss, partitions, silent agents (every message from or to
 * them lost) and byzantine agents (their messages and votes changed before routing); the
 * drops are applied before the norms, which see only what the network carried. */
#ifndef NUNCHI_COORDINATOR_FAULTS_H
#define NUNCHI_COORDINATOR_FAULTS_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/behaviour.h"

#include "router.h"

typedef enum nn_fault_kind {
    NN_FAULT_LOSS = 0,  /* each message lost with probability p */
    NN_FAULT_PARTITION, /* messages between the two sides are lost */
    NN_FAULT_SILENT,    /* its agents are silent: every message from or to them is lost */
    NN_FAULT_BYZANTINE, /* its agents lie: their messages and votes carry other values */
    NN_FAULT_DELAY,     /* each message delivered `delay` rounds late with probability p */
    NN_FAULT_DUPLICATE, /* each message delivered twice with probability p */
    NN_FAULT_KINDS
} nn_fault_kind_t;

/* The sides of a partition. */
typedef enum nn_fault_between {
    NN_BETWEEN_HALVES = 0, /* agents 0 .. n/2 - 1 and n/2 .. n - 1 */
    NN_BETWEEN_GROUPS,     /* every two different groups of the structure */
    NN_BETWEEN_RANDOM      /* two halves drawn at random: each agent a side, by a fair draw
                              of (seed, fault, agent) */
} nn_fault_between_t;

/* The links a loss, delay or duplicate acts on. */
typedef enum nn_fault_links {
    NN_LINKS_ALL = 0,       /* every message */
    NN_LINKS_WITHIN_GROUPS, /* between two agents of one group of the structure */
    NN_LINKS_BETWEEN_GROUPS /* between agents of two different groups */
} nn_fault_links_t;

/* What a byzantine agent says instead of the truth. */
typedef enum nn_byzantine_mode {
    NN_BYZANTINE_RANDOM = 0, /* a uniform draw in [0, 1], a fresh one per message and act */
    NN_BYZANTINE_ADVERSARIAL /* the opposite: 1 - the value (an acceptance or compliance
                                flipped) */
} nn_byzantine_mode_t;

#define NN_MAX_FAULTS       32
#define NN_FAULT_MAX_AGENTS 256 /* agents listed by id in one fault */

/* One planned fault, as the scenario gives it. */
typedef struct nn_fault_config {
    nn_fault_kind_t kind;
    double p;                   /* loss, delay, duplicate: the probability a message is taken,
                                   in (0, 1] */
    uint32_t delay;             /* delay: how many rounds late, >= 1 */
    uint64_t from_round;        /* the first round it acts in (>= 1) */
    uint64_t to_round;          /* the last (>= from_round; UINT64_MAX: to the end) */
    nn_fault_between_t between; /* partition */
    /* silent, byzantine: the agents, listed (n_agents > 0, ascending, unique) or each drawn
     * with probability share from (seed, NN_STREAM_FAULTS, fault, agent); loss, delay,
     * duplicate: the senders whose messages it acts on (share 0 and no list: all) */
    double share;
    uint32_t n_agents;
    uint32_t agents[NN_FAULT_MAX_AGENTS];
    nn_byzantine_mode_t mode; /* byzantine */
    nn_fault_links_t links;   /* loss, delay, duplicate: which links (default all) */
} nn_fault_config_t;

/* What the coordinator does when a node process it started dies during the run (a kill
 * fault, or a kill from outside): the scenario's `recovery:`. */
typedef enum nn_recovery_policy {
    NN_RECOVERY_FAIL = 0, /* the run ends with the node named (the default) */
    NN_RECOVERY_RESTART,  /* a new process takes the node's agents as they are, and the
                             round goes on: the digest is the fault-free one */
    NN_RECOVERY_DROP      /* the node's agents are absent from then on: they step no more,
                             keep their states, and messages to them are dropped */
} nn_recovery_policy_t;

/* A planned kill: `{fault: kill, node: N, round: R}` in the list sends SIGKILL to node
 * N's process as round R begins, before its tick goes out. */
typedef struct nn_fault_kill {
    int coordinator; /* node: coordinator: the coordinator's own process (rank `rank`'s) */
    uint32_t node;   /* one of rank `rank`'s nodes (0 .. nodes - 1) */
    uint64_t round;
    uint32_t rank; /* under mpirun, the rank whose node it is (default 0) */
} nn_fault_kill_t;

typedef struct nn_faults_config {
    size_t n;
    nn_fault_config_t f[NN_MAX_FAULTS]; /* the message and agent faults, in list order */
    size_t n_kills;
    nn_fault_kill_t kill[NN_MAX_FAULTS]; /* the kills, in list order */
    nn_recovery_policy_t recovery;       /* recovery.policy */
    uint32_t restarts;                   /* recovery.restarts: the most restarts in a run */
    uint64_t checkpoint_every;           /* recovery.checkpoint_every: a checkpoint every K
                                            rounds (0: none); see checkpoint.h */
} nn_faults_config_t;

/* "loss", "partition", "silent", "byzantine", "delay", "duplicate" */
const char *nn_fault_kind_name(nn_fault_kind_t k);
const char *nn_fault_between_name(nn_fault_between_t b);   /* "halves", "groups" */
const char *nn_byzantine_mode_name(nn_byzantine_mode_t m); /* "random", "adversarial" */
/* "all", "within_groups", "between_groups" */
const char *nn_fault_links_name(nn_fault_links_t l);

typedef struct nn_faults nn_faults_t;

/* Makes the faults of cfg (copied) for a society of n agents whose groups are group[]
 * (borrowed, n entries; NULL: all in group 0). NN_OK or NN_ENOMEM; *out NULL without
 * faults (cfg->n == 0). */
int nn_faults_new(nn_faults_t **out, const nn_faults_config_t *cfg, uint32_t n,
                  const uint32_t *group, uint64_t seed);
void nn_faults_destroy(nn_faults_t **f);

/* Starts round r: which faults act in it. */
void nn_faults_begin(nn_faults_t *f, uint64_t round);

/* Whether message m (sequence number seq) is taken by a fault this round (a loss only on
 * the links and senders it is scoped to): NN_DROP_PASS
 * or the rule (NN_DROP_FAULT_LOSS, NN_DROP_FAULT_PARTITION, NN_DROP_FAULT_SILENT). The
 * router's check hook. */
nn_drop_rule_t nn_faults_check(const nn_faults_t *f, const nn_msg_t *m, uint32_t seq);

/* The byzantine fault (index + 1) that makes agent `agent` lie this round, or 0. */
size_t nn_faults_liar(const nn_faults_t *f, uint32_t agent);

/* What liar fault k - 1 (nn_faults_liar's answer) makes its agent say instead of value:
 * for a message, slot is its sequence number; for an act, (1 << 31) + its index among the
 * agent's acts of the round. boolean: the value is an acceptance or compliance (0 or 1),
 * and the lie is one too. */
double nn_faults_lie(const nn_faults_t *f, size_t k, uint32_t agent, uint32_t slot, double value,
                     int boolean);

/* What delay and duplicate faults do to delivery d (sent this round, to agent `to`):
 * NN_FATE_DELIVER, NN_FATE_TWICE, or NN_FATE_HOLD with *late the rounds it is late. The
 * first fault in the list that takes it decides. */
nn_router_fate_t nn_faults_fate(const nn_faults_t *f, uint32_t to, const nn_delivery_t *d,
                                uint32_t *late);

/* Whether nn_faults_check may take a message this round (a loss, partition or silent
 * fault acts, or an agent is absent): otherwise it need not be asked. 0 for NULL. */
int nn_faults_checking(const nn_faults_t *f);

/* Whether some delay or duplicate fault acts this round. */
int nn_faults_reshaping(const nn_faults_t *f);

/* Whether some byzantine fault acts this round. */
int nn_faults_lying(const nn_faults_t *f);

/* Marks agent `agent` absent (recovery.policy drop): every message to it is dropped as
 * fault_absent from now on. */
void nn_faults_absent(nn_faults_t *f, uint32_t agent);
int nn_faults_is_absent(const nn_faults_t *f, uint32_t agent);

/* Whether fault k acts in round r. */
int nn_faults_active(const nn_faults_t *f, size_t k, uint64_t round);

#endif
