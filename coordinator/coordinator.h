/* The coordinator: owns the society, starts or awaits its nodes, runs the rounds
 * (one Tick to each node, one Actions back, routing in between), records metrics and
 * events, and writes the run directory. A node that vanishes or misses the round
 * deadline ends the run with a message naming the node and the round. */
#ifndef NUNCHI_COORDINATOR_COORDINATOR_H
#define NUNCHI_COORDINATOR_COORDINATOR_H

#include <stdint.h>

#include "metrics.h"
#include "partition.h"
#include "ranks.h"
#include "router.h"
#include "scenario.h"

typedef struct nn_run_options {
    const char *out_dir;      /* the run directory itself; NULL: output.dir/NAME-STAMP */
    const char *bind;         /* serve: the endpoint to bind and wait at; NULL: run */
    uint32_t expect_nodes;    /* serve: nodes to wait for (0: the scenario's nodes) */
    double wait_s;            /* serve: how long to wait for them (0: no limit) */
    double join_timeout_s;    /* run: how long started nodes may take to join */
    const char *node_binary;  /* nunchi-node for ipc/tcp (NULL: beside this program) */
    int quiet;                /* 1: no human summary, no progress */
    int progress;             /* 1: a progress line on stderr */
    const volatile int *stop; /* set to non-zero (by a signal handler) to end the run
                               * cleanly within a tenth of a second; NULL: never */
    nn_ranks_t *mpi;          /* the ranks this run is split across (mpirun), or NULL: one
                               * process. Every rank calls nn_coord_run with the same
                               * scenario; rank 0 writes the run directory */
    const char *compare;      /* a run directory whose summary.json this run's is compared
                                 with (summary.json's compare), or NULL */
    const char *resume;       /* a run directory whose last checkpoint this run continues
                                 from (sc is its scenario.yaml), or NULL: a new run */
} nn_run_options_t;

#define NN_RUN_DEFAULT_JOIN_TIMEOUT_S 30.0
#define NN_RUN_OPTIONS_INIT                                                                        \
    {                                                                                              \
        NULL, NULL, 0, 0.0, NN_RUN_DEFAULT_JOIN_TIMEOUT_S, NULL, 0, 0, NULL, NULL, NULL, NULL      \
    }

typedef struct nn_run_result {
    char run_dir[4096];
    char digest_hex[17];
    uint64_t digest;
    uint64_t edges;
    uint64_t sent, delivered, in_flight;
    uint64_t dropped[NN_DROP_RULES];
    uint64_t rejected; /* wire messages refused (malformed, out of protocol) */
    double setup_s, rounds_s, wall_s;
    double clustering;        /* of the network */
    uint64_t rss_rounds;      /* resident bytes at the end of the rounds (set-up excluded) */
    nn_round_metrics_t final; /* the opinions after the last round */
    uint64_t foreign_acts;    /* acts refused: made for an agent the node does not host */
    uint64_t foreign_texts;   /* texts refused: said for an agent the node does not host */
    uint64_t texts;           /* texts said (nn_say), the whole society's */
    uint64_t byzantine_messages, byzantine_acts; /* what byzantine faults changed */
    uint64_t delayed, duplicated; /* deliveries delay faults held back, duplicates made */
    uint64_t delayed_in_flight;   /* held back and not yet given back when the run ended */
    uint64_t restarts;            /* node processes restarted (recovery.policy restart) */
    double detection_s_max;       /* the longest from a planned kill to its detection */
    double recovery_s_max;        /* the longest from a detection to the node welcomed back */
    uint64_t dropped_nodes, absent_agents; /* recovery drop: nodes given up, their agents */
    uint64_t checkpoints;                  /* checkpoints written (recovery.checkpoint_every) */
    uint64_t checkpoints_failed;           /* ... that could not be written (the run went on) */
    uint64_t checkpoint_bytes;             /* the last one's size, over all ranks */
    uint64_t checkpoint_bytes_max;         /* the largest */
    double checkpoint_write_s_max; /* the longest write (rank 0's), from the state to the rename */
    double checkpoint_write_s_sum;
    uint64_t resumed_from;      /* --resume: the checkpoint's round; 0: not resumed */
    uint64_t resumes;           /* how often this run was resumed, this time included */
    int compared;               /* --compare: 1 same digest, -1 another, 0 not compared */
    char compare_digest[17];    /* --compare: the other run's digest */
    uint64_t repeated_actions;  /* Actions for a round already answered: taken once */
    uint64_t cooperate, defect; /* moves of the cooperation game (delivered messages) */
    uint64_t violations[NN_NORM_KINDS];
    uint64_t sanctions[NN_SANCTION_KINDS];
    uint64_t cases_opened;
    uint64_t cases_closed[NN_OUTCOMES];
    uint32_t ranks;               /* MPI ranks the society was split across (1: one process) */
    uint32_t nodes;               /* nodes of all ranks */
    nn_partition_method_t method; /* ranks > 1: the method that made the partition */
    uint64_t cut;                 /* ranks > 1: network edges between agents of two ranks */
    double balance;               /* ranks > 1: largest rank's agents / (agents / ranks) */
    uint64_t exchanged;           /* ranks > 1: messages that crossed ranks, all rounds */
    uint64_t exchanged_bytes;     /* ... and their bytes in the exchanges */
    char error[1024];             /* why the run failed, empty on success */
} nn_run_result_t;

/* Runs the scenario to its end. NN_OK; NN_ESCENARIO / NN_EIO for what the scenario's
 * inputs or the run directory got wrong; NN_ETIMEOUT, NN_EPEER, NN_EPROTO for a node
 * that missed a deadline, vanished or broke the protocol; NN_EINTR when *opt->stop was
 * set; NN_EZMQ, NN_ESYS, NN_ENOMEM.
 * res->error says what happened; the run directory holds what was written until then. */
int nn_coord_run(const nn_scenario_t *sc, const nn_run_options_t *opt, nn_run_result_t *res);

#endif
