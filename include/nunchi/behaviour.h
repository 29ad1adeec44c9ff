/* What an agent author writes: a behaviour is a const table of operations and a list of
 * numeric parameters. A node calls `step` once per hosted agent per round, in agent id
 * order; the agent first folds its inbox (already in canonical order: sender id, then
 * sender sequence) into its state, then sends messages with nn_send(). Messages sent in
 * round r are delivered in round r + 1. A behaviour keeps no global state: everything
 * it may use is in the nn_agent_t it is handed, and all its randomness comes from
 * a->rng, keyed by (seed, NN_STREAM_BEHAVIOUR, id, round). */
#ifndef NUNCHI_BEHAVIOUR_H
#define NUNCHI_BEHAVIOUR_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "nunchi/rng.h"

/* One message as its receiver sees it. */
typedef struct nn_delivery {
    uint32_t from; /* sender agent id */
    uint32_t seq;  /* the sender's sequence number within its round, from 0 */
    double value;  /* the sender's opinion (the protocol carries a vector; v1 uses one) */
} nn_delivery_t;

/* One outgoing message. Its sequence number is its position among the messages that
 * the same agent sent in the same round. */
typedef struct nn_msg {
    uint32_t from;
    uint32_t to;
    double value;
} nn_msg_t;

/* A growable array of outgoing messages, reused round after round by its owner. */
typedef struct nn_outbox {
    nn_msg_t *msgs;
    size_t len;
    size_t cap;
    int failed; /* set when growing failed; the owner reports NN_ENOMEM */
} nn_outbox_t;

#define NN_OUTBOX_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Grows ob so that `extra` more messages fit. Returns 0, or -1 (and sets ob->failed)
 * when memory runs out. Amortised: the hot path calls it rarely. */
static inline int nn_outbox_grow(nn_outbox_t *ob, size_t extra)
{
    size_t want = ob->len + extra;
    if (want <= ob->cap)
        return 0;
    size_t cap = ob->cap ? ob->cap : 1024;
    while (cap < want)
        cap *= 2;
    nn_msg_t *m = (nn_msg_t *)realloc(ob->msgs, cap * sizeof *m);
    if (!m) {
        ob->failed = 1;
        return -1;
    }
    ob->msgs = m;
    ob->cap = cap;
    return 0;
}

static inline void nn_outbox_release(nn_outbox_t *ob)
{
    free(ob->msgs);
    ob->msgs = NULL;
    ob->len = ob->cap = 0;
    ob->failed = 0;
}

/* One agent as its behaviour sees it during one step. */
typedef struct nn_agent {
    uint32_t id;
    uint64_t round;             /* 1-based round being stepped */
    double x;                   /* state: the opinion in [0, 1]; write the new one here */
    const nn_delivery_t *inbox; /* this round's deliveries, canonical order */
    size_t n_inbox;
    const uint32_t *nbrs; /* the agent's neighbours, ascending ids */
    size_t n_nbrs;
    const double *params; /* the behaviour's parameters, in spec order */
    nn_rng_t rng;         /* (seed, NN_STREAM_BEHAVIOUR, id, round) at draw 0 */
    nn_outbox_t *out;     /* where nn_send() appends */
    uint8_t role;      /* 0 citizen, 1 mediator, 2 arbiter, 3 leader */
    uint32_t group;    /* the agent's group (0 without groups) */
    uint32_t superior; /* its superior's id, or UINT32_MAX for none */
} nn_agent_t;

/* Sends value to agent `to`. Never fails in the step: on memory exhaustion the message
 * is not appended and the outbox is marked failed, which ends the run with NN_ENOMEM. */
static inline void nn_send(nn_agent_t *a, uint32_t to, double value)
{
    nn_outbox_t *ob = a->out;
    if (ob->len == ob->cap && nn_outbox_grow(ob, 1) != 0)
        return;
    nn_msg_t *m = &ob->msgs[ob->len++];
    m->from = a->id;
    m->to = to;
    m->value = value;
}

/* Sends value to every neighbour, in ascending id order. */
static inline void nn_send_all(nn_agent_t *a, double value)
{
    if (nn_outbox_grow(a->out, a->n_nbrs) != 0)
        return;
    for (size_t i = 0; i < a->n_nbrs; i++)
        nn_send(a, a->nbrs[i], value);
}

/* Sends value to one neighbour drawn uniformly (one draw); nothing without neighbours. */
static inline void nn_send_random(nn_agent_t *a, double value)
{
    if (a->n_nbrs)
        nn_send(a, a->nbrs[nn_rng_below(&a->rng, a->n_nbrs)], value);
}

/* One numeric parameter of a behaviour: its name in the scenario, its default and its
 * closed range. */
typedef struct nn_param_spec {
    const char *name;
    double def;
    double min;
    double max;
    const char *doc;
} nn_param_spec_t;

#define NN_MAX_PARAMS 8

typedef struct nn_behaviour_ops {
    const char *name;              /* as written in scenarios: "deffuant" */
    const char *doc;               /* one line for `nunchi help behaviours` */
    const nn_param_spec_t *params; /* n_params entries, at most NN_MAX_PARAMS */
    size_t n_params;
    int binary_state;            /* states are 0 or 1 (needs opinions.init: seeds) */
    void (*step)(nn_agent_t *a); /* must not fail; see nn_send() */
} nn_behaviour_ops_t;

/* The registry of built-in behaviours (node/behaviours/registry.c). Lookups return NULL
 * for an unknown name; index lookups return NULL past the end. */
const nn_behaviour_ops_t *nn_behaviour_find(const char *name);
size_t nn_behaviour_count(void);
const nn_behaviour_ops_t *nn_behaviour_at(size_t i);

/* The index of the parameter `name` in ops, or -1. */
int nn_behaviour_param_index(const nn_behaviour_ops_t *ops, const char *name);

#endif
