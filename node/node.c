/* The node runtime: hosts a set of agents, steps each of them once per round on its
 * inbox, and collects their messages and states. This is the per-message hot path on
 * the node side: one indirect call per agent, no allocation once the outbox has grown
 * to its working size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/node.h"

typedef struct s_pop {
    const nn_behaviour_ops_t *ops;
    double params[NN_MAX_PARAMS];
} s_pop_t;

struct nn_node {
    uint64_t seed;
    uint64_t stream_key;     /* nn_rng_stream_key(seed, NN_STREAM_BEHAVIOUR) */
    uint64_t rounds;         /* the run's last round: the digest is computed there */
    size_t n;                /* hosted agents */
    uint32_t first_agent;    /* when ids is NULL: contiguous hosting */
    const uint32_t *ids;     /* borrowed, or NULL */
    const uint8_t *pop;      /* borrowed */
    const uint64_t *nbr_off; /* borrowed, n + 1 */
    const uint32_t *nbr;     /* borrowed */
    const uint8_t *role;     /* borrowed, or NULL: citizens */
    const uint32_t *group;   /* borrowed, or NULL: group 0 */
    const uint32_t *sup;     /* borrowed, or NULL: no superiors */
    size_t n_pops;
    s_pop_t pops[NN_MAX_POPULATIONS];
    double *state;     /* owned, n */
    uint64_t *run_off; /* owned, n + 1: per hosted agent inbox offsets (remapped ticks) */
    nn_outbox_t out;
};

static inline uint32_t s_id(const nn_node_t *n, size_t i)
{
    return n->ids ? n->ids[i] : n->first_agent + (uint32_t)i;
}

int nn_node_new(nn_node_t **out, const nn_welcome_t *w, char *err, size_t errlen)
{
    *out = NULL;
    if (w->n_populations > NN_MAX_POPULATIONS || (w->n_agents && w->n_populations == 0)) {
        snprintf(err, errlen, "welcome lists %zu populations (1..%d allowed)", w->n_populations,
                 NN_MAX_POPULATIONS);
        return NN_EPROTO;
    }
    nn_node_t *n = calloc(1, sizeof *n);
    if (!n)
        return NN_ENOMEM;
    n->seed = w->seed;
    n->stream_key = nn_rng_stream_key(w->seed, NN_STREAM_BEHAVIOUR);
    n->rounds = w->rounds;
    n->n = w->n_agents;
    n->first_agent = w->first_agent;
    n->ids = w->agent;
    n->pop = w->population;
    n->nbr_off = w->nbr_off;
    n->nbr = w->nbr;
    n->role = w->role;
    n->group = w->group;
    n->sup = w->superior;
    n->n_pops = w->n_populations;
    for (size_t p = 0; p < w->n_populations; p++) {
        const nn_population_desc_t *d = &w->populations[p];
        const nn_behaviour_ops_t *ops = nn_behaviour_find(d->behaviour);
        if (!ops) {
            snprintf(err, errlen, "unknown behaviour '%s' (this node runs the built-in ones)",
                     d->behaviour);
            nn_node_destroy(&n);
            return NN_EPROTO;
        }
        n->pops[p].ops = ops;
        for (size_t k = 0; k < ops->n_params; k++)
            n->pops[p].params[k] = ops->params[k].def;
        for (size_t k = 0; k < d->n_params; k++) {
            int idx = nn_behaviour_param_index(ops, d->param_name[k]);
            if (idx < 0) {
                snprintf(err, errlen, "unknown parameter '%s' of behaviour '%s'", d->param_name[k],
                         d->behaviour);
                nn_node_destroy(&n);
                return NN_EPROTO;
            }
            n->pops[p].params[idx] = d->param_value[k];
        }
    }
    for (size_t i = 0; i < n->n; i++) {
        if (n->pop[i] >= n->n_pops) {
            snprintf(err, errlen, "agent %u has population %u of %zu", s_id(n, i), n->pop[i],
                     n->n_pops);
            nn_node_destroy(&n);
            return NN_EPROTO;
        }
        if (i && s_id(n, i) <= s_id(n, i - 1)) {
            snprintf(err, errlen, "hosted agents do not ascend at agent %u", s_id(n, i));
            nn_node_destroy(&n);
            return NN_EPROTO;
        }
    }
    n->state = malloc((n->n ? n->n : 1) * sizeof *n->state);
    n->run_off = malloc((n->n + 1) * sizeof *n->run_off);
    if (!n->state || !n->run_off) {
        nn_node_destroy(&n);
        return NN_ENOMEM;
    }
    if (n->n)
        memcpy(n->state, w->state, n->n * sizeof *n->state);
    *out = n;
    return NN_OK;
}

