/* Per-round measures of the society's opinions, computed exactly: sums in integer fixed
 * point (2^-32 resolution for mean and sd, 2^-20 for the third and fourth moments,
 * 128-bit accumulators), clusters from 256 fixed buckets and polarization from 20, so
 * that every figure is the same however the agents are spread over nodes or ranks and
 * in whatever order partial results are merged. */
#ifndef NUNCHI_COORDINATOR_METRICS_H
#define NUNCHI_COORDINATOR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define NN_METRICS_BUCKETS 256
#define NN_CLUSTER_GAP     0.01 /* sorted opinions further apart than this split a cluster */
#define NN_CLUSTER_SHARE   0.01 /* a cluster counts when it holds at least this share */
#define NN_POLAR_BINS      20   /* Esteban-Ray polarization is computed on these bins */
#define NN_POLAR_ALPHA     1.6  /* ... with this sensitivity to identification */

/* Mergeable partial sums over a set of agents. */
typedef struct nn_moments {
    uint64_t n;
    __int128 sum;            /* of round(x * 2^32) */
    __int128 sumsq;          /* of round(x * 2^32)^2 */
    __int128 p1, p2, p3, p4; /* of round(x * 2^20) to the powers 1 .. 4 */
    double min, max;
    uint64_t polar[NN_POLAR_BINS];
    uint64_t count[NN_METRICS_BUCKETS];
    double bmin[NN_METRICS_BUCKETS];
    double bmax[NN_METRICS_BUCKETS];
} nn_moments_t;

typedef struct nn_round_metrics {
    double mean, sd, min, max;
    uint32_t clusters;
    double polarization; /* Esteban-Ray on NN_POLAR_BINS bins, 1 for halves at the ends */
    double bimodality;   /* Sarle's coefficient from population moments (0 when sd is 0) */
} nn_round_metrics_t;

void nn_moments_clear(nn_moments_t *m);
void nn_moments_add(nn_moments_t *m, const double *x, size_t n);
void nn_moments_merge(nn_moments_t *into, const nn_moments_t *from);
void nn_moments_finish(const nn_moments_t *m, nn_round_metrics_t *out);

#endif
