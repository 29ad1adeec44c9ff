/* Cases: each conflict from opening to outcome under a resolution protocol. A case opens
 * when an agent complains about a neighbour (an NN_ACT_COMPLAIN act) or when a group, or
 * the whole society, must decide (every `decisions.every` rounds). It runs the first
 * protocol of its type's chain; a protocol that fails hands the case to the next one;
 * when the chain is spent the case closes as escalated. Outcomes: agreed (the parties
 * accepted), imposed (a vote or an arbiter decided), tolerated (they agree to disagree),
 * escalated. Agreed and imposed outcomes are binding verdicts: each party answers with
 * NN_ACT_COMPLY in the round the verdict reaches it, and a defiance or a missing answer
 * is a noncompliance, which the norms sanction. Third parties (mediators, arbiters,
 * jurors) are chosen from the structure and stream NN_STREAM_CASES; the decision rules
 * of mediators and arbiters are the coordinator's (docs/society.md), the parties' and
 * voters' answers are their behaviours'. Every case step happens at the end of a round,
 * with that round's acts, and its notices go out with the next round's Tick. */
#ifndef NUNCHI_COORDINATOR_CASES_H
#define NUNCHI_COORDINATOR_CASES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nunchi/behaviour.h"

#include "checkpoint.h"
#include "network.h"
#include "notices.h"
#include "structure.h"

typedef enum nn_protocol {
    NN_PROTO_MAJORITY = 0, /* members vote, plurality wins, ties by a seeded draw */
    NN_PROTO_WEIGHTED,     /* the same, each vote weighted by status times reputation */
    NN_PROTO_MEDIATION,    /* a mediator proposes, parties accept within tolerance */
    NN_PROTO_NEGOTIATION,  /* two parties alternate offers */
    NN_PROTO_ARBITRATION,  /* an arbiter (or the superior) decides */
    NN_PROTO_DELIBERATION, /* bounded confidence among members until close enough */
    NN_PROTO_TOLERANCE,    /* no decision: the case closes as tolerated */
    NN_PROTOCOLS
} nn_protocol_t;

typedef enum nn_case_type {
    NN_CASE_COMPLAINT = 0, /* one agent against a neighbour */
    NN_CASE_DECISION,      /* a group's (or the society's) joint decision */
    NN_CASE_TYPES
} nn_case_type_t;

#define NN_OUTCOMES  4 /* NN_OUTCOME_AGREED .. NN_OUTCOME_ESCALATED (nunchi/behaviour.h) */
#define NN_MAX_CHAIN 8

typedef enum nn_decision_scope { NN_SCOPE_GROUP = 0, NN_SCOPE_SOCIETY } nn_decision_scope_t;
typedef enum nn_arbiter_by { NN_ARBITER_ROLE = 0, NN_ARBITER_SUPERIOR } nn_arbiter_by_t;

typedef struct nn_cases_config {
    int complaints;                /* cases: present: complaints open cases */
    size_t n_chain[NN_CASE_TYPES]; /* complaints default [mediation, arbitration, tolerance] */
    nn_protocol_t chain[NN_CASE_TYPES][NN_MAX_CHAIN]; /* decisions default [majority] */
    uint32_t jury;            /* complaint votes and deliberations: jurors beside the parties; 5 */
    uint32_t max_open;        /* open complaint cases an agent may be a party to; 1 */
    uint32_t decisions_every; /* decisions.every: 0 = no decisions */
    nn_decision_scope_t decisions_scope; /* default group */
    uint32_t options;                    /* decisions: options spaced evenly on [0, 1]; 5 (>= 2) */
    double turnout;                 /* majority, weighted: share of members who must vote; 0.5 */
    uint32_t mediation_rounds;      /* proposals before mediation fails; 5 */
    double mediation_step;          /* how far a proposal moves towards the holdouts; 0.25 */
    uint32_t negotiation_rounds;    /* offers before negotiation fails; 6 */
    nn_arbiter_by_t arbiter_by;     /* arbiter (a member of that role) or superior; arbiter */
    uint32_t deliberation_rounds;   /* steps before deliberation fails; 10 */
    double deliberation_confidence; /* bounded confidence inside the case; 0.3 */
    double deliberation_epsilon;    /* agreed once the spread is below it; 0.05 */
} nn_cases_config_t;

