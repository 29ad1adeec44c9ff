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
    case NN_DROP_RATE: return "rate";
    case NN_DROP_ADDRESS: return "address";
    case NN_DROP_AGGRESSION: return "aggression";
    case NN_DROP_MUTED: return "muted";
    case NN_DROP_EXCLUDED: return "excluded";
    default: return "?";
    }
}

int nn_router_init(nn_router_t *r, uint32_t n_agents, size_t n_nodes, nn_pool_t *pool)
{
    memset(r, 0, sizeof *r);
    r->n_agents = n_agents;
    r->n_batches = n_nodes;
    r->pool = pool;
    r->n_shards = nn_pool_threads(pool);
    if (r->n_shards > n_agents)
        r->n_shards = n_agents ? n_agents : 1;
    r->shard_base = calloc(r->n_shards, sizeof *r->shard_base);
    if (!r->shard_base) {
        nn_router_release(r);
        return NN_ENOMEM;
    }
    r->batch = calloc(n_nodes ? n_nodes : 1, sizeof *r->batch);
    r->off = calloc((size_t)n_agents + 2, sizeof *r->off);
    r->count = calloc(n_agents ? n_agents : 1, sizeof *r->count);
    if (!r->batch || !r->off || !r->count) {
        nn_router_release(r);
        return NN_ENOMEM;
    }
    return NN_OK;
}

void nn_router_set_check(nn_router_t *r, nn_router_check_fn fn, void *ctx)
{
    r->check = fn;
    r->check_ctx = ctx;
}

void nn_router_set_stamps(nn_router_t *r, const float *standing, const uint64_t *trends)
{
    r->standing = standing;
    r->trends = trends;
}

void nn_router_release(nn_router_t *r)
{
    for (size_t k = 0; r->batch && k < r->n_batches; k++)
        free(r->batch[k].keep);
    free(r->batch);
    free(r->off);
    free(r->count);
    free(r->deliv);
    free(r->shard_base);
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
    r->failed = 0;
}

/* The slow path of nn_router_add, for a batch with a drop or a check: decides each
 * message and marks the ones that go on. */
static size_t s_add_checked(nn_router_t *r, nn_router_batch_t *b)
{
    if (b->n > b->keep_cap) {
        size_t cap = b->keep_cap ? b->keep_cap : 1024;
        while (cap < b->n)
            cap *= 2;
        uint8_t *k = realloc(b->keep, cap);
        if (!k) {
            r->failed = 1;
            return 0;
        }
        b->keep = k;
        b->keep_cap = cap;
    }
    uint32_t *count = r->count;
    const uint32_t N = r->n_agents;
    uint32_t prev = UINT32_MAX, seq = 0;
    size_t good = 0;
    for (size_t i = 0; i < b->n; i++) {
        const nn_msg_t *m = &b->msgs[i];
        seq = m->from == prev ? seq + 1 : 0;
        prev = m->from;
        nn_drop_rule_t rule = NN_DROP_PASS;
        if (m->from < b->lo || m->from >= b->hi)
            rule = NN_DROP_FOREIGN_SENDER;
        else if (m->to >= N)
            rule = NN_DROP_UNKNOWN_RECEIVER;
        else if (r->check)
            rule = r->check(r->check_ctx, m, seq);
        b->keep[i] = rule == NN_DROP_PASS;
        if (rule == NN_DROP_PASS) {
            count[m->to]++;
            good++;
        } else {
            r->dropped[rule]++;
        }
    }
    return good;
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
    size_t good = 0;
    if (!r->check) {
        uint32_t *count = r->count;
        const uint32_t N = r->n_agents;
        for (size_t i = 0; i < n; i++) {
            const nn_msg_t *m = &msgs[i];
            if (m->from < lo || m->from >= hi || m->to >= N)
                break;
            count[m->to]++;
            good++;
        }
        if (good == n) {
            b->clean = 1;
            r->counted += good;
            return;
        }
        /* undo and take the slow path */
        for (size_t i = 0; i < good; i++)
            count[msgs[i].to]--;
    }
    good = s_add_checked(r, b);
    b->clean = 0;
    r->counted += good;
}

static inline uint32_t s_shard_lo(const nn_router_t *r, size_t s)
{
    return (uint32_t)((uint64_t)r->n_agents * s / r->n_shards);
}

/* Receiver range s: off[i + 1] becomes where receiver i's inbox starts, counted from
 * the range's own start; the range's total goes into shard_base[s] for now. */
static void s_prefix_task(void *arg, size_t s)
{
    nn_router_t *r = arg;
    uint32_t lo = s_shard_lo(r, s), hi = s_shard_lo(r, s + 1);
    uint64_t run = 0;
    for (uint32_t i = lo; i < hi; i++) {
        r->off[i + 1] = run;
        run += r->count[i];
    }
    r->shard_base[s] = run;
}

/* Receiver range s: moves its offsets to the range's place in deliv, then writes the
 * range's deliveries, reading every batch in node (hence sender) order. Scattering with
 * off[to + 1]++ leaves off[to + 1] at the start of the next inbox, so that off[0 .. N]
 * end up the inbox offsets. */
static void s_scatter_task(void *arg, size_t s)
{
    nn_router_t *r = arg;
    const uint32_t lo = s_shard_lo(r, s), span = s_shard_lo(r, s + 1) - lo;
    const float *standing = r->standing;
    const uint64_t *trends = r->trends;
    uint64_t *off = r->off;
    const uint64_t base = r->shard_base[s];
    for (uint32_t i = lo; i < lo + span; i++)
        off[i + 1] += base;
    nn_delivery_t *deliv = r->deliv;
    for (size_t k = 0; k < r->n_batches; k++) {
        const nn_router_batch_t *b = &r->batch[k];
        uint32_t prev = UINT32_MAX, seq = 0;
        for (size_t i = 0; i < b->n; i++) {
            const nn_msg_t *m = &b->msgs[i];
            seq = m->from == prev ? seq + 1 : 0;
            prev = m->from;
            if (m->to - lo >= span || (!b->clean && !b->keep[i]))
                continue;
            nn_delivery_t *d = &deliv[off[m->to + 1]++];
            d->from = m->from;
            d->seq = seq;
            d->value = m->value;
            d->trends = trends ? trends[m->from] : 0;
            d->standing = standing ? standing[m->from] : 1.0f;
            d->flags = m->flags;
        }
    }
}

int nn_router_finish(nn_router_t *r)
{
    if (r->failed)
        return NN_ENOMEM;
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
    r->off[0] = 0;
    nn_pool_run(r->pool, r->n_shards, s_prefix_task, r);
    uint64_t base = 0;
    for (size_t s = 0; s < r->n_shards; s++) {
        uint64_t n = r->shard_base[s];
        r->shard_base[s] = base;
        base += n;
    }
    nn_pool_run(r->pool, r->n_shards, s_scatter_task, r);
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
