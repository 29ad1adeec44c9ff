/* Summing what the llm agents spent: see spend.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"

#include "spend.h"

int nn_spend_add(nn_spend_t *dst, const nn_spend_t *src)
{
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        *nn_spend_counter(dst, k) += *nn_spend_counter((nn_spend_t *)src, k);
    for (size_t i = 0; i < src->n_latency; i++) /* grows as the node's appends do */
        if (nn_spend_latency(dst, src->latency_s[i]) != 0)
            return NN_ENOMEM;
    return NN_OK;
}

void nn_spend_clear(nn_spend_t *s)
{
    float *v = s->latency_s;
    size_t cap = s->latency_cap;
    memset(s, 0, sizeof *s);
    s->latency_s = v;
    s->latency_cap = cap;
}

void nn_spend_release(nn_spend_t *s)
{
    free(s->latency_s);
    memset(s, 0, sizeof *s);
}

static int s_float_cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

double nn_spend_quantile(nn_spend_t *s, double q)
{
    if (!s->n_latency)
        return 0.0;
    qsort(s->latency_s, s->n_latency, sizeof *s->latency_s, s_float_cmp);
    /* the nearest rank, ceil(q n); the epsilon keeps q n = 7.000000000000001 at 7 */
    size_t rank = (size_t)ceil(q * (double)s->n_latency - 1e-9);
    if (rank < 1)
        rank = 1;
    if (rank > s->n_latency)
        rank = s->n_latency;
    return (double)s->latency_s[rank - 1];
}

/* --- checkpoints ----------------------------------------------------------------------- */

int nn_spend_save(const nn_spend_t *s, nn_ckpt_writer_t *w)
{
    uint64_t v[NN_SPEND_COUNTERS];
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        v[k] = *nn_spend_counter((nn_spend_t *)s, k);
    nn_ckpt_put(w, NN_CKPT_TAG_SPEND + 0, v, sizeof v);
    nn_ckpt_put(w, NN_CKPT_TAG_SPEND + 1, s->latency_s, s->n_latency * sizeof *s->latency_s);
    return NN_OK;
}

int nn_spend_load(nn_spend_t *s, nn_ckpt_reader_t *r)
{
    uint64_t v[NN_SPEND_COUNTERS];
    size_t bytes = 0;
    const float *lat;
    if (nn_ckpt_get(r, NN_CKPT_TAG_SPEND + 0, v, sizeof v) != NN_OK ||
        !(lat = nn_ckpt_take(r, NN_CKPT_TAG_SPEND + 1, &bytes)))
        return NN_EPROTO;
    if (bytes % sizeof *lat) {
        return nn_ckpt_misfit(r, "spend: the latencies are cut");
    }
    nn_spend_clear(s);
    s->n_latency = 0;
    nn_spend_t saved = {0};
    saved.n_latency = bytes / sizeof *lat;
    saved.latency_s = (float *)lat;
    if (nn_spend_add(s, &saved) != NN_OK)
        return NN_ENOMEM;
    for (size_t k = 0; k < NN_SPEND_COUNTERS; k++)
        *nn_spend_counter(s, k) = v[k];
    return NN_OK;
}
