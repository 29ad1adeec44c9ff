/* The coordinator's ZAP handler (ZeroMQ's authentication protocol, RFC 27): when the
 * coordinator's socket is a CURVE server (scenario key security.curve), libzmq asks this
 * handler about every node that connects, with the node's public key; it lets in the keys
 * of the authorized-keys directory (every NAME.key file there, as nunchi keygen writes
 * them) and the one key the coordinator gave the node processes it started itself, and
 * refuses the rest. Each refusal is counted and kept (address and key) until the
 * coordinator takes it for events.jsonl. The handler runs on a thread of its own, on an
 * inproc REP socket of the coordinator's ZeroMQ context, bound before the coordinator's
 * socket so that no connection is let in unasked. */
#ifndef NUNCHI_COORDINATOR_ZAP_H
#define NUNCHI_COORDINATOR_ZAP_H

#include <stddef.h>
#include <stdint.h>

#include "node/keys.h"

#define NN_ZAP_DOMAIN "nunchi"

typedef struct nn_zap nn_zap_t;

typedef struct nn_zap_refusal {
    char address[64];             /* the peer's address as libzmq gives it */
    char key[NN_KEY_Z85_LEN + 1]; /* its public key, Z85, or "" when it had none */
} nn_zap_refusal_t;

/* Loads the public keys of dir (every regular file whose name ends in ".key") and
 * extra (a Z85 public key, or NULL), binds the handler in ctx and starts its thread.
 * NN_OK, NN_EIO / NN_ESCENARIO (a key file or the directory is wrong: err names it),
 * NN_EZMQ or NN_ENOMEM. */
int nn_zap_start(nn_zap_t **out, void *ctx, const char *dir, const char *extra, char *err,
                 size_t errlen);

/* Keys loaded from the directory (extra not counted). */
size_t nn_zap_keys(const nn_zap_t *z);

/* Refusals so far. */
uint64_t nn_zap_refused(const nn_zap_t *z);

/* Moves up to max refusals not taken yet into out; returns how many. */
size_t nn_zap_take(nn_zap_t *z, nn_zap_refusal_t *out, size_t max);

/* Stops the thread and closes the handler's socket (before the context is ended).
 * NULL-safe; *z becomes NULL. */
void nn_zap_stop(nn_zap_t **z);

#endif
