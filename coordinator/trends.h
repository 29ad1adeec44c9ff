/* Trends: novelty items that appear every `every` rounds in `seeds` agents (stream
 * NN_STREAM_TRENDS) and spread as agents adopt them (bit t of an agent's trends). The
 * coordinator seeds them by notice and watches adoption from the states the nodes
 * report; per trend it records the rounds to reach 10%, 50% and 90% of the society. */
#ifndef NUNCHI_COORDINATOR_TRENDS_H
#define NUNCHI_COORDINATOR_TRENDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "checkpoint.h"
#include "notices.h"

#define NN_MAX_TRENDS 64

typedef struct nn_trends_config {
    uint32_t every; /* a trend appears in rounds every, 2 every, ...; 0: no trends */
    uint32_t seeds; /* agents that start each trend; default 5 */
    uint32_t max;   /* trends in a run, at most NN_MAX_TRENDS; default NN_MAX_TRENDS */
} nn_trends_config_t;

/* One trend's course. Rounds are 0 while not reached. */
typedef struct nn_trend_stats {
    uint64_t born;       /* the round it appears in */
    uint64_t adopters;   /* agents that have it after the last observed round */
    uint64_t peak;       /* the most adopters it had */
    uint64_t reached[3]; /* the first round with >= 10%, 50%, 90% of the agents */
} nn_trend_stats_t;

typedef struct nn_trends nn_trends_t;

/* Makes the trends of cfg for n agents. NN_OK or NN_ENOMEM; *out is NULL on failure
 * (and NULL with NN_OK when cfg->every is 0: no trends). */
int nn_trends_new(nn_trends_t **out, const nn_trends_config_t *cfg, uint32_t n, uint64_t seed);
void nn_trends_destroy(nn_trends_t **t);

/* Before round `next` (called at the end of round next - 1, and with next = 1 before
 * the first round): when a trend appears in `next`, appends one NN_NOTICE_TREND per
 * seed agent to out (ascending ids) and an event to events (may be NULL). NN_OK or
 * NN_ENOMEM. */
int nn_trends_seed(nn_trends_t *t, uint64_t next, nn_notice_list_t *out, FILE *events);

/* After round `round`: counts each trend's adopters in trends (n entries, or NULL: none)
 * and records the rounds it first reaches 10%, 50% and 90%. */
void nn_trends_observe(nn_trends_t *t, uint64_t round, const uint64_t *trends);

/* Trends born so far (a trend seeded for the next round included), those born by round
 * `round`, and each one's course. */
size_t nn_trends_count(const nn_trends_t *t);
size_t nn_trends_born_by(const nn_trends_t *t, uint64_t round);
const nn_trend_stats_t *nn_trends_at(const nn_trends_t *t, size_t i);

/* Checkpoints, between two rounds: after nn_trends_observe(R) and nn_trends_seed(R + 1).
 * Save puts the records NN_CKPT_TAG_TRENDS + 0 .. + 2 to w: an identity (agents, every,
 * seeds, max), the trends born and their courses; t may be NULL (no trends), which saves
 * an identity of none. Always NN_OK (the writer keeps its own errors).
 *
 * Load takes them into t, made by nn_trends_new with the same config, agents and seed
 * (NULL when it made none), replacing the trends born and their courses; whether
 * nn_trends_seed(1) was called on it does not matter, but its notices were the first
 * run's and are not to be delivered again. NN_OK, or NN_EPROTO when r had failed, a
 * record is missing or of another size, or the checkpoint does not fit (trends here and
 * not there, another agent count or config, a course out of range): r->why says which,
 * and t is left as it was. */
int nn_trends_save(const nn_trends_t *t, nn_ckpt_writer_t *w);
int nn_trends_load(nn_trends_t *t, nn_ckpt_reader_t *r);

#endif
