/* The node runtime: what hosts agents and steps them round after round. A node is built
 * from its Welcome (the assignment), is stepped once per Tick, and answers with Actions.
 * nn_node_session() runs a whole node over a ZeroMQ DEALER socket; nunchi-node and the
 * coordinator's inproc node threads both use it. */
#ifndef NUNCHI_NODE_H
#define NUNCHI_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/wire.h"

typedef struct nn_node nn_node_t;

/* Builds a node from its assignment. The node copies the initial states and the
 * behaviour parameters; it borrows the neighbour arrays, the agent list, the population
 * indices and the structure arrays (role, group, superior) of w, which must stay valid
 * for the node's life. NN_OK,
 * NN_EPROTO (an unknown behaviour or an inconsistent assignment: err says which) or
 * NN_ENOMEM; *out is NULL on failure. */
int nn_node_new(nn_node_t **out, const nn_welcome_t *w, char *err, size_t errlen);

/* An external population (behaviour: external in the scenario) that a node claims by
 * name in its Hello, and the registered behaviour that runs its agents. The population's
 * parameters are matched to the behaviour's by name; a drawn one is keyed by its index in
 * the behaviour's own list, as for built-in populations (docs/protocol.md, Random
 * numbers). */
typedef struct nn_claim {
    const char *population; /* the population's name in the scenario */
    const char *behaviour;  /* a behaviour of the registry (built-in or registered) */
} nn_claim_t;

/* nn_node_new for a node that may host external populations: each is run by the
 * behaviour of its claim (NN_EPROTO when the welcome has an external population that no
 * claim names, or one that names an unknown behaviour). */
int nn_node_new_claimed(nn_node_t **out, const nn_welcome_t *w, const nn_claim_t *claims,
                        size_t n_claims, char *err, size_t errlen);

/* NULL-safe; sets *n to NULL. */
void nn_node_destroy(nn_node_t **n);

/* Steps every hosted agent for `round` on the deliveries of t, in agent id order, and
 * fills *out with the node's messages, states and digest (computed from the run's last
 * round on; 0 before, since nobody reads it there); out's arrays belong to the node and
 * stay valid until the next step. NN_OK, NN_EPROTO (t delivers to or notifies an agent
 * the node does not host, its runs do not ascend, or a behaviour sent a message or made
 * an act the protocol cannot carry: err names the agent) or NN_ENOMEM. */
int nn_node_step(nn_node_t *n, uint64_t round, const nn_tick_t *t, nn_actions_t *out, char *err,
                 size_t errlen);

size_t nn_node_agent_count(const nn_node_t *n);

typedef struct nn_session_config {
    const char *implementation; /* reported in Hello */
    double hello_timeout_s;     /* give up when no Welcome comes within this */
    int local;                  /* 1: messages are nn_wire_t pointers (inproc threads) */
    size_t max_message_bytes;   /* largest message accepted from the coordinator */
    int verbose;                /* 1: say on stderr what happens */
    nn_wire_t *error_slot;      /* local: where a final Error is kept for the peer to read */
    const nn_claim_t *claims;   /* the external populations this node hosts (borrowed) */
    size_t n_claims;
    uint32_t max_agents; /* the most agents it will host (0: no limit), in Hello */
    int builtin;         /* 1: it also hosts built-in populations (listed in Hello) */
    int in_process;      /* 1: a thread of the coordinator's process: it sends no heartbeats
                            and never resumes */
    void *monitor;       /* a PAIR socket on the DEALER's zmq_socket_monitor (handshake
                            failures), read while the node waits for its Welcome; or NULL */
} nn_session_config_t;

#define NN_SESSION_DEFAULT_HELLO_TIMEOUT_S 30.0
#define NN_SESSION_CONFIG_INIT                                                                     \
    {                                                                                              \
        "nunchi-node", NN_SESSION_DEFAULT_HELLO_TIMEOUT_S, 0, (size_t)1 << 30, 0, NULL, NULL, 0,   \
            0, 1, 0, NULL                                                                          \
    }

/* Runs one node on a connected DEALER socket until the coordinator says Bye (NN_OK),
 * rejects it, goes silent for longer than its liveness, or fails (an error code, with
 * a message naming the round in err). An idle remote node sends a Heartbeat every
 * heartbeat interval of its Welcome; when it has heard nothing for three intervals it
 * asks to resume its session (a Hello with the session id, on the same socket, which
 * ZeroMQ has reconnected); a Tick for the round it answered last is answered again with
 * the same Actions, not stepped twice. Thread: any one thread owning the socket. */
int nn_node_session(void *dealer, const nn_session_config_t *cfg, char *err, size_t errlen);

#endif
