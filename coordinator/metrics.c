/* Exact, order-free opinion measures; see metrics.h. */
#include "metrics.h"

#include <math.h>
#include <string.h>

#define S_SCALE   4294967296.0 /* 2^32 */
#define S_SCALE20 1048576.0    /* 2^20 */

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
    __int128 sum = 0, sumsq = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0;
    double lo = m->min, hi = m->max;
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        int64_t f = (int64_t)(v * S_SCALE + 0.5);
        sum += f;
        sumsq += (__int128)f * f;
        /* x^4 at 2^-20 is below 2^80, so 2^31 agents stay below 2^111 */
        int64_t g = (int64_t)(v * S_SCALE20 + 0.5), g2 = g * g;
        p1 += g;
        p2 += g2;
        p3 += (__int128)g2 * g;
        p4 += (__int128)g2 * g2;
        int pb = (int)(v * NN_POLAR_BINS);
        m->polar[pb < 0 ? 0 : pb >= NN_POLAR_BINS ? NN_POLAR_BINS - 1 : pb]++;
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
    m->p1 += p1;
    m->p2 += p2;
    m->p3 += p3;
    m->p4 += p4;
    m->min = lo;
    m->max = hi;
}

void nn_moments_merge(nn_moments_t *into, const nn_moments_t *from)
{
    into->n += from->n;
    into->sum += from->sum;
    into->sumsq += from->sumsq;
    into->p1 += from->p1;
    into->p2 += from->p2;
    into->p3 += from->p3;
    into->p4 += from->p4;
    for (int b = 0; b < NN_POLAR_BINS; b++)
        into->polar[b] += from->polar[b];
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

/* Esteban and Ray (1994): K sum_i sum_j p_i^(1 + alpha) p_j |y_i - y_j| over the bins'
 * shares p and centres y, with K = 2^(1 + alpha) so that half the agents in the first
 * bin and half in the last give (y_last - y_first) = 0.95. */
static double s_polarization(const nn_moments_t *m)
{
    double p[NN_POLAR_BINS], total = 0.0;
    for (int b = 0; b < NN_POLAR_BINS; b++)
        p[b] = (double)m->polar[b] / (double)m->n;
    for (int i = 0; i < NN_POLAR_BINS; i++) {
        if (p[i] == 0.0)
            continue;
        double w = pow(p[i], 1.0 + NN_POLAR_ALPHA);
        for (int j = 0; j < NN_POLAR_BINS; j++)
            total += w * p[j] * fabs((double)(i - j)) / NN_POLAR_BINS;
    }
    return pow(2.0, 1.0 + NN_POLAR_ALPHA) * total;
}

/* Sarle's bimodality coefficient (skewness^2 + 1) / kurtosis, from the population's
 * central moments; above 5/9 (a uniform distribution's) suggests two modes. */
static double s_bimodality(const nn_moments_t *m)
{
    long double n = (long double)m->n, sc = S_SCALE20;
    long double e1 = (long double)m->p1 / n / sc, e2 = (long double)m->p2 / n / (sc * sc);
    long double e3 = (long double)m->p3 / n / (sc * sc * sc);
    long double e4 = (long double)m->p4 / n / (sc * sc * sc * sc);
    long double m2 = e2 - e1 * e1;
    long double m3 = e3 - 3 * e1 * e2 + 2 * e1 * e1 * e1;
    long double m4 = e4 - 4 * e1 * e3 + 6 * e1 * e1 * e2 - 3 * e1 * e1 * e1 * e1;
    if (!(m2 > 1e-18L) || !(m4 > 0))
        return 0.0;
    return (double)((m3 * m3 / (m2 * m2 * m2) + 1) / (m4 / (m2 * m2)));
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
    out->polarization = s_polarization(m);
    out->bimodality = s_bimodality(m);
}
