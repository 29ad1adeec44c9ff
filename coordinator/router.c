/* Routing by stable counting sort; see router.h. */
#include "router.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
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
    case NN_DROP_OVER_LIMIT: return "over_limit";
    case NN_DROP_FAULT_LOSS: return "fault_loss";
    case NN_DROP_FAULT_PARTITION: return "fault_partition";
    case NN_DROP_FAULT_SILENT: return "fault_silent";
    case NN_DROP_FAULT_ABSENT: return "fault_absent";
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

void nn_router_set_hosts(nn_router_t *r, const uint32_t *host)
{
    r->host = host;
}

void nn_router_set_max_per_sender(nn_router_t *r, uint32_t max)
{
    r->max_per_sender = max;
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
    free(r->out_count);
    free(r->out_at);
    free(r->out);
    free(r->imports);
    free(r->mixed);
    free(r->deliv2);
    free(r->off2);
    memset(r, 0, sizeof *r);
}

int nn_router_set_ranks(nn_router_t *r, const uint32_t *owner, uint32_t me, uint32_t n_ranks)
{
    free(r->out_count);
    free(r->out_at);
    free(r->mixed);
    r->out_count = calloc(n_ranks ? n_ranks : 1, sizeof *r->out_count);
    r->out_at = calloc(n_ranks ? n_ranks : 1, sizeof *r->out_at);
    r->mixed = calloc(r->n_agents ? r->n_agents : 1, 1);
    if (!r->out_count || !r->out_at || !r->mixed) {
        r->owner = NULL;
        return NN_ENOMEM;
    }
    r->owner = owner;
    r->me = me;
    r->n_ranks = n_ranks;
    return NN_OK;
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
    if (r->out_count)
        memset(r->out_count, 0, r->n_ranks * sizeof *r->out_count);
    r->exported = 0;
    r->n_imports = 0;
    r->imported = 0;
}

/* The slow path of nn_router_add, for a batch with a drop or a check: decides each
 * message and marks the ones that go on. */
