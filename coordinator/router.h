/* The router: every message of a round passes here on its way from a node's Actions to
 * the next round's Ticks. It checks that the sender belongs to the node that sent it and
 * that the receiver exists (dropping and counting the others by named rule), then sorts
 * the deliveries by receiver with a stable counting sort, so that each inbox comes out
 * in canonical order (sender id, then sender sequence) without comparisons. This is the
 * coordinator's hot path: two passes over the messages and no allocation once the
 * arrays have grown to the round's size. The scatter is split by receiver ranges over
 * a pool of threads; each range keeps the global sender order, so the result is the
 * same for any number of threads. */
#ifndef NUNCHI_COORDINATOR_ROUTER_H
#define NUNCHI_COORDINATOR_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/behaviour.h"
#include "nunchi/wire.h"

#include "pool.h"
#include "checkpoint.h"

/* Why a message was dropped. The first two are the router's own; the others are the
 * norms' (coordinator/norms.h), which the router asks through its check hook. */
typedef enum nn_drop_rule {
    NN_DROP_PASS = -1,          /* not dropped (a check's answer) */
    NN_DROP_FOREIGN_SENDER = 0, /* the sender is not an agent of the node that sent it */
    NN_DROP_UNKNOWN_RECEIVER,   /* the receiver id is not an agent of the society */
    NN_DROP_RATE,               /* norm rate: beyond the sender's messages allowed a round */
    NN_DROP_ADDRESS,            /* norm address: the sender may not address the receiver */
    NN_DROP_AGGRESSION,         /* norm aggression: hostility above the threshold */
    NN_DROP_MUTED,              /* sanction: the sender is muted */
    NN_DROP_EXCLUDED,           /* sanction: the sender or the receiver is excluded */
    NN_DROP_OVER_LIMIT,         /* the sender's messages beyond limits.max_messages_per_agent */
    NN_DROP_FAULT_LOSS,         /* fault loss: lost in transit (coordinator/faults.h) */
    NN_DROP_FAULT_PARTITION,    /* fault partition: between the two sides of a partition */
    NN_DROP_FAULT_SILENT,       /* fault silent: from or to a silent agent */
    NN_DROP_FAULT_ABSENT,       /* recovery drop: to an agent of a node that died */
    NN_DROP_RULES
} nn_drop_rule_t;

/* The rules of the norms and sanctions (the messages they block), not the router's own,
 * nor the planned faults'. */
#define NN_DROP_IS_NORM(d) ((d) >= NN_DROP_RATE && (d) <= NN_DROP_EXCLUDED)

/* A check asked about every message that passed the router's own rules, in each batch's
 * order (seq: the message's sequence number); answers NN_DROP_PASS or a rule. Called on
 * the thread that calls nn_router_add. */
typedef nn_drop_rule_t (*nn_router_check_fn)(void *ctx, const nn_msg_t *m, uint32_t seq);

const char *nn_drop_rule_name(nn_drop_rule_t r);

typedef struct nn_router_batch {
    const nn_msg_t *msgs; /* as the node sent them, sorted by sender */
    size_t n;
    uint32_t lo, hi; /* the node's agents: lo .. hi - 1 */
    int clean;       /* set by nn_router_add: no message was dropped */
    uint8_t *keep;   /* when not clean: 1 per message that goes on (owned, reused) */
    size_t keep_cap;
} nn_router_batch_t;

/* A message that crosses ranks (MPI mode), as it moves in the round's exchange: fixed
 * layout, stamped at the sender's rank, where its sequence number is known. */
typedef struct nn_xrec {
    uint32_t from, to;
    uint32_t seq; /* the sender's sequence number of the round */
    uint32_t flags;
    double value;
    uint64_t trends; /* the sender's, as stamped on deliveries */
    float standing;  /* the sender's */
    uint32_t pad;    /* 0 */
} nn_xrec_t;

/* The messages of a round that arrived from one other rank, ascending by sender. */
typedef struct nn_router_import {
    const nn_xrec_t *recs;
    size_t n;
} nn_router_import_t;

