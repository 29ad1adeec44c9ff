/* The node runtime: hosts a set of agents, steps each of them once per round on its
 * inbox, and collects their messages and states. This is the per-message hot path on
 * the node side: one indirect call per agent, no allocation once the outbox has grown
 * to its working size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nunchi/digest.h"
#include "nunchi/error.h"
#include "nunchi/node.h"

typedef struct s_pop {
    const nn_behaviour_ops_t *ops;
    double params[NN_MAX_PARAMS]; /* constants, or a distribution's first number */
    uint8_t dist[NN_MAX_PARAMS];  /* nn_dist_t */
    double b[NN_MAX_PARAMS];      /* a distribution's second number */
    int drawn;                    /* some parameter is drawn per agent */
    void *ctx;                    /* batch behaviours: their state on this node */
    int opened;
} s_pop_t;

struct nn_node {
    uint64_t seed;
    uint64_t stream_key;     /* nn_rng_stream_key(seed, NN_STREAM_BEHAVIOUR) */
    uint64_t traits_key;     /* nn_rng_stream_key(seed, NN_STREAM_TRAITS) */
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
    uint64_t *trends;  /* owned, n, or NULL while every agent's trends are 0 */
    uint64_t *memory;  /* owned, n, or NULL while every agent's memory is 0 */
    uint64_t *run_off; /* owned, n + 1: per hosted agent inbox offsets (remapped ticks) */
    nn_outbox_t out;
    nn_actbox_t acts;
    /* batch behaviours (nn_behaviour_ops_t.prepare): what prepare left for each agent,
     * and the views and parameters of one population's agents, grown as needed */
    int batch;
    void **prepared; /* n, or NULL without batch behaviours */
    nn_agent_t *views;
    double *view_params;
    void **slots;
    size_t views_cap;
    /* texts: what the agents say (nn_say), and per delivery of the tick being stepped
     * its sender's text (inbox_texts, n_inbox_texts entries, NULL without texts) */
    nn_saybox_t says;
    const char **say_ptr; /* says.len pointers for the actions */
    size_t say_ptr_cap;
    const char **inbox_texts;
    size_t inbox_texts_cap;
    int inbox_texts_used;
    nn_spend_t spend; /* the round's, from the batch behaviours */
};

void nn_say(nn_agent_t *a, const char *text)
{
    nn_saybox_t *b = a->says;
    if (!b || !text)
        return;
    if (b->len && b->agent[b->len - 1] == a->id)
        b->used = b->off[--b->len]; /* a second text in the same step replaces the first */
    size_t len = strlen(text) + 1;
    if (b->len == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        uint32_t *ag = realloc(b->agent, cap * sizeof *ag);
        if (ag)
            b->agent = ag;
        size_t *off = realloc(b->off, cap * sizeof *off);
        if (off)
            b->off = off;
        if (!ag || !off) {
            b->failed = 1;
            return;
        }
        b->cap = cap;
    }
    if (b->used + len > b->bytes_cap) {
        size_t cap = b->bytes_cap ? b->bytes_cap : 4096;
        while (cap < b->used + len)
            cap *= 2;
        char *by = realloc(b->bytes, cap);
        if (!by) {
            b->failed = 1;
            return;
        }
        b->bytes = by;
        b->bytes_cap = cap;
    }
    memcpy(b->bytes + b->used, text, len);
    b->agent[b->len] = a->id;
    b->off[b->len++] = b->used;
    b->used += len;
}

int nn_spend_latency(nn_spend_t *s, double latency_s)
{
    if (s->n_latency == s->latency_cap) {
        size_t cap = s->latency_cap ? 2 * s->latency_cap : 256;
        float *v = realloc(s->latency_s, cap * sizeof *v);
        if (!v)
            return -1;
        s->latency_s = v;
        s->latency_cap = cap;
    }
    s->latency_s[s->n_latency++] = (float)latency_s;
    return 0;
}

