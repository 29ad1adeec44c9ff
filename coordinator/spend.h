/* What the llm agents spent: the nodes' nn_spend_t of a round summed (counters, and every
 * request's latency for the percentiles), per round for metrics.csv and over the run for
 * summary.json. */
#ifndef NUNCHI_COORDINATOR_SPEND_H
#define NUNCHI_COORDINATOR_SPEND_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/behaviour.h"
#include "checkpoint.h"

/* Adds src's counters and latencies to dst. NN_OK or NN_ENOMEM. */
int nn_spend_add(nn_spend_t *dst, const nn_spend_t *src);

/* Zeroes the counters and forgets the latencies (the memory stays). */
void nn_spend_clear(nn_spend_t *s);
void nn_spend_release(nn_spend_t *s);

/* The q-quantile (0 < q <= 1, nearest rank) of s's latencies; 0 without any. Sorts
 * s->latency_s in place. */
double nn_spend_quantile(nn_spend_t *s, double q);

/* Checkpoints: a run's spending (its counters and latencies), and the same loaded into
 * a cleared nn_spend_t. NN_OK; load: NN_EPROTO or NN_ENOMEM. */
int nn_spend_save(const nn_spend_t *s, nn_ckpt_writer_t *w);
int nn_spend_load(nn_spend_t *s, nn_ckpt_reader_t *r);

#endif
