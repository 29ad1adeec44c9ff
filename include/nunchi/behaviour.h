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

#define NN_NO_AGENT UINT32_MAX /* "no agent": in notices, acts and superiors */

/* Flags of a message (nn_msg_t.flags, nn_delivery_t.flags). */
#define NN_MSG_DEFECT 1u /* the sender defects against the receiver in the cooperation game */

/* One message as its receiver sees it. `trends` and `standing` are stamped by the
 * coordinator from what it holds about the sender, not by the sender. */
typedef struct nn_delivery {
    uint32_t from;   /* sender agent id */
    uint32_t seq;    /* the sender's sequence number within its round, from 0 */
    double value;    /* the sender's opinion (the protocol carries a vector; v1 uses one) */
    uint64_t trends; /* the trends the sender had adopted when it sent (bit t: trend t) */
    float standing;  /* the sender's status times reputation (1 without a structure) */
    uint32_t flags;  /* NN_MSG_* as the sender set them */
} nn_delivery_t;

/* One outgoing message. Its sequence number is its position among the messages that
 * the same agent sent in the same round. */
typedef struct nn_msg {
    uint32_t from;
    uint32_t to;
    double value;
    float hostility; /* in [0, 1]: how hostile the message is (the aggression norm reads it) */
    uint32_t flags;  /* NN_MSG_*: NN_MSG_DEFECT plays defect in the cooperation game */
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

/* What the coordinator tells an agent besides its deliveries: norms it broke, sanctions,
 * and the cases it takes part in. Notices of round r were caused by round r - 1 and
 * arrive with the deliveries of round r; an answer (an nn_act_t) made in round r is read
 * at the end of round r. docs/society.md gives every kind with its fields. */
typedef enum nn_notice_kind {
    NN_NOTICE_NONE = 0,
    NN_NOTICE_BLOCKED,    /* arg: drop rule; value: how many of its messages it blocked */
    NN_NOTICE_SANCTION,   /* arg: the norm; other: the sanction kind; value: reputation lost,
                             or rounds muted or excluded (0: for good) */
    NN_NOTICE_CASE,       /* a case it is in opened: arg: its part (NN_PART_*); other: the
                             other party or NN_NO_AGENT; value: its position; value2: the
                             other's position (or the members' mean) */
    NN_NOTICE_VOTE,       /* vote: arg options spaced evenly from value to value2; answer
                             NN_ACT_VOTE with a position (the nearest option takes it) */
    NN_NOTICE_PROPOSAL,   /* value: a proposed settlement; other: who proposes; answer
                             NN_ACT_ACCEPT 1 or 0 */
    NN_NOTICE_OFFER,      /* negotiation, its turn: value: the other's last offer; value2:
                             its own last offer (its position at first); other: the other
                             party; answer NN_ACT_ACCEPT 1 (takes value) or NN_ACT_OFFER */
    NN_NOTICE_DELIBERATE, /* value: its position in the case after a deliberation step */
    NN_NOTICE_VERDICT,    /* a binding outcome: value; arg: the outcome (NN_OUTCOME_*);
                             other: the decider or NN_NO_AGENT; value2: the decider's
                             standing (1 without one); answer NN_ACT_COMPLY 1 or 0 */
    NN_NOTICE_CLOSED,     /* the case closed: arg: the outcome; value: the settlement */
    NN_NOTICE_TREND,      /* it starts trend arg (the node sets the bit before the step) */
    NN_NOTICE_KINDS
} nn_notice_kind_t;

/* An agent's part in a case (NN_NOTICE_CASE.arg). */
enum { NN_PART_PARTY = 0, NN_PART_MEMBER, NN_PART_MEDIATOR, NN_PART_ARBITER };

/* Outcomes of cases (NN_NOTICE_VERDICT.arg, NN_NOTICE_CLOSED.arg). */
enum { NN_OUTCOME_AGREED = 0, NN_OUTCOME_IMPOSED, NN_OUTCOME_TOLERATED, NN_OUTCOME_ESCALATED };

typedef struct nn_notice {
    uint16_t kind;     /* nn_notice_kind_t */
    uint16_t protocol; /* case notices: the protocol (docs/society.md), else 0 */
    uint32_t case_id;  /* case notices: the case, from 1; else 0 */
    uint32_t other;    /* an agent id or NN_NO_AGENT (UINT32_MAX) */
    uint32_t arg;
    double value;
    double value2;
} nn_notice_t;

/* What an agent does besides messaging: complaints and answers in cases. */
typedef enum nn_act_kind {
    NN_ACT_NONE = 0,
    NN_ACT_COMPLAIN, /* other: the neighbour complained about; value: its own position */
    NN_ACT_VOTE,     /* case_id; value: the position voted for */
    NN_ACT_ACCEPT,   /* case_id; value: 1 accepts the proposal or offer, 0 rejects it */
    NN_ACT_OFFER,    /* case_id; value: a counter-offer */
    NN_ACT_COMPLY,   /* case_id; value: 1 complies with the verdict, 0 defies it */
    NN_ACT_KINDS
} nn_act_kind_t;

typedef struct nn_act {
    uint32_t agent;
    uint32_t kind; /* nn_act_kind_t */
    uint32_t case_id;
    uint32_t other;
    double value;
} nn_act_t;

/* A growable array of acts, like nn_outbox_t. */
typedef struct nn_actbox {
    nn_act_t *acts;
    size_t len;
    size_t cap;
    int failed;
} nn_actbox_t;

/* Grows b so that `extra` more acts fit, as nn_outbox_grow. 0, or -1 (b->failed set). */
static inline int nn_actbox_grow(nn_actbox_t *b, size_t extra)
{
    size_t want = b->len + extra;
    if (want <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    nn_act_t *p = (nn_act_t *)realloc(b->acts, cap * sizeof *p);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->acts = p;
    b->cap = cap;
    return 0;
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
    const double *params; /* the behaviour's parameters, in spec order, drawn for this agent */
    nn_rng_t rng;         /* (seed, NN_STREAM_BEHAVIOUR, id, round) at draw 0 */
    nn_outbox_t *out;     /* where nn_send() appends */
    uint8_t role;         /* 0 citizen, 1 mediator, 2 arbiter, 3 leader */
    uint32_t group;       /* the agent's group (0 without groups) */
    uint32_t superior;    /* its superior's id, or UINT32_MAX for none */
    const nn_notice_t *notices; /* this round's notices, in the order the coordinator made them */
    size_t n_notices;
    uint64_t trends;   /* state: adopted trends (bit t: trend t); a seed notice already set */
    uint64_t memory;   /* state: a private word kept between rounds, in the digest */
    nn_actbox_t *acts; /* where nn_act() appends */
    void *ctx;         /* batch behaviours: the behaviour's state on this node (from open) */
    void *prepared;    /* batch behaviours: what prepare left for this agent, or NULL */
} nn_agent_t;

/* Sends value to agent `to` with a hostility in [0, 1] and NN_MSG_* flags. Never fails
 * in the step: on memory exhaustion the message is not appended and the outbox is marked
 * failed, which ends the run with NN_ENOMEM. */
static inline void nn_send_ex(nn_agent_t *a, uint32_t to, double value, float hostility,
                              uint32_t flags)
{
    nn_outbox_t *ob = a->out;
    if (ob->len == ob->cap && nn_outbox_grow(ob, 1) != 0)
        return;
    nn_msg_t *m = &ob->msgs[ob->len++];
    m->from = a->id;
    m->to = to;
    m->value = value;
    m->hostility = hostility;
    m->flags = flags;
}

/* Sends value to agent `to`: no hostility, cooperating. */
static inline void nn_send(nn_agent_t *a, uint32_t to, double value)
{
    nn_send_ex(a, to, value, 0.0f, 0);
}

/* Appends an act of this agent. Never fails in the step (as nn_send_ex). */
static inline void nn_act(nn_agent_t *a, nn_act_kind_t kind, uint32_t case_id, uint32_t other,
                          double value)
{
    nn_actbox_t *b = a->acts;
    if (b->len == b->cap && nn_actbox_grow(b, 1) != 0)
        return;
    nn_act_t *t = &b->acts[b->len++];
    t->agent = a->id;
    t->kind = (uint32_t)kind;
    t->case_id = case_id;
    t->other = other;
    t->value = value;
}

static inline void nn_actbox_release(nn_actbox_t *b)
{
    free(b->acts);
    b->acts = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
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

#define NN_MAX_PARAMS 16

struct nn_welcome;

typedef struct nn_behaviour_ops {
    const char *name;              /* as written in scenarios: "deffuant" */
    const char *doc;               /* one line for `nunchi help behaviours` */
    const nn_param_spec_t *params; /* n_params entries, at most NN_MAX_PARAMS */
    size_t n_params;
    int binary_state;            /* states are 0 or 1 (needs opinions.init: seeds) */
    void (*step)(nn_agent_t *a); /* must not fail; see nn_send() */
    /* Optional, for a behaviour that decides a node's agents of one population together
     * (the llm behaviour sends all their requests at once). open makes its state on a node
     * from the node's assignment (NN_OK, or an error code with err saying why, which
     * refuses the assignment); close frees it. Each round, before any agent steps, prepare
     * gets every hosted agent of the population in id order, as each will be stepped
     * (state, inbox, notices, parameters, generator; out and acts are NULL: nothing is
     * sent here), and may leave one pointer per agent in slots[i], which that agent's step
     * finds in a->prepared (a->ctx is the state). The pointers stay the behaviour's. An
     * error fails the round. NULL prepare: a behaviour of single steps. */
    int (*open)(void **ctx, const struct nn_welcome *w, char *err, size_t errlen);
    void (*close)(void *ctx);
    int (*prepare)(void *ctx, const nn_agent_t *agents, size_t n, void **slots, char *err,
                   size_t errlen);
} nn_behaviour_ops_t;

/* The registry of behaviours (node/behaviours/registry.c): the built-in ones, then the
 * registered ones. Lookups return NULL for an unknown name; index lookups return NULL past
 * the end. */
const nn_behaviour_ops_t *nn_behaviour_find(const char *name);
size_t nn_behaviour_count(void);
const nn_behaviour_ops_t *nn_behaviour_at(size_t i);

/* Adds a behaviour of the program's own (a node built with the C SDK; see
 * clients/c/). ops is borrowed and must live as long as the program; call this before the
 * node starts, from one thread. NN_OK; NN_EINVAL (no name, a name of 32 bytes or more,
 * "external", no step, more than NN_MAX_PARAMS parameters, or a name already taken);
 * NN_ETOOBIG (32 are registered already). */
int nn_behaviour_register(const nn_behaviour_ops_t *ops);

/* The index of the parameter `name` in ops, or -1. */
int nn_behaviour_param_index(const nn_behaviour_ops_t *ops, const char *name);

#endif
