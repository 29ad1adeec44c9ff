/* Routing by stable counting sort; see router.h. */
#include "router.h"

#include <stdlib.h>
#include <string.h>

#include "nunchi/error.h"

const char *nn_drop_rule_name(nn_drop_rule_t r)
{
    switch (r) {
    case NN_DROP_FOREIGN_SENDER: return "foreign_sender";
    case NN_DROP_UNKNOWN_RECEIVER: return "unknown_receiver";
    default: return "?";
    }
}

int nn_router_init(nn_router_t *r, uint32_t n_agents, size_t n_nodes)
{
    memset(r, 0, sizeof *r);
    r->n_agents = n_agents;
    r->n_batches = n_nodes;
    r->batch = calloc(n_nodes ? n_nodes : 1, sizeof *r->batch);
    r->off = calloc((size_t)n_agents + 2, sizeof *r->off);
    r->count = calloc(n_agents ? n_agents : 1, sizeof *r->count);
    if (!r->batch || !r->off || !r->count) {
        nn_router_release(r);
        return NN_ENOMEM;
    }
    return NN_OK;
}

void nn_router_release(nn_router_t *r)
{
    free(r->batch);
    free(r->off);
    free(r->count);
    free(r->deliv);
    memset(r, 0, sizeof *r);
}

void nn_router_begin(nn_router_t *r)
{
    r->sent = 0;
    memset(r->dropped, 0, sizeof r->dropped);
    for (size_t k = 0; k < r->n_batches; k++)
        r->batch[k].n = 0;
    /* off still holds the inbox offsets of the ticks the nodes are reading: this round
     * counts apart, in count */
    memset(r->count, 0, (size_t)r->n_agents * sizeof *r->count);
    r->counted = 0;
}

static inline int s_valid(const nn_router_batch_t *b, const nn_msg_t *m, uint32_t n_agents)
{
    return m->from >= b->lo && m->from < b->hi && m->to < n_agents;
}

void nn_router_add(nn_router_t *r, size_t k, uint32_t lo, uint32_t hi, const nn_msg_t *msgs,
                   size_t n)
{
    nn_router_batch_t *b = &r->batch[k];
    b->msgs = msgs;
    b->n = n;
    b->lo = lo;
    b->hi = hi;
    r->sent += n;
    /* counting happens here, as each node's batch arrives, so that it overlaps with the
     * nodes still stepping */
    uint32_t *count = r->count;
    const uint32_t N = r->n_agents;
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        const nn_msg_t *m = &msgs[i];
        if (m->from < lo || m->from >= hi) {
            r->dropped[NN_DROP_FOREIGN_SENDER]++;
        } else if (m->to >= N) {
            r->dropped[NN_DROP_UNKNOWN_RECEIVER]++;
        } else {
            count[m->to]++;
            good++;
        }
    }
    b->clean = good == n;
    r->counted += good;
}

int nn_router_finish(nn_router_t *r)
{
    const uint32_t N = r->n_agents;
    uint64_t *off = r->off;
    /* off[to + 1] starts as where the receiver's inbox starts; scattering with
     * off[to + 1]++ leaves it at the start of the next inbox, so that off[0 .. N] are then
     * the inbox offsets */
    uint64_t total = r->counted;
    if (total > r->deliv_cap) {
        size_t cap = r->deliv_cap ? r->deliv_cap : 4096;
        while (cap < total)
            cap *= 2;
        nn_delivery_t *d = realloc(r->deliv, cap * sizeof *d);
        if (!d)
            return NN_ENOMEM;
        r->deliv = d;
        r->deliv_cap = cap;
    }
    off[0] = 0;
    off[1] = 0;
    for (uint32_t i = 0; i + 1 < N; i++)
        off[i + 2] = off[i + 1] + r->count[i];
    nn_delivery_t *deliv = r->deliv;
    for (size_t k = 0; k < r->n_batches; k++) {
        const nn_router_batch_t *b = &r->batch[k];
        uint32_t prev = UINT32_MAX, seq = 0;
        for (size_t i = 0; i < b->n; i++) {
            const nn_msg_t *m = &b->msgs[i];
            seq = m->from == prev ? seq + 1 : 0;
            prev = m->from;
            if (!b->clean && !s_valid(b, m, N))
                continue;
            nn_delivery_t *d = &deliv[off[m->to + 1]++];
            d->from = m->from;
            d->seq = seq;
            d->value = m->value;
        }
    }
    r->routed = total;
    return NN_OK;
}

void nn_router_tick(const nn_router_t *r, uint32_t lo, uint32_t hi, nn_tick_t *t)
{
    t->n_runs = hi - lo;
    t->first_agent = lo;
    t->receiver = NULL;
    t->inbox_off = r->off + lo;
    t->deliveries = r->deliv;
}