static inline uint32_t s_id(const nn_node_t *n, size_t i)
{
    return n->ids ? n->ids[i] : n->first_agent + (uint32_t)i;
}

static int s_keep_word(uint64_t **arr, size_t n, size_t i, uint64_t v);

int nn_node_new(nn_node_t **out, const nn_welcome_t *w, char *err, size_t errlen)
{
    return nn_node_new_claimed(out, w, NULL, 0, err, errlen);
}

/* The behaviour that runs population d: its own, or for an external population the one
 * of the claim that names it. */
static const nn_behaviour_ops_t *s_pop_ops(const nn_population_desc_t *d, const nn_claim_t *claims,
                                           size_t n_claims, char *err, size_t errlen)
{
    if (strcmp(d->behaviour, NN_BEHAVIOUR_EXTERNAL) != 0) {
        const nn_behaviour_ops_t *ops = nn_behaviour_find(d->behaviour);
        if (!ops)
            snprintf(err, errlen, "unknown behaviour '%s' (this node runs the built-in ones)",
                     d->behaviour);
        return ops;
    }
    for (size_t c = 0; c < n_claims; c++) {
        if (strcmp(claims[c].population, d->name) != 0)
            continue;
        const nn_behaviour_ops_t *ops = nn_behaviour_find(claims[c].behaviour);
        if (!ops)
            snprintf(err, errlen,
                     "external population '%s' is claimed for behaviour '%s', which "
                     "this node does not have",
                     d->name, claims[c].behaviour);
        return ops;
    }
    snprintf(err, errlen, "external population '%s' is not one this node claims", d->name);
    return NULL;
}

int nn_node_new_claimed(nn_node_t **out, const nn_welcome_t *w, const nn_claim_t *claims,
                        size_t n_claims, char *err, size_t errlen)
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
    n->traits_key = nn_rng_stream_key(w->seed, NN_STREAM_TRAITS);
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
        const nn_behaviour_ops_t *ops = s_pop_ops(d, claims, n_claims, err, errlen);
        if (!ops && strcmp(d->behaviour, NN_BEHAVIOUR_EXTERNAL) == 0) {
            err[0] = '\0';
            continue; /* someone else's external population: fails only if we host it */
        }
        if (!ops) {
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
                         ops->name);
                nn_node_destroy(&n);
                return NN_EPROTO;
            }
            if (d->param_dist[k] > NN_DIST_NORMAL) {
                snprintf(err, errlen, "parameter '%s' of behaviour '%s' has distribution %u (0..2)",
                         d->param_name[k], d->behaviour, d->param_dist[k]);
                nn_node_destroy(&n);
                return NN_EPROTO;
            }
            n->pops[p].params[idx] = d->param_value[k];
            n->pops[p].dist[idx] = d->param_dist[k];
            n->pops[p].b[idx] = d->param_b[k];
            if (d->param_dist[k] != NN_DIST_CONSTANT)
                n->pops[p].drawn = 1;
        }
    }
    for (size_t i = 0; i < n->n; i++) {
        if (n->pop[i] >= n->n_pops) {
            snprintf(err, errlen, "agent %u has population %u of %zu", s_id(n, i), n->pop[i],
                     n->n_pops);
            nn_node_destroy(&n);
            return NN_EPROTO;
        }
        if (!n->pops[n->pop[i]].ops) {
            snprintf(err, errlen,
                     "agent %u belongs to the external population '%s', which this node does not "
                     "claim",
                     s_id(n, i), w->populations[n->pop[i]].name);
            nn_node_destroy(&n);
            return NN_EPROTO;
        }
        if (i && s_id(n, i) <= s_id(n, i - 1)) {
            snprintf(err, errlen, "hosted agents do not ascend at agent %u", s_id(n, i));
            nn_node_destroy(&n);
            return NN_EPROTO;
        }
    }
    for (size_t p = 0; p < n->n_pops; p++) {
        s_pop_t *sp = &n->pops[p];
        if (!sp->ops || !sp->ops->prepare)
            continue;
        n->batch = 1;
        if (sp->ops->open) {
            int orc = sp->ops->open(&sp->ctx, w, p, err, errlen);
            if (orc != NN_OK) {
                nn_node_destroy(&n);
                return orc;
            }
        }
        sp->opened = 1;
    }
    if (n->batch && !(n->prepared = calloc(n->n ? n->n : 1, sizeof *n->prepared))) {
        nn_node_destroy(&n);
        return NN_ENOMEM;
    }
    n->state = malloc((n->n ? n->n : 1) * sizeof *n->state);
    n->run_off = malloc((n->n + 1) * sizeof *n->run_off);
    if (!n->state || !n->run_off) {
        nn_node_destroy(&n);
        return NN_ENOMEM;
    }
    if (n->n)
        memcpy(n->state, w->state, n->n * sizeof *n->state);
    /* a node that joins during the run starts from its agents' words as they are now */
    for (size_t i = 0; i < n->n; i++)
        if (s_keep_word(&n->trends, n->n, i, w->trends ? w->trends[i] : 0) != NN_OK ||
            s_keep_word(&n->memory, n->n, i, w->memory ? w->memory[i] : 0) != NN_OK) {
            nn_node_destroy(&n);
            return NN_ENOMEM;
        }
    *out = n;
    return NN_OK;
}