void nn_node_destroy(nn_node_t **pn)
{
    nn_node_t *n = *pn;
    if (!n)
        return;
    free(n->state);
    free(n->run_off);
    nn_outbox_release(&n->out);
    free(n);
    *pn = NULL;
}

size_t nn_node_agent_count(const nn_node_t *n)
{
    return n->n;
}

/* Turns a tick given as runs of receivers into one offset per hosted agent: agent i
 * reads [off[i], off[i + 1]). The fast case (one run per hosted agent, in order) needs
 * no work; otherwise hosted agents without a run get an empty inbox where the next run
 * starts, and a non-empty run for an agent not hosted here is refused. */
static int s_inbox_offsets(nn_node_t *n, const nn_tick_t *t, const uint64_t **off, char *err,
                           size_t errlen)
{
    if (!t || t->n_runs == 0) {
        memset(n->run_off, 0, (n->n + 1) * sizeof *n->run_off);
        *off = n->run_off;
        return NN_OK;
    }
    if (!t->receiver && !n->ids && t->first_agent == n->first_agent && t->n_runs == n->n) {
        *off = t->inbox_off;
        return NN_OK;
    }
    const uint64_t *in = t->inbox_off;
    for (size_t r = 0; r < t->n_runs; r++) {
        uint32_t to = t->receiver ? t->receiver[r] : t->first_agent + (uint32_t)r;
        uint32_t prev = r == 0 ? 0 : (t->receiver ? t->receiver[r - 1] : to - 1);
        if (in[r + 1] < in[r] || (r > 0 && to <= prev)) {
            snprintf(err, errlen, "tick runs do not ascend at receiver %u", to);
            return NN_EPROTO;
        }
    }
    size_t r = 0;
    for (size_t i = 0; i < n->n; i++) {
        uint32_t id = s_id(n, i);
        for (; r < t->n_runs; r++) {
            uint32_t to = t->receiver ? t->receiver[r] : t->first_agent + (uint32_t)r;
            if (to >= id)
                break;
            if (in[r + 1] != in[r]) {
                snprintf(err, errlen, "tick delivers to agent %u, which this node does not host",
                         to);
                return NN_EPROTO;
            }
        }
        n->run_off[i] = in[r];
        if (r < t->n_runs && (t->receiver ? t->receiver[r] : t->first_agent + (uint32_t)r) == id)
            r++;
    }
    for (; r < t->n_runs; r++)
        if (in[r + 1] != in[r]) {
            uint32_t to = t->receiver ? t->receiver[r] : t->first_agent + (uint32_t)r;
            snprintf(err, errlen, "tick delivers to agent %u, which this node does not host", to);
            return NN_EPROTO;
        }
    n->run_off[n->n] = in[t->n_runs];
    *off = n->run_off;
    return NN_OK;
}

int nn_node_step(nn_node_t *n, uint64_t round, const nn_tick_t *t, nn_actions_t *out, char *err,
                 size_t errlen)
{
    const uint64_t *off;
    int rc = s_inbox_offsets(n, t, &off, err, errlen);
    if (rc != NN_OK)
        return rc;
    const nn_delivery_t *deliv = t ? t->deliveries : NULL;
    /* the digest costs two hashes an agent: it is only wanted after the last round */
    const int want_digest = round >= n->rounds;
    uint64_t digest = 0;
    n->out.len = 0;
    n->out.failed = 0;
    nn_agent_t a;
    a.round = round;
    a.out = &n->out;
    for (size_t i = 0; i < n->n; i++) {
        const s_pop_t *p = &n->pops[n->pop[i]];
        a.id = s_id(n, i);
        a.x = n->state[i];
        a.inbox = deliv ? deliv + off[i] : NULL;
        a.n_inbox = (size_t)(off[i + 1] - off[i]);
        a.nbrs = n->nbr + n->nbr_off[i];
        a.n_nbrs = (size_t)(n->nbr_off[i + 1] - n->nbr_off[i]);
        a.params = p->params;
        a.role = n->role ? n->role[i] : 0;
        a.group = n->group ? n->group[i] : 0;
        a.superior = n->sup ? n->sup[i] : NN_NO_AGENT;
        nn_rng_init_keyed(&a.rng, n->stream_key, a.id, round);
        p->ops->step(&a);
        n->state[i] = a.x;
    }
    if (want_digest)
        for (size_t i = 0; i < n->n; i++)
            digest += nn_digest_agent(s_id(n, i), n->state[i]);
    if (n->out.failed) {
        snprintf(err, errlen, "out of memory for the messages of round %llu",
                 (unsigned long long)round);
        return NN_ENOMEM;
    }
    out->n_msgs = n->out.len;
    out->msgs = n->out.msgs;
    out->n_state = n->n;
    out->state = n->state;
    out->digest = digest;
    return NN_OK;
}
