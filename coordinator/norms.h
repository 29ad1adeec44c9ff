/* Norms and sanctions, the society's regularization, and the cooperation game they
 * watch. The coordinator asks nn_norms_check() about every message as it is routed: a
 * message from or to an excluded agent, from a muted agent, to an address the sender
 * may not use, beyond the sender's rate, or above the hostility threshold is blocked and
 * counted under its rule; a delivered message is one move of the cooperation game.
 * Breaches (and the noncompliances the cases report) are folded at the end of the round
 * in agent order: each is detected with the norm's probability (stream NN_STREAM_NORMS),
 * and a detected one climbs the norm's escalation ladder by one sanction. Everything is a
 * function of the scenario, the seed and the agents' acts, not of arrival order. */
#ifndef NUNCHI_COORDINATOR_NORMS_H
#define NUNCHI_COORDINATOR_NORMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nunchi/behaviour.h"

#include "checkpoint.h"
#include "network.h"
#include "notices.h"
#include "router.h"
#include "structure.h"

typedef enum nn_norm_kind {
    NN_NORM_RATE = 0,      /* at most `limit` messages per agent per round */
    NN_NORM_ADDRESS,       /* messages only to whom `scope` allows */
    NN_NORM_AGGRESSION,    /* no message with hostility above `threshold` */
    NN_NORM_DEFECTION,     /* no defection in the cooperation game */
    NN_NORM_NONCOMPLIANCE, /* no binding verdict ignored or defied */
    NN_NORM_KINDS
} nn_norm_kind_t;

typedef enum nn_sanction_kind {
    NN_SANCTION_WARN = 0,   /* a notice only */
    NN_SANCTION_REPUTATION, /* reputation - amount, not below 0 */
    NN_SANCTION_MUTE,       /* its messages are blocked for `rounds` rounds */
    NN_SANCTION_EXCLUDE,    /* its edges are cut for `rounds` rounds (0: for good) */
    NN_SANCTION_KINDS
} nn_sanction_kind_t;

typedef enum nn_address_scope {
    NN_ADDRESS_NEIGHBOURS = 0, /* the receiver is a network neighbour */
    NN_ADDRESS_HIERARCHY,      /* the receiver is the sender's superior or subordinate */
    NN_ADDRESS_EITHER          /* either of the two */
} nn_address_scope_t;

typedef struct nn_sanction {
    nn_sanction_kind_t kind;
    double amount;   /* reputation: what is taken */
    uint32_t rounds; /* mute, exclude: how long (exclude 0: for good) */
} nn_sanction_t;

#define NN_MAX_LADDER 8

typedef struct nn_norm_config {
    int on;                   /* listed under norms: */
    uint32_t limit;           /* rate: default 5 */
    nn_address_scope_t scope; /* address: default neighbours */
    double threshold;         /* aggression: default 0.7 */
    double detect;            /* probability that a round's breaches are seen: default 1 */
    uint32_t forgive;         /* rounds without a sanction that restart the ladder (0: never) */
    size_t n_ladder;          /* default 1: [warn] */
    nn_sanction_t ladder[NN_MAX_LADDER];
} nn_norm_config_t;

typedef struct nn_norms_config {
    nn_norm_config_t norm[NN_NORM_KINDS]; /* indexed by nn_norm_kind_t */
    double recovery; /* reputation regained per round: rep += recovery * (1 - rep); 0 */
} nn_norms_config_t;

typedef struct nn_game_config {
    int on;         /* game: present */
    double benefit; /* b: what a cooperative message gives its receiver; default 3, <= 1000 */
    double cost;    /* c: what it costs its sender; default 1; 0 <= c < b */
} nn_game_config_t;

typedef struct nn_norms_env {
    uint32_t n;
    uint64_t seed;
    const nn_network_t *net; /* address: neighbours (binary search in the CSR) */
    nn_structure_t *st;      /* superior (address); reputation, written by sanctions */
} nn_norms_env_t;

/* Counts of one round (round_*) and of the run so far (total_*). */
typedef struct nn_norms_stats {
    uint64_t round_violations[NN_NORM_KINDS];
    uint64_t total_violations[NN_NORM_KINDS];
    uint64_t round_sanctions[NN_SANCTION_KINDS];
    uint64_t total_sanctions[NN_SANCTION_KINDS];
    uint64_t round_cooperate, round_defect; /* game moves of the round (delivered messages) */
    uint64_t total_cooperate, total_defect;
    __int128 total_payoff_micro; /* the sum of all payoffs, in millionths (128 bits: a long
                                    run of a large society passes 2^63) */
    uint32_t muted;              /* agents muted for the next round */
    uint32_t excluded;           /* agents excluded for the next round */
} nn_norms_stats_t;

typedef struct nn_norms nn_norms_t;