typedef struct nn_router {
    uint32_t n_agents;
    size_t n_batches; /* nodes, in ascending agent order */
    nn_router_batch_t *batch;
    uint64_t *off;        /* n_agents + 2: inbox offsets of the routed round */
    uint32_t *count;      /* n_agents: this round's messages per receiver */
    nn_delivery_t *deliv; /* the routed round's deliveries */
    size_t deliv_cap;
    uint64_t routed;  /* deliveries in deliv */
    uint64_t counted; /* valid messages added this round */
    uint64_t sent;    /* messages this round, dropped ones included */
    uint64_t dropped[NN_DROP_RULES];
    nn_router_check_fn check; /* asked about every valid message, or NULL */
    void *check_ctx;
    const float *standing;  /* n_agents, stamped on deliveries; NULL: 1 */
    const uint64_t *trends; /* n_agents, stamped on deliveries; NULL: 0 */
    int failed;             /* a keep array could not grow: nn_router_finish says NN_ENOMEM */
    nn_pool_t *pool;        /* borrowed; NULL: all on the caller's thread */
    size_t n_shards;
    uint64_t *shard_base; /* n_shards: where each receiver range starts in deliv */
    /* ranks (MPI mode; see nn_router_set_ranks): owner NULL means every agent is here */
    const uint32_t *owner; /* n_agents: each agent's rank (borrowed) */
    uint32_t me, n_ranks;
    size_t *out_count; /* n_ranks: this round's messages to each rank */
    size_t *out_at;    /* n_ranks: where each rank's records start in out */
    nn_xrec_t *out;    /* the round's records for other ranks, grouped by rank */
    size_t out_cap;
    uint64_t exported; /* records in out */
    size_t n_imports;  /* segments from other ranks, read by nn_router_finish */
    nn_router_import_t *imports;
    size_t imports_cap;
    uint64_t imported;       /* their records */
    uint8_t *mixed;          /* n_agents: inboxes that got records, while they are sorted */
    const uint32_t *host;    /* n_agents: each agent's node (see nn_router_set_hosts), or NULL */
    uint32_t max_per_sender; /* messages a sender may send a round; the rest: over_limit */
    /* nn_router_reshape's second buffers, swapped with deliv and off */
    nn_delivery_t *deliv2;
    size_t deliv2_cap;
    uint64_t *off2;
} nn_router_t;

/* What becomes of one routed delivery (nn_router_reshape). */
typedef enum nn_router_fate {
    NN_FATE_DELIVER = 0, /* as routed */
    NN_FATE_TWICE,       /* delivered twice, side by side */
    NN_FATE_HOLD         /* taken out: the fate function keeps it for a later round */
} nn_router_fate_t;

/* Asked about each routed delivery d to agent `to`, in receiver order. */
typedef nn_router_fate_t (*nn_router_fate_fn)(void *ctx, uint32_t to, const nn_delivery_t *d);

/* A delivery given back for this round (one held before), for agent `to`. */
typedef struct nn_router_late {
    uint32_t to;
    nn_delivery_t d;
} nn_router_late_t;

/* Makes a router for n_agents agents hosted by n_nodes nodes, sorting on the threads of
 * pool (borrowed, may be NULL; it must outlive the router). NN_OK or NN_ENOMEM. */
int nn_router_init(nn_router_t *r, uint32_t n_agents, size_t n_nodes, nn_pool_t *pool);
void nn_router_release(nn_router_t *r);

/* Installs the check asked about every message that passes the router's own rules
 * (NULL: none), and the arrays whose entries for the sender are stamped on each delivery
 * (borrowed; read while nn_router_finish runs; NULL: standing 1, trends 0). */
void nn_router_set_check(nn_router_t *r, nn_router_check_fn fn, void *ctx);
void nn_router_set_stamps(nn_router_t *r, const float *standing, const uint64_t *trends);

