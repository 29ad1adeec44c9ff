/* Exact, order-free opinion measures; see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <string.h>

#define S_SCALE 4294967296.0 /* 2^32 */

void nn_moments_clear(nn_moments_t *m)
{
    memset(m, 0, sizeof *m);
    m->min = INFINITY;
    m->max = -INFINITY;
    for (int b = 0; b < NN_METRICS_BUCKETS; b++) {
        m->bmin[b] = INFINITY;
        m->bmax[b] = -INFINITY;
    }
}

void nn_moments_add(nn_moments_t *m, const double *x, size_t n)
{
    __int128 sum = 0, sumsq = 0;
    double lo = m->min, hi = m->max;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        int64_t f = (int64_t)(v * S_SCALE + 0.5);
        sum += f;
        sumsq += (__int128)f * f;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        int b = (int)(v * NN_METRICS_BUCKETS);
        b = b < 0 ? 0 : b >= NN_METRICS_BUCKETS ? NN_METRICS_BUCKETS - 1 : b;
        m->count[b]++;
        if (v < m->bmin[b])
            m->bmin[b] = v;
        if (v > m->bmax[b])
            m->bmax[b] = v;
    }
    m->n += n;
    m->sum += sum;
    m->sumsq += sumsq;
    m->min = lo;
    m->max = hi;
}

void nn_moments_merge(nn_moments_t *into, const nn_moments_t *from)
{
    into->n += from->n;
    into->sum += from->sum;
    into->sumsq += from->sumsq;
    into->min = from->min < into->min ? from->min : into->min;
    into->max = from->max > into->max ? from->max : into->max;
    for (int b = 0; b < NN_METRICS_BUCKETS; b++) {
        into->count[b] += from->count[b];
        if (from->bmin[b] < into->bmin[b])
            into->bmin[b] = from->bmin[b];
        if (from->bmax[b] > into->bmax[b])
            into->bmax[b] = from->bmax[b];
    }
}

void nn_moments_finish(const nn_moments_t *m, nn_round_metrics_t *out)
{
    memset(out, 0, sizeof *out);
    if (m->n == 0)
        return;
    double n = (double)m->n;
    out->mean = (double)m->sum / S_SCALE / n;
    /* n^2 var = n * sumsq - sum^2, exact in 128 bits for up to 2^31 agents */
    __int128 num = (__int128)m->n * m->sumsq - m->sum * m->sum;
    double var = (double)num / (S_SCALE * S_SCALE) / (n * n);
    out->sd = var > 0 ? sqrt(var) : 0.0;
    out->min = m->min;
    out->max = m->max;
    /* A bucket is narrower than the gap, so a gap > NN_CLUSTER_GAP between sorted
     * neighbours can only fall between the last value of one non-empty bucket and the
     * first of the next. */
    uint64_t in_cluster = 0;
    double last = 0.0;
    int open = 0;
    for (int b = 0; b < NN_METRICS_BUCKETS; b++) {
        if (!m->count[b])
            continue;
        if (open && m->bmin[b] - last > NN_CLUSTER_GAP) {
            if ((double)in_cluster >= NN_CLUSTER_SHARE * n)
                out->clusters++;
            in_cluster = 0;
        }
        open = 1;
        in_cluster += m->count[b];
        last = m->bmax[b];
    }
    if (open && (double)in_cluster >= NN_CLUSTER_SHARE * n)
        out->clusters++;
}
