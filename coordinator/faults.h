/* Planned faults (the scenario's `faults:` list; docs/faults.md): what the network does to
 * messages, decided by the coordinator as a function of (seed, round, sender, sequence
 * number) only, so that a fault experiment replays exactly on any number of nodes,
 * threads or ranks. A message a fault takes is dropped under a named rule of its own and
 * counted, so the message balance holds: sent = delivered + dropped (per rule) + in
 * flight. This first part has message loss and partitions; the faults are applied before
 * the norms, which see only what the network carried. */
#ifndef NUNCHI_COORDINATOR_FAULTS_H
#define NUNCHI_COORDINATOR_FAULTS_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/behaviour.h"

#include "router.h"

typedef enum nn_fault_kind {
    NN_FAULT_LOSS = 0,  /* each message lost with probability p */
    NN_FAULT_PARTITION, /* messages between the two sides are lost */
    NN_FAULT_KINDS
} nn_fault_kind_t;

/* The sides of a partition. */
typedef enum nn_fault_between {
    NN_BETWEEN_HALVES = 0, /* agents 0 .. n/2 - 1 and n/2 .. n - 1 */
    NN_BETWEEN_GROUPS      /* every two different groups of the structure */
} nn_fault_between_t;

#define NN_MAX_FAULTS 32

/* One planned fault, as the scenario gives it. */
typedef struct nn_fault_config {
    nn_fault_kind_t kind;
    double p;                   /* loss: the probability a message is lost, in (0, 1] */
    uint64_t from_round;        /* the first round it acts in (>= 1) */
    uint64_t to_round;          /* the last (>= from_round; UINT64_MAX: to the end) */
    nn_fault_between_t between; /* partition */
} nn_fault_config_t;

typedef struct nn_faults_config {
    size_t n;
    nn_fault_config_t f[NN_MAX_FAULTS];
} nn_faults_config_t;

const char *nn_fault_kind_name(nn_fault_kind_t k);       /* "loss", "partition" */
const char *nn_fault_between_name(nn_fault_between_t b); /* "halves", "groups" */

typedef struct nn_faults nn_faults_t;

/* Makes the faults of cfg (copied) for a society of n agents whose groups are group[]
 * (borrowed, n entries; NULL: all in group 0). NN_OK or NN_ENOMEM; *out NULL without
 * faults (cfg->n == 0). */
int nn_faults_new(nn_faults_t **out, const nn_faults_config_t *cfg, uint32_t n,
                  const uint32_t *group, uint64_t seed);
void nn_faults_destroy(nn_faults_t **f);

/* Starts round r: which faults act in it. */
void nn_faults_begin(nn_faults_t *f, uint64_t round);

/* Whether message m (sequence number seq) is taken by a fault this round: NN_DROP_PASS
 * or the rule (NN_DROP_FAULT_LOSS, NN_DROP_FAULT_PARTITION). The router's check hook. */
nn_drop_rule_t nn_faults_check(const nn_faults_t *f, const nn_msg_t *m, uint32_t seq);

/* Whether fault k acts in round r. */
int nn_faults_active(const nn_faults_t *f, size_t k, uint64_t round);

#endif
