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

/* Text: an agent may say one short text a round (nn_say); it travels with each of that
 * round's messages of the agent, so a receiver sees it beside the delivery. */
#define NN_TEXT_BYTES 280 /* the longest text, in bytes of UTF-8 (no NUL inside) */

/* Whether s is a text an agent may say: at most NN_TEXT_BYTES bytes, well-formed UTF-8
 * (no overlong forms, surrogates or code points past U+10FFFF). */
static inline int nn_text_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i]) {
        if (i >= NN_TEXT_BYTES)
            return 0;
        unsigned c = p[i];
        size_t k = c < 0x80 ? 0 : c < 0xc2 ? 4 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 4;
        if (k == 4)
            return 0;
        for (size_t j = 1; j <= k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return 0;
        if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
            (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
            return 0;
        i += k + 1;
    }
    return i <= NN_TEXT_BYTES;
}

/* The texts said in a round, one per agent at most, in the order the agents stepped
 * (ascending id): text k is bytes + off[k], NUL-terminated. Owned and reused by its
 * node; a behaviour only writes it through nn_say(). */
typedef struct nn_saybox {
    uint32_t *agent;
    size_t *off;
    size_t len, cap;
    char *bytes;
    size_t used, bytes_cap;
    int failed; /* growing failed: the node reports NN_ENOMEM */
} nn_saybox_t;

/* What a batch behaviour spent in a round asking its models (the llm behaviour): counted
 * by the node, summed by the coordinator into metrics.csv and summary.json. */
typedef struct nn_spend {
    uint64_t asked;          /* agents that asked their model this round */
    uint64_t sent;           /* requests sent to an endpoint (repairs included) */
    uint64_t attempts;       /* HTTP requests, retries included */
    uint64_t retries;        /* attempts - sent */
    uint64_t cache_hits;     /* answered from the node's cache, no request */
    uint64_t replayed;       /* answered from the replay file, no request */
    uint64_t replay_missed;  /* asked something the replay file does not hold */
    uint64_t repairs;        /* repair requests after an answer out of schema */
    uint64_t invalid;        /* answers refused by the schema (repaired or not) */
    uint64_t failed;         /* requests without an answer (timeouts, errors, give-ups) */
    uint64_t fallbacks;      /* agents the fallback behaviour stepped for */
    uint64_t budget_skipped; /* agents not asked: the token budget was spent */
    uint64_t http_429;       /* attempts answered 429 */
    uint64_t http_5xx;       /* attempts answered 5xx */
    uint64_t http_4xx;       /* attempts answered another 4xx */
    uint64_t timeouts;       /* attempts that timed out */
    uint64_t connect_errors; /* attempts without a connection, or cut */
    uint64_t bad_responses;  /* attempts with an unusable 2xx answer */
    uint64_t prompt_tokens;  /* from usage, of the answers used (cache and replay too) */
    uint64_t completion_tokens;
    size_t n_latency; /* latency_s: each request sent, first send to answer, in s */
    float *latency_s;
    size_t latency_cap;
} nn_spend_t;

/* The counters of an nn_spend_t, in the order of its fields, and their names (those of
 * the protocol's Spend message, of summary.json's llm section, and of metrics.csv's
 * columns after "llm_"). */
#define NN_SPEND_COUNTERS 20

static inline uint64_t *nn_spend_counter(nn_spend_t *s, size_t k)
{
    uint64_t *const v[NN_SPEND_COUNTERS] = {
        &s->asked,          &s->sent,          &s->attempts,      &s->retries,
        &s->cache_hits,     &s->replayed,      &s->replay_missed, &s->repairs,
        &s->invalid,        &s->failed,        &s->fallbacks,     &s->budget_skipped,
        &s->http_429,       &s->http_5xx,      &s->http_4xx,      &s->timeouts,
        &s->connect_errors, &s->bad_responses, &s->prompt_tokens, &s->completion_tokens};
    return v[k];
}

static inline const char *nn_spend_counter_name(size_t k)
{
    static const char *const n[NN_SPEND_COUNTERS] = {
        "asked",     "sent",           "attempts",      "retries",       "cache_hits",
        "replayed",  "replay_missed",  "repairs",       "invalid",       "failed",
        "fallbacks", "budget_skipped", "http_429",      "http_5xx",      "http_4xx",
        "timeouts",  "connect_errors", "bad_responses", "prompt_tokens", "completion_tokens"};
    return n[k];
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
    const char *const *texts; /* per inbox entry: the sender's text, or NULL; the whole
                                 array NULL when the round's tick carries no text */
    nn_saybox_t *says;        /* where nn_say() writes (NULL in prepare) */
} nn_agent_t;

/* Says text this round (a later call in the same step replaces it): it goes with every
 * message the agent sends this round. A text longer than NN_TEXT_BYTES or not UTF-8
 * fails the round with the agent named. Never fails in the step (as nn_send_ex). */
void nn_say(nn_agent_t *a, const char *text);

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

/* One round of a batch behaviour's agents on a node (see prepare below). */
typedef struct nn_batch {
    uint64_t round;
    const nn_agent_t *agents; /* the population's hosted agents, ascending id */
    size_t n;
    void **slots;      /* n: what each agent's step finds in a->prepared */
    int budget_spent;  /* the society's llm.budget_tokens is spent: ask no model */
    nn_spend_t *spend; /* where the round's spending is added (see nn_spend_latency) */
} nn_batch_t;

/* Adds one request's latency to s. 0, or -1 when memory runs out (the latency is then
 * not kept; the counters still are). */
int nn_spend_latency(nn_spend_t *s, double latency_s);

typedef struct nn_behaviour_ops {
    const char *name;              /* as written in scenarios: "deffuant" */
    const char *doc;               /* one line for `nunchi help behaviours` */
    const nn_param_spec_t *params; /* n_params entries, at most NN_MAX_PARAMS */
    size_t n_params;
    int binary_state;            /* states are 0 or 1 (needs opinions.init: seeds) */
    void (*step)(nn_agent_t *a); /* must not fail; see nn_send() */
    /* Optional, for a behaviour that decides a node's agents of one population together
     * (the llm behaviour sends all their requests at once). open makes its state on a node
     * from the node's assignment for population index `population` (NN_OK, or an error
     * code with err saying why, which refuses the assignment); close frees it. Each round, before
     * any agent steps, prepare gets every hosted agent of the population in id order, as each will
     * be stepped (state, inbox, notices, parameters, generator; out and acts are NULL: nothing is
     * sent here) in b->agents, and may leave one pointer per agent in b->slots[i], which
     * that agent's step finds in a->prepared (a->ctx is the state). The pointers stay the
     * behaviour's. An error fails the round. NULL prepare: a behaviour of single steps. */
    int (*open)(void **ctx, const struct nn_welcome *w, size_t population, char *err,
                size_t errlen);
    void (*close)(void *ctx);
    int (*prepare)(void *ctx, const struct nn_batch *b, char *err, size_t errlen);
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