static size_t s_add_checked(nn_router_t *r, nn_router_batch_t *b, uint32_t k)
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
    const uint32_t *owner = r->owner, me = r->me;
    const uint32_t *host = r->host;
    const uint32_t cap = r->max_per_sender ? r->max_per_sender : UINT32_MAX;
    uint32_t prev = UINT32_MAX, seq = 0;
    size_t good = 0;
    for (size_t i = 0; i < b->n; i++) {
        const nn_msg_t *m = &b->msgs[i];
        seq = m->from == prev ? seq + 1 : 0;
        prev = m->from;
        nn_drop_rule_t rule = NN_DROP_PASS;
        if (m->from < b->lo || m->from >= b->hi || (owner && owner[m->from] != me) ||
            (host && host[m->from] != k))
            rule = NN_DROP_FOREIGN_SENDER;
        else if (m->to >= N)
            rule = NN_DROP_UNKNOWN_RECEIVER;
        else if (seq >= cap)
            rule = NN_DROP_OVER_LIMIT;
        else if (r->check)
            rule = r->check(r->check_ctx, m, seq);
        b->keep[i] = rule == NN_DROP_PASS;
        if (rule != NN_DROP_PASS) {
            r->dropped[rule]++;
        } else if (owner && owner[m->to] != me) {
            b->keep[i] = 2; /* goes out to the receiver's rank */
            r->out_count[owner[m->to]]++;
            r->exported++;
        } else {
            count[m->to]++;
            good++;
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
    const uint32_t cap = r->max_per_sender ? r->max_per_sender : UINT32_MAX;
    uint32_t prev = UINT32_MAX, run = 0;
    if (r->host) {
        /* hosts of scattered agents: every message takes the checked path */
    } else if (!r->check && r->owner) {
        /* ranks: a clean batch has only this rank's senders and known receivers; its
         * messages to other ranks are told apart again by owner[to] in the exports and
         * the scatter, so that no keep marks are written */
        uint32_t *count = r->count;
        size_t *out = r->out_count;
        const uint32_t N = r->n_agents, *owner = r->owner, me = r->me;
        size_t i = 0, ex = 0;
        for (; i < n; i++) {
            const nn_msg_t *m = &msgs[i];
            if (m->from < lo || m->from >= hi || owner[m->from] != me || m->to >= N)
                break;
            run = m->from == prev ? run + 1 : 0;
            prev = m->from;
            if (run >= cap)
                break;
            uint32_t q = owner[m->to];
            if (q == me) {
                count[m->to]++;
                good++;
            } else {
                out[q]++;
                ex++;
            }
        }
        if (i == n) {
            b->clean = 1;
            r->counted += good;
            r->exported += ex;
            return;
        }
        for (size_t j = 0; j < i; j++) { /* undo and take the slow path */
            uint32_t q = owner[msgs[j].to];
            if (q == me)
                count[msgs[j].to]--;
            else
                out[q]--;
        }
        good = 0;
    } else if (!r->check && !r->owner) {
        uint32_t *count = r->count;
        const uint32_t N = r->n_agents;
        for (size_t i = 0; i < n; i++) {
            const nn_msg_t *m = &msgs[i];
            if (m->from < lo || m->from >= hi || m->to >= N)
                break;
            run = m->from == prev ? run + 1 : 0;
            prev = m->from;
            if (run >= cap)
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
    good = s_add_checked(r, b, (uint32_t)k);
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

/* Receiver range s: moves its offsets to the range's place in deliv; *lo and *span say
 * which receivers it has. */
static void s_shard_begin(nn_router_t *r, size_t s, uint32_t *lo, uint32_t *span)
{
    *lo = s_shard_lo(r, s);
    *span = s_shard_lo(r, s + 1) - *lo;
    const uint64_t base = r->shard_base[s];
    for (uint32_t i = *lo; i < *lo + *span; i++)
        r->off[i + 1] += base;
}

/* Writes one of the rank's own messages into its receiver's inbox, stamped with what the
 * sender's standing and trends are. Scattering with off[to + 1]++ leaves off[to + 1] at
 * the start of the next inbox, so that off[0 .. N] end up the inbox offsets. */
static inline void s_put_msg(nn_router_t *r, const nn_msg_t *m, uint32_t seq)
{
    nn_delivery_t *d = &r->deliv[r->off[m->to + 1]++];
    d->from = m->from;
    d->seq = seq;
    d->value = m->value;
    d->trends = r->trends ? r->trends[m->from] : 0;
    d->standing = r->standing ? r->standing[m->from] : 1.0f;
    d->flags = m->flags;
}

/* Receiver range lo .. lo + span - 1: writes the rank's own deliveries, reading every
 * batch in node (hence sender) order. */
static void s_scatter_local(nn_router_t *r, uint32_t lo, uint32_t span)
{
    /* a clean batch's messages all go on, but under ranks those to other ranks' agents
     * go out instead; a checked batch's marks say which stay (1) */
    const uint32_t *owner = r->owner, me = r->me;
    for (size_t k = 0; k < r->n_batches; k++) {
        const nn_router_batch_t *b = &r->batch[k];
        uint32_t prev = UINT32_MAX, seq = 0;
        for (size_t i = 0; i < b->n; i++) {
            const nn_msg_t *m = &b->msgs[i];
            seq = m->from == prev ? seq + 1 : 0;
            prev = m->from;
            if (m->to - lo >= span || (b->clean ? owner && owner[m->to] != me : b->keep[i] != 1))
                continue;
            s_put_msg(r, m, seq);
        }
    }
}

static void s_scatter_task(void *arg, size_t s)
{
    nn_router_t *r = arg;
    uint32_t lo, span;
    s_shard_begin(r, s, &lo, &span);
    s_scatter_local(r, lo, span);
}

/* Whether an imported record's receiver is an agent of this rank's. */
static inline int s_imported_here(const nn_router_t *r, uint32_t to)
{
    return to < r->n_agents && (!r->owner || r->owner[to] == r->me);
}

/* ... and in the receiver range lo .. lo + span - 1. */
static inline int s_import_in(const nn_router_t *r, uint32_t to, uint32_t lo, uint32_t span)
{
    return to - lo < span && s_imported_here(r, to);
}

/* Canonical order within one inbox: sender, then the sender's sequence number (unique
 * per inbox, since one sender's messages of a round have distinct numbers). */
static int s_delivery_cmp(const void *a, const void *b)
{
    const nn_delivery_t *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void s_sort_inbox(nn_delivery_t *d, size_t n)
{
    if (n > 32) {
        qsort(d, n, sizeof *d, s_delivery_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) { /* small inboxes, mostly in order already */
        nn_delivery_t v = d[i];
        size_t j = i;
        while (j > 0 && s_delivery_cmp(&d[j - 1], &v) > 0) {
            d[j] = d[j - 1];
            j--;
        }
        d[j] = v;
    }
}

/* Receiver range s when nodes host scattered agents (nn_router_set_hosts): batches come
 * node by node, not in sender order, so every inbox of two or more is sorted after the
 * scatter. */
static void s_scatter_hosts_task(void *arg, size_t s)
{
    nn_router_t *r = arg;
    uint32_t lo, span;
    s_shard_begin(r, s, &lo, &span);
    s_scatter_local(r, lo, span);
    for (uint32_t to = lo; to < lo + span; to++)
        if (r->count[to] > 1)
            s_sort_inbox(r->deliv + r->off[to + 1] - r->count[to], r->count[to]);
}

/* Receiver range s in MPI mode: this rank's messages as in s_scatter_task, then the other
 * ranks' records after them in each inbox, then each inbox that got records put back in
 * canonical order (sender, then sequence) whichever ranks its senders live on. Only the
 * receivers of cut edges need the sort, so the common case costs what one process's
 * scatter does. */
static void s_scatter_ranks_task(void *arg, size_t s)
{
    nn_router_t *r = arg;
    uint32_t lo, span;
    s_shard_begin(r, s, &lo, &span);
    s_scatter_local(r, lo, span);
    uint8_t *mixed = r->mixed;
    for (size_t j = 0; j < r->n_imports; j++) {
        const nn_router_import_t *g = &r->imports[j];
        for (size_t i = 0; i < g->n; i++) {
            const nn_xrec_t *x = &g->recs[i];
            if (!s_import_in(r, x->to, lo, span))
                continue;
            nn_delivery_t *d = &r->deliv[r->off[x->to + 1]++];
            d->from = x->from;
            d->seq = x->seq;
            d->value = x->value;
            d->trends = x->trends;
            d->standing = x->standing;
            d->flags = x->flags;
            mixed[x->to] = 1;
        }
    }
    for (size_t j = 0; j < r->n_imports; j++) {
        const nn_router_import_t *g = &r->imports[j];
        for (size_t i = 0; i < g->n; i++) {
            uint32_t to = g->recs[i].to;
            if (!s_import_in(r, to, lo, span) || !mixed[to])
                continue;
            mixed[to] = 0;
            /* off[to + 1] is the end of to's inbox now; count[to] its length */
            s_sort_inbox(r->deliv + r->off[to + 1] - r->count[to], r->count[to]);
        }
    }
}

int nn_router_exports(nn_router_t *r)
{
    if (r->failed) /* a keep array is short: nn_router_finish says so too */
        return NN_ENOMEM;
    if (!r->owner)
        return NN_OK;
    if (r->exported > r->out_cap) {
        size_t cap = r->out_cap ? r->out_cap : 1024;
        while (cap < r->exported)
            cap *= 2;
        nn_xrec_t *o = realloc(r->out, cap * sizeof *o);
        if (!o) {
            r->failed = 1;
            return NN_ENOMEM;
        }
        r->out = o;
        r->out_cap = cap;
    }
    size_t run = 0;
    for (uint32_t q = 0; q < r->n_ranks; q++) {
        r->out_at[q] = run;
        run += r->out_count[q];
    }
    if (r->exported == 0)
        return NN_OK;
    size_t *fill = r->out_count; /* becomes each rank's end, then back to its count */
    for (uint32_t q = 0; q < r->n_ranks; q++)
        fill[q] = r->out_at[q];
    const float *standing = r->standing;
    const uint64_t *trends = r->trends;
    for (size_t k = 0; k < r->n_batches; k++) {
        const nn_router_batch_t *b = &r->batch[k];
        uint32_t prev = UINT32_MAX, seq = 0;
        for (size_t i = 0; i < b->n; i++) {
            const nn_msg_t *m = &b->msgs[i];
            seq = m->from == prev ? seq + 1 : 0;
            prev = m->from;
            /* a clean batch's messages all passed: those to other ranks leave */
            if (b->clean ? r->owner[m->to] == r->me : b->keep[i] != 2)
                continue;
            nn_xrec_t *x = &r->out[fill[r->owner[m->to]]++];
            x->from = m->from;
            x->to = m->to;
            x->seq = seq;
            x->flags = m->flags;
            x->value = m->value;
            x->trends = trends ? trends[m->from] : 0;
            x->standing = standing ? standing[m->from] : 1.0f;
            x->pad = 0;
        }
    }
    for (uint32_t q = 0; q < r->n_ranks; q++)
        fill[q] -= r->out_at[q];
    return NN_OK;
}

int nn_router_imports(nn_router_t *r, const nn_router_import_t *seg, size_t n_seg)
{
    if (!r->owner) /* imports are merged only by a router of ranks */
        return n_seg ? NN_EINVAL : NN_OK;
    if (n_seg > r->imports_cap) {
        nn_router_import_t *g = realloc(r->imports, n_seg * sizeof *g);
        if (!g) {
            r->failed = 1;
            return NN_ENOMEM;
        }
        r->imports = g;
        r->imports_cap = n_seg;
    }
    r->n_imports = 0;
    for (size_t j = 0; j < n_seg; j++) {
        size_t good = 0;
        for (size_t i = 0; i < seg[j].n; i++) {
            uint32_t to = seg[j].recs[i].to;
            if (s_imported_here(r, to)) {
                r->count[to]++;
                good++;
            }
        }
        /* not expected from a rank of the same run; the merge skips them too */
        r->dropped[NN_DROP_UNKNOWN_RECEIVER] += seg[j].n - good;
        r->counted += good;
        r->imported += good;
        r->imports[r->n_imports++] = seg[j];
    }
    return NN_OK;
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
    nn_pool_run(r->pool, r->n_shards,
                r->owner  ? s_scatter_ranks_task
                : r->host ? s_scatter_hosts_task
                          : s_scatter_task,
                r);
    r->routed = total;
    return NN_OK;
}

int nn_router_reshape(nn_router_t *r, nn_router_fate_fn fate, void *ctx,
                      const nn_router_late_t *late, size_t n_late)
{
    const uint32_t N = r->n_agents;
    for (size_t j = 0; j < n_late; j++)
        if (late[j].to >= N || (j && late[j].to < late[j - 1].to))
            return NN_EINVAL;                    /* each would be lost unseen */
    size_t cap = (size_t)r->routed * 2 + n_late; /* every delivery twice, at most */
    if (cap > r->deliv2_cap || !r->deliv2) {
        nn_delivery_t *d = realloc(r->deliv2, (cap ? cap : 1) * sizeof *d);
        if (!d)
            return NN_ENOMEM;
        r->deliv2 = d;
        r->deliv2_cap = cap;
    }
    if (!r->off2 && !(r->off2 = calloc((size_t)N + 2, sizeof *r->off2)))
        return NN_ENOMEM;
    nn_delivery_t *out = r->deliv2;
    uint64_t *off = r->off2, at = 0;
    size_t j = 0;
    for (uint32_t i = 0; i < N; i++) {
        off[i] = at;
        for (uint64_t k = r->off[i]; k < r->off[i + 1]; k++) {
            const nn_delivery_t *d = &r->deliv[k];
            nn_router_fate_t f = fate ? fate(ctx, i, d) : NN_FATE_DELIVER;
            if (f == NN_FATE_HOLD)
                continue;
            out[at++] = *d;
            if (f == NN_FATE_TWICE)
                out[at++] = *d;
        }
        int mixed = 0;
        for (; j < n_late && late[j].to == i; j++, mixed = 1)
            out[at++] = late[j].d;
        if (mixed)
            s_sort_inbox(out + off[i], (size_t)(at - off[i]));
    }
    off[N] = off[N + 1] = at;
    r->off2 = r->off;
    r->off = off;
    r->deliv2 = r->deliv;
    r->deliv = out;
    size_t c = r->deliv_cap;
    r->deliv_cap = r->deliv2_cap;
    r->deliv2_cap = c;
    r->routed = at;
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

void nn_router_tick_ids(const nn_router_t *r, const uint32_t *ids, size_t n, uint64_t *off,
                        nn_tick_t *t)
{
    /* the agents between two of ids live on other ranks and have empty inboxes here, so
     * each inbox ends where the next of ids starts */
    for (size_t i = 0; i < n; i++)
        off[i] = r->off[ids[i]];
    off[n] = n ? r->off[ids[n - 1] + 1] : 0;
    t->n_runs = n;
    t->first_agent = n ? ids[0] : 0;
    t->receiver = ids;
    t->inbox_off = off;
    t->deliveries = r->deliv;
}

/* --- checkpoints ----------------------------------------------------------------------- */

int nn_router_save(const nn_router_t *r, nn_ckpt_writer_t *w)
{
    nn_ckpt_put_u64(w, NN_CKPT_TAG_ROUTER + 0, r->n_agents);
    nn_ckpt_put(w, NN_CKPT_TAG_ROUTER + 1, r->off, ((size_t)r->n_agents + 2) * sizeof *r->off);
    nn_ckpt_put(w, NN_CKPT_TAG_ROUTER + 2, r->deliv, (size_t)r->routed * sizeof *r->deliv);
    return NN_OK;
}

int nn_router_load(nn_router_t *r, nn_ckpt_reader_t *rd)
{
    uint64_t n = 0;
    if (nn_ckpt_get_u64(rd, NN_CKPT_TAG_ROUTER + 0, &n) != NN_OK)
        return NN_EPROTO;
    if (n != r->n_agents) {
        return nn_ckpt_misfit(
            rd, "router: the checkpoint is of %" PRIu64 " agents, the scenario has %" PRIu32, n,
            r->n_agents);
    }
    if (nn_ckpt_get(rd, NN_CKPT_TAG_ROUTER + 1, r->off, ((size_t)n + 2) * sizeof *r->off) != NN_OK)
        return NN_EPROTO;
    size_t bytes = 0;
    const nn_delivery_t *d = nn_ckpt_take(rd, NN_CKPT_TAG_ROUTER + 2, &bytes);
    if (!d)
        return NN_EPROTO;
    size_t routed = bytes / sizeof *d;
    /* off[n + 1] is the scatter's scratch: only off[0 .. n] are the inboxes */
    int ok = bytes % sizeof *d == 0 && r->off[0] == 0 && r->off[n] == routed;
    for (uint32_t i = 0; ok && i < n; i++)
        ok = r->off[i] <= r->off[i + 1];
    for (size_t k = 0; ok && k < routed; k++)
        ok = d[k].from < n && isfinite(d[k].value) && isfinite(d[k].standing);
    if (!ok) {
        memset(r->off, 0, ((size_t)n + 2) * sizeof *r->off);
        return nn_ckpt_misfit(rd, "router: the routed inboxes are inconsistent");
    }
    if (routed > r->deliv_cap) {
        nn_delivery_t *nd = realloc(r->deliv, routed * sizeof *nd);
        if (!nd)
            return NN_ENOMEM;
        r->deliv = nd;
        r->deliv_cap = routed;
    }
    if (routed)
        memcpy(r->deliv, d, bytes);
    r->routed = routed;
    return NN_OK;
}
