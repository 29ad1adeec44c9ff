/* CURVE key pairs for authenticated connections (ZeroMQ's CurveZMQ): `nunchi keygen`
 * writes them, and the coordinator and nodes read them. The files are ZeroMQ's
 * certificate format (ZPL, as CZMQ and pyzmq's zmq.auth write and read them), so that a
 * node in another language can load them with its ZeroMQ binding:
 *
 *   BASE.key         the public key only: the file to hand out, and to put in a
 *                    coordinator's directory of authorized keys
 *   BASE.key_secret  the public and the secret key (mode 0600): stays with its owner
 *
 * each holding lines `public-key = "Z85"` (and `secret-key = "Z85"`) under a `curve`
 * section; a key is 40 characters of Z85 (32 bytes). */
#ifndef NUNCHI_NODE_KEYS_H
#define NUNCHI_NODE_KEYS_H

#include <stddef.h>

#define NN_KEY_Z85_LEN 40 /* characters of a Z85 CURVE key, NUL not included */

/* 1 when this libzmq can do CURVE (it was built with libsodium). */
int nn_keys_available(void);

/* Makes a key pair and writes BASE.key and BASE.key_secret. Never overwrites: an
 * existing file is an error that names it. NN_OK, NN_EIO (err says which file and why),
 * NN_EINVAL (base NULL or empty) or NN_EZMQ (no CURVE in this libzmq). */
int nn_keys_generate(const char *base, char *err, size_t errlen);

/* Reads a certificate file: public gets its public key (NN_KEY_Z85_LEN + 1 bytes), and
 * secret (may be NULL) its secret key, which the file must then have; a secret key must
 * belong to the public key beside it. NN_OK, or NN_EIO / NN_ESCENARIO with err naming
 * the file, the line and what is wrong. */
int nn_keys_load(const char *path, char *public_key, char *secret_key, char *err, size_t errlen);

/* Makes sock a CURVE client of the server whose public key is server_public, as the
 * pair public_key / secret_key (all Z85), before it connects. NN_OK or NN_EZMQ. */
int nn_keys_client(void *sock, const char *server_public, const char *public_key,
                   const char *secret_key);

/* Makes sock a CURVE server with secret_key (Z85) in ZAP domain `domain`, before it binds:
 * every connecting peer is then asked about at inproc://zeromq.zap.01. NN_OK or NN_EZMQ. */
int nn_keys_server(void *sock, const char *secret_key, const char *domain);

/* The environment variables a coordinator gives the node processes it starts, when its
 * socket is a CURVE server: its public key and the nodes' own pair (Z85). */
#define NN_KEYS_ENV_SERVER "NUNCHI_CURVE_SERVER_KEY"
#define NN_KEYS_ENV_PUBLIC "NUNCHI_CURVE_PUBLIC_KEY"
#define NN_KEYS_ENV_SECRET "NUNCHI_CURVE_SECRET_KEY"

#endif
