/* The codec: the only module that touches protobuf-c. It turns the plain structs of
 * include/nunchi/wire.h into protocol v1 bytes and back, enforcing the size limits, and
 * rejects truncated, oversized and malformed input with an error code and a message,
 * never an abort. A codec owns reusable scratch buffers, so that encoding and decoding
 * round after round allocates only when a batch is larger than any before it. One codec
 * per thread; it is not shared. */
#ifndef NUNCHI_PROTO_CODEC_H
#define NUNCHI_PROTO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "nunchi/wire.h"

typedef struct nn_codec_limits {
    size_t max_message_bytes; /* a larger encoded message is NN_ETOOBIG either way */
    size_t max_batch;         /* each on its own: deliveries and notices in a tick, messages
                                 and acts in an actions */
    size_t max_agents;        /* agents in a welcome, states in an actions */
} nn_codec_limits_t;

#define NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES ((size_t)1 << 30)
#define NN_CODEC_DEFAULT_MAX_BATCH         ((size_t)1 << 27)
#define NN_CODEC_DEFAULT_MAX_AGENTS        ((size_t)1 << 27)
#define NN_CODEC_LIMITS_INIT                                                                       \
    {                                                                                              \
        NN_CODEC_DEFAULT_MAX_MESSAGE_BYTES, NN_CODEC_DEFAULT_MAX_BATCH,                            \
            NN_CODEC_DEFAULT_MAX_AGENTS                                                            \
    }

typedef struct nn_codec nn_codec_t;

/* Creates a codec with the given limits (NULL: the defaults). NN_OK or NN_ENOMEM;
 * *out is NULL on failure. */
int nn_codec_new(nn_codec_t **out, const nn_codec_limits_t *limits);

/* NULL-safe; sets *c to NULL. */
void nn_codec_destroy(nn_codec_t **c);

/* Encodes msg (kind, round, node and the matching union member; version is always
 * NN_PROTOCOL_VERSION). On NN_OK, *data and *len describe bytes owned by the codec and
 * valid until the next encode on it. NN_ETOOBIG when the result or a batch passes the
 * limits, NN_EINVAL for an inconsistent struct (for example a tick whose offsets do not
 * ascend), NN_ENOMEM; nn_codec_error() says which field. Encoding checks what decoding
 * checks, so whatever encodes also decodes. A column whose entries are all at their
 * default is left off the wire (delivery trends 0, standing 1, flags 0; message
 * hostility 0, flags 0; agent trends and memory 0, also when the pointer is not NULL;
 * a welcome's recall when every count is 0; parameter distributions constant, param_b 0)
 * and decodes to the same values. */
int nn_codec_encode(nn_codec_t *c, const nn_wire_t *msg, const void **data, size_t *len);

/* Decodes one message. On NN_OK, *out is filled; its arrays point into the codec and stay
 * valid until the next decode of a message of the same kind on this codec, successful or
 * not (a tick that fails its checks may have overwritten the previous tick's arrays; bytes
 * that are not protobuf at all touch none). On error (NN_ETOOBIG, NN_EPROTO, NN_ENOMEM)
 * *out->kind is NN_WIRE_NONE and err (if not NULL) holds a lower-case reason of at most
 * errlen - 1 bytes, such as "actions: 'to' has 3 entries but 'from' has 4"; when the
 * envelope was readable but of another protocol version, out->version holds that
 * version (else it is 0 or NN_PROTOCOL_VERSION). A len above
 * max_message_bytes is NN_ETOOBIG before anything is unpacked. Checks, beyond
 * protobuf's own: version is NN_PROTOCOL_VERSION; a body is present; parallel arrays
 * have equal lengths; batches fit max_batch and max_agents (NN_ETOOBIG); every double is
 * finite; a tick must be sorted by receiver then (sender, seq), non-descending (a repeated
 * key is allowed: a delayed or duplicated message may meet one with the same sender and
 * seq), and a decoded tick has receiver[] set, one run per receiver and offsets from 0;
 * an actions message is reordered by (from, seq) when needed, and each sender's seq must
 * run 0, 1, 2, ... without gaps or repeats; welcome agents ascend, offsets start at 0,
 * ascend and end at the neighbour count, population indices are in range, dim is 1;
 * names fit their fields. The fields of societies: a delivery's standing is finite and
 * >= 0 and its flags, like a message's, have no bit but NN_MSG_DEFECT; a message's
 * hostility is in [0, 1]; notices and acts have a kind in 1 .. NN_NOTICE_KINDS - 1 or
 * 1 .. NN_ACT_KINDS - 1, finite values, and receivers or agents that do not descend; a
 * notice's protocol fits 16 bits; a parameter's distribution is known, its param_b
 * finite, a uniform's param_b >= its value and a normal's >= 0. Optional columns are empty
 * or one entry per delivery, message, agent or parameter; a decoded tick always has
 * notice_to[] and notices[] set (n_notices may be 0), a decoded actions has trends and
 * memory NULL when they were empty (all 0) and acts[] always set. A welcome's recall has
 * one count per agent adding up to its items, texts of at most 4096 bytes without NUL,
 * and a decoded welcome has recall_count NULL when it came without one. */
int nn_codec_decode(nn_codec_t *c, const void *data, size_t len, nn_wire_t *out, char *err,
                    size_t errlen);

/* The reason for the last failed encode or decode on c, a lower-case sentence naming the
 * message kind and the field ("tick: 'inbox_off' descends at run 3 (10 after 12)"); ""
 * after a success. Never NULL, also for c == NULL. Valid until the next call on c. */
const char *nn_codec_error(const nn_codec_t *c);

/* How many times c has asked the heap for memory since it was created (growing a scratch
 * column, the output buffer or the unpack arena). Once the buffers have reached the
 * largest batch seen, encoding and decoding add nothing to it; the tests check that. */
uint64_t nn_codec_allocations(const nn_codec_t *c);

#endif