/* Names as written in scenarios ("rate", "mute", "neighbours"), or "?". */
const char *nn_norm_name(nn_norm_kind_t k);
const char *nn_sanction_name(nn_sanction_kind_t k);
const char *nn_address_scope_name(nn_address_scope_t s);

/* Makes the norms of cfg and the game of game (either may be all off) over env, which is
 * copied; the network and structure it points to must outlive the norms (reputation is
 * written in place). *out is NULL on failure; NN_OK or NN_ENOMEM. */
int nn_norms_new(nn_norms_t **out, const nn_norms_config_t *cfg, const nn_game_config_t *game,
                 const nn_norms_env_t *env);
void nn_norms_destroy(nn_norms_t **n);

/* Starts round `round`: clears the round's counts. */
void nn_norms_begin(nn_norms_t *n, uint64_t round);

/* The router's check (ctx: the nn_norms_t): see the file comment. A delivered message
 * also moves the game's payoffs and counts; a defecting one is a breach of defection. */
nn_drop_rule_t nn_norms_check(void *ctx, const nn_msg_t *m, uint32_t seq);

/* Adds breaches found elsewhere (the cases' noncompliances) to this round's. NN_OK or
 * NN_ENOMEM. */
int nn_norms_add(nn_norms_t *n, const nn_violation_t *v, size_t count);

/* Ends the round: folds its breaches in (agent, norm) order, detects, sanctions,
 * appends NN_NOTICE_SANCTION and NN_NOTICE_BLOCKED notices for the next round to out,
 * writes one JSON line per sanction to events (may be NULL), and lets reputation
 * recover. NN_OK, NN_ENOMEM, or NN_EIO when an event cannot be written. One thread:
 * the check keeps the state of the sender it is on, so batches go through one at a time. */
int nn_norms_end_round(nn_norms_t *n, uint64_t round, nn_notice_list_t *out, FILE *events);

const nn_norms_stats_t *nn_norms_stats(const nn_norms_t *n);

/* MPI mode. Each rank checks its own senders, so a round's breaches and blocks are
 * spread over the ranks; before nn_norms_end_round every rank takes its records, they
 * are gathered, and every rank puts the whole society's back, so that the folding (which
 * sorts them) is the same everywhere. list: 0 a breach (kind an nn_norm_kind_t), 1 a
 * block (kind an nn_drop_rule_t). */
typedef struct nn_norm_rec {
    uint32_t agent;
    uint16_t kind;
    uint16_t list;
    uint64_t count;
} nn_norm_rec_t;

/* This round's records so far into *out (grown with realloc; *cap its capacity in
 * records), *len of them. NN_OK or NN_ENOMEM. */
int nn_norms_take_records(nn_norms_t *n, nn_norm_rec_t **out, size_t *cap, size_t *len);
/* Replaces this round's records with recs. NN_OK or NN_ENOMEM. */
int nn_norms_put_records(nn_norms_t *n, const nn_norm_rec_t *recs, size_t len);
/* This rank's game moves of the round (what its checks counted) in *cooperate and
 * *defect; nn_norms_set_round_moves then gives the whole society's, and the round's and
 * the run's totals (payoff included) follow. */
void nn_norms_round_moves(const nn_norms_t *n, uint64_t *cooperate, uint64_t *defect);
void nn_norms_set_round_moves(nn_norms_t *n, uint64_t cooperate, uint64_t defect);

/* An agent's payoff so far, in game units. Across ranks each rank holds what the moves
 * it checked gave (a receiver's benefit is credited on its sender's rank); the run's
 * total (nn_norms_set_round_moves) is exact everywhere. */
double nn_norms_payoff(const nn_norms_t *n, uint32_t agent);

/* Checkpoints, between two rounds: after round R's nn_norms_end_round (and, with ranks,
 * nn_norms_set_round_moves), before round R + 1's nn_norms_begin. Save puts the records
 * NN_CKPT_TAG_NORMS + 0 .. + 14 to w: an identity (the agents, which per-agent arrays
 * exist, each norm's ladder length), each per-agent array (an empty record for one the
 * norms do not have), and the stats. Always NN_OK (the writer keeps its own errors).
 * Reputation is the structure's, not saved here; with ranks each rank saves its own
 * payoffs (see nn_norms_payoff).
 *
 * Load takes those records into n, made by nn_norms_new with the same config and env and
 * run no round, replacing its state: rounds R + 1 .. then give what the saved instance
 * would have given. NN_OK, or NN_EPROTO when r had failed, a record is missing or of
 * another size, or the checkpoint does not fit (another agent count, other arrays or
 * ladders, a rung past its ladder, more agents muted than there are): r->why says
 * which, and n is left as it was. Nothing is allocated. */
int nn_norms_save(const nn_norms_t *n, nn_ckpt_writer_t *w);
int nn_norms_load(nn_norms_t *n, nn_ckpt_reader_t *r);

#endif
