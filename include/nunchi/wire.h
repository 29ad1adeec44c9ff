/* The protocol messages as plain C structs. Inside one process they move by pointer
 * (an inproc node gets its Tick as a pointer to an nn_tick_t); where a message leaves
 * the process, proto/codec.h turns them into protobuf bytes and back. Pointers in these
 * structs are borrowed: whoever filled the struct owns the arrays and says how long
 * they stay valid. */
#ifndef NUNCHI_WIRE_H
#define NUNCHI_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/behaviour.h"

#define NN_PROTOCOL_VERSION 1u
#define NN_NAME_MAX         32  /* behaviour and parameter names, NUL included */
#define NN_MAX_BEHAVIOURS   64  /* behaviours listed in one hello */
#define NN_MAX_POPULATIONS  64  /* populations in one scenario */
#define NN_TEXT_MAX         256 /* reasons and error texts, NUL included */
#define NN_ROLE_COUNT       4   /* roles: 0 citizen, 1 mediator, 2 arbiter, 3 leader */

typedef enum nn_wire_kind {
    NN_WIRE_NONE = 0,
    NN_WIRE_HELLO,
    NN_WIRE_WELCOME,
    NN_WIRE_REJECT,
    NN_WIRE_TICK,
    NN_WIRE_ACTIONS,
    NN_WIRE_HEARTBEAT,
    NN_WIRE_BYE,
    NN_WIRE_ERROR
} nn_wire_kind_t;

typedef struct nn_hello {
    char implementation[64];
    char language[16];
    size_t n_behaviours;
    char behaviours[NN_MAX_BEHAVIOURS][NN_NAME_MAX];
    uint32_t max_agents; /* 0: no limit */
    uint32_t pid;        /* the node's process id (0: unknown) */
    size_t n_claims;     /* the external populations (by name) this node hosts */
    char claims[NN_MAX_POPULATIONS][NN_NAME_MAX];
    uint64_t session; /* resume: the session of the node's Welcome, with the envelope's node
                         the node id to resume; 0: a new join */
} nn_hello_t;

/* How a parameter's value is drawn for each agent of a population (nn_dist_t): from
 * (seed, NN_STREAM_TRAITS, agent, parameter index), so that every node draws the same
 * value for the same agent. A normal draw is clamped into the parameter's range. */
typedef enum nn_dist {
    NN_DIST_CONSTANT = 0, /* param_value */
    NN_DIST_UNIFORM,      /* uniform on [param_value, param_b] */
    NN_DIST_NORMAL        /* mean param_value, standard deviation param_b */
} nn_dist_t;

#define NN_BEHAVIOUR_EXTERNAL "external" /* a population hosted by the node that claims it */

typedef struct nn_population_desc {
    char behaviour[NN_NAME_MAX]; /* a behaviour, or NN_BEHAVIOUR_EXTERNAL */
    char name[NN_NAME_MAX];      /* external: the population's name; else "" */
    size_t n_params;
    char param_name[NN_MAX_PARAMS][NN_NAME_MAX];
    double param_value[NN_MAX_PARAMS];
    uint8_t param_dist[NN_MAX_PARAMS]; /* nn_dist_t */
    double param_b[NN_MAX_PARAMS];     /* the second number of a distribution, else 0 */
} nn_population_desc_t;

/* One thing an llm agent remembers of an earlier round (docs/llm.md): a message it heard
 * or a verdict it was told, for a node that joins during the run (a restart, a resume). */
typedef struct nn_recall {
    uint64_t round;
    uint32_t from;    /* the sender, or the verdict's decider; NN_NO_AGENT: none */
    int verdict;      /* 1: a verdict, 0: a message */
    double value;     /* the opinion heard, or the verdict's value */
    const char *text; /* the text that came with it, NUL-terminated; "" none */
} nn_recall_t;

/* A node's assignment. Hosted agents are either listed in `agent` (ascending) or, when
 * `agent` is NULL, the contiguous range first_agent .. first_agent + n_agents - 1. */
