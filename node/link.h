/* A link is one ZeroMQ socket and the way messages cross it: by pointer between threads
 * of one process (local: the frame holds an nn_wire_t pointer, the sender keeps the
 * struct and its arrays alive until the peer answers), or as protobuf bytes through the
 * codec (everywhere else). The coordinator's ROUTER prefixes each message with the
 * peer's routing id; a node's DEALER does not. */
#ifndef NUNCHI_NODE_LINK_H
#define NUNCHI_NODE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/wire.h"
#include "proto/codec.h"

#define NN_PEER_ID_MAX 255

typedef struct nn_peer_id {
    size_t len;
    unsigned char id[NN_PEER_ID_MAX];
    char user[48]; /* the ZAP handler's User-Id of the peer (under CURVE: its public key in
                      Z85), or "" */
} nn_peer_id_t;

typedef struct nn_link {
    void *sock;        /* borrowed */
    int local;         /* 1: pointer passing */
    int router;        /* 1: frames carry a routing id first */
    nn_codec_t *codec; /* owned; NULL when local */
    uint64_t bytes_out;
    uint64_t bytes_in;
} nn_link_t;

/* Makes a link over sock. NN_OK or NN_ENOMEM. */
int nn_link_init(nn_link_t *l, void *sock, int local, int router, const nn_codec_limits_t *lim);
void nn_link_release(nn_link_t *l);

/* Sends msg (to `to` on a router link). Local links send the pointer msg itself: it and
 * its arrays must stay valid until the peer answers. A router link never waits: NN_EPEER
 * for a peer whose connection has closed or whose queue is full (it does not read).
 * NN_OK, NN_EPEER, NN_EZMQ, NN_ETOOBIG, NN_EINVAL. */
int nn_link_send(nn_link_t *l, const nn_peer_id_t *to, const nn_wire_t *msg, char *err,
                 size_t errlen);

/* Sends bytes already encoded (by a codec of the caller's) on a remote link. NN_OK,
 * NN_EPEER, NN_EZMQ, NN_EINVAL (a local link, or a router link without `to`). */
int nn_link_send_bytes(nn_link_t *l, const nn_peer_id_t *to, const void *data, size_t len,
                       char *err, size_t errlen);

/* Waits up to timeout_ms (-1: forever) for one message. NN_OK with *out filled (and
 * *from on a router link); NN_ETIMEOUT when nothing came; NN_EPROTO / NN_ETOOBIG for a
 * message that cannot be decoded (from is still filled, so the sender can be told and
 * counted); NN_EZMQ. Decoded arrays stay valid as nn_codec_decode() says; local ones as
 * long as the sender keeps them. */
int nn_link_recv(nn_link_t *l, int timeout_ms, nn_peer_id_t *from, nn_wire_t *out, char *err,
                 size_t errlen);

/* One event of a ZeroMQ socket monitor (a PAIR connected to zmq_socket_monitor's
 * endpoint), read without waiting: 1 with *event, *value and the endpoint (may be NULL)
 * filled, 0 when none is queued. */
int nn_link_monitor_event(void *mon, uint16_t *event, uint32_t *value, char *endpoint, size_t len);

/* Tunes the C library's allocator for batches of many megabytes that are allocated and
 * freed every round (ZeroMQ's message buffers, the codec's unpacking): they stay in the
 * heap instead of being mapped afresh as zero-filled pages each round, which costs about
 * a tenth of an ipc round. For a program's main, before its first round. */
void nn_link_tune_allocator(void);

/* Monotonic seconds. */
double nn_now(void);

#endif
