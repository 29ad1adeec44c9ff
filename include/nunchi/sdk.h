/* The C SDK: a node of one's own in one C file. Write a behaviour (an nn_behaviour_ops_t,
 * see nunchi/behaviour.h), register it, and hand main's arguments to nn_node_main(), which
 * is nunchi-node's whole command line (--connect, --claim, --server-key/--key, --timeout,
 * --max-agents, --verbose ...). Build it with `cc my_node.c $(pkg-config --cflags --libs
 * nunchi)`; clients/c/ has an example and says how such a node joins a society. */
#ifndef NUNCHI_SDK_H
#define NUNCHI_SDK_H

#include <stddef.h>

#include "nunchi/behaviour.h"
#include "nunchi/error.h"
#include "nunchi/node.h"

/* What a program tells nn_node_main besides its arguments. */
typedef struct nn_node_main_config {
    const char *implementation; /* the node's name: in its Hello (node_joined events), in
                                   --help and --version, and before every message */
    const char *version;        /* printed by --version; NULL: libnunchi's own */
    const nn_claim_t *claims;   /* the external populations it hosts without --claim
                                   (borrowed); any --claim replaces all of them */
    size_t n_claims;
    int builtin; /* 1: it can also host the built-in behaviours' populations */
} nn_node_main_config_t;

#define NN_NODE_MAIN_CONFIG_INIT                                                                   \
    {                                                                                              \
        "nunchi-node", NULL, NULL, 0, 1                                                            \
    }

/* Runs a node as nunchi-node does, on main's argc and argv, and returns what main
 * returns: 0 when the coordinator said bye, 1 when the run failed or the coordinator
 * refused the node (the reason is on stderr), 2 for a wrong command line or key file.
 * cfg may be NULL (nunchi-node itself). Register the program's behaviours with
 * nn_behaviour_register() before: a claim must name a behaviour the registry has. Call it
 * once, from main's thread; it tunes the C library's allocator for the run. */
int nn_node_main(int argc, char **argv, const nn_node_main_config_t *cfg);

/* libnunchi's version, such as "0.1.0"; never NULL. */
const char *nn_version(void);

#endif