typedef struct nn_welcome {
    uint32_t node;
    uint64_t session;
    uint64_t seed;
    uint64_t rounds;
    uint32_t agents_total;
    uint32_t dim; /* 1 in protocol v1 */
    size_t n_populations;
    const nn_population_desc_t *populations;
    size_t n_agents;
    uint32_t first_agent;
    const uint32_t *agent;     /* n_agents ids or NULL (see above) */
    const uint8_t *population; /* n_agents indices into populations */
    const double *state;       /* n_agents initial opinions */
    const uint64_t *nbr_off;   /* n_agents + 1 offsets into nbr (may start above 0) */
    const uint32_t *nbr;       /* neighbour ids, ascending per agent */
    double deadline_s;
    double liveness_s;
    const uint8_t *role;      /* n_agents roles (< NN_ROLE_COUNT), or NULL: all citizens */
    const uint32_t *group;    /* n_agents groups, or NULL: all in group 0 */
    const uint32_t *superior; /* n_agents ids or NN_NO_AGENT, or NULL: nobody has one */
    double heartbeat_s;       /* a side idle this long sends a Heartbeat (0: none, no resume) */
    int resumed;              /* 1: the answer to a resume; no assignment (n_agents 0) */
    uint64_t round;           /* resumed: the round in progress (0: the run has not begun) */
    const char *llm;          /* the scenario's llm section as JSON (docs/llm.md; no keys,
                                 only their variables' names), or NULL without one */
    const uint64_t *trends;   /* n_agents words to start from (a restarted node), or NULL: 0 */
    const uint64_t *memory;   /* n_agents, or NULL: 0 */
    /* llm agents' memories as they are now (a node that joins during the run): per hosted
     * agent the number of its items, which follow one another in recall, oldest first */
    const uint32_t *recall_count; /* n_agents, or NULL: nobody remembers anything */
    size_t n_recall;
    const nn_recall_t *recall;
} nn_welcome_t;

/* The texts of a round (nn_say): text_from ascending, one text per agent, each at most
 * NN_TEXT_BYTES bytes of UTF-8. In a tick: the texts of the senders of its deliveries;
 * in an actions: what the node's agents said. */
typedef struct nn_texts {
    size_t n;
    const uint32_t *from;
    const char *const *text;
} nn_texts_t;

typedef struct nn_reject {
    char reason[NN_NAME_MAX];
    char detail[NN_TEXT_MAX];
} nn_reject_t;

/* Deliveries of one round for one node, in runs of one receiver each: run i goes to
 * agent receiver[i] (or, when receiver is NULL, to agent first_agent + i) and is
 * deliveries[inbox_off[i]] .. deliveries[inbox_off[i + 1] - 1], in canonical order.
 * Receivers ascend. A coordinator fills one run per hosted agent (empty runs allowed);
 * a decoded tick has one run per receiver that got anything. */
typedef struct nn_tick {
    size_t n_runs;
    uint32_t first_agent;
    const uint32_t *receiver;  /* n_runs ids, or NULL (see above) */
    const uint64_t *inbox_off; /* n_runs + 1 entries, may start above 0 */
    const nn_delivery_t *deliveries;
    size_t n_notices;
    const uint32_t *notice_to;  /* n_notices receivers, ascending (an agent's in order) */
    const nn_notice_t *notices; /* n_notices */
    nn_texts_t texts;
    int budget_spent; /* llm.budget_tokens is spent: batch behaviours ask no model */
} nn_tick_t;

/* A node's answer for one round: messages sorted by sender, each sender's in the order
 * sent (its sequence numbers 0, 1, ...); acts sorted by agent, each agent's in the order
 * made; the state of every hosted agent in assignment order (opinion, trends, memory);
 * the node's digest of those states (nn_digest_agent_full). */
typedef struct nn_actions {
    size_t n_msgs;
    const nn_msg_t *msgs;
    size_t n_state;
    const double *state;
    const uint64_t *trends; /* n_state, or NULL: all 0 */
    const uint64_t *memory; /* n_state, or NULL: all 0 */
    size_t n_acts;
    const nn_act_t *acts;
    uint64_t digest;
    nn_texts_t texts;
    const nn_spend_t *spend; /* what its batch behaviours spent, or NULL: nothing */
} nn_actions_t;

typedef struct nn_bye {
    char reason[NN_TEXT_MAX];
} nn_bye_t;

typedef struct nn_error_msg {
    uint32_t code;
    char message[NN_TEXT_MAX];
} nn_error_msg_t;

/* One message of either direction with its envelope. */
typedef struct nn_wire {
    nn_wire_kind_t kind;
    uint32_t version;
    uint64_t round;
    uint32_t node;
    union {
        nn_hello_t hello;
        nn_welcome_t welcome;
        nn_reject_t reject;
        nn_tick_t tick;
        nn_actions_t actions;
        nn_bye_t bye;
        nn_error_msg_t error;
    } u;
} nn_wire_t;

#endif
