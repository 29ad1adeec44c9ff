/* Partitioning of the society's network into P parts, the placement that the MPI mode
 * uses to give each rank its agents: neighbours should share a part (fewer messages
 * cross ranks) and parts should be of equal size (no rank waits for a larger one).
 * Three methods: block (contiguous id ranges), hash (a seeded hash of the id) and metis
 * (METIS's multilevel k-way partitioner on the CSR). Every method reports its edge cut
 * and its balance. A partition is placement only: it never changes what a run computes,
 * only where it is computed and how many messages cross parts. */
#ifndef NUNCHI_COORDINATOR_PARTITION_H
#define NUNCHI_COORDINATOR_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "network.h"

/* The hash method's random stream (nunchi/rng.h: NN_STREAM_USER + 2); the metis
 * method's METIS seed is drawn from it too. */
#define NN_STREAM_PARTITION 66

typedef enum nn_partition_method {
    NN_PARTITION_METIS = 0, /* METIS_PartGraphKway: small cut, balance within 3% */
    NN_PARTITION_BLOCK,     /* ids 0 .. n-1 in P contiguous ranges */
    NN_PARTITION_HASH       /* a seeded hash of each id: balanced on average, cut ~ (1 - 1/P) */
} nn_partition_method_t;

#define NN_PARTITION_METHODS 3

typedef struct nn_partition {
    uint32_t n;                   /* agents (the network's n) */
    uint32_t parts;               /* P */
    uint32_t *part;               /* n: each agent's part, 0 .. P - 1 */
    uint64_t *size;               /* P: agents per part; sums to n */
    uint64_t cut;                 /* undirected edges whose two ends lie in different parts */
    double balance;               /* largest part / (n / P): 1 is perfect; 1 when n = 0 */
    nn_partition_method_t method; /* the method that made part[]: the one asked for, or
                                     block where metis could not be used (see note) */
    char note[160];               /* why another method was used, or what METIS did
                                     differently; "" when the method ran as asked */
} nn_partition_t;

/* "metis", "block", "hash", or "?" for a value outside the enum. */
const char *nn_partition_method_name(nn_partition_method_t m);

/* Parses a method's name as written in a scenario or on the command line ("metis",
 * "block", "hash"). NN_OK and *m set, or NN_EINVAL (unknown name, or a NULL argument)
 * with *m untouched. */
int nn_partition_method_parse(const char *name, nn_partition_method_t *m);

/* Partitions net (which must keep network.h's CSR invariants; n may be 0 or 1 here)
 * into parts >= 1 parts with method m. out need not be initialised: it is overwritten,
 * and on success the caller owns its arrays and calls nn_partition_release. On failure
 * *out holds no memory (it is zeroed, safe to release), the return is NN_EINVAL (out,
 * net NULL, parts 0, m not a method, or a neighbour id >= n found while converting for
 * METIS), NN_ENOMEM, NN_ESCENARIO (metis asked for a network larger than METIS's idx_t
 * can index: the message names the limit and the other methods) or NN_EGRAPH (METIS
 * failed: the message holds its return code), and err (if not NULL) holds a message.
 *
 * block: parts of q = n / P and r = n % P agents: parts 0 .. r-1 hold q + 1 agents,
 *   the rest q, in id order (agent i of the first r*(q+1) is in part i / (q+1)).
 * hash: part(i) = nn_rng_at(nn_rng_stream_key(seed, NN_STREAM_PARTITION), i) % P.
 * metis: METIS_PartGraphKway with unit vertex and edge weights, cut objective,
 *   imbalance tolerance 1.03, C numbering and a METIS seed taken from seed, so that the
 *   same (net, parts, seed) gives the same parts with the same METIS and C library
 *   (METIS draws from the C library's rand()). Where METIS cannot serve, out->method
 *   says what did and out->note why: parts = 1 gives every agent part 0 without METIS
 *   (METIS 5.1 divides by zero there); parts >= n and a network without edges use
 *   block (with parts >= n every edge is cut whatever the assignment; without edges
 *   block's exact balance is the best there is); when k-way leaves a part empty (it
 *   does when n / P is small) METIS's recursive bisection is tried, and when that also
 *   leaves one empty, block. So for parts <= n no part is ever empty.
 *
 * METIS holds process-wide state while it runs: it reseeds the C library's rand() and
 * installs its own SIGABRT and SIGTERM handlers (put back before returning; a SIGTERM
 * that arrives meanwhile makes METIS fail with NN_EGRAPH rather than reach the
 * program's handler). So only one thread may partition with metis at a time, and
 * nothing else may use rand() meanwhile. block and hash are pure and thread-safe.
 * Memory: 4 bytes an agent and 8 a part for out; metis adds a copy of the CSR as
 * METIS's idx_t (4 bytes an entry with Debian's 32-bit build) and METIS's own work
 * space, some times the graph. */
int nn_partition_build(nn_partition_t *out, const nn_network_t *net, uint32_t parts,
                       nn_partition_method_t m, uint64_t seed, char *err, size_t errlen);

/* Recomputes p->size, p->cut and p->balance from p->part on net (same n), for callers
 * that move agents between parts. NN_OK or NN_EINVAL (NULL, n mismatch, a part >=
 * parts). */
int nn_partition_measure(nn_partition_t *p, const nn_network_t *net);

/* Frees p's arrays and zeroes it; NULL-safe, and safe on a zeroed or released p. */
void nn_partition_release(nn_partition_t *p);

#endif