/* Spreads the agents over n_ranks ranks: owner[i] is agent i's rank (borrowed; must
 * outlive the router), and this router is rank me's. A message from an agent of
 * another rank is foreign; one to an agent of another rank passes the checks here and
 * goes out with nn_router_exports; what other ranks send comes in with
 * nn_router_imports. Without this call every agent is here. NN_OK or NN_ENOMEM. */
int nn_router_set_ranks(nn_router_t *r, const uint32_t *owner, uint32_t me, uint32_t n_ranks);

/* Nodes that host agents of no single range (external populations): host[i] is agent
 * i's node (borrowed; must outlive the router). A message is foreign when its sender is
 * not an agent of the node that sent it. NULL: each node's range lo .. hi - 1 decides. */
void nn_router_set_hosts(nn_router_t *r, const uint32_t *host);

/* The most messages one sender may send in a round (limits.max_messages_per_agent); the
 * ones after them are dropped as over_limit. 0: no limit (the default). */
void nn_router_set_max_per_sender(nn_router_t *r, uint32_t max);

/* Starts a round: forgets the previous round's counts and offsets. Its deliveries stay
 * (the nodes read them until they answer), but nn_router_tick() must not be called again
 * for the previous round after this. */
void nn_router_begin(nn_router_t *r);

/* Takes node k's messages as they arrive (any node order): checks them and counts them
 * by receiver. msgs must stay valid until nn_router_finish. */
void nn_router_add(nn_router_t *r, size_t k, uint32_t lo, uint32_t hi, const nn_msg_t *msgs,
                   size_t n);

/* MPI mode, once every node has answered: the round's messages to other ranks as
 * records in r->out, rank q's r->out_count[q] of them from r->out_at[q], each rank's
 * ascending by sender, stamped from the arrays of nn_router_set_stamps. NN_OK, or
 * NN_ENOMEM (nn_router_finish says it too). */
int nn_router_exports(nn_router_t *r);

/* MPI mode: the records other ranks sent this rank, as segments (each ascending by
 * sender; the segments in any order), borrowed until nn_router_finish. A record for an
 * agent that is not here is dropped as unknown_receiver. NN_OK, NN_ENOMEM, or NN_EINVAL
 * for segments given to a router without nn_router_set_ranks. */
int nn_router_imports(nn_router_t *r, const nn_router_import_t *seg, size_t n_seg);

/* Sorts the round's messages into deliveries, the imports merged in by sender. Nodes
 * must be hosting ascending agents in ascending node order. NN_OK or NN_ENOMEM. */
int nn_router_finish(nn_router_t *r);

/* After nn_router_finish: the routed round's deliveries remade, each as fate says (fate
 * may be NULL: all delivered), with late[0 .. n_late - 1] (ascending by `to`, each for an
 * agent of this rank) put into their receivers' inboxes, which are then sorted back into
 * canonical order (equal keys stay side by side). routed counts the result. NN_OK,
 * NN_EINVAL (late not ascending or for no agent), or NN_ENOMEM; on error the round's
 * deliveries are as they were. */
int nn_router_reshape(nn_router_t *r, nn_router_fate_fn fate, void *ctx,
                      const nn_router_late_t *late, size_t n_late);

/* The tick for the agents lo .. hi - 1 of the routed round: borrowed from the router,
 * valid until the next nn_router_finish. */
void nn_router_tick(const nn_router_t *r, uint32_t lo, uint32_t hi, nn_tick_t *t);

/* The same for the n agents ids (ascending, all of this rank, and no agent of this rank
 * between two of them lives on another node): off (n + 1 entries, the caller's) gets
 * their inbox offsets. */
void nn_router_tick_ids(const nn_router_t *r, const uint32_t *ids, size_t n, uint64_t *off,
                        nn_tick_t *t);

/* Checkpoints: the routed round (the inboxes the next round's ticks deliver), saved
 * between rounds and loaded into a router made by nn_router_init for the same agents.
 * NN_OK; load: NN_EPROTO (r->why says what does not fit) or NN_ENOMEM. */
int nn_router_save(const nn_router_t *r, nn_ckpt_writer_t *w);
int nn_router_load(nn_router_t *r, nn_ckpt_reader_t *rd);

#endif