typedef struct nn_cases_env {
    uint32_t n;
    uint64_t seed;
    const nn_network_t *net;  /* neighbours: complaints and juries */
    const nn_structure_t *st; /* roles, groups, superiors, status, reputation */
    const double *x;          /* opinions as last reported (positions at opening) */
} nn_cases_env_t;

/* Per protocol: attempts begun, and how they ended (failed = handed on or escalated). */
typedef struct nn_protocol_stats {
    uint64_t opened;
    uint64_t outcome[NN_OUTCOMES]; /* agreed, imposed, tolerated; escalated: failed */
} nn_protocol_stats_t;

typedef struct nn_cases_stats {
    nn_protocol_stats_t protocol[NN_PROTOCOLS]; /* of the run */
    uint64_t opened[NN_CASE_TYPES];             /* cases of the run */
    uint64_t closed[NN_OUTCOMES];               /* cases of the run, by final outcome */
    uint64_t round_opened, round_closed;        /* this round */
    uint64_t open;                              /* open now */
    uint64_t resolution_rounds;  /* sum of (close round - open round) over closed cases */
    uint64_t refused_complaints; /* not a neighbour, already open, max_open, no cases:, or
                                    the run spent its 2^32 - 1 case ids */
    uint64_t ignored_acts;       /* acts for no open case, or not the agent's to make */
    uint64_t verdicts;           /* binding verdict notices sent */
    uint64_t complied, defied;   /* answers to them (missing answers count as defied) */
} nn_cases_stats_t;

typedef struct nn_cases nn_cases_t;

/* Names as written in scenarios ("majority", "complaint", "agreed"), or "?". */
const char *nn_protocol_name(nn_protocol_t p);
const char *nn_case_type_name(nn_case_type_t t);
const char *nn_outcome_name(int outcome);

/* Makes the case engine of cfg over env. env is copied; what it points to (network,
 * structure, opinions, which the coordinator updates in place) must outlive the engine.
 * NN_OK, NN_ENOMEM, or NN_EINVAL for a NULL argument or a config outside its ranges. */
int nn_cases_new(nn_cases_t **out, const nn_cases_config_t *cfg, const nn_cases_env_t *env);
void nn_cases_destroy(nn_cases_t **c);

/* The end of round `round`: reads the round's acts (sorted by agent, each agent's in
 * order; kinds other than case acts are skipped), advances every open case, opens the
 * round's new cases, appends the notices for round + 1 to out, the round's
 * noncompliances to noncompliance (norm NN_NORM_NONCOMPLIANCE), and one JSON line per
 * case event (opened, protocol step ended, verdict, closed) to events (may be NULL).
 * NN_OK, NN_ENOMEM, NN_EIO (an event could not be written) or NN_EINVAL (NULL). */
int nn_cases_round(nn_cases_t *c, uint64_t round, const nn_act_t *acts, size_t n_acts,
                   nn_notice_list_t *out, nn_violation_list_t *noncompliance, FILE *events);

const nn_cases_stats_t *nn_cases_stats(const nn_cases_t *c);

/* Checkpoints, between rounds: after nn_cases_round has returned for a round and before
 * the next. nn_cases_save puts into w everything that carries over to the next rounds
 * (the live cases with their members, positions, answers and deliberation positions, the
 * ids given, the open complaint pairs and counts, the counters), in records
 * NN_CKPT_TAG_CASES + 0 .. + 9, the first an identity of the engine (agents, groups, the
 * config and the structure's roles and groups). Writer errors stay in w, for
 * nn_ckpt_commit: NN_OK, or NN_ENOMEM when no scratch could be had (w is then failed too).
 *
 * nn_cases_load reads those records into an engine made by nn_cases_new from the same
 * config and env (the same scenario) and replaces its state with theirs; the draws are
 * keyed by (seed, stream, case id, round), so the engine goes on exactly as the saved
 * one would have. NN_OK; NN_ENOMEM; NN_EPROTO when r had failed or the records do not
 * fit this engine (another scenario, a count or an id out of range, states that
 * contradict each other), with r->failed set and r->why naming what did not fit. On
 * failure the engine is as it was. */
int nn_cases_save(const nn_cases_t *c, nn_ckpt_writer_t *w);
int nn_cases_load(nn_cases_t *c, nn_ckpt_reader_t *r);

#endif