void nn_node_destroy(nn_node_t **pn)
{
    nn_node_t *n = *pn;
    if (!n)
        return;
    for (size_t p = 0; p < n->n_pops; p++)
        if (n->pops[p].opened && n->pops[p].ops->close)
            n->pops[p].ops->close(n->pops[p].ctx);
    free(n->prepared);
    free(n->views);
    free(n->view_params);
    free(n->slots);
    free(n->state);
    free(n->trends);
    free(n->memory);
    free(n->run_off);
    free(n->says.agent);
    free(n->says.off);
    free(n->says.bytes);
    free(n->say_ptr);
    free(n->inbox_texts);
    free(n->spend.latency_s);
    nn_outbox_release(&n->out);
    nn_actbox_release(&n->acts);
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

/* Draws agent `id`'s parameters of population p into out: the constants as they are,
 * each distributed one from its own generator (seed, NN_STREAM_TRAITS, id, k), so that
 * every node draws the same values for the same agent. */
static void s_draw_params(const nn_node_t *n, const s_pop_t *p, uint32_t id, double *out)
{
    for (size_t k = 0; k < p->ops->n_params; k++) {
        double v = p->params[k];
        if (p->dist[k] != NN_DIST_CONSTANT) {
            nn_rng_t g;
            nn_rng_init_keyed(&g, n->traits_key, id, k);
            if (p->dist[k] == NN_DIST_UNIFORM)
                v = p->params[k] + (p->b[k] - p->params[k]) * nn_rng_unit(&g);
            else
                v = p->params[k] + p->b[k] * nn_rng_normal(&g);
            const nn_param_spec_t *sp = &p->ops->params[k];
            v = v < sp->min ? sp->min : v > sp->max ? sp->max : v;
        }
        out[k] = v;
    }
}

/* Keeps an agent's trends or memory word: the array is made on the first word that is
 * not 0, so that behaviours without them cost nothing. NN_OK or NN_ENOMEM. */
static int s_keep_word(uint64_t **arr, size_t n, size_t i, uint64_t v)
{
    if (!*arr) {
        if (!v)
            return NN_OK;
        *arr = calloc(n, sizeof **arr);
        if (!*arr)
            return NN_ENOMEM;
    }
    (*arr)[i] = v;
    return NN_OK;
}

/* What one agent's step appended must be what the protocol carries (finite values, a
 * hostility in [0, 1], known flags), checked here while it is in cache, so that a faulty
 * behaviour fails alike whether its node is a thread or a process. NN_OK or NN_EPROTO. */
static int s_check_output(const nn_node_t *n, size_t first_msg, size_t first_act, size_t first_say,
                          uint32_t id, uint64_t round, char *err, size_t errlen)
{
    if (n->says.len > first_say && !nn_text_valid(n->says.bytes + n->says.off[first_say])) {
        snprintf(err, errlen,
                 "agent %u said a text of %zu bytes in round %llu that is not at most %d bytes of "
                 "UTF-8",
                 id, strlen(n->says.bytes + n->says.off[first_say]), (unsigned long long)round,
                 NN_TEXT_BYTES);
        return NN_EPROTO;
    }
    for (size_t j = first_msg; j < n->out.len; j++) {
        const nn_msg_t *m = &n->out.msgs[j];
        if (!isfinite(m->value) || !(m->hostility >= 0.0f && m->hostility <= 1.0f) ||
            (m->flags & ~NN_MSG_DEFECT)) {
            snprintf(err, errlen,
                     "agent %u sent a message in round %llu with value %g, hostility %g and "
                     "flags %#x (values are finite, hostility in [0, 1], flags only "
                     "NN_MSG_DEFECT)",
                     id, (unsigned long long)round, m->value, (double)m->hostility, m->flags);
            return NN_EPROTO;
        }
    }
    for (size_t j = first_act; j < n->acts.len; j++) {
        const nn_act_t *t = &n->acts.acts[j];
        if (!isfinite(t->value) || t->kind == NN_ACT_NONE || t->kind >= NN_ACT_KINDS) {
            snprintf(err, errlen, "agent %u made act kind %u in round %llu with value %g", id,
                     t->kind, (unsigned long long)round, t->value);
            return NN_EPROTO;
        }
    }
    return NN_OK;
}

/* Agent i's view for its step in round `round`: its state, inbox, neighbours, parameters
 * (drawn into drawn when the population draws them), structure, words (with the trends of
 * its TREND notices set) and notices, which start at *nj in the tick; *nj moves past
 * them. NN_OK, or NN_EPROTO for a notice to an agent the node does not host. */
static int s_view(const nn_node_t *n, size_t i, uint64_t round, const nn_tick_t *t,
                  const uint64_t *off, size_t *nj, nn_agent_t *a, double *drawn, char *err,
                  size_t errlen)
{
    const s_pop_t *p = &n->pops[n->pop[i]];
    const size_t n_notices = t ? t->n_notices : 0;
    const uint32_t *notice_to = t ? t->notice_to : NULL;
    a->id = s_id(n, i);
    a->round = round;
    a->x = n->state[i];
    a->inbox = t && t->deliveries ? t->deliveries + off[i] : NULL;
    a->n_inbox = (size_t)(off[i + 1] - off[i]);
    a->nbrs = n->nbr + n->nbr_off[i];
    a->n_nbrs = (size_t)(n->nbr_off[i + 1] - n->nbr_off[i]);
    if (p->drawn) {
        s_draw_params(n, p, a->id, drawn);
        a->params = drawn;
    } else {
        a->params = p->params;
    }
    a->role = n->role ? n->role[i] : 0;
    a->group = n->group ? n->group[i] : 0;
    a->superior = n->sup ? n->sup[i] : NN_NO_AGENT;
    a->trends = n->trends ? n->trends[i] : 0;
    a->memory = n->memory ? n->memory[i] : 0;
    if (*nj < n_notices && notice_to[*nj] < a->id) {
        snprintf(err, errlen, "tick has a notice for agent %u, which this node does not host",
                 notice_to[*nj]);
        return NN_EPROTO;
    }
    size_t nk = *nj;
    while (nk < n_notices && notice_to[nk] == a->id) {
        const nn_notice_t *no = &t->notices[nk];
        if (no->kind == NN_NOTICE_TREND && no->arg < 64)
            a->trends |= (uint64_t)1 << no->arg;
        nk++;
    }
    a->notices = nk > *nj ? t->notices + *nj : NULL;
    a->n_notices = nk - *nj;
    *nj = nk;
    nn_rng_init_keyed(&a->rng, n->stream_key, a->id, round);
    a->ctx = p->ctx;
    a->prepared = NULL;
    a->texts = n->inbox_texts_used ? n->inbox_texts + off[i] : NULL;
    return NN_OK;
}

/* Each delivery's sender text, from the tick's table of texts: n->inbox_texts, or NULL
 * when the tick has none. NN_OK or NN_ENOMEM. */
static int s_inbox_texts(nn_node_t *n, const nn_tick_t *t, const uint64_t *off)
{
    if (!t || !t->texts.n) {
        n->inbox_texts_used = 0;
        return NN_OK;
    }
    size_t total = (size_t)off[n->n];
    if (total > n->inbox_texts_cap || !n->inbox_texts) {
        const char **v = realloc(n->inbox_texts, (total ? total : 1) * sizeof *v);
        if (!v)
            return NN_ENOMEM;
        n->inbox_texts = v;
        n->inbox_texts_cap = total;
    }
    const nn_texts_t *tx = &t->texts;
    for (size_t i = 0; i < n->n; i++)
        for (uint64_t j = off[i]; j < off[i + 1]; j++) {
            uint32_t from = t->deliveries[j].from;
            size_t lo = 0, hi = tx->n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (tx->from[mid] < from)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            n->inbox_texts[j] = lo < tx->n && tx->from[lo] == from ? tx->text[lo] : NULL;
        }
    n->inbox_texts_used = 1;
    return NN_OK;
}

/* Batch behaviours: each population's prepare, on the views of its agents, before any
 * agent steps; what it leaves goes into n->prepared. */
static int s_prepare(nn_node_t *n, uint64_t round, const nn_tick_t *t, const uint64_t *off,
                     char *err, size_t errlen)
{
    if (n->n > n->views_cap) {
        nn_agent_t *v = realloc(n->views, n->n * sizeof *v);
        if (v)
            n->views = v;
        double *pp = realloc(n->view_params, n->n * NN_MAX_PARAMS * sizeof *pp);
        if (pp)
            n->view_params = pp;
        void **sl = realloc(n->slots, n->n * sizeof *sl);
        if (sl)
            n->slots = sl;
        if (!v || !pp || !sl) {
            snprintf(err, errlen, "out of memory for the batch of round %llu",
                     (unsigned long long)round);
            return NN_ENOMEM;
        }
        n->views_cap = n->n;
    }
    memset(n->prepared, 0, n->n * sizeof *n->prepared);
    for (size_t p = 0; p < n->n_pops; p++) {
        const s_pop_t *sp = &n->pops[p];
        if (!sp->ops || !sp->ops->prepare)
            continue;
        const size_t n_notices = t ? t->n_notices : 0;
        size_t m = 0, nj = 0;
        for (size_t i = 0; i < n->n; i++) {
            if (n->pop[i] != p) { /* only its notices to pass; the step checks them */
                while (nj < n_notices && t->notice_to[nj] <= s_id(n, i))
                    nj++;
                continue;
            }
            nn_agent_t *v = &n->views[m];
            memset(v, 0, sizeof *v);
            int rc = s_view(n, i, round, t, off, &nj, v, n->view_params + m * NN_MAX_PARAMS, err,
                            errlen);
            if (rc != NN_OK)
                return rc;
            n->slots[m++] = NULL;
        }
        if (!m)
            continue;
        nn_batch_t b = {round, n->views, m, n->slots, t && t->budget_spent, &n->spend};
        int rc = sp->ops->prepare(sp->ctx, &b, err, errlen);
        if (rc != NN_OK)
            return rc;
        for (size_t i = 0, k = 0; i < n->n; i++)
            if (n->pop[i] == p)
                n->prepared[i] = n->slots[k++];
    }
    return NN_OK;
}

int nn_node_step(nn_node_t *n, uint64_t round, const nn_tick_t *t, nn_actions_t *out, char *err,
                 size_t errlen)
{
    const uint64_t *off;
    int rc = s_inbox_offsets(n, t, &off, err, errlen);
    if (rc != NN_OK)
        return rc;
    const size_t n_notices = t ? t->n_notices : 0;
    const uint32_t *notice_to = t ? t->notice_to : NULL;
    size_t nj = 0; /* the next notice */
    /* the digest costs two hashes an agent: it is only wanted after the last round */
    const int want_digest = round >= n->rounds;
    uint64_t digest = 0;
    n->out.len = 0;
    n->out.failed = 0;
    n->acts.len = 0;
    n->acts.failed = 0;
    n->says.len = n->says.used = 0;
    n->says.failed = 0;
    float *lat = n->spend.latency_s;
    size_t lat_cap = n->spend.latency_cap;
    memset(&n->spend, 0, sizeof n->spend);
    n->spend.latency_s = lat;
    n->spend.latency_cap = lat_cap;
    if (s_inbox_texts(n, t, off) != NN_OK) {
        snprintf(err, errlen, "out of memory for the texts of round %llu",
                 (unsigned long long)round);
        return NN_ENOMEM;
    }
    if (n->batch && (rc = s_prepare(n, round, t, off, err, errlen)) != NN_OK)
        return rc;
    double drawn[NN_MAX_PARAMS];
    nn_agent_t a;
    memset(&a, 0, sizeof a);
    a.out = &n->out;
    a.acts = &n->acts;
    a.says = &n->says;
    for (size_t i = 0; i < n->n; i++) {
        const s_pop_t *p = &n->pops[n->pop[i]];
        if ((rc = s_view(n, i, round, t, off, &nj, &a, drawn, err, errlen)) != NN_OK)
            return rc;
        if (n->prepared)
            a.prepared = n->prepared[i];
        size_t first_msg = n->out.len, first_act = n->acts.len, first_say = n->says.len;
        p->ops->step(&a);
        if ((rc = s_check_output(n, first_msg, first_act, first_say, a.id, round, err, errlen)) !=
            NN_OK)
            return rc;
        n->state[i] = a.x;
        if (s_keep_word(&n->trends, n->n, i, a.trends) != NN_OK ||
            s_keep_word(&n->memory, n->n, i, a.memory) != NN_OK) {
            snprintf(err, errlen, "out of memory for the agents' state in round %llu",
                     (unsigned long long)round);
            return NN_ENOMEM;
        }
    }
    if (nj < n_notices) {
        snprintf(err, errlen, "tick has a notice for agent %u, which this node does not host",
                 notice_to[nj]);
        return NN_EPROTO;
    }
    if (want_digest)
        for (size_t i = 0; i < n->n; i++)
            digest += nn_digest_agent_full(s_id(n, i), n->state[i], n->trends ? n->trends[i] : 0,
                                           n->memory ? n->memory[i] : 0);
    if (n->says.len > n->say_ptr_cap) {
        const char **v = realloc(n->say_ptr, n->says.cap * sizeof *v);
        if (!v)
            n->says.failed = 1;
        else {
            n->say_ptr = v;
            n->say_ptr_cap = n->says.cap;
        }
    }
    if (n->out.failed || n->acts.failed || n->says.failed) {
        snprintf(err, errlen, "out of memory for the messages of round %llu",
                 (unsigned long long)round);
        return NN_ENOMEM;
    }
    memset(out, 0, sizeof *out);
    out->n_msgs = n->out.len;
    out->msgs = n->out.msgs;
    out->n_state = n->n;
    out->state = n->state;
    out->trends = n->trends;
    out->memory = n->memory;
    out->n_acts = n->acts.len;
    out->acts = n->acts.acts;
    out->digest = digest;
    for (size_t k = 0; k < n->says.len; k++)
        n->say_ptr[k] = n->says.bytes + n->says.off[k];
    out->texts.n = n->says.len;
    out->texts.from = n->says.agent;
    out->texts.text = n->say_ptr;
    out->spend = n->batch ? &n->spend : NULL;
    return NN_OK;
}
